//! `eth_subscribe` over WebSocket: `newHeads`, `logs` (with a filter) and
//! `newPendingTransactions`, fed by the chain's events.

use crate::{
    RpcContext,
    convert::rpc_header,
    error::invalid_params,
    logs::{block_logs, with_block_context},
};
use alloy_rpc_types_eth::{Filter, Log as RpcLog, pubsub::SubscriptionKind};
use basalt_chain::service::{ChainEvent, RemovedBlock};
use jsonrpsee::{PendingSubscriptionSink, RpcModule, SubscriptionMessage};
use serde::Serialize;
use std::{
    hash::{BuildHasher, Hasher},
    sync::atomic::{AtomicU64, Ordering},
};
use tokio::sync::broadcast::error::RecvError;

/// Subscription ids as geth, reth and anvil give them: 0x-prefixed hex strings, not guessable
/// (a counter hashed with a per-process random key).
#[derive(Debug, Default)]
pub struct HexIdProvider {
    key: std::collections::hash_map::RandomState,
    counter: AtomicU64,
}

impl jsonrpsee::core::traits::IdProvider for HexIdProvider {
    fn next_id(&self) -> jsonrpsee::types::SubscriptionId<'static> {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut high = self.key.build_hasher();
        high.write_u64(count);
        let mut low = self.key.build_hasher();
        low.write_u64(!count);
        let id = format!("0x{:016x}{:016x}", high.finish(), low.finish());
        jsonrpsee::types::SubscriptionId::Str(id.into())
    }
}

pub fn register(module: &mut RpcModule<RpcContext>) {
    let registered = module.register_subscription(
        "eth_subscribe",
        "eth_subscription",
        "eth_unsubscribe",
        |params, pending, ctx, _| async move {
            let mut seq = params.sequence();
            let kind: SubscriptionKind = match seq.next() {
                Ok(kind) => kind,
                Err(err) => {
                    pending.reject(crate::error::spec_shape(err)).await;
                    return;
                }
            };
            let filter: Option<Filter> = match seq.optional_next() {
                Ok(filter) => filter,
                Err(err) => {
                    pending.reject(crate::error::spec_shape(err)).await;
                    return;
                }
            };
            match kind {
                SubscriptionKind::NewHeads
                | SubscriptionKind::Logs
                | SubscriptionKind::NewPendingTransactions => {}
                other => {
                    pending
                        .reject(invalid_params(format!("unsupported subscription {other:?}")))
                        .await;
                    return;
                }
            }
            forward(pending, ctx, kind, filter.unwrap_or_default()).await;
        },
    );
    if let Err(err) = registered {
        crate::unreachable_registration("eth_subscribe", err);
    }
}

async fn forward(
    pending: PendingSubscriptionSink,
    ctx: std::sync::Arc<RpcContext>,
    kind: SubscriptionKind,
    filter: Filter,
) {
    let mut events = ctx.events.subscribe();
    let Ok(sink) = pending.accept().await else { return };
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            () = sink.closed() => return,
        };
        let event = match event {
            Ok(event) => event,
            // A slow client misses events rather than stalling the node.
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        let messages: Vec<SubscriptionMessage> = match (&kind, event) {
            (SubscriptionKind::NewHeads, ChainEvent::Block(mined)) => {
                to_messages([rpc_header(&mined.block.header, mined.hash, None)])
            }
            (SubscriptionKind::Logs, ChainEvent::Block(mined)) => {
                to_messages(matching_logs(&filter, &mined.block, mined.hash, &mined.receipts))
            }
            (SubscriptionKind::Logs, ChainEvent::Removed(removed)) => {
                to_messages(removed_logs(&filter, &removed))
            }
            (SubscriptionKind::NewPendingTransactions, ChainEvent::PendingTransaction(hash)) => {
                to_messages([hash])
            }
            _ => continue,
        };
        for message in messages {
            if sink.send(message).await.is_err() {
                return;
            }
        }
    }
}

/// The logs of a block that match `filter`, with their block context.
fn matching_logs(
    filter: &Filter,
    block: &basalt_primitives::Block,
    hash: alloy_primitives::B256,
    receipts: &[basalt_primitives::BasaltReceipt],
) -> Vec<RpcLog> {
    let mut logs = block_logs(filter, block.header.number, hash, receipts);
    let hashes: Vec<_> = block.body.transactions.iter().map(|tx| *tx.tx_hash()).collect();
    with_block_context(&mut logs, block.header.timestamp, &hashes);
    logs
}

/// The logs of blocks taken off the chain that match `filter`, marked `removed: true`, as
/// geth announces them on a reorg (newest block first).
pub fn removed_logs(filter: &Filter, removed: &[RemovedBlock]) -> Vec<RpcLog> {
    let mut logs = Vec::new();
    for block in removed.iter().rev() {
        for mut log in matching_logs(filter, &block.block, block.hash, &block.receipts) {
            log.removed = true;
            logs.push(log);
        }
    }
    logs
}

fn to_messages<T: Serialize>(items: impl IntoIterator<Item = T>) -> Vec<SubscriptionMessage> {
    items
        .into_iter()
        .filter_map(|item| serde_json::value::to_raw_value(&item).ok())
        .map(SubscriptionMessage::from)
        .collect()
}
