//! Admission when the pool journal cannot be written: the pool ends as it was before the
//! submission, whatever the pool would have done with the transaction (replace, evict).

use super::{ChainService, ChainServiceConfig, MiningMode, ServiceError, lock};
use crate::{
    Blockchain,
    dev::{DEV_MNEMONIC, DevGenesis, derive_dev_accounts},
    genesis::init_from_spec,
};
use alloy_consensus::TxEip1559;
use alloy_primitives::{Address, B256, TxKind, U256};
use basalt_primitives::{GenesisSpec, Hardfork, TxEnvelope, sender::sign_transaction};
use basalt_storage::Database;
use basalt_txpool::PoolConfig;
use std::{fs::OpenOptions, path::Path, sync::Arc};

/// A service over a fresh chain (or the one in `db`) with two funded accounts and `journal`.
fn service(db: Database, journal: &Path, pool: PoolConfig) -> (Arc<ChainService>, Vec<B256>) {
    let accounts = derive_dev_accounts(DEV_MNEMONIC, 2).unwrap();
    let addresses: Vec<Address> = accounts.iter().map(|a| a.address).collect();
    let json = DevGenesis {
        chain_id: 31337,
        fork: Hardfork::Osaka,
        gas_limit: 30_000_000,
        base_fee: 1_000_000_000,
        timestamp: 1_000,
        accounts: &addresses,
        balance: U256::from(10u128.pow(22)),
    }
    .to_json();
    let spec = GenesisSpec::from_json(&json).unwrap();
    if db.read().unwrap().head_hash().unwrap().is_none() {
        init_from_spec(&db, &spec, json.as_bytes()).unwrap();
    }
    let chain = Blockchain::new(db, spec.config).unwrap();
    let config = ChainServiceConfig {
        pool,
        journal: Some(journal.to_owned()),
        ..ChainServiceConfig::new(MiningMode::Manual, Vec::new())
    };
    (ChainService::new(chain, config).unwrap(), accounts.iter().map(|a| a.key).collect())
}

fn transfer(key: &B256, nonce: u64, tip: u128) -> TxEnvelope {
    let tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000 + tip,
        max_priority_fee_per_gas: tip,
        to: TxKind::Call(Address::repeat_byte(0x11)),
        value: U256::from(1),
        ..Default::default()
    };
    sign_transaction(tx, key).unwrap()
}

/// Makes every journal write fail as on a full disk (the journal's handle becomes
/// `/dev/full`), or puts a working handle back.
fn journal_disk_full(service: &ChainService, full: bool, path: &Path) {
    let file = if full {
        OpenOptions::new().write(true).open("/dev/full").unwrap()
    } else {
        let mut file = OpenOptions::new().write(true).open(path).unwrap();
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).unwrap();
        file
    };
    lock(&service.journal).as_mut().unwrap().replace_file(file);
}

fn pooled(service: &ChainService) -> Vec<B256> {
    let mut hashes: Vec<B256> =
        service.with_pool(|pool| pool.transactions().map(|p| p.hash).collect());
    hashes.sort();
    hashes
}

#[test]
fn a_replacement_that_cannot_be_journaled_keeps_the_replaced_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("pool.journal");
    let (node, keys) =
        service(Database::open(dir.path()).unwrap(), &journal, PoolConfig::default());
    let first = transfer(&keys[0], 0, 1);
    node.submit(first.clone()).unwrap();

    journal_disk_full(&node, true, &journal);
    let replacement = transfer(&keys[0], 0, 2_000_000_000);
    let err = node.submit(replacement.clone()).unwrap_err();
    assert!(matches!(err, ServiceError::Journal(_)), "{err}");
    assert_eq!(pooled(&node), vec![*first.tx_hash()]);

    // With the disk back, the replacement goes in, and a restart replays the journal to it.
    journal_disk_full(&node, false, &journal);
    node.submit(replacement.clone()).unwrap();
    assert_eq!(pooled(&node), vec![*replacement.tx_hash()]);
    drop(node);
    let (node, _) = service(Database::open(dir.path()).unwrap(), &journal, PoolConfig::default());
    assert_eq!(pooled(&node), vec![*replacement.tx_hash()]);
}

#[test]
fn a_transaction_that_cannot_be_journaled_evicts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("pool.journal");
    let pool = PoolConfig { max_total: 1, ..PoolConfig::default() };
    let (node, keys) = service(Database::open(dir.path()).unwrap(), &journal, pool);
    let cheap = transfer(&keys[0], 0, 1);
    node.submit(cheap.clone()).unwrap();

    journal_disk_full(&node, true, &journal);
    // It pays more: the full pool would evict `cheap` for it.
    let err = node.submit(transfer(&keys[1], 0, 1_000_000_000)).unwrap_err();
    assert!(matches!(err, ServiceError::Journal(_)), "{err}");
    assert_eq!(pooled(&node), vec![*cheap.tx_hash()]);
}

#[test]
fn a_refused_transaction_leaves_no_journal_record() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("pool.journal");
    let (node, keys) =
        service(Database::open(dir.path()).unwrap(), &journal, PoolConfig::default());
    let first = transfer(&keys[0], 0, 1_000);
    node.submit(first.clone()).unwrap();
    let before = std::fs::read(&journal).unwrap();
    // Below the replacement bump: refused by the pool after it was journaled.
    assert!(node.submit(transfer(&keys[0], 0, 1_001)).is_err());
    assert!(matches!(node.submit(first), Err(ServiceError::Pool(_))));
    assert_eq!(std::fs::read(&journal).unwrap(), before);
}
