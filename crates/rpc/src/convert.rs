//! Stored blocks, transactions and receipts turned into the execution-apis result objects
//! (the alloy RPC types serialize exactly those fields).

use alloy_consensus::{Header, Transaction as _};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, U256};
use alloy_rpc_types_eth::{
    BlockTransactions, Header as RpcHeader, Log as RpcLog, Transaction, TransactionReceipt,
};
use basalt_primitives::{
    BasaltReceipt, BasaltTxEnvelope, Block, FeeConfig, fee_config::l1_data_size,
};
use serde::{Serialize, Serializer};

/// A transaction object (execution-apis `TransactionInfo`): alloy's, over the project envelope.
/// A privileged (`0x7e`) transaction is written with `type`, its fields and `from` once, and no
/// signature fields.
#[derive(Clone, Debug)]
pub struct RpcTransaction(pub Transaction<BasaltTxEnvelope>);

impl Serialize for RpcTransaction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.inner.inner().is_privileged() {
            // alloy writes the recovered sender beside the transaction's own `from`; through a
            // JSON map the two (always equal) become one key.
            serde_json::to_value(&self.0).map_err(serde::ser::Error::custom)?.serialize(serializer)
        } else {
            self.0.serialize(serializer)
        }
    }
}

/// A receipt object (execution-apis `ReceiptInfo`) over the project receipt; on an L2 an
/// ordinary transaction's also carries `l1GasUsed` and `l1Fee` as OP Stack receipts do
/// (docs/l2-fees.md). Privileged transactions' and L1 receipts have neither.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RpcReceipt {
    #[serde(flatten)]
    pub receipt: TransactionReceipt<BasaltReceipt<RpcLog>>,
    /// L1 data gas `L` included in `gasUsed`.
    #[serde(skip_serializing_if = "Option::is_none", with = "alloy_serde::quantity::opt")]
    pub l1_gas_used: Option<u64>,
    /// Wei paid for L1 data: base fee × `l1GasUsed`, to the L1-fee vault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l1_fee: Option<U256>,
}

/// A block object with [`RpcTransaction`]s.
pub type RpcBlock = alloy_rpc_types_eth::Block<RpcTransaction>;

/// Where a mined transaction sits.
#[derive(Clone, Copy, Debug)]
pub struct TxPosition {
    pub block_hash: B256,
    pub block_number: u64,
    pub index: u64,
    pub base_fee: Option<u64>,
    /// The block's timestamp (the spec's `blockTimestamp`).
    pub timestamp: u64,
}

impl TxPosition {
    /// The position of transaction `index` in the block with `header` and `hash`.
    pub fn in_block(header: &Header, hash: B256, index: u64) -> Self {
        Self {
            block_hash: hash,
            block_number: header.number,
            index,
            base_fee: header.base_fee_per_gas,
            timestamp: header.timestamp,
        }
    }
}

/// What `tx` paid per gas in a block with `base_fee`: Ethereum's rule (an L2's base fee holds
/// its operator fee, docs/l2-fees.md); 0 for a privileged transaction.
pub fn effective_gas_price(tx: &BasaltTxEnvelope, base_fee: Option<u64>) -> u128 {
    if tx.is_privileged() {
        return 0;
    }
    tx.effective_gas_price(base_fee)
}

pub fn rpc_header(header: &Header, hash: B256, size: Option<usize>) -> RpcHeader {
    RpcHeader {
        hash,
        inner: header.clone(),
        total_difficulty: None,
        size: size.map(alloy_primitives::U256::from),
    }
}

pub fn rpc_transaction(
    tx: &BasaltTxEnvelope,
    sender: Address,
    position: Option<TxPosition>,
) -> RpcTransaction {
    let effective_gas_price = match position {
        Some(p) => Some(effective_gas_price(tx, p.base_fee)),
        // Pending: geth reports the fee cap as gasPrice.
        None => Some(tx.max_fee_per_gas()),
    };
    RpcTransaction(Transaction {
        inner: alloy_consensus::transaction::Recovered::new_unchecked(tx.clone(), sender),
        block_hash: position.map(|p| p.block_hash),
        block_number: position.map(|p| p.block_number),
        transaction_index: position.map(|p| p.index),
        effective_gas_price,
        block_timestamp: position.map(|p| p.timestamp),
    })
}

