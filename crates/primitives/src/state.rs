//! Account state as execution sees it, the read interface execution needs, and the change set
//! one block produces. Storage roots are the state layer's business and do not appear here.

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256};
use std::sync::Arc;

/// An account's execution-visible fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Account {
    pub nonce: u64,
    pub balance: U256,
    pub code_hash: B256,
}

impl Account {
    /// An account with no code.
    pub fn with_balance(balance: U256) -> Self {
        Self { nonce: 0, balance, code_hash: KECCAK256_EMPTY }
    }

    /// EIP-161: no code, zero nonce and zero balance.
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && self.code_hash == KECCAK256_EMPTY
    }
}

/// A state read that failed underneath execution: the node's storage (I/O, a missing or
/// damaged trie node, a corrupt record), never the block or transaction being executed. The
/// storage layer's error is kept with its type ([`StateReadError::downcast_ref`]). Two values
/// are equal when they are the same failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("state read failed: {0}")]
pub struct StateReadError(Arc<dyn std::error::Error + Send + Sync>);

impl StateReadError {
    pub fn new(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Arc::new(source))
    }

    /// The storage layer's own error, if it is an `E`.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref()
    }
}

impl PartialEq for StateReadError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for StateReadError {}

/// What block execution reads: the state at the parent block plus the recent block hashes.
pub trait StateReader {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError>;
    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError>;
    /// Whether `address` has any non-zero storage slot (a storage root other than the empty
    /// trie's). Contract creation onto such an address is a collision (EIP-7610).
    fn has_storage(&self, address: Address) -> Result<bool, StateReadError>;
    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError>;
    /// Hash of the canonical block `number` (an ancestor of the block being executed).
    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError>;
}

impl<T: StateReader + ?Sized> StateReader for &T {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        (**self).account(address)
    }
    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        (**self).storage(address, slot)
    }
    fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
        (**self).has_storage(address)
    }
    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
        (**self).code(code_hash)
    }
    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        (**self).block_hash(number)
    }
}

/// The storage writes of one account in one block.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StorageChanges {
    pub address: Address,
    /// The account was destroyed (or re-created) first: all its previous storage is gone.
    pub wiped: bool,
    /// New values; zero means the slot is cleared.
    pub slots: Vec<(U256, U256)>,
}

/// Everything a block changed in the state, in a form the state layer can apply.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StateChanges {
    /// New account fields; `None` deletes the account (and its storage).
    pub accounts: Vec<(Address, Option<Account>)>,
    pub storage: Vec<StorageChanges>,
    /// Newly deployed code by hash.
    pub code: Vec<(B256, Bytes)>,
}
