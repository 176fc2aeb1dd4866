//! Transaction sender recovery with libsecp256k1 (the same library revm's ecrecover uses,
//! so the crypto stack is built once).

use crate::{BasaltTxEnvelope, TxEnvelope};
use alloy_primitives::{Address, B256, Signature, U256, keccak256};
use secp256k1::{
    Message, SECP256K1,
    ecdsa::{RecoverableSignature, RecoveryId},
};
use std::sync::{
    OnceLock,
    atomic::{AtomicUsize, Ordering},
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
    /// A sender asked for by an index past the block's transactions (a caller's mistake, made an
    /// error rather than a panic).
    #[error("no transaction {index} in a block of {len}")]
    OutOfRange { index: usize, len: usize },
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

/// The senders of one block's transactions in order, or the index and cause of the first bad
/// signature (what [`recover_senders`] returns).
pub type BlockSenders = Result<Vec<Address>, (usize, SenderError)>;

/// Transactions a thread claims at a time from the shared recovery queue of
/// [`with_sender_recovery`]: ~0.6 ms of recovery, so a consumer that reaches a claim another thread
/// holds waits little, and the claim counter is touched rarely.
const CLAIM: usize = 16;

/// The recovery queue of [`with_sender_recovery`]: every block's transactions in order, a slot per
/// transaction for its sender, and how far the queue has been claimed.
struct RecoveryQueue<'a> {
    txs: Vec<(&'a BasaltTxEnvelope, bool)>,
    recovered: Vec<OnceLock<Result<Address, SenderError>>>,
    claimed: AtomicUsize,
}

impl RecoveryQueue<'_> {
    /// Claims the next run of the queue and recovers it; false once the queue is all claimed.
    /// Every claimed slot is filled, even if recovery panicked (as the in-line path's callers
    /// see it: a signature that yields no sender), so a waiting consumer never hangs.
    fn work(&self) -> bool {
        let start = self.claimed.fetch_add(CLAIM, Ordering::Relaxed);
        let end = self.txs.len().min(start.saturating_add(CLAIM));
        let Some(run) = self.txs.get(start..end) else { return false };
        for (offset, (tx, allow_high_s)) in run.iter().enumerate() {
            let sender = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                tx.recover_sender(*allow_high_s)
            }))
            .unwrap_or(Err(SenderError::Unrecoverable));
            let _ = self.recovered[start + offset].set(sender);
        }
        !run.is_empty()
    }

    /// The sender at `position`. While it is not there yet this thread recovers the next
    /// unclaimed run (up to and past `position`) instead of idling; once the queue is all
    /// claimed it waits for the thread that holds `position` (one claim at most).
    fn sender(&self, position: usize) -> Result<Address, SenderError> {
        let slot = &self.recovered[position];
        while slot.get().is_none() && self.work() {}
        slot.wait().clone()
    }
}

/// The senders of a list of blocks, recovered ahead on a second core while the caller works
/// ([`with_sender_recovery`]).
pub struct SenderRecovery<'a> {
    queue: RecoveryQueue<'a>,
    /// Position in the queue of each block's first transaction, and its transaction count.
    blocks: Vec<(usize, usize)>,
}

impl SenderRecovery<'_> {
    /// Number of blocks.
    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }

    /// Block `index`'s senders; None past the last block.
    pub fn block(&self, index: usize) -> Option<QueuedSenders<'_>> {
        let &(start, len) = self.blocks.get(index)?;
        Some(QueuedSenders { queue: &self.queue, start, len })
    }
}

/// One block's senders as [`with_sender_recovery`] recovers them: each is available as soon as
/// it is recovered, so a consumer can execute a transaction while later ones are recovered.
pub struct QueuedSenders<'q> {
    queue: &'q RecoveryQueue<'q>,
    /// Position of the block's first transaction in the queue.
    start: usize,
    len: usize,
}

impl QueuedSenders<'_> {
    /// The block's transaction count.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the block has no transactions.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sender of the block's transaction `index`, waiting for (or recovering) it. Errors:
    /// its signature yields no sender, an index past the block.
    pub fn get(&self, index: usize) -> Result<Address, SenderError> {
        if index >= self.len {
            return Err(SenderError::OutOfRange { index, len: self.len });
        }
        self.queue.sender(self.start + index)
    }

    /// Every sender of the block in order, or the index and cause of the first bad signature
    /// (what [`recover_senders`] returns).
    pub fn all(&self) -> BlockSenders {
        (0..self.len).map(|index| self.get(index).map_err(|e| (index, e))).collect()
    }
}

