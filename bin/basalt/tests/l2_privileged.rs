//! Privileged (`0x7e`) transactions through real processes: a block with a deposit into WETH
//! and a deposit included as failed is built on the L2 genesis `basalt deploy` writes,
//! `basalt import` re-executes it under the L2 rules the genesis declares, and `basalt l1`
//! serves it over JSON-RPC (transaction, receipt and block objects, a call on the resulting
//! state, a trace).

mod common;

use alloy_primitives::{Address, Bytes, TxKind, U256, address, hex};
use basalt_chain::{Blockchain, builder::BlockTemplate, genesis::init_from_spec};
use basalt_l2_genesis::{L2GenesisConfig, build};
use basalt_primitives::{BasaltTxEnvelope, TxPrivileged};
use basalt_storage::Database;
use basalt_test_harness::{BasaltL1, http_post};
use common::{encode_chain, import};
use serde_json::{Value, json};
use std::path::Path;

const CHAIN_ID: u64 = 12_212_759;
const WETH: Address = address!("0x4200000000000000000000000000000000000006");
/// An aliased L1 contract (what `sendToL2` from a contract names as `from`).
const FROM: Address = address!("0x2222000000000000000000000000000000003333");
/// Sends the creation: an account with no transactions before it.
const CREATOR: Address = address!("0x4444000000000000000000000000000000005555");
const ETHER: u128 = 1_000_000_000_000_000_000;
/// An account without code, the recipient of the L2 transfer.
const RECIPIENT: Address = address!("0x7700000000000000000000000000000000000077");

fn deposit(id: u64, mint: u128, value: u128, gas_limit: u64) -> BasaltTxEnvelope {
    TxPrivileged {
        chain_id: CHAIN_ID,
        nonce: id,
        gas_limit,
        to: TxKind::Call(WETH),
        mint: U256::from(mint),
        value: U256::from(value),
        input: Bytes::from(hex!("d0e30db0")), // WETH9.deposit()
        from: FROM,
    }
    .into()
}

/// Builds block 1 of `chain` (the L2 genesis `genesis_json`) from `transactions`, all of which
/// must be included; has `basalt import` re-execute it under the rules the genesis declares (it
/// must agree on every root) and serves the datadir with `basalt l1` (no mining).
fn build_and_serve(
    chain: &Blockchain,
    genesis_json: &str,
    transactions: Vec<BasaltTxEnvelope>,
) -> (tempfile::TempDir, BasaltL1) {
    let built = chain
        .build_block(BlockTemplate {
            timestamp: 1_700_000_002,
            gas_limit: Some(30_000_000),
            transactions,
            withdrawals: Some(vec![]),
            parent_beacon_block_root: Some(Default::default()),
            ..Default::default()
        })
        .unwrap();
    assert!(built.rejected.is_empty(), "{:?}", built.rejected);
    let dir = tempfile::tempdir().unwrap();
    let genesis_path = dir.path().join("l2-genesis.json");
    std::fs::write(&genesis_path, genesis_json).unwrap();
    let chain_path = dir.path().join("chain.rlp");
    std::fs::write(&chain_path, encode_chain(std::slice::from_ref(&built.block))).unwrap();
    let datadir = dir.path().join("data");
    let (ok, _, stderr) = import(&genesis_path, &datadir, &chain_path);
    assert!(ok, "{stderr}");
    let node = BasaltL1::start(
        Path::new(env!("CARGO_BIN_EXE_basalt")),
        &[
            "--datadir",
            datadir.to_str().unwrap(),
            "--genesis",
            genesis_path.to_str().unwrap(),
            "--no-mining",
        ],
    );
    (dir, node)
}

