//! The `blocks` payload of stored blocks: each block's header fields a follower cannot compute,
//! its privileged-transaction count, and its ordinary transactions without signatures.

use crate::{BatchError, canonical_hash};
use alloy_consensus::TxEnvelope;
use basalt_da::{BlocksPayload, PayloadBlock, SenderTransaction, UnsignedTransaction};
use basalt_primitives::BasaltTxEnvelope;
use basalt_storage::ReadView;

/// The `blocks` payload of canonical blocks `first..=last` of the chain with id `chain_id`.
/// Errors: a block missing from `view`, the genesis in the range, a block without its senders
/// or fee config, a privileged transaction after an ordinary one, a blob transaction.
pub fn blocks_payload(
    view: &ReadView,
    chain_id: u64,
    first: u64,
    last: u64,
) -> Result<BlocksPayload, BatchError> {
    if first == 0 {
        return Err(BatchError::Genesis);
    }
    let mut blocks = Vec::new();
    for number in first..=last {
        let hash = canonical_hash(view, number)?;
        let block = view.block(hash)?.ok_or(BatchError::MissingBlock(number))?;
        let senders =
            view.senders(hash)?.ok_or(BatchError::Incomplete { number, what: "senders" })?;
        let fees =
            view.fee_config(hash)?.ok_or(BatchError::Incomplete { number, what: "fee config" })?;
        if senders.len() != block.body.transactions.len() {
            return Err(BatchError::Incomplete { number, what: "senders" });
        }
        let mut privileged_count = 0u64;
        let mut transactions = Vec::new();
        for (tx, sender) in block.body.transactions.iter().zip(senders) {
            let signed = match tx {
                BasaltTxEnvelope::Privileged(_) if transactions.is_empty() => {
                    privileged_count += 1;
                    continue;
                }
                BasaltTxEnvelope::Privileged(_) => {
                    return Err(BatchError::PrivilegedNotFirst(number));
                }
                BasaltTxEnvelope::Ethereum(signed) => signed,
            };
            let transaction = match signed {
                TxEnvelope::Legacy(tx) => UnsignedTransaction::Legacy(tx.tx().clone()),
                TxEnvelope::Eip2930(tx) => UnsignedTransaction::Eip2930(tx.tx().clone()),
                TxEnvelope::Eip1559(tx) => UnsignedTransaction::Eip1559(tx.tx().clone()),
                TxEnvelope::Eip7702(tx) => UnsignedTransaction::Eip7702(tx.tx().clone()),
                TxEnvelope::Eip4844(_) => {
                    return Err(BatchError::UnsupportedTransaction { number, ty: 3 });
                }
            };
            transactions.push(SenderTransaction { sender, transaction });
        }
        let header = block.header;
        blocks.push(PayloadBlock {
            timestamp: header.timestamp,
            gas_limit: header.gas_limit,
            beneficiary: header.beneficiary,
            fees,
            transactions_root: header.transactions_root,
            privileged_count,
            transactions,
        });
    }
    Ok(BlocksPayload { chain_id, first_block: first, blocks })
}
