//! The leaves of a batch's L1-message tree: one per `L1Message` log of the L2 messenger in the
//! batch's receipts, in block and log order (docs/contracts.md, "L1 message leaf"), and the tree
//! itself, whose root the sealer commits and whose proofs users claim with.

use crate::{BatchError, canonical_hash};
use alloy_primitives::B256;
use basalt_contracts::formats::MessageMerkleTree;
use basalt_da::block_l1_message_leaves;
use basalt_storage::ReadView;

/// Leaves `keccak(from ‖ data ‖ u256 messageId)` of the messages sent in blocks `first..=last`.
/// Only the messenger at its predeploy address counts; a log of the same shape from any other
/// contract is not a message. Errors: a block or its receipts missing from `view`.
pub fn l1_message_leaves(view: &ReadView, first: u64, last: u64) -> Result<Vec<B256>, BatchError> {
    let mut leaves = Vec::new();
    for number in first..=last {
        let hash = canonical_hash(view, number)?;
        let receipts =
            view.receipts(hash)?.ok_or(BatchError::Incomplete { number, what: "receipts" })?;
        leaves.extend(
            block_l1_message_leaves(number, &receipts)
                .map_err(|e| BatchError::MessageIdTooLarge(e.0))?,
        );
    }
    Ok(leaves)
}

/// The message tree of blocks `first..=last`: its root is the batch's `l1MessagesRoot`, and
/// `proof(index)` is what `CommonBridge.claimWithdrawal` takes for the leaf at `index`.
/// Errors: as [`l1_message_leaves`].
pub fn l1_message_tree(
    view: &ReadView,
    first: u64,
    last: u64,
) -> Result<MessageMerkleTree, BatchError> {
    Ok(MessageMerkleTree::new(l1_message_leaves(view, first, last)?))
}
