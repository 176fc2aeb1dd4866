//! The L2 fee rules through the chain (docs/l2-fees.md): every mined L2 block is stored with
//! its fee config in the block's write, a replay needs that config, and over random workloads
//! of deposits and transfers no ether appears or vanishes: the sum of all L2 balances plus the
//! burned base fees equals the ether minted by deposits.

use alloy_consensus::TxEip1559;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, keccak256};
use basalt_chain::{
    Blockchain, ImportError, builder::BlockTemplate, genesis::init_from_spec,
    system_contracts::system_contracts,
};
use basalt_primitives::{
    BasaltTxEnvelope, FeeConfig, GenesisSpec, TxPrivileged,
    fee_config::l1_data_size,
    sender::{address_of, sign_transaction},
};
use basalt_storage::Database;
use proptest::prelude::*;
use serde_json::json;

const CHAIN_ID: u64 = 901;
const BRIDGE: Address = address!("0x00000000000000000000000000000000000001ff");
const OPERATOR_VAULT: Address = address!("0x0f00000000000000000000000000000000000001");
const COINBASE: Address = address!("0xc0ffee0000000000000000000000000000000001");
const OPERATOR_FEE: u128 = 50;
const USERS: u64 = 4;

/// An L2 genesis (every fork to Osaka at 0, base fee 1000 wei) with no funded account; the
/// base fee is burned (no base-fee vault) and an operator fee of 50 wei per gas is charged.
fn genesis_json() -> String {
    let mut alloc = serde_json::Map::new();
    for (address, code) in system_contracts() {
        alloc.insert(
            address.to_string(),
            json!({"balance": "0x0", "nonce": "0x1", "code": code.to_string()}),
        );
    }
    json!({
        "config": {
            "chainId": CHAIN_ID, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0,
            "eip158Block": 0, "byzantiumBlock": 0, "constantinopleBlock": 0,
            "petersburgBlock": 0, "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0,
            "mergeNetsplitBlock": 0, "terminalTotalDifficulty": 0, "shanghaiTime": 0,
            "cancunTime": 0, "pragueTime": 0, "osakaTime": 0,
            "blobSchedule": {
                "cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477},
                "prague": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716},
                "osaka": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716}
            },
            "basalt": {
                "bridge": BRIDGE,
                "fees": {
                    "operatorFeeVault": OPERATOR_VAULT,
                    "operatorFeePerGas": format!("{OPERATOR_FEE:#x}"),
                    "eip1559": {"elasticityMultiplier": 2, "baseFeeMaxChangeDenominator": 8}
                }
            }
        },
        "gasLimit": "0x1c9c380", "difficulty": "0x0", "timestamp": "0x0", "extraData": "0x",
        "baseFeePerGas": "0x3e8", "alloc": alloc,
    })
    .to_string()
}

fn new_chain() -> Blockchain {
    let json = genesis_json();
    let spec = GenesisSpec::from_json(&json).unwrap();
    let db = Database::in_memory().unwrap();
    init_from_spec(&db, &spec, json.as_bytes()).unwrap();
    Blockchain::new(db, spec.config).unwrap()
}

fn key(user: u64) -> B256 {
    keccak256(user.to_be_bytes())
}

fn user(index: u64) -> Address {
    address_of(&key(index)).unwrap()
}

fn set_blob_base_fee(chain: &Blockchain, wei: u128) {
    let mut batch = chain.db().write().unwrap();
    batch.set_l1_blob_base_fee(wei).unwrap();
    batch.commit().unwrap();
}

/// What the next block charges: its fee config and base fee.
fn next_fees(chain: &Blockchain) -> (FeeConfig, u64) {
    let view = chain.db().read().unwrap();
    let fees = chain.next_fee_config(&view).unwrap().expect("an L2 chain");
    let head = chain.head().unwrap();
    let base_fee = chain.config().next_block_fees(&head, head.timestamp + 1).unwrap();
    (fees, base_fee.base_fee_per_gas.unwrap())
}

/// A transfer from `from` whose gas limit is `extra` above intrinsic + L1 data gas (negative:
/// below it). Priced as wallets do, at twice the base fee (which holds the operator fee) plus
/// `tip`.
fn transfer(
    chain: &Blockchain,
    from: u64,
    nonce: u64,
    to: Address,
    value: u128,
    tip: u128,
    extra: i64,
) -> BasaltTxEnvelope {
    let (fees, base_fee) = next_fees(chain);
    let build = |gas_limit: u64| {
        let tx = TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit,
            max_fee_per_gas: 2 * u128::from(base_fee) + tip,
            max_priority_fee_per_gas: tip,
            to: TxKind::Call(to),
            value: U256::from(value),
            ..Default::default()
        };
        BasaltTxEnvelope::from(sign_transaction(tx, &key(from)).unwrap())
    };
    // The gas limit's own bytes change the size; two rounds settle it.
    let mut gas_limit = 21_000;
    for _ in 0..2 {
        let l1_gas = fees.l1_gas(l1_data_size(&build(gas_limit).encoded_2718()), base_fee);
        gas_limit = (21_000 + l1_gas).saturating_add_signed(extra);
    }
    build(gas_limit)
}

