//! The `state-diff` payload of a batch (docs/da.md, "State-diff mode"): the net change the batch
//! made to every account it touched, and the leaves of its L1-message tree. A follower applies
//! it to the state after the previous batch and checks the state root committed on L1; it
//! cannot rebuild blocks or transactions.
//!
//! Layout, in columns like the `blocks` payload:
//!
//! ```text
//! version (1) ‖ mode (1) ‖ chain id ‖ first block ‖ block count ‖ address count
//! ‖ account count ‖ message count   (varints)
//! ‖ column_1 ‖ … ‖ column_10        each: varint length ‖ bytes
//! ```
//!
//! Columns: addresses (the changed accounts by ascending address, then the keys of mapping
//! slots that are not accounts, in order of first use), flags, nonces, balances, code lengths,
//! code, slot counts, slot keys, slot values, L1-message leaves.

use super::column_io::{ColumnReader, ColumnWriter};
use super::{DaMode, PAYLOAD_VERSION, PayloadDecodeError, PayloadEncodeError};
use crate::varint;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use std::collections::HashMap;

const COLUMN_NAMES: [&str; 10] = [
    "addresses",
    "account flags",
    "nonces",
    "balances",
    "code lengths",
    "code",
    "slot counts",
    "slot keys",
    "slot values",
    "L1 messages",
];

mod col {
    pub const ADDRESSES: usize = 0;
    pub const FLAGS: usize = 1;
    pub const NONCES: usize = 2;
    pub const BALANCES: usize = 3;
    pub const CODE_LENGTHS: usize = 4;
    pub const CODE: usize = 5;
    pub const SLOT_COUNTS: usize = 6;
    pub const SLOT_KEYS: usize = 7;
    pub const SLOT_VALUES: usize = 8;
    pub const MESSAGES: usize = 9;
}

/// Account flag bits.
const HAS_NONCE: u8 = 1;
const HAS_BALANCE: u8 = 2;
const HAS_CODE: u8 = 4;
const HAS_STORAGE: u8 = 8;
const STORAGE_CLEARED: u8 = 16;
const REMOVED: u8 = 32;
const KNOWN_FLAGS: u8 = 63;

/// Change forms.
const SET: u8 = 0;
const ADD: u8 = 1;
const SUB: u8 = 2;

/// Slot key forms.
const KEY_RAW: u8 = 0;
const KEY_MAPPING: u8 = 1;

#[cfg(test)]
mod tests;

/// The `state-diff` payload of one batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateDiffPayload {
    /// The L2 chain id.
    pub chain_id: u64,
    /// Number of the batch's first block.
    pub first_block: u64,
    /// Number of blocks in the batch.
    pub block_count: u64,
    /// Every account the batch changed, by strictly ascending address.
    pub accounts: Vec<AccountDiff>,
    /// Leaves of the batch's L1-message tree in message order (docs/contracts.md), so a
    /// follower can build the withdrawal proofs the committed root verifies.
    pub l1_messages: Vec<B256>,
}

/// The net change of one account over a batch. Fields left `None` (or empty) did not change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountDiff {
    pub address: Address,
    /// The account does not exist after the batch; every other field is empty.
    pub removed: bool,
    /// The account's storage before the batch is gone (it was destroyed, then created again);
    /// `storage` holds all of its new storage.
    pub storage_cleared: bool,
    pub nonce: Option<Change<u64>>,
    /// Balance in wei.
    pub balance: Option<Change<U256>>,
    /// The account's new code (its code hash follows).
    pub code: Option<Bytes>,
    /// Changed slots by strictly ascending [`SlotKey::resolve`]d key.
    pub storage: Vec<SlotDiff>,
}

/// A changed storage slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotDiff {
    pub key: SlotKey,
    pub value: Change<U256>,
}

/// How a slot key is written: whole, or as the Solidity mapping entry it is, which costs an
/// address-table index and a small integer instead of 32 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotKey {
    Raw(B256),
    /// `keccak256(leftpad32(key) ‖ u256(slot))`: entry `key` of the mapping at slot `slot`.
    Mapping {
        key: Address,
        slot: u64,
    },
}

impl SlotKey {
    /// The 32-byte storage key.
    pub fn resolve(&self) -> B256 {
        match self {
            Self::Raw(key) => *key,
            Self::Mapping { key, slot } => mapping_slot(*key, *slot),
        }
    }
}

