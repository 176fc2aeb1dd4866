//! Translation of a block's transaction into revm's transaction environment: the signed
//! Ethereum fields ([`TxEnv`]) plus, for a privileged (`0x7e`) transaction, what the L2 rules
//! need ([`PrivilegedParts`]).

use crate::rules::ChainRules;
use alloy_consensus::Transaction;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use basalt_primitives::{
    BasaltTxEnvelope, PRIVILEGED_TX_TYPE, TxEnvelope, fee_config::l1_data_size,
};
use revm::{
    context::{TxEnv, either::Either},
    context_interface::Transaction as RevmTransaction,
    handler::SystemCallTx,
};

/// Why a privileged transaction cannot run under L1 rules.
pub const PRIVILEGED_UNDER_L1_RULES: &str =
    "privileged transactions (type 0x7e) are valid only on the L2";

/// The signed transaction of a block entry; a privileged one is refused under L1 rules.
pub fn l1_transaction(tx: &BasaltTxEnvelope) -> Result<&TxEnvelope, &'static str> {
    tx.as_ethereum().ok_or(PRIVILEGED_UNDER_L1_RULES)
}

/// What a privileged transaction adds to the revm environment (docs/contracts.md, "Privileged
/// transactions on L2").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrivilegedParts {
    /// Wei credited to the sender before anything else; kept whatever happens next.
    pub mint: U256,
}

/// The transaction revm runs in every Basalt EVM: the Ethereum environment, and for a
/// privileged transaction its extra parts (`None` for signed transactions, calls and system
/// calls), plus what the L2 fee rules read (docs/l2-fees.md).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BasaltTxEnv {
    pub base: TxEnv,
    pub privileged: Option<PrivilegedParts>,
    /// L1 data size estimate of the transaction's bytes
    /// ([`basalt_primitives::fee_config::l1_data_size`]); unused under L1 rules.
    pub l1_data_size: u64,
}

impl From<TxEnv> for BasaltTxEnv {
    fn from(base: TxEnv) -> Self {
        Self { base, ..Default::default() }
    }
}

impl BasaltTxEnv {
    /// True for a privileged (`0x7e`) transaction.
    pub fn is_privileged(&self) -> bool {
        self.privileged.is_some()
    }
}

/// The revm view of a signed `tx` sent by `sender` (already recovered).
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

/// The revm view of a block's transaction `tx` sent by `sender` (a privileged one is sent by
/// its `from`, whatever `sender` says) under the chain's `rules`. A privileged transaction pays
/// no gas (price 0) and carries its nonce field (the bridge's transaction id), which the L2
/// rules do not check. A signed transaction's L1 data size is computed from its 2718 bytes
/// under L2 rules only (the L1 data fee is its one user); under L1 rules it is 0 and the
/// transaction is not encoded.
pub fn block_tx_env(tx: &BasaltTxEnvelope, sender: Address, rules: &ChainRules) -> BasaltTxEnv {
    match tx {
        BasaltTxEnvelope::Ethereum(signed) => BasaltTxEnv {
            l1_data_size: if rules.is_l2() { l1_data_size(&signed.encoded_2718()) } else { 0 },
            ..tx_env(signed, sender).into()
        },
        BasaltTxEnvelope::Privileged(sealed) => {
            let privileged = sealed.inner();
            BasaltTxEnv {
                base: TxEnv {
                    tx_type: PRIVILEGED_TX_TYPE,
                    // Authenticated by the L1 bridge; a sender passed in is never trusted over it.
                    caller: privileged.from,
                    gas_limit: privileged.gas_limit,
                    gas_price: 0,
                    gas_priority_fee: Some(0),
                    kind: privileged.to,
                    value: privileged.value,
                    data: privileged.input.clone(),
                    nonce: privileged.nonce,
                    chain_id: Some(privileged.chain_id),
                    ..Default::default()
                },
                privileged: Some(PrivilegedParts { mint: privileged.mint }),
                ..Default::default()
            }
        }
    }
}

impl RevmTransaction for BasaltTxEnv {
    type AccessListItem<'a> = <TxEnv as RevmTransaction>::AccessListItem<'a>;
    type Authorization<'a> = <TxEnv as RevmTransaction>::Authorization<'a>;

    fn tx_type(&self) -> u8 {
        self.base.tx_type()
    }

    fn caller(&self) -> Address {
        self.base.caller()
    }

    fn gas_limit(&self) -> u64 {
        self.base.gas_limit()
    }

    fn value(&self) -> U256 {
        self.base.value()
    }

    fn input(&self) -> &Bytes {
        self.base.input()
    }

    fn nonce(&self) -> u64 {
        self.base.nonce()
    }

    fn kind(&self) -> TxKind {
        self.base.kind()
    }

    fn chain_id(&self) -> Option<u64> {
        self.base.chain_id()
    }

    fn gas_price(&self) -> u128 {
        self.base.gas_price()
    }

    fn access_list(&self) -> Option<impl Iterator<Item = Self::AccessListItem<'_>>> {
        self.base.access_list()
    }

    fn blob_versioned_hashes(&self) -> &[B256] {
        self.base.blob_versioned_hashes()
    }

    fn max_fee_per_blob_gas(&self) -> u128 {
        self.base.max_fee_per_blob_gas()
    }

    fn authorization_list_len(&self) -> usize {
        self.base.authorization_list_len()
    }

    fn authorization_list(&self) -> impl Iterator<Item = Self::Authorization<'_>> {
        self.base.authorization_list()
    }

    fn max_fee_per_gas(&self) -> u128 {
        self.base.max_fee_per_gas()
    }

    fn max_priority_fee_per_gas(&self) -> Option<u128> {
        self.base.max_priority_fee_per_gas()
    }

    fn effective_gas_price(&self, base_fee: u128) -> u128 {
        if self.is_privileged() {
            return 0;
        }
        // Ethereum's rule also on an L2, whose base fee holds the operator fee (docs/l2-fees.md).
        self.base.effective_gas_price(base_fee)
    }
}

impl SystemCallTx for BasaltTxEnv {
    fn new_system_tx_with_caller(
        caller: Address,
        system_contract_address: Address,
        data: Bytes,
    ) -> Self {
        TxEnv::new_system_tx_with_caller(caller, system_contract_address, data).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{eip1559_tx, prague};
    use basalt_primitives::RollupConfig;

    #[test]
    fn the_l1_data_size_is_computed_under_l2_rules_only() {
        let tx = BasaltTxEnvelope::from(eip1559_tx(0, Address::repeat_byte(7), 1, 21_000));
        let sender = Address::repeat_byte(1);
        let l1 = block_tx_env(&tx, sender, &ChainRules::L1);
        assert_eq!(l1.l1_data_size, 0, "nothing under L1 rules reads it");

        let mut config = prague();
        config.rollup =
            Some(RollupConfig { bridge: Address::repeat_byte(2), fees: Default::default() });
        let l2 = block_tx_env(&tx, sender, &ChainRules::of(&config, None));
        let signed = tx.as_ethereum().unwrap();
        assert_eq!(l2.l1_data_size, l1_data_size(&signed.encoded_2718()));
        assert!(l2.l1_data_size > 0);
        assert_eq!(l2.base, l1.base, "the rest is the same under both");
    }
}
