//! The JSON-RPC surface of `basalt l1` beyond what cast exercises: unlocked and impersonated
//! sends, snapshots and reverts, the clock, state edits, filters, tracing, raw encodings,
//! fee history, `eth_config`, the pool view and historical state.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use basalt_test_harness::{BasaltL1, e2e_bytecode, rpc_call};
use serde_json::{Value, json};
use std::{
    path::Path,
    time::{Duration, Instant},
};

const DEV: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

struct Node(BasaltL1);

impl Node {
    fn start(args: &[&str]) -> Self {
        Self(BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), args))
    }

    /// The `result` of a call; panics with the error and the node log otherwise.
    fn ok(&self, method: &str, params: Value) -> Value {
        let response = rpc_call(self.0.port, method, params.clone());
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method} {params} failed: {response}\nnode log:\n{}", self.0.log()),
        }
    }

    /// The `error` of a call that must fail.
    fn err(&self, method: &str, params: Value) -> Value {
        let response = rpc_call(self.0.port, method, params.clone());
        response.get("error").cloned().unwrap_or_else(|| panic!("{method} succeeded: {response}"))
    }

    fn receipt(&self, hash: &Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let receipt = self.ok("eth_getTransactionReceipt", json!([hash]));
            if !receipt.is_null() {
                return receipt;
            }
            assert!(Instant::now() < deadline, "{hash} was not mined:\n{}", self.0.log());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn send(&self, tx: Value) -> Value {
        let hash = self.ok("eth_sendTransaction", json!([tx]));
        self.receipt(&hash)
    }

    fn number(&self, method: &str, params: Value) -> u64 {
        quantity(&self.ok(method, params))
    }
}

fn quantity(value: &Value) -> u64 {
    let text = value.as_str().unwrap_or_else(|| panic!("not a quantity: {value}"));
    u64::from_str_radix(text.trim_start_matches("0x"), 16).unwrap()
}

fn store_bytecode() -> String {
    e2e_bytecode("Store.sol", "Store")
}

/// calldata of `set(uint256)`.
fn set_call(value: u64) -> String {
    let mut data = keccak256("set(uint256)")[..4].to_vec();
    data.extend_from_slice(&U256::from(value).to_be_bytes::<32>());
    Bytes::from(data).to_string()
}

