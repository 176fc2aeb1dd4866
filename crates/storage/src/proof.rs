//! Account and storage proofs in the shape of `eth_getProof` (EIP-1186), read from the trie
//! nodes of any stored state root, so proofs for past blocks work too.

use crate::{ReadView, StorageError, read::decode};
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use basalt_trie::{NodeReader, Trie};
use serde::Serialize;

/// One storage slot with its proof against the account's storage root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StorageProof {
    pub key: U256,
    pub value: U256,
    pub proof: Vec<Bytes>,
}

/// An account with its proof against a state root (EIP-1186 field names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountProof {
    pub address: Address,
    pub account_proof: Vec<Bytes>,
    pub balance: U256,
    pub code_hash: B256,
    #[serde(with = "alloy_serde_u64")]
    pub nonce: u64,
    pub storage_hash: B256,
    pub storage_proof: Vec<StorageProof>,
}

/// Hex-quantity encoding of a u64, as JSON-RPC expects.
mod alloy_serde_u64 {
    pub fn serialize<S: serde::Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{value:#x}"))
    }
}

impl ReadView {
    /// The proof of `address` and its `slots` in the state with root `state_root`. An absent
    /// account gets an exclusion proof and zero fields, as geth returns.
    pub fn account_proof(
        &self,
        state_root: B256,
        address: Address,
        slots: &[U256],
    ) -> Result<AccountProof, StorageError> {
        account_proof(self, state_root, address, slots)
    }
}

/// [`ReadView::account_proof`] over any node source.
pub(crate) fn account_proof(
    nodes: &impl NodeReader,
    state_root: B256,
    address: Address,
    slots: &[U256],
) -> Result<AccountProof, StorageError> {
    let mut accounts = Trie::open(nodes, state_root);
    let key = keccak256(address);
    let account_proof = accounts.proof(key.as_slice())?;
    let account: Option<TrieAccount> =
        accounts.get(key.as_slice())?.map(|raw| decode("account", &raw)).transpose()?;
    let storage_root = account.map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
    let mut storage = Trie::open(nodes, storage_root);
    let mut storage_proof = Vec::with_capacity(slots.len());
    for slot in slots {
        let slot_key = keccak256(slot.to_be_bytes::<32>());
        let proof = storage.proof(slot_key.as_slice())?;
        let value: U256 = storage
            .get(slot_key.as_slice())?
            .map(|raw| decode("storage value", &raw))
            .transpose()?
            .unwrap_or_default();
        storage_proof.push(StorageProof { key: *slot, value, proof });
    }
    Ok(AccountProof {
        address,
        account_proof,
        balance: account.map_or(U256::ZERO, |a| a.balance),
        code_hash: account.map_or(KECCAK256_EMPTY, |a| a.code_hash),
        nonce: account.map_or(0, |a| a.nonce),
        storage_hash: storage_root,
        storage_proof,
    })
}
