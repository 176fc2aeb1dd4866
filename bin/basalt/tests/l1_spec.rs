//! Every `eth_*`, `debug_*`, `txpool_*` and `testing_*` method of the Ethereum JSON-RPC
//! specification (`../shared/specs/execution-apis/src`, read as YAML here, never copied)
//! answered by a real `basalt l1`, each answer checked against the method's result schema
//! with no extra and no missing keys, and each error against the method's error codes. The
//! chain holds a block with legacy, EIP-2930, EIP-1559, EIP-4844 and EIP-7702 transactions,
//! logs and receipts, a pending and a queued pool transaction, so every object shape occurs.

use alloy_consensus::{
    SidecarBuilder, SignableTransaction, SimpleCoder, TxEip1559, TxEip2930, TxEip4844,
    TxEip4844WithSidecar, TxEip7702, TxLegacy,
};
use alloy_eips::{
    eip2718::Encodable2718,
    eip2930::{AccessList, AccessListItem},
    eip4844::DATA_GAS_PER_BLOB,
    eip7594::BlobTransactionSidecarVariant,
    eip7702::Authorization,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use basalt_primitives::sender::{address_of, sign_hash, sign_transaction};
use basalt_test_harness::{BasaltL1, e2e_bytecode, rpc_call, spec::Spec};
use serde_json::{Value, json};
use std::{collections::BTreeSet, path::Path};

/// The first three dev accounts' keys (the well-known test mnemonic).
const KEYS: [&str; 3] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
];
const CHAIN_ID: u64 = 31337;
const GAS_PRICE: u128 = 5_000_000_000;

fn key(index: usize) -> B256 {
    KEYS[index].parse().unwrap()
}

fn account(index: usize) -> Address {
    address_of(&key(index)).unwrap()
}

fn set_call(value: u64) -> Bytes {
    let mut data = keccak256("set(uint256)")[..4].to_vec();
    data.extend_from_slice(&U256::from(value).to_be_bytes::<32>());
    data.into()
}

/// What a case expects.
enum Want {
    /// A result, checked against the method's result schema.
    Result,
    /// A result checked against a named schema instead (where the method's schema admits
    /// anything, or does not cover the case).
    Named(&'static str),
    /// An error with this code, checked against the method's error codes.
    Error(i64),
}

struct Checker {
    node: BasaltL1,
    spec: Spec,
    /// Methods with a result that passed its schema.
    results: BTreeSet<String>,
    /// Methods with an error answer that passed.
    errors: BTreeSet<String>,
    failures: Vec<String>,
}

impl Checker {
    fn call(&self, method: &str, params: Value) -> Value {
        rpc_call(self.node.port, method, params)
    }

    /// The result of a call that must succeed (setup steps).
    fn ok(&self, method: &str, params: Value) -> Value {
        let response = self.call(method, params.clone());
        response.get("result").cloned().unwrap_or_else(|| {
            panic!("{method} {params}: {response}\nnode log:\n{}", self.node.log())
        })
    }

    /// Calls `method` and checks the answer; returns the result (Null on errors).
    fn case(&mut self, method: &str, params: Value, want: Want) -> Value {
        let response = self.call(method, params.clone());
        let keys: BTreeSet<&str> = response
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let label = format!("{method} {params}");
        let outcome = match (&want, response.get("result"), response.get("error")) {
            (_, _, _) if !keys.is_subset(&["jsonrpc", "id", "result", "error"].into()) => {
                Err(format!("extra response keys: {response}"))
            }
            (Want::Result, Some(result), None) => self.spec.check_result(method, result),
            (Want::Named(name), Some(result), None) => self.spec.check_named(name, result),
            (Want::Error(code), None, Some(error)) => {
                if error["code"].as_i64() != Some(*code) {
                    Err(format!("expected error {code}, got {error}"))
                } else {
                    self.spec.check_error(method, error)
                }
            }
            _ => Err(format!("unexpected answer: {response}")),
        };
        match outcome {
            Ok(()) => {
                match want {
                    Want::Error(_) => self.errors.insert(method.to_string()),
                    _ => self.results.insert(method.to_string()),
                };
            }
            Err(reason) => self.failures.push(format!("{label}: {reason}")),
        }
        response.get("result").cloned().unwrap_or(Value::Null)
    }

