//! The seed corpus: real payloads from the crate's own encoders. Blocks payloads of ETH
//! transfers, of ERC20 transfers and of every transaction kind; state diffs of ETH and ERC20
//! transfers and of deployments, removals and L1 messages; their compressed forms (brotli at
//! both qualities, and raw); and their blob-packed forms, one blob and several.

use super::mutate::Rng;
use alloy_consensus::{TxEip1559, TxEip2930, TxEip7702, TxLegacy};
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_eips::eip7702::{Authorization, SignedAuthorization};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use basalt_da::{
    AccountDiff, BlocksPayload, Change, PayloadBlock, SenderTransaction, SlotDiff, SlotKey,
    StateDiffPayload, UnsignedTransaction, compress, encode_blobs, encode_blocks,
    encode_compressed, encode_compressed_fast, encode_state_diff,
};
use basalt_primitives::FeeConfig;
use std::collections::BTreeMap;

pub const CHAIN_ID: u64 = 12_212_759;

/// The payloads every target's seeds derive from: blocks payloads, then state diffs.
pub struct Payloads {
    pub blocks: Vec<Vec<u8>>,
    pub state_diffs: Vec<Vec<u8>>,
}

impl Payloads {
    pub fn all(&self) -> impl Iterator<Item = &Vec<u8>> {
        self.blocks.iter().chain(&self.state_diffs)
    }
}

fn fees(blob_base_fee: u128, operator_fee: u128) -> FeeConfig {
    FeeConfig {
        base_fee_vault: (operator_fee > 0).then(|| Address::repeat_byte(0xbf)),
        operator_fee_vault: Some(Address::repeat_byte(0x0f)),
        operator_fee_per_gas: operator_fee,
        l1_fee_vault: Address::repeat_byte(0x1a),
        l1_fee_scalar: 1_000_000,
        l1_blob_base_fee: blob_base_fee,
        elasticity_multiplier: 2,
        base_fee_max_change_denominator: 8,
    }
}

/// `count` distinct accounts.
fn accounts(rng: &mut Rng, count: usize) -> Vec<Address> {
    (0..count).map(|_| Address::from_slice(&rng.bytes(20))).collect()
}

fn eip1559(nonce: u64, gas_limit: u64, to: Address, value: U256, input: Bytes) -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000,
        to: TxKind::Call(to),
        value,
        access_list: AccessList::default(),
        input,
    }
}

/// ERC20 `transfer(to, amount)` calldata.
fn erc20_transfer(to: Address, amount: U256) -> Bytes {
    let mut input = vec![0xa9, 0x05, 0x9c, 0xbb];
    input.extend_from_slice(&[0; 12]);
    input.extend_from_slice(to.as_slice());
    input.extend_from_slice(&amount.to_be_bytes::<32>());
    input.into()
}

/// Blocks of transfers between `users` random accounts, each sender's nonces in order.
fn transfers(rng: &mut Rng, users: usize, per_block: &[usize], erc20: bool) -> BlocksPayload {
    let users = accounts(rng, users);
    let token = Address::repeat_byte(0xe2);
    let mut nonces: BTreeMap<Address, u64> = BTreeMap::new();
    let mut timestamp = 1_750_000_000;
    let blocks = per_block
        .iter()
        .enumerate()
        .map(|(i, &count)| {
            timestamp += 1 + rng.below(2) as u64;
            let transactions = (0..count)
                .map(|_| {
                    let sender = *rng.pick(&users);
                    let recipient = *rng.pick(&users);
                    let nonce = nonces.entry(sender).or_insert(rng.below(50) as u64);
                    let amount = U256::from(1 + rng.u64() % 1_000_000_000_000_000_000);
                    let tx = if erc20 {
                        eip1559(
                            *nonce,
                            60_000,
                            token,
                            U256::ZERO,
                            erc20_transfer(recipient, amount),
                        )
                    } else {
                        eip1559(*nonce, 21_000, recipient, amount, Bytes::new())
                    };
                    *nonce += 1;
                    SenderTransaction { sender, transaction: UnsignedTransaction::Eip1559(tx) }
                })
                .collect();
            PayloadBlock {
                timestamp,
                gas_limit: 30_000_000,
                beneficiary: Address::repeat_byte(0xcb),
                fees: fees(1 + (i / 3) as u128, 0),
                transactions_root: B256::from_slice(&rng.bytes(32)),
                privileged_count: if i % 4 == 0 { 2 } else { 0 },
                transactions,
            }
        })
        .collect();
    BlocksPayload { chain_id: CHAIN_ID, first_block: 1_000, blocks }
}

