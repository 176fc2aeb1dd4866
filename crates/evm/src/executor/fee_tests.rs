//! The L2 fee rules of ordinary transactions through the block executor (docs/l2-fees.md):
//! L1 data gas in the initial gas, Ethereum's price rule on a base fee that holds the operator
//! fee, the split between the vaults, the burn and the coinbase; every branch.

use super::*;
use crate::test_support::{BASE_FEE, ETHER, MemoryState, block_header, eip1559_tx};
use alloy_consensus::{SignableTransaction, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Signature, TxKind};
use basalt_primitives::{
    FeeSettings, RollupConfig, TxEnvelope, TxPrivileged,
    fee_config::{DEFAULT_L1_FEE_VAULT, l1_data_size},
};

const BRIDGE: Address = address!("0x00000000000000000000000000000000000001ff");
const SENDER: Address = address!("0x5e00000000000000000000000000000000000005");
const TO: Address = address!("0x7000000000000000000000000000000000000007");
const BASE_VAULT: Address = address!("0xba00000000000000000000000000000000000001");
const OPERATOR_VAULT: Address = address!("0x0f00000000000000000000000000000000000002");
/// Part of the header's 7 wei base fee: 4 wei market part + 3 wei operator fee.
const OPERATOR_FEE: u128 = 3;
/// With the placeholder signature a transfer estimates at the 100-byte minimum: 100 × 70 ×
/// 131072/126976 = 7225 wei of L1 cost, 1033 gas at the 7 wei base fee.
const L1_BLOB_BASE_FEE: u128 = 70;
const TRANSFER_L1_GAS: u64 = 1_033;

fn settings(base_fee_vault: Option<Address>) -> FeeSettings {
    FeeSettings {
        base_fee_vault,
        operator_fee_vault: Some(OPERATOR_VAULT),
        operator_fee_per_gas: alloy_primitives::U128::from(OPERATOR_FEE),
        ..Default::default()
    }
}

fn l2() -> ChainConfig {
    let mut config = ChainConfig::all_active_at_genesis(1, Hardfork::Cancun);
    config.rollup = Some(RollupConfig { bridge: BRIDGE, fees: settings(Some(BASE_VAULT)) });
    config
}

fn fees(base_fee_vault: Option<Address>, blob_base_fee: u128) -> FeeConfig {
    FeeConfig::new(&settings(base_fee_vault), blob_base_fee)
}

fn funded() -> MemoryState {
    let mut state = MemoryState::default();
    state.fund(SENDER, ETHER);
    state
}

fn legacy(gas_price: u128, gas_limit: u64) -> BasaltTxEnvelope {
    let tx = TxLegacy {
        chain_id: Some(1),
        gas_price,
        gas_limit,
        to: TxKind::Call(TO),
        value: U256::from(1),
        ..Default::default()
    };
    TxEnvelope::Legacy(tx.into_signed(Signature::new(U256::from(1), U256::from(1), false))).into()
}

struct Outcome {
    gas_used: u64,
    changes: StateChanges,
}

fn run_with(
    config: &ChainConfig,
    header: &Header,
    fees: &FeeConfig,
    tx: BasaltTxEnvelope,
) -> Result<Outcome, BlockExecutionError> {
    let state = funded();
    let mut executor = BlockExecutor::new(config, header, Some(fees), &state);
    executor.execute_transaction(0, &tx, SENDER, None)?;
    let gas_used = executor.gas_used();
    let changes = executor.finish(Some(&[]), &[])?.changes;
    Ok(Outcome { gas_used, changes })
}

fn run(fees: &FeeConfig, tx: BasaltTxEnvelope) -> Result<Outcome, BlockExecutionError> {
    run_with(&l2(), &block_header(), fees, tx)
}

fn balance(changes: &StateChanges, address: Address) -> U256 {
    changes
        .accounts
        .iter()
        .find(|(a, _)| *a == address)
        .and_then(|(_, account)| *account)
        .map_or(U256::ZERO, |account| account.balance)
}

fn transfer(gas_limit: u64) -> BasaltTxEnvelope {
    eip1559_tx(0, TO, 1, gas_limit).into()
}

#[test]
fn the_l1_data_gas_is_the_documented_estimate() {
    let tx = transfer(50_000);
    let size = l1_data_size(&tx.encoded_2718());
    assert_eq!(size, 100);
    assert_eq!(fees(None, L1_BLOB_BASE_FEE).l1_gas(size, BASE_FEE), TRANSFER_L1_GAS);
}

#[test]
fn fee_is_split_exactly_between_vaults_and_coinbase() {
    let out = run(&fees(Some(BASE_VAULT), L1_BLOB_BASE_FEE), transfer(50_000)).unwrap();
    let gas = 21_000 + TRANSFER_L1_GAS;
    assert_eq!(out.gas_used, gas);
    // Price: min(1 gwei, 7 + 1) = 8 wei per gas.
    let paid = U256::from(8 * u128::from(gas));
    assert_eq!(balance(&out.changes, SENDER), U256::from(ETHER) - paid - U256::from(1));
    let base = u128::from(BASE_FEE);
    assert_eq!(balance(&out.changes, DEFAULT_L1_FEE_VAULT), U256::from(base * 1_033));
    assert_eq!(balance(&out.changes, BASE_VAULT), U256::from((base - OPERATOR_FEE) * 21_000));
    assert_eq!(balance(&out.changes, OPERATOR_VAULT), U256::from(OPERATOR_FEE * 21_000));
    let coinbase = block_header().beneficiary;
    assert_eq!(balance(&out.changes, coinbase), U256::from(u128::from(gas)));
}

