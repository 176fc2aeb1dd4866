//! Chain and state reads: `web3_*`, `net_*`, and the `eth_*` methods that read blocks,
//! transactions, receipts, accounts and proofs.

use crate::{
    RpcContext, blocking_method,
    convert::{
        RpcBlock, RpcReceipt, RpcTransaction, TxPosition, rpc_block, rpc_receipts, rpc_transaction,
    },
    error::{OrInternal, RpcResult, invalid_params},
    params::StorageSlot,
    resolve::{FoundBlock, StateAt, block_id_or_latest},
    sync_method,
};
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U64, U256, keccak256};
use alloy_rpc_types_eth::{EIP1186AccountProofResponse, EIP1186StorageProof};
use basalt_primitives::{BasaltTxEnvelope, StateReader, sender::recover_senders};
use basalt_storage::{AccountProof, ReadView};
use jsonrpsee::{RpcModule, types::Params};

pub fn register(module: &mut RpcModule<RpcContext>) {
    sync_method(module, "web3_clientVersion", |ctx, _| Ok(ctx.client_version.clone()));
    sync_method(module, "web3_sha3", |_, params| {
        let data: Bytes = params.one()?;
        Ok(keccak256(&data))
    });
    sync_method(module, "net_version", |ctx, _| Ok(ctx.chain_id().to_string()));
    sync_method(module, "net_listening", |_, _| Ok(true));
    sync_method(module, "net_peerCount", |_, _| Ok(U64::ZERO));
    sync_method(module, "eth_chainId", |ctx, _| Ok(U64::from(ctx.chain_id())));
    sync_method(module, "eth_syncing", |_, _| Ok(false));
    sync_method(module, "eth_mining", |_, _| Ok(true));
    sync_method(module, "eth_hashrate", |_, _| Ok(U64::ZERO));
    sync_method(module, "eth_coinbase", |ctx, _| Ok(ctx.node.beneficiary()));
    sync_method(module, "eth_accounts", |ctx, _| Ok(ctx.node.dev_accounts()));
    sync_method(module, "eth_blockNumber", |ctx, _| {
        Ok(U64::from(ctx.node.chain().head().or_internal()?.number))
    });
    // Methods that take a block tag run on the blocking pool: `pending` builds a block.
    blocking_method(module, "eth_getBalance", |ctx, params| {
        let (address, block) = address_and_block(&params)?;
        ctx.with_state(block, |state| {
            Ok(state.account(address).or_internal()?.unwrap_or_default().balance)
        })
    });
    blocking_method(module, "eth_getTransactionCount", |ctx, params| {
        let (address, block) = address_and_block(&params)?;
        if block == BlockId::Number(BlockNumberOrTag::Pending) {
            return Ok(U64::from(ctx.node.next_nonce(address).or_internal()?));
        }
        ctx.with_state(block, |state| {
            Ok(U64::from(state.account(address).or_internal()?.map_or(0, |a| a.nonce)))
        })
    });
    blocking_method(module, "eth_getCode", |ctx, params| {
        let (address, block) = address_and_block(&params)?;
        ctx.with_state(block, |state| {
            let Some(account) = state.account(address).or_internal()? else {
                return Ok(Bytes::new());
            };
            Ok(state.code(account.code_hash).or_internal()?.unwrap_or_default())
        })
    });
    blocking_method(module, "eth_getStorageAt", |ctx, params| {
        let mut seq = params.sequence();
        let address: Address = seq.next()?;
        let slot: StorageSlot = seq.next()?;
        let block = block_id_or_latest(seq.optional_next()?);
        ctx.with_state(block, |state| {
            Ok(B256::from(state.storage(address, slot.slot).or_internal()?.to_be_bytes::<32>()))
        })
    });
    blocking_method(module, "eth_getProof", |ctx, params| {
        let mut seq = params.sequence();
        let address: Address = seq.next()?;
        let slots: Vec<StorageSlot> = seq.next()?;
        if slots.len() > ctx.max_proof_keys {
            return Err(invalid_params(format!(
                "{} storage keys requested; at most {} per call (--max-proof-keys)",
                slots.len(),
                ctx.max_proof_keys
            )));
        }
        let block = block_id_or_latest(seq.optional_next()?);
        let view = ctx.view()?;
        let found = ctx.require_block(&view, block)?;
        let keys: Vec<U256> = slots.iter().map(|s| s.slot).collect();
        let proof = match StateAt::new(&view, &found) {
            StateAt::Pending(pending) => pending.account_proof(address, &keys),
            _ => view.account_proof(StateAt::root(&view, &found)?, address, &keys),
        }
        .or_internal()?;
        Ok(proof_response(proof, &slots))
    });

    blocking_method(module, "eth_getBlockByHash", |ctx, params| {
        let (hash, full): (B256, bool) = params.parse()?;
        ctx.rpc_block(BlockId::from(hash), full)
    });
    blocking_method(module, "eth_getBlockByNumber", |ctx, params| {
        let (tag, full): (BlockNumberOrTag, bool) = params.parse()?;
        ctx.rpc_block(BlockId::Number(tag), full)
    });
    sync_method(module, "eth_getBlockTransactionCountByHash", |ctx, params| {
        let hash: B256 = params.one()?;
        ctx.block_field(BlockId::from(hash), |b| U64::from(b.body.transactions.len()))
    });
    blocking_method(module, "eth_getBlockTransactionCountByNumber", |ctx, params| {
        let tag: BlockNumberOrTag = params.one()?;
        ctx.block_field(BlockId::Number(tag), |b| U64::from(b.body.transactions.len()))
    });
    sync_method(module, "eth_getUncleCountByBlockHash", |ctx, params| {
        let hash: B256 = params.one()?;
        ctx.block_field(BlockId::from(hash), |b| U64::from(b.body.ommers.len()))
    });
    blocking_method(module, "eth_getUncleCountByBlockNumber", |ctx, params| {
        let tag: BlockNumberOrTag = params.one()?;
        ctx.block_field(BlockId::Number(tag), |b| U64::from(b.body.ommers.len()))
    });
    sync_method(module, "eth_getTransactionByHash", |ctx, params| {
        let hash: B256 = params.one()?;
        ctx.transaction_by_hash(hash)
    });
    sync_method(module, "eth_getTransactionByBlockHashAndIndex", |ctx, params| {
        let (hash, index): (B256, U64) = params.parse()?;
        ctx.transaction_by_block_and_index(BlockId::from(hash), index.to())
    });
    blocking_method(module, "eth_getTransactionByBlockNumberAndIndex", |ctx, params| {
        let (tag, index): (BlockNumberOrTag, U64) = params.parse()?;
        ctx.transaction_by_block_and_index(BlockId::Number(tag), index.to())
    });
    sync_method(module, "eth_getTransactionReceipt", |ctx, params| {
        let hash: B256 = params.one()?;
        ctx.transaction_receipt(hash)
    });
    blocking_method(module, "eth_getBlockReceipts", |ctx, params| {
        let block: BlockId = params.one()?;
        let view = ctx.view()?;
        let Some(found) = ctx.find_block(&view, block)? else { return Ok(None) };
        Ok(Some(ctx.block_receipts(&view, &found)?))
    });
}