/// Storage key of entry `key` of a Solidity mapping declared at slot `slot`.
pub fn mapping_slot(key: Address, slot: u64) -> B256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(key.as_slice());
    preimage[56..].copy_from_slice(&slot.to_be_bytes());
    keccak256(preimage)
}

/// A value's change: its new value, or what to add to or subtract from the old one. A delta is
/// usually shorter and, when transfers repeat amounts and fees, compresses far better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change<T> {
    Set(T),
    Add(T),
    Sub(T),
}

/// The integer kinds a [`Change`] applies to.
pub trait ChangeValue: Copy + Ord {
    fn checked_add(self, other: Self) -> Option<Self>;
    fn checked_sub(self, other: Self) -> Option<Self>;
    /// Bytes of the value's encoding, to pick the shortest change.
    fn encoded_len(self) -> usize;
}

impl ChangeValue for u64 {
    fn checked_add(self, other: Self) -> Option<Self> {
        u64::checked_add(self, other)
    }
    fn checked_sub(self, other: Self) -> Option<Self> {
        u64::checked_sub(self, other)
    }
    fn encoded_len(self) -> usize {
        let mut out = Vec::with_capacity(10);
        varint::put(&mut out, self.into());
        out.len()
    }
}

impl ChangeValue for U256 {
    fn checked_add(self, other: Self) -> Option<Self> {
        U256::checked_add(self, other)
    }
    fn checked_sub(self, other: Self) -> Option<Self> {
        U256::checked_sub(self, other)
    }
    fn encoded_len(self) -> usize {
        1 + self.byte_len()
    }
}

impl<T: ChangeValue> Change<T> {
    /// The shortest change from `old` to `new`; a delta when it is as short as the new value.
    pub fn between(old: T, new: T) -> Self {
        let delta = if new >= old {
            new.checked_sub(old).map(Self::Add)
        } else {
            old.checked_sub(new).map(Self::Sub)
        };
        match delta {
            Some(delta) if delta.value().encoded_len() <= new.encoded_len() => delta,
            _ => Self::Set(new),
        }
    }

    /// The value after the change; `None` when a delta overflows or goes below zero (a payload
    /// that does not fit the state it is applied to).
    pub fn apply(self, old: T) -> Option<T> {
        match self {
            Self::Set(new) => Some(new),
            Self::Add(delta) => old.checked_add(delta),
            Self::Sub(delta) => old.checked_sub(delta),
        }
    }

    fn value(self) -> T {
        match self {
            Self::Set(v) | Self::Add(v) | Self::Sub(v) => v,
        }
    }

    fn form(self) -> u8 {
        match self {
            Self::Set(_) => SET,
            Self::Add(_) => ADD,
            Self::Sub(_) => SUB,
        }
    }
}

fn change_from<T>(form: u8, value: T) -> Option<Change<T>> {
    match form {
        SET => Some(Change::Set(value)),
        ADD => Some(Change::Add(value)),
        SUB => Some(Change::Sub(value)),
        _ => None,
    }
}

