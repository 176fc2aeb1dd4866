//! KZG sidecars of packed batch data: both proof kinds verify under the trusted setup, carry the
//! same versioned hashes, and give the payload back; malformed blobs are refused.

use alloy_eips::{
    eip4844::{VERSIONED_HASH_VERSION_KZG, env_settings::EnvKzgSettings},
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::B256;
use basalt_batch::{BlobProofs, SidecarError, blob_sidecar};
use basalt_da::{decode_blobs, encode_blobs};

fn validate(sidecar: &BlobTransactionSidecarVariant, hashes: &[B256]) {
    let settings = EnvKzgSettings::Default.get();
    match sidecar {
        BlobTransactionSidecarVariant::Eip4844(s) => s.validate(hashes, settings).unwrap(),
        BlobTransactionSidecarVariant::Eip7594(s) => s.validate(hashes, settings).unwrap(),
    }
}

#[test]
fn blob_and_cell_proofs_verify_and_name_the_same_versioned_hashes() {
    // Two blobs' worth of varied bytes.
    let payload: Vec<u8> =
        (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let blobs = encode_blobs(&payload, 6).unwrap();
    assert_eq!(blobs.len(), 2);

    let blob_proofs = blob_sidecar(&blobs, BlobProofs::Blob).unwrap();
    let cell_proofs = blob_sidecar(&blobs, BlobProofs::Cell).unwrap();
    assert!(matches!(blob_proofs, BlobTransactionSidecarVariant::Eip4844(_)));
    let BlobTransactionSidecarVariant::Eip7594(cells) = &cell_proofs else { panic!("cell proofs") };
    assert_eq!(cells.cell_proofs.len(), 2 * 128, "128 cell proofs per blob (EIP-7594)");

    let hashes: Vec<B256> = blob_proofs.versioned_hashes().collect();
    assert_eq!(hashes, cell_proofs.versioned_hashes().collect::<Vec<_>>());
    assert!(hashes.iter().all(|h| h[0] == VERSIONED_HASH_VERSION_KZG));
    assert_ne!(hashes[0], hashes[1]);
    validate(&blob_proofs, &hashes);
    validate(&cell_proofs, &hashes);
    // Hashes in another order do not verify.
    let swapped = [hashes[1], hashes[0]];
    let BlobTransactionSidecarVariant::Eip4844(s) = &blob_proofs else { unreachable!() };
    assert!(s.validate(&swapped, EnvKzgSettings::Default.get()).is_err());

    assert_eq!(decode_blobs(blob_proofs.blobs()).unwrap(), payload);
    assert_eq!(decode_blobs(cell_proofs.blobs()).unwrap(), payload);
}

#[test]
fn a_short_blob_or_a_field_element_above_the_modulus_is_an_error() {
    let short = vec![vec![0u8; 100]];
    for proofs in [BlobProofs::Blob, BlobProofs::Cell] {
        let err = blob_sidecar(&short, proofs).unwrap_err();
        assert!(matches!(err, SidecarError::BlobLength { index: 0, len: 100 }), "{err}");
    }
    let mut blob = encode_blobs(b"batch", 1).unwrap().remove(0);
    blob[..32].fill(0xff);
    for proofs in [BlobProofs::Blob, BlobProofs::Cell] {
        let err = blob_sidecar(std::slice::from_ref(&blob), proofs).unwrap_err();
        assert!(matches!(err, SidecarError::Kzg(_)), "{err}");
    }
}