/// One transaction of every kind the payload carries: legacy with and without a chain id,
/// EIP-2930 with an access list, EIP-1559 creating a contract, EIP-7702 with authorizations;
/// nonces in order, out of order and at the top of their range.
fn every_kind(rng: &mut Rng) -> BlocksPayload {
    let users = accounts(rng, 6);
    let access_list = AccessList(vec![
        AccessListItem { address: users[3], storage_keys: vec![B256::repeat_byte(1)] },
        AccessListItem { address: users[4], storage_keys: vec![] },
    ]);
    let authorization = SignedAuthorization::new_unchecked(
        Authorization { chain_id: U256::from(CHAIN_ID), address: users[5], nonce: 7 },
        1,
        U256::from_be_slice(&rng.bytes(32)),
        U256::from_be_slice(&rng.bytes(31)),
    );
    let tx = |sender: Address, transaction| SenderTransaction { sender, transaction };
    let first = vec![
        tx(
            users[0],
            UnsignedTransaction::Legacy(TxLegacy {
                chain_id: Some(CHAIN_ID),
                nonce: 0,
                gas_price: 1_000_000_007,
                gas_limit: 21_000,
                to: TxKind::Call(users[1]),
                value: U256::from(5),
                input: Bytes::new(),
            }),
        ),
        tx(
            users[0],
            UnsignedTransaction::Legacy(TxLegacy {
                chain_id: None,
                nonce: 1,
                gas_price: 0,
                gas_limit: 100_000,
                to: TxKind::Create,
                value: U256::ZERO,
                input: Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0xf3]),
            }),
        ),
        tx(
            users[1],
            UnsignedTransaction::Eip2930(TxEip2930 {
                chain_id: CHAIN_ID,
                nonce: u64::MAX,
                gas_price: u128::MAX,
                gas_limit: u64::MAX,
                to: TxKind::Call(users[2]),
                value: U256::MAX,
                access_list: access_list.clone(),
                input: Bytes::from(rng.bytes(40)),
            }),
        ),
    ];
    let second = vec![
        tx(
            users[2],
            UnsignedTransaction::Eip1559(TxEip1559 {
                to: TxKind::Create,
                access_list,
                ..eip1559(9, 500_000, users[0], U256::from(1), Bytes::from(rng.bytes(300)))
            }),
        ),
        tx(
            users[1],
            UnsignedTransaction::Eip7702(TxEip7702 {
                chain_id: CHAIN_ID,
                nonce: 3,
                gas_limit: 80_000,
                max_fee_per_gas: 3,
                max_priority_fee_per_gas: 2,
                to: users[1],
                value: U256::ZERO,
                access_list: AccessList::default(),
                authorization_list: vec![authorization; 2],
                input: Bytes::new(),
            }),
        ),
        tx(
            users[2],
            UnsignedTransaction::Eip1559(eip1559(
                10,
                21_000,
                users[0],
                U256::from(2),
                Bytes::new(),
            )),
        ),
    ];
    let block = |timestamp, fees, privileged_count, transactions| PayloadBlock {
        timestamp,
        gas_limit: 60_000_000,
        beneficiary: users[5],
        fees,
        transactions_root: B256::repeat_byte(timestamp as u8),
        privileged_count,
        transactions,
    };
    BlocksPayload {
        chain_id: CHAIN_ID,
        first_block: 0,
        blocks: vec![
            block(0, fees(1, 3), 0, first),
            block(0, fees(1, 3), 1, vec![]),
            block(12, fees(9, 0), u64::MAX, second),
        ],
    }
}

/// The net change of transfers between `users` accounts: senders' nonces and balances down,
/// recipients' up, the coinbase paid; with `erc20`, the token's balance slots (mapping at
/// slot 0, keyed by holders that are mostly not changed accounts) instead of ETH amounts.
fn transfer_diff(rng: &mut Rng, users: usize, transfers: usize, erc20: bool) -> StateDiffPayload {
    let users = accounts(rng, users);
    let token = Address::repeat_byte(0xe2);
    let mut changes: BTreeMap<Address, AccountDiff> = BTreeMap::new();
    let mut slots: BTreeMap<B256, SlotDiff> = BTreeMap::new();
    let fee = U256::from(21_000u64 * 1_000_000_007);
    for _ in 0..transfers {
        let (sender, recipient) = (*rng.pick(&users), *rng.pick(&users));
        let amount = U256::from(1 + rng.u64() % 1_000_000_000_000_000_000);
        let account = changes.entry(sender).or_insert_with(|| AccountDiff {
            address: sender,
            nonce: Some(Change::Add(0)),
            balance: Some(Change::Sub(U256::ZERO)),
            ..AccountDiff::default()
        });
        if let Some(Change::Add(n)) = &mut account.nonce {
            *n += 1;
        }
        let spent = if erc20 { fee } else { fee + amount };
        if let Some(Change::Sub(b)) = &mut account.balance {
            *b += spent;
        }
        if erc20 {
            for (holder, change) in
                [(sender, Change::Sub(amount)), (recipient, Change::Add(amount))]
            {
                let key = SlotKey::Mapping { key: holder, slot: 0 };
                slots.insert(key.resolve(), SlotDiff { key, value: change });
            }
        } else if recipient != sender && !changes.contains_key(&recipient) {
            changes.insert(
                recipient,
                AccountDiff {
                    address: recipient,
                    balance: Some(Change::Add(amount)),
                    ..AccountDiff::default()
                },
            );
        }
    }
    if erc20 {
        let total = SlotKey::Raw(B256::with_last_byte(2));
        slots.insert(
            total.resolve(),
            SlotDiff { key: total, value: Change::Set(U256::from(10u64).pow(U256::from(27))) },
        );
        changes.insert(
            token,
            AccountDiff {
                address: token,
                storage: slots.into_values().collect(),
                ..Default::default()
            },
        );
    }
    let coinbase = Address::repeat_byte(0xcb);
    changes.insert(
        coinbase,
        AccountDiff {
            address: coinbase,
            balance: Some(Change::Add(fee * U256::from(transfers))),
            ..AccountDiff::default()
        },
    );
    StateDiffPayload {
        chain_id: CHAIN_ID,
        first_block: 1_000,
        block_count: 4,
        accounts: changes.into_values().collect(),
        l1_messages: vec![],
    }
}

