//! Transaction tracing for `debug_traceTransaction` and `debug_traceBlockByNumber`: re-executes
//! a block on its parent's state (the pre-block system calls, then its transactions in order,
//! under the same rules as block execution) and traces one or every transaction with geth's
//! tracers from revm-inspectors. The output has geth's JSON shape (alloy-rpc-types-trace). The
//! supplied state is only read; nothing here writes it.

use crate::collision::{BasaltContext, basalt_context};
use crate::{
    db::StateDb,
    evm_env::block_evm_env,
    executor::{apply_pre_block_calls, is_oversized_privileged},
    handler::{inspect, transact_commit},
    rules::ChainRules,
    simulate::{SimulationError, simulation_error},
    tx_env::block_tx_env,
};
use alloy_consensus::Header;
use alloy_primitives::{Address, B256};
use alloy_rpc_types_trace::geth::{GethDebugTracingOptions, GethTrace, TraceResult};
use basalt_primitives::{BasaltTxEnvelope, ChainConfig, FeeConfig, StateReader};
use revm::{
    DatabaseCommit, MainBuilder,
    context::{
        Cfg,
        result::{ExecutionResult, ResultAndState},
    },
    handler::MainnetEvm,
    state::EvmState,
};
use revm_inspectors::tracing::{DebugInspector, DebugInspectorError, TransactionContext};

/// The tracers `tracer` may name; without a tracer, geth's struct (opcode) logger runs.
/// JavaScript tracers are not supported.
pub const SUPPORTED_TRACERS: &[&str] = &[
    "callTracer",
    "prestateTracer",
    "4byteTracer",
    "flatCallTracer",
    "muxTracer",
    "noopTracer",
    "erc7562Tracer",
];

/// Traces the transaction at `target` of the block with `header` (on an L2, under its stored
/// fee config `fees`; None: the chain's defaults): re-executes the block's
/// pre-block system calls and its transactions before `target` on `parent_state` (the state of
/// the block's parent), then runs `target` under the tracer `options` choose.
// The block's parts and the target, each a distinct input the RPC layer already holds.
#[allow(clippy::too_many_arguments)]
pub fn trace_transaction<S: StateReader + ?Sized>(
    config: &ChainConfig,
    header: &Header,
    fees: Option<&FeeConfig>,
    parent_state: &S,
    transactions: &[BasaltTxEnvelope],
    senders: &[Address],
    target: usize,
    options: &GethDebugTracingOptions,
) -> Result<GethTrace, SimulationError> {
    check_senders(transactions, senders)?;
    if target >= transactions.len() {
        return Err(SimulationError::TransactionIndexOutOfRange {
            index: target,
            count: transactions.len(),
        });
    }
    let mut replay =
        BlockReplay::new(config, header, fees, parent_state, debug_inspector(options)?)?;
    for (index, (tx, sender)) in transactions[..target].iter().zip(senders).enumerate() {
        replay.execute(index, tx, *sender)?;
    }
    match replay.trace(target, &transactions[target], senders[target])? {
        Ok((trace, _)) => Ok(trace),
        Err(reason) => Err(SimulationError::BlockTransactionFailed { index: target, reason }),
    }
}

/// Traces every transaction of the block with `header` in order, each on the state the previous
/// ones left (after the pre-block system calls). A transaction that cannot be executed gets an
/// error entry and leaves the state as it was, as in geth.
pub fn trace_block<S: StateReader + ?Sized>(
    config: &ChainConfig,
    header: &Header,
    fees: Option<&FeeConfig>,
    parent_state: &S,
    transactions: &[BasaltTxEnvelope],
    senders: &[Address],
    options: &GethDebugTracingOptions,
) -> Result<Vec<TraceResult>, SimulationError> {
    check_senders(transactions, senders)?;
    let mut replay =
        BlockReplay::new(config, header, fees, parent_state, debug_inspector(options)?)?;
    let mut results = Vec::with_capacity(transactions.len());
    for (index, (tx, sender)) in transactions.iter().zip(senders).enumerate() {
        let tx_hash = Some(*tx.tx_hash());
        results.push(match replay.trace(index, tx, *sender)? {
            Ok((result, state)) => {
                replay.evm.ctx.journaled_state.database_mut().commit(state);
                TraceResult::Success { result, tx_hash }
            }
            Err(error) => TraceResult::Error { error, tx_hash },
        });
    }
    Ok(results)
}

/// The inspector for `options`, refusing tracers outside [`SUPPORTED_TRACERS`] before any work.
fn debug_inspector(options: &GethDebugTracingOptions) -> Result<DebugInspector, SimulationError> {
    let unsupported = |name: &str| SimulationError::UnsupportedTracer { name: shortened(name) };
    if let Some(tracer) = &options.tracer {
        let name = tracer.as_str();
        if !name.is_empty() && !SUPPORTED_TRACERS.contains(&name) {
            return Err(unsupported(name));
        }
    }
    DebugInspector::new(options.clone()).map_err(|err| match err {
        DebugInspectorError::UnsupportedTracer | DebugInspectorError::JsTracerNotEnabled => {
            unsupported(options.tracer.as_ref().map_or("", |t| t.as_str()))
        }
        other => SimulationError::InvalidTracerConfig(other.to_string()),
    })
}

