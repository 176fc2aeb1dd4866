//! Basalt's JSON-RPC server: one port, HTTP and WebSocket, batch requests, JSON-RPC 2.0
//! framing of its own (every id echoed exactly, notifications executed and not answered).
//! The `eth`, `net`, `web3`, `txpool`, `debug` and `testing` namespaces follow the
//! execution-apis specification; the `evm_*`/`anvil_*` methods exist only on the dev L1, the
//! `basalt_*` methods only on an L2 node ([`RpcBackend`]).

mod blobs;
mod call;
mod capabilities;
mod config;
mod convert;
mod debug;
mod dev;
mod error;
mod eth;
mod fees;
mod filters;
mod logs;
mod message_proofs;
mod params;
mod pubsub;
mod resolve;
mod rollup;
mod send;
mod server;
mod sign;
mod simulate;
mod state;
mod testing;
mod txpool;

pub use error::RpcResult;
pub use message_proofs::{
    L1BatchState, L1BridgeReader, L1MessageProofView, L1Read, WithdrawalView,
};
pub use rollup::RollupConfigView;
pub use server::ServerHandle;

use error::spec_shape;

use basalt_chain::{
    anvil::AnvilChain,
    service::{ChainEvent, ChainService},
};
use jsonrpsee::RpcModule;
use std::{net::SocketAddr, sync::Arc};
use tokio::sync::broadcast;

/// Server limits.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    pub addr: SocketAddr,
    /// Most requests in one batch.
    pub max_batch: u32,
    /// Largest request body (blob transactions need a few MiB).
    pub max_request_bytes: u32,
    pub max_response_bytes: u32,
    pub max_connections: u32,
    /// Most polled filters installed at once (`eth_new*Filter`).
    pub max_filters: usize,
    /// Most storage keys one `eth_getProof` call may ask for.
    pub max_proof_keys: usize,
    /// Most gas one `eth_call` / `eth_estimateGas` / `eth_createAccessList` may use (geth's
    /// `--rpc.gascap`, default 50,000,000).
    pub gas_cap: u64,
}

/// The chain behind a server, which decides the namespaces it has beyond the specification's.
/// Both hold the chain service the specification's methods run on; only the dev L1's has the
/// anvil layer, so the `evm_*`/`anvil_*` controls cannot reach an L2 (-32601 there).
#[derive(Clone)]
pub enum RpcBackend {
    /// The dev L1: the chain service under the anvil layer; the `evm_*`/`anvil_*` controls.
    DevL1(Arc<AnvilChain>),
    /// An L2 node: the chain service alone, and the `basalt_*` namespace.
    L2 {
        service: Arc<ChainService>,
        /// What `basalt_rollupConfig` answers (fees filled at each call).
        rollup: Box<RollupConfigView>,
        /// How `basalt_getL1MessageProof` reads finality and claims from L1; None: statuses
        /// stop at what this node recorded (`verified` at most).
        l1_bridge: Option<Arc<dyn L1BridgeReader>>,
    },
}

impl RpcBackend {
    /// The chain's name in log lines (`l1`, `l2`).
    pub fn chain_name(&self) -> &'static str {
        match self {
            Self::DevL1(_) => "l1",
            Self::L2 { .. } => "l2",
        }
    }

    /// The chain service the specification's methods run on.
    pub fn service(&self) -> &Arc<ChainService> {
        match self {
            Self::DevL1(anvil) => anvil.service(),
            Self::L2 { service, .. } => service,
        }
    }

    /// The anvil layer, on the dev L1 only.
    pub fn anvil(&self) -> Option<&Arc<AnvilChain>> {
        match self {
            Self::DevL1(anvil) => Some(anvil),
            Self::L2 { .. } => None,
        }
    }
}

impl RpcConfig {
    pub fn local(port: u16) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            max_batch: 1000,
            max_request_bytes: 16 * 1024 * 1024,
            max_response_bytes: 64 * 1024 * 1024,
            max_connections: 1000,
            max_filters: 10_000,
            max_proof_keys: 1_024,
            gas_cap: 50_000_000,
        }
    }
}

/// What every method handler sees.
pub struct RpcContext {
    /// The chain service (on the dev L1, the one under the anvil layer).
    node: Arc<ChainService>,
    events: broadcast::Sender<ChainEvent>,
    filters: filters::Filters,
    client_version: String,
    max_proof_keys: usize,
    gas_cap: u64,
    backend: RpcBackend,
}

