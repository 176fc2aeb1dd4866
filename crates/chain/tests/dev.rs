//! The dev chain (`basalt l1`'s core) without the RPC layer: mining from the pool, state
//! edits committed through the tries, snapshots and reverts, the clock, and historical reads.

mod support;

use alloy_consensus::TxLegacy;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use basalt_chain::{
    Blockchain,
    anvil::AnvilChain,
    dev::{DEV_MNEMONIC, derive_dev_accounts},
    genesis::init_from_spec,
};
use basalt_primitives::{
    GenesisSpec, Hardfork, StateReader,
    sender::{address_of, sign_transaction},
};
use basalt_storage::{Database, HistoricalState};
use std::sync::Arc;
use support::{assert_state_consistent, balance, transfer};

fn dev_chain() -> (Arc<AnvilChain>, B256, Address) {
    support::dev_chain(Hardfork::Osaka, &[])
}

#[test]
fn mined_blocks_hold_pool_transactions_and_rehash() {
    let (node, key, _) = dev_chain();
    let to = Address::repeat_byte(0x11);
    for nonce in 0..3 {
        node.submit(transfer(&key, nonce, to, 5)).unwrap();
    }
    // A nonce gap waits in the queue and is not mined.
    node.submit(transfer(&key, 9, to, 5)).unwrap();
    let mined = node.mine_one(None).unwrap();
    assert_eq!(mined.block.body.transactions.len(), 3);
    assert_eq!(balance(&node, to), U256::from(15));
    assert_eq!(node.with_pool(|pool| pool.len()), 1);
    assert_state_consistent(&node);
    // Stored transaction hashes read without decoding match the decoded ones.
    let view = node.chain().db().read().unwrap();
    let context = view.log_context(mined.hash).unwrap().unwrap();
    let expected: Vec<B256> =
        mined.block.body.transactions.iter().map(|tx| *tx.tx_hash()).collect();
    assert_eq!(context.transaction_hashes, expected);
    assert_eq!(context.timestamp, mined.block.header.timestamp);
}

#[test]
fn legacy_transactions_hash_the_same_without_decoding() {
    let (node, key, _) = dev_chain();
    let legacy = TxLegacy {
        chain_id: Some(31337),
        nonce: 0,
        gas_price: 10_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(Address::repeat_byte(2)),
        value: U256::from(1),
        input: Bytes::new(),
    };
    node.submit(sign_transaction(legacy, &key).unwrap()).unwrap();
    node.submit(transfer(&key, 1, Address::repeat_byte(3), 1)).unwrap();
    let mined = node.mine_one(None).unwrap();
    let view = node.chain().db().read().unwrap();
    let hashes = view.log_context(mined.hash).unwrap().unwrap().transaction_hashes;
    let expected: Vec<B256> =
        mined.block.body.transactions.iter().map(|tx| *tx.tx_hash()).collect();
    assert_eq!(hashes.len(), 2);
    assert_eq!(hashes, expected);
}

#[test]
fn state_edits_are_committed_by_the_next_block() {
    let (node, _, _) = dev_chain();
    let target = Address::repeat_byte(0x22);
    node.set_balance(target, U256::from(77)).unwrap();
    node.set_nonce(target, 4).unwrap();
    node.set_code(target, Bytes::from_static(&[0x60, 0x00])).unwrap();
    node.set_storage_at(target, U256::from(1), U256::from(99)).unwrap();
    assert_eq!(balance(&node, target), U256::from(77));
    assert_state_consistent(&node);
    let mined = node.mine_one(None).unwrap();
    let view = node.chain().db().read().unwrap();
    assert_eq!(view.working_state_root().unwrap(), None);
    assert_eq!(view.recompute_state_root().unwrap(), mined.block.header.state_root);
    let account = StateReader::account(&view, target).unwrap().unwrap();
    assert_eq!((account.balance, account.nonce), (U256::from(77), 4));
    assert_eq!(view.storage(target, U256::from(1)).unwrap(), U256::from(99));
    drop(view);

    // A funded new account can send: it has empty code, not a missing one.
    let fresh = derive_dev_accounts(DEV_MNEMONIC, 6).unwrap()[5].key;
    node.set_balance(address_of(&fresh).unwrap(), U256::from(10u128.pow(18))).unwrap();
    node.submit(transfer(&fresh, 0, target, 1)).unwrap();
    let mined = node.mine_one(None).unwrap();
    assert_eq!(mined.block.body.transactions.len(), 1, "rejected: {:?}", mined.rejected);
}

