//! Read snapshots: blocks, receipts, senders, indexes and the flat head state. A [`ReadView`]
//! also serves trie nodes (for proofs and historical state) and implements [`StateReader`] for
//! execution on top of the head.

use crate::{
    StorageError, TouchedKeys,
    node_index::{NodeStore, RecentNodes},
    tables::*,
};
use alloy_consensus::Header;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rlp::Decodable;
use basalt_primitives::BasaltReceipt;
use basalt_primitives::{Account, Block, BlockBody, StateReadError, StateReader};
use basalt_trie::{NodeReader, StoreError, TrieError};
use redb::{ReadOnlyMultimapTable, ReadOnlyTable, ReadTransaction, ReadableTable};
use std::sync::{Arc, OnceLock};

/// What a log needs from its block besides the receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogContext {
    pub timestamp: u64,
    pub transaction_hashes: Vec<B256>,
}

/// An account as stored: execution fields plus the root of its storage trie.
pub use alloy_trie::TrieAccount as StoredAccount;

/// A consistent snapshot of the database. Its tables are opened on first use: most views
/// serve a handful of reads (a transaction's admission reads the head and one account), and
/// opening all of them up front cost more than those reads (a table-tree lookup each).
pub struct ReadView {
    tables: Tables,
    nodes: Arc<NodeStore>,
    /// The recent node positions captured before this snapshot's transaction began.
    recent: Arc<RecentNodes>,
    /// The snapshot itself.
    pub(crate) txn: ReadTransaction,
}

/// Declares the snapshot's lazily opened tables and one accessor per table on [`ReadView`].
macro_rules! snapshot_tables {
    ($($accessor:ident => $field:ident: $ty:ty = $open:ident($def:expr);)*) => {
        #[derive(Default)]
        struct Tables {
            $($field: OnceLock<$ty>,)*
        }

        impl ReadView {
            $(
                #[doc = concat!("The `", stringify!($def), "` table, opened on first use.")]
                pub(crate) fn $accessor(&self) -> Result<&$ty, StorageError> {
                    if let Some(table) = self.tables.$field.get() {
                        return Ok(table);
                    }
                    // Two threads may both open it; either copy is the same snapshot's table.
                    let table = self.txn.$open($def)?;
                    Ok(self.tables.$field.get_or_init(|| table))
                }
            )*
        }
    };
}

snapshot_tables! {
    headers_table => headers: ReadOnlyTable<[u8; 32], &'static [u8]> = open_table(HEADERS);
    bodies_table => bodies: ReadOnlyTable<[u8; 32], &'static [u8]> = open_table(BODIES);
    receipts_table => receipts: ReadOnlyTable<[u8; 32], &'static [u8]> = open_table(RECEIPTS);
    senders_table => senders: ReadOnlyTable<[u8; 32], &'static [u8]> = open_table(SENDERS);
    base_state_roots_table => base_state_roots: ReadOnlyTable<[u8; 32], [u8; 32]> = open_table(BASE_STATE_ROOTS);
    numbers_table => numbers: ReadOnlyTable<[u8; 32], u64> = open_table(BLOCK_NUMBERS);
    canonical_table => canonical: ReadOnlyTable<u64, [u8; 32]> = open_table(CANONICAL);
    tx_locations_table => tx_locations: ReadOnlyTable<[u8; 32], [u8; 40]> = open_table(TX_LOCATIONS);
    log_context_table => log_context: ReadOnlyTable<[u8; 32], &'static [u8]> = open_table(LOG_CONTEXT);
    log_addresses_table => log_addresses: ReadOnlyMultimapTable<[u8; 20], u64> = open_multimap_table(LOG_ADDRESSES);
    log_topics_table => log_topics: ReadOnlyMultimapTable<[u8; 32], u64> = open_multimap_table(LOG_TOPICS);
    accounts_table => accounts: ReadOnlyTable<[u8; 20], &'static [u8]> = open_table(ACCOUNTS);
    storage_table => storage: ReadOnlyTable<[u8; 52], [u8; 32]> = open_table(STORAGE);
    node_index_table => node_index: ReadOnlyTable<[u8; 32], (u64, u32)> = open_table(TRIE_NODE_INDEX);
    code_table => code: ReadOnlyTable<[u8; 32], &'static [u8]> = open_table(CODE);
    state_history_table => state_history: ReadOnlyTable<[u8; 32], &'static [u8]> = open_table(STATE_HISTORY);
    privileged_txs_table => privileged_txs: ReadOnlyTable<u64, &'static [u8]> = open_table(PRIVILEGED_TXS);
    fee_configs_table => fee_configs: ReadOnlyTable<[u8; 32], &'static [u8]> = open_table(L2_FEE_CONFIGS);
    meta_table => meta: ReadOnlyTable<&'static str, &'static [u8]> = open_table(META);
}

