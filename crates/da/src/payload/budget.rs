//! The data bound of one L2 block, kept while the block is filled: an upper bound on the bytes
//! the block adds to any `blocks` payload that holds it, so the block producer keeps every block
//! within what one batch's blobs carry before the batch exists (docs/da.md, "Block data bound").
//!
//! The bound counts a block alone, with its own address table and nonces. Sharing a batch with
//! other blocks only shrinks a block's share (addresses and nonces already written cost less),
//! so the bound holds for every batch the block ends up in. Privileged transactions cost nothing
//! here: a payload carries only their count, the follower reads them from L1.

use super::FeeConfig;
use crate::{PAYLOAD_BYTES_PER_BLOB, varint};
use alloy_consensus::Transaction;
use alloy_primitives::{Address, TxKind, map::AddressMap};
use alloy_rlp::Encodable;

/// Bytes of a payload outside its blocks: version, mode, four header varints and fifteen
/// column lengths, each varint counted at its longest (10 bytes).
pub const PAYLOAD_HEADER_BOUND: usize = 2 + 4 * 10 + 15 * 10;

/// Bytes of a batch's blob stream outside its payload: the 4-byte length prefix
/// (`encode_blobs`) and the codec byte (`compress::encode_compressed`).
const STREAM_FRAMING: usize = 4 + 1;

/// Most payload bytes the blocks of one batch may take when the batch may span `max_blobs`
/// blobs: the blobs' capacity less the stream framing and the payload header. A payload this
/// long fits whether or not compression shrinks it (`encode_compressed` never expands by more
/// than its codec byte). Zero when `max_blobs` carries no more than the framing.
pub fn max_block_payload_bytes(max_blobs: usize) -> usize {
    max_blobs
        .saturating_mul(PAYLOAD_BYTES_PER_BLOB)
        .saturating_sub(STREAM_FRAMING + PAYLOAD_HEADER_BOUND)
}

/// What the block has written about an address so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AddressUse {
    /// Written whole once, as a recipient: a second use moves it into the address table.
    RawRecipient,
    /// In the address table: later uses cost an index.
    Indexed,
}

/// The running data bound of one block (see the module docs). `bytes()` never exceeds the limit.
#[derive(Clone)]
pub struct BlockDataBudget {
    limit: usize,
    bytes: usize,
    /// Longest varint of an address-table index: the table cannot hold more entries than the
    /// limit has room for at 20 bytes each.
    index_len: usize,
    // Hashed by foldhash: the producer looks up every transaction's addresses, twice.
    addresses: AddressMap<AddressUse>,
    next_nonce: AddressMap<u64>,
}

use varint::len as varint_len;

impl BlockDataBudget {
    /// The bound of an empty block running under `fees` with coinbase `beneficiary`, against
    /// `limit` payload bytes ([`max_block_payload_bytes`]). The block's own fields count from the
    /// start; `None` when they alone exceed `limit`.
    pub fn new(limit: usize, beneficiary: Address, fees: &FeeConfig) -> Option<Self> {
        let index_len = varint_len((limit / 20) as u128);
        let fees_len = fees.encode().len();
        // Timestamp delta, gas limit, privileged and transaction counts (varints at their
        // longest), coinbase index and table entry, fee flag and config, transactions root.
        let block = 4 * 10 + index_len + 20 + 1 + varint_len(fees_len as u128) + fees_len + 32;
        let mut budget = Self {
            limit,
            bytes: 0,
            index_len,
            addresses: AddressMap::from_iter([(beneficiary, AddressUse::Indexed)]),
            next_nonce: AddressMap::default(),
        };
        budget.take(block).then_some(budget)
    }

    /// A bound with no room: no transaction fits (a limit too small for the block's own
    /// fields, where [`BlockDataBudget::new`] gives None).
    pub fn exhausted() -> Self {
        Self {
            limit: 0,
            bytes: 0,
            index_len: 1,
            addresses: AddressMap::default(),
            next_nonce: AddressMap::default(),
        }
    }

    /// Bytes counted so far.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Bytes left under the limit.
    pub fn remaining(&self) -> usize {
        self.limit - self.bytes
    }

    /// Whether `tx`, signed by `sender`, would fit now; nothing is counted. Admission asks
    /// this of the empty block's bound for every transaction it takes.
    pub fn fits(&self, sender: Address, tx: &impl Transaction) -> bool {
        self.bytes.checked_add(self.cost(sender, tx)).is_some_and(|bytes| bytes <= self.limit)
    }

    /// Counts `tx`, signed by `sender`, if it fits: true and counted, or false and nothing
    /// changed (the producer then leaves the transaction for a later block).
    pub fn try_add(&mut self, sender: Address, tx: &impl Transaction) -> bool {
        let cost = self.cost(sender, tx);
        if !self.take(cost) {
            return false;
        }
        self.addresses.insert(sender, AddressUse::Indexed);
        if let TxKind::Call(to) = tx.kind() {
            let used = match self.addresses.get(&to) {
                None => AddressUse::RawRecipient,
                Some(_) => AddressUse::Indexed,
            };
            self.addresses.insert(to, used);
        }
        match tx.nonce().checked_add(1) {
            Some(next) => self.next_nonce.insert(sender, next),
            None => self.next_nonce.remove(&sender),
        };
        true
    }

    fn take(&mut self, cost: usize) -> bool {
        match self.bytes.checked_add(cost) {
            Some(bytes) if bytes <= self.limit => {
                self.bytes = bytes;
                true
            }
            _ => false,
        }
    }

    /// Upper bound on the bytes `tx` adds, given what the block wrote before it.
    fn cost(&self, sender: Address, tx: &impl Transaction) -> usize {
        let index = self.index_len;
        let sender_cost = match self.addresses.get(&sender) {
            Some(AddressUse::Indexed) => index,
            // A table entry, its index, and (for a raw recipient) the raw write already counted
            // covers that write's index form.
            Some(AddressUse::RawRecipient) | None => 20 + index,
        };
        let nonce_cost = if self.next_nonce.get(&sender) == Some(&tx.nonce()) {
            1
        } else {
            varint_len(u128::from(tx.nonce()) + 1)
        };
        let to_cost = match tx.kind() {
            TxKind::Create => 1,
            TxKind::Call(to) => match self.addresses.get(&to) {
                Some(AddressUse::Indexed) => 1 + index,
                // The address moves into the table (20 bytes) and is written as a form byte
                // and an index; the earlier raw write's 21 bytes cover its own index form.
                Some(AddressUse::RawRecipient) => 20 + 1 + index,
                None => 1 + 20,
            },
        };
        let prices =
            varint_len(tx.max_fee_per_gas()) + tx.max_priority_fee_per_gas().map_or(0, varint_len);
        let lists = tx.access_list().map_or(0, |list| list.length())
            + tx.authorization_list().map_or(0, alloy_rlp::list_length);
        let value = 1 + tx.value().byte_len();
        let input = varint_len(tx.input().len() as u128) + tx.input().len();
        // One type byte.
        1 + sender_cost
            + nonce_cost
            + varint_len(u128::from(tx.gas_limit()))
            + prices
            + to_cost
            + value
            + input
            + lists
    }
}
