//! The one revm handler every Basalt EVM runs: revm's mainnet phases under L1 rules, and under
//! L2 rules overrides of single phases for privileged (`0x7e`) transactions and for the L2
//! bridge's address, the way op-revm overrides them for deposits (docs/contracts.md,
//! "Privileged transactions on L2"). Run transactions through [`transact`], [`inspect`] and
//! their `_commit` forms: revm's own `transact*` methods on the EVM use the plain mainnet
//! handler and would skip these rules.
//!
//! A privileged transaction: `mint` is credited to `from` first and kept whatever happens; the
//! nonce is bumped without being checked; no gas is bought and no fee is paid; if it would be
//! invalid as an ordinary transaction (gas limit below intrinsic gas or the EIP-7623 floor,
//! above the EIP-7825 cap or the block gas limit, initcode above the EIP-3860 limit, `value`
//! above the balance after the mint) it is included as failed: status 0, gas used = its gas
//! limit (the block executor charges a transaction above the cap or the block gas limit the
//! whole block, alone in it), no change but the mint and the nonce. A wrong chain id makes the
//! block invalid.

mod refused_frame;

use crate::{l2_fees::split_fee, rules::ChainRules, tx_env::BasaltTxEnv};
use basalt_primitives::fee_config::check_l1_gas;
use revm::{
    DatabaseCommit,
    context::{
        Block, Cfg, ContextSetters, ContextTr, JournalTr, LocalContextTr,
        journaled_state::account::JournaledAccountTr,
        result::{EVMError, ExecutionResult, HaltReason, InvalidTransaction, OutOfGasError},
    },
    context_interface::{Transaction, cfg::gas_params::Eip2780TxInfo, result::ResultGas},
    handler::{
        ContextTrDbError, EthFrame, EvmTr, FrameResult, Handler, PrecompileProvider,
        instructions::InstructionProvider, pre_execution, validation,
    },
    inspector::{InspectorEvmTr, InspectorHandler},
    interpreter::{InitialAndFloorGas, InterpreterResult, interpreter::EthInterpreter},
    state::EvmState,
};

/// Errors of a Basalt EVM: revm's, with the database error of the context.
pub type BasaltEvmError<CTX> = EVMError<ContextTrDbError<CTX>>;

/// A context a Basalt EVM runs on: the Basalt transaction and the chain's rules.
pub trait BasaltContextTr:
    ContextTr<Journal: JournalTr<State = EvmState>, Tx = BasaltTxEnv, Chain = ChainRules>
{
}

impl<CTX> BasaltContextTr for CTX where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>, Tx = BasaltTxEnv, Chain = ChainRules>
{
}

/// An EVM the handler can run: a [`BasaltContextTr`] context with mainnet instructions,
/// precompiles and frames.
pub trait BasaltEvmTr:
    EvmTr<
        Context: BasaltContextTr + ContextSetters,
        Precompiles: PrecompileProvider<Self::Context, Output = InterpreterResult>,
        Instructions: InstructionProvider<
            Context = Self::Context,
            InterpreterTypes = EthInterpreter,
        >,
        Frame = EthFrame<EthInterpreter>,
    >
{
}

impl<EVM> BasaltEvmTr for EVM where
    EVM: EvmTr<
            Context: BasaltContextTr + ContextSetters,
            Precompiles: PrecompileProvider<EVM::Context, Output = InterpreterResult>,
            Instructions: InstructionProvider<
                Context = EVM::Context,
                InterpreterTypes = EthInterpreter,
            >,
            Frame = EthFrame<EthInterpreter>,
        >
{
}

/// The handler; see the module documentation.
pub struct BasaltHandler<EVM> {
    _evm: core::marker::PhantomData<EVM>,
}

impl<EVM> Default for BasaltHandler<EVM> {
    fn default() -> Self {
        Self { _evm: core::marker::PhantomData }
    }
}

/// Why a signed transaction may not come from the L2 bridge's address: only queued
/// (privileged) transactions may.
pub const SIGNED_FROM_BRIDGE: &str =
    "only privileged transactions from the L1 bridge's queue may come from the L2 bridge address";

impl<EVM: BasaltEvmTr> Handler for BasaltHandler<EVM> {
    type Evm = EVM;
    type Error = BasaltEvmError<EVM::Context>;
    type HaltReason = HaltReason;

