use super::*;
use alloy_consensus::{TxEip1559, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{Bytes, TxKind};
use basalt_primitives::{
    Account, FeeConfig, StateReadError,
    fee_config::l1_data_size,
    sender::{address_of, sign_transaction},
};
use std::collections::HashMap;

const CHAIN_ID: u64 = 1337;
const GWEI: u128 = 1_000_000_000;

#[derive(Default)]
struct TestState(HashMap<Address, Account>);

impl StateReader for TestState {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        Ok(self.0.get(&address).copied())
    }
    fn storage(&self, _: Address, _: U256) -> Result<U256, StateReadError> {
        Ok(U256::ZERO)
    }
    fn has_storage(&self, _: Address) -> Result<bool, StateReadError> {
        Ok(false)
    }
    fn code(&self, _: B256) -> Result<Option<Bytes>, StateReadError> {
        Ok(None)
    }
    fn block_hash(&self, _: u64) -> Result<Option<B256>, StateReadError> {
        Ok(None)
    }
}

fn key(i: u64) -> B256 {
    B256::from(U256::from(i + 1))
}

fn funded(senders: u64) -> TestState {
    let mut state = TestState::default();
    for i in 0..senders {
        state.0.insert(
            address_of(&key(i)).unwrap(),
            Account::with_balance(U256::from(10u128.pow(21))),
        );
    }
    state
}

fn ctx() -> ValidationContext {
    ValidationContext {
        chain_id: CHAIN_ID,
        fork: Hardfork::Prague,
        base_fee: GWEI as u64,
        block_gas_limit: 30_000_000,
        blob_base_fee: Some(1),
        max_tx_bytes: 128 * 1024,
        fees: None,
    }
}

fn tx(sender: u64, nonce: u64, max_fee: u128, tip: u128) -> TxEnvelope {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: tip,
        to: TxKind::Call(Address::repeat_byte(0xee)),
        value: U256::from(1),
        ..Default::default()
    };
    sign_transaction(tx, &key(sender)).unwrap()
}

#[test]
fn nonce_gap_is_queued_until_filled() {
    let state = funded(1);
    let mut pool = TxPool::default();
    let later = pool.add(tx(0, 1, 2 * GWEI, GWEI), &ctx(), &state).unwrap();
    assert!(!later.pending);
    assert_eq!(pool.status(&state).unwrap(), PoolStatus { pending: 0, queued: 1 });
    let first = pool.add(tx(0, 0, 2 * GWEI, GWEI), &ctx(), &state).unwrap();
    assert!(first.pending);
    assert_eq!(pool.status(&state).unwrap(), PoolStatus { pending: 2, queued: 0 });
    let order: Vec<u64> = pool.best(GWEI as u64, &state).unwrap().iter().map(|t| t.nonce).collect();
    assert_eq!(order, vec![0, 1]);
    // A gap further on: nonce 3 waits for 2; filling 2 makes it pending (3 stays as it is).
    assert!(!pool.add(tx(0, 3, 2 * GWEI, GWEI), &ctx(), &state).unwrap().pending);
    assert!(pool.add(tx(0, 2, 2 * GWEI, GWEI), &ctx(), &state).unwrap().pending);
    assert_eq!(pool.status(&state).unwrap(), PoolStatus { pending: 4, queued: 0 });
}

#[test]
fn best_orders_by_effective_tip_across_senders_and_by_nonce_within() {
    let state = funded(3);
    let mut pool = TxPool::default();
    pool.add(tx(0, 0, 10 * GWEI, GWEI), &ctx(), &state).unwrap();
    pool.add(tx(0, 1, 10 * GWEI, 9 * GWEI), &ctx(), &state).unwrap();
    pool.add(tx(1, 0, 10 * GWEI, 5 * GWEI), &ctx(), &state).unwrap();
    // Tip capped by fee cap - base fee: 3 gwei - 1 gwei = 2 gwei effective.
    pool.add(tx(2, 0, 3 * GWEI, 3 * GWEI), &ctx(), &state).unwrap();
    let order: Vec<(Address, u64)> =
        pool.best(GWEI as u64, &state).unwrap().iter().map(|t| (t.sender, t.nonce)).collect();
    let a = |i| address_of(&key(i)).unwrap();
    assert_eq!(order, vec![(a(1), 0), (a(2), 0), (a(0), 0), (a(0), 1)]);
    // At a base fee above sender 2's cap, it is skipped.
    let order = pool.best(4 * GWEI as u64, &state).unwrap();
    assert!(order.iter().all(|t| t.sender != a(2)));
}

