//! `basalt bridge` as a user runs it from a test: the command against given L1 and L2 endpoints,
//! the hashes it prints, and token balances read with cast.

#![allow(dead_code)] // each test file uses part of it

use alloy_primitives::Address;
use basalt_test_harness::npm_bin;
use std::{
    process::Command,
    time::{Duration, Instant},
};

/// Runs `basalt bridge ARGS --l1-rpc-url L1 --l2-rpc-url L2`; (success, stdout, stderr).
pub fn run(l1_url: &str, l2_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .arg("bridge")
        .args(args)
        .args(["--l1-rpc-url", l1_url, "--l2-rpc-url", l2_url])
        .env("NO_COLOR", "1")
        .output()
        .expect("run basalt bridge");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}

/// The hash after `label` in a command's output (`L2 transaction: 0x…`).
pub fn hash_after(out: &str, label: &str) -> String {
    let line = out.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{out}"));
    line[label.len()..].split_whitespace().next().unwrap().to_string()
}

/// The L2 transaction of a refunded deposit, from the error `deposit --wait` ends with
/// (`… basalt bridge claim --tx 0x…)`).
pub fn refund_tx(err: &str) -> String {
    err.split("basalt bridge claim --tx ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next())
        .unwrap_or_else(|| panic!("no refund command in: {err}"))
        .to_string()
}

/// Runs cast with `args`; its trimmed stdout (panics with stderr on failure).
pub fn cast(args: &[&str]) -> String {
    let output = Command::new(npm_bin("cast")).args(args).output().expect("run cast");
    assert!(output.status.success(), "cast {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Deploys tests/e2e/contracts/Tokens.sol's `PlainToken` on `url` from `key`: `supply` units
/// of `decimals` decimals to the key's account. Its address.
pub fn deploy_token(url: &str, key: &str, decimals: u8, supply: u128) -> Address {
    let bytecode = basalt_test_harness::e2e_bytecode("Tokens.sol", "PlainToken");
    let (decimals, supply) = (decimals.to_string(), supply.to_string());
    let out = cast(&[
        "send",
        "--private-key",
        key,
        "-r",
        url,
        "--json",
        "--create",
        &bytecode,
        "constructor(string,string,uint8,uint256)",
        "Basalt Test Dollar",
        "BTD",
        &decimals,
        &supply,
    ]);
    let receipt: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    receipt["contractAddress"].as_str().unwrap().parse().unwrap()
}

/// `holder`'s balance of `token` on the chain at `url`.
pub fn token_balance(url: &str, token: Address, holder: Address) -> u128 {
    let (token, holder) = (token.to_string(), holder.to_string());
    let out = cast(&["call", "-r", url, &token, "balanceOf(address)(uint256)", &holder]);
    out.split(" [").next().unwrap().parse().unwrap()
}

/// Polls `basalt bridge status --tx` until every message of `tx` is claimable (120 s at most;
/// the panic shows `log`).
pub fn wait_until_claimable(l1_url: &str, l2_url: &str, tx: &str, log: &dyn Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (ok, out, err) = run(l1_url, l2_url, &["status", "--tx", tx]);
        assert!(ok, "basalt bridge status --tx {tx}: {err}");
        let messages: Vec<&str> = out.lines().filter(|l| l.starts_with("message ")).collect();
        if !messages.is_empty() && messages.iter().all(|l| l.ends_with(": claimable")) {
            return;
        }
        assert!(Instant::now() < deadline, "{tx} never became claimable: {out}\n{}", log());
        std::thread::sleep(Duration::from_millis(500));
    }
}
