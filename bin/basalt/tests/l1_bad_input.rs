//! Bad input to `basalt l1` over raw HTTP: malformed JSON, wrong parameter types, unknown
//! methods, an over-long batch, an oversized body, an oversized or badly signed transaction,
//! a nonce gap, a stale nonce, a fee below the base fee. Each gets a proper JSON-RPC error
//! (or, for the nonce gap, a place in the queue as geth and anvil do) and the node keeps
//! serving.

use alloy_consensus::TxEip1559;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, b256};
use basalt_primitives::sender::sign_transaction;
use basalt_test_harness::{BasaltL1, http_post, rpc_call};
use serde_json::{Value, json};
use std::path::Path;

const KEY: B256 = b256!("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

fn post(node: &BasaltL1, body: &[u8]) -> (u16, Value) {
    let (status, text) = http_post(node.port, body);
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

fn call(node: &BasaltL1, method: &str, params: Value) -> Value {
    rpc_call(node.port, method, params)
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"].as_i64().unwrap_or_else(|| panic!("not an error: {response}"))
}

fn error_message(response: &Value) -> String {
    response["error"]["message"].as_str().unwrap_or_default().to_string()
}

/// The node still answers and its process is alive.
fn assert_serving(node: &mut BasaltL1) {
    assert!(node.is_running(), "node exited:\n{}", node.log());
    let response = call(node, "eth_chainId", json!([]));
    assert_eq!(response["result"], "0x7a69", "{response}");
}

fn transfer(nonce: u64, max_fee: u128, input: Bytes) -> TxEip1559 {
    TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000 + 16 * input.len() as u64 + 100_000,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(1),
        access_list: Default::default(),
        input,
    }
}

fn raw(tx: TxEip1559) -> String {
    Bytes::from(sign_transaction(tx, &KEY).unwrap().encoded_2718()).to_string()
}

#[test]
fn every_bad_request_gets_a_json_rpc_error_and_the_node_keeps_serving() {
    let mut node =
        BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), &["--max-batch", "100"]);

    // Malformed JSON: parse error.
    let (_, response) = post(&node, b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ");
    assert_eq!(error_code(&response), -32700, "{response}");
    assert_serving(&mut node);

    // Not a request object.
    let (_, response) = post(&node, b"42");
    assert!(matches!(error_code(&response), -32600 | -32700), "{response}");

    // Wrong parameter types and counts: invalid params.
    for (method, params) in [
        ("eth_getBalance", json!([123, "latest"])),
        ("eth_getBalance", json!(["0x1234", "latest"])),
        ("eth_getBlockByNumber", json!(["not-a-block", false])),
        ("eth_getStorageAt", json!(["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"])),
        ("eth_sendRawTransaction", json!([{"to": "0x00"}])),
        ("eth_call", json!(["just a string"])),
        ("evm_increaseTime", json!([-5])),
    ] {
        let response = call(&node, method, params.clone());
        assert_eq!(error_code(&response), -32602, "{method} {params}: {response}");
    }
    // Unknown method.
    let response = call(&node, "eth_doesNotExist", json!([]));
    assert_eq!(error_code(&response), -32601, "{response}");
    assert_serving(&mut node);

    // A batch over the limit is refused whole; one within it is answered in full.
    let batch: Vec<Value> = (0..101)
        .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "eth_blockNumber", "params": []}))
        .collect();
    let (_, response) = post(&node, Value::Array(batch.clone()).to_string().as_bytes());
    let text = response.to_string();
    assert!(text.contains("-32600") || text.contains("-32010"), "{text}");
    let (_, response) = post(&node, Value::Array(batch[..100].to_vec()).to_string().as_bytes());
    assert_eq!(response.as_array().map(Vec::len), Some(100), "{response}");
    let (_, response) = post(&node, b"[]");
    assert!(response.to_string().contains("-32600"), "{response}");

    // A body over the 16 MiB limit: HTTP 413, not a crash.
    let huge = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendRawTransaction\",\"params\":[\"0x{}\"]}}",
        "ab".repeat(9 * 1024 * 1024)
    );
    let (status, _) = http_post(node.port, huge.as_bytes());
    assert_eq!(status, 413);
    assert_serving(&mut node);

    // Transactions the pool refuses, each with geth's -32000 and a reason.
    let base_fee = 2_000_000_000u128;
    let oversized = raw(transfer(0, base_fee, Bytes::from(vec![1u8; 200 * 1024])));
    let response = call(&node, "eth_sendRawTransaction", json!([oversized]));
    assert_eq!(error_code(&response), -32000, "{response}");
    assert!(error_message(&response).contains("oversized"), "{response}");

    let mut tampered =
        sign_transaction(transfer(0, base_fee, Bytes::new()), &KEY).unwrap().encoded_2718();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x55; // corrupt s
    let response =
        call(&node, "eth_sendRawTransaction", json!([Bytes::from(tampered).to_string()]));
    assert!(matches!(error_code(&response), -32000 | -32602), "{response}");

    let garbage = call(&node, "eth_sendRawTransaction", json!(["0x02deadbeef"]));
    assert_eq!(error_code(&garbage), -32602, "{garbage}");
    let empty = call(&node, "eth_sendRawTransaction", json!(["0x"]));
    assert_eq!(error_code(&empty), -32602, "{empty}");

    let cheap = raw(transfer(0, 1, Bytes::new()));
    let response = call(&node, "eth_sendRawTransaction", json!([cheap]));
    assert_eq!(error_code(&response), -32000, "{response}");
    assert!(error_message(&response).contains("base fee"), "{response}");

    let wrong_chain = {
        let mut tx = transfer(0, base_fee, Bytes::new());
        tx.chain_id = 1;
        raw(tx)
    };
    let response = call(&node, "eth_sendRawTransaction", json!([wrong_chain]));
    assert!(error_message(&response).contains("chain id"), "{response}");

    // Privileged (0x7e) transactions come only from the L1 bridge's queue: refused whether
    // raw or as a request, with geth's "transaction type not supported".
    let privileged = basalt_primitives::TxPrivileged {
        chain_id: 31337,
        gas_limit: 100_000,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        mint: U256::from(10u64).pow(U256::from(18)),
        from: Address::repeat_byte(0x43),
        ..Default::default()
    };
    let response = call(
        &node,
        "eth_sendRawTransaction",
        json!([Bytes::from(privileged.encoded_2718()).to_string()]),
    );
    assert_eq!(error_code(&response), -32000, "{response}");
    assert!(error_message(&response).contains("type 0x7e"), "{response}");
    let request = json!({"from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "type": "0x7e",
        "to": "0x4242424242424242424242424242424242424242", "value": "0x1"});
    for method in ["eth_sendTransaction", "eth_signTransaction"] {
        let response = call(&node, method, json!([request]));
        assert_eq!(error_code(&response), -32000, "{method}: {response}");
        assert!(error_message(&response).contains("type 0x7e"), "{method}: {response}");
    }
    assert_serving(&mut node);

    // A nonce gap waits in the queue (as in geth and anvil) and is not mined.
    let gapped = raw(transfer(5, base_fee, Bytes::new()));
    let response = call(&node, "eth_sendRawTransaction", json!([gapped]));
    assert!(response["result"].is_string(), "{response}");
    let status = call(&node, "txpool_status", json!([]));
    assert_eq!(status["result"], json!({"pending": "0x0", "queued": "0x1"}), "{status}");
    // Nonce 0 is mined (automine); the stale nonce is refused afterwards.
    let first = raw(transfer(0, base_fee, Bytes::new()));
    let response = call(&node, "eth_sendRawTransaction", json!([first.clone()]));
    assert!(response["result"].is_string(), "{response}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while call(&node, "eth_blockNumber", json!([]))["result"] == "0x0" {
        assert!(std::time::Instant::now() < deadline, "nonce 0 was not mined");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let response = call(&node, "eth_sendRawTransaction", json!([first]));
    assert_eq!(error_code(&response), -32000, "{response}");
    let message = error_message(&response);
    assert!(message.contains("nonce too low") || message.contains("already known"), "{message}");
    let stale = raw(transfer(0, base_fee + 1, Bytes::new()));
    let response = call(&node, "eth_sendRawTransaction", json!([stale]));
    assert!(error_message(&response).contains("nonce too low"), "{response}");
    let status = call(&node, "txpool_status", json!([]));
    assert_eq!(status["result"]["queued"], "0x1", "{status}");
    assert_eq!(call(&node, "eth_blockNumber", json!([]))["result"], "0x1");
    assert_serving(&mut node);

    // Unknown hashes and blocks are null, not errors.
    let missing = call(&node, "eth_getTransactionByHash", json!([B256::repeat_byte(7)]));
    assert_eq!(missing["result"], Value::Null, "{missing}");
    let missing = call(&node, "eth_getBlockByNumber", json!(["0x999", false]));
    assert_eq!(missing["result"], Value::Null, "{missing}");
    let missing = call(&node, "eth_getBalance", json!([Address::ZERO, "0x999"]));
    assert_eq!(error_code(&missing), -32000, "{missing}");
    assert_serving(&mut node);
}

