//! Polled filters: `eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`,
//! `eth_getFilterChanges`, `eth_getFilterLogs`, `eth_uninstallFilter`. Block and log filters
//! keep a cursor (the next block to report) and read the chain when polled; pending
//! transaction filters collect hashes from the chain's events. A filter not polled for five
//! minutes is dropped, as geth does.

use crate::{
    RpcContext, blocking_method,
    error::{OrInternal, RpcResult, server_error},
    logs::RangeCheck,
    sync_method,
};
use alloy_primitives::{B256, U128};
use alloy_rpc_types_eth::{Filter, Log as RpcLog};
use basalt_chain::service::ChainEvent;
use jsonrpsee::RpcModule;
use serde::Serialize;
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

const FILTER_TIMEOUT: Duration = Duration::from_secs(300);
/// Most pending hashes (or removed logs) kept per filter between polls.
const MAX_PENDING_HASHES: usize = 100_000;

enum FilterKind {
    Blocks {
        next: u64,
    },
    /// `removed`: logs of blocks taken off the chain since the last poll, reported first
    /// with `removed: true` (geth's reorg semantics).
    Logs {
        filter: Box<Filter>,
        next: u64,
        removed: Vec<RpcLog>,
    },
    PendingTransactions {
        hashes: Vec<B256>,
    },
}

struct InstalledFilter {
    kind: FilterKind,
    last_poll: Instant,
}

pub struct Filters {
    installed: Mutex<HashMap<u128, InstalledFilter>>,
    next_id: AtomicU64,
    /// Most filters installed at once (`--max-filters`).
    max: usize,
}

/// What `eth_getFilterChanges` returns: hashes or logs.
#[derive(Clone, Serialize)]
#[serde(untagged)]
enum FilterChanges {
    Hashes(Vec<B256>),
    Logs(Vec<RpcLog>),
}

impl Filters {
    fn lock(&self) -> MutexGuard<'_, HashMap<u128, InstalledFilter>> {
        self.installed.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn new(max: usize) -> Self {
        Self { installed: Mutex::default(), next_id: AtomicU64::new(0), max }
    }

    fn install(&self, kind: FilterKind) -> RpcResult<U128> {
        let mut installed = self.lock();
        installed.retain(|_, f| f.last_poll.elapsed() < FILTER_TIMEOUT);
        if installed.len() >= self.max {
            return Err(server_error(format!(
                "too many filters: the limit is {} (uninstall some, or raise --max-filters)",
                self.max
            )));
        }
        let id = u128::from(self.next_id.fetch_add(1, Ordering::Relaxed)) + 1;
        installed.insert(id, InstalledFilter { kind, last_poll: Instant::now() });
        Ok(U128::from(id))
    }
}

pub fn register(module: &mut RpcModule<RpcContext>) {
    sync_method(module, "eth_newFilter", |ctx, params| {
        let filter: Filter = params.one()?;
        check_filter_range(ctx, &filter)?;
        // As in geth, changes are the logs of blocks after installation (within the
        // filter's range); `eth_getFilterLogs` answers the whole range.
        let head = ctx.node.chain().head().or_internal()?.number;
        ctx.filters.install(FilterKind::Logs {
            filter: Box::new(filter),
            next: head.saturating_add(1),
            removed: Vec::new(),
        })
    });
    sync_method(module, "eth_newBlockFilter", |ctx, _| {
        let head = ctx.node.chain().head().or_internal()?.number;
        ctx.filters.install(FilterKind::Blocks { next: head.saturating_add(1) })
    });
    sync_method(module, "eth_newPendingTransactionFilter", |ctx, _| {
        ctx.filters.install(FilterKind::PendingTransactions { hashes: Vec::new() })
    });
    sync_method(module, "eth_uninstallFilter", |ctx, params| {
        let id: U128 = params.one()?;
        Ok(ctx.filters.lock().remove(&id.to()).is_some())
    });
    blocking_method(module, "eth_getFilterChanges", |ctx, params| {
        let id: U128 = params.one()?;
        ctx.filter_changes(id.to())
    });
    blocking_method(module, "eth_getFilterLogs", |ctx, params| {
        let id: U128 = params.one()?;
        let filter = {
            let mut installed = ctx.filters.lock();
            let entry = installed.get_mut(&id.to()).ok_or_else(filter_not_found)?;
            entry.last_poll = Instant::now();
            match &entry.kind {
                FilterKind::Logs { filter, .. } => filter.clone(),
                _ => return Err(server_error("filter is not a log filter")),
            }
        };
        let view = ctx.view()?;
        ctx.logs(&view, &filter, RangeCheck::ClampToHead)
    });
}