#[test]
fn dev_accounts_snapshots_clock_and_state_edits() {
    let node = Node::start(&[]);
    let accounts = node.ok("eth_accounts", json!([]));
    assert_eq!(accounts.as_array().unwrap().len(), 10);
    assert_eq!(accounts[0].as_str().unwrap().to_lowercase(), DEV);
    assert_eq!(node.ok("net_version", json!([])), "31337");
    assert!(node.ok("web3_clientVersion", json!([])).as_str().unwrap().starts_with("basalt/"));
    assert_eq!(node.ok("eth_syncing", json!([])), false);

    // Unlocked sends: a transfer and a contract creation (no `to`).
    let to = "0x00000000000000000000000000000000000000aa";
    let receipt = node.send(json!({"from": DEV, "to": to, "value": "0x64"}));
    assert_eq!(receipt["status"], "0x1");
    let created = node.send(json!({"from": DEV, "data": store_bytecode()}));
    let store = created["contractAddress"].as_str().unwrap().to_string();
    assert!(node.ok("eth_getCode", json!([store, "latest"])).as_str().unwrap().len() > 100);

    // Historical state: the balance before the transfer is still readable.
    assert_eq!(node.ok("eth_getBalance", json!([to, "0x0"])), "0x0");
    assert_eq!(node.ok("eth_getBalance", json!([to, "latest"])), "0x64");

    // Snapshot, change things, revert: chain and state are back.
    let snapshot = node.ok("evm_snapshot", json!([]));
    let head = node.number("eth_blockNumber", json!([]));
    node.send(json!({"from": DEV, "to": to, "value": "0x1"}));
    node.ok("anvil_setBalance", json!([to, "0x1000"]));
    assert_eq!(node.ok("eth_getBalance", json!([to, "latest"])), "0x1000");
    assert_eq!(node.ok("evm_revert", json!([snapshot])), true);
    assert_eq!(node.number("eth_blockNumber", json!([])), head);
    assert_eq!(node.ok("eth_getBalance", json!([to, "latest"])), "0x64");
    assert_eq!(node.ok("evm_revert", json!([snapshot])), false);

    // The clock: increaseTime and setNextBlockTimestamp.
    let before = quantity(&node.ok("eth_getBlockByNumber", json!(["latest", false]))["timestamp"]);
    node.ok("evm_increaseTime", json!([3600]));
    node.ok("evm_mine", json!([]));
    let after = quantity(&node.ok("eth_getBlockByNumber", json!(["latest", false]))["timestamp"]);
    assert!(after >= before + 3600, "{before} -> {after}");
    let target = after + 10_000;
    node.ok("evm_setNextBlockTimestamp", json!([format!("{target:#x}")]));
    node.ok("evm_mine", json!([]));
    let mined = quantity(&node.ok("eth_getBlockByNumber", json!(["latest", false]))["timestamp"]);
    assert_eq!(mined, target);
    assert!(node.err("evm_setNextBlockTimestamp", json!([target])).to_string().contains("after"));
    let start = node.number("eth_blockNumber", json!([]));
    node.ok("anvil_mine", json!(["0x3"]));
    assert_eq!(node.number("eth_blockNumber", json!([])), start + 3);

    // State edits, visible at once and committed by the next block's state root.
    let edited = "0x00000000000000000000000000000000000000bb";
    node.ok("anvil_setBalance", json!([edited, "0xde0b6b3a7640000"]));
    node.ok("anvil_setNonce", json!([edited, "0x7"]));
    node.ok("anvil_setCode", json!([edited, "0x6001600055"]));
    let slot = format!("{}", B256::from(U256::from(0x2a)));
    node.ok("anvil_setStorageAt", json!([edited, "0x1", slot]));
    assert_eq!(node.ok("eth_getTransactionCount", json!([edited, "latest"])), "0x7");
    assert_eq!(node.ok("eth_getCode", json!([edited, "latest"])), "0x6001600055");
    assert_eq!(node.ok("eth_getStorageAt", json!([edited, "0x1", "latest"])), slot);
    node.ok("evm_mine", json!([]));
    let block = node.ok("eth_getBlockByNumber", json!(["latest", false]));
    let proof = node.ok("eth_getProof", json!([edited, ["0x1"], "latest"]));
    let root: B256 = serde_json::from_value(block["stateRoot"].clone()).unwrap();
    let account_proof: Vec<Bytes> = serde_json::from_value(proof["accountProof"].clone()).unwrap();
    let address: Address = edited.parse().unwrap();
    basalt_trie::verify_proof(root, keccak256(address).as_slice(), &account_proof)
        .expect("proof of the edited account verifies against the mined root")
        .expect("account present");
    assert_eq!(proof["nonce"], "0x7");
    assert_eq!(proof["storageProof"][0]["value"], "0x2a");

    // Impersonation: send as an account without its key, and only while impersonating.
    let stranger = "0x00000000000000000000000000000000000000cc";
    let refused = node.err("eth_sendTransaction", json!([{"from": stranger, "to": to}]));
    assert!(refused.to_string().contains("impersonate"), "{refused}");
    node.ok("anvil_impersonateAccount", json!([stranger]));
    node.ok("anvil_setBalance", json!([stranger, "0xde0b6b3a7640000"]));
    let receipt = node.send(json!({"from": stranger, "to": to, "value": "0x5"}));
    assert_eq!(receipt["from"], stranger);
    let tx = node.ok("eth_getTransactionByHash", json!([receipt["transactionHash"]]));
    assert_eq!(tx["from"], stranger);
    node.ok("anvil_stopImpersonatingAccount", json!([stranger]));
    node.err("eth_sendTransaction", json!([{"from": stranger, "to": to}]));
}

