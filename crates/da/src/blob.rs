//! Packing a payload into EIP-4844 blobs and reading it back. A blob is 4,096 field elements of
//! 32 bytes, each a big-endian integer below the BLS12-381 scalar modulus (about 2^254.86). We
//! use 254 bits of each element (the top two bits stay zero, so any value is canonical): 130,048
//! payload bytes per blob, 2.4% more than the 31-bytes-per-element layout (126,976).
//!
//! The bit stream of all blobs, in order, is a 4-byte big-endian payload length followed by the
//! payload; everything after it must be zero. Decoding refuses any other layout, so one payload
//! has exactly one encoding and a blob cannot carry hidden bytes.

/// Field elements in one blob (EIP-4844 `FIELD_ELEMENTS_PER_BLOB`).
pub const FIELD_ELEMENTS_PER_BLOB: usize = 4_096;
/// Bytes in one blob.
pub const BLOB_BYTES: usize = FIELD_ELEMENTS_PER_BLOB * 32;
/// Bits of payload per field element.
const BITS_PER_ELEMENT: usize = 254;
/// Bytes of the bit stream one blob carries: 4,096 × 254 / 8.
pub const PAYLOAD_BYTES_PER_BLOB: usize = FIELD_ELEMENTS_PER_BLOB * BITS_PER_ELEMENT / 8;
/// The stream starts with the payload length, a big-endian u32.
const LENGTH_BYTES: usize = 4;

/// Why a payload cannot be packed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlobEncodeError {
    #[error("payload of {len} bytes needs {needed} blobs; at most {max} allowed")]
    TooManyBlobs { len: usize, needed: usize, max: usize },
}

/// Why blobs do not hold a payload in this layout.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlobDecodeError {
    #[error("no blobs")]
    Empty,
    #[error("blob {index} is {len} bytes, not {BLOB_BYTES}")]
    WrongBlobSize { index: usize, len: usize },
    #[error("field element {element} of blob {blob} uses its top two bits")]
    NonCanonicalElement { blob: usize, element: usize },
    #[error("payload length {len} exceeds the {capacity} bytes the blobs carry")]
    LengthTooLarge { len: usize, capacity: usize },
    #[error("{blobs} blobs carry a {len}-byte payload that fits in fewer")]
    ExtraBlobs { blobs: usize, len: usize },
    #[error("non-zero bytes after the payload")]
    NonZeroPadding,
}

/// Blobs needed for a payload of `len` bytes (at least one).
pub fn blobs_needed(len: usize) -> usize {
    len.saturating_add(LENGTH_BYTES).div_ceil(PAYLOAD_BYTES_PER_BLOB).max(1)
}

/// Packs `payload` into as few blobs as it needs (each [`BLOB_BYTES`] long), refusing a payload
/// that needs more than `max_blobs`.
pub fn encode_blobs(payload: &[u8], max_blobs: usize) -> Result<Vec<Vec<u8>>, BlobEncodeError> {
    let needed = blobs_needed(payload.len());
    let len = u32::try_from(payload.len()).ok().filter(|_| needed <= max_blobs);
    let Some(len) = len else {
        return Err(BlobEncodeError::TooManyBlobs { len: payload.len(), needed, max: max_blobs });
    };
    let mut stream = Vec::with_capacity(needed * PAYLOAD_BYTES_PER_BLOB);
    stream.extend_from_slice(&len.to_be_bytes());
    stream.extend_from_slice(payload);
    stream.resize(needed * PAYLOAD_BYTES_PER_BLOB, 0);
    Ok(stream.chunks_exact(PAYLOAD_BYTES_PER_BLOB).map(pack_blob).collect())
}

