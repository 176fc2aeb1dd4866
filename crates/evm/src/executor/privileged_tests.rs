//! The L2 rules for privileged (`0x7e`) transactions and the L2 bridge address, through the
//! block executor (docs/contracts.md, "Privileged transactions on L2"): every branch.

use super::*;
use crate::test_support::{
    BLOCK_GAS_LIMIT, ETHER, MemoryState, REVERT_DEADBEEF, STORE_ONE_IN_SLOT_0,
    STORE_ONE_IN_SLOT_0_GAS, block_header, eip1559_tx, prague,
};
use alloy_primitives::TxKind;
use basalt_primitives::{RollupConfig, TxPrivileged};

const BRIDGE: Address = address!("0x00000000000000000000000000000000000001ff");
const USER: Address = address!("0x1111000000000000000000000000000000002222");
const TARGET: Address = address!("0x2000000000000000000000000000000000000002");
const REVERTER: Address = address!("0x3000000000000000000000000000000000000003");

/// Cancun: no EIP-7685 system contracts needed to finish a block in memory.
fn l1() -> ChainConfig {
    ChainConfig::all_active_at_genesis(1, Hardfork::Cancun)
}

fn l2() -> ChainConfig {
    let mut config = l1();
    config.rollup = Some(RollupConfig { bridge: BRIDGE, fees: Default::default() });
    config
}

fn l2_prague() -> ChainConfig {
    let mut config = prague();
    config.rollup = Some(RollupConfig { bridge: BRIDGE, fees: Default::default() });
    config
}

fn l2_osaka() -> ChainConfig {
    let mut config = ChainConfig::all_active_at_genesis(1, Hardfork::Osaka);
    config.rollup = Some(RollupConfig { bridge: BRIDGE, fees: Default::default() });
    config
}

/// Executes `txs` in one block (senders taken from the transactions) and returns each
/// transaction's outcome.
fn run_all<S: StateReader>(
    config: &ChainConfig,
    state: &S,
    txs: &[BasaltTxEnvelope],
) -> Vec<Result<BasaltReceipt, BlockExecutionError>> {
    let header = block_header();
    let mut executor = BlockExecutor::new(config, &header, None, state);
    txs.iter()
        .enumerate()
        .map(|(index, tx)| {
            let sender = tx.recover_sender(false).unwrap_or(Address::repeat_byte(0x77));
            executor.execute_transaction(index, tx, sender, None).cloned()
        })
        .collect()
}

fn privileged(from: Address, to: Address, mint: u128, value: u128, gas_limit: u64) -> TxPrivileged {
    TxPrivileged {
        chain_id: 1,
        nonce: 1_000, // the bridge's transaction id, never checked against the account
        gas_limit,
        to: TxKind::Call(to),
        mint: U256::from(mint),
        value: U256::from(value),
        input: Bytes::new(),
        from,
    }
}

fn state() -> MemoryState {
    let mut state = MemoryState::default();
    state.deploy(TARGET, STORE_ONE_IN_SLOT_0).deploy(REVERTER, REVERT_DEADBEEF);
    state
}

struct Outcome {
    receipt: BasaltReceipt,
    gas_used: u64,
    changes: StateChanges,
}

fn run<S: StateReader>(
    config: &ChainConfig,
    state: &S,
    tx: BasaltTxEnvelope,
) -> Result<Outcome, BlockExecutionError> {
    let header = block_header();
    let sender = tx.recover_sender(false).unwrap_or(Address::repeat_byte(0x77));
    let mut executor = BlockExecutor::new(config, &header, None, state);
    let receipt = executor.execute_transaction(0, &tx, sender, None)?.clone();
    let gas_used = executor.gas_used();
    let output = executor.finish(Some(&[]), &[])?;
    Ok(Outcome { receipt, gas_used, changes: output.changes })
}

fn account(changes: &StateChanges, address: Address) -> Option<Account> {
    changes.accounts.iter().find(|(a, _)| *a == address).and_then(|(_, account)| *account)
}

fn slot_0(changes: &StateChanges, address: Address) -> Option<U256> {
    changes
        .storage
        .iter()
        .find(|s| s.address == address)
        .and_then(|s| s.slots.iter().find(|(slot, _)| slot.is_zero()).map(|(_, v)| *v))
}

