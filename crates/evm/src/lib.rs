//! revm integration: block execution with Ethereum's L1 rules per fork or the L2 rules
//! ([`handler`], [`rules`]), plus single-call
//! simulation (`eth_call`, `eth_estimateGas`, `eth_createAccessList`), multi-block simulation
//! (`eth_simulateV1`) and geth-style tracing.
//! Takes state through [`basalt_primitives::StateReader`] and returns receipts and a change set;
//! roots and persistence belong to the caller.

mod collision;
mod db;
mod evm_env;
mod executor;
pub mod handler;
pub mod l2_fees;
pub mod requests;
pub mod rules;
mod simulate;
mod spec;
#[cfg(test)]
mod test_support;
mod trace;
mod tx_env;
pub mod validation;

pub use collision::{BasaltContext, CollisionJournal, StoragePresence, basalt_context};
pub use db::{StateDb, StateDbError};
pub use executor::{
    BEACON_ROOTS_ADDRESS, BlockExecutionError, BlockExecutor, BlockInput, BlockOutput,
    CONSOLIDATION_REQUEST_ADDRESS, HISTORY_STORAGE_ADDRESS, IntermediateRoot, Senders,
    WITHDRAWAL_REQUEST_ADDRESS, execute_block,
};
pub use rules::{ChainRules, L2Rules, default_fee_config};
pub use simulate::multi_block::{
    BlockStateCall, SimulateBlocksError, SimulatedBlockOutput, SimulationOptions, simulate_blocks,
};
pub use simulate::{
    CallOutcome, EXECUTION_REVERTED_CODE, INVALID_PARAMS_CODE, MIN_TRANSACTION_GAS,
    SERVER_ERROR_CODE, SimulationError, call, create_access_list, estimate_gas, revert_message,
};
pub use spec::{spec_id, tx_gas_limit_cap};
pub use trace::{SUPPORTED_TRACERS, trace_block, trace_transaction};
pub use tx_env::{
    BasaltTxEnv, PRIVILEGED_UNDER_L1_RULES, PrivilegedParts, block_tx_env, l1_transaction, tx_env,
};
pub use validation::BlockValidationError;
