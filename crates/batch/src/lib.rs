//! Batches of L2 blocks (docs/da.md): the DA payload of a run of stored blocks, in `blocks` mode
//! (the blocks without signatures) or `state-diff` mode (the net state change), the leaves of
//! the batch's L1-message tree, the KZG sidecar of its blobs, and the sealer that stores each
//! batch with its commitments in one write transaction.

mod blocks;
mod fit;
mod messages;
mod seal;
mod sealer;
mod sidecar;
mod state_diff;

pub use blocks::blocks_payload;
pub use fit::largest_fitting;
pub use messages::{l1_message_leaves, l1_message_tree};
pub use seal::{
    BatchConfig, BatchFit, batch_payload, blob_versioned_hashes, build_batch,
    build_batch_with_data, fitting_batch, fitting_last_block, has_transactions, surely_fits,
};
pub use sealer::{
    BatchSealer, background_priority, compute_priority, idle_background_work, on_compute_thread,
};
pub use sidecar::{BlobProofs, SidecarError, blob_sidecar};
pub use state_diff::state_diff_payload;

use basalt_storage::StorageError;

/// Why a batch's payload could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The range names a block the database does not hold (or no blocks at all).
    #[error("block {0} is not in the canonical chain")]
    MissingBlock(u64),
    /// Block 0 is the genesis; batches start after it.
    #[error("a batch cannot hold the genesis block")]
    Genesis,
    #[error("block {number} is missing its {what}")]
    Incomplete { number: u64, what: &'static str },
    /// A privileged transaction after an ordinary one: the payload's layout (privileged first,
    /// by count) cannot carry the block, which L2 rules never produce.
    #[error("block {0} has a privileged transaction after an ordinary one")]
    PrivilegedNotFirst(u64),
    /// A transaction type an L2 block never holds (blob transactions).
    #[error("block {number} holds a transaction of type {ty}, which a payload cannot carry")]
    UnsupportedTransaction { number: u64, ty: u8 },
    #[error("the code with hash {0} is not stored")]
    MissingCode(alloy_primitives::B256),
    #[error("block {0} holds an L1 message with an id above 2^64")]
    MessageIdTooLarge(u64),
    #[error(transparent)]
    Encode(#[from] basalt_da::PayloadEncodeError),
    /// A lone block whose data does not fit the batch's blobs, which the block producer's data
    /// bound rules out.
    #[error("block {number} alone needs {bytes} bytes of batch data, more than the blobs hold")]
    BlockTooLarge { number: u64, bytes: usize },
    #[error("blocks {first}..={last} need {bytes} bytes of data, more than {max} blobs hold")]
    TooManyBlobs { first: u64, last: u64, bytes: usize, max: usize },
    #[error("{0} privileged transactions, more than one batch may hold")]
    TooManyPrivilegedTxs(usize),
    #[error("KZG commitment: {0}")]
    Kzg(String),
    /// The thread sealing runs on could not start or panicked.
    #[error("sealing thread: {0}")]
    Thread(String),
}

/// The canonical hash of block `number`, or [`BatchError::MissingBlock`].
fn canonical_hash(
    view: &basalt_storage::ReadView,
    number: u64,
) -> Result<alloy_primitives::B256, BatchError> {
    view.canonical_hash(number)?.ok_or(BatchError::MissingBlock(number))
}
