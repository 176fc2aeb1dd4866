//! The sealer on a real L2 chain (in memory, L2 rules): what it seals and when (commit interval,
//! blob overflow, empty blocks), and that a sealed batch's data, versioned hashes and
//! commitments are those of its blocks.

use alloy_consensus::TxEip1559;
use alloy_primitives::{Address, Bytes, TxKind};
use basalt_batch::{
    BatchConfig, BatchSealer, BlobProofs, blob_sidecar, blocks_payload, l1_message_leaves,
    state_diff_payload,
};
use basalt_chain::service::ChainService;
use basalt_contracts::formats::{
    L2_MESSENGER, MessageMerkleTree, privileged_rolling_hash, rolling_hash_count,
};
use basalt_da::{
    DaMode, blobs_needed, decode_blobs, decode_blocks, decode_compressed, decode_state_diff,
    encode_blobs,
};
use basalt_primitives::sender::sign_transaction;
use basalt_storage::{BatchStatus, SealedBatch};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

mod common;
use common::*;

const INTERVAL: Duration = Duration::from_secs(60);

fn config(mode: DaMode, max_blobs: usize) -> BatchConfig {
    BatchConfig { chain_id: CHAIN_ID, mode, validium: false, max_blobs }
}

fn sealer(node: &ChainService, config: BatchConfig) -> Arc<BatchSealer> {
    BatchSealer::new(node.chain().shared_db(), config, INTERVAL, "l2")
}

/// A call carrying `len` bytes of calldata that does not compress.
fn bulky(nonce: u64, len: usize) -> basalt_primitives::TxEnvelope {
    let mut state = nonce.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let input: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    with_calldata(nonce, input)
}

/// A signed call to [`RECIPIENT`] carrying `input`.
fn with_calldata(nonce: u64, input: Vec<u8>) -> basalt_primitives::TxEnvelope {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 3_000_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(RECIPIENT),
        input: Bytes::from(input),
        ..Default::default()
    };
    sign_transaction(tx, &key()).unwrap()
}

/// The batch's data unpacked from its blobs, checked against the stored versioned hashes.
fn payload_from_blobs(batch: &SealedBatch, max_blobs: usize) -> Vec<u8> {
    let blobs = encode_blobs(&batch.data, max_blobs).unwrap();
    let sidecar = blob_sidecar(&blobs, BlobProofs::Blob).unwrap();
    assert_eq!(sidecar.versioned_hashes().collect::<Vec<_>>(), batch.versioned_hashes);
    let data = decode_blobs(&blobs).unwrap();
    assert_eq!(data, batch.data.to_vec());
    decode_compressed(&data, batch.payload_len as usize).unwrap()
}

#[test]
fn a_due_batch_holds_its_blocks_data_and_commitments() {
    let node = l2_node();
    node.mine_one(None).unwrap(); // empty
    node.submit(call(0, RECIPIENT, 5)).unwrap();
    node.mine_one(None).unwrap();
    node.submit(call(1, L2_MESSENGER, 0)).unwrap();
    node.mine_with_privileged(vec![deposit(0), deposit(1)], true).unwrap();
    node.mine_one(None).unwrap(); // empty, still in the batch: it reaches the head

    let sealer = sealer(&node, config(DaMode::Blocks, 6));
    assert!(sealer.seal_due(Instant::now()).unwrap().is_empty(), "not due, fits: waits");
    let sealed = sealer.seal_due(Instant::now() + INTERVAL).unwrap();
    assert_eq!(sealed.len(), 1);
    let batch = &sealed[0];
    assert_eq!((batch.number, batch.first_block, batch.last_block), (1, 1, 4));

    let view = node.chain().db().read().unwrap();
    let head = view.head_header().unwrap().unwrap();
    assert_eq!(batch.state_root, head.state_root);
    assert_eq!(batch.last_block_hash, head.hash_slow());
    assert_eq!((batch.non_privileged_txs, batch.privileged_txs), (2, 2));
    let rolling = privileged_rolling_hash(&[deposit(0).l1_hash(), deposit(1).l1_hash()]).unwrap();
    assert_eq!(batch.privileged_rolling_hash, rolling);
    assert_eq!(rolling_hash_count(rolling), 2);
    let leaves = l1_message_leaves(&view, 1, 4).unwrap();
    assert_eq!(leaves.len(), 1);
    assert_eq!(batch.l1_messages_root, MessageMerkleTree::new(leaves).root());

    let payload = payload_from_blobs(batch, 6);
    assert_eq!(payload.len() as u64, batch.payload_len);
    assert_eq!(decode_blocks(&payload).unwrap(), blocks_payload(&view, CHAIN_ID, 1, 4).unwrap());
    assert_eq!(batch.versioned_hashes.len(), 1);

    // Stored, and read back the same.
    let stored = node.chain().db().read_batches().unwrap();
    assert_eq!(stored.batch(1).unwrap().as_ref(), Some(batch));
    assert_eq!(stored.status(1).unwrap(), Some((BatchStatus::Sealed, None)));
    assert_eq!(stored.numbers().unwrap().sealed, 1);
}

