//! The byte layout of a [`BlocksPayload`] (docs/da.md, "Blocks mode"):
//!
//! ```text
//! version (1) ‖ mode (1) ‖ chain id ‖ first block ‖ block count ‖ address count   (varints)
//! ‖ column_1 ‖ … ‖ column_15        each: varint length ‖ bytes
//! ```
//!
//! Columns, in order: addresses (20 bytes each), blocks, transactions roots, fee configs,
//! transaction types, senders, nonces, gas limits, prices, recipients, raw recipients, values,
//! input lengths, inputs, access and authorization lists. Every column must be read to its end.

use super::column_io::{ColumnReader, ColumnWriter, column_error};
use super::*;
use crate::varint;
use alloy_eips::{eip2930::AccessList, eip7702::SignedAuthorization};
use alloy_primitives::{Bytes, TxKind};
use alloy_rlp::Encodable;
use std::collections::HashMap;

const LEGACY_EIP155: u8 = 0x00;
const EIP2930: u8 = 0x01;
const EIP1559: u8 = 0x02;
const EIP7702: u8 = 0x04;
/// A legacy transaction without a chain id (pre-EIP-155 signature).
const LEGACY_NO_CHAIN_ID: u8 = 0x80;

/// Recipient forms in the `to` column.
const TO_CREATE: u8 = 0;
const TO_RAW: u8 = 1;
const TO_INDEXED: u8 = 2;

/// Fee-config forms in the `blocks` column.
const FEES_SAME: u8 = 0;
const FEES_NEW: u8 = 1;

const COLUMN_NAMES: [&str; 15] = [
    "addresses",
    "blocks",
    "transactions roots",
    "fee configs",
    "types",
    "senders",
    "nonces",
    "gas limits",
    "prices",
    "recipients",
    "raw recipients",
    "values",
    "input lengths",
    "inputs",
    "lists",
];

/// Indexes of the columns, named.
mod col {
    pub const ADDRESSES: usize = 0;
    pub const BLOCKS: usize = 1;
    pub const ROOTS: usize = 2;
    pub const FEES: usize = 3;
    pub const TYPES: usize = 4;
    pub const SENDERS: usize = 5;
    pub const NONCES: usize = 6;
    pub const GAS: usize = 7;
    pub const PRICES: usize = 8;
    pub const TO: usize = 9;
    pub const TO_RAW: usize = 10;
    pub const VALUES: usize = 11;
    pub const INPUT_LENGTHS: usize = 12;
    pub const INPUTS: usize = 13;
    pub const LISTS: usize = 14;
}

/// The batch's address table: coinbases, senders, and recipients that appear more than once
/// or also send, in order of first appearance. Other recipients are written whole.
struct AddressTable {
    index: HashMap<Address, u32>,
}

impl AddressTable {
    fn build(
        payload: &BlocksPayload,
        columns: &mut ColumnWriter<15>,
    ) -> Result<Self, PayloadEncodeError> {
        let mut recipient_uses: HashMap<Address, u32> = HashMap::new();
        for tx in payload.blocks.iter().flat_map(|block| &block.transactions) {
            if let Some(to) = recipient(&tx.transaction) {
                *recipient_uses.entry(to).or_default() += 1;
            }
        }
        let senders: std::collections::HashSet<Address> =
            payload.blocks.iter().flat_map(|b| &b.transactions).map(|tx| tx.sender).collect();
        let mut table = Self { index: HashMap::new() };
        let mut add =
            |address: Address, columns: &mut ColumnWriter<15>| -> Result<(), PayloadEncodeError> {
                if !table.index.contains_key(&address) {
                    let next = u32::try_from(table.index.len())
                        .map_err(|_| PayloadEncodeError::TooLarge)?;
                    table.index.insert(address, next);
                    columns.bytes(col::ADDRESSES, address.as_slice());
                }
                Ok(())
            };
        for block in &payload.blocks {
            add(block.beneficiary, columns)?;
            for tx in &block.transactions {
                add(tx.sender, columns)?;
                if let Some(to) = recipient(&tx.transaction)
                    && (recipient_uses.get(&to).copied().unwrap_or(0) > 1 || senders.contains(&to))
                {
                    add(to, columns)?;
                }
            }
        }
        Ok(table)
    }

    fn get(&self, address: &Address) -> Option<u32> {
        self.index.get(address).copied()
    }
}

