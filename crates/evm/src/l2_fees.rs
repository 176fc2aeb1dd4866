//! Who receives what an ordinary L2 transaction pays (docs/l2-fees.md): the split of
//! `effective gas price × gas used` between the L1-fee vault, the base-fee vault (or the burn),
//! the operator vault and the block's coinbase. Pure arithmetic in 256 bits, saturating: the
//! parts never add up to more than the sender paid.

use alloy_primitives::U256;

/// The parts of an ordinary L2 transaction's fee, in wei; they add up to `price × gas_used`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeeSplit {
    /// `base fee × min(L1 data gas, gas used)`, to the L1-fee vault.
    pub l1_fee: U256,
    /// `(base fee − operator fee) × (gas used − L1 data gas)`: the EIP-1559 market part, to the
    /// base-fee vault, or burned without one.
    pub base_fee: U256,
    /// `operator fee × (gas used − L1 data gas)`, to the operator vault.
    pub operator_fee: U256,
    /// The tip, `(price − base fee) × gas used`, to the coinbase.
    pub priority_fee: U256,
}

/// Splits what a transaction paid: `price` (its effective gas price, wei per gas) times
/// `gas_used`, of which `l1_gas` is L1 data gas, in a block whose `base_fee` holds an operator
/// fee of `operator_fee_per_gas`. A price below the base fee (only in calls that offer no fee)
/// pays the L1 data gas first, then the operator, then the market part, and never more than
/// it paid; L1 data gas above the gas used counts as the gas used.
pub fn split_fee(
    price: u128,
    gas_used: u64,
    l1_gas: u64,
    base_fee: u64,
    operator_fee_per_gas: u128,
) -> FeeSplit {
    let base_price = u128::from(base_fee).min(price);
    let operator_price = operator_fee_per_gas.min(base_price);
    let market_price = base_price - operator_price;
    let priority_price = price - base_price;
    let l1_gas = l1_gas.min(gas_used);
    let rest = U256::from(gas_used - l1_gas);
    FeeSplit {
        l1_fee: U256::from(base_price) * U256::from(l1_gas),
        base_fee: U256::from(market_price) * rest,
        operator_fee: U256::from(operator_price) * rest,
        priority_fee: U256::from(priority_price) * U256::from(gas_used),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(split: &FeeSplit) -> U256 {
        split.l1_fee + split.base_fee + split.operator_fee + split.priority_fee
    }

    #[test]
    fn parts_are_exact_and_add_up_to_what_was_paid() {
        // Base fee 13 = market 10 + operator 3, tip 2: price 15; 30,000 gas of which 1,234 L1
        // data gas.
        let split = split_fee(15, 30_000, 1_234, 13, 3);
        assert_eq!(split.l1_fee, U256::from(13 * 1_234));
        assert_eq!(split.base_fee, U256::from(10 * (30_000 - 1_234)));
        assert_eq!(split.operator_fee, U256::from(3 * (30_000 - 1_234)));
        assert_eq!(split.priority_fee, U256::from(2 * 30_000));
        assert_eq!(total(&split), U256::from(15 * 30_000));
    }

    #[test]
    fn no_operator_fee_and_no_tip() {
        let split = split_fee(10, 21_100, 100, 10, 0);
        assert_eq!(split.operator_fee, U256::ZERO);
        assert_eq!(split.priority_fee, U256::ZERO);
        assert_eq!(split.l1_fee, U256::from(1_000));
        assert_eq!(total(&split), U256::from(211_000));
    }

    #[test]
    fn zero_base_fee_pays_only_the_tip() {
        let split = split_fee(5, 21_500, 500, 0, 0);
        assert_eq!(split.l1_fee, U256::ZERO);
        assert_eq!(split.base_fee, U256::ZERO);
        assert_eq!(split.operator_fee, U256::ZERO);
        assert_eq!(split.priority_fee, U256::from(5 * 21_500));
    }

    #[test]
    fn a_price_below_the_base_fee_never_pays_out_more_than_it_paid() {
        // A free call: nothing to anyone.
        assert_eq!(split_fee(0, 50_000, 1_000, 10, 7), FeeSplit::default());
        // Price 2 at base fee 10 (operator 3): the operator's share is capped at the price.
        let split = split_fee(2, 100, 10, 10, 3);
        assert_eq!(split.operator_fee, U256::from(2 * 90));
        assert_eq!(split.base_fee, U256::ZERO);
        assert_eq!(split.priority_fee, U256::ZERO);
        assert_eq!(total(&split), U256::from(200));
        // L1 data gas above gas used is capped at the gas used.
        let split = split_fee(10, 100, 500, 10, 0);
        assert_eq!(split.l1_fee, U256::from(1_000));
        assert_eq!(split.base_fee, U256::ZERO);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let split = split_fee(u128::MAX, u64::MAX, u64::MAX, u64::MAX, u128::MAX);
        assert_eq!(total(&split), U256::from(u128::MAX) * U256::from(u64::MAX));
    }
}
