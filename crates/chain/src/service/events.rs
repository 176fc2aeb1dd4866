//! What the chain service tells its one listener (the RPC layer's subscription hub): new head
//! blocks, blocks taken off the chain, transactions entering the pool.

use super::{ChainService, lock};
use crate::builder::MinedBlock;
use alloy_primitives::B256;
use basalt_primitives::{BasaltReceipt, Block};
use std::sync::Arc;

/// What a subscriber hears.
#[derive(Clone, Debug)]
pub enum ChainEvent {
    /// A new head block.
    Block(Arc<MinedBlock>),
    /// Blocks taken off the canonical chain (oldest first) by a revert, rollback or reorg;
    /// new blocks, if any, follow as [`ChainEvent::Block`].
    Removed(Arc<Vec<RemovedBlock>>),
    /// A transaction's hash, as it enters the pool.
    PendingTransaction(B256),
}

/// A block taken off the canonical chain, as subscribers need it (its logs are announced
/// again with `removed: true`).
#[derive(Clone, Debug)]
pub struct RemovedBlock {
    pub block: Block,
    pub hash: B256,
    pub receipts: Vec<BasaltReceipt>,
}

/// Receives chain events; called with no lock held.
pub type EventListener = Box<dyn Fn(ChainEvent) + Send + Sync>;

impl ChainService {
    /// Sets the one event listener (the RPC layer's subscription hub).
    pub fn set_listener(&self, listener: EventListener) {
        *lock(&self.listener) = Some(Arc::new(listener));
    }

    pub(super) fn emit(&self, event: ChainEvent) {
        let listener = lock(&self.listener).clone();
        if let Some(listener) = listener {
            listener(event);
        }
    }
}
