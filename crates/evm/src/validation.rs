//! Block validity rules that need no database: the header against its parent (numbering, time,
//! gas limit bounds, EIP-1559 base fee, fork-dependent fields, the merge's zeroed fields,
//! EIP-4844/EIP-7918 blob gas), the body against the header's roots, and execution results
//! against the header. Import and the stateless guest program run the same rules. All arithmetic
//! on header values is checked: headers are external input.

use crate::{BlockExecutionError, BlockOutput};
use alloy_consensus::proofs::{
    calculate_ommers_root, calculate_receipt_root, calculate_transaction_root,
    calculate_withdrawals_root,
};
use alloy_consensus::{EMPTY_OMMER_ROOT_HASH, Header};
use alloy_eips::eip4844::DATA_GAS_PER_BLOB;
use alloy_primitives::{B256, Bloom};
use basalt_primitives::{Block, ChainConfig, Hardfork};

/// EIP-7934: the largest RLP-encoded block accepted (10 MiB less a 2 MiB margin).
pub const MAX_RLP_BLOCK_SIZE: usize = 8_388_608;

/// A consensus rule a block broke.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BlockValidationError {
    #[error("block number {got} does not follow parent number {parent}")]
    Number { parent: u64, got: u64 },
    #[error("timestamp {got} is not after the parent's {parent}")]
    Timestamp { parent: u64, got: u64 },
    #[error("extra data is {0} bytes, more than 32")]
    ExtraDataTooLong(usize),
    #[error("gas used {used} exceeds gas limit {limit}")]
    GasUsedAboveLimit { used: u64, limit: u64 },
    #[error(
        "gas limit {got} is outside the bounds allowed by the parent's {parent} (change < 1/1024, minimum 5000)"
    )]
    GasLimit { parent: u64, got: u64 },
    #[error("base fee is {got:?}, expected {expected:?} (EIP-1559)")]
    BaseFee { expected: Option<u64>, got: Option<u64> },
    #[error("proof-of-stake header field {0} must be zero/empty after the merge (EIP-3675)")]
    PostMergeField(&'static str),
    #[error("header field {field} must be {} at fork {fork}", if *.required { "present" } else { "absent" })]
    HeaderFieldPresence { field: &'static str, required: bool, fork: basalt_primitives::Hardfork },
    #[error("excess blob gas is {got}, expected {expected} (EIP-4844/EIP-7918)")]
    ExcessBlobGas { expected: u64, got: u64 },
    #[error(
        "blob gas used {got} is not a multiple of blob gas per blob or exceeds the maximum {max}"
    )]
    BlobGasUsedInvalid { got: u64, max: u64 },
    #[error("block RLP is {size} bytes, above the {max}-byte limit (EIP-7934)")]
    BlockTooLarge { size: usize, max: usize },
    #[error("transactions root {got} does not match the header's {expected}")]
    TransactionsRoot { expected: B256, got: B256 },
    #[error("ommers hash {got} does not match the header's {expected}")]
    OmmersHash { expected: B256, got: B256 },
    #[error("too many ommers: {0} (maximum 2)")]
    TooManyOmmers(usize),
    #[error("ommers are not allowed after the merge")]
    OmmersAfterMerge,
    #[error("withdrawals root {got:?} does not match the header's {expected:?} (EIP-4895)")]
    WithdrawalsRoot { expected: Option<B256>, got: Option<B256> },
    #[error("transaction {index}: invalid signature: {reason}")]
    InvalidSignature { index: usize, reason: String },
    #[error("execution: {0}")]
    Execution(#[from] BlockExecutionError),
    #[error("gas used {got} does not match the header's {expected}")]
    GasUsed { expected: u64, got: u64 },
    #[error("receipts root {got} does not match the header's {expected}")]
    ReceiptsRoot { expected: B256, got: B256 },
    #[error("logs bloom does not match the header's")]
    LogsBloom { expected: Box<Bloom>, got: Box<Bloom> },
    #[error("blob gas used {got} does not match the header's {expected}")]
    BlobGasUsed { expected: u64, got: u64 },
    #[error("requests hash {got} does not match the header's {expected} (EIP-7685)")]
    RequestsHash { expected: B256, got: B256 },
    #[error("state root {got} does not match the header's {expected}")]
    StateRoot { expected: B256, got: B256 },
}

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

/// Body rules: the roots the header commits to, ommers, and the size limit.
pub fn validate_body(
    config: &ChainConfig,
    block: &Block,
    rlp_size: usize,
) -> Result<(), BlockValidationError> {
    let header = &block.header;
    let fork = config.fork_at(header.number, header.timestamp);
    if fork >= Hardfork::Osaka && rlp_size > MAX_RLP_BLOCK_SIZE {
        return Err(BlockValidationError::BlockTooLarge {
            size: rlp_size,
            max: MAX_RLP_BLOCK_SIZE,
        });
    }
    let transactions_root = calculate_transaction_root(&block.body.transactions);
    if transactions_root != header.transactions_root {
        return Err(BlockValidationError::TransactionsRoot {
            expected: header.transactions_root,
            got: transactions_root,
        });
    }
    let ommers_hash = calculate_ommers_root(&block.body.ommers);
    if ommers_hash != header.ommers_hash {
        return Err(BlockValidationError::OmmersHash {
            expected: header.ommers_hash,
            got: ommers_hash,
        });
    }
    if fork >= Hardfork::Paris && !block.body.ommers.is_empty() {
        return Err(BlockValidationError::OmmersAfterMerge);
    }
    if block.body.ommers.len() > 2 {
        return Err(BlockValidationError::TooManyOmmers(block.body.ommers.len()));
    }
    let withdrawals_root = block.body.withdrawals.as_ref().map(|w| calculate_withdrawals_root(w));
    if withdrawals_root != header.withdrawals_root {
        return Err(BlockValidationError::WithdrawalsRoot {
            expected: header.withdrawals_root,
            got: withdrawals_root,
        });
    }
    Ok(())
}

/// Post-execution rules: gas, receipts, bloom, blob gas and requests match the header.
pub fn validate_execution(
    header: &Header,
    output: &BlockOutput,
) -> Result<(), BlockValidationError> {
    if output.gas_used != header.gas_used {
        return Err(BlockValidationError::GasUsed {
            expected: header.gas_used,
            got: output.gas_used,
        });
    }
    let receipts_root = calculate_receipt_root(&output.receipts);
    if receipts_root != header.receipts_root {
        return Err(BlockValidationError::ReceiptsRoot {
            expected: header.receipts_root,
            got: receipts_root,
        });
    }
    let mut bloom = Bloom::default();
    for receipt in &output.receipts {
        bloom.accrue_bloom(receipt.logs_bloom());
    }
    if bloom != header.logs_bloom {
        return Err(BlockValidationError::LogsBloom {
            expected: Box::new(header.logs_bloom),
            got: Box::new(bloom),
        });
    }
    if let Some(expected) = header.blob_gas_used
        && expected != output.blob_gas_used
    {
        return Err(BlockValidationError::BlobGasUsed { expected, got: output.blob_gas_used });
    }
    if let (Some(expected), Some(requests)) = (header.requests_hash, &output.requests) {
        let got = requests.requests_hash();
        if got != expected {
            return Err(BlockValidationError::RequestsHash { expected, got });
        }
    }
    Ok(())
}
