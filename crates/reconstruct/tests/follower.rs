//! The follower on batches sealed from a real L2 chain (the batch tests' chain): in both DA
//! modes the rebuilt state root equals the chain's, in blocks mode so do every block hash and
//! receipt; a batch that does not match its commitment writes nothing; a datadir holding a
//! sequencer's chain is refused; a reopened follower goes on after its last batch.

use alloy_primitives::{Address, B256};
use basalt_batch::{BatchConfig, BatchSealer};
use basalt_chain::service::ChainService;
use basalt_contracts::formats::L2_MESSENGER;
use basalt_da::{DaMode, encode_blobs};
use basalt_reconstruct::{BatchCommitment, Follower, FollowerError};
use basalt_storage::{Database, L1Cursor, SealedBatch};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

#[path = "../../batch/tests/common/mod.rs"]
mod common;
use common::*;

const INTERVAL: Duration = Duration::from_secs(60);

fn seal(node: &ChainService, mode: DaMode) -> Vec<SealedBatch> {
    let config = BatchConfig { chain_id: CHAIN_ID, mode, validium: false, max_blobs: 6 };
    let sealer = BatchSealer::new(node.chain().shared_db(), config, INTERVAL, "l2");
    sealer.seal_due(Instant::now() + INTERVAL).unwrap()
}

/// What L1 holds for a sealed batch: its commitment and its blobs.
fn from_l1(batch: &SealedBatch) -> (BatchCommitment, Vec<Vec<u8>>) {
    let commitment = BatchCommitment {
        number: batch.number,
        state_root: batch.state_root,
        l1_messages_root: batch.l1_messages_root,
        privileged_rolling_hash: batch.privileged_rolling_hash,
        last_block_hash: batch.last_block_hash,
        non_privileged_txs: batch.non_privileged_txs,
        versioned_hashes: batch.versioned_hashes.clone(),
        commit_tx: Some(B256::repeat_byte(batch.number as u8)),
        l1_timestamp: 0,
    };
    (commitment, encode_blobs(&batch.data, 6).unwrap())
}

/// A follower on a fresh datadir of the test chain, with the deposits `0..deposits` queued as
/// the L1 watcher would have.
fn follower(mode: DaMode, deposits: u64) -> Follower {
    let chain = chain_in(Database::in_memory().unwrap());
    if deposits > 0 {
        let txs: Vec<_> = (0..deposits).map(deposit).collect();
        let mut write = chain.db().write().unwrap();
        write.queue_privileged_txs(&txs, L1Cursor { number: 1, hash: B256::ZERO }).unwrap();
        write.commit().unwrap();
    }
    Follower::open(chain, mode).unwrap()
}

/// Two batches: transfers, a mapping write, an L1 message, deposits, an empty block.
fn traffic(node: &Arc<ChainService>, mode: DaMode) -> Vec<SealedBatch> {
    node.submit(call(0, RECIPIENT, 5)).unwrap();
    node.submit(call(1, MAPPING_WRITER, 7)).unwrap();
    node.mine_one(None).unwrap();
    node.submit(call(2, L2_MESSENGER, 0)).unwrap();
    node.mine_with_privileged(vec![deposit(0), deposit(1)], true).unwrap();
    let mut batches = seal(node, mode);
    node.mine_one(None).unwrap(); // empty
    node.submit(call(3, Address::repeat_byte(0x42), 1)).unwrap();
    node.mine_with_privileged(vec![deposit(2)], true).unwrap();
    batches.extend(seal(node, mode));
    assert_eq!(batches.len(), 2);
    batches
}

#[test]
fn blocks_mode_rebuilds_the_same_blocks_receipts_and_state() {
    let node = l2_node();
    let batches = traffic(&node, DaMode::Blocks);
    let follower = follower(DaMode::Blocks, 3);
    for batch in &batches {
        let (commitment, blobs) = from_l1(batch);
        let applied = follower.apply_batch(&commitment, &blobs).unwrap();
        assert_eq!(
            (applied.first_block, applied.last_block),
            (batch.first_block, batch.last_block)
        );
        assert_eq!(applied.state_root, batch.state_root);
    }
    let live = node.chain().db().read().unwrap();
    let rebuilt = follower.chain().db().read().unwrap();
    assert_eq!(rebuilt.head_header().unwrap(), live.head_header().unwrap());
    for number in 1..=batches[1].last_block {
        let hash = live.canonical_hash(number).unwrap().unwrap();
        assert_eq!(rebuilt.canonical_hash(number).unwrap(), Some(hash), "block {number}");
        assert_eq!(rebuilt.receipts(hash).unwrap(), live.receipts(hash).unwrap());
        assert_eq!(rebuilt.senders(hash).unwrap(), live.senders(hash).unwrap());
        assert_eq!(rebuilt.fee_config(hash).unwrap(), live.fee_config(hash).unwrap());
        let (live_body, body) =
            (live.body(hash).unwrap().unwrap(), rebuilt.body(hash).unwrap().unwrap());
        assert_eq!(body.transactions.len(), live_body.transactions.len());
    }
    assert_eq!(rebuilt.next_included_privileged_id().unwrap(), 3);
    let stored = follower.chain().db().read_batches().unwrap();
    assert_eq!(stored.numbers().unwrap().committed, 2);
    assert_eq!(stored.batch(2).unwrap().unwrap().state_root, batches[1].state_root);
}

