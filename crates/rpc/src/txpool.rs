//! `txpool_status`, `txpool_content` and `txpool_contentFrom`: the pool's pending (executable) and queued
//! transactions, keyed by sender and nonce as geth returns them.

use crate::{
    RpcContext,
    convert::{RpcTransaction, rpc_transaction},
    error::OrInternal,
    sync_method,
};
use alloy_primitives::{Address, U64};
use basalt_txpool::PooledTransaction;
use jsonrpsee::RpcModule;
use serde::Serialize;
use std::{collections::BTreeMap, sync::Arc};

#[derive(Clone, Serialize)]
struct Status {
    pending: U64,
    queued: U64,
}

/// Transactions keyed by nonce (decimal), as geth keys them.
type ByNonce = BTreeMap<String, RpcTransaction>;
type BySender = BTreeMap<Address, ByNonce>;

#[derive(Clone, Serialize)]
struct Content {
    pending: BySender,
    queued: BySender,
}

/// `txpool_contentFrom`: one sender's transactions.
#[derive(Clone, Serialize)]
struct ContentFrom {
    pending: ByNonce,
    queued: ByNonce,
}

fn by_nonce(txs: &[Arc<PooledTransaction>]) -> ByNonce {
    txs.iter()
        .map(|tx| {
            (tx.nonce.to_string(), rpc_transaction(&(*tx.tx).clone().into(), tx.sender, None))
        })
        .collect()
}

fn by_sender(groups: BTreeMap<Address, Vec<Arc<PooledTransaction>>>) -> BySender {
    groups.into_iter().map(|(sender, txs)| (sender, by_nonce(&txs))).collect()
}

pub fn register(module: &mut RpcModule<RpcContext>) {
    sync_method(module, "txpool_status", |ctx, _| {
        let view = ctx.view()?;
        let status = ctx.node.with_pool(|pool| pool.status(&view)).or_internal()?;
        Ok(Status { pending: U64::from(status.pending), queued: U64::from(status.queued) })
    });
    sync_method(module, "txpool_content", |ctx, _| {
        let view = ctx.view()?;
        let (pending, queued) = ctx.node.with_pool(|pool| pool.content(&view)).or_internal()?;
        Ok(Content { pending: by_sender(pending), queued: by_sender(queued) })
    });
    sync_method(module, "txpool_contentFrom", |ctx, params| {
        let address: Address = params.one()?;
        let view = ctx.view()?;
        let (pending, queued) = ctx.node.with_pool(|pool| pool.content(&view)).or_internal()?;
        let of = |groups: &BTreeMap<Address, Vec<Arc<PooledTransaction>>>| {
            groups.get(&address).map(|txs| by_nonce(txs)).unwrap_or_default()
        };
        Ok(ContentFrom { pending: of(&pending), queued: of(&queued) })
    });
}
