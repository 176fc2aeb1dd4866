//! The leaves of a batch's L1-message tree: one per `L1Message` log of the L2 messenger in the
//! batch's receipts, in block and log order (docs/contracts.md, "L1 message leaf"). Pure: the
//! sealer, followers, the guest program and the RPC's withdrawal proofs read them the same way.

use alloy_primitives::{Address, B256, U256, keccak256};
use basalt_contracts::formats;
use basalt_primitives::BasaltReceipt;

/// The messenger's event; all three fields are indexed, so they are topics 1 to 3.
const L1_MESSAGE_EVENT: &str = "L1Message(address,bytes32,uint256)";

/// A block holds an L1 message whose id does not fit the leaf format's u64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("block {0} holds an L1 message with an id above 2^64")]
pub struct MessageIdTooLarge(pub u64);

/// One L2 -> L1 message: an `L1Message(from, data, messageId)` log of the messenger at its
/// predeploy address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1Message {
    /// The L2 account that sent it (the L2 bridge for withdrawals).
    pub from: Address,
    /// The message's 32 bytes (for a withdrawal, `formats::withdrawal_data`).
    pub data: B256,
    /// The messenger's id, from 1.
    pub message_id: u64,
}

impl L1Message {
    /// Its leaf in the batch's message tree, `keccak(from ‖ data ‖ u256 messageId)`.
    pub fn leaf(&self) -> B256 {
        formats::l1_message_hash(self.from, self.data, self.message_id)
    }
}

/// The messages in the logs of `receipt` (of block `number`), in log order. Only the messenger
/// at its predeploy address counts; a log of the same shape from any other contract is not a
/// message. Errors: a message id above 2^64.
pub fn receipt_l1_messages(
    number: u64,
    receipt: &BasaltReceipt,
) -> Result<Vec<L1Message>, MessageIdTooLarge> {
    let topic = keccak256(L1_MESSAGE_EVENT);
    let mut messages = Vec::new();
    for log in receipt.logs() {
        let topics = log.topics();
        if log.address != formats::L2_MESSENGER || topics.len() != 4 || topics[0] != topic {
            continue;
        }
        // The leaf format takes ids as u64.
        let message_id = u64::try_from(U256::from_be_bytes(topics[3].0))
            .map_err(|_| MessageIdTooLarge(number))?;
        messages.push(L1Message {
            from: Address::from_word(topics[1]),
            data: topics[2],
            message_id,
        });
    }
    Ok(messages)
}

/// The leaves of the messages sent in block `number`, whose receipts are `receipts` (a
/// follower's re-executed block, not yet stored). Errors: a message id above 2^64.
pub fn block_l1_message_leaves(
    number: u64,
    receipts: &[BasaltReceipt],
) -> Result<Vec<B256>, MessageIdTooLarge> {
    let mut leaves = Vec::new();
    for receipt in receipts {
        leaves.extend(receipt_l1_messages(number, receipt)?.iter().map(L1Message::leaf));
    }
    Ok(leaves)
}
