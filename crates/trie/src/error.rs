//! The trie's error type: what went wrong with the node store, a node, or a proof.

use alloy_primitives::B256;

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
    Store(String),
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