pub(crate) fn decode<T: Decodable>(
    what: &'static str,
    mut bytes: &[u8],
) -> Result<T, StorageError> {
    T::decode(&mut bytes).map_err(|e| StorageError::Corrupt { what, reason: e.to_string() })
}

/// A 32-byte hash stored under meta `key`.
pub(crate) fn decode_hash(key: &str, bytes: &[u8]) -> Result<B256, StorageError> {
    B256::try_from(bytes)
        .map_err(|_| StorageError::Corrupt { what: "meta hash", reason: key.to_string() })
}

/// A big-endian u64 stored under meta `key`.
pub(crate) fn decode_u64(key: &str, bytes: &[u8]) -> Result<u64, StorageError> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| StorageError::Corrupt { what: "meta number", reason: key.to_string() })
}

impl ReadView {
    pub(crate) fn new(
        txn: ReadTransaction,
        nodes: Arc<NodeStore>,
        recent: Arc<RecentNodes>,
    ) -> Result<Self, StorageError> {
        Ok(Self { tables: Tables::default(), nodes, recent, txn })
    }

    fn meta_hash(&self, key: &str) -> Result<Option<B256>, StorageError> {
        self.meta_table()?.get(key)?.map(|value| decode_hash(key, value.value())).transpose()
    }

    /// Hash of the head block, None for an empty database.
    pub fn head_hash(&self) -> Result<Option<B256>, StorageError> {
        self.meta_hash(META_HEAD)
    }

    /// Root of the flat state if it was edited since the head block (see
    /// [`crate::WriteBatch::set_working_state_root`]).
    pub fn working_state_root(&self) -> Result<Option<B256>, StorageError> {
        self.meta_hash(META_WORKING_STATE_ROOT)
    }

    /// The accounts and slots block `hash` changed (None for a block stored before state
    /// history was kept, or not stored).
    pub fn touched_keys(&self, hash: B256) -> Result<Option<TouchedKeys>, StorageError> {
        self.state_history_table()?.get(hash.0)?.map(|v| TouchedKeys::decode(v.value())).transpose()
    }

    /// The accounts and slots edited outside a block since the head block.
    pub fn edited_keys(&self) -> Result<TouchedKeys, StorageError> {
        Ok(match self.meta_table()?.get(META_EDITED_KEYS)? {
            Some(v) => TouchedKeys::decode(v.value())?,
            None => TouchedKeys::default(),
        })
    }

    /// Root of the flat state (the head's state root, or the working root after an edit).
    /// None for an empty database.
    pub fn flat_state_root(&self) -> Result<Option<B256>, StorageError> {
        self.meta_hash(META_STATE_ROOT)
    }

    /// The last L1 block whose bridge events are queued (None before the watcher stored any).
    pub fn l1_cursor(&self) -> Result<Option<crate::L1Cursor>, StorageError> {
        crate::privileged_queue::read_cursor(self.meta_table()?)
    }

    /// The latest L1 blob base fee the watcher stored (wei).
    pub fn l1_blob_base_fee(&self) -> Result<Option<u128>, StorageError> {
        crate::privileged_queue::read_blob_base_fee(self.meta_table()?)
    }

    /// The id of the next privileged transaction a block must include: one past the last one in
    /// the canonical chain, 0 before any. Queued ids from here on wait for inclusion.
    pub fn next_included_privileged_id(&self) -> Result<u64, StorageError> {
        crate::privileged_queue::read_next_included(self.meta_table()?)
    }

    /// The id the next queued privileged transaction gets, which is also the queue's length
    /// (ids start at 0 and have no gaps).
    pub fn next_privileged_tx_id(&self) -> Result<u64, StorageError> {
        crate::privileged_queue::next_id(self.privileged_txs_table()?)
    }

    /// The queued privileged transactions with ids in `ids`, in id order (fewer when the queue
    /// ends first). A stored entry that does not decode, or whose nonce differs from its id, is
    /// [`StorageError::Corrupt`].
    pub fn privileged_txs(
        &self,
        ids: std::ops::Range<u64>,
    ) -> Result<Vec<basalt_primitives::TxPrivileged>, StorageError> {
        crate::privileged_queue::read_range(self.privileged_txs_table()?, ids)
    }

    /// Hash of the genesis block.
    pub fn genesis_hash(&self) -> Result<Option<B256>, StorageError> {
        self.meta_hash(META_GENESIS)
    }

