//! An L2 block's transactions in payload form: the count of privileged transactions it starts
//! with and its ordinary transactions without signatures, each with its sender.

use super::{PayloadBlock, SenderTransaction, UnsignedTransaction};
use alloy_consensus::{Header, TxEnvelope};
use alloy_primitives::Address;
use basalt_primitives::{BasaltTxEnvelope, FeeConfig};

/// Why a block's transactions have no payload form.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayloadTxError {
    /// A privileged transaction after an ordinary one: the payload carries privileged
    /// transactions as a leading count, which L2 rules always produce.
    #[error("a privileged transaction after an ordinary one")]
    PrivilegedNotFirst,
    /// A transaction type an L2 block never holds (blob transactions).
    #[error("a transaction of type {0}, which a payload cannot carry")]
    UnsupportedTransaction(u8),
    #[error("{senders} senders for {transactions} transactions")]
    SenderCount { senders: usize, transactions: usize },
}

/// The privileged count and the ordinary transactions (unsigned, with `senders`' entries) of a
/// block holding `transactions`. Errors: see [`PayloadTxError`].
pub fn payload_transactions(
    transactions: &[BasaltTxEnvelope],
    senders: &[Address],
) -> Result<(u64, Vec<SenderTransaction>), PayloadTxError> {
    if senders.len() != transactions.len() {
        return Err(PayloadTxError::SenderCount {
            senders: senders.len(),
            transactions: transactions.len(),
        });
    }
    let mut privileged_count = 0u64;
    let mut ordinary = Vec::new();
    for (tx, &sender) in transactions.iter().zip(senders) {
        let signed = match tx {
            BasaltTxEnvelope::Privileged(_) if ordinary.is_empty() => {
                privileged_count += 1;
                continue;
            }
            BasaltTxEnvelope::Privileged(_) => return Err(PayloadTxError::PrivilegedNotFirst),
            BasaltTxEnvelope::Ethereum(signed) => signed,
        };
        let transaction = match signed {
            TxEnvelope::Legacy(tx) => UnsignedTransaction::Legacy(tx.tx().clone()),
            TxEnvelope::Eip2930(tx) => UnsignedTransaction::Eip2930(tx.tx().clone()),
            TxEnvelope::Eip1559(tx) => UnsignedTransaction::Eip1559(tx.tx().clone()),
            TxEnvelope::Eip7702(tx) => UnsignedTransaction::Eip7702(tx.tx().clone()),
            TxEnvelope::Eip4844(_) => return Err(PayloadTxError::UnsupportedTransaction(3)),
        };
        ordinary.push(SenderTransaction { sender, transaction });
    }
    Ok((privileged_count, ordinary))
}

/// The payload form of the block with `header` and `transactions` (senders `senders`), run under
/// `fees`: what the sealer writes and what the guest program compares the committed payload
/// with. Errors: see [`PayloadTxError`].
pub fn payload_block(
    header: &Header,
    transactions: &[BasaltTxEnvelope],
    senders: &[Address],
    fees: FeeConfig,
) -> Result<PayloadBlock, PayloadTxError> {
    let (privileged_count, transactions) = payload_transactions(transactions, senders)?;
    Ok(PayloadBlock {
        timestamp: header.timestamp,
        gas_limit: header.gas_limit,
        beneficiary: header.beneficiary,
        fees,
        transactions_root: header.transactions_root,
        privileged_count,
        transactions,
    })
}
