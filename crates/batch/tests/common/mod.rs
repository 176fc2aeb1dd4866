//! The L2 chain the batch tests build on: in memory, L2 rules, one funded dev account, and test
//! contracts (a mapping writer, the messenger's log at its address and at an impostor's).

#![allow(dead_code)] // each test file uses part of it

use alloy_consensus::TxEip1559;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, hex, keccak256};
use basalt_chain::{
    Blockchain,
    dev::{DEV_MNEMONIC, DevGenesis, derive_dev_accounts},
    genesis::init_from_spec,
    service::{ChainService, ChainServiceConfig, MiningMode},
};
use basalt_contracts::formats::L2_MESSENGER;
use basalt_primitives::{
    GenesisSpec, Hardfork, TxEnvelope, TxPrivileged,
    sender::{address_of, sign_transaction},
};
use basalt_storage::Database;
use std::sync::Arc;

pub const CHAIN_ID: u64 = 31337;
pub const BRIDGE: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff]);
/// Stores `msg.value` at `keccak(caller ‖ 0)`: entry `caller` of a mapping at slot 0.
pub const MAPPING_WRITER: Address = Address::repeat_byte(0xc0);
/// Same code as the messenger stand-in, at another address: its logs are not messages.
pub const IMPOSTOR: Address = Address::repeat_byte(0xee);
pub const RECIPIENT: Address = Address::repeat_byte(0x09);

pub fn key() -> B256 {
    derive_dev_accounts(DEV_MNEMONIC, 1).unwrap()[0].key
}

/// Emits `L1Message(caller, data, id)` as the L2 messenger does, with fixed data and id.
pub fn message_emitter(data: B256, id: u64) -> Bytes {
    let topic = keccak256("L1Message(address,bytes32,uint256)");
    let mut code = vec![0x7f];
    code.extend_from_slice(&U256::from(id).to_be_bytes::<32>());
    code.push(0x7f);
    code.extend_from_slice(data.as_slice());
    code.push(0x33); // CALLER
    code.push(0x7f);
    code.extend_from_slice(topic.as_slice());
    code.extend_from_slice(&hex!("60006000a400")); // size 0, offset 0, LOG4, STOP
    code.into()
}

/// The test chain's genesis file.
pub fn genesis_json() -> String {
    let address = address_of(&key()).unwrap();
    let json = DevGenesis {
        chain_id: CHAIN_ID,
        fork: Hardfork::Osaka,
        gas_limit: 30_000_000,
        base_fee: 1_000_000_000,
        timestamp: 1_000,
        accounts: &[address],
        balance: U256::from(10u128.pow(22)),
    }
    .to_json();
    let mut genesis: serde_json::Value = serde_json::from_str(&json).unwrap();
    genesis["config"]["basalt"] = serde_json::json!({ "bridge": BRIDGE });
    // CALLER PUSH1 0 MSTORE PUSH1 0 PUSH1 32 MSTORE PUSH1 64 PUSH1 0 SHA3 CALLVALUE SWAP1 SSTORE STOP
    let writer = "0x3360005260006020526040600020349055 00".replace(' ', "");
    genesis["alloc"][MAPPING_WRITER.to_string()] =
        serde_json::json!({ "balance": "0x0", "code": writer });
    for (address, id) in [(L2_MESSENGER, 7u64), (IMPOSTOR, 8)] {
        let code = message_emitter(B256::repeat_byte(0xda), id);
        genesis["alloc"][address.to_string()] =
            serde_json::json!({ "balance": "0x0", "code": code.to_string() });
    }
    genesis.to_string()
}

/// A fresh chain on [`genesis_json`] in `db`, without a service.
pub fn chain_in(db: Database) -> Blockchain {
    let json = genesis_json();
    let spec = GenesisSpec::from_json(&json).unwrap();
    init_from_spec(&db, &spec, json.as_bytes()).unwrap();
    Blockchain::new(db, spec.config).unwrap()
}

pub fn l2_node() -> Arc<ChainService> {
    ChainService::new(
        chain_in(Database::in_memory().unwrap()),
        ChainServiceConfig {
            name: "l2",
            ..ChainServiceConfig::new(MiningMode::Manual, vec![key()])
        },
    )
    .unwrap()
}

pub fn call(nonce: u64, to: Address, value: u64) -> TxEnvelope {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(to),
        value: U256::from(value),
        ..Default::default()
    };
    sign_transaction(tx, &key()).unwrap()
}

pub fn deposit(id: u64) -> TxPrivileged {
    TxPrivileged {
        chain_id: CHAIN_ID,
        nonce: id,
        gas_limit: 100_000,
        to: TxKind::Call(Address::repeat_byte(0x77)),
        mint: U256::from(1_000 + id),
        value: U256::from(10),
        input: Bytes::new(),
        from: Address::repeat_byte(0x55),
    }
}

/// Three blocks: two calls and a transfer; a deposit then a message; a message from an impostor.
pub fn chain_with_batch() -> Arc<ChainService> {
    let node = l2_node();
    node.submit(call(0, RECIPIENT, 5)).unwrap();
    node.submit(call(1, MAPPING_WRITER, 7)).unwrap();
    node.mine_one(None).unwrap();
    node.submit(call(2, L2_MESSENGER, 0)).unwrap();
    node.mine_with_privileged(vec![deposit(0)], true).unwrap();
    node.submit(call(3, IMPOSTOR, 0)).unwrap();
    node.submit(call(4, MAPPING_WRITER, 9)).unwrap();
    node.mine_one(None).unwrap();
    node
}
