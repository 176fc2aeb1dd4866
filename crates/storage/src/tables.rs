//! Table definitions and the byte layout of their keys. One place, so the schema can be read
//! at a glance.

use alloy_primitives::{Address, U256};
use redb::{MultimapTableDefinition, TableDefinition};

/// Block hash -> RLP header.
pub const HEADERS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("headers");
/// Block hash -> RLP body (transactions, ommers, withdrawals).
pub const BODIES: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("bodies");
/// Block hash -> RLP list of receipts (network encoding).
pub const RECEIPTS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("receipts");
/// Block hash -> the senders of its transactions, in order (20 bytes each). The source of
/// truth for a transaction's `from`: impersonated (dev L1) and signature-less transactions
/// have no signature to recover it from.
pub const SENDERS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("senders");
/// Block hash -> the state root the block was executed on, for blocks of the dev L1 mined on
/// state edited after their parent (`anvil_set*`); other blocks run on their parent's root.
/// Replays (traces) start from it.
pub const BASE_STATE_ROOTS: TableDefinition<[u8; 32], [u8; 32]> =
    TableDefinition::new("base_state_roots");
/// Block hash -> block number.
pub const BLOCK_NUMBERS: TableDefinition<[u8; 32], u64> = TableDefinition::new("block_numbers");
/// Block number -> canonical block hash.
pub const CANONICAL: TableDefinition<u64, [u8; 32]> = TableDefinition::new("canonical");
/// Transaction hash -> block hash ‖ index (u64 big-endian).
pub const TX_LOCATIONS: TableDefinition<[u8; 32], [u8; 40]> = TableDefinition::new("tx_locations");
/// Emitting address -> numbers of canonical blocks with a log from it.
pub const LOG_ADDRESSES: MultimapTableDefinition<[u8; 20], u64> =
    MultimapTableDefinition::new("log_addresses");
/// Topic -> numbers of canonical blocks with a log carrying it (any position).
pub const LOG_TOPICS: MultimapTableDefinition<[u8; 32], u64> =
    MultimapTableDefinition::new("log_topics");
/// Address -> RLP trie account (nonce, balance, storage root, code hash) at the head.
pub const ACCOUNTS: TableDefinition<[u8; 20], &[u8]> = TableDefinition::new("accounts");
/// Address ‖ slot -> non-zero value at the head.
pub const STORAGE: TableDefinition<[u8; 52], [u8; 32]> = TableDefinition::new("storage");
/// Code hash -> bytecode.
pub const CODE: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("code");
/// Block hash → what a log needs from its block besides the receipt: the timestamp (8 bytes,
/// big-endian) then the transaction hashes, concatenated. Log queries read this instead of
/// decoding the header and hashing the body.
pub const LOG_CONTEXT: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("log_context");
/// Block hash → the accounts and raw storage slots the block changed, with the edits made
/// outside blocks just before it (RLP list of `[address, [slot, …]]`; see `state_history`).
/// Unwinding to an earlier block restores exactly these keys from that block's state root.
pub const STATE_HISTORY: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("state_history");
/// Trie node hash -> (offset of its record in the node log, node length), for every record
/// before the last checkpoint (`META_NODE_LOG_INDEXED`); later records are indexed in memory.
pub const TRIE_NODE_INDEX: TableDefinition<[u8; 32], (u64, u32)> =
    TableDefinition::new("trie_node_index");
