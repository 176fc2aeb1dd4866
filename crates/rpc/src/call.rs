//! Execution without a transaction on chain: `eth_call`, `eth_estimateGas`,
//! `eth_createAccessList`, and the tracers `debug_traceTransaction`,
//! `debug_traceBlockByNumber`, `debug_traceBlockByHash`.

use crate::{
    RpcContext, blocking_method,
    error::{OrInternal, RpcResult, invalid_params, server_error},
    resolve::{FoundBlock, StateAt, block_id_or_latest},
};
use alloy_eips::BlockId;
use alloy_primitives::{Address, B256, U64};
use alloy_rpc_types_eth::{BlockOverrides, TransactionRequest, state::StateOverride};
use alloy_rpc_types_trace::geth::GethDebugTracingOptions;
use basalt_evm::SimulationError;
use basalt_primitives::FeeConfig;
use basalt_storage::HistoricalState;
use jsonrpsee::{
    RpcModule,
    types::{ErrorObject, ErrorObjectOwned},
};

pub fn register(module: &mut RpcModule<RpcContext>) {
    blocking_method(module, "eth_call", |ctx, params| {
        let call = CallParams::parse(ctx, &params)?;
        ctx.simulate(call.block, |config, header, fees, state| {
            let request = call.capped(header);
            basalt_evm::call(config, header, fees, state, &request, call.state(), call.blocks())
                .map(|outcome| outcome.output)
        })
    });
    blocking_method(module, "eth_estimateGas", |ctx, params| {
        let call = CallParams::parse(ctx, &params)?;
        let gas = ctx.simulate(call.block, |config, header, fees, state| {
            let request = call.capped(header);
            let (overrides, blocks) = (call.state(), call.blocks());
            basalt_evm::estimate_gas(config, header, fees, state, &request, overrides, blocks)
        })?;
        Ok(U64::from(gas))
    });
    blocking_method(module, "eth_createAccessList", |ctx, params| {
        let call = CallParams::parse(ctx, &params)?;
        ctx.simulate(call.block, |config, header, fees, state| {
            let request = call.capped(header);
            basalt_evm::create_access_list(
                config,
                header,
                fees,
                state,
                &request,
                call.state(),
                call.blocks(),
            )
        })
    });
    blocking_method(module, "debug_traceTransaction", |ctx, params| {
        let mut seq = params.sequence();
        let hash: B256 = seq.next()?;
        let options: Option<GethDebugTracingOptions> = seq.optional_next()?;
        let view = ctx.view()?;
        let (block_hash, index) = view
            .tx_location(hash)
            .or_internal()?
            .ok_or_else(|| server_error("transaction not found"))?;
        let (found, block, senders) = ctx.block_for_replay(&view, BlockId::from(block_hash))?;
        let parent = parent_state(&view, &found)?;
        let fees = ctx.block_fee_config(&view, &found)?;
        basalt_evm::trace_transaction(
            ctx.node.chain().config(),
            &found.header,
            fees.as_ref(),
            &parent,
            &block.body.transactions,
            &senders,
            index as usize,
            &options.unwrap_or_default(),
        )
        .map_err(simulation_error)
    });
    blocking_method(module, "debug_traceBlockByNumber", |ctx, params| {
        let mut seq = params.sequence();
        let tag: alloy_eips::BlockNumberOrTag = seq.next()?;
        let options: Option<GethDebugTracingOptions> = seq.optional_next()?;
        ctx.trace_block(BlockId::Number(tag), options.unwrap_or_default())
    });
    blocking_method(module, "debug_traceBlockByHash", |ctx, params| {
        let mut seq = params.sequence();
        let hash: B256 = seq.next()?;
        let options: Option<GethDebugTracingOptions> = seq.optional_next()?;
        ctx.trace_block(BlockId::from(hash), options.unwrap_or_default())
    });
}

/// The parameters shared by the call methods: request, block, state and block overrides,
/// and the RPC gas cap.
struct CallParams {
    request: TransactionRequest,
    block: BlockId,
    state_overrides: Option<StateOverride>,
    block_overrides: Option<BlockOverrides>,
    gas_cap: u64,
}

impl CallParams {
    /// Errors: -32602 when the request asks for more gas than the RPC gas cap.
    fn parse(ctx: &RpcContext, params: &jsonrpsee::types::Params<'_>) -> RpcResult<Self> {
        let mut seq = params.sequence();
        let call = Self {
            request: seq.next()?,
            block: block_id_or_latest(seq.optional_next()?),
            state_overrides: seq.optional_next()?,
            block_overrides: seq.optional_next()?,
            gas_cap: ctx.gas_cap,
        };
        if let Some(gas) = call.request.gas.filter(|gas| *gas > call.gas_cap) {
            return Err(invalid_params(format!(
                "gas {gas} exceeds the RPC gas cap {} (--rpc-gas-cap)",
                call.gas_cap
            )));
        }
        Ok(call)
    }

    /// The request, with the gas cap as its gas when it names none and the block would allow
    /// more (without one, execution may use the whole block).
    fn capped(&self, header: &alloy_consensus::Header) -> TransactionRequest {
        let mut request = self.request.clone();
        if request.gas.is_none() && header.gas_limit > self.gas_cap {
            request.gas = Some(self.gas_cap);
        }
        request
    }

    fn state(&self) -> Option<&StateOverride> {
        self.state_overrides.as_ref()
    }

    fn blocks(&self) -> Option<&BlockOverrides> {
        self.block_overrides.as_ref()
    }
}

