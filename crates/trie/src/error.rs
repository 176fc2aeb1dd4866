//! The trie's error type: what went wrong with the node store, a node, or a proof.

use alloy_primitives::B256;
use std::sync::Arc;

/// A failure of the node store underneath a trie, kept with its type so that the store's
/// owner can tell what failed ([`StoreError::downcast_ref`]). Two values are equal when they
/// are the same failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(Arc<dyn std::error::Error + Send + Sync>);

impl StoreError {
    pub fn new(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Arc::new(source))
    }

    /// The store's own error, if it is an `E`.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref()
    }
}

impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for StoreError {}

/// Everything a trie operation or a proof check can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// The store has no node under this hash (for a witness: the witness is incomplete).
    #[error("trie node {0} is missing from the node store")]
    MissingNode(B256),
    /// A stored node does not decode as a canonical trie node.
    #[error("trie node {hash} is malformed: {reason}")]
    MalformedNode { hash: B256, reason: String },
    /// The node store itself failed.
    #[error("node store failed: {0}")]
    Store(StoreError),
    /// A proof node does not hash to the reference the root or its parent commits to.
    #[error("proof node {index} does not match the hash committed to by its parent or the root")]
    ProofHashMismatch { index: usize },
    /// A proof node does not decode as a trie node.
    #[error("proof node {index} is malformed: {reason}")]
    MalformedProofNode { index: usize, reason: String },
    /// The proof ends before the key's value or the point where its path diverges.
    #[error("proof is incomplete: it ends before the key's path is resolved")]
    ProofIncomplete,
    /// The proof has nodes after the one that already decides the key.
    #[error("proof has {extra} node(s) after the node that decides the key")]
    ProofTrailingNodes { extra: usize },
}
