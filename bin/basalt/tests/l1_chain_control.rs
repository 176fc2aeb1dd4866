//! The dev chain's block tags and head control over real JSON-RPC: `safe`/`finalized` lag the
//! head as on a beacon chain, `pending` is the block the pool would give (for every method
//! that takes a tag), `anvil_reorg`/`anvil_rollback` rewrite the chain with WebSocket
//! subscribers seeing removed logs and new heads, and every client-held resource is bounded.

use basalt_test_harness::{BasaltL1, npm_bin, rpc_call};
use serde_json::{Value, json};
use std::{net::TcpStream, path::Path, process::Command, time::Duration};
use tungstenite::{Message, WebSocket, stream::MaybeTlsStream};

const DEV_0: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// Creation code of a contract whose runtime (`PUSH1 0 PUSH1 0 LOG0 STOP`) logs on every call.
const LOGGER_INIT: &str = "0x6560006000a0006000526006601af3";

fn start(extra: &[&str]) -> BasaltL1 {
    let mut args = vec!["--no-mining"];
    args.extend_from_slice(extra);
    BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), &args)
}

fn error(node: &BasaltL1, method: &str, params: Value) -> (i64, String) {
    let response = rpc_call(node.port, method, params.clone());
    let error = response.get("error").unwrap_or_else(|| panic!("{method} {params}: {response}"));
    (error["code"].as_i64().unwrap(), error["message"].as_str().unwrap().to_string())
}

