//! `basalt l1` driven by cast, as a developer would: send ETH, deploy a contract, call it,
//! read its logs, send a blob transaction, and check an `eth_getProof` against the block's
//! state root.

use alloy_primitives::{B256, Bytes, U256, keccak256};
use basalt_test_harness::{BasaltL1, e2e_bytecode, npm_bin};
use serde_json::Value;
use std::{path::Path, process::Command};

const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

fn start() -> BasaltL1 {
    BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), &[])
}

/// Runs a cast command against the node (the RPC URL goes right after the subcommand).
fn run_cast(node: &BasaltL1, args: &[&str]) -> std::process::Output {
    let (command, rest) = args.split_first().expect("a cast command");
    Command::new(npm_bin("cast"))
        .arg(command)
        .args(["--rpc-url", &node.url])
        .args(rest)
        .output()
        .expect("run cast")
}

/// Runs cast and returns stdout; panics with both outputs and the node log on failure.
fn cast(node: &BasaltL1, args: &[&str]) -> String {
    let output = run_cast(node, args);
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cast {args:?} failed\nstdout: {stdout}\nstderr: {stderr}\nnode log:\n{}",
        node.log()
    );
    stdout
}

/// Runs cast expecting failure; returns stderr.
fn cast_fails(node: &BasaltL1, args: &[&str]) -> String {
    let output = run_cast(node, args);
    assert!(!output.status.success(), "cast {args:?} unexpectedly succeeded");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn store_bytecode() -> String {
    e2e_bytecode("Store.sol", "Store")
}

#[test]
fn cast_sends_deploys_calls_reads_logs_and_checks_proofs() {
    let node = start();
    assert_eq!(cast(&node, &["chain-id"]), "31337");
    assert_eq!(cast(&node, &["balance", DEV]), "10000000000000000000000");

    // Send ETH and read it back.
    let recipient = "0x000000000000000000000000000000000000bEEF";
    let receipt = json(&cast(
        &node,
        &["send", "--private-key", KEY, recipient, "--value", "1.5ether", "--json"],
    ));
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(cast(&node, &["balance", recipient]), "1500000000000000000");
    assert_eq!(cast(&node, &["block-number"]), "1");

    // Deploy, call, read logs.
    let bytecode = store_bytecode();
    let deployed =
        json(&cast(&node, &["send", "--private-key", KEY, "--create", &bytecode, "--json"]));
    let store = deployed["contractAddress"].as_str().expect("contract address").to_string();
    assert!(cast(&node, &["code", &store]).len() > 100);
    let set =
        json(&cast(&node, &["send", "--private-key", KEY, &store, "set(uint256)", "42", "--json"]));
    assert_eq!(set["status"], "0x1");
    assert_eq!(cast(&node, &["call", &store, "value()(uint256)"]), "42");
    let logs = json(&cast(&node, &["logs", "--address", &store, "--from-block", "0", "--json"]));
    let logs = logs.as_array().expect("log array");
    assert_eq!(logs.len(), 1);
    let topic0 = format!("{}", keccak256("Stored(address,uint256)"));
    assert_eq!(logs[0]["topics"][0], topic0);
    assert_eq!(logs[0]["topics"][1], format!("0x{:0>64}", DEV[2..].to_lowercase()));
    assert_eq!(logs[0]["transactionHash"], set["transactionHash"]);
    assert_eq!(logs[0]["blockNumber"], set["blockNumber"]);
    let data: Bytes = serde_json::from_value(logs[0]["data"].clone()).unwrap();
    assert_eq!(U256::from_be_slice(&data), U256::from(42));

    // Reverts carry their reason and custom-error data.
    let err = cast_fails(&node, &["call", &store, "fail()"]);
    assert!(err.contains("store says no"), "{err}");
    let err = cast_fails(&node, &["call", &store, "set(uint256)", "2000000"]);
    let selector = &format!("{}", keccak256("TooLarge(uint256,uint256)"))[..10];
    assert!(err.contains(selector) || err.contains("TooLarge"), "{err}");
    let estimate: u64 = cast(&node, &["estimate", &store, "set(uint256)", "7"]).parse().unwrap();
    assert!((25_000..100_000).contains(&estimate), "estimate {estimate}");

    // A blob transaction: the sidecar is checked by KZG and the receipt charges blob gas.
    let blob_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(blob_file.path(), b"basalt blob payload").unwrap();
    let blob_receipt = json(&cast(
        &node,
        &[
            "send",
            "--private-key",
            KEY,
            "--blob",
            "--path",
            blob_file.path().to_str().unwrap(),
            recipient,
            "--json",
        ],
    ));
    assert_eq!(blob_receipt["status"], "0x1");
    assert_eq!(blob_receipt["type"], "0x3");
    assert_eq!(blob_receipt["blobGasUsed"], "0x20000");
    let block = json(&cast(&node, &["block", "latest", "--json"]));
    assert_eq!(block["blobGasUsed"], "0x20000");

    // eth_getProof: the account proof and the storage proof verify against the roots.
    let proof = json(&cast(&node, &["proof", &store, "0"]));
    let state_root: B256 = serde_json::from_value(block["stateRoot"].clone()).unwrap();
    let account_proof: Vec<Bytes> = serde_json::from_value(proof["accountProof"].clone()).unwrap();
    let address: alloy_primitives::Address = store.parse().unwrap();
    let leaf = basalt_trie::verify_proof(state_root, keccak256(address).as_slice(), &account_proof)
        .expect("account proof verifies")
        .expect("account exists");
    let account: alloy_trie::TrieAccount =
        alloy_rlp::Decodable::decode(&mut leaf.as_slice()).unwrap();
    assert_eq!(format!("{}", account.storage_root), proof["storageHash"].as_str().unwrap());
    let slot_proof: Vec<Bytes> =
        serde_json::from_value(proof["storageProof"][0]["proof"].clone()).unwrap();
    let slot_leaf = basalt_trie::verify_proof(
        account.storage_root,
        keccak256(B256::ZERO).as_slice(),
        &slot_proof,
    )
    .expect("storage proof verifies")
    .expect("slot is set");
    let value: U256 = alloy_rlp::Decodable::decode(&mut slot_leaf.as_slice()).unwrap();
    assert_eq!(value, U256::from(42));
    assert_eq!(proof["storageProof"][0]["value"], "0x2a");

    // One log line per block and per transaction.
    let log = node.log();
    assert!(log.contains("block 4 hash"), "{log}");
    assert!(log.contains(&format!("tx {}", set["transactionHash"].as_str().unwrap())), "{log}");
}