    /// The chain configuration JSON stored at creation.
    pub fn chain_json(&self) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.meta_table()?.get(META_CHAIN)?.map(|v| v.value().to_vec()))
    }

    /// The head block's header.
    pub fn head_header(&self) -> Result<Option<Header>, StorageError> {
        match self.head_hash()? {
            Some(hash) => self.header(hash),
            None => Ok(None),
        }
    }

    pub fn header(&self, hash: B256) -> Result<Option<Header>, StorageError> {
        self.headers_table()?.get(hash.0)?.map(|v| decode("header", v.value())).transpose()
    }

    pub fn body(&self, hash: B256) -> Result<Option<BlockBody>, StorageError> {
        self.bodies_table()?.get(hash.0)?.map(|v| decode("body", v.value())).transpose()
    }

    /// A block's timestamp and transaction hashes, without decoding the block.
    pub fn log_context(&self, hash: B256) -> Result<Option<LogContext>, StorageError> {
        let Some(stored) = self.log_context_table()?.get(hash.0)? else { return Ok(None) };
        let bytes = stored.value();
        if bytes.len() < 8 || (bytes.len() - 8) % 32 != 0 {
            return Err(StorageError::Corrupt {
                what: "log context",
                reason: format!("{} bytes is not 8 plus a multiple of 32", bytes.len()),
            });
        }
        let (timestamp, hashes) = bytes.split_at(8);
        let mut be = [0u8; 8];
        be.copy_from_slice(timestamp);
        Ok(Some(LogContext {
            timestamp: u64::from_be_bytes(be),
            transaction_hashes: hashes.chunks_exact(32).map(B256::from_slice).collect(),
        }))
    }

    /// The canonical hashes of blocks `from..=to` that exist, in one range scan.
    pub fn canonical_range(&self, from: u64, to: u64) -> Result<Vec<(u64, B256)>, StorageError> {
        let mut out = Vec::new();
        for entry in self.canonical_table()?.range(from..=to)? {
            let (number, hash) = entry?;
            out.push((number.value(), B256::from(hash.value())));
        }
        Ok(out)
    }

    pub fn block(&self, hash: B256) -> Result<Option<Block>, StorageError> {
        let (Some(header), Some(body)) = (self.header(hash)?, self.body(hash)?) else {
            return Ok(None);
        };
        Ok(Some(Block { header, body }))
    }

    pub fn receipts(&self, hash: B256) -> Result<Option<Vec<BasaltReceipt>>, StorageError> {
        self.receipts_table()?.get(hash.0)?.map(|v| decode("receipts", v.value())).transpose()
    }

    /// The state root block `hash` was executed on when it is not its parent's (a dev L1 block
    /// mined after `anvil_set*` edits); None for every other block.
    pub fn base_state_root(&self, hash: B256) -> Result<Option<B256>, StorageError> {
        Ok(self.base_state_roots_table()?.get(hash.0)?.map(|root| B256::from(root.value())))
    }

    /// The senders of a block's transactions, in order, as stored with the block. None for a
    /// block written before senders were stored (datadirs of older versions).
    pub fn senders(&self, hash: B256) -> Result<Option<Vec<Address>>, StorageError> {
        let Some(stored) = self.senders_table()?.get(hash.0)? else { return Ok(None) };
        let bytes = stored.value();
        if bytes.len() % 20 != 0 {
            return Err(StorageError::Corrupt {
                what: "senders",
                reason: format!("{} bytes is not a multiple of 20", bytes.len()),
            });
        }
        Ok(Some(bytes.chunks_exact(20).map(Address::from_slice).collect()))
    }

    pub fn block_number(&self, hash: B256) -> Result<Option<u64>, StorageError> {
        Ok(self.numbers_table()?.get(hash.0)?.map(|v| v.value()))
    }

    pub fn canonical_hash(&self, number: u64) -> Result<Option<B256>, StorageError> {
        Ok(self.canonical_table()?.get(number)?.map(|v| B256::from(v.value())))
    }

    pub fn header_by_number(&self, number: u64) -> Result<Option<Header>, StorageError> {
        match self.canonical_hash(number)? {
            Some(hash) => self.header(hash),
            None => Ok(None),
        }
    }

    /// Block hash and index of a canonical transaction.
    pub fn tx_location(&self, tx_hash: B256) -> Result<Option<(B256, u64)>, StorageError> {
        Ok(self.tx_locations_table()?.get(tx_hash.0)?.map(|v| {
            let raw = v.value();
            let mut index = [0u8; 8];
            index.copy_from_slice(&raw[32..]);
            (B256::from_slice(&raw[..32]), u64::from_be_bytes(index))
        }))
    }

    /// Numbers of canonical blocks in `from..=to` holding a log emitted by `address`.
    pub fn blocks_with_log_address(
        &self,
        address: Address,
        from: u64,
        to: u64,
    ) -> Result<Vec<u64>, StorageError> {
        numbers_in_range(self.log_addresses_table()?.get(address.0.0)?, from, to)
    }

    /// Numbers of canonical blocks in `from..=to` holding a log with `topic`.
    pub fn blocks_with_log_topic(
        &self,
        topic: B256,
        from: u64,
        to: u64,
    ) -> Result<Vec<u64>, StorageError> {
        numbers_in_range(self.log_topics_table()?.get(topic.0)?, from, to)
    }

    /// An account at the head.
    pub fn account(&self, address: Address) -> Result<Option<StoredAccount>, StorageError> {
        self.accounts_table()?.get(address.0.0)?.map(|v| decode("account", v.value())).transpose()
    }

    /// A storage slot at the head (zero when unset).
    pub fn storage(&self, address: Address, slot: U256) -> Result<U256, StorageError> {
        Ok(self
            .storage_table()?
            .get(storage_key(address, slot))?
            .map(|v| U256::from_be_bytes(v.value()))
            .unwrap_or_default())
    }

    /// Whether `address` has any slot in the flat head state (zero slots are not stored).
    pub fn has_storage(&self, address: Address) -> Result<bool, StorageError> {
        Ok(self.storage_table()?.range(storage_range(address))?.next().transpose()?.is_some())
    }

    pub fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StorageError> {
        Ok(self.code_table()?.get(code_hash.0)?.map(|v| Bytes::copy_from_slice(v.value())))
    }

    /// Every account at the head, ordered by address (full scan: tests and checks only).
    pub fn all_accounts(&self) -> Result<Vec<(Address, StoredAccount)>, StorageError> {
        let mut accounts = Vec::new();
        for entry in self.accounts_table()?.iter()? {
            let (key, value) = entry?;
            accounts.push((Address::from(key.value()), decode("account", value.value())?));
        }
        Ok(accounts)
    }

    /// The sum of every account's balance at the head, in wei, and the number of accounts: a
    /// full scan of the flat state, O(accounts). Saturates at 2^256 − 1 (no real chain gets near).
    pub fn total_balance(&self) -> Result<(U256, u64), StorageError> {
        let (mut total, mut accounts) = (U256::ZERO, 0u64);
        for entry in self.accounts_table()?.iter()? {
            let (_, value) = entry?;
            let account: StoredAccount = decode("account", value.value())?;
            total = total.saturating_add(account.balance);
            accounts += 1;
        }
        Ok((total, accounts))
    }

    /// Every non-zero slot of `address` at the head, ordered by slot.
    pub fn storage_slots(&self, address: Address) -> Result<Vec<(U256, U256)>, StorageError> {
        let mut slots = Vec::new();
        for entry in self.storage_table()?.range(storage_range(address))? {
            let (key, value) = entry?;
            let mut slot = [0u8; 32];
            slot.copy_from_slice(&key.value()[20..]);
            slots.push((U256::from_be_bytes(slot), U256::from_be_bytes(value.value())));
        }
        Ok(slots)
    }
}

