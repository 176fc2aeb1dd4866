//! Mutations of encoded payloads: a seeded random generator, byte-level edits (bit flips,
//! interesting bytes, truncations, deletions, insertions, duplicated ranges, splices), edits
//! that know the payload framing (header counts and column lengths rewritten, columns swapped
//! between payloads) and edits that know the blob layout (the stream's length field, canonical
//! and non-canonical field elements, blobs dropped, repeated or cut).

use basalt_da::{BLOB_BYTES, varint};

/// xoshiro256** seeded through SplitMix64: fast, and the same seed gives the same run.
pub struct Rng([u64; 4]);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Self([next(), next(), next(), next()])
    }

    pub fn u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.u64() % n as u64) as usize }
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn byte(&mut self) -> u8 {
        self.u64() as u8
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }

    /// 1 to `max` random bytes.
    pub fn some_bytes(&mut self, max: usize) -> Vec<u8> {
        let len = 1 + self.below(max);
        self.bytes(len)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that sit on the edges of the formats: zero, one, the varint continuation boundary,
/// the top bits a field element must keep clear, all ones.
const INTERESTING: [u8; 8] = [0x00, 0x01, 0x02, 0x1f, 0x3f, 0x7f, 0x80, 0xff];

/// Where the varints of a payload's framing sit (`version ‖ mode ‖ header counts ‖ columns`),
/// and each column's byte range; as far as the bytes parse.
pub struct Frame {
    /// How many of `fields` are header counts (the rest are column lengths).
    pub headers: usize,
    pub fields: Vec<(usize, usize)>,
    pub columns: Vec<(usize, usize)>,
}

/// The framing of a blocks (4 header varints, 15 columns) or state-diff (6, 10) payload,
/// chosen by its mode byte.
pub fn frame(bytes: &[u8]) -> Frame {
    let (headers, columns) = match bytes.get(1) {
        Some(1) => (6, 10),
        _ => (4, 15),
    };
    let mut frame = Frame { headers, fields: Vec::new(), columns: Vec::new() };
    let mut at = 2.min(bytes.len());
    for _ in 0..headers {
        let Some(len) = varint_len(&bytes[at..]) else { return frame };
        frame.fields.push((at, len));
        at += len;
    }
    for _ in 0..columns {
        let mut rest = &bytes[at..];
        let Ok(value) = varint::take(&mut rest, 64) else { return frame };
        let len = bytes.len() - at - rest.len();
        frame.fields.push((at, len));
        at += len;
        let Some(end) = usize::try_from(value).ok().and_then(|v| at.checked_add(v)) else {
            return frame;
        };
        if end > bytes.len() {
            return frame;
        }
        frame.columns.push((at, end));
        at = end;
    }
    frame
}

/// Bytes of the LEB128 group sequence at the front of `bytes` (up to 19), if it ends.
fn varint_len(bytes: &[u8]) -> Option<usize> {
    bytes.iter().take(19).position(|b| b & 0x80 == 0).map(|i| i + 1)
}

/// The value of the varint at the front of `bytes` (any length, wrapping past 128 bits).
fn varint_value(bytes: &[u8]) -> u128 {
    let mut value = 0u128;
    for (i, byte) in bytes.iter().take(19).enumerate() {
        value |= u128::from(byte & 0x7f).checked_shl(7 * i as u32).unwrap_or(0);
        if byte & 0x80 == 0 {
            break;
        }
    }
    value
}

/// A new value for a length or count field of value `old` in an input of `len` bytes.
fn tweak_value(rng: &mut Rng, old: u128, len: usize) -> u128 {
    match rng.below(14) {
        0 => old.wrapping_add(1),
        1 => old.saturating_sub(1),
        2 => 0,
        3 => old.saturating_mul(2),
        4 => old / 2,
        5 => old.wrapping_add(1 + rng.below(64) as u128),
        6 => len as u128,
        7 => (len as u128).saturating_mul(20),
        8 => u128::from(u32::MAX),
        9 => 1 << 32,
        10 => u128::from(u64::MAX),
        11 => 1 << 63,
        12 => u128::from(u64::MAX) + 1,
        _ => u128::from(rng.u64() >> rng.below(64)),
    }
}

/// `value` as LEB128: canonical, or now and then with a redundant zero group.
fn encode_varint(rng: &mut Rng, value: u128) -> Vec<u8> {
    let mut out = Vec::new();
    varint::put(&mut out, value);
    if rng.one_in(8) {
        if let Some(last) = out.last_mut() {
            *last |= 0x80;
        }
        out.push(0);
    }
    out
}

/// Replaces the varint at `at` (`len` bytes) with a tweaked value.
fn rewrite_varint(rng: &mut Rng, bytes: &mut Vec<u8>, at: usize, len: usize) {
    let old = varint_value(&bytes[at..at + len]);
    let new = tweak_value(rng, old, bytes.len());
    let encoded = encode_varint(rng, new);
    bytes.splice(at..at + len, encoded);
}

/// One random edit of a byte string; `others` are the target's corpus, for splices.
pub fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>, others: &[&[u8]]) {
    if bytes.is_empty() {
        bytes.extend(rng.some_bytes(8));
        return;
    }
    let len = bytes.len();
    match rng.below(15) {
        0 | 1 => {
            let at = rng.below(len);
            bytes[at] ^= 1 << rng.below(8);
        }
        2 => {
            let at = rng.below(len);
            bytes[at] = rng.byte();
        }
        3 => {
            let at = rng.below(len);
            bytes[at] = *rng.pick(&INTERESTING);
        }
        4 => bytes.truncate(rng.below(len)),
        5 => {
            let at = rng.below(len);
            let span = if rng.one_in(4) { len } else { 16 };
            let end = (at + 1 + rng.below(span)).min(len);
            bytes.drain(at..end);
        }
        6 => {
            let at = rng.below(len + 1);
            let insert = rng.some_bytes(16);
            bytes.splice(at..at, insert);
        }
        7 => {
            let from = rng.below(len);
            let end = (from + 1 + rng.below(64)).min(len);
            let copy = bytes[from..end].to_vec();
            let at = rng.below(len + 1);
            bytes.splice(at..at, copy);
        }
        8 => {
            // A varint anywhere: most columns are made of them.
            let at = rng.below(len);
            if let Some(n) = varint_len(&bytes[at..]) {
                rewrite_varint(rng, bytes, at, n);
            }
        }
        9 | 10 => {
            // A header count or a column length.
            let frame = frame(bytes);
            if !frame.fields.is_empty() {
                let (at, n) = *rng.pick(&frame.fields);
                rewrite_varint(rng, bytes, at, n);
            }
        }
        11 => {
            // One column's bytes from another payload, lengths kept consistent.
            let other = *rng.pick(others);
            let (mine, theirs) = (frame(bytes), frame(other));
            let i = rng.below(mine.columns.len().min(theirs.columns.len()));
            if let (Some(&(_, end)), Some(&(c, d))) = (mine.columns.get(i), theirs.columns.get(i)) {
                let (field, _) = mine.fields[mine.headers + i];
                let mut replaced = bytes[..field].to_vec();
                varint::put(&mut replaced, (d - c) as u128);
                replaced.extend_from_slice(&other[c..d]);
                replaced.extend_from_slice(&bytes[end..]);
                *bytes = replaced;
            }
        }
        12 => {
            // Splice: a prefix of this input and a suffix of another.
            let other = *rng.pick(others);
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            bytes.truncate(cut);
            bytes.extend_from_slice(&other[from..]);
        }
        13 => bytes.extend(rng.some_bytes(8)),
        _ => {
            // Inside one column: where the decoders spend their time.
            let frame = frame(bytes);
            if let Some(&(a, b)) = (!frame.columns.is_empty()).then(|| rng.pick(&frame.columns))
                && b > a
            {
                let at = a + rng.below(b - a);
                bytes[at] = if rng.one_in(2) { rng.byte() } else { *rng.pick(&INTERESTING) };
            }
        }
    }
}