/// geth's error shapes: code 3 with the revert data, -32602 for bad requests, -32000 else.
pub fn simulation_error(err: SimulationError) -> ErrorObjectOwned {
    let code = i32::try_from(err.rpc_code()).unwrap_or(crate::error::SERVER_ERROR);
    ErrorObject::owned(code, err.to_string(), err.rpc_data().cloned())
}

/// The state a block was executed on: its parent's (for the pending block, the head's as
/// it is now, dev-L1 edits included).
fn parent_state<'a>(
    view: &'a basalt_storage::ReadView,
    found: &FoundBlock,
) -> RpcResult<HistoricalState<'a>> {
    let parent = view
        .header(found.header.parent_hash)
        .or_internal()?
        .ok_or_else(|| server_error("the genesis block has no transactions to trace"))?;
    // A dev L1 block mined after anvil_set* edits ran on the edited state, not its parent's.
    let base = match &found.pending {
        Some(_) => view.working_state_root(),
        None => view.base_state_root(found.hash),
    };
    let root = base.or_internal()?.unwrap_or(parent.state_root);
    Ok(HistoricalState::new(view, root))
}

impl RpcContext {
    /// Per transaction of `block`, the address a creation made, by re-executing the block on
    /// the state it ran on.
    pub(crate) fn contract_addresses(
        &self,
        view: &basalt_storage::ReadView,
        found: &FoundBlock,
        block: &basalt_primitives::Block,
        senders: &[Address],
    ) -> RpcResult<Vec<Option<Address>>> {
        let parent = parent_state(view, found)?;
        let fees = self.block_fee_config(view, found)?;
        let input = basalt_evm::BlockInput {
            header: &found.header,
            transactions: &block.body.transactions,
            senders: basalt_evm::Senders::Known(senders),
            ommers: &block.body.ommers,
            withdrawals: block.body.withdrawals.as_ref().map(|w| w.as_slice()),
            fees: fees.as_ref(),
        };
        // Privileged transactions exist only on an L2, which starts after Byzantium: no
        // intermediate state roots are needed.
        let output = basalt_evm::execute_block(self.node.chain().config(), input, &parent, None)
            .map_err(crate::error::internal)?;
        Ok(output.contract_addresses)
    }

    /// The fee config block `found` ran under on an L2: the stored one (the pending block's
    /// own), or the chain's defaults for a block stored without one (as it was executed).
    /// None on an L1.
    pub(crate) fn block_fee_config(
        &self,
        view: &basalt_storage::ReadView,
        found: &FoundBlock,
    ) -> RpcResult<Option<FeeConfig>> {
        let Some(rollup) = &self.node.chain().config().rollup else { return Ok(None) };
        let stored = match &found.pending {
            Some(pending) => pending.fees,
            None => view.fee_config(found.hash).or_internal()?,
        };
        Ok(Some(stored.unwrap_or_else(|| basalt_evm::default_fee_config(rollup))))
    }

    /// The fee config calls and estimates run under on an L2 (docs/l2-fees.md): the next
    /// block's (the chain's settings with the latest stored L1 blob base fee), whatever block
    /// the call names, so `eth_estimateGas` covers what a transaction sent now is charged.
    pub(crate) fn call_fee_config(
        &self,
        view: &basalt_storage::ReadView,
    ) -> RpcResult<Option<FeeConfig>> {
        self.node.chain().next_fee_config(view).or_internal()
    }

    fn simulate<T>(
        &self,
        block: BlockId,
        run: impl FnOnce(
            &basalt_primitives::ChainConfig,
            &alloy_consensus::Header,
            Option<&FeeConfig>,
            &StateAt<'_>,
        ) -> Result<T, SimulationError>,
    ) -> RpcResult<T> {
        let view = self.view()?;
        let found = self.require_block(&view, block)?;
        let fees = self.call_fee_config(&view)?;
        let state = StateAt::new(&view, &found);
        run(self.node.chain().config(), &found.header, fees.as_ref(), &state)
            .map_err(simulation_error)
    }

    /// Gas for `eth_sendTransaction` when the request names none, on `block`'s state.
    pub(crate) fn estimate_for_send(
        &self,
        request: &TransactionRequest,
        block: BlockId,
    ) -> RpcResult<u64> {
        self.simulate(block, |config, header, fees, state| {
            basalt_evm::estimate_gas(config, header, fees, state, request, None, None)
        })
    }

    fn block_for_replay(
        &self,
        view: &basalt_storage::ReadView,
        id: BlockId,
    ) -> RpcResult<(FoundBlock, basalt_primitives::Block, Vec<alloy_primitives::Address>)> {
        let found = self.find_block(view, id)?.ok_or_else(|| server_error("block not found"))?;
        let block = found.block(view)?.ok_or_else(|| server_error("block body not found"))?;
        let senders = self.block_senders(view, &found, &block)?;
        Ok((found, block, senders))
    }

    fn trace_block(
        &self,
        id: BlockId,
        options: GethDebugTracingOptions,
    ) -> RpcResult<Vec<alloy_rpc_types_trace::geth::TraceResult>> {
        let view = self.view()?;
        let (found, block, senders) = self.block_for_replay(&view, id)?;
        let parent = parent_state(&view, &found)?;
        let fees = self.block_fee_config(&view, &found)?;
        basalt_evm::trace_block(
            self.node.chain().config(),
            &found.header,
            fees.as_ref(),
            &parent,
            &block.body.transactions,
            &senders,
            &options,
        )
        .map_err(simulation_error)
    }
}
