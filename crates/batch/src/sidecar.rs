//! The KZG sidecar of a batch's blobs: commitments, versioned hashes and the proofs the L1's
//! blob pool wants, EIP-4844 blob proofs before Osaka and EIP-7594 cell proofs from Osaka on.

use alloy_eips::{
    eip4844::{BYTES_PER_BLOB, Blob, BlobTransactionSidecar, env_settings::EnvKzgSettings},
    eip7594::{BlobTransactionSidecarEip7594, BlobTransactionSidecarVariant},
};

/// Which proofs a blob transaction carries: the L1's fork decides (read from `eth_config`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobProofs {
    /// One KZG proof per blob (EIP-4844), what L1s before Osaka accept.
    Blob,
    /// 128 cell proofs per blob (EIP-7594, PeerDAS), what L1s from Osaka on accept.
    Cell,
}

/// Why a sidecar could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    #[error("blob {index} is {len} bytes, not {BYTES_PER_BLOB}")]
    BlobLength { index: usize, len: usize },
    /// A blob c-kzg refuses (a field element not below the BLS modulus); blobs from
    /// `basalt_da::encode_blobs` never are.
    #[error("KZG: {0}")]
    Kzg(String),
}

/// The sidecar of `blobs` (each [`BYTES_PER_BLOB`] bytes, as `basalt_da::encode_blobs` packs
/// them) with `proofs`, under the Ethereum KZG ceremony's trusted setup. Its versioned hashes
/// (`versioned_hashes()`) are the ones the commit transaction lists and `blobhash` returns.
/// Errors: a blob of the wrong length, a blob c-kzg refuses.
pub fn blob_sidecar(
    blobs: &[Vec<u8>],
    proofs: BlobProofs,
) -> Result<BlobTransactionSidecarVariant, SidecarError> {
    let blobs = blobs
        .iter()
        .enumerate()
        .map(|(index, blob)| {
            Blob::try_from(blob.as_slice())
                .map_err(|_| SidecarError::BlobLength { index, len: blob.len() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let settings = EnvKzgSettings::Default.get();
    let kzg = |e: alloy_eips::eip4844::c_kzg::Error| SidecarError::Kzg(e.to_string());
    Ok(match proofs {
        BlobProofs::Blob => BlobTransactionSidecarVariant::Eip4844(
            BlobTransactionSidecar::try_from_blobs_with_settings(blobs, settings).map_err(kzg)?,
        ),
        BlobProofs::Cell => BlobTransactionSidecarVariant::Eip7594(
            BlobTransactionSidecarEip7594::try_from_blobs_with_settings(blobs, settings)
                .map_err(kzg)?,
        ),
    })
}
