//! The JSON-RPC server: HTTP and WebSocket on one port, with Basalt's own JSON-RPC 2.0
//! framing ([`framing`]) in front of jsonrpsee's method layer ([`dispatch`]). CORS is open to
//! every origin, as with anvil.

mod dispatch;
mod framing;
mod http;
mod session;
mod ws;

use crate::RpcConfig;
use dispatch::Dispatcher;
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use jsonrpsee::{core::traits::IdProvider, server::Methods};
use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, atomic::AtomicUsize},
    time::Duration,
};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

/// What every connection shares.
pub struct Shared {
    dispatcher: Dispatcher,
    config: RpcConfig,
    /// The chain's name in log lines.
    chain: &'static str,
    next_connection: AtomicUsize,
}

/// Stops the server; [`ServerHandle::stopped`] waits for it.
pub struct ServerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// Stops accepting connections.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Resolves when the server has stopped.
    pub async fn stopped(self) {
        let _ = self.task.await;
    }
}

/// Binds `config.addr` and serves `methods` of the chain named `chain` (in log lines);
/// returns the bound address and the handle. Subscriptions get ids from `id_provider`.
pub async fn serve(
    methods: Methods,
    config: &RpcConfig,
    chain: &'static str,
    id_provider: Arc<dyn IdProvider>,
) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let listener = TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        dispatcher: Dispatcher {
            methods,
            max_response_bytes: config.max_response_bytes as usize,
            id_provider,
        },
        config: config.clone(),
        chain,
        next_connection: AtomicUsize::new(1),
    });
    let (stop, mut stopping) = watch::channel(false);
    let connections = Arc::new(tokio::sync::Semaphore::new(config.max_connections as usize));
    let task = tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(err) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(
                            chain = shared.chain,
                            "accepting a connection failed: {err}"
                        );
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = stopping.changed() => return,
            };
            let Ok(permit) = connections.clone().try_acquire_owned() else {
                tracing::warn!(
                    chain = shared.chain,
                    "connection refused: {} connections open",
                    shared.config.max_connections
                );
                continue;
            };
            let _ = stream.set_nodelay(true);
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = tower::service_fn(move |request| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(http::handle(shared, request).await) }
                });
                let service = tower::ServiceBuilder::new()
                    .layer(tower_http::cors::CorsLayer::permissive())
                    .service(service);
                let served = auto::Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(
                        TokioIo::new(stream),
                        TowerToHyperService::new(service),
                    )
                    .await;
                if let Err(err) = served {
                    tracing::debug!("connection ended: {err}");
                }
                drop(permit);
            });
        }
    });
    Ok((addr, ServerHandle { stop, task }))
}
