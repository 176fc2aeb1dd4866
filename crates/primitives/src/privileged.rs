//! The privileged transaction (EIP-2718 type `0x7e`): an L1 -> L2 transaction queued by the L1
//! bridge and executed by the L2 without signature, nonce or fee checks.
//!
//! Payload (docs/contracts.md, "Privileged transactions on L2"):
//! `rlp([chain_id, nonce, max_priority_fee_per_gas, max_fee_per_gas, gas_limit, to, mint, value,
//! data, access_list, from])` with both fees 0 and an empty access list; the hash is
//! `keccak(0x7e ‖ payload)`. The fee fields and access list are fixed so that every privileged
//! transaction has exactly one encoding: decoding refuses any other value.

use alloy_consensus::{Sealable, Transaction, Typed2718};
use alloy_eips::{
    eip2718::{Decodable2718, Eip2718Error, Eip2718Result, Encodable2718, IsTyped2718},
    eip2930::AccessList,
    eip7702::SignedAuthorization,
};
use alloy_primitives::{Address, B256, Bytes, ChainId, TxKind, U256, keccak256};
use alloy_rlp::{BufMut, Decodable, Encodable, Header};

/// EIP-2718 type byte of a privileged transaction.
pub const PRIVILEGED_TX_TYPE: u8 = 0x7e;

/// A privileged (L1 -> L2) transaction. `from` is authenticated by the L1 bridge, so the
/// transaction carries no signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxPrivileged {
    /// The L2 chain id.
    #[serde(with = "alloy_serde::quantity")]
    pub chain_id: ChainId,
    /// The bridge's transaction id (the queue position), not the account nonce of `from`.
    #[serde(with = "alloy_serde::quantity")]
    pub nonce: u64,
    /// L2 gas limit, paid for on L1.
    #[serde(rename = "gas", with = "alloy_serde::quantity")]
    pub gas_limit: u64,
    /// The account called. The L1 bridge always names an address; a create is representable so
    /// that decoding is total, and executes as a create from `from`.
    pub to: TxKind,
    /// Wei credited to `from` before the call; kept whatever the call does.
    pub mint: U256,
    /// Wei sent with the call from `from`'s balance after the mint.
    pub value: U256,
    /// Calldata.
    pub input: Bytes,
    /// The L2 sender (the L2 bridge for deposits, the possibly aliased L1 caller otherwise).
    pub from: Address,
}

impl TxPrivileged {
    /// The hash the L1 bridge stores for this transaction's id (`BasaltFormats.privilegedTxHash`,
    /// docs/contracts.md), which batches chain into their privileged rolling hash. The bridge
    /// never queues a creation; one is hashed with a zero `to`, which matches nothing it stores.
    pub fn l1_hash(&self) -> B256 {
        basalt_contracts::formats::PrivilegedTxFields {
            chain_id: self.chain_id,
            from: self.from,
            to: self.to.to().copied().unwrap_or_default(),
            transaction_id: self.nonce,
            mint: self.mint,
            value: self.value,
            gas_limit: self.gas_limit,
            data: self.input.to_vec(),
        }
        .l1_hash()
    }

    fn fields_len(&self) -> usize {
        self.chain_id.length()
            + self.nonce.length()
            + 0u8.length() * 2
            + self.gas_limit.length()
            + self.to.length()
            + self.mint.length()
            + self.value.length()
            + self.input.length()
            + AccessList::default().length()
            + self.from.length()
    }

    fn encode_fields(&self, out: &mut dyn BufMut) {
        self.chain_id.encode(out);
        self.nonce.encode(out);
        0u8.encode(out);
        0u8.encode(out);
        self.gas_limit.encode(out);
        self.to.encode(out);
        self.mint.encode(out);
        self.value.encode(out);
        self.input.encode(out);
        AccessList::default().encode(out);
        self.from.encode(out);
    }

    fn list_header(&self) -> Header {
        Header { list: true, payload_length: self.fields_len() }
    }

