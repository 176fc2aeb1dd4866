//! Runs blockchain-test fixtures through the real import path on an in-memory database:
//! genesis from `pre`, every block through `Blockchain::import_rlp`, then the head hash and
//! the complete post-state compared.

use crate::fixture::{BlockchainFixture, FixtureAccount};
use alloy_eips::eip7840::BlobParams;
use alloy_primitives::{Address, B256, KECCAK256_EMPTY, U256, keccak256};
use alloy_rlp::Decodable;
use basalt_chain::{Blockchain, genesis::write_genesis};
use basalt_primitives::{Account, Block, ChainConfig, Hardfork, StateChanges, StorageChanges};
use basalt_storage::Database;
use std::collections::BTreeMap;

/// The outcome of one fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

/// Runs one fixture.
pub fn run_fixture(fixture: &BlockchainFixture) -> Outcome {
    if let Some(engine) = &fixture.seal_engine
        && engine != "NoProof"
    {
        return Outcome::Skipped(format!(
            "seal engine {engine} (proof-of-work seals are not verified)"
        ));
    }
    let Some(post_state) = &fixture.post_state else {
        return Outcome::Skipped("fixture has no postState (only a post-state hash)".into());
    };
    let chain_id = fixture.config.as_ref().map_or(1, |c| c.chainid.to::<u64>());
    let mut config = match ChainConfig::for_test_network(chain_id, &fixture.network) {
        Ok(config) => config,
        Err(e) => return Outcome::Skipped(e.to_string()),
    };
    if let Some(fixture_config) = &fixture.config {
        for (name, params) in &fixture_config.blob_schedule {
            let Ok(fork) = name.parse::<Hardfork>() else {
                return Outcome::Skipped(format!("blob schedule names unknown fork {name}"));
            };
            if params.base_fee_update_fraction.is_zero() || params.max < params.target {
                return Outcome::Skipped(format!("blob schedule entry {name} is unusable"));
            }
            let mut blob_params = BlobParams::cancun();
            blob_params.target_blob_count = params.target.to::<u64>();
            blob_params.max_blob_count = params.max.to::<u64>();
            blob_params.update_fraction = params.base_fee_update_fraction.to::<u128>();
            config.set_blob_params(fork, blob_params);
        }
    }
    match run_blocks(fixture, config, post_state) {
        Ok(()) => Outcome::Passed,
        Err(reason) => Outcome::Failed(reason),
    }
}

fn run_blocks(
    fixture: &BlockchainFixture,
    config: ChainConfig,
    post_state: &BTreeMap<Address, FixtureAccount>,
) -> Result<(), String> {
    let genesis = Block::decode(&mut fixture.genesis_rlp.as_ref())
        .map_err(|e| format!("genesis RLP: {e}"))?;
    if genesis.header.hash_slow() != fixture.genesis_block_header.hash {
        return Err("genesis RLP does not hash to genesisBlockHeader.hash".into());
    }
    let db = Database::in_memory().map_err(|e| e.to_string())?;
    write_genesis(&db, genesis.header, &alloc_changes(&fixture.pre), b"")
        .map_err(|e| format!("genesis: {e}"))?;
    let chain = Blockchain::new(db, config).map_err(|e| e.to_string())?;

    for (index, block) in fixture.blocks.iter().enumerate() {
        let result = chain.import_rlp(&block.rlp);
        match (&block.expect_exception, result) {
            (None, Ok(_)) => {}
            (None, Err(e)) => return Err(format!("block {index}: {e}")),
            (Some(expected), Ok(imported)) => {
                return Err(format!(
                    "block {index} ({}) was imported but must fail with {expected}",
                    imported.hash
                ));
            }
            (Some(expected), Err(e)) => {
                let reason = e.to_string();
                if !rejected_for_expected_reason(expected, &reason) {
                    return Err(format!(
                        "block {index} was rejected, but not for {expected}: {reason}"
                    ));
                }
            }
        }
    }
    let head = chain.head().map_err(|e| e.to_string())?.hash_slow();
    if head != fixture.lastblockhash {
        return Err(format!("head is {head}, expected {}", fixture.lastblockhash));
    }
    compare_post_state(chain.db(), post_state)
}

