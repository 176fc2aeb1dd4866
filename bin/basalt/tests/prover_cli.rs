//! `basalt prover` as a process: bad configuration is one error line, and a configured prover
//! connects to a coordinator and reports itself on /health.

use alloy_primitives::{Address, B256, Bytes};
use basalt_prover::{
    BatchInputSource, CoordinatorConfig, ProofRequirement, Welcome, spawn_coordinator,
};
use basalt_storage::{Database, SealedBatch};
use std::{
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

fn basalt() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_basalt"));
    command.env_remove("BASALT_PROVER_KEY").env("RUST_LOG", "info");
    command
}

/// Runs `basalt prover ARGS` expecting a quick failure; returns its stderr.
fn fails(args: &[&str]) -> String {
    let output = basalt().arg("prover").args(args).output().unwrap();
    assert!(!output.status.success(), "{args:?} succeeded");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn bad_configuration_is_one_error_line() {
    let cases: [(&[&str], &str); 4] = [
        (&["--backend", "attestation"], "--backend attestation needs the attester key"),
        (&["--backend", "attestation", "--key", "0x1234"], "must be a private key of 32 bytes"),
        (&["--backend", "exec", "--coordinator", "nowhere"], "--coordinator must be HOST:PORT"),
        (&["--backend", "exec", "--coordinator", "host:99999"], "--coordinator must be HOST:PORT"),
    ];
    for (args, expected) in cases {
        let stderr = fails(args);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(expected), "{args:?}: {stderr}");
    }
    // A zero key is no secp256k1 key; the key itself is never echoed.
    let zero = format!("0x{}", "00".repeat(32));
    let stderr = fails(&["--backend", "attestation", "--key", &zero]);
    assert!(stderr.contains("not a valid secp256k1 private key") && !stderr.contains(&zero));
}

struct NoInputs;

impl BatchInputSource for NoInputs {
    fn batch_input(&self, batch: u64) -> Result<Vec<u8>, String> {
        Ok(batch.to_be_bytes().to_vec())
    }

    fn expected_public_inputs(&self, _: u64) -> Result<[u8; 256], String> {
        Ok([0; 256])
    }
}

/// `GET /health`: the status line's code and the body, as one string ("200 {...}").
fn health(port: u16) -> String {
    let (status, body) = basalt_test_harness::http_get(port, "/health");
    format!("{status} {body}")
}

#[test]
fn a_prover_connects_reports_on_health_and_outlives_its_coordinator() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = Arc::new(Database::in_memory().unwrap());
    let mut write = db.write().unwrap();
    write
        .seal_batch(&SealedBatch {
            number: 1,
            first_block: 1,
            last_block: 1,
            mode: 0,
            payload_len: 0,
            data: Bytes::new(),
            versioned_hashes: vec![],
            state_root: B256::ZERO,
            l1_messages_root: B256::ZERO,
            privileged_rolling_hash: B256::ZERO,
            last_block_hash: B256::ZERO,
            non_privileged_txs: 0,
            privileged_txs: 0,
            sealed_at: 0,
        })
        .unwrap();
    write.set_last_committed_batch(1, None).unwrap();
    write.commit().unwrap();
    let config = CoordinatorConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        proof_timeout: Duration::from_secs(60),
        welcome: Welcome {
            l1_chain_id: 31_337,
            on_chain_proposer: Address::repeat_byte(1),
            verifier_ids: vec![],
            attestation_verifier_id: 0,
        },
        requirement: ProofRequirement::Exec,
        attesters: vec![],
        retry_after: Duration::from_millis(100),
    };
    let (addr, coordinator, task) =
        runtime.block_on(spawn_coordinator(db, Arc::new(NoInputs), config)).unwrap();
    let health_port =
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = basalt()
        .args(["prover", "--backend", "exec", "--id", "cli-test"])
        .args(["--coordinator", &addr.to_string()])
        .args(["--health-addr", &format!("127.0.0.1:{health_port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let wait = |what: &str, check: &dyn Fn() -> bool| {
        let start = Instant::now();
        while !check() {
            assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // It connects, takes batch 1, and reports that the guest refuses its input (8 bytes, not a
    // batch input).
    wait("a failure report", &|| coordinator.status().last_error.is_some());
    let error = coordinator.status().last_error.unwrap();
    assert!(error.contains("prover cli-test failed batch 1: guest program failed"), "{error}");
    let connected = || {
        std::net::TcpStream::connect(("127.0.0.1", health_port)).is_ok()
            && health(health_port).starts_with("200 ")
    };
    wait("a healthy prover", &connected);
    assert!(health(health_port).contains("\"connected\":true"));
    // The coordinator goes away: the prover keeps running and says so.
    task.abort();
    wait("an unhealthy prover", &|| health(health_port).starts_with("503 "));
    assert!(health(health_port).contains("\"connected\":false"));
    assert!(child.try_wait().unwrap().is_none(), "the prover exited");
    child.kill().unwrap();
    child.wait().unwrap();
}
