use super::*;
use crate::{HISTORY_STORAGE_ADDRESS, test_support::*};
use alloy_primitives::{U256, address, hex};
use alloy_rpc_types_trace::geth::{
    CallConfig, GethDebugBuiltInTracerType, GethDebugTracerType, PreStateConfig, PreStateFrame,
};
use basalt_primitives::TxEnvelope;
use serde_json::json;

const SENDER: Address = address!("0x1000000000000000000000000000000000000001");
const CONTRACT: Address = address!("0x2000000000000000000000000000000000000002");
const OTHER_CONTRACT: Address = address!("0x3000000000000000000000000000000000000003");
const RECIPIENT: Address = address!("0x6000000000000000000000000000000000000006");

fn funded_state() -> MemoryState {
    let mut state = MemoryState::default();
    state.fund(SENDER, 100 * ETHER);
    state
}

fn call_tracer(config: CallConfig) -> GethDebugTracingOptions {
    GethDebugTracingOptions::call_tracer(config)
}

fn trace_single(
    state: &MemoryState,
    tx: TxEnvelope,
    options: &GethDebugTracingOptions,
) -> Result<GethTrace, SimulationError> {
    trace_transaction(&prague(), &block_header(), None, state, &[tx.into()], &[SENDER], 0, options)
}

#[test]
fn call_tracer_shows_nested_call_and_its_logs() {
    let mut state = funded_state();
    state
        .deploy(CONTRACT, &call_and_require_success(OTHER_CONTRACT))
        .deploy(OTHER_CONTRACT, LOG_TOPIC_1);
    let tx = eip1559_tx(0, CONTRACT, 0, 100_000);
    let options = call_tracer(CallConfig { with_log: Some(true), only_top_call: None });
    let trace = trace_single(&state, tx, &options).unwrap();
    let json = serde_json::to_value(&trace).unwrap();

    assert_eq!(json["type"], "CALL");
    assert_eq!(json["from"], json!(SENDER));
    assert_eq!(json["to"], json!(CONTRACT));
    assert_eq!(json["gas"], "0x186a0");
    assert!(json["gasUsed"].as_str().unwrap().starts_with("0x"));
    let inner = &json["calls"][0];
    assert_eq!(json["calls"].as_array().unwrap().len(), 1);
    assert_eq!(inner["type"], "CALL");
    assert_eq!(inner["from"], json!(CONTRACT));
    assert_eq!(inner["to"], json!(OTHER_CONTRACT));
    assert_eq!(inner["logs"][0]["address"], json!(OTHER_CONTRACT));
    assert_eq!(
        inner["logs"][0]["topics"][0],
        "0x0000000000000000000000000000000000000000000000000000000000000001"
    );
    assert!(inner.get("calls").is_none());
}

#[test]
fn call_tracer_only_top_call_drops_inner_frames() {
    let mut state = funded_state();
    state
        .deploy(CONTRACT, &call_and_require_success(OTHER_CONTRACT))
        .deploy(OTHER_CONTRACT, LOG_TOPIC_1);
    let tx = eip1559_tx(0, CONTRACT, 0, 100_000);
    let options = call_tracer(CallConfig { only_top_call: Some(true), with_log: None });
    let json = serde_json::to_value(trace_single(&state, tx, &options).unwrap()).unwrap();
    assert_eq!(json["type"], "CALL");
    assert!(json.get("calls").is_none(), "{json}");
}

#[test]
fn prestate_diff_mode_shows_the_balance_change() {
    let mut state = funded_state();
    state.fund(RECIPIENT, 5 * ETHER);
    let tx = eip1559_tx(0, RECIPIENT, ETHER, 21_000);
    let options = GethDebugTracingOptions::prestate_tracer(PreStateConfig {
        diff_mode: Some(true),
        ..Default::default()
    });
    let trace = trace_single(&state, tx, &options).unwrap();
    let GethTrace::PreStateTracer(PreStateFrame::Diff(diff)) = trace else {
        panic!("expected a prestate diff, got {trace:?}");
    };
    assert_eq!(diff.pre[&RECIPIENT].balance, Some(U256::from(5 * ETHER)));
    assert_eq!(diff.post[&RECIPIENT].balance, Some(U256::from(6 * ETHER)));
    let sender_after = diff.post[&SENDER].balance.unwrap();
    assert!(sender_after < U256::from(99 * ETHER), "sender paid value and gas: {sender_after}");
    assert_eq!(diff.post[&SENDER].nonce, Some(1));
}

#[test]
fn traced_transaction_sees_the_earlier_transactions_of_its_block() {
    let mut state = funded_state();
    state.deploy(CONTRACT, INCREMENT_SLOT_0);
    let transactions = [eip1559_tx(0, CONTRACT, 0, 100_000), eip1559_tx(1, CONTRACT, 0, 100_000)]
        .map(BasaltTxEnvelope::from);
    let options = GethDebugTracingOptions::prestate_tracer(PreStateConfig::default());
    let trace = trace_transaction(
        &prague(),
        &block_header(),
        None,
        &state,
        &transactions,
        &[SENDER, SENDER],
        1,
        &options,
    )
    .unwrap();
    let GethTrace::PreStateTracer(PreStateFrame::Default(prestate)) = trace else {
        panic!("expected a prestate, got {trace:?}");
    };
    let counter = &prestate.0[&CONTRACT];
    assert_eq!(counter.storage[&B256::ZERO], B256::from(U256::from(1)));
    assert_eq!(prestate.0[&SENDER].nonce, Some(1));
}

