//! The leaves of a batch's L1-message tree: one per `L1Message` log of the L2 messenger in the
//! batch's receipts, in block and log order (docs/contracts.md, "L1 message leaf").

use crate::{BatchError, canonical_hash};
use alloy_primitives::{Address, B256, U256, keccak256};
use basalt_contracts::formats;
use basalt_primitives::BasaltReceipt;
use basalt_storage::ReadView;

/// The messenger's event; all three fields are indexed, so they are topics 1 to 3.
const L1_MESSAGE_EVENT: &str = "L1Message(address,bytes32,uint256)";

/// Leaves `keccak(from ‖ data ‖ u256 messageId)` of the messages sent in blocks `first..=last`.
/// Only the messenger at its predeploy address counts; a log of the same shape from any other
/// contract is not a message. Errors: a block or its receipts missing from `view`.
pub fn l1_message_leaves(view: &ReadView, first: u64, last: u64) -> Result<Vec<B256>, BatchError> {
    let mut leaves = Vec::new();
    for number in first..=last {
        let hash = canonical_hash(view, number)?;
        let receipts =
            view.receipts(hash)?.ok_or(BatchError::Incomplete { number, what: "receipts" })?;
        leaves.extend(block_l1_message_leaves(number, &receipts)?);
    }
    Ok(leaves)
}

/// The leaves of the messages sent in block `number`, whose receipts are `receipts` (a
/// follower's re-executed block, not yet stored). Errors: a message id above 2^64.
pub fn block_l1_message_leaves(
    number: u64,
    receipts: &[BasaltReceipt],
) -> Result<Vec<B256>, BatchError> {
    let topic = keccak256(L1_MESSAGE_EVENT);
    let mut leaves = Vec::new();
    for log in receipts.iter().flat_map(|receipt| receipt.logs()) {
        let topics = log.topics();
        if log.address != formats::L2_MESSENGER || topics.len() != 4 || topics[0] != topic {
            continue;
        }
        let from = Address::from_word(topics[1]);
        // The messenger counts ids from 0; the leaf format takes them as u64.
        let id = u64::try_from(U256::from_be_bytes(topics[3].0))
            .map_err(|_| BatchError::MessageIdTooLarge(number))?;
        leaves.push(formats::l1_message_hash(from, topics[2], id));
    }
    Ok(leaves)
}
