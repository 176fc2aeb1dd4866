//! `basalt_getL1MessageProof(l2TxHash)`: for each L2 -> L1 message a transaction sent, the batch
//! that carries it, its leaf and Merkle proof against the batch's `l1MessagesRoot`, the
//! withdrawal it encodes, and how far it is on its way to a claim on L1 (docs/bridge.md). The
//! tree is the sealer's (`basalt_batch::l1_message_tree`); finality and claims are read from L1
//! at request time through an [`L1BridgeReader`], never cached.

use crate::{
    RpcBackend, RpcContext, async_method,
    error::{OrInternal, RpcResult, internal, server_error},
};
use alloy_primitives::{Address, B256, U64, U256};
use alloy_sol_types::SolEvent;
use basalt_contracts::{
    bindings::L2Bridge::WithdrawalInitiated,
    formats::{self, L2_BRIDGE},
};
use basalt_da::{L1Message, receipt_l1_messages};
use basalt_primitives::BasaltReceipt;
use basalt_storage::BatchStatus;
use jsonrpsee::RpcModule;
use serde::Serialize;
use std::{future::Future, pin::Pin};

/// A pending answer from L1; the error is the transport's or the node's message.
pub type L1Read<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// Where a batch is on L1, as the OnChainProposer says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L1BatchState {
    /// `batch <= lastCommittedBatch`.
    pub committed: bool,
    /// `batch <= lastVerifiedBatch`.
    pub verified: bool,
    /// `isBatchFinal(batch)`: verified and past its finalization time, so claimable.
    pub is_final: bool,
}

/// What an L2 node reads from its L1 to tell a message's status: the rollup's view of a batch
/// and the bridge's `claimed[leaf]`. Implemented over the node's L1 endpoint by the binary.
pub trait L1BridgeReader: Send + Sync {
    /// The OnChainProposer's view of `batch`.
    fn batch_state(&self, batch: u64) -> L1Read<'_, L1BatchState>;
    /// `CommonBridge.claimed(leaf)`: the withdrawal with this leaf was paid out.
    fn is_claimed(&self, leaf: B256) -> L1Read<'_, bool>;
}

/// A withdrawal decoded from the L2 bridge's `WithdrawalInitiated` log that sent the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawalView {
    /// `0xEeee…EEeE` for ether.
    pub token_l1: Address,
    pub token_l2: Address,
    /// Who receives it on L1 (bound in the leaf).
    pub recipient: Address,
    /// In wei or the token's smallest unit (hex quantity).
    pub amount: U256,
}

/// One message of the answer of `basalt_getL1MessageProof`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct L1MessageProofView {
    /// The sealed batch that carries it; null while its block is in no sealed batch.
    pub batch_number: Option<U64>,
    pub message_id: U64,
    /// The L2 sender of the message (the L2 bridge for withdrawals).
    pub from: Address,
    pub data: B256,
    /// `keccak(from ‖ data ‖ u256 messageId)`.
    pub leaf: B256,
    /// Set when the message is a withdrawal of the L2 bridge.
    pub withdrawal: Option<WithdrawalView>,
    /// Sibling hashes from the bottom up (OpenZeppelin `MerkleProof`); null while unsealed.
    pub proof: Option<Vec<B256>>,
    /// The batch's message root the proof verifies against; null while unsealed.
    pub l1_messages_root: Option<B256>,
    /// `pending`, `committed`, `verified`, `claimable` or `claimed`.
    pub status: &'static str,
}

/// A message as the chain stores it, before L1 is asked about it.
struct Found {
    view: L1MessageProofView,
    /// Sealed batch and the local status of that batch.
    batch: Option<(u64, BatchStatus)>,
}

pub fn register(module: &mut RpcModule<RpcContext>) {
    async_method(module, "basalt_getL1MessageProof", |ctx, params| async move {
        let hash: B256 = params.one()?;
        let reader = match &ctx.backend {
            RpcBackend::L2 { l1_bridge, .. } => l1_bridge.clone(),
            RpcBackend::DevL1(_) => return Err(internal("basalt_getL1MessageProof on an L1")),
        };
        let stored = ctx.clone();
        let found = tokio::task::spawn_blocking(move || stored_messages(&stored, hash))
            .await
            .map_err(internal)??;
        let Some(found) = found else { return Ok(None) };
        let mut answer = Vec::with_capacity(found.len());
        for message in found {
            answer.push(with_l1_status(message, reader.as_deref()).await?);
        }
        Ok(Some(answer))
    });
}

