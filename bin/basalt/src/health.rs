//! The sequencer's admin endpoint: `GET /health` reports each component of the L2 node (L1
//! watcher, block producer, committer, proof coordinator, proof sender) with its last success
//! (Unix seconds) and last error, status 200 when none has stopped or is failing, 503 otherwise.

use crate::l2::L2Node;
use axum::{Json, Router, http::StatusCode, routing::get};
use basalt_committer::step_loop::{SharedStepHealth, StepHealth};
use basalt_prover::ProofCoordinator;
use serde_json::{Value, json};
use std::{
    net::SocketAddr,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

/// What `/health` reads from.
pub struct HealthSources {
    node: Arc<basalt_chain::service::ChainService>,
    producer: Arc<basalt_chain::l2_producer::BlockProducer>,
    watcher: Arc<basalt_watcher::L1Watcher>,
    committer: Option<SharedStepHealth>,
    coordinator: Arc<ProofCoordinator>,
    proof_sender: Option<SharedStepHealth>,
}

impl HealthSources {
    /// The components of `l2`, its proof coordinator and its proof sender (when sending).
    pub fn new(
        l2: &L2Node,
        coordinator: Arc<ProofCoordinator>,
        proof_sender: Option<SharedStepHealth>,
    ) -> Self {
        Self {
            node: l2.node.clone(),
            producer: l2.producer.clone(),
            watcher: l2.watcher.clone(),
            committer: l2.committer_health.clone(),
            coordinator,
            proof_sender,
        }
    }
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn step(health: &SharedStepHealth) -> (Value, bool) {
    let h: StepHealth = health.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let ok = h.stopped.is_none() && h.last_error.is_none();
    let value = json!({
        "ok": ok,
        "lastSuccess": h.last_success,
        "lastError": h.last_error,
        "stopped": h.stopped,
    });
    (value, ok)
}

/// The `/health` body and whether everything is well.
pub fn report(sources: &HealthSources) -> (Value, bool) {
    let watcher = sources.watcher.health().borrow().clone();
    let watcher_ok = watcher.stopped.is_none() && watcher.last_error.is_none();
    let head = sources.node.chain().head().ok();
    let producer_error = sources.producer.last_error();
    let coordinator = sources.coordinator.status();
    let (committer, committer_ok) = match &sources.committer {
        Some(health) => step(health),
        None => (json!({"ok": true, "disabled": "no --committer-key"}), true),
    };
    let (sender, sender_ok) = match &sources.proof_sender {
        Some(health) => step(health),
        None => (json!({"ok": true, "disabled": "no --proof-sender-key"}), true),
    };
    let components = json!({
        "watcher": {
            "ok": watcher_ok,
            "lastSuccess": watcher.last_success.map(unix),
            "lastError": watcher.last_error,
            "stopped": watcher.stopped,
            "l1Head": watcher.l1_head,
        },
        "producer": {
            "ok": producer_error.is_none(),
            "lastSuccess": head.as_ref().map(|h| h.timestamp),
            "lastError": producer_error,
            "head": head.as_ref().map(|h| h.number),
        },
        "committer": committer,
        "coordinator": {
            "ok": true,
            "lastSuccess": coordinator.last_proof.map(|(_, at)| at),
            "lastProvenBatch": coordinator.last_proof.map(|(batch, _)| batch),
            "lastError": coordinator.last_error,
            "connectedProvers": coordinator.connected_provers,
            "assigned": coordinator.assigned,
        },
        "proofSender": sender,
    });
    let ok = watcher_ok && producer_error.is_none() && committer_ok && sender_ok;
    (json!({ "ok": ok, "components": components }), ok)
}

/// Serves `GET /health` on `addr`; returns the address bound (port 0 picks one).
pub fn serve(
    runtime: &tokio::runtime::Runtime,
    addr: SocketAddr,
    sources: HealthSources,
) -> eyre::Result<SocketAddr> {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|e| eyre::eyre!("--admin-addr {addr}: cannot listen: {e}"))?;
    let bound = listener.local_addr()?;
    let sources = Arc::new(sources);
    let app = Router::new().route(
        "/health",
        get(move || {
            let (body, ok) = report(&sources);
            let code = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
            async move { (code, Json(body)) }
        }),
    );
    runtime.spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!("the admin endpoint stopped: {err}");
        }
    });
    Ok(bound)
}
