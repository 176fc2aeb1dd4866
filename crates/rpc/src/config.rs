//! `eth_config` (EIP-7910): the current, next and last fork's rules as clients need them to
//! check they agree with the node: activation time, blob schedule, fork id (EIP-2124/6122),
//! precompiles and system contracts.

use crate::{
    RpcContext,
    error::{OrInternal, RpcResult, server_error},
    sync_method,
};
use alloy_eips::eip7840::BlobParams;
use alloy_eips::{
    eip2124::ForkHash,
    eip7910::{EthConfig, EthForkConfig, SystemContract},
};
use alloy_primitives::{Address, Bytes, address};
use basalt_primitives::{ChainConfig, Hardfork, chain_config::ForkCondition};
use jsonrpsee::RpcModule;
use std::collections::BTreeMap;

/// Precompiles with the fork that introduced them and their EIP-7910 names.
const PRECOMPILES: &[(Hardfork, &str, Address)] = &[
    (Hardfork::Frontier, "ECREC", address!("0x0000000000000000000000000000000000000001")),
    (Hardfork::Frontier, "SHA256", address!("0x0000000000000000000000000000000000000002")),
    (Hardfork::Frontier, "RIPEMD160", address!("0x0000000000000000000000000000000000000003")),
    (Hardfork::Frontier, "ID", address!("0x0000000000000000000000000000000000000004")),
    (Hardfork::Byzantium, "MODEXP", address!("0x0000000000000000000000000000000000000005")),
    (Hardfork::Byzantium, "BN254_ADD", address!("0x0000000000000000000000000000000000000006")),
    (Hardfork::Byzantium, "BN254_MUL", address!("0x0000000000000000000000000000000000000007")),
    (Hardfork::Byzantium, "BN254_PAIRING", address!("0x0000000000000000000000000000000000000008")),
    (Hardfork::Istanbul, "BLAKE2F", address!("0x0000000000000000000000000000000000000009")),
    (
        Hardfork::Cancun,
        "KZG_POINT_EVALUATION",
        address!("0x000000000000000000000000000000000000000a"),
    ),
    (Hardfork::Prague, "BLS12_G1ADD", address!("0x000000000000000000000000000000000000000b")),
    (Hardfork::Prague, "BLS12_G1MSM", address!("0x000000000000000000000000000000000000000c")),
    (Hardfork::Prague, "BLS12_G2ADD", address!("0x000000000000000000000000000000000000000d")),
    (Hardfork::Prague, "BLS12_G2MSM", address!("0x000000000000000000000000000000000000000e")),
    (
        Hardfork::Prague,
        "BLS12_PAIRING_CHECK",
        address!("0x000000000000000000000000000000000000000f"),
    ),
    (
        Hardfork::Prague,
        "BLS12_MAP_FP_TO_G1",
        address!("0x0000000000000000000000000000000000000010"),
    ),
    (
        Hardfork::Prague,
        "BLS12_MAP_FP2_TO_G2",
        address!("0x0000000000000000000000000000000000000011"),
    ),
    (Hardfork::Osaka, "P256VERIFY", address!("0x0000000000000000000000000000000000000100")),
];

pub fn register(module: &mut RpcModule<RpcContext>) {
    sync_method(module, "eth_config", |ctx, _| ctx.eth_config());
}

impl RpcContext {
    fn eth_config(&self) -> RpcResult<EthConfig> {
        let config = self.node.chain().config();
        let head = self.node.chain().head().or_internal()?;
        let genesis_header = self
            .view()?
            .header_by_number(0)
            .or_internal()?
            .ok_or_else(|| server_error("no genesis"))?;
        let genesis = genesis_header.hash_slow();
        let current = config.fork_at(head.number, head.timestamp);
        if current < Hardfork::Cancun {
            return Err(server_error(format!(
                "eth_config describes Cancun and later forks; this chain is at {current}"
            )));
        }
        // Timestamp forks that change rules, in order (several may share a timestamp).
        let scheduled: Vec<(Hardfork, u64)> = Hardfork::ALL
            .into_iter()
            .filter(|fork| *fork >= Hardfork::Cancun)
            .filter_map(|fork| match config.activation(fork)? {
                ForkCondition::Timestamp(t) => Some((fork, t)),
                ForkCondition::Block(_) => None,
            })
            .collect();
        let fork_config =
            |fork: Hardfork| fork_config(config, fork, genesis, genesis_header.timestamp);
        let next = scheduled
            .iter()
            .find(|(fork, t)| *fork > current && *t > head.timestamp)
            .map(|(fork, _)| fork_config(*fork));
        let last =
            scheduled.last().filter(|(fork, _)| *fork > current).map(|(f, _)| fork_config(*f));
        Ok(EthConfig { current: fork_config(current), next, last })
    }
}

fn fork_config(
    config: &ChainConfig,
    fork: Hardfork,
    genesis: alloy_primitives::B256,
    genesis_timestamp: u64,
) -> EthForkConfig {
    let activation_time = match config.activation(fork) {
        Some(ForkCondition::Timestamp(t)) => t,
        _ => 0,
    };
    let mut precompiles = BTreeMap::new();
    for (introduced, name, address) in PRECOMPILES {
        if fork >= *introduced {
            precompiles.insert((*name).to_string(), *address);
        }
    }
    let mut system_contracts = BTreeMap::new();
    system_contracts.extend(SystemContract::cancun());
    if fork >= Hardfork::Prague {
        system_contracts.extend(SystemContract::prague(Some(config.deposit_contract)));
    }
    EthForkConfig {
        activation_time,
        blob_schedule: config.blob_params(fork).unwrap_or_else(BlobParams::cancun),
        chain_id: config.chain_id,
        fork_id: Bytes::copy_from_slice(&fork_hash(config, fork, genesis, genesis_timestamp).0),
        precompiles,
        system_contracts,
    }
}

/// EIP-2124 fork hash: CRC32 of the genesis hash, then of every distinct activation block
/// number and timestamp (after genesis) up to and including `fork`'s.
fn fork_hash(
    config: &ChainConfig,
    fork: Hardfork,
    genesis: alloy_primitives::B256,
    genesis_timestamp: u64,
) -> ForkHash {
    let mut hash = ForkHash::from(genesis);
    let mut blocks = Vec::new();
    let mut times = Vec::new();
    for f in Hardfork::ALL.into_iter().filter(|f| *f <= fork) {
        match config.activation(f) {
            Some(ForkCondition::Block(n)) if n > 0 => blocks.push(n),
            Some(ForkCondition::Timestamp(t)) if t > genesis_timestamp => times.push(t),
            _ => {}
        }
    }
    blocks.dedup();
    times.dedup();
    for point in blocks.into_iter().chain(times) {
        hash += point;
    }
    hash
}
