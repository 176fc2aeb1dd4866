//! Recently written or read trie nodes in memory, so that the nodes a block reads (mostly the
//! ones the previous blocks wrote) skip the index lookup, the file read and the hash check.
//! Two generations bounded by bytes: when the young one fills up it becomes the old one and
//! the previous old one is dropped; a hit in the old one moves the node back to the young one.
//! Nodes are content-addressed, so a cached node is right for every snapshot.

use alloy_primitives::{B256, Bytes, map::B256Map};
use std::sync::Mutex;

/// Bytes of node data per generation (the cache holds at most twice this).
pub(crate) const GENERATION_BYTES: usize = 16 << 20;

#[derive(Default)]
struct Generations {
    young: B256Map<Bytes>,
    young_bytes: usize,
    old: B256Map<Bytes>,
}

/// A bounded map from node hash to node, for nodes known to hash to their key.
pub(crate) struct NodeCache {
    generation_bytes: usize,
    inner: Mutex<Generations>,
}

impl NodeCache {
    pub(crate) fn new(generation_bytes: usize) -> Self {
        Self { generation_bytes, inner: Mutex::new(Generations::default()) }
    }

    pub(crate) fn get(&self, hash: &B256) -> Option<Bytes> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(node) = inner.young.get(hash) {
            return Some(node.clone());
        }
        let node = inner.old.remove(hash)?;
        Self::insert_locked(&mut inner, self.generation_bytes, *hash, node.clone());
        Some(node)
    }

    /// Adds nodes whose hashes were computed from them (written by this process) or checked
    /// (read back from the log).
    pub(crate) fn insert(&self, nodes: impl IntoIterator<Item = (B256, Bytes)>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for (hash, node) in nodes {
            Self::insert_locked(&mut inner, self.generation_bytes, hash, node);
        }
    }

    fn insert_locked(inner: &mut Generations, limit: usize, hash: B256, node: Bytes) {
        if inner.young_bytes >= limit {
            inner.old = std::mem::take(&mut inner.young);
            inner.young_bytes = 0;
        }
        inner.young_bytes += node.len();
        inner.young.insert(hash, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(i: u8, len: usize) -> (B256, Bytes) {
        (B256::repeat_byte(i), Bytes::from(vec![i; len]))
    }

    #[test]
    fn holds_two_generations_and_keeps_what_is_read() {
        let cache = NodeCache::new(100);
        cache.insert([node(1, 60), node(2, 60)]);
        // The young generation is full: the next insert starts a new one.
        cache.insert([node(3, 60)]);
        assert_eq!(cache.get(&B256::repeat_byte(1)).unwrap().len(), 60);
        // Node 1 moved back to the young generation; node 2 stayed old.
        cache.insert([node(4, 60), node(5, 60)]);
        assert!(cache.get(&B256::repeat_byte(2)).is_none(), "dropped with its generation");
        assert!(cache.get(&B256::repeat_byte(1)).is_some());
        assert!(cache.get(&B256::repeat_byte(9)).is_none());
    }
}
