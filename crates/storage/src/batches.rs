//! Sealed L2 batches (issue 11, docs/da.md "Batches"): each batch's blocks, its DA data as it
//! goes into blobs, and the commitments `OnChainProposer.commitBatch` takes, stored under the
//! batch number; and how far batches are committed and verified on L1. A batch is sealed in one
//! write transaction, so a crash leaves it whole or absent. This module stores and checks
//! order; building a batch is `basalt-batch`'s job.

use crate::{Database, StorageError, WriteBatch, read::decode_u64, tables::*};
use alloy_primitives::{B256, Bytes};
use alloy_rlp::{RlpDecodable, RlpEncodable};
use redb::{ReadOnlyTable, ReadableDatabase, ReadableTable};

/// Version byte in front of a stored [`SealedBatch`].
const SEALED_BATCH_VERSION: u8 = 1;

/// A sealed batch: consecutive L2 blocks `first_block..=last_block`, their DA data and the
/// values `commitBatch` commits to. Never changed once stored.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct SealedBatch {
    /// Batch number, from 1 (batch 0 is the genesis on L1).
    pub number: u64,
    pub first_block: u64,
    pub last_block: u64,
    /// DA payload mode (`basalt_da::DaMode` as its byte: 0 blocks, 1 state-diff).
    pub mode: u8,
    /// Length of the uncompressed payload, in bytes.
    pub payload_len: u64,
    /// The blob stream's data: codec byte then the (compressed) payload (docs/da.md); what
    /// `encode_blobs` packs into the batch's blobs. Empty in validium mode.
    pub data: Bytes,
    /// EIP-4844 versioned hashes of the batch's blobs, in blob order (none in validium mode).
    pub versioned_hashes: Vec<B256>,
    /// State root after the last block.
    pub state_root: B256,
    /// Root of the batch's L1-message tree (zero without messages).
    pub l1_messages_root: B256,
    /// Rolling hash of the privileged transactions the batch includes (count in the top 2 bytes).
    pub privileged_rolling_hash: B256,
    /// Hash of the last block.
    pub last_block_hash: B256,
    /// Ordinary (signed) transactions in the batch.
    pub non_privileged_txs: u64,
    /// Privileged transactions in the batch.
    pub privileged_txs: u64,
    /// When it was sealed (Unix seconds).
    pub sealed_at: u64,
}

impl SealedBatch {
    fn encode(&self) -> Vec<u8> {
        let mut out = vec![SEALED_BATCH_VERSION];
        alloy_rlp::Encodable::encode(self, &mut out);
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self, StorageError> {
        decode_versioned("sealed batch", SEALED_BATCH_VERSION, bytes)
    }
}

/// Decodes a record stored as `version` then its RLP, refusing another version and trailing
/// bytes as damage to `what`.
pub(crate) fn decode_versioned<T: alloy_rlp::Decodable>(
    what: &'static str,
    version: u8,
    bytes: &[u8],
) -> Result<T, StorageError> {
    let corrupt = |reason: String| StorageError::Corrupt { what, reason };
    match bytes.split_first() {
        Some((&found, mut rest)) if found == version => {
            let record = T::decode(&mut rest).map_err(|e| corrupt(e.to_string()))?;
            if !rest.is_empty() {
                return Err(corrupt(format!("{} bytes after the record", rest.len())));
            }
            Ok(record)
        }
        Some((found, _)) => Err(corrupt(format!("unknown version {found}"))),
        None => Err(corrupt("empty record".into())),
    }
}

/// Where a batch is on L1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchStatus {
    /// Stored, not yet committed on L1.
    Sealed,
    /// Committed by `commitBatch`.
    Committed,
    /// Verified by `verifyBatches`.
    Verified,
}

impl BatchStatus {
    /// `sealed`, `committed` or `verified`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sealed => "sealed",
            Self::Committed => "committed",
            Self::Verified => "verified",
        }
    }
}

/// The numbers of the last sealed, committed and verified batches (0: none yet).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchNumbers {
    pub sealed: u64,
    pub committed: u64,
    pub verified: u64,
}

