//! Compression of a batch payload before it is packed into blobs: brotli at its densest
//! setting (quality 11, 16 MiB window), chosen by measurement (docs/da.md). Decompression is
//! bounded, so a small input can never make a reader allocate without limit.

use brotli_decompressor::{BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc};
use std::io::Write;

/// Brotli quality: 11 is the densest; sealing a batch is rare enough to afford it.
const QUALITY: u32 = 11;
/// Brotli quality of [`encode_compressed_fast`]: fast enough for the block producer to run on
/// every full block (tens of milliseconds for a megabyte).
const FAST_QUALITY: u32 = 5;
/// log2 of the window: 24 bits (16 MiB), brotli's largest standard window.
const WINDOW_BITS: u32 = 24;
/// Internal buffer size of the encoder and decoder, in bytes.
const BUFFER_BYTES: usize = 4_096;

/// Why compressed bytes were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecompressError {
    #[error("compressed payload is not valid brotli: {0}")]
    Invalid(String),
    #[error("payload decompresses to more than {max} bytes")]
    TooLarge { max: usize },
    #[error("unknown codec byte {0}")]
    UnknownCodec(u8),
}

/// Codec byte of a batch's data: the payload follows as it is.
pub const CODEC_RAW: u8 = 0;
/// Codec byte of a batch's data: the payload follows brotli-compressed ([`compress`]).
pub const CODEC_BROTLI: u8 = 1;

/// A batch's data as it goes into its blobs: one codec byte, then the payload compressed with
/// [`compress`] or, when that is not shorter (data that does not compress), the payload itself.
/// So the result is never longer than the payload plus one byte, which the block data bound
/// relies on (`payload::max_block_payload_bytes`).
pub fn encode_compressed(payload: &[u8]) -> Vec<u8> {
    with_codec(payload, compress(payload))
}

/// [`encode_compressed`] at brotli quality 5 instead of 11: what the block producer checks a
/// block's own payload against when it fills the block past the uncompressed bound. The decoder
/// does not depend on the quality, so a batch sealed this way reads like any other; sealing
/// falls back to it for a one-block batch that quality 11 happens to make longer, so every
/// block the producer checked fits a batch (docs/da.md, "Batch data and the block data bound").
pub fn encode_compressed_fast(payload: &[u8]) -> Vec<u8> {
    with_codec(payload, compress_at(payload, FAST_QUALITY))
}

/// The codec byte and the shorter of `compressed` and `payload` itself.
fn with_codec(payload: &[u8], compressed: Vec<u8>) -> Vec<u8> {
    let (codec, body) = if compressed.len() < payload.len() {
        (CODEC_BROTLI, &compressed[..])
    } else {
        (CODEC_RAW, payload)
    };
    let mut out = Vec::with_capacity(1 + body.len());
    out.push(codec);
    out.extend_from_slice(body);
    out
}

/// The payload in a batch's data written by [`encode_compressed`], at most `max` bytes of it.
/// Refuses an unknown codec byte, empty data, and everything [`decompress`] refuses.
pub fn decode_compressed(data: &[u8], max: usize) -> Result<Vec<u8>, DecompressError> {
    match data.split_first() {
        Some((&CODEC_BROTLI, body)) => decompress(body, max),
        Some((&CODEC_RAW, body)) if body.len() <= max => Ok(body.to_vec()),
        Some((&CODEC_RAW, _)) => Err(DecompressError::TooLarge { max }),
        Some((&codec, _)) => Err(DecompressError::UnknownCodec(codec)),
        None => Err(DecompressError::Invalid("no codec byte".into())),
    }
}

/// `payload` compressed with brotli (quality 11, 2^24-byte window).
pub fn compress(payload: &[u8]) -> Vec<u8> {
    compress_at(payload, QUALITY)
}

fn compress_at(payload: &[u8], quality: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() / 2);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, BUFFER_BYTES, quality, WINDOW_BITS);
        // Writing into a Vec cannot fail.
        let _ = writer.write_all(payload);
    }
    out
}

