//! The fees of a block and of the block after it, in one place: the EIP-1559 base fee under the
//! chain's [`BaseFeeParams`], the EIP-4844 excess blob gas (with the EIP-7918 reserve price from
//! Osaka) and the blob base fee. Header validation, block building, the pool's admission rules
//! and the fee RPC methods all read these, so they cannot disagree. Pure arithmetic on header
//! fields, checked throughout: headers come from outside.

use crate::{chain_config::ChainConfig, hardfork::Hardfork};
use alloy_consensus::Header;
use alloy_eips::{
    eip1559::{BaseFeeParams, INITIAL_BASE_FEE},
    eip4844::DATA_GAS_PER_BLOB,
    eip7840::BlobParams,
};

/// The fee fields of a block, derived from its parent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockFees {
    /// EIP-1559 base fee in wei per gas; None before London.
    pub base_fee_per_gas: Option<u64>,
    /// EIP-4844 excess blob gas; None before Cancun.
    pub excess_blob_gas: Option<u64>,
    /// Blob base fee in wei per blob gas that `excess_blob_gas` implies; None before Cancun.
    pub blob_base_fee: Option<u128>,
}

/// The parent's base fee is so high that the next one does not fit in 64 bits: no valid block
/// can follow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the base fee after {parent_base_fee} wei overflows 64 bits")]
pub struct BaseFeeOverflow {
    pub parent_base_fee: u64,
}

impl ChainConfig {
    /// The fees of the child of `parent` with timestamp `timestamp` (which with the child's
    /// number picks its fork). At the London transition the base fee starts at
    /// `INITIAL_BASE_FEE` (1 gwei); a chain that starts at Cancun or later starts with zero
    /// excess blob gas.
    pub fn next_block_fees(
        &self,
        parent: &Header,
        timestamp: u64,
    ) -> Result<BlockFees, BaseFeeOverflow> {
        let number = parent.number.saturating_add(1);
        let fork = self.fork_at(number, timestamp);
        let parent_fork = self.fork_at(parent.number, parent.timestamp);
        let base_fee_per_gas = match (fork >= Hardfork::London, parent_fork >= Hardfork::London) {
            (false, _) => None,
            (true, false) => Some(INITIAL_BASE_FEE.saturating_add(self.operator_fee_per_gas())),
            (true, true) => {
                Some(next_l2_base_fee(&self.base_fee_params, parent, self.operator_fee_per_gas())?)
            }
        };
        let blob_params = self.blob_params(fork);
        let excess_blob_gas = blob_params.map(|params| {
            next_excess_blob_gas(&params, fork, parent, parent_fork >= Hardfork::Cancun)
        });
        let blob_base_fee =
            blob_params.zip(excess_blob_gas).map(|(params, excess)| params.calc_blob_fee(excess));
        Ok(BlockFees { base_fee_per_gas, excess_blob_gas, blob_base_fee })
    }

    /// The L2's operator fee per gas in wei (docs/l2-fees.md), part of every L2 header's base
    /// fee; 0 on an L1. The genesis refuses one above 2^64 − 1.
    pub fn operator_fee_per_gas(&self) -> u64 {
        self.rollup
            .as_ref()
            .map_or(0, |rollup| u64::try_from(rollup.fees.operator_fee_per_gas).unwrap_or(u64::MAX))
    }

    /// The blob base fee `header`'s block charged (None before Cancun).
    pub fn blob_base_fee(&self, header: &Header) -> Option<u128> {
        let params = self.blob_params(self.fork_at(header.number, header.timestamp))?;
        Some(params.calc_blob_fee(header.excess_blob_gas?))
    }
}

/// EIP-1559 base fee of the child of `parent` (which must be a London block) under `params`.
/// A parent without a base fee counts as zero; a zero gas target (gas limit below the
/// elasticity multiplier) keeps the base fee.
pub fn next_base_fee(params: &BaseFeeParams, parent: &Header) -> Result<u64, BaseFeeOverflow> {
    let parent_base_fee = parent.base_fee_per_gas.unwrap_or_default();
    eip1559_step(params, parent_base_fee, parent.gas_limit, parent.gas_used)
        .ok_or(BaseFeeOverflow { parent_base_fee })
}

