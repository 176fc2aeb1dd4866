//! The write side: one [`WriteBatch`] per block holds the block, its receipts, senders and
//! indexes, the state changes applied to the flat state and the tries, the flat state's new
//! root, and the new head. It commits all of it at once or nothing. Only one batch exists at a
//! time ([`crate::Database::write`] waits for the previous one), and a batch reads the head
//! and the flat state's root inside its own transaction, so a writer that prepared its block
//! on an older snapshot finds out before it writes.

use crate::{
    StorageError,
    node_index::{NodeStore, RecentNodes},
    read::decode,
    state_history::TouchedKeys,
    state_update::plan_state_update,
    tables::*,
};
use alloy_primitives::{Address, B256, Bytes, U256, map::B256Map};
use alloy_trie::EMPTY_ROOT_HASH;
use basalt_primitives::BasaltReceipt;
use basalt_primitives::{Block, StateChanges};
use basalt_trie::{NodeReader, StoreError, TrieError};
use redb::{ReadableTable, Table, WriteTransaction};
use std::{
    collections::BTreeSet,
    sync::{Arc, MutexGuard},
};

/// The open write transaction of one block.
pub struct WriteBatch<'db> {
    txn: WriteTransaction,
    durable: bool,
    nodes: Arc<NodeStore>,
    /// Trie nodes created by this batch; appended to the log at commit.
    pending_nodes: B256Map<Bytes>,
    /// Accounts and slots this batch's state changes wrote (see `state_history`).
    touched: TouchedKeys,
    /// The block this batch stores, whose history record `touched` becomes.
    inserted_block: Option<B256>,
    /// The database's writer lock; released after the transaction (declared after it, so
    /// dropped after it).
    _writer: MutexGuard<'db, ()>,
}

/// Nodes of this batch (not yet in the log) in front of the log.
struct PendingThenLog<'a, 'txn> {
    pending: &'a B256Map<Bytes>,
    nodes: &'a NodeStore,
    recent: &'a RecentNodes,
    index: &'a Table<'txn, [u8; 32], (u64, u32)>,
}

impl NodeReader for PendingThenLog<'_, '_> {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        match self.pending.get(hash) {
            Some(node) => Ok(Some(node.clone())),
            None => self
                .nodes
                .node(self.recent, self.index, hash)
                .map_err(|e| TrieError::Store(StoreError::new(e))),
        }
    }
}

impl<'db> WriteBatch<'db> {
    /// `durable: false` commits atomically but leaves the fsync to a later durable commit: a
    /// crash then rolls back to the last durable commit, never to half a block.
    pub(crate) fn new(
        mut txn: WriteTransaction,
        durable: bool,
        nodes: Arc<NodeStore>,
        writer: MutexGuard<'db, ()>,
    ) -> Result<Self, StorageError> {
        if !durable {
            txn.set_durability(redb::Durability::None)
                .map_err(|e| StorageError::Corrupt { what: "durability", reason: e.to_string() })?;
        }
        Ok(Self {
            txn,
            durable,
            nodes,
            pending_nodes: B256Map::default(),
            touched: TouchedKeys::default(),
            inserted_block: None,
            _writer: writer,
        })
    }

    /// The open transaction, for the other write modules of this crate.
    pub(crate) fn txn(&self) -> &WriteTransaction {
        &self.txn
    }

    fn meta_hash(&self, key: &str) -> Result<Option<B256>, StorageError> {
        let meta = self.txn.open_table(META)?;
        let value = meta.get(key)?;
        value.map(|v| crate::read::decode_hash(key, v.value())).transpose()
    }

    /// The head as this transaction sees it: after every earlier commit.
    pub fn head(&self) -> Result<Option<B256>, StorageError> {
        self.meta_hash(META_HEAD)
    }

    /// The root of the flat state as this transaction sees it (None before any state).
    pub fn flat_state_root(&self) -> Result<Option<B256>, StorageError> {
        self.meta_hash(META_STATE_ROOT)
    }

