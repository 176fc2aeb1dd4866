//! Turns a block's [`StateChanges`] into a new state root plus the writes that realise it
//! (new trie nodes, flat accounts, flat storage, wiped storage ranges), without writing.
//! The write path applies the plan; pre-Byzantium receipts use only its root.

use crate::{StorageError, read::StoredAccount};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::EMPTY_ROOT_HASH;
use basalt_primitives::{Account, StateChanges, StorageChanges};
use basalt_trie::{NodeReader, Trie};
use std::collections::{BTreeMap, BTreeSet};

/// The outcome of applying a change set to the state tries.
pub(crate) struct StateUpdate {
    pub root: B256,
    pub new_nodes: Vec<(B256, Bytes)>,
    /// Encoded trie account per touched address; None deletes it.
    pub accounts: Vec<(Address, Option<Vec<u8>>)>,
    /// Flat storage writes (zero = remove), applied after `wiped`.
    pub storage: Vec<([u8; 52], U256)>,
    /// Accounts whose previous storage is gone entirely.
    pub wiped: Vec<Address>,
}

/// Plans the update of the state with root `state_root` by `changes`. `previous` reads an
/// account as it was before the change set.
pub(crate) fn plan_state_update<N, F>(
    nodes: &N,
    previous: F,
    state_root: B256,
    changes: &StateChanges,
) -> Result<StateUpdate, StorageError>
where
    N: NodeReader,
    F: Fn(Address) -> Result<Option<StoredAccount>, StorageError>,
{
    let account_updates: BTreeMap<Address, Option<Account>> =
        changes.accounts.iter().copied().collect();
    let storage_updates: BTreeMap<Address, &StorageChanges> =
        changes.storage.iter().map(|s| (s.address, s)).collect();
    let touched: BTreeSet<Address> =
        account_updates.keys().chain(storage_updates.keys()).copied().collect();

    let mut update = StateUpdate {
        root: state_root,
        new_nodes: Vec::new(),
        accounts: Vec::with_capacity(touched.len()),
        storage: Vec::new(),
        wiped: Vec::new(),
    };
    let mut account_trie = Trie::open(nodes, state_root);
    for address in touched {
        let before = previous(address)?;
        let info = match account_updates.get(&address) {
            Some(info) => *info,
            None => before.map(|b| Account {
                nonce: b.nonce,
                balance: b.balance,
                code_hash: b.code_hash,
            }),
        };
        let Some(info) = info else {
            // Deleted (self-destructed or cleared by EIP-161): the account and its storage go.
            account_trie.delete(keccak256(address).as_slice())?;
            update.accounts.push((address, None));
            if before.is_some() {
                update.wiped.push(address);
            }
            continue;
        };
        let slot_changes = storage_updates.get(&address);
        let is_wiped = slot_changes.is_some_and(|s| s.wiped);
        if is_wiped && before.is_some() {
            update.wiped.push(address);
        }
        let mut storage_root = match before {
            Some(b) if !is_wiped => b.storage_root,
            _ => EMPTY_ROOT_HASH,
        };
        if let Some(slot_changes) = slot_changes.filter(|s| !s.slots.is_empty()) {
            let mut storage_trie = Trie::open(nodes, storage_root);
            for (slot, value) in &slot_changes.slots {
                let key = keccak256(slot.to_be_bytes::<32>());
                if value.is_zero() {
                    storage_trie.delete(key.as_slice())?;
                } else {
                    storage_trie.insert(key.as_slice(), alloy_rlp::encode(value))?;
                }
                update.storage.push((crate::tables::storage_key(address, *slot), *value));
            }
            let (root, new_nodes) = storage_trie.commit();
            storage_root = root;
            update.new_nodes.extend(new_nodes);
        }
        let encoded = alloy_rlp::encode(StoredAccount {
            nonce: info.nonce,
            balance: info.balance,
            storage_root,
            code_hash: info.code_hash,
        });
        account_trie.insert(keccak256(address).as_slice(), encoded.clone())?;
        update.accounts.push((address, Some(encoded)));
    }
    let (root, new_nodes) = account_trie.commit();
    update.root = root;
    update.new_nodes.extend(new_nodes);
    Ok(update)
}
