//! `basalt reconstruct` in both DA modes. Blocks mode against `basalt dev`'s L1: a datadir
//! rebuilt from the dev L1 alone (its deploy.json and l2-genesis.json, nothing from the L2) has
//! the live L2's state root and block hash at the last committed batch's last block, one log
//! line per batch; run again it goes on; an L1 of another chain is refused before any datadir is
//! made. State-diff mode on anvil with `basalt sequencer`: the rebuilt state root is the live
//! one at the last committed batch.

mod dev;
use dev::Dev;

use basalt_test_harness::{free_port, npm_bin};
use serde_json::{Value, json};
use std::{
    path::Path,
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

fn quantity(value: &Value) -> u64 {
    dev::quantity(value) as u64
}

const KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

fn reconstruct(l1_url: &str, dev_dir: &Path, datadir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["reconstruct", "--l1-rpc-url", l1_url])
        .args(["--deployment", dev_dir.join("deploy.json").to_str().unwrap()])
        .args(["--l2-genesis", dev_dir.join("l2-genesis.json").to_str().unwrap()])
        .args(["--datadir", datadir.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .expect("run basalt reconstruct")
}

#[test]
fn reconstruct_from_the_dev_l1_gives_the_live_l2_state_root() {
    let dir = tempfile::tempdir().unwrap();
    let dev_dir = dir.path().join("dev");
    let dev = Dev::start(dir.path(), &["--datadir", dev_dir.to_str().unwrap()]);
    let (l1_url, l2_url) = (dev.l1_url(), dev.l2_url());
    let mut last_tx_block = 0;
    for (i, to) in
        ["0x000000000000000000000000000000000000bEEF", "0x00000000000000000000000000000000000C0FFE"]
            .iter()
            .enumerate()
    {
        let value = format!("{}ether", i + 1);
        let output = Command::new(npm_bin("cast"))
            .args(["send", to, "--value", &value, "--private-key", KEY_1, "-r", &l2_url, "--json"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let receipt: Value = serde_json::from_slice(&output.stdout).unwrap();
        last_tx_block = quantity(&receipt["blockNumber"]);
    }
    let committed = dev.wait_until_committed(last_tx_block);
    let batch = dev.result(dev.l2, "basalt_getBatchByNumber", json!([committed]));
    let last_block = quantity(&batch["lastBlock"]);
    let live =
        dev.result(dev.l2, "eth_getBlockByNumber", json!([format!("0x{last_block:x}"), false]));

    let rebuilt = dir.path().join("rebuilt");
    let output = reconstruct(&l1_url, &dev_dir, &rebuilt);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    // Not a terminal: one line per batch, then the summary. Batches committed meanwhile count too.
    let lines = stdout.lines().filter(|line| line.starts_with("batch ")).count() as u64;
    assert!(lines >= committed, "{stdout}");
    assert!(stdout.contains("reconstructed: batch"), "{stdout}");

    // The rebuilt datadir, read directly: block `last_block` is the live one.
    let db = basalt_storage::Database::open(&rebuilt).unwrap();
    let view = db.read().unwrap();
    let header = view.header_by_number(last_block).unwrap().unwrap();
    assert_eq!(format!("{:?}", header.state_root), live["stateRoot"].as_str().unwrap());
    assert_eq!(format!("{:?}", header.hash_slow()), live["hash"].as_str().unwrap());
    drop((view, db));

    // Again: goes on after the last batch.
    let output = reconstruct(&l1_url, &dev_dir, &rebuilt);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    // A sequencer does not produce on top of a rebuilt datadir: one error line says so.
    let output = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["sequencer", "--l1-rpc-url", &l1_url, "--deployment"])
        .env("BASALT_PROOF_COORDINATOR_ADDR", "127.0.0.1:0")
        .env("BASALT_ADMIN_ADDR", "127.0.0.1:0")
        .arg(dev_dir.join("deploy.json"))
        .arg("--datadir")
        .arg(&rebuilt)
        .args(["--http-port", &free_port().to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        !output.status.success() && stderr.contains("rebuilt by `basalt reconstruct`"),
        "{stderr}"
    );

    // An L1 of another chain is refused, before any datadir exists.
    let anvil = basalt_test_harness::Anvil::start(&["--chain-id", "999"]);
    let fresh = dir.path().join("other");
    let output = reconstruct(&anvil.url, &dev_dir, &fresh);
    drop(anvil);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(!output.status.success() && stderr.contains("serves chain 999"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!fresh.exists());
}

/// anvil's dev account 0: deploys, and commits batches (the proposer lists the deployer).
const DEPLOYER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// anvil's dev account 1, unlocked there: deposits to the L2.
const ALICE: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/// Polls `check` every 200 ms until it answers; panics with `what` and `log()` after 60 s.
fn wait_for<T>(what: &str, log: impl Fn() -> String, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what} never happened:\n{}", log());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// State-diff mode on anvil with `basalt sequencer`: deposits and an L2 transfer are committed
/// in blob transactions, and the datadir rebuilt from anvil alone holds the live L2's state
/// root at the last committed batch (as its working state: no blocks in this mode).
#[test]
fn reconstruct_in_state_diff_mode_from_anvil_gives_the_live_l2_state_root() {
    let anvil = basalt_test_harness::Anvil::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let deploy_json = dir.path().join("deploy.json");
    let output = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["deploy", "--l1-rpc-url", &anvil.url, "--private-key", DEPLOYER_KEY])
        .args(["--dev-no-verifier", "--da-mode", "state-diff", "--out"])
        .arg(&deploy_json)
        .output()
        .unwrap();
    assert!(output.status.success(), "deploy: {}", String::from_utf8_lossy(&output.stderr));
    let deployment: Value =
        serde_json::from_str(&std::fs::read_to_string(&deploy_json).unwrap()).unwrap();
    let port = free_port();
    let log_path = dir.path().join("sequencer.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut sequencer = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(["sequencer", "--l1-rpc-url", &anvil.url, "--deployment"])
        .env("BASALT_PROOF_COORDINATOR_ADDR", "127.0.0.1:0")
        .env("BASALT_ADMIN_ADDR", "127.0.0.1:0")
        .arg(&deploy_json)
        .arg("--datadir")
        .arg(dir.path().join("l2"))
        .args(["--http-port", &port.to_string(), "--block-time", "1", "--l1-confirmations", "0"])
        .args(["--l1-poll-interval", "0.25", "--commit-interval", "1"])
        .args(["--committer-key", DEPLOYER_KEY])
        .env("NO_COLOR", "1")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    wait_for("the sequencer's ready line", log, || log().contains("ready: L2 RPC").then_some(()));
    let l2 = |method: &str, params: Value| -> Value {
        let response = basalt_test_harness::rpc_call(port, method, params.clone());
        response.get("result").cloned().unwrap_or_else(|| panic!("{method}: {response}"))
    };

    // A deposit to Alice on L2, then a transfer from her there.
    let bridge = deployment["bridge"].as_str().unwrap();
    let cast = |args: &[&str]| -> String {
        let output = Command::new(npm_bin("cast")).args(args).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    cast(
        &["send", "--unlocked", "--from", ALICE, "--value", "1000000000000000000", bridge]
            .into_iter()
            .chain(["deposit(address)", ALICE, "--rpc-url", &anvil.url])
            .collect::<Vec<_>>(),
    );
    wait_for("the deposit on L2", log, || {
        (quantity(&l2("eth_getBalance", json!([ALICE, "latest"]))) > 0).then_some(())
    });
    let l2_url = format!("http://127.0.0.1:{port}");
    let to = "0x000000000000000000000000000000000000bEEF";
    let sent =
        cast(&["send", to, "--value", "1000", "--private-key", KEY_1, "-r", &l2_url, "--json"]);
    let receipt: Value = serde_json::from_str(&sent).unwrap();
    let tx_block = quantity(&receipt["blockNumber"]);
    let (committed, last_block) = wait_for("a commit covering the transfer", log, || {
        let committed = quantity(&l2("basalt_batchNumber", json!([]))["committed"]);
        let batch = l2("basalt_getBatchByNumber", json!([committed]));
        let last = batch.get("lastBlock").filter(|v| v.is_string()).map(quantity)?;
        (last >= tx_block).then_some((committed, last))
    });
    let live = l2("eth_getBlockByNumber", json!([format!("0x{last_block:x}"), false]));
    let _ = sequencer.kill();
    let _ = sequencer.wait();

    let rebuilt = dir.path().join("rebuilt");
    let output = reconstruct(&anvil.url, dir.path(), &rebuilt);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let db = basalt_storage::Database::open(&rebuilt).unwrap();
    let batches = db.read_batches().unwrap();
    assert!(batches.numbers().unwrap().committed >= committed, "{stdout}");
    let batch = batches.batch(committed).unwrap().unwrap();
    assert_eq!(batch.last_block, last_block);
    assert_eq!(format!("{:?}", batch.state_root), live["stateRoot"].as_str().unwrap());
    let view = db.read().unwrap();
    let last = batches.last_sealed().unwrap().unwrap();
    assert_eq!(view.working_state_root().unwrap(), Some(last.state_root));
    assert_eq!(view.head_header().unwrap().unwrap().number, 0, "no blocks in state-diff mode");
}