    fn send_raw(&self, raw: Vec<u8>) -> Value {
        self.ok("eth_sendRawTransaction", json!([Bytes::from(raw)]))
    }
}

/// A chain with every transaction type in one block, a contract with logs, and the pool
/// holding a pending and a queued transaction. Returns (store address, hashes by type).
fn build_chain(checker: &Checker) -> (Address, Vec<Value>) {
    let store_code: Bytes = e2e_bytecode("Store.sol", "Store").parse().unwrap();
    let deploy = TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce: 0,
        gas_price: GAS_PRICE,
        gas_limit: 1_000_000,
        to: TxKind::Create,
        value: U256::ZERO,
        input: store_code,
    };
    let deploy_hash = checker.send_raw(sign_transaction(deploy, &key(0)).unwrap().encoded_2718());
    checker.ok("evm_mine", json!([]));
    let receipt = checker.ok("eth_getTransactionReceipt", json!([deploy_hash]));
    let store: Address = serde_json::from_value(receipt["contractAddress"].clone()).unwrap();

    let access = TxEip2930 {
        chain_id: CHAIN_ID,
        nonce: 1,
        gas_price: GAS_PRICE,
        gas_limit: 200_000,
        to: TxKind::Call(store),
        value: U256::ZERO,
        access_list: AccessList(vec![AccessListItem {
            address: store,
            storage_keys: vec![B256::ZERO],
        }]),
        input: set_call(1),
    };
    let dynamic = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 2,
        gas_limit: 200_000,
        max_fee_per_gas: GAS_PRICE,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(store),
        value: U256::ZERO,
        access_list: AccessList::default(),
        input: set_call(2),
    };
    let sidecar =
        SidecarBuilder::<SimpleCoder>::from_slice(b"basalt spec test blob").build_7594().unwrap();
    let blob = TxEip4844WithSidecar::from_tx_and_sidecar(
        TxEip4844 {
            chain_id: CHAIN_ID,
            nonce: 3,
            gas_limit: 200_000,
            max_fee_per_gas: GAS_PRICE,
            max_priority_fee_per_gas: 1_000_000_000,
            to: store,
            value: U256::ZERO,
            access_list: AccessList::default(),
            blob_versioned_hashes: sidecar.versioned_hashes().collect(),
            max_fee_per_blob_gas: 1_000_000_000,
            input: set_call(3),
        },
        BlobTransactionSidecarVariant::Eip7594(sidecar),
    );
    assert_eq!(blob.tx.blob_versioned_hashes.len() as u64 * DATA_GAS_PER_BLOB, 131_072);
    // Account 2 delegates its code to the store (EIP-7702); account 1 pays and calls it.
    let authorization = Authorization { chain_id: U256::from(CHAIN_ID), address: store, nonce: 0 };
    let signature = sign_hash(&key(2), authorization.signature_hash()).unwrap();
    let delegation = TxEip7702 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 300_000,
        max_fee_per_gas: GAS_PRICE,
        max_priority_fee_per_gas: 1_000_000_000,
        to: account(2),
        value: U256::ZERO,
        access_list: AccessList::default(),
        authorization_list: vec![authorization.into_signed(signature)],
        input: set_call(4),
    };
    let mut hashes = vec![deploy_hash];
    hashes.push(checker.send_raw(sign_transaction(access, &key(0)).unwrap().encoded_2718()));
    hashes.push(checker.send_raw(sign_transaction(dynamic, &key(0)).unwrap().encoded_2718()));
    let blob_signed = blob.clone().into_signed(sign_hash(&key(0), blob.signature_hash()).unwrap());
    hashes.push(
        checker.send_raw(
            alloy_consensus::EthereumTxEnvelope::<
                TxEip4844WithSidecar<BlobTransactionSidecarVariant>,
            >::from(blob_signed)
            .encoded_2718(),
        ),
    );
    hashes.push(checker.send_raw(sign_transaction(delegation, &key(1)).unwrap().encoded_2718()));
    checker.ok("evm_mine", json!([]));
    for hash in &hashes {
        let receipt = checker.ok("eth_getTransactionReceipt", json!([hash]));
        assert_eq!(receipt["status"], "0x1", "{receipt}");
    }
    // The pool: nonce 4 pending, nonce 6 queued behind a gap.
    for nonce in [4, 6] {
        let pending = TxEip1559 { nonce, ..dynamic_template(store) };
        checker.send_raw(sign_transaction(pending, &key(0)).unwrap().encoded_2718());
    }
    (store, hashes)
}

