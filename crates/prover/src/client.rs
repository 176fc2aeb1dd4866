//! The prover client (`basalt prover`): connects to the coordinator (again and again, with
//! backoff, when it restarts or the network drops), asks for batches, runs its backend on a
//! blocking thread and reports the proof, or a failure when the backend errs or panics (the
//! coordinator then hands the batch out again). Only a version mismatch or a refusal by the
//! coordinator ends it: both are configuration errors that retrying cannot fix.

use crate::{
    backend::ProverBackend,
    protocol::{
        BatchReason, Hello, Message, PROTOCOL_VERSION, ProofReport, Welcome, read_message,
        write_message,
    },
};
use serde::Serialize;
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tokio::net::TcpStream;
use tracing::{info, warn};

/// How the client connects.
#[derive(Clone, Debug)]
pub struct ProverConfig {
    /// The coordinator, `HOST:PORT`.
    pub coordinator: String,
    /// This prover's name in the coordinator's logs and proof records.
    pub prover_id: String,
    /// First wait before reconnecting; doubled on each failed attempt up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest wait for a connection or an answer before the connection counts as lost.
    pub answer_timeout: Duration,
}

impl ProverConfig {
    /// Defaults: backoff 200 ms to 10 s, answers within 120 s (building a large batch's
    /// witness takes the coordinator a while).
    pub fn new(coordinator: impl Into<String>, prover_id: impl Into<String>) -> Self {
        Self {
            coordinator: coordinator.into(),
            prover_id: prover_id.into(),
            min_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            answer_timeout: Duration::from_secs(120),
        }
    }
}

/// What the prover's `/health` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProverStatus {
    /// Connected to the coordinator and welcomed.
    pub connected: bool,
    /// The coordinator's address.
    pub coordinator: String,
    /// The backend (`exec`, `attestation`).
    pub backend: String,
    /// Proofs the coordinator accepted since start.
    pub proofs_accepted: u64,
    /// The last accepted proof's batch and when (Unix seconds).
    pub last_proof: Option<(u64, u64)>,
    /// The last connection error, failed batch or refused proof.
    pub last_error: Option<String>,
}

/// Why the client stopped: a configuration error retrying cannot fix.
#[derive(Debug, thiserror::Error)]
pub enum ProverError {
    #[error(
        "protocol version mismatch: this prover speaks version {prover}, the coordinator at {coordinator} speaks version {coordinator_version}; run the same basalt release on both"
    )]
    VersionMismatch { prover: u16, coordinator_version: u16, coordinator: String },
    #[error("the coordinator at {coordinator} refused this prover: {reason}")]
    Refused { coordinator: String, reason: String },
}

/// Why a session ended.
enum End {
    Fatal(ProverError),
    Lost(String),
}

/// The prover client; [`ProverClient::run`] drives it.
pub struct ProverClient {
    config: ProverConfig,
    backend: Arc<dyn ProverBackend>,
    status: Arc<Mutex<ProverStatus>>,
}

impl ProverClient {
    pub fn new(config: ProverConfig, backend: Arc<dyn ProverBackend>) -> Self {
        let status = ProverStatus {
            coordinator: config.coordinator.clone(),
            backend: backend.kind().to_string(),
            ..ProverStatus::default()
        };
        Self { config, backend, status: Arc::new(Mutex::new(status)) }
    }

    /// The live status, for `/health`.
    pub fn status(&self) -> Arc<Mutex<ProverStatus>> {
        self.status.clone()
    }

    fn update(&self, change: impl FnOnce(&mut ProverStatus)) {
        change(&mut self.status.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Proves batches until a configuration error ends it (returned); reconnects after any
    /// other error. A report whose answer was lost is sent again on the next connection.
    pub async fn run(self) -> ProverError {
        let mut backoff = self.config.min_backoff;
        let mut pending = None;
        loop {
            let reason = match self.session(&mut pending, &mut backoff).await {
                End::Fatal(error) => {
                    self.update(|s| {
                        s.connected = false;
                        s.last_error = Some(error.to_string());
                    });
                    return error;
                }
                End::Lost(reason) => reason,
            };
            warn!("coordinator connection lost: {reason}; retrying in {backoff:?}");
            self.update(|s| {
                s.connected = false;
                s.last_error = Some(reason);
            });
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2).min(self.config.max_backoff);
        }
    }

    async fn session(&self, pending: &mut Option<Message>, backoff: &mut Duration) -> End {
        let coordinator = &self.config.coordinator;
        let connect =
            tokio::time::timeout(self.config.answer_timeout, TcpStream::connect(coordinator));
        let mut stream = match connect.await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return End::Lost(format!("cannot connect to {coordinator}: {e}")),
            Err(_) => return End::Lost(format!("connecting to {coordinator} timed out")),
        };
        let hello = Message::Hello(Hello {
            version: PROTOCOL_VERSION,
            prover_id: self.config.prover_id.clone(),
            backend: self.backend.kind(),
            signer: self.backend.signer(),
        });
        let welcome = match self.exchange(&mut stream, &hello).await {
            Ok(Message::Welcome(welcome)) => welcome,
            Ok(Message::VersionMismatch { coordinator_version }) => {
                return End::Fatal(ProverError::VersionMismatch {
                    prover: PROTOCOL_VERSION,
                    coordinator_version,
                    coordinator: coordinator.clone(),
                });
            }
            Ok(Message::Refused { reason }) => {
                return End::Fatal(ProverError::Refused {
                    coordinator: coordinator.clone(),
                    reason,
                });
            }
            Ok(other) => return End::Lost(format!("unexpected {} to Hello", other.name())),
            Err(lost) => return lost,
        };
        *backoff = self.config.min_backoff;
        self.update(|s| s.connected = true);
        info!(%coordinator, backend = %self.backend.kind(), "connected to the proof coordinator");
        match self.work(&mut stream, &welcome, pending).await {
            Ok(never) => match never {},
            Err(end) => end,
        }
    }