    /// Decodes the RLP list (without the type byte). Fails on non-zero fees, a non-empty access
    /// list, trailing bytes inside the list, or any malformed field.
    pub fn rlp_decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        let header = Header::decode(buf)?;
        if !header.list {
            return Err(alloy_rlp::Error::UnexpectedString);
        }
        if buf.len() < header.payload_length {
            return Err(alloy_rlp::Error::InputTooShort);
        }
        let (mut body, rest) = buf.split_at(header.payload_length);
        let chain_id = Decodable::decode(&mut body)?;
        let nonce = Decodable::decode(&mut body)?;
        let max_priority_fee_per_gas = u128::decode(&mut body)?;
        let max_fee_per_gas = u128::decode(&mut body)?;
        if max_priority_fee_per_gas != 0 || max_fee_per_gas != 0 {
            return Err(alloy_rlp::Error::Custom("privileged transaction with a non-zero fee"));
        }
        let gas_limit = Decodable::decode(&mut body)?;
        let to = Decodable::decode(&mut body)?;
        let mint = Decodable::decode(&mut body)?;
        let value = Decodable::decode(&mut body)?;
        let input = Decodable::decode(&mut body)?;
        let access_list = AccessList::decode(&mut body)?;
        if !access_list.is_empty() {
            return Err(alloy_rlp::Error::Custom("privileged transaction with an access list"));
        }
        let from = Decodable::decode(&mut body)?;
        if !body.is_empty() {
            return Err(alloy_rlp::Error::ListLengthMismatch {
                expected: header.payload_length,
                got: header.payload_length - body.len(),
            });
        }
        *buf = rest;
        Ok(Self { chain_id, nonce, gas_limit, to, mint, value, input, from })
    }

    /// The transaction hash, `keccak(0x7e ‖ rlp(fields))`.
    pub fn tx_hash(&self) -> B256 {
        let mut out = Vec::with_capacity(self.encode_2718_len());
        self.encode_2718(&mut out);
        keccak256(out)
    }
}

impl Typed2718 for TxPrivileged {
    fn ty(&self) -> u8 {
        PRIVILEGED_TX_TYPE
    }
}

impl IsTyped2718 for TxPrivileged {
    fn is_type(ty: u8) -> bool {
        ty == PRIVILEGED_TX_TYPE
    }
}

impl Transaction for TxPrivileged {
    fn chain_id(&self) -> Option<ChainId> {
        Some(self.chain_id)
    }

    fn nonce(&self) -> u64 {
        self.nonce
    }

    fn gas_limit(&self) -> u64 {
        self.gas_limit
    }

    fn gas_price(&self) -> Option<u128> {
        None
    }

    fn max_fee_per_gas(&self) -> u128 {
        0
    }

    fn max_priority_fee_per_gas(&self) -> Option<u128> {
        Some(0)
    }

    fn max_fee_per_blob_gas(&self) -> Option<u128> {
        None
    }

    fn priority_fee_or_price(&self) -> u128 {
        0
    }

    fn effective_gas_price(&self, _base_fee: Option<u64>) -> u128 {
        0
    }

    fn is_dynamic_fee(&self) -> bool {
        true
    }

    fn kind(&self) -> TxKind {
        self.to
    }

    fn is_create(&self) -> bool {
        self.to.is_create()
    }

    fn value(&self) -> U256 {
        self.value
    }

    fn input(&self) -> &Bytes {
        &self.input
    }

    fn access_list(&self) -> Option<&AccessList> {
        None
    }

    fn blob_versioned_hashes(&self) -> Option<&[B256]> {
        None
    }

    fn authorization_list(&self) -> Option<&[SignedAuthorization]> {
        None
    }
}

impl Encodable2718 for TxPrivileged {
    fn type_flag(&self) -> Option<u8> {
        Some(PRIVILEGED_TX_TYPE)
    }

    fn encode_2718_len(&self) -> usize {
        1 + self.list_header().length_with_payload()
    }

    fn encode_2718(&self, out: &mut dyn BufMut) {
        out.put_u8(PRIVILEGED_TX_TYPE);
        self.list_header().encode(out);
        self.encode_fields(out);
    }
}

impl Decodable2718 for TxPrivileged {
    fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
        if ty != PRIVILEGED_TX_TYPE {
            return Err(Eip2718Error::UnexpectedType(ty));
        }
        Ok(Self::rlp_decode(buf)?)
    }

    fn fallback_decode(_buf: &mut &[u8]) -> Eip2718Result<Self> {
        Err(Eip2718Error::UnexpectedType(0))
    }
}

/// Network (RLP) form: the 2718 bytes wrapped in an RLP string, as for other typed transactions.
impl Encodable for TxPrivileged {
    fn encode(&self, out: &mut dyn BufMut) {
        Header { list: false, payload_length: self.encode_2718_len() }.encode(out);
        self.encode_2718(out);
    }

    fn length(&self) -> usize {
        let len = self.encode_2718_len();
        Header { list: false, payload_length: len }.length() + len
    }
}

impl Decodable for TxPrivileged {
    fn decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        let header = Header::decode(buf)?;
        if header.list {
            return Err(alloy_rlp::Error::UnexpectedList);
        }
        let Some((&ty, rest)) = buf.split_first() else {
            return Err(alloy_rlp::Error::InputTooShort);
        };
        if ty != PRIVILEGED_TX_TYPE {
            return Err(alloy_rlp::Error::Custom("not a privileged transaction"));
        }
        let mut body = rest;
        let tx = Self::rlp_decode(&mut body)?;
        if rest.len() - body.len() + 1 != header.payload_length {
            return Err(alloy_rlp::Error::UnexpectedLength);
        }
        *buf = body;
        Ok(tx)
    }
}

