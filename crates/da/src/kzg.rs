//! EIP-4844 versioned hashes of blobs: each blob committed with c-kzg under the Ethereum KZG
//! ceremony's trusted setup (built in, no file read), then `0x01 ‖ sha256(commitment)[1..]`.
//! The sealer and followers derive a batch's hashes this way; the guest program checks given
//! commitments by their blob proofs instead (same hashes, a fraction of the cost).

use alloy_eips::eip4844::{
    c_kzg::{self, KzgSettings},
    env_settings::EnvKzgSettings,
    kzg_to_versioned_hash,
};
use alloy_primitives::{B256, FixedBytes};

/// A blob c-kzg refuses (wrong length, a field element not below the BLS modulus), or a blob
/// whose given commitment and proof do not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("KZG, blob {index}: {reason}")]
pub struct KzgError {
    pub index: usize,
    pub reason: String,
}

/// The versioned hashes of `blobs` (131,072 bytes each), in order.
pub fn blob_versioned_hashes<B: AsRef<[u8]>>(blobs: &[B]) -> Result<Vec<B256>, KzgError> {
    commit_each(blobs, |_, _, commitment| Ok(kzg_to_versioned_hash(commitment.as_slice())))
}

/// Commits to each blob and maps (blob, commitment) with `then`, naming the blob c-kzg refuses.
fn commit_each<B: AsRef<[u8]>, T>(
    blobs: &[B],
    then: impl Fn(&KzgSettings, &c_kzg::Blob, c_kzg::Bytes48) -> Result<T, c_kzg::Error>,
) -> Result<Vec<T>, KzgError> {
    let settings = EnvKzgSettings::Default.get();
    blobs
        .iter()
        .enumerate()
        .map(|(index, blob)| {
            let error = |e: c_kzg::Error| KzgError { index, reason: e.to_string() };
            let blob = c_kzg::Blob::from_bytes(blob.as_ref()).map_err(error)?;
            let commitment = settings.blob_to_kzg_commitment(&blob).map_err(error)?;
            then(settings, &blob, commitment.to_bytes()).map_err(error)
        })
        .collect()
}

/// A blob's KZG commitment with its EIP-4844 blob proof (`compute_blob_kzg_proof`: the opening
/// at the Fiat-Shamir point of blob and commitment), 48 bytes each. With it a verifier checks that
/// a blob is the one a versioned hash names at the cost of one evaluation and a pairing check,
/// instead of recomputing the commitment (a 4,096-point multi-scalar multiplication).
#[derive(Clone, Copy, Debug, PartialEq, Eq, alloy_rlp::RlpEncodable, alloy_rlp::RlpDecodable)]
pub struct BlobKzgProof {
    pub commitment: FixedBytes<48>,
    pub proof: FixedBytes<48>,
}

/// Commitment and blob proof of each of `blobs` (131,072 bytes each), in order: what a prover's
/// input carries so the guest can check its blobs ([`verified_versioned_hashes`]). Errors: a
/// blob c-kzg refuses.
pub fn blob_kzg_proofs<B: AsRef<[u8]>>(blobs: &[B]) -> Result<Vec<BlobKzgProof>, KzgError> {
    commit_each(blobs, |settings, blob, commitment| {
        let proof = settings.compute_blob_kzg_proof(blob, &commitment)?;
        Ok(BlobKzgProof {
            commitment: FixedBytes(commitment.into_inner()),
            proof: FixedBytes(proof.to_bytes().into_inner()),
        })
    })
}

/// The versioned hashes of `blobs`, each checked against its commitment by its blob proof
/// (EIP-4844 `verify_blob_kzg_proof`, all at once with `verify_blob_kzg_proof_batch`): the same
/// hashes [`blob_versioned_hashes`] computes, at a fraction of the cost. Errors: a count that
/// differs from the blobs', a malformed blob, commitment or proof, a proof that does not open
/// its commitment to its blob (the first such blob named).
pub fn verified_versioned_hashes<B: AsRef<[u8]>>(
    blobs: &[B],
    proofs: &[BlobKzgProof],
) -> Result<Vec<B256>, KzgError> {
    if blobs.len() != proofs.len() {
        return Err(KzgError {
            index: blobs.len().min(proofs.len()),
            reason: format!("{} blobs but {} blob proofs", blobs.len(), proofs.len()),
        });
    }
    let settings = EnvKzgSettings::Default.get();
    let blobs = blobs
        .iter()
        .enumerate()
        .map(|(index, blob)| {
            c_kzg::Blob::from_bytes(blob.as_ref())
                .map_err(|e| KzgError { index, reason: e.to_string() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let commitments: Vec<_> = proofs.iter().map(|p| c_kzg::Bytes48::from(p.commitment.0)).collect();
    let openings: Vec<_> = proofs.iter().map(|p| c_kzg::Bytes48::from(p.proof.0)).collect();
    let batch = settings.verify_blob_kzg_proof_batch(&blobs, &commitments, &openings);
    if !matches!(batch, Ok(true)) {
        // Name the first blob at fault (one check per blob, only on this failing path).
        for (index, ((blob, commitment), proof)) in
            blobs.iter().zip(&commitments).zip(&openings).enumerate()
        {
            let reason = match settings.verify_blob_kzg_proof(blob, commitment, proof) {
                Ok(true) => continue,
                Ok(false) => "its proof does not open its commitment to it".to_string(),
                Err(e) => e.to_string(),
            };
            return Err(KzgError { index, reason });
        }
        return Err(KzgError {
            index: 0,
            reason: format!("the batch check of the blob proofs failed: {batch:?}"),
        });
    }
    Ok(proofs.iter().map(|p| kzg_to_versioned_hash(p.commitment.as_slice())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode_blobs;

    #[test]
    fn checked_commitments_give_the_computed_versioned_hashes() {
        let data: Vec<u8> =
            (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let blobs = encode_blobs(&data, 6).unwrap();
        assert_eq!(blobs.len(), 2);
        let proofs = blob_kzg_proofs(&blobs).unwrap();
        let hashes = blob_versioned_hashes(&blobs).unwrap();
        assert_eq!(verified_versioned_hashes(&blobs, &proofs).unwrap(), hashes);

        // The proofs swapped: each opens the other blob's commitment, not its own.
        let swapped = [
            BlobKzgProof { proof: proofs[1].proof, ..proofs[0] },
            BlobKzgProof { proof: proofs[0].proof, ..proofs[1] },
        ];
        let error = verified_versioned_hashes(&blobs, &swapped).unwrap_err();
        assert_eq!(error.index, 0, "{error}");
        // The second blob's commitment and proof for the first blob.
        let error = verified_versioned_hashes(&blobs, &[proofs[0], proofs[0]]).unwrap_err();
        assert_eq!(error.index, 1, "{error}");
        // Bytes that are no curve point.
        let garbage = BlobKzgProof { commitment: FixedBytes([0xff; 48]), ..proofs[1] };
        let error = verified_versioned_hashes(&blobs, &[proofs[0], garbage]).unwrap_err();
        assert_eq!(error.index, 1, "{error}");
        // One proof short.
        let error = verified_versioned_hashes(&blobs, &proofs[..1]).unwrap_err();
        assert!(error.reason.contains("2 blobs but 1 blob proofs"), "{error}");
    }
}
