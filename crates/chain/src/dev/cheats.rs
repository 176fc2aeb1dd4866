//! The anvil-style controls: direct state edits (`anvil_set*`), snapshots and reverts
//! (`evm_snapshot`/`evm_revert`), and the clock (`evm_increaseTime`,
//! `evm_setNextBlockTimestamp`).
//!
//! A state edit is written like a block's state changes, through the tries, and the new root
//! is kept as the working state root until the next block commits to it. A revert restores
//! every account and slot touched since the snapshot to its value under the snapshot's root
//! (read from the append-only tries) and deletes the blocks mined since.

use super::{DevChain, DevError, MinedBlock, lock};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use basalt_primitives::StateReader;
use basalt_primitives::{Account, StateChanges, StorageChanges};
use basalt_storage::HistoricalState;
use std::collections::{BTreeMap, BTreeSet};

/// Why a snapshot could not be reverted to.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("restoring snapshot {id} gave state root {got}, expected {expected}")]
    RootMismatch { id: u64, expected: B256, got: B256 },
    #[error("state read failed during revert: {0}")]
    State(String),
}

pub(super) struct Snapshot {
    id: u64,
    head_number: u64,
    head_hash: B256,
    state_root: B256,
    clock: super::Clock,
    journal_len: usize,
}

/// Accounts and slots touched, in order, while any snapshot is live.
#[derive(Default)]
pub(super) struct Journal {
    active: bool,
    entries: Vec<(Address, Option<U256>)>,
}

impl Journal {
    fn record_changes(&mut self, changes: &StateChanges) {
        if !self.active {
            return;
        }
        self.entries.extend(changes.accounts.iter().map(|(address, _)| (*address, None)));
        for storage in &changes.storage {
            self.entries.push((storage.address, None));
            self.entries
                .extend(storage.slots.iter().map(|(slot, _)| (storage.address, Some(*slot))));
        }
    }

    pub(super) fn record(&mut self, mined: &MinedBlock) {
        if !self.active {
            return;
        }
        self.record_changes(&mined.changes);
    }
}

impl DevChain {
    /// The root of the state as it is now (the head's, or the edited working state's).
    fn current_state_root(&self) -> Result<B256, DevError> {
        let view = self.chain.db().read()?;
        match view.working_state_root()? {
            Some(root) => Ok(root),
            None => Ok(self.chain.head()?.state_root),
        }
    }

    /// Applies a direct state edit on top of the current state.
    fn edit_state(&self, changes: StateChanges) -> Result<(), DevError> {
        let mut write = self.write_state();
        let base = self.current_state_root()?;
        let mut batch = self.chain.db().write()?;
        let root = batch.apply_state(base, &changes)?;
        batch.set_working_state_root(Some(root))?;
        batch.commit()?;
        write.journal.record_changes(&changes);
        Ok(())
    }

    fn account_now(&self, address: Address) -> Result<Account, DevError> {
        let view = self.chain.db().read()?;
        Ok(StateReader::account(&view, address)
            .map_err(|e| SnapshotError::State(e.to_string()))?
            // A new account has no code: its code hash is that of empty code, not zero.
            .unwrap_or_else(|| Account::with_balance(U256::ZERO)))
    }

    pub fn set_balance(&self, address: Address, balance: U256) -> Result<(), DevError> {
        let account = Account { balance, ..self.account_now(address)? };
        self.edit_state(StateChanges {
            accounts: vec![(address, Some(account))],
            ..Default::default()
        })
    }

    pub fn set_nonce(&self, address: Address, nonce: u64) -> Result<(), DevError> {
        let account = Account { nonce, ..self.account_now(address)? };
        self.edit_state(StateChanges {
            accounts: vec![(address, Some(account))],
            ..Default::default()
        })
    }

    pub fn set_code(&self, address: Address, code: Bytes) -> Result<(), DevError> {
        let code_hash = keccak256(&code);
        let account = Account { code_hash, ..self.account_now(address)? };
        self.edit_state(StateChanges {
            accounts: vec![(address, Some(account))],
            storage: vec![],
            code: vec![(code_hash, code)],
        })
    }

    pub fn set_storage_at(
        &self,
        address: Address,
        slot: U256,
        value: U256,
    ) -> Result<(), DevError> {
        // A slot of a non-existent account would be unreachable: make the account exist.
        let account = self.account_now(address)?;
        self.edit_state(StateChanges {
            accounts: vec![(address, Some(account))],
            storage: vec![StorageChanges { address, wiped: false, slots: vec![(slot, value)] }],
            code: vec![],
        })
    }