/// Writes `payload`. Errors when accounts are not in strictly ascending address order, slots
/// not in strictly ascending key order, or a removed account carries changes: such a payload
/// would have more than one meaning.
pub fn encode_state_diff(payload: &StateDiffPayload) -> Result<Vec<u8>, PayloadEncodeError> {
    let invalid = |reason: String| PayloadEncodeError::InvalidStateDiff(reason);
    let mut columns = ColumnWriter::<10>::new();
    let mut index: HashMap<Address, u32> = HashMap::new();
    let mut table: Vec<Address> = Vec::new();
    for account in &payload.accounts {
        if table.last().is_some_and(|last| *last >= account.address) {
            return Err(invalid(format!("account {} is out of order", account.address)));
        }
        index.insert(account.address, table.len() as u32);
        table.push(account.address);
    }
    for account in &payload.accounts {
        let mut flags = 0u8;
        if account.removed {
            let empty = account.nonce.is_none()
                && account.balance.is_none()
                && account.code.is_none()
                && account.storage.is_empty()
                && !account.storage_cleared;
            if !empty {
                return Err(invalid(format!("removed account {} has changes", account.address)));
            }
            flags |= REMOVED;
        }
        if account.storage_cleared {
            flags |= STORAGE_CLEARED;
        }
        if let Some(nonce) = account.nonce {
            flags |= HAS_NONCE;
            columns.bytes(col::NONCES, &[nonce.form()]);
            columns.varint(col::NONCES, nonce.value());
        }
        if let Some(balance) = account.balance {
            flags |= HAS_BALANCE;
            columns.bytes(col::BALANCES, &[balance.form()]);
            columns.trimmed(col::BALANCES, &balance.value());
        }
        if let Some(code) = &account.code {
            flags |= HAS_CODE;
            columns.varint(col::CODE_LENGTHS, code.len() as u64);
            columns.bytes(col::CODE, code);
        }
        if !account.storage.is_empty() {
            flags |= HAS_STORAGE;
            columns.varint(col::SLOT_COUNTS, account.storage.len() as u64);
        }
        let mut previous: Option<B256> = None;
        for slot in &account.storage {
            let key = slot.key.resolve();
            if previous.is_some_and(|previous| previous >= key) {
                return Err(invalid(format!("slot {key} of {} is out of order", account.address)));
            }
            previous = Some(key);
            match slot.key {
                SlotKey::Raw(key) => {
                    columns.bytes(col::SLOT_KEYS, &[KEY_RAW]);
                    columns.bytes(col::SLOT_KEYS, key.as_slice());
                }
                SlotKey::Mapping { key, slot } => {
                    let at = *index.entry(key).or_insert_with(|| {
                        table.push(key);
                        (table.len() - 1) as u32
                    });
                    columns.bytes(col::SLOT_KEYS, &[KEY_MAPPING]);
                    columns.varint(col::SLOT_KEYS, at);
                    columns.varint(col::SLOT_KEYS, slot);
                }
            }
            columns.bytes(col::SLOT_VALUES, &[slot.value.form()]);
            columns.trimmed(col::SLOT_VALUES, &slot.value.value());
        }
        columns.bytes(col::FLAGS, &[flags]);
    }
    if u32::try_from(table.len()).is_err() {
        return Err(PayloadEncodeError::TooLarge);
    }
    for address in &table {
        columns.bytes(col::ADDRESSES, address.as_slice());
    }
    for leaf in &payload.l1_messages {
        columns.bytes(col::MESSAGES, leaf.as_slice());
    }
    let mut out = vec![PAYLOAD_VERSION, DaMode::StateDiff as u8];
    for value in [
        payload.chain_id,
        payload.first_block,
        payload.block_count,
        table.len() as u64,
        payload.accounts.len() as u64,
        payload.l1_messages.len() as u64,
    ] {
        varint::put(&mut out, value.into());
    }
    columns.finish(&mut out);
    Ok(out)
}

