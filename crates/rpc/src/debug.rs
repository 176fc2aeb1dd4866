//! `debug_*`: raw consensus encodings of blocks, headers, receipts and transactions.

use crate::{
    RpcContext, blocking_method,
    error::{OrInternal, RpcResult},
    resolve::find_block,
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
        let Some(found) = find_block(&view, id)? else { return Ok(Vec::new()) };
        let receipts = view.receipts(found.hash).or_internal()?.unwrap_or_default();
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
        let Some(found) = find_block(&view, id)? else { return Ok(None) };
        Ok(view.block(found.hash).or_internal()?.map(|block| encode(&block, found.hash)))
    }
}