#[test]
fn privileged_transactions_are_executed_imported_and_served() {
    let genesis = build(&L2GenesisConfig::new(CHAIN_ID, 30_000_000, 1_700_000_000)).unwrap();
    // Build block 1 on the L2 genesis with the chain's own builder.
    let db = Database::in_memory().unwrap();
    init_from_spec(&db, &genesis.spec, genesis.file.json.as_bytes()).unwrap();
    let chain = Blockchain::new(db, genesis.spec.config.clone()).unwrap();
    let credited = deposit(0, 2 * ETHER, ETHER, 100_000);
    // Sends more than the balance after its mint: included as failed, the mint kept.
    let failed = deposit(1, ETHER, 5 * ETHER, 90_000);
    // A creation (the L1 never queues one, the type allows it): it lands at `from`'s account
    // nonce (0: a fresh account), not at its nonce field (the id 2). Init code PUSH1 1,
    // PUSH1 0, RETURN deploys the one-byte runtime code 0x00.
    let create: BasaltTxEnvelope = TxPrivileged {
        chain_id: CHAIN_ID,
        nonce: 2,
        gas_limit: 200_000,
        to: TxKind::Create,
        mint: U256::ZERO,
        value: U256::ZERO,
        input: Bytes::from(hex!("60016000f3")),
        from: CREATOR,
    }
    .into();
    let transactions = vec![credited.clone(), failed.clone(), create.clone()];
    let (_dir, node) = build_and_serve(&chain, &genesis.file.json, transactions);
    assert_eq!(node.result("eth_blockNumber", json!([])), "0x1");

    // The transaction object: type 0x7e, its fields, `from` once, no signature.
    let hash = credited.tx_hash().to_string();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_getTransactionByHash",
        "params": [hash]});
    let (_, text) = http_post(node.port, body.to_string().as_bytes());
    assert_eq!(text.matches("\"from\"").count(), 1, "{text}");
    let tx: Value = serde_json::from_str::<Value>(&text).unwrap()["result"].clone();
    assert_eq!(tx["type"], "0x7e");
    assert_eq!(tx["hash"], hash);
    assert_eq!(tx["from"], format!("{FROM:#x}"));
    assert_eq!(tx["to"], format!("{WETH:#x}"));
    assert_eq!(tx["nonce"], "0x0");
    assert_eq!(tx["mint"], format!("{:#x}", 2 * ETHER));
    assert_eq!(tx["value"], format!("{ETHER:#x}"));
    assert_eq!(tx["blockNumber"], "0x1");
    for field in ["v", "r", "s", "yParity"] {
        assert!(tx.get(field).is_none(), "{field} in {tx}");
    }

    // Receipts: 0x7e, success with ordinary gas accounting; the failed one uses its gas limit.
    let receipt = node.result("eth_getTransactionReceipt", json!([hash]));
    assert_eq!(receipt["type"], "0x7e");
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(receipt["from"], format!("{FROM:#x}"));
    assert_eq!(receipt["effectiveGasPrice"], "0x0");
    assert_eq!(receipt["logs"].as_array().unwrap().len(), 1, "WETH's Deposit event");
    let failed_receipt = node.result("eth_getTransactionReceipt", json!([failed.tx_hash()]));
    assert_eq!(failed_receipt["status"], "0x0");
    assert_eq!(failed_receipt["gasUsed"], "0x15f90"); // 90,000: the whole gas limit
    assert!(failed_receipt["logs"].as_array().unwrap().is_empty());

    // The block holds both, typed, and the state shows the rules: WETH credited with the value,
    // `from` kept the rest of both mints and paid no gas; its nonce counted both.
    let block = node.result("eth_getBlockByNumber", json!(["0x1", true]));
    let types: Vec<&Value> =
        block["transactions"].as_array().unwrap().iter().map(|t| &t["type"]).collect();
    assert_eq!(types, [&json!("0x7e"), &json!("0x7e"), &json!("0x7e")]);
    let balance_of = format!("0x70a08231{:0>64}", hex::encode(FROM));
    let weth = node.result("eth_call", json!([{"to": WETH, "data": balance_of}, "latest"]));
    assert_eq!(
        U256::from_str_radix(weth.as_str().unwrap().trim_start_matches("0x"), 16).unwrap(),
        U256::from(ETHER)
    );
    assert_eq!(node.result("eth_getBalance", json!([FROM, "latest"])), format!("{:#x}", 2 * ETHER));
    assert_eq!(node.result("eth_getTransactionCount", json!([FROM, "latest"])), "0x2");

    // The creation's receipt names the contract it really made.
    let created = CREATOR.create(0);
    let receipt = node.result("eth_getTransactionReceipt", json!([create.tx_hash()]));
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(receipt["contractAddress"], format!("{created:#x}"));
    assert_eq!(node.result("eth_getCode", json!([created, "latest"])), "0x00");

    // Tracing replays the block under the same rules.
    let trace = node.result("debug_traceTransaction", json!([hash, {"tracer": "callTracer"}]));
    assert_eq!(trace["from"], format!("{FROM:#x}"));
    assert_eq!(trace["to"], format!("{WETH:#x}"));
    assert!(trace.get("error").is_none(), "{trace}");

    // The deposit included as failed traces as a call refused before executing, with the gas
    // its receipt charges and why, under each tracer.
    let failed_hash = failed.tx_hash().to_string();
    let trace =
        node.result("debug_traceTransaction", json!([failed_hash, {"tracer": "callTracer"}]));
    assert_eq!(trace["type"], "CALL", "{trace}");
    assert_eq!(trace["from"], format!("{FROM:#x}"));
    assert_eq!(trace["to"], format!("{WETH:#x}"));
    assert_eq!(trace["value"], format!("{:#x}", 5 * ETHER));
    assert_eq!(trace["gas"], "0x15f90");
    assert_eq!(trace["gasUsed"], failed_receipt["gasUsed"]);
    assert_eq!(trace["input"], "0xd0e30db0");
    assert_eq!(trace["error"], "insufficient balance for transfer");
    let logger = node.result("debug_traceTransaction", json!([failed_hash]));
    assert_eq!(logger["failed"], true, "{logger}");
    assert_eq!(logger["gas"], 90_000);
    assert_eq!(logger["structLogs"], json!([]));
    let diff = node.result(
        "debug_traceTransaction",
        json!([failed_hash, {"tracer": "prestateTracer", "tracerConfig": {"diffMode": true}}]),
    );
    let from = format!("{FROM:#x}");
    // Before: what the first deposit left (2 ether minted, 1 sent); after: its 1-ether mint kept.
    assert_eq!(diff["pre"][&from]["balance"], format!("{ETHER:#x}"), "{diff}");
    assert_eq!(diff["pre"][&from]["nonce"], 1);
    assert_eq!(diff["post"][&from]["balance"], format!("{:#x}", 2 * ETHER));
    assert_eq!(diff["post"][&from]["nonce"], 2);
    assert!(diff["post"].get(format!("{WETH:#x}")).is_none(), "nothing else moved: {diff}");

    // The block's traces give it as tracing it alone does, between its neighbours' successes.
    let block = node.result("debug_traceBlockByNumber", json!(["0x1", {"tracer": "callTracer"}]));
    assert_eq!(block.as_array().map(Vec::len), Some(3), "{block}");
    assert_eq!(block[1]["txHash"], failed_hash);
    assert_eq!(block[1]["result"], trace);
    for ok in [&block[0], &block[2]] {
        assert!(ok["result"].get("error").is_none(), "{ok}");
    }
    let block = node.result("debug_traceBlockByNumber", json!(["0x1"]));
    assert_eq!(block[1]["result"], logger);
}

