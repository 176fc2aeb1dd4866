//! Which accounts and storage slots each block changed (the block's touched keys), kept so the
//! chain can be unwound: the values before a block are the values under its parent's state
//! root, read from the append-only tries, so only the keys need storing. Slots that a block
//! wiped (a pre-Cancun SELFDESTRUCT of a contract with storage) are listed by their raw keys,
//! taken from the flat table as they are deleted; the tries alone could not name them (they
//! are keyed by hash). State edited outside a block (the dev L1's `anvil_set*`) is collected
//! under a meta key and folded into the next block's record.

use crate::{HistoricalState, ReadView, StorageError, read::decode};
use alloy_primitives::{Address, B256, U256};
use alloy_rlp::{RlpDecodable, RlpEncodable};
use basalt_primitives::{Account, StateChanges, StorageChanges};
use std::collections::{BTreeMap, BTreeSet};

/// Why the chain cannot be unwound to a block.
#[derive(Debug, thiserror::Error)]
pub enum UnwindError {
    #[error("block {0} has no state history record (stored before history was kept)")]
    NoHistory(u64),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What unwinding writes: the change set, and the keys it covers.
#[derive(Debug, Clone, Default)]
pub struct Unwind {
    pub changes: StateChanges,
    /// Every key the change set restores (touched since the target, or edited).
    pub keys: TouchedKeys,
}

/// The change set that takes the current flat state (the head's, plus any edits since) back
/// to the state with root `target_root`, which must be the state after canonical block
/// `number` or an edit of it: every key touched by the blocks above `number` and by the
/// edits since the head, set to its value under `target_root`. Applying it with
/// [`crate::WriteBatch::apply_unwind`] must give `target_root`; the caller checks that.
///
/// Errors: [`UnwindError::NoHistory`] when a block above `number` has no record.
pub fn unwind_changes(
    view: &ReadView,
    number: u64,
    target_root: B256,
) -> Result<Unwind, UnwindError> {
    let mut keys = view.edited_keys()?;
    let head = view.head_header()?.map_or(0, |h| h.number);
    for (n, hash) in view.canonical_range(number.saturating_add(1), head)? {
        keys.merge(view.touched_keys(hash)?.ok_or(UnwindError::NoHistory(n))?);
    }
    let target = HistoricalState::new(view, target_root);
    let mut changes = StateChanges::default();
    for (address, slots) in keys.accounts() {
        let Some(account) = target.trie_account(address)? else {
            // Deleting the account also deletes the storage it gained since.
            changes.accounts.push((address, None));
            continue;
        };
        changes.accounts.push((
            address,
            Some(Account {
                nonce: account.nonce,
                balance: account.balance,
                code_hash: account.code_hash,
            }),
        ));
        let mut restored = Vec::with_capacity(slots.len());
        for slot in slots {
            restored.push((*slot, target.slot_value(address, *slot)?));
        }
        if !restored.is_empty() {
            changes.storage.push(StorageChanges { address, wiped: false, slots: restored });
        }
    }
    Ok(Unwind { changes, keys })
}

/// One account's entry of a record: the account and the raw slots changed under it.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
struct TouchedAccount {
    address: Address,
    slots: Vec<U256>,
}

/// Accounts and slots changed by one or more blocks or edits. A superset is harmless when
/// unwinding (restoring an unchanged key to its value is a no-op), so sets are merged freely.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TouchedKeys {
    accounts: BTreeMap<Address, BTreeSet<U256>>,
}

impl TouchedKeys {
    /// Adds every account and slot `changes` writes.
    pub fn add_changes(&mut self, changes: &StateChanges) {
        for (address, _) in &changes.accounts {
            self.accounts.entry(*address).or_default();
        }
        for storage in &changes.storage {
            self.add_slots(storage.address, storage.slots.iter().map(|(slot, _)| *slot));
        }
    }

    /// Adds `slots` of `address` (and the account itself).
    pub fn add_slots(&mut self, address: Address, slots: impl IntoIterator<Item = U256>) {
        self.accounts.entry(address).or_default().extend(slots);
    }

    /// Adds everything in `other`.
    pub fn merge(&mut self, other: TouchedKeys) {
        for (address, slots) in other.accounts {
            self.add_slots(address, slots);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Each touched account with its touched slots, in address order.
    pub fn accounts(&self) -> impl Iterator<Item = (Address, &BTreeSet<U256>)> {
        self.accounts.iter().map(|(address, slots)| (*address, slots))
    }

    /// The stored form: an RLP list of `[address, [slot, …]]`.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let entries: Vec<TouchedAccount> = self
            .accounts
            .iter()
            .map(|(address, slots)| TouchedAccount {
                address: *address,
                slots: slots.iter().copied().collect(),
            })
            .collect();
        alloy_rlp::encode(entries)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, StorageError> {
        let entries: Vec<TouchedAccount> = decode("state history", bytes)?;
        let mut keys = Self::default();
        for entry in entries {
            keys.add_slots(entry.address, entry.slots);
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_keys_round_trip_and_merge() {
        let a = Address::repeat_byte(1);
        let b = Address::repeat_byte(2);
        let mut keys = TouchedKeys::default();
        keys.add_changes(&StateChanges {
            accounts: vec![(a, Some(Account::with_balance(U256::from(5)))), (b, None)],
            storage: vec![StorageChanges {
                address: a,
                wiped: false,
                slots: vec![(U256::from(7), U256::ZERO), (U256::from(3), U256::from(1))],
            }],
            code: vec![],
        });
        let decoded = TouchedKeys::decode(&keys.encode()).unwrap();
        assert_eq!(decoded, keys);
        let mut more = TouchedKeys::default();
        more.add_slots(b, [U256::from(9)]);
        keys.merge(more);
        let listed: Vec<(Address, Vec<U256>)> = keys
            .accounts()
            .map(|(address, slots)| (address, slots.iter().copied().collect()))
            .collect();
        assert_eq!(listed, vec![(a, vec![U256::from(3), U256::from(7)]), (b, vec![U256::from(9)])]);
        assert!(TouchedKeys::decode(&[0xff, 0x00]).is_err());
    }
}
