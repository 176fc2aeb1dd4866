//! `eth_simulateV1` (execution-apis `eth/execute.yaml`, schemas in `schemas/execute.yaml`):
//! a sequence of blocks built on a base block, each with its own block and state overrides and
//! calls, every block seeing the state the previous ones left. Semantics follow geth's
//! `internal/ethapi/simulate.go`, the reference implementation: defaults, validation mode,
//! traced transfers, precompile moves, limits and error codes. Nothing is written: the result is
//! the blocks as they would have been, with their roots computed by the caller's state-root
//! function.

mod call;
mod chain;
mod changes;

pub use call::codes;

use self::{
    call::{CallDefaults, PreparedCall, invalid_transaction, prepare_call},
    chain::{PlannedBlock, plan_blocks},
    changes::cached_changes,
};
use super::{
    SimulationError, apply_account_override, call_logs::CallLogs, halt_message,
    moved_precompiles::MovedPrecompiles, revert_message,
};
use crate::collision::basalt_context;
use crate::{
    db::StateDb,
    evm_env::block_evm_env,
    executor::{apply_pre_block_calls, block_requests},
    tx_env::tx_env,
};
use crate::{handler::inspect_commit, rules::ChainRules};
use alloy_consensus::{
    Eip658Value, Header, Receipt, Transaction,
    proofs::{calculate_receipt_root, calculate_transaction_root},
};
use alloy_eips::eip4844::DATA_GAS_PER_BLOB;
use alloy_primitives::{Address, B256, Bloom, Bytes, U256, map::HashSet};
use alloy_rpc_types_eth::{
    BlockOverrides, Log as RpcLog, TransactionRequest,
    simulate::{SimCallResult, SimulateError},
    state::StateOverride,
};
use basalt_primitives::{
    BasaltReceipt, Block, BlockBody, ChainConfig, Hardfork, StateChanges, StateReadError,
    StateReader, Withdrawal,
};
use revm::{
    Database, ExecuteCommitEvm, MainBuilder,
    context::{ContextTr, JournalTr},
    context_interface::{
        block::BlobExcessGasAndPrice,
        result::{EVMError, ExecutionResult},
    },
    database::CacheDB,
};

/// Most blocks one request may simulate (counting those that fill gaps), as in geth; the spec
/// recommends the BLOCKHASH window.
pub const MAX_BLOCKS: u64 = 256;
/// Most calls in one simulated block (geth's limit).
pub const MAX_CALLS_PER_BLOCK: usize = 5_000;
/// Most calls in one request (geth's limit).
pub const MAX_CALLS: usize = 10_000;
/// JSON-RPC error code for a client-adjustable limit (execution-apis `eth_simulateV1`).
pub const CLIENT_LIMIT_EXCEEDED_CODE: i32 = -38026;
/// JSON-RPC error code of a call that stopped exceptionally (execution-apis `CallResultFailure`).
pub const VM_EXECUTION_ERROR_CODE: i32 = -32015;
const GWEI_TO_WEI: u64 = 1_000_000_000;

/// One entry of `blockStateCalls`.
#[derive(Clone, Debug, Default)]
pub struct BlockStateCall {
    /// `number`, `time`, `gasLimit`, `feeRecipient`, `prevRandao`, `baseFeePerGas`,
    /// `blobBaseFee`, and geth's `difficulty` and `beaconRoot`. `blockHash` is refused.
    pub block_overrides: BlockOverrides,
    /// The block's withdrawals (Shanghai and later); none when absent.
    pub withdrawals: Option<Vec<Withdrawal>>,
    /// Applied before the block's calls, on the state the previous block left.
    pub state_overrides: Option<StateOverride>,
    pub calls: Vec<TransactionRequest>,
}

/// The request-wide switches.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimulationOptions {
    /// Full transaction validity: nonces, fee caps against the base fee, and a base fee that
    /// follows EIP-1559 (zero otherwise, unless overridden). Contract senders are allowed and
    /// signatures are not checked either way.
    pub validation: bool,
    /// Report ether transfers as ERC-7528 `Transfer` logs.
    pub trace_transfers: bool,
    /// Gas all calls of the request may use together (each call's gas is clamped to what is
    /// left); 0 means no cap.
    pub gas_cap: u64,
    /// The fee parameters the simulated blocks run under on an L2 (None: the chain's defaults
    /// at the minimum L1 blob base fee); ignored on an L1.
    pub fees: Option<basalt_primitives::FeeConfig>,
}