/// Reads the payload back from `blobs`, in order. Never panics; refuses anything
/// [`encode_blobs`] would not have produced.
pub fn decode_blobs<B: AsRef<[u8]>>(blobs: &[B]) -> Result<Vec<u8>, BlobDecodeError> {
    if blobs.is_empty() {
        return Err(BlobDecodeError::Empty);
    }
    // Sizes first: the stream is allocated for blobs that are really there, so a long list of
    // short slices cannot ask for 130,048 bytes each.
    if let Some((index, blob)) =
        blobs.iter().enumerate().find(|(_, blob)| blob.as_ref().len() != BLOB_BYTES)
    {
        return Err(BlobDecodeError::WrongBlobSize { index, len: blob.as_ref().len() });
    }
    let mut stream = Vec::with_capacity(blobs.len() * PAYLOAD_BYTES_PER_BLOB);
    for (index, blob) in blobs.iter().enumerate() {
        unpack_blob(index, blob.as_ref(), &mut stream)?;
    }
    let (length, rest) = stream.split_at(LENGTH_BYTES);
    let len = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
    let capacity = rest.len();
    if len > capacity {
        return Err(BlobDecodeError::LengthTooLarge { len, capacity });
    }
    if blobs_needed(len) != blobs.len() {
        return Err(BlobDecodeError::ExtraBlobs { blobs: blobs.len(), len });
    }
    let (payload, padding) = rest.split_at(len);
    if padding.iter().any(|byte| *byte != 0) {
        return Err(BlobDecodeError::NonZeroPadding);
    }
    Ok(payload.to_vec())
}

/// 130,048 stream bytes into one blob: every 127 bytes (1,016 bits) fill four elements of 254
/// bits.
fn pack_blob(chunk: &[u8]) -> Vec<u8> {
    let mut blob = vec![0u8; BLOB_BYTES];
    for (group, bytes) in chunk.chunks_exact(127).enumerate() {
        let out = &mut blob[group * 128..(group + 1) * 128];
        let mut reader = BitReader::new(bytes);
        for element in out.chunks_exact_mut(32) {
            // Top two bits zero, then 254 payload bits, most significant first.
            for (i, byte) in element.iter_mut().enumerate() {
                let bits = if i == 0 { 6 } else { 8 };
                *byte = reader.take(bits);
            }
        }
    }
    blob
}

/// The inverse of [`pack_blob`], appending the 130,048 stream bytes of a [`BLOB_BYTES`]-long
/// `blob` to `stream`.
fn unpack_blob(index: usize, blob: &[u8], stream: &mut Vec<u8>) -> Result<(), BlobDecodeError> {
    for (group, elements) in blob.chunks_exact(128).enumerate() {
        let mut writer = BitWriter::default();
        for (offset, element) in elements.chunks_exact(32).enumerate() {
            if element[0] & 0xc0 != 0 {
                let element = group * 4 + offset;
                return Err(BlobDecodeError::NonCanonicalElement { blob: index, element });
            }
            writer.put(element[0], 6);
            for byte in &element[1..] {
                writer.put(*byte, 8);
            }
        }
        stream.extend_from_slice(&writer.bytes);
    }
    Ok(())
}

/// Reads bits most significant first from a byte slice.
struct BitReader<'a> {
    bytes: &'a [u8],
    bit: usize,
}

impl<'a> BitReader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, bit: 0 }
    }

    /// The next `count` (1..=8) bits as the low bits of a byte; zeros past the end.
    fn take(&mut self, count: usize) -> u8 {
        let mut value = 0u8;
        for _ in 0..count {
            let byte = self.bytes.get(self.bit / 8).copied().unwrap_or(0);
            let bit = (byte >> (7 - self.bit % 8)) & 1;
            value = (value << 1) | bit;
            self.bit += 1;
        }
        value
    }
}

/// Collects bits most significant first into bytes.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    bits: usize,
}

impl BitWriter {
    /// Appends the low `count` (1..=8) bits of `value`.
    fn put(&mut self, value: u8, count: usize) {
        for shift in (0..count).rev() {
            if self.bits.is_multiple_of(8) {
                self.bytes.push(0);
            }
            let bit = (value >> shift) & 1;
            if let Some(last) = self.bytes.last_mut() {
                *last |= bit << (7 - self.bits % 8);
            }
            self.bits += 1;
        }
    }
}

#[cfg(test)]
mod tests;
