//! The dev L1's blob reads, with anvil's names and answers: `anvil_getBlobsByTransactionHash`
//! (the blobs of an included blob transaction, in its order) and `anvil_getBlobByHash` (one
//! blob by its versioned hash). Each blob is `0x` and 131,072 bytes in hex; null when the
//! transaction or blob is not in a canonical block (pending, unknown, unwound, or not a blob
//! transaction). The blobs are the ones the chain stored with each block (`basalt_storage`'s
//! `BLOBS` table); nothing here verifies KZG again.

use crate::{RpcContext, blocking_method, error::OrInternal};
use alloy_primitives::{B256, Bytes};
use jsonrpsee::RpcModule;

/// Registers the blob reads (dev L1 only).
pub fn register(module: &mut RpcModule<RpcContext>) {
    blocking_method(module, "anvil_getBlobsByTransactionHash", |ctx, params| {
        let tx_hash: B256 = params.one()?;
        let blobs = ctx.view()?.transaction_blobs(tx_hash).or_internal()?;
        Ok(blobs.map(|blobs| blobs.into_iter().map(|stored| stored.blob).collect::<Vec<Bytes>>()))
    });
    blocking_method(module, "anvil_getBlobByHash", |ctx, params| {
        let versioned_hash: B256 = params.one()?;
        Ok(ctx.view()?.blob(versioned_hash).or_internal()?.map(|stored| stored.blob))
    });
}
