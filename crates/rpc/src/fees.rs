//! Fee suggestions and history: `eth_gasPrice`, `eth_baseFee`, `eth_maxPriorityFeePerGas`,
//! `eth_blobBaseFee`, `eth_feeHistory`.

use crate::convert::effective_gas_price;
use crate::{
    RpcContext, blocking_method,
    error::{OrInternal, RpcResult, invalid_params},
    send::DEFAULT_PRIORITY_FEE,
    sync_method,
};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{U64, U128};
use alloy_rpc_types_eth::FeeHistory;
use jsonrpsee::RpcModule;

/// Most blocks one `eth_feeHistory` call covers (geth's limit).
const MAX_FEE_HISTORY_BLOCKS: u64 = 1024;

pub fn register(module: &mut RpcModule<RpcContext>) {
    // On an L2 the base fee holds the operator fee (docs/l2-fees.md), so these are the L1's
    // suggestions.
    sync_method(module, "eth_gasPrice", |ctx, _| {
        let base_fee = ctx.node.validation_context().or_internal()?.base_fee;
        Ok(U128::from(u128::from(base_fee).saturating_add(DEFAULT_PRIORITY_FEE)))
    });
    // The base fee of the next block (the one pending transactions are checked against).
    sync_method(module, "eth_baseFee", |ctx, _| {
        Ok(U128::from(ctx.node.validation_context().or_internal()?.base_fee))
    });
    sync_method(module, "eth_maxPriorityFeePerGas", |_, _| Ok(U128::from(DEFAULT_PRIORITY_FEE)));
    sync_method(module, "eth_blobBaseFee", |ctx, _| {
        let fee = ctx.node.validation_context().or_internal()?.blob_base_fee;
        fee.map(U128::from).ok_or_else(|| invalid_params("blobs are not active on this chain"))
    });
    blocking_method(module, "eth_feeHistory", |ctx, params| {
        let mut seq = params.sequence();
        let count: U64 = seq.next()?;
        let newest: BlockNumberOrTag = seq.next()?;
        let percentiles: Option<Vec<f64>> = seq.optional_next()?;
        ctx.fee_history(count.to(), newest, percentiles)
    });
}

impl RpcContext {
    fn fee_history(
        &self,
        count: u64,
        newest: BlockNumberOrTag,
        percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory> {
        if let Some(p) = &percentiles {
            let ordered = p.windows(2).all(|w| w[0] <= w[1]);
            if !ordered || p.iter().any(|v| !(0.0..=100.0).contains(v)) {
                return Err(invalid_params(
                    "reward percentiles must be ascending and between 0 and 100",
                ));
            }
        }
        let view = self.view()?;
        // `pending` ends the history with the block the pool would give now, as geth does.
        let pending = match newest {
            BlockNumberOrTag::Pending => {
                Some(self.node.pending_block().map_err(crate::send::dev_error)?)
            }
            _ => None,
        };
        let newest = self.block_number(&view, newest)?;
        let head = self.node.chain().head().or_internal()?.number;
        let head = if pending.is_some() { head.saturating_add(1) } else { head };
        if newest > head {
            return Err(invalid_params(format!("block {newest} is after the head {head}")));
        }
        let count = count.min(MAX_FEE_HISTORY_BLOCKS).min(newest.saturating_add(1));
        let oldest = newest.saturating_add(1).saturating_sub(count);
        let mut history = FeeHistory { oldest_block: oldest, ..Default::default() };
        let mut last_header = None;
        for number in oldest..=newest {
            if count == 0 {
                break;
            }
            let block = match &pending {
                Some(pending) if pending.block.header.number == number => {
                    Some((pending.block.clone(), pending.receipts.clone()))
                }
                _ => None,
            };
            let header = match &block {
                Some((block, _)) => block.header.clone(),
                None => view
                    .header_by_number(number)
                    .or_internal()?
                    .ok_or_else(|| invalid_params(format!("block {number} is missing")))?,
            };
            history.base_fee_per_gas.push(u128::from(header.base_fee_per_gas.unwrap_or_default()));
            history.gas_used_ratio.push(ratio(header.gas_used, header.gas_limit));
            let blob_max = self.blob_max_gas(&header);
            history.base_fee_per_blob_gas.push(self.blob_base_fee_of(&header).unwrap_or_default());
            history
                .blob_gas_used_ratio
                .push(ratio(header.blob_gas_used.unwrap_or_default(), blob_max));
            if let Some(percentiles) = &percentiles {
                let (block, receipts) = match block {
                    Some(block) => block,
                    None => {
                        let hash = header.hash_slow();
                        let block = view.block(hash).or_internal()?.unwrap_or_default();
                        (block, view.receipts(hash).or_internal()?.unwrap_or_default())
                    }
                };
                let rewards = block_rewards(&block, &receipts, percentiles);
                history.reward.get_or_insert_with(Vec::new).push(rewards);
            }
            last_header = Some(header);
        }
        // One more entry: the fees of the block after the newest.
        if let Some(header) = last_header {
            let next = self.next_block_fees(&header)?;
            history.base_fee_per_gas.push(u128::from(next.base_fee_per_gas.unwrap_or_default()));
            history.base_fee_per_blob_gas.push(next.blob_base_fee.unwrap_or_default());
        }
        Ok(history)
    }

    /// The fees of the block after `header` (its timestamp one second later, the earliest).
    fn next_block_fees(
        &self,
        header: &alloy_consensus::Header,
    ) -> RpcResult<basalt_primitives::BlockFees> {
        let config = self.node.chain().config();
        config.next_block_fees(header, header.timestamp.saturating_add(1)).or_internal()
    }

    fn blob_max_gas(&self, header: &alloy_consensus::Header) -> u64 {
        let config = self.node.chain().config();
        let fork = config.fork_at(header.number, header.timestamp);
        config.blob_params(fork).map_or(0, |p| p.max_blob_gas_per_block())
    }
}

/// Effective tips (what each transaction paid above the base fee) at the given percentiles of
/// gas used in the block; zeros for an empty block.
fn block_rewards(
    block: &basalt_primitives::Block,
    receipts: &[basalt_primitives::BasaltReceipt],
    percentiles: &[f64],
) -> Vec<u128> {
    let base_fee = block.header.base_fee_per_gas.unwrap_or_default();
    let mut previous = 0u64;
    let mut tips: Vec<(u128, u64)> = block
        .body
        .transactions
        .iter()
        .zip(receipts)
        .map(|(tx, receipt)| {
            let used = receipt.cumulative_gas_used().saturating_sub(previous);
            previous = receipt.cumulative_gas_used();
            let price = effective_gas_price(tx, Some(base_fee));
            (price.saturating_sub(u128::from(base_fee)), used)
        })
        .collect();
    if tips.is_empty() {
        return vec![0; percentiles.len()];
    }
    tips.sort_unstable();
    let total: u64 = tips.iter().map(|(_, used)| used).sum();
    percentiles
        .iter()
        .map(|p| {
            let threshold = (total as f64 * p / 100.0) as u64;
            let mut sum = 0u64;
            for (tip, used) in &tips {
                sum = sum.saturating_add(*used);
                if sum >= threshold {
                    return *tip;
                }
            }
            tips.last().map_or(0, |(tip, _)| *tip)
        })
        .collect()
}

fn ratio(used: u64, limit: u64) -> f64 {
    if limit == 0 { 0.0 } else { used as f64 / limit as f64 }
}
