//! `eth_simulateV1` against a real `basalt l1` over HTTP: every answer is checked against the
//! result schema of the execution-apis specification (read from its YAML files, not copied),
//! simulated blocks are compared with the block the node really mines from the same
//! transaction, and the spec's error codes are checked.

use basalt_test_harness::{
    BasaltL1, rpc_call,
    spec::{Spec, spec_dir},
};
use serde_json::{Value, json};
use std::{
    path::Path,
    time::{Duration, Instant},
};

const DEV: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const C0: &str = "0xc000000000000000000000000000000000000000";
const C1: &str = "0xc100000000000000000000000000000000000000";
const C2: &str = "0xc200000000000000000000000000000000000000";
/// Emits LOG1 with topic 0xff..ff and no data, then stops.
const LOG_CODE: &str =
    "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff60006000a100";
/// Reverts with the 4-byte error 0xdeadbeef.
const REVERT_CODE: &str = "0x63deadbeef60e01b60005260046000fd";

struct Node(BasaltL1);

impl Node {
    fn start() -> Self {
        Self(BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), &[]))
    }

    fn call(&self, method: &str, params: Value) -> Value {
        rpc_call(self.0.port, method, params)
    }

    fn ok(&self, method: &str, params: Value) -> Value {
        let response = self.call(method, params.clone());
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method} {params} failed: {response}\nnode log:\n{}", self.0.log()),
        }
    }

    /// The error of an `eth_simulateV1` that must fail, as (code, message); the object has
    /// no other keys.
    fn simulate_error(&self, payload: Value) -> (i64, String) {
        let response = self.call("eth_simulateV1", json!([payload, "latest"]));
        let error = response.get("error").unwrap_or_else(|| panic!("succeeded: {response}"));
        let keys: Vec<&String> = error.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["code", "message"], "{error}");
        (error["code"].as_i64().unwrap(), error["message"].as_str().unwrap().to_owned())
    }
}