#[test]
fn replacement_needs_ten_percent_bump_on_both_fees() {
    let state = funded(1);
    let mut pool = TxPool::default();
    let original = pool.add(tx(0, 0, 10 * GWEI, 2 * GWEI), &ctx(), &state).unwrap();
    let small = pool.add(tx(0, 0, 10 * GWEI + 1, 2 * GWEI + 1), &ctx(), &state);
    assert_eq!(small, Err(PoolError::ReplacementUnderpriced { bump_percent: 10 }));
    let only_cap = pool.add(tx(0, 0, 11 * GWEI, 2 * GWEI), &ctx(), &state);
    assert!(matches!(only_cap, Err(PoolError::ReplacementUnderpriced { .. })));
    let bumped = pool.add(tx(0, 0, 11 * GWEI, 22 * GWEI / 10), &ctx(), &state).unwrap();
    assert_eq!(bumped.replaced, Some(original.hash));
    assert_eq!(pool.len(), 1);
    assert!(pool.get(&original.hash).is_none());
}

#[test]
fn admission_rules_reject_with_named_errors() {
    let state = funded(1);
    let mut pool = TxPool::default();
    let wrong_chain = sign_transaction(
        TxEip1559 {
            chain_id: 1,
            gas_limit: 21_000,
            max_fee_per_gas: 2 * GWEI,
            ..Default::default()
        },
        &key(0),
    )
    .unwrap();
    assert!(matches!(pool.add(wrong_chain, &ctx(), &state), Err(PoolError::WrongChainId { .. })));
    let low_gas = sign_transaction(
        TxEip1559 {
            chain_id: CHAIN_ID,
            gas_limit: 20_000,
            max_fee_per_gas: 2 * GWEI,
            to: TxKind::Call(Address::ZERO),
            ..Default::default()
        },
        &key(0),
    )
    .unwrap();
    assert!(matches!(
        pool.add(low_gas, &ctx(), &state),
        Err(PoolError::IntrinsicGasTooLow { required: 21_000, .. })
    ));
    assert!(matches!(
        pool.add(tx(0, 0, GWEI / 2, 1), &ctx(), &state),
        Err(PoolError::FeeCapBelowBaseFee { .. })
    ));
    assert!(matches!(
        pool.add(tx(0, 0, 2 * GWEI, 3 * GWEI), &ctx(), &state),
        Err(PoolError::TipAboveFeeCap { .. })
    ));
    assert!(matches!(
        pool.add(tx(5, 0, 2 * GWEI, GWEI), &ctx(), &state),
        Err(PoolError::InsufficientFunds { .. })
    ));
    let mut used = funded(1);
    used.0.get_mut(&address_of(&key(0)).unwrap()).unwrap().nonce = 3;
    assert!(matches!(
        pool.add(tx(0, 2, 2 * GWEI, GWEI), &ctx(), &used),
        Err(PoolError::NonceTooLow { .. })
    ));
    let big = sign_transaction(
        TxLegacy {
            chain_id: Some(CHAIN_ID),
            gas_limit: 5_000_000,
            gas_price: 2 * GWEI,
            input: vec![1u8; 200_000].into(),
            to: TxKind::Call(Address::ZERO),
            ..Default::default()
        },
        &key(0),
    )
    .unwrap();
    assert!(matches!(pool.add(big, &ctx(), &state), Err(PoolError::Oversized { .. })));
    let dup = tx(0, 0, 2 * GWEI, GWEI);
    pool.add(dup.clone(), &ctx(), &state).unwrap();
    assert_eq!(pool.add(dup, &ctx(), &state), Err(PoolError::AlreadyKnown));
    let mut london = ctx();
    london.fork = Hardfork::Berlin;
    assert!(matches!(
        pool.add(tx(0, 1, 2 * GWEI, GWEI), &london, &state),
        Err(PoolError::TypeNotSupported { .. })
    ));
}

