//! The dev-L1 controls that Foundry, Hardhat and viem test clients use: mining on demand,
//! snapshots, the clock, direct state edits and impersonation (anvil's names).

use crate::{
    RpcContext, blocking_method,
    error::{RpcResult, invalid_params},
    send::dev_error,
    sync_method,
};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use jsonrpsee::{RpcModule, types::Params};
use serde_json::Value;

/// Most blocks one `anvil_mine` call produces.
const MAX_MINE_BLOCKS: u64 = 100_000;

pub fn register(module: &mut RpcModule<RpcContext>) {
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
    sync_method(module, "evm_snapshot", |ctx, _| {
        Ok(U64::from(ctx.node.snapshot().map_err(dev_error)?))
    });
    blocking_method(module, "evm_revert", |ctx, params| {
        let id: U64 = params.one()?;
        ctx.node.revert(id.to()).map_err(dev_error)
    });
    sync_method(module, "evm_increaseTime", |ctx, params| {
        let seconds = quantity_param(&params)?;
        let total = ctx.node.increase_time(seconds).map_err(dev_error)?;
        Ok(U64::from(u64::try_from(total).unwrap_or(u64::MAX)))
    });
    sync_method(module, "evm_setNextBlockTimestamp", |ctx, params| {
        let timestamp = quantity_param(&params)?;
        ctx.node.set_next_block_timestamp(timestamp).map_err(dev_error)?;
        Ok(())
    });
    sync_method(module, "anvil_setBalance", |ctx, params| {
        let (address, balance): (Address, U256) = params.parse()?;
        ctx.node.set_balance(address, balance).map_err(dev_error)?;
        Ok(())
    });
    sync_method(module, "anvil_setCode", |ctx, params| {
        let (address, code): (Address, Bytes) = params.parse()?;
        ctx.node.set_code(address, code).map_err(dev_error)?;
        Ok(())
    });
    sync_method(module, "anvil_setNonce", |ctx, params| {
        let (address, nonce): (Address, U64) = params.parse()?;
        ctx.node.set_nonce(address, nonce.to()).map_err(dev_error)?;
        Ok(())
    });
    sync_method(module, "anvil_setStorageAt", |ctx, params| {
        let (address, slot, value): (Address, U256, B256) = params.parse()?;
        ctx.node.set_storage_at(address, slot, U256::from_be_bytes(value.0)).map_err(dev_error)?;
        Ok(true)
    });
    sync_method(module, "anvil_impersonateAccount", |ctx, params| {
        let address: Address = params.one()?;
        ctx.node.impersonate(address, true);
        Ok(())
    });
    sync_method(module, "anvil_stopImpersonatingAccount", |ctx, params| {
        let address: Address = params.one()?;
        ctx.node.impersonate(address, false);
        Ok(())
    });
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

impl RpcContext {
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