/// One simulated block.
#[derive(Clone, Debug)]
pub struct SimulatedBlockOutput {
    /// The block, sealed: all roots computed, transactions unsigned (zero signature).
    pub block: Block,
    pub hash: B256,
    /// The sender of each transaction.
    pub senders: Vec<Address>,
    /// The result of each call, in order; logs carry the block hash.
    pub calls: Vec<SimCallResult>,
}

/// The state root after a set of changes to the base state (cumulative, from the base).
pub type StateRootFn<'a> = &'a mut dyn FnMut(&StateChanges) -> Result<B256, StateReadError>;

/// Why the whole request failed (a call that reverts or halts is a result, not an error).
/// Codes and wording follow the execution-apis error list and geth.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulateBlocksError {
    #[error("empty input")]
    EmptyInput,
    #[error("too many blocks")]
    TooManyBlocks,
    #[error("too many calls in block: {count} > {MAX_CALLS_PER_BLOCK}")]
    TooManyCallsInBlock { count: usize },
    #[error("too many calls: {count} > {MAX_CALLS}")]
    TooManyCalls { count: usize },
    #[error("block numbers must be in order: {number} <= {previous}")]
    BlockNumberOrder { number: u64, previous: u64 },
    #[error("block timestamps must be in order: {time} <= {previous}")]
    TimestampOrder { time: u64, previous: u64 },
    #[error("block gas limit reached: remaining: {remaining}, required: {required}")]
    BlockGasLimitReached { remaining: u64, required: u64 },
    #[error("RPC gas cap exhausted: need {need}, remaining {remaining}")]
    GasCapExhausted { need: u64, remaining: u64 },
    /// A transaction validity rule refused a call; `code` is the spec's for the rule.
    #[error("{message}")]
    InvalidTransaction { code: i32, message: String },
    /// The call itself is contradictory (geth's "invalid request", -32000).
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidParams(String),
    #[error("account {0} is not a precompile")]
    NotAPrecompile(Address),
    #[error("MovePrecompileToAddress referenced itself in replacement: {0}")]
    MovePrecompileToItself(Address),
    #[error("account {0} is already overridden")]
    MoveTargetOverridden(Address),
    #[error("account {0} has already been overridden by a precompile")]
    OverriddenByPrecompile(Address),
    #[error(transparent)]
    Override(#[from] SimulationError),
    /// A system call or the requests of a block failed.
    #[error("simulated block {number}: {reason}")]
    Block { number: u64, reason: String },
    #[error("state access failed: {0}")]
    State(String),
}

impl SimulateBlocksError {
    /// The JSON-RPC error code (execution-apis `eth_simulateV1` errors; geth's where the spec
    /// names none).
    pub fn code(&self) -> i32 {
        match self {
            Self::EmptyInput | Self::InvalidParams(_) => codes::INVALID_PARAMS,
            Self::TooManyBlocks | Self::TooManyCallsInBlock { .. } | Self::TooManyCalls { .. } => {
                CLIENT_LIMIT_EXCEEDED_CODE
            }
            Self::BlockNumberOrder { .. } => -38020,
            Self::TimestampOrder { .. } => -38021,
            Self::MovePrecompileToItself(_) => -38022,
            Self::BlockGasLimitReached { .. } => codes::BLOCK_GAS_LIMIT_REACHED,
            Self::InvalidTransaction { code, .. } => *code,
            Self::Override(err) => i32::try_from(err.rpc_code()).unwrap_or(-32000),
            Self::Block { .. } | Self::State(_) => codes::INTERNAL_ERROR,
            Self::GasCapExhausted { .. }
            | Self::InvalidRequest(_)
            | Self::NotAPrecompile(_)
            | Self::MoveTargetOverridden(_)
            | Self::OverriddenByPrecompile(_) => -32000,
        }
    }
}