/// Runs `basalt l1` with `args` expecting it to refuse to start; returns its stderr.
fn refused_start(args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_basalt"))
        .arg("l1")
        .args(args)
        .output()
        .expect("run basalt l1");
    assert!(!output.status.success(), "basalt l1 {args:?} started");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bad_configuration_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = dir.path().join("genesis.json");
    std::fs::write(&genesis, r#"{"config": {}}"#).unwrap();
    let not_a_db = dir.path().join("data");
    std::fs::create_dir(&not_a_db).unwrap();
    std::fs::write(not_a_db.join("basalt.redb"), b"not a database").unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port().to_string();

    for (args, expected) in [
        (vec!["--genesis", genesis.to_str().unwrap()], "chainId"),
        (vec!["--genesis", "/nonexistent/genesis.json"], "cannot read genesis file"),
        (vec!["--datadir", not_a_db.to_str().unwrap()], "cannot open datadir"),
        (vec!["--port", busy_port.as_str()], "cannot listen on"),
        (vec!["--block-time", "0"], "--block-time must be a positive number"),
        (vec!["--hardfork", "atlantis"], "unknown hardfork"),
    ] {
        let stderr = refused_start(&args);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        let errors = stderr.lines().filter(|l| l.starts_with("error")).count();
        assert_eq!(errors, 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
