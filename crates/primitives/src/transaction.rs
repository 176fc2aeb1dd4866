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
    #[serde(deserialize_with = "resealed")]
    Privileged(Sealed<TxPrivileged>),
}

/// Reads a privileged transaction from JSON and computes its hash: a `hash` field in the input
/// is never trusted.
fn resealed<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Sealed<TxPrivileged>, D::Error> {
    <TxPrivileged as serde::Deserialize>::deserialize(deserializer).map(Sealed::new)
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
        let mut forged = json.clone();
        let back: BasaltTxEnvelope = serde_json::from_value(json).unwrap();
        assert_eq!(back, BasaltTxEnvelope::from(privileged()));
        // A forged hash in the JSON is ignored: the hash is always recomputed.
        forged["hash"] = serde_json::json!(B256::repeat_byte(0x42));
        let read: BasaltTxEnvelope = serde_json::from_value(forged).unwrap();
        assert_eq!(*read.tx_hash(), privileged().tx_hash());
    }

    mod properties {
        use super::*;
        use alloy_primitives::Address;
        use proptest::prelude::*;

        fn privileged_tx() -> impl Strategy<Value = TxPrivileged> {
            (
                any::<u64>(),
                any::<u64>(),
                any::<u64>(),
                any::<Option<[u8; 20]>>(),
                any::<[u8; 32]>(),
                any::<[u8; 32]>(),
                prop::collection::vec(any::<u8>(), 0..200),
                any::<[u8; 20]>(),
            )
                .prop_map(
                    |(chain_id, nonce, gas_limit, to, mint, value, input, from)| TxPrivileged {
                        chain_id,
                        nonce,
                        gas_limit,
                        to: to.map_or(TxKind::Create, |to| TxKind::Call(Address::from(to))),
                        mint: U256::from_be_bytes(mint),
                        value: U256::from_be_bytes(value),
                        input: Bytes::from(input),
                        from: Address::from(from),
                    },
                )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Any privileged transaction survives both encodings, and its hash is the keccak
            /// of its 2718 bytes.
            #[test]
            fn privileged_transactions_round_trip(tx in privileged_tx()) {
                let envelope = BasaltTxEnvelope::from(tx.clone());
                let bytes = envelope.encoded_2718();
                prop_assert_eq!(*envelope.tx_hash(), alloy_primitives::keccak256(&bytes));
                let decoded = BasaltTxEnvelope::decode_2718(&mut bytes.as_slice()).unwrap();
                prop_assert_eq!(decoded.as_privileged(), Some(&tx));
                let network = alloy_rlp::encode(&envelope);
                let decoded: BasaltTxEnvelope =
                    alloy_rlp::Decodable::decode(&mut network.as_slice()).unwrap();
                prop_assert_eq!(decoded, envelope);
            }

            /// A privileged transaction with one byte changed either fails to decode or decodes
            /// to a transaction whose encoding is exactly those bytes: no second encoding of one
            /// transaction (so no second hash) exists.
            #[test]
            fn a_changed_byte_never_yields_a_second_encoding(
                tx in privileged_tx(),
                position in any::<prop::sample::Index>(),
                byte in any::<u8>(),
            ) {
                let mut bytes = BasaltTxEnvelope::from(tx).encoded_2718();
                let at = position.index(bytes.len());
                bytes[at] = byte;
                let mut cursor = bytes.as_slice();
                if let Ok(decoded) = BasaltTxEnvelope::decode_2718(&mut cursor) {
                    let consumed = bytes.len() - cursor.len();
                    prop_assert_eq!(decoded.encoded_2718(), bytes[..consumed].to_vec());
                }
            }

            /// Arbitrary bytes never panic the decoders; what decodes re-encodes to the same
            /// bytes (one encoding per transaction), typed ones included.
            #[test]
            fn arbitrary_bytes_decode_or_fail_cleanly(
                ty in prop::sample::select(vec![0x7eu8, 0x02, 0x01, 0x04, 0x7f, 0xc0]),
                body in prop::collection::vec(any::<u8>(), 0..300),
            ) {
                let mut bytes = vec![ty];
                bytes.extend_from_slice(&body);
                let mut cursor = bytes.as_slice();
                if let Ok(tx) = BasaltTxEnvelope::decode_2718(&mut cursor) {
                    let consumed = bytes.len() - cursor.len();
                    if tx.is_privileged() {
                        prop_assert_eq!(tx.encoded_2718(), bytes[..consumed].to_vec());
                    }
                }
                let mut cursor = bytes.as_slice();
                let _ = crate::BasaltReceipt::decode_2718(&mut cursor);
                let _ = <crate::BasaltReceipt as alloy_rlp::Decodable>::decode(&mut body.as_slice());
            }
        }
    }
}