fn state_error(err: impl std::fmt::Display) -> SimulateBlocksError {
    SimulateBlocksError::State(err.to_string())
}

/// Simulates `requests` on `state`, the state after the block with header `base`, under
/// `config`'s rules. Blocks follow `base` (numbers and timestamps default to +1 and +12 s);
/// base fee and excess blob gas follow the chain's next-block rules; `state_root` gives the
/// root after the simulation's changes so far. Returns one block per simulated block,
/// including those that fill gaps between requested numbers.
pub fn simulate_blocks<S: StateReader + ?Sized>(
    config: &ChainConfig,
    base: &Header,
    state: &S,
    requests: &[BlockStateCall],
    options: SimulationOptions,
    state_root: StateRootFn<'_>,
) -> Result<Vec<SimulatedBlockOutput>, SimulateBlocksError> {
    check_limits(requests)?;
    let planned = plan_blocks(config, base, requests)?;
    let base_hash = base.hash_slow();
    let mut run = Simulation {
        config,
        options,
        db: CacheDB::new(StateDb(state)),
        gas_cap_left: if options.gas_cap == 0 { u64::MAX } else { options.gas_cap },
    };
    run.db.cache.block_hashes.insert(U256::from(base.number), base_hash);
    let mut outputs: Vec<SimulatedBlockOutput> = Vec::with_capacity(planned.len());
    let mut parent = base.clone();
    let mut parent_hash = base_hash;
    for PlannedBlock { mut header, withdrawals, request } in planned {
        chain::complete_header(config, &mut header, &parent, parent_hash, options.validation);
        let request = request.map(|index| &requests[index]);
        let output = run.block(header, &withdrawals, request, &mut *state_root)?;
        run.db.cache.block_hashes.insert(U256::from(output.block.header.number), output.hash);
        parent = output.block.header.clone();
        parent_hash = output.hash;
        outputs.push(output);
    }
    Ok(outputs)
}

fn check_limits(requests: &[BlockStateCall]) -> Result<(), SimulateBlocksError> {
    if requests.is_empty() {
        return Err(SimulateBlocksError::EmptyInput);
    }
    if requests.len() as u64 > MAX_BLOCKS {
        return Err(SimulateBlocksError::TooManyBlocks);
    }
    let mut total = 0usize;
    for request in requests {
        let count = request.calls.len();
        if count > MAX_CALLS_PER_BLOCK {
            return Err(SimulateBlocksError::TooManyCallsInBlock { count });
        }
        total += count;
        if total > MAX_CALLS {
            return Err(SimulateBlocksError::TooManyCalls { count: total });
        }
    }
    Ok(())
}

/// The state and budget carried from block to block.
struct Simulation<'a, S: StateReader + ?Sized> {
    config: &'a ChainConfig,
    options: SimulationOptions,
    db: CacheDB<StateDb<&'a S>>,
    gas_cap_left: u64,
}

type SimulationEvm<'a, S> =
    crate::executor::EvmWithPrecompiles<CacheDB<StateDb<&'a S>>, CallLogs, MovedPrecompiles>;

/// What the calls of a block produced.
#[derive(Default)]
struct ExecutedCalls {
    transactions: Vec<basalt_primitives::TxEnvelope>,
    senders: Vec<Address>,
    receipts: Vec<BasaltReceipt>,
    results: Vec<SimCallResult>,
    gas_used: u64,
    blob_gas_used: u64,
}

