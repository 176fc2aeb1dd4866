//! Traces of privileged (`0x7e`) transactions included as failed (invalid as ordinary
//! transactions): every tracer shows the top call that failed before executing, with the gas
//! the block charged and why it failed, as geth's tracers show a call refused before its code.

use super::*;
use crate::executor::BlockExecutor;
use crate::test_support::{BLOCK_GAS_LIMIT, ETHER, MemoryState, block_header, prague};
use alloy_primitives::{Bytes, TxKind, U256, address};
use alloy_rpc_types_trace::geth::{CallConfig, PreStateConfig, PreStateFrame};
use basalt_primitives::{Hardfork, RollupConfig, TxPrivileged};
use serde_json::json;

const FROM: Address = address!("0x1111000000000000000000000000000000002222");
const TARGET: Address = address!("0x2000000000000000000000000000000000000002");

fn l2() -> ChainConfig {
    l2_at(prague())
}

fn l2_at(mut config: ChainConfig) -> ChainConfig {
    config.rollup = Some(RollupConfig {
        bridge: address!("0x00000000000000000000000000000000000001ff"),
        fees: Default::default(),
    });
    config
}

fn l2_osaka() -> ChainConfig {
    l2_at(ChainConfig::all_active_at_genesis(1, Hardfork::Osaka))
}

/// `FROM` holds 1 ether and has sent 4 transactions.
fn state() -> MemoryState {
    let mut state = MemoryState::default();
    state.fund(FROM, ETHER).set_nonce(FROM, 4);
    state
}

fn privileged(to: TxKind, mint: u128, value: u128, gas_limit: u64, input: &[u8]) -> TxPrivileged {
    TxPrivileged {
        chain_id: 1,
        nonce: 1_000, // the bridge's id, not the account's nonce
        gas_limit,
        to,
        mint: U256::from(mint),
        value: U256::from(value),
        input: Bytes::copy_from_slice(input),
        from: FROM,
    }
}

fn trace(tx: TxPrivileged, options: &GethDebugTracingOptions) -> serde_json::Value {
    trace_on(&l2(), tx, options)
}

fn trace_on(
    config: &ChainConfig,
    tx: TxPrivileged,
    options: &GethDebugTracingOptions,
) -> serde_json::Value {
    let transactions = [BasaltTxEnvelope::from(tx)];
    let trace = trace_transaction(
        config,
        &block_header(),
        None,
        &state(),
        &transactions,
        &[FROM],
        0,
        options,
    )
    .unwrap();
    serde_json::to_value(trace).unwrap()
}

/// What the block executor made of `tx` alone in the test block: its receipt's status and the
/// gas the block charged it.
fn executed(config: &ChainConfig, tx: &TxPrivileged) -> (bool, u64) {
    let header = block_header();
    let state = state();
    let mut executor = BlockExecutor::new(config, &header, None, &state);
    let tx = BasaltTxEnvelope::from(tx.clone());
    let status = executor.execute_transaction(0, &tx, FROM, None).unwrap().status();
    (status, executor.gas_used())
}

fn call_tracer() -> GethDebugTracingOptions {
    GethDebugTracingOptions::call_tracer(CallConfig::default())
}

#[test]
fn call_tracer_shows_a_value_above_the_balance_as_a_failed_call() {
    // 1 ether held + 1 minted < 5 sent.
    let tx = privileged(TxKind::Call(TARGET), ETHER, 5 * ETHER, 90_000, &[0xd0, 0xe3]);
    let frame = trace(tx, &call_tracer());
    assert_eq!(frame["type"], "CALL", "{frame}");
    assert_eq!(frame["from"], json!(FROM));
    assert_eq!(frame["to"], json!(TARGET));
    assert_eq!(frame["value"], format!("{:#x}", 5 * ETHER));
    assert_eq!(frame["gas"], "0x15f90");
    assert_eq!(frame["gasUsed"], "0x15f90", "the whole gas limit is charged");
    assert_eq!(frame["input"], "0xd0e3");
    assert_eq!(frame["error"], "insufficient balance for transfer");
    assert!(frame.get("calls").is_none(), "{frame}");

    // The flat (parity-style) call tracer shows the same one call.
    let tx = privileged(TxKind::Call(TARGET), ETHER, 5 * ETHER, 90_000, &[]);
    let options = GethDebugTracingOptions::default().with_tracer(
        alloy_rpc_types_trace::geth::GethDebugBuiltInTracerType::FlatCallTracer.into(),
    );
    let flat = trace(tx, &options);
    assert_eq!(flat.as_array().map(Vec::len), Some(1), "{flat}");
    assert_eq!(flat[0]["action"]["from"], json!(FROM));
    assert_eq!(flat[0]["action"]["to"], json!(TARGET));
    assert_eq!(flat[0]["error"], "Insufficient balance for transfer");
}

