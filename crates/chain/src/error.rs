//! Why a block is refused: each variant names the consensus rule it broke.

use alloy_primitives::B256;
use basalt_evm::BlockExecutionError;
pub use basalt_evm::BlockValidationError;
use basalt_storage::StorageError;

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
