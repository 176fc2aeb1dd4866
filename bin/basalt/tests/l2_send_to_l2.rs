//! `sendToL2` scenarios on `basalt dev`, sent with cast on its L1 as a user does: a privileged
//! call reaches an L2 contract as the L1 EOA itself and, from an L1 contract, as the contract's
//! alias; a call that reverts on the L2 is still included (failed) and keeps its mint; a `value`
//! above the sender's L2 balance is included as failed with nothing moved but the mint; the L1
//! call burns at least the L2 gas it buys. The bridge's ether accounting holds at the end.

mod accounting;
mod dev;
use dev::{Dev, quantity};

use alloy_primitives::{Address, U256};
use basalt_contracts::formats::apply_alias;
use basalt_test_harness::{e2e_bytecode, npm_bin};
use serde_json::{Value, json};
use std::{
    process::Command,
    time::{Duration, Instant},
};

/// Dev accounts 7 and 8 (the same keys on both chains).
const KEY_7: &str = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";
const ACCOUNT_7: &str = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
const KEY_8: &str = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
const ACCOUNT_8: &str = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
const ETHER: u128 = 1_000_000_000_000_000_000;

fn cast(args: &[&str]) -> String {
    let output = Command::new(npm_bin("cast")).args(args).output().expect("run cast");
    assert!(output.status.success(), "cast {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `cast send` with `key` on `url` (options, then `args`); the receipt, which must succeed.
fn send(url: &str, key: &str, value: u128, args: &[&str]) -> Value {
    let value = value.to_string();
    let mut all = vec!["send", "--json", "--private-key", key, "-r", url, "--value", &value];
    all.extend_from_slice(args);
    let receipt: Value = serde_json::from_str(&cast(&all)).unwrap();
    assert_eq!(receipt["status"], "0x1", "cast {args:?}: {receipt}");
    receipt
}

/// Every privileged (0x7e) transaction to `to` on the L2 so far, with its receipt.
fn privileged_to(dev: &Dev, to: &str) -> Vec<(Value, Value)> {
    (1..=dev.l2_block())
        .flat_map(|n| {
            let block =
                dev.result(dev.l2, "eth_getBlockByNumber", json!([format!("{n:#x}"), true]));
            block["transactions"].as_array().unwrap().clone()
        })
        .filter(|tx| tx["type"] == "0x7e" && tx["to"].as_str().unwrap().eq_ignore_ascii_case(to))
        .map(|tx| {
            let receipt = dev.result(dev.l2, "eth_getTransactionReceipt", json!([tx["hash"]]));
            (tx, receipt)
        })
        .collect()
}

/// Waits until `count` privileged transactions to `to` are on the L2; them, in order.
fn wait_for_privileged(dev: &Dev, to: &str, count: usize) -> Vec<(Value, Value)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = privileged_to(dev, to);
        if found.len() >= count {
            assert_eq!(found.len(), count, "each queued transaction exactly once");
            return found;
        }
        assert!(Instant::now() < deadline, "{count} privileged txs to {to}:\n{}", dev.output());
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn address(text: &str) -> Address {
    text.trim().parse().unwrap()
}

#[test]
fn send_to_l2_calls_aliasing_reverts_uncoverable_values_and_gas_burning_on_basalt_dev() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &[]);
    let (l1, l2) = (dev.l1_url(), dev.l2_url());
    let config = dev.result(dev.l2, "basalt_rollupConfig", json!([]));
    let bridge = config["bridge"].as_str().unwrap().to_string();
    let send_to_l2 = "sendToL2(address,uint256,uint256,bytes)";

    // L2 contracts, deployed with a dev account's L2 ether.
    let deploy_l2 = |contract: &str| {
        let code = e2e_bytecode("Bridging.sol", contract);
        let receipt = send(&l2, KEY_7, 0, &["--create", &code]);
        receipt["contractAddress"].as_str().unwrap().to_string()
    };
    let recorder = deploy_l2("SenderRecorder");
    let refuser = deploy_l2("Refuser");
    let record = cast(&["calldata", "record()"]);
    let calls = || cast(&["call", &recorder, "calls()(uint256)", "-r", &l2]);
    let last_sender = || address(&cast(&["call", &recorder, "lastSender()(address)", "-r", &l2]));

    // From an EOA: the L2 call runs as the EOA, and the L1 call burns the L2 gas it buys.
    let receipt = send(&l1, KEY_8, 0, &[&bridge, send_to_l2, &recorder, "0", "100000", &record]);
    assert!(quantity(&receipt["gasUsed"]) >= 100_000, "burns its gas limit: {receipt}");
    let big = send(&l1, KEY_8, 0, &[&bridge, send_to_l2, &recorder, "0", "2000000", &record]);
    assert!(quantity(&big["gasUsed"]) >= 2_000_000, "burns its gas limit: {big}");
    let found = wait_for_privileged(&dev, &recorder, 2);
    assert!(found.iter().all(|(_, receipt)| receipt["status"] == "0x1"), "{found:?}");
    assert_eq!(calls(), "2");
    assert_eq!(last_sender(), address(ACCOUNT_8));

    // From an L1 contract: the L2 call runs as the contract's alias.
    let code = e2e_bytecode("Bridging.sol", "L2Caller");
    let caller =
        send(&l1, KEY_7, 0, &["--create", &code])["contractAddress"].as_str().unwrap().to_string();
    let call_l2 = "callL2(address,address,uint256,uint256,bytes)";
    send(&l1, KEY_7, 0, &[&caller, call_l2, &bridge, &recorder, "0", "100000", &record]);
    let found = wait_for_privileged(&dev, &recorder, 3);
    assert_eq!(calls(), "3");
    assert_eq!(last_sender(), apply_alias(address(&caller)));
    assert_eq!(address(found[2].0["from"].as_str().unwrap()), apply_alias(address(&caller)));

    // A call that reverts on the L2: included as failed, its mint kept by the sender.
    let before = dev.l2_balance(ACCOUNT_7);
    send(&l1, KEY_7, ETHER, &[&bridge, send_to_l2, &refuser, "0", "100000", "0x"]);
    let found = wait_for_privileged(&dev, &refuser, 1);
    assert_eq!(found[0].1["status"], "0x0", "{:?}", found[0].1);
    assert_eq!(dev.l2_balance(ACCOUNT_7), before + ETHER, "the mint is kept");
    assert_eq!(dev.l2_balance(&refuser), 0);

    // A value above the sender's L2 balance: included as failed, only the mint moves.
    let before = dev.l2_balance(ACCOUNT_8);
    let too_much = (U256::from(before) + U256::from(ETHER)).to_string();
    send(&l1, KEY_8, 1, &[&bridge, send_to_l2, &recorder, &too_much, "100000", &record]);
    let found = wait_for_privileged(&dev, &recorder, 4);
    let (tx, receipt) = &found[3];
    assert_eq!(receipt["status"], "0x0", "{receipt}");
    assert_eq!(
        tx["value"].as_str().unwrap(),
        format!("{:#x}", U256::from_str_radix(&too_much, 10).unwrap())
    );
    assert_eq!(dev.l2_balance(ACCOUNT_8), before + 1, "the 1 wei mint is kept, nothing else moves");
    assert_eq!(dev.l2_balance(&recorder), 0);
    assert_eq!(calls(), "3", "the call did not run");

    accounting::assert_eth_accounting(dev.l1, dev.l2, &|| dev.output());
}
