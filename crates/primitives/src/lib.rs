//! Basalt's core types: blocks, headers, transactions and receipts (the alloy types),
//! hardforks, chain configuration, genesis files and account state.

pub mod block_fees;
pub mod chain_config;
pub mod fee_config;
pub mod genesis;
pub mod hardfork;
pub mod privileged;
pub mod receipt;
pub mod sender;
pub mod state;
pub mod transaction;

pub use alloy_consensus::{
    Block as AlloyBlock, BlockBody as AlloyBlockBody, EMPTY_OMMER_ROOT_HASH, EthereumReceipt,
    Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, TxEnvelope, TxType,
};
pub use alloy_eips::{eip4895::Withdrawal, eip7685::Requests};
pub use alloy_primitives::{Address, B256, Bloom, Bytes, Log, U256};
pub use block_fees::{BaseFeeOverflow, BlockFees};
pub use chain_config::{ChainConfig, ForkCondition, RollupConfig};
pub use fee_config::{FeeConfig, FeeSettings};
pub use genesis::{GenesisError, GenesisSpec};
pub use hardfork::Hardfork;
pub use privileged::{PRIVILEGED_TX_TYPE, TxPrivileged};
pub use receipt::BasaltReceipt;
pub use state::{Account, StateChanges, StateReadError, StateReader, StorageChanges};
pub use transaction::{BasaltTxEnvelope, BasaltTxType};

/// A block: signed Ethereum transactions and, on the L2, privileged ones.
pub type Block = alloy_consensus::Block<BasaltTxEnvelope>;
/// A block body: signed Ethereum transactions and, on the L2, privileged ones.
pub type BlockBody = alloy_consensus::BlockBody<BasaltTxEnvelope>;