#[test]
fn filters_tracing_raw_data_fees_and_config() {
    let node = Node::start(&[]);
    let store = node.send(json!({"from": DEV, "data": store_bytecode()}))["contractAddress"]
        .as_str()
        .unwrap()
        .to_string();

    // Filters: blocks and logs since installation, each change reported once.
    let blocks = node.ok("eth_newBlockFilter", json!([]));
    let logs = node.ok("eth_newFilter", json!([{"address": store, "fromBlock": "0x0"}]));
    let first = node.send(json!({"from": DEV, "to": store, "data": set_call(5)}));
    let second = node.send(json!({"from": DEV, "to": store, "data": set_call(6)}));
    let changes = node.ok("eth_getFilterChanges", json!([blocks]));
    assert_eq!(changes, json!([first["blockHash"], second["blockHash"]]));
    assert_eq!(node.ok("eth_getFilterChanges", json!([blocks])), json!([]));
    let log_changes = node.ok("eth_getFilterChanges", json!([logs]));
    assert_eq!(log_changes.as_array().unwrap().len(), 2);
    assert_eq!(log_changes[1]["transactionHash"], second["transactionHash"]);
    assert_eq!(node.ok("eth_getFilterLogs", json!([logs])).as_array().unwrap().len(), 2);
    assert_eq!(node.ok("eth_uninstallFilter", json!([logs])), true);
    assert!(node.err("eth_getFilterChanges", json!([logs])).to_string().contains("not found"));

    // eth_getLogs agrees with the receipts, including blockTimestamp.
    let got = node.ok("eth_getLogs", json!([{"address": store, "fromBlock": "0x0"}]));
    assert_eq!(got.as_array().unwrap().len(), 2);
    assert_eq!(got[0], first["logs"][0]);
    let topic_filtered = node.ok(
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "topics": [null, format!("0x{:0>64}", &DEV[2..])]}]),
    );
    assert_eq!(topic_filtered.as_array().unwrap().len(), 2);

    // Candidate blocks far apart (looked up one by one rather than scanned as a range).
    node.ok("anvil_mine", json!(["0x20"]));
    let late = node.send(json!({"from": DEV, "to": store, "data": set_call(7)}));
    let sparse = node.ok("eth_getLogs", json!([{"address": store, "fromBlock": "0x0"}]));
    assert_eq!(sparse.as_array().unwrap().len(), 3);
    assert_eq!(sparse[2], late["logs"][0]);
    assert_eq!(sparse[0], first["logs"][0]);

    // Tracing: callTracer and prestateTracer (diff mode), one transaction and a block.
    let traced = node.ok(
        "debug_traceTransaction",
        json!([second["transactionHash"], {"tracer": "callTracer", "tracerConfig": {"withLog": true}}]),
    );
    assert_eq!(traced["type"], "CALL");
    assert_eq!(traced["to"].as_str().unwrap().to_lowercase(), store.to_lowercase());
    assert_eq!(traced["logs"].as_array().unwrap().len(), 1);
    assert_eq!(traced["gasUsed"], second["gasUsed"]);
    let diff = node.ok(
        "debug_traceTransaction",
        json!([second["transactionHash"], {"tracer": "prestateTracer", "tracerConfig": {"diffMode": true}}]),
    );
    let slot0 = format!("{}", B256::ZERO);
    let store_key = diff["post"]
        .as_object()
        .unwrap()
        .keys()
        .find(|k| k.to_lowercase() == store.to_lowercase())
        .expect("store in the diff")
        .clone();
    assert_eq!(
        diff["pre"][&store_key]["storage"][&slot0],
        format!("{}", B256::from(U256::from(5)))
    );
    assert_eq!(
        diff["post"][&store_key]["storage"][&slot0],
        format!("{}", B256::from(U256::from(6)))
    );
    let block_traces = node
        .ok("debug_traceBlockByNumber", json!([second["blockNumber"], {"tracer": "callTracer"}]));
    assert_eq!(block_traces[0]["txHash"], second["transactionHash"]);
    assert_eq!(block_traces[0]["result"]["type"], "CALL");
    let unknown =
        node.err("debug_traceTransaction", json!([second["transactionHash"], {"tracer": "nope"}]));
    assert_eq!(unknown["code"], -32602);

    // Raw encodings hash to what the objects say.
    let raw_header: Bytes =
        serde_json::from_value(node.ok("debug_getRawHeader", json!([second["blockNumber"]])))
            .unwrap();
    assert_eq!(format!("{}", keccak256(&raw_header)), second["blockHash"].as_str().unwrap());
    let raw_tx: Bytes = serde_json::from_value(
        node.ok("debug_getRawTransaction", json!([second["transactionHash"]])),
    )
    .unwrap();
    assert_eq!(format!("{}", keccak256(&raw_tx)), second["transactionHash"].as_str().unwrap());
    let raw_block = node.ok("debug_getRawBlock", json!([second["blockNumber"]]));
    assert!(raw_block.as_str().unwrap().len() > raw_header.len() * 2);
    assert_eq!(
        node.ok("debug_getRawReceipts", json!([second["blockNumber"]])).as_array().unwrap().len(),
        1
    );
    let receipts = node.ok("eth_getBlockReceipts", json!([second["blockNumber"]]));
    assert_eq!(receipts[0], second);

    // The execution witness: what stateless execution of the block reads, in geth's shape.
    let witness = node.ok("debug_executionWitness", json!([second["blockNumber"]]));
    let list =
        |field: &str| -> Vec<Bytes> { serde_json::from_value(witness[field].clone()).unwrap() };
    let block = node.ok("eth_getBlockByNumber", json!([second["blockNumber"], false]));
    let headers = list("headers");
    let parent = headers.last().expect("the parent header");
    assert_eq!(format!("{}", keccak256(parent)), block["parentHash"].as_str().unwrap());
    assert!(!list("state").is_empty());
    let code: Bytes =
        serde_json::from_value(node.ok("eth_getCode", json!([store, "latest"]))).unwrap();
    assert!(list("codes").contains(&code), "the called contract's code is in the witness");
    let store_key = store.to_lowercase();
    assert!(list("keys").iter().any(|key| format!("{key}") == store_key));
    assert_eq!(node.err("debug_executionWitness", json!(["0x0"]))["code"], -32602);
    assert_eq!(node.err("debug_executionWitness", json!(["0x999"]))["code"], -32001);

    // Block lookups by number, hash and index.
    let by_index =
        node.ok("eth_getTransactionByBlockNumberAndIndex", json!([second["blockNumber"], "0x0"]));
    assert_eq!(by_index["hash"], second["transactionHash"]);
    let by_hash_index =
        node.ok("eth_getTransactionByBlockHashAndIndex", json!([second["blockHash"], "0x0"]));
    assert_eq!(by_hash_index, by_index);
    assert_eq!(node.ok("eth_getBlockTransactionCountByHash", json!([second["blockHash"]])), "0x1");
    assert_eq!(node.ok("eth_getUncleCountByBlockNumber", json!(["latest"])), "0x0");
    let full = node.ok("eth_getBlockByHash", json!([second["blockHash"], true]));
    assert_eq!(full["transactions"][0], by_index);

    // Calls with overrides, access lists, estimates.
    let value_call = json!({"to": store, "data": format!("{}", Bytes::from(keccak256("value()")[..4].to_vec()))});
    assert_eq!(
        node.ok("eth_call", json!([value_call, "latest"])),
        format!("{}", B256::from(U256::from(7)))
    );
    let overridden = node.ok(
        "eth_call",
        json!([value_call, "latest", {store.clone(): {"stateDiff": {slot0.clone(): format!("{}", B256::from(U256::from(99)))}}}]),
    );
    assert_eq!(overridden, format!("{}", B256::from(U256::from(99))));
    let at_first = node.ok("eth_call", json!([value_call, first["blockNumber"]]));
    assert_eq!(at_first, format!("{}", B256::from(U256::from(5))));
    let access =
        node.ok("eth_createAccessList", json!([{"from": DEV, "to": store, "data": set_call(9)}]));
    assert!(access["gasUsed"].is_string());
    let reverted = node
        .err("eth_estimateGas", json!([{"from": DEV, "to": store, "data": set_call(2_000_000)}]));
    assert_eq!(reverted["code"], 3);
    assert!(reverted["data"].as_str().unwrap().starts_with("0x677fd0e3"), "{reverted}");

    // Fees and configuration.
    let history = node.ok("eth_feeHistory", json!(["0x3", "latest", [50]]));
    assert_eq!(history["baseFeePerGas"].as_array().unwrap().len(), 4);
    assert_eq!(history["reward"].as_array().unwrap().len(), 3);
    assert!(quantity(&node.ok("eth_gasPrice", json!([]))) > 0);
    assert!(node.ok("eth_blobBaseFee", json!([])).is_string());
    let config = node.ok("eth_config", json!([]));
    assert_eq!(config["current"]["chainId"], "0x7a69");
    assert_eq!(
        config["current"]["precompiles"]["P256VERIFY"],
        "0x0000000000000000000000000000000000000100"
    );

    // The pool view: a gapped transaction waits in `queued`.
    let nonce = node.number("eth_getTransactionCount", json!([DEV, "pending"]));
    let gapped = node.ok(
        "eth_sendTransaction",
        json!([{"from": DEV, "to": store, "nonce": format!("{:#x}", nonce + 3), "gas": "0x30000"}]),
    );
    let content = node.ok("txpool_content", json!([]));
    let queued = content["queued"].as_object().unwrap();
    let (sender, txs) = queued.iter().next().expect("one queued sender");
    assert_eq!(sender.to_lowercase(), DEV);
    assert_eq!(txs[&(nonce + 3).to_string()]["hash"], gapped);
    assert_eq!(node.ok("txpool_status", json!([])), json!({"pending": "0x0", "queued": "0x1"}));
    assert_eq!(node.ok("eth_getTransactionByHash", json!([gapped]))["blockHash"], Value::Null);
}

