//! The genesis block: its header from a genesis spec, and writing block 0 with its state. A
//! database that already holds a chain keeps it only under the same genesis and the same
//! rules: a genesis file that differs in either is refused, never applied to the stored chain.

use crate::error::ImportError;
use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, Header};
use alloy_eips::{eip1559::INITIAL_BASE_FEE, eip7685::EMPTY_REQUESTS_HASH};
use alloy_primitives::{B64, B256};
use alloy_trie::EMPTY_ROOT_HASH;
use basalt_primitives::{
    Block, BlockBody, ChainConfig, ForkCondition, GenesisSpec, Hardfork, StateChanges,
};
use basalt_storage::{Database, StorageError};

/// The genesis header of `spec`, given the root of its initial state.
pub fn genesis_header(spec: &GenesisSpec, state_root: B256) -> Header {
    let g = &spec.genesis;
    let number = g.number.unwrap_or_default();
    let fork = spec.config.fork_at(number, g.timestamp);
    let is_cancun = fork >= Hardfork::Cancun;
    Header {
        parent_hash: g.parent_hash.unwrap_or_default(),
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: g.coinbase,
        state_root,
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        logs_bloom: Default::default(),
        difficulty: g.difficulty,
        number,
        gas_limit: g.gas_limit,
        gas_used: 0,
        timestamp: g.timestamp,
        extra_data: g.extra_data.clone(),
        mix_hash: g.mix_hash,
        nonce: B64::from(g.nonce),
        base_fee_per_gas: (fork >= Hardfork::London).then(|| {
            g.base_fee_per_gas
                .map_or(INITIAL_BASE_FEE, |fee| u64::try_from(fee).unwrap_or(u64::MAX))
        }),
        withdrawals_root: (fork >= Hardfork::Shanghai).then_some(EMPTY_ROOT_HASH),
        blob_gas_used: is_cancun.then(|| g.blob_gas_used.unwrap_or_default()),
        excess_blob_gas: is_cancun.then(|| g.excess_blob_gas.unwrap_or_default()),
        parent_beacon_block_root: is_cancun.then_some(B256::ZERO),
        requests_hash: (fork >= Hardfork::Prague).then_some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    }
}

/// Writes `header` as block 0 with the state `alloc`, in one transaction, unless the database
/// already holds a genesis (then it must be the same block). Returns the genesis hash.
/// `state_root: None` takes the computed root; `Some` must match it.
pub fn write_genesis(
    db: &Database,
    header: Header,
    alloc: &StateChanges,
    chain_json: &[u8],
) -> Result<B256, ImportError> {
    let hash = header.hash_slow();
    if let Some(stored) = db.read()?.genesis_hash()? {
        if stored != hash {
            return Err(ImportError::GenesisMismatch { stored, given: hash });
        }
        return Ok(hash);
    }
    let mut batch = db.write()?;
    let computed = batch.apply_state(EMPTY_ROOT_HASH, alloc)?;
    if computed != header.state_root {
        return Err(ImportError::GenesisStateRoot { expected: header.state_root, computed });
    }
    let withdrawals = header.withdrawals_root.map(|_| Default::default());
    let block =
        Block { header, body: BlockBody { transactions: vec![], ommers: vec![], withdrawals } };
    batch.insert_canonical_block(&block, hash, &[], &[])?;
    batch.set_genesis(hash, chain_json)?;
    batch.set_head(hash)?;
    batch.commit()?;
    Ok(hash)
}

/// Initialises `db` from a genesis file spec (computing the state root). Returns the hash. A
/// database that already holds a chain must have been created from the same genesis block
/// ([`ImportError::GenesisMismatch`]) and the same rules ([`ImportError::ChainRulesDiffer`]).
pub fn init_from_spec(
    db: &Database,
    spec: &GenesisSpec,
    chain_json: &[u8],
) -> Result<B256, ImportError> {
    let view = db.read()?;
    if let (Some(stored_json), Some(stored_hash)) = (view.chain_json()?, view.genesis_hash()?) {
        if stored_json == chain_json {
            // The very file the database was created from: same block, same rules, and no
            // need to hash its state again.
            return Ok(stored_hash);
        }
        let stored =
            GenesisSpec::from_json(&String::from_utf8_lossy(&stored_json)).map_err(|e| {
                StorageError::Corrupt { what: "stored chain configuration", reason: e.to_string() }
            })?;
        if let Some(difference) = rules_difference(&stored.config, &spec.config) {
            return Err(ImportError::ChainRulesDiffer { difference });
        }
    }
    drop(view);
    let alloc = spec.alloc_changes();
    // Computed on a scratch database: `db` may already hold a chain whose state is not empty.
    let state_root = Database::in_memory()?.read()?.state_root_after(EMPTY_ROOT_HASH, &alloc)?;
    write_genesis(db, genesis_header(spec, state_root), &alloc, chain_json)
}

/// The first rule in which `stored` and `given` differ, in words (None when they agree).
pub fn rules_difference(stored: &ChainConfig, given: &ChainConfig) -> Option<String> {
    if stored.chain_id != given.chain_id {
        return Some(format!("chain id {} stored, {} given", stored.chain_id, given.chain_id));
    }
    let activation = |condition: Option<ForkCondition>| match condition {
        None => "never".to_string(),
        Some(ForkCondition::Block(number)) => format!("at block {number}"),
        Some(ForkCondition::Timestamp(time)) => format!("at timestamp {time}"),
    };
    for fork in Hardfork::ALL {
        let (a, b) = (stored.activation(fork), given.activation(fork));
        if a != b {
            return Some(format!("{fork} {} stored, {} given", activation(a), activation(b)));
        }
        if stored.blob_params(fork) != given.blob_params(fork) {
            return Some(format!("blob parameters of {fork} differ"));
        }
    }
    if stored.deposit_contract != given.deposit_contract {
        return Some(format!(
            "deposit contract {} stored, {} given",
            stored.deposit_contract, given.deposit_contract
        ));
    }
    // Anything else the configuration holds.
    (stored != given).then(|| "the chain configurations differ".to_string())
}
