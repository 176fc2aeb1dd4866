//! What an inspector (a tracer) sees of a privileged transaction included as failed: its top
//! call or creation starts and at once ends with the failure, every gas unit of its limit
//! spent, no step executed. No frame runs in the EVM and nothing here changes state.

use super::{BasaltEvmError, BasaltEvmTr};
use revm::{
    context::{ContextTr, JournalTr, result::HaltReason},
    context_interface::Transaction,
    inspector::{
        InspectorEvmTr,
        handler::{frame_end, frame_start},
    },
    interpreter::{
        CallInput, CallInputs, CallOutcome, CallScheme, CallValue, CreateInputs, CreateOutcome,
        FrameInput, Gas, InstructionResult, InterpreterResult,
    },
    primitives::{Bytes, KECCAK_EMPTY, TxKind},
};

/// Shows the inspector the transaction's top frame ending with `reason` before it executed.
/// Called before the failed inclusion's state is applied, so a creation's address comes from
/// the sender's nonce before the transaction, as in a creation that runs. Errors: the
/// database's, when the inspector reads an account.
pub(super) fn report<EVM: BasaltEvmTr + InspectorEvmTr>(
    evm: &mut EVM,
    reason: HaltReason,
) -> Result<(), BasaltEvmError<EVM::Context>> {
    let (ctx, inspector) = evm.ctx_inspector();
    let tx = ctx.tx();
    let (caller, value, gas_limit) = (tx.caller(), tx.value(), tx.gas_limit());
    // Tracers read the sender (a creation's nonce); a failed read is the node's failure, never
    // a failed inclusion, so it is made here, where it can be returned.
    ctx.journal_mut().load_account(caller)?;
    let tx = ctx.tx();
    let mut input = match tx.kind() {
        TxKind::Call(to) => FrameInput::Call(Box::new(CallInputs {
            input: CallInput::Bytes(tx.input().clone()),
            return_memory_offset: 0..0,
            gas_limit,
            reservoir: 0,
            bytecode_address: to,
            known_bytecode: (KECCAK_EMPTY, Default::default()),
            target_address: to,
            caller,
            value: CallValue::Transfer(value),
            scheme: CallScheme::Call,
            is_static: false,
            charged_new_account_state_gas: false,
        })),
        TxKind::Create => FrameInput::Create(Box::new(CreateInputs::new(
            caller,
            Default::default(),
            value,
            tx.input().clone(),
            gas_limit,
            0,
        ))),
    };
    let result = InterpreterResult {
        result: status_of(reason),
        output: Bytes::new(),
        gas: Gas::new_spent_with_reservoir(gas_limit, 0),
    };
    // An inspector that answers the frame itself has nothing more to be told.
    if frame_start(ctx, inspector, &mut input).is_some() {
        return Ok(());
    }
    let mut outcome = match &input {
        FrameInput::Create(_) => {
            revm::handler::FrameResult::Create(CreateOutcome::new(result, None))
        }
        _ => revm::handler::FrameResult::Call(CallOutcome::new(result, 0..0)),
    };
    frame_end(ctx, inspector, &input, &mut outcome);
    Ok(())
}

/// The instruction result a frame refused for `reason` ends with (the tracers' error text:
/// "insufficient balance for transfer", "max initcode size exceeded", "out of gas").
fn status_of(reason: HaltReason) -> InstructionResult {
    match reason {
        HaltReason::OutOfFunds => InstructionResult::OutOfFunds,
        HaltReason::CreateInitCodeSizeLimit => InstructionResult::CreateInitCodeSizeLimit,
        _ => InstructionResult::OutOfGas,
    }
}