    /// Applies `changes` on top of the flat state, which must have root `state_root` (else
    /// [`StorageError::StateMoved`]): the flat tables, every touched storage trie and the
    /// account trie. Records and returns the new state root. The touched keys are recorded:
    /// with the block this batch stores, or else as an edit outside a block that the next
    /// block's record takes in.
    pub fn apply_state(
        &mut self,
        state_root: B256,
        changes: &StateChanges,
    ) -> Result<B256, StorageError> {
        self.touched.add_changes(changes);
        self.write_state(state_root, changes, true)
    }

    /// Applies `changes` (a follower's state diff, docs/da.md "Rebuilding the L2 from L1") on
    /// top of the flat state, which must have root `state_root`, as [`WriteBatch::apply_state`]
    /// does but without recording the touched keys: no block holds them. Returns the new root.
    pub fn apply_state_diff(
        &mut self,
        state_root: B256,
        changes: &StateChanges,
    ) -> Result<B256, StorageError> {
        self.write_state(state_root, changes, false)
    }

    /// Ends the block this batch stored ([`WriteBatch::insert_canonical_block`]): writes its
    /// history record (the keys its state changes touched), so the same write transaction can
    /// store the next block (a follower stores a whole L1 batch of blocks at once).
    pub fn end_block(&mut self) -> Result<(), StorageError> {
        self.record_history()?;
        self.inserted_block = None;
        Ok(())
    }

    /// Applies the change set that unwinds the chain (see [`crate::unwind_changes`]) without
    /// recording it: unwinding removes history, it makes none. The flat state must have root
    /// `state_root`, as for [`WriteBatch::apply_state`].
    pub fn apply_unwind(
        &mut self,
        state_root: B256,
        changes: &StateChanges,
    ) -> Result<B256, StorageError> {
        self.write_state(state_root, changes, false)
    }

    fn write_state(
        &mut self,
        state_root: B256,
        changes: &StateChanges,
        record: bool,
    ) -> Result<B256, StorageError> {
        let current = self.flat_state_root()?.unwrap_or(EMPTY_ROOT_HASH);
        if current != state_root {
            return Err(StorageError::StateMoved { expected: state_root, current });
        }
        let mut code = self.txn.open_table(CODE)?;
        for (hash, bytes) in &changes.code {
            code.insert(hash.0, bytes.as_ref())?;
        }
        drop(code);

        let mut accounts = self.txn.open_table(ACCOUNTS)?;
        let mut storage = self.txn.open_table(STORAGE)?;
        let index = self.txn.open_table(TRIE_NODE_INDEX)?;
        let recent = self.nodes.recent();
        let reader = PendingThenLog {
            pending: &self.pending_nodes,
            nodes: &self.nodes,
            recent: &recent,
            index: &index,
        };
        let update = plan_state_update(
            &reader,
            |address| accounts.get(address.0.0)?.map(|v| decode("account", v.value())).transpose(),
            state_root,
            changes,
        )?;
        drop(index);
        self.pending_nodes.extend(update.new_nodes);
        for address in update.wiped {
            if record {
                // The wiped slots' raw keys exist only here: the tries hold their hashes.
                let mut wiped = Vec::new();
                for entry in storage.range(storage_range(address))? {
                    let (key, _) = entry?;
                    wiped.push(U256::from_be_slice(&key.value()[20..]));
                }
                self.touched.add_slots(address, wiped);
            }
            storage.retain_in(storage_range(address), |_, _| false)?;
        }
        for (key, value) in update.storage {
            if value.is_zero() {
                storage.remove(key)?;
            } else {
                storage.insert(key, value.to_be_bytes::<32>())?;
            }
        }
        for (address, encoded) in update.accounts {
            match encoded {
                Some(encoded) => accounts.insert(address.0.0, encoded.as_slice())?,
                None => accounts.remove(address.0.0)?,
            };
        }
        drop((accounts, storage));
        self.txn.open_table(META)?.insert(META_STATE_ROOT, update.root.as_slice())?;
        Ok(update.root)
    }