#[test]
fn mint_then_call_with_value_pays_no_gas_and_bumps_the_nonce_unchecked() {
    let tx = privileged(USER, TARGET, 5 * ETHER, 2 * ETHER, 100_000);
    let out = run(&l2(), &state(), tx.into()).unwrap();
    assert!(out.receipt.status());
    assert_eq!(out.receipt.tx_type(), basalt_primitives::BasaltTxType::Privileged);
    assert_eq!(out.gas_used, STORE_ONE_IN_SLOT_0_GAS, "gas used is counted as for any call");
    let user = account(&out.changes, USER).unwrap();
    assert_eq!(user.balance, U256::from(3 * ETHER), "mint minus value, no gas bought");
    assert_eq!(user.nonce, 1, "the account nonce is bumped, the id 1000 is not checked");
    assert_eq!(account(&out.changes, TARGET).unwrap().balance, U256::from(2 * ETHER));
    assert_eq!(slot_0(&out.changes, TARGET), Some(U256::from(1)));
    // No fee: the beneficiary is not paid.
    assert!(account(&out.changes, block_header().beneficiary).is_none_or(|a| a.balance.is_zero()));
}

#[test]
fn a_sender_without_funds_or_with_code_runs_for_free() {
    // `from` holds nothing and mints nothing; EIP-3607 (sender with code) does not apply.
    let tx = privileged(REVERTER, TARGET, 0, 0, 100_000);
    let out = run(&l2(), &state(), tx.into()).unwrap();
    assert!(out.receipt.status());
    assert_eq!(slot_0(&out.changes, TARGET), Some(U256::from(1)));
}

#[test]
fn value_above_the_balance_after_the_mint_is_included_as_failed_keeping_the_mint() {
    let tx = privileged(USER, TARGET, ETHER, 2 * ETHER, 100_000);
    let out = run(&l2(), &state(), tx.into()).unwrap();
    assert!(!out.receipt.status());
    assert!(out.receipt.logs().is_empty());
    assert_eq!(out.gas_used, 100_000, "a failed inclusion uses its whole gas limit");
    let user = account(&out.changes, USER).unwrap();
    assert_eq!((user.balance, user.nonce), (U256::from(ETHER), 1));
    assert!(account(&out.changes, TARGET).is_none(), "nothing else moved");
    assert_eq!(slot_0(&out.changes, TARGET), None);
}

#[test]
fn gas_below_intrinsic_gas_is_included_as_failed() {
    for (gas_limit, input) in [(20_999, Bytes::new()), (21_100, Bytes::from(vec![1u8; 10]))] {
        let tx = TxPrivileged { input, ..privileged(USER, TARGET, ETHER, 0, gas_limit) };
        let out = run(&l2(), &state(), tx.into()).unwrap();
        assert!(!out.receipt.status(), "gas limit {gas_limit}");
        assert_eq!(out.gas_used, gas_limit);
        let user = account(&out.changes, USER).unwrap();
        assert_eq!((user.balance, user.nonce), (U256::from(ETHER), 1));
        assert_eq!(slot_0(&out.changes, TARGET), None);
    }
}

#[test]
fn gas_below_the_eip7623_floor_fails_from_prague_on() {
    // A call with 10 non-zero bytes to an account without code: 21,160 gas of intrinsic cost,
    // 21,400 with the EIP-7623 floor (Prague). With 21,300 it runs before Prague and is
    // included as failed from Prague on.
    let tx = TxPrivileged {
        input: Bytes::from(vec![1u8; 10]),
        ..privileged(USER, Address::repeat_byte(0x66), ETHER, 0, 21_300)
    };
    let header = block_header();
    for (config, succeeds, gas_used) in [(l2(), true, 21_160), (l2_prague(), false, 21_300)] {
        let mut executor = BlockExecutor::new(&config, &header, None, state());
        let receipt = executor.execute_transaction(0, &tx.clone().into(), USER, None).unwrap();
        assert_eq!(receipt.status(), succeeds);
        assert_eq!(executor.gas_used(), gas_used);
    }
}

#[test]
fn a_reverting_call_keeps_the_mint_and_the_nonce_and_moves_no_value() {
    let tx = privileged(USER, REVERTER, ETHER, ETHER, 100_000);
    let out = run(&l2(), &state(), tx.into()).unwrap();
    assert!(!out.receipt.status());
    assert!(out.gas_used < 100_000, "a revert returns its unused gas: {}", out.gas_used);
    let user = account(&out.changes, USER).unwrap();
    assert_eq!((user.balance, user.nonce), (U256::from(ETHER), 1));
    assert!(account(&out.changes, REVERTER).is_none_or(|a| a.balance.is_zero()));
}

