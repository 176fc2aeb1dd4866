//! The coordinator and the prover client over real TCP on 127.0.0.1, with a real database:
//! assignment, timeouts, refused proofs, version mismatch, restarts, panicking backends and
//! k-of-n attestations.

use alloy_primitives::{Address, B256, Bytes};
use alloy_signer_local::PrivateKeySigner;
use basalt_prover::{
    AttestationBackend, BatchInputSource, CoordinatorConfig, ExecBackend, GuestFn,
    PROTOCOL_VERSION, ProofCoordinator, ProofKind, ProofOutput, ProofRequirement, ProveError,
    ProverBackend, ProverClient, ProverConfig, Welcome,
    backend::{digest, recover_attester},
    protocol::{BatchReason, Hello, Message, ProofReport, read_message, write_message},
    spawn_coordinator,
};
use basalt_storage::{Database, SealedBatch};
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::{net::TcpStream, task::JoinHandle};

/// The public inputs of batch `n` in these tests.
fn public_inputs(n: u64) -> [u8; 256] {
    let mut out = [0xaa; 256];
    out[..8].copy_from_slice(&n.to_be_bytes());
    out
}

/// Guest input of batch `n`: its number, then filler.
struct TestSource;

impl BatchInputSource for TestSource {
    fn batch_input(&self, batch: u64) -> Result<Vec<u8>, String> {
        let mut input = batch.to_be_bytes().to_vec();
        input.extend_from_slice(b"blocks and witness");
        Ok(input)
    }

    fn expected_public_inputs(&self, batch: u64) -> Result<[u8; 256], String> {
        Ok(public_inputs(batch))
    }
}

/// The test guest: reads the batch number back from the input.
fn guest() -> GuestFn {
    Arc::new(|input: &[u8]| {
        let number = input.first_chunk::<8>().ok_or("input too short")?;
        Ok(public_inputs(u64::from_be_bytes(*number)))
    })
}

fn welcome() -> Welcome {
    Welcome {
        l1_chain_id: 31_337,
        on_chain_proposer: Address::repeat_byte(0x42),
        verifier_ids: vec![1],
        attestation_verifier_id: 1,
    }
}

fn config(requirement: ProofRequirement, timeout: Duration) -> CoordinatorConfig {
    CoordinatorConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        proof_timeout: timeout,
        welcome: welcome(),
        requirement,
        attesters: Vec::new(),
        retry_after: Duration::from_millis(50),
    }
}

/// Seals batches `sealed` one block each and marks the first `committed` committed.
fn add_batches(db: &Database, sealed: std::ops::RangeInclusive<u64>, committed: u64) {
    let mut write = db.write().unwrap();
    for n in sealed {
        write
            .seal_batch(&SealedBatch {
                number: n,
                first_block: n,
                last_block: n,
                mode: 0,
                payload_len: 0,
                data: Bytes::new(),
                versioned_hashes: vec![],
                state_root: B256::repeat_byte(n as u8),
                l1_messages_root: B256::ZERO,
                privileged_rolling_hash: B256::ZERO,
                last_block_hash: B256::repeat_byte(1),
                non_privileged_txs: 1,
                privileged_txs: 0,
                sealed_at: 0,
            })
            .unwrap();
    }
    write.set_last_committed_batch(committed, None).unwrap();
    write.commit().unwrap();
}

async fn start(
    db: &Arc<Database>,
    config: CoordinatorConfig,
) -> (SocketAddr, Arc<ProofCoordinator>, JoinHandle<()>) {
    spawn_coordinator(db.clone(), Arc::new(TestSource), config).await.unwrap()
}

/// A raw protocol peer: says Hello and returns the answer.
async fn hello(
    addr: SocketAddr,
    version: u16,
    backend: ProofKind,
    signer: Address,
) -> (TcpStream, Message) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let hello = Hello { version, prover_id: "raw".into(), backend, signer };
    let answer = ask(&mut stream, Message::Hello(hello)).await;
    (stream, answer)
}

async fn exec_peer(addr: SocketAddr) -> TcpStream {
    let (stream, answer) = hello(addr, PROTOCOL_VERSION, ProofKind::Exec, Address::ZERO).await;
    assert_eq!(answer, Message::Welcome(welcome()));
    stream
}

async fn ask(stream: &mut TcpStream, message: Message) -> Message {
    write_message(stream, &message).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), read_message(stream)).await.unwrap().unwrap()
}

