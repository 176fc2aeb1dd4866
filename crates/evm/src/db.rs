//! Adapter from Basalt's [`StateReader`] to revm's read-only database interface.

use alloy_primitives::{Address, B256, U256};
use basalt_primitives::{StateReadError, StateReader};
use revm::{
    DatabaseRef, bytecode::Bytecode, database_interface::DBErrorMarker, state::AccountInfo,
};

/// A state read that failed underneath execution.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StateDbError {
    #[error(transparent)]
    Read(#[from] StateReadError),
    #[error("code {0} is referenced by an account but missing from the database")]
    MissingCode(B256),
}

impl DBErrorMarker for StateDbError {}

/// Serves revm from a [`StateReader`].
pub struct StateDb<R>(pub R);

impl<R: StateReader> DatabaseRef for StateDb<R> {
    type Error = StateDbError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.0.account(address)?.map(|account| AccountInfo {
            balance: account.balance,
            nonce: account.nonce,
            code_hash: account.code_hash,
            // None makes revm fetch the code by hash when it needs it.
            code: None,
            account_id: None,
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        match self.0.code(code_hash)? {
            // Code that starts like an EIP-7702 delegation but is malformed (it can only come
            // from a genesis file) runs as legacy bytes instead of panicking.
            Some(code) => Ok(Bytecode::new_raw_checked(code.clone())
                .unwrap_or_else(|_| Bytecode::new_legacy(code))),
            None => Err(StateDbError::MissingCode(code_hash)),
        }
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self.0.storage(address, index)?)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        Ok(self.0.block_hash(number)?.unwrap_or_default())
    }
}