fn quantity(value: &Value) -> u64 {
    let text = value.as_str().unwrap_or_else(|| panic!("not a quantity: {value}"));
    u64::from_str_radix(text.trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn answers_match_the_spec_result_schema() {
    let spec = Spec::load(&spec_dir());
    let node = Node::start();
    let head = node.ok("eth_getBlockByNumber", json!(["latest", false]));
    let payloads = [
        // Transfers across two blocks, traced, with full transactions.
        json!({
            "blockStateCalls": [
                {
                    "stateOverrides": {C0: {"balance": "0x3e8"}},
                    "calls": [
                        {"from": C0, "to": C1, "value": "0x3e8"},
                        {"from": C1, "to": C2, "value": "0x3e8"}
                    ]
                },
                {"calls": [{"from": C2, "to": C0, "value": "0x1"}]}
            ],
            "traceTransfers": true,
            "returnFullTransactions": true
        }),
        // Logs, a revert and a halt; a gap of two blocks; hashes only.
        json!({
            "blockStateCalls": [
                {
                    "blockOverrides": {"number": format!("0x{:x}", quantity(&head["number"]) + 3)},
                    "stateOverrides": {
                        C1: {"code": LOG_CODE},
                        C2: {"code": REVERT_CODE},
                        C0: {"code": "0xfe"}
                    },
                    "calls": [
                        {"from": DEV, "to": C1},
                        {"from": DEV, "to": C2},
                        {"from": DEV, "to": C0}
                    ]
                }
            ]
        }),
        // Validation with real fees from a funded account, withdrawals.
        json!({
            "blockStateCalls": [{
                "blockOverrides": {
                    "withdrawals": [{"index": "0x0", "validatorIndex": "0x1", "address": C1, "amount": "0x5"}]
                },
                "calls": [{"from": DEV, "to": C1, "value": "0x1", "maxFeePerGas": "0x3b9aca00"}]
            }],
            "validation": true,
            "returnFullTransactions": true
        }),
    ];
    for payload in payloads {
        let result = node.ok("eth_simulateV1", json!([payload, "latest"]));
        if let Err(err) = spec.check_result("eth_simulateV1", &result) {
            panic!("{err}\nanswer: {result:#}");
        }
    }
}

#[test]
fn transfers_logs_and_failures_read_as_geth_answers_them() {
    let node = Node::start();
    let head = node.ok("eth_getBlockByNumber", json!(["latest", false]));
    let payload = json!({
        "blockStateCalls": [{
            "stateOverrides": {C0: {"balance": "0x3e8"}, C1: {"code": LOG_CODE}, C2: {"code": REVERT_CODE}},
            "calls": [
                {"from": C0, "to": DEV, "value": "0x3e8"},
                {"from": DEV, "to": C1},
                {"from": DEV, "to": C2}
            ]
        }],
        "traceTransfers": true
    });
    let blocks = node.ok("eth_simulateV1", json!([payload]));
    let block = &blocks[0];
    // The first simulated block follows the head by one number and 12 seconds, without a
    // base fee unless validation asks for one (as geth's ethSimulate-simple answer shows).
    assert_eq!(quantity(&block["number"]), quantity(&head["number"]) + 1);
    assert_eq!(quantity(&block["timestamp"]), quantity(&head["timestamp"]) + 12);
    assert_eq!(block["parentHash"], head["hash"]);
    assert_eq!(block["baseFeePerGas"], "0x0");
    let calls = block["calls"].as_array().unwrap();
    assert_eq!(calls[0]["status"], "0x1");
    assert_eq!(calls[0]["gasUsed"], "0x5208");
    let transfer = &calls[0]["logs"][0];
    assert_eq!(transfer["address"], "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
    assert_eq!(
        transfer["topics"][0],
        "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
    );
    assert_eq!(transfer["blockHash"], block["hash"]);
    assert_eq!(transfer["transactionHash"], block["transactions"][0]);
    let log = &calls[1]["logs"][0];
    assert_eq!(log["address"], C1);
    assert_eq!(log["topics"], json!([format!("0x{}", "f".repeat(64))]));
    assert_eq!(log["logIndex"], "0x1");
    assert_eq!(calls[2]["status"], "0x0");
    assert_eq!(calls[2]["error"], json!({"code": 3, "message": "execution reverted"}));
    assert_eq!(calls[2]["returnData"], "0xdeadbeef");
    assert!(calls[2].get("logs").is_none(), "a failed call has no logs key: {}", calls[2]);
    // Pseudo-logs never enter the block's bloom; the real log does.
    assert_ne!(block["logsBloom"], format!("0x{}", "0".repeat(512)));
}

#[test]
fn a_simulated_block_has_the_roots_of_the_block_the_node_mines() {
    let node = Node::start();
    let tx = json!({
        "from": DEV,
        "to": C1,
        "value": "0x1234",
        "gas": "0x5208",
        "maxFeePerGas": "0x77359400",
        "maxPriorityFeePerGas": "0x3b9aca00"
    });
    let hash = node.ok("eth_sendTransaction", json!([tx]));
    let deadline = Instant::now() + Duration::from_secs(10);
    let receipt = loop {
        let receipt = node.ok("eth_getTransactionReceipt", json!([hash]));
        if !receipt.is_null() {
            break receipt;
        }
        assert!(Instant::now() < deadline, "not mined:\n{}", node.0.log());
        std::thread::sleep(Duration::from_millis(20));
    };
    let mined = node.ok("eth_getBlockByNumber", json!([receipt["blockNumber"], true]));
    assert_eq!(mined["transactions"].as_array().unwrap().len(), 1);
    let nonce = &mined["transactions"][0]["nonce"];
    let parent = format!("0x{:x}", quantity(&mined["number"]) - 1);
    let mut overrides = json!({
        "time": mined["timestamp"],
        "gasLimit": mined["gasLimit"],
        "feeRecipient": mined["miner"],
        "prevRandao": mined["mixHash"],
    });
    if let Some(root) = mined.get("parentBeaconBlockRoot") {
        overrides["beaconRoot"] = root.clone();
    }
    let mut call = tx.clone();
    call["nonce"] = nonce.clone();
    let payload = json!({
        "blockStateCalls": [{"blockOverrides": overrides, "calls": [call]}],
        "validation": true
    });
    // Simulated on the parent's (historical) state, with the mined block's context.
    let simulated = node.ok("eth_simulateV1", json!([payload, parent]));
    let block = &simulated[0];
    for field in [
        "number",
        "parentHash",
        "stateRoot",
        "receiptsRoot",
        "logsBloom",
        "gasUsed",
        "baseFeePerGas",
        "withdrawalsRoot",
        "requestsHash",
        "excessBlobGas",
        "blobGasUsed",
    ] {
        assert_eq!(
            block.get(field),
            mined.get(field),
            "{field}\nsimulated: {block:#}\nmined: {mined:#}"
        );
    }
    // The transaction is the same but unsigned, so its hash (and the block's) differ.
    assert_ne!(block["transactions"][0], mined["transactions"][0]["hash"]);
}

#[test]
fn errors_carry_the_spec_codes() {
    let node = Node::start();
    let head = quantity(&node.ok("eth_blockNumber", json!([])));
    let head_time =
        quantity(&node.ok("eth_getBlockByNumber", json!(["latest", false]))["timestamp"]);
    let cases = [
        (json!({"blockStateCalls": []}), -32602),
        (
            json!({"blockStateCalls": [{"blockOverrides": {"number": format!("0x{head:x}")}}]}),
            -38020,
        ),
        (
            json!({"blockStateCalls": [{"blockOverrides": {"time": format!("0x{head_time:x}")}}]}),
            -38021,
        ),
        (
            json!({"blockStateCalls": [{"blockOverrides": {"number": format!("0x{:x}", head + 257)}}]}),
            -38026,
        ),
        (json!({"blockStateCalls": [{"calls": [{"from": C0, "to": C1, "value": "0x1"}]}]}), -38014),
        (
            json!({"blockStateCalls": [{"calls": [{"from": DEV, "to": C1}]}], "validation": true}),
            -38012,
        ),
        (
            json!({"blockStateCalls": [{"calls": [{"from": DEV, "to": C1, "nonce": "0x64", "maxFeePerGas": "0x77359400"}]}], "validation": true}),
            -38011,
        ),
        (json!({"blockStateCalls": [{"calls": [{"from": DEV, "to": C1, "gas": "0x0"}]}]}), -38013),
        (
            json!({"blockStateCalls": [{"blockOverrides": {"gasLimit": "0x5208"}, "calls": [{"from": DEV, "to": C1, "gas": "0x5209"}]}]}),
            -38015,
        ),
        (
            json!({"blockStateCalls": [{"stateOverrides": {"0x0000000000000000000000000000000000000001": {"movePrecompileToAddress": "0x0000000000000000000000000000000000000001"}}}]}),
            -38022,
        ),
    ];
    for (payload, code) in cases {
        let (got, message) = node.simulate_error(payload.clone());
        assert_eq!(got, code, "{payload}: {message}");
    }
}
