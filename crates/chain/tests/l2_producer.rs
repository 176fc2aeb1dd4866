//! The L2 block producer over a chain service with L2 rules: queue order, per-block bounds,
//! overdue deposits, oversized deposits alone, monotonic timestamps, the pool journal and the
//! refusal of blob transactions.

mod support;

use alloy_consensus::{Transaction, TxEip4844};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use basalt_chain::{
    Blockchain,
    builder::BlockTemplate,
    dev::{DEV_MNEMONIC, DevGenesis, derive_dev_accounts},
    genesis::init_from_spec,
    l2_producer::{BlockProducer, ProducerConfig},
    service::{ChainService, ChainServiceConfig, MiningMode, ServiceError},
};
use basalt_primitives::{
    BasaltTxEnvelope, GenesisSpec, Hardfork, TxPrivileged, sender::sign_transaction,
};
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
/// Blobs one batch of the test chain spans: its blocks are bounded by one blob's data.
const MAX_BLOBS: usize = 1;

fn key() -> B256 {
    derive_dev_accounts(DEV_MNEMONIC, 1).unwrap()[0].key
}

/// A second funded account of the test chain.
fn other_key() -> B256 {
    derive_dev_accounts(DEV_MNEMONIC, 2).unwrap()[1].key
}

/// An L2 chain (genesis with the rollup section) served by a chain service, on `db`.
fn l2_node(db: Database, journal: Option<&Path>) -> Arc<ChainService> {
    let key = key();
    let accounts: Vec<Address> =
        derive_dev_accounts(DEV_MNEMONIC, 2).unwrap().iter().map(|a| a.address).collect();
    let json = DevGenesis {
        chain_id: L2_CHAIN_ID,
        fork: Hardfork::Osaka,
        gas_limit: GAS_LIMIT,
        base_fee: 1_000_000_000,
        timestamp: 1_000,
        accounts: &accounts,
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
            max_blobs_per_batch: Some(MAX_BLOBS),
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
fn a_censored_sender_is_left_out_and_its_privileged_tx_holds_the_queue_until_released() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let censored = basalt_primitives::sender::address_of(&key()).unwrap();
    let mut config = ProducerConfig::new(Duration::from_secs(1));
    // Overdue at once: a censoring producer must ignore the local rule, or it would stall
    // every ordinary transaction behind the held one.
    config.overdue_after = Duration::ZERO;
    config.censored = Some(censored);
    let producer = BlockProducer::new(node.clone(), config);
    let forced = TxPrivileged { from: censored, ..deposit(1, 100_000) };
    queue(&node, &[deposit(0, 100_000), forced, deposit(2, 100_000)], 1);
    let to = Address::repeat_byte(0x42);
    let censored_tx = node.submit(transfer(&key(), 0, to, 5)).unwrap().hash;
    node.submit(transfer(&other_key(), 0, to, 7)).unwrap();

    // Deposit 0 goes in, the forced transaction holds 1 and 2 back, the censored sender's
    // transfer stays out and the other sender's goes in.
    let plan = producer.plan(Instant::now()).unwrap();
    assert_eq!(plan.held, Some(1));
    assert!(plan.ordinary);
    let block = producer.produce().unwrap();
    assert_eq!(privileged_ids(&block.block), vec![0]);
    assert_eq!(block.block.body.transactions.len(), 2);
    assert_eq!(block.senders[1], basalt_primitives::sender::address_of(&other_key()).unwrap());
    let block = producer.produce().unwrap();
    assert!(block.block.body.transactions.is_empty(), "still held and censored");
    assert!(node.with_pool(|pool| pool.get(&censored_tx).is_some()), "it waits in the pool");

    // Released: the queue moves on in order; the pool transaction stays censored.
    producer.release_censored_below(2);
    assert_eq!(producer.plan(Instant::now()).unwrap().held, None);
    let block = producer.produce().unwrap();
    assert_eq!(privileged_ids(&block.block), vec![1, 2]);
    assert_eq!(block.block.body.transactions.len(), 2);
    // A release never moves back.
    producer.release_censored_below(0);
    let again = TxPrivileged { from: censored, ..deposit(3, 100_000) };
    queue(&node, &[again], 2);
    assert_eq!(producer.plan(Instant::now()).unwrap().held, Some(3));
    assert_eq!(balance(&node, to), U256::from(7));
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

    // Deposits cost a batch's data nothing (it carries their count): three with 100,000 bytes
    // of calldata each share a block whose data is bounded by one blob (130,048 bytes).
    let wide: Vec<_> = (6..9)
        .map(|id| TxPrivileged { input: Bytes::from(vec![1u8; 100_000]), ..deposit(id, 9_000_000) })
        .collect();
    queue(&node, &wide, 3);
    assert_eq!(privileged_ids(&producer.produce().unwrap().block), vec![6, 7, 8]);
}

/// A signed call from the test key carrying `input` as calldata.
fn call_with_data(nonce: u64, input: Vec<u8>) -> alloy_consensus::TxEnvelope {
    let tx = alloy_consensus::TxEip1559 {
        chain_id: L2_CHAIN_ID,
        nonce,
        // Intrinsic and floor calldata gas (at most 40 per byte), L1 data gas, room to spare.
        gas_limit: 100_000 + 48 * input.len() as u64,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(Address::with_last_byte(9)),
        input: Bytes::from(input),
        ..Default::default()
    };
    sign_transaction(tx, &key()).unwrap()
}

/// `len` bytes that do not compress.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut word = alloy_primitives::keccak256(seed.to_be_bytes());
    while out.len() < len {
        out.extend_from_slice(word.as_slice());
        word = alloy_primitives::keccak256(word);
    }
    out.truncate(len);
    out
}

