//! Basalt's embedded database on redb: headers, bodies, receipts, the canonical chain,
//! transaction and log indexes, flat account and storage state at the head, trie nodes and
//! code. A block is written in exactly one write transaction, so a crash never leaves half a
//! block. This crate stores and computes roots; it does not execute or validate.

mod historical;
mod node_log;
mod overlay;
mod proof;
mod read;
mod state_history;
mod state_update;
mod tables;
mod verify;
mod write;

pub use historical::HistoricalState;
pub use overlay::{OverlayNodes, StateOverlay};
pub use proof::{AccountProof, StorageProof};
pub use read::{LogContext, ReadView, StoredAccount};
pub use state_history::{TouchedKeys, Unwind, UnwindError, unwind_changes};
pub use write::WriteBatch;

use node_log::NodeLog;
use redb::{ReadableDatabase, backends::InMemoryBackend};
use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

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

/// A storage failure. The message says what failed; the database stays consistent.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] redb::Error),
    #[error("cannot open database at {path}: {source}")]
    Open { path: String, source: redb::DatabaseError },
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt { what: &'static str, reason: String },
    #[error("trie: {0}")]
    Trie(#[from] basalt_trie::TrieError),
}

pub(crate) fn node_log_error(err: std::io::Error) -> StorageError {
    StorageError::Corrupt { what: "trie node log", reason: err.to_string() }
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
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::DatabaseError
);

/// The database handle. Cheap to share by reference; readers see consistent snapshots.
pub struct Database {
    db: redb::Database,
    nodes: Arc<NodeLog>,
    sync_policy: SyncPolicy,
    last_durable: Mutex<Instant>,
}

impl Database {
    /// Opens (or creates) a database file under `dir`.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|e| StorageError::Open {
            path: dir.display().to_string(),
            source: redb::DatabaseError::Storage(redb::StorageError::Io(e)),
        })?;
        let path = dir.join("basalt.redb");
        let db = redb::Database::builder()
            .create(&path)
            .map_err(|source| StorageError::Open { path: path.display().to_string(), source })?;
        let nodes = NodeLog::open(&dir.join("trie-nodes.log")).map_err(|e| StorageError::Open {
            path: dir.join("trie-nodes.log").display().to_string(),
            source: redb::DatabaseError::Storage(redb::StorageError::Io(e)),
        })?;
        Self::with_tables(db, nodes)
    }

    /// A database that lives in memory only (tests, the fixture runner, `basalt l1` default).
    pub fn in_memory() -> Result<Self, StorageError> {
        let db = redb::Database::builder().create_with_backend(InMemoryBackend::new())?;
        Self::with_tables(db, NodeLog::in_memory())
    }

    fn with_tables(db: redb::Database, nodes: NodeLog) -> Result<Self, StorageError> {
        let txn = db.begin_write()?;
        {
            txn.open_table(tables::HEADERS)?;
            txn.open_table(tables::BODIES)?;
            txn.open_table(tables::RECEIPTS)?;
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
            txn.open_table(tables::META)?;
        }
        txn.commit()?;
        // The first commit after opening is durable whatever the policy.
        let long_ago =
            Instant::now().checked_sub(Duration::from_secs(3600)).unwrap_or_else(Instant::now);
        Ok(Self {
            db,
            nodes: Arc::new(nodes),
            sync_policy: SyncPolicy::EveryCommit,
            last_durable: Mutex::new(long_ago),
        })
    }

    /// Sets when commits are fsynced (default: every commit).
    pub fn set_sync_policy(&mut self, policy: SyncPolicy) {
        self.sync_policy = policy;
    }

    /// Makes every earlier commit durable.
    pub fn flush(&self) -> Result<(), StorageError> {
        self.nodes.sync().map_err(node_log_error)?;
        self.db.begin_write()?.commit()?;
        *self.last_durable.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        Ok(())
    }

    /// A consistent read snapshot.
    pub fn read(&self) -> Result<ReadView, StorageError> {
        ReadView::new(self.db.begin_read()?, self.nodes.clone())
    }

    /// Starts the single write transaction of a block. Nothing is visible until
    /// [`WriteBatch::commit`]; dropping it discards everything.
    pub fn write(&self) -> Result<WriteBatch, StorageError> {
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
        WriteBatch::new(self.db.begin_write()?, durable, self.nodes.clone())
    }
}
