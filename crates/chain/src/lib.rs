//! Chain logic: genesis, header and body validation, and block import onto the head.

mod blockchain;
pub mod builder;
pub mod dev;
pub mod error;
pub mod genesis;
pub mod header_rules;
pub mod l2_producer;
pub mod system_contracts;
#[cfg(test)]
mod test_support;
pub mod workload;

pub use blockchain::{Blockchain, ImportedBlock, MAX_RLP_BLOCK_SIZE};
pub use error::{BlockValidationError, ImportError};
