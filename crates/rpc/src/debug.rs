//! `debug_*` getters: raw consensus encodings of blocks, headers, receipts and transactions,
//! block access lists (EIP-7928), the bad blocks the node has seen, and execution witnesses. Results the schema
//! gives as bytes (never null) answer a missing block or transaction with an error.

use crate::convert::RpcBlock;
use crate::{
    RpcContext, blocking_method,
    error::{OrInternal, RpcResult, internal, invalid_params, not_found},
    sync_method,
};
use alloy_eips::{BlockId, eip2718::Encodable2718};
use alloy_primitives::{B256, Bytes};
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};
use serde::Serialize;

/// Why no block access list can be served: the engine runs no fork with EIP-7928 (they start
/// at Amsterdam), so every stored block predates them. The execution-apis give -32001
/// "Resource not found" for this case.
pub const NO_ACCESS_LIST: &str = "block access list not available for pre-Amsterdam blocks";

/// A block the node refused (`debug_getBadBlocks`): the block object, its hash and its RLP.
#[derive(Clone, Debug, Serialize)]
pub struct BadBlock {
    pub block: RpcBlock,
    pub hash: B256,
    pub rlp: Bytes,
}

/// `debug_executionWitness`'s answer, in geth's and reth's shape: the trie nodes, codes, keys
/// (addresses and slots read) and ancestor headers (RLP, oldest first, ending with the parent)
/// that stateless execution of the block needs.
#[derive(Clone, Debug, Serialize)]
pub struct RpcExecutionWitness {
    pub state: Vec<Bytes>,
    pub codes: Vec<Bytes>,
    pub keys: Vec<Bytes>,
    pub headers: Vec<Bytes>,
}

pub fn register(module: &mut RpcModule<RpcContext>) {
    blocking_method(module, "debug_getRawHeader", |ctx, params| {
        let id: BlockId = params.one()?;
        ctx.raw_block_part(id, |block| alloy_rlp::encode(&block.header).into())
    });
    blocking_method(module, "debug_getRawBlock", |ctx, params| {
        let id: BlockId = params.one()?;
        ctx.raw_block_part(id, |block| alloy_rlp::encode(block).into())
    });
    blocking_method(module, "debug_getRawReceipts", |ctx, params| {
        let id: BlockId = params.one()?;
        let view = ctx.view()?;
        let found = ctx.find_block(&view, id)?.ok_or_else(block_not_found)?;
        let receipts = found.receipts(&view)?;
        Ok(receipts.iter().map(|r| Bytes::from(r.encoded_2718())).collect::<Vec<_>>())
    });
    blocking_method(module, "debug_getRawTransaction", |ctx, params| {
        let hash: B256 = params.one()?;
        if let Some(pooled) = ctx.node.with_pool(|pool| pool.get(&hash)) {
            return Ok(Bytes::from(pooled.tx.encoded_2718()));
        }
        let view = ctx.view()?;
        let (block_hash, index) =
            view.tx_location(hash).or_internal()?.ok_or_else(transaction_not_found)?;
        let block = view.block(block_hash).or_internal()?;
        block
            .and_then(|b| b.body.transactions.into_iter().nth(index as usize))
            .map(|tx| Bytes::from(tx.encoded_2718()))
            .ok_or_else(transaction_not_found)
    });
    blocking_method(module, "debug_getRawBlockAccessList", |ctx, params| {
        let id: BlockId = params.one()?;
        let view = ctx.view()?;
        ctx.find_block(&view, id)?.ok_or_else(block_not_found)?;
        Err::<Bytes, _>(not_found(NO_ACCESS_LIST))
    });
    blocking_method(module, "eth_getBlockAccessList", |ctx, params| {
        let id: BlockId = params.one()?;
        let view = ctx.view()?;
        match ctx.find_block(&view, id)? {
            // A block the node does not have is null, as for every block getter.
            None => Ok(None::<()>),
            Some(_) => Err(not_found(NO_ACCESS_LIST)),
        }
    });
    blocking_method(module, "debug_executionWitness", |ctx, params| {
        let id: BlockId = params.one()?;
        let view = ctx.view()?;
        let found = ctx.find_block(&view, id)?.ok_or_else(block_not_found)?;
        if found.pending.is_some() {
            return Err(invalid_params("the pending block has no execution witness yet"));
        }
        let number = found.header.number;
        if number == 0 {
            return Err(invalid_params("the genesis block has no execution witness"));
        }
        let witness = basalt_witness::block_witness(&view, ctx.node.chain().config(), number)
            .map_err(internal)?;
        Ok(RpcExecutionWitness {
            state: witness.state,
            codes: witness.codes,
            keys: witness.keys,
            headers: witness.headers,
        })
    });
    // The node takes no blocks from peers: it builds and imports its own (which pass full
    // import validation), so it has seen no bad block.
    sync_method(module, "debug_getBadBlocks", |_, _| Ok(Vec::<BadBlock>::new()));
}

fn block_not_found() -> ErrorObjectOwned {
    not_found("block not found")
}

fn transaction_not_found() -> ErrorObjectOwned {
    not_found("transaction not found")
}

impl RpcContext {
    fn raw_block_part(
        &self,
        id: BlockId,
        encode: impl FnOnce(&basalt_primitives::Block) -> Bytes,
    ) -> RpcResult<Bytes> {
        let view = self.view()?;
        let found = self.find_block(&view, id)?.ok_or_else(block_not_found)?;
        let block = found.block(&view)?.ok_or_else(block_not_found)?;
        Ok(encode(&block))
    }
}