impl Sealable for TxPrivileged {
    fn hash_slow(&self) -> B256 {
        self.tx_hash()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, hex};

    fn sample() -> TxPrivileged {
        TxPrivileged {
            chain_id: 12_212_759,
            nonce: 7,
            gas_limit: 200_000,
            to: TxKind::Call(address!("0x00000000000000000000000000000000000001ff")),
            mint: U256::from(10u64).pow(U256::from(18)),
            value: U256::from(5),
            input: Bytes::from(hex!("deadbeef")),
            from: address!("0x1111000000000000000000000000000000002222"),
        }
    }

    #[test]
    fn payload_is_the_documented_list() {
        let tx = sample();
        let mut encoded = Vec::new();
        tx.encode_2718(&mut encoded);
        assert_eq!(encoded[0], 0x7e);
        let mut expected_fields = Vec::new();
        tx.chain_id.encode(&mut expected_fields);
        7u64.encode(&mut expected_fields);
        0u8.encode(&mut expected_fields);
        0u8.encode(&mut expected_fields);
        200_000u64.encode(&mut expected_fields);
        tx.to.encode(&mut expected_fields);
        tx.mint.encode(&mut expected_fields);
        tx.value.encode(&mut expected_fields);
        tx.input.encode(&mut expected_fields);
        expected_fields.push(0xc0);
        tx.from.encode(&mut expected_fields);
        let mut expected = vec![0x7e];
        Header { list: true, payload_length: expected_fields.len() }.encode(&mut expected);
        expected.extend_from_slice(&expected_fields);
        assert_eq!(encoded, expected);
        assert_eq!(tx.tx_hash(), keccak256(&expected));
    }

    #[test]
    fn round_trips_in_both_forms() {
        let tx = sample();
        let mut typed = Vec::new();
        tx.encode_2718(&mut typed);
        assert_eq!(TxPrivileged::decode_2718(&mut typed.as_slice()).unwrap(), tx);
        let mut network = Vec::new();
        tx.encode(&mut network);
        assert_eq!(network.len(), tx.length());
        assert_eq!(TxPrivileged::decode(&mut network.as_slice()).unwrap(), tx);
        let create = TxPrivileged { to: TxKind::Create, ..tx };
        let mut bytes = Vec::new();
        create.encode_2718(&mut bytes);
        assert_eq!(TxPrivileged::decode_2718(&mut bytes.as_slice()).unwrap(), create);
    }

    /// Re-encodes `tx` with one field list entry replaced, to feed non-canonical inputs.
    fn with_field(tx: &TxPrivileged, index: usize, field: &[u8]) -> Vec<u8> {
        let mut typed = Vec::new();
        tx.encode_2718(&mut typed);
        let mut body = &typed[1..];
        let header = Header::decode(&mut body).unwrap();
        let mut fields = Vec::new();
        let mut cursor = &body[..header.payload_length];
        while !cursor.is_empty() {
            let start = cursor;
            let item = Header::decode(&mut cursor).unwrap();
            let consumed = start.len() - cursor.len() + item.payload_length;
            fields.push(start[..consumed].to_vec());
            cursor = &start[consumed..];
        }
        fields[index] = field.to_vec();
        let payload: Vec<u8> = fields.concat();
        let mut out = vec![0x7e];
        Header { list: true, payload_length: payload.len() }.encode(&mut out);
        out.extend_from_slice(&payload);
        out
    }

    #[test]
    fn refuses_fees_access_lists_and_garbage() {
        let tx = sample();
        let tip = with_field(&tx, 2, &[0x01]);
        assert!(TxPrivileged::decode_2718(&mut tip.as_slice()).is_err());
        let fee = with_field(&tx, 3, &[0x05]);
        assert!(TxPrivileged::decode_2718(&mut fee.as_slice()).is_err());
        let mut entry = Vec::new();
        AccessList::from(vec![alloy_eips::eip2930::AccessListItem {
            address: Address::ZERO,
            storage_keys: vec![],
        }])
        .encode(&mut entry);
        let listed = with_field(&tx, 9, &entry);
        assert!(TxPrivileged::decode_2718(&mut listed.as_slice()).is_err());
        let mut typed = Vec::new();
        tx.encode_2718(&mut typed);
        for cut in 0..typed.len() {
            assert!(TxPrivileged::decode_2718(&mut &typed[..cut]).is_err(), "prefix {cut}");
        }
        assert!(TxPrivileged::decode_2718(&mut &[0x02, 0xc0][..]).is_err());
    }

    #[test]
    fn json_has_type_fields_and_from_but_no_signature() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["nonce"], "0x7");
        assert_eq!(json["gas"], "0x30d40");
        assert_eq!(json["from"], "0x1111000000000000000000000000000000002222");
        assert!(json.get("v").is_none() && json.get("r").is_none());
        let back: TxPrivileged = serde_json::from_value(json).unwrap();
        assert_eq!(back, sample());
    }
}
