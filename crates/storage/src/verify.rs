//! Full recomputation of the state root from the flat tables, independent of the stored trie
//! nodes: the consistency check after a crash and for `basalt` diagnostics.

use crate::{ReadView, StorageError};
use alloy_primitives::{B256, keccak256};
use alloy_trie::{HashBuilder, Nibbles, TrieAccount};

impl ReadView {
    /// The state root of the flat accounts and storage, rebuilt from scratch. It also checks
    /// that every account's stored storage root matches its flat storage.
    pub fn recompute_state_root(&self) -> Result<B256, StorageError> {
        let mut leaves: Vec<(B256, Vec<u8>)> = Vec::new();
        for (address, account) in self.all_accounts()? {
            let mut slots: Vec<(B256, Vec<u8>)> = self
                .storage_slots(address)?
                .into_iter()
                .map(|(slot, value)| {
                    (keccak256(slot.to_be_bytes::<32>()), alloy_rlp::encode(value))
                })
                .collect();
            slots.sort_unstable_by_key(|entry| entry.0);
            let storage_root = root_of(&slots);
            if storage_root != account.storage_root {
                return Err(StorageError::Corrupt {
                    what: "account storage root",
                    reason: format!(
                        "{address}: stored {}, flat storage gives {storage_root}",
                        account.storage_root
                    ),
                });
            }
            let leaf = TrieAccount { storage_root, ..account };
            leaves.push((keccak256(address), alloy_rlp::encode(leaf)));
        }
        leaves.sort_unstable_by_key(|entry| entry.0);
        Ok(root_of(&leaves))
    }
}

fn root_of(sorted: &[(B256, Vec<u8>)]) -> B256 {
    let mut builder = HashBuilder::default();
    for (key, value) in sorted {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}
