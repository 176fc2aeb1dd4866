//! The project's receipt: alloy's typed Ethereum receipts plus the privileged (`0x7e`) receipt,
//! encoded `0x7e ‖ rlp([status, cumulative_gas_used, bloom, logs])` in the receipts trie
//! (EIP-2718's receipt rule; the fields are the EIP-658 receipt's).

use crate::{BasaltTxType, PRIVILEGED_TX_TYPE};
use alloy_consensus::{
    Eip658Value, Receipt, ReceiptEnvelope, ReceiptWithBloom, TxReceipt, TxType, Typed2718,
};
use alloy_eips::eip2718::{Decodable2718, Eip2718Error, Eip2718Result, Encodable2718};
use alloy_primitives::{Bloom, Log};
use alloy_rlp::{BufMut, Decodable, Encodable};

/// A receipt with its bloom. `T` is the log type (alloy's `Log`, or the RPC log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasaltReceipt<T = Log> {
    /// The receipt of a signed Ethereum transaction (types 0-4).
    Ethereum(ReceiptEnvelope<T>),
    /// The receipt of a privileged transaction (type `0x7e`).
    Privileged(ReceiptWithBloom<Receipt<T>>),
}

impl<T> BasaltReceipt<T> {
    /// The receipt for a transaction of type `tx_type`.
    pub fn from_typed(tx_type: BasaltTxType, receipt: ReceiptWithBloom<Receipt<T>>) -> Self {
        match tx_type {
            BasaltTxType::Ethereum(ty) => Self::Ethereum(ReceiptEnvelope::from_typed(ty, receipt)),
            BasaltTxType::Privileged => Self::Privileged(receipt),
        }
    }

    /// The type of the transaction this receipt belongs to.
    pub fn tx_type(&self) -> BasaltTxType {
        match self {
            Self::Ethereum(receipt) => BasaltTxType::Ethereum(receipt.tx_type()),
            Self::Privileged(_) => BasaltTxType::Privileged,
        }
    }

    /// The receipt with its bloom, whatever the type.
    pub fn as_receipt_with_bloom(&self) -> &ReceiptWithBloom<Receipt<T>> {
        match self {
            Self::Ethereum(receipt) => receipt
                .as_receipt_with_bloom()
                .expect("every ReceiptEnvelope variant holds a receipt with bloom"),
            Self::Privileged(receipt) => receipt,
        }
    }

    /// True when the transaction succeeded (EIP-658; a pre-Byzantium post-state root counts as
    /// success, as alloy coerces it).
    pub fn status(&self) -> bool {
        self.as_receipt_with_bloom().receipt.status.coerce_status()
    }

    /// Gas used by the block up to and including this transaction.
    pub fn cumulative_gas_used(&self) -> u64 {
        self.as_receipt_with_bloom().receipt.cumulative_gas_used
    }

    /// The bloom of the logs.
    pub fn logs_bloom(&self) -> &Bloom {
        &self.as_receipt_with_bloom().logs_bloom
    }

    /// The logs.
    pub fn logs(&self) -> &[T] {
        &self.as_receipt_with_bloom().receipt.logs
    }

    /// Converts the log type (the bloom is kept).
    pub fn map_logs<U>(self, f: impl FnMut(T) -> U) -> BasaltReceipt<U> {
        match self {
            Self::Ethereum(receipt) => BasaltReceipt::Ethereum(receipt.map_logs(f)),
            Self::Privileged(receipt) => BasaltReceipt::Privileged(receipt.map_logs(f)),
        }
    }
}

impl<T> TxReceipt for BasaltReceipt<T>
where
    T: AsRef<Log> + Clone + core::fmt::Debug + PartialEq + Eq + Send + Sync,
{
    type Log = T;

    fn status_or_post_state(&self) -> Eip658Value {
        self.as_receipt_with_bloom().receipt.status
    }

    fn status(&self) -> bool {
        BasaltReceipt::status(self)
    }

    fn bloom(&self) -> Bloom {
        self.as_receipt_with_bloom().logs_bloom
    }

    fn bloom_cheap(&self) -> Option<Bloom> {
        Some(self.bloom())
    }

    fn cumulative_gas_used(&self) -> u64 {
        BasaltReceipt::cumulative_gas_used(self)
    }

    fn logs(&self) -> &[Self::Log] {
        BasaltReceipt::logs(self)
    }

    fn into_logs(self) -> Vec<Self::Log> {
        match self {
            Self::Ethereum(receipt) => receipt.into_logs(),
            Self::Privileged(receipt) => receipt.receipt.logs,
        }
    }
}

impl Typed2718 for BasaltReceipt {
    fn ty(&self) -> u8 {
        u8::from(self.tx_type())
    }
}

impl Encodable2718 for BasaltReceipt {
    fn type_flag(&self) -> Option<u8> {
        match self {
            Self::Ethereum(receipt) => receipt.type_flag(),
            Self::Privileged(_) => Some(PRIVILEGED_TX_TYPE),
        }
    }

    fn encode_2718_len(&self) -> usize {
        match self {
            Self::Ethereum(receipt) => receipt.encode_2718_len(),
            Self::Privileged(receipt) => 1 + receipt.length(),
        }
    }

