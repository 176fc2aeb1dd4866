//! The L2 block producer over a chain service with L2 rules: queue order, per-block bounds,
//! overdue deposits, oversized deposits alone, monotonic timestamps, the pool journal and the
//! refusal of blob transactions.

mod support;

use alloy_consensus::{Transaction, TxEip4844};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use basalt_chain::{
    Blockchain,
    dev::{DEV_MNEMONIC, DevGenesis, derive_dev_accounts},
    genesis::init_from_spec,
    l2_producer::{BlockProducer, ProducerConfig},
    service::{ChainService, ChainServiceConfig, MiningMode, ServiceError},
};
use basalt_primitives::{GenesisSpec, Hardfork, TxPrivileged, sender::sign_transaction};
use basalt_storage::{Database, L1Cursor};
use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};
use support::{balance, transfer};

const L2_CHAIN_ID: u64 = 31337;
const BRIDGE: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff]);
const GAS_LIMIT: u64 = 30_000_000;
/// The test chain's block data bound, in payload bytes (docs/da.md, "Block data bound").
const PAYLOAD_LIMIT: usize = 4_000;

fn key() -> B256 {
    derive_dev_accounts(DEV_MNEMONIC, 1).unwrap()[0].key
}

/// An L2 chain (genesis with the rollup section) served by a chain service, on `db`.
fn l2_node(db: Database, journal: Option<&Path>) -> Arc<ChainService> {
    let key = key();
    let address = basalt_primitives::sender::address_of(&key).unwrap();
    let json = DevGenesis {
        chain_id: L2_CHAIN_ID,
        fork: Hardfork::Osaka,
        gas_limit: GAS_LIMIT,
        base_fee: 1_000_000_000,
        timestamp: 1_000,
        accounts: &[address],
        balance: U256::from(10u128.pow(22)),
    }
    .to_json();
    let mut genesis: serde_json::Value = serde_json::from_str(&json).unwrap();
    genesis["config"]["basalt"] = serde_json::json!({ "bridge": BRIDGE });
    let json = genesis.to_string();
    let spec = GenesisSpec::from_json(&json).unwrap();
    if db.read().unwrap().head_hash().unwrap().is_none() {
        init_from_spec(&db, &spec, json.as_bytes()).unwrap();
    }
    ChainService::new(
        Blockchain::new(db, spec.config).unwrap(),
        ChainServiceConfig {
            name: "l2",
            refuse_blob_txs: true,
            max_block_payload_bytes: Some(PAYLOAD_LIMIT),
            journal: journal.map(Path::to_owned),
            ..ChainServiceConfig::new(MiningMode::Manual, vec![key])
        },
    )
    .unwrap()
}

fn deposit(id: u64, gas_limit: u64) -> TxPrivileged {
    TxPrivileged {
        chain_id: L2_CHAIN_ID,
        nonce: id,
        gas_limit,
        to: TxKind::Call(Address::with_last_byte(0x77)),
        mint: U256::from(1_000 + id),
        value: U256::ZERO,
        input: Bytes::new(),
        from: Address::with_last_byte(0x55),
    }
}

/// Queues `deposits` as the watcher does, at L1 block `l1_block`.
fn queue(node: &ChainService, deposits: &[TxPrivileged], l1_block: u64) {
    let mut batch = node.chain().db().write().unwrap();
    batch
        .queue_privileged_txs(
            deposits,
            L1Cursor { number: l1_block, hash: B256::with_last_byte(l1_block as u8) },
        )
        .unwrap();
    batch.commit().unwrap();
}

fn privileged_ids(block: &basalt_primitives::Block) -> Vec<u64> {
    block.body.transactions.iter().filter_map(|tx| tx.as_privileged()).map(|tx| tx.nonce).collect()
}

fn producer(node: &Arc<ChainService>, max: usize, overdue: Duration) -> Arc<BlockProducer> {
    let mut config = ProducerConfig::new(Duration::from_secs(1));
    config.max_privileged_per_block = max;
    config.overdue_after = overdue;
    BlockProducer::new(node.clone(), config)
}

