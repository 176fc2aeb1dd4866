//! The `blocks` payload of stored blocks: each block's header fields a follower cannot compute,
//! its privileged-transaction count, and its ordinary transactions without signatures.

use crate::{BatchError, canonical_hash};
use basalt_da::{BlocksPayload, PayloadTxError, payload_block};
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
        let block = payload_block(&block.header, &block.body.transactions, &senders, fees)
            .map_err(|e| match e {
                PayloadTxError::PrivilegedNotFirst => BatchError::PrivilegedNotFirst(number),
                PayloadTxError::UnsupportedTransaction(ty) => {
                    BatchError::UnsupportedTransaction { number, ty }
                }
                PayloadTxError::SenderCount { .. } => {
                    BatchError::Incomplete { number, what: "senders" }
                }
            })?;
        blocks.push(block);
    }
    Ok(BlocksPayload { chain_id, first_block: first, blocks })
}