impl<'a, S: StateReader + ?Sized> Simulation<'a, S> {
    /// Runs one block: state overrides, pre-block system calls, calls, withdrawals, requests;
    /// then seals it.
    fn block(
        &mut self,
        mut header: Header,
        withdrawals: &[Withdrawal],
        request: Option<&BlockStateCall>,
        state_root: StateRootFn<'_>,
    ) -> Result<SimulatedBlockOutput, SimulateBlocksError> {
        let mut env = block_evm_env(self.config, &header);
        let fork = env.fork;
        if let Some(fee) = request.and_then(|r| r.block_overrides.blob_base_fee) {
            let blob_gasprice = u128::try_from(fee).map_err(|_| {
                SimulateBlocksError::InvalidParams(format!("blobBaseFee {fee} is too large"))
            })?;
            let excess_blob_gas = header.excess_blob_gas.unwrap_or_default();
            env.block.blob_excess_gas_and_price =
                Some(BlobExcessGasAndPrice { excess_blob_gas, blob_gasprice });
        }
        // geth never checks that the sender is an EOA here, nor (like every simulation) the
        // EIP-7825 transaction gas cap; nonces only in validation mode.
        env.cfg.disable_eip3607 = true;
        env.cfg.tx_gas_limit_cap = Some(u64::MAX);
        env.cfg.disable_nonce_check = !self.options.validation;

        let mut precompiles = MovedPrecompiles::new(env.cfg.spec);
        if let Some(overrides) = request.and_then(|r| r.state_overrides.as_ref()) {
            apply_overrides(&mut self.db, &mut precompiles, overrides)?;
        }
        let block_env = env.block.clone();
        // The EVM owns the state while the block runs; an empty cache stands in meanwhile.
        let base_state = self.db.db.0;
        let db = std::mem::replace(&mut self.db, CacheDB::new(StateDb(base_state)));
        let mut rules = ChainRules::for_calls(self.config, self.options.fees.as_ref());
        if let ChainRules::L2(l2) = &mut rules {
            l2.l1_gas_base_fee = Some(header.base_fee_per_gas.unwrap_or_default());
        }
        let mut evm = basalt_context(db, env.cfg, env.block, rules)
            .build_mainnet_with_inspector(CallLogs::new(self.options.trace_transfers))
            .with_precompiles(precompiles);
        let number = header.number;
        let block_error = |reason: String| SimulateBlocksError::Block { number, reason };
        let executed: Result<ExecutedCalls, SimulateBlocksError> = (|| {
            apply_pre_block_calls(&mut evm, fork, &header)
                .map_err(|e| block_error(e.to_string()))?;
            let mut executed = ExecutedCalls::default();
            for call in request.map(|r| r.calls.as_slice()).unwrap_or_default() {
                self.run_call(
                    &mut evm,
                    &header,
                    &block_env,
                    call,
                    &mut executed,
                    &mut *state_root,
                )?;
            }
            if fork >= Hardfork::Shanghai {
                for withdrawal in withdrawals.iter().filter(|w| w.amount > 0) {
                    let amount = U256::from(withdrawal.amount) * U256::from(GWEI_TO_WEI);
                    evm.ctx
                        .journal_mut()
                        .balance_incr(withdrawal.address, amount)
                        .map_err(state_error)?;
                }
                evm.commit_inner();
            }
            if fork >= Hardfork::Prague {
                let logs = executed.receipts.iter().flat_map(|r| r.logs());
                let requests = block_requests(&mut evm, self.config, logs)
                    .map_err(|e| block_error(e.to_string()))?;
                header.requests_hash = Some(requests.requests_hash());
            }
            Ok(executed)
        })();
        self.db = evm.ctx.journaled_state.into_database();
        let executed = executed?;

        header.state_root = state_root(&cached_changes(&self.db)).map_err(state_error)?;
        Ok(seal(header, withdrawals, fork, executed))
    }

