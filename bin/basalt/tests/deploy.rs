//! `basalt deploy` as an operator runs it, against anvil from npm: it deploys and writes the
//! deployment file and the L2 genesis beside it (the proposer starts from that genesis's state
//! root, and a node serving the file answers on its predeploys), refuses to deploy twice, and a
//! dead L1 is one clear error.

mod common;

use basalt_test_harness::{Anvil, BasaltL1, free_port, npm_bin};
use common::basalt;
use serde_json::{Value, json};

/// `cast call` against `url`; the decoded output, trimmed.
fn cast_call(url: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(npm_bin("cast"))
        .arg("call")
        .args(args)
        .args(["--rpc-url", url])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cast call {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// anvil's first dev account (a well-known test key).
const DEPLOYER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn deploy(url: &str, out: &std::path::Path) -> std::process::Output {
    basalt()
        .args([
            "deploy",
            "--l1-rpc-url",
            url,
            "--private-key",
            DEPLOYER_KEY,
            "--dev-no-verifier",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap()
}

/// Deploys to `anvil` into a fresh directory; returns it, the command's stdout and deploy.json.
fn deployed(anvil: &Anvil) -> (tempfile::TempDir, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deploy.json");
    let first = deploy(&anvil.url, &out);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let json = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    (dir, String::from_utf8_lossy(&first.stdout).into_owned(), json)
}

#[test]
fn deploy_writes_the_deployment_and_refuses_to_deploy_twice() {
    let anvil = Anvil::start(&[]);
    let (dir, stdout, json) = deployed(&anvil);
    let out = dir.path().join("deploy.json");
    for key in ["rollup", "bridge", "timelock", "chain_id", "l1_deploy_block"] {
        assert!(json.get(key).is_some(), "deploy.json lacks {key}: {json}");
    }
    assert_eq!(json["chain_id"], serde_json::json!(31337));
    assert!(stdout.contains("L2 genesis"), "the summary names the L2 genesis: {stdout}");

    // The L2 genesis sits beside deploy.json; its roots (as the engine computes them) are the
    // ones recorded, and the proposer's batch 0 starts from its state root.
    let genesis_path = dir.path().join("l2-genesis.json");
    let genesis_text = std::fs::read_to_string(&genesis_path).expect("l2-genesis.json written");
    let (state_root, block_hash) = basalt_l2_genesis::roots_of(&genesis_text).unwrap();
    assert_eq!(json["genesis_state_root"], json!(state_root));
    assert_eq!(json["l2_genesis_hash"], json!(block_hash));
    let rollup = json["rollup"].as_str().unwrap();
    let batch0 = cast_call(
        &anvil.url,
        &[rollup, "getBatch(uint256)(bytes32,bytes32,bytes32,bytes32,bytes32,uint64,uint64)", "0"],
    );
    assert_eq!(batch0.lines().next(), Some(state_root.to_string().as_str()), "{batch0}");
    let genesis: Value = serde_json::from_str(&genesis_text).unwrap();
    assert_eq!(genesis["config"]["chainId"], json["l2_chain_id"]);

    let second = deploy(&anvil.url, &out);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&second.stdout),
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(said.to_lowercase().contains("already deployed"), "{said}");
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(again["rollup"], json["rollup"], "a second deployment replaced the first");
}

/// A node started from the written `l2-genesis.json` serves block 0 with the recorded roots, and
/// the predeploys answer: WETH9's metadata, Multicall3's `aggregate3`.
#[test]
fn a_node_serves_the_written_l2_genesis() {
    let anvil = Anvil::start(&[]);
    let (dir, _, json) = deployed(&anvil);
    let genesis = dir.path().join("l2-genesis.json");
    let node = BasaltL1::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_basalt")),
        &["--genesis", genesis.to_str().unwrap()],
    );
    let block0 = node.result("eth_getBlockByNumber", json!(["0x0", false]));
    assert_eq!(block0["hash"], json["l2_genesis_hash"], "{}", node.log());
    assert_eq!(block0["stateRoot"], json["genesis_state_root"]);
    assert_eq!(
        node.result("eth_chainId", json!([])),
        json!(format!("{:#x}", json["l2_chain_id"].as_u64().unwrap()))
    );

    let weth = "0x4200000000000000000000000000000000000006";
    assert_eq!(cast_call(&node.url, &[weth, "name()(string)"]), "\"Wrapped Ether\"");
    assert_eq!(cast_call(&node.url, &[weth, "symbol()(string)"]), "\"WETH\"");
    assert_eq!(cast_call(&node.url, &[weth, "decimals()(uint8)"]), "18");
    let multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11";
    // aggregate3 of WETH.symbol() and Multicall3.getChainId().
    let calls = format!("[({weth},false,0x95d89b41),({multicall3},false,0x3408e470)]");
    let results = cast_call(
        &node.url,
        &[multicall3, "aggregate3((address,bool,bytes)[])((bool,bytes)[])", &calls],
    );
    let chain_id_word = format!("{:064x}", json["l2_chain_id"].as_u64().unwrap());
    assert!(results.starts_with("[(true, 0x"), "{results}");
    assert!(results.contains("5745544800000000"), "WETH symbol in {results}");
    assert!(results.contains(&chain_id_word), "L2 chain id in {results}");
}

#[test]
fn unreachable_l1_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{}", free_port());
    let output = deploy(&url, &dir.path().join("deploy.json"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{stderr}");
    assert!(stderr.contains(&url), "the error names the endpoint: {stderr}");
}