#[test]
fn prestate_tracer_shows_the_sender_before_and_after_its_mint() {
    let tx = privileged(TxKind::Call(TARGET), 2 * ETHER, 5 * ETHER, 90_000, &[]);
    let frame = trace(tx.clone(), &GethDebugTracingOptions::prestate_tracer(Default::default()));
    assert_eq!(frame[FROM.to_string().to_lowercase()]["balance"], format!("{ETHER:#x}"), "{frame}");
    assert_eq!(frame[FROM.to_string().to_lowercase()]["nonce"], 4);

    let diff_mode = PreStateConfig { diff_mode: Some(true), ..Default::default() };
    let options = GethDebugTracingOptions::prestate_tracer(diff_mode);
    let transactions = [BasaltTxEnvelope::from(tx)];
    let trace = trace_transaction(
        &l2(),
        &block_header(),
        None,
        &state(),
        &transactions,
        &[FROM],
        0,
        &options,
    )
    .unwrap();
    let GethTrace::PreStateTracer(PreStateFrame::Diff(diff)) = trace else {
        panic!("expected a prestate diff, got {trace:?}");
    };
    assert_eq!(diff.pre[&FROM].balance, Some(U256::from(ETHER)));
    assert_eq!(diff.post[&FROM].balance, Some(U256::from(3 * ETHER)), "the mint is kept");
    assert_eq!(diff.post[&FROM].nonce, Some(5));
    assert!(!diff.post.contains_key(&TARGET), "nothing else moved: {diff:?}");
}

/// One refusal kind of each rule: a name, the chain, the transaction and the error callTracer
/// gives.
fn refusals() -> Vec<(&'static str, ChainConfig, TxPrivileged, &'static str)> {
    let to = TxKind::Call(TARGET);
    // 10 non-zero bytes: 21,160 gas of intrinsic cost, 21,400 with the EIP-7623 floor.
    let below_floor = privileged(to, ETHER, 0, 21_300, &[1; 10]);
    vec![
        ("value above balance", l2(), privileged(to, ETHER, 5 * ETHER, 90_000, &[]), OUT_OF_FUNDS),
        (
            "creation's value above balance",
            l2(),
            privileged(TxKind::Create, 0, 2 * ETHER, 100_000, &[0]),
            OUT_OF_FUNDS,
        ),
        ("below intrinsic gas", l2(), privileged(to, ETHER, 0, 20_000, &[]), "out of gas"),
        (
            "creation below intrinsic gas",
            l2(),
            privileged(TxKind::Create, ETHER, 0, 40_000, &[0]),
            "out of gas",
        ),
        ("below the EIP-7623 floor", l2(), below_floor, "out of gas"),
        (
            "initcode above the EIP-3860 limit",
            l2(),
            privileged(TxKind::Create, ETHER, 0, 1_000_000, &[0; 49_153]),
            "max initcode size exceeded",
        ),
        (
            "above the block gas limit",
            l2(),
            privileged(to, ETHER, 0, BLOCK_GAS_LIMIT + 1, &[]),
            "out of gas",
        ),
        (
            "above the EIP-7825 cap",
            l2_osaka(),
            privileged(to, ETHER, 0, (1 << 24) + 1, &[]),
            "out of gas",
        ),
    ]
}

const OUT_OF_FUNDS: &str = "insufficient balance for transfer";

