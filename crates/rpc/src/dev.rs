//! The dev-L1 controls that Foundry, Hardhat and viem test clients use: mining on demand,
//! snapshots, the clock, direct state edits and impersonation (anvil's names).

use crate::{
    RpcContext, blocking_method,
    error::{RpcResult, invalid_params, server_error},
    send::dev_error,
    sync_method,
};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use basalt_chain::{
    anvil::{AnvilChain, AnvilError, ReorgBlocks, UnwindError},
    builder::BlobSidecars,
};
use jsonrpsee::{
    RpcModule,
    types::{ErrorObjectOwned, Params},
};
use serde_json::Value;
use std::sync::Arc;

/// Most blocks one `anvil_mine` call produces.
const MAX_MINE_BLOCKS: u64 = 100_000;

/// Registers the controls, which act on `anvil` (the dev L1's anvil layer).
pub fn register(module: &mut RpcModule<RpcContext>, anvil: &Arc<AnvilChain>) {
    blocking_method(module, "evm_mine", |ctx, params| {
        let (blocks, timestamp) = mine_options(&params)?;
        ctx.mine(blocks, timestamp, None)?;
        Ok("0x0")
    });
    blocking_method(module, "anvil_mine", |ctx, params| {
        let mut seq = params.sequence();
        let blocks: Option<U64> = seq.optional_next()?;
        let interval: Option<U64> = seq.optional_next()?;
        ctx.mine(blocks.map_or(1, |b| b.to()), None, interval.map(|i| i.to()))?;
        Ok(())
    });
    // Everything below that takes the write lock runs on the blocking pool: it waits for a
    // block being mined, and must not hold up the async workers meanwhile.
    let chain = anvil.clone();
    blocking_method(module, "evm_snapshot", move |_, _| {
        Ok(U64::from(chain.snapshot().map_err(anvil_error)?))
    });
    let chain = anvil.clone();
    blocking_method(module, "evm_revert", move |_, params| {
        let id: U64 = params.one()?;
        chain.revert(id.to()).map_err(anvil_error)
    });
    let chain = anvil.clone();
    sync_method(module, "evm_increaseTime", move |_, params| {
        let seconds = quantity_param(&params)?;
        let total = chain.increase_time(seconds).map_err(anvil_error)?;
        Ok(U64::from(u64::try_from(total).unwrap_or(u64::MAX)))
    });
    let chain = anvil.clone();
    sync_method(module, "evm_setNextBlockTimestamp", move |_, params| {
        let timestamp = quantity_param(&params)?;
        chain.set_next_block_timestamp(timestamp).map_err(anvil_error)?;
        Ok(())
    });
    let chain = anvil.clone();
    blocking_method(module, "anvil_rollback", move |_, params| {
        let depth: Option<Value> = params.sequence().optional_next()?;
        let depth = match depth {
            None | Some(Value::Null) => 1,
            Some(value) => parse_quantity(&value)
                .ok_or_else(|| invalid_params(format!("invalid depth {value}")))?,
        };
        chain.rollback(depth).map_err(anvil_error)?;
        Ok(())
    });
    let chain = anvil.clone();
    blocking_method(module, "anvil_reorg", move |ctx, params| {
        let (depth, blocks, sidecars) = ctx.reorg_params(&chain, &params)?;
        chain.reorg(depth, blocks, &sidecars).map_err(anvil_error)?;
        Ok(())
    });
    let chain = anvil.clone();
    blocking_method(module, "anvil_setBalance", move |_, params| {
        let (address, balance): (Address, U256) = params.parse()?;
        chain.set_balance(address, balance).map_err(anvil_error)?;
        Ok(())
    });
    let chain = anvil.clone();
    blocking_method(module, "anvil_setCode", move |_, params| {
        let (address, code): (Address, Bytes) = params.parse()?;
        chain.set_code(address, code).map_err(anvil_error)?;
        Ok(())
    });
    let chain = anvil.clone();
    blocking_method(module, "anvil_setNonce", move |_, params| {
        let (address, nonce): (Address, U64) = params.parse()?;
        chain.set_nonce(address, nonce.to()).map_err(anvil_error)?;
        Ok(())
    });
    let chain = anvil.clone();
    blocking_method(module, "anvil_setStorageAt", move |_, params| {
        let (address, slot, value): (Address, U256, B256) = params.parse()?;
        chain.set_storage_at(address, slot, U256::from_be_bytes(value.0)).map_err(anvil_error)?;
        Ok(true)
    });
    let chain = anvil.clone();
    sync_method(module, "anvil_impersonateAccount", move |_, params| {
        let address: Address = params.one()?;
        chain.impersonate(address, true).map_err(anvil_error)
    });
    let chain = anvil.clone();
    sync_method(module, "anvil_stopImpersonatingAccount", move |_, params| {
        let address: Address = params.one()?;
        chain.impersonate(address, false).map_err(anvil_error)
    });
}

/// An anvil control's failure as a JSON-RPC error: the chain service's as [`dev_error`]
/// answers them; an unwind deeper than the chain is invalid params (-32602); the rest -32000.
fn anvil_error(err: AnvilError) -> ErrorObjectOwned {
    match err {
        AnvilError::Service(err) => dev_error(*err),
        AnvilError::Unwind(UnwindError::TooDeep { .. }) => invalid_params(err.to_string()),
        other => server_error(other.to_string()),
    }
}

