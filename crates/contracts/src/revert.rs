//! Contract reverts decoded into named errors, so that a failed call reports
//! `OnChainProposer.NotSequencer(caller: 0x…)` rather than hex.
//!
//! Errors bubble up through calls between our contracts (a rejected attestation reverts
//! `verifyBatches` with the verifier's error), so a revert is tried against every contract's errors.

use std::fmt;

use alloy::sol_types::{Panic, Revert, SolError, SolInterface};
use alloy_primitives::Bytes;

use crate::bindings::{
    AttestationVerifier::AttestationVerifierErrors, BasaltTimelock::BasaltTimelockErrors,
    BridgedERC20::BridgedERC20Errors, CanonicalERC20::CanonicalERC20Errors,
    CommonBridge::CommonBridgeErrors, L2Bridge::L2BridgeErrors,
    L2TokenFactory::L2TokenFactoryErrors, OnChainProposer::OnChainProposerErrors,
};

/// A revert of one of our contracts, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContractRevert {
    /// A custom error of `OnChainProposer` (including the OpenZeppelin errors it can raise).
    OnChainProposer(OnChainProposerErrors),
    /// A custom error of `CommonBridge`.
    CommonBridge(CommonBridgeErrors),
    /// A custom error of `AttestationVerifier`.
    AttestationVerifier(AttestationVerifierErrors),
    /// A custom error of the governance timelock.
    Timelock(BasaltTimelockErrors),
    /// A custom error of the L2 bridge.
    L2Bridge(L2BridgeErrors),
    /// A custom error of a bridged L2 token.
    BridgedToken(BridgedERC20Errors),
    /// A custom error of the L2 token factory.
    TokenFactory(L2TokenFactoryErrors),
    /// A custom error of a canonical L2 token (its one-time initialisation).
    CanonicalToken(CanonicalERC20Errors),
    /// `Error(string)`, e.g. from a third-party contract.
    Message(String),
    /// `Panic(uint256)`: an assertion or arithmetic failure.
    Panic(u64),
    /// Revert data no known error matches (or none at all).
    Unknown(Bytes),
}

impl ContractRevert {
    /// Decodes revert data; never fails (unknown data becomes [`ContractRevert::Unknown`]).
    pub fn decode(data: &[u8]) -> Self {
        if let Ok(e) = OnChainProposerErrors::abi_decode(data) {
            return Self::OnChainProposer(e);
        }
        if let Ok(e) = CommonBridgeErrors::abi_decode(data) {
            return Self::CommonBridge(e);
        }
        if let Ok(e) = AttestationVerifierErrors::abi_decode(data) {
            return Self::AttestationVerifier(e);
        }
        if let Ok(e) = BasaltTimelockErrors::abi_decode(data) {
            return Self::Timelock(e);
        }
        if let Ok(e) = L2BridgeErrors::abi_decode(data) {
            return Self::L2Bridge(e);
        }
        if let Ok(e) = BridgedERC20Errors::abi_decode(data) {
            return Self::BridgedToken(e);
        }
        if let Ok(e) = L2TokenFactoryErrors::abi_decode(data) {
            return Self::TokenFactory(e);
        }
        if let Ok(e) = CanonicalERC20Errors::abi_decode(data) {
            return Self::CanonicalToken(e);
        }
        if let Ok(e) = Revert::abi_decode(data) {
            return Self::Message(e.reason);
        }
        if let Ok(p) = Panic::abi_decode(data) {
            return Self::Panic(p.code.saturating_to());
        }
        Self::Unknown(Bytes::copy_from_slice(data))
    }

    /// The error's name, e.g. `"NotSequencer"`; `None` for unknown data.
    pub fn name(&self) -> Option<&'static str> {
        match self {
            Self::OnChainProposer(e) => OnChainProposerErrors::name_by_selector(e.selector()),
            Self::CommonBridge(e) => CommonBridgeErrors::name_by_selector(e.selector()),
            Self::AttestationVerifier(e) => {
                AttestationVerifierErrors::name_by_selector(e.selector())
            }
            Self::Timelock(e) => BasaltTimelockErrors::name_by_selector(e.selector()),
            Self::L2Bridge(e) => L2BridgeErrors::name_by_selector(e.selector()),
            Self::BridgedToken(e) => BridgedERC20Errors::name_by_selector(e.selector()),
            Self::TokenFactory(e) => L2TokenFactoryErrors::name_by_selector(e.selector()),
            Self::CanonicalToken(e) => CanonicalERC20Errors::name_by_selector(e.selector()),
            Self::Message(_) => Some("Error"),
            Self::Panic(_) => Some("Panic"),
            Self::Unknown(_) => None,
        }
    }

    /// The 4-byte selector of a custom error.
    pub fn selector(&self) -> Option<[u8; 4]> {
        Some(match self {
            Self::OnChainProposer(e) => e.selector(),
            Self::CommonBridge(e) => e.selector(),
            Self::AttestationVerifier(e) => e.selector(),
            Self::Timelock(e) => e.selector(),
            Self::L2Bridge(e) => e.selector(),
            Self::BridgedToken(e) => e.selector(),
            Self::TokenFactory(e) => e.selector(),
            Self::CanonicalToken(e) => e.selector(),
            Self::Message(_) => Revert::SELECTOR,
            Self::Panic(_) => Panic::SELECTOR,
            Self::Unknown(data) => return data.get(..4).and_then(|s| s.try_into().ok()),
        })
    }
}

