//! What can go wrong while committing batches, split by what the committer does about it:
//! retry with backoff, or stop committing with a critical error (blocks go on).

use alloy_primitives::B256;
use basalt_storage::StorageError;

/// A failed committer step. [`CommitterError::is_critical`] says whether committing must stop.
#[derive(Debug, thiserror::Error)]
pub enum CommitterError {
    /// The L1 RPC URL does not parse (configuration).
    #[error("L1 RPC URL {url:?} is not a URL: {reason}")]
    BadUrl { url: String, reason: String },
    /// The committer key is not a valid secp256k1 secret (configuration).
    #[error("the committer key is not a valid secp256k1 private key")]
    BadKey,
    /// The L1 endpoint did not answer, or answered with an error (retried).
    #[error("L1 endpoint {url}: {reason}")]
    Rpc { url: String, reason: String },
    /// The L1 endpoint did not answer in time (retried).
    #[error("L1 endpoint {url} did not answer within {secs} s")]
    Timeout { url: String, secs: u64 },
    /// The node's storage failed (retried).
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// Building the blobs or their KZG proofs failed (retried; never happens for blobs
    /// `basalt_da::encode_blobs` packed).
    #[error("building the blobs of batch {batch}: {reason}")]
    Blobs { batch: u64, reason: String },
    /// The L1 pool refused the commit transaction (retried).
    #[error("the L1 refused the commit of batch {batch}: {reason}")]
    Refused { batch: u64, reason: String },
    /// Simulating `commitBatch` reverted with a contract error that may pass later (paused,
    /// the key not yet a sequencer; retried).
    #[error("commitBatch({batch}) would revert with {revert}")]
    Reverts { batch: u64, revert: String },
    /// The batch can never be committed: the proposer refuses its privileged rolling hash (the
    /// bridge's queue on L1 changed under the L2, an L1 reorg) or its forced-inclusion rule.
    /// Critical.
    #[error(
        "CRITICAL: batch {batch} can never be committed: commitBatch reverts with {revert}; committing stopped, L2 blocks go on (the L2 must be rebuilt from the last committed batch)"
    )]
    NeverCommittable { batch: u64, revert: String },
    /// The proposer holds batches this node never sealed, or another state root for one it
    /// did: another sequencer commits on this deployment, or the datadir is not this L2's.
    /// Critical.
    #[error(
        "CRITICAL: the L1 proposer holds batch {batch} {reason}; committing stopped, L2 blocks go on (is another sequencer committing with this deployment?)"
    )]
    Diverged { batch: u64, reason: String },
    /// The proof sender was given the committer's key: the two would take each other's nonces
    /// (configuration).
    #[error("the proof sender's key must differ from the committer's")]
    SameKey,
    /// The deployment lists a verifier this node's provers make no proofs for (retried: the
    /// deployment or the provers may change).
    #[error(
        "the proposer requires a proof for verifier id {verifier_id}, but the stored proof is of kind {kind} (0 exec, 1 attestation)"
    )]
    UnsupportedVerifier { verifier_id: u8, kind: u8 },
    /// Simulating `verifyBatches` reverted with an error that is not about the proof (paused;
    /// retried).
    #[error("verifyBatches from batch {batch} would revert with {revert}")]
    VerifyReverts { batch: u64, revert: String },
    /// Committing stopped earlier with a critical error.
    #[error("committing is stopped: {0}")]
    Stopped(String),
}

impl CommitterError {
    /// Whether committing must stop: retrying would commit something L1 can never accept, or
    /// over batches this node does not own.
    pub fn is_critical(&self) -> bool {
        matches!(
            self,
            Self::BadUrl { .. }
                | Self::BadKey
                | Self::SameKey
                | Self::NeverCommittable { .. }
                | Self::Diverged { .. }
                | Self::Stopped(_)
        )
    }
}

/// A batch's state root as L1 holds it and as sealed here.
pub(crate) fn root_mismatch(l1: B256, sealed: B256) -> String {
    format!("with state root {l1}, but this node sealed it with {sealed}")
}
