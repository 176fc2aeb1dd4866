//! Which chain's rules an EVM runs: Ethereum's (per fork, from the chain configuration) or the
//! L2's, which add privileged transactions and the L2 bridge's address rule on top of the
//! fork's. Carried in the revm context's chain slot, so every phase of [`crate::handler`] sees
//! it.

use alloy_primitives::Address;
use basalt_primitives::ChainConfig;

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
}

impl ChainRules {
    /// The rules blocks of `config`'s chain run under: L2 when it has a rollup section.
    pub fn of(config: &ChainConfig) -> Self {
        match &config.rollup {
            Some(rollup) => {
                Self::L2(L2Rules { bridge: rollup.bridge, refuse_signed_from_bridge: true })
            }
            None => Self::L1,
        }
    }

    /// The rules calls and simulations (`eth_call`, `eth_estimateGas`,
    /// `eth_createAccessList`, `eth_simulateV1`) run under: a block's, except that the caller
    /// may be any address, the bridge included.
    pub fn for_calls(config: &ChainConfig) -> Self {
        match Self::of(config) {
            Self::L2(rules) => Self::L2(L2Rules { refuse_signed_from_bridge: false, ..rules }),
            Self::L1 => Self::L1,
        }
    }

    /// True under L2 rules.
    pub fn is_l2(&self) -> bool {
        matches!(self, Self::L2(_))
    }
}
