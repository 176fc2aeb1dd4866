//! Which rules apply at a given (block number, timestamp): fork activations, the blob
//! schedule and the few per-chain constants execution needs. Holds no state.

use crate::hardfork::Hardfork;
use alloy_eips::{eip1559::BaseFeeParams, eip7840::BlobParams};
use alloy_primitives::{Address, address};
use std::collections::BTreeMap;

/// The beacon-chain deposit contract on mainnet; EIP-6110 deposit requests are read from its
/// logs unless a chain configures another address.
pub const MAINNET_DEPOSIT_CONTRACT: Address =
    address!("0x00000000219ab540356cBB839Cbe05303d7705Fa");

/// When a fork activates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForkCondition {
    Block(u64),
    Timestamp(u64),
}

impl ForkCondition {
    fn is_active(self, number: u64, timestamp: u64) -> bool {
        match self {
            Self::Block(at) => number >= at,
            Self::Timestamp(at) => timestamp >= at,
        }
    }
}

/// Per-chain rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainConfig {
    pub chain_id: u64,
    /// Activation of each scheduled fork; forks absent here never activate.
    forks: BTreeMap<Hardfork, ForkCondition>,
    /// Blob parameters by the fork that introduces them (Cancun, Prague, Osaka, BPOs).
    blob_schedule: BTreeMap<Hardfork, BlobParams>,
    pub deposit_contract: Address,
    /// EIP-1559 elasticity and change denominator (mainnet's 2 and 8 unless a chain sets
    /// others; an L2 may).
    pub base_fee_params: BaseFeeParams,
    /// Present on a Basalt L2 (the genesis config's `basalt` section): the chain runs the L2
    /// rules (privileged transactions, the bridge address rule) on top of its forks' rules.
    pub rollup: Option<RollupConfig>,
}

/// What makes a chain a Basalt L2, as its genesis config's `basalt` section says
/// (`{"bridge": "0x…01ff", "fees": {…}}`; docs/l2-fees.md for `fees`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupConfig {
    /// The L2 bridge: privileged deposits come from it; signed transactions may not.
    pub bridge: Address,
    /// Fee settings of ordinary transactions; absent = the defaults.
    #[serde(default)]
    pub fees: crate::fee_config::FeeSettings,
}

/// Error building a chain config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainConfigError {
    #[error("{later} is scheduled before {earlier}; forks must activate in order")]
    OutOfOrder { earlier: Hardfork, later: Hardfork },
    #[error("{0} activates by timestamp, not by block number")]
    WrongConditionKind(Hardfork),
    #[error("unknown network '{0}'")]
    UnknownNetwork(String),
}

impl ChainConfig {
    /// A chain with no forks scheduled (Frontier rules) and mainnet defaults.
    pub fn frontier(chain_id: u64) -> Self {
        let mut forks = BTreeMap::new();
        forks.insert(Hardfork::Frontier, ForkCondition::Block(0));
        Self {
            chain_id,
            forks,
            blob_schedule: default_blob_schedule(),
            deposit_contract: MAINNET_DEPOSIT_CONTRACT,
            base_fee_params: BaseFeeParams::ethereum(),
            rollup: None,
        }
    }

    /// Every fork up to and including `fork` active from genesis.
    pub fn all_active_at_genesis(chain_id: u64, fork: Hardfork) -> Self {
        let mut config = Self::frontier(chain_id);
        for f in Hardfork::ALL.into_iter().filter(|f| *f <= fork) {
            let condition = if f.is_timestamp_based() {
                ForkCondition::Timestamp(0)
            } else {
                ForkCondition::Block(0)
            };
            config.forks.insert(f, condition);
        }
        config
    }

    /// Schedules `fork`. Activation order and kinds are checked by [`ChainConfig::validate`].
    pub fn schedule(&mut self, fork: Hardfork, condition: ForkCondition) {
        self.forks.insert(fork, condition);
    }

    /// Overrides the blob parameters that `fork` introduces.
    pub fn set_blob_params(&mut self, fork: Hardfork, params: BlobParams) {
        self.blob_schedule.insert(fork, params);
    }

    /// Checks that forks activate in order and with the right kind of condition.
    pub fn validate(&self) -> Result<(), ChainConfigError> {
        let mut previous: Option<(Hardfork, ForkCondition)> = None;
        for (&fork, &condition) in &self.forks {
            if fork.is_timestamp_based() != matches!(condition, ForkCondition::Timestamp(_))
                && fork != Hardfork::Paris
            {
                return Err(ChainConfigError::WrongConditionKind(fork));
            }
            if let Some((earlier, earlier_condition)) = previous {
                let out_of_order = match (earlier_condition, condition) {
                    (ForkCondition::Block(a), ForkCondition::Block(b)) => b < a,
                    (ForkCondition::Timestamp(a), ForkCondition::Timestamp(b)) => b < a,
                    _ => false,
                };
                if out_of_order {
                    return Err(ChainConfigError::OutOfOrder { earlier, later: fork });
                }
            }
            previous = Some((fork, condition));
        }
        Ok(())
    }