#[test]
fn state_diff_mode_rebuilds_the_state() {
    let node = l2_node();
    let batches = traffic(&node, DaMode::StateDiff);
    let follower = follower(DaMode::StateDiff, 0);
    for batch in &batches {
        let (commitment, blobs) = from_l1(batch);
        follower.apply_batch(&commitment, &blobs).unwrap();
    }
    let live = node.chain().db().read().unwrap();
    let rebuilt = follower.chain().db().read().unwrap();
    let head = live.head_header().unwrap().unwrap();
    assert_eq!(rebuilt.flat_state_root().unwrap(), Some(head.state_root));
    assert_eq!(rebuilt.working_state_root().unwrap(), Some(head.state_root));
    assert_eq!(rebuilt.all_accounts().unwrap(), live.all_accounts().unwrap());
    assert_eq!(follower.next_batch().unwrap(), 3);
}

#[test]
fn a_batch_that_does_not_match_its_commitment_writes_nothing() {
    let node = l2_node();
    let batches = traffic(&node, DaMode::Blocks);
    let follower = follower(DaMode::Blocks, 3);
    let (mut commitment, blobs) = from_l1(&batches[0]);
    commitment.state_root = B256::repeat_byte(1);
    let err = follower.apply_batch(&commitment, &blobs).unwrap_err();
    assert!(matches!(err, FollowerError::Mismatch { what: "state root", .. }), "{err}");
    let (mut commitment, _) = from_l1(&batches[0]);
    commitment.versioned_hashes[0] = B256::repeat_byte(1);
    let err = follower.apply_batch(&commitment, &blobs).unwrap_err();
    assert!(matches!(err, FollowerError::Blobs { .. }), "{err}");
    let (commitment, blobs) = from_l1(&batches[1]);
    let err = follower.apply_batch(&commitment, &blobs).unwrap_err();
    assert!(matches!(err, FollowerError::OutOfOrder { expected: 1, got: 2 }), "{err}");
    let view = follower.chain().db().read().unwrap();
    assert_eq!(view.head_header().unwrap().unwrap().number, 0);
    assert_eq!(follower.next_batch().unwrap(), 1);
}

#[test]
fn privileged_transactions_not_yet_read_from_l1_stop_the_batch() {
    let node = l2_node();
    let batches = traffic(&node, DaMode::Blocks);
    let follower = follower(DaMode::Blocks, 1);
    let (commitment, blobs) = from_l1(&batches[0]);
    let err = follower.apply_batch(&commitment, &blobs).unwrap_err();
    assert!(matches!(err, FollowerError::MissingPrivileged { count: 2, queued: 1, .. }), "{err}");
}

#[test]
fn a_reopened_follower_goes_on_after_its_last_batch() {
    let node = l2_node();
    let batches = traffic(&node, DaMode::Blocks);
    let first = follower(DaMode::Blocks, 3);
    let (commitment, blobs) = from_l1(&batches[0]);
    first.apply_batch(&commitment, &blobs).unwrap();
    let db = first.chain().shared_db();
    let config = first.chain().config().clone();
    drop(first);
    let chain = basalt_chain::Blockchain::new(db, config).unwrap();
    let again = Follower::open(chain, DaMode::Blocks).unwrap();
    assert_eq!(again.next_batch().unwrap(), 2);
    let (commitment, blobs) = from_l1(&batches[1]);
    again.apply_batch(&commitment, &blobs).unwrap();
    let head = again.chain().head().unwrap();
    assert_eq!(head.hash_slow(), batches[1].last_block_hash);
}

#[test]
fn a_sequencers_datadir_or_another_mode_is_refused() {
    let node = l2_node();
    traffic(&node, DaMode::Blocks);
    let config = node.chain().config().clone();
    let chain = basalt_chain::Blockchain::new(node.chain().shared_db(), config).unwrap();
    let err = Follower::open(chain, DaMode::Blocks).err().unwrap();
    assert!(matches!(err, FollowerError::NotAFollower { .. }), "{err}");

    let follower = follower(DaMode::Blocks, 0);
    let db = follower.chain().shared_db();
    let config = follower.chain().config().clone();
    let chain = basalt_chain::Blockchain::new(db, config).unwrap();
    let err = Follower::open(chain, DaMode::StateDiff).err().unwrap();
    assert!(matches!(err, FollowerError::OtherMode { .. }), "{err}");
}
