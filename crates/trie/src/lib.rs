//! Ethereum Merkle-Patricia trie over a content-addressed node store.
//!
//! Owns the node format (RLP, hex-prefix paths), an in-memory trie that loads nodes
//! lazily by hash and rehashes only what changed, commit output for persisting new
//! nodes, Merkle proofs, and witness recording for stateless re-execution. It knows
//! nothing of accounts or databases: keys are raw byte paths (callers hash them for
//! secure tries) and nodes come from any [`NodeReader`].

mod error;
mod hash;
mod nibbles;
mod node;
mod proof;
mod store;
mod trie;

#[cfg(test)]
mod tests;

pub use alloy_trie::EMPTY_ROOT_HASH;
pub use error::{StoreError, TrieError};
pub use proof::verify_proof;
pub use store::{MemoryNodes, NodeReader, RecordingReader};
pub use trie::Trie;
