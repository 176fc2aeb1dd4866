//! Header rules checked against the parent: numbering, time, gas limit bounds, EIP-1559 base
//! fee, fork-dependent header fields, the merge's zeroed fields, and EIP-4844/EIP-7918 blob
//! gas. All arithmetic on header values is checked: headers are external input.

use crate::error::BlockValidationError;
use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, Header};
use alloy_eips::eip4844::DATA_GAS_PER_BLOB;
use basalt_primitives::{ChainConfig, Hardfork};

const MIN_GAS_LIMIT: u64 = 5000;
const GAS_LIMIT_BOUND_DIVISOR: u64 = 1024;
const MAX_EXTRA_DATA: usize = 32;

/// Checks `header` against its `parent`.
pub fn validate_header(
    config: &ChainConfig,
    header: &Header,
    parent: &Header,
) -> Result<(), BlockValidationError> {
    let fork = config.fork_at(header.number, header.timestamp);
    let parent_fork = config.fork_at(parent.number, parent.timestamp);
    if parent.number.checked_add(1) != Some(header.number) {
        return Err(BlockValidationError::Number { parent: parent.number, got: header.number });
    }
    if header.timestamp <= parent.timestamp {
        return Err(BlockValidationError::Timestamp {
            parent: parent.timestamp,
            got: header.timestamp,
        });
    }
    if header.extra_data.len() > MAX_EXTRA_DATA {
        return Err(BlockValidationError::ExtraDataTooLong(header.extra_data.len()));
    }
    if header.gas_used > header.gas_limit {
        return Err(BlockValidationError::GasUsedAboveLimit {
            used: header.gas_used,
            limit: header.gas_limit,
        });
    }
    // EIP-1559: the first London block doubles the gas limit the bounds are computed from.
    let parent_gas_limit = if fork >= Hardfork::London && parent_fork < Hardfork::London {
        let elasticity = u64::try_from(config.base_fee_params.elasticity_multiplier);
        parent.gas_limit.saturating_mul(elasticity.unwrap_or(u64::MAX))
    } else {
        parent.gas_limit
    };
    let bound = parent_gas_limit / GAS_LIMIT_BOUND_DIVISOR;
    if header.gas_limit.abs_diff(parent_gas_limit) >= bound || header.gas_limit < MIN_GAS_LIMIT {
        return Err(BlockValidationError::GasLimit {
            parent: parent_gas_limit,
            got: header.gas_limit,
        });
    }

    let fees = config.next_block_fees(parent, header.timestamp).map_err(|_| {
        BlockValidationError::BaseFee { expected: None, got: header.base_fee_per_gas }
    })?;
    let expected_base_fee = fees.base_fee_per_gas;
    if header.base_fee_per_gas != expected_base_fee {
        return Err(BlockValidationError::BaseFee {
            expected: expected_base_fee,
            got: header.base_fee_per_gas,
        });
    }

    if fork >= Hardfork::Paris {
        if !header.difficulty.is_zero() {
            return Err(BlockValidationError::PostMergeField("difficulty"));
        }
        if !header.nonce.is_zero() {
            return Err(BlockValidationError::PostMergeField("nonce"));
        }
        if header.ommers_hash != EMPTY_OMMER_ROOT_HASH {
            return Err(BlockValidationError::PostMergeField("ommersHash"));
        }
    }

    presence(
        fork,
        "withdrawalsRoot",
        header.withdrawals_root.is_some(),
        fork >= Hardfork::Shanghai,
    )?;
    let is_cancun = fork >= Hardfork::Cancun;
    presence(fork, "blobGasUsed", header.blob_gas_used.is_some(), is_cancun)?;
    presence(fork, "excessBlobGas", header.excess_blob_gas.is_some(), is_cancun)?;
    presence(fork, "parentBeaconBlockRoot", header.parent_beacon_block_root.is_some(), is_cancun)?;
    presence(fork, "requestsHash", header.requests_hash.is_some(), fork >= Hardfork::Prague)?;

    if let (Some(params), Some(excess), Some(used)) =
        (config.blob_params(fork), header.excess_blob_gas, header.blob_gas_used)
    {
        let max = params.max_blob_gas_per_block();
        if used % DATA_GAS_PER_BLOB != 0 || used > max {
            return Err(BlockValidationError::BlobGasUsedInvalid { got: used, max });
        }
        let expected = fees.excess_blob_gas.unwrap_or_default();
        if excess != expected {
            return Err(BlockValidationError::ExcessBlobGas { expected, got: excess });
        }
    }
    Ok(())
}

fn presence(
    fork: Hardfork,
    field: &'static str,
    present: bool,
    required: bool,
) -> Result<(), BlockValidationError> {
    if present == required {
        Ok(())
    } else {
        Err(BlockValidationError::HeaderFieldPresence { field, required, fork })
    }
}
