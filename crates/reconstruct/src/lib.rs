//! Rebuilding the L2 from L1 alone (issue 11 §4, docs/da.md "Rebuilding the L2 from L1"): the
//! [`Follower`] applies each batch the proposer committed, from the commit transaction's blobs,
//! in `blocks` mode by re-executing its blocks and in `state-diff` mode by applying its state
//! changes, and checks the result against the commitment; [`l1`] reads the commitments and the
//! blobs from an L1 endpoint. The privileged transactions a blocks-mode batch includes come
//! from the datadir's queue, which the L1 watcher (`basalt-watcher`) fills.

mod follower;
pub mod l1;

pub use follower::{AppliedBatch, Follower, MAX_PAYLOAD_BYTES, with_placeholder_signature};

use alloy_primitives::B256;
use basalt_storage::StorageError;

/// What `OnChainProposer.commitBatch` committed for one batch (its `BatchCommitted` event) and
/// the commit transaction's blob versioned hashes, in blob order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchCommitment {
    pub number: u64,
    pub state_root: B256,
    pub l1_messages_root: B256,
    /// Rolling hash of the privileged transactions included (count in the top 2 bytes).
    pub privileged_rolling_hash: B256,
    pub last_block_hash: B256,
    /// Ordinary (signed) transactions in the batch.
    pub non_privileged_txs: u64,
    pub versioned_hashes: Vec<B256>,
    /// The L1 transaction that committed it, when known.
    pub commit_tx: Option<B256>,
    /// Timestamp of the L1 block that holds the commit (Unix seconds; 0 when unknown), stored
    /// as the batch's `sealed_at`.
    pub l1_timestamp: u64,
}

/// Why a batch could not be applied, or a datadir cannot follow.
#[derive(Debug, thiserror::Error)]
pub enum FollowerError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the datadir holds no genesis")]
    NoGenesis,
    /// The datadir holds a chain this node produced, not one rebuilt from L1.
    #[error(
        "the datadir holds a sequencer's chain (head block {head}, {sealed} sealed batches), not \
         one rebuilt from L1: use an empty --datadir"
    )]
    NotAFollower { head: u64, sealed: u64 },
    #[error(
        "the datadir was rebuilt in DA mode {stored}, but the deployment's is {wanted}: use the \
         deployment it was rebuilt from, or an empty --datadir"
    )]
    OtherMode { stored: u8, wanted: u8 },
    #[error("batch {got} is not the next one to apply ({expected})")]
    OutOfOrder { expected: u64, got: u64 },
    #[error("batch {0} has no data on L1")]
    NoData(u64),
    #[error("batch {number}: blobs: {reason}")]
    Blobs { number: u64, reason: String },
    #[error("batch {number}: its data does not decode for this chain: {reason}")]
    BadData { number: u64, reason: String },
    /// The privileged transactions a block includes are not (yet) in the queue.
    #[error(
        "batch {number} includes {count} privileged transactions from id {first}, but the \
         queue holds {queued} of them: the L1 bridge's events have not all been read"
    )]
    MissingPrivileged { number: u64, first: u64, count: u64, queued: u64 },
    #[error("batch {number}: re-executing its blocks failed: {reason}")]
    Execution { number: u64, reason: String },
    #[error("batch {number}: the rebuilt {what} {rebuilt} is not the committed {committed}")]
    Mismatch { number: u64, what: &'static str, committed: String, rebuilt: String },
}
