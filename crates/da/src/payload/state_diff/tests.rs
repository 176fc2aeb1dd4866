use super::*;
use alloy_primitives::hex;
use proptest::prelude::*;

fn account(byte: u8) -> AccountDiff {
    AccountDiff { address: Address::repeat_byte(byte), ..AccountDiff::default() }
}

/// A token contract whose balances mapping sits at slot 0, after transfers between two holders.
fn sample() -> StateDiffPayload {
    let sender = Address::repeat_byte(0x11);
    let stranger = Address::repeat_byte(0x77);
    let mut storage = vec![
        SlotDiff {
            key: SlotKey::Mapping { key: sender, slot: 0 },
            value: Change::Sub(U256::from(5)),
        },
        SlotDiff {
            key: SlotKey::Mapping { key: stranger, slot: 0 },
            value: Change::Add(U256::from(5)),
        },
        SlotDiff { key: SlotKey::Raw(B256::repeat_byte(0x42)), value: Change::Set(U256::from(9)) },
    ];
    storage.sort_by_key(|slot| slot.key.resolve());
    StateDiffPayload {
        chain_id: 1729,
        first_block: 10,
        block_count: 3,
        accounts: vec![
            AccountDiff {
                nonce: Some(Change::Add(2)),
                balance: Some(Change::Sub(U256::from(1_000_000u64))),
                ..account(0x11)
            },
            AccountDiff { balance: Some(Change::Set(U256::MAX)), ..account(0x22) },
            AccountDiff {
                nonce: Some(Change::Set(1)),
                code: Some(Bytes::from_static(&[0x60, 0x00])),
                storage,
                storage_cleared: true,
                ..account(0x33)
            },
            AccountDiff { removed: true, ..account(0x44) },
        ],
        l1_messages: vec![B256::repeat_byte(0xaa), B256::repeat_byte(0xbb)],
    }
}

#[test]
fn a_state_diff_round_trips_and_is_deterministic() {
    let payload = sample();
    let bytes = encode_state_diff(&payload).unwrap();
    assert_eq!(encode_state_diff(&payload).unwrap(), bytes);
    assert_eq!(decode_state_diff(&bytes).unwrap(), payload);
    assert_eq!(
        crate::decode_blocks(&bytes),
        Err(PayloadDecodeError::NotBlocks("state-diff")),
        "one mode's decoder refuses the other's payload"
    );
    let blocks =
        crate::encode_blocks(&crate::BlocksPayload { chain_id: 1, first_block: 0, blocks: vec![] })
            .unwrap();
    assert_eq!(decode_state_diff(&blocks), Err(PayloadDecodeError::NotStateDiff("blocks")));
}

#[test]
fn mapping_slots_are_soliditys_and_cost_an_index_instead_of_32_bytes() {
    // keccak256(abi.encode(address(0x11…11), uint256(0))), as solc lays out `mapping(address => …)`.
    assert_eq!(
        mapping_slot(Address::repeat_byte(0x11), 0),
        keccak256(hex!(
            "0000000000000000000000001111111111111111111111111111111111111111\
             0000000000000000000000000000000000000000000000000000000000000000"
        ))
    );
    let raw = |payload: &StateDiffPayload| {
        let mut payload = payload.clone();
        for slot in &mut payload.accounts[2].storage {
            slot.key = SlotKey::Raw(slot.key.resolve());
        }
        encode_state_diff(&payload).unwrap().len()
    };
    let payload = sample();
    let indexed = encode_state_diff(&payload).unwrap().len();
    // One key is an account (an index); the other adds a 20-byte table entry.
    assert!(indexed + 2 * 32 - 20 - 2 * 4 <= raw(&payload), "{indexed} vs {}", raw(&payload));
}

#[test]
fn changes_are_the_shortest_and_apply_back() {
    let cases: [(U256, U256); 5] = [
        (U256::from(1_000_000_000_000_000_000u128), U256::from(999_999_999_999_000_000u128)),
        (U256::ZERO, U256::from(7)),
        (U256::from(5), U256::ZERO),
        (U256::MAX, U256::ZERO),
        (U256::from(3), U256::from(3)),
    ];
    for (old, new) in cases {
        let change = Change::between(old, new);
        assert_eq!(change.apply(old), Some(new), "{old} -> {new} by {change:?}");
        assert!(change.value().encoded_len() <= new.encoded_len());
    }
    assert_eq!(Change::between(U256::MAX, U256::ZERO), Change::Set(U256::ZERO));
    assert!(matches!(
        Change::between(U256::from(10u64.pow(18)), U256::from(10u64.pow(18) - 21_000)),
        Change::Sub(_)
    ));
    assert_eq!(Change::between(41u64, 42), Change::Add(1));
    assert_eq!(Change::Sub(U256::from(2)).apply(U256::from(1)), None, "below zero");
    assert_eq!(Change::Add(1u64).apply(u64::MAX), None, "overflow");
}