/// A tracer name for an error message; JavaScript tracers pass their whole source as the name.
fn shortened(name: &str) -> String {
    const MAX_CHARS: usize = 64;
    if name.chars().count() <= MAX_CHARS {
        name.to_owned()
    } else {
        let head: String = name.chars().take(MAX_CHARS).collect();
        format!("{head}…")
    }
}

fn check_senders(
    transactions: &[BasaltTxEnvelope],
    senders: &[Address],
) -> Result<(), SimulationError> {
    if senders.len() == transactions.len() {
        Ok(())
    } else {
        Err(SimulationError::SenderCount {
            senders: senders.len(),
            transactions: transactions.len(),
        })
    }
}

type ReplayDb<'s, S> = revm::database::CacheDB<StateDb<&'s S>>;

/// A block being re-executed transaction by transaction, with the tracer attached.
struct BlockReplay<'s, S: StateReader + ?Sized> {
    evm: MainnetEvm<BasaltContext<ReplayDb<'s, S>>, DebugInspector>,
    block_hash: B256,
}

impl<'s, S: StateReader + ?Sized> BlockReplay<'s, S> {
    /// The block's state right after its pre-block system calls (EIP-4788, EIP-2935).
    fn new(
        config: &ChainConfig,
        header: &Header,
        fees: Option<&FeeConfig>,
        parent_state: &'s S,
        inspector: DebugInspector,
    ) -> Result<Self, SimulationError> {
        let env = block_evm_env(config, header);
        let db = revm::database::CacheDB::new(StateDb(parent_state));
        let mut evm = basalt_context(db, env.cfg, env.block, ChainRules::of(config, fees))
            .build_mainnet_with_inspector(inspector);
        apply_pre_block_calls(&mut evm, env.fork, header)
            .map_err(|e| SimulationError::PreBlockCalls(e.to_string()))?;
        Ok(Self { evm, block_hash: header.hash_slow() })
    }

    /// Executes and commits transaction `index` without tracing it.
    fn execute(
        &mut self,
        index: usize,
        tx: &BasaltTxEnvelope,
        sender: Address,
    ) -> Result<(), SimulationError> {
        let env = block_tx_env(tx, sender, &self.evm.ctx.chain);
        transact_commit(&mut self.evm, env).map_err(|err| {
            SimulationError::BlockTransactionFailed {
                index,
                reason: simulation_error(err, sender).to_string(),
            }
        })?;
        Ok(())
    }

    /// `result` with the gas the block charges `tx`: the whole block gas limit for an oversized
    /// privileged transaction (as the block executor and its receipt count it).
    fn charged(&self, tx: &BasaltTxEnvelope, result: ExecutionResult) -> ExecutionResult {
        let block_gas_limit = self.evm.ctx.block.gas_limit;
        if !is_oversized_privileged(tx, block_gas_limit, self.evm.ctx.cfg.tx_gas_limit_cap()) {
            return result;
        }
        match result {
            ExecutionResult::Halt { reason, gas, logs } => ExecutionResult::Halt {
                reason,
                gas: gas.with_total_gas_spent(block_gas_limit),
                logs,
            },
            other => other,
        }
    }

    /// Traces transaction `index` without committing it: the trace and the state it would leave,
    /// or why it could not run (the inner error). The outer error is a failure of the replay
    /// itself (state reads).
    fn trace(
        &mut self,
        index: usize,
        tx: &BasaltTxEnvelope,
        sender: Address,
    ) -> Result<Result<(GethTrace, EvmState), String>, SimulationError> {
        let env = block_tx_env(tx, sender, &self.evm.ctx.chain);
        let executed = inspect(&mut self.evm, env.clone());
        let traced = match executed {
            Ok((result, state)) => {
                let outcome = ResultAndState::new(self.charged(tx, result), state);
                let context = TransactionContext {
                    block_hash: Some(self.block_hash),
                    tx_index: Some(index),
                    tx_hash: Some(*tx.tx_hash()),
                };
                let evm = &mut self.evm;
                // The database still holds the state before this transaction, which the
                // prestate tracer reads.
                let trace = evm
                    .inspector
                    .get_result(
                        Some(context),
                        &env.base,
                        &evm.ctx.block,
                        &outcome,
                        evm.ctx.journaled_state.database_mut(),
                    )
                    .map_err(|e| SimulationError::State(e.to_string()))?;
                Ok((trace, outcome.state))
            }
            Err(err) => Err(simulation_error(err, sender).to_string()),
        };
        // Ready the tracer for the next transaction whatever happened to this one.
        self.evm
            .inspector
            .fuse()
            .map_err(|e| SimulationError::InvalidTracerConfig(e.to_string()))?;
        Ok(traced)
    }
}

#[cfg(test)]
mod failed_inclusion_tests;
#[cfg(test)]
mod tests;
