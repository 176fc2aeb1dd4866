//! The `state-diff` payload of stored blocks: every account and slot the blocks changed, from
//! the state before the first block to the state after the last, read from the tries at those
//! two roots. Keys come from each block's record of touched keys (`STATE_HISTORY`).

use crate::{BatchError, canonical_hash, messages::l1_message_leaves};
use alloy_consensus::Transaction;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_trie::{KECCAK_EMPTY, TrieAccount};
use basalt_da::{AccountDiff, Change, SlotDiff, SlotKey, StateDiffPayload, mapping_slot};
use basalt_storage::{HistoricalState, ReadView, TouchedKeys};
use std::collections::{HashMap, HashSet};

/// Mapping slots tried as preimages of a changed key: mappings declared in the first 16 slots
/// (every ERC20 `balanceOf` we know of sits at 0 to 3). Namespaced layouts are written raw.
const MAPPING_SLOTS: u64 = 16;

/// The `state-diff` payload of canonical blocks `first..=last` of chain `chain_id`. Storage keys
/// that are entries of a low-slot mapping keyed by an address the batch mentions (a changed
/// account, a transaction's sender or recipient, a 32-byte word of calldata or a log topic that
/// holds an address) are written by their preimage. Errors: a block or its records missing.
pub fn state_diff_payload(
    view: &ReadView,
    chain_id: u64,
    first: u64,
    last: u64,
) -> Result<StateDiffPayload, BatchError> {
    if first == 0 {
        return Err(BatchError::Genesis);
    }
    let before = view
        .header(canonical_hash(view, first - 1)?)?
        .ok_or(BatchError::MissingBlock(first - 1))?
        .state_root;
    let after =
        view.header(canonical_hash(view, last)?)?.ok_or(BatchError::MissingBlock(last))?.state_root;
    let mut touched = TouchedKeys::default();
    let mut mentioned: HashSet<Address> = HashSet::new();
    for number in first..=last {
        let hash = canonical_hash(view, number)?;
        touched.merge(
            view.touched_keys(hash)?
                .ok_or(BatchError::Incomplete { number, what: "touched keys" })?,
        );
        mention_addresses(view, hash, number, &mut mentioned)?;
    }
    let (old, new) = (HistoricalState::new(view, before), HistoricalState::new(view, after));
    let mut accounts = Vec::new();
    let mut preimages: Option<HashMap<B256, (Address, u64)>> = None;
    for (address, slots) in touched.accounts() {
        let (was, is) = (old.trie_account(address)?, new.trie_account(address)?);
        let mut diff = account_diff(view, address, was.as_ref(), is.as_ref())?;
        if is.is_some() {
            for slot in slots {
                let (from, to) = (old.slot_value(address, *slot)?, new.slot_value(address, *slot)?);
                if from == to {
                    continue;
                }
                let key = B256::from(*slot);
                let preimages = preimages.get_or_insert_with(|| {
                    mentioned.extend(touched.accounts().map(|(address, _)| address));
                    mapping_preimages(&mentioned)
                });
                let key = match preimages.get(&key) {
                    Some(&(key, slot)) => SlotKey::Mapping { key, slot },
                    None => SlotKey::Raw(key),
                };
                diff.storage.push(SlotDiff { key, value: Change::between(from, to) });
            }
            diff.storage.sort_by_key(|slot| slot.key.resolve());
        }
        let unchanged = !diff.removed
            && diff.nonce.is_none()
            && diff.balance.is_none()
            && diff.code.is_none()
            && diff.storage.is_empty();
        if !unchanged {
            accounts.push(diff);
        }
    }
    let l1_messages = l1_message_leaves(view, first, last)?;
    Ok(StateDiffPayload {
        chain_id,
        first_block: first,
        block_count: last - first + 1,
        accounts,
        l1_messages,
    })
}

/// The account-level change from `was` to `is` (storage is added by the caller).
fn account_diff(
    view: &ReadView,
    address: Address,
    was: Option<&TrieAccount>,
    is: Option<&TrieAccount>,
) -> Result<AccountDiff, BatchError> {
    let mut diff = AccountDiff { address, ..AccountDiff::default() };
    let Some(is) = is else {
        diff.removed = was.is_some();
        return Ok(diff);
    };
    let (nonce, balance, code_hash) =
        was.map_or((0, U256::ZERO, KECCAK_EMPTY), |a| (a.nonce, a.balance, a.code_hash));
    if nonce != is.nonce {
        diff.nonce = Some(Change::between(nonce, is.nonce));
    }
    if balance != is.balance {
        diff.balance = Some(Change::between(balance, is.balance));
    }
    if code_hash != is.code_hash {
        let code = if is.code_hash == KECCAK_EMPTY {
            Bytes::new()
        } else {
            view.code(is.code_hash)?.ok_or(BatchError::MissingCode(is.code_hash))?
        };
        diff.code = Some(code);
    }
    Ok(diff)
}

/// Adds every address block `hash` mentions: senders, recipients, and calldata words and log
/// topics shaped like an address (12 zero bytes, then 20 bytes not all zero).
fn mention_addresses(
    view: &ReadView,
    hash: B256,
    number: u64,
    mentioned: &mut HashSet<Address>,
) -> Result<(), BatchError> {
    let word_address = |word: &[u8]| -> Option<Address> {
        (word.len() == 32
            && word[..12].iter().all(|b| *b == 0)
            && word[12..].iter().any(|b| *b != 0))
        .then(|| Address::from_slice(&word[12..]))
    };
    let block = view.block(hash)?.ok_or(BatchError::MissingBlock(number))?;
    mentioned.extend(view.senders(hash)?.unwrap_or_default());
    for tx in &block.body.transactions {
        mentioned.extend(tx.to());
        // Calldata words after the 4-byte selector.
        let input = tx.input();
        if let Some(args) = input.get(4..) {
            mentioned.extend(args.chunks_exact(32).filter_map(word_address));
        }
    }
    let receipts =
        view.receipts(hash)?.ok_or(BatchError::Incomplete { number, what: "receipts" })?;
    for receipt in &receipts {
        for log in alloy_consensus::TxReceipt::logs(receipt) {
            mentioned
                .extend(log.topics().iter().filter_map(|topic| word_address(topic.as_slice())));
        }
    }
    Ok(())
}

/// `mapping_slot(a, n)` → `(a, n)` for every mentioned `a` and `n` below [`MAPPING_SLOTS`].
fn mapping_preimages(mentioned: &HashSet<Address>) -> HashMap<B256, (Address, u64)> {
    let mut preimages = HashMap::with_capacity(mentioned.len() * MAPPING_SLOTS as usize);
    for address in mentioned {
        for slot in 0..MAPPING_SLOTS {
            preimages.insert(mapping_slot(*address, slot), (*address, slot));
        }
    }
    preimages
}
