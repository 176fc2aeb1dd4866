//! The `blocks` payload of a batch (docs/da.md, "Blocks mode"): everything a follower needs to
//! re-execute the batch's blocks and rebuild their exact headers, without the transactions'
//! signatures. Each ordinary transaction carries its sender (an index into the batch's address
//! table) instead: the validity proof attests that every transaction was signed. Each block
//! carries its transactions root, so a follower that re-executes computes the same header and
//! hash, and checks the chain of hashes against the last block hash committed on L1.
//!
//! Fields are written in columns (one byte stream per field kind, each length-prefixed) so the
//! compressor sees like next to like; nonces are written as "the sender's next" flags, small
//! integers as LEB128 varints, repeated addresses as table indexes. Decoding is total: any input
//! gives a payload or an error, never a panic, and allocations are bounded by the input size.

mod apply_diff;
mod budget;
mod column_io;
mod columns;
mod from_block;
mod state_diff;
#[cfg(test)]
mod tests;

use alloy_consensus::{TxEip1559, TxEip2930, TxEip7702, TxLegacy};
use alloy_primitives::{Address, B256};
use basalt_primitives::FeeConfig;

pub use from_block::{PayloadTxError, payload_block, payload_transactions};

/// The largest uncompressed payload a reader accepts, in bytes: six blobs of brotli at its best
/// ratio stay far below it, and a reader never allocates more for one batch.
pub const MAX_PAYLOAD_BYTES: usize = 16 << 20;

/// First byte of every payload.
pub const PAYLOAD_VERSION: u8 = 1;

/// What a batch's payload publishes (chosen at deploy time, recorded in the deployment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DaMode {
    /// The batch's blocks: anyone can re-execute them.
    Blocks = 0,
    /// The batch's state changes: the most transfers per blob.
    StateDiff = 1,
}

/// The `blocks` payload of one batch: consecutive L2 blocks from `first_block`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlocksPayload {
    /// The L2 chain id; every typed transaction carries it, legacy ones may.
    pub chain_id: u64,
    /// Number of the batch's first block.
    pub first_block: u64,
    pub blocks: Vec<PayloadBlock>,
}

/// One block of a [`BlocksPayload`]: the header fields a follower cannot compute, and the
/// block's transactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadBlock {
    /// Seconds since the Unix epoch; never below the previous block's.
    pub timestamp: u64,
    /// Gas limit in gas.
    pub gas_limit: u64,
    /// The block's coinbase.
    pub beneficiary: Address,
    /// The fee parameters the block ran under (docs/l2-fees.md).
    pub fees: FeeConfig,
    /// The header's transactions root (over the signed transactions the follower never sees).
    pub transactions_root: B256,
    /// Privileged transactions at the start of the block, next in the L1 bridge's queue; a
    /// follower reads them from L1.
    pub privileged_count: u64,
    /// The block's ordinary transactions, in order, after the privileged ones.
    pub transactions: Vec<SenderTransaction>,
}

/// An ordinary transaction without its signature, and who signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderTransaction {
    pub sender: Address,
    pub transaction: UnsignedTransaction,
}

/// The transaction kinds an L2 block holds (blob transactions are refused on the L2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnsignedTransaction {
    Legacy(TxLegacy),
    Eip2930(TxEip2930),
    Eip1559(TxEip1559),
    Eip7702(TxEip7702),
}

/// Why a batch cannot be written as a payload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadEncodeError {
    #[error("block {number}'s timestamp {timestamp} is before the previous block's {previous}")]
    TimestampDecreases { number: u64, timestamp: u64, previous: u64 },
    #[error("a transaction of block {number} is for chain {found}, not {expected}")]
    WrongChainId { number: u64, expected: u64, found: u64 },
    #[error("the batch holds more than 2^32 addresses or transactions")]
    TooLarge,
    #[error("invalid state diff: {0}")]
    InvalidStateDiff(String),
}

/// Why bytes are not a payload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadDecodeError {
    #[error("empty payload")]
    Empty,
    #[error("unknown payload version {0}")]
    UnknownVersion(u8),
    #[error("unknown DA mode {0}")]
    UnknownMode(u8),
    #[error("the {0} payload is not a blocks payload")]
    NotBlocks(&'static str),
    #[error("the {0} payload is not a state-diff payload")]
    NotStateDiff(&'static str),
    #[error("{column}: {reason}")]
    Column { column: &'static str, reason: String },
    #[error("{0} bytes after the payload")]
    TrailingBytes(usize),
}

pub use apply_diff::{DiffApplyError, state_diff_changes};
pub use budget::{BlockDataBudget, PAYLOAD_HEADER_BOUND, max_block_payload_bytes};
pub use columns::{decode_blocks, encode_blocks};
pub use state_diff::{
    AccountDiff, Change, ChangeValue, SlotDiff, SlotKey, StateDiffPayload, decode_state_diff,
    encode_state_diff, mapping_slot,
};
