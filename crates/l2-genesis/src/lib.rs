//! The L2 genesis: a geth-format `genesis.json` for the rollup's chain, and its state root and
//! block hash as the engine computes them, so that `basalt deploy` can start the OnChainProposer
//! from the same root the L2 node starts from.
//!
//! Owns: the genesis config of an L2 (chain id, every fork up to [`L2_FORK`] active at block 0,
//! the deployment's L2 block gas limit) and its alloc, which is the Ethereum system contracts the
//! active forks call (EIP-4788, EIP-2935, EIP-7002, EIP-7251, as in the dev L1's genesis) plus the
//! rollup's accounts ([`basalt_contracts::l2_genesis::accounts`]: L2 bridge at the RIP-7875
//! address, L2 messenger, predeploys). No account has ether: L2 ether only comes through deposits.
//! Must not: compute roots its own way (the chain's genesis code does, on a scratch database).

use alloy_primitives::{Address, B256, U256};
use basalt_chain::{ImportError, dev::DevGenesis, genesis::init_from_spec};
use basalt_contracts::{DeployConfig, l2_genesis as rollup, predeploys::PredeployError};
use basalt_primitives::{GenesisError, GenesisSpec, Hardfork};
use basalt_storage::{Database, StorageError};
use serde_json::Value;

/// The newest fork the L2 genesis activates at block 0 (with every fork before it): the newest
/// one the engine has default parameters for. BPO3-BPO5 have no default blob schedule, and BPO
/// forks only change blob parameters, which an L2 without blob transactions does not use.
pub const L2_FORK: Hardfork = Hardfork::Bpo2;

/// Base fee of the genesis block (wei): EIP-1559's initial 1 gwei, as geth and the dev L1 use.
pub const DEFAULT_GENESIS_BASE_FEE: u64 = 1_000_000_000;

/// What the L2 genesis depends on besides the contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L2GenesisConfig {
    /// `config.chainId`: the L2 chain id.
    pub chain_id: u64,
    /// Gas limit of block 0: the deployment's L2 block gas limit.
    pub gas_limit: u64,
    /// Timestamp of block 0 (seconds). Part of the block hash, not of the state root.
    pub timestamp: u64,
    /// Base fee of block 0 (wei).
    pub base_fee: u64,
}

impl L2GenesisConfig {
    /// A genesis for `chain_id` with `gas_limit`, at `timestamp`, with the default base fee.
    pub fn new(chain_id: u64, gas_limit: u64, timestamp: u64) -> Self {
        Self { chain_id, gas_limit, timestamp, base_fee: DEFAULT_GENESIS_BASE_FEE }
    }

    /// The genesis of the L2 a deployment describes: its L2 chain id and L2 block gas limit.
    pub fn for_deployment(deploy: &DeployConfig, timestamp: u64) -> Self {
        Self::new(deploy.l2_chain_id, deploy.l2_block_gas_limit, timestamp)
    }
}

/// Builds the L2 genesis of `deploy` (at `timestamp`) and attaches it, so that deploying
/// initialises the OnChainProposer with its state root and writes it next to the deployment file.
/// What `basalt deploy` does; `basalt dev` and `basalt sequencer` share it.
///
/// # Errors
/// As [`build`].
pub fn attach_to(deploy: &mut DeployConfig, timestamp: u64) -> Result<GenesisSpec, L2GenesisError> {
    let genesis = build(&L2GenesisConfig::for_deployment(deploy, timestamp))?;
    deploy.l2_genesis = Some(genesis.file);
    Ok(genesis.spec)
}