fn dynamic_template(store: Address) -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 100_000,
        max_fee_per_gas: GAS_PRICE,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(store),
        value: U256::ZERO,
        access_list: AccessList::default(),
        input: set_call(9),
    }
}

#[test]
fn every_spec_method_answers_its_schema_and_error_codes() {
    let spec = Spec::load(&basalt_test_harness::spec::spec_dir());
    let node = BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), &["--no-mining"]);
    let mut c = Checker {
        node,
        spec,
        results: BTreeSet::new(),
        errors: BTreeSet::new(),
        failures: Vec::new(),
    };
    let (store, hashes) = build_chain(&c);
    let dev = account(0);
    let block2 = c.ok("eth_getBlockByNumber", json!(["0x2", false]));
    let block2_hash = block2["hash"].clone();
    let zero_hash = B256::ZERO;
    let unknown_hash = B256::repeat_byte(0xee);

    // Client and chain.
    for method in ["eth_chainId", "eth_syncing", "eth_coinbase", "eth_accounts", "eth_blockNumber"]
    {
        c.case(method, json!([]), Want::Result);
    }
    c.case("eth_config", json!([]), Want::Result);
    c.case("eth_capabilities", json!([]), Want::Result);

    // Blocks: hashes and full transactions of every type, by number, tag and hash.
    for params in [
        json!(["0x2", false]),
        json!(["0x2", true]),
        json!(["latest", true]),
        json!(["earliest", false]),
        json!(["0x99", false]),
    ] {
        c.case("eth_getBlockByNumber", params, Want::Result);
    }
    c.case("eth_getBlockByHash", json!([block2_hash, true]), Want::Result);
    c.case("eth_getBlockByHash", json!([unknown_hash, false]), Want::Result);
    c.case("eth_getBlockByNumber", json!(["0x2", "yes"]), Want::Error(-32602));
    c.case("eth_getBlockTransactionCountByHash", json!([block2_hash]), Want::Result);
    c.case("eth_getBlockTransactionCountByHash", json!([unknown_hash]), Want::Result);
    c.case("eth_getBlockTransactionCountByNumber", json!(["0x2"]), Want::Result);
    c.case("eth_getBlockTransactionCountByNumber", json!(["0x99"]), Want::Result);
    c.case("eth_getBlockReceipts", json!(["0x2"]), Want::Result);
    c.case("eth_getBlockReceipts", json!([block2_hash]), Want::Result);
    c.case("eth_getBlockReceipts", json!(["0x99"]), Want::Result);
    // Block access lists start at Amsterdam, which the engine does not run: the spec's
    // "Resource not found" for a known block, null for an unknown one.
    c.case("eth_getBlockAccessList", json!(["0x2"]), Want::Error(-32001));
    c.case("eth_getBlockAccessList", json!([unknown_hash]), Want::Result);
    c.case("debug_getRawBlockAccessList", json!(["0x2"]), Want::Error(-32001));

    // Transactions and receipts of every type, mined and pending.
    for hash in &hashes {
        c.case("eth_getTransactionByHash", json!([hash]), Want::Result);
        c.case("eth_getTransactionReceipt", json!([hash]), Want::Result);
    }
    let pool = c.ok("txpool_content", json!([]));
    let pending_hash = pool["pending"][format!("{dev:#x}")]["4"]["hash"].clone();
    assert!(pending_hash.is_string(), "{pool}");
    // The spec's TransactionInfo has no pending form; geth answers a pool transaction with
    // null block fields, which is the spec's PendingTransactionInfo.
    c.case(
        "eth_getTransactionByHash",
        json!([pending_hash]),
        Want::Named("PendingTransactionInfo"),
    );
    c.case("eth_getTransactionByHash", json!([unknown_hash]), Want::Result);
    c.case("eth_getTransactionReceipt", json!([unknown_hash]), Want::Result);
    c.case("eth_getTransactionReceipt", json!(["0x12"]), Want::Error(-32602));
    for index in ["0x0", "0x3", "0x9"] {
        c.case("eth_getTransactionByBlockHashAndIndex", json!([block2_hash, index]), Want::Result);
        c.case("eth_getTransactionByBlockNumberAndIndex", json!(["0x2", index]), Want::Result);
    }

    // State.
    c.case("eth_getBalance", json!([dev, "latest"]), Want::Result);
    c.case("eth_getBalance", json!([dev, "0x1"]), Want::Result);
    c.case("eth_getBalance", json!([dev, {"blockHash": block2_hash}]), Want::Result);
    c.case("eth_getBalance", json!(["0x1234", "latest"]), Want::Error(-32602));
    c.case("eth_getBalance", json!([dev, "0x99"]), Want::Error(-32000));
    c.case("eth_getTransactionCount", json!([dev, "latest"]), Want::Result);
    c.case("eth_getTransactionCount", json!([dev, "pending"]), Want::Result);
    c.case("eth_getCode", json!([store, "latest"]), Want::Result);
    c.case("eth_getCode", json!([account(2), "latest"]), Want::Result);
    c.case("eth_getStorageAt", json!([store, "0x0", "latest"]), Want::Result);
    let word = format!("0x{}", "0".repeat(64));
    c.case("eth_getStorageAt", json!([store, word, "0x1"]), Want::Result);
    let too_long = format!("0x{}", "0".repeat(66));
    c.case("eth_getStorageAt", json!([store, too_long, "latest"]), Want::Error(-32602));
    c.case("eth_getStorageValues", json!([{format!("{store:#x}"): ["0x0", word]}]), Want::Result);
    c.case(
        "eth_getStorageValues",
        json!([{format!("{store:#x}"): ["0x0"], format!("{:#x}", Address::ZERO): ["0x1"]}, "0x1"]),
        Want::Result,
    );
    c.case("eth_getStorageValues", json!([{}]), Want::Error(-32602));
    c.case(
        "eth_getStorageValues",
        json!([{format!("{store:#x}"): [too_long]}]),
        Want::Error(-32602),
    );
    c.case("eth_getProof", json!([store, ["0x0", word], "latest"]), Want::Result);
    c.case("eth_getProof", json!([Address::repeat_byte(9), [], "0x1"]), Want::Result);
    c.case("eth_getProof", json!([store, [too_long], "latest"]), Want::Error(-32602));

    // Execution.
    let call = json!({"from": dev, "to": store, "data": set_call(5)});
    let value_call = json!({"to": store, "data": Bytes::from(keccak256("value()")[..4].to_vec())});
    c.case("eth_call", json!([value_call, "latest"]), Want::Result);
    c.case(
        "eth_call",
        json!([{"from": dev, "to": store, "data": set_call(2_000_000)}]),
        Want::Error(3),
    );
    c.case("eth_estimateGas", json!([call]), Want::Result);
    c.case(
        "eth_estimateGas",
        json!([{"from": dev, "to": store, "data": set_call(2_000_000)}]),
        Want::Error(3),
    );
    c.case("eth_createAccessList", json!([call, "latest"]), Want::Result);
    let simulate = json!([{"blockStateCalls": [{"calls": [call]}], "validation": false}, "latest"]);
    c.case("eth_simulateV1", simulate, Want::Result);

    // Fees.
    for method in ["eth_gasPrice", "eth_baseFee", "eth_blobBaseFee", "eth_maxPriorityFeePerGas"] {
        c.case(method, json!([]), Want::Result);
    }
    c.case("eth_feeHistory", json!(["0x3", "latest", [10, 50]]), Want::Result);
    c.case("eth_feeHistory", json!(["0x2", "latest", []]), Want::Result);

    // Logs and filters, including the invalid ranges geth refuses.
    let head = c.ok("eth_blockNumber", json!([]));
    c.case(
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "toBlock": head, "address": store}]),
        Want::Result,
    );
    c.case("eth_getLogs", json!([{"blockHash": block2_hash}]), Want::Result);
    c.case("eth_getLogs", json!([{"fromBlock": "0x2", "toBlock": "0x1"}]), Want::Error(-32602));
    c.case("eth_getLogs", json!([{"fromBlock": "0x1", "toBlock": "0x50"}]), Want::Error(-32602));
    c.case("eth_getLogs", json!([{"fromBlock": "0x50", "toBlock": "0x60"}]), Want::Error(-32602));
    c.case("eth_getLogs", json!([{"fromBlock": "0x50"}]), Want::Error(-32602));
    let log_filter =
        c.case("eth_newFilter", json!([{"fromBlock": "0x0", "address": store}]), Want::Result);
    c.case("eth_newFilter", json!([{"fromBlock": "0x2", "toBlock": "0x1"}]), Want::Error(-32602));
    let block_filter = c.case("eth_newBlockFilter", json!([]), Want::Result);
    let pending_filter = c.case("eth_newPendingTransactionFilter", json!([]), Want::Result);
    // Each filter has changes to report: an empty array would match both of the spec's
    // `FilterResults` branches, which its `oneOf` forbids.
    c.ok(
        "eth_sendTransaction",
        json!([{"from": account(1), "to": Address::repeat_byte(0x33), "value": "0x1"}]),
    );
    c.ok("evm_mine", json!([]));
    c.case("eth_getFilterChanges", json!([log_filter]), Want::Result);
    c.case("eth_getFilterChanges", json!([block_filter]), Want::Result);
    c.case("eth_getFilterChanges", json!([pending_filter]), Want::Result);
    c.case("eth_getFilterLogs", json!([log_filter]), Want::Result);
    c.case("eth_uninstallFilter", json!([log_filter]), Want::Result);
    c.case("eth_getFilterChanges", json!([log_filter]), Want::Error(-32000));

    // Signing with dev keys, filling, sending.
    c.case("eth_sign", json!([dev, "0xdeadbeef"]), Want::Result);
    c.case("eth_sign", json!([Address::repeat_byte(3), "0xdeadbeef"]), Want::Error(-32000));
    let request = json!({"from": dev, "to": store, "data": set_call(6)});
    c.case("eth_signTransaction", json!([request]), Want::Result);
    let other = Address::repeat_byte(0x33);
    let legacy = json!({"from": dev, "to": other, "value": "0x1", "gasPrice": "0x3b9aca00"});
    c.case("eth_signTransaction", json!([legacy]), Want::Result);
    c.case("eth_fillTransaction", json!([request]), Want::Result);
    c.case("eth_fillTransaction", json!([legacy]), Want::Result);
    let access = json!({"from": dev, "to": other, "gasPrice": "0x3b9aca00", "accessList": []});
    c.case("eth_fillTransaction", json!([access]), Want::Result);
    c.case("eth_sendTransaction", json!([request]), Want::Result);
    c.case("eth_sendRawTransaction", json!(["0x02deadbeef"]), Want::Error(-32602));
    let late = TxEip1559 { nonce: 50, ..dynamic_template(store) };
    c.case(
        "eth_sendRawTransaction",
        json!([Bytes::from(sign_transaction(late, &key(1)).unwrap().encoded_2718())]),
        Want::Result,
    );

    // The pool.
    c.case("txpool_status", json!([]), Want::Result);
    c.case("txpool_content", json!([]), Want::Result);
    c.case("txpool_contentFrom", json!([dev]), Want::Result);
    c.case("txpool_contentFrom", json!([Address::repeat_byte(5)]), Want::Result);

    // Raw data and tracing.
    c.case("debug_getRawHeader", json!(["0x2"]), Want::Result);
    c.case("debug_getRawBlock", json!(["0x2"]), Want::Result);
    c.case("debug_getRawReceipts", json!(["0x2"]), Want::Result);
    c.case("debug_getRawTransaction", json!([hashes[3]]), Want::Result);
    c.case("debug_getRawHeader", json!(["0x99"]), Want::Error(-32001));
    c.case("debug_getRawBlock", json!(["0x99"]), Want::Error(-32001));
    c.case("debug_getRawReceipts", json!(["0x99"]), Want::Error(-32001));
    c.case("debug_getRawTransaction", json!([unknown_hash]), Want::Error(-32001));
    c.case("debug_getBadBlocks", json!([]), Want::Result);
    c.case("debug_traceTransaction", json!([hashes[2]]), Want::Named("OpcodeTransactionTrace"));
    c.case("debug_traceTransaction", json!([hashes[2], {"tracer": "callTracer"}]), Want::Result);
    c.case(
        "debug_traceTransaction",
        json!([hashes[4], {"tracer": "prestateTracer"}]),
        Want::Result,
    );
    let traces = c.case("debug_traceBlockByNumber", json!(["0x2"]), Want::Result);
    for (index, trace) in traces.as_array().into_iter().flatten().enumerate() {
        if let Err(reason) = c.spec.check_named("OpcodeBlockTransactionTrace", trace) {
            c.failures.push(format!("debug_traceBlockByNumber entry {index}: {reason}"));
        }
    }
    c.case("debug_traceBlockByHash", json!([block2_hash, {"tracer": "callTracer"}]), Want::Result);
    c.case("debug_traceBlockByHash", json!([unknown_hash]), Want::Error(-32000));

    // Building a block without changing the chain.
    let head_block = c.ok("eth_getBlockByNumber", json!(["latest", false]));
    let timestamp =
        u64::from_str_radix(head_block["timestamp"].as_str().unwrap().trim_start_matches("0x"), 16)
            .unwrap()
            + 12;
    let attributes = json!({
        "timestamp": format!("{timestamp:#x}"),
        "prevRandao": zero_hash,
        "suggestedFeeRecipient": Address::ZERO,
        "withdrawals": [],
        "parentBeaconBlockRoot": zero_hash,
    });
    c.case("testing_buildBlockV1", json!([head_block["hash"], attributes, [], null]), Want::Result);
    c.case(
        "testing_buildBlockV1",
        json!([head_block["hash"], attributes, null, "0x1234"]),
        Want::Result,
    );
    let stale = TxEip1559 { nonce: 0, ..dynamic_template(store) };
    c.case(
        "testing_buildBlockV1",
        json!([
            head_block["hash"],
            attributes,
            [Bytes::from(sign_transaction(stale, &key(0)).unwrap().encoded_2718())]
        ]),
        Want::Error(-32000),
    );
    assert_eq!(c.ok("eth_getBlockByNumber", json!(["latest", false]))["hash"], head_block["hash"]);

    // Every spec method was answered and checked.
    let missing: Vec<String> = c
        .spec
        .method_names()
        .into_iter()
        .filter(|m| {
            m.starts_with("eth_")
                || m.starts_with("debug_")
                || m.starts_with("txpool_")
                || m.starts_with("testing_")
        })
        .filter(|m| !c.results.contains(m) && !c.errors.contains(m))
        .collect();
    assert!(
        c.failures.is_empty(),
        "{} answers differ from the spec:\n{}\nnode log:\n{}",
        c.failures.len(),
        c.failures.join("\n"),
        c.node.log()
    );
    assert!(missing.is_empty(), "spec methods not checked: {missing:?}");
}
