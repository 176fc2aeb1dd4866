//! State at any stored root, read through the tries instead of the flat head tables. Slower
//! than the flat state (a trie walk per read) but exact for every past block whose nodes are
//! in the log, which is all of them: the node log is append-only.

use crate::{
    ReadView, StorageError,
    read::{decode, read_error},
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use basalt_primitives::{Account, StateReadError, StateReader};
use basalt_trie::{NodeReader, Trie};

/// The state with root `root`, over the nodes and code of a [`ReadView`].
pub struct HistoricalState<'a> {
    view: &'a ReadView,
    root: B256,
}

impl<'a> HistoricalState<'a> {
    pub fn new(view: &'a ReadView, root: B256) -> Self {
        Self { view, root }
    }

    /// The account as the trie stores it, with its storage root.
    pub fn trie_account(&self, address: Address) -> Result<Option<TrieAccount>, StorageError> {
        trie_account(self.view, self.root, address)
    }

    /// The state root after applying `changes` to this state, computed in memory from the
    /// trie (exact for any stored root, unlike [`ReadView::state_root_after`], which takes the
    /// accounts' storage roots from the head). `eth_simulateV1` roots its simulated blocks so.
    pub fn state_root_after(
        &self,
        changes: &basalt_primitives::StateChanges,
    ) -> Result<B256, StorageError> {
        trie_state_root_after(self.view, self.root, changes)
    }

    /// The value of `slot` of `address` (zero when unset).
    pub fn slot_value(&self, address: Address, slot: U256) -> Result<U256, StorageError> {
        trie_slot(self.view, self.root, address, slot)
    }
}

/// The root after applying `changes` to the state with root `root`, read from the tries.
pub(crate) fn trie_state_root_after(
    nodes: &impl NodeReader,
    root: B256,
    changes: &basalt_primitives::StateChanges,
) -> Result<B256, StorageError> {
    let previous = |address| trie_account(nodes, root, address);
    Ok(crate::state_update::plan_state_update(nodes, previous, root, changes)?.root)
}

/// The account `address` in the state trie with root `root`.
pub(crate) fn trie_account(
    nodes: &impl NodeReader,
    root: B256,
    address: Address,
) -> Result<Option<TrieAccount>, StorageError> {
    let key = keccak256(address);
    Trie::open(nodes, root).get(key.as_slice())?.map(|raw| decode("account", &raw)).transpose()
}

/// Whether `address` has a non-empty storage trie in the state with root `root`.
pub(crate) fn trie_has_storage(
    nodes: &impl NodeReader,
    root: B256,
    address: Address,
) -> Result<bool, StorageError> {
    Ok(trie_account(nodes, root, address)?.is_some_and(|a| a.storage_root != EMPTY_ROOT_HASH))
}

/// Slot `slot` of `address` in the state with root `root` (zero when unset).
pub(crate) fn trie_slot(
    nodes: &impl NodeReader,
    root: B256,
    address: Address,
    slot: U256,
) -> Result<U256, StorageError> {
    let storage_root =
        trie_account(nodes, root, address)?.map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
    if storage_root == EMPTY_ROOT_HASH {
        return Ok(U256::ZERO);
    }
    let key = keccak256(slot.to_be_bytes::<32>());
    Ok(Trie::open(nodes, storage_root)
        .get(key.as_slice())?
        .map(|raw| decode("storage value", &raw))
        .transpose()?
        .unwrap_or_default())
}

/// The execution fields of a stored account.
pub(crate) fn execution_account(account: TrieAccount) -> Account {
    Account { nonce: account.nonce, balance: account.balance, code_hash: account.code_hash }
}

impl StateReader for HistoricalState<'_> {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        Ok(self.trie_account(address).map_err(read_error)?.map(execution_account))
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        self.slot_value(address, slot).map_err(read_error)
    }

    fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
        trie_has_storage(self.view, self.root, address).map_err(read_error)
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
        self.view.code(code_hash).map_err(read_error)
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        self.view.canonical_hash(number).map_err(read_error)
    }
}