    /// A privileged transaction pays no fee, so the fee checks do not apply; its chain id must
    /// be the chain's (else the block is invalid); a gas limit above the EIP-7825 cap or the
    /// block gas limit, or initcode above the EIP-3860 limit, makes it invalid as an ordinary
    /// transaction, so it is included as failed (see `catch_error`). Under L1 rules it is
    /// refused. An ordinary transaction's checks are Ethereum's: under L2 rules the header's
    /// base fee already holds the operator fee (docs/l2-fees.md).
    fn validate_env(&self, evm: &mut Self::Evm) -> Result<(), Self::Error> {
        let ctx = evm.ctx();
        if !ctx.tx().is_privileged() {
            return validation::validate_env::<_, Self::Error>(&mut *ctx);
        }
        if !ctx.chain().is_l2() {
            return Err(
                InvalidTransaction::Str(crate::tx_env::PRIVILEGED_UNDER_L1_RULES.into()).into()
            );
        }
        let (tx, cfg) = (ctx.tx(), ctx.cfg());
        if tx.chain_id() != Some(cfg.chain_id()) {
            return Err(InvalidTransaction::InvalidChainId.into());
        }
        let cap = cfg.tx_gas_limit_cap();
        if tx.gas_limit() > cap {
            let gas_limit = tx.gas_limit();
            return Err(InvalidTransaction::TxGasLimitGreaterThanCap { gas_limit, cap }.into());
        }
        if tx.gas_limit() > ctx.block().gas_limit() {
            return Err(InvalidTransaction::CallerGasLimitMoreThanBlock.into());
        }
        if tx.kind().is_create() && tx.input().len() > cfg.max_initcode_size() {
            return Err(InvalidTransaction::CreateInitCodeSizeLimit.into());
        }
        Ok(())
    }

    /// Intrinsic gas (revm's, with the EIP-7623 floor); under L2 rules an ordinary
    /// transaction's initial gas also holds its L1 data gas `L`, so gas used, receipts and
    /// estimates include it, and a gas limit below intrinsic gas + `L` is invalid
    /// (docs/l2-fees.md).
    fn validate_initial_tx_gas(
        &self,
        evm: &mut Self::Evm,
    ) -> Result<InitialAndFloorGas, Self::Error> {
        let ctx = evm.ctx_ref();
        let (cfg, tx) = (ctx.cfg(), ctx.tx());
        let mut gas = validation::validate_initial_tx_gas_with_gas_params(
            tx,
            cfg.spec().into(),
            cfg.gas_params(),
            cfg.is_eip7623_disabled(),
            cfg.is_amsterdam_eip8037_enabled(),
            cfg.tx_gas_limit_cap(),
            cfg.is_amsterdam_eip2780_enabled().then(|| Eip2780TxInfo {
                value: tx.value(),
                is_self_transfer: tx.kind().to() == Some(&tx.caller()),
            }),
        )?;
        let Some(l1_gas) = l1_data_gas(ctx) else {
            return Ok(gas);
        };
        let initial =
            check_l1_gas(tx.gas_limit(), gas.initial_total_gas(), l1_gas).map_err(|too_low| {
                InvalidTransaction::CallGasCostMoreThanGasLimit {
                    gas_limit: too_low.gas_limit,
                    initial_gas: too_low.intrinsic.saturating_add(too_low.l1_gas),
                }
            })?;
        gas.initial_regular_gas = initial.saturating_sub(gas.initial_state_gas);
        Ok(gas)
    }

    fn validate_against_state_and_deduct_caller(
        &self,
        evm: &mut Self::Evm,
        _init_and_floor_gas: &mut InitialAndFloorGas,
    ) -> Result<(), Self::Error> {
        let ctx = evm.ctx();
        let Some(privileged) = ctx.tx().privileged.clone() else {
            if let ChainRules::L2(rules) = ctx.chain()
                && rules.refuse_signed_from_bridge
                && ctx.tx().caller() == rules.bridge
            {
                return Err(InvalidTransaction::Str(SIGNED_FROM_BRIDGE.into()).into());
            }
            return pre_execution::validate_against_state_and_deduct_caller(ctx);
        };
        let (_, tx, _, journal, _, _) = ctx.all_mut();
        let mut caller = journal.load_account_with_code_mut(tx.caller())?.data;
        credit_mint(&mut caller, privileged.mint);
        if tx.kind().is_call() {
            // A create bumps the nonce in its frame, as for any transaction.
            caller.bump_nonce();
        }
        if tx.value() > *caller.balance() {
            let balance = Box::new(*caller.balance());
            return Err(InvalidTransaction::LackOfFundForMaxFee {
                fee: Box::new(tx.value()),
                balance,
            }
            .into());
        }
        Ok(())
    }

    /// A privileged transaction bought no gas: nothing to give back.
    fn reimburse_caller(
        &self,
        evm: &mut Self::Evm,
        exec_result: &mut FrameResult,
    ) -> Result<(), Self::Error> {
        if evm.ctx().tx().is_privileged() {
            return Ok(());
        }
        revm::handler::post_execution::reimburse_caller(
            evm.ctx(),
            exec_result.gas(),
            revm::primitives::U256::ZERO,
        )
        .map_err(From::from)
    }

