//! Compression of a batch payload before it is packed into blobs: brotli at its densest
//! setting (quality 11, 16 MiB window), chosen by measurement (docs/da.md). Decompression is
//! bounded, so a small input can never make a reader allocate without limit.

use brotli_decompressor::{BrotliDecompressStream, BrotliResult, BrotliState, StandardAlloc};
use std::io::Write;

/// Brotli quality: 11 is the densest; sealing a batch is rare enough to afford it.
const QUALITY: u32 = 11;
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
}

/// `payload` compressed with brotli (quality 11, 2^24-byte window).
pub fn compress(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() / 2);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, BUFFER_BYTES, QUALITY, WINDOW_BITS);
        // Writing into a Vec cannot fail.
        let _ = writer.write_all(payload);
    }
    out
}

/// The bytes `compressed` stands for, at most `max` of them. Refuses input that is not exactly
/// one complete brotli stream (truncated, corrupt, or followed by more bytes, which would be
/// data hidden in the payload) and output beyond `max`, stopping as soon as it passes `max`.
/// The decoder's own memory is bounded by brotli's largest standard window (16 MiB).
pub fn decompress(compressed: &[u8], max: usize) -> Result<Vec<u8>, DecompressError> {
    let mut state = BrotliState::new(
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

    proptest! {
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
