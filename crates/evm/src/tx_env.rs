//! Translation of a signed Ethereum transaction into revm's transaction environment.

use alloy_consensus::Transaction;
use alloy_primitives::Address;
use basalt_primitives::{BasaltTxEnvelope, TxEnvelope};
use revm::context::{TxEnv, either::Either};

/// Why a privileged transaction cannot run under L1 rules.
pub const PRIVILEGED_UNDER_L1_RULES: &str =
    "privileged transactions (type 0x7e) are valid only on the L2";

/// The signed transaction of a block entry; a privileged one is refused under L1 rules.
pub fn l1_transaction(tx: &BasaltTxEnvelope) -> Result<&TxEnvelope, &'static str> {
    tx.as_ethereum().ok_or(PRIVILEGED_UNDER_L1_RULES)
}

/// The revm view of `tx` sent by `sender` (already recovered).
pub fn tx_env(tx: &TxEnvelope, sender: Address) -> TxEnv {
    let is_dynamic_fee = tx.is_dynamic_fee();
    TxEnv {
        tx_type: tx.tx_type() as u8,
        caller: sender,
        gas_limit: tx.gas_limit(),
        gas_price: if is_dynamic_fee {
            tx.max_fee_per_gas()
        } else {
            tx.gas_price().unwrap_or_default()
        },
        kind: tx.kind(),
        value: tx.value(),
        data: tx.input().clone(),
        nonce: tx.nonce(),
        chain_id: tx.chain_id(),
        access_list: tx.access_list().cloned().unwrap_or_default(),
        gas_priority_fee: if is_dynamic_fee { tx.max_priority_fee_per_gas() } else { None },
        blob_hashes: tx.blob_versioned_hashes().map(|h| h.to_vec()).unwrap_or_default(),
        max_fee_per_blob_gas: tx.max_fee_per_blob_gas().unwrap_or_default(),
        authorization_list: tx
            .authorization_list()
            .map(|list| list.iter().cloned().map(Either::Left).collect())
            .unwrap_or_default(),
    }
}
