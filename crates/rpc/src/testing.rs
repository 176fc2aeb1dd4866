//! `testing_buildBlockV1`: builds (and does not store) the next block from given
//! transactions or from the pool, with the caller's payload attributes, and answers it as the
//! engine API's `getPayloadV5` envelope (execution payload V3, block value, blobs bundle V2
//! with cell proofs, execution requests). The chain is not touched. Blocks are built on the
//! head only: a `parentBlockHash` that is not the head is refused (-32602).

use crate::{
    RpcContext, blocking_method,
    error::{OrInternal, RpcResult, invalid_params, server_error},
    send::decode_network_transaction,
};
use alloy_consensus::Transaction as _;
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rpc_types_engine::{
    BlobsBundleV2, ExecutionPayloadEnvelopeV5, ExecutionPayloadV3, PayloadAttributes,
};
use basalt_chain::builder::BlockTemplate;
use basalt_primitives::TxEnvelope;
use jsonrpsee::RpcModule;

pub fn register(module: &mut RpcModule<RpcContext>) {
    blocking_method(module, "testing_buildBlockV1", |ctx, params| {
        let mut seq = params.sequence();
        let parent: B256 = seq.next()?;
        let attributes: PayloadAttributes = seq.next()?;
        let transactions: Option<Vec<Bytes>> = seq.next()?;
        let extra_data: Option<Bytes> = seq.optional_next()?;
        ctx.build_payload(parent, attributes, transactions, extra_data.unwrap_or_default())
    });
}

/// The transactions to build with, their senders and blob sidecars.
struct Candidates {
    transactions: Vec<TxEnvelope>,
    senders: Option<Vec<Address>>,
    sidecars: Vec<BlobTransactionSidecarVariant>,
    /// Given by the caller: each must be included, or the call fails.
    required: bool,
}

impl RpcContext {
    fn build_payload(
        &self,
        parent: B256,
        attributes: PayloadAttributes,
        transactions: Option<Vec<Bytes>>,
        extra_data: Bytes,
    ) -> RpcResult<ExecutionPayloadEnvelopeV5> {
        let view = self.view()?;
        let head = view.head_header().or_internal()?.ok_or_else(|| server_error("no genesis"))?;
        let head_hash = head.hash_slow();
        if parent != head_hash {
            return Err(invalid_params(format!(
                "parent {parent} is not the head {head_hash}: blocks are built on the head only"
            )));
        }
        if attributes.timestamp <= head.timestamp {
            return Err(invalid_params(format!(
                "timestamp {} is not after the parent's {}",
                attributes.timestamp, head.timestamp
            )));
        }
        let candidates = match transactions {
            Some(raw) => decode_candidates(&raw)?,
            None => self.pool_candidates(&view)?,
        };
        let template = BlockTemplate {
            timestamp: attributes.timestamp,
            beneficiary: attributes.suggested_fee_recipient,
            gas_limit: None,
            transactions: candidates.transactions.into_iter().map(Into::into).collect(),
            withdrawals: attributes.withdrawals,
            mix_hash: attributes.prev_randao,
            parent_beacon_block_root: attributes.parent_beacon_block_root,
            extra_data,
            senders: candidates.senders,
            fees: None,
            data_proven: None,
        };
        let built =
            self.node.chain().build_block(template).map_err(|e| server_error(e.to_string()))?;
        if candidates.required
            && let Some((hash, reason)) = built.rejected.first()
        {
            return Err(server_error(format!("transaction {hash}: {reason}")));
        }
        let block = &built.block;
        if block.header.parent_hash != parent {
            return Err(server_error("the head moved while the block was built; try again"));
        }
        let base_fee = block.header.base_fee_per_gas.unwrap_or_default();
        let mut previous = 0u64;
        let mut block_value = U256::ZERO;
        for (tx, receipt) in block.body.transactions.iter().zip(&built.receipts) {
            let used = receipt.cumulative_gas_used().saturating_sub(previous);
            previous = receipt.cumulative_gas_used();
            let tip = tx.effective_tip_per_gas(base_fee).unwrap_or_default();
            block_value =
                block_value.saturating_add(U256::from(tip).saturating_mul(U256::from(used)));
        }
        Ok(ExecutionPayloadEnvelopeV5 {
            execution_payload: ExecutionPayloadV3::from_block_unchecked(built.hash, block),
            block_value,
            blobs_bundle: blobs_bundle(candidates.sidecars)?,
            should_override_builder: false,
            execution_requests: built.requests.clone().unwrap_or_default(),
        })
    }

    /// The pool's best transactions. Blob transactions stay out: the pool keeps no sidecars,
    /// so their blobs could not be bundled.
    fn pool_candidates(&self, view: &basalt_storage::ReadView) -> RpcResult<Candidates> {
        let base_fee = self.node.validation_context().or_internal()?.base_fee;
        let best = self.node.with_pool(|pool| pool.best(base_fee, view)).or_internal()?;
        let (transactions, senders) = best
            .into_iter()
            .filter(|pooled| pooled.tx.blob_versioned_hashes().is_none())
            .map(|pooled| ((*pooled.tx).clone(), pooled.sender))
            .unzip();
        Ok(Candidates {
            transactions,
            senders: Some(senders),
            sidecars: Vec::new(),
            required: false,
        })
    }
}

/// The caller's transactions in the network form; a blob transaction needs its sidecar for
/// the blobs bundle.
fn decode_candidates(raw: &[Bytes]) -> RpcResult<Candidates> {
    let mut transactions = Vec::with_capacity(raw.len());
    let mut sidecars = Vec::new();
    for (index, bytes) in raw.iter().enumerate() {
        let (tx, sidecar) = decode_network_transaction(bytes)
            .map_err(|e| invalid_params(format!("transaction {index}: {}", e.message())))?;
        transactions.push(tx);
        sidecars.extend(sidecar);
    }
    Ok(Candidates { transactions, senders: None, sidecars, required: true })
}

/// The blobs, commitments and cell proofs (EIP-7594) of the block's blob transactions, in
/// order; sidecars given with per-blob proofs get their cell proofs computed.
fn blobs_bundle(sidecars: Vec<BlobTransactionSidecarVariant>) -> RpcResult<BlobsBundleV2> {
    let mut bundle = BlobsBundleV2::default();
    for sidecar in sidecars {
        let cells =
            match sidecar.try_convert_into_eip7594().map_err(|e| server_error(e.to_string()))? {
                BlobTransactionSidecarVariant::Eip7594(cells) => cells,
                BlobTransactionSidecarVariant::Eip4844(_) => {
                    return Err(server_error("blob sidecar could not be converted to cell proofs"));
                }
            };
        bundle.commitments.extend(cells.commitments);
        bundle.proofs.extend(cells.cell_proofs);
        bundle.blobs.extend(cells.blobs);
    }
    Ok(bundle)
}