/// Blobs the block's own payload needs when compressed at the producer's quality and at the
/// sealer's (docs/da.md, "Batch data and the block data bound").
fn blobs_of(node: &ChainService, mined: &basalt_chain::builder::MinedBlock) -> (usize, usize) {
    let view = node.chain().db().read().unwrap();
    let fees = view.fee_config(mined.hash).unwrap().unwrap();
    let block = &mined.block;
    let (privileged_count, transactions) =
        basalt_da::payload_transactions(&block.body.transactions, &mined.senders).unwrap();
    let payload = basalt_da::encode_blocks(&basalt_da::BlocksPayload {
        chain_id: L2_CHAIN_ID,
        first_block: block.header.number,
        blocks: vec![basalt_da::PayloadBlock {
            timestamp: block.header.timestamp,
            gas_limit: block.header.gas_limit,
            beneficiary: block.header.beneficiary,
            fees,
            transactions_root: block.header.transactions_root,
            privileged_count,
            transactions,
        }],
    })
    .unwrap();
    (
        basalt_da::blobs_needed(basalt_da::encode_compressed_fast(&payload).len()),
        basalt_da::blobs_needed(basalt_da::encode_compressed(&payload).len()),
    )
}

/// The ordinary transactions of `count` calls the proven (uncompressed) bound admits.
fn proven_count(node: &ChainService, calls: &[alloy_consensus::TxEnvelope]) -> usize {
    let sender = basalt_primitives::sender::address_of(&key()).unwrap();
    let fees = node.chain().next_fee_config(&node.chain().db().read().unwrap()).unwrap().unwrap();
    let limit = basalt_da::max_block_payload_bytes(MAX_BLOBS);
    let mut budget = basalt_da::BlockDataBudget::new(limit, Address::ZERO, &fees).unwrap();
    calls.iter().take_while(|tx| budget.try_add(sender, *tx)).count()
}

#[test]
fn incompressible_calldata_is_bounded_by_the_blob_and_every_block_fits_one_batch() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let producer = producer(&node, 256, Duration::from_secs(600));
    let calls: Vec<_> = (0..60).map(|nonce| call_with_data(nonce, noise(nonce, 5_000))).collect();
    for tx in &calls {
        node.submit(tx.clone()).unwrap();
    }
    let proven = proven_count(&node, &calls);
    assert!((10..40).contains(&proven), "{proven} calls of 5,000 bytes under one blob's bound");
    let mut included = 0;
    while included < calls.len() {
        let block = producer.produce().unwrap();
        let count = block.block.body.transactions.len();
        assert!(count > 0);
        assert_eq!(
            blobs_of(&node, &block).0,
            1,
            "block {} fits one blob",
            block.block.header.number
        );
        // Random bytes do not compress: little room past the proven bound.
        assert!(count <= proven + proven / 10, "{count} of {proven}");
        included += count;
    }
    assert_eq!(included, calls.len());

    // One that cannot fit even an empty block is refused at the door, not left in the pool.
    let err = node.submit(call_with_data(60, noise(60, 129_900))).unwrap_err();
    assert!(matches!(err, ServiceError::ExceedsBlockData { .. }), "{err}");
    assert!(err.to_string().starts_with("oversized data: "), "{err}");
    assert!(node.with_pool(|pool| pool.len()) == 0);
}