/// A signed transfer on an L2 whose genesis charges an L1 data fee (scalar 10^15 ppm, so the
/// 1-wei minimum blob base fee gives a visible L) and an operator fee: the block built by the
/// chain's builder is re-executed by `basalt import` and served; the receipt reports
/// `l1GasUsed`/`l1Fee`, the header's base fee holds the operator fee (so the price is Ethereum's
/// and the operator vault gets its share), `eth_estimateGas` includes the L1 data gas, and the
/// pool refuses a gas limit that covers only intrinsic gas.
#[test]
fn ordinary_l2_transactions_pay_l1_data_gas_over_rpc() {
    use alloy_eips::eip2718::Encodable2718;
    use basalt_primitives::{
        GenesisSpec,
        fee_config::l1_data_size,
        sender::{address_of, sign_transaction},
    };
    const OPERATOR_FEE: u128 = 3;
    let genesis = build(&L2GenesisConfig::new(CHAIN_ID, 30_000_000, 1_700_000_000)).unwrap();
    let mut json: Value = serde_json::from_str(&genesis.file.json).unwrap();
    json["config"]["basalt"]["fees"] = json!({
        "l1FeeScalar": 1_000_000_000_000_000u64,
        "operatorFeeVault": "0x0f00000000000000000000000000000000000001",
        "operatorFeePerGas": format!("{OPERATOR_FEE:#x}"),
    });
    let json = json.to_string();
    let spec = GenesisSpec::from_json(&json).unwrap();
    let db = Database::in_memory().unwrap();
    init_from_spec(&db, &spec, json.as_bytes()).unwrap();
    let chain = Blockchain::new(db, spec.config.clone()).unwrap();

    // A user funded by a deposit (its mint, to itself), then a transfer of theirs.
    let key = alloy_primitives::B256::repeat_byte(0x42);
    let user = address_of(&key).unwrap();
    let fund = TxPrivileged {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 21_000,
        to: TxKind::Call(user),
        mint: U256::from(ETHER),
        value: U256::ZERO,
        input: Bytes::new(),
        from: user,
    };
    let view = chain.db().read().unwrap();
    let fees = chain.next_fee_config(&view).unwrap().unwrap();
    drop(view);
    let head = chain.head().unwrap();
    let base_fee = chain.config().next_block_fees(&head, 1_700_000_002).unwrap();
    let base_fee = base_fee.base_fee_per_gas.unwrap();
    let sign = |nonce: u64, gas_limit: u64| {
        let tx = alloy_consensus::TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1,
            to: TxKind::Call(RECIPIENT),
            value: U256::from(1),
            ..Default::default()
        };
        BasaltTxEnvelope::from(sign_transaction(tx, &key).unwrap())
    };
    let l1_gas = fees.l1_gas(l1_data_size(&sign(1, 30_000).encoded_2718()), base_fee);
    assert!(l1_gas > 50, "{l1_gas}");
    let transfer = sign(1, 21_000 + l1_gas);
    let fund = BasaltTxEnvelope::from(fund);
    let (_dir, node) = build_and_serve(&chain, &json, vec![fund.clone(), transfer.clone()]);

    let receipt = node.result("eth_getTransactionReceipt", json!([transfer.tx_hash()]));
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(receipt["gasUsed"], format!("{:#x}", 21_000 + l1_gas));
    assert_eq!(receipt["l1GasUsed"], format!("{l1_gas:#x}"));
    assert_eq!(receipt["l1Fee"], format!("{:#x}", u128::from(base_fee) * u128::from(l1_gas)));
    let block = node.result("eth_getBlockByHash", json!([receipt["blockHash"], false]));
    assert_eq!(block["baseFeePerGas"], format!("{base_fee:#x}"));
    let price = u128::from(base_fee) + 1;
    assert_eq!(receipt["effectiveGasPrice"], format!("{price:#x}"));
    let vault = json!(["0x0f00000000000000000000000000000000000001", "latest"]);
    let operator_share = OPERATOR_FEE * 21_000;
    assert_eq!(node.result("eth_getBalance", vault), format!("{operator_share:#x}"));
    let deposit_receipt = node.result("eth_getTransactionReceipt", json!([fund.tx_hash()]));
    assert!(deposit_receipt.get("l1GasUsed").is_none(), "{deposit_receipt}");

    // The estimate includes the L1 data gas of the transaction the request makes.
    let request = json!({"from": user, "to": RECIPIENT, "value": "0x1"});
    let estimate = node.result("eth_estimateGas", json!([request]));
    let estimate =
        u64::from_str_radix(estimate.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    assert!(estimate >= 21_000 + l1_gas, "{estimate} < 21000 + {l1_gas}");

    // The next base fee holds the operator fee too, so the usual suggestions cover it.
    let quantity = |value: Value| {
        u128::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    };
    let next_base = quantity(node.result("eth_baseFee", json!([])));
    assert!(next_base > OPERATOR_FEE);
    assert!(quantity(node.result("eth_gasPrice", json!([]))) > next_base);

    // The pool refuses a limit that covers intrinsic gas only, and says why.
    let short = sign(2, 21_000);
    let raw = alloy_primitives::hex::encode_prefixed(short.encoded_2718());
    let answer = basalt_test_harness::rpc_call(node.port, "eth_sendRawTransaction", json!([raw]));
    assert_eq!(answer["error"]["code"], -32000, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("intrinsic gas too low: gas limit 21000 below 21000 intrinsic + ")
            && message.ends_with(" L1 data gas"),
        "{message}"
    );
}