#[test]
fn revert_restores_state_blocks_and_clock() {
    let (node, key, sender) = dev_chain();
    let to = Address::repeat_byte(0x33);
    node.submit(transfer(&key, 0, to, 1)).unwrap();
    node.mine_one(None).unwrap();
    let before_balance = balance(&node, sender);
    let head_before = node.chain().head().unwrap();

    let snapshot = node.snapshot().unwrap();
    node.set_balance(Address::repeat_byte(0x44), U256::from(5)).unwrap();
    node.submit(transfer(&key, 1, to, 1)).unwrap();
    node.mine_one(None).unwrap();
    node.increase_time(3_600).unwrap();
    node.mine_one(None).unwrap();
    assert_eq!(node.chain().head().unwrap().number, head_before.number + 2);

    assert!(node.revert(snapshot).unwrap());
    let head = node.chain().head().unwrap();
    assert_eq!(head.hash_slow(), head_before.hash_slow());
    assert_eq!(balance(&node, sender), before_balance);
    assert_eq!(balance(&node, to), U256::from(1));
    assert_eq!(balance(&node, Address::repeat_byte(0x44)), U256::ZERO);
    assert_state_consistent(&node);
    let view = node.chain().db().read().unwrap();
    assert_eq!(view.canonical_hash(head.number + 1).unwrap(), None);
    drop(view);
    // The snapshot is used up; unknown ids say false.
    assert!(!node.revert(snapshot).unwrap());
    // Mining continues from the restored head, with the clock offset undone.
    let next = node.mine_one(None).unwrap();
    assert_eq!(next.block.header.number, head.number + 1);
    assert!(next.block.header.timestamp < head.timestamp + 3_600);
    assert_state_consistent(&node);
}

#[test]
fn explicit_timestamps_must_move_forward() {
    let (node, _, _) = dev_chain();
    let head = node.chain().head().unwrap();
    assert!(node.set_next_block_timestamp(head.timestamp).is_err());
    node.set_next_block_timestamp(head.timestamp + 1_000_000).unwrap();
    let mined = node.mine_one(None).unwrap();
    assert_eq!(mined.block.header.timestamp, head.timestamp + 1_000_000);
    assert!(node.mine_one(Some(head.timestamp + 5)).is_err());
}

#[test]
fn past_state_is_read_through_the_tries() {
    let (node, key, sender) = dev_chain();
    let to = Address::repeat_byte(0x55);
    node.submit(transfer(&key, 0, to, 10)).unwrap();
    let first = node.mine_one(None).unwrap();
    node.submit(transfer(&key, 1, to, 10)).unwrap();
    node.mine_one(None).unwrap();
    let view = node.chain().db().read().unwrap();
    let past = HistoricalState::new(&view, first.block.header.state_root);
    assert_eq!(past.account(to).unwrap().unwrap().balance, U256::from(10));
    assert_eq!(past.account(sender).unwrap().unwrap().nonce, 1);
    assert_eq!(balance(&node, to), U256::from(20));
}

#[test]
fn mined_blocks_pass_full_validation_on_another_node() {
    let (node, key, _) = dev_chain();
    let mut blocks = Vec::new();
    for round in 0..4u64 {
        for i in 0..3 {
            node.submit(transfer(&key, round * 3 + i, Address::repeat_byte(0x60 + i as u8), 9))
                .unwrap();
        }
        blocks.push(node.mine_one(None).unwrap().block.clone());
    }
    blocks.push(node.mine_one(None).unwrap().block.clone()); // and an empty one

    // A second chain from the same genesis imports them with every rule checked.
    let view = node.chain().db().read().unwrap();
    let genesis_json = String::from_utf8(view.chain_json().unwrap().unwrap()).unwrap();
    let spec = GenesisSpec::from_json(&genesis_json).unwrap();
    let db = Database::in_memory().unwrap();
    init_from_spec(&db, &spec, genesis_json.as_bytes()).unwrap();
    let verifier = Blockchain::new(db, spec.config).unwrap();
    for block in blocks {
        let number = block.header.number;
        verifier.import_block(block).unwrap_or_else(|e| panic!("block {number}: {e}"));
    }
    assert_eq!(verifier.head().unwrap().hash_slow(), node.chain().head().unwrap().hash_slow());
}