#[test]
fn traced_transaction_sees_the_parent_hash_stored_before_the_block() {
    let mut state = funded_state();
    state.deploy(HISTORY_STORAGE_ADDRESS, &hex::decode(HISTORY_STORAGE_CODE).unwrap());
    // Ask the EIP-2935 contract for the hash of the parent block.
    let mut tx = eip1559_tx(0, HISTORY_STORAGE_ADDRESS, 0, 100_000);
    let TxEnvelope::Eip1559(signed) = &mut tx else { unreachable!() };
    let mut inner = signed.tx().clone();
    inner.input = U256::from(BLOCK_NUMBER - 1).to_be_bytes::<32>().into();
    tx = TxEnvelope::Eip1559(alloy_consensus::SignableTransaction::into_signed(
        inner,
        *signed.signature(),
    ));
    let trace = trace_single(&state, tx, &call_tracer(CallConfig::default())).unwrap();
    let GethTrace::CallTracer(frame) = trace else { panic!("expected a call frame") };
    assert_eq!(frame.error, None, "{frame:?}");
    assert_eq!(frame.output.as_ref().map(|o| o.as_ref()), Some(PARENT_HASH.as_slice()));
}

#[test]
fn trace_block_traces_every_transaction_in_order() {
    let mut state = funded_state();
    state.deploy(CONTRACT, INCREMENT_SLOT_0);
    let transactions = [eip1559_tx(0, CONTRACT, 0, 100_000), eip1559_tx(1, CONTRACT, 0, 100_000)]
        .map(BasaltTxEnvelope::from);
    let options = GethDebugTracingOptions::prestate_tracer(PreStateConfig::default());
    let results = trace_two(&state, &transactions, &options).unwrap();
    assert_eq!(results.len(), 2);
    for (result, tx) in results.iter().zip(&transactions) {
        assert_eq!(result.tx_hash(), Some(*tx.tx_hash()));
    }
    let slot_0_before = |result: &TraceResult| {
        let Some(GethTrace::PreStateTracer(PreStateFrame::Default(prestate))) = result.success()
        else {
            panic!("expected a prestate, got {result:?}");
        };
        prestate.0[&CONTRACT].storage.get(&B256::ZERO).copied().unwrap_or_default()
    };
    assert_eq!(slot_0_before(&results[0]), B256::ZERO);
    assert_eq!(slot_0_before(&results[1]), B256::from(U256::from(1)));
}

#[test]
fn trace_block_reports_an_invalid_transaction_and_goes_on() {
    let mut state = funded_state();
    state.deploy(CONTRACT, INCREMENT_SLOT_0);
    // The second transaction reuses nonce 0.
    let transactions = [eip1559_tx(0, CONTRACT, 0, 100_000), eip1559_tx(0, CONTRACT, 0, 100_000)]
        .map(BasaltTxEnvelope::from);
    let options = call_tracer(CallConfig::default());
    let results = trace_two(&state, &transactions, &options).unwrap();
    assert!(results[0].is_success());
    assert!(results[1].error().is_some_and(|e| e.contains("nonce")), "{:?}", results[1]);
}

#[test]
fn default_struct_logger_records_opcodes() {
    let mut state = funded_state();
    state.deploy(CONTRACT, RETURN_42);
    let trace = trace_single(
        &state,
        eip1559_tx(0, CONTRACT, 0, 100_000),
        &GethDebugTracingOptions::default(),
    )
    .unwrap();
    let GethTrace::Default(frame) = trace else { panic!("expected struct logs") };
    assert!(!frame.failed);
    let opcodes: Vec<&str> = frame.struct_logs.iter().map(|log| log.op.as_ref()).collect();
    assert_eq!(opcodes, ["PUSH1", "PUSH1", "MSTORE", "PUSH1", "PUSH1", "RETURN"]);
}

#[test]
fn unknown_tracer_is_refused_with_the_supported_list() {
    let state = funded_state();
    let options = GethDebugTracingOptions::default()
        .with_tracer(GethDebugTracerType::JsTracer("fancyTracer".into()));
    let err = trace_single(&state, eip1559_tx(0, CONTRACT, 0, 21_000), &options).unwrap_err();
    assert_eq!(err, SimulationError::UnsupportedTracer { name: "fancyTracer".into() });
    assert!(err.to_string().contains("callTracer, prestateTracer"), "{err}");
    assert_eq!(err.rpc_code(), -32602);

    let state_gas = GethDebugTracingOptions::default()
        .with_tracer(GethDebugBuiltInTracerType::StateGasTracer.into());
    assert!(trace_single(&state, eip1559_tx(0, CONTRACT, 0, 21_000), &state_gas).is_err());
}

#[test]
fn target_out_of_range_is_an_error() {
    let state = funded_state();
    let err = trace_transaction(
        &prague(),
        &block_header(),
        None,
        &state,
        &[eip1559_tx(0, CONTRACT, 0, 21_000).into()],
        &[SENDER],
        1,
        &call_tracer(CallConfig::default()),
    )
    .unwrap_err();
    assert_eq!(err, SimulationError::TransactionIndexOutOfRange { index: 1, count: 1 });
}

/// `trace_block` of two transactions from [`SENDER`] in the test block.
fn trace_two(
    state: &MemoryState,
    transactions: &[BasaltTxEnvelope; 2],
    options: &GethDebugTracingOptions,
) -> Result<Vec<TraceResult>, SimulationError> {
    trace_block(&prague(), &block_header(), None, state, transactions, &[SENDER, SENDER], options)
}
