//! The leaves of a batch's L1-message tree: one per `L1Message` log of the L2 messenger in the
//! batch's receipts, in block and log order (docs/contracts.md, "L1 message leaf"). Pure: the
//! sealer, followers and the guest program compute them the same way.

use alloy_primitives::{Address, B256, U256, keccak256};
use basalt_contracts::formats;
use basalt_primitives::BasaltReceipt;

/// The messenger's event; all three fields are indexed, so they are topics 1 to 3.
const L1_MESSAGE_EVENT: &str = "L1Message(address,bytes32,uint256)";

/// A block holds an L1 message whose id does not fit the leaf format's u64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("block {0} holds an L1 message with an id above 2^64")]
pub struct MessageIdTooLarge(pub u64);

/// The leaves of the messages sent in block `number`, whose receipts are `receipts` (a
/// follower's re-executed block, not yet stored). Errors: a message id above 2^64.
pub fn block_l1_message_leaves(
    number: u64,
    receipts: &[BasaltReceipt],
) -> Result<Vec<B256>, MessageIdTooLarge> {
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
            .map_err(|_| MessageIdTooLarge(number))?;
        leaves.push(formats::l1_message_hash(from, topics[2], id));
    }
    Ok(leaves)
}
