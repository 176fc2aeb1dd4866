//! The L2's fee parameters (docs/l2-fees.md): the chain's settings from the genesis config
//! (`config.basalt.fees`, [`FeeSettings`]), the per-block [`FeeConfig`] stored with each L2
//! block (versioned bytes), and the L1 data fee arithmetic every user shares (handler, pool,
//! RPC): the size estimate of a transaction's bytes, its L1 cost and the L1 data gas that
//! pays for it. Pure arithmetic, checked or saturating throughout: it runs on external input.

use alloy_primitives::{Address, U128, U256, address};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

/// Layout version of [`FeeConfig::encode`]; the first byte of the stored bytes.
pub const FEE_CONFIG_VERSION: u8 = 1;
/// Where L1 data fees go unless the genesis names another account: OP Stack's `L1FeeVault`
/// address (a plain account on Basalt).
pub const DEFAULT_L1_FEE_VAULT: Address = address!("0x420000000000000000000000000000000000001a");
/// The default L1 fee scalar, parts per million: 1,000,000 charges the estimated blob cost
/// exactly.
pub const DEFAULT_L1_FEE_SCALAR: u64 = 1_000_000;
/// The lowest L1 blob base fee (EIP-4844 `MIN_BASE_FEE_PER_BLOB_GAS`, 1 wei); used when no L1
/// fee is known (an L2 block imported without its fee config, a node whose watcher has not
/// read one yet).
pub const MIN_L1_BLOB_BASE_FEE: u128 = 1;
/// The smallest L1 data size charged, in bytes (OP Stack Fjord's minimum estimate).
pub const MIN_L1_DATA_SIZE: u64 = 100;
/// [`FeeConfig::l1_fee_scalar`] is in parts per million.
const SCALAR_UNIT: u64 = 1_000_000;
/// A blob is 4096 field elements of 32 bytes; a batch packs 31 bytes into each (the top byte
/// stays below the BLS modulus), so a byte of data costs 32/31 bytes of blob gas.
const BLOB_BYTES: u64 = 131_072;
const BLOB_USABLE_BYTES: u64 = 126_976;

/// The genesis config's `basalt.fees` section: the chain's fee settings, fixed for the chain.
/// Every field is optional; absent ones take the defaults documented on each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct FeeSettings {
    /// Receives the base fee of ordinary transactions; `null` (default) burns it, as on
    /// Ethereum.
    pub base_fee_vault: Option<Address>,
    /// Receives the operator fee; required when `operatorFeePerGas` is above zero.
    pub operator_fee_vault: Option<Address>,
    /// Operator fee per gas in wei (hex quantity), part of every L2 header's base fee on top of
    /// its EIP-1559 market part; at most 2^64 − 1 (a base fee is 64 bits); default 0.
    pub operator_fee_per_gas: U128,
    /// Receives the L1 data fee; default [`DEFAULT_L1_FEE_VAULT`].
    pub l1_fee_vault: Address,
    /// Margin on the estimated blob cost, parts per million; default 1,000,000 (cost price).
    pub l1_fee_scalar: u64,
    /// EIP-1559 parameters of the L2 base fee; default Ethereum's.
    pub eip1559: Eip1559Settings,
}

/// EIP-1559 parameters of the L2 base fee (`basalt.fees.eip1559`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Eip1559Settings {
    /// Gas limit / gas target; default 2.
    pub elasticity_multiplier: u64,
    /// The base fee changes by at most 1/denominator per block; default 8.
    pub base_fee_max_change_denominator: u64,
}

impl Default for Eip1559Settings {
    fn default() -> Self {
        Self { elasticity_multiplier: 2, base_fee_max_change_denominator: 8 }
    }
}

impl Default for FeeSettings {
    fn default() -> Self {
        Self {
            base_fee_vault: None,
            operator_fee_vault: None,
            operator_fee_per_gas: U128::ZERO,
            l1_fee_vault: DEFAULT_L1_FEE_VAULT,
            l1_fee_scalar: DEFAULT_L1_FEE_SCALAR,
            eip1559: Eip1559Settings::default(),
        }
    }
}

/// Why a `basalt.fees` section was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeeSettingsError {
    #[error("fees.operatorFeePerGas is above zero but fees.operatorFeeVault is not set")]
    OperatorFeeWithoutVault,
    #[error("fees.operatorFeePerGas {0} does not fit a 64-bit base fee")]
    OperatorFeeTooHigh(U128),
    #[error("fees.eip1559.{0} must be at least 1")]
    ZeroEip1559Parameter(&'static str),
}

