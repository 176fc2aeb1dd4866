use super::*;
use alloy_eips::{
    eip2930::{AccessList, AccessListItem},
    eip7702::{Authorization, SignedAuthorization},
};
use alloy_primitives::{Bytes, TxKind, U256};
use proptest::prelude::*;

const CHAIN_ID: u64 = 1729;

fn fees(blob_base_fee: u128) -> FeeConfig {
    FeeConfig {
        base_fee_vault: None,
        operator_fee_vault: Some(Address::repeat_byte(0x0f)),
        operator_fee_per_gas: 3,
        l1_fee_vault: Address::repeat_byte(0x1a),
        l1_fee_scalar: 1_000_000,
        l1_blob_base_fee: blob_base_fee,
        elasticity_multiplier: 2,
        base_fee_max_change_denominator: 8,
    }
}

fn transfer(sender: u8, nonce: u64, to: u8, value: u64) -> SenderTransaction {
    SenderTransaction {
        sender: Address::repeat_byte(sender),
        transaction: UnsignedTransaction::Eip1559(TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 2_000_000_000,
            max_priority_fee_per_gas: 1_000_000,
            to: TxKind::Call(Address::repeat_byte(to)),
            value: U256::from(value),
            access_list: AccessList::default(),
            input: Bytes::new(),
        }),
    }
}

fn block(timestamp: u64, transactions: Vec<SenderTransaction>) -> PayloadBlock {
    PayloadBlock {
        timestamp,
        gas_limit: 30_000_000,
        beneficiary: Address::repeat_byte(0xcb),
        fees: fees(1),
        transactions_root: B256::repeat_byte(timestamp as u8),
        privileged_count: 0,
        transactions,
    }
}

fn sample() -> BlocksPayload {
    BlocksPayload {
        chain_id: CHAIN_ID,
        first_block: 7,
        blocks: vec![
            block(100, vec![transfer(1, 0, 2, 5), transfer(1, 1, 3, 6), transfer(2, 9, 1, 7)]),
            block(101, vec![]),
            PayloadBlock {
                fees: fees(5),
                privileged_count: 3,
                ..block(103, vec![transfer(3, 0, 4, 1)])
            },
        ],
    }
}

#[test]
fn a_batch_round_trips_and_the_encoding_is_deterministic() {
    let payload = sample();
    let bytes = encode_blocks(&payload).unwrap();
    assert_eq!(bytes[..2], [PAYLOAD_VERSION, DaMode::Blocks as u8]);
    assert_eq!(encode_blocks(&payload).unwrap(), bytes);
    assert_eq!(decode_blocks(&bytes).unwrap(), payload);
}

#[test]
fn repeated_senders_cost_no_nonce_and_repeated_recipients_are_indexed() {
    let one = |n: u64| BlocksPayload {
        chain_id: CHAIN_ID,
        first_block: 1,
        blocks: vec![block(1, (0..n).map(|i| transfer(1, i, 2, 1)).collect())],
    };
    let (ten, eleven) = (encode_blocks(&one(10)).unwrap(), encode_blocks(&one(11)).unwrap());
    // One more transfer from the same sender to the same recipient: type, sender index, nonce
    // flag, gas (3 bytes), fee (5 + 3 bytes), recipient form and index, value (2), input length,
    // empty access list (1): 20 bytes, before compression.
    assert_eq!(eleven.len() - ten.len(), 20);
}

#[test]
fn wrong_chain_ids_and_decreasing_timestamps_are_not_encoded() {
    let mut payload = sample();
    payload.chain_id = 1;
    assert!(matches!(
        encode_blocks(&payload),
        Err(PayloadEncodeError::WrongChainId { number: 7, expected: 1, found: CHAIN_ID })
    ));
    let mut payload = sample();
    payload.blocks[1].timestamp = 99;
    assert!(matches!(
        encode_blocks(&payload),
        Err(PayloadEncodeError::TimestampDecreases { number: 8, timestamp: 99, previous: 100 })
    ));
}

