//! The chain's one writer at a time. The service's own writes (mined blocks) take it; so do
//! writes made beside the service (the anvil layer's state edits and unwinds), which go to the
//! database directly and then tell the service what changed through the [`ChainWriter`], so
//! the pool, the pending block and subscribers follow.

use super::{ChainEvent, ChainService, RemovedBlock, ServiceError, lock};
use crate::builder::{BlobSidecars, MinedBlock};
use alloy_primitives::Address;
use basalt_primitives::TxEnvelope;
use std::sync::{Arc, MutexGuard};

/// The chain's write lock, held: while it lives no block is mined and no other writer runs.
/// Taken with [`ChainService::writer`].
pub struct ChainWriter<'a> {
    service: &'a ChainService,
    _guard: MutexGuard<'a, ()>,
}

impl ChainService {
    /// Waits for the chain's write lock and takes it.
    pub fn writer(&self) -> ChainWriter<'_> {
        ChainWriter { service: self, _guard: lock(&self.write) }
    }
}

impl ChainWriter<'_> {
    /// Mines a block on the head at `timestamp` holding exactly `transactions` (each with its
    /// sender, trusted), in order; a transaction that does not execute is left out. The blobs
    /// of included blob transactions whose sidecar `sidecars` holds are stored with the block.
    /// Errors: what [`ChainService::mine_one`] returns, except a timestamp check (the caller
    /// chose it).
    pub fn mine_transactions(
        &mut self,
        timestamp: u64,
        transactions: Vec<(TxEnvelope, Address)>,
        sidecars: &BlobSidecars,
    ) -> Result<Arc<MinedBlock>, ServiceError> {
        let head = self.service.chain.head()?;
        let (txs, senders): (Vec<TxEnvelope>, Vec<Address>) = transactions.into_iter().unzip();
        let txs = txs.into_iter().map(Into::into).collect();
        let template = self.service.template_with(&head, timestamp, txs, senders)?;
        self.service.mine_template(self, template, sidecars)
    }

    /// The state changed outside a block (a direct edit committed by the caller): the pending
    /// block is built again.
    pub fn state_edited(&self) {
        self.service.pending_changed();
    }

    /// The head moved back past `removed` (oldest first; committed by the caller): the pool
    /// drops what the remaining chain has used, the pending block is built again, and
    /// subscribers hear of the removed blocks before any new one. Errors: the database cannot
    /// be read (the unwind itself stands).
    pub fn blocks_removed(&self, removed: &[RemovedBlock]) -> Result<(), ServiceError> {
        let service = self.service;
        let view = service.chain.db().read()?;
        if let Err(err) = lock(&service.pool).prune(&view) {
            tracing::warn!(chain = service.config.name, "pool prune after unwinding failed: {err}");
        }
        service.pending_changed();
        if !removed.is_empty() {
            service.emit(ChainEvent::Removed(Arc::new(removed.to_vec())));
        }
        Ok(())
    }
}