fn number(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn block(node: &BasaltL1, tag: &str) -> Value {
    node.result("eth_getBlockByNumber", json!([tag, true]))
}

#[test]
fn safe_finalized_and_pending_mean_what_they_mean_on_a_real_l1() {
    let node = start(&[]);
    let snapshot = node.result("evm_snapshot", json!([]));
    node.result("anvil_mine", json!(["0x64"]));
    assert_eq!(number(&block(&node, "latest")["number"]), 100);
    assert_eq!(number(&block(&node, "safe")["number"]), 68);
    assert_eq!(number(&block(&node, "finalized")["number"]), 36);

    // A transaction left in the pool by a real client.
    let recipient = "0x000000000000000000000000000000000000beef";
    let sent = Command::new(npm_bin("cast"))
        .args(["send", "--async", "--rpc-url", &node.url, "--private-key", KEY_1])
        .args(["--value", "1000000000000000000", recipient])
        .output()
        .unwrap();
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    let hash = String::from_utf8(sent.stdout).unwrap().trim().to_string();

    let pending = block(&node, "pending");
    assert_eq!(number(&pending["number"]), 101);
    assert_eq!(pending["parentHash"], block(&node, "latest")["hash"]);
    assert_eq!(pending["transactions"][0]["hash"], hash);
    assert_ne!(pending["stateRoot"], block(&node, "latest")["stateRoot"]);
    let one_ether = "0xde0b6b3a7640000";
    assert_eq!(node.result("eth_getBalance", json!([recipient, "pending"])), one_ether);
    assert_eq!(node.result("eth_getBalance", json!([recipient, "latest"])), "0x0");
    let proof = node.result("eth_getProof", json!([recipient, [], "pending"]));
    assert_eq!(proof["balance"], one_ether);
    assert_eq!(node.result("eth_getBlockTransactionCountByNumber", json!(["pending"])), "0x1");
    let tx = node.result("eth_getTransactionByBlockNumberAndIndex", json!(["pending", "0x0"]));
    assert_eq!(tx["hash"], hash);
    let receipts = node.result("eth_getBlockReceipts", json!(["pending"]));
    assert_eq!(receipts.as_array().unwrap().len(), 1);
    assert_eq!(receipts[0]["status"], "0x1");
    let raw = node.result("debug_getRawBlock", json!(["pending"]));
    assert!(raw.as_str().unwrap().len() > 2);
    // A call on the pending state sees the transfer (BALANCE of the recipient).
    let balance_of = format!("0x73{}31", recipient.trim_start_matches("0x"));
    let call = json!([{"data": format!("{balance_of}60005260206000f3")}, "pending"]);
    let seen = node.result("eth_call", call);
    let seen = u128::from_str_radix(&seen.as_str().unwrap()[34..], 16).unwrap();
    assert_eq!(seen, 1_000_000_000_000_000_000);

    // Mining makes the pending block the head (same transactions), and empties `pending`.
    node.result("evm_mine", json!([]));
    let head = block(&node, "latest");
    assert_eq!(head["transactions"][0]["hash"], hash);
    assert_eq!(block(&node, "pending")["transactions"], json!([]));

    // Nothing at or below the finalized block can be taken away.
    let (code, message) = error(&node, "evm_revert", json!([snapshot]));
    assert_eq!(code, -32000);
    assert!(message.contains("finalized"), "{message}");
    assert_eq!(number(&block(&node, "latest")["number"]), 101);
}

/// A JSON-RPC WebSocket client with subscriptions.
struct Subscriber {
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Subscriber {
    fn connect(url: &str) -> Self {
        let (socket, _) = tungstenite::connect(url).expect("websocket");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        }
        Self { socket, next_id: 1 }
    }

    /// Subscribes and returns the subscription id.
    fn subscribe(&mut self, params: Value) -> String {
        let id = self.next_id;
        self.next_id += 1;
        let request =
            json!({"jsonrpc": "2.0", "id": id, "method": "eth_subscribe", "params": params});
        self.socket.send(Message::text(request.to_string())).unwrap();
        loop {
            let message = self.read();
            if message["id"] == id {
                return message["result"].as_str().expect("subscription id").to_string();
            }
        }
    }

    fn read(&mut self) -> Value {
        loop {
            match self.socket.read().expect("websocket message") {
                Message::Text(text) => return serde_json::from_str(&text).unwrap(),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected websocket message {other:?}"),
            }
        }
    }

    /// The next `count` notifications, as (subscription id, result).
    fn notifications(&mut self, count: usize) -> Vec<(String, Value)> {
        (0..count)
            .map(|_| {
                let message = self.read();
                let params = &message["params"];
                (params["subscription"].as_str().unwrap().to_string(), params["result"].clone())
            })
            .collect()
    }
}

#[test]
fn reorg_and_rollback_reach_subscribers_as_a_real_reorg() {
    let node = start(&[]);
    let deploy = json!([{"from": DEV_0, "data": LOGGER_INIT}]);
    let deploy_hash = node.result("eth_sendTransaction", deploy);
    node.result("evm_mine", json!([]));
    let receipt = node.result("eth_getTransactionReceipt", json!([deploy_hash]));
    let logger = receipt["contractAddress"].as_str().unwrap().to_string();

    let mut ws = Subscriber::connect(&node.ws_url);
    let logs_id = ws.subscribe(json!(["logs", {"address": logger}]));
    let heads_id = ws.subscribe(json!(["newHeads"]));
    let mut old_blocks = Vec::new();
    for _ in 0..3 {
        node.result("eth_sendTransaction", json!([{"from": DEV_0, "to": logger}]));
        node.result("evm_mine", json!([]));
        old_blocks.push(block(&node, "latest"));
    }
    // Each block: one log then its head (in either order).
    let seen = ws.notifications(6);
    assert_eq!(seen.iter().filter(|(id, _)| *id == logs_id).count(), 3);

    // Replace the newest two blocks: the first new one holds a call signed here.
    let raw_call = Command::new(npm_bin("cast"))
        .args(["mktx", "--rpc-url", &node.url, "--private-key", KEY_1, &logger])
        .args(["--nonce", "0", "--gas-limit", "100000"])
        .output()
        .unwrap();
    assert!(raw_call.status.success(), "{}", String::from_utf8_lossy(&raw_call.stderr));
    let raw_call = String::from_utf8(raw_call.stdout).unwrap().trim().to_string();
    node.result("anvil_reorg", json!([2, [[raw_call, 0]]]));

    // Removed logs first (newest block first, as geth sends them), then the new branch.
    let seen = ws.notifications(5);
    let removed: Vec<&Value> = seen
        .iter()
        .filter(|(id, log)| *id == logs_id && log["removed"] == true)
        .map(|(_, l)| l)
        .collect();
    assert_eq!(removed.len(), 2, "{seen:?}");
    assert_eq!(removed[0]["blockHash"], old_blocks[2]["hash"]);
    assert_eq!(removed[1]["blockHash"], old_blocks[1]["hash"]);
    let heads: Vec<&Value> =
        seen.iter().filter(|(id, _)| *id == heads_id).map(|(_, h)| h).collect();
    assert_eq!(heads.len(), 2, "{seen:?}");
    for (new, old) in heads.iter().zip(&old_blocks[1..]) {
        assert_eq!(new["number"], old["number"]);
        assert_ne!(new["hash"], old["hash"]);
    }
    let new_log = seen.iter().find(|(id, log)| *id == logs_id && log["removed"] == false);
    assert_eq!(new_log.unwrap().1["blockHash"], heads[0]["hash"]);
    let head = block(&node, "latest");
    assert_eq!(head["hash"], heads[1]["hash"]);
    // The replaced blocks' transactions are gone.
    let old_tx = &old_blocks[2]["transactions"][0]["hash"];
    assert_eq!(node.result("eth_getTransactionByHash", json!([old_tx])), Value::Null);

    // Rolling back the new branch's first block retracts its log.
    node.result("anvil_rollback", json!([2]));
    assert_eq!(number(&block(&node, "latest")["number"]), number(&old_blocks[0]["number"]));
    let seen = ws.notifications(1);
    assert_eq!(seen[0].0, logs_id);
    assert_eq!(seen[0].1["removed"], true);
    assert_eq!(seen[0].1["blockHash"], heads[0]["hash"]);

    // Deeper than the chain is a bad parameter, as anvil answers it.
    let (code, message) = error(&node, "anvil_rollback", json!([1000]));
    assert_eq!(code, -32602);
    assert!(message.contains("exceeds the chain height"), "{message}");

    // A snapshot of a block a rollback removed is gone, not a pointer to a missing block.
    let snapshot = node.result("evm_snapshot", json!([]));
    node.result("anvil_mine", json!(["0x2"]));
    let snapshot_at_tip = node.result("evm_snapshot", json!([]));
    node.result("anvil_rollback", json!([1]));
    assert_eq!(node.result("evm_revert", json!([snapshot_at_tip])), false);
    assert_eq!(node.result("evm_revert", json!([snapshot])), true);
}

/// A block mined after `anvil_set*` edits ran on the edited state: its traces replay it there
/// (funds from anvil_setBalance, code from anvil_setCode), with the gas its receipt shows.
#[test]
fn traces_replay_blocks_on_the_state_they_were_mined_on() {
    let node = start(&[]);
    let stranger = "0x00000000000000000000000000000000000b0b01";
    let store = "0x00000000000000000000000000000000000c0de1";
    node.result("anvil_impersonateAccount", json!([stranger]));
    node.result("anvil_setBalance", json!([stranger, "0xde0b6b3a7640000"]));
    // PUSH1 1, PUSH1 0, SSTORE, STOP: a fresh slot costs 22,100 gas on top of the 21,000.
    node.result("anvil_setCode", json!([store, "0x600160005500"]));
    let hash = node.result("eth_sendTransaction", json!([{"from": stranger, "to": store}]));
    node.result("evm_mine", json!([]));
    let receipt = node.result("eth_getTransactionReceipt", json!([hash]));
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let trace = node.result("debug_traceTransaction", json!([hash, {"tracer": "callTracer"}]));
    assert_eq!(trace["gasUsed"], receipt["gasUsed"], "{trace}");
    assert_eq!(trace["from"], stranger, "{trace}");
    let block =
        node.result("debug_traceBlockByNumber", json!(["latest", {"tracer": "callTracer"}]));
    assert_eq!(block[0]["result"]["gasUsed"], receipt["gasUsed"], "{block}");
}

#[test]
fn what_a_client_can_make_the_node_hold_is_bounded() {
    let node = start(&[
        "--max-filters",
        "2",
        "--max-snapshots",
        "2",
        "--max-impersonated",
        "1",
        "--max-proof-keys",
        "2",
        "--rpc-gas-cap",
        "100000",
    ]);
    for (method, params, flag) in [
        ("eth_newBlockFilter", json!([]), "--max-filters"),
        ("evm_snapshot", json!([]), "--max-snapshots"),
    ] {
        node.result(method, params.clone());
        node.result(method, params.clone());
        let (code, message) = error(&node, method, params);
        assert_eq!(code, -32000, "{method}");
        assert!(message.contains(flag), "{method}: {message}");
    }
    node.result("anvil_impersonateAccount", json!(["0x0000000000000000000000000000000000000001"]));
    let (_, message) = error(
        &node,
        "anvil_impersonateAccount",
        json!(["0x0000000000000000000000000000000000000002"]),
    );
    assert!(message.contains("--max-impersonated"), "{message}");
    // Stopping one makes room again.
    node.result(
        "anvil_stopImpersonatingAccount",
        json!(["0x0000000000000000000000000000000000000001"]),
    );
    node.result("anvil_impersonateAccount", json!(["0x0000000000000000000000000000000000000002"]));

    let keys = json!(["0x1", "0x2", "0x3"]);
    let (code, message) = error(&node, "eth_getProof", json!([DEV_0, keys, "latest"]));
    assert_eq!(code, -32602);
    assert!(message.contains("--max-proof-keys"), "{message}");

    let (code, message) =
        error(&node, "eth_call", json!([{"from": DEV_0, "to": DEV_0, "gas": "0x30d40"}, "latest"]));
    assert_eq!(code, -32602);
    assert!(message.contains("--rpc-gas-cap"), "{message}");
    // An endless loop (JUMPDEST PUSH1 0 JUMP) stops at the cap.
    let (_, message) =
        error(&node, "eth_estimateGas", json!([{"from": DEV_0, "data": "0x5b600056"}]));
    assert!(message.contains("100000"), "{message}");
}
