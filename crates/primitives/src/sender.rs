//! Transaction sender recovery with libsecp256k1 (the same library revm's ecrecover uses,
//! so the crypto stack is built once).

use crate::TxEnvelope;
use alloy_primitives::{Address, B256, Signature, U256, keccak256};
use secp256k1::{
    Message, SECP256K1,
    ecdsa::{RecoverableSignature, RecoveryId},
};

/// secp256k1n / 2: EIP-2 rejects signatures with a larger `s`.
const SECP256K1N_HALF: U256 = U256::from_be_bytes([
    0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4, 0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0,
]);

/// Why a signature does not yield a sender.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    #[error("signature s value is above secp256k1n/2 (EIP-2)")]
    HighS,
    #[error("signature does not recover to a public key")]
    Unrecoverable,
}

/// Recovers the signer of `hash`. `allow_high_s` is true only before Homestead.
pub fn recover_signer(
    signature: &Signature,
    hash: B256,
    allow_high_s: bool,
) -> Result<Address, SenderError> {
    if !allow_high_s && signature.s() > SECP256K1N_HALF {
        return Err(SenderError::HighS);
    }
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(&signature.r().to_be_bytes::<32>());
    compact[32..].copy_from_slice(&signature.s().to_be_bytes::<32>());
    let recovery_id =
        RecoveryId::try_from(i32::from(signature.v())).map_err(|_| SenderError::Unrecoverable)?;
    let recoverable = RecoverableSignature::from_compact(&compact, recovery_id)
        .map_err(|_| SenderError::Unrecoverable)?;
    let public_key = SECP256K1
        .recover_ecdsa(Message::from_digest(hash.0), &recoverable)
        .map_err(|_| SenderError::Unrecoverable)?;
    let uncompressed = public_key.serialize_uncompressed();
    Ok(Address::from_slice(&keccak256(&uncompressed[1..])[12..]))
}

/// Recovers a transaction's sender.
pub fn recover_sender(tx: &TxEnvelope, allow_high_s: bool) -> Result<Address, SenderError> {
    recover_signer(tx.signature(), tx.signature_hash(), allow_high_s)
}