#[test]
fn limits_and_eviction() {
    let state = funded(3);
    let config = PoolConfig { max_per_sender: 2, max_total: 3, ..PoolConfig::default() };
    let mut pool = TxPool::new(config);
    pool.add(tx(0, 0, 2 * GWEI, GWEI), &ctx(), &state).unwrap();
    pool.add(tx(0, 1, 2 * GWEI, GWEI), &ctx(), &state).unwrap();
    assert!(matches!(
        pool.add(tx(0, 2, 2 * GWEI, GWEI), &ctx(), &state),
        Err(PoolError::SenderLimit { .. })
    ));
    pool.add(tx(1, 0, 5 * GWEI, 2 * GWEI), &ctx(), &state).unwrap();
    // Full: a cheaper transaction cannot get in, a better one evicts sender 0's last one.
    assert_eq!(pool.add(tx(2, 0, 2 * GWEI, GWEI / 2), &ctx(), &state), Err(PoolError::PoolFull));
    let added = pool.add(tx(2, 0, 9 * GWEI, 3 * GWEI), &ctx(), &state).unwrap();
    let evicted = pool.get(&added.evicted.unwrap());
    assert!(evicted.is_none());
    assert_eq!(pool.len(), 3);
    let sender0: Vec<u64> = pool
        .best(GWEI as u64, &state)
        .unwrap()
        .iter()
        .filter(|t| t.sender == address_of(&key(0)).unwrap())
        .map(|t| t.nonce)
        .collect();
    assert_eq!(sender0, vec![0]);
}

#[test]
fn prune_drops_mined_nonces_and_promotes_the_rest() {
    let mut state = funded(1);
    let mut pool = TxPool::default();
    for nonce in 0..3 {
        pool.add(tx(0, nonce, 2 * GWEI, GWEI), &ctx(), &state).unwrap();
    }
    state.0.get_mut(&address_of(&key(0)).unwrap()).unwrap().nonce = 2;
    assert_eq!(pool.prune(&state).unwrap().len(), 2);
    assert_eq!(pool.status(&state).unwrap(), PoolStatus { pending: 1, queued: 0 });
}

/// A database that fails every account read after `healthy` is cleared.
struct FlakyState {
    state: TestState,
    healthy: std::cell::Cell<bool>,
}

impl StateReader for FlakyState {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        if !self.healthy.get() {
            return Err(StateReadError::new(std::io::Error::other("disk read failed")));
        }
        self.state.account(address)
    }
    fn storage(&self, _: Address, _: U256) -> Result<U256, StateReadError> {
        Ok(U256::ZERO)
    }
    fn has_storage(&self, _: Address) -> Result<bool, StateReadError> {
        Ok(false)
    }
    fn code(&self, _: B256) -> Result<Option<Bytes>, StateReadError> {
        Ok(None)
    }
    fn block_hash(&self, _: u64) -> Result<Option<B256>, StateReadError> {
        Ok(None)
    }
}

#[test]
fn failed_state_reads_are_typed_node_errors_and_drop_nothing() {
    let state = FlakyState { state: funded(2), healthy: std::cell::Cell::new(true) };
    let mut pool = TxPool::default();
    let kept = pool.add(tx(0, 0, 2 * GWEI, GWEI), &ctx(), &state).unwrap();
    state.healthy.set(false);

    let refused = pool.add(tx(1, 0, 2 * GWEI, GWEI), &ctx(), &state).unwrap_err();
    let PoolError::State(read) = &refused else { panic!("not a state error: {refused:?}") };
    assert!(read.downcast_ref::<std::io::Error>().is_some());
    assert!(matches!(pool.prune(&state), Err(PoolError::State(_))));
    assert!(matches!(pool.best(GWEI as u64, &state), Err(PoolError::State(_))));
    assert!(pool.get(&kept.hash).is_some(), "a failed read must not drop a pooled transaction");
    assert_eq!(pool.len(), 1);

    state.healthy.set(true);
    assert_eq!(pool.best(GWEI as u64, &state).unwrap().len(), 1);
}