/// Why no L2 genesis could be built.
#[derive(Debug, thiserror::Error)]
pub enum L2GenesisError {
    /// The configuration cannot make a chain.
    #[error("invalid L2 genesis configuration: {0}")]
    InvalidConfig(&'static str),
    /// A predeploy's recorded code is damaged.
    #[error(transparent)]
    Predeploy(#[from] PredeployError),
    /// A rollup account would replace an Ethereum system contract.
    #[error("L2 genesis account {0} is both an Ethereum system contract and a rollup account")]
    Collision(Address),
    /// The engine refused the generated file (a bug: the file is ours).
    #[error("the engine refuses the generated L2 genesis: {0}")]
    Genesis(#[from] GenesisError),
    /// Computing the genesis block failed.
    #[error("cannot compute the L2 genesis block: {0}")]
    Import(#[from] ImportError),
    /// The scratch database failed.
    #[error("cannot compute the L2 genesis state root: {0}")]
    Storage(#[from] StorageError),
    /// JSON handling failed (a bug: the text is ours).
    #[error("L2 genesis JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A built L2 genesis: the file, the engine's reading of it, and block 0's roots.
#[derive(Debug, Clone)]
pub struct L2Genesis {
    /// The genesis file (pretty-printed geth-format JSON) with its state root and block hash.
    pub file: rollup::L2Genesis,
    /// The file as the engine parsed it.
    pub spec: GenesisSpec,
}

/// The L2 genesis file for `config`, as geth-format JSON text (deterministic: the same config
/// gives the same bytes).
///
/// # Errors
/// [`L2GenesisError::InvalidConfig`] for chain id 0 or gas limit 0; [`L2GenesisError::Predeploy`]
/// when recorded code is damaged; [`L2GenesisError::Collision`] if a rollup account sat on a
/// system contract's address.
pub fn genesis_json(config: &L2GenesisConfig) -> Result<String, L2GenesisError> {
    if config.chain_id == 0 {
        return Err(L2GenesisError::InvalidConfig("the L2 chain id must not be 0"));
    }
    if config.gas_limit == 0 {
        return Err(L2GenesisError::InvalidConfig("the L2 block gas limit must not be 0"));
    }
    // The dev L1's genesis writer already produces every fork key, the blob schedule and the
    // Ethereum system contracts; the L2 differs in having no funded accounts and the rollup's.
    let base = DevGenesis {
        chain_id: config.chain_id,
        fork: L2_FORK,
        gas_limit: config.gas_limit,
        base_fee: config.base_fee,
        timestamp: config.timestamp,
        accounts: &[],
        balance: U256::ZERO,
    }
    .to_json();
    let mut genesis: Value = serde_json::from_str(&base)?;
    // The section that makes the engine run the L2 rules (`ChainConfig::rollup`).
    genesis
        .get_mut("config")
        .and_then(Value::as_object_mut)
        .ok_or(L2GenesisError::InvalidConfig("the base genesis has no config"))?
        .insert(
            "basalt".into(),
            serde_json::json!({ "bridge": basalt_contracts::formats::L2_BRIDGE }),
        );
    let alloc = genesis
        .get_mut("alloc")
        .and_then(Value::as_object_mut)
        .ok_or(L2GenesisError::InvalidConfig("the base genesis has no alloc"))?;
    let taken: Vec<Address> = alloc.keys().filter_map(|k| k.parse().ok()).collect();
    for (key, account) in rollup::alloc_json()? {
        let address: Address = key
            .parse()
            .map_err(|_| L2GenesisError::InvalidConfig("a rollup alloc key is not an address"))?;
        if taken.contains(&address) {
            return Err(L2GenesisError::Collision(address));
        }
        alloc.insert(key, account);
    }
    Ok(serde_json::to_string_pretty(&genesis)? + "\n")
}

/// Builds the L2 genesis for `config` and computes block 0 with the chain's genesis code on a
/// scratch in-memory database: state root and block hash are what an L2 node started from this
/// file computes.
///
/// # Errors
/// As [`genesis_json`], plus engine errors (which would be bugs: the file is generated).
pub fn build(config: &L2GenesisConfig) -> Result<L2Genesis, L2GenesisError> {
    let json = genesis_json(config)?;
    let (spec, state_root, block_hash) = block_zero(&json)?;
    Ok(L2Genesis { file: rollup::L2Genesis { json, state_root, block_hash }, spec })
}

/// Block 0's state root and hash of a genesis file already written (e.g. `l2-genesis.json`).
///
/// # Errors
/// [`L2GenesisError::Genesis`] when the engine refuses the file.
pub fn roots_of(json: &str) -> Result<(B256, B256), L2GenesisError> {
    let (_, state_root, block_hash) = block_zero(json)?;
    Ok((state_root, block_hash))
}

/// Parses `json` and writes it as block 0 of a scratch database, as a node does at start.
fn block_zero(json: &str) -> Result<(GenesisSpec, B256, B256), L2GenesisError> {
    let spec = GenesisSpec::from_json(json)?;
    let db = Database::in_memory()?;
    let block_hash = init_from_spec(&db, &spec, json.as_bytes())?;
    let header = db.read()?.head_header()?.ok_or(L2GenesisError::InvalidConfig("no block 0"))?;
    Ok((spec, header.state_root, block_hash))
}

#[cfg(test)]
mod tests;