impl FeeSettings {
    /// Checks what serde cannot: an operator fee needs a vault and fits 64 bits; EIP-1559
    /// parameters are non-zero.
    pub fn validate(&self) -> Result<(), FeeSettingsError> {
        if self.operator_fee_per_gas > U128::ZERO && self.operator_fee_vault.is_none() {
            return Err(FeeSettingsError::OperatorFeeWithoutVault);
        }
        if self.operator_fee_per_gas > U128::from(u64::MAX) {
            return Err(FeeSettingsError::OperatorFeeTooHigh(self.operator_fee_per_gas));
        }
        if self.eip1559.elasticity_multiplier == 0 {
            return Err(FeeSettingsError::ZeroEip1559Parameter("elasticityMultiplier"));
        }
        if self.eip1559.base_fee_max_change_denominator == 0 {
            return Err(FeeSettingsError::ZeroEip1559Parameter("baseFeeMaxChangeDenominator"));
        }
        Ok(())
    }

    /// The EIP-1559 parameters as alloy's [`alloy_eips::eip1559::BaseFeeParams`].
    pub fn base_fee_params(&self) -> alloy_eips::eip1559::BaseFeeParams {
        alloy_eips::eip1559::BaseFeeParams::new(
            u128::from(self.eip1559.base_fee_max_change_denominator),
            u128::from(self.eip1559.elasticity_multiplier),
        )
    }
}

/// The fee parameters one L2 block ran under, stored with the block (batches, re-execution and
/// proving need them). Bytes: [`FEE_CONFIG_VERSION`] then
/// `rlp([base_fee_vault, operator_fee_vault, operator_fee_per_gas, l1_fee_vault, l1_fee_scalar,
/// l1_blob_base_fee, elasticity_multiplier, base_fee_max_change_denominator])`, an absent vault
/// as the empty string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeConfig {
    /// Receives `base fee × (gas used − L1 data gas)`; None burns it.
    pub base_fee_vault: Option<Address>,
    /// Receives `operator fee × gas used`; None only when the operator fee is 0.
    pub operator_fee_vault: Option<Address>,
    /// Wei per gas on top of the base fee.
    pub operator_fee_per_gas: u128,
    /// Receives `base fee × L1 data gas`.
    pub l1_fee_vault: Address,
    /// Margin on the estimated blob cost, parts per million.
    pub l1_fee_scalar: u64,
    /// The L1 blob base fee in force for the block, wei per blob gas.
    pub l1_blob_base_fee: u128,
    /// EIP-1559 elasticity multiplier of the L2 base fee.
    pub elasticity_multiplier: u64,
    /// EIP-1559 base fee change denominator of the L2 base fee.
    pub base_fee_max_change_denominator: u64,
}

/// Why stored fee-config bytes were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeeConfigDecodeError {
    #[error("fee config is empty")]
    Empty,
    #[error("fee config version {0} is not known (this node reads version {FEE_CONFIG_VERSION})")]
    UnknownVersion(u8),
    #[error("fee config: {0}")]
    Rlp(alloy_rlp::Error),
    #[error("fee config: {0} trailing bytes")]
    TrailingBytes(usize),
    #[error("fee config: a vault address has {0} bytes (must be 0 or 20)")]
    VaultLength(usize),
}

/// The RLP body of [`FeeConfig`] (vaults as 0 or 20 bytes).
#[derive(RlpEncodable, RlpDecodable)]
struct FeeConfigV1 {
    base_fee_vault: alloy_primitives::Bytes,
    operator_fee_vault: alloy_primitives::Bytes,
    operator_fee_per_gas: u128,
    l1_fee_vault: Address,
    l1_fee_scalar: u64,
    l1_blob_base_fee: u128,
    elasticity_multiplier: u64,
    base_fee_max_change_denominator: u64,
}

fn vault_bytes(vault: Option<Address>) -> alloy_primitives::Bytes {
    vault.map(|a| alloy_primitives::Bytes::copy_from_slice(a.as_slice())).unwrap_or_default()
}

fn vault_of(bytes: &[u8]) -> Result<Option<Address>, FeeConfigDecodeError> {
    match bytes.len() {
        0 => Ok(None),
        20 => Ok(Some(Address::from_slice(bytes))),
        other => Err(FeeConfigDecodeError::VaultLength(other)),
    }
}

impl FeeConfig {
    /// The fee config of a block built under `settings` with the L1 blob base fee
    /// `l1_blob_base_fee` (wei per blob gas), raised to [`MIN_L1_BLOB_BASE_FEE`].
    pub fn new(settings: &FeeSettings, l1_blob_base_fee: u128) -> Self {
        Self {
            base_fee_vault: settings.base_fee_vault,
            operator_fee_vault: settings.operator_fee_vault,
            operator_fee_per_gas: settings.operator_fee_per_gas.to(),
            l1_fee_vault: settings.l1_fee_vault,
            l1_fee_scalar: settings.l1_fee_scalar,
            l1_blob_base_fee: l1_blob_base_fee.max(MIN_L1_BLOB_BASE_FEE),
            elasticity_multiplier: settings.eip1559.elasticity_multiplier,
            base_fee_max_change_denominator: settings.eip1559.base_fee_max_change_denominator,
        }
    }