fn recipient(tx: &UnsignedTransaction) -> Option<Address> {
    match tx {
        UnsignedTransaction::Legacy(tx) => tx.to.to().copied(),
        UnsignedTransaction::Eip2930(tx) => tx.to.to().copied(),
        UnsignedTransaction::Eip1559(tx) => tx.to.to().copied(),
        UnsignedTransaction::Eip7702(tx) => Some(tx.to),
    }
}

/// Writes `payload` in the layout above. Deterministic: one payload, one byte string.
pub fn encode_blocks(payload: &BlocksPayload) -> Result<Vec<u8>, PayloadEncodeError> {
    let mut columns = ColumnWriter::new();
    let table = AddressTable::build(payload, &mut columns)?;
    let mut next_nonce: HashMap<u32, u64> = HashMap::new();
    let mut previous: Option<(u64, &FeeConfig)> = None;
    for (offset, block) in payload.blocks.iter().enumerate() {
        let number = payload.first_block.saturating_add(offset as u64);
        let timestamp = match previous {
            None => block.timestamp,
            Some((previous, _)) => block.timestamp.checked_sub(previous).ok_or(
                PayloadEncodeError::TimestampDecreases {
                    number,
                    timestamp: block.timestamp,
                    previous,
                },
            )?,
        };
        columns.varint(col::BLOCKS, timestamp);
        columns.varint(col::BLOCKS, block.gas_limit);
        columns.varint(col::BLOCKS, table.get(&block.beneficiary).unwrap_or_default());
        if previous.is_some_and(|(_, fees)| *fees == block.fees) {
            columns.bytes(col::BLOCKS, &[FEES_SAME]);
        } else {
            columns.bytes(col::BLOCKS, &[FEES_NEW]);
            let bytes = block.fees.encode();
            columns.varint(col::FEES, bytes.len() as u64);
            columns.bytes(col::FEES, &bytes);
        }
        columns.varint(col::BLOCKS, block.privileged_count);
        columns.varint(col::BLOCKS, block.transactions.len() as u64);
        columns.bytes(col::ROOTS, block.transactions_root.as_slice());
        for tx in &block.transactions {
            let sender = table.get(&tx.sender).unwrap_or_default();
            encode_transaction(
                &mut columns,
                &table,
                payload.chain_id,
                number,
                sender,
                tx,
                &mut next_nonce,
            )?;
        }
        previous = Some((block.timestamp, &block.fees));
    }
    let address_count = table.index.len() as u64;
    let mut out = vec![PAYLOAD_VERSION, DaMode::Blocks as u8];
    for value in [payload.chain_id, payload.first_block, payload.blocks.len() as u64, address_count]
    {
        varint::put(&mut out, value.into());
    }
    columns.finish(&mut out);
    Ok(out)
}

