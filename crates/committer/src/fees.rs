//! Fees of a commit transaction: what to offer from the L1's current prices, and the bumps a
//! same-nonce replacement needs to be accepted by L1 pools (geth, reth and anvil take a
//! replacement only when both EIP-1559 fees rise by at least 10%, and geth's blob pool when the
//! blob fee at least doubles).

use alloy::{
    eips::BlockNumberOrTag,
    providers::Provider,
    transports::{RpcError, TransportErrorKind},
};

/// Priority fee offered when the L1 does not answer `eth_maxPriorityFeePerGas` (1 gwei).
pub const FALLBACK_PRIORITY_FEE: u128 = 1_000_000_000;

/// The fees of one commit transaction, in wei per gas (`max_fee_per_blob_gas` per blob gas).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommitFees {
    pub max_fee_per_gas: u128,
    pub max_priority_fee_per_gas: u128,
    /// Zero in validium mode (no blobs).
    pub max_fee_per_blob_gas: u128,
}

/// The L1's prices as read just before sending, in wei.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L1Prices {
    /// The latest block's base fee.
    pub base_fee: u128,
    /// `eth_maxPriorityFeePerGas` (or [`FALLBACK_PRIORITY_FEE`]).
    pub priority_fee: u128,
    /// `eth_blobBaseFee`.
    pub blob_base_fee: u128,
}

impl CommitFees {
    /// Fees that stay valid through a few blocks of rising prices: twice the base fee plus the
    /// tip (as alloy's and ethers' estimators do), and twice the blob base fee (at least 1 wei).
    pub fn from_prices(prices: L1Prices, blobs: bool) -> Self {
        let priority = prices.priority_fee;
        Self {
            max_fee_per_gas: prices.base_fee.saturating_mul(2).saturating_add(priority),
            max_priority_fee_per_gas: priority,
            max_fee_per_blob_gas: if blobs {
                prices.blob_base_fee.saturating_mul(2).max(1)
            } else {
                0
            },
        }
    }

    /// The fees of a replacement for a transaction sent with `self`, now that the L1 asks
    /// `current`: each fee is the larger of the current estimate and the smallest bump pools
    /// accept (+10% and 1 wei for the EIP-1559 fees, x2 for the blob fee).
    pub fn bumped(self, current: CommitFees) -> Self {
        let bump = |old: u128| old.saturating_add(old / 10).saturating_add(1);
        let priority = current.max_priority_fee_per_gas.max(bump(self.max_priority_fee_per_gas));
        Self {
            max_fee_per_gas: current.max_fee_per_gas.max(bump(self.max_fee_per_gas)).max(priority),
            max_priority_fee_per_gas: priority,
            max_fee_per_blob_gas: if self.max_fee_per_blob_gas == 0
                && current.max_fee_per_blob_gas == 0
            {
                0
            } else {
                current.max_fee_per_blob_gas.max(self.max_fee_per_blob_gas.saturating_mul(2)).max(1)
            },
        }
    }

    /// Fees for replacing a transaction whose fees are unknown (one sent before a restart):
    /// the estimate doubled `attempt` times, so that repeated refusals climb past it.
    pub fn escalated(self, attempt: u32) -> Self {
        let factor = 1u128.checked_shl(attempt.min(16)).unwrap_or(u128::MAX);
        Self {
            max_fee_per_gas: self.max_fee_per_gas.saturating_mul(factor),
            max_priority_fee_per_gas: self.max_priority_fee_per_gas.saturating_mul(factor),
            max_fee_per_blob_gas: self.max_fee_per_blob_gas.saturating_mul(factor),
        }
    }
}

