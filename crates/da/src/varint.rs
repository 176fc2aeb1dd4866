//! Canonical LEB128 integers: seven bits per byte, least significant group first. Decoding
//! refuses overlong forms (a final zero group after the first byte) and values past the type,
//! so each number has one encoding.

/// Why a varint was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VarintError {
    #[error("input ends inside a varint")]
    Truncated,
    #[error("varint has a redundant trailing zero group")]
    Overlong,
    #[error("varint exceeds {0} bits")]
    Overflow(u32),
}

/// Appends `value` as LEB128.
pub fn put(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Bytes [`put`] writes for `value`: one per started group of seven bits, at least one.
pub fn len(value: u128) -> usize {
    let bits = 128 - value.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

/// Reads a LEB128 value of at most `bits` bits from the front of `input`, advancing it. A
/// `bits` above 128 reads as 128 (the widest value there is).
pub fn take(input: &mut &[u8], bits: u32) -> Result<u128, VarintError> {
    let bits = bits.min(128);
    let mut value = 0u128;
    let mut shift = 0u32;
    loop {
        let (&byte, rest) = input.split_first().ok_or(VarintError::Truncated)?;
        *input = rest;
        let group = u128::from(byte & 0x7f);
        // The group's bits from `bits - shift` up would not fit (with 7 or more bits to go,
        // none of a group's 7 is past the width).
        if shift >= bits || group >> (bits - shift).min(127) != 0 {
            return Err(VarintError::Overflow(bits));
        }
        value |= group << shift;
        if byte & 0x80 == 0 {
            if byte == 0 && shift > 0 {
                return Err(VarintError::Overlong);
            }
            return Ok(value);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_encodings_and_refusals() {
        let mut out = Vec::new();
        put(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
        assert_eq!(take(&mut &out[..], 64), Ok(300));
        assert_eq!(take(&mut &[0x80, 0x00][..], 64), Err(VarintError::Overlong));
        assert_eq!(take(&mut &[0x80][..], 64), Err(VarintError::Truncated));
        let mut max = Vec::new();
        put(&mut max, u128::from(u64::MAX));
        assert_eq!(take(&mut &max[..], 64), Ok(u128::from(u64::MAX)));
        let mut above = Vec::new();
        put(&mut above, u128::from(u64::MAX) + 1);
        assert_eq!(take(&mut &above[..], 64), Err(VarintError::Overflow(64)));
        let mut top = Vec::new();
        put(&mut top, u128::MAX);
        assert_eq!(take(&mut &top[..], 128), Ok(u128::MAX));
        assert!(take(&mut &[0xff; 20][..], 128).is_err());
    }

    /// Found by the fuzz test (tests/fuzz): under 7 bits the first group went unchecked, and
    /// past 128 bits a long varint shifted a group out of the u128 (an overflow panic).
    #[test]
    fn narrow_widths_are_checked_in_the_first_group_and_wide_ones_read_as_128_bits() {
        assert_eq!(take(&mut &[0x4b][..], 2), Err(VarintError::Overflow(2)));
        assert_eq!(take(&mut &[0x03][..], 2), Ok(3));
        assert_eq!(take(&mut &[0x04][..], 2), Err(VarintError::Overflow(2)));
        assert_eq!(take(&mut &[0x00][..], 0), Err(VarintError::Overflow(0)));
        let mut top = Vec::new();
        put(&mut top, u128::MAX);
        assert_eq!(take(&mut &top[..], 200), Ok(u128::MAX));
        assert_eq!(take(&mut &[0xff; 20][..], 255), Err(VarintError::Overflow(128)));
    }

    #[test]
    fn len_is_what_put_writes_at_every_group_boundary() {
        for value in (0..128u32)
            .flat_map(|bit| {
                let power = 1u128 << bit;
                [power - 1, power, power + 1]
            })
            .chain([u128::MAX])
        {
            let mut out = Vec::new();
            put(&mut out, value);
            assert_eq!(len(value), out.len(), "{value}");
        }
    }

    proptest! {
        #[test]
        fn round_trip(value in any::<u128>()) {
            let mut out = Vec::new();
            put(&mut out, value);
            prop_assert_eq!(len(value), out.len());
            let mut input = &out[..];
            prop_assert_eq!(take(&mut input, 128), Ok(value));
            prop_assert!(input.is_empty());
        }

        #[test]
        fn u64_values_round_trip_and_larger_ones_are_refused(value in any::<u128>()) {
            let mut out = Vec::new();
            put(&mut out, value);
            let decoded = take(&mut &out[..], 64);
            if value <= u128::from(u64::MAX) {
                prop_assert_eq!(decoded, Ok(value));
            } else {
                prop_assert_eq!(decoded, Err(VarintError::Overflow(64)));
            }
        }
    }
}