    /// A privileged transaction pays no fee. Under L2 rules an ordinary transaction's fee is
    /// split ([`crate::l2_fees::split_fee`]): base fee × L1 data gas to the L1-fee vault; of the
    /// base fee × the rest of the gas, the operator fee's share to the operator vault and the
    /// market part's to the base-fee vault (burned without one); the tip to the coinbase.
    fn reward_beneficiary(
        &self,
        evm: &mut Self::Evm,
        exec_result: &mut FrameResult,
    ) -> Result<(), Self::Error> {
        let ctx = evm.ctx();
        if ctx.tx().is_privileged() {
            return Ok(());
        }
        let (Some(l1_gas), Some(rules)) = (l1_data_gas(ctx), ctx.chain().l2().cloned()) else {
            return revm::handler::post_execution::reward_beneficiary(ctx, exec_result.gas())
                .map_err(From::from);
        };
        if ctx.cfg().is_fee_charge_disabled() {
            return Ok(());
        }
        let gas = exec_result.gas();
        let gas_used = gas.used().saturating_sub(gas.reservoir());
        let base_fee = ctx.block().basefee();
        let split = split_fee(
            ctx.tx().effective_gas_price(u128::from(base_fee)),
            gas_used,
            l1_gas,
            base_fee,
            rules.fees.operator_fee_per_gas,
        );
        let beneficiary = ctx.block().beneficiary();
        let fees = rules.fees;
        let journal = ctx.journal_mut();
        for (vault, amount) in [
            (Some(fees.l1_fee_vault), split.l1_fee),
            (fees.base_fee_vault, split.base_fee),
            (fees.operator_fee_vault, split.operator_fee),
        ] {
            if let Some(vault) = vault
                && !amount.is_zero()
            {
                journal.load_account_mut(vault)?.incr_balance(amount);
            }
        }
        // As on Ethereum, the coinbase is credited (and so touched) even with nothing.
        journal.load_account_mut(beneficiary)?.incr_balance(split.priority_fee);
        Ok(())
    }

    /// A privileged transaction that is invalid as a transaction is included as failed: the
    /// journal is discarded, then the mint and the nonce bump are applied alone. A failure of
    /// the node (the database, the EVM) is never turned into a result.
    fn catch_error(
        &self,
        evm: &mut Self::Evm,
        error: Self::Error,
    ) -> Result<ExecutionResult<Self::HaltReason>, Self::Error> {
        let failed = failed_inclusion(evm.ctx(), &error);
        evm.ctx().local_mut().clear();
        evm.ctx().journal_mut().discard_tx();
        evm.frame_stack().clear();
        let Some(reason) = failed else {
            return Err(error);
        };
        let mint = evm.ctx().tx().privileged.as_ref().map(|p| p.mint).unwrap_or_default();
        let ctx = evm.ctx();
        let (_, tx, _, journal, _, _) = ctx.all_mut();
        let gas_limit = tx.gas_limit();
        let mut caller = journal.load_account_with_code_mut(tx.caller())?.data;
        credit_mint(&mut caller, mint);
        caller.bump_nonce();
        drop(caller);
        journal.commit_tx();
        Ok(ExecutionResult::Halt {
            reason,
            gas: ResultGas::default().with_total_gas_spent(gas_limit),
            logs: Vec::new(),
        })
    }
}

impl<EVM: BasaltEvmTr + InspectorEvmTr> InspectorHandler for BasaltHandler<EVM> {
    type IT = EthInterpreter;

    /// As revm's, and a privileged transaction included as failed shows the inspector its top
    /// frame refused before executing ([`refused_frame::report`]): tracers see the call with
    /// its gas and failure, as geth's show a call refused before its code runs.
    fn inspect_run(
        &mut self,
        evm: &mut Self::Evm,
    ) -> Result<ExecutionResult<Self::HaltReason>, Self::Error> {
        match self.inspect_run_without_catch_error(evm) {
            Ok(output) => Ok(output),
            Err(error) => {
                // A failed state read while reporting is the node's failure and replaces the
                // refusal; `catch_error` then clears the context all the same.
                let error = match failed_inclusion(evm.ctx(), &error) {
                    Some(reason) => refused_frame::report(evm, reason).err().unwrap_or(error),
                    None => error,
                };
                self.catch_error(evm, error)
            }
        }
    }
}

/// Why a transaction that `error` refused is included as failed instead: `Some` only for a
/// privileged transaction under L2 rules refused as an invalid transaction, other than for a
/// wrong chain id (not the queue's transaction at all: the block is invalid).
fn failed_inclusion<CTX: BasaltContextTr>(
    ctx: &CTX,
    error: &BasaltEvmError<CTX>,
) -> Option<HaltReason> {
    let EVMError::Transaction(invalid) = error else { return None };
    let included = ctx.tx().is_privileged()
        && ctx.chain().is_l2()
        && !matches!(invalid, InvalidTransaction::InvalidChainId);
    included.then(|| failed_inclusion_reason(invalid))
}

