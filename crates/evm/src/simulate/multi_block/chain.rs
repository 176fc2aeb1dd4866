//! The chain of simulated blocks before execution: numbers and timestamps checked and defaulted
//! (each block follows its predecessor by one number and 12 seconds unless overridden), gaps in
//! the numbers filled with empty blocks, limits enforced, and each block's header fields that do
//! not depend on execution. Follows geth's `sanitizeChain` and `makeHeaders`.

use super::{BlockStateCall, MAX_BLOCKS, SimulateBlocksError};
use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, Header, proofs::calculate_withdrawals_root};
use alloy_primitives::{B256, U256};
use basalt_primitives::{BlockFees, ChainConfig, Hardfork, Withdrawal};

/// Seconds between simulated blocks whose time is not given.
pub(super) const TIMESTAMP_INCREMENT: u64 = 12;

/// One block to simulate, in chain order: its header so far and what runs in it.
pub(super) struct PlannedBlock {
    /// Number, timestamp, beneficiary, gas limit, difficulty, prevrandao, beacon root and the
    /// withdrawals root; the base fee only when overridden. The rest is filled in later.
    pub header: Header,
    pub withdrawals: Vec<Withdrawal>,
    /// Index into the request's blocks; None for a block that fills a gap.
    pub request: Option<usize>,
}

/// The blocks `requests` describe on top of `base`, with gaps filled.
pub(super) fn plan_blocks(
    config: &ChainConfig,
    base: &Header,
    requests: &[BlockStateCall],
) -> Result<Vec<PlannedBlock>, SimulateBlocksError> {
    let mut planned: Vec<PlannedBlock> = Vec::with_capacity(requests.len());
    let mut previous_number = base.number;
    let mut previous_time = base.timestamp;
    for (index, request) in requests.iter().enumerate() {
        let overrides = &request.block_overrides;
        if overrides.block_hash.is_some() {
            return Err(SimulateBlocksError::InvalidParams(
                "block override blockHash is not supported for eth_simulateV1".to_owned(),
            ));
        }
        let number = match overrides.number {
            Some(number) => u64::try_from(number).map_err(|_| {
                SimulateBlocksError::InvalidParams(format!("block number {number} is too large"))
            })?,
            None => previous_number.saturating_add(1),
        };
        if number <= previous_number {
            return Err(SimulateBlocksError::BlockNumberOrder {
                number,
                previous: previous_number,
            });
        }
        if number - base.number > MAX_BLOCKS {
            return Err(SimulateBlocksError::TooManyBlocks);
        }
        for gap_number in previous_number + 1..number {
            previous_time = previous_time.saturating_add(TIMESTAMP_INCREMENT);
            let previous = planned.last().map_or(base, |block| &block.header);
            let header = planned_header(config, previous, gap_number, previous_time, None, &[])?;
            planned.push(PlannedBlock { header, withdrawals: Vec::new(), request: None });
        }
        let time = match overrides.time {
            Some(time) if time <= previous_time => {
                return Err(SimulateBlocksError::TimestampOrder { time, previous: previous_time });
            }
            Some(time) => time,
            None => previous_time.saturating_add(TIMESTAMP_INCREMENT),
        };
        let previous = planned.last().map_or(base, |block| &block.header);
        let withdrawals = request.withdrawals.clone().unwrap_or_default();
        let header = planned_header(config, previous, number, time, Some(request), &withdrawals)?;
        planned.push(PlannedBlock { header, withdrawals, request: Some(index) });
        previous_number = number;
        previous_time = time;
    }
    Ok(planned)
}

/// The header of block `number` at `time` after `previous`: beneficiary, gas limit and (before
/// the merge) difficulty carry over from it unless overridden; prevrandao and the beacon root
/// are zero unless overridden.
fn planned_header(
    config: &ChainConfig,
    previous: &Header,
    number: u64,
    time: u64,
    request: Option<&BlockStateCall>,
    withdrawals: &[Withdrawal],
) -> Result<Header, SimulateBlocksError> {
    let overrides = request.map(|r| &r.block_overrides);
    let fork = config.fork_at(number, time);
    let difficulty = match overrides.and_then(|o| o.difficulty) {
        Some(difficulty) => difficulty,
        None if fork >= Hardfork::Paris => U256::ZERO,
        None => previous.difficulty,
    };
    let base_fee_per_gas = match overrides.and_then(|o| o.base_fee) {
        Some(fee) if fork >= Hardfork::London => Some(u64::try_from(fee).map_err(|_| {
            SimulateBlocksError::InvalidParams(format!("baseFeePerGas {fee} is too large"))
        })?),
        _ => None,
    };
    Ok(Header {
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: overrides.and_then(|o| o.coinbase).unwrap_or(previous.beneficiary),
        number,
        gas_limit: overrides.and_then(|o| o.gas_limit).unwrap_or(previous.gas_limit),
        timestamp: time,
        mix_hash: overrides.and_then(|o| o.random).unwrap_or_default(),
        difficulty,
        base_fee_per_gas,
        withdrawals_root: (fork >= Hardfork::Shanghai)
            .then(|| calculate_withdrawals_root(withdrawals)),
        parent_beacon_block_root: (fork >= Hardfork::Cancun)
            .then(|| overrides.and_then(|o| o.beacon_root).unwrap_or(B256::ZERO)),
        ..Default::default()
    })
}

/// Completes `header` on `parent` with the chain's next-block rules (the ones block building and
/// validation use, `ChainConfig::next_block_fees`): parent hash, base fee (the override, else
/// the rule in validation mode and zero without it, as geth does so that unpriced calls pass),
/// and excess blob gas.
pub(super) fn complete_header(
    config: &ChainConfig,
    header: &mut Header,
    parent: &Header,
    parent_hash: B256,
    validation: bool,
) {
    header.parent_hash = parent_hash;
    let fork = config.fork_at(header.number, header.timestamp);
    // A parent whose base fee cannot grow any further saturates rather than failing the call.
    let fees = config
        .next_block_fees(parent, header.timestamp)
        .unwrap_or(BlockFees { base_fee_per_gas: Some(u64::MAX), ..Default::default() });
    if fork >= Hardfork::London && header.base_fee_per_gas.is_none() {
        header.base_fee_per_gas = Some(match validation {
            false => 0,
            true => fees.base_fee_per_gas.unwrap_or_default(),
        });
    }
    header.excess_blob_gas = fees.excess_blob_gas;
}