/// The messages transaction `hash` sent, with proofs and the status the node knows locally;
/// None for a transaction not in a block.
fn stored_messages(ctx: &RpcContext, hash: B256) -> RpcResult<Option<Vec<Found>>> {
    let view = ctx.view()?;
    let Some((block_hash, index)) = view.tx_location(hash).or_internal()? else { return Ok(None) };
    let Some(header) = view.header(block_hash).or_internal()? else { return Ok(None) };
    let receipts = view
        .receipts(block_hash)
        .or_internal()?
        .ok_or_else(|| internal(format!("receipts of block {} missing", header.number)))?;
    let receipt = usize::try_from(index)
        .ok()
        .and_then(|i| receipts.get(i))
        .ok_or_else(|| internal(format!("receipt {index} of block {} missing", header.number)))?;
    let messages = receipt_l1_messages(header.number, receipt).or_internal()?;
    if messages.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let batches = ctx.node.chain().db().read_batches().or_internal()?;
    let sealed = batches.batch_of_block(header.number).or_internal()?;
    let tree = match &sealed {
        Some(batch) => Some(
            basalt_batch::l1_message_tree(&view, batch.first_block, batch.last_block)
                .or_internal()?,
        ),
        None => None,
    };
    let mut found = Vec::with_capacity(messages.len());
    for message in messages {
        let leaf = message.leaf();
        let (batch, proof, root) = match (&sealed, &tree) {
            (Some(batch), Some(tree)) => {
                let (status, _) = batches
                    .status(batch.number)
                    .or_internal()?
                    .ok_or_else(|| internal("batch vanished between two reads of one snapshot"))?;
                let proof = tree
                    .leaves()
                    .iter()
                    .position(|l| *l == leaf)
                    .and_then(|i| tree.proof(i))
                    .ok_or_else(|| {
                        internal(format!(
                            "message {} is not in batch {}",
                            message.message_id, batch.number
                        ))
                    })?;
                if tree.root() != batch.l1_messages_root {
                    return Err(internal(format!(
                        "batch {}'s message tree does not match its sealed root",
                        batch.number
                    )));
                }
                (Some((batch.number, status)), Some(proof), Some(tree.root()))
            }
            _ => (None, None, None),
        };
        found.push(Found {
            view: L1MessageProofView {
                batch_number: batch.map(|(number, _)| U64::from(number)),
                message_id: U64::from(message.message_id),
                from: message.from,
                data: message.data,
                leaf,
                withdrawal: withdrawal_of(receipt, &message),
                proof,
                l1_messages_root: root,
                status: "pending",
            },
            batch,
        });
    }
    Ok(Some(found))
}

/// The withdrawal a message encodes: the L2 bridge's `WithdrawalInitiated` log with the same
/// message id in the same receipt, whose fields hash to the message's data.
fn withdrawal_of(receipt: &BasaltReceipt, message: &L1Message) -> Option<WithdrawalView> {
    if message.from != L2_BRIDGE {
        return None;
    }
    receipt.logs().iter().filter(|log| log.address == L2_BRIDGE).find_map(|log| {
        let event = WithdrawalInitiated::decode_log_data(&log.data).ok()?;
        let id = u64::try_from(event.messageId).ok()?;
        let data =
            formats::withdrawal_data(event.tokenL1, event.tokenL2, event.l1Recipient, event.amount);
        (id == message.message_id && data == message.data).then_some(WithdrawalView {
            token_l1: event.tokenL1,
            token_l2: event.tokenL2,
            recipient: event.l1Recipient,
            amount: event.amount,
        })
    })
}

/// Fills in the status: `pending` until the batch is committed, then what L1 says (committed,
/// verified, claimable once final, claimed once `claimed[leaf]`). Without an L1 reader, the
/// node's own record of commits and verifications, up to `verified`.
async fn with_l1_status(
    found: Found,
    reader: Option<&dyn L1BridgeReader>,
) -> RpcResult<L1MessageProofView> {
    let mut view = found.view;
    let Some((batch, local)) = found.batch else { return Ok(view) };
    let Some(reader) = reader else {
        view.status = match local {
            BatchStatus::Sealed => "pending",
            BatchStatus::Committed => "committed",
            BatchStatus::Verified => "verified",
        };
        return Ok(view);
    };
    let l1_error = |err: String| server_error(format!("the L1 does not answer: {err}"));
    let state = reader.batch_state(batch).await.map_err(l1_error)?;
    view.status = if state.is_final {
        match reader.is_claimed(view.leaf).await.map_err(l1_error)? {
            true => "claimed",
            false => "claimable",
        }
    } else if state.verified {
        "verified"
    } else if state.committed {
        "committed"
    } else {
        "pending"
    };
    Ok(view)
}
