//! Direct state edits (`anvil_setBalance`, `anvil_setNonce`, `anvil_setCode`,
//! `anvil_setStorageAt`) and the clock controls (`evm_increaseTime`,
//! `evm_setNextBlockTimestamp`).
//!
//! A state edit is written like a block's state changes, through the tries, and the new root
//! is kept as the working state root until the next block commits to it.

use super::{AnvilChain, AnvilError};
use crate::service::ServiceError;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use basalt_primitives::{Account, StateChanges, StateReader, StorageChanges};

impl AnvilChain {
    /// The root of the state as it is now (the head's, or the edited working state's).
    pub(super) fn current_state_root(&self) -> Result<B256, AnvilError> {
        let view = self.chain().db().read()?;
        match view.working_state_root()? {
            Some(root) => Ok(root),
            None => Ok(self.chain().head()?.state_root),
        }
    }

    /// Applies a direct state edit on top of the current state. `edit` builds the change
    /// set from the account as it is, read under the write lock, so two edits of one account
    /// never lose each other's fields.
    fn edit_state(
        &self,
        address: Address,
        edit: impl FnOnce(Account) -> StateChanges,
    ) -> Result<(), AnvilError> {
        let writer = self.service.writer();
        let account = {
            let view = self.chain().db().read()?;
            StateReader::account(&view, address)?
                // A new account has no code: its code hash is that of empty code, not zero.
                .unwrap_or_else(|| Account::with_balance(U256::ZERO))
        };
        let changes = edit(account);
        let base = self.current_state_root()?;
        let mut batch = self.chain().db().write()?;
        let root = batch.apply_state(base, &changes)?;
        batch.set_working_state_root(Some(root))?;
        batch.commit()?;
        writer.state_edited();
        Ok(())
    }

    pub fn set_balance(&self, address: Address, balance: U256) -> Result<(), AnvilError> {
        self.edit_state(address, |account| StateChanges {
            accounts: vec![(address, Some(Account { balance, ..account }))],
            ..Default::default()
        })
    }

    pub fn set_nonce(&self, address: Address, nonce: u64) -> Result<(), AnvilError> {
        self.edit_state(address, |account| StateChanges {
            accounts: vec![(address, Some(Account { nonce, ..account }))],
            ..Default::default()
        })
    }

    pub fn set_code(&self, address: Address, code: Bytes) -> Result<(), AnvilError> {
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
    ) -> Result<(), AnvilError> {
        // A slot of a non-existent account would be unreachable: make the account exist.
        self.edit_state(address, |account| StateChanges {
            accounts: vec![(address, Some(account))],
            storage: vec![StorageChanges { address, wiped: false, slots: vec![(slot, value)] }],
            code: vec![],
        })
    }

    /// Moves the clock forward by `seconds`; returns the total offset.
    pub fn increase_time(&self, seconds: u64) -> Result<i128, AnvilError> {
        let head = self.chain().head()?.timestamp;
        Ok(self.clock.increase(seconds, head))
    }

    /// Sets the timestamp of the next block; it must be after the head's
    /// ([`ServiceError::TimestampNotAfterHead`]).
    pub fn set_next_block_timestamp(&self, timestamp: u64) -> Result<(), AnvilError> {
        let head = self.chain().head()?;
        if timestamp <= head.timestamp {
            return Err(ServiceError::TimestampNotAfterHead {
                requested: timestamp,
                head: head.timestamp,
            }
            .into());
        }
        self.clock.set_next_block_timestamp(timestamp);
        Ok(())
    }
}