    /// Runs one call on `evm` and records its transaction, receipt and result.
    fn run_call(
        &mut self,
        evm: &mut SimulationEvm<'a, S>,
        header: &Header,
        block_env: &revm::context::BlockEnv,
        call: &TransactionRequest,
        executed: &mut ExecutedCalls,
        state_root: StateRootFn<'_>,
    ) -> Result<(), SimulateBlocksError> {
        let sender = call.from.unwrap_or_default();
        let nonce = evm.ctx.db_mut().basic(sender).map_err(state_error)?.map_or(0, |a| a.nonce);
        let defaults = CallDefaults {
            chain_id: self.config.chain_id,
            nonce,
            remaining_block_gas: header.gas_limit.saturating_sub(executed.gas_used),
            remaining_gas_cap: self.gas_cap_left,
            london: header.base_fee_per_gas.is_some(),
        };
        let PreparedCall { transaction, sender, gas_capped } = prepare_call(call, &defaults)?;
        let mut tx = tx_env(&transaction, sender);
        let zero_fee = transaction.max_fee_per_gas() == 0
            && transaction.max_priority_fee_per_gas().unwrap_or_default() == 0;
        // Without validation, geth lets an unpriced call through whatever the base fee, and an
        // unpriced blob call whatever the blob fee; a priced one is checked as usual.
        let relaxed = !self.options.validation;
        evm.ctx.cfg.disable_base_fee = relaxed && zero_fee;
        let mut block = block_env.clone();
        if relaxed
            && tx.max_fee_per_blob_gas == 0
            && let Some(blob) = block.blob_excess_gas_and_price.as_mut()
        {
            blob.blob_gasprice = 0;
        }
        evm.ctx.block = block;
        if relaxed {
            // Nonces are not checked, so the one the call names only matters to its hash; revm
            // would still refuse 2^64-1, which geth accepts here.
            tx.nonce = 0;
        }
        let gas_limit = tx.gas_limit;
        let l1_data_size = if evm.ctx.chain.is_l2() {
            crate::simulate::signed_l1_data_size(
                transaction.clone().into_typed_transaction().map_eip4844(Into::into),
            )
        } else {
            0
        };
        let tx = crate::tx_env::BasaltTxEnv { l1_data_size, ..tx.into() };
        let result = match inspect_commit(evm, tx) {
            Ok(result) => result,
            Err(EVMError::Transaction(err)) => {
                return Err(invalid_transaction(
                    &err,
                    sender,
                    header.base_fee_per_gas.unwrap_or_default(),
                    gas_limit,
                    transaction.max_fee_per_gas(),
                ));
            }
            Err(err) => return Err(state_error(err)),
        };
        let logs = evm.inspector.take();
        let gas_used = result.tx_gas_used();
        self.gas_cap_left = self.gas_cap_left.checked_sub(gas_used).ok_or(
            SimulateBlocksError::GasCapExhausted { need: gas_used, remaining: self.gas_cap_left },
        )?;
        executed.gas_used = executed
            .gas_used
            .checked_add(gas_used)
            .ok_or_else(|| state_error("block gas used overflows"))?;
        let blob_count = transaction.blob_versioned_hashes().map_or(0, |h| h.len() as u64);
        executed.blob_gas_used =
            executed.blob_gas_used.saturating_add(blob_count.saturating_mul(DATA_GAS_PER_BLOB));

        let fork = self.config.fork_at(header.number, header.timestamp);
        let status = if fork >= Hardfork::Byzantium {
            Eip658Value::Eip658(result.is_success())
        } else {
            let root = state_root(&cached_changes(evm.ctx.db_mut())).map_err(state_error)?;
            Eip658Value::PostState(root)
        };
        let receipt_logs = result.logs().to_vec();
        let receipt =
            Receipt { status, cumulative_gas_used: executed.gas_used, logs: receipt_logs };
        executed
            .receipts
            .push(BasaltReceipt::from_typed(transaction.tx_type().into(), receipt.with_bloom()));

        let index = executed.transactions.len() as u64;
        let first_log_index = executed.results.iter().map(|r| r.logs.len() as u64).sum::<u64>();
        let tx_hash = *transaction.tx_hash();
        let logs = logs
            .into_iter()
            .enumerate()
            .map(|(position, log)| RpcLog {
                inner: log,
                block_hash: None,
                block_number: Some(header.number),
                block_timestamp: Some(header.timestamp),
                transaction_hash: Some(tx_hash),
                transaction_index: Some(index),
                log_index: Some(first_log_index + position as u64),
                removed: false,
            })
            .collect();
        executed.results.push(call_result(result, logs, gas_capped));
        executed.transactions.push(transaction);
        executed.senders.push(sender);
        Ok(())
    }
}

