//! Payloads built from a real L2 chain (in memory, L2 rules): the blocks payload carries the
//! blocks' transactions and header fields, the state diff applied to the state before the batch
//! gives the state after it, and only the messenger's logs become L1-message leaves.

use alloy_primitives::{Address, B256, U256};
use basalt_batch::{BatchError, blocks_payload, l1_message_leaves, state_diff_payload};
use basalt_contracts::formats::{L2_MESSENGER, l1_message_hash};
use basalt_da::{SlotKey, StateDiffPayload, UnsignedTransaction, decode_blocks, decode_state_diff};
use basalt_primitives::sender::address_of;
use basalt_storage::{HistoricalState, ReadView};

mod common;
use common::*;

#[test]
fn the_blocks_payload_carries_each_block_without_signatures() {
    let node = chain_with_batch();
    let view = node.chain().db().read().unwrap();
    let payload = blocks_payload(&view, CHAIN_ID, 1, 3).unwrap();
    assert_eq!(decode_blocks(&basalt_da::encode_blocks(&payload).unwrap()).unwrap(), payload);
    assert_eq!(payload.first_block, 1);
    let sender = address_of(&key()).unwrap();
    for (offset, block) in payload.blocks.iter().enumerate() {
        let stored =
            view.block(view.canonical_hash(1 + offset as u64).unwrap().unwrap()).unwrap().unwrap();
        assert_eq!(block.timestamp, stored.header.timestamp);
        assert_eq!(block.beneficiary, stored.header.beneficiary);
        assert_eq!(block.transactions_root, stored.header.transactions_root);
        let privileged = stored.body.transactions.iter().filter(|tx| tx.is_privileged()).count();
        assert_eq!(block.privileged_count, privileged as u64);
        let ordinary: Vec<_> =
            stored.body.transactions.iter().filter_map(|tx| tx.as_ethereum()).collect();
        assert_eq!(block.transactions.len(), ordinary.len());
        for (ours, signed) in block.transactions.iter().zip(ordinary) {
            assert_eq!(ours.sender, sender);
            let UnsignedTransaction::Eip1559(tx) = &ours.transaction else { panic!("type") };
            assert_eq!(tx, signed.as_eip1559().unwrap().tx());
        }
    }
    assert_eq!(payload.blocks[1].privileged_count, 1);
    assert!(matches!(blocks_payload(&view, CHAIN_ID, 0, 1), Err(BatchError::Genesis)));
    assert!(matches!(blocks_payload(&view, CHAIN_ID, 1, 4), Err(BatchError::MissingBlock(4))));
}

/// Applies `diff` to the state at `root` and checks every changed account and slot against
/// the state at `after`.
fn assert_diff_turns(view: &ReadView, diff: &StateDiffPayload, root: B256, after: B256) {
    let (old, new) = (HistoricalState::new(view, root), HistoricalState::new(view, after));
    for account in &diff.accounts {
        let was = old.trie_account(account.address).unwrap();
        let is = new.trie_account(account.address).unwrap();
        if account.removed {
            assert!(is.is_none());
            continue;
        }
        let is = is.expect("a changed account exists after the batch");
        let (nonce, balance) = was.map_or((0, U256::ZERO), |a| (a.nonce, a.balance));
        assert_eq!(account.nonce.map_or(Some(nonce), |c| c.apply(nonce)), Some(is.nonce));
        assert_eq!(account.balance.map_or(Some(balance), |c| c.apply(balance)), Some(is.balance));
        for slot in &account.storage {
            let key = U256::from_be_bytes(slot.key.resolve().0);
            let from = old.slot_value(account.address, key).unwrap();
            assert_eq!(slot.value.apply(from), Some(new.slot_value(account.address, key).unwrap()));
        }
    }
}

#[test]
fn the_state_diff_turns_the_state_before_the_batch_into_the_state_after() {
    let node = chain_with_batch();
    let view = node.chain().db().read().unwrap();
    let root = |n: u64| view.header_by_number(n).unwrap().unwrap().state_root;
    let sender = address_of(&key()).unwrap();
    for (first, last) in [(1, 3), (1, 1), (2, 3), (3, 3)] {
        let diff = state_diff_payload(&view, CHAIN_ID, first, last).unwrap();
        assert_eq!(decode_state_diff(&basalt_da::encode_state_diff(&diff).unwrap()).unwrap(), diff);
        assert_eq!((diff.first_block, diff.block_count), (first, last - first + 1));
        assert_diff_turns(&view, &diff, root(first - 1), root(last));
        // What a follower does: apply the decoded diff to its state and get the committed root.
        let previous = HistoricalState::new(&view, root(first - 1));
        let changes = basalt_da::state_diff_changes(&diff, &previous).unwrap();
        assert_eq!(previous.state_root_after(&changes).unwrap(), root(last), "{first}..={last}");
    }
    let diff = state_diff_payload(&view, CHAIN_ID, 1, 3).unwrap();
    let changed: Vec<Address> = diff.accounts.iter().map(|a| a.address).collect();
    for address in
        [sender, RECIPIENT, MAPPING_WRITER, Address::repeat_byte(0x77), Address::repeat_byte(0x55)]
    {
        assert!(changed.contains(&address), "{address} changed");
    }
    let sender_diff = diff.accounts.iter().find(|a| a.address == sender).unwrap();
    assert_eq!(sender_diff.nonce, Some(basalt_da::Change::Add(5)));
    let writer = diff.accounts.iter().find(|a| a.address == MAPPING_WRITER).unwrap();
    // The slot written twice in the batch is one entry, by its mapping preimage: 0 -> 9.
    assert_eq!(writer.storage.len(), 1);
    assert_eq!(writer.storage[0].key, SlotKey::Mapping { key: sender, slot: 0 });
    assert_eq!(writer.storage[0].value, basalt_da::Change::Add(U256::from(9)));

    // Applied to another state (the one after block 1), the deltas do not fit: refused.
    let mut drained = diff.clone();
    drained.accounts.retain(|a| a.address == sender);
    drained.accounts[0].balance = Some(basalt_da::Change::Sub(U256::MAX >> 1));
    let previous = HistoricalState::new(&view, root(0));
    assert!(matches!(
        basalt_da::state_diff_changes(&drained, &previous),
        Err(basalt_da::DiffApplyError::DoesNotApply { what: "balance", .. })
    ));
    // The messenger stand-in only emits logs: its state does not change.
    assert!(!changed.contains(&L2_MESSENGER));
}

#[test]
fn only_the_messengers_logs_are_l1_messages() {
    let node = chain_with_batch();
    let view = node.chain().db().read().unwrap();
    let sender = address_of(&key()).unwrap();
    let leaves = l1_message_leaves(&view, 1, 3).unwrap();
    assert_eq!(leaves, vec![l1_message_hash(sender, B256::repeat_byte(0xda), 7)]);
    assert_eq!(state_diff_payload(&view, CHAIN_ID, 1, 3).unwrap().l1_messages, leaves);
    assert!(l1_message_leaves(&view, 3, 3).unwrap().is_empty(), "the impostor's block");
}