impl fmt::Display for ContractRevert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OnChainProposer(e) => write!(f, "OnChainProposer.{e:?}"),
            Self::CommonBridge(e) => write!(f, "CommonBridge.{e:?}"),
            Self::AttestationVerifier(e) => write!(f, "AttestationVerifier.{e:?}"),
            Self::Timelock(e) => write!(f, "Timelock.{e:?}"),
            Self::L2Bridge(e) => write!(f, "L2Bridge.{e:?}"),
            Self::BridgedToken(e) => write!(f, "BridgedToken.{e:?}"),
            Self::TokenFactory(e) => write!(f, "L2TokenFactory.{e:?}"),
            Self::CanonicalToken(e) => write!(f, "CanonicalToken.{e:?}"),
            Self::Message(m) => write!(f, "Error({m:?})"),
            Self::Panic(code) => write!(f, "Panic(0x{code:x})"),
            Self::Unknown(data) if data.is_empty() => write!(f, "reverted without data"),
            Self::Unknown(data) => write!(f, "unknown revert data {data}"),
        }
    }
}

/// The revert data inside an alloy contract error, if the failure was a revert.
pub fn revert_data(err: &alloy::contract::Error) -> Option<Bytes> {
    err.as_revert_data()
}

/// Decodes the revert inside an alloy contract error; `None` if the call did not revert (transport
/// failure, bad response, ...).
pub fn decode_contract_error(err: &alloy::contract::Error) -> Option<ContractRevert> {
    revert_data(err).map(|data| ContractRevert::decode(&data))
}

/// Decodes revert data given as hex (with or without `0x`), as printed by `cast` or a JSON-RPC error.
pub fn decode_revert_hex(hex_data: &str) -> Option<ContractRevert> {
    let data = alloy_primitives::hex::decode(hex_data.trim()).ok()?;
    Some(ContractRevert::decode(&data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::{AttestationVerifier, OnChainProposer};
    use alloy_primitives::{Address, U256};

    #[test]
    fn custom_error_decodes_by_name() {
        let data = OnChainProposer::NotSequencer { caller: Address::repeat_byte(7) }.abi_encode();
        let revert = ContractRevert::decode(&data);
        assert_eq!(revert.name(), Some("NotSequencer"));
        assert_eq!(revert.selector(), Some(OnChainProposer::NotSequencer::SELECTOR));
        assert!(revert.to_string().starts_with("OnChainProposer.NotSequencer"), "{revert}");
    }

    #[test]
    fn verifier_error_bubbling_through_the_rollup_decodes() {
        let data = AttestationVerifier::BelowThreshold {
            signatures: U256::from(1),
            threshold: U256::from(2),
        }
        .abi_encode();
        assert_eq!(ContractRevert::decode(&data).name(), Some("BelowThreshold"));
    }

    #[test]
    fn token_factory_and_canonical_token_errors_decode_by_name() {
        use crate::bindings::{CanonicalERC20, L2TokenFactory};
        let data = L2TokenFactory::TokenExists {
            tokenL1: Address::repeat_byte(1),
            tokenL2: Address::repeat_byte(2),
        }
        .abi_encode();
        let revert = ContractRevert::decode(&data);
        assert!(revert.to_string().starts_with("L2TokenFactory.TokenExists"), "{revert}");
        let data = CanonicalERC20::AlreadyInitialized {}.abi_encode();
        assert_eq!(ContractRevert::decode(&data).name(), Some("AlreadyInitialized"));
    }

    #[test]
    fn unknown_data_is_kept() {
        let revert = ContractRevert::decode(&[1, 2, 3, 4, 5]);
        assert_eq!(revert.name(), None);
        assert_eq!(revert.selector(), Some([1, 2, 3, 4]));
        assert_eq!(ContractRevert::decode(&[]).to_string(), "reverted without data");
    }
}
