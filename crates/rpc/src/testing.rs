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
use alloy_primitives::{Address, B256, Bytes, U256, map::B256Map};
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

/// The transactions to build with, their senders and blob sidecars (by transaction hash).
struct Candidates {
    transactions: Vec<TxEnvelope>,
    senders: Option<Vec<Address>>,
    sidecars: B256Map<BlobTransactionSidecarVariant>,
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
            None => {
                let config = self.node.chain().config();
                let fork = config.fork_at(head.number.saturating_add(1), attributes.timestamp);
                self.pool_candidates(&view, fork)?
            }
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
            blobs_bundle: blobs_bundle(block, candidates.sidecars)?,
            should_override_builder: false,
            execution_requests: built.requests.clone().unwrap_or_default(),
        })
    }

    /// The pool's best transactions, blob transactions with the sidecars the pool keeps for
    /// them (one whose proofs `fork`, the block's, does not take stays out, as the miner leaves
    /// it).
    fn pool_candidates(
        &self,
        view: &basalt_storage::ReadView,
        fork: basalt_primitives::Hardfork,
    ) -> RpcResult<Candidates> {
        let base_fee = self.node.validation_context().or_internal()?.base_fee;
        let best = self.node.with_pool(|pool| pool.best(base_fee, view)).or_internal()?;
        let (mut transactions, mut senders) = (Vec::new(), Vec::new());
        let mut sidecars = B256Map::default();
        for pooled in best {
            if let Some(sidecar) = &pooled.sidecar {
                if !basalt_txpool::sidecar_fits(sidecar, fork) {
                    continue;
                }
                sidecars.insert(pooled.hash, (**sidecar).clone());
            }
            transactions.push((*pooled.tx).clone());
            senders.push(pooled.sender);
        }
        Ok(Candidates { transactions, senders: Some(senders), sidecars, required: false })
    }
}

/// The caller's transactions in the network form; a blob transaction needs its sidecar for
/// the blobs bundle.
fn decode_candidates(raw: &[Bytes]) -> RpcResult<Candidates> {
    let mut transactions = Vec::with_capacity(raw.len());
    let mut sidecars = B256Map::default();
    for (index, bytes) in raw.iter().enumerate() {
        let (tx, sidecar) = decode_network_transaction(bytes)
            .map_err(|e| invalid_params(format!("transaction {index}: {}", e.message())))?;
        if let Some(sidecar) = sidecar {
            sidecars.insert(*tx.tx_hash(), sidecar);
        }
        transactions.push(tx);
    }
    Ok(Candidates { transactions, senders: None, sidecars, required: true })
}

/// The blobs, commitments and cell proofs (EIP-7594) of `block`'s blob transactions, in
/// order, from `sidecars` (candidates left out of the block have none in the bundle);
/// sidecars given with per-blob proofs get their cell proofs computed.
fn blobs_bundle(
    block: &basalt_primitives::Block,
    mut sidecars: B256Map<BlobTransactionSidecarVariant>,
) -> RpcResult<BlobsBundleV2> {
    let mut bundle = BlobsBundleV2::default();
    for sidecar in block.body.transactions.iter().filter_map(|tx| sidecars.remove(tx.tx_hash())) {
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