/// An L2 context: base fee 1 gwei, operator fee 1 gwei, and an L1 blob base fee high enough
/// that a transfer needs L1 data gas.
fn l2_ctx() -> ValidationContext {
    let settings = basalt_primitives::FeeSettings {
        operator_fee_vault: Some(Address::repeat_byte(0x0f)),
        operator_fee_per_gas: alloy_primitives::U128::from(GWEI),
        ..Default::default()
    };
    ValidationContext { fees: Some(FeeConfig::new(&settings, 100 * GWEI)), ..ctx() }
}

fn transfer_with_gas(gas_limit: u64) -> TxEnvelope {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        gas_limit,
        max_fee_per_gas: 3 * GWEI,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(Address::repeat_byte(0xee)),
        value: U256::from(1),
        ..Default::default()
    };
    sign_transaction(tx, &key(0)).unwrap()
}

#[test]
fn l2_gas_limit_must_cover_the_l1_data_gas_and_the_refusal_says_so() {
    let state = funded(1);
    let l2 = l2_ctx();
    let fees = l2.fees.unwrap();
    let probe = transfer_with_gas(21_000);
    let l1_gas = fees.l1_gas(l1_data_size(&probe.encoded_2718()), l2.base_fee);
    assert!(l1_gas > 0);
    let mut pool = TxPool::default();
    let err = pool.add(probe, &l2, &state).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "intrinsic gas too low: gas limit 21000 below 21000 intrinsic + {l1_gas} L1 data gas"
        )
    );
    // One gas short is refused, enough is admitted (the size is the same: the gas limit's
    // encoding has the same length).
    let short = transfer_with_gas(21_000 + l1_gas - 1);
    assert!(matches!(pool.add(short, &l2, &state), Err(PoolError::L1GasTooLow(_))));
    pool.add(transfer_with_gas(21_000 + l1_gas), &l2, &state).unwrap();
    // The same transaction on an L1 needs no L1 data gas.
    let mut l1_pool = TxPool::default();
    l1_pool.add(transfer_with_gas(21_000), &ctx(), &state).unwrap();
}

#[test]
fn a_check_made_outside_the_pool_is_admitted_once() {
    let state = funded(2);
    let mut pool = TxPool::default();
    // The rules and the state are checked without the pool...
    let low = tx(0, 0, GWEI / 2, 0);
    assert!(matches!(
        TxPool::check(low, None, None, &ctx(), &state),
        Err(PoolError::FeeCapBelowBaseFee { .. })
    ));
    let transfer = tx(0, 0, 2 * GWEI, GWEI);
    let first = TxPool::check(transfer.clone(), None, None, &ctx(), &state).unwrap();
    let again = TxPool::check(transfer, None, None, &ctx(), &state).unwrap();
    assert_eq!(pool.len(), 0);
    // ...and what the pool holds when the checked transaction comes in: two submissions of
    // one transaction checked at the same time, one is admitted.
    let open = |_: &TxEnvelope| Ok::<_, PoolError>(());
    assert!(pool.add_gated(first, &ctx(), open).unwrap().pending);
    assert!(matches!(pool.add_gated(again, &ctx(), open), Err(PoolError::AlreadyKnown)));
    assert_eq!(pool.len(), 1);
}