    fn encode_2718(&self, out: &mut dyn BufMut) {
        match self {
            Self::Ethereum(receipt) => receipt.encode_2718(out),
            Self::Privileged(receipt) => {
                out.put_u8(PRIVILEGED_TX_TYPE);
                receipt.encode(out);
            }
        }
    }
}

impl Decodable2718 for BasaltReceipt {
    fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
        if ty == PRIVILEGED_TX_TYPE {
            return Ok(Self::Privileged(Decodable::decode(buf)?));
        }
        if TxType::try_from(ty).is_err() {
            return Err(Eip2718Error::UnexpectedType(ty));
        }
        Ok(Self::Ethereum(ReceiptEnvelope::typed_decode(ty, buf)?))
    }

    fn fallback_decode(buf: &mut &[u8]) -> Eip2718Result<Self> {
        Ok(Self::Ethereum(ReceiptEnvelope::fallback_decode(buf)?))
    }
}

/// Network form (as stored and as in `eth/69` receipts): a legacy receipt as its list, a typed
/// one as an RLP string holding its 2718 bytes.
impl Encodable for BasaltReceipt {
    fn encode(&self, out: &mut dyn BufMut) {
        self.network_encode(out);
    }

    fn length(&self) -> usize {
        self.network_len()
    }
}

impl Decodable for BasaltReceipt {
    fn decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        Self::network_decode(buf).map_err(Into::into)
    }
}

/// JSON inside RPC receipts: Ethereum receipts exactly as alloy writes them, a privileged receipt
/// the same fields with `"type": "0x7e"`.
impl<T: serde::Serialize> serde::Serialize for BasaltReceipt<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        privileged_json::serialize(self, serializer)
    }
}

mod privileged_json {
    use super::*;
    use serde::{Serialize, Serializer};

    #[derive(Serialize)]
    struct Typed<'a, R> {
        #[serde(rename = "type")]
        ty: &'a str,
        #[serde(flatten)]
        receipt: &'a R,
    }

    pub(super) fn serialize<S: Serializer, T: Serialize>(
        receipt: &BasaltReceipt<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match receipt {
            BasaltReceipt::Ethereum(receipt) => receipt.serialize(serializer),
            BasaltReceipt::Privileged(receipt) => {
                Typed { ty: "0x7e", receipt }.serialize(serializer)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, B256, Bytes};

    fn receipt(success: bool) -> ReceiptWithBloom<Receipt> {
        Receipt {
            status: Eip658Value::Eip658(success),
            cumulative_gas_used: 21_000,
            logs: vec![Log::new_unchecked(Address::repeat_byte(1), vec![B256::ZERO], Bytes::new())],
        }
        .with_bloom()
    }

    #[test]
    fn privileged_receipt_is_typed_0x7e_in_both_forms() {
        let privileged = BasaltReceipt::from_typed(BasaltTxType::Privileged, receipt(true));
        let typed = privileged.encoded_2718();
        assert_eq!(typed[0], 0x7e);
        assert_eq!(&typed[1..], alloy_rlp::encode(receipt(true)).as_slice());
        assert_eq!(BasaltReceipt::decode_2718(&mut typed.as_slice()).unwrap(), privileged);
        let network = alloy_rlp::encode(&privileged);
        assert_eq!(network.len(), privileged.length());
        assert_eq!(BasaltReceipt::decode(&mut network.as_slice()).unwrap(), privileged);
    }

    #[test]
    fn json_is_alloys_with_type_0x7e_for_privileged() {
        let privileged = BasaltReceipt::from_typed(BasaltTxType::Privileged, receipt(true));
        let json = serde_json::to_value(&privileged).unwrap();
        assert_eq!(json["type"], "0x7e");
        assert_eq!(json["status"], "0x1");
        assert_eq!(json["cumulativeGasUsed"], "0x5208");
        assert!(json["logsBloom"].is_string());
        let ethereum =
            BasaltReceipt::from_typed(BasaltTxType::Ethereum(TxType::Eip1559), receipt(true));
        assert_eq!(
            serde_json::to_value(&ethereum).unwrap(),
            serde_json::to_value(ReceiptEnvelope::from_typed(TxType::Eip1559, receipt(true)))
                .unwrap()
        );
    }

    #[test]
    fn ethereum_receipts_keep_alloys_bytes() {
        for ty in [TxType::Legacy, TxType::Eip1559, TxType::Eip4844, TxType::Eip7702] {
            let ours = BasaltReceipt::from_typed(BasaltTxType::Ethereum(ty), receipt(false));
            let alloys = ReceiptEnvelope::from_typed(ty, receipt(false));
            assert_eq!(ours.encoded_2718(), alloys.encoded_2718());
            assert_eq!(alloy_rlp::encode(&ours), alloy_rlp::encode(&alloys));
            let back = BasaltReceipt::decode(&mut alloy_rlp::encode(&alloys).as_slice()).unwrap();
            assert_eq!(back, ours);
        }
        assert!(BasaltReceipt::decode_2718(&mut &[0x05, 0xc0][..]).is_err());
    }
}