/// A block object: full transactions when their `senders` are given, hashes otherwise.
pub fn rpc_block(block: &Block, hash: B256, senders: Option<&[Address]>) -> RpcBlock {
    let size = alloy_rlp::Encodable::length(block);
    let transactions = if let Some(senders) = senders {
        BlockTransactions::Full(
            block
                .body
                .transactions
                .iter()
                .zip(senders)
                .enumerate()
                .map(|(index, (tx, sender))| {
                    let position = TxPosition::in_block(&block.header, hash, index as u64);
                    rpc_transaction(tx, *sender, Some(position))
                })
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(block.body.transactions.iter().map(|tx| *tx.tx_hash()).collect())
    };
    RpcBlock {
        header: rpc_header(&block.header, hash, Some(size)),
        uncles: block.body.ommers.iter().map(|o| o.hash_slow()).collect(),
        transactions,
        withdrawals: block.body.withdrawals.clone(),
    }
}

/// The receipts of a block as RPC objects, with log indexes counted across the block.
/// `contract_addresses` (per transaction, from re-executing the block) is needed only when the
/// block holds a creating privileged transaction, whose address comes from its sender's account
/// nonce rather than its nonce field; a signed creation's is `sender.create(nonce)`. `fees` is
/// the fee config an L2 block ran under (adds `l1GasUsed` and `l1Fee`).
pub fn rpc_receipts(
    block: &Block,
    hash: B256,
    receipts: &[BasaltReceipt],
    senders: &[Address],
    blob_base_fee: Option<u128>,
    contract_addresses: Option<&[Option<Address>]>,
    fees: Option<&FeeConfig>,
) -> Vec<RpcReceipt> {
    let header = &block.header;
    let base_fee = header.base_fee_per_gas.unwrap_or_default();
    let mut log_index = 0u64;
    let mut previous_cumulative = 0u64;
    let mut out = Vec::with_capacity(receipts.len());
    let rows = block.body.transactions.iter().zip(receipts).zip(senders);
    for (index, ((tx, receipt), sender)) in rows.enumerate() {
        let cumulative = receipt.cumulative_gas_used();
        let gas_used = cumulative.saturating_sub(previous_cumulative);
        previous_cumulative = cumulative;
        let tx_hash = *tx.tx_hash();
        let inner = receipt.clone().map_logs(|log| {
            let rpc = RpcLog {
                inner: log,
                block_hash: Some(hash),
                block_number: Some(header.number),
                block_timestamp: Some(header.timestamp),
                transaction_hash: Some(tx_hash),
                transaction_index: Some(index as u64),
                log_index: Some(log_index),
                removed: false,
            };
            log_index += 1;
            rpc
        });
        let sender = *sender;
        let blob_gas_used = tx.blob_gas_used();
        // The handler's L1 data gas: the same size estimate and fee config.
        let l1_gas_used = fees
            .filter(|_| !tx.is_privileged())
            .map(|fees| fees.l1_gas(l1_data_size(&tx.encoded_2718()), base_fee));
        let receipt = TransactionReceipt {
            inner,
            transaction_hash: tx_hash,
            transaction_index: Some(index as u64),
            block_hash: Some(hash),
            block_number: Some(header.number),
            gas_used,
            effective_gas_price: effective_gas_price(tx, header.base_fee_per_gas),
            blob_gas_used,
            blob_gas_price: blob_gas_used.and(blob_base_fee),
            from: sender,
            to: tx.to(),
            contract_address: match contract_addresses {
                Some(addresses) => addresses.get(index).copied().flatten(),
                None => tx.kind().is_create().then(|| sender.create(tx.nonce())),
            },
        };
        out.push(RpcReceipt {
            receipt,
            l1_gas_used,
            l1_fee: l1_gas_used.map(|gas| U256::from(base_fee) * U256::from(gas)),
        });
    }
    out
}
