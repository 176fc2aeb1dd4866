//! The logs `eth_simulateV1` reports for one call: those of every call frame that did not fail,
//! in emission order, and with `traceTransfers` each ether transfer as an ERC-20 `Transfer`
//! event emitted by the ERC-7528 native-asset address, placed where the transfer happened
//! (a call or creation with value, a self-destruct's payout; DELEGATECALL and CALLCODE move no
//! ether between accounts and are left out, as in geth).

use alloy_primitives::{Address, B256, Bytes, Log, LogData, U256, address, b256};
use revm::{
    context_interface::{ContextTr, JournalTr},
    inspector::Inspector,
    interpreter::{CallInputs, CallOutcome, CallScheme, CreateInputs, CreateOutcome},
};

/// ERC-7528: the address that stands for the chain's native asset.
pub const NATIVE_ASSET_ADDRESS: Address = address!("0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE");
/// `keccak256("Transfer(address,address,uint256)")`, the ERC-20 transfer event.
pub const TRANSFER_EVENT_TOPIC: B256 =
    b256!("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");

/// Collects the logs of one transaction, frame by frame, dropping a frame's logs (and those of
/// its children) when it fails.
#[derive(Debug, Default)]
pub(crate) struct CallLogs {
    trace_transfers: bool,
    /// Logs of the open frames, innermost last.
    frames: Vec<Vec<Log>>,
    /// Logs of the finished transaction.
    finished: Vec<Log>,
}

impl CallLogs {
    pub(crate) fn new(trace_transfers: bool) -> Self {
        Self { trace_transfers, ..Self::default() }
    }

    /// The logs of the transaction that just ran; the collector is ready for the next one.
    pub(crate) fn take(&mut self) -> Vec<Log> {
        self.frames.clear();
        std::mem::take(&mut self.finished)
    }

    fn push(&mut self, log: Log) {
        match self.frames.last_mut() {
            Some(frame) => frame.push(log),
            None => self.finished.push(log),
        }
    }

    fn transfer(&mut self, from: Address, to: Address, value: U256) {
        if !self.trace_transfers || value.is_zero() {
            return;
        }
        let topics = vec![TRANSFER_EVENT_TOPIC, from.into_word(), to.into_word()];
        let data = Bytes::copy_from_slice(&value.to_be_bytes::<32>());
        self.push(Log {
            address: NATIVE_ASSET_ADDRESS,
            data: LogData::new_unchecked(topics, data),
        });
    }

    fn frame_end(&mut self, succeeded: bool) {
        let Some(frame) = self.frames.pop() else { return };
        if succeeded {
            match self.frames.last_mut() {
                Some(parent) => parent.extend(frame),
                None => self.finished.extend(frame),
            }
        }
    }
}

impl<CTX: ContextTr> Inspector<CTX> for CallLogs {
    fn call(&mut self, _context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        self.frames.push(Vec::new());
        if matches!(inputs.scheme, CallScheme::Call | CallScheme::StaticCall)
            && let Some(value) = inputs.transfer_value()
        {
            self.transfer(inputs.caller, inputs.target_address, value);
        }
        None
    }

    fn call_end(&mut self, _context: &mut CTX, _inputs: &CallInputs, outcome: &mut CallOutcome) {
        self.frame_end(outcome.result.is_ok());
    }

    fn create(&mut self, context: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        self.frames.push(Vec::new());
        if self.trace_transfers && !inputs.value().is_zero() {
            // The creator's nonce is bumped when the frame starts, after this hook.
            let nonce = context
                .journal_mut()
                .load_account(inputs.caller())
                .map_or(0, |account| account.data.info.nonce);
            self.transfer(inputs.caller(), inputs.created_address(nonce), inputs.value());
        }
        None
    }

    fn create_end(
        &mut self,
        _context: &mut CTX,
        _inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        self.frame_end(outcome.result.is_ok());
    }

    fn log(&mut self, _context: &mut CTX, log: Log) {
        self.push(log);
    }

    fn selfdestruct(&mut self, contract: Address, target: Address, value: U256) {
        self.transfer(contract, target, value);
    }
}