/// A filter whose explicit end comes before its start can never match (geth refuses it with
/// -32602); an end left open (`latest`, `pending`, omitted) follows the chain.
fn check_filter_range(ctx: &RpcContext, filter: &Filter) -> RpcResult<()> {
    let alloy_rpc_types_eth::FilterBlockOption::Range { from_block, to_block } =
        filter.block_option
    else {
        return Ok(());
    };
    let Some(to) = to_block.filter(|tag| !(tag.is_latest() || tag.is_pending())) else {
        return Ok(());
    };
    let view = ctx.view()?;
    let from = ctx.block_number(&view, from_block.unwrap_or_default())?;
    if from > ctx.block_number(&view, to)? {
        return Err(crate::error::invalid_params(crate::logs::INVALID_RANGE));
    }
    Ok(())
}

fn filter_not_found() -> jsonrpsee::types::ErrorObjectOwned {
    server_error("filter not found")
}

impl RpcContext {
    fn filter_changes(&self, id: u128) -> RpcResult<FilterChanges> {
        let view = self.view()?;
        let head =
            view.head_header().or_internal()?.ok_or_else(|| server_error("no genesis"))?.number;
        let mut installed = self.filters.lock();
        let entry = installed.get_mut(&id).ok_or_else(filter_not_found)?;
        entry.last_poll = Instant::now();
        match &mut entry.kind {
            FilterKind::Blocks { next } => {
                let mut hashes = Vec::new();
                for number in *next..=head {
                    hashes.extend(view.canonical_hash(number).or_internal()?);
                }
                *next = head.saturating_add(1).max(*next);
                Ok(FilterChanges::Hashes(hashes))
            }
            FilterKind::PendingTransactions { hashes } => {
                Ok(FilterChanges::Hashes(std::mem::take(hashes)))
            }
            FilterKind::Logs { filter, next, removed } => {
                let removed = std::mem::take(removed);
                let from = match filter.block_option.get_from_block() {
                    Some(tag) if tag.is_number() => self.block_number(&view, *tag)?.max(*next),
                    _ => *next,
                };
                let to = filter.block_option.get_to_block().copied();
                let filter = filter.clone();
                let end = match to {
                    Some(tag) => self.block_number(&view, tag)?.min(head),
                    None => head,
                };
                *next = end.saturating_add(1).max(*next);
                drop(installed);
                let mut logs = removed;
                if from <= end {
                    let mut filter = *filter;
                    filter.block_option = alloy_rpc_types_eth::FilterBlockOption::Range {
                        from_block: Some(from.into()),
                        to_block: Some(end.into()),
                    };
                    logs.extend(self.logs(&view, &filter, RangeCheck::ClampToHead)?);
                }
                Ok(FilterChanges::Logs(logs))
            }
        }
    }
}

/// Feeds pending-transaction filters from the chain's events.
pub fn spawn_collector(context: Arc<RpcContext>) {
    let mut events = context.events.subscribe();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(ChainEvent::PendingTransaction(hash)) => {
                    for entry in context.filters.lock().values_mut() {
                        if let FilterKind::PendingTransactions { hashes } = &mut entry.kind
                            && hashes.len() < MAX_PENDING_HASHES
                        {
                            hashes.push(hash);
                        }
                    }
                }
                Ok(ChainEvent::Removed(removed)) => {
                    let first = removed.first().map_or(u64::MAX, |b| b.block.header.number);
                    for entry in context.filters.lock().values_mut() {
                        match &mut entry.kind {
                            // The new chain's blocks from the fork point on are new to it.
                            FilterKind::Blocks { next } => *next = (*next).min(first),
                            FilterKind::Logs { filter, next, removed: queued } => {
                                // Only logs it already reported can be retracted.
                                let reported: Vec<_> = removed
                                    .iter()
                                    .filter(|b| b.block.header.number < *next)
                                    .cloned()
                                    .collect();
                                let logs = crate::pubsub::removed_logs(filter, &reported);
                                let room = MAX_PENDING_HASHES.saturating_sub(queued.len());
                                queued.extend(logs.into_iter().take(room));
                                *next = (*next).min(first);
                            }
                            FilterKind::PendingTransactions { .. } => {}
                        }
                    }
                }
                Ok(ChainEvent::Block(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
