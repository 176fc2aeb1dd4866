//! ERC20 bridging to canonical L2 tokens on `basalt dev`, as a user does it with cast: an ERC20
//! deployed on the dev L1, approved and deposited through the bridge's default
//! `depositERC20(token, to, amount)`, appears on the L2 in its canonical token — created by the
//! first deposit at the address the L1 computes from the token alone, with the L1 token's name,
//! symbol and decimals — and a second deposit mints into the same token.

mod accounting;
mod dev;
use dev::Dev;

use basalt_contracts::formats::canonical_l2_token;
use basalt_test_harness::{e2e_bytecode, npm_bin};
use serde_json::json;
use std::{
    process::Command,
    time::{Duration, Instant},
};

const ACCOUNT_1: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// Runs cast with `args`; returns stdout, panics with stderr on failure.
fn cast(args: &[&str]) -> String {
    let output = Command::new(npm_bin("cast")).args(args).output().expect("run cast");
    assert!(output.status.success(), "cast {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `cast send` from account 1; the receipt, checked to have succeeded.
fn send(url: &str, args: &[&str]) -> serde_json::Value {
    // Options first: `--create` takes every argument after it as constructor input.
    let mut all = vec!["send", "--private-key", KEY_1, "-r", url, "--json"];
    all.extend_from_slice(args);
    let receipt: serde_json::Value = serde_json::from_str(&cast(&all)).unwrap();
    assert_eq!(receipt["status"], "0x1", "cast {args:?} reverted: {receipt}");
    receipt
}

/// A decoded `cast call` answer: the first word of its output (cast prints numbers as
/// `123 [1.23e2]` and strings quoted).
fn call(url: &str, to: &str, signature: &str, args: &[&str]) -> String {
    let mut all = vec!["call", "-r", url, to, signature];
    all.extend_from_slice(args);
    let out = cast(&all);
    out.split(" [").next().unwrap_or_default().trim_matches('"').to_string()
}

/// Waits until `holder`'s balance of `token` on L2 is `expected`.
fn wait_for_l2_balance(dev: &Dev, token: &str, holder: &str, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let code = dev.result(dev.l2, "eth_getCode", json!([token, "latest"]));
        if code != "0x"
            && call(&dev.l2_url(), token, "balanceOf(address)(uint256)", &[holder]) == expected
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{holder} never got {expected} of {token}:\n{}",
            dev.output()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn erc20_deposits_create_the_canonical_l2_token_once_and_reuse_it() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &["--block-time", "1"]);
    let (l1, l2) = (dev.l1_url(), dev.l2_url());
    let config = dev.result(dev.l2, "basalt_rollupConfig", json!([]));
    let bridge = config["bridge"].as_str().unwrap().to_string();

    // An ERC20 on the dev L1, 1,000,000 units of 6 decimals to account 1.
    let bytecode = e2e_bytecode("Tokens.sol", "PlainToken");
    let deployed = send(
        &l1,
        &[
            "--create",
            &bytecode,
            "constructor(string,string,uint8,uint256)",
            "Basalt Test Dollar",
            "BTD",
            "6",
            "1000000000000",
        ],
    );
    let token = deployed["contractAddress"].as_str().unwrap().to_string();
    let expected = canonical_l2_token(token.parse().unwrap()).to_checksum(None);
    assert_eq!(
        call(&l1, &bridge, "canonicalL2Token(address)(address)", &[&token]),
        expected,
        "the L1 bridge computes the canonical address as basalt_contracts::formats does"
    );
    assert_eq!(dev.result(dev.l2, "eth_getCode", json!([expected, "latest"])), "0x");

    // First deposit: approve, then the default entry (token, recipient, amount).
    let recipient = "0x00000000000000000000000000000000000c0c0c";
    send(&l1, &[&token, "approve(address,uint256)", &bridge, "5000000000"]);
    send(&l1, &[&bridge, "depositERC20(address,address,uint256)", &token, recipient, "1250000"]);
    assert_eq!(call(&l1, &token, "balanceOf(address)(uint256)", &[&bridge]), "1250000");
    wait_for_l2_balance(&dev, &expected, recipient, "1250000");

    assert_eq!(call(&l2, &expected, "name()(string)", &[]), "Basalt Test Dollar");
    assert_eq!(call(&l2, &expected, "symbol()(string)", &[]), "BTD");
    assert_eq!(call(&l2, &expected, "decimals()(uint8)", &[]), "6");
    assert_eq!(
        call(&l2, &expected, "l1Address()(address)", &[]).to_lowercase(),
        token.to_lowercase()
    );
    let code = dev.result(dev.l2, "eth_getCode", json!([expected, "latest"]));
    assert_eq!(code.as_str().unwrap().len(), 2 + 2 * 45, "an EIP-1167 minimal proxy: {code}");

    // Second deposit, to account 1 itself: the same token, no new one; supplies add up.
    send(&l1, &[&bridge, "depositERC20(address,address,uint256)", &token, ACCOUNT_1, "750000"]);
    wait_for_l2_balance(&dev, &expected, ACCOUNT_1, "750000");
    assert_eq!(call(&l2, &expected, "totalSupply()(uint256)", &[]), "2000000");
    assert_eq!(call(&l2, &expected, "balanceOf(address)(uint256)", &[recipient]), "1250000");
    assert_eq!(call(&l1, &token, "balanceOf(address)(uint256)", &[&bridge]), "2000000");
    assert_eq!(
        dev.result(dev.l2, "eth_getCode", json!([expected, "latest"])),
        code,
        "the first deposit's token"
    );
    accounting::assert_eth_accounting(dev.l1, dev.l2, &|| dev.output());
}
