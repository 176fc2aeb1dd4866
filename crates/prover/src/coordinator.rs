//! The proof coordinator (docs/proving.md): a TCP server in the sequencer that hands committed,
//! unverified, unproven batches to provers, lowest first, each connected prover a different one
//! (or, for a k-of-n attestation verifier, up to k attesters on one batch, never the same twice);
//! takes an assignment back after `proof_timeout`; checks each proof against the public inputs
//! it expects for the batch; and stores it in the proofs table in one write transaction as it
//! arrives. A peer's bad frame or disconnect ends only that peer's connection.

use crate::{
    backend::{digest, recover_attester},
    protocol::{
        Assignment, BatchReason, Hello, Message, PROTOCOL_VERSION, ProofKind, ProofReport,
        ProtocolError, Welcome, read_message, write_message,
    },
};
use alloy_primitives::{Address, Bytes};
use basalt_contracts::formats::PUBLIC_INPUTS_LEN;
use basalt_storage::{Database, ProofRecord, StorageError};
use serde::Serialize;
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};
use tracing::{debug, info, warn};

/// Default address of the coordinator (ethrex's port, so its users feel at home).
pub const DEFAULT_COORDINATOR_ADDR: &str = "127.0.0.1:3900";
/// Default time a prover has to deliver an assigned batch's proof.
pub const DEFAULT_PROOF_TIMEOUT: Duration = Duration::from_secs(600);
/// Time a new connection has to send its Hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest prover id kept (logs, proof records).
const MAX_PROVER_ID_LEN: usize = 64;
/// Length of one attestation signature (r ‖ s ‖ v).
const SIGNATURE_LEN: usize = 65;

/// Where the coordinator gets a batch's guest input and the public inputs its proof must have.
/// The node implements it over its database (the guest's input encoding).
pub trait BatchInputSource: Send + Sync {
    /// The guest program's input for batch `batch`, or why it cannot be built.
    fn batch_input(&self, batch: u64) -> Result<Vec<u8>, String>;
    /// The ABI-encoded public inputs `OnChainProposer` will rebuild for batch `batch`.
    fn expected_public_inputs(&self, batch: u64) -> Result<[u8; PUBLIC_INPUTS_LEN], String>;
}

/// The proofs the deployment's verifiers need for a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofRequirement {
    /// One exec run (a `--dev-no-verifier` deployment).
    Exec,
    /// Signatures of `threshold` distinct attesters (the `AttestationVerifier`'s k).
    Attestation { threshold: usize },
}

impl ProofRequirement {
    /// The kind of proof provers must produce.
    pub fn kind(self) -> ProofKind {
        match self {
            Self::Exec => ProofKind::Exec,
            Self::Attestation { .. } => ProofKind::Attestation,
        }
    }

    /// How many proofs (exec runs or signatures) make a batch proven.
    fn parts(self) -> usize {
        match self {
            Self::Exec => 1,
            Self::Attestation { threshold } => threshold.max(1),
        }
    }

    /// Whether `record` is a complete proof: of this kind, with enough signatures.
    pub fn is_met(self, record: &ProofRecord) -> bool {
        record.kind == self.kind() as u8
            && match self {
                Self::Exec => true,
                Self::Attestation { .. } => record.proof.len() / SIGNATURE_LEN >= self.parts(),
            }
    }
}

/// How the coordinator runs.
#[derive(Clone, Debug)]
pub struct CoordinatorConfig {
    /// Address to listen on (`--proof-coordinator-addr`).
    pub addr: SocketAddr,
    /// Time a prover has to deliver an assigned batch's proof before the batch goes to another
    /// (`--proof-timeout`).
    pub proof_timeout: Duration,
    /// What provers bind their proofs to.
    pub welcome: Welcome,
    /// What the deployment's verifiers need.
    pub requirement: ProofRequirement,
    /// Registered attesters; empty: any signer (L1 refuses unknown ones anyway).
    pub attesters: Vec<Address>,
    /// How long a prover told there is no work waits before asking again.
    pub retry_after: Duration,
}

