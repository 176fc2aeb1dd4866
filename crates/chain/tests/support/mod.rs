//! A dev L1 in memory for the chain tests (the chain service under the anvil layer): one
//! funded dev account, manual mining.

#![allow(dead_code)]

use alloy_consensus::TxEip1559;
use alloy_primitives::{Address, B256, TxKind, U256};
use basalt_chain::{
    Blockchain,
    anvil::{AnvilChain, AnvilLimits},
    dev::{DEV_MNEMONIC, DevGenesis, derive_dev_accounts},
    genesis::init_from_spec,
    service::{ChainService, ChainServiceConfig, MiningMode},
};
use basalt_primitives::{
    GenesisSpec, Hardfork, StateReader, TxEnvelope,
    sender::{address_of, sign_transaction},
};
use basalt_storage::Database;
use serde_json::Value;
use std::sync::Arc;

/// A dev chain under `fork` whose genesis also holds `extra` (address, geth alloc entry);
/// returns it with the funded account's key and address.
pub fn dev_chain(fork: Hardfork, extra: &[(Address, Value)]) -> (Arc<AnvilChain>, B256, Address) {
    let db = Database::in_memory().unwrap();
    dev_chain_on(db, fork, extra)
}

/// [`dev_chain`] on a given database (a fresh one gets the genesis, a used one is served).
pub fn dev_chain_on(
    db: Database,
    fork: Hardfork,
    extra: &[(Address, Value)],
) -> (Arc<AnvilChain>, B256, Address) {
    dev_chain_with(db, fork, |genesis| {
        for (address, entry) in extra {
            genesis["alloc"][address.to_string()] = entry.clone();
        }
    })
}

/// [`dev_chain_on`] whose genesis JSON `edit` changes first (a later fork, more accounts).
pub fn dev_chain_with(
    db: Database,
    fork: Hardfork,
    edit: impl FnOnce(&mut Value),
) -> (Arc<AnvilChain>, B256, Address) {
    let key = derive_dev_accounts(DEV_MNEMONIC, 1).unwrap()[0].key;
    let address = address_of(&key).unwrap();
    let json = DevGenesis {
        chain_id: 31337,
        fork,
        gas_limit: 30_000_000,
        base_fee: 1_000_000_000,
        timestamp: 1_000,
        accounts: &[address],
        balance: U256::from(10u128.pow(22)),
    }
    .to_json();
    let mut genesis: Value = serde_json::from_str(&json).unwrap();
    edit(&mut genesis);
    let json = genesis.to_string();
    let spec = GenesisSpec::from_json(&json).unwrap();
    if db.read().unwrap().head_hash().unwrap().is_none() {
        init_from_spec(&db, &spec, json.as_bytes()).unwrap();
    }
    let chain = Blockchain::new(db, spec.config).unwrap();
    let config = ChainServiceConfig::new(MiningMode::Manual, vec![key]);
    let node = AnvilChain::new(chain, config, AnvilLimits::default()).unwrap();
    (node, key, address)
}

/// A signed EIP-1559 transfer (or call, with `input`) from `key`.
pub fn transfer(key: &B256, nonce: u64, to: Address, value: u64) -> TxEnvelope {
    let tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 100_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(to),
        value: U256::from(value),
        ..Default::default()
    };
    sign_transaction(tx, key).unwrap()
}

pub fn balance(node: &ChainService, address: Address) -> U256 {
    let view = node.chain().db().read().unwrap();
    StateReader::account(&view, address).unwrap().unwrap_or_default().balance
}

/// The flat state rehashes to the root the chain says it has.
pub fn assert_state_consistent(node: &ChainService) {
    let view = node.chain().db().read().unwrap();
    let expected =
        view.working_state_root().unwrap().unwrap_or(node.chain().head().unwrap().state_root);
    assert_eq!(view.recompute_state_root().unwrap(), expected);
}
