//! Where trie nodes come from: the [`NodeReader`] trait, an in-memory node set
//! (also the partial trie of an execution witness) and a reader that records every
//! node it serves (producing that witness). No persistence lives here.

use crate::TrieError;
use alloy_primitives::{B256, Bytes, keccak256, map::B256Map};
use std::sync::{Arc, Mutex, MutexGuard};

/// Source of trie nodes by the keccak hash of their RLP encoding.
pub trait NodeReader {
    /// The node's RLP. `Ok(None)` means "not present"; the trie turns that into
    /// [`TrieError::MissingNode`], never into a default.
    ///
    /// The reader is trusted to return the node whose keccak is `hash`
    /// ([`MemoryNodes::from_witness`] guarantees it by construction).
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError>;
}

impl<T: NodeReader + ?Sized> NodeReader for &T {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        (**self).node(hash)
    }
}

impl<T: NodeReader + ?Sized> NodeReader for Arc<T> {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        (**self).node(hash)
    }
}

impl<T: NodeReader + ?Sized> NodeReader for Box<T> {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        (**self).node(hash)
    }
}

/// An in-memory set of trie nodes keyed by hash: a test store, the output of
/// [`crate::Trie::commit`] collected, or a partial trie built from a witness.
#[derive(Default, Clone, Debug)]
pub struct MemoryNodes {
    nodes: B256Map<Bytes>,
}

impl MemoryNodes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `node` under `hash` as given; the caller vouches that `hash` is its keccak.
    pub fn insert(&mut self, hash: B256, node: Bytes) {
        self.nodes.insert(hash, node);
    }

    pub fn extend(&mut self, nodes: impl IntoIterator<Item = (B256, Bytes)>) {
        self.nodes.extend(nodes);
    }

    /// A node set from witness nodes (RLP only), each keyed by its own keccak.
    pub fn from_witness(nodes: impl IntoIterator<Item = Bytes>) -> Self {
        let mut set = Self::new();
        set.extend_from_witness(nodes);
        set
    }

    /// Adds witness nodes, keying each by its own keccak.
    pub fn extend_from_witness(&mut self, nodes: impl IntoIterator<Item = Bytes>) {
        self.nodes.extend(nodes.into_iter().map(|node| (keccak256(&node), node)));
    }

    pub fn get(&self, hash: &B256) -> Option<&Bytes> {
        self.nodes.get(hash)
    }

    pub fn contains(&self, hash: &B256) -> bool {
        self.nodes.contains_key(hash)
    }

    pub fn remove(&mut self, hash: &B256) -> Option<Bytes> {
        self.nodes.remove(hash)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&B256, &Bytes)> {
        self.nodes.iter()
    }
}

impl NodeReader for MemoryNodes {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        Ok(self.nodes.get(hash).cloned())
    }
}

impl FromIterator<(B256, Bytes)> for MemoryNodes {
    fn from_iter<I: IntoIterator<Item = (B256, Bytes)>>(nodes: I) -> Self {
        Self { nodes: nodes.into_iter().collect() }
    }
}

impl Extend<(B256, Bytes)> for MemoryNodes {
    fn extend<I: IntoIterator<Item = (B256, Bytes)>>(&mut self, nodes: I) {
        self.nodes.extend(nodes);
    }
}

/// Wraps a reader and records every node it returns: the trie part of an execution
/// witness. Replaying the same operations over [`MemoryNodes::from_witness`] of the
/// recording needs no other node. Open a fresh [`crate::Trie`] over it for the span
/// being witnessed: nodes a trie loaded earlier are not read (nor recorded) again.
#[derive(Debug)]
pub struct RecordingReader<R> {
    inner: R,
    recorded: Mutex<B256Map<Bytes>>,
}

impl<R: NodeReader> RecordingReader<R> {
    pub fn new(inner: R) -> Self {
        Self { inner, recorded: Mutex::default() }
    }

    /// Drains the nodes recorded so far, sorted by hash so the witness is deterministic.
    pub fn take_recorded(&self) -> Vec<Bytes> {
        let mut recorded: Vec<(B256, Bytes)> = self.lock().drain().collect();
        recorded.sort_unstable_by_key(|(hash, _)| *hash);
        recorded.into_iter().map(|(_, node)| node).collect()
    }

    /// Number of distinct nodes recorded since the last [`Self::take_recorded`].
    pub fn recorded_len(&self) -> usize {
        self.lock().len()
    }

    pub fn inner(&self) -> &R {
        &self.inner
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    fn lock(&self) -> MutexGuard<'_, B256Map<Bytes>> {
        // A panic elsewhere cannot leave the map half-updated; keep using it.
        self.recorded.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<R: NodeReader> NodeReader for RecordingReader<R> {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        let node = self.inner.node(hash)?;
        if let Some(node) = &node {
            self.lock().insert(*hash, node.clone());
        }
        Ok(node)
    }
}
