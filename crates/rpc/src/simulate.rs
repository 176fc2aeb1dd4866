//! `eth_simulateV1` (execution-apis `eth/execute.yaml`): parses the payload, resolves the base
//! block and its state, runs [`basalt_evm::simulate_blocks`] on the blocking pool with the
//! chain's own next-block rules, roots each simulated block from the base state's trie, and
//! answers block objects with their `calls`.

use crate::{
    RpcContext, blocking_method,
    convert::rpc_block,
    error::{OrInternal, RpcResult},
    resolve::{StateAt, block_id_or_latest},
};
use alloy_eips::BlockId;
use alloy_rpc_types_eth::{
    BlockOverrides, BlockTransactions, TransactionRequest, simulate::SimulatedBlock,
    state::StateOverride,
};
use basalt_evm::{BlockStateCall, SimulateBlocksError, SimulationOptions, simulate_blocks};
use basalt_primitives::{StateReadError, Withdrawal};
use basalt_storage::HistoricalState;
use jsonrpsee::{
    RpcModule,
    types::{ErrorObject, ErrorObjectOwned},
};
use serde::Deserialize;
use serde_json::Value;

pub fn register(module: &mut RpcModule<RpcContext>) {
    blocking_method(module, "eth_simulateV1", |ctx, params| {
        let mut seq = params.sequence();
        let payload: SimulatePayload = seq.next()?;
        let block: Option<BlockId> = seq.optional_next()?;
        ctx.simulate_v1(payload, block_id_or_latest(block))
    });
}

/// `EthSimulatePayload`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SimulatePayload {
    block_state_calls: Vec<BlockStateCallParam>,
    #[serde(default)]
    trace_transfers: bool,
    #[serde(default)]
    validation: bool,
    #[serde(default)]
    return_full_transactions: bool,
}

/// One `BlockStateCalls` entry.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BlockStateCallParam {
    #[serde(default)]
    block_overrides: Option<SimulateBlockOverrides>,
    #[serde(default)]
    state_overrides: Option<StateOverride>,
    #[serde(default)]
    calls: Vec<TransactionRequest>,
}

/// `BlockOverrides` of `eth_simulateV1`: alloy's (shared with `eth_call`) plus `withdrawals`.
#[derive(Debug, Deserialize)]
struct SimulateBlockOverrides {
    #[serde(flatten)]
    fields: BlockOverrides,
    #[serde(default)]
    withdrawals: Option<Vec<Withdrawal>>,
}

impl From<BlockStateCallParam> for BlockStateCall {
    fn from(param: BlockStateCallParam) -> Self {
        let (block_overrides, withdrawals) = match param.block_overrides {
            Some(overrides) => (overrides.fields, overrides.withdrawals),
            None => (BlockOverrides::default(), None),
        };
        Self {
            block_overrides,
            withdrawals,
            state_overrides: param.state_overrides,
            calls: param.calls,
        }
    }
}

/// The spec's error object: its code and message, no data.
fn simulate_error(err: SimulateBlocksError) -> ErrorObjectOwned {
    ErrorObject::owned(err.code(), err.to_string(), None::<()>)
}

impl RpcContext {
    fn simulate_v1(&self, payload: SimulatePayload, block: BlockId) -> RpcResult<Vec<Value>> {
        let view = self.view()?;
        let found = self.require_block(&view, block)?;
        let state = StateAt::new(&view, &found);
        let base_root = StateAt::root(&view, &found)?;
        let trie = HistoricalState::new(&view, base_root);
        let mut state_root = |changes: &basalt_primitives::StateChanges| {
            let root = match &state {
                // The pending block's nodes exist only in its overlay.
                StateAt::Pending(pending) => pending.state_root_after(changes),
                _ => trie.state_root_after(changes),
            };
            root.map_err(StateReadError::new)
        };
        let options = SimulationOptions {
            validation: payload.validation,
            trace_transfers: payload.trace_transfers,
            gas_cap: self.gas_cap,
            fees: self.call_fee_config(&view)?,
        };
        let requests: Vec<BlockStateCall> =
            payload.block_state_calls.into_iter().map(Into::into).collect();
        let blocks = simulate_blocks(
            self.node.chain().config(),
            &found.header,
            &state,
            &requests,
            options,
            &mut state_root,
        )
        .map_err(simulate_error)?;
        let full = payload.return_full_transactions;
        blocks
            .into_iter()
            .map(|simulated| {
                let mut block = rpc_block(
                    &simulated.block,
                    simulated.hash,
                    full.then_some(simulated.senders.as_slice()),
                );
                if let BlockTransactions::Full(transactions) = &mut block.transactions {
                    for transaction in transactions {
                        transaction.0.block_timestamp = Some(simulated.block.header.timestamp);
                    }
                }
                block_result(SimulatedBlock { inner: block, calls: simulated.calls })
            })
            .collect()
    }
}

/// A simulated block as the result schema has it: a failed call (`CallResultFailure`) has no
/// `logs` key, which alloy's type always writes.
fn block_result(block: SimulatedBlock<crate::convert::RpcBlock>) -> RpcResult<Value> {
    let mut value = serde_json::to_value(&block).or_internal()?;
    let calls = value.get_mut("calls").and_then(Value::as_array_mut);
    for call in calls.into_iter().flatten() {
        if let Some(fields) = call.as_object_mut()
            && fields.get("status").and_then(Value::as_str) == Some("0x0")
        {
            fields.remove("logs");
        }
    }
    Ok(value)
}
