//! Moving the dev chain's head back: `evm_revert`, `anvil_rollback`, `anvil_reorg` through
//! the stored state history, the `safe`/`finalized` tags that bound them, and the pending
//! block built from the pool.

mod support;

use alloy_primitives::{Address, Bytes, U256, address};
use basalt_chain::{
    anvil::{AnvilError, UnwindError},
    service::ChainEvent,
};
use basalt_primitives::{Hardfork, StateReader};
use basalt_storage::Database;
use serde_json::json;
use std::sync::{Arc, Mutex};
use support::{assert_state_consistent, balance, dev_chain, dev_chain_on, transfer};

#[test]
fn rollback_removes_blocks_and_restores_state_and_edits() {
    let (node, key, sender) = dev_chain(Hardfork::Osaka, &[]);
    let to = Address::repeat_byte(0x31);
    node.submit(transfer(&key, 0, to, 7)).unwrap();
    let first = node.mine_one(None).unwrap();
    let sender_after_first = balance(&node, sender);

    node.set_balance(Address::repeat_byte(0x32), U256::from(5)).unwrap();
    node.set_storage_at(Address::repeat_byte(0x33), U256::from(9), U256::from(1)).unwrap();
    node.submit(transfer(&key, 1, to, 7)).unwrap();
    let second = node.mine_one(None).unwrap();
    node.mine_one(None).unwrap();
    node.set_balance(to, U256::from(1_000)).unwrap(); // an edit after the last block

    node.rollback(2).unwrap();
    let head = node.chain().head().unwrap();
    assert_eq!(head.hash_slow(), first.hash);
    assert_eq!(balance(&node, to), U256::from(7));
    assert_eq!(balance(&node, sender), sender_after_first);
    assert_eq!(balance(&node, Address::repeat_byte(0x32)), U256::ZERO);
    let view = node.chain().db().read().unwrap();
    assert_eq!(view.storage(Address::repeat_byte(0x33), U256::from(9)).unwrap(), U256::ZERO);
    assert_eq!(view.tx_location(*second.block.body.transactions[0].tx_hash()).unwrap(), None);
    assert_eq!(view.canonical_hash(head.number + 1).unwrap(), None);
    assert_eq!(view.working_state_root().unwrap(), None);
    drop(view);
    assert_state_consistent(&node);

    // Too deep is refused and changes nothing.
    let err = node.rollback(head.number + 1).unwrap_err();
    assert!(matches!(err, AnvilError::Unwind(UnwindError::TooDeep { .. })), "{err}");
    assert_eq!(node.chain().head().unwrap().hash_slow(), first.hash);
    // The chain goes on from there.
    node.submit(transfer(&key, 1, to, 1)).unwrap();
    assert_eq!(node.mine_one(None).unwrap().block.body.transactions.len(), 1);
    assert_state_consistent(&node);
}

#[test]
fn reorg_replaces_blocks_and_announces_the_removed_ones_first() {
    let (node, key, _) = dev_chain(Hardfork::Osaka, &[]);
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    node.set_listener(Box::new(move |event| sink.lock().unwrap().push(event)));
    let to = Address::repeat_byte(0x41);
    node.mine_one(None).unwrap();
    let mut replaced = Vec::new();
    for nonce in 0..3 {
        node.submit(transfer(&key, nonce, to, 1)).unwrap();
        replaced.push(node.mine_one(None).unwrap());
    }
    events.lock().unwrap().clear();

    // The new branch: block 0 holds a transfer of 100, block 2 one of 5; block 1 is empty.
    let new_blocks = vec![
        vec![(transfer(&key, 0, to, 100), support_sender(&key))],
        vec![],
        vec![(transfer(&key, 1, to, 5), support_sender(&key))],
    ];
    node.reorg(3, new_blocks, &Default::default()).unwrap();
    let head = node.chain().head().unwrap();
    assert_eq!(head.number, replaced[2].block.header.number);
    let view = node.chain().db().read().unwrap();
    for old in &replaced {
        let number = old.block.header.number;
        let new_hash = view.canonical_hash(number).unwrap().unwrap();
        assert_ne!(new_hash, old.hash, "block {number} was not replaced");
        let new_header = view.header(new_hash).unwrap().unwrap();
        assert!(new_header.timestamp > old.block.header.timestamp);
    }
    drop(view);
    assert_eq!(balance(&node, to), U256::from(105));
    assert_state_consistent(&node);

    let events = events.lock().unwrap();
    let ChainEvent::Removed(removed) = &events[0] else { panic!("first event: {:?}", events[0]) };
    let removed_hashes: Vec<_> = removed.iter().map(|b| b.hash).collect();
    assert_eq!(removed_hashes, replaced.iter().map(|b| b.hash).collect::<Vec<_>>());
    let new_heads = events.iter().filter(|e| matches!(e, ChainEvent::Block(_))).count();
    assert_eq!(new_heads, 3);
}

fn support_sender(key: &alloy_primitives::B256) -> Address {
    basalt_primitives::sender::address_of(key).unwrap()
}

