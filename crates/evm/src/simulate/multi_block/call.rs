//! One call of a simulated block turned into the (unsigned) transaction it stands for, with the
//! defaults geth fills in (`sanitizeCall`, `CallDefaults`, `ToTransaction`), and revm's refusal
//! of a transaction turned into the spec's error code.

use super::SimulateBlocksError;
use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEip4844, TxEip7702, TxLegacy};
use alloy_primitives::{Address, Signature, TxKind, U256};
use alloy_rpc_types_eth::TransactionRequest;
use basalt_primitives::TxEnvelope;
use revm::context_interface::result::InvalidTransaction;

/// execution-apis error codes of `eth_simulateV1` for a transaction that cannot run.
pub mod codes {
    pub const NONCE_TOO_LOW: i32 = -38010;
    pub const NONCE_TOO_HIGH: i32 = -38011;
    pub const BASE_FEE_TOO_LOW: i32 = -38012;
    pub const INTRINSIC_GAS: i32 = -38013;
    pub const INSUFFICIENT_FUNDS: i32 = -38014;
    pub const BLOCK_GAS_LIMIT_REACHED: i32 = -38015;
    pub const SENDER_IS_NOT_EOA: i32 = -38024;
    pub const MAX_INIT_CODE_SIZE: i32 = -38025;
    pub const INVALID_PARAMS: i32 = -32602;
    pub const INTERNAL_ERROR: i32 = -32603;
}

/// What a call became: the transaction for the block, and the gas it was given.
pub(super) struct PreparedCall {
    pub transaction: TxEnvelope,
    pub sender: Address,
    /// The call asked for more gas than the request's remaining gas cap and got the cap.
    pub gas_capped: bool,
}

/// The defaults a call takes from its block and state.
pub(super) struct CallDefaults {
    pub chain_id: u64,
    /// The sender's nonce now.
    pub nonce: u64,
    /// Gas left in the block.
    pub remaining_block_gas: u64,
    /// Gas left under the request's gas cap (all calls of all blocks share it).
    pub remaining_gas_cap: u64,
    /// Whether the block has a base fee (London and later): calls then default to EIP-1559.
    pub london: bool,
}

/// The transaction `call` stands for. Its type follows geth: an authorization list makes it
/// EIP-7702, blob hashes EIP-4844, a `gasPrice` (or a block before London) legacy (EIP-2930 when
/// it also has an access list, so that the list it ran with is the one it shows), otherwise
/// EIP-1559. Missing fees are zero; the signature is all zeros (no key signs a simulation).
pub(super) fn prepare_call(
    call: &TransactionRequest,
    defaults: &CallDefaults,
) -> Result<PreparedCall, SimulateBlocksError> {
    let sender = call.from.unwrap_or_default();
    let requested_gas = call.gas.unwrap_or(defaults.remaining_block_gas);
    if requested_gas > defaults.remaining_block_gas {
        return Err(SimulateBlocksError::BlockGasLimitReached {
            remaining: defaults.remaining_block_gas,
            required: requested_gas,
        });
    }
    let gas_limit = requested_gas.min(defaults.remaining_gas_cap);
    if call.gas_price.is_some()
        && (call.max_fee_per_gas.is_some() || call.max_priority_fee_per_gas.is_some())
    {
        return Err(SimulateBlocksError::InvalidRequest(
            "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified".to_owned(),
        ));
    }
    let chain_id = match call.chain_id {
        Some(have) if have != defaults.chain_id => {
            return Err(SimulateBlocksError::InvalidRequest(format!(
                "chainId does not match node's (have={have}, want={})",
                defaults.chain_id
            )));
        }
        _ => defaults.chain_id,
    };
    let input = call
        .input
        .unique_input()
        .map_err(|e| SimulateBlocksError::InvalidRequest(e.to_string()))?
        .cloned()
        .unwrap_or_default();
    let nonce = call.nonce.unwrap_or(defaults.nonce);
    let value = call.value.unwrap_or_default();
    let kind = call.to.unwrap_or(TxKind::Create);
    let access_list = call.access_list.clone().unwrap_or_default();
    let max_fee_per_gas = call.max_fee_per_gas.unwrap_or_default();
    let max_priority_fee_per_gas = call.max_priority_fee_per_gas.unwrap_or_default();
    let signature = Signature::new(U256::ZERO, U256::ZERO, false);
    let needs_recipient = |kind_name: &str| {
        kind.to().copied().ok_or_else(|| {
            SimulateBlocksError::InvalidRequest(format!(
                "{kind_name} transaction cannot create a contract: `to` is required"
            ))
        })
    };
    let transaction = if let Some(authorizations) = &call.authorization_list {
        TxEnvelope::Eip7702(
            TxEip7702 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas,
                max_priority_fee_per_gas,
                to: needs_recipient("a set-code")?,
                value,
                access_list,
                authorization_list: authorizations.clone(),
                input,
            }
            .into_signed(signature),
        )
    } else if let Some(blob_versioned_hashes) = &call.blob_versioned_hashes {
        TxEnvelope::Eip4844(
            alloy_consensus::TxEip4844Variant::TxEip4844(TxEip4844 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas,
                max_priority_fee_per_gas,
                to: needs_recipient("a blob")?,
                value,
                access_list,
                blob_versioned_hashes: blob_versioned_hashes.clone(),
                max_fee_per_blob_gas: call.max_fee_per_blob_gas.unwrap_or_default(),
                input,
            })
            .into_signed(signature),
        )
    } else if call.gas_price.is_some() || !defaults.london {
        let gas_price = call.gas_price.unwrap_or_default();
        if call.access_list.is_some() {
            TxEnvelope::Eip2930(
                TxEip2930 {
                    chain_id,
                    nonce,
                    gas_price,
                    gas_limit,
                    to: kind,
                    value,
                    access_list,
                    input,
                }
                .into_signed(signature),
            )
        } else {
            TxEnvelope::Legacy(
                TxLegacy { chain_id: None, nonce, gas_price, gas_limit, to: kind, value, input }
                    .into_signed(signature),
            )
        }
    } else {
        TxEnvelope::Eip1559(
            TxEip1559 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas,
                max_priority_fee_per_gas,
                to: kind,
                value,
                access_list,
                input,
            }
            .into_signed(signature),
        )
    };
    Ok(PreparedCall { transaction, sender, gas_capped: gas_limit < requested_gas })
}

