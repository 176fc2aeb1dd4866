//! The write side: one [`WriteBatch`] per block holds the block, its receipts and indexes,
//! the state changes applied to the flat state and the tries, and the new head. It commits
//! all of it at once or nothing.

use crate::{
    StorageError, node_log::NodeLog, node_log_error, read::decode, state_history::TouchedKeys,
    state_update::plan_state_update, tables::*,
};
use alloy_consensus::ReceiptEnvelope;
use alloy_primitives::map::B256Map;
use alloy_primitives::{B256, Bytes, U256};
use basalt_primitives::{Block, StateChanges};
use basalt_trie::{NodeReader, TrieError};
use redb::{ReadableTable, WriteTransaction};
use std::{collections::BTreeSet, sync::Arc};

/// The open write transaction of one block.
pub struct WriteBatch {
    txn: WriteTransaction,
    durable: bool,
    nodes: Arc<NodeLog>,
    /// Trie nodes created by this batch; appended to the log at commit.
    pending_nodes: B256Map<Bytes>,
    /// Accounts and slots this batch's state changes wrote (see `state_history`).
    touched: TouchedKeys,
    /// The block this batch stores, whose history record `touched` becomes.
    inserted_block: Option<B256>,
}

/// Nodes of this batch (not yet in the log) in front of the log.
struct PendingThenLog<'a> {
    pending: &'a B256Map<Bytes>,
    log: &'a NodeLog,
}

impl NodeReader for PendingThenLog<'_> {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        match self.pending.get(hash) {
            Some(node) => Ok(Some(node.clone())),
            None => self.log.node(hash),
        }
    }
}

impl WriteBatch {
    /// `durable: false` commits atomically but leaves the fsync to a later durable commit: a
    /// crash then rolls back to the last durable commit, never to half a block.
    pub(crate) fn new(
        mut txn: WriteTransaction,
        durable: bool,
        nodes: Arc<NodeLog>,
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
        })
    }

    /// Applies `changes` on top of the head state whose root is `state_root`: the flat tables,
    /// every touched storage trie and the account trie. Returns the new state root. The
    /// touched keys are recorded: with the block this batch stores, or else as an edit
    /// outside a block that the next block's record takes in.
    pub fn apply_state(
        &mut self,
        state_root: B256,
        changes: &StateChanges,
    ) -> Result<B256, StorageError> {
        self.touched.add_changes(changes);
        self.write_state(state_root, changes, true)
    }

    /// Applies the change set that unwinds the chain (see [`crate::unwind_changes`]) without
    /// recording it: unwinding removes history, it makes none.
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
        let mut code = self.txn.open_table(CODE)?;
        for (hash, bytes) in &changes.code {
            code.insert(hash.0, bytes.as_ref())?;
        }
        drop(code);

        let mut accounts = self.txn.open_table(ACCOUNTS)?;
        let mut storage = self.txn.open_table(STORAGE)?;
        let update = plan_state_update(
            &PendingThenLog { pending: &self.pending_nodes, log: &self.nodes },
            |address| accounts.get(address.0.0)?.map(|v| decode("account", v.value())).transpose(),
            state_root,
            changes,
        )?;
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
        Ok(update.root)
    }

    /// Stores a block with its receipts and makes it canonical at its number: header, body,
    /// receipts, number, canonical hash, transaction locations and log indexes.
    pub fn insert_canonical_block(
        &mut self,
        block: &Block,
        hash: B256,
        receipts: &[ReceiptEnvelope],
    ) -> Result<(), StorageError> {
        let number = block.header.number;
        self.inserted_block = Some(hash);
        self.txn
            .open_table(HEADERS)?
            .insert(hash.0, alloy_rlp::encode(&block.header).as_slice())?;
        self.txn.open_table(BODIES)?.insert(hash.0, alloy_rlp::encode(&block.body).as_slice())?;
        let mut encoded_receipts = Vec::new();
        alloy_rlp::encode_list(receipts, &mut encoded_receipts);
        self.txn.open_table(RECEIPTS)?.insert(hash.0, encoded_receipts.as_slice())?;
        self.txn.open_table(BLOCK_NUMBERS)?.insert(hash.0, number)?;
        self.txn.open_table(CANONICAL)?.insert(number, hash.0)?;
        // Index keys are inserted sorted and once per block: fewer B-tree walks, each
        // touching pages in order.
        let mut locations: Vec<([u8; 32], [u8; 40])> = block
            .body
            .transactions
            .iter()
            .enumerate()
            .map(|(index, tx)| {
                let mut location = [0u8; 40];
                location[..32].copy_from_slice(hash.as_slice());
                location[32..].copy_from_slice(&(index as u64).to_be_bytes());
                (tx.tx_hash().0, location)
            })
            .collect();
        let mut log_context = Vec::with_capacity(8 + 32 * block.body.transactions.len());
        log_context.extend_from_slice(&block.header.timestamp.to_be_bytes());
        log_context.extend(block.body.transactions.iter().flat_map(|tx| tx.tx_hash().0));
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

    /// Deletes the canonical blocks above `number` with their receipts and index entries
    /// (dev L1 `evm_revert`). The state is restored separately, by applying the reverse
    /// changes; the head must be moved by the caller.
    pub fn remove_blocks_above(&mut self, number: u64) -> Result<(), StorageError> {
        let mut canonical = self.txn.open_table(CANONICAL)?;
        let removed: Vec<(u64, [u8; 32])> = canonical
            .range(number.saturating_add(1)..)?
            .map(|entry| entry.map(|(n, hash)| (n.value(), hash.value())))
            .collect::<Result<_, _>>()?;
        let mut headers = self.txn.open_table(HEADERS)?;
        let mut bodies = self.txn.open_table(BODIES)?;
        let mut receipts_table = self.txn.open_table(RECEIPTS)?;
        let mut numbers = self.txn.open_table(BLOCK_NUMBERS)?;
        let mut locations = self.txn.open_table(TX_LOCATIONS)?;
        let mut log_context = self.txn.open_table(LOG_CONTEXT)?;
        let mut addresses = self.txn.open_multimap_table(LOG_ADDRESSES)?;
        let mut topics = self.txn.open_multimap_table(LOG_TOPICS)?;
        let mut history = self.txn.open_table(STATE_HISTORY)?;
        for (n, hash) in removed {
            canonical.remove(n)?;
            history.remove(hash)?;
            numbers.remove(hash)?;
            headers.remove(hash)?;
            log_context.remove(hash)?;
            if let Some(body) = bodies.remove(hash)? {
                let body: basalt_primitives::BlockBody = decode("body", body.value())?;
                for tx in &body.transactions {
                    locations.remove(tx.tx_hash().0)?;
                }
            }
            if let Some(encoded) = receipts_table.remove(hash)? {
                let receipts: Vec<ReceiptEnvelope> = decode("receipts", encoded.value())?;
                for log in receipts.iter().flat_map(|r| r.logs()) {
                    addresses.remove(log.address.0.0, n)?;
                    for topic in log.topics() {
                        topics.remove(topic.0, n)?;
                    }
                }
            }
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
    pub fn commit(mut self) -> Result<(), StorageError> {
        self.record_history()?;
        // Nodes first: a committed root must never point at a node the log does not hold.
        let nodes: Vec<(B256, Bytes)> = self.pending_nodes.into_iter().collect();
        self.nodes.append(&nodes).map_err(node_log_error)?;
        if self.durable {
            self.nodes.sync().map_err(node_log_error)?;
        }
        self.txn.commit()?;
        Ok(())
    }
}
