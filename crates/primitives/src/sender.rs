//! Transaction sender recovery with libsecp256k1 (the same library revm's ecrecover uses,
//! so the crypto stack is built once).

use crate::{BasaltTxEnvelope, TxEnvelope};
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

/// A secret key that is not a valid secp256k1 scalar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid secp256k1 secret key")]
pub struct InvalidSecretKey;

fn secret_key(secret: &B256) -> Result<secp256k1::SecretKey, InvalidSecretKey> {
    secp256k1::SecretKey::from_byte_array(secret.0).map_err(|_| InvalidSecretKey)
}

/// The address controlled by `secret`.
pub fn address_of(secret: &B256) -> Result<Address, InvalidSecretKey> {
    let public_key = secp256k1::PublicKey::from_secret_key(SECP256K1, &secret_key(secret)?);
    Ok(Address::from_slice(&keccak256(&public_key.serialize_uncompressed()[1..])[12..]))
}

/// Signs `hash` with `secret` (low-s, as libsecp256k1 always produces).
pub fn sign_hash(secret: &B256, hash: B256) -> Result<Signature, InvalidSecretKey> {
    let signature =
        SECP256K1.sign_ecdsa_recoverable(Message::from_digest(hash.0), &secret_key(secret)?);
    let (recovery_id, compact) = signature.serialize_compact();
    Ok(Signature::new(
        U256::from_be_slice(&compact[..32]),
        U256::from_be_slice(&compact[32..]),
        i32::from(recovery_id) != 0,
    ))
}

/// Signs a transaction and wraps it in an envelope.
pub fn sign_transaction<T>(tx: T, secret: &B256) -> Result<TxEnvelope, InvalidSecretKey>
where
    T: alloy_consensus::SignableTransaction<Signature>,
    TxEnvelope: From<alloy_consensus::Signed<T>>,
{
    let signature = sign_hash(secret, tx.signature_hash())?;
    Ok(TxEnvelope::from(tx.into_signed(signature)))
}

/// Recovers the senders of a block's `txs` in order (a privileged transaction's is its `from`), on up to `available_parallelism` threads when the
/// list is long enough to pay for them. Fails with the index of the first bad signature.
pub fn recover_senders(
    txs: &[BasaltTxEnvelope],
    allow_high_s: bool,
) -> Result<Vec<Address>, (usize, SenderError)> {
    const MIN_PER_THREAD: usize = 32;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(txs.len() / MIN_PER_THREAD)
        .max(1);
    if threads == 1 {
        return txs
            .iter()
            .enumerate()
            .map(|(i, tx)| tx.recover_sender(allow_high_s).map_err(|e| (i, e)))
            .collect();
    }
    let chunk = txs.len().div_ceil(threads);
    let parts: Vec<Result<Vec<Address>, (usize, SenderError)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = txs
            .chunks(chunk)
            .enumerate()
            .map(|(part, txs)| {
                scope.spawn(move || {
                    txs.iter()
                        .enumerate()
                        .map(|(i, tx)| {
                            tx.recover_sender(allow_high_s).map_err(|e| (part * chunk + i, e))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err((0, SenderError::Unrecoverable))))
            .collect()
    });
    let mut senders = Vec::with_capacity(txs.len());
    for part in parts {
        senders.extend(part?);
    }
    Ok(senders)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_consensus::TxEip1559;
    use alloy_primitives::{TxKind, b256};

    #[test]
    fn signed_transaction_recovers_to_signer() {
        // The first key of the "test test ... junk" mnemonic.
        let secret = b256!("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        let signer = address_of(&secret).unwrap();
        assert_eq!(
            signer,
            alloy_primitives::address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
        let tx = TxEip1559 {
            chain_id: 1,
            to: TxKind::Call(Address::ZERO),
            gas_limit: 21_000,
            ..Default::default()
        };
        let envelope = sign_transaction(tx, &secret).unwrap();
        assert_eq!(recover_sender(&envelope, false).unwrap(), signer);
    }

    #[test]
    fn zero_secret_is_rejected() {
        assert_eq!(address_of(&B256::ZERO), Err(InvalidSecretKey));
    }

    #[test]
    fn parallel_recovery_keeps_transaction_order() {
        let secrets: Vec<B256> = (1..=100u64).map(|i| B256::from(U256::from(i))).collect();
        let txs: Vec<BasaltTxEnvelope> = secrets
            .iter()
            .map(|s| {
                sign_transaction(
                    TxEip1559 { chain_id: 1, gas_limit: 21_000, ..Default::default() },
                    s,
                )
                .unwrap()
                .into()
            })
            .collect();
        let expected: Vec<Address> = secrets.iter().map(|s| address_of(s).unwrap()).collect();
        assert_eq!(recover_senders(&txs, false).unwrap(), expected);
    }
}
