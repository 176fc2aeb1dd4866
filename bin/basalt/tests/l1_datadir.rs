//! What a datadir keeps across restarts and refuses to change: the sender of every stored
//! transaction (impersonated ones included) survives `kill -9`, and a `--genesis` that differs
//! from the chain a datadir holds is refused instead of changing that chain's rules.

mod common;

use basalt_test_harness::BasaltL1;
use common::{basalt, chain_files, import};
use serde_json::{Value, json};
use std::{
    path::Path,
    time::{Duration, Instant},
};

fn start(args: &[&str]) -> BasaltL1 {
    BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), args)
}

fn receipt(node: &BasaltL1, hash: &Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let receipt = node.result("eth_getTransactionReceipt", json!([hash]));
        if !receipt.is_null() {
            return receipt;
        }
        assert!(Instant::now() < deadline, "{hash} was not mined:\n{}", node.log());
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn impersonated_sender_survives_kill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let datadir = dir.path().to_str().unwrap();
    let stranger = "0x00000000000000000000000000000000000000cc";
    let to = "0x00000000000000000000000000000000000000dd";
    let hash = {
        let node = start(&["--datadir", datadir, "--no-mining"]);
        node.result("anvil_impersonateAccount", json!([stranger]));
        node.result("anvil_setBalance", json!([stranger, "0xde0b6b3a7640000"]));
        let hash = node
            .result("eth_sendTransaction", json!([{"from": stranger, "to": to, "value": "0x5"}]));
        node.result("evm_mine", json!([]));
        assert_eq!(receipt(&node, &hash)["from"], stranger);
        hash
        // Dropping the node kills it with SIGKILL.
    };
    let node = start(&["--datadir", datadir, "--no-mining"]);
    let tx = node.result("eth_getTransactionByHash", json!([hash]));
    assert_eq!(tx["from"], stranger, "{tx}");
    assert_eq!(receipt(&node, &hash)["from"], stranger);
    let block = node.result("eth_getBlockByNumber", json!(["0x1", true]));
    assert_eq!(block["transactions"][0]["from"], stranger, "{block}");
    let receipts = node.result("eth_getBlockReceipts", json!(["0x1"]));
    assert_eq!(receipts[0]["from"], stranger, "{receipts}");
}

/// The genesis file with Osaka moved far into the future: the same genesis block (Prague and
/// Osaka headers have the same fields), other rules for every later block.
fn with_later_fork(genesis: &Path, out: &Path) {
    let mut spec: Value = serde_json::from_str(&std::fs::read_to_string(genesis).unwrap()).unwrap();
    spec["config"]["osakaTime"] = json!(4_000_000_000u64);
    std::fs::write(out, spec.to_string()).unwrap();
}

fn one_error_line(stderr: &str) -> &str {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    errors[0]
}

#[test]
fn another_genesis_for_an_existing_datadir_is_refused() {
    let files = chain_files(2, 2);
    let datadir = files.dir.path().join("data");
    let (ok_import, _, stderr) = import(&files.genesis, &datadir, &files.chain);
    assert!(ok_import, "{stderr}");
    let other = files.dir.path().join("other-genesis.json");
    with_later_fork(&files.genesis, &other);

    // basalt import with the other rules: refused, the chain untouched.
    let (ok_import, _, stderr) = import(&other, &datadir, &files.chain);
    assert!(!ok_import, "import with another genesis succeeded");
    let line = one_error_line(&stderr);
    assert!(line.contains("genesis") && line.contains(&datadir.display().to_string()), "{line}");

    // basalt l1 with the other rules: refused.
    let mut l1 = basalt()
        .args(["l1", "--port", "0", "--no-mining", "--datadir"])
        .arg(&datadir)
        .arg("--genesis")
        .arg(&other)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while l1.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            l1.kill().unwrap();
            l1.wait().unwrap();
            panic!("basalt l1 started serving with another genesis");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = l1.wait_with_output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = one_error_line(&stderr);
    assert!(line.contains("genesis") && line.contains(&datadir.display().to_string()), "{line}");

    // The same genesis is fine, and the datadir serves the stored chain.
    let (ok_import, stdout, stderr) = import(&files.genesis, &datadir, &files.chain);
    assert!(ok_import, "{stderr}");
    assert!(stdout.contains("head 2"), "{stdout}");
    let node = start(&[
        "--datadir",
        datadir.to_str().unwrap(),
        "--genesis",
        files.genesis.to_str().unwrap(),
        "--no-mining",
    ]);
    assert_eq!(node.result("eth_blockNumber", json!([])), "0x2");
}