#[test]
fn empty_blocks_wait_for_a_transaction() {
    let node = l2_node();
    let sealer = sealer(&node, config(DaMode::Blocks, 6));
    let later = Instant::now() + INTERVAL;
    assert!(sealer.seal_due(later).unwrap().is_empty(), "no blocks");
    node.mine_one(None).unwrap();
    node.mine_one(None).unwrap();
    assert!(sealer.seal_due(later).unwrap().is_empty(), "only empty blocks");
    node.mine_with_privileged(vec![deposit(0)], true).unwrap();
    node.mine_one(None).unwrap();
    let sealed = sealer.seal_due(later).unwrap();
    assert_eq!(sealed.len(), 1);
    assert_eq!((sealed[0].first_block, sealed[0].last_block), (1, 4));
    assert_eq!((sealed[0].privileged_txs, sealed[0].non_privileged_txs), (1, 0));
    // Empty blocks after it wait again.
    node.mine_one(None).unwrap();
    assert!(sealer.seal_due(later + INTERVAL).unwrap().is_empty());
}

#[test]
fn blocks_that_overflow_the_blobs_are_sealed_before_the_interval_in_batches_that_fit() {
    let node = l2_node();
    // Five blocks of 50 KB of incompressible calldata; one blob holds about 127 KiB.
    for nonce in 0..5 {
        node.submit(bulky(nonce, 50_000)).unwrap();
        node.mine_one(None).unwrap();
    }
    let view = node.chain().db().read().unwrap();
    assert!(!basalt_batch::surely_fits(&view, &config(DaMode::Blocks, 1), 1, 5).unwrap());
    assert!(basalt_batch::surely_fits(&view, &config(DaMode::Blocks, 1), 5, 5).unwrap());
    drop(view);
    let sealer = sealer(&node, config(DaMode::Blocks, 1));
    let sealed = sealer.seal_due(Instant::now()).unwrap();
    let ranges: Vec<_> = sealed.iter().map(|b| (b.number, b.first_block, b.last_block)).collect();
    assert_eq!(ranges, [(1, 1, 2), (2, 3, 4)], "block 5 fits alone and is not due");
    for batch in &sealed {
        assert!(blobs_needed(batch.data.len()) <= 1);
        assert_eq!(batch.versioned_hashes.len(), 1);
        let view = node.chain().db().read().unwrap();
        let expected = blocks_payload(&view, CHAIN_ID, batch.first_block, batch.last_block);
        assert_eq!(decode_blocks(&payload_from_blobs(batch, 1)).unwrap(), expected.unwrap());
    }
    let sealed = sealer.seal_due(Instant::now() + INTERVAL).unwrap();
    assert_eq!(sealed.iter().map(|b| (b.first_block, b.last_block)).collect::<Vec<_>>(), [(5, 5)]);
}

