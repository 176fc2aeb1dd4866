//! Stateless and state-dependent admission rules for a transaction entering the pool.

use crate::{PoolError, PooledTransaction};
use alloy_consensus::Transaction;
use alloy_eips::{
    eip2718::Encodable2718, eip7594::BlobTransactionSidecarVariant,
    eip7702::constants::EIP7702_DELEGATION_DESIGNATOR,
};
use alloy_primitives::U256;
use basalt_evm::{spec_id, tx_env};
use basalt_primitives::{
    FeeConfig, Hardfork, StateReader, TxEnvelope, TxType,
    fee_config::{check_l1_gas, l1_data_size},
    sender::recover_sender,
};
use revm::context_interface::cfg::gas::calculate_initial_tx_gas_for_tx;

/// EIP-7825 transaction gas limit cap (Osaka).
const TX_GAS_LIMIT_CAP: u64 = 1 << 24;

/// The chain context a transaction is validated against: the next block's rules.
#[derive(Clone, Copy, Debug)]
pub struct ValidationContext {
    pub chain_id: u64,
    pub fork: Hardfork,
    pub base_fee: u64,
    pub block_gas_limit: u64,
    /// Blob base fee of the next block (Cancun and later).
    pub blob_base_fee: Option<u128>,
    /// Largest encoded transaction accepted, in bytes.
    pub max_tx_bytes: usize,
    /// On an L2, the next block's fee config: the gas limit must cover intrinsic gas + L1 data
    /// gas (docs/l2-fees.md; `base_fee` already holds the operator fee). None on an L1.
    pub fees: Option<FeeConfig>,
}

/// Whether `fork`'s pools take `sidecar`'s proofs: EIP-4844 blob proofs before Osaka, EIP-7594
/// cell proofs from Osaka on (the rule reth's and geth's pools apply).
pub(crate) fn sidecar_kind(
    sidecar: &BlobTransactionSidecarVariant,
    fork: Hardfork,
) -> Result<(), PoolError> {
    match (sidecar, fork >= Hardfork::Osaka) {
        (BlobTransactionSidecarVariant::Eip4844(_), true) => {
            Err(PoolError::BlobProofsAfterOsaka { fork })
        }
        (BlobTransactionSidecarVariant::Eip7594(_), false) => {
            Err(PoolError::CellProofsBeforeOsaka { fork })
        }
        _ => Ok(()),
    }
}

/// Checks `sidecar` against `tx`: a blob transaction has one listing its versioned hashes,
/// with the proofs `fork` takes; no other transaction has one. KZG proofs are not verified here.
fn check_sidecar(
    tx: &TxEnvelope,
    sidecar: Option<&BlobTransactionSidecarVariant>,
    fork: Hardfork,
) -> Result<(), PoolError> {
    match (tx.blob_versioned_hashes(), sidecar) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(PoolError::BlobSidecarMismatch("the transaction carries no blobs")),
        (Some(_), None) => Err(PoolError::MissingBlobSidecar),
        (Some(hashes), Some(sidecar)) => {
            if !sidecar.versioned_hashes().eq(hashes.iter().copied()) {
                return Err(PoolError::BlobSidecarMismatch(
                    "its commitments are not the transaction's versioned hashes",
                ));
            }
            sidecar_kind(sidecar, fork)
        }
    }
}