#[test]
fn queued_deposits_come_first_in_queue_order_once_then_pool_transactions() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let producer = producer(&node, 256, Duration::from_secs(600));
    node.submit(transfer(&key(), 0, Address::with_last_byte(9), 5)).unwrap();
    queue(&node, &[deposit(0, 100_000), deposit(1, 100_000)], 1);

    let first = producer.produce().unwrap();
    assert_eq!(privileged_ids(&first.block), vec![0, 1]);
    let kinds: Vec<bool> =
        first.block.body.transactions.iter().map(|tx| tx.is_privileged()).collect();
    assert_eq!(kinds, vec![true, true, false]);
    assert_eq!(balance(&node, Address::with_last_byte(0x55)), U256::from(2_001));

    // Nothing is included twice; a later run continues the order.
    let empty = producer.produce().unwrap();
    assert!(empty.block.body.transactions.is_empty());
    queue(&node, &[deposit(2, 100_000)], 2);
    assert_eq!(privileged_ids(&producer.produce().unwrap().block), vec![2]);
    assert_eq!(node.chain().db().read().unwrap().next_included_privileged_id().unwrap(), 3);

    // Timestamps strictly increase even when blocks come faster than the clock's seconds.
    let mut last = node.chain().head().unwrap().timestamp;
    for _ in 0..3 {
        let block = producer.produce().unwrap();
        assert!(block.block.header.timestamp > last);
        last = block.block.header.timestamp;
    }
}

#[test]
fn a_backlog_is_bounded_per_block_and_an_overdue_deposit_stops_ordinary_inclusion() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let deposits: Vec<_> = (0..5).map(|id| deposit(id, 100_000)).collect();
    queue(&node, &deposits, 1);

    // Not yet overdue: two deposits, then ordinary transactions.
    let patient = producer(&node, 2, Duration::from_secs(600));
    let plan = patient.plan(Instant::now()).unwrap();
    assert_eq!(plan.privileged.iter().map(|tx| tx.nonce).collect::<Vec<_>>(), vec![0, 1]);
    assert!(plan.ordinary);
    // Overdue: the block carries deposits only.
    let strict = producer(&node, 2, Duration::ZERO);
    node.submit(transfer(&key(), 0, Address::with_last_byte(9), 5)).unwrap();
    let block = strict.produce().unwrap();
    assert_eq!(privileged_ids(&block.block), vec![0, 1]);
    assert_eq!(block.block.body.transactions.len(), 2);
    let block = strict.produce().unwrap();
    assert_eq!(privileged_ids(&block.block), vec![2, 3]);
    assert_eq!(block.block.body.transactions.len(), 2);
    // The last deposit leaves nothing behind it, so the transfer follows it.
    let block = strict.produce().unwrap();
    assert_eq!(privileged_ids(&block.block), vec![4]);
    assert_eq!(block.block.body.transactions.len(), 2);
}

#[test]
fn gas_bounds_the_deposits_of_a_block_and_an_oversized_one_goes_alone() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let producer = producer(&node, 256, Duration::from_secs(600));
    // Three of 10M gas fit a 30M block, the fourth waits.
    let big: Vec<_> = (0..4).map(|id| deposit(id, 10_000_000)).collect();
    queue(&node, &big, 1);
    assert_eq!(privileged_ids(&producer.produce().unwrap().block), vec![0, 1, 2]);
    assert_eq!(privileged_ids(&producer.produce().unwrap().block), vec![3]);

    // Above the EIP-7825 cap: alone, even with deposits and pool transactions behind it.
    node.submit(transfer(&key(), 0, Address::with_last_byte(9), 5)).unwrap();
    queue(&node, &[deposit(4, 1 << 25), deposit(5, 100_000)], 2);
    let alone = producer.produce().unwrap();
    assert_eq!(alone.block.body.transactions.len(), 1);
    assert_eq!(alone.block.header.gas_used, GAS_LIMIT);
    let next = producer.produce().unwrap();
    assert_eq!(privileged_ids(&next.block), vec![5]);
    assert_eq!(next.block.body.transactions.len(), 2);

    // Deposits cost a batch's data nothing (it carries their count): three with 3,000 bytes
    // of calldata each share a block whose data bound is 4,000 bytes.
    let wide: Vec<_> = (6..9)
        .map(|id| TxPrivileged { input: Bytes::from(vec![1u8; 3_000]), ..deposit(id, 200_000) })
        .collect();
    queue(&node, &wide, 3);
    assert_eq!(privileged_ids(&producer.produce().unwrap().block), vec![6, 7, 8]);
}

