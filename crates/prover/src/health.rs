//! The prover's `/health` endpoint (`basalt prover --health-addr`): JSON of [`ProverStatus`],
//! status 200 while connected to the coordinator, 503 otherwise.

use crate::client::ProverStatus;
use axum::{Json, Router, http::StatusCode, routing::get};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// Serves `GET /health` on `listener` until the task is dropped.
pub async fn serve_health(
    listener: TcpListener,
    status: Arc<Mutex<ProverStatus>>,
) -> std::io::Result<()> {
    let app = Router::new().route(
        "/health",
        get(move || {
            let status = status.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let code =
                if status.connected { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
            async move { (code, Json(status)) }
        }),
    );
    axum::serve(listener, app).await
}
