//! The simulation's state, a revm [`CacheDB`] over the base state, read back as a Basalt change
//! set so that the caller can compute the state root of each simulated block.

use basalt_primitives::{Account, StateChanges, StorageChanges};
use revm::{
    database::{AccountState, CacheDB},
    primitives::KECCAK_EMPTY,
};

/// Every account the simulation loaded or wrote, with the slots it loaded or wrote, relative to
/// the base state. Accounts and slots only read come back unchanged, which leaves the root as it
/// was; an account whose storage was replaced (a `state` override, a re-creation) is marked
/// wiped.
pub(super) fn cached_changes<DB>(db: &CacheDB<DB>) -> StateChanges {
    let mut changes = StateChanges::default();
    for (address, account) in &db.cache.accounts {
        let info = account.info().map(|info| Account {
            nonce: info.nonce,
            balance: info.balance,
            code_hash: info.code_hash,
        });
        changes.accounts.push((*address, info));
        let wiped = matches!(
            account.account_state,
            AccountState::StorageCleared | AccountState::NotExisting
        );
        if wiped || !account.storage.is_empty() {
            changes.storage.push(StorageChanges {
                address: *address,
                wiped,
                slots: account.storage.iter().map(|(slot, value)| (*slot, *value)).collect(),
            });
        }
    }
    for (hash, code) in &db.cache.contracts {
        if *hash != KECCAK_EMPTY && !hash.is_zero() {
            changes.code.push((*hash, code.original_bytes()));
        }
    }
    changes
}
