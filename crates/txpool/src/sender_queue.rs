//! One sender's transactions in the pool, by nonce, with the ends of their gap-free runs, so
//! "is every nonce from the account's up to this one here" is one set lookup instead of a walk
//! (a walk per admission cost a burst of k transactions from one sender k^2/2 steps under the
//! pool's lock).

use std::{
    collections::{BTreeMap, BTreeSet},
    ops::RangeBounds,
};

/// A sender's pooled transactions (`T`) keyed by nonce.
pub(crate) struct SenderQueue<T> {
    txs: BTreeMap<u64, T>,
    /// The nonces in `txs` whose successor is not in `txs`: the last nonce of each gap-free
    /// run (u64::MAX, which has no successor, always ends one).
    run_ends: BTreeSet<u64>,
}

impl<T> Default for SenderQueue<T> {
    fn default() -> Self {
        Self { txs: BTreeMap::new(), run_ends: BTreeSet::new() }
    }
}

impl<T> SenderQueue<T> {
    /// Puts `tx` at `nonce`; returns the transaction it replaces there.
    pub(crate) fn insert(&mut self, nonce: u64, tx: T) -> Option<T> {
        let replaced = self.txs.insert(nonce, tx);
        if replaced.is_none() {
            if let Some(before) = nonce.checked_sub(1)
                && self.txs.contains_key(&before)
            {
                self.run_ends.remove(&before);
            }
            if !nonce.checked_add(1).is_some_and(|after| self.txs.contains_key(&after)) {
                self.run_ends.insert(nonce);
            }
        }
        replaced
    }

    /// Takes out the transaction at `nonce`.
    pub(crate) fn remove(&mut self, nonce: u64) -> Option<T> {
        let removed = self.txs.remove(&nonce)?;
        self.run_ends.remove(&nonce);
        if let Some(before) = nonce.checked_sub(1)
            && self.txs.contains_key(&before)
        {
            self.run_ends.insert(before);
        }
        Some(removed)
    }

    /// The last nonce of the gap-free run that starts at `from`; None when the queue has no
    /// transaction at `from`.
    pub(crate) fn last_of_run(&self, from: u64) -> Option<u64> {
        if !self.txs.contains_key(&from) {
            return None;
        }
        // `from` is in a run, so a run end at or after it exists.
        self.run_ends.range(from..).next().copied()
    }

    pub(crate) fn get(&self, nonce: u64) -> Option<&T> {
        self.txs.get(&nonce)
    }

    pub(crate) fn len(&self) -> usize {
        self.txs.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// The transactions in nonce order.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = (&u64, &T)> {
        self.txs.iter()
    }

    /// The transactions in nonce order.
    pub(crate) fn values(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.txs.values()
    }

    /// The transactions with nonces in `nonces`, in nonce order.
    pub(crate) fn range(
        &self,
        nonces: impl RangeBounds<u64>,
    ) -> impl DoubleEndedIterator<Item = (&u64, &T)> {
        self.txs.range(nonces)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Queue = SenderQueue<u64>;

    fn queue_of(nonces: &[u64]) -> Queue {
        let mut queue = Queue::default();
        for &nonce in nonces {
            queue.insert(nonce, nonce);
        }
        queue
    }

    /// The walk the run ends replace: the last nonce present from `from` on without a gap.
    fn walked(queue: &Queue, from: u64) -> Option<u64> {
        queue.get(from)?;
        let mut last = from;
        while queue.get(last + 1).is_some() {
            last += 1;
        }
        Some(last)
    }

    #[test]
    fn last_of_run_matches_a_walk_through_inserts_and_removals() {
        // Deterministic pseudo-random inserts and removals over a small nonce range, so runs
        // form, merge and split; every answer is checked against the walk.
        let mut queue = Queue::default();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..4000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let nonce = seed % 40;
            if seed & (1 << 40) == 0 {
                queue.insert(nonce, nonce);
            } else {
                queue.remove(nonce);
            }
            for from in 0..42 {
                assert_eq!(queue.last_of_run(from), walked(&queue, from), "from {from}");
            }
        }
    }

    #[test]
    fn replacing_a_nonce_keeps_the_runs() {
        let mut queue = queue_of(&[3, 4, 5, 8]);
        assert!(queue.insert(4, 4).is_some());
        assert_eq!(queue.last_of_run(3), Some(5));
        assert_eq!(queue.last_of_run(6), None);
        assert_eq!(queue.last_of_run(8), Some(8));
        assert_eq!(queue.len(), 4);
    }

    #[test]
    fn the_largest_nonce_ends_a_run_without_overflow() {
        let mut queue = queue_of(&[u64::MAX - 1, u64::MAX]);
        assert_eq!(queue.last_of_run(u64::MAX - 1), Some(u64::MAX));
        queue.remove(u64::MAX);
        assert_eq!(queue.last_of_run(u64::MAX - 1), Some(u64::MAX - 1));
        queue.remove(u64::MAX - 1);
        assert!(queue.is_empty());
        assert_eq!(queue.last_of_run(0), None);
    }
}