/// The L1's prices now: the larger of the latest block's base fee and the next block's (the last
/// entry of `eth_feeHistory`, what pools check a new transaction against), the suggested tip
/// (or [`FALLBACK_PRIORITY_FEE`]), and the blob base fee when `blobs` (else 0). Errors: the
/// latest block or the blob base fee could not be read.
pub async fn current_prices<P: Provider>(
    provider: &P,
    blobs: bool,
) -> Result<L1Prices, RpcError<TransportErrorKind>> {
    let block = provider.get_block_by_number(BlockNumberOrTag::Latest).await?;
    let latest =
        block.and_then(|block| block.header.base_fee_per_gas).map(u128::from).unwrap_or_default();
    let next = match provider.get_fee_history(1, BlockNumberOrTag::Latest, &[]).await {
        Ok(history) => history.base_fee_per_gas.last().copied().unwrap_or_default(),
        Err(_) => 0,
    };
    let priority_fee =
        provider.get_max_priority_fee_per_gas().await.unwrap_or(FALLBACK_PRIORITY_FEE);
    let blob_base_fee = if blobs { provider.get_blob_base_fee().await? } else { 0 };
    Ok(L1Prices { base_fee: latest.max(next), priority_fee, blob_base_fee })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GWEI: u128 = 1_000_000_000;

    #[test]
    fn fees_follow_the_l1_prices() {
        let prices = L1Prices { base_fee: 10 * GWEI, priority_fee: GWEI, blob_base_fee: 3 };
        let fees = CommitFees::from_prices(prices, true);
        assert_eq!(fees.max_fee_per_gas, 21 * GWEI);
        assert_eq!(fees.max_priority_fee_per_gas, GWEI);
        assert_eq!(fees.max_fee_per_blob_gas, 6);
        assert_eq!(CommitFees::from_prices(prices, false).max_fee_per_blob_gas, 0);
        let zero = L1Prices { base_fee: 0, priority_fee: 0, blob_base_fee: 0 };
        assert_eq!(CommitFees::from_prices(zero, true).max_fee_per_blob_gas, 1);
    }

    #[test]
    fn a_replacement_beats_the_pools_bump_rules_even_when_prices_fell() {
        let old = CommitFees {
            max_fee_per_gas: 100 * GWEI,
            max_priority_fee_per_gas: 2 * GWEI,
            max_fee_per_blob_gas: 50,
        };
        let cheaper = CommitFees {
            max_fee_per_gas: 30 * GWEI,
            max_priority_fee_per_gas: GWEI,
            max_fee_per_blob_gas: 10,
        };
        let new = old.bumped(cheaper);
        // At least +10% on both EIP-1559 fees and x2 on the blob fee.
        assert!(new.max_fee_per_gas * 10 >= old.max_fee_per_gas * 11);
        assert!(new.max_priority_fee_per_gas * 10 >= old.max_priority_fee_per_gas * 11);
        assert!(new.max_fee_per_blob_gas >= old.max_fee_per_blob_gas * 2);
        assert!(new.max_fee_per_gas > old.max_fee_per_gas);
    }

    #[test]
    fn a_replacement_follows_a_price_spike_past_the_bump() {
        let old = CommitFees {
            max_fee_per_gas: 20 * GWEI,
            max_priority_fee_per_gas: GWEI,
            max_fee_per_blob_gas: 2,
        };
        let spike = CommitFees {
            max_fee_per_gas: 500 * GWEI,
            max_priority_fee_per_gas: GWEI,
            max_fee_per_blob_gas: 1_000,
        };
        let new = old.bumped(spike);
        assert_eq!(new.max_fee_per_gas, 500 * GWEI);
        assert_eq!(new.max_fee_per_blob_gas, 1_000);
        assert_eq!(new.max_priority_fee_per_gas, GWEI + GWEI / 10 + 1);
    }

    #[test]
    fn bumps_and_escalation_saturate_instead_of_overflowing() {
        let max = CommitFees {
            max_fee_per_gas: u128::MAX,
            max_priority_fee_per_gas: u128::MAX,
            max_fee_per_blob_gas: u128::MAX,
        };
        assert_eq!(max.bumped(max), max);
        assert_eq!(max.escalated(100), max);
        let one =
            CommitFees { max_fee_per_gas: 1, max_priority_fee_per_gas: 1, max_fee_per_blob_gas: 1 };
        assert_eq!(one.escalated(3).max_fee_per_gas, 8);
        assert_eq!(one.escalated(0), one);
    }

    #[test]
    fn validium_replacements_carry_no_blob_fee() {
        let old = CommitFees {
            max_fee_per_gas: 10,
            max_priority_fee_per_gas: 1,
            max_fee_per_blob_gas: 0,
        };
        assert_eq!(old.bumped(old).max_fee_per_blob_gas, 0);
    }
}