/// Applies one block's state overrides in address order, as geth does: a precompile moves
/// before its account is overridden, an overridden precompile address stops being one, and a
/// precompile may not be moved onto an address that is itself overridden.
fn apply_overrides<S: StateReader + ?Sized>(
    db: &mut CacheDB<StateDb<&S>>,
    precompiles: &mut MovedPrecompiles,
    overrides: &StateOverride,
) -> Result<(), SimulateBlocksError> {
    let mut addresses: Vec<&Address> = overrides.keys().collect();
    addresses.sort();
    let mut move_targets: HashSet<Address> = HashSet::default();
    for &address in addresses {
        let account = &overrides[&address];
        if move_targets.contains(&address) {
            return Err(SimulateBlocksError::OverriddenByPrecompile(address));
        }
        let is_precompile = precompiles.contains(&address);
        if let Some(target) = account.move_precompile_to {
            if !is_precompile {
                return Err(SimulateBlocksError::NotAPrecompile(address));
            }
            if target == address {
                return Err(SimulateBlocksError::MovePrecompileToItself(address));
            }
            if overrides.contains_key(&target) {
                return Err(SimulateBlocksError::MoveTargetOverridden(target));
            }
            precompiles.move_to(address, target);
            move_targets.insert(target);
        }
        if is_precompile {
            precompiles.remove(address);
        }
        apply_account_override(db, address, account)?;
    }
    Ok(())
}

/// The `calls` entry of a finished call: success with its logs, a revert (code 3) or an exceptional halt (-32015, worded as the result schema requires).
fn call_result(result: ExecutionResult, logs: Vec<RpcLog>, gas_capped: bool) -> SimCallResult {
    let gas_used = result.tx_gas_used();
    let max_used_gas = Some(result.gas().total_gas_spent());
    match result {
        ExecutionResult::Success { output, .. } => SimCallResult {
            return_data: output.into_data(),
            logs,
            gas_used,
            max_used_gas,
            status: true,
            error: None,
        },
        ExecutionResult::Revert { output, .. } => SimCallResult {
            // The revert bytes are the call's `returnData`; the schema's error object has
            // only a code and a message.
            error: Some(SimulateError {
                code: super::EXECUTION_REVERTED_CODE as i32,
                message: revert_message(&output),
                data: None,
            }),
            return_data: output,
            logs: Vec::new(),
            gas_used,
            max_used_gas,
            status: false,
        },
        ExecutionResult::Halt { reason, .. } => {
            let mut message = format!("vm execution error: {}", halt_message(&reason));
            if gas_capped {
                message.push_str(" (gas limit was capped by the RPC server's global gas cap)");
            }
            SimCallResult {
                return_data: Bytes::new(),
                logs: Vec::new(),
                gas_used,
                max_used_gas,
                status: false,
                error: Some(SimulateError { code: VM_EXECUTION_ERROR_CODE, message, data: None }),
            }
        }
    }
}

/// Fills in the header fields that commit to the block's contents and assembles it; the logs
/// of the call results get the block hash.
fn seal(
    mut header: Header,
    withdrawals: &[Withdrawal],
    fork: Hardfork,
    executed: ExecutedCalls,
) -> SimulatedBlockOutput {
    let ExecutedCalls { transactions, senders, receipts, mut results, gas_used, blob_gas_used } =
        executed;
    header.transactions_root = calculate_transaction_root(&transactions);
    header.receipts_root = calculate_receipt_root(&receipts);
    let mut bloom = Bloom::default();
    for receipt in &receipts {
        bloom.accrue_bloom(receipt.logs_bloom());
    }
    header.logs_bloom = bloom;
    header.gas_used = gas_used;
    header.blob_gas_used = header.excess_blob_gas.map(|_| blob_gas_used);
    let body = BlockBody {
        transactions: transactions.into_iter().map(Into::into).collect(),
        ommers: Vec::new(),
        withdrawals: (fork >= Hardfork::Shanghai).then(|| withdrawals.to_vec().into()),
    };
    let block = Block { header, body };
    let hash = block.header.hash_slow();
    for log in results.iter_mut().flat_map(|r| r.logs.iter_mut()) {
        log.block_hash = Some(hash);
    }
    SimulatedBlockOutput { block, hash, senders, calls: results }
}

#[cfg(test)]
mod tests;
