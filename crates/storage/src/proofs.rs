//! Batch proofs as provers deliver them (issue 12, docs/proving.md): one record per batch number,
//! written by the proof coordinator in one write transaction when a proof arrives, read by the
//! proof sender, deleted when L1 refuses it so that the batch is proven again. This module stores
//! records; checking a proof is `basalt-prover`'s job.

use crate::{
    BatchView, Database, StorageError, WriteBatch, batches::decode_versioned, tables::PROOFS,
};
use alloy_primitives::Bytes;
use alloy_rlp::{RlpDecodable, RlpEncodable};
use redb::{ReadableTable, ReadableTableMetadata};

/// Version byte in front of a stored [`ProofRecord`].
const PROOF_RECORD_VERSION: u8 = 1;

/// A batch's proof as the coordinator accepted it.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct ProofRecord {
    /// Backend kind (`basalt_prover::ProofKind` as its byte: 0 exec, 1 attestation).
    pub kind: u8,
    /// Proof bytes in the verifier's format: empty for exec, concatenated 65-byte signatures
    /// (r ‖ s ‖ v, ascending signer address) for attestation.
    pub proof: Bytes,
    /// The ABI-encoded public inputs the proof is for (256 bytes).
    pub public_inputs: Bytes,
    /// Ids of the provers whose work the proof holds: one, or one per signature of an
    /// attestation gathered from several attesters, in signature order.
    pub provers: Vec<String>,
    /// When the (last part of the) proof arrived, Unix seconds.
    pub received_at: u64,
}

impl ProofRecord {
    fn encode(&self) -> Vec<u8> {
        let mut out = vec![PROOF_RECORD_VERSION];
        alloy_rlp::Encodable::encode(self, &mut out);
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self, StorageError> {
        decode_versioned("proof record", PROOF_RECORD_VERSION, bytes)
    }
}

impl Database {
    /// The stored proof of batch `number`, None when there is none (a shortcut for
    /// [`BatchView::proof`] on a fresh snapshot).
    pub fn proof(&self, number: u64) -> Result<Option<ProofRecord>, StorageError> {
        self.read_batches()?.proof(number)
    }
}

impl BatchView {
    /// The stored proof of batch `number`, None when there is none.
    pub fn proof(&self, number: u64) -> Result<Option<ProofRecord>, StorageError> {
        self.proofs.get(number)?.map(|bytes| ProofRecord::decode(bytes.value())).transpose()
    }

    /// Numbers of the batches with a stored proof, from `from` up, ascending, at most `limit`.
    pub fn proven_batches(&self, from: u64, limit: usize) -> Result<Vec<u64>, StorageError> {
        let mut numbers = Vec::new();
        for entry in self.proofs.range(from..)?.take(limit) {
            numbers.push(entry?.0.value());
        }
        Ok(numbers)
    }

    /// How many proofs are stored.
    pub fn proof_count(&self) -> Result<u64, StorageError> {
        Ok(self.proofs.len()?)
    }
}

impl WriteBatch<'_> {
    /// The proof of batch `number` as this transaction sees it (for a read-modify-write, such
    /// as adding a signature to an attestation, that no other writer can interleave with).
    pub fn proof(&self, number: u64) -> Result<Option<ProofRecord>, StorageError> {
        let proofs = self.txn().open_table(PROOFS)?;
        let record = proofs.get(number)?;
        record.map(|bytes| ProofRecord::decode(bytes.value())).transpose()
    }

    /// Stores `record` as the proof of batch `number`, replacing any earlier one. The batch need
    /// not be sealed in this database: the coordinator checks what it accepts.
    pub fn put_proof(&mut self, number: u64, record: &ProofRecord) -> Result<(), StorageError> {
        self.txn().open_table(PROOFS)?.insert(number, record.encode().as_slice())?;
        Ok(())
    }

    /// Deletes the proof of batch `number` (L1 refused it: the batch is proven again); false
    /// when there was none.
    pub fn delete_proof(&mut self, number: u64) -> Result<bool, StorageError> {
        Ok(self.txn().open_table(PROOFS)?.remove(number)?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u8, prover: &str) -> ProofRecord {
        ProofRecord {
            kind,
            proof: Bytes::from(vec![7; 65]),
            public_inputs: Bytes::from(vec![3; 256]),
            provers: vec![prover.to_string()],
            received_at: 1_700_000_000,
        }
    }

    fn put(db: &Database, number: u64, record: &ProofRecord) {
        let mut write = db.write().unwrap();
        write.put_proof(number, record).unwrap();
        write.commit().unwrap();
    }

    #[test]
    fn proofs_are_stored_listed_replaced_and_deleted() {
        let db = Database::in_memory().unwrap();
        assert_eq!(db.proof(1).unwrap(), None);
        for n in [3, 1, 2, 7] {
            put(&db, n, &record(1, &format!("p{n}")));
        }
        let view = db.read_batches().unwrap();
        assert_eq!(view.proof(2).unwrap(), Some(record(1, "p2")));
        assert_eq!(view.proven_batches(0, 10).unwrap(), vec![1, 2, 3, 7]);
        assert_eq!(view.proven_batches(3, 10).unwrap(), vec![3, 7]);
        assert_eq!(view.proven_batches(2, 2).unwrap(), vec![2, 3]);
        assert_eq!(view.proof_count().unwrap(), 4);

        put(&db, 2, &record(0, "again"));
        assert_eq!(db.proof(2).unwrap(), Some(record(0, "again")));

        let mut write = db.write().unwrap();
        assert_eq!(write.proof(2).unwrap(), Some(record(0, "again")));
        assert!(write.delete_proof(2).unwrap());
        assert_eq!(write.proof(2).unwrap(), None);
        assert!(!write.delete_proof(5).unwrap());
        write.commit().unwrap();
        assert_eq!(db.read_batches().unwrap().proven_batches(0, 10).unwrap(), vec![1, 3, 7]);
        // The snapshot taken before the delete still sees the proof.
        assert_eq!(view.proof(2).unwrap(), Some(record(1, "p2")));
    }

    #[test]
    fn a_dropped_write_stores_nothing() {
        let db = Database::in_memory().unwrap();
        let mut write = db.write().unwrap();
        write.put_proof(1, &record(0, "p")).unwrap();
        drop(write);
        assert_eq!(db.proof(1).unwrap(), None);
    }

    #[test]
    fn proofs_survive_reopening_the_datadir() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = Database::open(dir.path()).unwrap();
            put(&db, 4, &record(1, "p"));
        }
        let db = Database::open(dir.path()).unwrap();
        assert_eq!(db.proof(4).unwrap(), Some(record(1, "p")));
    }

    #[test]
    fn a_damaged_record_is_corrupt_not_a_panic() {
        for bytes in [&[][..], &[2, 0xc0][..], &[1, 0xc0][..], &[1, 0xff, 0xff][..]] {
            assert!(matches!(ProofRecord::decode(bytes), Err(StorageError::Corrupt { .. })));
        }
        let mut bytes = record(0, "p").encode();
        bytes.push(0);
        assert!(matches!(ProofRecord::decode(&bytes), Err(StorageError::Corrupt { .. })));
    }
}