#[test]
fn a_creating_privileged_transaction_deploys_at_the_senders_account_nonce() {
    let mut state = state();
    state.fund(USER, 0);
    // Init code returning STORE_ONE_IN_SLOT_0 as runtime code would do; any code works here:
    // PUSH1 0, PUSH1 0, RETURN deploys empty code, which is enough to check the address.
    let tx = TxPrivileged {
        to: TxKind::Create,
        input: Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0xf3]),
        ..privileged(USER, Address::ZERO, ETHER, 0, 100_000)
    };
    let header = block_header();
    let config = l2();
    let mut executor = BlockExecutor::new(&config, &header, None, &state);
    let receipt = executor.execute_transaction(0, &tx.into(), USER, None).unwrap().clone();
    assert!(receipt.status());
    let created = executor.created_address(0);
    assert_eq!(created, Some(USER.create(0)), "address from the account nonce, not the id");
    let output = executor.finish(Some(&[]), &[]).unwrap();
    assert_eq!(account(&output.changes, USER).unwrap().nonce, 1, "bumped once");
    assert_eq!(account(&output.changes, USER.create(0)).unwrap().nonce, 1);
}

#[test]
fn privileged_transactions_are_invalid_under_l1_rules() {
    let tx = privileged(USER, TARGET, ETHER, 0, 100_000);
    let err = run(&l1(), &state(), tx.into()).err().expect("refused under L1 rules");
    assert!(matches!(err, BlockExecutionError::InvalidTransaction { .. }), "{err}");
    assert!(!err.is_node_failure());
    assert!(err.to_string().contains("0x7e"), "{err}");
}

#[test]
fn only_privileged_transactions_may_come_from_the_l2_bridge() {
    let mut state = state();
    state.fund(BRIDGE, ETHER);
    let signed: BasaltTxEnvelope = eip1559_tx(0, TARGET, 0, 100_000).into();
    let header = block_header();
    let config = l2();
    let mut executor = BlockExecutor::new(&config, &header, None, &state);
    let err = executor.execute_transaction(0, &signed, BRIDGE, None).unwrap_err();
    assert!(err.to_string().contains("bridge"), "{err}");
    // The same signed transaction from anyone else, or from the bridge under L1 rules, runs.
    let l1 = l1();
    let mut executor = BlockExecutor::new(&l1, &header, None, &state);
    assert!(executor.execute_transaction(0, &signed, BRIDGE, None).is_ok());
    // And a privileged one from the bridge (a deposit) runs under L2 rules.
    let deposit = privileged(BRIDGE, TARGET, ETHER, ETHER, 100_000);
    assert!(run(&config, &state, deposit.into()).unwrap().receipt.status());
}

#[test]
fn a_failed_state_read_is_a_node_failure_not_a_failed_inclusion() {
    struct Broken(MemoryState);
    impl StateReader for Broken {
        fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
            if address == USER {
                return Err(StateReadError::new(std::io::Error::other("disk read failed")));
            }
            self.0.account(address)
        }
        fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
            self.0.storage(address, slot)
        }
        fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
            self.0.has_storage(address)
        }
        fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
            self.0.code(code_hash)
        }
        fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
            self.0.block_hash(number)
        }
    }
    let tx = privileged(USER, TARGET, ETHER, 0, 100_000);
    let err = run(&l2(), &Broken(state()), tx.into()).err().expect("node failure");
    assert!(err.is_node_failure(), "{err}");
}

#[test]
fn a_failed_inclusion_leaves_nothing_behind_for_the_next_transaction() {
    let failed = privileged(USER, TARGET, ETHER, 2 * ETHER, 100_000);
    let next = privileged(USER, TARGET, 0, ETHER / 2, 100_000);
    let header = block_header();
    let config = l2();
    let state = state();
    let mut executor = BlockExecutor::new(&config, &header, None, &state);
    assert!(!executor.execute_transaction(0, &failed.into(), USER, None).unwrap().status());
    let receipt = executor.execute_transaction(1, &next.into(), USER, None).unwrap().clone();
    assert!(receipt.status());
    assert_eq!(receipt.cumulative_gas_used(), 100_000 + STORE_ONE_IN_SLOT_0_GAS);
    let output = executor.finish(Some(&[]), &[]).unwrap();
    let user = account(&output.changes, USER).unwrap();
    assert_eq!((user.balance, user.nonce), (U256::from(ETHER / 2), 2), "one mint, two bumps");
    assert_eq!(account(&output.changes, TARGET).unwrap().balance, U256::from(ETHER / 2));
}

