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
/// Named single values (see the `META_*` keys).
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Hash of the head block.
pub const META_HEAD: &str = "head";
/// Hash of the genesis block.
pub const META_GENESIS: &str = "genesis";
/// The chain configuration the database was created with (JSON).
pub const META_CHAIN: &str = "chain";
/// Root of the flat state when it was edited outside a block (dev L1 `anvil_set*`), so
/// differs from the head's state root until the next block commits to it.
pub const META_WORKING_STATE_ROOT: &str = "working_state_root";
/// Accounts and slots edited outside a block since the head block (same encoding as
/// [`STATE_HISTORY`]); the next block's record takes them in.
pub const META_EDITED_KEYS: &str = "edited_keys";

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
