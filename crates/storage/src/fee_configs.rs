//! The fee config each L2 block ran under (docs/l2-fees.md), stored by block hash in the
//! block's own write transaction, so batches, re-execution and proving read exactly what the
//! block was executed with. This module stores and decodes; it does not price anything.

use crate::{ReadView, StorageError, WriteBatch, tables::L2_FEE_CONFIGS};
use alloy_primitives::B256;
use basalt_primitives::FeeConfig;

impl WriteBatch<'_> {
    /// Stores `fees` as the fee config of block `hash`; written with the block when the batch
    /// commits, dropped with it otherwise.
    pub fn insert_fee_config(&mut self, hash: B256, fees: &FeeConfig) -> Result<(), StorageError> {
        self.txn().open_table(L2_FEE_CONFIGS)?.insert(hash.0, fees.encode().as_slice())?;
        Ok(())
    }
}

impl ReadView {
    /// The fee config L2 block `hash` ran under; None for an L1 block or an unknown hash.
    /// Stored bytes that do not decode (another version, damage) are
    /// [`StorageError::Corrupt`].
    pub fn fee_config(&self, hash: B256) -> Result<Option<FeeConfig>, StorageError> {
        self.fee_configs_table()?
            .get(hash.0)?
            .map(|bytes| {
                FeeConfig::decode(bytes.value()).map_err(|e| StorageError::Corrupt {
                    what: "fee config",
                    reason: e.to_string(),
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;
    use basalt_primitives::FeeSettings;

    #[test]
    fn a_fee_config_is_written_with_its_batch_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        let fees = FeeConfig::new(&FeeSettings::default(), 42);
        let (kept, dropped) = (B256::repeat_byte(1), B256::repeat_byte(2));

        let mut batch = db.write().unwrap();
        batch.insert_fee_config(dropped, &fees).unwrap();
        drop(batch);
        let mut batch = db.write().unwrap();
        batch.insert_fee_config(kept, &fees).unwrap();
        // Not visible before the commit.
        assert_eq!(db.read().unwrap().fee_config(kept).unwrap(), None);
        batch.commit().unwrap();

        let view = db.read().unwrap();
        assert_eq!(view.fee_config(kept).unwrap(), Some(fees));
        assert_eq!(view.fee_config(dropped).unwrap(), None);
        drop(view);
        drop(db);
        let db = Database::open(dir.path()).unwrap();
        assert_eq!(db.read().unwrap().fee_config(kept).unwrap(), Some(fees));

        let batch = db.write().unwrap();
        batch
            .txn()
            .open_table(L2_FEE_CONFIGS)
            .unwrap()
            .insert(kept.0, [9u8, 1].as_slice())
            .unwrap();
        batch.commit().unwrap();
        let err = db.read().unwrap().fee_config(kept).unwrap_err();
        assert!(err.to_string().contains("version 9"), "{err}");
    }
}
