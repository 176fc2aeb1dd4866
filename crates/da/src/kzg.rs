//! EIP-4844 versioned hashes of blobs: each blob committed with c-kzg under the Ethereum KZG
//! ceremony's trusted setup (built in, no file read), then `0x01 ‖ sha256(commitment)[1..]`.
//! The sealer, followers and the guest program all derive a batch's hashes this way.

use alloy_eips::eip4844::{c_kzg, env_settings::EnvKzgSettings, kzg_to_versioned_hash};
use alloy_primitives::B256;

/// A blob c-kzg refuses: wrong length, or a field element not below the BLS modulus.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("blob {index} cannot be committed to: {reason}")]
pub struct KzgError {
    pub index: usize,
    pub reason: String,
}

/// The versioned hashes of `blobs` (131,072 bytes each), in order.
pub fn blob_versioned_hashes<B: AsRef<[u8]>>(blobs: &[B]) -> Result<Vec<B256>, KzgError> {
    let settings = EnvKzgSettings::Default.get();
    blobs
        .iter()
        .enumerate()
        .map(|(index, blob)| {
            let error = |e: c_kzg::Error| KzgError { index, reason: e.to_string() };
            let blob = c_kzg::Blob::from_bytes(blob.as_ref()).map_err(error)?;
            let commitment = settings.blob_to_kzg_commitment(&blob).map_err(error)?;
            Ok(kzg_to_versioned_hash(commitment.to_bytes().as_slice()))
        })
        .collect()
}
