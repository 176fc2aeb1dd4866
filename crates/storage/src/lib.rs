//! Basalt's embedded database on redb: headers, bodies, receipts, senders, the canonical
//! chain, transaction and log indexes, flat account and storage state at the head, trie nodes
//! and code. A block is written in exactly one write transaction, so a crash never leaves half
//! a block, and writers are serialized. This crate stores and computes roots; it does not
//! execute or validate.

mod batches;
mod blobs;
mod fee_configs;
mod historical;
mod node_cache;
mod node_index;
mod node_log;
mod overlay;
mod privileged_queue;
mod proof;
mod proofs;
mod read;
mod state_history;
mod state_update;
mod tables;
mod verify;
mod witness_sizes;
mod write;

pub use batches::{BatchNumbers, BatchStatus, BatchView, SealedBatch};
pub use blobs::{BlobKzgProof, StoredBlob};
pub use historical::HistoricalState;
pub use node_log::LogDamage;
pub use overlay::{OverlayNodes, StateOverlay};
pub use privileged_queue::L1Cursor;
pub use proof::{AccountProof, StorageProof};
pub use proofs::ProofRecord;
pub use read::{LogContext, ReadView, StoredAccount};
pub use state_history::{TouchedKeys, Unwind, UnwindError, unwind_changes};
pub use witness_sizes::WitnessSize;
pub use write::WriteBatch;

use alloy_primitives::B256;
use alloy_trie::EMPTY_ROOT_HASH;
use node_index::NodeStore;
use node_log::{NodeLog, NodePosition};
use redb::{ReadableDatabase, ReadableTable, TableError, backends::InMemoryBackend};
use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// File name of the trie-node log inside a datadir.
pub const NODE_LOG_FILE: &str = "trie-nodes.log";
/// File name of the redb database inside a datadir.
pub const REDB_FILE: &str = "basalt.redb";
/// Layout version this code writes. 1: before the persisted node index, stored senders and
/// the stored flat-state root (no version key); 2: with them.
pub const LAYOUT_VERSION: u64 = 2;

/// When block commits are fsynced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncPolicy {
    /// Every commit is durable when it returns.
    EveryCommit,
    /// A commit is made durable when this long has passed since the last durable one; the
    /// ones between are atomic but may be lost (all together, oldest last) in a power loss
    /// or `kill -9`. [`Database::flush`] makes everything durable.
    Periodic(Duration),
}

/// A storage failure: the node's own fault (I/O, damage, a race between writers), never a
/// block's. The message says what failed and, for damage, what to do. A variant wrapping a
/// lower error prints it in its own message and does not also return it as its
/// [`std::error::Error::source`], so a report that prints the chain of causes (`{:#}` of
/// eyre) says each cause once.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(redb::Error),
    #[error("cannot open database at {path}: {cause}")]
    Open { path: String, cause: redb::DatabaseError },
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt { what: &'static str, reason: String },
    #[error("trie: {0}")]
    Trie(basalt_trie::TrieError),
    #[error("trie node log {path}: {cause}")]
    NodeLogIo { path: String, cause: std::io::Error },
    #[error(
        "trie node log {path} is damaged at byte {offset}: {problem}; the file is left as it is: restore the datadir from a backup, or move it away and import the chain again"
    )]
    NodeLogDamaged { path: String, offset: u64, problem: LogDamage },
    #[error(
        "trie node log {path} does not hold the state root {root} of head block {number}: the log was cut short or replaced; restore the datadir from a backup, or move it away and import the chain again"
    )]
    HeadStateMissing { path: String, root: B256, number: u64 },
    #[error(
        "the database was written by a newer basalt (layout {found}; this one reads up to {supported}); open it with that version"
    )]
    NewerLayout { found: u64, supported: u64 },
    #[error(
        "the flat state is at root {current}, not {expected} as this write assumed: another writer committed first"
    )]
    StateMoved { expected: B256, current: B256 },
    #[error("block {block} has {senders} senders for {transactions} transactions")]
    SenderCount { block: B256, senders: usize, transactions: usize },
    #[error(
        "privileged transaction {found} would leave a gap in the queue: the next id is {expected}"
    )]
    PrivilegedTxGap { expected: u64, found: u64 },
    #[error("privileged transaction {id} is already queued (the next id is {next})")]
    PrivilegedTxDuplicate { id: u64, next: u64 },
    #[error("the L1 cursor must move forward: stored at block {stored}, given block {new}")]
    L1CursorNotForward { stored: u64, new: u64 },
    #[error(
        "block {block} includes privileged transaction {found} where the queue's next is {expected}: \
         privileged transactions are included in queue order, each exactly once"
    )]
    PrivilegedTxOutOfOrder { block: u64, expected: u64, found: u64 },
    #[error(
        "block {block} includes privileged transaction {id} with hash {included}, but the queue \
         read from L1 holds {queued} under that id: a privileged transaction is included exactly \
         as the L1 bridge queued it"
    )]
    PrivilegedTxMismatch { block: u64, id: u64, queued: B256, included: B256 },
    #[error("the blob sidecar given for transaction {tx} is not its own: {reason}")]
    BlobSidecarMismatch { tx: B256, reason: String },
    #[error(
        "batch {number} (blocks {}..={}) does not continue the sealed batches: the next is batch \
         {expected} from block {first_block}", blocks.0, blocks.1
    )]
    BatchOutOfOrder { expected: u64, first_block: u64, number: u64, blocks: (u64, u64) },
    #[error("batch {number} is not sealed (the last sealed is {sealed})")]
    BatchNotSealed { number: u64, sealed: u64 },
}