    /// Stores a block with its receipts and the senders of its transactions (in order), and
    /// makes it canonical at its number: header, body, receipts, senders, number, canonical
    /// hash, transaction locations and log indexes.
    pub fn insert_canonical_block(
        &mut self,
        block: &Block,
        hash: B256,
        receipts: &[BasaltReceipt],
        senders: &[Address],
    ) -> Result<(), StorageError> {
        let transactions = &block.body.transactions;
        if senders.len() != transactions.len() {
            return Err(StorageError::SenderCount {
                block: hash,
                senders: senders.len(),
                transactions: transactions.len(),
            });
        }
        let number = block.header.number;
        self.include_privileged_txs(block)?;
        self.inserted_block = Some(hash);
        self.txn
            .open_table(HEADERS)?
            .insert(hash.0, alloy_rlp::encode(&block.header).as_slice())?;
        self.txn.open_table(BODIES)?.insert(hash.0, alloy_rlp::encode(&block.body).as_slice())?;
        let mut encoded_receipts = Vec::new();
        alloy_rlp::encode_list(receipts, &mut encoded_receipts);
        self.txn.open_table(RECEIPTS)?.insert(hash.0, encoded_receipts.as_slice())?;
        let senders: Vec<u8> = senders.iter().flat_map(|sender| sender.0.0).collect();
        self.txn.open_table(SENDERS)?.insert(hash.0, senders.as_slice())?;
        // Edits made since the head (the working state) are what this block executed on.
        if let Some(base) = self.meta_hash(META_WORKING_STATE_ROOT)? {
            self.txn.open_table(BASE_STATE_ROOTS)?.insert(hash.0, base.0)?;
        }
        self.txn.open_table(BLOCK_NUMBERS)?.insert(hash.0, number)?;
        self.txn.open_table(CANONICAL)?.insert(number, hash.0)?;
        // Index keys are inserted sorted and once per block: fewer B-tree walks, each
        // touching pages in order.
        let mut locations: Vec<([u8; 32], [u8; 40])> = transactions
            .iter()
            .enumerate()
            .map(|(index, tx)| {
                let mut location = [0u8; 40];
                location[..32].copy_from_slice(hash.as_slice());
                location[32..].copy_from_slice(&(index as u64).to_be_bytes());
                (tx.tx_hash().0, location)
            })
            .collect();
        let mut log_context = Vec::with_capacity(8 + 32 * transactions.len());
        log_context.extend_from_slice(&block.header.timestamp.to_be_bytes());
        log_context.extend(transactions.iter().flat_map(|tx| tx.tx_hash().0));
        self.txn.open_table(LOG_CONTEXT)?.insert(hash.0, log_context.as_slice())?;
        locations.sort_unstable_by_key(|(tx_hash, _)| *tx_hash);
        let mut location_table = self.txn.open_table(TX_LOCATIONS)?;
        for (tx_hash, location) in locations {
            location_table.insert(tx_hash, location)?;
        }
        let logs = receipts.iter().flat_map(|r| r.logs());
        let log_addresses: BTreeSet<[u8; 20]> = logs.clone().map(|log| log.address.0.0).collect();
        let log_topics: BTreeSet<[u8; 32]> =
            logs.flat_map(|log| log.topics()).map(|topic| topic.0).collect();
        let mut addresses = self.txn.open_multimap_table(LOG_ADDRESSES)?;
        for address in log_addresses {
            addresses.insert(address, number)?;
        }
        let mut topics = self.txn.open_multimap_table(LOG_TOPICS)?;
        for topic in log_topics {
            topics.insert(topic, number)?;
        }
        Ok(())
    }

    /// Moves the head.
    pub fn set_head(&mut self, hash: B256) -> Result<(), StorageError> {
        self.txn.open_table(META)?.insert(META_HEAD, hash.as_slice())?;
        Ok(())
    }

