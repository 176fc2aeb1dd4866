//! Checks that the data committed on L1 is the data executed: the batch's data packed into
//! blobs gives the versioned hashes the public inputs commit to, and its payload decodes to the
//! executed blocks (`blocks` mode) or to a state diff that turns the initial state into the final
//! one and carries the batch's L1 messages (`state-diff` mode).

use crate::{
    GuestError,
    execute::ExecutedBlocks,
    state::{CodeSource, StatelessState},
};
use alloy_primitives::B256;
use basalt_contracts::formats::MAX_BLOBS_PER_BATCH;
use basalt_da::{
    BlobKzgProof, BlocksPayload, DaMode, MAX_PAYLOAD_BYTES, decode_blocks, decode_compressed,
    decode_state_diff, encode_blobs, payload_block, state_diff_changes, verified_versioned_hashes,
};
use basalt_primitives::{Block, FeeConfig};
use basalt_trie::NodeReader;

/// The versioned hashes of the blobs `data` packs into (none for empty data: a validium batch),
/// each blob checked against its commitment in `proofs` by its blob proof. Errors: data beyond
/// [`MAX_BLOBS_PER_BATCH`] blobs, proofs for another number of blobs, a proof that does not open
/// its commitment to its blob.
pub fn versioned_hashes(data: &[u8], proofs: &[BlobKzgProof]) -> Result<Vec<B256>, GuestError> {
    if data.is_empty() {
        if !proofs.is_empty() {
            return Err(GuestError::CommittedData(format!(
                "{} blob proofs for a batch without data",
                proofs.len()
            )));
        }
        return Ok(Vec::new());
    }
    let blobs = encode_blobs(data, MAX_BLOBS_PER_BATCH)
        .map_err(|e| GuestError::CommittedData(e.to_string()))?;
    verified_versioned_hashes(&blobs, proofs).map_err(|e| GuestError::CommittedData(e.to_string()))
}

/// The batch that was executed, as the payload check sees it.
pub struct ExecutedBatch<'a> {
    pub chain_id: u64,
    pub blocks: &'a [Block],
    pub fees: &'a [Option<FeeConfig>],
    pub executed: &'a ExecutedBlocks,
}

/// Checks `data` (codec byte, compressed payload) against the executed batch. `initial` is a
/// state at the batch's initial root over the same witness, used in state-diff mode.
pub fn check_payload<N: NodeReader + Clone, C: CodeSource>(
    mode: DaMode,
    data: &[u8],
    batch: &ExecutedBatch<'_>,
    initial: &mut StatelessState<N, C>,
) -> Result<(), GuestError> {
    let payload = decode_compressed(data, MAX_PAYLOAD_BYTES)
        .map_err(|e| GuestError::CommittedData(format!("decompressing the payload: {e}")))?;
    let first_block = batch.blocks.first().map_or(0, |b| b.header.number);
    match mode {
        DaMode::Blocks => {
            let committed = decode_blocks(&payload)
                .map_err(|e| GuestError::CommittedData(format!("decoding the payload: {e}")))?;
            let mut executed =
                BlocksPayload { chain_id: batch.chain_id, first_block, blocks: Vec::new() };
            for ((block, fees), senders) in
                batch.blocks.iter().zip(batch.fees).zip(&batch.executed.senders)
            {
                let number = block.header.number;
                let fees = fees.ok_or_else(|| {
                    GuestError::PayloadMismatch(format!("block {number} has no fee config"))
                })?;
                let payload_block =
                    payload_block(&block.header, &block.body.transactions, senders, fees)
                        .map_err(|e| GuestError::PayloadMismatch(format!("block {number}: {e}")))?;
                executed.blocks.push(payload_block);
            }
            compare_blocks(&committed, &executed)
        }
        DaMode::StateDiff => {
            let diff = decode_state_diff(&payload)
                .map_err(|e| GuestError::CommittedData(format!("decoding the payload: {e}")))?;
            let count = batch.blocks.len() as u64;
            if (diff.chain_id, diff.first_block, diff.block_count)
                != (batch.chain_id, first_block, count)
            {
                return Err(GuestError::PayloadMismatch(format!(
                    "the state diff is for chain {} blocks {}+{}, the batch is chain {} blocks {first_block}+{count}",
                    diff.chain_id, diff.first_block, diff.block_count, batch.chain_id
                )));
            }
            if diff.l1_messages != batch.executed.l1_message_leaves {
                return Err(GuestError::PayloadMismatch(
                    "the state diff's L1 messages are not the batch's".into(),
                ));
            }
            let changes = state_diff_changes(&diff, &*initial).map_err(|e| match e {
                basalt_da::DiffApplyError::StateRead(read) => {
                    match read.downcast_ref::<crate::state::WitnessError>() {
                        Some(gap) => GuestError::Witness(gap.clone()),
                        None => GuestError::PayloadMismatch(read.to_string()),
                    }
                }
                other => GuestError::PayloadMismatch(other.to_string()),
            })?;
            let root = initial.apply(&changes)?;
            if root != batch.executed.final_state_root {
                return Err(GuestError::PayloadMismatch(format!(
                    "the state diff leads to state root {root}, execution to {}",
                    batch.executed.final_state_root
                )));
            }
            Ok(())
        }
    }
}

/// Names the first difference between the committed and the executed `blocks` payload.
fn compare_blocks(committed: &BlocksPayload, executed: &BlocksPayload) -> Result<(), GuestError> {
    if committed == executed {
        return Ok(());
    }
    let mismatch = |what: String| Err(GuestError::PayloadMismatch(what));
    if (committed.chain_id, committed.first_block, committed.blocks.len())
        != (executed.chain_id, executed.first_block, executed.blocks.len())
    {
        return mismatch(format!(
            "the payload holds chain {} blocks {}+{}, the batch is chain {} blocks {}+{}",
            committed.chain_id,
            committed.first_block,
            committed.blocks.len(),
            executed.chain_id,
            executed.first_block,
            executed.blocks.len()
        ));
    }
    let Some((index, (c, e))) =
        committed.blocks.iter().zip(&executed.blocks).enumerate().find(|(_, (c, e))| c != e)
    else {
        return mismatch("the committed payload differs from the executed blocks".into());
    };
    let number = executed.first_block.saturating_add(index as u64);
    let field = if c.transactions != e.transactions {
        "transactions"
    } else if c.privileged_count != e.privileged_count {
        "privileged transaction count"
    } else if c.fees != e.fees {
        "fee config"
    } else if c.transactions_root != e.transactions_root {
        "transactions root"
    } else {
        "header fields"
    };
    mismatch(format!(
        "block {number}: the committed payload's {field} differ from the executed block's"
    ))
}