    /// Moves the clock forward by `seconds`; returns the total offset.
    pub fn increase_time(&self, seconds: u64) -> Result<i128, DevError> {
        let head = self.chain.head()?.timestamp;
        let mut clock = lock(&self.clock);
        clock.time_offset = clock.time_offset.saturating_add(i128::from(seconds));
        let floor = clock.floor.unwrap_or(head).max(head).saturating_add(seconds);
        clock.floor = Some(floor);
        Ok(clock.time_offset)
    }

    /// Sets the timestamp of the next block; it must be after the head's.
    pub fn set_next_block_timestamp(&self, timestamp: u64) -> Result<(), DevError> {
        let head = self.chain.head()?;
        if timestamp <= head.timestamp {
            return Err(DevError::TimestampNotAfterHead {
                requested: timestamp,
                head: head.timestamp,
            });
        }
        lock(&self.clock).next_timestamp = Some(timestamp);
        Ok(())
    }

    /// Records the current chain and state; returns the snapshot id.
    pub fn snapshot(&self) -> Result<u64, DevError> {
        let mut write = self.write_state();
        let head = self.chain.head()?;
        let state_root = self.current_state_root()?;
        let id = write.snapshots.last().map_or(0, |s| s.id.saturating_add(1));
        write.journal.active = true;
        let snapshot = Snapshot {
            id,
            head_number: head.number,
            head_hash: head.hash_slow(),
            state_root,
            clock: *lock(&self.clock),
            journal_len: write.journal.entries.len(),
        };
        write.snapshots.push(snapshot);
        Ok(id)
    }

    /// Returns the chain to snapshot `id`, which is consumed with every later one. Returns
    /// false for an unknown id, as anvil does.
    pub fn revert(&self, id: u64) -> Result<bool, DevError> {
        let mut write = self.write_state();
        let Some(position) = write.snapshots.iter().position(|s| s.id == id) else {
            return Ok(false);
        };
        let snapshot = write.snapshots.remove(position);
        write.snapshots.truncate(position);

        let touched = &write.journal.entries[snapshot.journal_len..];
        let restore = {
            let view = self.chain.db().read()?;
            restore_changes(&HistoricalState::new(&view, snapshot.state_root), touched)?
        };
        let base = self.current_state_root()?;
        let mut batch = self.chain.db().write()?;
        let root = batch.apply_state(base, &restore)?;
        if root != snapshot.state_root {
            return Err(SnapshotError::RootMismatch {
                id,
                expected: snapshot.state_root,
                got: root,
            }
            .into());
        }
        batch.remove_blocks_above(snapshot.head_number)?;
        batch.set_head(snapshot.head_hash)?;
        let head = self.chain.db().read()?.header(snapshot.head_hash)?;
        let edited = head.is_none_or(|h| h.state_root != snapshot.state_root);
        batch.set_working_state_root(edited.then_some(snapshot.state_root))?;
        batch.commit()?;

        *lock(&self.clock) = snapshot.clock;
        write.journal.entries.truncate(snapshot.journal_len);
        if write.snapshots.is_empty() {
            write.journal = Default::default();
        }
        drop(write);
        let view = self.chain.db().read()?;
        if let Err(err) = lock(&self.pool).prune(&view) {
            tracing::warn!("pool prune after revert failed: {err}");
        }
        tracing::info!("reverted to snapshot {id} at block {}", snapshot.head_number);
        Ok(true)
    }
}

/// The change set that puts every touched account and slot back to its value in `state`.
fn restore_changes(
    state: &impl StateReader,
    touched: &[(Address, Option<U256>)],
) -> Result<StateChanges, SnapshotError> {
    let read = |e: basalt_primitives::StateReadError| SnapshotError::State(e.to_string());
    let mut accounts: BTreeMap<Address, BTreeSet<U256>> = BTreeMap::new();
    for (address, slot) in touched {
        let slots = accounts.entry(*address).or_default();
        if let Some(slot) = slot {
            slots.insert(*slot);
        }
    }
    let mut changes = StateChanges::default();
    for (address, slots) in accounts {
        let account = state.account(address).map_err(read)?;
        if account.is_none() {
            // Deleting the account also deletes whatever storage it gained since.
            changes.accounts.push((address, None));
            continue;
        }
        changes.accounts.push((address, account));
        let mut restored = Vec::with_capacity(slots.len());
        for slot in slots {
            restored.push((slot, state.storage(address, slot).map_err(read)?));
        }
        if !restored.is_empty() {
            changes.storage.push(StorageChanges { address, wiped: false, slots: restored });
        }
    }
    Ok(changes)
}