#[test]
fn manual_mining_waits_for_evm_mine_and_pending_filters_see_arrivals() {
    let node = Node::start(&["--no-mining"]);
    let pending = node.ok("eth_newPendingTransactionFilter", json!([]));
    let hash = node.ok("eth_sendTransaction", json!([{"from": DEV, "to": DEV, "value": "0x1"}]));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(node.number("eth_blockNumber", json!([])), 0);
    assert_eq!(node.ok("eth_getFilterChanges", json!([pending])), json!([hash]));
    assert_eq!(node.ok("evm_mine", json!([])), "0x0");
    let receipt = node.receipt(&hash);
    assert_eq!(receipt["blockNumber"], "0x1");
}

#[test]
fn a_killed_node_restarts_from_its_datadir_with_every_confirmed_block() {
    let dir = tempfile::tempdir().unwrap();
    let datadir = dir.path().to_str().unwrap();
    let to = "0x00000000000000000000000000000000000000dd";
    let (head, genesis) = {
        let node = Node::start(&["--datadir", datadir]);
        for _ in 0..3 {
            node.send(json!({"from": DEV, "to": to, "value": "0x7"}));
        }
        node.ok("anvil_setBalance", json!([to, "0x100"]));
        let genesis = node.ok("eth_getBlockByNumber", json!(["0x0", false]))["hash"].clone();
        (node.number("eth_blockNumber", json!([])), genesis)
        // Dropping the node kills it with SIGKILL right after its last confirmed block.
    };
    assert_eq!(head, 3);
    let node = Node::start(&["--datadir", datadir]);
    assert_eq!(node.number("eth_blockNumber", json!([])), head);
    assert_eq!(node.ok("eth_getBlockByNumber", json!(["0x0", false]))["hash"], genesis);
    assert_eq!(node.ok("eth_getBalance", json!([to, "latest"])), "0x100");
    assert_eq!(node.ok("eth_getBalance", json!([to, "0x3"])), "0x15");
    // The chain goes on from there.
    node.send(json!({"from": DEV, "to": to, "value": "0x1"}));
    assert_eq!(node.number("eth_blockNumber", json!([])), head + 1);
    assert_eq!(node.ok("eth_getBalance", json!([to, "latest"])), "0x101");
}

#[test]
fn browsers_on_other_origins_may_call() {
    use std::io::{Read, Write};
    let node = Node::start(&[]);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", node.0.port)).unwrap();
    let preflight = "OPTIONS / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://localhost:5173\r\n\
        Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\
        Connection: close\r\n\r\n";
    stream.write_all(preflight.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let lower = response.to_lowercase();
    assert!(lower.starts_with("http/1.1 200"), "{response}");
    assert!(lower.contains("access-control-allow-origin: *"), "{response}");
    assert!(lower.contains("access-control-allow-methods"), "{response}");
}