/// A number given as a hex quantity or a JSON number (tools send both).
fn quantity_param(params: &Params<'_>) -> RpcResult<u64> {
    let value: Value = params.one()?;
    parse_quantity(&value)
        .ok_or_else(|| invalid_params(format!("expected a non-negative integer, got {value}")))
}

fn parse_quantity(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let hex = s.strip_prefix("0x")?;
            u64::from_str_radix(hex, 16).ok()
        }
        _ => None,
    }
}

/// `evm_mine` takes nothing, a timestamp, or `{timestamp, blocks}`.
fn mine_options(params: &Params<'_>) -> RpcResult<(u64, Option<u64>)> {
    let mut seq = params.sequence();
    let option: Option<Value> = seq.optional_next()?;
    match option {
        None | Some(Value::Null) => Ok((1, None)),
        Some(Value::Object(fields)) => {
            let field = |name: &str| match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => parse_quantity(v)
                    .map(Some)
                    .ok_or_else(|| invalid_params(format!("invalid `{name}`: {v}"))),
            };
            Ok((field("blocks")?.unwrap_or(1), field("timestamp")?))
        }
        Some(value) => match parse_quantity(&value) {
            Some(timestamp) => Ok((1, Some(timestamp))),
            None => Err(invalid_params(format!("invalid evm_mine parameter {value}"))),
        },
    }
}

/// Most transactions one `anvil_reorg` call may carry.
const MAX_REORG_TRANSACTIONS: usize = 10_000;

impl RpcContext {
    /// `anvil_reorg`'s parameters, as anvil takes them: `[depth, [[tx, blockOffset], …]]`,
    /// each `tx` a signed raw transaction (a blob transaction in the network form, its sidecar
    /// verified and returned by transaction hash) or a request the node signs (a dev account
    /// or an impersonated one; nonces counted from the common ancestor's state).
    fn reorg_params(
        &self,
        anvil: &AnvilChain,
        params: &Params<'_>,
    ) -> RpcResult<(u64, ReorgBlocks, BlobSidecars)> {
        let mut seq = params.sequence();
        let depth: Value = seq.next()?;
        let depth = parse_quantity(&depth)
            .ok_or_else(|| invalid_params(format!("invalid depth {depth}")))?;
        let pairs: Option<Vec<(Value, Value)>> = seq.optional_next()?;
        let pairs = pairs.unwrap_or_default();
        if pairs.len() > MAX_REORG_TRANSACTIONS {
            return Err(invalid_params(format!(
                "at most {MAX_REORG_TRANSACTIONS} transactions per reorg"
            )));
        }
        let head = self.node.chain().head().map_err(crate::error::internal)?.number;
        let common = head.checked_sub(depth).ok_or_else(|| {
            invalid_params(format!(
                "reorg depth must not exceed the chain height: height {head}, depth {depth}"
            ))
        })?;
        let capacity = usize::try_from(depth).unwrap_or(usize::MAX).min(pairs.len());
        let mut blocks: Vec<Vec<_>> = Vec::with_capacity(capacity);
        let mut nonces = std::collections::HashMap::new();
        let mut sidecars = BlobSidecars::default();
        let mut sorted: Vec<(u64, Value)> = Vec::with_capacity(pairs.len());
        for (tx, offset) in pairs {
            let offset = parse_quantity(&offset)
                .ok_or_else(|| invalid_params(format!("invalid block offset {offset}")))?;
            if offset >= depth {
                return Err(invalid_params(format!(
                    "block offset {offset} must be below the reorg depth {depth}"
                )));
            }
            sorted.push((offset, tx));
        }
        // Requests take consecutive nonces in block order.
        sorted.sort_by_key(|(offset, _)| *offset);
        for (offset, tx) in sorted {
            let signed = match tx {
                Value::String(_) => {
                    let raw: Bytes = serde_json::from_value(tx)
                        .map_err(|e| invalid_params(format!("invalid raw transaction: {e}")))?;
                    let (tx, sidecar) = crate::send::decode_network_transaction(&raw)?;
                    if let Some(sidecar) = sidecar {
                        sidecars.insert(*tx.tx_hash(), Arc::new(sidecar));
                    }
                    let sender = basalt_primitives::sender::recover_sender(&tx, false)
                        .map_err(|e| invalid_params(format!("invalid signature: {e}")))?;
                    (tx, sender)
                }
                request => {
                    let request: alloy_rpc_types_eth::TransactionRequest =
                        serde_json::from_value(request)
                            .map_err(|e| invalid_params(format!("invalid transaction: {e}")))?;
                    self.sign_reorg_request(anvil, request, common, &mut nonces)?
                }
            };
            let index = usize::try_from(offset).unwrap_or(usize::MAX);
            if blocks.len() <= index {
                blocks.resize_with(index + 1, Vec::new);
            }
            blocks[index].push(signed);
        }
        Ok((depth, blocks, sidecars))
    }

    fn mine(&self, blocks: u64, timestamp: Option<u64>, interval: Option<u64>) -> RpcResult<()> {
        if blocks > MAX_MINE_BLOCKS {
            return Err(invalid_params(format!("at most {MAX_MINE_BLOCKS} blocks per call")));
        }
        let mut next = timestamp;
        for _ in 0..blocks {
            let mined = self.node.mine_one(next).map_err(dev_error)?;
            next = interval.map(|i| mined.block.header.timestamp.saturating_add(i.max(1)));
        }
        Ok(())
    }
}