#[test]
fn a_creation_failing_inclusion_or_reverting_bumps_the_nonce_once_and_keeps_the_mint() {
    let creation = |gas_limit, input: &'static [u8]| TxPrivileged {
        to: TxKind::Create,
        input: Bytes::from_static(input),
        ..privileged(USER, Address::ZERO, ETHER, 0, gas_limit)
    };
    // Below the creation's intrinsic gas (53,000 + initcode): failed inclusion.
    let refused = run(&l2(), &state(), creation(40_000, &[0x00]).into()).unwrap();
    // Init code that reverts: PUSH1 0, PUSH1 0, REVERT.
    let reverted =
        run(&l2(), &state(), creation(100_000, &[0x60, 0x00, 0x60, 0x00, 0xfd]).into()).unwrap();
    for (name, out) in [("refused", refused), ("reverted", reverted)] {
        assert!(!out.receipt.status(), "{name}");
        let user = account(&out.changes, USER).unwrap();
        assert_eq!((user.balance, user.nonce), (U256::from(ETHER), 1), "{name}");
        assert!(account(&out.changes, USER.create(0)).is_none_or(|a| a.nonce == 0), "{name}");
    }
}

#[test]
fn a_transaction_above_the_block_gas_limit_is_included_alone_as_failed_using_the_block() {
    let oversized = privileged(USER, TARGET, ETHER, 0, BLOCK_GAS_LIMIT + 1);
    let out = run(&l2(), &state(), oversized.clone().into()).unwrap();
    assert!(!out.receipt.status());
    assert_eq!(out.gas_used, BLOCK_GAS_LIMIT, "gas used = the block gas limit");
    let user = account(&out.changes, USER).unwrap();
    assert_eq!((user.balance, user.nonce), (U256::from(ETHER), 1));
    assert_eq!(slot_0(&out.changes, TARGET), None);

    // Not alone: after another transaction, or followed by one, the block is invalid.
    let small: BasaltTxEnvelope = privileged(USER, TARGET, 0, 0, 100_000).into();
    let after = run_all(&l2(), &state(), &[small.clone(), oversized.clone().into()]);
    assert!(matches!(after[1], Err(BlockExecutionError::AfterOversizedPrivileged { index: 1 })));
    let before = run_all(&l2(), &state(), &[oversized.into(), small]);
    assert!(before[0].is_ok());
    assert!(matches!(before[1], Err(BlockExecutionError::AfterOversizedPrivileged { index: 1 })));
}

#[test]
fn above_the_eip7825_cap_it_is_included_alone_as_failed_from_osaka_on() {
    // 2^24 + 1 gas fits the 30M block but not Osaka's per-transaction cap.
    let tx: BasaltTxEnvelope = privileged(USER, TARGET, ETHER, 0, (1 << 24) + 1).into();
    let header = block_header();
    let config = l2_osaka();
    let state = state();
    let mut executor = BlockExecutor::new(&config, &header, None, &state);
    let receipt = executor.execute_transaction(0, &tx, USER, None).unwrap();
    assert!(!receipt.status());
    assert_eq!(executor.gas_used(), BLOCK_GAS_LIMIT);
    // Before Osaka there is no cap: it runs like any call.
    assert!(run(&l2(), &state, tx).unwrap().receipt.status());
}

#[test]
fn initcode_above_the_eip3860_limit_is_included_as_failed() {
    let tx = TxPrivileged {
        to: TxKind::Create,
        input: Bytes::from(vec![0u8; 49_153]),
        ..privileged(USER, Address::ZERO, ETHER, 0, 10_000_000)
    };
    let out = run(&l2(), &state(), tx.into()).unwrap();
    assert!(!out.receipt.status());
    assert_eq!(out.gas_used, 10_000_000);
    let user = account(&out.changes, USER).unwrap();
    assert_eq!((user.balance, user.nonce), (U256::from(ETHER), 1));
}

#[test]
fn a_wrong_chain_id_makes_the_block_invalid() {
    let tx = TxPrivileged { chain_id: 2, ..privileged(USER, TARGET, ETHER, 0, 100_000) };
    let err = run(&l2(), &state(), tx.into()).err().expect("not the chain's transaction");
    assert!(matches!(err, BlockExecutionError::InvalidTransaction { .. }), "{err}");
    assert!(!err.is_node_failure());
}

#[test]
fn the_sender_is_the_transactions_from_whatever_the_caller_passes() {
    let tx: BasaltTxEnvelope = privileged(USER, TARGET, ETHER, 0, 100_000).into();
    let header = block_header();
    let config = l2();
    let state = state();
    let mut executor = BlockExecutor::new(&config, &header, None, &state);
    executor.execute_transaction(0, &tx, Address::repeat_byte(0x99), None).unwrap();
    let output = executor.finish(Some(&[]), &[]).unwrap();
    assert_eq!(account(&output.changes, USER).unwrap().balance, U256::from(ETHER));
    assert!(account(&output.changes, Address::repeat_byte(0x99)).is_none());
}
