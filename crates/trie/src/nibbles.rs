//! Nibble paths: splitting keys into 4-bit nibbles and the hex-prefix (compact)
//! encoding of leaf and extension paths. A path is a byte slice holding one nibble
//! (0..=15) per byte.

use alloy_rlp::{BufMut, Header};

/// Hex-prefix flag bit marking a leaf path (clear for an extension path).
const LEAF_FLAG: u8 = 0x2;
/// Hex-prefix flag bit marking an odd number of nibbles.
const ODD_FLAG: u8 = 0x1;

/// Splits `key` into nibbles, high nibble first.
pub(crate) fn unpack(key: &[u8]) -> Vec<u8> {
    let mut path = Vec::with_capacity(key.len() * 2);
    for byte in key {
        path.push(byte >> 4);
        path.push(byte & 0x0f);
    }
    path
}

/// Length of the longest common prefix of two paths.
pub(crate) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Length of the RLP string holding the hex-prefix encoding of `path`.
pub(crate) fn hex_prefix_rlp_len(path: &[u8]) -> usize {
    let compact_len = path.len() / 2 + 1;
    if compact_len == 1 {
        // The flag byte is always < 0x80, so it encodes as itself.
        1
    } else {
        alloy_rlp::length_of_length(compact_len) + compact_len
    }
}

/// Writes the hex-prefix encoding of `path` as an RLP string.
pub(crate) fn write_hex_prefix_rlp(path: &[u8], is_leaf: bool, out: &mut Vec<u8>) {
    let compact_len = path.len() / 2 + 1;
    if compact_len > 1 {
        Header { list: false, payload_length: compact_len }.encode(out);
    }
    let flag = if is_leaf { LEAF_FLAG } else { 0 };
    let pairs = match path.split_first() {
        Some((&first, rest)) if path.len() % 2 == 1 => {
            out.put_u8(((flag | ODD_FLAG) << 4) | first);
            rest
        }
        _ => {
            out.put_u8(flag << 4);
            path
        }
    };
    for pair in pairs.chunks_exact(2) {
        out.put_u8((pair[0] << 4) | pair[1]);
    }
}

/// Decodes a hex-prefix encoded path into `(nibbles, is_leaf)`.
pub(crate) fn decode_hex_prefix(compact: &[u8]) -> Result<(Vec<u8>, bool), &'static str> {
    let (&first, rest) = compact.split_first().ok_or("empty hex-prefix path")?;
    let flag = first >> 4;
    if flag > (LEAF_FLAG | ODD_FLAG) {
        return Err("invalid hex-prefix flag");
    }
    let mut path = Vec::with_capacity(rest.len() * 2 + 1);
    if flag & ODD_FLAG != 0 {
        path.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return Err("non-zero padding nibble in even hex-prefix path");
    }
    for byte in rest {
        path.push(byte >> 4);
        path.push(byte & 0x0f);
    }
    Ok((path, flag & LEAF_FLAG != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(path: &[u8], is_leaf: bool) -> Vec<u8> {
        let mut out = Vec::new();
        write_hex_prefix_rlp(path, is_leaf, &mut out);
        assert_eq!(out.len(), hex_prefix_rlp_len(path));
        out
    }

    #[test]
    fn hex_prefix_matches_yellow_paper_examples() {
        // Payloads after the RLP string header.
        assert_eq!(encode(&[1, 2, 3, 4, 5], false), [0x83, 0x11, 0x23, 0x45]);
        assert_eq!(encode(&[0, 1, 2, 3, 4, 5], false), [0x84, 0x00, 0x01, 0x23, 0x45]);
        assert_eq!(encode(&[0, 15, 1, 12, 11, 8], true), [0x84, 0x20, 0x0f, 0x1c, 0xb8]);
        assert_eq!(encode(&[15, 1, 12, 11, 8], true), [0x83, 0x3f, 0x1c, 0xb8]);
        assert_eq!(encode(&[], true), [0x20]);
        assert_eq!(encode(&[7], false), [0x17]);
    }

    #[test]
    fn hex_prefix_round_trips() {
        for len in 0..10u8 {
            let path: Vec<u8> = (0..len).map(|i| (i * 7) % 16).collect();
            for is_leaf in [false, true] {
                let rlp = encode(&path, is_leaf);
                let compact = if rlp.len() == 1 { &rlp[..] } else { &rlp[1..] };
                assert_eq!(decode_hex_prefix(compact), Ok((path.clone(), is_leaf)));
            }
        }
    }

    #[test]
    fn hex_prefix_rejects_bad_flags_and_padding() {
        assert!(decode_hex_prefix(&[]).is_err());
        assert!(decode_hex_prefix(&[0x40]).is_err());
        assert!(decode_hex_prefix(&[0x21, 0x23]).is_err());
        assert!(decode_hex_prefix(&[0xf0]).is_err());
    }
}
