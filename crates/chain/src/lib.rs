//! Chain logic: genesis, header and body validation, block import onto the head, block
//! building, the chain service (pool, journal, block production) that both the dev L1 and the
//! L2 node run, the anvil controls layered on the dev L1's service, and the L2 block producer.

pub mod anvil;
mod blockchain;
pub mod builder;
pub mod dev;
pub mod error;
pub mod genesis;
pub mod l2_producer;
pub mod replay;
pub mod service;
pub mod system_contracts;
#[cfg(test)]
mod test_support;
pub mod workload;

pub use basalt_evm::validation::MAX_RLP_BLOCK_SIZE;
pub use blockchain::{Blockchain, ImportedBlock};
pub use error::{BlockValidationError, ImportError};