async fn work(stream: &mut TcpStream) -> Option<u64> {
    match ask(stream, Message::WorkRequest).await {
        Message::Assignment(a) => {
            assert_eq!(&a.input[..8], &a.batch_number.to_be_bytes());
            Some(a.batch_number)
        }
        Message::NoWork { retry_after_ms } => {
            assert_eq!(retry_after_ms, 50);
            None
        }
        other => panic!("unexpected {other:?}"),
    }
}

fn exec_proof(batch: u64, public_inputs: [u8; 256]) -> Message {
    Message::Proof(ProofReport {
        batch_number: batch,
        backend: ProofKind::Exec,
        proof: Bytes::new(),
        public_inputs: Bytes::copy_from_slice(&public_inputs),
    })
}

/// Waits until `check` holds, for at most 20 s.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provers_get_different_batches_lowest_first_and_proofs_are_stored() {
    let db = Arc::new(Database::in_memory().unwrap());
    add_batches(&db, 1..=4, 3);
    let (addr, coordinator, _task) =
        start(&db, config(ProofRequirement::Exec, Duration::from_secs(60))).await;
    let (mut a, mut b, mut c) =
        (exec_peer(addr).await, exec_peer(addr).await, exec_peer(addr).await);
    assert_eq!(work(&mut a).await, Some(1));
    assert_eq!(work(&mut b).await, Some(2));
    assert_eq!(coordinator.status().assigned, vec![1, 2]);
    assert_eq!(
        ask(&mut a, exec_proof(1, public_inputs(1))).await,
        Message::Accepted { batch_number: 1 }
    );
    let record = db.proof(1).unwrap().unwrap();
    assert_eq!((record.kind, record.provers.clone()), (0, vec!["raw".to_string()]));
    assert_eq!(&record.public_inputs[..], &public_inputs(1));
    assert!(record.proof.is_empty());
    // 1 is proven, 2 is b's: a gets 3; batch 4 is sealed but not committed, so c gets nothing.
    assert_eq!(work(&mut a).await, Some(3));
    assert_eq!(work(&mut c).await, None);
    assert_eq!(coordinator.status().connected_provers, 3);
    assert_eq!(coordinator.status().last_proof.map(|(batch, _)| batch), Some(1));
    // A verified batch needs no proof any more.
    let mut write = db.write().unwrap();
    write.set_last_verified_batch(3).unwrap();
    write.commit().unwrap();
    assert_eq!(work(&mut c).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_a_prover_gone_mid_proof_is_reassigned_after_the_timeout() {
    let db = Arc::new(Database::in_memory().unwrap());
    add_batches(&db, 1..=2, 2);
    let timeout = Duration::from_millis(1_500);
    let (addr, coordinator, _task) = start(&db, config(ProofRequirement::Exec, timeout)).await;
    let mut gone = exec_peer(addr).await;
    assert_eq!(work(&mut gone).await, Some(1));
    drop(gone);
    let given_at = Instant::now();
    let (mut b, mut c) = (exec_peer(addr).await, exec_peer(addr).await);
    assert_eq!(work(&mut b).await, Some(2));
    assert_eq!(work(&mut c).await, None, "batch 1 is still the gone prover's");
    eventually("the disconnect", || coordinator.status().connected_provers == 2).await;
    let reassigned = loop {
        if let Some(batch) = work(&mut c).await {
            break batch;
        }
        assert!(given_at.elapsed() < timeout * 4, "batch 1 never reassigned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(reassigned, 1);
    assert!(given_at.elapsed() >= timeout, "reassigned after {:?}", given_at.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_proof_is_rejected_not_stored_and_the_batch_goes_back_to_the_queue() {
    let db = Arc::new(Database::in_memory().unwrap());
    add_batches(&db, 1..=2, 1);
    let (addr, coordinator, _task) =
        start(&db, config(ProofRequirement::Exec, Duration::from_secs(60))).await;
    let mut a = exec_peer(addr).await;
    assert_eq!(work(&mut a).await, Some(1));
    let mut wrong = public_inputs(1);
    wrong[63] ^= 1;
    let Message::Rejected(BatchReason { batch_number: 1, reason }) =
        ask(&mut a, exec_proof(1, wrong)).await
    else {
        panic!("not rejected")
    };
    assert!(reason.contains("final state root"), "{reason}");
    assert!(coordinator.status().last_error.unwrap().contains("final state root"));
    // Not a proof of a batch awaiting one, a wrong kind, a non-empty exec proof.
    let cases = [
        (exec_proof(2, public_inputs(2)), "awaits no proof"),
        (
            Message::Proof(ProofReport {
                batch_number: 1,
                backend: ProofKind::Attestation,
                proof: Bytes::from(vec![1; 65]),
                public_inputs: Bytes::copy_from_slice(&public_inputs(1)),
            }),
            "needs exec proofs",
        ),
        (
            Message::Proof(ProofReport {
                batch_number: 1,
                backend: ProofKind::Exec,
                proof: Bytes::from(vec![1]),
                public_inputs: Bytes::copy_from_slice(&public_inputs(1)),
            }),
            "exec proof is empty",
        ),
    ];
    for (proof, expected) in cases {
        let Message::Rejected(rejection) = ask(&mut a, proof).await else { panic!("not rejected") };
        assert!(rejection.reason.contains(expected), "{}", rejection.reason);
    }
    assert_eq!(db.read_batches().unwrap().proof_count().unwrap(), 0);
    let mut b = exec_peer(addr).await;
    assert_eq!(work(&mut b).await, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_and_hellos_end_only_their_connection() {
    use tokio::io::AsyncWriteExt;
    let db = Arc::new(Database::in_memory().unwrap());
    add_batches(&db, 1..=1, 1);
    let mut cfg = config(ProofRequirement::Attestation { threshold: 1 }, Duration::from_secs(60));
    let registered = PrivateKeySigner::random();
    cfg.attesters = vec![registered.address()];
    let (addr, coordinator, _task) = start(&db, cfg).await;

    let (_, answer) =
        hello(addr, PROTOCOL_VERSION + 1, ProofKind::Attestation, registered.address()).await;
    assert_eq!(answer, Message::VersionMismatch { coordinator_version: PROTOCOL_VERSION });
    let (_, answer) = hello(addr, PROTOCOL_VERSION, ProofKind::Exec, Address::ZERO).await;
    let Message::Refused { reason } = answer else { panic!("{answer:?}") };
    assert!(reason.contains("--backend attestation"), "{reason}");
    let (_, answer) =
        hello(addr, PROTOCOL_VERSION, ProofKind::Attestation, Address::repeat_byte(1)).await;
    let Message::Refused { reason } = answer else { panic!("{answer:?}") };
    assert!(reason.contains("not a registered attester"), "{reason}");

    for garbage in [
        (u32::MAX).to_be_bytes().to_vec(),
        vec![0, 0, 0, 3, 0xff, 0xff, 0xff],
        vec![0, 0, 0, 1, 5],      // WorkRequest before Hello
        vec![0, 0, 0, 100, 1, 2], // cut short
    ] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&garbage).await.unwrap();
        stream.shutdown().await.unwrap();
        // The coordinator closes the connection without an answer.
        let read = tokio::time::timeout(Duration::from_secs(5), read_message(&mut stream)).await;
        assert!(read.unwrap().is_err());
    }
    // Still serving.
    let (mut stream, answer) =
        hello(addr, PROTOCOL_VERSION, ProofKind::Attestation, registered.address()).await;
    assert!(matches!(answer, Message::Welcome(_)));
    assert_eq!(work(&mut stream).await, Some(1));
    eventually("closed connections counted", || coordinator.status().connected_provers == 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_mismatch_stops_the_client_with_one_clear_error() {
    // A coordinator of another protocol version.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let Ok(Message::Hello(hello)) = read_message(&mut stream).await else { return };
        assert_eq!(hello.version, PROTOCOL_VERSION);
        let answer = Message::VersionMismatch { coordinator_version: PROTOCOL_VERSION + 1 };
        write_message(&mut stream, &answer).await.unwrap();
    });
    let client = ProverClient::new(
        ProverConfig::new(addr.to_string(), "p"),
        Arc::new(ExecBackend::new(guest())),
    );
    let error = tokio::time::timeout(Duration::from_secs(10), client.run()).await.unwrap();
    assert_eq!(
        error.to_string(),
        format!(
            "protocol version mismatch: this prover speaks version {PROTOCOL_VERSION}, the coordinator at {addr} speaks version {}; run the same basalt release on both",
            PROTOCOL_VERSION + 1
        )
    );
}

/// Exec backend that panics on its first `panics` calls.
struct Flaky {
    calls: AtomicUsize,
    panics: usize,
}

impl ProverBackend for Flaky {
    fn kind(&self) -> ProofKind {
        ProofKind::Exec
    }

    fn prove(&self, batch: u64, input: &[u8], ctx: &Welcome) -> Result<ProofOutput, ProveError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.panics {
            panic!("out of cheese in batch {batch}");
        }
        ExecBackend::new(guest()).prove(batch, input, ctx)
    }
}

fn client_config(addr: SocketAddr, id: &str) -> ProverConfig {
    let mut config = ProverConfig::new(addr.to_string(), id);
    config.min_backoff = Duration::from_millis(50);
    config.max_backoff = Duration::from_millis(200);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_backend_reports_a_failure_and_the_batch_is_proven_on_retry() {
    let db = Arc::new(Database::in_memory().unwrap());
    add_batches(&db, 1..=1, 1);
    let (addr, coordinator, _task) =
        start(&db, config(ProofRequirement::Exec, Duration::from_secs(60))).await;
    let backend = Arc::new(Flaky { calls: AtomicUsize::new(0), panics: 1 });
    let client = ProverClient::new(client_config(addr, "flaky"), backend.clone());
    let status = client.status();
    let run = tokio::spawn(client.run());
    eventually("the proof", || db.proof(1).unwrap().is_some()).await;
    assert_eq!(backend.calls.load(Ordering::SeqCst), 2);
    let error = coordinator.status().last_error.unwrap();
    assert!(error.contains("backend panicked: out of cheese in batch 1"), "{error}");
    eventually("the client's status", || status.lock().unwrap().proofs_accepted == 1).await;
    let status = status.lock().unwrap().clone();
    assert!(status.connected);
    assert_eq!(status.last_proof.map(|(batch, _)| batch), Some(1));
    assert!(!run.is_finished(), "the client keeps running");
    run.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proofs_survive_a_coordinator_restart_and_the_client_reconnects() {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(Database::open(dir.path()).unwrap());
    add_batches(&db, 1..=2, 1);
    let cfg = config(ProofRequirement::Exec, Duration::from_secs(60));
    let (addr, first, task) = start(&db, cfg.clone()).await;
    let backend = Arc::new(Flaky { calls: AtomicUsize::new(0), panics: 0 });
    let client =
        tokio::spawn(ProverClient::new(client_config(addr, "steady"), backend.clone()).run());
    eventually("batch 1's proof", || db.proof(1).unwrap().is_some()).await;
    let stored = db.proof(1).unwrap().unwrap();

    // Stop the coordinator: its connections close, and the database handle comes back.
    task.abort();
    drop(first);
    let mut db = Some(db);
    let start_wait = Instant::now();
    let db = loop {
        match Arc::try_unwrap(db.take().unwrap()) {
            Ok(db) => break db,
            Err(shared) => {
                assert!(
                    start_wait.elapsed() < Duration::from_secs(10),
                    "a task still holds the database"
                );
                db = Some(shared);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    drop(db);

    let db = Arc::new(Database::open(dir.path()).unwrap());
    assert_eq!(db.proof(1).unwrap(), Some(stored.clone()));
    add_batches(&db, 3..=3, 3);
    let calls_before = backend.calls.load(Ordering::SeqCst);
    let (_, second, _task) = start(&db, CoordinatorConfig { addr, ..cfg }).await;
    eventually("batches 2 and 3 proven", || {
        db.proof(2).unwrap().is_some() && db.proof(3).unwrap().is_some()
    })
    .await;
    // Batch 1 was not handed out again.
    assert_eq!(backend.calls.load(Ordering::SeqCst), calls_before + 2);
    assert_eq!(db.proof(1).unwrap(), Some(stored));
    assert_eq!(second.status().connected_provers, 1);
    client.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_of_three_attesters_sign_every_batch_with_one_offline() {
    let db = Arc::new(Database::in_memory().unwrap());
    add_batches(&db, 1..=3, 3);
    let keys: Vec<PrivateKeySigner> = (0..3).map(|_| PrivateKeySigner::random()).collect();
    let mut cfg = config(ProofRequirement::Attestation { threshold: 2 }, Duration::from_secs(60));
    cfg.attesters = keys.iter().map(|k| k.address()).collect();
    let (addr, _coordinator, _task) = start(&db, cfg).await;
    // Attesters 0 and 1 run; 2 is offline.
    let clients: Vec<_> = keys[..2]
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let backend = Arc::new(AttestationBackend::new(guest(), key.clone()));
            tokio::spawn(
                ProverClient::new(client_config(addr, &format!("attester-{i}")), backend).run(),
            )
        })
        .collect();
    let requirement = ProofRequirement::Attestation { threshold: 2 };
    eventually("every batch attested twice", || {
        (1..=3).all(|n| db.proof(n).unwrap().is_some_and(|r| requirement.is_met(&r)))
    })
    .await;
    let mut online: Vec<Address> = keys[..2].iter().map(|k| k.address()).collect();
    online.sort();
    for n in 1..=3 {
        let record = db.proof(n).unwrap().unwrap();
        assert_eq!(record.kind, ProofKind::Attestation as u8);
        assert_eq!(record.proof.len(), 130);
        let digest = digest(&welcome(), n, &public_inputs(n));
        let signers: Vec<Address> =
            record.proof.chunks(65).map(|sig| recover_attester(sig, &digest).unwrap()).collect();
        assert_eq!(signers, online, "batch {n}: one signature each, ascending signers");
        let expected_ids: Vec<String> = signers
            .iter()
            .map(|s| format!("attester-{}", keys.iter().position(|k| k.address() == *s).unwrap()))
            .collect();
        assert_eq!(record.provers, expected_ids);
    }
    for client in clients {
        client.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attestations_of_one_batch_are_joined_by_ascending_signer_never_twice_the_same() {
    let db = Arc::new(Database::in_memory().unwrap());
    add_batches(&db, 1..=2, 2);
    let cfg = config(ProofRequirement::Attestation { threshold: 2 }, Duration::from_secs(60));
    let (addr, _coordinator, _task) = start(&db, cfg).await;
    let mut keys: Vec<PrivateKeySigner> = (0..2).map(|_| PrivateKeySigner::random()).collect();
    keys.sort_by_key(|k| k.address());
    let (low, high) = (&keys[0], &keys[1]);
    let mut peers = Vec::new();
    for key in [low, high] {
        let (stream, answer) =
            hello(addr, PROTOCOL_VERSION, ProofKind::Attestation, key.address()).await;
        assert!(matches!(answer, Message::Welcome(_)));
        peers.push((stream, AttestationBackend::new(guest(), key.clone())));
    }
    // Batch 1 signed high then low, batch 2 low then high.
    for (batch, order) in [(1, [1, 0]), (2, [0, 1])] {
        for i in order {
            let (stream, backend) = &mut peers[i];
            assert_eq!(work(stream).await, Some(batch));
            let input = TestSource.batch_input(batch).unwrap();
            let output = backend.prove(batch, &input, &welcome()).unwrap();
            let report = Message::Proof(ProofReport {
                batch_number: batch,
                backend: ProofKind::Attestation,
                proof: output.proof.clone().into(),
                public_inputs: output.public_inputs.into(),
            });
            assert_eq!(
                ask(stream, report.clone()).await,
                Message::Accepted { batch_number: batch }
            );
            // A resend (the answer was lost) is taken and changes nothing.
            assert_eq!(ask(stream, report).await, Message::Accepted { batch_number: batch });
            if (batch, i) == (1, 1) {
                // High signed batch 1, which still needs low's signature: high gets batch 2.
                assert_eq!(work(stream).await, Some(2));
            }
        }
        let record = db.proof(batch).unwrap().unwrap();
        let digest = digest(&welcome(), batch, &public_inputs(batch));
        let signers: Vec<Address> =
            record.proof.chunks(65).map(|sig| recover_attester(sig, &digest).unwrap()).collect();
        assert_eq!(signers, vec![low.address(), high.address()], "batch {batch}");
    }
    // A signature by another key than the announced attester is refused.
    let (stream, _) = &mut peers[0];
    let mut write = db.write().unwrap();
    write.delete_proof(2).unwrap();
    write.commit().unwrap();
    assert_eq!(work(stream).await, Some(2));
    let other = AttestationBackend::new(guest(), PrivateKeySigner::random());
    let output = other.prove(2, &TestSource.batch_input(2).unwrap(), &welcome()).unwrap();
    let answer = ask(
        stream,
        Message::Proof(ProofReport {
            batch_number: 2,
            backend: ProofKind::Attestation,
            proof: output.proof.into(),
            public_inputs: output.public_inputs.into(),
        }),
    )
    .await;
    let Message::Rejected(rejection) = answer else { panic!("{answer:?}") };
    assert!(rejection.reason.contains("not by the prover's attester"), "{}", rejection.reason);
    assert_eq!(db.proof(2).unwrap(), None);
}