/// The bytes `compressed` stands for, at most `max` of them. Refuses input that is not exactly
/// one complete brotli stream (truncated, corrupt, or followed by more bytes, which would be
/// data hidden in the payload) and output beyond `max`, stopping as soon as it passes `max`.
/// The decoder's own memory is bounded by brotli's largest standard window (16 MiB): streams
/// in the large-window extension (windows up to 1 GiB, which [`compress`] never writes) are
/// refused at their header.
pub fn decompress(compressed: &[u8], max: usize) -> Result<Vec<u8>, DecompressError> {
    // `new` would accept the large-window extension: 8 bytes declaring a 2^30 window made the
    // decoder allocate 1 GiB for its ring buffer.
    let mut state = BrotliState::new_strict(
        StandardAlloc::default(),
        StandardAlloc::default(),
        StandardAlloc::default(),
    );
    let (mut available_in, mut input_offset, mut total_out) = (compressed.len(), 0, 0);
    let mut buffer = vec![0u8; BUFFER_BYTES];
    let mut out = Vec::new();
    loop {
        let (mut available_out, mut output_offset) = (buffer.len(), 0);
        let result = BrotliDecompressStream(
            &mut available_in,
            &mut input_offset,
            compressed,
            &mut available_out,
            &mut output_offset,
            &mut buffer,
            &mut total_out,
            &mut state,
        );
        out.extend_from_slice(buffer.get(..output_offset).unwrap_or_default());
        if out.len() > max {
            return Err(DecompressError::TooLarge { max });
        }
        match result {
            BrotliResult::NeedsMoreOutput => continue,
            BrotliResult::ResultSuccess if available_in == 0 => return Ok(out),
            BrotliResult::ResultSuccess => {
                return Err(DecompressError::Invalid(format!(
                    "{available_in} bytes after the end of the stream"
                )));
            }
            BrotliResult::NeedsMoreInput => {
                return Err(DecompressError::Invalid("the stream is truncated".into()));
            }
            BrotliResult::ResultFailure => {
                return Err(DecompressError::Invalid("corrupt stream".into()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn repetitive_payloads_shrink_and_come_back() {
        let payload: Vec<u8> = (0..100_000u32).flat_map(|i| (i % 1000).to_be_bytes()).collect();
        let compressed = compress(&payload);
        assert!(compressed.len() < payload.len() / 10, "{}", compressed.len());
        assert_eq!(decompress(&compressed, payload.len()).unwrap(), payload);
        assert!(!compress(&[]).is_empty());
        assert_eq!(decompress(&compress(&[]), 0).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn output_above_the_bound_is_refused() {
        let bomb = compress(&vec![0u8; 10_000_000]);
        assert!(bomb.len() < 1_000, "{}", bomb.len());
        assert_eq!(decompress(&bomb, 1_000_000), Err(DecompressError::TooLarge { max: 1_000_000 }));
    }

    #[test]
    fn truncated_or_garbage_input_is_refused() {
        let compressed = compress(&(0..50_000u32).flat_map(u32::to_le_bytes).collect::<Vec<_>>());
        let truncated = &compressed[..compressed.len() / 2];
        assert!(matches!(decompress(truncated, 1 << 24), Err(DecompressError::Invalid(_))));
        assert!(decompress(&[0xff; 64], 1 << 24).is_err());
        // Bytes after the end of the stream would be hidden data: refused.
        let mut trailing = compressed.clone();
        trailing.push(0);
        assert!(matches!(decompress(&trailing, 1 << 24), Err(DecompressError::Invalid(_))));
    }

    #[test]
    fn batch_data_is_compressed_when_that_is_shorter_and_never_grows_by_more_than_a_byte() {
        let repetitive = vec![7u8; 10_000];
        let data = encode_compressed(&repetitive);
        assert_eq!(data[0], CODEC_BROTLI);
        assert!(data.len() < 100, "{}", data.len());
        assert_eq!(decode_compressed(&data, repetitive.len()).unwrap(), repetitive);
        // Bytes with no structure do not compress: written raw.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..50_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let data = encode_compressed(&noise);
        assert_eq!((data[0], data.len()), (CODEC_RAW, noise.len() + 1));
        assert_eq!(decode_compressed(&data, noise.len()).unwrap(), noise);
        assert_eq!(
            decode_compressed(&data, noise.len() - 1),
            Err(DecompressError::TooLarge { max: noise.len() - 1 })
        );
        assert_eq!(decode_compressed(&[2, 0], 10), Err(DecompressError::UnknownCodec(2)));
        assert!(decode_compressed(&[], 10).is_err());
    }

    /// Found by the fuzz test (tests/fuzz): a stream in brotli's large-window extension (first
    /// byte 0x11) declaring a 2^30-byte window, then the start of a metablock, made the decoder
    /// allocate a 1 GiB ring buffer from 8 bytes of input. Refused at the header now.
    #[test]
    fn a_large_window_stream_is_refused_at_its_header() {
        let gib_window = [0x11, 0x9e, 0x00, 0xb7, 0x10, 0x29, 0x4a, 0x2e];
        assert_eq!(
            decompress(&gib_window, 1 << 20),
            Err(DecompressError::Invalid("corrupt stream".into()))
        );
        // What we write declares the largest standard window (WBITS 24: low nibble 0xf), and reads.
        let payload = b"a standard window".repeat(100);
        let compressed = compress(&payload);
        assert_eq!(compressed[0] & 0x0f, 0x0f);
        assert_eq!(decompress(&compressed, payload.len()).unwrap(), payload);
    }

    proptest! {
        #[test]
        fn batch_data_round_trips(payload in prop::collection::vec(any::<u8>(), 0..5_000)) {
            // The producer's fast quality reads back through the same decoder.
            for data in [encode_compressed(&payload), encode_compressed_fast(&payload)] {
                prop_assert!(data.len() <= payload.len() + 1);
                prop_assert_eq!(&decode_compressed(&data, payload.len()).unwrap(), &payload);
            }
        }

        #[test]
        fn round_trip(payload in prop::collection::vec(any::<u8>(), 0..20_000)) {
            prop_assert_eq!(decompress(&compress(&payload), payload.len()).unwrap(), payload);
        }

        #[test]
        fn any_input_is_decoded_or_refused_without_panicking(
            input in prop::collection::vec(any::<u8>(), 0..4_096)
        ) {
            let _ = decompress(&input, 1 << 20);
        }
    }
}
