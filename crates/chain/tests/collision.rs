//! EIP-7610: creating a contract where an account already has storage (no code, zero nonce)
//! is a collision. Covers a creating transaction and CREATE2, the block a producer builds
//! and the same block imported by a second node.

mod support;

use alloy_consensus::{Transaction, TxEip1559};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, keccak256};
use basalt_chain::{Blockchain, genesis::init_from_spec};
use basalt_primitives::{GenesisSpec, Hardfork, StateReader, TxEnvelope, sender::sign_transaction};
use basalt_storage::Database;
use serde_json::json;
use support::dev_chain;

/// Init code that deploys the one-byte runtime code 0x00: PUSH1 1, PUSH1 0, RETURN.
const DEPLOY_ONE_BYTE: &[u8] = &[0x60, 0x01, 0x60, 0x00, 0xf3];
/// CREATE2 with empty init code, salt 0 and no value, the new address (0 on failure) stored in
/// slot 1: PUSH1 0 (salt, size, offset, value), CREATE2, PUSH1 1, SSTORE, STOP.
const FACTORY_CODE: &str = "0x6000600060006000f560015500";
const FACTORY: Address = address!("0x00000000000000000000000000000000000000f0");
const CREATE_GAS: u64 = 100_000;

fn signed(key: &B256, nonce: u64, gas_limit: u64, to: TxKind, value: u64) -> TxEnvelope {
    let input = match to {
        TxKind::Create => Bytes::from_static(DEPLOY_ONE_BYTE),
        TxKind::Call(_) => Bytes::new(),
    };
    let tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to,
        value: U256::from(value),
        input,
        ..Default::default()
    };
    sign_transaction(tx, key).unwrap()
}

#[test]
fn creation_onto_an_address_with_storage_fails_and_the_block_imports() {
    let key =
        basalt_chain::dev::derive_dev_accounts(basalt_chain::dev::DEV_MNEMONIC, 1).unwrap()[0].key;
    let sender = basalt_primitives::sender::address_of(&key).unwrap();
    // The first creation's address, and CREATE2's of the factory with salt 0 and empty code,
    // both hold storage but no code and no nonce.
    let taken = sender.create(0);
    let taken_by_create2 = FACTORY.create2(B256::ZERO, keccak256([]));
    let storage_only = json!({"balance": "0x0", "storage": {"0x00": "0x01"}});
    let extra = [
        (taken, storage_only.clone()),
        (taken_by_create2, storage_only),
        (FACTORY, json!({"balance": "0x0", "code": FACTORY_CODE, "storage": {"0x01": "0x2a"}})),
    ];
    let (node, _, _) = dev_chain(Hardfork::Osaka, &extra);

    // A failed CREATE2 burns the 63/64 of the gas it passed on; the factory's SSTORE after it
    // runs on the rest.
    let call_factory = signed(&key, 1, 1_000_000, TxKind::Call(FACTORY), 0);
    let [first, second] = [0, 2].map(|nonce| signed(&key, nonce, CREATE_GAS, TxKind::Create, 7));
    for tx in [first, call_factory, second] {
        node.submit(tx).unwrap();
    }
    let mined = node.mine_one(None).unwrap();
    assert_eq!(mined.block.body.transactions.len(), 3, "rejected: {:?}", mined.rejected);

    // The colliding creation is included, fails and burns all its gas (as a nonce or code
    // collision does); the sender's nonce still moves and the value stays with it.
    let receipts = &mined.receipts;
    assert!(!receipts[0].status(), "creation onto storage succeeded");
    assert_eq!(receipts[0].cumulative_gas_used(), CREATE_GAS);
    assert_eq!(mined.block.body.transactions[0].gas_limit(), CREATE_GAS);
    // CREATE2 onto storage returns 0 to the factory, which stores it over the 0x2a.
    assert!(receipts[1].status());
    // The next creation, at a fresh address, works: the collision only failed its own.
    assert!(receipts[2].status());

    let view = node.chain().db().read().unwrap();
    for address in [taken, taken_by_create2] {
        let account = StateReader::account(&view, address).unwrap().unwrap();
        assert_eq!((account.nonce, account.balance), (0, U256::ZERO), "{address}");
        assert_eq!(account.code_hash, alloy_primitives::KECCAK256_EMPTY, "{address}");
        assert_eq!(StateReader::storage(&view, address, U256::ZERO).unwrap(), U256::from(1));
    }
    assert_eq!(StateReader::storage(&view, FACTORY, U256::from(1)).unwrap(), U256::ZERO);
    assert_eq!(StateReader::account(&view, sender).unwrap().unwrap().nonce, 3);
    let fresh = StateReader::account(&view, sender.create(2)).unwrap().unwrap();
    assert_eq!(fresh.code_hash, keccak256([0u8]));
    assert_eq!(fresh.balance, U256::from(7));
    drop(view);

    // A second node from the same genesis (stored with the chain) imports the block.
    let json = {
        let view = node.chain().db().read().unwrap();
        String::from_utf8(view.chain_json().unwrap().unwrap()).unwrap()
    };
    let genesis_json = json;
    let spec = GenesisSpec::from_json(&genesis_json).unwrap();
    let db = Database::in_memory().unwrap();
    init_from_spec(&db, &spec, genesis_json.as_bytes()).unwrap();
    let follower = Blockchain::new(db, spec.config).unwrap();
    let imported = follower.import_block(mined.block.clone()).unwrap();
    assert_eq!(imported.hash, mined.hash);
    assert_eq!(follower.head().unwrap().state_root, mined.block.header.state_root);
}
