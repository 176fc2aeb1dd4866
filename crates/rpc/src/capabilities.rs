//! `eth_capabilities`: which history the node can serve, for RPC routers. Basalt never prunes
//! (blocks, receipts, log indexes and every state's trie nodes are kept), so every resource is
//! available from genesis and has no deletion strategy.

use crate::{
    RpcContext,
    error::{OrInternal, RpcResult, server_error},
    sync_method,
};
use alloy_primitives::{B256, U64};
use jsonrpsee::RpcModule;
use serde::Serialize;

/// The head block: number and hash.
#[derive(Clone, Debug, Serialize)]
struct Head {
    number: U64,
    hash: B256,
}

/// One kind of data: enabled, from `oldestBlock` on. A deletion strategy is absent because
/// nothing is ever deleted.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Resource {
    disabled: bool,
    oldest_block: U64,
}

/// The `eth_capabilities` answer (execution-apis `EthCapabilities`).
#[derive(Clone, Debug, Serialize)]
struct Capabilities {
    head: Head,
    state: Resource,
    tx: Resource,
    logs: Resource,
    receipts: Resource,
    blocks: Resource,
    stateproofs: Resource,
}

pub fn register(module: &mut RpcModule<RpcContext>) {
    sync_method(module, "eth_capabilities", |ctx, _| ctx.capabilities());
}

impl RpcContext {
    fn capabilities(&self) -> RpcResult<Capabilities> {
        let view = self.view()?;
        let hash = view.head_hash().or_internal()?.ok_or_else(|| server_error("no genesis"))?;
        let number = view.block_number(hash).or_internal()?.unwrap_or_default();
        let all = || Resource { disabled: false, oldest_block: U64::ZERO };
        Ok(Capabilities {
            head: Head { number: U64::from(number), hash },
            state: all(),
            tx: all(),
            logs: all(),
            receipts: all(),
            blocks: all(),
            stateproofs: all(),
        })
    }
}
