//! Proving with anvil as the L1 under `basalt sequencer`, through real processes: a 2-of-3
//! AttestationVerifier deployment, two `basalt prover` attesters (the third offline), the
//! sequencer's coordinator joining their signatures and its proof sender verifying every batch
//! on anvil; an attestation over a wrong state root is refused by L1 with the verifier's error.

mod rollup;

use alloy::signers::SignerSync;
use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use basalt_contracts::formats::attestation_digest;
use rollup::*;
use serde_json::json;
use std::{
    process::{Child, Command, Stdio},
    str::FromStr,
    time::Duration,
};

/// anvil's dev accounts 5 to 7 (attesters) and 8 (the proof sender).
const ATTESTER_KEYS: [&str; 3] = [
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
];
const PROOF_SENDER_KEY: &str = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";

fn signer(key: &str) -> PrivateKeySigner {
    PrivateKeySigner::from_str(key).unwrap()
}

fn prover(coordinator: &str, key: &str, id: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["prover", "--coordinator", coordinator, "--backend", "attestation", "--id", id])
        .env("BASALT_PROVER_KEY", key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn proposer_call(l1: &L1, signature: &str, args: &[&str]) -> String {
    let proposer = l1.deployment["rollup"].as_str().unwrap();
    let mut call = vec!["call", proposer, signature];
    call.extend_from_slice(args);
    call.extend_from_slice(&["--rpc-url", &l1.anvil.url]);
    cast(&call)
}

#[test]
fn a_two_of_three_attestation_deployment_verifies_every_batch_with_one_attester_offline() {
    let attesters: Vec<String> =
        ATTESTER_KEYS.iter().map(|key| signer(key).address().to_string()).collect();
    let l1 = L1::deploy_with(
        basalt_test_harness::Anvil::start(&[]),
        &["--attesters", &attesters.join(","), "--threshold", "2"],
    );
    let sequencer = Sequencer::start_proving(&l1, PROOF_SENDER_KEY);
    let coordinator = sequencer.coordinator();

    // A deposit makes batch 1; no attester is up yet, so it stays unverified.
    l1.deposit(ALICE, BOB, 5 * MILLI_ETHER);
    let committed = wait_until("batch 1 committed", Duration::from_secs(30), || {
        let numbers = sequencer.result("basalt_batchNumber", json!([]));
        let committed = quantity(&numbers["committed"]);
        (committed >= 1).then_some(committed)
    });
    assert_eq!(proposer_call(&l1, "lastVerifiedBatch()(uint256)", &[]), "0");

    // Two attesters sign public inputs with a wrong final state root: L1 rebuilds the right
    // ones, recovers other signers, and refuses with the verifier's error.
    let inputs = proposer_call(&l1, "publicInputs(uint256)(bytes)", &["1"]);
    let mut wrong = alloy_primitives::hex::decode(inputs.trim()).unwrap();
    wrong[32] ^= 0xff;
    let proposer = Address::from_str(l1.deployment["rollup"].as_str().unwrap()).unwrap();
    let digest: B256 = attestation_digest(31337, proposer, 1, 1, &wrong);
    let mut signers: Vec<PrivateKeySigner> = ATTESTER_KEYS[..2].iter().map(|k| signer(k)).collect();
    signers.sort_by_key(|s| s.address());
    let proof: Vec<u8> =
        signers.iter().flat_map(|s| s.sign_hash_sync(&digest).unwrap().as_bytes()).collect();
    let proof = format!("[[{}]]", alloy_primitives::hex::encode_prefixed(proof));
    let proposer_address = l1.deployment["rollup"].as_str().unwrap();
    let output = Command::new(basalt_test_harness::npm_bin("cast"))
        .args(["call", proposer_address, "verifyBatches(uint256,bytes[][])", "1", &proof])
        .args(["--rpc-url", &l1.anvil.url])
        .output()
        .unwrap();
    assert!(!output.status.success(), "a proof over a wrong state root was accepted");
    let error = String::from_utf8_lossy(&output.stderr).to_lowercase();
    let selector = alloy_primitives::hex::encode(
        <basalt_contracts::bindings::AttestationVerifier::UnknownSigner as alloy::sol_types::SolError>::SELECTOR,
    );
    assert!(
        error.contains(&selector) || error.contains("unknownsigner"),
        "the revert names UnknownSigner ({selector}): {error}"
    );

    // Two of the three attesters come up; the third stays offline.
    let mut first = prover(&coordinator, ATTESTER_KEYS[0], "attester-a");
    let mut second = prover(&coordinator, ATTESTER_KEYS[1], "attester-b");
    wait_until("batch 1 verified on L1", Duration::from_secs(60), || {
        let verified: u64 =
            proposer_call(&l1, "lastVerifiedBatch()(uint256)", &[]).parse().unwrap();
        (verified >= committed).then_some(())
    });
    let account = cast(&["wallet", "address", "--private-key", L2_KEY]);
    l1.deposit(ALICE, &account, 10 * MILLI_ETHER);
    sequencer.wait_for_balance(&account, U256::from(10 * MILLI_ETHER), Duration::from_secs(20));
    let block = quantity(&l2_transfer(&sequencer, BOB)["blockNumber"]);
    let target = wait_until("the transfer's batch committed", Duration::from_secs(30), || {
        let batch = sequencer.result(
            "basalt_getBatchByNumber",
            json!([
                quantity(&sequencer.result("basalt_batchNumber", json!([]))["committed"]),
                false
            ]),
        );
        (quantity(&batch["lastBlock"]) >= block).then(|| quantity(&batch["number"]))
    });
    wait_until("every batch verified on L1", Duration::from_secs(60), || {
        let verified: u64 =
            proposer_call(&l1, "lastVerifiedBatch()(uint256)", &[]).parse().unwrap();
        let node = quantity(&sequencer.result("basalt_batchNumber", json!([]))["verified"]);
        (verified >= target && node >= target).then_some(())
    });
    let log = sequencer.log();
    assert!(log.contains("batches verified"), "{log}");

    // /health on the admin port: every component with its last success, none failing.
    let admin: u16 = log
        .lines()
        .find_map(|line| line.strip_prefix("Health:            http://127.0.0.1:"))
        .and_then(|rest| rest.split('/').next())
        .and_then(|port| port.parse().ok())
        .expect("the admin address in the banner");
    let (status, body) = basalt_test_harness::http_get(admin, "/health");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 200, "{health}");
    for component in ["watcher", "producer", "committer", "coordinator", "proofSender"] {
        let part = &health["components"][component];
        assert_eq!(part["ok"], true, "{component}: {health}");
        assert!(part["lastSuccess"].as_u64().is_some(), "{component}: {health}");
    }
    assert_eq!(health["components"]["coordinator"]["connectedProvers"], 2, "{health}");
    first.kill().unwrap();
    second.kill().unwrap();
    first.wait().unwrap();
    second.wait().unwrap();
}