/// Sets the 32-bit payload length at the start of the blob stream: stream bit `k` of the
/// first element is its bit `k + 2` from the top (the top two bits stay zero).
pub fn set_stream_length(blob: &mut [u8], len: u32) {
    for k in 0..32 {
        let bit = (len >> (31 - k)) & 1;
        let at = (k + 2) / 8;
        let mask = 0x80u8 >> ((k + 2) % 8);
        blob[at] = if bit == 1 { blob[at] | mask } else { blob[at] & !mask };
    }
}

/// The payload length a blob stream's first blob declares.
pub fn stream_length(blob: &[u8]) -> u32 {
    (0..32).fold(0u32, |len, k| {
        let bit = (blob[(k + 2) / 8] >> (7 - (k + 2) % 8)) & 1;
        (len << 1) | u32::from(bit)
    })
}

/// Stream bytes `blobs` blobs carry.
fn capacity(blobs: usize) -> u32 {
    (basalt_da::PAYLOAD_BYTES_PER_BLOB * blobs) as u32
}

/// One random edit of a list of blobs; `others` are other blob lists, for splices.
pub fn mutate_blobs(rng: &mut Rng, blobs: &mut Vec<Vec<u8>>, others: &[&[Vec<u8>]]) {
    if blobs.is_empty() {
        blobs.push(vec![0; BLOB_BYTES]);
        return;
    }
    let which = rng.below(blobs.len());
    let blob = &mut blobs[which];
    match rng.below(12) {
        0..=2 => {
            // A payload bit: the element stays canonical.
            if blob.len() >= 32 {
                let element = rng.below(blob.len() / 32);
                let bit = 2 + rng.below(254);
                blob[element * 32 + bit / 8] ^= 0x80 >> (bit % 8);
            }
        }
        3 => {
            // Any bit, the top two included.
            if !blob.is_empty() {
                let at = rng.below(blob.len());
                blob[at] ^= 1 << rng.below(8);
            }
        }
        4 | 5 => {
            if blobs[0].len() >= 5 {
                let old = stream_length(&blobs[0]);
                let new = match rng.below(8) {
                    0 => old.wrapping_add(1),
                    1 => old.wrapping_sub(1),
                    2 => 0,
                    3 => u32::MAX,
                    // The capacity of these blobs, one byte past it, and of one blob fewer.
                    4 => capacity(blobs.len()).wrapping_sub(4),
                    5 => capacity(blobs.len()).wrapping_sub(3),
                    6 => capacity(blobs.len() - 1).wrapping_sub(4),
                    _ => rng.u64() as u32 >> rng.below(32),
                };
                set_stream_length(&mut blobs[0], new);
            }
        }
        6 => {
            // A non-zero byte somewhere after the payload (or inside it).
            if blob.len() >= 32 {
                let element = blob.len() / 32 - 1 - rng.below(blob.len() / 32);
                blob[element * 32 + 1 + rng.below(31)] = 1 + rng.below(255) as u8;
            }
        }
        7 => {
            blobs.remove(which);
        }
        8 => {
            let copy = blobs[which].clone();
            blobs.insert(which, copy);
        }
        9 => blobs.push(vec![0; BLOB_BYTES]),
        10 => {
            let len = rng.below(blob.len() + 64);
            blob.resize(len, rng.byte());
        }
        _ => {
            let other = *rng.pick(others);
            if let Some(theirs) = other.get(rng.below(other.len())) {
                blobs[which] = theirs.clone();
            }
        }
    }
}
