//! Why a block is refused: each variant names the consensus rule it broke.

use alloy_primitives::{B256, Bloom};
use basalt_evm::BlockExecutionError;
use basalt_storage::StorageError;

/// A consensus rule a block broke.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BlockValidationError {
    #[error("block number {got} does not follow parent number {parent}")]
    Number { parent: u64, got: u64 },
    #[error("timestamp {got} is not after the parent's {parent}")]
    Timestamp { parent: u64, got: u64 },
    #[error("extra data is {0} bytes, more than 32")]
    ExtraDataTooLong(usize),
    #[error("gas used {used} exceeds gas limit {limit}")]
    GasUsedAboveLimit { used: u64, limit: u64 },
    #[error(
        "gas limit {got} is outside the bounds allowed by the parent's {parent} (change < 1/1024, minimum 5000)"
    )]
    GasLimit { parent: u64, got: u64 },
    #[error("base fee is {got:?}, expected {expected:?} (EIP-1559)")]
    BaseFee { expected: Option<u64>, got: Option<u64> },
    #[error("proof-of-stake header field {0} must be zero/empty after the merge (EIP-3675)")]
    PostMergeField(&'static str),
    #[error("header field {field} must be {} at fork {fork}", if *.required { "present" } else { "absent" })]
    HeaderFieldPresence { field: &'static str, required: bool, fork: basalt_primitives::Hardfork },
    #[error("excess blob gas is {got}, expected {expected} (EIP-4844/EIP-7918)")]
    ExcessBlobGas { expected: u64, got: u64 },
    #[error(
        "blob gas used {got} is not a multiple of blob gas per blob or exceeds the maximum {max}"
    )]
    BlobGasUsedInvalid { got: u64, max: u64 },
    #[error("block RLP is {size} bytes, above the {max}-byte limit (EIP-7934)")]
    BlockTooLarge { size: usize, max: usize },
    #[error("transactions root {got} does not match the header's {expected}")]
    TransactionsRoot { expected: B256, got: B256 },
    #[error("ommers hash {got} does not match the header's {expected}")]
    OmmersHash { expected: B256, got: B256 },
    #[error("too many ommers: {0} (maximum 2)")]
    TooManyOmmers(usize),
    #[error("ommers are not allowed after the merge")]
    OmmersAfterMerge,
    #[error("withdrawals root {got:?} does not match the header's {expected:?} (EIP-4895)")]
    WithdrawalsRoot { expected: Option<B256>, got: Option<B256> },
    #[error("transaction {index}: invalid signature: {reason}")]
    InvalidSignature { index: usize, reason: String },
    #[error("execution: {0}")]
    Execution(#[from] BlockExecutionError),
    #[error("gas used {got} does not match the header's {expected}")]
    GasUsed { expected: u64, got: u64 },
    #[error("receipts root {got} does not match the header's {expected}")]
    ReceiptsRoot { expected: B256, got: B256 },
    #[error("logs bloom does not match the header's")]
    LogsBloom { expected: Box<Bloom>, got: Box<Bloom> },
    #[error("blob gas used {got} does not match the header's {expected}")]
    BlobGasUsed { expected: u64, got: u64 },
    #[error("requests hash {got} does not match the header's {expected} (EIP-7685)")]
    RequestsHash { expected: B256, got: B256 },
    #[error("state root {got} does not match the header's {expected}")]
    StateRoot { expected: B256, got: B256 },
}

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot decode block: {0}")]
    Decode(String),
    #[error("block {number} ({hash}) is invalid: {rule}")]
    Invalid { number: u64, hash: B256, rule: BlockValidationError },
    #[error("block {number} ({hash}) has unknown parent {parent}")]
    UnknownParent { number: u64, hash: B256, parent: B256 },
    #[error(
        "block {number} builds on {parent}, which is not the head {head}; only blocks on the head can be imported"
    )]
    NotOnHead { number: u64, parent: B256, head: B256 },
    #[error("block {0} is already known")]
    AlreadyKnown(B256),
    /// Another writer moved the head while this block was being checked: nothing was written.
    #[error(
        "block {number} builds on {parent}, but another writer moved the head to {head} meanwhile; nothing was written"
    )]
    HeadMoved { number: u64, parent: B256, head: B256 },
    /// The node could not execute the block (its storage or the EVM failed); the block was not
    /// judged, and it may be valid.
    #[error(
        "block {number} ({hash}) could not be executed, a failure of this node, not of the block: {source}"
    )]
    NodeFailure { number: u64, hash: B256, source: BlockExecutionError },
    #[error("the database has no genesis; initialise it first")]
    NoGenesis,
    #[error("genesis state root {computed} does not match the genesis header's {expected}")]
    GenesisStateRoot { expected: B256, computed: B256 },
    #[error("the database holds a chain with genesis {stored}, not {given}; use another --datadir")]
    GenesisMismatch { stored: B256, given: B256 },
    #[error(
        "the database holds a chain whose rules differ from the given genesis ({difference}); serve the stored chain without --genesis, or use another --datadir"
    )]
    ChainRulesDiffer { difference: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}
