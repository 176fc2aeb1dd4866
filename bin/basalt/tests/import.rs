//! `basalt import` as a user runs it: good chains, and every kind of bad input getting one
//! clear error without a panic.

mod common;

use alloy_primitives::B256;
use common::{basalt, chain_files, encode_chain, import};

fn assert_clean_error(stderr: &str, needle: &str) {
    assert!(stderr.contains(needle), "expected '{needle}' in: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "one error line: {stderr}"
    );
}

#[test]
fn import_prints_the_new_head_and_is_idempotent() {
    let files = chain_files(5, 3);
    let datadir = files.dir.path().join("db");
    let (ok, stdout, stderr) = import(&files.genesis, &datadir, &files.chain);
    assert!(ok, "{stderr}");
    let head = files.blocks.last().unwrap().header.hash_slow();
    assert!(stdout.contains(&format!("head 5 {head}")), "{stdout}");
    let (ok, stdout, _) = import(&files.genesis, &datadir, &files.chain);
    assert!(ok);
    assert!(
        stdout.contains("imported 0 blocks") && stdout.contains(&format!("head 5 {head}")),
        "{stdout}"
    );
}

#[test]
fn truncated_chain_file_is_one_clear_error() {
    let files = chain_files(2, 2);
    let bytes = std::fs::read(&files.chain).unwrap();
    std::fs::write(&files.chain, &bytes[..bytes.len() - 10]).unwrap();
    let (ok, stdout, stderr) = import(&files.genesis, &files.dir.path().join("db"), &files.chain);
    assert!(!ok);
    assert_clean_error(&stderr, "not valid RLP");
    assert!(stdout.contains("head 1"), "the first block still lands: {stdout}");
}

#[test]
fn garbage_chain_file_is_one_clear_error() {
    let files = chain_files(1, 1);
    std::fs::write(&files.chain, b"\xf9\x01\x02this is not a block at all, not even close to one")
        .unwrap();
    let (ok, _, stderr) = import(&files.genesis, &files.dir.path().join("db"), &files.chain);
    assert!(!ok);
    assert_clean_error(&stderr, "error:");
}

#[test]
fn wrong_state_root_is_rejected_and_head_stays() {
    let files = chain_files(2, 2);
    let mut blocks = files.blocks.clone();
    blocks[1].header.state_root = B256::repeat_byte(0xab);
    std::fs::write(&files.chain, encode_chain(&blocks)).unwrap();
    let (ok, stdout, stderr) = import(&files.genesis, &files.dir.path().join("db"), &files.chain);
    assert!(!ok);
    assert_clean_error(&stderr, "state root");
    assert!(stdout.contains("head 1"), "{stdout}");
}

type GenesisEdit = fn(&mut serde_json::Value);

#[test]
fn genesis_with_missing_or_wrong_fields_is_one_clear_error() {
    let files = chain_files(1, 1);
    let genesis: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files.genesis).unwrap()).unwrap();
    let cases: [(GenesisEdit, &str); 3] = [
        (
            |g| {
                g["config"].as_object_mut().unwrap().remove("chainId");
            },
            "config.chainId",
        ),
        (|g| g["gasLimit"] = serde_json::json!("lots"), "wrong field"),
        (|g| g["config"]["berlinBlock"] = serde_json::json!(99), "forks must activate in order"),
    ];
    for (edit, needle) in cases {
        let mut bad = genesis.clone();
        edit(&mut bad);
        std::fs::write(&files.genesis, bad.to_string()).unwrap();
        let (ok, _, stderr) = import(&files.genesis, &files.dir.path().join("db"), &files.chain);
        assert!(!ok);
        assert_clean_error(&stderr, needle);
    }
    std::fs::write(&files.genesis, "{ not json").unwrap();
    let (ok, _, stderr) = import(&files.genesis, &files.dir.path().join("db"), &files.chain);
    assert!(!ok);
    assert_clean_error(&stderr, "not valid JSON");
}

#[test]
fn fixtures_command_accepts_any_directory_and_prints_summary() {
    let dir = tempfile::tempdir().unwrap();
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/eest/blockchain_tests/shanghai/eip3855_push0");
    for entry in std::fs::read_dir(shared).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let output = basalt().arg("fixtures").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(
        last.ends_with("passed, 0 failed, 0 skipped") && !last.starts_with("0 passed"),
        "{last}"
    );
}
