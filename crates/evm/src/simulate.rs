//! Single-call simulation for the RPC layer: `eth_call`, `eth_estimateGas` and
//! `eth_createAccessList` run one [`TransactionRequest`] in the context of a block, on the state
//! the caller supplies, with optional state and block overrides, following geth's semantics.
//! Every run is discarded: nothing here writes state, and nothing here picks the block or the
//! state (that is the RPC layer's job).

use crate::collision::{BasaltContext, basalt_context};
use crate::{db::StateDb, evm_env::block_evm_env};
use crate::{
    handler::{inspect, transact},
    rules::ChainRules,
    tx_env::BasaltTxEnv,
};
use alloy_consensus::{Header, TxType};
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256};
use alloy_rpc_types_eth::{
    AccessListResult, BlockOverrides, TransactionRequest,
    state::{AccountOverride, StateOverride},
};
use alloy_sol_types::{Panic, Revert, SolError};
use basalt_primitives::{ChainConfig, FeeConfig, StateReader, fee_config::l1_data_size};
use revm::{
    Database, MainBuilder,
    bytecode::Bytecode,
    context::{Cfg, TxEnv, either::Either},
    context_interface::{
        block::BlobExcessGasAndPrice,
        result::{EVMError, ExecutionResult, HaltReason, InvalidTransaction},
    },
    database::CacheDB,
    primitives::KECCAK_EMPTY,
};
use revm_inspectors::access_list::AccessListInspector;

/// Intrinsic gas of a plain value transfer, the least any transaction needs.
pub const MIN_TRANSACTION_GAS: u64 = 21_000;
/// The stipend a value-carrying CALL hands its callee; estimation's first guess adds it as
/// slack, as geth's does, since the callee may spend it beyond what the first run showed.
const CALL_STIPEND: u64 = 2_300;
/// `eth_createAccessList` re-runs until the list stops changing; adding warm entries can steer
/// execution elsewhere, so the loop is bounded rather than trusted to converge.
const ACCESS_LIST_MAX_ROUNDS: usize = 8;
/// JSON-RPC error code geth uses for a reverted call (the revert data goes in `data`).
pub const EXECUTION_REVERTED_CODE: i64 = 3;
/// JSON-RPC error code for invalid parameters.
pub const INVALID_PARAMS_CODE: i64 = -32602;
/// JSON-RPC error code geth uses for every other server-side failure.
pub const SERVER_ERROR_CODE: i64 = -32000;

/// What a successful call returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// Return data of the top-level call (the deployed code for a creation).
    pub output: Bytes,
    /// Gas the transaction would be charged, after refunds, as its receipt would record.
    pub gas_used: u64,
    /// Logs the call emitted.
    pub logs: Vec<Log>,
}