#[test]
fn without_a_base_fee_vault_the_base_fee_is_burned() {
    let out = run(&fees(None, L1_BLOB_BASE_FEE), transfer(50_000)).unwrap();
    let gas = 21_000 + TRANSFER_L1_GAS;
    let total: U256 = out.changes.accounts.iter().filter_map(|(_, a)| a.map(|a| a.balance)).sum();
    // Everything the sender lost is somewhere but the market part of the base fee on the
    // non-L1 gas.
    let market = u128::from(BASE_FEE) - OPERATOR_FEE;
    assert_eq!(total, U256::from(ETHER) - U256::from(market * 21_000));
    assert_eq!(balance(&out.changes, BASE_VAULT), U256::ZERO);
    assert_eq!(balance(&out.changes, OPERATOR_VAULT), U256::from(OPERATOR_FEE * 21_000));
    assert_eq!(balance(&out.changes, block_header().beneficiary), U256::from(u128::from(gas)));
}

#[test]
fn gas_limit_must_cover_intrinsic_plus_l1_gas() {
    let fees = fees(Some(BASE_VAULT), L1_BLOB_BASE_FEE);
    let at_limit = run(&fees, transfer(21_000 + TRANSFER_L1_GAS)).unwrap();
    assert_eq!(at_limit.gas_used, 21_000 + TRANSFER_L1_GAS);
    let err = run(&fees, transfer(21_000 + TRANSFER_L1_GAS - 1)).err().unwrap();
    assert!(
        matches!(&err, BlockExecutionError::InvalidTransaction { reason, .. }
            if reason.contains(&format!("{}", 21_000 + TRANSFER_L1_GAS))),
        "{err}"
    );
    // The same transfer under L1 rules needs no L1 data gas.
    let l1 = ChainConfig::all_active_at_genesis(1, Hardfork::Cancun);
    let out = run_with(&l1, &block_header(), &fees, transfer(21_000)).unwrap();
    assert_eq!(out.gas_used, 21_000);
}

#[test]
fn a_price_below_the_base_fee_is_refused_as_on_ethereum() {
    let fees = fees(Some(BASE_VAULT), L1_BLOB_BASE_FEE);
    // Legacy at 6 wei: below the 7 wei base fee (which holds the 3 wei operator fee).
    let err = run(&fees, legacy(6, 50_000)).err().unwrap();
    assert!(err.to_string().contains("gas price is less than basefee"), "{err}");
    // At 7 wei it pays exactly the base fee; the coinbase gets nothing.
    let out = run(&fees, legacy(7, 50_000)).unwrap();
    let gas = u128::from(out.gas_used);
    let l1_gas = gas - 21_000;
    assert_eq!(balance(&out.changes, OPERATOR_VAULT), U256::from(OPERATOR_FEE * 21_000));
    assert_eq!(balance(&out.changes, DEFAULT_L1_FEE_VAULT), U256::from(7 * l1_gas));
    assert_eq!(balance(&out.changes, block_header().beneficiary), U256::ZERO);
    assert_eq!(balance(&out.changes, SENDER), U256::from(ETHER - 7 * gas - 1));
}

#[test]
fn a_zero_base_fee_prices_l1_gas_at_one_wei_and_pays_no_l1_fee() {
    let header = Header { base_fee_per_gas: Some(0), ..block_header() };
    let fees = fees(Some(BASE_VAULT), L1_BLOB_BASE_FEE);
    let l1_gas = 7_225;
    let out = run_with(&l2(), &header, &fees, transfer(21_000 + l1_gas)).unwrap();
    assert_eq!(out.gas_used, 21_000 + l1_gas);
    assert_eq!(balance(&out.changes, DEFAULT_L1_FEE_VAULT), U256::ZERO);
    // Price min(1 gwei, 0 + 1) = 1: all of it is tip (a zero base fee holds no operator fee).
    let gas = u128::from(out.gas_used);
    assert_eq!(balance(&out.changes, OPERATOR_VAULT), U256::ZERO);
    assert_eq!(balance(&out.changes, block_header().beneficiary), U256::from(gas));
}

#[test]
fn an_unpayable_l1_cost_saturates_and_refuses_the_transaction() {
    let fees = fees(Some(BASE_VAULT), u128::MAX);
    let err = run(&fees, transfer(30_000_000)).err().unwrap();
    assert!(matches!(err, BlockExecutionError::InvalidTransaction { .. }), "{err}");
}

#[test]
fn privileged_transactions_pay_no_fee_and_no_l1_gas() {
    let fees = fees(Some(BASE_VAULT), u128::MAX);
    let deposit = TxPrivileged {
        chain_id: 1,
        nonce: 0,
        gas_limit: 21_000,
        to: TxKind::Call(TO),
        mint: U256::from(5),
        value: U256::from(5),
        input: Bytes::new(),
        from: SENDER,
    };
    let out = run(&fees, BasaltTxEnvelope::from(deposit)).unwrap();
    assert_eq!(out.gas_used, 21_000);
    assert_eq!(balance(&out.changes, TO), U256::from(5));
    assert_eq!(balance(&out.changes, DEFAULT_L1_FEE_VAULT), U256::ZERO);
    assert_eq!(balance(&out.changes, OPERATOR_VAULT), U256::ZERO);
}
