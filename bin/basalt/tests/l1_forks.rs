//! Chains the engine executes are chains `basalt l1` serves: a genesis that schedules the BPO
//! forks after Osaka (as mainnet does) is served under the BPO blob schedule, and a genesis
//! that schedules a fork the engine does not execute is refused by `l1` and `import` alike.

mod common;

use alloy_primitives::U256;
use basalt_chain::dev::DevGenesis;
use basalt_primitives::Hardfork;
use basalt_test_harness::BasaltL1;
use serde_json::{Value, json};
use std::path::Path;

/// The dev genesis (Osaka at 0, with the system contracts it needs) with the mainnet BPO1/BPO2
/// schedule right after, plus `extra` config keys.
fn bpo_genesis(extra: &[(&str, Value)]) -> String {
    let dev = DevGenesis {
        chain_id: 4242,
        fork: Hardfork::Osaka,
        gas_limit: 30_000_000,
        base_fee: 1_000_000_000,
        timestamp: 0,
        accounts: &[],
        balance: U256::ZERO,
    }
    .to_json();
    let mut genesis: Value = serde_json::from_str(&dev).unwrap();
    let config = &mut genesis["config"];
    config["bpo1Time"] = json!(1);
    config["bpo2Time"] = json!(2);
    config["blobSchedule"]["bpo1"] =
        json!({"target": 10, "max": 15, "baseFeeUpdateFraction": 8346193});
    config["blobSchedule"]["bpo2"] =
        json!({"target": 14, "max": 21, "baseFeeUpdateFraction": 11684671});
    for (key, value) in extra {
        config[*key] = value.clone();
    }
    genesis.to_string()
}

#[test]
fn l1_serves_a_genesis_with_bpo_forks_after_osaka() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = dir.path().join("genesis.json");
    std::fs::write(&genesis, bpo_genesis(&[])).unwrap();
    let node = BasaltL1::start(
        Path::new(env!("CARGO_BIN_EXE_basalt")),
        &["--genesis", genesis.to_str().unwrap(), "--no-mining"],
    );
    assert_eq!(node.result("eth_chainId", json!([])), "0x1092");
    // The next block is past both BPO activations: it is built under BPO2's blob schedule.
    node.result("evm_mine", json!([]));
    let config = node.result("eth_config", json!([]));
    assert_eq!(config["current"]["blobSchedule"]["max"], 21, "{config}");
    assert_eq!(config["current"]["blobSchedule"]["target"], 14, "{config}");
    let block = node.result("eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(block["number"], "0x1");
}

#[test]
fn a_fork_the_engine_does_not_execute_is_refused_by_l1_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = dir.path().join("genesis.json");
    std::fs::write(&genesis, bpo_genesis(&[("amsterdamTime", json!(100))])).unwrap();

    let l1 = common::basalt().args(["l1", "--genesis"]).arg(&genesis).output().unwrap();
    let import = common::basalt()
        .args(["import", "--genesis"])
        .arg(&genesis)
        .arg("--datadir")
        .arg(dir.path().join("data"))
        .arg(dir.path().join("missing.rlp"))
        .output()
        .unwrap();
    for output in [l1, import] {
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("amsterdamTime") && stderr.contains("does not execute"),
            "{stderr}"
        );
        assert_eq!(stderr.lines().filter(|l| l.starts_with("error")).count(), 1, "{stderr}");
    }
}

/// Prague blocks call the EIP-7002 and EIP-7251 contracts and are invalid without them: a
/// genesis that activates Prague without them is refused at start, not served unable to mine.
#[test]
fn l1_refuses_a_prague_genesis_without_its_system_contracts() {
    let dir = tempfile::tempdir().unwrap();
    let mut genesis: Value = serde_json::from_str(&bpo_genesis(&[])).unwrap();
    let alloc = genesis["alloc"].as_object_mut().unwrap();
    alloc.retain(|address, _| {
        let address = address.to_lowercase();
        !address.ends_with("7002") && !address.ends_with("7251")
    });
    let path = dir.path().join("genesis.json");
    std::fs::write(&path, genesis.to_string()).unwrap();
    let output = common::basalt().args(["l1", "--genesis"]).arg(&path).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("0x00000961Ef480Eb55e80D19ad83579A64c007002"), "{stderr}");
    assert!(stderr.contains("EIP-7251"), "{stderr}");
}
