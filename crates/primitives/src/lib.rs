//! Basalt's core types: blocks, headers, transactions and receipts (the alloy types),
//! hardforks, chain configuration, genesis files and account state.

pub mod block_fees;
pub mod chain_config;
pub mod genesis;
pub mod hardfork;
pub mod sender;
pub mod state;

pub use alloy_consensus::{
    Block as AlloyBlock, BlockBody as AlloyBlockBody, EMPTY_OMMER_ROOT_HASH, Header, Receipt,
    ReceiptEnvelope, ReceiptWithBloom, TxEnvelope, TxType,
};
pub use alloy_eips::{eip4895::Withdrawal, eip7685::Requests};
pub use alloy_primitives::{Address, B256, Bloom, Bytes, Log, U256};
pub use block_fees::{BaseFeeOverflow, BlockFees};
pub use chain_config::{ChainConfig, ForkCondition};
pub use genesis::{GenesisError, GenesisSpec};
pub use hardfork::Hardfork;
pub use state::{Account, StateChanges, StateReadError, StateReader, StorageChanges};

/// A block with Ethereum transactions.
pub type Block = alloy_consensus::Block<TxEnvelope>;
/// A block body with Ethereum transactions.
pub type BlockBody = alloy_consensus::BlockBody<TxEnvelope>;