macro_rules! from_redb {
    ($($ty:ty),*) => {$(
        impl From<$ty> for StorageError {
            fn from(err: $ty) -> Self {
                Self::Database(err.into())
            }
        }
    )*};
}
from_redb!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::DatabaseError
);

impl From<basalt_trie::TrieError> for StorageError {
    fn from(err: basalt_trie::TrieError) -> Self {
        Self::Trie(err)
    }
}

/// What the meta table says about the node log and the layout, read before the log is opened.
#[derive(Default)]
struct StoredLayout {
    version: Option<u64>,
    /// Log length the last commit recorded.
    log_len: Option<u64>,
    /// Log length up to which every record is in the persisted index.
    indexed: Option<u64>,
}

impl StoredLayout {
    fn read(db: &redb::Database) -> Result<Self, StorageError> {
        let txn = db.begin_read()?;
        let meta = match txn.open_table(tables::META) {
            Ok(meta) => meta,
            Err(TableError::TableDoesNotExist(_)) => return Ok(Self::default()),
            Err(err) => return Err(err.into()),
        };
        let number = |key: &str| -> Result<Option<u64>, StorageError> {
            meta.get(key)?.map(|value| read::decode_u64(key, value.value())).transpose()
        };
        Ok(Self {
            version: number(tables::META_LAYOUT_VERSION)?,
            log_len: number(tables::META_NODE_LOG_LEN)?,
            indexed: number(tables::META_NODE_LOG_INDEXED)?,
        })
    }
}

/// The database handle. Cheap to share by reference; readers see consistent snapshots.
pub struct Database {
    db: redb::Database,
    nodes: Arc<NodeStore>,
    sync_policy: SyncPolicy,
    last_durable: Mutex<Instant>,
    /// Held by the one [`WriteBatch`] alive at a time, through its commit and the node-index
    /// bookkeeping that follows it.
    writer: Mutex<()>,
}