#[test]
fn compressible_calldata_fills_a_block_past_the_uncompressed_bound_and_still_fits() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let producer = producer(&node, 256, Duration::from_secs(600));
    // ERC20-like calldata: a selector, then mostly zeros and a few varying bytes.
    let calls: Vec<_> = (0..120u64)
        .map(|nonce| {
            let mut input = vec![0u8; 5_000];
            input[..4].copy_from_slice(&[0xa9, 0x05, 0x9c, 0xbb]);
            input[100..108].copy_from_slice(&nonce.to_be_bytes());
            call_with_data(nonce, input)
        })
        .collect();
    for tx in &calls {
        node.submit(tx.clone()).unwrap();
    }
    let proven = proven_count(&node, &calls);
    let first = producer.produce().unwrap();
    let count = first.block.body.transactions.len();
    assert!(count > 2 * proven, "{count} calls in the block, {proven} under the proven bound");
    assert_eq!(blobs_of(&node, &first), (1, 1), "the block's payload fits one blob compressed");
    let stored = node.chain().db().read().unwrap().fee_config(first.hash).unwrap();
    let fees = node.chain().next_fee_config(&node.chain().db().read().unwrap()).unwrap();
    assert_eq!(stored, fees, "the block runs under the fee config it was counted with");
}

/// DA throttling (the committer turns it on while the uncommitted backlog is large): blocks
/// carry at most `THROTTLED_BLOCK_PAYLOAD_BYTES` of payload, the rest waits in the pool, and
/// blocks are full size again once it is off. Admission does not change.
#[test]
fn a_throttled_producer_keeps_blocks_small_until_throttling_ends() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let producer = producer(&node, 256, Duration::from_secs(600));
    let calls: Vec<_> = (0..40).map(|nonce| call_with_data(nonce, noise(nonce, 5_000))).collect();
    for tx in &calls {
        node.submit(tx.clone()).unwrap();
    }
    node.set_data_throttle(true);
    assert!(node.data_throttled());
    let limit = basalt_chain::service::THROTTLED_BLOCK_PAYLOAD_BYTES;
    let throttled = producer.produce().unwrap();
    let count = throttled.block.body.transactions.len();
    // 5,000-byte calls: at most three fit 16 KiB with the block's own fields.
    assert!((1..=limit / 5_000).contains(&count), "{count} calls in a throttled block");
    let second = producer.produce().unwrap();
    assert_eq!(second.block.body.transactions.len(), count, "still throttled");

    node.set_data_throttle(false);
    let full = producer.produce().unwrap();
    assert!(
        full.block.body.transactions.len() > 3 * count,
        "{} calls once throttling is off",
        full.block.body.transactions.len()
    );
}

#[test]
fn a_block_past_the_proven_bound_that_rejects_a_transaction_keeps_only_the_proven_prefix() {
    let node = l2_node(Database::in_memory().unwrap(), None);
    let to = Address::with_last_byte(9);
    // The third cannot execute (a nonce gap), so the block's payload is not the one checked.
    let txs: Vec<BasaltTxEnvelope> =
        [0, 1, 7].iter().map(|&nonce| transfer(&key(), nonce, to, 5).into()).collect();
    let mine = |data_proven: Option<usize>| {
        let head = node.chain().head().unwrap();
        node.chain()
            .mine_block(BlockTemplate {
                timestamp: head.timestamp + 1,
                transactions: txs.clone(),
                withdrawals: Some(Vec::new()),
                parent_beacon_block_root: Some(B256::ZERO),
                data_proven,
                ..Default::default()
            })
            .unwrap()
    };
    let prefix = mine(Some(1));
    assert_eq!(prefix.block.body.transactions.len(), 1, "only the proven prefix");
    assert_eq!(prefix.block.body.transactions[0], txs[0]);
    // Without the marker the builder keeps everything that executed.
    let txs_after: Vec<BasaltTxEnvelope> =
        [1, 2, 9].iter().map(|&nonce| transfer(&key(), nonce, to, 5).into()).collect();
    let head = node.chain().head().unwrap();
    let all = node
        .chain()
        .mine_block(BlockTemplate {
            timestamp: head.timestamp + 1,
            transactions: txs_after,
            withdrawals: Some(Vec::new()),
            parent_beacon_block_root: Some(B256::ZERO),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.block.body.transactions.len(), 2);
    assert_eq!(all.rejected.len(), 1);
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