/// Phrases our errors use for the exceptions execution-spec-tests names. An expectation may
/// list alternatives (`A|B`); any one matching is enough. Exceptions not listed here accept
/// any rejection.
const EXPECTED_REASONS: &[(&str, &[&str])] = &[
    ("INVALID_REQUESTS", &["requests hash"]),
    ("INVALID_GASLIMIT", &["gas limit"]),
    ("INCORRECT_EXCESS_BLOB_GAS", &["excess blob gas"]),
    ("TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH", &["blob version"]),
    ("INVALID_DEPOSIT_EVENT_LAYOUT", &["deposit event"]),
    ("SENDER_NOT_EOA", &["deployed code"]),
    ("NONCE_MISMATCH_TOO_LOW", &["nonce"]),
    ("NONCE_MISMATCH_TOO_HIGH", &["nonce"]),
    ("GAS_ALLOWANCE_EXCEEDED", &["gas left in the block"]),
    ("INSUFFICIENT_ACCOUNT_FUNDS", &["lack of funds"]),
    ("INVALID_WITHDRAWALS_ROOT", &["withdrawals root"]),
    ("GAS_LIMIT_EXCEEDS_MAXIMUM", &["gas limit"]),
    ("INSUFFICIENT_MAX_FEE_PER_BLOB_GAS", &["blob gas"]),
    ("TYPE_3_TX_BLOB_COUNT_EXCEEDED", &["blob"]),
    ("TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED", &["blob gas"]),
    ("TYPE_3_TX_ZERO_BLOBS", &["empty blobs"]),
    ("SYSTEM_CONTRACT_CALL_FAILED", &["system call"]),
    ("SYSTEM_CONTRACT_EMPTY", &["has no code"]),
    ("RLP_STRUCTURES_ENCODING", &["decode"]),
    ("TYPE_3_TX_CONTRACT_CREATION", &["decode"]),
    ("TYPE_4_TX_CONTRACT_CREATION", &["decode"]),
    ("INCORRECT_BLOCK_FORMAT", &["decode", "must be"]),
];

fn rejected_for_expected_reason(expected: &str, reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    expected.split('|').any(|alternative| {
        let name = alternative.rsplit('.').next().unwrap_or(alternative);
        match EXPECTED_REASONS.iter().find(|(known, _)| *known == name) {
            Some((_, phrases)) => phrases.iter().any(|phrase| reason.contains(phrase)),
            None => true,
        }
    })
}

fn alloc_changes(pre: &BTreeMap<Address, FixtureAccount>) -> StateChanges {
    let mut changes = StateChanges::default();
    for (address, account) in pre {
        let code_hash =
            if account.code.is_empty() { KECCAK256_EMPTY } else { keccak256(&account.code) };
        if !account.code.is_empty() {
            changes.code.push((code_hash, account.code.clone()));
        }
        changes.accounts.push((
            *address,
            Some(Account { nonce: account.nonce.to::<u64>(), balance: account.balance, code_hash }),
        ));
        let slots: Vec<(U256, U256)> =
            account.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (*k, *v)).collect();
        if !slots.is_empty() {
            changes.storage.push(StorageChanges { address: *address, wiped: false, slots });
        }
    }
    changes
}

/// The stored head state must equal `expected` exactly: no missing or extra accounts.
fn compare_post_state(
    db: &Database,
    expected: &BTreeMap<Address, FixtureAccount>,
) -> Result<(), String> {
    let view = db.read().map_err(|e| e.to_string())?;
    let accounts = view.all_accounts().map_err(|e| e.to_string())?;
    let mut actual: BTreeMap<Address, FixtureAccount> = BTreeMap::new();
    for (address, account) in accounts {
        let code = if account.code_hash == KECCAK256_EMPTY {
            Default::default()
        } else {
            view.code(account.code_hash).map_err(|e| e.to_string())?.unwrap_or_default()
        };
        let storage = view.storage_slots(address).map_err(|e| e.to_string())?.into_iter().collect();
        actual.insert(
            address,
            FixtureAccount {
                nonce: alloy_primitives::U64::from(account.nonce),
                balance: account.balance,
                code,
                storage,
            },
        );
    }
    for (address, want) in expected {
        let want = FixtureAccount {
            storage: want
                .storage
                .iter()
                .filter(|(_, v)| !v.is_zero())
                .map(|(k, v)| (*k, *v))
                .collect(),
            ..want.clone()
        };
        match actual.remove(address) {
            None => return Err(format!("post-state: account {address} is missing")),
            Some(got) if got != want => {
                return Err(format!(
                    "post-state: account {address} differs: expected {want:?}, got {got:?}"
                ));
            }
            Some(_) => {}
        }
    }
    if let Some((address, _)) = actual.into_iter().next() {
        return Err(format!("post-state: unexpected extra account {address}"));
    }
    let _ = B256::ZERO;
    Ok(())
}