#[test]
fn a_failed_gate_leaves_the_pool_as_it_was() {
    let state = funded(2);
    let config = PoolConfig { max_total: 2, ..PoolConfig::default() };
    let mut pool = TxPool::new(config);
    let first = pool.add(tx(0, 0, 2 * GWEI, GWEI), &ctx(), &state).unwrap();
    let second = pool.add(tx(1, 0, 2 * GWEI, GWEI), &ctx(), &state).unwrap();
    let contents = |pool: &TxPool| {
        let mut hashes: Vec<B256> = pool.transactions().map(|t| t.hash).collect();
        hashes.sort();
        hashes
    };
    let before = contents(&pool);
    let refuse = |_: &TxEnvelope| Err(PoolError::PoolFull);
    let checked = |tx| TxPool::check(tx, None, None, &ctx(), &state).unwrap();
    // A replacement and a transaction that would evict: the gate sees each, nothing changes.
    let replacement = tx(0, 0, 4 * GWEI, 2 * GWEI);
    assert!(pool.add_gated(checked(replacement.clone()), &ctx(), refuse).is_err());
    let evicting = tx(1, 1, 9 * GWEI, 3 * GWEI);
    assert!(pool.add_gated(checked(evicting), &ctx(), refuse).is_err());
    assert_eq!(contents(&pool), before);
    // A refused transaction never reaches the gate.
    let mut seen = 0;
    let underpriced = tx(0, 0, 2 * GWEI + 1, GWEI);
    // Underpriced only against the pool's transaction: the check alone passes it.
    let underpriced = checked(underpriced);
    let gate = |_: &TxEnvelope| -> Result<(), PoolError> {
        seen += 1;
        Ok(())
    };
    assert!(pool.add_gated(underpriced, &ctx(), gate).is_err());
    assert_eq!(seen, 0);
    // A gate that lets it through: the replacement is in, in place of the first.
    let added = pool.add_gated(checked(replacement), &ctx(), |_| Ok::<_, PoolError>(()));
    assert_eq!(added.unwrap().replaced, Some(first.hash));
    assert!(pool.get(&second.hash).is_some());
    assert_eq!(pool.len(), 2);
}

/// A real sidecar of one blob per byte of `fill` (every field element's last byte is it):
/// EIP-7594 cell proofs with `cells`, else EIP-4844 blob proofs.
fn sidecar(fill: &[u8], cells: bool) -> BlobTransactionSidecarVariant {
    use alloy_eips::eip4844::{Blob, BlobTransactionSidecar, env_settings::EnvKzgSettings};
    let blobs: Vec<Blob> = fill
        .iter()
        .map(|byte| {
            let mut blob = Blob::ZERO;
            blob.chunks_exact_mut(32).for_each(|element| element[31] = *byte);
            blob
        })
        .collect();
    let settings = EnvKzgSettings::Default.get();
    if cells {
        let sidecar =
            alloy_eips::eip7594::BlobTransactionSidecarEip7594::try_from_blobs_with_settings(
                blobs, settings,
            );
        BlobTransactionSidecarVariant::Eip7594(sidecar.unwrap())
    } else {
        let sidecar = BlobTransactionSidecar::try_from_blobs_with_settings(blobs, settings);
        BlobTransactionSidecarVariant::Eip4844(sidecar.unwrap())
    }
}

/// A blob transaction of `sender` listing `sidecar`'s versioned hashes, tipping half its fee cap.
fn blob_tx(
    sender: u64,
    nonce: u64,
    max_fee: u128,
    sidecar: &BlobTransactionSidecarVariant,
) -> TxEnvelope {
    let tx = alloy_consensus::TxEip4844 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: max_fee / 2,
        to: Address::repeat_byte(0xee),
        blob_versioned_hashes: sidecar.versioned_hashes().collect(),
        max_fee_per_blob_gas: 10,
        ..Default::default()
    };
    sign_transaction(tx, &key(sender)).unwrap()
}

fn osaka() -> ValidationContext {
    ValidationContext { fork: Hardfork::Osaka, ..ctx() }
}

#[test]
fn a_blob_transaction_is_kept_with_its_sidecar_and_leaves_with_it() {
    let state = funded(1);
    let mut pool = TxPool::default();
    let carried = sidecar(&[1, 2], true);
    let added = pool
        .add_with_sidecar(
            blob_tx(0, 0, 2 * GWEI, &carried),
            Some(carried.clone()),
            &osaka(),
            &state,
        )
        .unwrap();
    let pooled = pool.get(&added.hash).unwrap();
    assert_eq!(pooled.sidecar.as_deref(), Some(&carried));
    assert_eq!(pool.blob_count(), 2);
    drop(pooled);
    // A replacement takes the place of the first one's sidecar.
    let other = sidecar(&[3], true);
    let replacement = blob_tx(0, 0, 4 * GWEI, &other);
    let added = pool.add_with_sidecar(replacement, Some(other.clone()), &osaka(), &state).unwrap();
    assert_eq!(pool.blob_count(), 1);
    assert_eq!(pool.get(&added.hash).unwrap().sidecar.as_deref(), Some(&other));
    let removed = pool.remove(&added.hash).unwrap();
    assert_eq!(pool.blob_count(), 0);
    // The pool holds no reference to it any more: the sidecar goes with the last one out.
    assert_eq!(Arc::strong_count(removed.sidecar.as_ref().unwrap()), 1);
}

