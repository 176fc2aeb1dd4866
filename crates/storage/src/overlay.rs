//! A state that exists only in memory: a change set applied on top of a snapshot's state
//! (the dev L1's pending block). Its root, reads through its tries and proofs against it are
//! exact; nothing is written, and the new trie nodes are dropped with it.

use crate::{
    AccountProof, ReadView, StorageError,
    historical::{
        execution_account, trie_account, trie_has_storage, trie_slot, trie_state_root_after,
    },
    proof::account_proof,
    read::read_error,
    state_update::plan_state_update,
};
use alloy_primitives::{Address, B256, Bytes, U256, map::B256Map};
use basalt_primitives::{Account, StateChanges, StateReadError, StateReader};
use basalt_trie::{NodeReader, TrieError};

/// The trie nodes and code a change set adds to a stored state: owned, so it can be kept
/// (the pending block's state) and read later over any newer snapshot, since the nodes it
/// builds on are never deleted.
#[derive(Clone, Debug, Default)]
pub struct OverlayNodes {
    root: B256,
    nodes: B256Map<Bytes>,
    code: B256Map<Bytes>,
}

impl ReadView {
    /// The state after applying `changes` to this snapshot's flat state, whose root is
    /// `state_root` (the head's, or the working root after dev-L1 edits).
    pub fn overlay_nodes(
        &self,
        state_root: B256,
        changes: &StateChanges,
    ) -> Result<OverlayNodes, StorageError> {
        let update = plan_state_update(self, |address| self.account(address), state_root, changes)?;
        Ok(OverlayNodes {
            root: update.root,
            nodes: update.new_nodes.into_iter().collect(),
            code: changes.code.iter().cloned().collect(),
        })
    }
}

impl OverlayNodes {
    /// The overlay's state root.
    pub fn root(&self) -> B256 {
        self.root
    }

    /// The state after applying `changes` on top of this overlay (read over `view`): the nodes
    /// and code of both. A follower executes the blocks of one batch this way, each on the
    /// state after the one before, before it writes any of them.
    pub fn then(&self, view: &ReadView, changes: &StateChanges) -> Result<Self, StorageError> {
        let state = self.on(view);
        let update = plan_state_update(
            &state,
            |address| trie_account(&state, self.root, address),
            self.root,
            changes,
        )?;
        let mut next = self.clone();
        next.root = update.root;
        next.nodes.extend(update.new_nodes);
        next.code.extend(changes.code.iter().cloned());
        Ok(next)
    }

    /// An empty overlay over the stored state with root `root`.
    pub fn over(root: B256) -> Self {
        Self { root, ..Self::default() }
    }

    /// The overlay's state, read over `view`.
    pub fn on<'a>(&'a self, view: &'a ReadView) -> StateOverlay<'a> {
        StateOverlay { view, parts: self }
    }
}

/// The state of an [`OverlayNodes`] over a snapshot.
pub struct StateOverlay<'a> {
    view: &'a ReadView,
    parts: &'a OverlayNodes,
}

impl StateOverlay<'_> {
    /// The overlay's state root.
    pub fn root(&self) -> B256 {
        self.parts.root
    }

    /// The state root after applying `changes` on top of this overlay (see
    /// [`crate::HistoricalState::state_root_after`]).
    pub fn state_root_after(&self, changes: &StateChanges) -> Result<B256, StorageError> {
        trie_state_root_after(self, self.parts.root, changes)
    }

    /// The EIP-1186 proof of `address` and `slots` against [`StateOverlay::root`].
    pub fn account_proof(
        &self,
        address: Address,
        slots: &[U256],
    ) -> Result<AccountProof, StorageError> {
        account_proof(self, self.parts.root, address, slots)
    }
}

impl NodeReader for StateOverlay<'_> {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        match self.parts.nodes.get(hash) {
            Some(node) => Ok(Some(node.clone())),
            None => self.view.node(hash),
        }
    }
}

impl StateReader for StateOverlay<'_> {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        Ok(trie_account(self, self.parts.root, address).map_err(read_error)?.map(execution_account))
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        trie_slot(self, self.parts.root, address, slot).map_err(read_error)
    }

    fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
        trie_has_storage(self, self.parts.root, address).map_err(read_error)
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
        match self.parts.code.get(&code_hash) {
            Some(code) => Ok(Some(code.clone())),
            None => self.view.code(code_hash).map_err(read_error),
        }
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        self.view.canonical_hash(number).map_err(read_error)
    }
}