impl Database {
    /// Opens (or creates) the database under `dir`. The node log is scanned only past the
    /// last checkpoint of its index; a datadir written before the index was persisted is
    /// scanned once and indexed. Fails, leaving the node log as it is, when the log is damaged
    /// anywhere a commit references, and when the head's state root is not in the log.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|e| StorageError::Open {
            path: dir.display().to_string(),
            cause: redb::DatabaseError::Storage(redb::StorageError::Io(e)),
        })?;
        let path = dir.join(REDB_FILE);
        let db = redb::Database::builder()
            .create(&path)
            .map_err(|cause| StorageError::Open { path: path.display().to_string(), cause })?;
        let layout = StoredLayout::read(&db)?;
        if let Some(found) = layout.version.filter(|v| *v > LAYOUT_VERSION) {
            return Err(StorageError::NewerLayout { found, supported: LAYOUT_VERSION });
        }
        let (log, scan) =
            NodeLog::open(&dir.join(NODE_LOG_FILE), layout.indexed.unwrap_or(0), layout.log_len)?;
        Self::with_tables(db, log, scan.records, layout.indexed.is_none())
    }

    /// A database that lives in memory only (tests, the fixture runner, `basalt l1` default).
    pub fn in_memory() -> Result<Self, StorageError> {
        let db = redb::Database::builder().create_with_backend(InMemoryBackend::new())?;
        Self::with_tables(db, NodeLog::in_memory(), Vec::new(), true)
    }

    /// Creates missing tables and brings an older layout up to date: indexes a log that was
    /// never indexed (`index_all`) and records the flat state's root.
    fn with_tables(
        db: redb::Database,
        log: NodeLog,
        records: Vec<(B256, NodePosition)>,
        index_all: bool,
    ) -> Result<Self, StorageError> {
        let txn = db.begin_write()?;
        {
            txn.open_table(tables::HEADERS)?;
            txn.open_table(tables::BODIES)?;
            txn.open_table(tables::RECEIPTS)?;
            txn.open_table(tables::SENDERS)?;
            txn.open_table(tables::BASE_STATE_ROOTS)?;
            txn.open_table(tables::BLOCK_NUMBERS)?;
            txn.open_table(tables::CANONICAL)?;
            txn.open_table(tables::TX_LOCATIONS)?;
            txn.open_table(tables::LOG_CONTEXT)?;
            txn.open_multimap_table(tables::LOG_ADDRESSES)?;
            txn.open_multimap_table(tables::LOG_TOPICS)?;
            txn.open_table(tables::ACCOUNTS)?;
            txn.open_table(tables::STORAGE)?;
            txn.open_table(tables::CODE)?;
            txn.open_table(tables::STATE_HISTORY)?;
            txn.open_table(tables::PRIVILEGED_TXS)?;
            txn.open_table(tables::L2_FEE_CONFIGS)?;
            txn.open_table(tables::BLOBS)?;
            txn.open_table(tables::BATCHES)?;
            txn.open_table(tables::BATCH_COMMITS)?;
            txn.open_table(tables::PROOFS)?;
            txn.open_table(tables::WITNESS_SIZES)?;
            // Before the root was stored, the flat state was the working state, or the head's.
            let has_flat_root =
                txn.open_table(tables::META)?.get(tables::META_STATE_ROOT)?.is_some();
            let older_flat_root =
                if has_flat_root { None } else { write::flat_root_of_older_layout(&txn)? };
            let mut index = txn.open_table(tables::TRIE_NODE_INDEX)?;
            let mut meta = txn.open_table(tables::META)?;
            if index_all {
                let mut sorted = records.clone();
                sorted.sort_unstable_by_key(|(hash, _)| *hash);
                for (hash, position) in sorted {
                    index.insert(hash.0, (position.offset, position.len))?;
                }
                let len = log.len().to_be_bytes();
                meta.insert(tables::META_NODE_LOG_INDEXED, len.as_slice())?;
                meta.insert(tables::META_NODE_LOG_LEN, len.as_slice())?;
            }
            if let Some(root) = older_flat_root {
                meta.insert(tables::META_STATE_ROOT, root.as_slice())?;
            }
            meta.insert(tables::META_LAYOUT_VERSION, LAYOUT_VERSION.to_be_bytes().as_slice())?;
        }
        txn.commit()?;
        let recent = if index_all { Vec::new() } else { records };
        // The first commit after opening is durable whatever the policy.
        let long_ago =
            Instant::now().checked_sub(Duration::from_secs(3600)).unwrap_or_else(Instant::now);
        let database = Self {
            db,
            nodes: Arc::new(NodeStore::new(log, recent)),
            sync_policy: SyncPolicy::EveryCommit,
            last_durable: Mutex::new(long_ago),
            writer: Mutex::new(()),
        };
        database.check_head_state()?;
        Ok(database)
    }

    /// The head's state root (and the flat state's, when edited since) must be in the log.
    fn check_head_state(&self) -> Result<(), StorageError> {
        let view = self.read()?;
        let Some(head) = view.head_header()? else { return Ok(()) };
        let flat = view.flat_state_root()?.unwrap_or(head.state_root);
        for root in [head.state_root, flat] {
            if root != EMPTY_ROOT_HASH && view.trie_node(&root)?.is_none() {
                return Err(StorageError::HeadStateMissing {
                    path: self.nodes.log().path().display().to_string(),
                    root,
                    number: head.number,
                });
            }
        }
        Ok(())
    }

    /// Sets when commits are fsynced (default: every commit).
    pub fn set_sync_policy(&mut self, policy: SyncPolicy) {
        self.sync_policy = policy;
    }

    /// Makes every earlier commit durable, and moves the recent node positions into the
    /// persisted index so that the next open scans nothing.
    pub fn flush(&self) -> Result<(), StorageError> {
        // The writer lock before the transaction, as every writer takes them.
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let batch = WriteBatch::new(self.db.begin_write()?, true, self.nodes.clone(), writer)?;
        batch.commit_with_checkpoint(true)?;
        *self.last_durable.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        Ok(())
    }

    /// A consistent read snapshot.
    pub fn read(&self) -> Result<ReadView, StorageError> {
        // The recent node positions first: see `node_index` on why the order matters.
        let recent = self.nodes.recent();
        ReadView::new(self.db.begin_read()?, self.nodes.clone(), recent)
    }

    /// Starts the single write transaction of a block, waiting for any other writer to
    /// finish. Nothing is visible until [`WriteBatch::commit`]; dropping it discards
    /// everything.
    pub fn write(&self) -> Result<WriteBatch<'_>, StorageError> {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let durable = match self.sync_policy {
            SyncPolicy::EveryCommit => true,
            SyncPolicy::Periodic(interval) => {
                let mut last = self.last_durable.lock().unwrap_or_else(|e| e.into_inner());
                let due = last.elapsed() >= interval;
                if due {
                    *last = Instant::now();
                }
                due
            }
        };
        WriteBatch::new(self.db.begin_write()?, durable, self.nodes.clone(), writer)
    }
}

#[cfg(test)]
mod tests;
