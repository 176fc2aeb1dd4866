//! The revm environment of a block: the rule set (spec, chain id, blob limits) and the block
//! fields opcodes read. Shared by block execution, call simulation and tracing so that all three
//! run a block's transactions under exactly the same rules; it reads no state.

use crate::spec::spec_id;
use alloy_consensus::Header;
use alloy_eips::eip7840::BlobParams;
use alloy_primitives::U256;
use basalt_primitives::{ChainConfig, Hardfork};
use revm::{
    context::{BlockEnv, CfgEnv},
    context_interface::block::BlobExcessGasAndPrice,
};

/// What revm needs to know about a block before running its transactions.
#[derive(Clone, Debug)]
pub(crate) struct BlockEvmEnv {
    pub fork: Hardfork,
    /// Blob parameters in force (None before Cancun).
    pub blob_params: Option<BlobParams>,
    pub cfg: CfgEnv,
    pub block: BlockEnv,
}

/// The environment of the block with `header` under `config`'s rules. `header` needs the fields
/// execution reads (number, timestamp, beneficiary, gas limit, base fee, prevrandao, excess blob
/// gas); roots may be unset.
pub(crate) fn block_evm_env(config: &ChainConfig, header: &Header) -> BlockEvmEnv {
    let fork = config.fork_at(header.number, header.timestamp);
    let blob_params = config.blob_params(fork);
    let update_fraction = blob_params.map(|p| u64::try_from(p.update_fraction).unwrap_or(u64::MAX));
    let mut cfg = CfgEnv::new_with_spec(spec_id(fork));
    cfg.chain_id = config.chain_id;
    if let Some(params) = blob_params {
        cfg.max_blobs_per_tx = Some(params.max_blobs_per_tx);
        cfg.blob_base_fee_update_fraction = update_fraction;
    }
    let block = BlockEnv {
        number: U256::from(header.number),
        beneficiary: header.beneficiary,
        timestamp: U256::from(header.timestamp),
        gas_limit: header.gas_limit,
        basefee: header.base_fee_per_gas.unwrap_or_default(),
        difficulty: header.difficulty,
        prevrandao: (fork >= Hardfork::Paris).then_some(header.mix_hash),
        blob_excess_gas_and_price: match (update_fraction, header.excess_blob_gas) {
            (Some(fraction), Some(excess)) => Some(BlobExcessGasAndPrice::new(excess, fraction)),
            _ => None,
        },
        ..Default::default()
    };
    BlockEvmEnv { fork, blob_params, cfg, block }
}
