//! Parameter types whose accepted forms the execution-apis schemas fix more tightly than the
//! alloy types do: a storage slot is `bytesMax32` (`0x` and at most 64 hex digits), so a
//! longer key is refused even when its extra digits are leading zeros.

use alloy_primitives::{B256, U256};
use alloy_serde::storage::JsonStorageKey;
use serde::{Deserialize, Deserializer, de::Error as _};

/// A storage slot as `eth_getStorageAt`, `eth_getStorageValues` and `eth_getProof` take it:
/// `0x` followed by 0 to 64 hex digits (either case). Short forms are left-padded; the form
/// given is kept so that `eth_getProof` echoes the key as it was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageSlot {
    pub slot: U256,
    /// Given as a full 32-byte word (64 digits) rather than a quantity.
    pub full_width: bool,
}

impl StorageSlot {
    /// The key in the form it was given (`JsonStorageKey` serializes a word as 32 bytes and
    /// a short form as a quantity).
    pub fn json_key(self) -> JsonStorageKey {
        if self.full_width {
            JsonStorageKey::Hash(B256::from(self.slot))
        } else {
            JsonStorageKey::Number(self.slot)
        }
    }

    /// Parses `0x` and up to 64 hex digits; the error says what was wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .ok_or_else(|| format!("storage slot {text:?} lacks the 0x prefix"))?;
        if digits.len() > 64 {
            return Err(format!(
                "storage slot {text:?} is longer than 32 bytes ({} hex digits)",
                digits.len()
            ));
        }
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("storage slot {text:?} is not hex"));
        }
        let slot = if digits.is_empty() {
            U256::ZERO
        } else {
            U256::from_str_radix(digits, 16).map_err(|e| format!("storage slot {text:?}: {e}"))?
        };
        Ok(Self { slot, full_width: digits.len() == 64 })
    }
}

impl<'de> Deserialize<'de> for StorageSlot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_longer_than_32_bytes_are_refused_even_with_leading_zeros() {
        let word = format!("0x{}", "00".repeat(31) + "2a");
        assert_eq!(StorageSlot::parse(&word).unwrap().slot, U256::from(42));
        assert!(StorageSlot::parse(&word).unwrap().full_width);
        let longer = format!("0x00{}", &word[2..]);
        let err = StorageSlot::parse(&longer).unwrap_err();
        assert!(err.contains("longer than 32 bytes"), "{err}");
        assert_eq!(StorageSlot::parse("0x1").unwrap().slot, U256::from(1));
        assert_eq!(StorageSlot::parse("0x").unwrap().slot, U256::ZERO);
        assert!(StorageSlot::parse("1").is_err());
        assert!(StorageSlot::parse("0xzz").is_err());
        let parsed: StorageSlot = serde_json::from_str("\"0xAB\"").unwrap();
        assert_eq!(parsed.slot, U256::from(0xab));
        assert!(serde_json::from_str::<StorageSlot>("42").is_err());
    }
}
