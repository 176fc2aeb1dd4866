//! revm integration: block execution with Ethereum's L1 rules per fork. Takes state through
//! [`basalt_primitives::StateReader`] and returns receipts and a change set; roots and
//! persistence belong to the caller.

mod db;
mod executor;
pub mod requests;
mod spec;
mod tx_env;

pub use db::{StateDb, StateDbError};
pub use executor::{
    BEACON_ROOTS_ADDRESS, BlockExecutionError, BlockExecutor, BlockInput, BlockOutput,
    CONSOLIDATION_REQUEST_ADDRESS, HISTORY_STORAGE_ADDRESS, IntermediateRoot,
    WITHDRAWAL_REQUEST_ADDRESS, execute_block,
};
pub use spec::spec_id;
pub use tx_env::tx_env;
