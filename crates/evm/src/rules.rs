//! Which chain's rules an EVM runs: Ethereum's (per fork, from the chain configuration) or the
//! L2's, which add privileged transactions, the L2 bridge's address rule and the L2 fee rules
//! (docs/l2-fees.md) on top of the fork's. Carried in the revm context's chain slot, so every
//! phase of [`crate::handler`] sees it.

use alloy_primitives::Address;
use basalt_primitives::{ChainConfig, FeeConfig, RollupConfig, fee_config::MIN_L1_BLOB_BASE_FEE};

/// The rules of the chain an EVM runs for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ChainRules {
    /// Ethereum's rules of the fork (the dev L1, imported chains).
    #[default]
    L1,
    /// The rollup's rules.
    L2(L2Rules),
}

/// What the L2 rules need to know about the rollup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L2Rules {
    /// The L2 bridge (RIP-7875 token bridge address).
    pub bridge: Address,
    /// Whether a signed transaction from `bridge` is invalid: true for blocks (only queued
    /// transactions may come from the bridge), false for calls (`eth_call` may act as any
    /// address, as on any node).
    pub refuse_signed_from_bridge: bool,
    /// The fee parameters of the block (vaults, operator fee, L1 blob base fee, scalar).
    pub fees: FeeConfig,
    /// The base fee L1 data gas is priced at when it is not the block environment's: a call
    /// that offers no fee runs at base fee 0 (as geth's do), yet its L1 data gas is the one a
    /// transaction would be charged. `None`: the block environment's base fee.
    pub l1_gas_base_fee: Option<u64>,
}

/// The fee config of an L2 block whose own is not known (an L2 block imported without it): the
/// chain's settings at the minimum L1 blob base fee (docs/l2-fees.md).
pub fn default_fee_config(rollup: &RollupConfig) -> FeeConfig {
    FeeConfig::new(&rollup.fees, MIN_L1_BLOB_BASE_FEE)
}

impl ChainRules {
    /// The rules blocks of `config`'s chain run under: L2 when it has a rollup section, with
    /// the block's fee config `fees` (None: [`default_fee_config`]).
    pub fn of(config: &ChainConfig, fees: Option<&FeeConfig>) -> Self {
        match &config.rollup {
            Some(rollup) => Self::L2(L2Rules {
                bridge: rollup.bridge,
                refuse_signed_from_bridge: true,
                fees: fees.copied().unwrap_or_else(|| default_fee_config(rollup)),
                l1_gas_base_fee: None,
            }),
            None => Self::L1,
        }
    }

    /// The rules calls and simulations (`eth_call`, `eth_estimateGas`,
    /// `eth_createAccessList`, `eth_simulateV1`) run under: a block's, except that the caller
    /// may be any address, the bridge included.
    pub fn for_calls(config: &ChainConfig, fees: Option<&FeeConfig>) -> Self {
        match Self::of(config, fees) {
            Self::L2(rules) => Self::L2(L2Rules { refuse_signed_from_bridge: false, ..rules }),
            Self::L1 => Self::L1,
        }
    }

    /// True under L2 rules.
    pub fn is_l2(&self) -> bool {
        matches!(self, Self::L2(_))
    }

    /// The L2 rules, if these are.
    pub fn l2(&self) -> Option<&L2Rules> {
        match self {
            Self::L2(rules) => Some(rules),
            Self::L1 => None,
        }
    }
}