/// Why a simulation or a trace produced no result. The messages follow geth's wording where geth
/// has one, so clients that match on them keep working.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulationError {
    /// The call reverted; `output` is the revert data (a custom error, `Error(string)`, ...).
    #[error("{}", revert_message(output))]
    Reverted { output: Bytes, gas_used: u64 },
    /// The call stopped exceptionally (out of gas, invalid opcode, stack overflow, ...).
    #[error("{reason}")]
    Halted { reason: String, gas_used: u64 },
    /// Estimation: the transaction fails even with the most gas it may have.
    #[error("gas required exceeds allowance ({cap})")]
    GasRequiredExceedsAllowance { cap: u64 },
    /// The sender cannot pay for the gas it offered plus the value it sends.
    #[error(
        "insufficient funds for gas * price + value: address {address} have {balance} want {cost}"
    )]
    InsufficientFunds { address: Address, balance: U256, cost: U256 },
    /// The gas limit does not cover the intrinsic cost (calldata, access list, creation).
    #[error("intrinsic gas too low: have {have}, want {want}")]
    IntrinsicGasTooLow { have: u64, want: u64 },
    /// The gas limit does not cover the EIP-7623 calldata floor.
    #[error("insufficient gas for floor data gas cost: have {have}, want {want}")]
    FloorDataGasTooLow { have: u64, want: u64 },
    /// Any other transaction-validity rule (fee below base fee, wrong chain id, ...).
    #[error("invalid transaction: {reason}")]
    InvalidTransaction { reason: String },
    /// The request itself is contradictory (e.g. `gasPrice` together with `maxFeePerGas`).
    #[error("invalid transaction request: {0}")]
    InvalidRequest(String),
    #[error("invalid state override for {address}: {reason}")]
    InvalidStateOverride { address: Address, reason: String },
    #[error("invalid block override: {0}")]
    InvalidBlockOverride(String),
    /// The block environment was rejected (a header field execution needs is missing).
    #[error("block environment rejected: {0}")]
    BlockEnvironment(String),
    /// Reading state failed underneath; retrying may help, the request was fine.
    #[error("state access failed: {0}")]
    State(String),
    /// Tracing: `tracer` names no tracer Basalt runs.
    #[error(
        "tracer {name:?} is not supported; use one of {} or no tracer for the struct logger",
        crate::trace::SUPPORTED_TRACERS.join(", ")
    )]
    UnsupportedTracer { name: String },
    #[error("invalid tracerConfig: {0}")]
    InvalidTracerConfig(String),
    #[error("transaction index {index} is out of range for a block with {count} transactions")]
    TransactionIndexOutOfRange { index: usize, count: usize },
    #[error("{senders} senders for {transactions} transactions")]
    SenderCount { senders: usize, transactions: usize },
    /// Tracing: an earlier transaction of the block could not be re-executed, so the state the
    /// traced one ran on cannot be rebuilt (the block and the supplied state do not match).
    #[error("transaction {index} of the block could not be re-executed: {reason}")]
    BlockTransactionFailed { index: usize, reason: String },
    #[error("pre-block system calls failed: {0}")]
    PreBlockCalls(String),
}

impl SimulationError {
    /// The JSON-RPC error code geth answers with: 3 for a revert, -32602 for a malformed
    /// request, override or tracer choice, -32000 for everything else.
    pub fn rpc_code(&self) -> i64 {
        match self {
            Self::Reverted { .. } => EXECUTION_REVERTED_CODE,
            Self::InvalidRequest(_)
            | Self::InvalidStateOverride { .. }
            | Self::InvalidBlockOverride(_)
            | Self::UnsupportedTracer { .. }
            | Self::InvalidTracerConfig(_) => INVALID_PARAMS_CODE,
            _ => SERVER_ERROR_CODE,
        }
    }

    /// The JSON-RPC error `data`: the revert bytes of a reverted call.
    pub fn rpc_data(&self) -> Option<&Bytes> {
        match self {
            Self::Reverted { output, .. } => Some(output),
            _ => None,
        }
    }
}

/// geth's message for a revert: the `Error(string)` reason or the Solidity panic when the data
/// decodes as one, plain "execution reverted" otherwise (custom errors travel in the data).
pub fn revert_message(output: &[u8]) -> String {
    if let Ok(revert) = Revert::abi_decode(output) {
        format!("execution reverted: {}", revert.reason())
    } else if let Ok(panic) = Panic::abi_decode(output) {
        format!("execution reverted: {}", panic.as_geth_str())
    } else {
        "execution reverted".to_owned()
    }
}

/// Runs `request` as `eth_call` does, in the context of the block with `header` on `state`.
///
/// A missing `from` is the zero address; a missing gas limit is the block gas limit (an explicit
/// one is capped there and at the fork's per-transaction cap, EIP-7825). Without fee fields the
/// call is free: gas price and base fee are zero, so no balance is needed for gas. The nonce and
/// EIP-3607 (sender has code) checks are off.
pub fn call<S: StateReader + ?Sized>(
    config: &ChainConfig,
    header: &Header,
    fees: Option<&FeeConfig>,
    state: &S,
    request: &TransactionRequest,
    state_overrides: Option<&StateOverride>,
    block_overrides: Option<&BlockOverrides>,
) -> Result<CallOutcome, SimulationError> {
    let mut prepared =
        PreparedCall::new(config, header, fees, state, request, state_overrides, block_overrides)?;
    let gas_limit = prepared.call_gas_limit(request.gas)?;
    let caller = prepared.tx.caller;
    let tx = prepared.env(TxEnv { gas_limit, ..prepared.tx.clone() });
    let mut evm = prepared.context.build_mainnet();
    let (result, _) = transact(&mut evm, tx).map_err(|e| simulation_error(e, caller))?;
    call_outcome(result)
}