/// Before Cancun, SELFDESTRUCT of a contract deletes its storage; the slots are named in the
/// block's history so that unwinding brings them back.
#[test]
fn revert_across_a_pre_cancun_selfdestruct_restores_the_storage() {
    let doomed = address!("0x00000000000000000000000000000000000d00d0");
    // CALLER SELFDESTRUCT, with two storage slots set at genesis.
    let entry = json!({"balance": "0x5", "code": "0x33ff",
                       "storage": {"0x01": "0x02", "0x07": "0x08"}});
    let (node, key, _) = dev_chain(Hardfork::Shanghai, &[(doomed, entry)]);
    let snapshot = node.snapshot().unwrap();
    node.submit(transfer(&key, 0, doomed, 0)).unwrap();
    let mined = node.mine_one(None).unwrap();
    assert_eq!(mined.block.body.transactions.len(), 1);
    let view = node.chain().db().read().unwrap();
    assert_eq!(StateReader::account(&view, doomed).unwrap(), None);
    drop(view);

    assert!(node.revert(snapshot).unwrap());
    let view = node.chain().db().read().unwrap();
    assert_eq!(view.storage(doomed, U256::from(1)).unwrap(), U256::from(2));
    assert_eq!(view.storage(doomed, U256::from(7)).unwrap(), U256::from(8));
    assert_eq!(StateReader::account(&view, doomed).unwrap().unwrap().balance, U256::from(5));
    drop(view);
    assert_state_consistent(&node);
}

#[test]
fn finalized_blocks_cannot_be_removed() {
    let (node, _, _) = dev_chain(Hardfork::Osaka, &[]);
    let early = node.snapshot().unwrap();
    for _ in 0..100 {
        node.mine_one(None).unwrap();
    }
    assert_eq!(node.finalized_number(), 36);
    assert_eq!(node.safe_number(100), 68);
    for err in [node.revert(early).unwrap_err(), node.rollback(65).unwrap_err()] {
        assert!(
            matches!(err, AnvilError::Unwind(UnwindError::Finalized { finalized: 36, .. })),
            "{err}"
        );
    }
    assert_eq!(node.chain().head().unwrap().number, 100);
    // Above the finalized block the head may move back; finalized does not.
    node.rollback(64).unwrap();
    assert_eq!(node.chain().head().unwrap().number, 36);
    assert_eq!(node.finalized_number(), 36);
    assert_eq!(node.safe_number(36), 36);
}

#[test]
fn state_history_survives_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let to = Address::repeat_byte(0x51);
    let first_hash = {
        let (node, key, _) =
            dev_chain_on(Database::open(dir.path()).unwrap(), Hardfork::Osaka, &[]);
        node.submit(transfer(&key, 0, to, 3)).unwrap();
        let first = node.mine_one(None).unwrap();
        node.submit(transfer(&key, 1, to, 3)).unwrap();
        node.mine_one(None).unwrap();
        node.set_code(to, Bytes::from_static(&[0x00])).unwrap();
        first.hash
    };
    let (node, _, _) = dev_chain_on(Database::open(dir.path()).unwrap(), Hardfork::Osaka, &[]);
    assert_eq!(balance(&node, to), U256::from(6));
    node.rollback(1).unwrap();
    assert_eq!(node.chain().head().unwrap().hash_slow(), first_hash);
    assert_eq!(balance(&node, to), U256::from(3));
    let view = node.chain().db().read().unwrap();
    assert_eq!(
        StateReader::account(&view, to).unwrap().unwrap().code_hash,
        alloy_primitives::KECCAK256_EMPTY
    );
    drop(view);
    assert_state_consistent(&node);
}

#[test]
fn the_pending_block_is_the_block_the_miner_would_build() {
    let (node, key, sender) = dev_chain(Hardfork::Osaka, &[]);
    let to = Address::repeat_byte(0x61);
    node.submit(transfer(&key, 0, to, 11)).unwrap();
    node.submit(transfer(&key, 1, to, 11)).unwrap();
    let pending = node.pending_block().unwrap();
    assert_eq!(pending.block.body.transactions.len(), 2);
    assert_eq!(pending.senders, vec![sender, sender]);
    let view = node.chain().db().read().unwrap();
    let state = pending.state.on(&view);
    assert_eq!(StateReader::account(&state, to).unwrap().unwrap().balance, U256::from(22));
    assert_eq!(StateReader::account(&view, to).unwrap(), None);
    drop(view);
    // Cached while nothing changes; rebuilt when the pool does.
    assert!(Arc::ptr_eq(&pending, &node.pending_block().unwrap()));
    node.submit(transfer(&key, 2, to, 11)).unwrap();
    let rebuilt = node.pending_block().unwrap();
    assert_eq!(rebuilt.block.body.transactions.len(), 3);

    // Mined at the same timestamp, it is exactly the block that becomes the head.
    let mined = node.mine_one(Some(rebuilt.block.header.timestamp)).unwrap();
    assert_eq!(mined.hash, rebuilt.hash);
    assert_eq!(mined.block.header.state_root, rebuilt.state.root());
}

#[test]
fn snapshots_are_bounded() {
    let (node, _, _) = dev_chain(Hardfork::Osaka, &[]);
    for _ in 0..1_000 {
        node.snapshot().unwrap();
    }
    let err = node.snapshot().unwrap_err();
    assert!(err.to_string().contains("--max-snapshots"), "{err}");
}
