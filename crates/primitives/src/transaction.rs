//! The project's transaction envelope: every signed Ethereum transaction type plus the privileged
//! (`0x7e`) L1 -> L2 transaction, and the receipt type that goes with it.

use crate::{
    privileged::TxPrivileged,
    sender::{SenderError, recover_sender},
};
use alloy_consensus::{Sealed, TransactionEnvelope, TxEnvelope, TxType};
use alloy_primitives::{Address, B256};

/// A transaction as blocks carry it (EIP-2718): a signed Ethereum transaction (types 0-4), or a
/// privileged transaction (type `0x7e`, docs/contracts.md) that only the L2's queue produces.
/// RLP, 2718 bytes and JSON of the Ethereum variants are exactly alloy's.
#[derive(Debug, Clone, TransactionEnvelope)]
#[envelope(tx_type_name = BasaltTxType)]
pub enum BasaltTxEnvelope {
    /// A signed Ethereum transaction.
    #[envelope(flatten)]
    Ethereum(TxEnvelope),
    /// An L1 -> L2 transaction; `from` is authenticated by the L1 bridge, there is no signature.
    #[envelope(ty = 126)]
    Privileged(Sealed<TxPrivileged>),
}

impl BasaltTxEnvelope {
    /// The transaction hash (keccak of the 2718 bytes).
    pub fn tx_hash(&self) -> &B256 {
        match self {
            Self::Ethereum(tx) => tx.tx_hash(),
            Self::Privileged(tx) => tx.hash_ref(),
        }
    }

    /// The EIP-2718 type.
    pub fn tx_type(&self) -> BasaltTxType {
        match self {
            Self::Ethereum(tx) => BasaltTxType::Ethereum(tx.tx_type()),
            Self::Privileged(_) => BasaltTxType::Privileged,
        }
    }

    /// The signed Ethereum transaction, `None` for a privileged one.
    pub fn as_ethereum(&self) -> Option<&TxEnvelope> {
        match self {
            Self::Ethereum(tx) => Some(tx),
            Self::Privileged(_) => None,
        }
    }

    /// The privileged transaction, `None` for a signed one.
    pub fn as_privileged(&self) -> Option<&TxPrivileged> {
        match self {
            Self::Ethereum(_) => None,
            Self::Privileged(tx) => Some(tx.inner()),
        }
    }

    /// True for a privileged (`0x7e`) transaction.
    pub fn is_privileged(&self) -> bool {
        matches!(self, Self::Privileged(_))
    }

    /// The sender: recovered from the signature, or the privileged transaction's `from`.
    /// `allow_high_s` is true only before Homestead (EIP-2).
    pub fn recover_sender(&self, allow_high_s: bool) -> Result<Address, SenderError> {
        match self {
            Self::Ethereum(tx) => recover_sender(tx, allow_high_s),
            Self::Privileged(tx) => Ok(tx.from),
        }
    }
}

impl From<TxPrivileged> for BasaltTxEnvelope {
    fn from(tx: TxPrivileged) -> Self {
        Self::Privileged(Sealed::new(tx))
    }
}

impl From<TxEnvelope> for BasaltTxEnvelope {
    fn from(tx: TxEnvelope) -> Self {
        Self::Ethereum(tx)
    }
}

impl From<TxType> for BasaltTxType {
    fn from(ty: TxType) -> Self {
        Self::Ethereum(ty)
    }
}

impl alloy_consensus::InMemorySize for BasaltTxType {
    fn size(&self) -> usize {
        core::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_consensus::{Transaction, TxEip1559};
    use alloy_eips::eip2718::{Decodable2718, Encodable2718};
    use alloy_primitives::{Bytes, TxKind, U256, address, b256};

    fn privileged() -> TxPrivileged {
        TxPrivileged {
            chain_id: 1729,
            nonce: 3,
            gas_limit: 100_000,
            to: TxKind::Call(address!("0x00000000000000000000000000000000000001ff")),
            mint: U256::from(1_000),
            value: U256::from(1_000),
            input: Bytes::new(),
            from: address!("0x00000000000000000000000000000000000001ff"),
        }
    }

    #[test]
    fn ethereum_variants_keep_alloys_bytes_and_hash() {
        let secret = b256!("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        let signed = crate::sender::sign_transaction(
            TxEip1559 { chain_id: 1, gas_limit: 21_000, ..Default::default() },
            &secret,
        )
        .unwrap();
        let envelope = BasaltTxEnvelope::from(signed.clone());
        assert_eq!(envelope.encoded_2718(), signed.encoded_2718());
        assert_eq!(envelope.tx_hash(), signed.tx_hash());
        assert_eq!(u8::from(envelope.tx_type()), 2);
        let decoded = BasaltTxEnvelope::decode_2718(&mut signed.encoded_2718().as_slice()).unwrap();
        assert_eq!(decoded, envelope);
        assert_eq!(
            serde_json::to_value(&envelope).unwrap(),
            serde_json::to_value(&signed).unwrap()
        );
    }

    #[test]
    fn privileged_variant_decodes_by_type_byte_and_hashes_its_bytes() {
        let envelope = BasaltTxEnvelope::from(privileged());
        let bytes = envelope.encoded_2718();
        assert_eq!(bytes[0], 0x7e);
        assert_eq!(*envelope.tx_hash(), alloy_primitives::keccak256(&bytes));
        let decoded = BasaltTxEnvelope::decode_2718(&mut bytes.as_slice()).unwrap();
        assert!(decoded.is_privileged());
        assert_eq!(decoded, envelope);
        assert_eq!(decoded.recover_sender(false).unwrap(), privileged().from);
        assert_eq!(decoded.nonce(), 3);
        assert_eq!(u8::from(decoded.tx_type()), 0x7e);
        // A signed-only decoder refuses it.
        assert!(TxEnvelope::decode_2718(&mut bytes.as_slice()).is_err());
    }

    #[test]
    fn privileged_json_is_typed_with_from_and_no_signature() {
        let json = serde_json::to_value(BasaltTxEnvelope::from(privileged())).unwrap();
        assert_eq!(json["type"], "0x7e");
        assert_eq!(json["from"], "0x00000000000000000000000000000000000001ff");
        assert_eq!(json["mint"], "0x3e8");
        for field in ["v", "r", "s", "yParity"] {
            assert!(json.get(field).is_none(), "{field} in {json}");
        }
        let back: BasaltTxEnvelope = serde_json::from_value(json).unwrap();
        assert_eq!(back, BasaltTxEnvelope::from(privileged()));
    }
}