/// A consistent snapshot of the stored batches and their proofs.
pub struct BatchView {
    batches: ReadOnlyTable<u64, &'static [u8]>,
    commits: ReadOnlyTable<u64, [u8; 32]>,
    meta: ReadOnlyTable<&'static str, &'static [u8]>,
    /// Batch proofs (see `proofs`).
    pub(crate) proofs: ReadOnlyTable<u64, &'static [u8]>,
    /// Witness sizes (see `witness_sizes`).
    pub(crate) witness_sizes: ReadOnlyTable<u64, &'static [u8]>,
}

impl Database {
    /// A read snapshot of the batches (separate from [`Database::read`], so block reads do not
    /// open the batch tables).
    pub fn read_batches(&self) -> Result<BatchView, StorageError> {
        let txn = self.db.begin_read()?;
        Ok(BatchView {
            batches: txn.open_table(BATCHES)?,
            commits: txn.open_table(BATCH_COMMITS)?,
            meta: txn.open_table(META)?,
            proofs: txn.open_table(PROOFS)?,
            witness_sizes: txn.open_table(WITNESS_SIZES)?,
        })
    }
}

fn meta_u64(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<u64, StorageError> {
    meta.get(key)?.map_or(Ok(0), |v| decode_u64(key, v.value()))
}

fn last_sealed(
    batches: &impl ReadableTable<u64, &'static [u8]>,
) -> Result<Option<SealedBatch>, StorageError> {
    batches.last()?.map(|(_, bytes)| SealedBatch::decode(bytes.value())).transpose()
}

impl BatchView {
    /// Batch `number`, None when not sealed.
    pub fn batch(&self, number: u64) -> Result<Option<SealedBatch>, StorageError> {
        self.batches.get(number)?.map(|bytes| SealedBatch::decode(bytes.value())).transpose()
    }

    /// The last sealed batch, None before the first.
    pub fn last_sealed(&self) -> Result<Option<SealedBatch>, StorageError> {
        last_sealed(&self.batches)
    }

    /// The last sealed, committed and verified batch numbers.
    pub fn numbers(&self) -> Result<BatchNumbers, StorageError> {
        Ok(BatchNumbers {
            sealed: self.batches.last()?.map_or(0, |(number, _)| number.value()),
            committed: meta_u64(&self.meta, META_LAST_COMMITTED_BATCH)?,
            verified: meta_u64(&self.meta, META_LAST_VERIFIED_BATCH)?,
        })
    }

    /// Where batch `number` is (None when not sealed), and the hash of the L1 transaction that
    /// committed it when this node sent or found it.
    pub fn status(&self, number: u64) -> Result<Option<(BatchStatus, Option<B256>)>, StorageError> {
        if self.batches.get(number)?.is_none() {
            return Ok(None);
        }
        let numbers = self.numbers()?;
        let status = if number <= numbers.verified {
            BatchStatus::Verified
        } else if number <= numbers.committed {
            BatchStatus::Committed
        } else {
            BatchStatus::Sealed
        };
        let tx = self.commits.get(number)?.map(|hash| B256::from(hash.value()));
        Ok(Some((status, tx)))
    }

    /// The DA mode byte of a datadir rebuilt from L1 (`basalt reconstruct`), None for a chain
    /// this node produced (or an empty datadir). See [`WriteBatch::set_follower`].
    pub fn follower(&self) -> Result<Option<u8>, StorageError> {
        Ok(self.meta.get(META_FOLLOWER)?.map(|v| v.value().first().copied().unwrap_or(0)))
    }

    /// The sealed batch holding L2 block `block`, None when no sealed batch does.
    pub fn batch_of_block(&self, block: u64) -> Result<Option<SealedBatch>, StorageError> {
        // Batches are few and ordered by blocks as by number: bisect on the number.
        let (mut low, mut high) = (1, self.numbers()?.sealed);
        while low <= high {
            let mid = low + (high - low) / 2;
            let Some(batch) = self.batch(mid)? else { return Ok(None) };
            if block < batch.first_block {
                high = mid - 1;
            } else if block > batch.last_block {
                low = mid + 1;
            } else {
                return Ok(Some(batch));
            }
        }
        Ok(None)
    }
}

impl WriteBatch<'_> {
    /// Stores `batch`, which must be the next one: number one past the last sealed and first
    /// block one past its last block (block 1 for batch 1), else
    /// [`StorageError::BatchOutOfOrder`]. Written whole at commit or not at all.
    pub fn seal_batch(&mut self, batch: &SealedBatch) -> Result<(), StorageError> {
        let mut batches = self.txn().open_table(BATCHES)?;
        let (number, first_block) =
            last_sealed(&batches)?.map_or((1, 1), |last| (last.number + 1, last.last_block + 1));
        if batch.number != number
            || batch.first_block != first_block
            || batch.last_block < batch.first_block
        {
            return Err(StorageError::BatchOutOfOrder {
                expected: number,
                first_block,
                number: batch.number,
                blocks: (batch.first_block, batch.last_block),
            });
        }
        batches.insert(batch.number, batch.encode().as_slice())?;
        Ok(())
    }

    /// Records that batches up to `number` are committed on L1, `number` itself by transaction
    /// `tx` (when known). `number` must be sealed; the cursor may move back (an L1 reorg dropped
    /// commits) as well as forward.
    pub fn set_last_committed_batch(
        &mut self,
        number: u64,
        tx: Option<B256>,
    ) -> Result<(), StorageError> {
        self.check_sealed(number)?;
        if let Some(tx) = tx {
            self.txn().open_table(BATCH_COMMITS)?.insert(number, tx.0)?;
        }
        let mut meta = self.txn().open_table(META)?;
        meta.insert(META_LAST_COMMITTED_BATCH, number.to_be_bytes().as_slice())?;
        if meta_u64(&meta, META_LAST_VERIFIED_BATCH)? > number {
            meta.insert(META_LAST_VERIFIED_BATCH, number.to_be_bytes().as_slice())?;
        }
        Ok(())
    }

    /// Records that batches up to `number` are verified on L1 (and so committed).
    pub fn set_last_verified_batch(&mut self, number: u64) -> Result<(), StorageError> {
        self.check_sealed(number)?;
        let mut meta = self.txn().open_table(META)?;
        meta.insert(META_LAST_VERIFIED_BATCH, number.to_be_bytes().as_slice())?;
        if meta_u64(&meta, META_LAST_COMMITTED_BATCH)? < number {
            meta.insert(META_LAST_COMMITTED_BATCH, number.to_be_bytes().as_slice())?;
        }
        Ok(())
    }

    /// Marks the datadir as a follower's (rebuilt from L1 by `basalt reconstruct`) of a chain
    /// whose batches are in DA mode `mode` (`basalt_da::DaMode` as its byte).
    pub fn set_follower(&mut self, mode: u8) -> Result<(), StorageError> {
        self.txn().open_table(META)?.insert(META_FOLLOWER, [mode].as_slice())?;
        Ok(())
    }

    fn check_sealed(&self, number: u64) -> Result<(), StorageError> {
        let sealed = self.txn().open_table(BATCHES)?.last()?.map_or(0, |(n, _)| n.value());
        if number > sealed {
            return Err(StorageError::BatchNotSealed { number, sealed });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(number: u64, first_block: u64, last_block: u64) -> SealedBatch {
        SealedBatch {
            number,
            first_block,
            last_block,
            mode: 0,
            payload_len: 1_000,
            data: Bytes::from(vec![1, 2, 3]),
            versioned_hashes: vec![B256::repeat_byte(1), B256::repeat_byte(2)],
            state_root: B256::repeat_byte(3),
            l1_messages_root: B256::ZERO,
            privileged_rolling_hash: B256::repeat_byte(4),
            last_block_hash: B256::repeat_byte(5),
            non_privileged_txs: 7,
            privileged_txs: 1,
            sealed_at: 1_700_000_000,
        }
    }

    fn seal(db: &Database, batch: &SealedBatch) -> Result<(), StorageError> {
        let mut write = db.write()?;
        write.seal_batch(batch)?;
        write.commit()
    }

    #[test]
    fn batches_are_stored_in_order_and_read_back() {
        let db = Database::in_memory().unwrap();
        assert_eq!(db.read_batches().unwrap().numbers().unwrap(), BatchNumbers::default());
        assert!(db.read_batches().unwrap().last_sealed().unwrap().is_none());
        seal(&db, &batch(1, 1, 3)).unwrap();
        seal(&db, &batch(2, 4, 4)).unwrap();
        let view = db.read_batches().unwrap();
        assert_eq!(view.batch(1).unwrap(), Some(batch(1, 1, 3)));
        assert_eq!(view.last_sealed().unwrap(), Some(batch(2, 4, 4)));
        assert_eq!(view.numbers().unwrap().sealed, 2);
        assert_eq!(view.batch_of_block(2).unwrap().map(|b| b.number), Some(1));
        assert_eq!(view.batch_of_block(4).unwrap().map(|b| b.number), Some(2));
        assert_eq!(view.batch_of_block(5).unwrap(), None);
        assert_eq!(view.batch_of_block(0).unwrap(), None);
        assert_eq!(view.status(2).unwrap(), Some((BatchStatus::Sealed, None)));
        assert_eq!(view.status(3).unwrap(), None);
    }

    #[test]
    fn a_batch_that_does_not_continue_the_last_is_refused_and_nothing_is_written() {
        let db = Database::in_memory().unwrap();
        for wrong in [batch(2, 1, 3), batch(1, 2, 3), batch(1, 1, 0)] {
            let err = seal(&db, &wrong).unwrap_err();
            assert!(matches!(err, StorageError::BatchOutOfOrder { expected: 1, .. }), "{err}");
        }
        seal(&db, &batch(1, 1, 3)).unwrap();
        for wrong in [batch(1, 1, 3), batch(2, 5, 6), batch(3, 4, 6)] {
            assert!(matches!(
                seal(&db, &wrong).unwrap_err(),
                StorageError::BatchOutOfOrder { expected: 2, first_block: 4, .. }
            ));
        }
        assert_eq!(db.read_batches().unwrap().numbers().unwrap().sealed, 1);
    }

    #[test]
    fn commit_and_verify_cursors_move_with_the_batches() {
        let db = Database::in_memory().unwrap();
        for (n, first) in [(1, 1), (2, 2), (3, 3)] {
            seal(&db, &batch(n, first, first)).unwrap();
        }
        let tx = B256::repeat_byte(9);
        let mut write = db.write().unwrap();
        assert!(matches!(
            write.set_last_committed_batch(4, None).unwrap_err(),
            StorageError::BatchNotSealed { number: 4, sealed: 3 }
        ));
        write.set_last_committed_batch(2, Some(tx)).unwrap();
        write.commit().unwrap();
        let view = db.read_batches().unwrap();
        assert_eq!(view.numbers().unwrap(), BatchNumbers { sealed: 3, committed: 2, verified: 0 });
        assert_eq!(view.status(2).unwrap(), Some((BatchStatus::Committed, Some(tx))));
        assert_eq!(view.status(1).unwrap(), Some((BatchStatus::Committed, None)));
        assert_eq!(view.status(3).unwrap(), Some((BatchStatus::Sealed, None)));

        let mut write = db.write().unwrap();
        write.set_last_verified_batch(3).unwrap();
        write.commit().unwrap();
        let numbers = db.read_batches().unwrap().numbers().unwrap();
        assert_eq!(numbers, BatchNumbers { sealed: 3, committed: 3, verified: 3 });

        // An L1 reorg that dropped commits moves both back.
        let mut write = db.write().unwrap();
        write.set_last_committed_batch(1, None).unwrap();
        write.commit().unwrap();
        let numbers = db.read_batches().unwrap().numbers().unwrap();
        assert_eq!(numbers, BatchNumbers { sealed: 3, committed: 1, verified: 1 });
    }

    #[test]
    fn batches_survive_reopening_the_datadir() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = Database::open(dir.path()).unwrap();
            seal(&db, &batch(1, 1, 2)).unwrap();
        }
        let db = Database::open(dir.path()).unwrap();
        assert_eq!(db.read_batches().unwrap().batch(1).unwrap(), Some(batch(1, 1, 2)));
    }

    #[test]
    fn a_damaged_record_is_corrupt_not_a_panic() {
        for bytes in [&[][..], &[2, 0xc0][..], &[1, 0xc0][..], &[1, 0xff, 0xff][..]] {
            assert!(matches!(SealedBatch::decode(bytes), Err(StorageError::Corrupt { .. })));
        }
        let mut bytes = batch(1, 1, 1).encode();
        bytes.push(0);
        assert!(matches!(SealedBatch::decode(&bytes), Err(StorageError::Corrupt { .. })));
    }
}
