//! Rebuilding the 0x7e transaction the L2 executes from the bridge's `PrivilegedTxSent` event
//! (docs/contracts.md, "Privileged transactions on L2", rule 1), and the hash the bridge
//! queued for it ("Byte formats").

use crate::WatcherError;
use alloy::rpc::types::Log;
use alloy_primitives::{B256, TxKind};
use basalt_contracts::bindings::CommonBridge::PrivilegedTxSent;
use basalt_primitives::TxPrivileged;

/// A rebuilt privileged transaction with the L1 hash its fields give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedTx {
    /// The transaction the L2 executes; `nonce` is the bridge's transaction id.
    pub tx: TxPrivileged,
    /// `PrivilegedTxFields::l1_hash` of the same fields: what the bridge stores for the id.
    pub l1_hash: B256,
}

/// Rebuilds the transaction of one `PrivilegedTxSent` log for L2 chain `chain_id`. A log that
/// does not decode, was removed, or has an id or gas limit beyond u64 is
/// [`WatcherError::BadEvent`].
pub fn rebuild(log: &Log, chain_id: u64) -> Result<QueuedTx, WatcherError> {
    let bad = |reason: String| WatcherError::BadEvent {
        block: log.block_number.unwrap_or_default(),
        log_index: log.log_index.unwrap_or_default(),
        reason,
    };
    if log.removed {
        return Err(bad("the endpoint returned a removed log".into()));
    }
    let event = log.log_decode::<PrivilegedTxSent>().map_err(|e| bad(e.to_string()))?.inner.data;
    let transaction_id = u64::try_from(event.transactionId)
        .map_err(|_| bad(format!("transaction id {} exceeds u64", event.transactionId)))?;
    let gas_limit = u64::try_from(event.gasLimit)
        .map_err(|_| bad(format!("gas limit {} exceeds u64", event.gasLimit)))?;
    let tx = TxPrivileged {
        chain_id,
        nonce: transaction_id,
        gas_limit,
        to: TxKind::Call(event.to),
        mint: event.mint,
        value: event.value,
        input: event.data,
        from: event.from,
    };
    Ok(QueuedTx { l1_hash: tx.l1_hash(), tx })
}