impl ReadView {
    /// The state root after applying `changes` to the state with root `state_root`, computed
    /// in memory over this snapshot (pre-Byzantium receipts carry such intermediate roots).
    pub fn state_root_after(
        &self,
        state_root: B256,
        changes: &basalt_primitives::StateChanges,
    ) -> Result<B256, StorageError> {
        let update = crate::state_update::plan_state_update(
            self,
            |address| self.account(address),
            state_root,
            changes,
        )?;
        Ok(update.root)
    }
}

impl ReadView {
    /// The trie node with `hash`, checked against its hash; None when the log has none.
    pub fn trie_node(&self, hash: &B256) -> Result<Option<Bytes>, StorageError> {
        self.nodes.node(&self.recent, self.node_index_table()?, hash)
    }
}

impl NodeReader for ReadView {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        self.trie_node(hash).map_err(|e| TrieError::Store(StoreError::new(e)))
    }
}

/// The block numbers of one log-index entry that fall in `from..=to`.
fn numbers_in_range(
    values: redb::MultimapValue<'_, u64>,
    from: u64,
    to: u64,
) -> Result<Vec<u64>, StorageError> {
    let mut numbers = Vec::new();
    for n in values {
        let n = n?.value();
        if (from..=to).contains(&n) {
            numbers.push(n);
        }
    }
    Ok(numbers)
}

pub(crate) fn read_error(err: StorageError) -> StateReadError {
    StateReadError::new(err)
}

impl StateReader for ReadView {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        Ok(ReadView::account(self, address).map_err(read_error)?.map(|a| Account {
            nonce: a.nonce,
            balance: a.balance,
            code_hash: a.code_hash,
        }))
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        ReadView::storage(self, address, slot).map_err(read_error)
    }

    fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
        ReadView::has_storage(self, address).map_err(read_error)
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
        ReadView::code(self, code_hash).map_err(read_error)
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        self.canonical_hash(number).map_err(read_error)
    }
}