/// The data the fit search compressed is the data sealing would make: reusing it (as the
/// sealer does, to compress each run once) gives the same batch.
#[test]
fn the_fit_searchs_compressed_data_is_the_batchs_data() {
    let node = l2_node();
    // 60 KB of calldata per block that compresses well: five blocks are too long for one blob
    // uncompressed, so deciding that they fit compresses them.
    for nonce in 0..5 {
        node.submit(with_calldata(nonce, vec![nonce as u8; 60_000])).unwrap();
        node.mine_one(None).unwrap();
    }
    let view = node.chain().db().read().unwrap();
    let config = config(DaMode::Blocks, 1);
    assert!(basalt_batch::surely_fits(&view, &config, 1, 5).unwrap(), "fast compression fits");
    let fit = basalt_batch::fitting_batch(&view, &config, 1, 5).unwrap();
    assert_eq!(fit.last_block, 5);
    let data = fit.data.clone().expect("the chosen run was compressed");
    let reused = basalt_batch::build_batch_with_data(&view, &config, 1, 1, 5, 7, Some(data));
    assert_eq!(reused.unwrap(), basalt_batch::build_batch(&view, &config, 1, 1, 5, 7).unwrap());
    // A run whose payload fits uncompressed is decided without compressing.
    let roomy = basalt_batch::fitting_batch(&view, &config, 1, 1).unwrap();
    assert_eq!(roomy, basalt_batch::BatchFit { last_block: 1, data: None });
}

#[test]
fn state_diff_batches_carry_the_state_diff() {
    let node = l2_node();
    node.submit(call(0, MAPPING_WRITER, 7)).unwrap();
    node.submit(call(1, Address::repeat_byte(0x42), 1)).unwrap();
    node.mine_one(None).unwrap();
    node.mine_with_privileged(vec![deposit(0)], true).unwrap();
    let sealer = sealer(&node, config(DaMode::StateDiff, 2));
    let sealed = sealer.seal_due(Instant::now() + INTERVAL).unwrap();
    assert_eq!(sealed.len(), 1);
    let batch = &sealed[0];
    assert_eq!(batch.mode, DaMode::StateDiff as u8);
    let view = node.chain().db().read().unwrap();
    let payload = payload_from_blobs(batch, 2);
    let expected = state_diff_payload(&view, CHAIN_ID, 1, 2).unwrap();
    assert_eq!(decode_state_diff(&payload).unwrap(), expected);
    assert!(!expected.accounts.is_empty());
}

#[test]
fn validium_batches_carry_no_data() {
    let node = l2_node();
    node.submit(call(0, RECIPIENT, 1)).unwrap();
    node.mine_one(None).unwrap();
    let config = BatchConfig { validium: true, ..config(DaMode::Blocks, 6) };
    let sealed = sealer(&node, config).seal_due(Instant::now() + INTERVAL).unwrap();
    assert_eq!(sealed.len(), 1);
    assert!(sealed[0].data.is_empty() && sealed[0].versioned_hashes.is_empty());
    assert_eq!(sealed[0].non_privileged_txs, 1);
}

#[test]
fn a_new_sealer_goes_on_from_the_stored_batches() {
    let node = l2_node();
    node.submit(call(0, RECIPIENT, 1)).unwrap();
    node.mine_one(None).unwrap();
    let later = Instant::now() + 2 * INTERVAL;
    assert_eq!(sealer(&node, config(DaMode::Blocks, 6)).seal_due(later).unwrap().len(), 1);
    node.submit(call(1, RECIPIENT, 1)).unwrap();
    node.mine_one(None).unwrap();
    let sealed = sealer(&node, config(DaMode::Blocks, 6)).seal_due(later).unwrap();
    assert_eq!(sealed.iter().map(|b| (b.number, b.first_block)).collect::<Vec<_>>(), [(2, 2)]);
}