/// What `/health` shows of the coordinator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CoordinatorStatus {
    /// Provers connected now.
    pub connected_provers: usize,
    /// Batches assigned and not yet proven, ascending.
    pub assigned: Vec<u64>,
    /// The last batch a proof was stored for, and when (Unix seconds).
    pub last_proof: Option<(u64, u64)>,
    /// The last refused proof, failure report or internal error.
    pub last_error: Option<String>,
}

/// A batch given to a prover.
struct InFlight {
    batch: u64,
    connection: u64,
    prover: String,
    signer: Address,
    deadline: Instant,
}

#[derive(Default)]
struct State {
    in_flight: Vec<InFlight>,
    next_connection: u64,
    status: CoordinatorStatus,
}

/// A connected prover, as its Hello described it.
struct Prover {
    connection: u64,
    id: String,
    signer: Address,
}

/// The coordinator; share it with [`Arc`] and run [`ProofCoordinator::serve`].
pub struct ProofCoordinator {
    db: Arc<Database>,
    source: Arc<dyn BatchInputSource>,
    config: CoordinatorConfig,
    state: Mutex<State>,
}

/// Binds `config.addr` and serves provers on a spawned task. Returns the bound address (the
/// port chosen when it was 0), the coordinator (for its status) and the task.
pub async fn spawn_coordinator(
    db: Arc<Database>,
    source: Arc<dyn BatchInputSource>,
    config: CoordinatorConfig,
) -> std::io::Result<(SocketAddr, Arc<ProofCoordinator>, JoinHandle<()>)> {
    let listener = TcpListener::bind(config.addr).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("proof coordinator cannot listen on {}: {e}", config.addr),
        )
    })?;
    let addr = listener.local_addr()?;
    let coordinator = ProofCoordinator::new(db, source, config);
    let task = tokio::spawn(coordinator.clone().serve(listener));
    info!(%addr, "proof coordinator listening");
    Ok((addr, coordinator, task))
}

impl ProofCoordinator {
    pub fn new(
        db: Arc<Database>,
        source: Arc<dyn BatchInputSource>,
        config: CoordinatorConfig,
    ) -> Arc<Self> {
        Arc::new(Self { db, source, config, state: Mutex::default() })
    }

