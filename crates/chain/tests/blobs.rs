//! The dev L1 keeps the blobs of the blob transactions it includes: the pool holds each sidecar
//! with its transaction, the block's write stores the blobs, and an unwind (`anvil_rollback`,
//! `evm_revert`, `anvil_reorg`) deletes the blobs of the blocks it removes. The sidecar kind
//! follows the fork: EIP-4844 blob proofs before Osaka, EIP-7594 cell proofs from Osaka on.

mod support;

use alloy_consensus::TxEip4844;
use alloy_eips::{
    eip4844::builder::{SidecarBuilder, SimpleCoder},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::{Address, B256, Bytes};
use basalt_chain::{anvil::AnvilChain, builder::BlobSidecars, service::ServiceError};
use basalt_primitives::{Hardfork, TxEnvelope, sender::sign_transaction};
use basalt_storage::Database;
use basalt_txpool::PoolError;
use serde_json::json;
use std::sync::Arc;
use support::{dev_chain, dev_chain_with, transfer};

/// A sidecar of `fill.len()` blobs (alloy's simple coder over 100,000 bytes of each value):
/// EIP-7594 cell proofs with `cells`, else EIP-4844 blob proofs.
fn sidecar(fill: &[u8], cells: bool) -> BlobTransactionSidecarVariant {
    let data: Vec<u8> = fill.iter().flat_map(|byte| [*byte; 100_000]).collect();
    let builder = SidecarBuilder::<SimpleCoder>::from_slice(&data);
    let sidecar = if cells {
        BlobTransactionSidecarVariant::Eip7594(builder.build_7594().unwrap())
    } else {
        BlobTransactionSidecarVariant::Eip4844(builder.build_4844().unwrap())
    };
    assert_eq!(sidecar.blobs().len(), fill.len());
    sidecar
}

/// A blob transaction from `key` listing `sidecar`'s versioned hashes.
fn blob_tx(key: &B256, nonce: u64, sidecar: &BlobTransactionSidecarVariant) -> TxEnvelope {
    let tx = TxEip4844 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: Address::repeat_byte(0xb1),
        blob_versioned_hashes: sidecar.versioned_hashes().collect(),
        max_fee_per_blob_gas: 1_000,
        ..Default::default()
    };
    sign_transaction(tx, key).unwrap()
}

fn blobs_of(sidecar: &BlobTransactionSidecarVariant) -> Vec<Bytes> {
    sidecar.blobs().iter().map(|blob| Bytes::copy_from_slice(blob.as_slice())).collect()
}

/// The blobs the chain serves for `tx`.
fn stored(node: &AnvilChain, tx: &TxEnvelope) -> Option<Vec<Bytes>> {
    let blobs = node.chain().db().read().unwrap().transaction_blobs(*tx.tx_hash()).unwrap();
    blobs.map(|blobs| blobs.into_iter().map(|stored| stored.blob).collect())
}

/// The blob the chain serves under `sidecar`'s first versioned hash.
fn by_hash(node: &AnvilChain, sidecar: &BlobTransactionSidecarVariant) -> Option<Bytes> {
    let versioned_hash = sidecar.versioned_hashes().next().unwrap();
    let view = node.chain().db().read().unwrap();
    view.blob(versioned_hash).unwrap().map(|stored| stored.blob)
}

#[test]
fn a_mined_blob_transaction_keeps_its_blobs_with_either_sidecar_kind() {
    for (fork, cells) in [(Hardfork::Prague, false), (Hardfork::Osaka, true)] {
        let (node, key, _) = dev_chain(fork, &[]);
        let carried = sidecar(&[1, 2], cells);
        let tx = blob_tx(&key, 0, &carried);
        node.submit_with_sidecar(tx.clone(), Some(carried.clone())).unwrap();
        // In the pool, not yet in a block: nothing is served.
        assert_eq!(stored(&node, &tx), None);
        assert_eq!(node.with_pool(|pool| pool.blob_count()), 2);

        let mined = node.mine_one(None).unwrap();
        assert_eq!(mined.block.body.transactions.len(), 1, "{fork}");
        assert_eq!(mined.block.header.blob_gas_used, Some(2 * 131_072));
        assert_eq!(stored(&node, &tx), Some(blobs_of(&carried)), "{fork}");
        assert_eq!(by_hash(&node, &carried), Some(blobs_of(&carried)[0].clone()));
        // The sidecar left the pool with the transaction.
        assert_eq!(node.with_pool(|pool| (pool.len(), pool.blob_count())), (0, 0));

        // The other kind is refused at this fork, and a blob transaction needs a sidecar.
        let other = sidecar(&[3], !cells);
        let err = node.submit_with_sidecar(blob_tx(&key, 1, &other), Some(other)).unwrap_err();
        let expected = if cells {
            PoolError::BlobProofsAfterOsaka { fork }
        } else {
            PoolError::CellProofsBeforeOsaka { fork }
        };
        assert!(matches!(&err, ServiceError::Pool(e) if *e == expected), "{err}");
        let err = node.submit(blob_tx(&key, 1, &carried)).unwrap_err();
        assert!(matches!(err, ServiceError::Pool(PoolError::MissingBlobSidecar)), "{err}");
    }
}