    /// Asks for batches and reports them, until the connection is lost.
    async fn work(
        &self,
        stream: &mut TcpStream,
        welcome: &Welcome,
        pending: &mut Option<Message>,
    ) -> Result<std::convert::Infallible, End> {
        loop {
            if let Some(report) = pending.clone() {
                let answer = self.exchange(stream, &report).await?;
                self.note_answer(&report, answer)?;
                *pending = None;
            }
            match self.exchange(stream, &Message::WorkRequest).await? {
                Message::Assignment(assignment) => {
                    let batch = assignment.batch_number;
                    info!(batch, deadline_s = assignment.deadline_seconds, "proving");
                    let started = Instant::now();
                    let backend = self.backend.clone();
                    let ctx = welcome.clone();
                    let result = tokio::task::spawn_blocking(move || {
                        backend.prove(batch, &assignment.input, &ctx)
                    })
                    .await;
                    let reason = match result {
                        Ok(Ok(output)) => {
                            info!(
                                batch,
                                elapsed_ms = started.elapsed().as_millis() as u64,
                                "proved"
                            );
                            *pending = Some(Message::Proof(ProofReport {
                                batch_number: batch,
                                backend: self.backend.kind(),
                                proof: output.proof.into(),
                                public_inputs: output.public_inputs.into(),
                            }));
                            continue;
                        }
                        Ok(Err(e)) => e.to_string(),
                        Err(join) => format!("backend panicked: {}", panic_message(join)),
                    };
                    warn!(batch, "proving failed: {reason}");
                    self.update(|s| s.last_error = Some(format!("batch {batch}: {reason}")));
                    *pending = Some(Message::Failed(BatchReason { batch_number: batch, reason }));
                }
                Message::NoWork { retry_after_ms } => {
                    // Bounded, so a confused coordinator cannot park the prover for ages.
                    tokio::time::sleep(Duration::from_millis(retry_after_ms.min(60_000))).await;
                }
                other => {
                    return Err(End::Lost(format!("unexpected {} to WorkRequest", other.name())));
                }
            }
        }
    }

    /// Logs the coordinator's answer to a report.
    fn note_answer(&self, report: &Message, answer: Message) -> Result<(), End> {
        match (report, answer) {
            (Message::Proof(proof), Message::Accepted { batch_number })
                if batch_number == proof.batch_number =>
            {
                info!(batch = batch_number, "proof accepted");
                let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                self.update(|s| {
                    s.proofs_accepted += 1;
                    s.last_proof = Some((batch_number, now));
                });
            }
            (Message::Failed(_), Message::Accepted { .. }) => {}
            (_, Message::Rejected(rejection)) => {
                warn!(batch = rejection.batch_number, "proof rejected: {}", rejection.reason);
                self.update(|s| {
                    s.last_error = Some(format!(
                        "proof of batch {} rejected: {}",
                        rejection.batch_number, rejection.reason
                    ))
                });
            }
            (_, other) => {
                return Err(End::Lost(format!("unexpected {} to {}", other.name(), report.name())));
            }
        }
        Ok(())
    }

    /// Sends `message` and waits for the answer.
    async fn exchange(&self, stream: &mut TcpStream, message: &Message) -> Result<Message, End> {
        let lost = |e: crate::protocol::ProtocolError| End::Lost(e.to_string());
        write_message(stream, message).await.map_err(lost)?;
        tokio::time::timeout(self.config.answer_timeout, read_message(stream))
            .await
            .map_err(|_| End::Lost(format!("no answer to {} in time", message.name())))?
            .map_err(lost)
    }
}

fn panic_message(join: tokio::task::JoinError) -> String {
    match join.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-text panic".into()),
        Err(join) => join.to_string(),
    }
}