/// The EIP-1186 answer, each storage key echoed in the form it was asked for.
fn proof_response(proof: AccountProof, slots: &[StorageSlot]) -> EIP1186AccountProofResponse {
    EIP1186AccountProofResponse {
        address: proof.address,
        balance: proof.balance,
        code_hash: proof.code_hash,
        nonce: proof.nonce,
        storage_hash: proof.storage_hash,
        account_proof: proof.account_proof,
        storage_proof: proof
            .storage_proof
            .into_iter()
            .zip(slots)
            .map(|(p, slot)| EIP1186StorageProof::new(slot.json_key(), p.value, p.proof))
            .collect(),
    }
}

fn address_and_block(params: &Params<'_>) -> RpcResult<(Address, BlockId)> {
    let mut seq = params.sequence();
    let address: Address = seq.next()?;
    Ok((address, block_id_or_latest(seq.optional_next()?)))
}

impl RpcContext {
    pub(crate) fn chain_id(&self) -> u64 {
        self.node.chain().config().chain_id
    }

    pub(crate) fn view(&self) -> RpcResult<ReadView> {
        self.node.chain().db().read().or_internal()
    }

    /// Runs `f` on the state after `block`.
    pub(crate) fn with_state<T>(
        &self,
        block: BlockId,
        f: impl FnOnce(&StateAt<'_>) -> RpcResult<T>,
    ) -> RpcResult<T> {
        let view = self.view()?;
        let found = self.require_block(&view, block)?;
        f(&StateAt::new(&view, &found))
    }

    /// The senders of a stored block's transactions, as stored with the block: the source of
    /// truth, since impersonated (and future signature-less) transactions cannot be recovered.
    /// Blocks written before senders were stored (older datadirs) have none; theirs are
    /// recovered from the signatures, high-s accepted (pre-Homestead chains).
    pub(crate) fn senders_of(
        &self,
        view: &ReadView,
        block_hash: B256,
        txs: &[BasaltTxEnvelope],
    ) -> RpcResult<Vec<Address>> {
        match view.senders(block_hash).or_internal()? {
            Some(senders) if senders.len() == txs.len() => Ok(senders),
            Some(senders) => Err(crate::error::internal(format!(
                "block {block_hash} has {} stored senders for {} transactions",
                senders.len(),
                txs.len()
            ))),
            None => recover_senders(txs, true).map_err(|(index, e)| {
                crate::error::internal(format!("stored transaction {index} of the block: {e}"))
            }),
        }
    }

    /// The senders of `block`'s transactions (`found` names it): the pending block's are
    /// known, stored ones are read (see [`RpcContext::senders_of`]).
    pub(crate) fn block_senders(
        &self,
        view: &ReadView,
        found: &FoundBlock,
        block: &basalt_primitives::Block,
    ) -> RpcResult<Vec<Address>> {
        match &found.pending {
            Some(pending) => Ok(pending.senders.clone()),
            None => self.senders_of(view, found.hash, &block.body.transactions),
        }
    }

    /// The sender of transaction `index` of a stored block (see [`RpcContext::senders_of`]).
    fn sender_at(
        &self,
        view: &ReadView,
        block_hash: B256,
        index: usize,
        tx: &BasaltTxEnvelope,
    ) -> RpcResult<Address> {
        match view.senders(block_hash).or_internal()? {
            Some(senders) => senders.get(index).copied().ok_or_else(|| {
                crate::error::internal(format!("block {block_hash} has no stored sender {index}"))
            }),
            None => tx.recover_sender(true).map_err(|e| {
                crate::error::internal(format!("stored transaction {}: {e}", tx.tx_hash()))
            }),
        }
    }

    fn rpc_block(&self, id: BlockId, full: bool) -> RpcResult<Option<RpcBlock>> {
        let view = self.view()?;
        let Some(found) = self.find_block(&view, id)? else { return Ok(None) };
        let Some(block) = found.block(&view)? else { return Ok(None) };
        let senders = if full { self.block_senders(&view, &found, &block)? } else { Vec::new() };
        let senders = full.then_some(senders.as_slice());
        Ok(Some(rpc_block(&block, found.hash, senders)))
    }

    fn block_field<T>(
        &self,
        id: BlockId,
        f: impl FnOnce(&basalt_primitives::Block) -> T,
    ) -> RpcResult<Option<T>> {
        let view = self.view()?;
        let Some(found) = self.find_block(&view, id)? else { return Ok(None) };
        Ok(found.block(&view)?.map(|b| f(&b)))
    }

    fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<RpcTransaction>> {
        if let Some(pooled) = self.node.with_pool(|pool| pool.get(&hash)) {
            return Ok(Some(rpc_transaction(&(*pooled.tx).clone().into(), pooled.sender, None)));
        }
        let view = self.view()?;
        let Some((block_hash, index)) = view.tx_location(hash).or_internal()? else {
            return Ok(None);
        };
        let Some(header) = view.header(block_hash).or_internal()? else { return Ok(None) };
        self.transaction_at(&view, &FoundBlock::stored(header, block_hash), index)
    }

    fn transaction_by_block_and_index(
        &self,
        id: BlockId,
        index: u64,
    ) -> RpcResult<Option<RpcTransaction>> {
        let view = self.view()?;
        let Some(found) = self.find_block(&view, id)? else { return Ok(None) };
        self.transaction_at(&view, &found, index)
    }

    fn transaction_at(
        &self,
        view: &ReadView,
        found: &FoundBlock,
        index: u64,
    ) -> RpcResult<Option<RpcTransaction>> {
        let Some(block) = found.block(view)? else { return Ok(None) };
        let Some(i) = usize::try_from(index).ok().filter(|i| *i < block.body.transactions.len())
        else {
            return Ok(None);
        };
        let tx = &block.body.transactions[i];
        let sender = match &found.pending {
            Some(pending) => pending.senders[i],
            None => self.sender_at(view, found.hash, i, tx)?,
        };
        let position = TxPosition::in_block(&block.header, found.hash, index);
        Ok(Some(rpc_transaction(tx, sender, Some(position))))
    }

    fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<RpcReceipt>> {
        let view = self.view()?;
        let Some((block_hash, index)) = view.tx_location(hash).or_internal()? else {
            return Ok(None);
        };
        let Some(header) = view.header(block_hash).or_internal()? else { return Ok(None) };
        let found = FoundBlock::stored(header, block_hash);
        let receipts = self.block_receipts(&view, &found)?;
        Ok(usize::try_from(index).ok().and_then(|i| receipts.into_iter().nth(i)))
    }

    pub(crate) fn block_receipts(
        &self,
        view: &ReadView,
        found: &FoundBlock,
    ) -> RpcResult<Vec<RpcReceipt>> {
        let block = found.block(view)?.ok_or_else(|| invalid_params("block body missing"))?;
        let receipts = found.receipts(view)?;
        let blob_base_fee = self.blob_base_fee_of(&found.header);
        let senders = self.block_senders(view, found, &block)?;
        let privileged_create = block
            .body
            .transactions
            .iter()
            .any(|tx| tx.as_privileged().is_some_and(|tx| tx.to.is_create()));
        // Rare (the L1 bridge never queues a creation): re-execute the block for the addresses.
        let created = match privileged_create {
            true => Some(self.contract_addresses(view, found, &block, &senders)?),
            false => None,
        };
        let fees = self.block_fee_config(view, found)?;
        Ok(rpc_receipts(
            &block,
            found.hash,
            &receipts,
            &senders,
            blob_base_fee,
            created.as_deref(),
            fees.as_ref(),
        ))
    }

    /// The blob base fee a block charged.
    pub(crate) fn blob_base_fee_of(&self, header: &alloy_consensus::Header) -> Option<u128> {
        self.node.chain().config().blob_base_fee(header)
    }
}
