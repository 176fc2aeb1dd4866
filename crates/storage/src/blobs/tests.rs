use super::*;
use crate::Database;
use alloy_consensus::TxEip4844;
use alloy_eips::{
    eip4844::{Blob, BlobTransactionSidecar, env_settings::EnvKzgSettings},
    eip7594::BlobTransactionSidecarEip7594,
};
use alloy_primitives::{Address, TxKind, map::B256Map};
use basalt_primitives::{TxEnvelope, sender::sign_transaction};
use redb::ReadableTableMetadata;

/// A blob whose field elements are all `byte` (below the BLS modulus, so c-kzg takes it).
fn blob(byte: u8) -> Blob {
    let mut blob = Blob::ZERO;
    for element in blob.chunks_exact_mut(32) {
        element[31] = byte;
    }
    blob
}

/// A real sidecar of `blobs`: EIP-4844 blob proofs, or EIP-7594 cell proofs with `cells`.
fn sidecar(blobs: &[u8], cells: bool) -> BlobTransactionSidecarVariant {
    let blobs: Vec<Blob> = blobs.iter().map(|b| blob(*b)).collect();
    if cells {
        BlobTransactionSidecarVariant::Eip7594(
            BlobTransactionSidecarEip7594::try_from_blobs(blobs).unwrap(),
        )
    } else {
        BlobTransactionSidecarVariant::Eip4844(
            BlobTransactionSidecar::try_from_blobs_with_settings(
                blobs,
                EnvKzgSettings::Default.get(),
            )
            .unwrap(),
        )
    }
}

/// A signed blob transaction (nonce `nonce`) listing `sidecar`'s versioned hashes.
fn blob_tx(nonce: u64, sidecar: &BlobTransactionSidecarVariant) -> TxEnvelope {
    let tx = TxEip4844 {
        chain_id: 1,
        nonce,
        gas_limit: 21_000,
        to: Address::repeat_byte(0xdd),
        blob_versioned_hashes: sidecar.versioned_hashes().collect(),
        max_fee_per_blob_gas: 1,
        ..Default::default()
    };
    sign_transaction(tx, &B256::repeat_byte(1)).unwrap()
}

/// Block `number` holding `txs` (an ordinary transfer first, so indexes are not all zero).
fn block(number: u64, txs: &[&TxEnvelope]) -> Block {
    let transfer = sign_transaction(
        alloy_consensus::TxEip1559 {
            chain_id: 1,
            nonce: 100 + number,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(0xee)),
            ..Default::default()
        },
        &B256::repeat_byte(2),
    )
    .unwrap();
    let mut block = Block::default();
    block.header.number = number;
    block.body.transactions =
        std::iter::once(transfer.into()).chain(txs.iter().map(|tx| (*tx).clone().into())).collect();
    block
}

/// Writes `block` as canonical with the blobs of `sidecars`; returns the blobs stored.
fn write_block(
    db: &Database,
    block: &Block,
    sidecars: &B256Map<BlobTransactionSidecarVariant>,
) -> Result<usize, StorageError> {
    let hash = block.header.hash_slow();
    let senders = vec![Address::repeat_byte(0xaa); block.body.transactions.len()];
    let mut batch = db.write()?;
    batch.insert_canonical_block(block, hash, &[], &senders)?;
    let stored = batch.insert_block_blobs(block, |tx| sidecars.get(tx))?;
    batch.set_head(hash)?;
    batch.commit()?;
    Ok(stored)
}

fn expected(sidecar: &BlobTransactionSidecarVariant) -> Vec<Bytes> {
    sidecar.blobs().iter().map(|b| Bytes::copy_from_slice(b.as_slice())).collect()
}

fn blobs_of(db: &Database, tx: &TxEnvelope) -> Option<Vec<StoredBlob>> {
    db.read().unwrap().transaction_blobs(*tx.tx_hash()).unwrap()
}

#[test]
fn blobs_of_both_sidecar_kinds_are_served_with_their_block_and_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let (blob_proofs, cell_proofs) = (sidecar(&[1, 2], false), sidecar(&[3], true));
    let (first, second) = (blob_tx(0, &blob_proofs), blob_tx(1, &cell_proofs));
    let block = block(1, &[&first, &second]);
    let sidecars: B256Map<_> =
        [(*first.tx_hash(), blob_proofs.clone()), (*second.tx_hash(), cell_proofs.clone())]
            .into_iter()
            .collect();
    assert_eq!(write_block(&db, &block, &sidecars).unwrap(), 3);
    drop(db);

    let db = Database::open(dir.path()).unwrap();
    let stored = blobs_of(&db, &first).unwrap();
    assert_eq!(stored.iter().map(|b| b.blob.clone()).collect::<Vec<_>>(), expected(&blob_proofs));
    assert_eq!(stored[1].commitment, blob_proofs.commitments()[1]);
    let BlobTransactionSidecarVariant::Eip4844(four) = &blob_proofs else { unreachable!() };
    assert_eq!(stored[1].proof, BlobKzgProof::Blob(four.proofs[1]));

    let stored = blobs_of(&db, &second).unwrap();
    assert_eq!(stored.iter().map(|b| b.blob.clone()).collect::<Vec<_>>(), expected(&cell_proofs));
    let BlobTransactionSidecarVariant::Eip7594(cells) = &cell_proofs else { unreachable!() };
    assert_eq!(stored[0].proof, BlobKzgProof::Cells(cells.cell_proofs.clone()));

    let view = db.read().unwrap();
    for (index, versioned_hash) in blob_proofs.versioned_hashes().enumerate() {
        let blob = view.blob(versioned_hash).unwrap().unwrap();
        assert_eq!(blob.blob, expected(&blob_proofs)[index]);
    }
    // Unknown: a hash nothing carried, a transaction without blobs, an unknown transaction.
    assert_eq!(view.blob(B256::repeat_byte(7)).unwrap(), None);
    assert_eq!(view.transaction_blobs(*block.body.transactions[0].tx_hash()).unwrap(), None);
    assert_eq!(view.transaction_blobs(B256::repeat_byte(7)).unwrap(), None);
}