    /// Records (or with None clears) the root of a flat state edited outside a block.
    pub fn set_working_state_root(&mut self, root: Option<B256>) -> Result<(), StorageError> {
        let mut meta = self.txn.open_table(META)?;
        match root {
            Some(root) => meta.insert(META_WORKING_STATE_ROOT, root.as_slice())?,
            None => meta.remove(META_WORKING_STATE_ROOT)?,
        };
        Ok(())
    }

    /// Deletes the canonical blocks above `number` with their receipts, senders, index
    /// entries and kept blobs (dev L1 `evm_revert`). The state is restored separately, by
    /// applying the reverse changes; the head must be moved by the caller.
    pub fn remove_blocks_above(&mut self, number: u64) -> Result<(), StorageError> {
        let mut canonical = self.txn.open_table(CANONICAL)?;
        let removed: Vec<(u64, [u8; 32])> = canonical
            .range(number.saturating_add(1)..)?
            .map(|entry| entry.map(|(n, hash)| (n.value(), hash.value())))
            .collect::<Result<_, _>>()?;
        let mut headers = self.txn.open_table(HEADERS)?;
        let mut bodies = self.txn.open_table(BODIES)?;
        let mut receipts_table = self.txn.open_table(RECEIPTS)?;
        let mut senders = self.txn.open_table(SENDERS)?;
        let mut base_roots = self.txn.open_table(BASE_STATE_ROOTS)?;
        let mut numbers = self.txn.open_table(BLOCK_NUMBERS)?;
        let mut locations = self.txn.open_table(TX_LOCATIONS)?;
        let mut log_context = self.txn.open_table(LOG_CONTEXT)?;
        let mut addresses = self.txn.open_multimap_table(LOG_ADDRESSES)?;
        let mut topics = self.txn.open_multimap_table(LOG_TOPICS)?;
        let mut history = self.txn.open_table(STATE_HISTORY)?;
        let mut first_removed_privileged: Option<u64> = None;
        let mut fee_configs = self.txn.open_table(L2_FEE_CONFIGS)?;
        let mut blobs = self.txn.open_table(BLOBS)?;
        for (n, hash) in removed {
            canonical.remove(n)?;
            history.remove(hash)?;
            fee_configs.remove(hash)?;
            numbers.remove(hash)?;
            headers.remove(hash)?;
            senders.remove(hash)?;
            base_roots.remove(hash)?;
            log_context.remove(hash)?;
            if let Some(body) = bodies.remove(hash)? {
                let body: basalt_primitives::BlockBody = decode("body", body.value())?;
                for tx in &body.transactions {
                    locations.remove(tx.tx_hash().0)?;
                    crate::blobs::remove_transaction_blobs(&mut blobs, tx)?;
                    if let Some(privileged) = tx.as_privileged() {
                        first_removed_privileged = Some(
                            first_removed_privileged
                                .map_or(privileged.nonce, |f| f.min(privileged.nonce)),
                        );
                    }
                }
            }
            if let Some(encoded) = receipts_table.remove(hash)? {
                let receipts: Vec<BasaltReceipt> = decode("receipts", encoded.value())?;
                for log in receipts.iter().flat_map(|r| r.logs()) {
                    addresses.remove(log.address.0.0, n)?;
                    for topic in log.topics() {
                        topics.remove(topic.0, n)?;
                    }
                }
            }
        }
        drop((canonical, headers, bodies, receipts_table, senders, base_roots, numbers));
        drop((locations, log_context, addresses, topics, history, fee_configs, blobs));
        if let Some(id) = first_removed_privileged {
            self.rewind_included_privileged(id)?;
        }
        Ok(())
    }

    /// Records the genesis hash and the chain configuration (JSON) at creation.
    pub fn set_genesis(&mut self, hash: B256, chain_json: &[u8]) -> Result<(), StorageError> {
        let mut meta = self.txn.open_table(META)?;
        meta.insert(META_GENESIS, hash.as_slice())?;
        meta.insert(META_CHAIN, chain_json)?;
        Ok(())
    }

