//! `basalt reconstruct` against `basalt dev`'s L1: L2 transfers are committed in blob
//! transactions, and a datadir rebuilt from the dev L1 alone (its deploy.json and
//! l2-genesis.json, nothing from the L2) has the live L2's state root and block hash at the last
//! committed batch's last block, one log line per batch; run again it goes on with nothing to do;
//! an L1 of another chain is refused before any datadir is made.

mod dev;
use dev::Dev;

use basalt_test_harness::{free_port, npm_bin, wait_for_port};
use serde_json::{Value, json};
use std::{
    path::Path,
    process::{Command, Output, Stdio},
    time::Duration,
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

    // An L1 of another chain is refused, before any datadir exists.
    let anvil_port = free_port();
    let mut anvil = Command::new(npm_bin("anvil"))
        .args(["--port", &anvil_port.to_string(), "--chain-id", "999"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(anvil_port, Duration::from_secs(30));
    let fresh = dir.path().join("other");
    let output = reconstruct(&format!("http://127.0.0.1:{anvil_port}"), &dev_dir, &fresh);
    let _ = anvil.kill();
    let _ = anvil.wait();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(!output.status.success() && stderr.contains("serves chain 999"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!fresh.exists());
}
