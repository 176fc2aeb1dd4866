//! The L2's queue of privileged (L1 -> L2) transactions as the L1 watcher found them, with the
//! L1 cursor that says how far the bridge's events have been read, and the latest L1 blob base
//! fee. A run of queued transactions and the cursor that covers them are one write, so a crash
//! never loses or doubles a deposit. This module stores; it does not read L1 or execute.

use crate::{StorageError, WriteBatch, read::decode_u64, tables::*};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::B256;
use basalt_primitives::TxPrivileged;
use redb::ReadableTable;
use std::ops::Range;

/// The last L1 block whose bridge events are all in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L1Cursor {
    /// L1 block number.
    pub number: u64,
    /// L1 block hash, checked against the L1's canonical chain before reading further.
    pub hash: B256,
}

impl L1Cursor {
    /// Stored form: number (u64 big-endian) ‖ hash.
    fn encode(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        out[..8].copy_from_slice(&self.number.to_be_bytes());
        out[8..].copy_from_slice(self.hash.as_slice());
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self, StorageError> {
        let corrupt = || StorageError::Corrupt {
            what: "L1 cursor",
            reason: format!("{} bytes", bytes.len()),
        };
        if bytes.len() != 40 {
            return Err(corrupt());
        }
        Ok(Self {
            number: decode_u64(META_L1_CURSOR, &bytes[..8])?,
            hash: B256::from_slice(&bytes[8..]),
        })
    }
}

pub(crate) fn read_cursor(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Option<L1Cursor>, StorageError> {
    meta.get(META_L1_CURSOR)?.map(|v| L1Cursor::decode(v.value())).transpose()
}

pub(crate) fn read_blob_base_fee(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Option<u128>, StorageError> {
    meta.get(META_L1_BLOB_BASE_FEE)?
        .map(|v| {
            <[u8; 16]>::try_from(v.value()).map(u128::from_be_bytes).map_err(|_| {
                StorageError::Corrupt {
                    what: "meta number",
                    reason: META_L1_BLOB_BASE_FEE.to_string(),
                }
            })
        })
        .transpose()
}

/// The id of the next privileged transaction a block must include (0 before any was included).
pub(crate) fn read_next_included(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<u64, StorageError> {
    meta.get(META_NEXT_INCLUDED_PRIVILEGED)?
        .map_or(Ok(0), |v| decode_u64(META_NEXT_INCLUDED_PRIVILEGED, v.value()))
}

/// Checks that the privileged transactions of block `number` continue the included run exactly
/// and returns the next id after them (`next` itself for a block without any).
pub(crate) fn advance_included(
    number: u64,
    next: u64,
    transactions: &[basalt_primitives::BasaltTxEnvelope],
) -> Result<u64, StorageError> {
    let mut expected = next;
    for tx in transactions.iter().filter_map(|tx| tx.as_privileged()) {
        if tx.nonce != expected {
            return Err(StorageError::PrivilegedTxOutOfOrder {
                block: number,
                expected,
                found: tx.nonce,
            });
        }
        expected = expected.checked_add(1).ok_or_else(|| StorageError::Corrupt {
            what: "privileged queue",
            reason: "id u64::MAX".into(),
        })?;
    }
    Ok(expected)
}

/// The id the next queued transaction must have: one past the last stored, 0 for an empty queue.
pub(crate) fn next_id(queue: &impl ReadableTable<u64, &'static [u8]>) -> Result<u64, StorageError> {
    match queue.last()? {
        // An id of u64::MAX would have no successor; the bridge cannot reach it.
        Some((id, _)) => id.value().checked_add(1).ok_or_else(|| StorageError::Corrupt {
            what: "privileged queue",
            reason: "last id is u64::MAX".into(),
        }),
        None => Ok(0),
    }
}

/// Queued transactions with ids in `ids`, in id order, each checked against its key.
pub(crate) fn read_range(
    queue: &impl ReadableTable<u64, &'static [u8]>,
    ids: Range<u64>,
) -> Result<Vec<TxPrivileged>, StorageError> {
    let mut out = Vec::new();
    for entry in queue.range(ids)? {
        let (id, bytes) = entry?;
        let tx = TxPrivileged::decode_2718(&mut bytes.value()).map_err(|e| {
            StorageError::Corrupt { what: "privileged transaction", reason: e.to_string() }
        })?;
        if tx.nonce != id.value() {
            return Err(StorageError::Corrupt {
                what: "privileged transaction",
                reason: format!("stored under id {} with nonce {}", id.value(), tx.nonce),
            });
        }
        out.push(tx);
    }
    Ok(out)
}

impl WriteBatch<'_> {
    /// Appends `txs` (ids = their `nonce`s, the bridge's transaction ids) to the privileged
    /// queue as their 2718 bytes and moves the L1 cursor to `cursor`, in this batch's one
    /// transaction. The ids must continue the queue exactly (the first is one past the last
    /// stored, the rest follow one by one), else [`StorageError::PrivilegedTxGap`] or
    /// [`StorageError::PrivilegedTxDuplicate`]; the cursor must move forward, else
    /// [`StorageError::L1CursorNotForward`]. On error nothing of the call is written; the caller
    /// should drop the batch.
    pub fn queue_privileged_txs(
        &mut self,
        txs: &[TxPrivileged],
        cursor: L1Cursor,
    ) -> Result<(), StorageError> {
        let mut meta = self.txn().open_table(META)?;
        if let Some(stored) = read_cursor(&meta)?
            && cursor.number <= stored.number
        {
            return Err(StorageError::L1CursorNotForward {
                stored: stored.number,
                new: cursor.number,
            });
        }
        let mut queue = self.txn().open_table(PRIVILEGED_TXS)?;
        let mut expected = next_id(&queue)?;
        // Every id is checked before anything is inserted.
        for tx in txs {
            if tx.nonce < expected {
                return Err(StorageError::PrivilegedTxDuplicate { id: tx.nonce, next: expected });
            }
            if tx.nonce > expected {
                return Err(StorageError::PrivilegedTxGap { expected, found: tx.nonce });
            }
            expected = expected.checked_add(1).ok_or_else(|| StorageError::Corrupt {
                what: "privileged queue",
                reason: "id u64::MAX".into(),
            })?;
        }
        for tx in txs {
            queue.insert(tx.nonce, tx.encoded_2718().as_slice())?;
        }
        meta.insert(META_L1_CURSOR, cursor.encode().as_slice())?;
        Ok(())
    }

    /// Moves the included-privileged cursor past the privileged transactions of `block`, which
    /// must continue it exactly ([`StorageError::PrivilegedTxOutOfOrder`] otherwise) and, for
    /// every id the queue holds, be the queued transaction byte for byte
    /// ([`StorageError::PrivilegedTxMismatch`] otherwise; an id the queue lacks, as on a node
    /// importing blocks without a watcher, is taken as it is). Called by
    /// [`WriteBatch::insert_canonical_block`], so the cursor lands with the block.
    pub(crate) fn include_privileged_txs(
        &mut self,
        block: &basalt_primitives::Block,
    ) -> Result<(), StorageError> {
        let transactions = &block.body.transactions;
        if !transactions.iter().any(|tx| tx.is_privileged()) {
            return Ok(());
        }
        let number = block.header.number;
        let mut meta = self.txn().open_table(META)?;
        let next = advance_included(number, read_next_included(&meta)?, transactions)?;
        let queue = self.txn().open_table(PRIVILEGED_TXS)?;
        for tx in transactions {
            let Some(privileged) = tx.as_privileged() else { continue };
            let (id, included) = (privileged.nonce, *tx.tx_hash());
            if let Some(queued) = queue.get(id)? {
                // The 2718 bytes hash to the transaction hash: equal hashes, equal transactions.
                let queued = alloy_primitives::keccak256(queued.value());
                if queued != included {
                    return Err(StorageError::PrivilegedTxMismatch {
                        block: number,
                        id,
                        queued,
                        included,
                    });
                }
            }
        }
        meta.insert(META_NEXT_INCLUDED_PRIVILEGED, next.to_be_bytes().as_slice())?;
        Ok(())
    }

    /// Moves the included-privileged cursor back to `id` (blocks holding ids `id..` were
    /// removed from the canonical chain).
    pub(crate) fn rewind_included_privileged(&mut self, id: u64) -> Result<(), StorageError> {
        let mut meta = self.txn().open_table(META)?;
        if id < read_next_included(&meta)? {
            meta.insert(META_NEXT_INCLUDED_PRIVILEGED, id.to_be_bytes().as_slice())?;
        }
        Ok(())
    }

    /// Moves the L1 cursor back to `cursor` (at or below the stored one, else
    /// [`StorageError::L1CursorNotForward`] with the roles swapped) after an L1 reorg that left
    /// every queued transaction on L1: the blocks after it are read again, their known ids
    /// skipped. The queue itself is not touched.
    pub fn rewind_l1_cursor(&mut self, cursor: L1Cursor) -> Result<(), StorageError> {
        let mut meta = self.txn().open_table(META)?;
        if let Some(stored) = read_cursor(&meta)?
            && cursor.number > stored.number
        {
            return Err(StorageError::L1CursorNotForward {
                stored: cursor.number,
                new: stored.number,
            });
        }
        meta.insert(META_L1_CURSOR, cursor.encode().as_slice())?;
        Ok(())
    }

    /// Records the latest L1 blob base fee seen (wei), which L2 fees are priced from.
    pub fn set_l1_blob_base_fee(&mut self, wei: u128) -> Result<(), StorageError> {
        self.txn().open_table(META)?.insert(META_L1_BLOB_BASE_FEE, wei.to_be_bytes().as_slice())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;
    use alloy_primitives::{Address, Bytes, TxKind, U256};

    fn tx(id: u64) -> TxPrivileged {
        TxPrivileged {
            chain_id: 65536999,
            nonce: id,
            gas_limit: 100_000 + id,
            to: TxKind::Call(Address::with_last_byte(0xff)),
            mint: U256::from(id) * U256::from(10u64.pow(18)),
            value: U256::from(id),
            input: Bytes::from(vec![id as u8; 3]),
            from: Address::with_last_byte(id as u8),
        }
    }

    fn cursor(number: u64) -> L1Cursor {
        L1Cursor { number, hash: B256::with_last_byte(number as u8) }
    }

    fn queue(db: &Database, ids: Range<u64>, at: u64) -> Result<(), StorageError> {
        let mut batch = db.write()?;
        batch.queue_privileged_txs(&ids.map(tx).collect::<Vec<_>>(), cursor(at))?;
        batch.commit()
    }

    #[test]
    fn runs_are_stored_in_order_with_their_cursor_and_read_back_by_range() {
        let db = Database::in_memory().unwrap();
        let view = db.read().unwrap();
        assert_eq!(view.l1_cursor().unwrap(), None);
        assert_eq!(view.next_privileged_tx_id().unwrap(), 0);
        assert_eq!(view.l1_blob_base_fee().unwrap(), None);

        queue(&db, 0..3, 10).unwrap();
        // A range of blocks without events moves only the cursor.
        queue(&db, 3..3, 11).unwrap();
        queue(&db, 3..5, 20).unwrap();
        let mut batch = db.write().unwrap();
        batch.set_l1_blob_base_fee(u128::MAX - 1).unwrap();
        batch.commit().unwrap();

        let view = db.read().unwrap();
        assert_eq!(view.l1_cursor().unwrap(), Some(cursor(20)));
        assert_eq!(view.next_privileged_tx_id().unwrap(), 5);
        assert_eq!(view.privileged_txs(0..5).unwrap(), (0..5).map(tx).collect::<Vec<_>>());
        assert_eq!(view.privileged_txs(2..4).unwrap(), vec![tx(2), tx(3)]);
        assert_eq!(view.privileged_txs(4..100).unwrap(), vec![tx(4)]);
        assert_eq!(view.l1_blob_base_fee().unwrap(), Some(u128::MAX - 1));
    }

    #[test]
    fn a_gap_a_duplicate_or_a_cursor_going_back_is_refused_and_writes_nothing() {
        let db = Database::in_memory().unwrap();
        queue(&db, 0..2, 10).unwrap();
        let before = || {
            let view = db.read().unwrap();
            (view.l1_cursor().unwrap(), view.next_privileged_tx_id().unwrap())
        };
        let state = before();

        assert!(matches!(
            queue(&db, 3..4, 11),
            Err(StorageError::PrivilegedTxGap { expected: 2, found: 3 })
        ));
        assert!(matches!(
            queue(&db, 1..3, 11),
            Err(StorageError::PrivilegedTxDuplicate { id: 1, next: 2 })
        ));
        // A gap inside the run, after a valid first id, is refused as a whole.
        let mut batch = db.write().unwrap();
        let err = batch.queue_privileged_txs(&[tx(2), tx(4)], cursor(11)).unwrap_err();
        assert!(matches!(err, StorageError::PrivilegedTxGap { expected: 3, found: 4 }), "{err}");
        drop(batch);
        // The same id twice in one run.
        let mut batch = db.write().unwrap();
        let err = batch.queue_privileged_txs(&[tx(2), tx(2)], cursor(11)).unwrap_err();
        assert!(matches!(err, StorageError::PrivilegedTxDuplicate { id: 2, next: 3 }), "{err}");
        drop(batch);
        for at in [9, 10] {
            assert!(matches!(
                queue(&db, 2..3, at),
                Err(StorageError::L1CursorNotForward { stored: 10, new }) if new == at
            ));
        }
        assert_eq!(before(), state);
        queue(&db, 2..3, 11).unwrap();
        assert_eq!(before(), (Some(cursor(11)), 3));
    }

    #[test]
    fn a_batch_dropped_without_commit_leaves_neither_queue_nor_cursor() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = Database::open(dir.path()).unwrap();
            queue(&db, 0..1, 5).unwrap();
            let mut batch = db.write().unwrap();
            batch.queue_privileged_txs(&[tx(1), tx(2)], cursor(6)).unwrap();
            batch.set_l1_blob_base_fee(7).unwrap();
            drop(batch);
            let view = db.read().unwrap();
            assert_eq!(view.l1_cursor().unwrap(), Some(cursor(5)));
            assert_eq!(view.next_privileged_tx_id().unwrap(), 1);
            assert_eq!(view.l1_blob_base_fee().unwrap(), None);
        }
        // And the committed run survives reopening, continuing where it was.
        let db = Database::open(dir.path()).unwrap();
        let view = db.read().unwrap();
        assert_eq!(view.l1_cursor().unwrap(), Some(cursor(5)));
        assert_eq!(view.privileged_txs(0..10).unwrap(), vec![tx(0)]);
        drop(view);
        queue(&db, 1..3, 6).unwrap();
        assert_eq!(db.read().unwrap().next_privileged_tx_id().unwrap(), 3);
    }

    /// A block at `number` holding privileged transactions `ids`, and an ordinary-looking
    /// filler in between when `ids` is empty.
    fn block(number: u64, ids: &[u64]) -> basalt_primitives::Block {
        let transactions = ids
            .iter()
            .map(|id| {
                basalt_primitives::BasaltTxEnvelope::Privileged(alloy_consensus::Sealed::new(tx(
                    *id,
                )))
            })
            .collect();
        basalt_primitives::Block {
            header: alloy_consensus::Header { number, ..Default::default() },
            body: basalt_primitives::BlockBody { transactions, ommers: vec![], withdrawals: None },
        }
    }

    fn insert(db: &Database, number: u64, ids: &[u64]) -> Result<(), StorageError> {
        let block = block(number, ids);
        let senders: Vec<_> = ids.iter().map(|id| tx(*id).from).collect();
        let mut batch = db.write()?;
        batch.insert_canonical_block(&block, B256::with_last_byte(number as u8), &[], &senders)?;
        batch.commit()
    }

    #[test]
    fn blocks_move_the_included_cursor_in_queue_order_and_removal_moves_it_back() {
        let db = Database::in_memory().unwrap();
        let next = || db.read().unwrap().next_included_privileged_id().unwrap();
        assert_eq!(next(), 0);
        insert(&db, 1, &[0, 1]).unwrap();
        insert(&db, 2, &[]).unwrap();
        assert_eq!(next(), 2);
        insert(&db, 3, &[2]).unwrap();
        assert_eq!(next(), 3);

        // Skipping, repeating or reordering a queued transaction is refused, and nothing of
        // the block is written.
        for ids in [&[4][..], &[2], &[3, 5], &[4, 3]] {
            let err = insert(&db, 4, ids).unwrap_err();
            assert!(matches!(err, StorageError::PrivilegedTxOutOfOrder { block: 4, .. }), "{err}");
            assert_eq!(next(), 3);
            assert!(db.read().unwrap().canonical_hash(4).unwrap().is_none());
        }

        // The L1 cursor moves back only (after a reorg), and leaves the queue alone.
        queue(&db, 0..4, 10).unwrap();
        let mut batch = db.write().unwrap();
        assert!(batch.rewind_l1_cursor(cursor(11)).is_err());
        batch.rewind_l1_cursor(cursor(7)).unwrap();
        batch.commit().unwrap();
        let view = db.read().unwrap();
        assert_eq!(view.l1_cursor().unwrap(), Some(cursor(7)));
        assert_eq!(view.next_privileged_tx_id().unwrap(), 4);
        drop(view);

        let mut batch = db.write().unwrap();
        batch.remove_blocks_above(1).unwrap();
        batch.commit().unwrap();
        assert_eq!(next(), 2);
        insert(&db, 2, &[2, 3]).unwrap();
        assert_eq!(next(), 4);
    }

    #[test]
    fn an_included_transaction_must_be_the_queued_one_when_the_queue_holds_its_id() {
        let db = Database::in_memory().unwrap();
        queue(&db, 0..2, 10).unwrap();
        // Id 0 as queued but minting one wei more: refused, naming the id and both hashes, and
        // nothing of the block is written.
        let mut forged = tx(0);
        forged.mint += U256::from(1);
        let mut block = block(1, &[]);
        block.body.transactions = vec![basalt_primitives::BasaltTxEnvelope::Privileged(
            alloy_consensus::Sealed::new(forged.clone()),
        )];
        let mut batch = db.write().unwrap();
        let err = batch
            .insert_canonical_block(&block, B256::with_last_byte(1), &[], &[forged.from])
            .unwrap_err();
        drop(batch);
        let (queued, included) = (tx(0).tx_hash(), forged.tx_hash());
        assert!(
            matches!(
                err,
                StorageError::PrivilegedTxMismatch { block: 1, id: 0, queued: q, included: i }
                    if q == queued && i == included
            ),
            "{err}"
        );
        let message = err.to_string();
        for part in ["privileged transaction 0", &queued.to_string(), &included.to_string()] {
            assert!(message.contains(part), "{part} missing from: {message}");
        }
        let view = db.read().unwrap();
        assert!(view.canonical_hash(1).unwrap().is_none());
        assert_eq!(view.next_included_privileged_id().unwrap(), 0);
        drop(view);

        // The queued bytes are accepted, and an id the queue does not hold yet (a node with
        // no watcher, or one behind) is taken as the block has it.
        insert(&db, 1, &[0, 1, 2]).unwrap();
        assert_eq!(db.read().unwrap().next_included_privileged_id().unwrap(), 3);
    }
}