/// One EIP-1559 step from `base_fee` after a block of `gas_limit` that used `gas_used`; None
/// when the result does not fit 64 bits.
fn eip1559_step(
    params: &BaseFeeParams,
    base_fee: u64,
    gas_limit: u64,
    gas_used: u64,
) -> Option<u64> {
    let wide = u128::from(base_fee);
    let target = u128::from(gas_limit).checked_div(params.elasticity_multiplier).unwrap_or(0);
    let used = u128::from(gas_used);
    let divisor = target.saturating_mul(params.max_change_denominator);
    if divisor == 0 || used == target {
        return Some(base_fee);
    }
    // base_fee < 2^64 and gas < 2^64, so the products fit in 128 bits.
    let next = if used > target {
        let delta = (wide.saturating_mul(used - target) / divisor).max(1);
        wide.saturating_add(delta)
    } else {
        wide.saturating_sub(wide.saturating_mul(target - used) / divisor)
    };
    u64::try_from(next).ok()
}

/// Base fee of the child of `parent` on a chain whose header base fee is the EIP-1559 market
/// part plus a fixed operator fee `operator_fee` (docs/l2-fees.md): EIP-1559 moves the market
/// part `parent base fee − operator_fee` (0 if the parent's is lower), then the operator fee is
/// added back. With `operator_fee` 0 this is [`next_base_fee`], as on an L1.
pub fn next_l2_base_fee(
    params: &BaseFeeParams,
    parent: &Header,
    operator_fee: u64,
) -> Result<u64, BaseFeeOverflow> {
    let parent_base_fee = parent.base_fee_per_gas.unwrap_or_default();
    let market = parent_base_fee.saturating_sub(operator_fee);
    eip1559_step(params, market, parent.gas_limit, parent.gas_used)
        .and_then(|next| next.checked_add(operator_fee))
        .ok_or(BaseFeeOverflow { parent_base_fee })
}

