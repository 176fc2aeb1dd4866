//! A follower's (and the guest program's) side of state-diff mode: the state changes a decoded
//! payload makes to the state after the previous batch, in the form the state layer applies.

use crate::{Change, ChangeValue, StateDiffPayload};
use alloy_primitives::{Address, U256, keccak256};
use alloy_trie::KECCAK_EMPTY;
use basalt_primitives::{Account, StateChanges, StateReadError, StateReader, StorageChanges};

/// Why a state diff could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffApplyError {
    /// Reading the previous state failed (a store error, or a witness missing a node).
    #[error("reading the previous state: {0}")]
    StateRead(StateReadError),
    /// A delta does not fit the state it is applied to: the diff was made for another state.
    #[error("the state diff's {what} change of {address} does not fit the previous state")]
    DoesNotApply { address: Address, what: &'static str },
}

/// The changes `diff` makes to `previous` (the state after the batch before it): new account
/// fields, slots and code, with every delta applied. Errors: a read of `previous` fails, or a
/// delta does not fit its old value (below zero or past the type), so the payload was made for
/// another state.
pub fn state_diff_changes(
    diff: &StateDiffPayload,
    previous: &impl StateReader,
) -> Result<StateChanges, DiffApplyError> {
    let read = DiffApplyError::StateRead;
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
        let misfit = |what| DiffApplyError::DoesNotApply { address, what };
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