    /// Accepts provers until the task is dropped; each connection runs on its own task, and
    /// dropping this future closes them all (a stopped coordinator leaves no connection open).
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        connections.spawn(self.clone().connection(stream, peer));
                    }
                    Err(e) => {
                        // Out of descriptors and the like: wait rather than spin.
                        warn!("accepting a prover connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                Some(_) = connections.join_next() => {}
            }
        }
    }

    /// A snapshot of what `/health` shows.
    pub fn status(&self) -> CoordinatorStatus {
        let state = self.lock();
        let mut status = state.status.clone();
        status.assigned = state.in_flight.iter().map(|a| a.batch).collect();
        status.assigned.sort_unstable();
        status.assigned.dedup();
        status
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn note_error(&self, error: String) {
        self.lock().status.last_error = Some(error);
    }

    async fn connection(self: Arc<Self>, mut stream: TcpStream, peer: SocketAddr) {
        let connection = {
            let mut state = self.lock();
            state.next_connection += 1;
            state.status.connected_provers += 1;
            state.next_connection
        };
        match self.session(connection, &mut stream).await {
            Ok(()) | Err(ProtocolError::Closed) => debug!(%peer, "prover connection closed"),
            Err(e) => warn!(%peer, "prover connection dropped: {e}"),
        }
        // Its assignments stay until their deadline: the prover may come back with the proof.
        self.lock().status.connected_provers -= 1;
    }

    async fn session(
        self: &Arc<Self>,
        connection: u64,
        stream: &mut TcpStream,
    ) -> Result<(), ProtocolError> {
        let first = tokio::time::timeout(HELLO_TIMEOUT, read_message(stream))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no Hello in time"))??;
        let Message::Hello(hello) = first else {
            return Err(ProtocolError::Malformed {
                kind: first.name(),
                reason: "a connection starts with Hello".into(),
            });
        };
        if let Some(refusal) = self.refusal(&hello) {
            return write_message(stream, &refusal).await;
        }
        write_message(stream, &Message::Welcome(self.config.welcome.clone())).await?;
        let prover = Prover {
            connection,
            id: hello.prover_id.chars().take(MAX_PROVER_ID_LEN).collect(),
            signer: hello.signer,
        };
        info!(prover = %prover.id, backend = %hello.backend, "prover connected");
        loop {
            let answer = match read_message(stream).await? {
                Message::WorkRequest => self.assign(&prover).await,
                Message::Proof(report) => self.receive_proof(&prover, report).await,
                Message::Failed(failure) => {
                    self.release(prover.connection, failure.batch_number);
                    warn!(
                        batch = failure.batch_number,
                        prover = %prover.id,
                        "prover failed the batch, which goes back to the queue: {}",
                        failure.reason
                    );
                    self.note_error(format!(
                        "prover {} failed batch {}: {}",
                        prover.id, failure.batch_number, failure.reason
                    ));
                    Message::Accepted { batch_number: failure.batch_number }
                }
                other => {
                    return Err(ProtocolError::Malformed {
                        kind: other.name(),
                        reason: "not a prover's message".into(),
                    });
                }
            };
            write_message(stream, &answer).await?;
        }
    }

    /// The answer to a Hello the coordinator does not take, None when it takes it.
    fn refusal(&self, hello: &Hello) -> Option<Message> {
        if hello.version != PROTOCOL_VERSION {
            warn!(
                prover = %hello.prover_id.chars().take(MAX_PROVER_ID_LEN).collect::<String>(),
                "prover speaks protocol version {}, this coordinator {PROTOCOL_VERSION}",
                hello.version
            );
            return Some(Message::VersionMismatch { coordinator_version: PROTOCOL_VERSION });
        }
        let needed = self.config.requirement.kind();
        let reason = if hello.backend != needed {
            format!(
                "this deployment needs {needed} proofs; start the prover with --backend {needed}"
            )
        } else if needed == ProofKind::Attestation && hello.signer.is_zero() {
            "an attestation prover must announce its attester address".to_string()
        } else if needed == ProofKind::Attestation
            && !self.config.attesters.is_empty()
            && !self.config.attesters.contains(&hello.signer)
        {
            format!("{} is not a registered attester of this deployment", hello.signer)
        } else {
            return None;
        };
        Some(Message::Refused { reason })
    }

    async fn assign(self: &Arc<Self>, prover: &Prover) -> Message {
        let retry_after_ms = u64::try_from(self.config.retry_after.as_millis()).unwrap_or(u64::MAX);
        let no_work = Message::NoWork { retry_after_ms };
        let batch = match self.reserve(prover) {
            Ok(Some(batch)) => batch,
            Ok(None) => return no_work,
            Err(e) => {
                warn!("cannot read the batches to assign: {e}");
                self.note_error(format!("database: {e}"));
                return no_work;
            }
        };
        let source = self.source.clone();
        let input = tokio::task::spawn_blocking(move || source.batch_input(batch))
            .await
            .unwrap_or_else(|_| Err("the input source panicked".into()));
        match input {
            Ok(input) => {
                info!(batch, prover = %prover.id, bytes = input.len(), "batch assigned");
                Message::Assignment(Assignment {
                    batch_number: batch,
                    input: Bytes::from(input),
                    deadline_seconds: self.config.proof_timeout.as_secs().max(1),
                })
            }
            Err(e) => {
                self.release(prover.connection, batch);
                warn!(batch, "cannot build the guest input: {e}");
                self.note_error(format!("guest input of batch {batch}: {e}"));
                no_work
            }
        }
    }

    /// Picks the lowest batch `prover` can work on and records the assignment.
    fn reserve(&self, prover: &Prover) -> Result<Option<u64>, StorageError> {
        let view = self.db.read_batches()?;
        let numbers = view.numbers()?;
        let requirement = self.config.requirement;
        let mut state = self.lock();
        let now = Instant::now();
        // Expired assignments go back to the queue; a prover asking for work has given up
        // whatever it held.
        state.in_flight.retain(|a| {
            if a.deadline <= now {
                warn!(batch = a.batch, prover = %a.prover, "no proof in time; the batch goes back to the queue");
                return false;
            }
            a.connection != prover.connection
        });
        for batch in numbers.verified.saturating_add(1)..=numbers.committed {
            let record = view.proof(batch)?;
            if record.as_ref().is_some_and(|r| requirement.is_met(r)) {
                continue;
            }
            let mut busy: Vec<Address> =
                state.in_flight.iter().filter(|a| a.batch == batch).map(|a| a.signer).collect();
            let attesting = requirement.kind() == ProofKind::Attestation;
            if let Some(record) =
                record.filter(|r| attesting && r.kind == ProofKind::Attestation as u8)
            {
                busy.extend(self.signers(batch, &record).into_iter().map(|(signer, _)| signer));
            }
            let signed_or_signing = attesting && busy.contains(&prover.signer);
            if busy.len() >= requirement.parts() || signed_or_signing {
                continue;
            }
            state.in_flight.push(InFlight {
                batch,
                connection: prover.connection,
                prover: prover.id.clone(),
                signer: prover.signer,
                // An absurd timeout saturates to about a century rather than overflowing.
                deadline: now
                    .checked_add(self.config.proof_timeout)
                    .unwrap_or_else(|| now + Duration::from_secs(3_155_760_000)),
            });
            return Ok(Some(batch));
        }
        Ok(None)
    }

    fn release(&self, connection: u64, batch: u64) {
        self.lock().in_flight.retain(|a| a.connection != connection || a.batch != batch);
    }

    /// The attesters of a stored attestation with their signatures (unreadable ones left out).
    fn signers(&self, batch: u64, record: &ProofRecord) -> Vec<(Address, Vec<u8>)> {
        let digest = digest(&self.config.welcome, batch, &record.public_inputs);
        record
            .proof
            .chunks(SIGNATURE_LEN)
            .filter_map(|sig| recover_attester(sig, &digest).ok().map(|a| (a, sig.to_vec())))
            .collect()
    }

    async fn receive_proof(self: &Arc<Self>, prover: &Prover, report: ProofReport) -> Message {
        let batch = report.batch_number;
        // Whatever the verdict, the assignment is done: a refused batch goes back to the queue.
        self.release(prover.connection, batch);
        let this = self.clone();
        let (id, signer) = (prover.id.clone(), prover.signer);
        let verdict = tokio::task::spawn_blocking(move || this.store_proof(&id, signer, report))
            .await
            .unwrap_or_else(|_| Err("checking the proof panicked".into()));
        match verdict {
            Ok(()) => {
                info!(batch, prover = %prover.id, "proof stored");
                self.lock().status.last_proof = Some((batch, unix_now()));
                Message::Accepted { batch_number: batch }
            }
            Err(reason) => {
                warn!(batch, prover = %prover.id, "proof refused: {reason}");
                self.note_error(format!(
                    "proof of batch {batch} from {} refused: {reason}",
                    prover.id
                ));
                Message::Rejected(BatchReason { batch_number: batch, reason })
            }
        }
    }

    /// Checks a proof and stores it (an attestation joins the batch's other signatures), in one
    /// write transaction; the reason it is refused otherwise.
    fn store_proof(
        &self,
        prover: &str,
        signer: Address,
        report: ProofReport,
    ) -> Result<(), String> {
        let batch = report.batch_number;
        let requirement = self.config.requirement;
        if report.backend != requirement.kind() {
            return Err(format!(
                "this deployment needs {} proofs, got {}",
                requirement.kind(),
                report.backend
            ));
        }
        let storage = |e: StorageError| format!("database: {e}");
        let numbers = self.db.read_batches().and_then(|v| v.numbers()).map_err(storage)?;
        if batch <= numbers.verified || batch > numbers.committed {
            return Err(format!(
                "batch {batch} awaits no proof (committed up to {}, verified up to {})",
                numbers.committed, numbers.verified
            ));
        }
        let expected = self
            .source
            .expected_public_inputs(batch)
            .map_err(|e| format!("the expected public inputs are unavailable: {e}"))?;
        check_public_inputs(&expected, &report.public_inputs)?;
        let mut signatures = Vec::new();
        if requirement.kind() == ProofKind::Exec {
            if !report.proof.is_empty() {
                return Err(format!("an exec proof is empty, got {} bytes", report.proof.len()));
            }
        } else {
            let digest = digest(&self.config.welcome, batch, &expected);
            let recovered = recover_attester(&report.proof, &digest)?;
            if recovered != signer {
                return Err(format!(
                    "the attestation is signed by {recovered}, not by the prover's attester {signer}"
                ));
            }
            signatures.push((recovered, report.proof.to_vec(), prover.to_string()));
        }
        let mut write = self.db.write().map_err(storage)?;
        if let Some(stored) = write.proof(batch).map_err(storage)? {
            let same_kind = stored.kind == requirement.kind() as u8;
            if same_kind && stored.public_inputs[..] == expected[..] && !signatures.is_empty() {
                for (i, (attester, signature)) in
                    self.signers(batch, &stored).into_iter().enumerate()
                {
                    if attester == signer {
                        return Ok(()); // already stored: a resend after a lost answer
                    }
                    let id = stored.provers.get(i).cloned().unwrap_or_default();
                    signatures.push((attester, signature, id));
                }
            }
        }
        // AttestationVerifier wants signatures by ascending signer.
        signatures.sort_by_key(|(attester, _, _)| *attester);
        let record = ProofRecord {
            kind: requirement.kind() as u8,
            proof: signatures.iter().flat_map(|(_, sig, _)| sig.clone()).collect(),
            public_inputs: Bytes::copy_from_slice(&expected),
            provers: if signatures.is_empty() {
                vec![prover.to_string()]
            } else {
                signatures.into_iter().map(|(_, _, id)| id).collect()
            },
            received_at: unix_now(),
        };
        write.put_proof(batch, &record).map_err(storage)?;
        write.commit().map_err(storage)
    }
}

