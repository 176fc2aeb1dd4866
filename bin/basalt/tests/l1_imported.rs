//! `basalt l1 --datadir` over a chain written by `basalt import`: the node serves that chain
//! (its genesis, blocks, state and chain id) and mines on top of it.

mod common;

use basalt_test_harness::BasaltL1;
use common::{chain_files, import};
use serde_json::json;
use std::path::Path;

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
    assert_eq!(node.result("eth_chainId", json!([])), "0x539"); // the workload's 1337
    assert_eq!(node.result("eth_blockNumber", json!([])), "0x5");
    let head = node.result("eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(head["hash"], format!("{}", last.header.hash_slow()));
    assert_eq!(head["stateRoot"], format!("{}", last.header.state_root));
    let first_tx = &files.blocks[0].body.transactions[0];
    let tx = node.result("eth_getTransactionByHash", json!([first_tx.tx_hash()]));
    assert_eq!(tx["blockNumber"], "0x1");

    // Mining continues on the imported head.
    assert_eq!(node.result("evm_mine", json!([])), "0x0");
    let next = node.result("eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(next["number"], "0x6");
    assert_eq!(next["parentHash"], head["hash"]);
    // Without --gas-limit the imported chain's limit carries on (no jump a real chain forbids).
    assert_eq!(next["gasLimit"], head["gasLimit"]);
}