/// Checks `tx` (and a blob transaction's `sidecar`) and returns it ready for the pool, with the
/// sender's account nonce in `state`.
pub(crate) fn validate(
    tx: TxEnvelope,
    known_sender: Option<alloy_primitives::Address>,
    sidecar: Option<BlobTransactionSidecarVariant>,
    ctx: &ValidationContext,
    state: &impl StateReader,
) -> Result<(PooledTransaction, u64), PoolError> {
    let size = tx.encode_2718_len();
    if size > ctx.max_tx_bytes {
        return Err(PoolError::Oversized { size, max: ctx.max_tx_bytes });
    }
    let introduced = match tx.tx_type() {
        TxType::Legacy => Hardfork::Frontier,
        TxType::Eip2930 => Hardfork::Berlin,
        TxType::Eip1559 => Hardfork::London,
        TxType::Eip4844 => Hardfork::Cancun,
        TxType::Eip7702 => Hardfork::Prague,
    };
    if ctx.fork < introduced {
        return Err(PoolError::TypeNotSupported { tx_type: tx.tx_type() as u8, fork: ctx.fork });
    }
    match tx.chain_id() {
        Some(id) if id != ctx.chain_id => {
            return Err(PoolError::WrongChainId { expected: ctx.chain_id, got: id });
        }
        None if tx.tx_type() != TxType::Legacy => {
            return Err(PoolError::WrongChainId { expected: ctx.chain_id, got: 0 });
        }
        _ => {}
    }
    if tx.gas_limit() > ctx.block_gas_limit {
        return Err(PoolError::GasLimitAboveBlock {
            gas_limit: tx.gas_limit(),
            block: ctx.block_gas_limit,
        });
    }
    if ctx.fork >= Hardfork::Osaka && tx.gas_limit() > TX_GAS_LIMIT_CAP {
        return Err(PoolError::GasLimitAboveBlock {
            gas_limit: tx.gas_limit(),
            block: TX_GAS_LIMIT_CAP,
        });
    }
    let max_fee = tx.max_fee_per_gas();
    let max_priority_fee = tx.max_priority_fee_per_gas().unwrap_or(max_fee);
    if max_priority_fee > max_fee {
        return Err(PoolError::TipAboveFeeCap { tip: max_priority_fee, fee_cap: max_fee });
    }
    if max_fee < u128::from(ctx.base_fee) {
        return Err(PoolError::FeeCapBelowBaseFee { fee_cap: max_fee, base_fee: ctx.base_fee });
    }
    if let Some(hashes) = tx.blob_versioned_hashes() {
        if hashes.is_empty() {
            return Err(PoolError::NoBlobs);
        }
        let blob_fee_cap = tx.max_fee_per_blob_gas().unwrap_or_default();
        if let Some(blob_base_fee) = ctx.blob_base_fee
            && blob_fee_cap < blob_base_fee
        {
            return Err(PoolError::BlobFeeCapTooLow { fee_cap: blob_fee_cap, blob_base_fee });
        }
    }
    check_sidecar(&tx, sidecar.as_ref(), ctx.fork)?;
    if tx.authorization_list().is_some_and(|list| list.is_empty()) {
        return Err(PoolError::EmptyAuthorizationList);
    }

    let sender = match known_sender {
        Some(sender) => sender,
        None => {
            recover_sender(&tx, false).map_err(|e| PoolError::InvalidSignature(e.to_string()))?
        }
    };
    let env = tx_env(&tx, sender);
    let intrinsic = calculate_initial_tx_gas_for_tx(&env, spec_id(ctx.fork), None);
    let required = intrinsic.initial_total_gas().max(intrinsic.floor_gas);
    if tx.gas_limit() < required {
        return Err(PoolError::IntrinsicGasTooLow { gas_limit: tx.gas_limit(), required });
    }
    if let Some(fees) = &ctx.fees {
        // The handler's rule at the next block's base fee and L1 blob base fee.
        let l1_gas = fees.l1_gas(l1_data_size(&tx.encoded_2718()), ctx.base_fee);
        check_l1_gas(tx.gas_limit(), intrinsic.initial_total_gas(), l1_gas)?;
    }

    let account = state.account(sender).map_err(PoolError::State)?.unwrap_or_default();
    if tx.nonce() < account.nonce {
        return Err(PoolError::NonceTooLow { nonce: tx.nonce(), account_nonce: account.nonce });
    }
    if account.code_hash != alloy_primitives::KECCAK256_EMPTY
        && account.code_hash != alloy_primitives::B256::ZERO
    {
        let code = state.code(account.code_hash).map_err(PoolError::State)?.unwrap_or_default();
        if !code.starts_with(&EIP7702_DELEGATION_DESIGNATOR) {
            return Err(PoolError::SenderNotEoa(sender));
        }
    }
    let blob_gas = tx
        .blob_versioned_hashes()
        .map_or(0, |h| h.len() as u64 * alloy_eips::eip4844::DATA_GAS_PER_BLOB);
    let cost = U256::from(tx.gas_limit()) * U256::from(max_fee)
        + tx.value()
        + U256::from(blob_gas) * U256::from(tx.max_fee_per_blob_gas().unwrap_or_default());
    if cost > account.balance {
        return Err(PoolError::InsufficientFunds { cost, balance: account.balance });
    }
    let hash = *tx.tx_hash();
    let pooled = PooledTransaction {
        hash,
        sender,
        nonce: tx.nonce(),
        max_fee,
        max_priority_fee,
        cost,
        size,
        sidecar: sidecar.map(std::sync::Arc::new),
        sequence: 0,
        tx: std::sync::Arc::new(tx),
    };
    Ok((pooled, account.nonce))
}
