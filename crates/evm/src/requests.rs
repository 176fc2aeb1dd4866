//! EIP-6110 deposit requests: parsing `DepositEvent` logs of the deposit contract.

use alloy_primitives::{Address, B256, Log, b256};

/// keccak("DepositEvent(bytes,bytes,bytes,bytes,bytes)").
pub const DEPOSIT_EVENT_TOPIC: B256 =
    b256!("0x649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5");

/// A deposit log whose ABI layout is not the one the deposit contract emits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("deposit event log has an invalid layout: {0}")]
pub struct InvalidDepositLayout(pub &'static str);

/// Fields in event order: (ABI head offset, length in bytes).
const FIELDS: [(usize, usize); 5] = [(160, 48), (256, 32), (320, 8), (384, 96), (512, 8)];
/// Total size of the ABI-encoded event data.
const EVENT_DATA_LEN: usize = 576;

/// Appends the request bytes (pubkey ‖ withdrawal credentials ‖ amount ‖ signature ‖ index)
/// of every deposit event in `logs` to `out`.
pub fn collect_deposit_requests<'a>(
    deposit_contract: Address,
    logs: impl IntoIterator<Item = &'a Log>,
    out: &mut Vec<u8>,
) -> Result<(), InvalidDepositLayout> {
    for log in logs {
        if log.address != deposit_contract || log.topics().first() != Some(&DEPOSIT_EVENT_TOPIC) {
            continue;
        }
        let data = log.data.data.as_ref();
        if data.len() != EVENT_DATA_LEN {
            return Err(InvalidDepositLayout("event data is not 576 bytes"));
        }
        for (index, (offset, length)) in FIELDS.iter().enumerate() {
            let head = read_word(data, index * 32).ok_or(InvalidDepositLayout("short head"))?;
            if head != *offset as u64 {
                return Err(InvalidDepositLayout("unexpected field offset"));
            }
            let size = read_word(data, *offset).ok_or(InvalidDepositLayout("short field"))?;
            if size != *length as u64 {
                return Err(InvalidDepositLayout("unexpected field size"));
            }
            let start = offset + 32;
            let field = data
                .get(start..start + length)
                .ok_or(InvalidDepositLayout("field out of range"))?;
            out.extend_from_slice(field);
        }
    }
    Ok(())
}

/// A big-endian 32-byte word at `at` as u64, None if out of range or above u64.
fn read_word(data: &[u8], at: usize) -> Option<u64> {
    let word = data.get(at..at.checked_add(32)?)?;
    if word[..24].iter().any(|b| *b != 0) {
        return Some(u64::MAX);
    }
    let mut low = [0u8; 8];
    low.copy_from_slice(&word[24..]);
    Some(u64::from_be_bytes(low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Bytes, LogData};

    fn deposit_log(data: Vec<u8>) -> Log {
        Log {
            address: Address::repeat_byte(1),
            data: LogData::new_unchecked(vec![DEPOSIT_EVENT_TOPIC], Bytes::from(data)),
        }
    }

    fn well_formed() -> Vec<u8> {
        let mut data = vec![0u8; EVENT_DATA_LEN];
        for (i, (offset, length)) in FIELDS.iter().enumerate() {
            data[i * 32 + 31] = *offset as u8;
            data[i * 32 + 30] = (*offset >> 8) as u8;
            data[offset + 31] = *length as u8;
            data[offset + 32..offset + 32 + length].fill(i as u8 + 1);
        }
        data
    }

    #[test]
    fn well_formed_deposit_yields_192_byte_request() {
        let mut out = Vec::new();
        collect_deposit_requests(Address::repeat_byte(1), [&deposit_log(well_formed())], &mut out)
            .unwrap();
        assert_eq!(out.len(), 192);
        assert_eq!(out[0], 1);
        assert_eq!(out[191], 5);
    }

    #[test]
    fn wrong_offset_size_or_length_is_rejected() {
        let mut bad_offset = well_formed();
        bad_offset[31] = 0;
        let mut bad_size = well_formed();
        bad_size[160 + 31] = 47;
        let short = well_formed()[..575].to_vec();
        for data in [bad_offset, bad_size, short] {
            let result = collect_deposit_requests(
                Address::repeat_byte(1),
                [&deposit_log(data)],
                &mut Vec::new(),
            );
            assert!(result.is_err());
        }
    }

    #[test]
    fn logs_of_other_contracts_are_ignored() {
        let mut out = Vec::new();
        collect_deposit_requests(Address::repeat_byte(2), [&deposit_log(vec![1, 2, 3])], &mut out)
            .unwrap();
        assert!(out.is_empty());
    }
}
