//! The anvil-style controls: direct state edits (`anvil_set*`), snapshots and reverts
//! (`evm_snapshot`/`evm_revert`), and the clock (`evm_increaseTime`,
//! `evm_setNextBlockTimestamp`).
//!
//! A state edit is written like a block's state changes, through the tries, and the new root
//! is kept as the working state root until the next block commits to it. A revert unwinds the
//! chain to the snapshot (see `reorg`): every key touched since goes back to its value under
//! the snapshot's root, and the blocks mined since are deleted.

use super::{DevChain, DevError, lock};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use basalt_primitives::StateReader;
use basalt_primitives::{Account, StateChanges, StorageChanges};

pub(super) struct Snapshot {
    id: u64,
    head_number: u64,
    head_hash: B256,
    state_root: B256,
    clock: super::Clock,
}

impl Snapshot {
    pub(super) fn head_number(&self) -> u64 {
        self.head_number
    }
}

impl DevChain {
    /// The root of the state as it is now (the head's, or the edited working state's).
    pub(super) fn current_state_root(&self) -> Result<B256, DevError> {
        let view = self.chain.db().read()?;
        match view.working_state_root()? {
            Some(root) => Ok(root),
            None => Ok(self.chain.head()?.state_root),
        }
    }

    /// Applies a direct state edit on top of the current state. `edit` builds the change
    /// set from the account as it is, read under the write lock, so two edits of one account
    /// never lose each other's fields.
    fn edit_state(
        &self,
        address: Address,
        edit: impl FnOnce(Account) -> StateChanges,
    ) -> Result<(), DevError> {
        let _write = self.write_state();
        let account = {
            let view = self.chain.db().read()?;
            StateReader::account(&view, address)?
                // A new account has no code: its code hash is that of empty code, not zero.
                .unwrap_or_else(|| Account::with_balance(U256::ZERO))
        };
        let changes = edit(account);
        let base = self.current_state_root()?;
        let mut batch = self.chain.db().write()?;
        let root = batch.apply_state(base, &changes)?;
        batch.set_working_state_root(Some(root))?;
        batch.commit()?;
        self.pending_changed();
        Ok(())
    }

    pub fn set_balance(&self, address: Address, balance: U256) -> Result<(), DevError> {
        self.edit_state(address, |account| StateChanges {
            accounts: vec![(address, Some(Account { balance, ..account }))],
            ..Default::default()
        })
    }

    pub fn set_nonce(&self, address: Address, nonce: u64) -> Result<(), DevError> {
        self.edit_state(address, |account| StateChanges {
            accounts: vec![(address, Some(Account { nonce, ..account }))],
            ..Default::default()
        })
    }

    pub fn set_code(&self, address: Address, code: Bytes) -> Result<(), DevError> {
        let code_hash = keccak256(&code);
        self.edit_state(address, |account| StateChanges {
            accounts: vec![(address, Some(Account { code_hash, ..account }))],
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
        self.edit_state(address, |account| StateChanges {
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

    /// Records the current chain and state; returns the snapshot id. At most
    /// `limits.max_snapshots` live at once: a client that never reverts cannot make the node
    /// hold an unbounded list.
    pub fn snapshot(&self) -> Result<u64, DevError> {
        let mut write = self.write_state();
        let head = self.chain.head()?;
        let state_root = self.current_state_root()?;
        let id = write.next_snapshot_id;
        write.next_snapshot_id = id.saturating_add(1);
        let snapshot = Snapshot {
            id,
            head_number: head.number,
            head_hash: head.hash_slow(),
            state_root,
            clock: *lock(&self.clock),
        };
        if write.snapshots.len() >= self.config.limits.max_snapshots {
            return Err(DevError::LimitReached {
                what: "live snapshots",
                limit: self.config.limits.max_snapshots,
                flag: "--max-snapshots",
            });
        }
        write.snapshots.push(snapshot);
        Ok(id)
    }

    /// Returns the chain to snapshot `id`, which is consumed with every later one. Returns
    /// false for an unknown id, as anvil does. Refused when it would remove a block already
    /// reported as finalized.
    pub fn revert(&self, id: u64) -> Result<bool, DevError> {
        let mut write = self.write_state();
        let Some(position) = write.snapshots.iter().position(|s| s.id == id) else {
            return Ok(false);
        };
        let snapshot = &write.snapshots[position];
        let (number, hash, root, clock) =
            (snapshot.head_number, snapshot.head_hash, snapshot.state_root, snapshot.clock);
        self.unwind_to(number, hash, root)?;
        write.snapshots.truncate(position);
        drop(write);
        *lock(&self.clock) = clock;
        tracing::info!("reverted to snapshot {id} at block {number}");
        Ok(true)
    }
}
