//! Where each trie node's record is in the node log. Records up to the last checkpoint are
//! indexed in redb (the `trie_node_index` table, written in the same transaction as the checkpoint's
//! block, with the indexed length in the meta table); records appended since are in a small
//! in-memory map (the recent generation), rebuilt at open by scanning only the log after the
//! checkpoint. Start-up work and memory are therefore bounded by the checkpoint interval,
//! not by the chain's history.
//!
//! A read snapshot captures the recent generation before its redb snapshot, so a checkpoint
//! that moves entries from memory into redb never hides a node from a snapshot taken before
//! it: either the snapshot sees the entries in redb, or it holds the old generation.

use crate::{
    StorageError,
    node_cache::{GENERATION_BYTES, NodeCache},
    node_log::{NodeLog, NodePosition},
};
use alloy_primitives::{B256, Bytes, map::B256Map};
use redb::{ReadableTable, Table};
use std::sync::{Arc, RwLock};

/// Records appended since the last checkpoint that trigger the next one. At open at most
/// this many records are scanned (about 30 MiB of log); the map costs about 60 bytes each.
pub(crate) const CHECKPOINT_NODES: usize = 1 << 17;

/// Positions of the records appended since the last checkpoint.
#[derive(Default)]
pub(crate) struct RecentNodes(RwLock<B256Map<NodePosition>>);

impl RecentNodes {
    fn get(&self, hash: &B256) -> Option<NodePosition> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).get(hash).copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// The node log with its index.
pub(crate) struct NodeStore {
    log: NodeLog,
    recent: RwLock<Arc<RecentNodes>>,
    /// Nodes this process wrote or read back recently (checked against their hashes).
    cache: NodeCache,
    /// Recent records that trigger a checkpoint ([`CHECKPOINT_NODES`]; smaller in tests).
    pub(crate) checkpoint_nodes: usize,
}

impl NodeStore {
    /// A store over `log` whose records from the checkpoint on are `recent`.
    pub(crate) fn new(
        log: NodeLog,
        recent: impl IntoIterator<Item = (B256, NodePosition)>,
    ) -> Self {
        let recent = RecentNodes(RwLock::new(recent.into_iter().collect()));
        Self {
            log,
            recent: RwLock::new(Arc::new(recent)),
            cache: NodeCache::new(GENERATION_BYTES),
            checkpoint_nodes: CHECKPOINT_NODES,
        }
    }

    pub(crate) fn log(&self) -> &NodeLog {
        &self.log
    }

    /// The generation a new snapshot reads through; take it before the redb snapshot.
    pub(crate) fn recent(&self) -> Arc<RecentNodes> {
        self.recent.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The node with `hash` as a snapshot holding `recent` and `index` sees it.
    pub(crate) fn node(
        &self,
        recent: &RecentNodes,
        index: &impl ReadableTable<[u8; 32], (u64, u32)>,
        hash: &B256,
    ) -> Result<Option<Bytes>, StorageError> {
        if let Some(node) = self.cache.get(hash) {
            return Ok(Some(node));
        }
        let position = match recent.get(hash) {
            Some(position) => Some(position),
            None => index.get(hash.0)?.map(|entry| {
                let (offset, len) = entry.value();
                NodePosition { offset, len }
            }),
        };
        let Some(position) = position else { return Ok(None) };
        let node = self.log.read(hash, position)?;
        self.cache.insert([(*hash, node.clone())]);
        Ok(Some(node))
    }

    /// Appends the nodes the recent generation does not hold and publishes their positions
    /// (before the commit that references them, so no snapshot can miss them). Returns the
    /// log's new length. Only the writer calls this.
    pub(crate) fn append(&self, nodes: B256Map<Bytes>) -> Result<u64, StorageError> {
        let recent = self.recent();
        let fresh: Vec<(B256, Bytes)> =
            nodes.into_iter().filter(|(hash, _)| recent.get(hash).is_none()).collect();
        if !fresh.is_empty() {
            let positions = self.log.append(&fresh)?;
            recent.0.write().unwrap_or_else(|e| e.into_inner()).extend(positions);
            // The next blocks read mostly what this one wrote.
            self.cache.insert(fresh);
        }
        Ok(self.log.len())
    }

    /// Whether the recent generation is large enough to move into redb.
    pub(crate) fn checkpoint_due(&self) -> bool {
        self.recent().len() >= self.checkpoint_nodes
    }

    /// Writes every recent position into the index table of the writer's transaction, in key
    /// order. After that transaction commits, call [`NodeStore::retire_recent`].
    pub(crate) fn write_checkpoint(
        &self,
        index: &mut Table<'_, [u8; 32], (u64, u32)>,
    ) -> Result<(), StorageError> {
        let recent = self.recent();
        let mut entries: Vec<(B256, NodePosition)> = recent
            .0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(hash, position)| (*hash, *position))
            .collect();
        entries.sort_unstable_by_key(|(hash, _)| *hash);
        for (hash, position) in entries {
            index.insert(hash.0, (position.offset, position.len))?;
        }
        Ok(())
    }

    /// Starts an empty generation once a checkpoint is committed. Snapshots that hold the old
    /// one keep it until they end.
    pub(crate) fn retire_recent(&self) {
        *self.recent.write().unwrap_or_else(|e| e.into_inner()) = Arc::default();
    }
}
