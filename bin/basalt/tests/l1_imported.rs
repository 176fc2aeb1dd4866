//! `basalt l1 --datadir` over a chain written by `basalt import`: the node serves that chain
//! (its genesis, blocks, state and chain id) and mines on top of it.

mod common;

use basalt_test_harness::{BasaltL1, rpc_call};
use common::{chain_files, import};
use serde_json::{Value, json};
use std::path::Path;

fn result(node: &BasaltL1, method: &str, params: Value) -> Value {
    let response = rpc_call(node.port, method, params.clone());
    response
        .get("result")
        .cloned()
        .unwrap_or_else(|| panic!("{method} {params}: {response}\n{}", node.log()))
}

#[test]
fn l1_serves_an_imported_chain_and_extends_it() {
    let files = chain_files(5, 3);
    let datadir = files.dir.path().join("data");
    let (ok, _, stderr) = import(&files.genesis, &datadir, &files.chain);
    assert!(ok, "{stderr}");
    let last = files.blocks.last().unwrap();

    let node = BasaltL1::start(
        Path::new(env!("CARGO_BIN_EXE_basalt")),
        &[
            "--datadir",
            datadir.to_str().unwrap(),
            "--genesis",
            files.genesis.to_str().unwrap(),
            "--no-mining",
        ],
    );
    assert_eq!(result(&node, "eth_chainId", json!([])), "0x539"); // the workload's 1337
    assert_eq!(result(&node, "eth_blockNumber", json!([])), "0x5");
    let head = result(&node, "eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(head["hash"], format!("{}", last.header.hash_slow()));
    assert_eq!(head["stateRoot"], format!("{}", last.header.state_root));
    let first_tx = &files.blocks[0].body.transactions[0];
    let tx = result(&node, "eth_getTransactionByHash", json!([first_tx.tx_hash()]));
    assert_eq!(tx["blockNumber"], "0x1");

    // Mining continues on the imported head.
    assert_eq!(result(&node, "evm_mine", json!([])), "0x0");
    let next = result(&node, "eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(next["number"], "0x6");
    assert_eq!(next["parentHash"], head["hash"]);
    // Without --gas-limit the imported chain's limit carries on (no jump a real chain forbids).
    assert_eq!(next["gasLimit"], head["gasLimit"]);
}