/// Excess blob gas of the child of `parent` under `params` (EIP-4844; from Osaka, EIP-7918
/// lets the excess fall only while blob fees are above the reserve price tied to the base fee).
pub fn next_excess_blob_gas(
    params: &BlobParams,
    fork: Hardfork,
    parent: &Header,
    parent_has_blobs: bool,
) -> u64 {
    if !parent_has_blobs {
        return 0;
    }
    let parent_excess = u128::from(parent.excess_blob_gas.unwrap_or_default());
    let parent_used = u128::from(parent.blob_gas_used.unwrap_or_default());
    let target = u128::from(params.target_blob_gas_per_block());
    let sum = parent_excess + parent_used;
    if sum < target {
        return 0;
    }
    if fork >= Hardfork::Osaka {
        let base_fee = u128::from(parent.base_fee_per_gas.unwrap_or_default());
        let reserve = u128::from(params.blob_base_cost).saturating_mul(base_fee);
        let blob_fee = params.calc_blob_fee(parent.excess_blob_gas.unwrap_or_default());
        if reserve > u128::from(DATA_GAS_PER_BLOB).saturating_mul(blob_fee) {
            let max = u128::from(params.max_blob_count);
            let target_count = u128::from(params.target_blob_count);
            let scaled = parent_used
                .saturating_mul(max.saturating_sub(target_count))
                .checked_div(max)
                .unwrap_or(0);
            return u64::try_from(parent_excess.saturating_add(scaled)).unwrap_or(u64::MAX);
        }
    }
    u64::try_from(sum - target).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parent(base_fee: u64, gas_limit: u64, gas_used: u64) -> Header {
        Header {
            number: 10,
            base_fee_per_gas: Some(base_fee),
            gas_limit,
            gas_used,
            ..Default::default()
        }
    }

    #[test]
    fn base_fee_follows_eip1559_and_alloy_on_ordinary_values() {
        let params = BaseFeeParams::ethereum();
        for (base_fee, limit, used) in [
            (1_000_000_000, 30_000_000, 15_000_000),
            (1_000_000_000, 30_000_000, 30_000_000),
            (1_000_000_000, 30_000_000, 0),
            (7, 30_000_000, 15_000_001),
            (875_000_000, 36_000_000, 1_234_567),
        ] {
            let ours = next_base_fee(&params, &parent(base_fee, limit, used)).unwrap();
            let alloy =
                alloy_eips::eip1559::calc_next_block_base_fee(used, limit, base_fee, params);
            assert_eq!(ours, alloy, "{base_fee} {limit} {used}");
        }
        // A full block raises the fee by 1/8, an empty one lowers it by 1/8.
        assert_eq!(next_base_fee(&params, &parent(800, 30_000_000, 30_000_000)), Ok(900));
        assert_eq!(next_base_fee(&params, &parent(800, 30_000_000, 0)), Ok(700));
    }

    #[test]
    fn other_chains_parameters_are_used() {
        // An OP-Stack-like chain: elasticity 6, denominator 250.
        let params = BaseFeeParams::new(250, 6);
        let full = next_base_fee(&params, &parent(1_000_000, 60_000_000, 60_000_000)).unwrap();
        assert_eq!(full, 1_000_000 + 1_000_000 * 50_000_000 / 10_000_000 / 250);
    }

    #[test]
    fn hostile_headers_do_not_panic() {
        let params = BaseFeeParams::ethereum();
        assert_eq!(
            next_base_fee(&params, &parent(u64::MAX, 30_000_000, 30_000_000)),
            Err(BaseFeeOverflow { parent_base_fee: u64::MAX })
        );
        // Gas limit below the elasticity multiplier: zero target, fee kept.
        assert_eq!(next_base_fee(&params, &parent(5, 1, 1)), Ok(5));
        assert_eq!(
            next_base_fee(&params, &parent(5, u64::MAX, u64::MAX)).map(|f| f >= 5),
            Ok(true)
        );
        let zero = BaseFeeParams::new(0, 0);
        assert_eq!(next_base_fee(&zero, &parent(5, 30_000_000, 0)), Ok(5));
    }

    #[test]
    fn operator_fee_rides_on_top_of_the_market_part() {
        let params = BaseFeeParams::ethereum();
        // Base fee 1,000 = market 800 + operator 200: a full block moves the market part by
        // 1/8 (800 -> 900), not the whole (which would give 1,125).
        assert_eq!(
            next_l2_base_fee(&params, &parent(1_000, 30_000_000, 30_000_000), 200),
            Ok(1_100)
        );
        assert_eq!(next_l2_base_fee(&params, &parent(1_000, 30_000_000, 0), 200), Ok(900));
        assert_eq!(
            next_l2_base_fee(&params, &parent(1_000, 30_000_000, 15_000_000), 200),
            Ok(1_000)
        );
        // Without an operator fee it is the L1 rule.
        for (base_fee, used) in [(1_000, 30_000_000), (7, 15_000_001), (1_000_000_000, 1)] {
            let header = parent(base_fee, 30_000_000, used);
            assert_eq!(next_l2_base_fee(&params, &header, 0), next_base_fee(&params, &header));
        }
        // A parent below the operator fee has a zero market part; an empty block keeps it 0
        // and the base fee never drops below the operator fee.
        assert_eq!(next_l2_base_fee(&params, &parent(50, 30_000_000, 0), 200), Ok(200));
        assert_eq!(next_l2_base_fee(&params, &parent(200, 30_000_000, 30_000_000), 200), Ok(201));
        // Overflow is an error, never a wrap.
        assert_eq!(
            next_l2_base_fee(&params, &parent(u64::MAX, 30_000_000, 30_000_000), 1),
            Err(BaseFeeOverflow { parent_base_fee: u64::MAX })
        );
        assert!(next_l2_base_fee(&params, &parent(10, 30_000_000, 30_000_000), u64::MAX).is_err());
    }

    #[test]
    fn london_transition_starts_at_the_initial_base_fee() {
        let mut config = ChainConfig::all_active_at_genesis(1, Hardfork::Berlin);
        config.schedule(Hardfork::London, crate::chain_config::ForkCondition::Block(11));
        let berlin_parent = Header { number: 10, gas_limit: 30_000_000, ..Default::default() };
        let fees = config.next_block_fees(&berlin_parent, 100).unwrap();
        assert_eq!(fees.base_fee_per_gas, Some(INITIAL_BASE_FEE));
        assert_eq!(fees.excess_blob_gas, None);
        assert_eq!(fees.blob_base_fee, None);
        let before = Header { number: 9, ..berlin_parent };
        assert_eq!(config.next_block_fees(&before, 100).unwrap().base_fee_per_gas, None);
    }

    #[test]
    fn blob_fees_of_the_next_block_and_of_a_block_agree() {
        let config = ChainConfig::all_active_at_genesis(1, Hardfork::Osaka);
        let params = config.blob_params(Hardfork::Osaka).unwrap();
        let parent = Header {
            number: 3,
            base_fee_per_gas: Some(1),
            gas_limit: 30_000_000,
            excess_blob_gas: Some(10 * DATA_GAS_PER_BLOB),
            blob_gas_used: Some(params.max_blob_gas_per_block()),
            ..Default::default()
        };
        let fees = config.next_block_fees(&parent, 12).unwrap();
        let excess = fees.excess_blob_gas.unwrap();
        assert_eq!(
            excess,
            10 * DATA_GAS_PER_BLOB + params.max_blob_gas_per_block()
                - params.target_blob_gas_per_block()
        );
        let child = Header { number: 4, timestamp: 12, excess_blob_gas: Some(excess), ..parent };
        assert_eq!(config.blob_base_fee(&child), fees.blob_base_fee);
    }
}
