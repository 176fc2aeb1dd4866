//! `eth_getLogs` through the log index: the blocks to read come from the address and topic
//! indexes (intersected per filter position), so a query over many blocks reads only those
//! with a candidate log.

use crate::{
    RpcContext, blocking_method,
    error::{OrInternal, RpcResult, invalid_params, server_error},
};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::B256;
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log as RpcLog};
use basalt_primitives::BasaltReceipt;
use basalt_storage::ReadView;
use jsonrpsee::RpcModule;
use std::collections::BTreeSet;

/// Most logs one query returns (what public endpoints allow).
pub const MAX_LOGS: usize = 10_000;
/// Widest block range read block by block (a query with neither address nor topics cannot
/// use the indexes), as reth limits it.
pub const MAX_SCANNED_BLOCKS: u64 = 100_000;

pub fn register(module: &mut RpcModule<RpcContext>) {
    blocking_method(module, "eth_getLogs", |ctx, params| {
        let filter: Filter = params.one()?;
        let view = ctx.view()?;
        ctx.logs(&view, &filter, RangeCheck::Strict)
    });
}

/// The logs of one block that match `filter`, with their positions. The timestamp and
/// transaction hashes are filled in by [`with_block_context`], so a block without a match
/// costs no more reads.
pub fn block_logs(
    filter: &Filter,
    number: u64,
    hash: B256,
    receipts: &[BasaltReceipt],
) -> Vec<RpcLog> {
    let mut out = Vec::new();
    let mut log_index = 0u64;
    for (tx_index, receipt) in receipts.iter().enumerate() {
        for log in receipt.logs() {
            if filter.matches(log) {
                out.push(RpcLog {
                    inner: log.clone(),
                    block_hash: Some(hash),
                    block_number: Some(number),
                    block_timestamp: None,
                    transaction_hash: None,
                    transaction_index: Some(tx_index as u64),
                    log_index: Some(log_index),
                    removed: false,
                });
            }
            log_index += 1;
        }
    }
    out
}

/// Sets the block timestamp and transaction hashes of logs from [`block_logs`].
pub fn with_block_context(logs: &mut [RpcLog], timestamp: u64, tx_hashes: &[B256]) {
    for log in logs {
        log.block_timestamp = Some(timestamp);
        log.transaction_hash =
            log.transaction_index.and_then(|i| tx_hashes.get(usize::try_from(i).ok()?).copied());
    }
}

/// How a log query's block range relates to the head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RangeCheck {
    /// `eth_getLogs`: a range past the head or ending before it starts is refused, as geth
    /// does (-32602 "block range extends beyond current head block" / "invalid block range
    /// params").
    Strict,
    /// Installed filters may name blocks not mined yet: the range is cut at the head.
    ClampToHead,
}

/// geth's message for a range whose start is after its end.
pub(crate) const INVALID_RANGE: &str = "invalid block range params";
/// geth's message for a range that reaches past the head.
pub(crate) const BEYOND_HEAD: &str = "block range extends beyond current head block";

impl RpcContext {
    /// The logs matching `filter`, its range checked against the head as `check` says.
    pub(crate) fn logs(
        &self,
        view: &ReadView,
        filter: &Filter,
        check: RangeCheck,
    ) -> RpcResult<Vec<RpcLog>> {
        // A range ending at `pending` takes in the block the pool would give now.
        let mut with_pending = false;
        let numbers: Vec<u64> = match filter.block_option {
            FilterBlockOption::AtBlockHash(hash) => match view.block_number(hash).or_internal()? {
                Some(number) => vec![number],
                None => return Err(server_error("unknown block")),
            },
            FilterBlockOption::Range { from_block, to_block } => {
                let latest = BlockNumberOrTag::Latest;
                let head = self.block_number(view, latest)?;
                let from = self.block_number(view, from_block.unwrap_or(latest))?;
                let to = self.block_number(view, to_block.unwrap_or(latest))?;
                with_pending = to_block == Some(BlockNumberOrTag::Pending) && from <= to;
                let last = if with_pending { head.saturating_add(1) } else { head };
                if check == RangeCheck::Strict {
                    if from > to {
                        return Err(invalid_params(INVALID_RANGE));
                    }
                    if to > last {
                        return Err(invalid_params(BEYOND_HEAD));
                    }
                }
                let to = to.min(head);
                if from > to {
                    Vec::new()
                } else {
                    check_scan_range(filter, from, to)?;
                    candidate_blocks(view, filter, from, to)?
                }
            }
        };
        let mut logs = Vec::new();
        for (number, hash) in canonical_hashes(view, &numbers)? {
            let receipts = view.receipts(hash).or_internal()?.unwrap_or_default();
            let mut matched = block_logs(filter, number, hash, &receipts);
            if matched.is_empty() {
                continue;
            }
            let context = view.log_context(hash).or_internal()?.ok_or_else(|| {
                crate::error::internal(format!("block {hash} has no log context"))
            })?;
            with_block_context(&mut matched, context.timestamp, &context.transaction_hashes);
            logs.extend(matched);
            if logs.len() > MAX_LOGS {
                return Err(server_error(format!(
                    "query returned more than {MAX_LOGS} results; narrow the block range"
                )));
            }
        }
        if with_pending {
            let pending = self.node.pending_block().map_err(crate::send::dev_error)?;
            let header = &pending.block.header;
            let mut matched = block_logs(filter, header.number, pending.hash, &pending.receipts);
            let hashes: Vec<B256> =
                pending.block.body.transactions.iter().map(|tx| *tx.tx_hash()).collect();
            with_block_context(&mut matched, header.timestamp, &hashes);
            logs.extend(matched);
        }
        Ok(logs)
    }
}