/// Privileged (L1 -> L2) transaction id (the bridge's `transactionId`, the transaction's nonce)
/// -> the type-0x7e transaction's EIP-2718 bytes, as the L1 watcher rebuilt it. Ids are
/// contiguous from 0; each run is written with [`META_L1_CURSOR`] in one transaction.
pub const PRIVILEGED_TXS: TableDefinition<u64, &[u8]> = TableDefinition::new("privileged_txs");
/// L2 block hash -> the fee config it ran under (`basalt_primitives::FeeConfig::encode`:
/// version byte, then RLP), written in the block's transaction (docs/l2-fees.md).
pub const L2_FEE_CONFIGS: TableDefinition<[u8; 32], &[u8]> = TableDefinition::new("l2_fee_configs");
/// Blob versioned hash ‖ hash of a transaction in a canonical block that carried the blob ->
/// the blob with its KZG commitment and proof(s) from the transaction's sidecar (see `blobs`).
/// The dev L1 writes them with the block and deletes them with it, so only blobs of canonical
/// blocks are kept; a blob two transactions carried is stored under each.
pub const BLOBS: TableDefinition<[u8; 64], &[u8]> = TableDefinition::new("blobs");
/// Batch number -> sealed batch (version byte, then RLP of `SealedBatch`), from 1; each sealed in
/// one write transaction (docs/da.md, "Batches").
pub const BATCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("batches");
/// Batch number -> hash of the L1 transaction that committed it.
pub const BATCH_COMMITS: TableDefinition<u64, [u8; 32]> = TableDefinition::new("batch_commits");
/// Batch number -> proof record (version byte, then RLP of `ProofRecord`), written by the proof
/// coordinator when a proof arrives, deleted when L1 refuses it (docs/proving.md).
pub const PROOFS: TableDefinition<u64, &[u8]> = TableDefinition::new("proofs");
/// Batch number -> size of the batch's witness as last built (version byte, then RLP of
/// `WitnessSize`), written when the proof coordinator builds the batch's guest input.
pub const WITNESS_SIZES: TableDefinition<u64, &[u8]> = TableDefinition::new("witness_sizes");
/// Named single values (see the `META_*` keys).
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Hash of the head block.
pub const META_HEAD: &str = "head";
/// Hash of the genesis block.
pub const META_GENESIS: &str = "genesis";
/// The chain configuration the database was created with (JSON).
pub const META_CHAIN: &str = "chain";
/// Root of the flat state (accounts, storage), written in the same transaction as the state;
/// equals the head's state root unless the dev L1 edited the state since.
pub const META_STATE_ROOT: &str = "state_root";
/// Length of the node log when the transaction committed (u64 big-endian). Bytes past it
/// belong to no commit.
pub const META_NODE_LOG_LEN: &str = "node_log_len";
/// Length of the node log up to which every record is in [`TRIE_NODE_INDEX`] (u64 big-endian).
pub const META_NODE_LOG_INDEXED: &str = "node_log_indexed";
/// Layout version of the database (u64 big-endian; absent for layout 1).
pub const META_LAYOUT_VERSION: &str = "layout_version";
/// Root of the flat state when it was edited outside a block (dev L1 `anvil_set*`), so
/// differs from the head's state root until the next block commits to it.
pub const META_WORKING_STATE_ROOT: &str = "working_state_root";
/// The last L1 block whose bridge events are in [`PRIVILEGED_TXS`]: number (u64 big-endian) ‖
/// hash (32 bytes).
pub const META_L1_CURSOR: &str = "l1_cursor";
/// The latest L1 blob base fee the watcher read (wei, u128 big-endian).
pub const META_L1_BLOB_BASE_FEE: &str = "l1_blob_base_fee";
/// Id of the next privileged transaction a block must include (u64 big-endian): one past the
/// last privileged transaction in the canonical chain, 0 before any. Written with the block.
pub const META_NEXT_INCLUDED_PRIVILEGED: &str = "next_included_privileged";
/// Accounts and slots edited outside a block since the head block (same encoding as
/// [`STATE_HISTORY`]); the next block's record takes them in.
pub const META_EDITED_KEYS: &str = "edited_keys";

/// The last batch committed on L1 (u64 big-endian; absent: none).
pub const META_LAST_COMMITTED_BATCH: &str = "last_committed_batch";
/// The last batch verified on L1 (u64 big-endian; absent: none).
pub const META_LAST_VERIFIED_BATCH: &str = "last_verified_batch";
/// Set in a datadir rebuilt from L1 (`basalt reconstruct`): the DA mode byte it follows.
pub const META_FOLLOWER: &str = "follower";

/// Key of one storage slot in [`STORAGE`].
pub fn storage_key(address: Address, slot: U256) -> [u8; 52] {
    let mut key = [0u8; 52];
    key[..20].copy_from_slice(address.as_slice());
    key[20..].copy_from_slice(&slot.to_be_bytes::<32>());
    key
}

/// The key range holding every slot of `address`.
pub fn storage_range(address: Address) -> std::ops::RangeInclusive<[u8; 52]> {
    storage_key(address, U256::ZERO)..=storage_key(address, U256::MAX)
}
