//! Proving end to end on `basalt dev`: every batch is committed, proven by an attester running
//! the guest program, and verified on the dev L1 by the real AttestationVerifier check; with
//! `--no-prover`, separate `basalt prover` processes share the work, and killing one loses no
//! batch.

use basalt_test_harness::npm_bin;
use serde_json::json;
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

mod dev;
use dev::{Dev, quantity};

/// Runs cast; panics with its output and the node log when it fails.
fn cast(dev: &Dev, args: &[&str]) -> String {
    let output = Command::new(npm_bin("cast")).args(args).output().expect("run cast");
    assert!(
        output.status.success(),
        "cast {args:?}: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        dev.output()
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// Sends one L2 transfer with cast and returns its block number.
fn transfer(dev: &Dev) -> u64 {
    let out = cast(
        dev,
        &[
            "send",
            "--rpc-url",
            &dev.l2_url(),
            "--private-key",
            DEV_KEY,
            "0x000000000000000000000000000000000000dEaD",
            "--value",
            "1",
            "--json",
        ],
    );
    let receipt: serde_json::Value = serde_json::from_str(&out).expect("cast prints the receipt");
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    quantity(&receipt["blockNumber"]) as u64
}

/// The node's (sealed, committed, verified) batch numbers.
fn batch_numbers(dev: &Dev) -> (u64, u64, u64) {
    let numbers = dev.result(dev.l2, "basalt_batchNumber", json!([]));
    let n = |key: &str| quantity(&numbers[key]) as u64;
    (n("sealed"), n("committed"), n("verified"))
}

/// Waits until the batch holding L2 block `block` is verified on L1; returns the last verified
/// batch as the L1 proposer reports it.
fn wait_verified(dev: &Dev, block: u64) -> u64 {
    let committed = dev.wait_until_committed(block);
    let deadline = Instant::now() + Duration::from_secs(60);
    while batch_numbers(dev).2 < committed {
        assert!(Instant::now() < deadline, "batch {committed} not verified:\n{}", dev.output());
        std::thread::sleep(Duration::from_millis(100));
    }
    let proposer = banner_value(dev, "OnChainProposer:");
    let on_l1 =
        cast(dev, &["call", "--rpc-url", &dev.l1_url(), &proposer, "lastVerifiedBatch()(uint256)"]);
    let on_l1: u64 = on_l1.split_whitespace().next().unwrap().parse().unwrap();
    assert!(on_l1 >= committed, "L1 verified {on_l1}, the node {committed}");
    on_l1
}

/// The first word after `label` in the banner.
fn banner_value(dev: &Dev, label: &str) -> String {
    let output = dev.output();
    let line = output.lines().find(|line| line.starts_with(label)).expect(label);
    line[label.len()..].split_whitespace().next().unwrap().to_string()
}

#[test]
fn basalt_dev_verifies_every_batch_on_the_dev_l1() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &[]);
    let first = transfer(&dev);
    let verified = wait_verified(&dev, first);
    let second = transfer(&dev);
    assert!(wait_verified(&dev, second) > verified);
    let output = dev.output();
    assert!(output.contains("batches verified"), "{output}");
    assert!(output.contains("batch witness built"), "{output}");
}

/// A `basalt prover` process with the dev attester key.
fn prover(dev: &Dev, id: &str) -> Child {
    let coordinator = banner_value(dev, "Proof coordinator:");
    let output = dev.output();
    let key = output
        .lines()
        .find(|line| line.starts_with("Attester:"))
        .and_then(|line| line.split("key ").nth(1))
        .and_then(|rest| rest.split(';').next())
        .expect("the attester key in the banner")
        .to_string();
    Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["prover", "--coordinator", &coordinator, "--backend", "attestation", "--id", id])
        .env("BASALT_PROVER_KEY", key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start basalt prover")
}

#[test]
fn separate_provers_share_the_batches_and_a_killed_one_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &["--no-prover"]);
    let block = transfer(&dev);
    let committed = dev.wait_until_committed(block);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(batch_numbers(&dev).2, 0, "no prover: nothing verified");
    assert!(committed >= 1);

    let mut first = prover(&dev, "prover-a");
    let mut second = prover(&dev, "prover-b");
    wait_verified(&dev, block);
    for _ in 0..6 {
        transfer(&dev);
    }
    let block = transfer(&dev);
    wait_verified(&dev, block);
    let output = dev.output();
    for id in ["prover-a", "prover-b"] {
        assert!(output.contains(&format!("prover={id}")), "{id} proved nothing:\n{output}");
    }

    // kill -9 one prover; every later batch is still verified, by the other.
    first.kill().unwrap();
    first.wait().unwrap();
    for _ in 0..3 {
        transfer(&dev);
    }
    let block = transfer(&dev);
    wait_verified(&dev, block);
    second.kill().unwrap();
    second.wait().unwrap();
}
