//! Test-only state readers for this crate's unit tests.

use alloy_primitives::{Address, B256, Bytes, U256};
use basalt_primitives::{Account, StateReadError, StateReader};
use basalt_storage::ReadView;

/// The head state of `view`, except that reading `broken` fails as a failing disk would.
pub(crate) struct FailingState<'a> {
    pub view: &'a ReadView,
    pub broken: Address,
}

impl FailingState<'_> {
    fn check(&self, address: Address) -> Result<(), StateReadError> {
        if address == self.broken {
            return Err(StateReadError::new(std::io::Error::other("disk read failed")));
        }
        Ok(())
    }
}

impl StateReader for FailingState<'_> {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        self.check(address)?;
        StateReader::account(self.view, address)
    }
    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        self.check(address)?;
        StateReader::storage(self.view, address, slot)
    }
    fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
        self.check(address)?;
        StateReader::has_storage(self.view, address)
    }
    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
        StateReader::code(self.view, code_hash)
    }
    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        StateReader::block_hash(self.view, number)
    }
}