/// Reads a payload written by [`encode_state_diff`]. Total: any input gives a payload or an
/// error, and it refuses what the encoder would not write (accounts or slots out of order, a
/// mapping key that is an account or unused, unknown flags or forms, bytes left over).
pub fn decode_state_diff(bytes: &[u8]) -> Result<StateDiffPayload, PayloadDecodeError> {
    let (&version, rest) = bytes.split_first().ok_or(PayloadDecodeError::Empty)?;
    if version != PAYLOAD_VERSION {
        return Err(PayloadDecodeError::UnknownVersion(version));
    }
    let (&mode, mut rest) = rest.split_first().ok_or(PayloadDecodeError::Empty)?;
    match mode {
        m if m == DaMode::StateDiff as u8 => {}
        m if m == DaMode::Blocks as u8 => return Err(PayloadDecodeError::NotStateDiff("blocks")),
        m => return Err(PayloadDecodeError::UnknownMode(m)),
    }
    let mut header = [0u64; 6];
    for value in &mut header {
        *value = varint::take(&mut rest, 64)
            .map_err(|e| super::column_io::column_error("header", e))? as u64;
    }
    let [chain_id, first_block, block_count, address_count, account_count, message_count] = header;
    let mut reader = ColumnReader::split(rest, &COLUMN_NAMES)?;
    let table_len = reader.cols[col::ADDRESSES].len();
    if u64::try_from(table_len).ok() != address_count.checked_mul(20)
        || account_count > address_count
    {
        return Err(reader.error(col::ADDRESSES, "length disagrees with the address counts"));
    }
    let table: Vec<Address> =
        reader.take(col::ADDRESSES, table_len)?.chunks_exact(20).map(Address::from_slice).collect();
    let account_count = account_count as usize;
    if table[..account_count].windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(reader.error(col::ADDRESSES, "accounts out of order"));
    }
    // Mapping keys past the accounts: each new, each used, in order of first use.
    let mut next_extra = account_count;
    let mut accounts = Vec::with_capacity(account_count.min(table_len / 20));
    for &address in &table[..account_count] {
        let flags = reader.byte(col::FLAGS)?;
        if flags & !KNOWN_FLAGS != 0 || (flags & REMOVED != 0 && flags != REMOVED) {
            return Err(reader.error(col::FLAGS, format!("invalid account flags {flags:#04x}")));
        }
        let mut account = AccountDiff {
            address,
            removed: flags & REMOVED != 0,
            storage_cleared: flags & STORAGE_CLEARED != 0,
            ..AccountDiff::default()
        };
        if flags & HAS_NONCE != 0 {
            let form = reader.byte(col::NONCES)?;
            let value = reader.u64(col::NONCES)?;
            account.nonce = Some(
                change_from(form, value)
                    .ok_or_else(|| reader.error(col::NONCES, "unknown form"))?,
            );
        }
        if flags & HAS_BALANCE != 0 {
            let form = reader.byte(col::BALANCES)?;
            let value = reader.trimmed(col::BALANCES)?;
            account.balance = Some(
                change_from(form, value)
                    .ok_or_else(|| reader.error(col::BALANCES, "unknown form"))?,
            );
        }
        if flags & HAS_CODE != 0 {
            account.code =
                Some(Bytes::copy_from_slice(reader.sized_at(col::CODE_LENGTHS, col::CODE)?));
        }
        if flags & HAS_STORAGE != 0 {
            let count = reader.u64(col::SLOT_COUNTS)?;
            if count == 0 {
                return Err(reader.error(col::SLOT_COUNTS, "zero slots with the storage flag"));
            }
            let mut previous: Option<B256> = None;
            for _ in 0..count {
                let key = match reader.byte(col::SLOT_KEYS)? {
                    KEY_RAW => SlotKey::Raw(B256::from_slice(reader.take(col::SLOT_KEYS, 32)?)),
                    KEY_MAPPING => {
                        let at = reader.u32(col::SLOT_KEYS)? as usize;
                        let key = match at {
                            at if at < next_extra => table[at],
                            at if at == next_extra && at < table.len() => {
                                next_extra += 1;
                                table[at]
                            }
                            _ => {
                                return Err(reader.error(
                                    col::SLOT_KEYS,
                                    "mapping key index is not a known or the next address",
                                ));
                            }
                        };
                        SlotKey::Mapping { key, slot: reader.u64(col::SLOT_KEYS)? }
                    }
                    _ => return Err(reader.error(col::SLOT_KEYS, "unknown slot key form")),
                };
                let resolved = key.resolve();
                if previous.is_some_and(|previous| previous >= resolved) {
                    return Err(reader.error(col::SLOT_KEYS, "slots out of order"));
                }
                previous = Some(resolved);
                let form = reader.byte(col::SLOT_VALUES)?;
                let value = reader.trimmed(col::SLOT_VALUES)?;
                let value = change_from(form, value)
                    .ok_or_else(|| reader.error(col::SLOT_VALUES, "unknown form"))?;
                account.storage.push(SlotDiff { key, value });
            }
        }
        accounts.push(account);
    }
    if next_extra != table.len() {
        return Err(reader.error(col::ADDRESSES, "an address is never used"));
    }
    let unique: std::collections::HashSet<&Address> = table.iter().collect();
    if unique.len() != table.len() {
        return Err(reader.error(col::ADDRESSES, "an address is written twice"));
    }
    let messages_len = reader.cols[col::MESSAGES].len();
    if u64::try_from(messages_len).ok() != message_count.checked_mul(32) {
        return Err(reader.error(col::MESSAGES, "length is not 32 × the message count"));
    }
    let l1_messages =
        reader.take(col::MESSAGES, messages_len)?.chunks_exact(32).map(B256::from_slice).collect();
    reader.finish("account")?;
    Ok(StateDiffPayload { chain_id, first_block, block_count, accounts, l1_messages })
}
