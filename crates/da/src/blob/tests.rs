use super::*;
use proptest::prelude::*;

#[test]
fn capacity_is_254_bits_per_element() {
    assert_eq!(PAYLOAD_BYTES_PER_BLOB, 130_048);
    let one = PAYLOAD_BYTES_PER_BLOB - LENGTH_BYTES;
    assert_eq!(encode_blobs(&vec![0xff; one], 6).unwrap().len(), 1);
    assert_eq!(encode_blobs(&vec![0xff; one + 1], 6).unwrap().len(), 2);
    assert_eq!(encode_blobs(&[], 6).unwrap().len(), 1);
    assert_eq!(
        encode_blobs(&vec![1; 6 * PAYLOAD_BYTES_PER_BLOB], 6),
        Err(BlobEncodeError::TooManyBlobs { len: 6 * PAYLOAD_BYTES_PER_BLOB, needed: 7, max: 6 })
    );
}

#[test]
fn every_element_is_canonical_and_the_bits_are_in_order() {
    let payload = vec![0xff; 2 * PAYLOAD_BYTES_PER_BLOB - LENGTH_BYTES];
    let blobs = encode_blobs(&payload, 2).unwrap();
    for blob in &blobs {
        assert_eq!(blob.len(), BLOB_BYTES);
        assert!(blob.chunks_exact(32).all(|element| element[0] < 0x40));
    }
    // All ones after the length: every element of the second blob is 2^254 - 1.
    assert!(blobs[1].chunks_exact(32).all(|e| e[0] == 0x3f && e[1..].iter().all(|b| *b == 0xff)));
    // The first element holds the length's 32 bits, then ones.
    let len = (payload.len() as u32).to_be_bytes();
    let first = &blobs[0][..32];
    assert_eq!(first[0], len[0] >> 2);
    assert_eq!(first[1], (len[0] << 6) | (len[1] >> 2));
    assert_eq!(decode_blobs(&blobs).unwrap(), payload);
}

#[test]
fn layouts_encode_would_not_produce_are_refused() {
    let blobs = encode_blobs(b"batch", 6).unwrap();
    assert_eq!(decode_blobs::<Vec<u8>>(&[]), Err(BlobDecodeError::Empty));

    let mut high = blobs.clone();
    high[0][32 * 7] |= 0x80;
    assert_eq!(
        decode_blobs(&high),
        Err(BlobDecodeError::NonCanonicalElement { blob: 0, element: 7 })
    );

    let mut padded = blobs.clone();
    padded[0][BLOB_BYTES - 1] = 1;
    assert_eq!(decode_blobs(&padded), Err(BlobDecodeError::NonZeroPadding));

    let mut extra = blobs.clone();
    extra.push(vec![0; BLOB_BYTES]);
    assert_eq!(decode_blobs(&extra), Err(BlobDecodeError::ExtraBlobs { blobs: 2, len: 5 }));

    let short = vec![blobs[0][..BLOB_BYTES - 1].to_vec()];
    assert_eq!(
        decode_blobs(&short),
        Err(BlobDecodeError::WrongBlobSize { index: 0, len: BLOB_BYTES - 1 })
    );

    // A length beyond what one blob carries.
    let mut long = blobs;
    long[0][0] = 0x3f;
    assert!(matches!(decode_blobs(&long), Err(BlobDecodeError::LengthTooLarge { .. })));
}

/// Found by the fuzz test (tests/fuzz): the stream was allocated for 130,048 bytes per blob
/// before any blob's size was checked, so a million empty slices asked for 130 GB.
#[test]
fn a_long_list_of_short_blobs_is_refused_before_anything_is_allocated_for_it() {
    let empty: Vec<[u8; 0]> = vec![[]; 1 << 20];
    assert_eq!(decode_blobs(&empty), Err(BlobDecodeError::WrongBlobSize { index: 0, len: 0 }));
    let mut last_short = vec![vec![0u8; BLOB_BYTES]; 3];
    last_short[2].pop();
    assert_eq!(
        decode_blobs(&last_short),
        Err(BlobDecodeError::WrongBlobSize { index: 2, len: BLOB_BYTES - 1 })
    );
}

proptest! {
    #[test]
    fn payloads_round_trip(payload in prop::collection::vec(any::<u8>(), 0..300_000)) {
        let blobs = encode_blobs(&payload, 6).unwrap();
        prop_assert_eq!(blobs.len(), blobs_needed(payload.len()));
        prop_assert_eq!(decode_blobs(&blobs).unwrap(), payload);
    }

    #[test]
    fn any_blob_bytes_decode_or_are_refused_without_panicking(
        seed in prop::collection::vec(any::<u8>(), 0..512),
        count in 1usize..3,
        at in 0usize..BLOB_BYTES,
    ) {
        let mut blobs = vec![vec![0u8; BLOB_BYTES]; count];
        for (i, byte) in seed.iter().enumerate() {
            blobs[i % count][(at + i * 97) % BLOB_BYTES] = *byte;
        }
        let _ = decode_blobs(&blobs);
    }
}