    /// Replaces the keys edited outside a block since the head (after an unwind to a state
    /// that had such edits; None clears them).
    pub fn set_edited_keys(&mut self, keys: Option<&TouchedKeys>) -> Result<(), StorageError> {
        let mut meta = self.txn.open_table(META)?;
        match keys {
            Some(keys) => meta.insert(META_EDITED_KEYS, keys.encode().as_slice())?,
            None => meta.remove(META_EDITED_KEYS)?,
        };
        Ok(())
    }

    /// Writes what this batch touched: as the stored block's history record (with the edits
    /// made since the previous block), or added to the edits awaiting the next block.
    fn record_history(&mut self) -> Result<(), StorageError> {
        let touched = std::mem::take(&mut self.touched);
        if touched.is_empty() && self.inserted_block.is_none() {
            return Ok(());
        }
        let mut meta = self.txn.open_table(META)?;
        let mut record = match meta.get(META_EDITED_KEYS)? {
            Some(edited) => TouchedKeys::decode(edited.value())?,
            None => TouchedKeys::default(),
        };
        record.merge(touched);
        match self.inserted_block {
            Some(hash) => {
                meta.remove(META_EDITED_KEYS)?;
                self.txn.open_table(STATE_HISTORY)?.insert(hash.0, record.encode().as_slice())?;
            }
            None => {
                meta.insert(META_EDITED_KEYS, record.encode().as_slice())?;
            }
        }
        Ok(())
    }

    /// Makes everything in this batch durable and visible at once.
    pub fn commit(self) -> Result<(), StorageError> {
        self.commit_with_checkpoint(false)
    }

    /// Commits, moving the recent node positions into the persisted index when `checkpoint`
    /// or when enough have accumulated.
    pub(crate) fn commit_with_checkpoint(mut self, checkpoint: bool) -> Result<(), StorageError> {
        self.record_history()?;
        let Self { txn, durable, nodes, pending_nodes, _writer, .. } = self;
        // Nodes first, published before the commit: a committed root must never point at a
        // node the log or a snapshot's index lacks.
        let log_len = nodes.append(pending_nodes)?;
        if durable {
            nodes.log().sync()?;
        }
        let checkpoint = checkpoint || nodes.checkpoint_due();
        {
            let mut meta = txn.open_table(META)?;
            meta.insert(META_NODE_LOG_LEN, log_len.to_be_bytes().as_slice())?;
            if checkpoint {
                nodes.write_checkpoint(&mut txn.open_table(TRIE_NODE_INDEX)?)?;
                meta.insert(META_NODE_LOG_INDEXED, log_len.to_be_bytes().as_slice())?;
            }
        }
        txn.commit()?;
        if checkpoint {
            nodes.retire_recent();
        }
        // The writer lock is released here, after the bookkeeping.
        drop(_writer);
        Ok(())
    }
}

/// The root of the flat state in a database written before that root was stored: the dev
/// chain's working root when the state was edited, else the head's state root.
pub(crate) fn flat_root_of_older_layout(
    txn: &WriteTransaction,
) -> Result<Option<B256>, StorageError> {
    let meta = txn.open_table(META)?;
    let hash = |key: &str| -> Result<Option<B256>, StorageError> {
        meta.get(key)?.map(|v| crate::read::decode_hash(key, v.value())).transpose()
    };
    if let Some(working) = hash(META_WORKING_STATE_ROOT)? {
        return Ok(Some(working));
    }
    let Some(head) = hash(META_HEAD)? else { return Ok(None) };
    let headers = txn.open_table(HEADERS)?;
    let header = headers.get(head.0)?;
    let header: Option<alloy_consensus::Header> =
        header.map(|v| decode("header", v.value())).transpose()?;
    Ok(header.map(|h| h.state_root))
}