/// Names the first public-input word that differs (the fields of `PublicInputs`, in order).
fn check_public_inputs(expected: &[u8; PUBLIC_INPUTS_LEN], got: &[u8]) -> Result<(), String> {
    const WORDS: [&str; 8] = [
        "initial state root",
        "final state root",
        "L1-message root",
        "privileged rolling hash",
        "blobs hash",
        "last block hash",
        "chain id",
        "non-privileged transaction count",
    ];
    if got.len() != PUBLIC_INPUTS_LEN {
        return Err(format!("public inputs are {} bytes, not {PUBLIC_INPUTS_LEN}", got.len()));
    }
    let words = expected.chunks(32).zip(got.chunks(32)).zip(WORDS);
    match words.into_iter().find(|((want, have), _)| want != have) {
        None => Ok(()),
        Some(((want, have), name)) => Err(format!(
            "public inputs differ from the batch's: {name} is 0x{}, expected 0x{}",
            alloy_primitives::hex::encode(have),
            alloy_primitives::hex::encode(want)
        )),
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_input_mismatch_names_the_word() {
        let expected = [0u8; PUBLIC_INPUTS_LEN];
        assert_eq!(check_public_inputs(&expected, &expected), Ok(()));
        let mut got = expected;
        got[32 + 31] = 1;
        let err = check_public_inputs(&expected, &got).unwrap_err();
        assert!(err.contains("final state root is 0x") && err.ends_with("00"), "{err}");
        assert!(check_public_inputs(&expected, &got[..10]).unwrap_err().contains("10 bytes"));
    }

    #[test]
    fn a_requirement_is_met_by_its_kind_with_enough_signatures() {
        let record = |kind: u8, signatures: usize| ProofRecord {
            kind,
            proof: Bytes::from(vec![1; signatures * SIGNATURE_LEN]),
            public_inputs: Bytes::new(),
            provers: vec![],
            received_at: 0,
        };
        assert!(ProofRequirement::Exec.is_met(&record(0, 0)));
        assert!(!ProofRequirement::Exec.is_met(&record(1, 1)));
        let two = ProofRequirement::Attestation { threshold: 2 };
        assert!(!two.is_met(&record(0, 0)));
        assert!(!two.is_met(&record(1, 1)));
        assert!(two.is_met(&record(1, 2)));
        assert!(ProofRequirement::Attestation { threshold: 0 }.is_met(&record(1, 1)));
    }
}