fn deposit(id: u64, from: Address, to: Address, mint: u128, value: u128) -> BasaltTxEnvelope {
    TxPrivileged {
        chain_id: CHAIN_ID,
        nonce: id,
        gas_limit: 100_000,
        to: TxKind::Call(to),
        mint: U256::from(mint),
        value: U256::from(value),
        input: Bytes::new(),
        from,
    }
    .into()
}

fn mine(
    chain: &Blockchain,
    transactions: Vec<BasaltTxEnvelope>,
) -> basalt_chain::builder::MinedBlock {
    let head = chain.head().unwrap();
    chain
        .mine_block(BlockTemplate {
            timestamp: head.timestamp + 1,
            beneficiary: COINBASE,
            transactions,
            withdrawals: Some(Vec::new()),
            parent_beacon_block_root: Some(B256::ZERO),
            ..Default::default()
        })
        .unwrap()
}

#[test]
fn a_mined_block_is_stored_with_its_fee_config_and_replays_only_with_it() {
    let chain = new_chain();
    set_blob_base_fee(&chain, 3_000_000);
    let funding = mine(
        &chain,
        vec![deposit(0, Address::repeat_byte(0xd1), user(0), 10u128.pow(18), 10u128.pow(18))],
    );
    let (fees, _) = next_fees(&chain);
    assert_eq!(fees.l1_blob_base_fee, 3_000_000);
    let tx = transfer(&chain, 0, 0, user(1), 1, 1, 0);
    let mined = mine(&chain, vec![tx]);
    assert!(mined.rejected.is_empty(), "{:?}", mined.rejected);
    let view = chain.db().read().unwrap();
    assert_eq!(view.fee_config(mined.hash).unwrap(), Some(fees));
    assert_eq!(view.fee_config(funding.hash).unwrap(), Some(fees));
    drop(view);

    // A node that knows the fee config reproduces the block; one that assumes the default
    // (minimum L1 blob base fee) computes other gas and refuses it.
    let follower = new_chain();
    follower.import_block_with_fees(funding.block.clone(), &fees).unwrap();
    let blind = new_chain();
    blind.import_block_with_fees(funding.block, &fees).unwrap();
    follower.import_block_with_fees(mined.block.clone(), &fees).unwrap();
    assert_eq!(follower.head().unwrap().state_root, chain.head().unwrap().state_root);
    assert!(matches!(blind.import_block(mined.block), Err(ImportError::Invalid { .. })));
    // The follower stored the config it imported with.
    let view = follower.db().read().unwrap();
    assert_eq!(view.fee_config(mined.hash).unwrap(), Some(fees));
}

#[test]
fn a_transfer_short_of_its_l1_data_gas_is_left_out() {
    let chain = new_chain();
    set_blob_base_fee(&chain, 3_000_000);
    mine(
        &chain,
        vec![deposit(0, Address::repeat_byte(0xd1), user(0), 10u128.pow(18), 10u128.pow(18))],
    );
    let short = transfer(&chain, 0, 0, user(1), 1, 1, -1);
    let mined = mine(&chain, vec![short]);
    assert_eq!(mined.rejected.len(), 1);
    assert!(mined.block.body.transactions.is_empty());
}

#[test]
fn the_header_base_fee_is_the_market_part_plus_the_operator_fee() {
    let chain = new_chain();
    let genesis = chain.head().unwrap();
    assert_eq!(genesis.base_fee_per_gas, Some(1_000));
    // An empty block lowers the market part (950) by 1/8, not the whole base fee.
    let empty = mine(&chain, Vec::new());
    let market = 950 - 950 / 8;
    assert_eq!(empty.block.header.base_fee_per_gas, Some(market + OPERATOR_FEE as u64));
    // Many empty blocks take the market part down until EIP-1559's integer step (1/8 of it,
    // rounded down) is zero, at 7 wei; the operator fee stays, so a wallet that offers the
    // header's base fee always pays it.
    for _ in 0..80 {
        mine(&chain, Vec::new());
    }
    assert_eq!(chain.head().unwrap().base_fee_per_gas, Some(7 + OPERATOR_FEE as u64));
    // A block imported with another base fee is invalid.
    let follower = new_chain();
    let mut block = empty.block.clone();
    block.header.base_fee_per_gas = Some(market);
    assert!(matches!(follower.import_block(block), Err(ImportError::Invalid { .. })));
    follower.import_block(empty.block).unwrap();
}