/// A signed call from the test key carrying `len` bytes of calldata.
fn call_with_data(nonce: u64, len: usize) -> alloy_consensus::TxEnvelope {
    let tx = alloy_consensus::TxEip1559 {
        chain_id: L2_CHAIN_ID,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(Address::with_last_byte(9)),
        input: Bytes::from(vec![0xab; len]),
        ..Default::default()
    };
    sign_transaction(tx, &key()).unwrap()
}

#[test]
fn the_block_data_bound_splits_pool_transactions_across_blocks_and_refuses_what_never_fits() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let producer = producer(&node, 256, Duration::from_secs(600));
    let sender = basalt_primitives::sender::address_of(&key()).unwrap();
    let calls: Vec<_> = (0..12).map(|nonce| call_with_data(nonce, 500)).collect();
    for tx in &calls {
        node.submit(tx.clone()).unwrap();
    }
    // The producer takes exactly what the bound admits, replayed here from the same fee config.
    let fees = node.chain().next_fee_config(&node.chain().db().read().unwrap()).unwrap().unwrap();
    let mut budget = basalt_da::BlockDataBudget::new(PAYLOAD_LIMIT, Address::ZERO, &fees).unwrap();
    let fit = calls.iter().take_while(|tx| budget.try_add(sender, *tx)).count();
    assert!((1..12).contains(&fit), "{fit} of 12 calls of 500 bytes fit 4,000 bytes");
    let first = producer.produce().unwrap();
    assert_eq!(first.block.body.transactions.len(), fit);
    let stored = node.chain().db().read().unwrap().fee_config(first.hash).unwrap();
    assert_eq!(stored.as_ref(), Some(&fees), "the block runs under the counted fee config");
    let mut included = fit;
    while included < calls.len() {
        let block = producer.produce().unwrap();
        assert!(!block.block.body.transactions.is_empty());
        assert!(block.block.body.transactions.len() <= fit);
        included += block.block.body.transactions.len();
    }
    assert_eq!(included, calls.len());

    // One that cannot fit even an empty block is refused at the door, not left in the pool.
    let err = node.submit(call_with_data(12, PAYLOAD_LIMIT)).unwrap_err();
    assert!(matches!(err, ServiceError::ExceedsBlockData { .. }), "{err}");
    assert!(err.to_string().starts_with("oversized data: "), "{err}");
    assert!(node.with_pool(|pool| pool.len()) == 0);
}

#[test]
fn an_accepted_transaction_survives_a_restart_through_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("pool.journal");
    let sent = transfer(&key(), 0, Address::with_last_byte(9), 5);
    let queued = transfer(&key(), 2, Address::with_last_byte(9), 5);
    {
        let node = l2_node(Database::open(dir.path()).unwrap(), Some(&journal));
        node.submit(sent.clone()).unwrap();
        node.submit(queued.clone()).unwrap();
        // Dropped without a shutdown, as after kill -9.
    }
    let node = l2_node(Database::open(dir.path()).unwrap(), Some(&journal));
    for tx in [&sent, &queued] {
        assert!(node.with_pool(|pool| pool.get(tx.tx_hash()).is_some()), "{}", tx.tx_hash());
    }
    let block = producer(&node, 256, Duration::from_secs(600)).produce().unwrap();
    assert_eq!(block.block.body.transactions.len(), 1);
    drop(node);
    // The mined one is gone after the next restart; the gapped one is still waiting.
    let node = l2_node(Database::open(dir.path()).unwrap(), Some(&journal));
    assert!(node.with_pool(|pool| pool.get(sent.tx_hash()).is_none()));
    assert!(node.with_pool(|pool| pool.get(queued.tx_hash()).is_some()));
}

#[test]
fn blob_transactions_are_refused_with_a_clear_error() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let tx = TxEip4844 {
        chain_id: L2_CHAIN_ID,
        nonce: 0,
        gas_limit: 100_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: Address::with_last_byte(9),
        blob_versioned_hashes: vec![B256::with_last_byte(1)],
        max_fee_per_blob_gas: 1_000_000,
        ..Default::default()
    };
    let signed = sign_transaction(tx, &key()).unwrap();
    assert!(signed.blob_versioned_hashes().is_some());
    let err = node.submit(signed).unwrap_err();
    assert!(matches!(err, ServiceError::BlobTxRefused), "{err}");
    assert!(err.to_string().contains("blob transactions (type 0x3) are not accepted"), "{err}");
}