/// revm's refusal of a transaction as the spec's error: code and geth's wording, with the gas
/// the transaction was given.
pub(super) fn invalid_transaction(
    err: &InvalidTransaction,
    sender: Address,
    base_fee: u64,
    gas_limit: u64,
    max_fee_per_gas: u128,
) -> SimulateBlocksError {
    use InvalidTransaction as E;
    let (code, reason) = match err {
        E::NonceTooLow { tx, state } => (
            codes::NONCE_TOO_LOW,
            format!("nonce too low: address {sender}, tx: {tx} state: {state}"),
        ),
        E::NonceTooHigh { tx, state } => (
            codes::NONCE_TOO_HIGH,
            format!("nonce too high: address {sender}, tx: {tx} state: {state}"),
        ),
        E::GasPriceLessThanBasefee => (
            codes::BASE_FEE_TOO_LOW,
            format!(
                "max fee per gas less than block base fee: address {sender}, maxFeePerGas: \
                 {max_fee_per_gas}, baseFee: {base_fee}"
            ),
        ),
        E::CallGasCostMoreThanGasLimit { initial_gas, gas_limit } => (
            codes::INTRINSIC_GAS,
            format!("intrinsic gas too low: have {gas_limit}, want {initial_gas}"),
        ),
        E::GasFloorMoreThanGasLimit { gas_floor, gas_limit } => (
            codes::INTRINSIC_GAS,
            format!("insufficient gas for floor data gas cost: have {gas_limit}, want {gas_floor}"),
        ),
        E::LackOfFundForMaxFee { fee, balance } => (
            codes::INSUFFICIENT_FUNDS,
            format!(
                "insufficient funds for gas * price + value: address {sender} have {balance} \
                 want {fee}"
            ),
        ),
        E::CallerGasLimitMoreThanBlock => {
            (codes::BLOCK_GAS_LIMIT_REACHED, "gas limit reached".to_owned())
        }
        E::RejectCallerWithCode => {
            (codes::SENDER_IS_NOT_EOA, format!("sender not an eoa: address {sender}"))
        }
        E::CreateInitCodeSizeLimit => {
            (codes::MAX_INIT_CODE_SIZE, "max initcode size exceeded".to_owned())
        }
        E::PriorityFeeGreaterThanMaxFee => (
            codes::INVALID_PARAMS,
            format!("max priority fee per gas higher than max fee per gas: address {sender}"),
        ),
        other => (codes::INTERNAL_ERROR, other.to_string()),
    };
    SimulateBlocksError::InvalidTransaction {
        code,
        message: format!("err: {reason} (supplied gas {gas_limit})"),
    }
}