    /// The newest fork in force for a block with this number and timestamp.
    pub fn fork_at(&self, number: u64, timestamp: u64) -> Hardfork {
        self.forks
            .iter()
            .rev()
            .find(|(_, condition)| condition.is_active(number, timestamp))
            .map(|(fork, _)| *fork)
            .unwrap_or(Hardfork::Frontier)
    }

    /// Whether `fork`'s rules are in force for this block.
    pub fn is_active(&self, fork: Hardfork, number: u64, timestamp: u64) -> bool {
        self.fork_at(number, timestamp) >= fork
    }

    /// The activation of `fork`, if scheduled.
    pub fn activation(&self, fork: Hardfork) -> Option<ForkCondition> {
        self.forks.get(&fork).copied()
    }

    /// Blob parameters in force under `fork` (None before Cancun).
    pub fn blob_params(&self, fork: Hardfork) -> Option<BlobParams> {
        if fork < Hardfork::Cancun {
            return None;
        }
        let mut params = self.blob_schedule.range(..=fork).next_back().map(|(_, p)| *p)?;
        if fork >= Hardfork::Osaka {
            // EIP-7594 caps blobs per transaction; EIP-7918 sets the blob base cost.
            params.max_blobs_per_tx =
                params.max_blob_count.min(alloy_eips::eip7594::MAX_BLOBS_PER_TX_FUSAKA);
            params.blob_base_cost = alloy_eips::eip7840::BLOB_BASE_COST;
        } else {
            params.max_blobs_per_tx = params.max_blob_count;
            params.blob_base_cost = 0;
        }
        Some(params)
    }

    /// The chain of an execution-spec-tests fixture: `network` is a fork name or a transition
    /// such as `CancunToPragueAtTime15k` or `BerlinToLondonAt5`.
    pub fn for_test_network(chain_id: u64, network: &str) -> Result<Self, ChainConfigError> {
        let unknown = || ChainConfigError::UnknownNetwork(network.to_string());
        if let Some((from, rest)) = network.split_once("To") {
            let from: Hardfork = from.parse().map_err(|_| unknown())?;
            let (to, condition) = if let Some((to, at)) = rest.split_once("AtTime") {
                let at = parse_test_activation(at).ok_or_else(unknown)?;
                (to, ForkCondition::Timestamp(at))
            } else if let Some((to, at)) = rest.split_once("At") {
                let at = parse_test_activation(at).ok_or_else(unknown)?;
                (to, ForkCondition::Block(at))
            } else {
                return Err(unknown());
            };
            let to: Hardfork = to.parse().map_err(|_| unknown())?;
            let mut config = Self::all_active_at_genesis(chain_id, from);
            for fork in Hardfork::ALL.into_iter().filter(|f| *f > from && *f <= to) {
                config.forks.insert(fork, condition);
            }
            return Ok(config);
        }
        let fork: Hardfork = network.parse().map_err(|_| unknown())?;
        Ok(Self::all_active_at_genesis(chain_id, fork))
    }
}

fn parse_test_activation(text: &str) -> Option<u64> {
    match text.strip_suffix('k') {
        Some(thousands) => thousands.parse::<u64>().ok()?.checked_mul(1000),
        None => text.parse().ok(),
    }
}

/// Mainnet's blob parameters per fork (EIP-4844, EIP-7691, EIP-7892).
pub fn default_blob_schedule() -> BTreeMap<Hardfork, BlobParams> {
    BTreeMap::from([
        (Hardfork::Cancun, BlobParams::cancun()),
        (Hardfork::Prague, BlobParams::prague()),
        (Hardfork::Osaka, BlobParams::osaka()),
        (Hardfork::Bpo1, BlobParams::bpo1()),
        (Hardfork::Bpo2, BlobParams::bpo2()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_network_switches_at_timestamp() {
        let config = ChainConfig::for_test_network(1, "CancunToPragueAtTime15k").unwrap();
        assert_eq!(config.fork_at(1, 14_999), Hardfork::Cancun);
        assert_eq!(config.fork_at(2, 15_000), Hardfork::Prague);
        let config = ChainConfig::for_test_network(1, "BerlinToLondonAt5").unwrap();
        assert_eq!(config.fork_at(4, 100), Hardfork::Berlin);
        assert_eq!(config.fork_at(5, 100), Hardfork::London);
        assert!(ChainConfig::for_test_network(1, "Atlantis").is_err());
    }

    #[test]
    fn blob_params_follow_schedule_and_osaka_caps_per_tx() {
        let config = ChainConfig::for_test_network(1, "OsakaToBPO1AtTime15k").unwrap();
        assert_eq!(config.blob_params(Hardfork::Prague).unwrap().max_blob_count, 9);
        let bpo1 = config.blob_params(config.fork_at(1, 15_000)).unwrap();
        assert_eq!(bpo1.max_blob_count, 15);
        assert_eq!(bpo1.max_blobs_per_tx, 6);
        assert!(config.blob_params(Hardfork::Shanghai).is_none());
    }

    #[test]
    fn out_of_order_forks_are_rejected() {
        let mut config = ChainConfig::all_active_at_genesis(1, Hardfork::Istanbul);
        config.schedule(Hardfork::Berlin, ForkCondition::Block(10));
        config.schedule(Hardfork::London, ForkCondition::Block(5));
        assert!(matches!(config.validate(), Err(ChainConfigError::OutOfOrder { .. })));
    }
}