#[derive(Clone, Debug)]
enum Op {
    /// A deposit of `mint` gwei to user `to` from L1 account `from`, sending `percent`% of it
    /// on (above 100: the deposit fails, keeping the mint).
    Deposit { from: u8, to: u64, mint: u64, percent: u64 },
    /// A transfer of `value` gwei; `extra` gas above (or below) what it needs.
    Transfer { from: u64, to: u64, value: u64, tip: u8, extra: i8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..3, 0..USERS, 0u64..2_000_000, 0u64..120)
            .prop_map(|(from, to, mint, percent)| Op::Deposit { from, to, mint, percent }),
        (0..USERS, 0..USERS + 2, 0u64..1_000_000, any::<u8>(), -2i8..40)
            .prop_map(|(from, to, value, tip, extra)| Op::Transfer { from, to, value, tip, extra }),
    ]
}

fn block() -> impl Strategy<Value = (u64, Vec<Op>)> {
    (1u64..5_000_000, prop::collection::vec(op(), 0..12))
}

const GWEI: u128 = 1_000_000_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn balances_plus_burned_base_fees_equal_the_ether_minted(
        blocks in prop::collection::vec(block(), 1..6)
    ) {
        let chain = new_chain();
        let mut minted = U256::ZERO;
        let mut burned = U256::ZERO;
        let mut operator_paid = U256::ZERO;
        let mut next_id = 0u64;
        let mut nonces = [0u64; USERS as usize];
        for (blob_base_fee, ops) in blocks {
            set_blob_base_fee(&chain, u128::from(blob_base_fee));
            // Deposits first, as the block producer orders them.
            let (mut transactions, mut transfers) = (Vec::new(), Vec::new());
            for op in ops {
                match op {
                    Op::Deposit { from, to, mint, percent } => {
                        let from = Address::repeat_byte(0xd0 + from);
                        let mint = u128::from(mint) * GWEI;
                        let value = mint / 100 * u128::from(percent);
                        transactions.push(deposit(next_id, from, user(to), mint, value));
                        next_id += 1;
                    }
                    Op::Transfer { from, to, value, tip, extra } => {
                        let to = if to < USERS { user(to) } else { Address::repeat_byte(to as u8) };
                        let nonce = nonces[from as usize];
                        nonces[from as usize] += 1;
                        let value = u128::from(value) * GWEI;
                        let tx = transfer(&chain, from, nonce, to, value, u128::from(tip), extra.into());
                        transfers.push(tx);
                    }
                }
            }
            transactions.append(&mut transfers);
            let mined = mine(&chain, transactions);
            let view = chain.db().read().unwrap();
            let fees = view.fee_config(mined.hash).unwrap().expect("stored with the block");
            prop_assert_eq!(fees.l1_blob_base_fee, u128::from(blob_base_fee));
            prop_assert_eq!(fees.base_fee_vault, None);
            let base_fee = mined.block.header.base_fee_per_gas.unwrap();
            // The header's base fee holds the operator fee on top of the market part.
            prop_assert!(u128::from(base_fee) >= OPERATOR_FEE);
            let market = U256::from(u128::from(base_fee) - OPERATOR_FEE);
            let mut previous = 0;
            for (tx, receipt) in mined.block.body.transactions.iter().zip(&mined.receipts) {
                let gas_used = receipt.cumulative_gas_used() - previous;
                previous = receipt.cumulative_gas_used();
                match tx.as_privileged() {
                    Some(deposit) => minted += deposit.mint,
                    None => {
                        let l1_gas = fees.l1_gas(l1_data_size(&tx.encoded_2718()), base_fee);
                        prop_assert!(gas_used >= 21_000 + l1_gas);
                        burned += market * U256::from(gas_used - l1_gas);
                        operator_paid += U256::from(OPERATOR_FEE) * U256::from(gas_used - l1_gas);
                    }
                }
            }
            // Left-out transfers leave gaps: the next block starts from the accounts' nonces.
            for (index, nonce) in nonces.iter_mut().enumerate() {
                *nonce = view.account(user(index as u64)).unwrap().map_or(0, |a| a.nonce);
            }
            let total: U256 = view.all_accounts().unwrap().iter().map(|(_, a)| a.balance).sum();
            prop_assert_eq!(total + burned, minted);
            let vault = view.account(OPERATOR_VAULT).unwrap().map_or(U256::ZERO, |a| a.balance);
            prop_assert_eq!(vault, operator_paid);
        }
    }
}
