//! The pending block: what the miner would build from the pool right now, on the head, with
//! the next block's timestamp. Every RPC method that takes the `pending` tag reads it (or
//! its state), so `pending` means one thing everywhere. It is built on demand and kept until
//! the pool, the head, the state or the clock changes.

use super::{ChainService, ServiceError, lock};
use crate::builder::BuiltBlock;
use alloy_primitives::B256;
use std::sync::{Arc, atomic::Ordering};

/// The cached pending block and what it was built from.
pub(super) struct CachedPending {
    /// (pool/state epoch, head hash, timestamp) it was built for.
    key: (u64, B256, u64),
    block: Arc<BuiltBlock>,
}

impl ChainService {
    /// The block the pool would give now. Its transactions are the pool's best that execute
    /// (those that do not are left out, as the miner would); its state is in memory only.
    pub fn pending_block(&self) -> Result<Arc<BuiltBlock>, ServiceError> {
        let epoch = self.pending_epoch.load(Ordering::Acquire);
        let head = self.chain.head()?;
        let timestamp = self.next_timestamp_preview(head.timestamp);
        let key = (epoch, head.hash_slow(), timestamp);
        if let Some(cached) = lock(&self.pending).as_ref().filter(|cached| cached.key == key) {
            return Ok(cached.block.clone());
        }
        let (template, _) = self.template_from_pool(&head, timestamp, Vec::new(), true, None)?;
        let block = Arc::new(self.chain.build_block(template)?);
        *lock(&self.pending) = Some(CachedPending { key, block: block.clone() });
        Ok(block)
    }

    /// Forgets the cached pending block: the pool or the state changed.
    pub(super) fn pending_changed(&self) {
        self.pending_epoch.fetch_add(1, Ordering::AcqRel);
    }
}
