//! The bridge's ether accounting, checked from outside over JSON-RPC after a scenario: the L1
//! bridge's balance against the L2's supply (`basalt_ethSupply`), and each fee vault against what
//! the receipts say it earned (docs/bridge.md, "basalt_ethSupply").

#![allow(dead_code)] // each test file uses part of it

use alloy::sol_types::SolEvent;
use alloy_primitives::{Address, U256};
use basalt_contracts::{bindings::CommonBridge::WithdrawalClaimed, formats::ETH_TOKEN};
use basalt_test_harness::rpc_call;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A JSON-RPC result from `port`, panicking with the node's log (`log`) on an error.
fn rpc_result(port: u16, method: &str, params: Value, log: &dyn Fn() -> String) -> Value {
    let response = rpc_call(port, method, params.clone());
    response
        .get("result")
        .cloned()
        .unwrap_or_else(|| panic!("{method} {params}: {response}\n{}", log()))
}

fn u256(value: &Value) -> U256 {
    value.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not a quantity: {value}"))
}

/// One reading of both chains for [`assert_eth_accounting`].
#[derive(Debug)]
struct EthAccounting {
    l2_block: u64,
    /// L1 bridge balance + ether claimed on the L1 (wei).
    l1_side: U256,
    /// L2 supply + burned base fee (wei).
    l2_side: U256,
    /// (vault, its balance, what the receipts say it earned), per configured vault.
    vaults: Vec<(&'static str, U256, U256)>,
}

/// Reads the L2 supply at its head with everything the receipts up to that block say about fees,
/// and the L1 bridge's balance with the ether claims it paid.
fn read_eth_accounting(l1: u16, l2: u16, log: &dyn Fn() -> String) -> EthAccounting {
    let config = rpc_result(l2, "basalt_rollupConfig", json!([]), log);
    let bridge: Address = config["bridge"].as_str().unwrap().parse().unwrap();
    let fees = &config["fees"];
    let vault = |name: &str| fees[name].as_str().map(|a| a.parse::<Address>().unwrap());
    let operator_fee = u256(&fees["operatorFeePerGas"]);

    let supply = rpc_result(l2, "basalt_ethSupply", json!([]), log);
    let head = u256(&supply["blockNumber"]).to::<u64>();
    let (mut burned_or_vault, mut operator, mut l1_fee) = (U256::ZERO, U256::ZERO, U256::ZERO);
    for number in 1..=head {
        let block =
            rpc_result(l2, "eth_getBlockByNumber", json!([format!("{number:#x}"), false]), log);
        let base_fee = u256(&block["baseFeePerGas"]);
        let receipts = rpc_result(l2, "eth_getBlockReceipts", json!([format!("{number:#x}")]), log);
        for receipt in receipts.as_array().unwrap() {
            if receipt["type"] == "0x7e" {
                continue; // privileged: no gas paid
            }
            let gas = u256(&receipt["gasUsed"]);
            let l1_gas = u256(&receipt["l1GasUsed"]).min(gas);
            assert_eq!(u256(&receipt["l1Fee"]), base_fee * l1_gas, "l1Fee = b · L: {receipt}");
            l1_fee += base_fee * l1_gas;
            burned_or_vault += (base_fee - operator_fee) * (gas - l1_gas);
            operator += operator_fee * (gas - l1_gas);
        }
    }
    let at_head = json!(format!("{head:#x}"));
    let balance_at =
        |address: Address| u256(&rpc_result(l2, "eth_getBalance", json!([address, at_head]), log));
    let mut vaults = Vec::new();
    if let Some(v) = vault("l1FeeVault") {
        vaults.push(("L1-fee vault", balance_at(v), l1_fee));
    }
    if let Some(v) = vault("operatorFeeVault") {
        vaults.push(("operator fee vault", balance_at(v), operator));
    }
    let burned = match vault("baseFeeVault") {
        Some(v) => {
            vaults.push(("base-fee vault", balance_at(v), burned_or_vault));
            U256::ZERO
        }
        None => burned_or_vault,
    };

    let l1_balance = u256(&rpc_result(l1, "eth_getBalance", json!([bridge, "latest"]), log));
    let filter = json!({
        "address": bridge,
        "fromBlock": "0x0",
        "toBlock": "latest",
        "topics": [WithdrawalClaimed::SIGNATURE_HASH, ETH_TOKEN.into_word()],
    });
    let claimed = rpc_result(l1, "eth_getLogs", json!([filter]), log)
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let data = entry["data"].as_str().unwrap().trim_start_matches("0x");
            U256::from_str_radix(&data[..64], 16).unwrap() // amount, the first data word
        })
        .fold(U256::ZERO, |sum, amount| sum + amount);
    EthAccounting {
        l2_block: head,
        l1_side: l1_balance + claimed,
        l2_side: u256(&supply["supply"]) + burned,
        vaults,
    }
}

/// The bridge's ether accounting between the dev L1 (or anvil) at `l1` and the L2 node at `l2`:
/// L1 bridge balance + ether claimed on the L1 = L2 supply (`basalt_ethSupply`) + burned base
/// fee, and each configured fee vault holds exactly what the receipts say it earned. Deposits
/// sent but not yet executed on the L2 make the two sides differ for a moment, so the check
/// is repeated for up to 30 s before it fails with both readings.
pub fn assert_eth_accounting(l1: u16, l2: u16, log: &dyn Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reading = read_eth_accounting(l1, l2, log);
        let vaults_hold = reading.vaults.iter().all(|(_, held, earned)| held == earned);
        if reading.l1_side == reading.l2_side && vaults_hold {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "ether accounting does not hold at L2 block {}: L1 bridge + claimed = {}, L2 supply + \
             burned = {}; vaults (held, earned): {:?}\n{}",
            reading.l2_block,
            reading.l1_side,
            reading.l2_side,
            reading.vaults,
            log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