#[test]
fn payloads_with_two_meanings_are_not_encoded() {
    let mut unordered = sample();
    unordered.accounts.swap(0, 1);
    assert!(matches!(encode_state_diff(&unordered), Err(PayloadEncodeError::InvalidStateDiff(_))));
    let mut removed = sample();
    removed.accounts[3].balance = Some(Change::Set(U256::from(1)));
    assert!(matches!(encode_state_diff(&removed), Err(PayloadEncodeError::InvalidStateDiff(_))));
    let mut slots = sample();
    slots.accounts[2].storage.reverse();
    assert!(matches!(encode_state_diff(&slots), Err(PayloadEncodeError::InvalidStateDiff(_))));
}

#[test]
fn malformed_payloads_are_refused_with_their_fault() {
    let bytes = encode_state_diff(&sample()).unwrap();
    assert_eq!(decode_state_diff(&[]), Err(PayloadDecodeError::Empty));
    assert_eq!(decode_state_diff(&[9, 1]), Err(PayloadDecodeError::UnknownVersion(9)));
    assert_eq!(decode_state_diff(&[PAYLOAD_VERSION, 7]), Err(PayloadDecodeError::UnknownMode(7)));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(decode_state_diff(&trailing), Err(PayloadDecodeError::TrailingBytes(1)));
    // Every prefix is refused, none panics.
    for len in 0..bytes.len() {
        assert!(decode_state_diff(&bytes[..len]).is_err(), "prefix of {len} bytes");
    }
}

fn change_u256() -> impl Strategy<Value = Change<U256>> {
    let value = prop_oneof![
        any::<u64>().prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes)
    ];
    (0u8..3, value).prop_map(|(form, value)| change_from(form, value).unwrap())
}

fn payload() -> impl Strategy<Value = StateDiffPayload> {
    let key = prop_oneof![
        any::<[u8; 32]>().prop_map(|k| SlotKey::Raw(B256::from(k))),
        ((0u8..8), 0u64..4)
            .prop_map(|(k, slot)| SlotKey::Mapping { key: Address::repeat_byte(k), slot }),
    ];
    let slot = (key, change_u256()).prop_map(|(key, value)| SlotDiff { key, value });
    let account = (
        0u8..12,
        any::<bool>(),
        proptest::option::of((0u8..3, any::<u64>()).prop_map(|(f, v)| change_from(f, v).unwrap())),
        proptest::option::of(change_u256()),
        proptest::option::of(prop::collection::vec(any::<u8>(), 0..40).prop_map(Bytes::from)),
        prop::collection::vec(slot, 0..4),
        0u8..8,
    )
        .prop_map(|(byte, cleared, nonce, balance, code, mut storage, removed)| {
            storage.sort_by_key(|slot| slot.key.resolve());
            storage.dedup_by_key(|slot| slot.key.resolve());
            if removed == 0 {
                return AccountDiff { removed: true, ..account(byte) };
            }
            AccountDiff { storage_cleared: cleared, nonce, balance, code, storage, ..account(byte) }
        });
    (
        any::<u64>(),
        any::<u64>(),
        prop::collection::vec(account, 0..8),
        prop::collection::vec(any::<[u8; 32]>().prop_map(B256::from), 0..3),
    )
        .prop_map(|(first_block, block_count, mut accounts, l1_messages)| {
            accounts.sort_by_key(|a| a.address);
            accounts.dedup_by_key(|a| a.address);
            StateDiffPayload { chain_id: 1729, first_block, block_count, accounts, l1_messages }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_state_diff_round_trips(payload in payload()) {
        let bytes = encode_state_diff(&payload).unwrap();
        prop_assert_eq!(decode_state_diff(&bytes).unwrap(), payload);
    }

    #[test]
    fn a_corrupted_state_diff_decodes_or_is_refused_without_panicking(
        payload in payload(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = encode_state_diff(&payload).unwrap();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        // Whatever decodes must be what it encodes back to: one meaning per byte string.
        if let Ok(decoded) = decode_state_diff(&bytes) {
            prop_assert_eq!(encode_state_diff(&decoded).unwrap(), bytes);
        }
    }

    #[test]
    fn arbitrary_bytes_decode_or_are_refused_without_panicking(
        tail in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        let mut bytes = vec![PAYLOAD_VERSION, DaMode::StateDiff as u8];
        bytes.extend(tail);
        let _ = decode_state_diff(&bytes);
    }
}