/// Starts the server for `backend` on `config.addr`; returns the bound address and the handle
/// that stops it. Chain events reach subscriptions and filters from here on.
pub async fn start(
    backend: RpcBackend,
    config: &RpcConfig,
) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let node = backend.service().clone();
    // Recent events are kept until every subscriber has seen them; a subscriber more than
    // this many behind misses the oldest (and big blocks are not held for long).
    let (events, _) = broadcast::channel(256);
    let sender = events.clone();
    node.set_listener(Box::new(move |event| {
        // No receiver just means no subscriber yet.
        let _ = sender.send(event);
    }));
    let context = Arc::new(RpcContext {
        node,
        events,
        filters: filters::Filters::new(config.max_filters),
        client_version: format!("basalt/v{}", env!("CARGO_PKG_VERSION")),
        max_proof_keys: config.max_proof_keys,
        gas_cap: config.gas_cap,
        backend: backend.clone(),
    });
    filters::spawn_collector(context.clone());
    let module = methods(context, &backend);
    let ids = Arc::new(pubsub::HexIdProvider::default());
    server::serve(module.into(), config, backend.chain_name(), ids).await
}

/// Every method of the server.
fn methods(context: Arc<RpcContext>, backend: &RpcBackend) -> RpcModule<RpcContext> {
    let mut module = RpcModule::from_arc(context);
    eth::register(&mut module);
    send::register(&mut module);
    sign::register(&mut module);
    state::register(&mut module);
    capabilities::register(&mut module);
    testing::register(&mut module);
    call::register(&mut module);
    simulate::register(&mut module);
    fees::register(&mut module);
    logs::register(&mut module);
    filters::register(&mut module);
    pubsub::register(&mut module);
    debug::register(&mut module);
    match backend {
        RpcBackend::DevL1(anvil) => {
            dev::register(&mut module, anvil);
            blobs::register(&mut module);
        }
        RpcBackend::L2 { .. } => {
            rollup::register(&mut module);
            message_proofs::register(&mut module);
        }
    }
    txpool::register(&mut module);
    config::register(&mut module);
    module
}

/// Registers a method that runs on the async workers (cheap methods).
fn sync_method<T, F>(module: &mut RpcModule<RpcContext>, name: &'static str, handler: F)
where
    T: serde::Serialize + Clone + Send + 'static,
    F: Fn(&RpcContext, jsonrpsee::types::Params<'_>) -> RpcResult<T> + Send + Sync + 'static,
{
    let registered = module
        .register_method(name, move |params, ctx, _| handler(ctx, params).map_err(spec_shape));
    if let Err(err) = registered {
        unreachable_registration(name, err);
    }
}

/// Registers a method that runs on the async workers and may hand heavy parts to the
/// blocking pool itself.
fn async_method<T, F, Fut>(module: &mut RpcModule<RpcContext>, name: &'static str, handler: F)
where
    T: serde::Serialize + Clone + Send + 'static,
    F: Fn(Arc<RpcContext>, jsonrpsee::types::Params<'static>) -> Fut
        + Clone
        + Send
        + Sync
        + 'static,
    Fut: std::future::Future<Output = RpcResult<T>> + Send + 'static,
{
    let registered = module.register_async_method(name, move |params, ctx, _| {
        let answer = handler(ctx, params);
        async move { answer.await.map_err(spec_shape) }
    });
    if let Err(err) = registered {
        unreachable_registration(name, err);
    }
}

/// Registers a method that runs on the blocking pool (execution, scans, traces).
fn blocking_method<T, F>(module: &mut RpcModule<RpcContext>, name: &'static str, handler: F)
where
    T: serde::Serialize + Clone + Send + 'static,
    F: Fn(&RpcContext, jsonrpsee::types::Params<'_>) -> RpcResult<T>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let registered = module.register_blocking_method(name, move |params, ctx, _| {
        handler(&ctx, params).map_err(spec_shape)
    });
    if let Err(err) = registered {
        unreachable_registration(name, err);
    }
}

/// Method names are literals registered once; a clash is a programming error caught by
/// the first test that starts a server.
fn unreachable_registration(name: &str, err: impl std::fmt::Display) {
    panic!("registering RPC method {name}: {err}");
}