/// Runs `work` while the senders of `blocks` are recovered, and returns what it returns.
/// `blocks[i]` is a block's transactions and whether high-s signatures are allowed (before
/// Homestead); `work` reads block i's senders through [`SenderRecovery::block`]. Recovery is one
/// queue over every block's transactions in order: when a second core is available a second
/// thread works through it from the moment `work` starts (so whatever `work` does before it
/// asks overlaps recovery), and a thread that asks for a sender not recovered yet recovers the
/// next unclaimed run itself. So both cores recover while nothing else is to be done, one
/// recovers ahead while `work` executes, and neither waits for the other longer than one claim
/// ([`CLAIM`] transactions). With one core, or where threads cannot be spawned (a zkVM), the
/// asking thread recovers everything itself, in line. Results are the same either way.
pub fn with_sender_recovery<R>(
    blocks: &[(&[BasaltTxEnvelope], bool)],
    work: impl FnOnce(&SenderRecovery<'_>) -> R,
) -> R {
    let txs: Vec<(&BasaltTxEnvelope, bool)> = blocks
        .iter()
        .flat_map(|(txs, allow_high_s)| txs.iter().map(move |tx| (tx, *allow_high_s)))
        .collect();
    let mut start = 0;
    let positions = blocks
        .iter()
        .map(|(txs, _)| {
            start += txs.len();
            (start - txs.len(), txs.len())
        })
        .collect();
    let recovery = SenderRecovery {
        queue: RecoveryQueue {
            recovered: txs.iter().map(|_| OnceLock::new()).collect(),
            txs,
            claimed: AtomicUsize::new(0),
        },
        blocks: positions,
    };
    let second_core = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    std::thread::scope(|scope| {
        // Without the thread the asking thread claims the whole queue itself.
        let _helper = second_core.then(|| {
            std::thread::Builder::new()
                .name("senders".into())
                .spawn_scoped(scope, || while recovery.queue.work() {})
        });
        let result = work(&recovery);
        // `work` is done (or stopped early): the rest of the queue is not wanted.
        recovery.queue.claimed.store(recovery.queue.txs.len(), Ordering::Relaxed);
        result
    })
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
        let txs = signed_by(&secrets);
        let expected: Vec<Address> = secrets.iter().map(|s| address_of(s).unwrap()).collect();
        assert_eq!(recover_senders(&txs, false).unwrap(), expected);
    }

    fn signed_by(secrets: &[B256]) -> Vec<BasaltTxEnvelope> {
        secrets
            .iter()
            .map(|s| {
                sign_transaction(
                    TxEip1559 { chain_id: 1, gas_limit: 21_000, ..Default::default() },
                    s,
                )
                .unwrap()
                .into()
            })
            .collect()
    }

    /// The same signature with s replaced by n - s (and the parity flipped): it recovers to the
    /// same key but EIP-2 refuses it.
    fn with_high_s(tx: &BasaltTxEnvelope) -> BasaltTxEnvelope {
        const N: U256 = U256::from_be_bytes([
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C,
            0xD0, 0x36, 0x41, 0x41,
        ]);
        let Some(TxEnvelope::Eip1559(signed)) = tx.as_ethereum() else { panic!("1559 expected") };
        let sig = signed.signature();
        let flipped = Signature::new(sig.r(), N - sig.s(), !sig.v());
        let tx = signed.tx().clone();
        TxEnvelope::from(alloy_consensus::Signed::new_unhashed(tx, flipped)).into()
    }

    #[test]
    fn recovered_senders_match_in_line_recovery_in_block_order() {
        let secrets: Vec<B256> = (1..=60u64).map(|i| B256::from(U256::from(i))).collect();
        let mut blocks: Vec<Vec<BasaltTxEnvelope>> = secrets.chunks(7).map(signed_by).collect();
        blocks.insert(3, Vec::new());
        blocks[5][2] = with_high_s(&blocks[5][2]);
        let inputs: Vec<(&[BasaltTxEnvelope], bool)> =
            blocks.iter().map(|txs| (txs.as_slice(), false)).collect();
        let seen: Vec<(usize, BlockSenders)> = with_sender_recovery(&inputs, |recovery| {
            assert_eq!(recovery.block_count(), blocks.len());
            assert!(recovery.block(blocks.len()).is_none());
            (0..blocks.len()).map(|i| (i, recovery.block(i).unwrap().all())).collect()
        });
        let expected: Vec<(usize, BlockSenders)> =
            blocks.iter().map(|txs| recover_senders(txs, false)).enumerate().collect();
        assert_eq!(seen, expected);
        assert_eq!(seen[5].1, Err((2, SenderError::HighS)));
        assert_eq!(seen[0].1.as_ref().unwrap()[0], address_of(&secrets[0]).unwrap());
        // Before Homestead the same block recovers.
        let pre_homestead = [(blocks[5].as_slice(), true)];
        let senders = with_sender_recovery(&pre_homestead, |r| r.block(0).unwrap().all());
        assert_eq!(senders.unwrap()[2], address_of(&secrets[30]).unwrap());
    }

    #[test]
    fn recovery_stops_when_the_work_does() {
        let secrets: Vec<B256> = (1..=40u64).map(|i| B256::from(U256::from(i))).collect();
        let blocks: Vec<Vec<BasaltTxEnvelope>> = secrets.chunks(4).map(signed_by).collect();
        let inputs: Vec<(&[BasaltTxEnvelope], bool)> =
            blocks.iter().map(|txs| (txs.as_slice(), false)).collect();
        // Nothing asked for: the call returns (the helper thread stops) without a hang.
        assert_eq!(with_sender_recovery(&inputs, |_| "done"), "done");
        let first = with_sender_recovery(&inputs, |r| r.block(0).unwrap().get(0));
        assert_eq!(first, Ok(address_of(&secrets[0]).unwrap()));
    }

    #[test]
    fn queued_senders_answer_one_by_one_in_any_order() {
        let secrets: Vec<B256> = (1..=70u64).map(|i| B256::from(U256::from(i))).collect();
        let blocks: Vec<Vec<BasaltTxEnvelope>> = secrets.chunks(35).map(signed_by).collect();
        let inputs: Vec<(&[BasaltTxEnvelope], bool)> =
            blocks.iter().map(|txs| (txs.as_slice(), false)).collect();
        with_sender_recovery(&inputs, |recovery| {
            // The first block's senders are not asked for at all; the second's last first.
            let senders = recovery.block(1).unwrap();
            assert_eq!(senders.len(), 35);
            for index in (0..35).rev() {
                assert_eq!(senders.get(index), Ok(address_of(&secrets[35 + index]).unwrap()));
            }
            assert_eq!(senders.get(35), Err(SenderError::OutOfRange { index: 35, len: 35 }));
        });
    }
}