/// The L1 data gas `L` of the context's transaction: `Some` for an ordinary transaction under
/// L2 rules, priced at the block's base fee (docs/l2-fees.md).
fn l1_data_gas<CTX: BasaltContextTr>(ctx: &CTX) -> Option<u64> {
    let rules = ctx.chain().l2()?;
    let tx = ctx.tx();
    if tx.is_privileged() {
        return None;
    }
    let base_fee = rules.l1_gas_base_fee.unwrap_or(ctx.block().basefee());
    Some(rules.fees.l1_gas(tx.l1_data_size, base_fee))
}

/// Credits the mint. The L1 bridge mints at most the ether locked on L1, so the sum never
/// reaches 2^256; the balance saturates rather than wraps should it ever.
fn credit_mint(caller: &mut impl JournaledAccountTr, mint: revm::primitives::U256) {
    let balance = caller.balance().saturating_add(mint);
    caller.set_balance(balance);
}

/// The halt reason a failed privileged transaction's result carries (its receipt has status 0
/// either way): out of funds for the value, the initcode limit for oversized initcode, and out
/// of gas for the gas rules (intrinsic gas, the EIP-7623 floor, the EIP-7825 cap, the block gas
/// limit), which are also what any other refusal of a gas-free transaction comes down to.
fn failed_inclusion_reason(invalid: &InvalidTransaction) -> HaltReason {
    match invalid {
        InvalidTransaction::LackOfFundForMaxFee { .. } => HaltReason::OutOfFunds,
        InvalidTransaction::CreateInitCodeSizeLimit => HaltReason::CreateInitCodeSizeLimit,
        _ => HaltReason::OutOfGas(OutOfGasError::Basic),
    }
}

/// Runs `tx` on `evm` with the chain's rules and returns the result and the changed state
/// (not committed). Errors are revm's: `Transaction` for an invalid transaction (never for a
/// privileged one under L2 rules, which is included as failed instead), `Database` for a
/// failed state read.
pub fn transact<EVM: BasaltEvmTr>(
    evm: &mut EVM,
    tx: BasaltTxEnv,
) -> Result<(ExecutionResult, EvmState), BasaltEvmError<EVM::Context>> {
    evm.ctx().set_tx(tx);
    let result = BasaltHandler::default().run(evm);
    finalize(evm, result)
}

/// [`transact`] with the EVM's inspector (a tracer, the access-list or log collector) called
/// at every step.
pub fn inspect<EVM: BasaltEvmTr + InspectorEvmTr>(
    evm: &mut EVM,
    tx: BasaltTxEnv,
) -> Result<(ExecutionResult, EvmState), BasaltEvmError<EVM::Context>> {
    evm.ctx().set_tx(tx);
    let result = BasaltHandler::default().inspect_run(evm);
    finalize(evm, result)
}

/// [`transact`], committing the state to the EVM's database.
pub fn transact_commit<EVM>(
    evm: &mut EVM,
    tx: BasaltTxEnv,
) -> Result<ExecutionResult, BasaltEvmError<EVM::Context>>
where
    EVM: BasaltEvmTr<Context: ContextTr<Db: DatabaseCommit>>,
{
    let executed = transact(evm, tx)?;
    Ok(commit(evm, executed))
}

/// [`inspect`], committing the state to the EVM's database.
pub fn inspect_commit<EVM>(
    evm: &mut EVM,
    tx: BasaltTxEnv,
) -> Result<ExecutionResult, BasaltEvmError<EVM::Context>>
where
    EVM: BasaltEvmTr<Context: ContextTr<Db: DatabaseCommit>> + InspectorEvmTr,
{
    let executed = inspect(evm, tx)?;
    Ok(commit(evm, executed))
}

/// Takes the journal's state (clearing it for the next transaction) whatever the outcome.
fn finalize<EVM: BasaltEvmTr>(
    evm: &mut EVM,
    result: Result<ExecutionResult, BasaltEvmError<EVM::Context>>,
) -> Result<(ExecutionResult, EvmState), BasaltEvmError<EVM::Context>> {
    let state = evm.ctx().journal_mut().finalize();
    Ok((result?, state))
}

fn commit<EVM: BasaltEvmTr<Context: ContextTr<Db: DatabaseCommit>>>(
    evm: &mut EVM,
    (result, state): (ExecutionResult, EvmState),
) -> ExecutionResult {
    evm.ctx().db_mut().commit(state);
    result
}