    /// The stored bytes: version byte, then the RLP list (see the type's documentation).
    pub fn encode(&self) -> Vec<u8> {
        let body = FeeConfigV1 {
            base_fee_vault: vault_bytes(self.base_fee_vault),
            operator_fee_vault: vault_bytes(self.operator_fee_vault),
            operator_fee_per_gas: self.operator_fee_per_gas,
            l1_fee_vault: self.l1_fee_vault,
            l1_fee_scalar: self.l1_fee_scalar,
            l1_blob_base_fee: self.l1_blob_base_fee,
            elasticity_multiplier: self.elasticity_multiplier,
            base_fee_max_change_denominator: self.base_fee_max_change_denominator,
        };
        let mut out = Vec::with_capacity(1 + body.length());
        out.push(FEE_CONFIG_VERSION);
        body.encode(&mut out);
        out
    }

    /// Reads [`FeeConfig::encode`]'s bytes; refuses another version, malformed RLP, trailing
    /// bytes and vaults that are not 0 or 20 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, FeeConfigDecodeError> {
        let (&version, mut rest) = bytes.split_first().ok_or(FeeConfigDecodeError::Empty)?;
        if version != FEE_CONFIG_VERSION {
            return Err(FeeConfigDecodeError::UnknownVersion(version));
        }
        let body = FeeConfigV1::decode(&mut rest).map_err(FeeConfigDecodeError::Rlp)?;
        if !rest.is_empty() {
            return Err(FeeConfigDecodeError::TrailingBytes(rest.len()));
        }
        Ok(Self {
            base_fee_vault: vault_of(&body.base_fee_vault)?,
            operator_fee_vault: vault_of(&body.operator_fee_vault)?,
            operator_fee_per_gas: body.operator_fee_per_gas,
            l1_fee_vault: body.l1_fee_vault,
            l1_fee_scalar: body.l1_fee_scalar,
            l1_blob_base_fee: body.l1_blob_base_fee,
            elasticity_multiplier: body.elasticity_multiplier,
            base_fee_max_change_denominator: body.base_fee_max_change_denominator,
        })
    }

    /// The L1 cost in wei of `data_size` bytes ([`l1_data_size`]): `data_size ×
    /// l1_blob_base_fee × 131072/126976 × l1_fee_scalar / 10^6`, rounded down.
    pub fn l1_cost(&self, data_size: u64) -> U256 {
        let numerator = U256::from(data_size)
            .saturating_mul(U256::from(self.l1_blob_base_fee))
            .saturating_mul(U256::from(BLOB_BYTES))
            .saturating_mul(U256::from(self.l1_fee_scalar));
        numerator / U256::from(BLOB_USABLE_BYTES * SCALAR_UNIT)
    }

    /// The L1 data gas `L` of a transaction with L1 data size `data_size` in a block with base
    /// fee `base_fee`: `ceil(l1_cost / max(base_fee, 1))`, saturating at `u64::MAX` (such a
    /// transaction can never have enough gas).
    pub fn l1_gas(&self, data_size: u64, base_fee: u64) -> u64 {
        let cost = self.l1_cost(data_size);
        let price = U256::from(base_fee.max(1));
        let (quotient, remainder) = cost.div_rem(price);
        let gas = if remainder.is_zero() { quotient } else { quotient.saturating_add(U256::ONE) };
        u64::try_from(gas).unwrap_or(u64::MAX)
    }
}

/// The L1 data size estimate of a transaction from its EIP-2718 bytes alone (Ecotone-style
/// calldata weighting): `(4 × zero bytes + 16 × non-zero bytes) / 16`, at least
/// [`MIN_L1_DATA_SIZE`]. Deterministic: no compression, no state.
pub fn l1_data_size(tx_bytes: &[u8]) -> u64 {
    let zeros = tx_bytes.iter().filter(|b| **b == 0).count() as u64;
    let nonzeros = (tx_bytes.len() as u64).saturating_sub(zeros);
    let weighted = zeros.saturating_mul(4).saturating_add(nonzeros.saturating_mul(16));
    (weighted / 16).max(MIN_L1_DATA_SIZE)
}

/// A gas limit that cannot pay intrinsic gas plus L1 data gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "intrinsic gas too low: gas limit {gas_limit} below {intrinsic} intrinsic + {l1_gas} L1 data gas"
)]
pub struct L1GasTooLow {
    pub gas_limit: u64,
    /// Intrinsic gas (or the EIP-7623 floor, when higher) without L1 data gas.
    pub intrinsic: u64,
    pub l1_gas: u64,
}

/// Checks that `gas_limit` covers `intrinsic` plus `l1_gas` and returns their sum (the
/// transaction's initial gas on the L2). The one rule shared by the handler and the pool.
pub fn check_l1_gas(gas_limit: u64, intrinsic: u64, l1_gas: u64) -> Result<u64, L1GasTooLow> {
    match intrinsic.checked_add(l1_gas) {
        Some(required) if required <= gas_limit => Ok(required),
        _ => Err(L1GasTooLow { gas_limit, intrinsic, l1_gas }),
    }
}

#[cfg(test)]
mod tests;