#[test]
fn malformed_payloads_are_refused_with_their_fault() {
    let bytes = encode_blocks(&sample()).unwrap();
    assert_eq!(decode_blocks(&[]), Err(PayloadDecodeError::Empty));
    assert_eq!(decode_blocks(&[2, 0]), Err(PayloadDecodeError::UnknownVersion(2)));
    assert_eq!(decode_blocks(&[1, 1]), Err(PayloadDecodeError::NotBlocks("state-diff")));
    assert_eq!(decode_blocks(&[1, 9]), Err(PayloadDecodeError::UnknownMode(9)));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(decode_blocks(&trailing), Err(PayloadDecodeError::TrailingBytes(1)));
    // Claiming one block fewer leaves bytes in the columns.
    let mut short = bytes.clone();
    assert_eq!(short[5], 3, "block count");
    short[5] = 2;
    assert!(matches!(
        decode_blocks(&short),
        Err(PayloadDecodeError::Column { reason, .. }) if reason.contains("bytes left")
    ));
    for cut in [3, 10, bytes.len() / 2, bytes.len() - 1] {
        assert!(decode_blocks(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![(0u8..6).prop_map(Address::repeat_byte), any::<[u8; 20]>().prop_map(Address::from)]
}

fn kind() -> impl Strategy<Value = TxKind> {
    prop_oneof![1 => Just(TxKind::Create), 6 => address().prop_map(TxKind::Call)]
}

fn access_list() -> impl Strategy<Value = AccessList> {
    prop::collection::vec((address(), prop::collection::vec(any::<[u8; 32]>(), 0..3)), 0..3)
        .prop_map(|items| {
            AccessList(
                items
                    .into_iter()
                    .map(|(address, keys)| AccessListItem {
                        address,
                        storage_keys: keys.into_iter().map(B256::from).collect(),
                    })
                    .collect(),
            )
        })
}

fn value() -> impl Strategy<Value = U256> {
    prop_oneof![
        Just(U256::ZERO),
        any::<u64>().prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes)
    ]
}

fn transaction() -> impl Strategy<Value = UnsignedTransaction> {
    let common = (
        any::<u64>(),
        any::<u64>(),
        any::<u128>(),
        any::<u128>(),
        value(),
        prop::collection::vec(any::<u8>(), 0..40),
    );
    (0u8..5, common, kind(), address(), access_list(), any::<bool>()).prop_map(
        |(
            kind,
            (nonce, gas_limit, fee, tip, value, input),
            to,
            to_address,
            access_list,
            with_chain_id,
        )| {
            let input = Bytes::from(input);
            match kind {
                0 => UnsignedTransaction::Legacy(TxLegacy {
                    chain_id: with_chain_id.then_some(CHAIN_ID),
                    nonce,
                    gas_price: fee,
                    gas_limit,
                    to,
                    value,
                    input,
                }),
                1 => UnsignedTransaction::Eip2930(TxEip2930 {
                    chain_id: CHAIN_ID,
                    nonce,
                    gas_price: fee,
                    gas_limit,
                    to,
                    value,
                    access_list,
                    input,
                }),
                2 | 3 => UnsignedTransaction::Eip1559(TxEip1559 {
                    chain_id: CHAIN_ID,
                    nonce,
                    gas_limit,
                    max_fee_per_gas: fee,
                    max_priority_fee_per_gas: tip,
                    to,
                    value,
                    access_list,
                    input,
                }),
                _ => UnsignedTransaction::Eip7702(TxEip7702 {
                    chain_id: CHAIN_ID,
                    nonce,
                    gas_limit,
                    max_fee_per_gas: fee,
                    max_priority_fee_per_gas: tip,
                    to: to_address,
                    value,
                    access_list,
                    authorization_list: vec![SignedAuthorization::new_unchecked(
                        Authorization {
                            chain_id: U256::from(CHAIN_ID),
                            address: to_address,
                            nonce,
                        },
                        1,
                        U256::from(gas_limit),
                        U256::from(nonce),
                    )],
                    input,
                }),
            }
        },
    )
}

fn payload() -> impl Strategy<Value = BlocksPayload> {
    let tx = (address(), transaction(), any::<bool>())
        .prop_map(|(sender, transaction, _)| SenderTransaction { sender, transaction });
    let block = (
        0u64..5,
        any::<u64>(),
        address(),
        any::<bool>(),
        0u128..10,
        any::<[u8; 32]>(),
        any::<u64>(),
        prop::collection::vec(tx, 0..6),
    );
    (any::<u64>(), prop::collection::vec(block, 0..5)).prop_map(|(first_block, blocks)| {
        let mut timestamp = 1_700_000_000u64;
        let blocks = blocks
            .into_iter()
            .map(
                |(
                    step,
                    gas_limit,
                    beneficiary,
                    _,
                    blob_fee,
                    root,
                    privileged_count,
                    transactions,
                )| {
                    timestamp += step;
                    PayloadBlock {
                        timestamp,
                        gas_limit,
                        beneficiary,
                        fees: fees(blob_fee),
                        transactions_root: B256::from(root),
                        privileged_count,
                        transactions,
                    }
                },
            )
            .collect();
        BlocksPayload { chain_id: CHAIN_ID, first_block, blocks }
    })
}

/// Counts `tx` in `budget` through the `Transaction` trait, as the block producer does, and
/// checks that `fits` (what admission asks) foretold the answer.
fn add(budget: &mut BlockDataBudget, tx: &SenderTransaction) -> bool {
    let (fits, added) = match &tx.transaction {
        UnsignedTransaction::Legacy(t) => (budget.fits(tx.sender, t), budget.try_add(tx.sender, t)),
        UnsignedTransaction::Eip2930(t) => {
            (budget.fits(tx.sender, t), budget.try_add(tx.sender, t))
        }
        UnsignedTransaction::Eip1559(t) => {
            (budget.fits(tx.sender, t), budget.try_add(tx.sender, t))
        }
        UnsignedTransaction::Eip7702(t) => {
            (budget.fits(tx.sender, t), budget.try_add(tx.sender, t))
        }
    };
    assert_eq!(fits, added, "fits foretells try_add");
    added
}

/// The sum of each block's bound, counted alone, plus the header bound.
fn bound(payload: &BlocksPayload, limit: usize) -> usize {
    let blocks: usize = payload
        .blocks
        .iter()
        .map(|block| {
            let mut budget = BlockDataBudget::new(limit, block.beneficiary, &block.fees).unwrap();
            for tx in &block.transactions {
                assert!(add(&mut budget, tx), "the limit is far above these blocks");
            }
            budget.bytes()
        })
        .sum();
    blocks + PAYLOAD_HEADER_BOUND
}

#[test]
fn the_block_data_bound_holds_for_one_block_and_for_a_batch_of_them() {
    let limit = max_block_payload_bytes(6);
    let payload = sample();
    assert!(encode_blocks(&payload).unwrap().len() <= bound(&payload, limit));
    for block in &payload.blocks {
        let alone = BlocksPayload { blocks: vec![block.clone()], ..payload.clone() };
        assert!(encode_blocks(&alone).unwrap().len() <= bound(&alone, limit));
    }
    // A realistic block: 100 senders paying fresh recipients. The bound stays within a few
    // bytes per transaction of the real encoding, and far below the signed transactions.
    let transactions: Vec<SenderTransaction> =
        (0..1_000u32).map(|i| transfer((i % 100) as u8, u64::from(i / 100), 0, 1)).collect();
    let transactions = transactions
        .into_iter()
        .enumerate()
        .map(|(i, mut tx)| {
            if let UnsignedTransaction::Eip1559(t) = &mut tx.transaction {
                let mut to = [0u8; 20];
                to[..8].copy_from_slice(&(i as u64 + 1_000).to_be_bytes());
                t.to = TxKind::Call(Address::from(to));
            }
            tx
        })
        .collect();
    let busy = BlocksPayload { blocks: vec![block(100, transactions)], ..payload };
    let encoded = encode_blocks(&busy).unwrap().len();
    let bounded = bound(&busy, limit);
    assert!(encoded <= bounded && bounded - encoded < 6 * 1_000, "{encoded} vs {bounded}");
}

#[test]
fn a_full_budget_refuses_and_stays_as_it_was() {
    let fees = fees(1);
    let beneficiary = Address::repeat_byte(0xcb);
    let limit = 400;
    let empty = BlockDataBudget::new(limit, beneficiary, &fees).unwrap();
    assert!(BlockDataBudget::new(50, beneficiary, &fees).is_none(), "the block's own fields");
    let mut budget = empty.clone();
    assert!(add(&mut budget, &transfer(1, 0, 2, 5)));
    let first = budget.bytes() - empty.bytes();
    // The next one of the same sender costs less (indexed sender, next nonce) but not nothing.
    assert!(add(&mut budget, &transfer(1, 1, 2, 5)));
    let second = budget.bytes() - empty.bytes() - first;
    assert!(0 < second && second < first, "{first} then {second}");
    let mut nonce = 2;
    while add(&mut budget, &transfer(1, nonce, 2, 5)) {
        nonce += 1;
    }
    let full = budget.clone();
    assert!(budget.remaining() < second);
    assert!(!add(&mut budget, &transfer(1, nonce, 2, 5)));
    assert_eq!((budget.bytes(), budget.remaining()), (full.bytes(), full.remaining()));
    assert_eq!(budget.bytes() + budget.remaining(), limit);
    let mut exhausted = BlockDataBudget::exhausted();
    assert!(!add(&mut exhausted, &transfer(1, 0, 2, 5)));
    assert_eq!((exhausted.bytes(), exhausted.remaining()), (0, 0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_block_data_bound_is_never_below_the_encoding(payload in payload()) {
        let encoded = encode_blocks(&payload).unwrap().len();
        prop_assert!(encoded <= bound(&payload, max_block_payload_bytes(6)));
        for block in &payload.blocks {
            let alone = BlocksPayload { blocks: vec![block.clone()], ..payload.clone() };
            prop_assert!(encode_blocks(&alone).unwrap().len() <= bound(&alone, max_block_payload_bytes(6)));
        }
    }

    #[test]
    fn any_batch_round_trips(payload in payload()) {
        let bytes = encode_blocks(&payload).unwrap();
        prop_assert_eq!(decode_blocks(&bytes).unwrap(), payload);
    }

    #[test]
    fn a_corrupted_payload_decodes_or_is_refused_without_panicking(
        payload in payload(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = encode_blocks(&payload).unwrap();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        let _ = decode_blocks(&bytes);
    }

    #[test]
    fn arbitrary_bytes_decode_or_are_refused_without_panicking(
        tail in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        let mut bytes = vec![PAYLOAD_VERSION, DaMode::Blocks as u8];
        bytes.extend(tail);
        let _ = decode_blocks(&bytes);
    }
}