/// A deployment with storage, a removed account, an account destroyed and created again, set
/// values at their extremes, and L1 messages.
fn lifecycle_diff(rng: &mut Rng) -> StateDiffPayload {
    let mut storage = vec![
        SlotDiff { key: SlotKey::Raw(B256::ZERO), value: Change::Set(U256::MAX) },
        SlotDiff { key: SlotKey::Raw(B256::repeat_byte(0xff)), value: Change::Set(U256::ZERO) },
        SlotDiff {
            key: SlotKey::Mapping { key: Address::repeat_byte(0x05), slot: u64::MAX },
            value: Change::Sub(U256::from(1)),
        },
        SlotDiff {
            key: SlotKey::Mapping { key: Address::repeat_byte(0x03), slot: 3 },
            value: Change::Add(U256::from(1)),
        },
    ];
    storage.sort_by_key(|slot| slot.key.resolve());
    let account =
        |byte: u8| AccountDiff { address: Address::repeat_byte(byte), ..Default::default() };
    StateDiffPayload {
        chain_id: CHAIN_ID,
        first_block: u64::MAX,
        block_count: 0,
        accounts: vec![
            AccountDiff { nonce: Some(Change::Set(u64::MAX)), ..account(0x01) },
            AccountDiff {
                nonce: Some(Change::Set(1)),
                code: Some(Bytes::from(rng.bytes(200))),
                storage,
                storage_cleared: true,
                ..account(0x03)
            },
            AccountDiff { removed: true, ..account(0x04) },
            AccountDiff { code: Some(Bytes::new()), ..account(0x06) },
        ],
        l1_messages: (0..3).map(|_| B256::from_slice(&rng.bytes(32))).collect(),
    }
}

/// Every payload seed, encoded. The same every run.
pub fn payloads() -> Payloads {
    let mut rng = Rng::new(0x5eed);
    let blocks = [
        transfers(&mut rng, 50, &[120], false),
        transfers(&mut rng, 400, &[80, 0, 150, 30], false),
        transfers(&mut rng, 60, &[100], true),
        transfers(&mut rng, 300, &[40, 60, 0], true),
        every_kind(&mut rng),
        BlocksPayload { chain_id: CHAIN_ID, first_block: 5, blocks: vec![] },
    ];
    let state_diffs = [
        transfer_diff(&mut rng, 80, 120, false),
        transfer_diff(&mut rng, 60, 100, true),
        lifecycle_diff(&mut rng),
        StateDiffPayload {
            chain_id: CHAIN_ID,
            first_block: 0,
            block_count: 1,
            accounts: vec![],
            l1_messages: vec![],
        },
    ];
    Payloads {
        blocks: blocks.iter().map(|p| encode_blocks(p).expect("seed encodes")).collect(),
        state_diffs: state_diffs
            .iter()
            .map(|p| encode_state_diff(p).expect("seed encodes"))
            .collect(),
    }
}

/// A batch's data (`codec ‖ body`) for each payload: brotli at quality 11 and at 5, and raw.
pub fn compressed(payloads: &Payloads) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for payload in payloads.all() {
        out.push(encode_compressed(payload));
        out.push(encode_compressed_fast(payload));
        let mut raw = vec![0u8];
        raw.extend_from_slice(payload);
        out.push(raw);
    }
    out
}

/// Bare brotli streams (what `decompress` reads): each payload's, and a long run of zeros.
pub fn brotli_streams(payloads: &Payloads) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = payloads.all().map(|p| compress(p)).collect();
    out.push(compress(&[]));
    out.push(compress(&[0; 100_000]));
    out
}

/// Blob lists: every fourth batch data packed (one blob each; a blob costs milliseconds to
/// unpack, so fewer seeds leave the short run time to mutations), the empty stream, and a raw
/// payload long enough for two blobs.
pub fn blob_lists(data: &[Vec<u8>], payloads: &Payloads) -> Vec<Vec<Vec<u8>>> {
    let mut out: Vec<Vec<Vec<u8>>> =
        data.iter().step_by(4).map(|d| encode_blobs(d, 6).expect("a seed fits")).collect();
    out.push(encode_blobs(&[], 6).expect("empty fits"));
    let all: Vec<u8> = payloads.all().flatten().copied().collect();
    let long: Vec<u8> = all.iter().copied().cycle().take(140_000).collect();
    out.push(encode_blobs(&long, 6).expect("two blobs"));
    out
}