#[test]
fn every_refusal_traces_as_the_block_executed_it() {
    for (name, config, tx, error) in refusals() {
        let (status, gas_used) = executed(&config, &tx);
        assert!(!status, "{name}: included as failed");

        let frame = trace_on(&config, tx.clone(), &call_tracer());
        assert_eq!(frame["error"], error, "{name}: {frame}");
        assert_eq!(frame["gas"], format!("{:#x}", tx.gas_limit), "{name}");
        assert_eq!(frame["gasUsed"], format!("{gas_used:#x}"), "{name}: as its receipt");
        assert_eq!(frame["from"], json!(FROM), "{name}");
        if let TxKind::Call(to) = tx.to {
            assert_eq!((&frame["type"], &frame["to"]), (&json!("CALL"), &json!(to)), "{name}");
        } else {
            assert_eq!(frame["type"], "CREATE", "{name}");
            // geth leaves out `to` of a creation that failed.
            assert!(frame.get("to").is_none(), "{name}: {frame}");
        }

        let logger = trace_on(&config, tx.clone(), &GethDebugTracingOptions::default());
        assert_eq!(logger["failed"], true, "{name}: {logger}");
        assert_eq!(logger["gas"], gas_used, "{name}");
        assert_eq!(logger["structLogs"], json!([]), "{name}");

        let diff_mode = PreStateConfig { diff_mode: Some(true), ..Default::default() };
        let options = GethDebugTracingOptions::prestate_tracer(diff_mode);
        let diff = trace_on(&config, tx.clone(), &options);
        let from = FROM.to_string().to_lowercase();
        // An unchanged balance is left out of `post`.
        let balance = (!tx.mint.is_zero()).then(|| format!("{:#x}", U256::from(ETHER) + tx.mint));
        assert_eq!(diff["post"][&from]["balance"], json!(balance), "{name}: {diff}");
        assert_eq!(diff["post"][&from]["nonce"], 5, "{name}: one bump");
        let changed: Vec<_> = diff["post"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(changed, [from], "{name}: nothing else moved");
    }
}

#[test]
fn every_supported_tracer_traces_every_refusal() {
    let mux = json!({"callTracer": {}, "4byteTracer": null, "prestateTracer": {"diffMode": true}});
    for (name, config, tx, _) in refusals() {
        for tracer in SUPPORTED_TRACERS {
            // As the RPC reads them.
            let config_json = if *tracer == "muxTracer" { mux.clone() } else { json!({}) };
            let options: GethDebugTracingOptions =
                serde_json::from_value(json!({"tracer": tracer, "tracerConfig": config_json}))
                    .unwrap();
            let transactions = [BasaltTxEnvelope::from(tx.clone())];
            let header = block_header();
            let traced = trace_transaction(
                &config,
                &header,
                None,
                &state(),
                &transactions,
                &[FROM],
                0,
                &options,
            );
            assert!(traced.is_ok(), "{name} under {tracer}: {traced:?}");
        }
    }
    // The mux's call tracer is the call tracer.
    let (name, config, tx, error) = refusals().remove(0);
    let options: GethDebugTracingOptions =
        serde_json::from_value(json!({"tracer": "muxTracer", "tracerConfig": mux})).unwrap();
    let muxed = trace_on(&config, tx, &options);
    assert_eq!(muxed["callTracer"]["error"], error, "{name}: {muxed}");
}

#[test]
fn trace_block_shows_the_failed_inclusion_and_what_follows_sees_its_mint() {
    // The first is refused (1 ether + 2 minted < 5 sent); the second sends 3 ether, which only
    // the kept mint covers.
    let refused = privileged(TxKind::Call(TARGET), 2 * ETHER, 5 * ETHER, 90_000, &[]);
    let spends_the_mint = privileged(TxKind::Call(TARGET), 0, 3 * ETHER, 90_000, &[]);
    let transactions = [refused, spends_the_mint].map(BasaltTxEnvelope::from);
    let (config, header, state, options) = (l2(), block_header(), state(), call_tracer());
    let senders = [FROM, FROM];
    let results =
        trace_block(&config, &header, None, &state, &transactions, &senders, &options).unwrap();
    let frames: Vec<serde_json::Value> = results
        .iter()
        .map(|result| serde_json::to_value(result.success().expect("traced")).unwrap())
        .collect();
    assert_eq!(frames[0]["error"], OUT_OF_FUNDS, "{}", frames[0]);
    assert_eq!(frames[0]["gasUsed"], "0x15f90");
    assert!(frames[1].get("error").is_none(), "{}", frames[1]);
    assert_eq!(frames[1]["value"], format!("{:#x}", 3 * ETHER));

    // Tracing the second alone replays the first untraced, to the same state.
    let alone =
        trace_transaction(&config, &header, None, &state, &transactions, &senders, 1, &options);
    assert_eq!(serde_json::to_value(alone.unwrap()).unwrap(), frames[1]);
}