#[test]
fn a_blob_transaction_needs_its_own_sidecar() {
    let state = funded(1);
    let mut pool = TxPool::default();
    let (own, other) = (sidecar(&[1], true), sidecar(&[2], true));
    let tx = blob_tx(0, 0, 2 * GWEI, &own);
    assert_eq!(pool.add(tx.clone(), &osaka(), &state), Err(PoolError::MissingBlobSidecar));
    let err = pool.add_with_sidecar(tx.clone(), Some(other), &osaka(), &state).unwrap_err();
    assert!(matches!(err, PoolError::BlobSidecarMismatch(_)), "{err}");
    // A sidecar for a transaction without blobs is refused too.
    let err = pool
        .add_with_sidecar(self::tx(0, 0, 2 * GWEI, GWEI), Some(own), &osaka(), &state)
        .unwrap_err();
    assert!(matches!(err, PoolError::BlobSidecarMismatch(_)), "{err}");
    assert!(pool.is_empty());
}

#[test]
fn blob_proofs_are_taken_before_osaka_and_cell_proofs_from_osaka_on() {
    let state = funded(2);
    let mut pool = TxPool::default();
    let (blob_proofs, cell_proofs) = (sidecar(&[1], false), sidecar(&[1], true));
    let early = blob_tx(0, 0, 2 * GWEI, &blob_proofs);
    let late = blob_tx(1, 0, 2 * GWEI, &cell_proofs);
    let err = pool.add_with_sidecar(early.clone(), Some(blob_proofs.clone()), &osaka(), &state);
    assert_eq!(err, Err(PoolError::BlobProofsAfterOsaka { fork: Hardfork::Osaka }));
    let err = pool.add_with_sidecar(late.clone(), Some(cell_proofs.clone()), &ctx(), &state);
    assert_eq!(err, Err(PoolError::CellProofsBeforeOsaka { fork: Hardfork::Prague }));
    assert!(err.unwrap_err().to_string().contains("one EIP-4844 proof per blob"));

    // Both sidecars list the same versioned hash: the commitment is the blob's either way.
    let prague = pool.add_with_sidecar(early, Some(blob_proofs), &ctx(), &state).unwrap();
    // Osaka arrives while it waits: it leaves the pool, the other kind stays.
    let osaka = pool.add_with_sidecar(late, Some(cell_proofs), &osaka(), &state).unwrap();
    assert_eq!(pool.remove_sidecars_unfit_for(Hardfork::Osaka), vec![prague.hash]);
    assert!(pool.get(&osaka.hash).is_some());
    assert_eq!(pool.blob_count(), 1);
}

#[test]
fn the_pool_holds_at_most_max_blobs() {
    let state = funded(3);
    let mut pool = TxPool::new(PoolConfig { max_blobs: 3, ..PoolConfig::default() });
    let two = sidecar(&[1, 2], true);
    pool.add_with_sidecar(blob_tx(0, 0, 2 * GWEI, &two), Some(two.clone()), &osaka(), &state)
        .unwrap();
    let err = pool
        .add_with_sidecar(blob_tx(1, 0, 2 * GWEI, &two), Some(two.clone()), &osaka(), &state)
        .unwrap_err();
    assert_eq!(err, PoolError::BlobLimit { held: 2, limit: 3 });
    // Ordinary transactions still get in; so does a replacement that frees its own blobs.
    pool.add(tx(1, 0, 2 * GWEI, GWEI), &osaka(), &state).unwrap();
    let three = sidecar(&[4, 5, 6], true);
    pool.add_with_sidecar(blob_tx(0, 0, 4 * GWEI, &three), Some(three), &osaka(), &state).unwrap();
    assert_eq!(pool.blob_count(), 3);
}
