//! The beacon-style `safe` and `finalized` block tags of a chain without a beacon chain: they
//! lag the head by one and two epochs (`slots_in_an_epoch` blocks each), and `finalized` only
//! moves forward, so whoever moves the head back (the anvil layer) may not go below it.

use super::ChainService;
use std::sync::atomic::Ordering;

impl ChainService {
    /// The `safe` block when the head is `head`: `slots_in_an_epoch` behind it, as a beacon
    /// chain justifies an epoch after one epoch (never behind `finalized`).
    pub fn safe_number(&self, head: u64) -> u64 {
        head.saturating_sub(self.config.slots_in_an_epoch).max(self.finalized_number())
    }

    /// The `finalized` block: two epochs behind the highest head seen, and never lower than
    /// a block already reported as finalized.
    pub fn finalized_number(&self) -> u64 {
        self.finalized.load(Ordering::Acquire)
    }

    /// Raises the finalized block after the head moved to `head`.
    pub(super) fn advance_finalized(&self, head: u64) {
        let lag = self.config.slots_in_an_epoch.saturating_mul(2);
        self.finalized.fetch_max(head.saturating_sub(lag), Ordering::AcqRel);
    }
}
