//! The `basalt_*` namespace of an L2 node: `basalt_rollupConfig`, what a wallet, bridge UI or
//! follower needs to know about the rollup (both chain ids, the L1 contracts, where the L1
//! watcher starts, the block time and the fee parameters).

use crate::{RpcBackend, RpcContext, error::internal, sync_method};
use alloy_primitives::Address;
use jsonrpsee::RpcModule;
use serde::Serialize;

/// The answer of `basalt_rollupConfig`. Numbers are JSON numbers (as OP Stack's
/// `optimism_rollupConfig`), addresses are checksummed hex.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollupConfigView {
    pub l1_chain_id: u64,
    pub l2_chain_id: u64,
    /// L1 CommonBridge proxy.
    pub bridge: Address,
    /// L1 OnChainProposer proxy.
    pub on_chain_proposer: Address,
    /// L1 governance timelock.
    pub timelock: Address,
    /// The L2 bridge (RIP-7875 address).
    pub l2_bridge: Address,
    /// First L1 block of the deployment (where the watcher starts).
    pub l1_deploy_block: u64,
    /// L1 blocks a deposit waits before it counts.
    pub l1_confirmations: u64,
    /// Seconds between L2 blocks.
    pub block_time: f64,
    /// Block gas limit of the L2 (gas).
    pub l2_block_gas_limit: u64,
    /// Seconds after which a queued deposit forces its inclusion on L1.
    pub inclusion_period_secs: u64,
    /// The fee parameters of the next block (docs/l2-fees.md), filled at each call (the L1
    /// blob base fee moves): `version`, `baseFeeVault` (null: burned), `operatorFeeVault`,
    /// `operatorFeePerGas` (wei), `l1FeeVault`, `l1FeeScalar` (ppm), `l1BlobBaseFee` (wei per
    /// blob gas), `eip1559` {`elasticityMultiplier`, `baseFeeMaxChangeDenominator`}.
    pub fees: serde_json::Value,
}

/// The JSON of `fees`: wei amounts as hex quantities, small parameters as numbers.
fn fees_json(fees: &basalt_primitives::FeeConfig) -> serde_json::Value {
    serde_json::json!({
        "version": basalt_primitives::fee_config::FEE_CONFIG_VERSION,
        "baseFeeVault": fees.base_fee_vault,
        "operatorFeeVault": fees.operator_fee_vault,
        "operatorFeePerGas": format!("{:#x}", fees.operator_fee_per_gas),
        "l1FeeVault": fees.l1_fee_vault,
        "l1FeeScalar": fees.l1_fee_scalar,
        "l1BlobBaseFee": format!("{:#x}", fees.l1_blob_base_fee),
        "eip1559": {
            "elasticityMultiplier": fees.elasticity_multiplier,
            "baseFeeMaxChangeDenominator": fees.base_fee_max_change_denominator,
        },
    })
}

pub fn register(module: &mut RpcModule<RpcContext>) {
    sync_method(module, "basalt_rollupConfig", |ctx, _| match &ctx.backend {
        RpcBackend::L2(_, view) => {
            let chain = ctx.node.chain();
            let state = chain.db().read().map_err(internal)?;
            let fees = chain.next_fee_config(&state).map_err(internal)?;
            let fees = fees.as_ref().map_or(serde_json::Value::Null, fees_json);
            Ok(RollupConfigView { fees, ..(**view).clone() })
        }
        // Never registered on other backends.
        RpcBackend::DevL1(_) => Err(internal("basalt_rollupConfig on a chain without a rollup")),
    });
}