/// The canonical hashes of `numbers` (ascending): one range scan when they are dense, a
/// lookup each when they are sparse.
fn canonical_hashes(view: &ReadView, numbers: &[u64]) -> RpcResult<Vec<(u64, B256)>> {
    let (Some(&first), Some(&last)) = (numbers.first(), numbers.last()) else {
        return Ok(Vec::new());
    };
    let span = last.saturating_sub(first).saturating_add(1);
    if span <= (numbers.len() as u64).saturating_mul(4) {
        let wanted: std::collections::HashSet<u64> = numbers.iter().copied().collect();
        let all = view.canonical_range(first, last).or_internal()?;
        return Ok(all.into_iter().filter(|(n, _)| wanted.contains(n)).collect());
    }
    let mut out = Vec::with_capacity(numbers.len());
    for &number in numbers {
        if let Some(hash) = view.canonical_hash(number).or_internal()? {
            out.push((number, hash));
        }
    }
    Ok(out)
}

/// Refuses a query that cannot use the indexes (neither address nor topics) over more than
/// [`MAX_SCANNED_BLOCKS`] blocks.
fn check_scan_range(filter: &Filter, from: u64, to: u64) -> RpcResult<()> {
    let unindexed = filter.address.is_empty() && filter.topics.iter().all(|t| t.is_empty());
    let span = to.saturating_sub(from).saturating_add(1);
    if unindexed && span > MAX_SCANNED_BLOCKS {
        return Err(invalid_params(format!(
            "a query without address or topics may span at most {MAX_SCANNED_BLOCKS} blocks, this one spans {span}"
        )));
    }
    Ok(())
}

/// Blocks in `from..=to` that may hold a matching log, ascending.
fn candidate_blocks(view: &ReadView, filter: &Filter, from: u64, to: u64) -> RpcResult<Vec<u64>> {
    let mut candidates: Option<BTreeSet<u64>> = None;
    let mut narrow = |set: BTreeSet<u64>| {
        candidates = Some(match candidates.take() {
            Some(current) => current.intersection(&set).copied().collect(),
            None => set,
        });
    };
    if !filter.address.is_empty() {
        let mut set = BTreeSet::new();
        for address in filter.address.iter() {
            set.extend(view.blocks_with_log_address(*address, from, to).or_internal()?);
        }
        narrow(set);
    }
    for topic in &filter.topics {
        if topic.is_empty() {
            continue;
        }
        let mut set = BTreeSet::new();
        for value in topic.iter() {
            set.extend(view.blocks_with_log_topic(*value, from, to).or_internal()?);
        }
        narrow(set);
    }
    Ok(match candidates {
        Some(set) => set.into_iter().collect(),
        None => (from..=to).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;

    #[test]
    fn only_unindexed_queries_are_limited_in_span() {
        let open = Filter::new();
        assert!(check_scan_range(&open, 0, MAX_SCANNED_BLOCKS - 1).is_ok());
        let err = check_scan_range(&open, 0, MAX_SCANNED_BLOCKS).unwrap_err();
        assert_eq!(err.code(), crate::error::INVALID_PARAMS);
        assert!(check_scan_range(&open, 5, u64::MAX).is_err());
        let by_address = Filter::new().address(Address::repeat_byte(1));
        assert!(check_scan_range(&by_address, 0, u64::MAX).is_ok());
        let by_topic = Filter::new().event_signature(B256::repeat_byte(2));
        assert!(check_scan_range(&by_topic, 0, u64::MAX).is_ok());
    }
}
