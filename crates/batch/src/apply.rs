//! A follower's side of state-diff mode: the state changes a decoded payload makes to the state
//! after the previous batch, in the form the state layer applies (and roots).

use crate::BatchError;
use alloy_primitives::{U256, keccak256};
use alloy_trie::KECCAK_EMPTY;
use basalt_da::{Change, ChangeValue, StateDiffPayload};
use basalt_primitives::{Account, StateChanges, StateReader, StorageChanges};

/// The changes `diff` makes to `previous` (the state after the batch before it): new account
/// fields, slots and code, with every delta applied. Errors: a read of `previous` fails, or a
/// delta does not fit its old value (below zero or past the type), so the payload was made for
/// another state.
pub fn state_changes(
    diff: &StateDiffPayload,
    previous: &impl StateReader,
) -> Result<StateChanges, BatchError> {
    let read = |e: basalt_primitives::StateReadError| BatchError::StateRead(e.to_string());
    let mut changes = StateChanges::default();
    for account in &diff.accounts {
        let address = account.address;
        if account.removed {
            changes.accounts.push((address, None));
            continue;
        }
        let old = previous.account(address).map_err(read)?.unwrap_or(Account {
            nonce: 0,
            balance: U256::ZERO,
            code_hash: KECCAK_EMPTY,
        });
        let misfit = |what| BatchError::DiffDoesNotApply { address, what };
        let nonce = apply(account.nonce, old.nonce).ok_or(misfit("nonce"))?;
        let balance = apply(account.balance, old.balance).ok_or(misfit("balance"))?;
        let code_hash = match &account.code {
            None => old.code_hash,
            Some(code) if code.is_empty() => KECCAK_EMPTY,
            Some(code) => {
                let hash = keccak256(code);
                changes.code.push((hash, code.clone()));
                hash
            }
        };
        changes.accounts.push((address, Some(Account { nonce, balance, code_hash })));
        if account.storage.is_empty() && !account.storage_cleared {
            continue;
        }
        let mut slots = Vec::with_capacity(account.storage.len());
        for slot in &account.storage {
            let key = U256::from_be_bytes(slot.key.resolve().0);
            let old = if account.storage_cleared {
                U256::ZERO
            } else {
                previous.storage(address, key).map_err(read)?
            };
            slots.push((key, slot.value.apply(old).ok_or(misfit("storage slot"))?));
        }
        changes.storage.push(StorageChanges { address, wiped: account.storage_cleared, slots });
    }
    Ok(changes)
}

fn apply<T: ChangeValue>(change: Option<Change<T>>, old: T) -> Option<T> {
    change.map_or(Some(old), |change| change.apply(old))
}