#[test]
fn unwinding_deletes_the_blobs_of_removed_blocks_and_a_reorg_stores_its_own() {
    let (node, key, sender) = dev_chain(Hardfork::Osaka, &[]);
    node.mine_one(None).unwrap();
    let (first, second, third) = (sidecar(&[4], true), sidecar(&[5], true), sidecar(&[6], true));

    // anvil_rollback.
    let tx = blob_tx(&key, 0, &first);
    node.submit_with_sidecar(tx.clone(), Some(first.clone())).unwrap();
    node.mine_one(None).unwrap();
    assert!(stored(&node, &tx).is_some());
    node.rollback(1).unwrap();
    assert_eq!(stored(&node, &tx), None);
    assert_eq!(by_hash(&node, &first), None);

    // evm_revert to a snapshot taken before the block.
    let snapshot = node.snapshot().unwrap();
    let tx = blob_tx(&key, 0, &second);
    node.submit_with_sidecar(tx.clone(), Some(second.clone())).unwrap();
    node.mine_one(None).unwrap();
    assert!(stored(&node, &tx).is_some());
    assert!(node.revert(snapshot).unwrap());
    assert_eq!(stored(&node, &tx), None);
    assert_eq!(by_hash(&node, &second), None);

    // anvil_reorg: the replaced block's blobs go, the new block's blob transaction keeps its own.
    let replaced = blob_tx(&key, 0, &first);
    node.submit_with_sidecar(replaced.clone(), Some(first.clone())).unwrap();
    node.mine_one(None).unwrap();
    let new = blob_tx(&key, 0, &third);
    let sidecars: BlobSidecars = [(*new.tx_hash(), Arc::new(third.clone()))].into_iter().collect();
    node.reorg(1, vec![vec![(new.clone(), sender)]], &sidecars).unwrap();
    assert_eq!(stored(&node, &replaced), None);
    assert_eq!(by_hash(&node, &first), None);
    assert_eq!(stored(&node, &new), Some(blobs_of(&third)));
}

#[test]
fn blobs_survive_reopening_the_datadir() {
    let dir = tempfile::tempdir().unwrap();
    let carried = sidecar(&[7, 8, 9], true);
    let tx = {
        let (node, key, _) =
            dev_chain_with(Database::open(dir.path()).unwrap(), Hardfork::Osaka, |_| {});
        let tx = blob_tx(&key, 0, &carried);
        node.submit_with_sidecar(tx.clone(), Some(carried.clone())).unwrap();
        node.mine_one(None).unwrap();
        tx
    };
    let (node, ..) = dev_chain_with(Database::open(dir.path()).unwrap(), Hardfork::Osaka, |_| {});
    assert_eq!(stored(&node, &tx), Some(blobs_of(&carried)));
    assert_eq!(by_hash(&node, &carried), Some(blobs_of(&carried)[0].clone()));
}

#[test]
fn a_blob_transaction_whose_proofs_the_next_fork_does_not_take_leaves_the_pool() {
    // Prague at genesis (timestamp 1,000), Osaka from 1,100.
    let (node, key, _) = dev_chain_with(Database::in_memory().unwrap(), Hardfork::Osaka, |g| {
        g["config"]["osakaTime"] = json!(1_100);
    });
    node.set_next_block_timestamp(1_050).unwrap();
    let blob_proofs = sidecar(&[10], false);
    let waiting = blob_tx(&key, 0, &blob_proofs);
    node.submit_with_sidecar(waiting.clone(), Some(blob_proofs)).unwrap();

    // The next block is Osaka's: the transaction stays out, and leaves the pool after it.
    let mined = node.mine_one(Some(1_200)).unwrap();
    assert!(mined.block.body.transactions.is_empty());
    assert!(node.with_pool(|pool| pool.get(waiting.tx_hash()).is_none()));
    assert_eq!(node.with_pool(|pool| pool.blob_count()), 0);
    // The same blob with cell proofs is taken and mined.
    let cell_proofs = sidecar(&[10], true);
    let tx = blob_tx(&key, 0, &cell_proofs);
    node.submit_with_sidecar(tx.clone(), Some(cell_proofs.clone())).unwrap();
    node.mine_one(None).unwrap();
    assert_eq!(stored(&node, &tx), Some(blobs_of(&cell_proofs)));
    // An ordinary transaction is unaffected by all of this.
    node.submit(transfer(&key, 1, Address::repeat_byte(0x77), 1)).unwrap();
    assert_eq!(node.mine_one(None).unwrap().block.body.transactions.len(), 1);
}
