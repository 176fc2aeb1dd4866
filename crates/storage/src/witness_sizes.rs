//! Sizes of the batch witnesses the node built (issue 12, docs/proving.md): one record per
//! batch, replaced each time the proof coordinator builds the batch's guest input. The witness
//! itself is not kept: it is recorded again from the stored state whenever a prover asks.

use crate::{
    BatchView, StorageError, WriteBatch, batches::decode_versioned, tables::WITNESS_SIZES,
};
use alloy_rlp::{RlpDecodable, RlpEncodable};

/// Version byte in front of a stored [`WitnessSize`].
const WITNESS_SIZE_VERSION: u8 = 1;

/// How big a batch's witness and guest input were when last built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct WitnessSize {
    /// Blocks the batch holds.
    pub blocks: u64,
    /// Trie nodes (account and storage tries) in the witness.
    pub nodes: u64,
    /// Contract codes in the witness.
    pub codes: u64,
    /// Ancestor headers in the witness.
    pub headers: u64,
    /// Bytes of the witness: nodes, codes and headers.
    pub witness_bytes: u64,
    /// Bytes of the whole encoded guest input (witness, blocks, committed data, configs).
    pub input_bytes: u64,
    /// Milliseconds building the input took.
    pub build_millis: u64,
    /// When it was built, Unix seconds.
    pub built_at: u64,
}

impl BatchView {
    /// The recorded witness size of batch `number`, None before its input was first built.
    pub fn witness_size(&self, number: u64) -> Result<Option<WitnessSize>, StorageError> {
        let Some(bytes) = self.witness_sizes.get(number)? else { return Ok(None) };
        decode_versioned("witness size", WITNESS_SIZE_VERSION, bytes.value()).map(Some)
    }
}

impl WriteBatch<'_> {
    /// Records `size` as batch `number`'s witness size, replacing an earlier record.
    pub fn put_witness_size(
        &mut self,
        number: u64,
        size: &WitnessSize,
    ) -> Result<(), StorageError> {
        let mut record = vec![WITNESS_SIZE_VERSION];
        alloy_rlp::Encodable::encode(size, &mut record);
        self.txn().open_table(WITNESS_SIZES)?.insert(number, record.as_slice())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    #[test]
    fn witness_sizes_are_recorded_and_replaced() {
        let db = Database::in_memory().unwrap();
        assert_eq!(db.read_batches().unwrap().witness_size(3).unwrap(), None);
        let first =
            WitnessSize { blocks: 2, nodes: 10, witness_bytes: 5_000, ..Default::default() };
        let mut write = db.write().unwrap();
        write.put_witness_size(3, &first).unwrap();
        write.commit().unwrap();
        assert_eq!(db.read_batches().unwrap().witness_size(3).unwrap(), Some(first));
        let second = WitnessSize { nodes: 11, ..first };
        let mut write = db.write().unwrap();
        write.put_witness_size(3, &second).unwrap();
        write.commit().unwrap();
        let view = db.read_batches().unwrap();
        assert_eq!(view.witness_size(3).unwrap(), Some(second));
        assert_eq!(view.witness_size(4).unwrap(), None);
    }

    #[test]
    fn a_damaged_record_is_an_error() {
        let db = Database::in_memory().unwrap();
        let write = db.write().unwrap();
        write.txn().open_table(WITNESS_SIZES).unwrap().insert(1, [9u8, 1, 2].as_slice()).unwrap();
        write.commit().unwrap();
        assert!(matches!(
            db.read_batches().unwrap().witness_size(1),
            Err(StorageError::Corrupt { what: "witness size", .. })
        ));
    }
}
