//! `debug_*`: raw consensus encodings of blocks, headers, receipts and transactions.

use crate::{
    RpcContext, blocking_method,
    error::{OrInternal, RpcResult},
};
use alloy_eips::{BlockId, eip2718::Encodable2718};
use alloy_primitives::{B256, Bytes};
use jsonrpsee::RpcModule;

pub fn register(module: &mut RpcModule<RpcContext>) {
    blocking_method(module, "debug_getRawHeader", |ctx, params| {
        let id: BlockId = params.one()?;
        ctx.raw_block_part(id, |block, _| alloy_rlp::encode(&block.header).into())
    });
    blocking_method(module, "debug_getRawBlock", |ctx, params| {
        let id: BlockId = params.one()?;
        ctx.raw_block_part(id, |block, _| alloy_rlp::encode(block).into())
    });
    blocking_method(module, "debug_getRawReceipts", |ctx, params| {
        let id: BlockId = params.one()?;
        let view = ctx.view()?;
        let Some(found) = ctx.find_block(&view, id)? else { return Ok(Vec::new()) };
        let receipts = found.receipts(&view)?;
        Ok(receipts.iter().map(|r| Bytes::from(r.encoded_2718())).collect::<Vec<_>>())
    });
    blocking_method(module, "debug_getRawTransaction", |ctx, params| {
        let hash: B256 = params.one()?;
        if let Some(pooled) = ctx.node.with_pool(|pool| pool.get(&hash)) {
            return Ok(Some(Bytes::from(pooled.tx.encoded_2718())));
        }
        let view = ctx.view()?;
        let Some((block_hash, index)) = view.tx_location(hash).or_internal()? else {
            return Ok(None);
        };
        let block = view.block(block_hash).or_internal()?;
        Ok(block
            .and_then(|b| b.body.transactions.into_iter().nth(index as usize))
            .map(|tx| Bytes::from(tx.encoded_2718())))
    });
}

impl RpcContext {
    fn raw_block_part(
        &self,
        id: BlockId,
        encode: impl FnOnce(&basalt_primitives::Block, B256) -> Bytes,
    ) -> RpcResult<Option<Bytes>> {
        let view = self.view()?;
        let Some(found) = self.find_block(&view, id)? else { return Ok(None) };
        Ok(found.block(&view)?.map(|block| encode(&block, found.hash)))
    }
}
