//! The `basalt_*` namespace of an L2 node: `basalt_rollupConfig`, what a wallet, bridge UI or
//! follower needs to know about the rollup (both chain ids, the L1 contracts, where the L1
//! watcher starts, the block time and the fee parameters); `basalt_batchNumber` and
//! `basalt_getBatchByNumber`, the sealed batches and how far L1 has them (docs/da.md);
//! `basalt_ethSupply`, the ether on the L2, for the bridge's accounting (docs/bridge.md).

use crate::{RpcBackend, RpcContext, blocking_method, error::internal, sync_method};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use basalt_storage::{BatchNumbers, BatchStatus, SealedBatch, WitnessSize};
use jsonrpsee::RpcModule;
use serde::Serialize;

/// The answer of `basalt_batchNumber`: the last sealed, committed and verified batch numbers
/// (hex quantities, 0 before the first).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchNumbersView {
    pub sealed: U64,
    pub committed: U64,
    pub verified: U64,
}

impl From<BatchNumbers> for BatchNumbersView {
    fn from(n: BatchNumbers) -> Self {
        Self {
            sealed: U64::from(n.sealed),
            committed: U64::from(n.committed),
            verified: U64::from(n.verified),
        }
    }
}

/// The answer of `basalt_getBatchByNumber`: a sealed batch, where it is on L1, and its
/// commitments. Numbers and byte counts are hex quantities.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchView {
    pub number: U64,
    pub first_block: U64,
    pub last_block: U64,
    /// `sealed`, `committed` or `verified`.
    pub status: &'static str,
    /// The L1 transaction that committed it, when known.
    pub commit_tx_hash: Option<B256>,
    /// `blocks` or `state-diff`; `validium` when the batch publishes no data.
    pub da_mode: &'static str,
    pub blob_versioned_hashes: Vec<B256>,
    /// Bytes of the DA payload before compression.
    pub payload_bytes: U64,
    /// Bytes of the compressed data the blobs carry (codec byte included).
    pub compressed_bytes: U64,
    pub state_root: B256,
    pub l1_messages_root: B256,
    pub privileged_rolling_hash: B256,
    pub last_block_hash: B256,
    pub non_privileged_tx_count: U64,
    pub privileged_tx_count: U64,
    /// Unix seconds.
    pub sealed_at: U64,
    /// Size of the batch's witness as last built for a prover, null before the first build.
    pub witness: Option<WitnessSizeView>,
    /// The compressed data itself, only when asked for (second parameter `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Bytes>,
}

/// The `witness` field of `basalt_getBatchByNumber` (hex quantities): what the guest input of
/// the batch held when the proof coordinator last built it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WitnessSizeView {
    /// Trie nodes.
    pub nodes: U64,
    /// Contract codes.
    pub codes: U64,
    /// Ancestor headers.
    pub headers: U64,
    /// Bytes of nodes, codes and headers.
    pub witness_bytes: U64,
    /// Bytes of the whole encoded guest input.
    pub input_bytes: U64,
    /// Unix seconds.
    pub built_at: U64,
}

impl From<WitnessSize> for WitnessSizeView {
    fn from(size: WitnessSize) -> Self {
        Self {
            nodes: U64::from(size.nodes),
            codes: U64::from(size.codes),
            headers: U64::from(size.headers),
            witness_bytes: U64::from(size.witness_bytes),
            input_bytes: U64::from(size.input_bytes),
            built_at: U64::from(size.built_at),
        }
    }
}

impl BatchView {
    fn new(
        batch: SealedBatch,
        status: BatchStatus,
        tx: Option<B256>,
        witness: Option<WitnessSize>,
        with_data: bool,
    ) -> Self {
        let da_mode = match (batch.versioned_hashes.is_empty(), batch.mode) {
            (true, _) => "validium",
            (false, 0) => "blocks",
            (false, _) => "state-diff",
        };
        Self {
            number: U64::from(batch.number),
            first_block: U64::from(batch.first_block),
            last_block: U64::from(batch.last_block),
            status: status.as_str(),
            commit_tx_hash: tx,
            da_mode,
            blob_versioned_hashes: batch.versioned_hashes,
            payload_bytes: U64::from(batch.payload_len),
            compressed_bytes: U64::from(batch.data.len()),
            state_root: batch.state_root,
            l1_messages_root: batch.l1_messages_root,
            privileged_rolling_hash: batch.privileged_rolling_hash,
            last_block_hash: batch.last_block_hash,
            non_privileged_tx_count: U64::from(batch.non_privileged_txs),
            privileged_tx_count: U64::from(batch.privileged_txs),
            sealed_at: U64::from(batch.sealed_at),
            witness: witness.map(Into::into),
            data: with_data.then_some(batch.data),
        }
    }
}

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

/// The answer of `basalt_ethSupply`: the sum of every L2 account's balance (wei) at the head
/// block, and how many accounts that sum covers.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EthSupplyView {
    pub block_number: U64,
    pub block_hash: B256,
    pub supply: U256,
    pub accounts: U64,
}

pub fn register(module: &mut RpcModule<RpcContext>) {
    // One read snapshot: the head and the flat state it scans are written in one transaction.
    blocking_method(module, "basalt_ethSupply", |ctx, _| {
        let state = ctx.node.chain().db().read().map_err(internal)?;
        let hash = state.head_hash().map_err(internal)?.ok_or_else(|| internal("no head block"))?;
        let head =
            state.header(hash).map_err(internal)?.ok_or_else(|| internal("no head block"))?;
        let (supply, accounts) = state.total_balance().map_err(internal)?;
        Ok(EthSupplyView {
            block_number: U64::from(head.number),
            block_hash: hash,
            supply,
            accounts: U64::from(accounts),
        })
    });
    sync_method(module, "basalt_rollupConfig", |ctx, _| match &ctx.backend {
        RpcBackend::L2 { rollup: view, .. } => {
            let chain = ctx.node.chain();
            let state = chain.db().read().map_err(internal)?;
            let fees = chain.next_fee_config(&state).map_err(internal)?;
            let fees = fees.as_ref().map_or(serde_json::Value::Null, fees_json);
            Ok(RollupConfigView { fees, ..(**view).clone() })
        }
        // Never registered on other backends.
        RpcBackend::DevL1(_) => Err(internal("basalt_rollupConfig on a chain without a rollup")),
    });
    sync_method(module, "basalt_batchNumber", |ctx, _| {
        let batches = ctx.node.chain().db().read_batches().map_err(internal)?;
        Ok(BatchNumbersView::from(batches.numbers().map_err(internal)?))
    });
    sync_method(module, "basalt_getBatchByNumber", |ctx, params| {
        let mut params = params.sequence();
        let number: U64 = params.next()?;
        let with_data: Option<bool> = params.optional_next()?;
        let batches = ctx.node.chain().db().read_batches().map_err(internal)?;
        let number = number.to::<u64>();
        let Some(batch) = batches.batch(number).map_err(internal)? else { return Ok(None) };
        let (status, tx) = batches
            .status(number)
            .map_err(internal)?
            .ok_or_else(|| internal("batch vanished between two reads of one snapshot"))?;
        let witness = batches.witness_size(number).map_err(internal)?;
        Ok(Some(BatchView::new(batch, status, tx, witness, with_data.unwrap_or(false))))
    });
}