fn encode_transaction(
    columns: &mut ColumnWriter<15>,
    table: &AddressTable,
    chain_id: u64,
    number: u64,
    sender: u32,
    tx: &SenderTransaction,
    next_nonce: &mut HashMap<u32, u64>,
) -> Result<(), PayloadEncodeError> {
    let check = |found: u64| {
        if found == chain_id {
            Ok(())
        } else {
            Err(PayloadEncodeError::WrongChainId { number, expected: chain_id, found })
        }
    };
    let (kind, nonce, gas_limit, to, value, input) = match &tx.transaction {
        UnsignedTransaction::Legacy(t) => {
            let kind = match t.chain_id {
                Some(id) => check(id).map(|_| LEGACY_EIP155)?,
                None => LEGACY_NO_CHAIN_ID,
            };
            columns.varint(col::PRICES, t.gas_price);
            (kind, t.nonce, t.gas_limit, t.to, &t.value, &t.input)
        }
        UnsignedTransaction::Eip2930(t) => {
            check(t.chain_id)?;
            columns.varint(col::PRICES, t.gas_price);
            t.access_list.encode(&mut columns.cols[col::LISTS]);
            (EIP2930, t.nonce, t.gas_limit, t.to, &t.value, &t.input)
        }
        UnsignedTransaction::Eip1559(t) => {
            check(t.chain_id)?;
            columns.varint(col::PRICES, t.max_fee_per_gas);
            columns.varint(col::PRICES, t.max_priority_fee_per_gas);
            t.access_list.encode(&mut columns.cols[col::LISTS]);
            (EIP1559, t.nonce, t.gas_limit, t.to, &t.value, &t.input)
        }
        UnsignedTransaction::Eip7702(t) => {
            check(t.chain_id)?;
            columns.varint(col::PRICES, t.max_fee_per_gas);
            columns.varint(col::PRICES, t.max_priority_fee_per_gas);
            t.access_list.encode(&mut columns.cols[col::LISTS]);
            t.authorization_list.encode(&mut columns.cols[col::LISTS]);
            (EIP7702, t.nonce, t.gas_limit, TxKind::Call(t.to), &t.value, &t.input)
        }
    };
    columns.bytes(col::TYPES, &[kind]);
    columns.varint(col::SENDERS, sender);
    // 0: the sender's next nonce after its previous transaction in the batch; else nonce + 1.
    if next_nonce.get(&sender) == Some(&nonce) {
        columns.varint(col::NONCES, 0u8);
    } else {
        columns.varint(col::NONCES, u128::from(nonce) + 1);
    }
    match nonce.checked_add(1) {
        Some(next) => next_nonce.insert(sender, next),
        None => next_nonce.remove(&sender),
    };
    columns.varint(col::GAS, gas_limit);
    match to {
        TxKind::Create => columns.bytes(col::TO, &[TO_CREATE]),
        TxKind::Call(address) => match table.get(&address) {
            Some(index) => {
                columns.bytes(col::TO, &[TO_INDEXED]);
                columns.varint(col::TO, index);
            }
            None => {
                columns.bytes(col::TO, &[TO_RAW]);
                columns.bytes(col::TO_RAW, address.as_slice());
            }
        },
    }
    columns.trimmed(col::VALUES, value);
    columns.varint(col::INPUT_LENGTHS, input.len() as u64);
    columns.bytes(col::INPUTS, input);
    Ok(())
}

/// Reads a payload written by [`encode_blocks`]. Total: any input gives a payload or an error.
pub fn decode_blocks(bytes: &[u8]) -> Result<BlocksPayload, PayloadDecodeError> {
    let (&version, rest) = bytes.split_first().ok_or(PayloadDecodeError::Empty)?;
    if version != PAYLOAD_VERSION {
        return Err(PayloadDecodeError::UnknownVersion(version));
    }
    let (&mode, mut rest) = rest.split_first().ok_or(PayloadDecodeError::Empty)?;
    match mode {
        m if m == DaMode::Blocks as u8 => {}
        m if m == DaMode::StateDiff as u8 => {
            return Err(PayloadDecodeError::NotBlocks("state-diff"));
        }
        m => return Err(PayloadDecodeError::UnknownMode(m)),
    }
    let mut header = [0u64; 4];
    for value in &mut header {
        *value = varint::take(&mut rest, 64).map_err(|e| column_error("header", e))? as u64;
    }
    let [chain_id, first_block, block_count, address_count] = header;
    let mut reader = ColumnReader::split(rest, &COLUMN_NAMES)?;
    let addresses: Vec<Address> = {
        let raw = reader.cols[col::ADDRESSES];
        if u64::try_from(raw.len()).ok() != address_count.checked_mul(20) {
            return Err(column_error("addresses", "length is not 20 × the address count"));
        }
        reader.cols[col::ADDRESSES] = &[];
        raw.chunks_exact(20).map(Address::from_slice).collect()
    };
    let mut next_nonce: HashMap<u32, u64> = HashMap::new();
    let mut blocks = Vec::new();
    let mut previous: Option<(u64, FeeConfig)> = None;
    for _ in 0..block_count {
        let delta = reader.u64(col::BLOCKS)?;
        let timestamp = match &previous {
            None => delta,
            Some((previous, _)) => previous
                .checked_add(delta)
                .ok_or_else(|| column_error("blocks", "timestamp overflows"))?,
        };
        let gas_limit = reader.u64(col::BLOCKS)?;
        let beneficiary = reader.address_at(col::BLOCKS, &addresses)?;
        let fees = match (reader.byte(col::BLOCKS)?, &previous) {
            (FEES_SAME, Some((_, fees))) => *fees,
            (FEES_NEW, _) => {
                let bytes = reader.sized(col::FEES)?;
                FeeConfig::decode(bytes).map_err(|e| column_error("fee configs", e))?
            }
            _ => return Err(column_error("blocks", "invalid fee config flag")),
        };
        let privileged_count = reader.u64(col::BLOCKS)?;
        let tx_count = reader.u64(col::BLOCKS)?;
        let transactions_root = B256::from_slice(reader.take(col::ROOTS, 32)?);
        let mut transactions = Vec::new();
        for _ in 0..tx_count {
            transactions.push(decode_transaction(
                &mut reader,
                &addresses,
                chain_id,
                &mut next_nonce,
            )?);
        }
        previous = Some((timestamp, fees));
        blocks.push(PayloadBlock {
            timestamp,
            gas_limit,
            beneficiary,
            fees,
            transactions_root,
            privileged_count,
            transactions,
        });
    }
    reader.finish("block")?;
    Ok(BlocksPayload { chain_id, first_block, blocks })
}