/// The lowest gas limit with which `request` succeeds, found like geth's `eth_estimateGas`: one
/// run at the cap (the request's gas, else the block gas limit, within the fork's transaction
/// cap and, when fees are offered, what the sender can pay for), then a binary search that starts
/// from the gas the first run used. A revert at the cap is returned as [`SimulationError::Reverted`].
pub fn estimate_gas<S: StateReader + ?Sized>(
    config: &ChainConfig,
    header: &Header,
    fees: Option<&FeeConfig>,
    state: &S,
    request: &TransactionRequest,
    state_overrides: Option<&StateOverride>,
    block_overrides: Option<&BlockOverrides>,
) -> Result<u64, SimulationError> {
    let mut prepared =
        PreparedCall::new(config, header, fees, state, request, state_overrides, block_overrides)?;
    let mut hi = match request.gas {
        Some(gas) if gas >= MIN_TRANSACTION_GAS => gas.min(prepared.gas_cap),
        _ => prepared.gas_cap,
    };
    hi = hi.min(prepared.fee_allowance()?);
    let is_plain_transfer = prepared.is_plain_transfer()?;
    let base_tx = prepared.env(prepared.tx.clone());
    let caller = base_tx.base.caller;
    let mut evm = prepared.context.build_mainnet();
    let mut run = |gas_limit: u64| {
        let mut tx = base_tx.clone();
        tx.base.gas_limit = gas_limit;
        transact(&mut evm, tx).map(|(result, _)| result)
    };

    // A transfer to an account without code costs exactly the intrinsic gas; one run confirms
    // it (an access list or a precompile recipient could still change the cost).
    if is_plain_transfer
        && hi >= MIN_TRANSACTION_GAS
        && succeeded(run(MIN_TRANSACTION_GAS), caller)?
    {
        return Ok(MIN_TRANSACTION_GAS);
    }

    let gas = match run(hi) {
        Ok(ExecutionResult::Success { gas, .. }) => gas,
        Ok(ExecutionResult::Revert { gas, output, .. }) => {
            return Err(SimulationError::Reverted { output, gas_used: gas.tx_gas_used() });
        }
        Ok(ExecutionResult::Halt { reason: HaltReason::OutOfGas(_), .. }) => {
            return Err(SimulationError::GasRequiredExceedsAllowance { cap: hi });
        }
        Ok(ExecutionResult::Halt { reason, gas, .. }) => {
            return Err(SimulationError::Halted {
                reason: halt_message(&reason),
                gas_used: gas.tx_gas_used(),
            });
        }
        Err(err) if is_gas_limit_too_low(&err) => {
            return Err(SimulationError::GasRequiredExceedsAllowance { cap: hi });
        }
        Err(err) => return Err(simulation_error(err, caller)),
    };

    // The gas charged is a lower bound: a limit below it cannot have succeeded.
    let mut lo = gas.tx_gas_used().saturating_sub(1);
    // Most transactions succeed with what they spent before refunds plus room for the 1/64 each
    // nested call withholds (EIP-150); trying that first usually narrows the search to a sliver.
    let optimistic = gas.total_gas_spent().saturating_add(CALL_STIPEND).saturating_mul(64) / 63;
    if optimistic > lo && optimistic < hi {
        if succeeded(run(optimistic), caller)? {
            hi = optimistic;
        } else {
            lo = optimistic;
        }
    }
    while lo.saturating_add(1) < hi {
        let mut mid = lo + (hi - lo) / 2;
        // Estimates sit much nearer the gas used than the cap, so bisect towards the low end.
        if mid > lo.saturating_mul(2) {
            mid = lo.saturating_mul(2).max(lo + 1);
        }
        if succeeded(run(mid), caller)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

/// `eth_createAccessList`: the accounts and storage slots `request` touches, other than the
/// sender, the recipient and the precompiles, with the gas used when the list is attached. Runs
/// again with each new list until it stops changing, as geth does. A revert or halt is reported
/// in `error` (geth's wording) next to the list gathered up to that point.
pub fn create_access_list<S: StateReader + ?Sized>(
    config: &ChainConfig,
    header: &Header,
    fees: Option<&FeeConfig>,
    state: &S,
    request: &TransactionRequest,
    state_overrides: Option<&StateOverride>,
    block_overrides: Option<&BlockOverrides>,
) -> Result<AccessListResult, SimulationError> {
    let mut prepared =
        PreparedCall::new(config, header, fees, state, request, state_overrides, block_overrides)?;
    let gas_limit = prepared.call_gas_limit(request.gas)?;
    let mut base_tx = TxEnv { gas_limit, ..prepared.tx.clone() };
    // The list only counts for typed transactions; a legacy request becomes an EIP-2930 one.
    if base_tx.tx_type == TxType::Legacy as u8 {
        base_tx.tx_type = TxType::Eip2930 as u8;
    }
    let caller = base_tx.caller;
    let l1_data_size = prepared.l1_data_size;
    let mut evm = prepared.context.build_mainnet_with_inspector(AccessListInspector::default());
    let mut access_list =
        AccessListInspector::new(request.access_list.clone().unwrap_or_default()).access_list();
    let mut round = 1;
    loop {
        evm.inspector = AccessListInspector::new(access_list.clone());
        let tx = TxEnv { access_list: access_list.clone(), ..base_tx.clone() };
        let tx = BasaltTxEnv { l1_data_size, ..tx.into() };
        let (result, _) = inspect(&mut evm, tx).map_err(|e| simulation_error(e, caller))?;
        let touched = std::mem::take(&mut evm.inspector).into_access_list();
        if touched == access_list || round >= ACCESS_LIST_MAX_ROUNDS {
            // The gas and error belong to the run with `access_list` attached.
            return Ok(AccessListResult {
                access_list,
                gas_used: U256::from(result.tx_gas_used()),
                error: failure_message(&result),
            });
        }
        access_list = touched;
        round += 1;
    }
}

/// A request made ready to run: the EVM context with all overrides applied and the transaction
/// with everything but its gas limit, which callers pick.
struct PreparedCall<'s, S: StateReader + ?Sized> {
    context: BasaltContext<CacheDB<StateDb<&'s S>>>,
    tx: TxEnv,
    /// The most gas a run may have: the block gas limit within the fork's transaction cap.
    gas_cap: u64,
    /// L1 data size estimate of the request as a signed transaction (L2 rules).
    l1_data_size: u64,
}

impl<'s, S: StateReader + ?Sized> PreparedCall<'s, S> {
    fn new(
        config: &ChainConfig,
        header: &Header,
        fees: Option<&FeeConfig>,
        state: &'s S,
        request: &TransactionRequest,
        state_overrides: Option<&StateOverride>,
        block_overrides: Option<&BlockOverrides>,
    ) -> Result<Self, SimulationError> {
        // Overrides of number and time move the call to that block's fork, as in geth.
        let header = match block_overrides {
            Some(overrides) => overridden_header(header, overrides)?,
            None => header.clone(),
        };
        let mut env = block_evm_env(config, &header);
        if let Some(fee) = block_overrides.and_then(|o| o.blob_base_fee) {
            let blob_gasprice = u128::try_from(fee).map_err(|_| {
                SimulationError::InvalidBlockOverride(format!("blobBaseFee {fee} is too large"))
            })?;
            let excess_blob_gas =
                env.block.blob_excess_gas_and_price.map_or(0, |b| b.excess_blob_gas);
            env.block.blob_excess_gas_and_price =
                Some(BlobExcessGasAndPrice { excess_blob_gas, blob_gasprice });
        }

        let offered = OfferedFees::of(request)?;
        // Like geth: a call that offers no fee runs at base fee zero, so it passes the base-fee
        // rule and costs nothing; one that offers a fee is checked against the real base fee.
        if !offered.is_offered() {
            env.block.basefee = 0;
        }
        let offers_blob_fee = request.max_fee_per_blob_gas.is_some_and(|fee| fee > 0);
        if request.blob_versioned_hashes.is_some()
            && !offers_blob_fee
            && let Some(blob) = env.block.blob_excess_gas_and_price.as_mut()
        {
            blob.blob_gasprice = 0;
        }
        env.cfg.disable_nonce_check = true;
        // geth skips EIP-3607 for calls so that contracts can be simulated as senders.
        env.cfg.disable_eip3607 = true;
        let gas_cap = env.block.gas_limit.min(env.cfg.tx_gas_limit_cap());

        let mut db = CacheDB::new(StateDb(state));
        if let Some(overrides) = state_overrides {
            apply_state_overrides(&mut db, overrides)?;
        }
        if let Some(hashes) = block_overrides.and_then(|o| o.block_hash.as_ref()) {
            for (number, hash) in hashes {
                db.cache.block_hashes.insert(U256::from(*number), *hash);
            }
        }
        let tx = request_tx_env(request, config.chain_id, &offered)?;
        let mut rules = ChainRules::for_calls(config, fees);
        let mut l1_data_size = 0;
        if let ChainRules::L2(l2) = &mut rules {
            // L1 data gas is priced at the block's base fee even when the call runs at zero.
            l2.l1_gas_base_fee = Some(header.base_fee_per_gas.unwrap_or_default());
            l1_data_size = request_l1_data_size(request, config.chain_id, gas_cap);
        }
        let context = basalt_context(db, env.cfg, env.block, rules);
        Ok(Self { context, tx, gas_cap, l1_data_size })
    }

    /// The transaction to run: `tx` with the request's L1 data size.
    fn env(&self, tx: TxEnv) -> BasaltTxEnv {
        BasaltTxEnv { l1_data_size: self.l1_data_size, ..tx.into() }
    }

    /// The gas limit `eth_call` runs with: the request's, within the cap; when absent, the cap,
    /// lowered to what the sender can pay for if it offers a fee. A sender that cannot pay even
    /// for a transfer keeps the cap, so that the run reports its missing funds rather than a
    /// confusing intrinsic-gas error.
    fn call_gas_limit(&mut self, requested: Option<u64>) -> Result<u64, SimulationError> {
        if let Some(gas) = requested {
            return Ok(gas.min(self.gas_cap));
        }
        let allowance = self.fee_allowance()?;
        Ok(if allowance >= MIN_TRANSACTION_GAS {
            self.gas_cap.min(allowance)
        } else {
            self.gas_cap
        })
    }

    /// How much gas the sender's balance pays for at the offered fee after the value it sends
    /// (unbounded for a free call).
    fn fee_allowance(&mut self) -> Result<u64, SimulationError> {
        if self.tx.gas_price == 0 {
            return Ok(u64::MAX);
        }
        let caller = self.tx.caller;
        let balance = self.account(caller)?.map_or(U256::ZERO, |info| info.balance);
        let available =
            balance.checked_sub(self.tx.value).ok_or(SimulationError::InsufficientFunds {
                address: caller,
                balance,
                cost: self.tx.value,
            })?;
        let allowance = available / U256::from(self.tx.gas_price);
        Ok(u64::try_from(allowance).unwrap_or(u64::MAX))
    }

    /// A call without data or authorizations to an account without code.
    fn is_plain_transfer(&mut self) -> Result<bool, SimulationError> {
        let TxKind::Call(to) = self.tx.kind else { return Ok(false) };
        if !self.tx.data.is_empty() || !self.tx.authorization_list.is_empty() {
            return Ok(false);
        }
        Ok(self.account(to)?.is_none_or(|info| info.code_hash == KECCAK_EMPTY))
    }

    fn account(
        &mut self,
        address: Address,
    ) -> Result<Option<revm::state::AccountInfo>, SimulationError> {
        self.context
            .journaled_state
            .database_mut()
            .basic(address)
            .map_err(|e| SimulationError::State(e.to_string()))
    }
}

/// The fee fields of a request, resolved as geth's `ToMessage` does.
struct OfferedFees {
    /// Gas price of a legacy request, max fee per gas of an EIP-1559 one.
    gas_price: u128,
    /// Present for EIP-1559-style requests.
    priority_fee: Option<u128>,
}

impl OfferedFees {
    fn of(request: &TransactionRequest) -> Result<Self, SimulationError> {
        let dynamic =
            request.max_fee_per_gas.is_some() || request.max_priority_fee_per_gas.is_some();
        match request.gas_price {
            Some(_) if dynamic => Err(SimulationError::InvalidRequest(
                "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified".to_owned(),
            )),
            Some(gas_price) => Ok(Self { gas_price, priority_fee: None }),
            None if dynamic => Ok(Self {
                gas_price: request.max_fee_per_gas.unwrap_or_default(),
                priority_fee: Some(request.max_priority_fee_per_gas.unwrap_or_default()),
            }),
            None => Ok(Self { gas_price: 0, priority_fee: None }),
        }
    }

    fn is_offered(&self) -> bool {
        self.gas_price > 0 || self.priority_fee.is_some_and(|fee| fee > 0)
    }
}

/// The revm transaction for `request`, without its gas limit. The type follows the fields given:
/// authorizations make it EIP-7702, blobs EIP-4844, EIP-1559 fees EIP-1559, an access list
/// EIP-2930, otherwise legacy.
fn request_tx_env(
    request: &TransactionRequest,
    chain_id: u64,
    fees: &OfferedFees,
) -> Result<TxEnv, SimulationError> {
    let data = request
        .input
        .unique_input()
        .map_err(|e| SimulationError::InvalidRequest(e.to_string()))?
        .cloned()
        .unwrap_or_default();
    let tx_type = if request.authorization_list.is_some() {
        TxType::Eip7702
    } else if request.blob_versioned_hashes.is_some() {
        TxType::Eip4844
    } else if fees.priority_fee.is_some() {
        TxType::Eip1559
    } else if request.access_list.is_some() {
        TxType::Eip2930
    } else {
        TxType::Legacy
    };
    Ok(TxEnv {
        tx_type: tx_type as u8,
        caller: request.from.unwrap_or_default(),
        gas_limit: 0,
        gas_price: fees.gas_price,
        kind: request.to.unwrap_or(TxKind::Create),
        value: request.value.unwrap_or_default(),
        data,
        nonce: request.nonce.unwrap_or_default(),
        chain_id: Some(request.chain_id.unwrap_or(chain_id)),
        access_list: request.access_list.clone().unwrap_or_default(),
        gas_priority_fee: fees.priority_fee,
        blob_hashes: request.blob_versioned_hashes.clone().unwrap_or_default(),
        max_fee_per_blob_gas: request.max_fee_per_blob_gas.unwrap_or_default(),
        authorization_list: request
            .authorization_list
            .iter()
            .flatten()
            .cloned()
            .map(Either::Left)
            .collect(),
    })
}

/// The L1 data size estimate of `request` sent as a signed transaction, never below what the
/// signed transaction will be charged (docs/l2-fees.md): missing fields take large encodings
/// (nonce and fees 8 bytes of 0xff, gas `gas_cap`), and the signature 65 non-zero bytes. A
/// request that does not make a transaction counts as its calldata plus 200 non-zero bytes.
fn request_l1_data_size(request: &TransactionRequest, chain_id: u64, gas_cap: u64) -> u64 {
    const LARGE: u64 = u64::MAX;
    let mut filled = request.clone();
    filled.nonce = Some(request.nonce.unwrap_or(LARGE));
    filled.gas = Some(gas_cap);
    filled.chain_id = Some(request.chain_id.unwrap_or(chain_id));
    if request.gas_price.is_none() {
        filled.max_fee_per_gas = Some(request.max_fee_per_gas.unwrap_or(LARGE.into()));
        filled.max_priority_fee_per_gas =
            Some(request.max_priority_fee_per_gas.unwrap_or(LARGE.into()));
    }
    match filled.build_consensus_tx() {
        Ok(tx) => signed_l1_data_size(tx),
        Err(_) => {
            let data = request.input.input().map_or(0, |d| d.len());
            l1_data_size(&vec![0xff; data.saturating_add(200)])
        }
    }
}

/// The L1 data size estimate of `tx` once signed, counting the signature as 65 non-zero bytes.
pub(crate) fn signed_l1_data_size(tx: alloy_consensus::TypedTransaction) -> u64 {
    use alloy_eips::eip2718::Encodable2718;
    let signature = alloy_primitives::Signature::new(U256::MAX, U256::MAX, true);
    l1_data_size(&tx.into_envelope(signature).encoded_2718())
}

/// `header` with the block overrides applied. `beaconRoot` only has a meaning for
/// `eth_simulateV1`, so it is refused rather than ignored.
fn overridden_header(
    header: &Header,
    overrides: &BlockOverrides,
) -> Result<Header, SimulationError> {
    if overrides.beacon_root.is_some() {
        return Err(SimulationError::InvalidBlockOverride(
            "beaconRoot is not supported for this method".to_owned(),
        ));
    }
    let mut header = header.clone();
    if let Some(number) = overrides.number {
        header.number = u64::try_from(number).map_err(|_| {
            SimulationError::InvalidBlockOverride(format!("number {number} is too large"))
        })?;
    }
    if let Some(time) = overrides.time {
        header.timestamp = time;
    }
    if let Some(gas_limit) = overrides.gas_limit {
        header.gas_limit = gas_limit;
    }
    if let Some(coinbase) = overrides.coinbase {
        header.beneficiary = coinbase;
    }
    if let Some(random) = overrides.random {
        header.mix_hash = random;
    }
    if let Some(difficulty) = overrides.difficulty {
        header.difficulty = difficulty;
    }
    if let Some(base_fee) = overrides.base_fee {
        header.base_fee_per_gas = Some(u64::try_from(base_fee).map_err(|_| {
            SimulationError::InvalidBlockOverride(format!("baseFee {base_fee} is too large"))
        })?);
    }
    Ok(header)
}

/// Applies `eth_call` state overrides: balance, nonce and code replace the account's; `state`
/// replaces all its storage, `stateDiff` patches single slots. Moving precompiles is only
/// offered by `eth_simulateV1`.
fn apply_state_overrides<S: StateReader + ?Sized>(
    db: &mut CacheDB<StateDb<&S>>,
    overrides: &StateOverride,
) -> Result<(), SimulationError> {
    for (&address, account) in overrides {
        if account.move_precompile_to.is_some() {
            return Err(SimulationError::InvalidStateOverride {
                address,
                reason: "movePrecompileToAddress is not supported".into(),
            });
        }
        apply_account_override(db, address, account)?;
    }
    Ok(())
}

/// Applies one account's balance, nonce, code and storage overrides (`movePrecompileToAddress`
/// is the caller's to handle).
fn apply_account_override<S: StateReader + ?Sized>(
    db: &mut CacheDB<StateDb<&S>>,
    address: Address,
    account: &AccountOverride,
) -> Result<(), SimulationError> {
    let invalid =
        |reason: &str| SimulationError::InvalidStateOverride { address, reason: reason.into() };
    if account.state.is_some() && account.state_diff.is_some() {
        return Err(invalid("both state and stateDiff are set; use one"));
    }
    let mut info =
        db.basic(address).map_err(|e| SimulationError::State(e.to_string()))?.unwrap_or_default();
    if let Some(balance) = account.balance {
        info.balance = balance;
    }
    if let Some(nonce) = account.nonce {
        info.nonce = nonce;
    }
    if let Some(code) = &account.code {
        let bytecode = Bytecode::new_raw_checked(code.clone())
            .map_err(|e| invalid(&format!("code is malformed: {e}")))?;
        info.code_hash = bytecode.hash_slow();
        info.code = Some(bytecode);
    }
    // Inserting even an untouched account makes it exist, so its storage overrides apply.
    db.insert_account_info(address, info);
    if let Some(storage) = &account.state {
        let slots = storage.iter().map(|(slot, value)| (word(slot), word(value))).collect();
        db.replace_account_storage(address, slots)
            .map_err(|e| SimulationError::State(e.to_string()))?;
    }
    for (slot, value) in account.state_diff.iter().flatten() {
        db.insert_account_storage(address, word(slot), word(value))
            .map_err(|e| SimulationError::State(e.to_string()))?;
    }
    Ok(())
}

fn word(value: &B256) -> U256 {
    U256::from_be_bytes(value.0)
}

/// Whether an estimation run succeeded; too little gas to start is a failure, not an error.
fn succeeded<E: std::fmt::Display>(
    run: Result<ExecutionResult, EVMError<E>>,
    caller: Address,
) -> Result<bool, SimulationError> {
    match run {
        Ok(result) => Ok(result.is_success()),
        Err(err) if is_gas_limit_too_low(&err) => Ok(false),
        Err(err) => Err(simulation_error(err, caller)),
    }
}

/// Whether a run failed only because its gas limit does not cover the intrinsic cost or the
/// calldata floor: estimation then needs more gas rather than an error.
fn is_gas_limit_too_low<E>(err: &EVMError<E>) -> bool {
    matches!(
        err,
        EVMError::Transaction(
            InvalidTransaction::CallGasCostMoreThanGasLimit { .. }
                | InvalidTransaction::GasFloorMoreThanGasLimit { .. }
        )
    )
}

/// The [`SimulationError`] for a run revm refused to start.
pub(crate) fn simulation_error<E: std::fmt::Display>(
    err: EVMError<E>,
    caller: Address,
) -> SimulationError {
    match err {
        EVMError::Transaction(InvalidTransaction::LackOfFundForMaxFee { fee, balance }) => {
            SimulationError::InsufficientFunds { address: caller, balance: *balance, cost: *fee }
        }
        EVMError::Transaction(InvalidTransaction::CallGasCostMoreThanGasLimit {
            initial_gas,
            gas_limit,
        }) => SimulationError::IntrinsicGasTooLow { have: gas_limit, want: initial_gas },
        EVMError::Transaction(InvalidTransaction::GasFloorMoreThanGasLimit {
            gas_floor,
            gas_limit,
        }) => SimulationError::FloorDataGasTooLow { have: gas_limit, want: gas_floor },
        EVMError::Transaction(reason) => {
            SimulationError::InvalidTransaction { reason: reason.to_string() }
        }
        EVMError::Header(reason) => SimulationError::BlockEnvironment(reason.to_string()),
        EVMError::Database(reason) => SimulationError::State(reason.to_string()),
        EVMError::Custom(reason) => SimulationError::State(reason),
        EVMError::CustomAny(reason) => SimulationError::State(reason.to_string()),
    }
}

fn call_outcome(result: ExecutionResult) -> Result<CallOutcome, SimulationError> {
    match result {
        ExecutionResult::Success { gas, logs, output, .. } => {
            Ok(CallOutcome { output: output.into_data(), gas_used: gas.tx_gas_used(), logs })
        }
        ExecutionResult::Revert { gas, output, .. } => {
            Err(SimulationError::Reverted { output, gas_used: gas.tx_gas_used() })
        }
        ExecutionResult::Halt { reason, gas, .. } => Err(SimulationError::Halted {
            reason: halt_message(&reason),
            gas_used: gas.tx_gas_used(),
        }),
    }
}

/// geth's `error` field of `eth_createAccessList` for a run that did not succeed.
fn failure_message(result: &ExecutionResult) -> Option<String> {
    match result {
        ExecutionResult::Success { .. } => None,
        ExecutionResult::Revert { .. } => Some("execution reverted".to_owned()),
        ExecutionResult::Halt { reason, .. } => Some(halt_message(reason)),
    }
}

/// The message for an exceptional halt, in geth's words where they differ from revm's.
fn halt_message(reason: &HaltReason) -> String {
    match reason {
        HaltReason::OutOfGas(_) => "out of gas".to_owned(),
        HaltReason::OpcodeNotFound | HaltReason::InvalidFEOpcode => "invalid opcode".to_owned(),
        HaltReason::InvalidJump => "invalid jump destination".to_owned(),
        HaltReason::CallTooDeep => "max call depth exceeded".to_owned(),
        HaltReason::OutOfFunds => "insufficient balance for transfer".to_owned(),
        HaltReason::StateChangeDuringStaticCall | HaltReason::CallNotAllowedInsideStatic => {
            "write protection".to_owned()
        }
        HaltReason::CreateContractSizeLimit => "max code size exceeded".to_owned(),
        HaltReason::CreateCollision => "contract address collision".to_owned(),
        other => other.to_string(),
    }
}

mod call_logs;
mod moved_precompiles;
pub mod multi_block;
#[cfg(test)]
mod tests;