#[test]
fn a_blob_transaction_without_its_sidecar_keeps_no_blobs() {
    let db = Database::in_memory().unwrap();
    let carried = sidecar(&[4], true);
    let tx = blob_tx(0, &carried);
    assert_eq!(write_block(&db, &block(1, &[&tx]), &B256Map::default()).unwrap(), 0);
    assert_eq!(blobs_of(&db, &tx), None);
    assert_eq!(db.read().unwrap().blob(carried.versioned_hashes().next().unwrap()).unwrap(), None);
}

#[test]
fn a_sidecar_that_is_not_the_transactions_is_refused_and_nothing_is_written() {
    let db = Database::in_memory().unwrap();
    let (own, other) = (sidecar(&[5], false), sidecar(&[6], false));
    let tx = blob_tx(0, &own);
    let block = block(1, &[&tx]);
    let sidecars: B256Map<_> = [(*tx.tx_hash(), other.clone())].into_iter().collect();
    let err = write_block(&db, &block, &sidecars).unwrap_err();
    assert!(
        matches!(err, StorageError::BlobSidecarMismatch { tx: hash, .. } if hash == *tx.tx_hash()),
        "{err}"
    );
    let view = db.read().unwrap();
    assert_eq!(view.canonical_hash(1).unwrap(), None, "the block's write was dropped");
    assert_eq!(view.blob(other.versioned_hashes().next().unwrap()).unwrap(), None);

    // Cell proofs that do not come 128 to a blob.
    let BlobTransactionSidecarVariant::Eip7594(mut short) = sidecar(&[5], true) else {
        unreachable!()
    };
    short.cell_proofs.pop();
    let sidecars: B256Map<_> =
        [(*tx.tx_hash(), BlobTransactionSidecarVariant::Eip7594(short))].into_iter().collect();
    let err = write_block(&db, &block, &sidecars).unwrap_err();
    assert!(err.to_string().contains("128 cell proofs"), "{err}");
}

#[test]
fn removing_a_block_removes_its_blobs_and_keeps_those_earlier_blocks_carried() {
    let db = Database::in_memory().unwrap();
    let shared = sidecar(&[8], true);
    let (kept, removed) = (blob_tx(0, &shared), blob_tx(1, &shared));
    let only_removed = sidecar(&[9], false);
    let removed_alone = blob_tx(2, &only_removed);
    let sidecars: B256Map<_> = [
        (*kept.tx_hash(), shared.clone()),
        (*removed.tx_hash(), shared.clone()),
        (*removed_alone.tx_hash(), only_removed.clone()),
    ]
    .into_iter()
    .collect();
    write_block(&db, &block(1, &[&kept]), &sidecars).unwrap();
    write_block(&db, &block(2, &[&removed, &removed_alone]), &sidecars).unwrap();
    assert!(blobs_of(&db, &removed).is_some());

    let mut batch = db.write().unwrap();
    batch.remove_blocks_above(1).unwrap();
    batch.commit().unwrap();

    assert_eq!(blobs_of(&db, &removed), None);
    assert_eq!(blobs_of(&db, &removed_alone), None);
    let view = db.read().unwrap();
    assert_eq!(view.blob(only_removed.versioned_hashes().next().unwrap()).unwrap(), None);
    // The same blob, carried by the block that stays, is still served.
    let shared_hash = shared.versioned_hashes().next().unwrap();
    assert_eq!(view.blob(shared_hash).unwrap().unwrap().blob, expected(&shared)[0]);
    drop(view);
    assert_eq!(blobs_of(&db, &kept).unwrap()[0].blob, expected(&shared)[0]);
    // Nothing of the removed blocks is left in the table.
    let batch = db.write().unwrap();
    assert_eq!(batch.txn().open_table(BLOBS).unwrap().len().unwrap(), 1);
}

#[test]
fn a_damaged_entry_is_reported_as_corrupt() {
    let db = Database::in_memory().unwrap();
    let carried = sidecar(&[10], false);
    let tx = blob_tx(0, &carried);
    let sidecars: B256Map<_> = [(*tx.tx_hash(), carried.clone())].into_iter().collect();
    write_block(&db, &block(1, &[&tx]), &sidecars).unwrap();
    let versioned_hash = carried.versioned_hashes().next().unwrap();
    let batch = db.write().unwrap();
    batch
        .txn()
        .open_table(BLOBS)
        .unwrap()
        .insert(blob_key(&versioned_hash, tx.tx_hash()), [KIND_CELL_PROOFS, 1, 2].as_slice())
        .unwrap();
    batch.commit().unwrap();
    let err = db.read().unwrap().blob(versioned_hash).unwrap_err();
    assert!(matches!(err, StorageError::Corrupt { what: "blob", .. }), "{err}");
    let err = db.read().unwrap().transaction_blobs(*tx.tx_hash()).unwrap_err();
    assert!(err.to_string().contains("expected"), "{err}");
}