fn decode_transaction(
    reader: &mut ColumnReader<'_, 15>,
    addresses: &[Address],
    chain_id: u64,
    next_nonce: &mut HashMap<u32, u64>,
) -> Result<SenderTransaction, PayloadDecodeError> {
    let kind = reader.byte(col::TYPES)?;
    let sender_index = reader.u32(col::SENDERS)?;
    let sender = *addresses
        .get(sender_index as usize)
        .ok_or_else(|| column_error("senders", "index beyond the address table"))?;
    let nonce = match reader.varint(col::NONCES, 128)? {
        0 => *next_nonce
            .get(&sender_index)
            .ok_or_else(|| column_error("nonces", "no previous nonce for this sender"))?,
        value => u64::try_from(value - 1).map_err(|_| column_error("nonces", "above 2^64"))?,
    };
    match nonce.checked_add(1) {
        Some(next) => next_nonce.insert(sender_index, next),
        None => next_nonce.remove(&sender_index),
    };
    let gas_limit = reader.u64(col::GAS)?;
    let to = match reader.byte(col::TO)? {
        TO_CREATE => TxKind::Create,
        TO_RAW => TxKind::Call(Address::from_slice(reader.take(col::TO_RAW, 20)?)),
        TO_INDEXED => TxKind::Call(reader.address_at(col::TO, addresses)?),
        _ => return Err(column_error("recipients", "invalid recipient form")),
    };
    let value = reader.trimmed(col::VALUES)?;
    let input = Bytes::copy_from_slice(reader.sized_at(col::INPUT_LENGTHS, col::INPUTS)?);
    let transaction = match kind {
        LEGACY_EIP155 | LEGACY_NO_CHAIN_ID => UnsignedTransaction::Legacy(TxLegacy {
            chain_id: (kind == LEGACY_EIP155).then_some(chain_id),
            nonce,
            gas_price: reader.varint(col::PRICES, 128)?,
            gas_limit,
            to,
            value,
            input,
        }),
        EIP2930 => UnsignedTransaction::Eip2930(TxEip2930 {
            chain_id,
            nonce,
            gas_price: reader.varint(col::PRICES, 128)?,
            gas_limit,
            to,
            value,
            access_list: reader.rlp::<AccessList>(col::LISTS)?,
            input,
        }),
        EIP1559 => UnsignedTransaction::Eip1559(TxEip1559 {
            chain_id,
            nonce,
            gas_limit,
            max_fee_per_gas: reader.varint(col::PRICES, 128)?,
            max_priority_fee_per_gas: reader.varint(col::PRICES, 128)?,
            to,
            value,
            access_list: reader.rlp::<AccessList>(col::LISTS)?,
            input,
        }),
        EIP7702 => {
            let TxKind::Call(to) = to else {
                return Err(column_error("recipients", "an EIP-7702 transaction cannot create"));
            };
            UnsignedTransaction::Eip7702(TxEip7702 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: reader.varint(col::PRICES, 128)?,
                max_priority_fee_per_gas: reader.varint(col::PRICES, 128)?,
                to,
                value,
                access_list: reader.rlp::<AccessList>(col::LISTS)?,
                authorization_list: reader.rlp::<Vec<SignedAuthorization>>(col::LISTS)?,
                input,
            })
        }
        _ => return Err(column_error("types", format!("unknown transaction type {kind:#04x}"))),
    };
    Ok(SenderTransaction { sender, transaction })
}
