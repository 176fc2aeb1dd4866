use super::*;
use crate::test_support::*;
use alloy_primitives::{address, b256, bytes, map::B256HashMap};
use alloy_rpc_types_eth::{AccessList, AccessListItem, state::AccountOverride};

const SENDER: Address = address!("0x1000000000000000000000000000000000000001");
const CONTRACT: Address = address!("0x2000000000000000000000000000000000000002");
const OTHER_CONTRACT: Address = address!("0x3000000000000000000000000000000000000003");

fn request_to(to: Address) -> TransactionRequest {
    TransactionRequest::default().from(SENDER).to(to)
}

fn state_with(code: &[u8]) -> MemoryState {
    let mut state = MemoryState::default();
    state.fund(SENDER, 10 * ETHER).deploy(CONTRACT, code);
    state
}

fn word(value: u64) -> Bytes {
    Bytes::copy_from_slice(&U256::from(value).to_be_bytes::<32>())
}

fn run_call(
    state: &MemoryState,
    request: &TransactionRequest,
) -> Result<CallOutcome, SimulationError> {
    run_call_with(state, request, None, None)
}

/// `eth_call` at Prague with state and block overrides.
fn run_call_with(
    state: &MemoryState,
    request: &TransactionRequest,
    state_overrides: Option<&StateOverride>,
    block_overrides: Option<&BlockOverrides>,
) -> Result<CallOutcome, SimulationError> {
    call(&prague(), &block_header(), None, state, request, state_overrides, block_overrides)
}

#[test]
fn call_returns_the_contract_output() {
    let state = state_with(RETURN_42);
    let outcome = run_call(&state, &request_to(CONTRACT)).unwrap();
    assert_eq!(outcome.output, word(42));
    // Intrinsic gas, four PUSH1s and an MSTORE at 3 gas each, one word of memory.
    assert_eq!(outcome.gas_used, 21_000 + 5 * 3 + 3);
}

#[test]
fn call_revert_surfaces_custom_error_data() {
    let state = state_with(REVERT_DEADBEEF);
    let err = run_call(&state, &request_to(CONTRACT)).unwrap_err();
    let SimulationError::Reverted { output, gas_used } = &err else {
        panic!("expected a revert, got {err:?}");
    };
    assert_eq!(output, &bytes!("deadbeef"));
    assert!(*gas_used > 21_000);
    assert_eq!(err.rpc_code(), 3);
    assert_eq!(err.rpc_data(), Some(&bytes!("deadbeef")));
    assert_eq!(err.to_string(), "execution reverted");
}

#[test]
fn revert_message_decodes_error_strings_and_panics() {
    let reason = Revert::from("not the owner").abi_encode();
    assert_eq!(revert_message(&reason), "execution reverted: not the owner");
    let panic = Panic { code: U256::from(0x11) }.abi_encode();
    assert_eq!(revert_message(&panic), "execution reverted: arithmetic underflow or overflow");
    assert_eq!(revert_message(&[0xde, 0xad]), "execution reverted");
}

#[test]
fn call_without_from_or_gas_runs_from_zero_address_with_block_gas_limit() {
    let state = state_with(RETURN_CALLER_AND_GAS);
    let request = TransactionRequest::default().to(CONTRACT);
    let outcome = run_call(&state, &request).unwrap();
    assert_eq!(&outcome.output[..32], &[0u8; 32]);
    let gas_left = U256::from_be_slice(&outcome.output[32..]);
    assert!(gas_left > U256::from(BLOCK_GAS_LIMIT - 22_000), "gas left {gas_left}");
    assert!(gas_left < U256::from(BLOCK_GAS_LIMIT - 21_000));
}

#[test]
fn call_gas_above_block_gas_limit_is_capped() {
    let state = state_with(RETURN_CALLER_AND_GAS);
    let request = request_to(CONTRACT).gas_limit(BLOCK_GAS_LIMIT * 2);
    let outcome = run_call(&state, &request).unwrap();
    assert!(U256::from_be_slice(&outcome.output[32..]) < U256::from(BLOCK_GAS_LIMIT));
}

#[test]
fn call_gas_is_capped_at_the_osaka_transaction_gas_cap() {
    let osaka = ChainConfig::all_active_at_genesis(1, basalt_primitives::Hardfork::Osaka);
    let state = state_with(RETURN_CALLER_AND_GAS);
    let outcome =
        call(&osaka, &block_header(), None, &state, &request_to(CONTRACT), None, None).unwrap();
    // EIP-7825: no transaction may have more than 2^24 gas, whatever the block gas limit.
    assert!(U256::from_be_slice(&outcome.output[32..]) < U256::from(1u64 << 24));
}

#[test]
fn call_offering_a_fee_from_an_empty_account_reports_missing_funds() {
    let poor = address!("0x4000000000000000000000000000000000000004");
    let state = state_with(RETURN_42);
    let request = TransactionRequest::default().from(poor).to(CONTRACT).gas_price(GWEI);
    let err = run_call(&state, &request).unwrap_err();
    assert!(
        matches!(err, SimulationError::InsufficientFunds { address, .. } if address == poor),
        "{err:?}"
    );
}

#[test]
fn call_value_needs_balance_until_a_balance_override() {
    let poor = address!("0x4000000000000000000000000000000000000004");
    let state = state_with(&[]);
    let request = TransactionRequest::default().from(poor).to(CONTRACT).value(U256::from(ETHER));
    let err = run_call(&state, &request).unwrap_err();
    assert_eq!(
        err,
        SimulationError::InsufficientFunds {
            address: poor,
            balance: U256::ZERO,
            cost: U256::from(ETHER)
        }
    );
    assert!(err.to_string().starts_with("insufficient funds for gas * price + value"), "{err}");

    let overrides: StateOverride =
        [(poor, AccountOverride::default().with_balance(U256::from(2 * ETHER)))]
            .into_iter()
            .collect();
    run_call_with(&state, &request, Some(&overrides), None).unwrap();
}

#[test]
fn call_without_fees_needs_no_balance_for_gas() {
    let state = state_with(RETURN_42);
    let request = TransactionRequest::default()
        .from(address!("0x4000000000000000000000000000000000000004"))
        .to(CONTRACT);
    assert_eq!(run_call(&state, &request).unwrap().output, word(42));
}

#[test]
fn call_with_code_and_state_diff_overrides() {
    let state = state_with(&[]);
    let fresh = address!("0x5000000000000000000000000000000000000005");
    let mut slots = B256HashMap::default();
    slots.insert(B256::ZERO, B256::from(U256::from(7)));
    let overrides: StateOverride = [(
        fresh,
        AccountOverride {
            code: Some(Bytes::from_static(RETURN_SLOT_0)),
            state_diff: Some(slots),
            ..Default::default()
        },
    )]
    .into_iter()
    .collect();
    let outcome = run_call_with(&state, &request_to(fresh), Some(&overrides), None).unwrap();
    assert_eq!(outcome.output, word(7));
}

#[test]
fn state_diff_keeps_other_slots_and_state_replaces_all_storage() {
    let mut state = state_with(RETURN_SLOT_0);
    state.set_storage(CONTRACT, 0, 1).set_storage(CONTRACT, 1, 2);
    let mut slot_1 = B256HashMap::default();
    slot_1.insert(B256::from(U256::from(1)), B256::from(U256::from(5)));

    let diff: StateOverride =
        [(CONTRACT, AccountOverride { state_diff: Some(slot_1.clone()), ..Default::default() })]
            .into_iter()
            .collect();
    let outcome = run_call_with(&state, &request_to(CONTRACT), Some(&diff), None).unwrap();
    assert_eq!(outcome.output, word(1));

    let replace: StateOverride =
        [(CONTRACT, AccountOverride { state: Some(slot_1.clone()), ..Default::default() })]
            .into_iter()
            .collect();
    let outcome = run_call_with(&state, &request_to(CONTRACT), Some(&replace), None).unwrap();
    assert_eq!(outcome.output, word(0));

    let both: StateOverride = [(
        CONTRACT,
        AccountOverride {
            state: Some(slot_1.clone()),
            state_diff: Some(slot_1),
            ..Default::default()
        },
    )]
    .into_iter()
    .collect();
    let err = run_call_with(&state, &request_to(CONTRACT), Some(&both), None).unwrap_err();
    assert!(
        matches!(err, SimulationError::InvalidStateOverride { address: CONTRACT, .. }),
        "{err:?}"
    );
    assert_eq!(err.rpc_code(), -32602);
}

#[test]
fn malformed_delegation_code_override_is_rejected() {
    let state = state_with(&[]);
    let overrides: StateOverride =
        [(CONTRACT, AccountOverride::default().with_code(bytes!("ef0100")))].into_iter().collect();
    let err = run_call_with(&state, &request_to(CONTRACT), Some(&overrides), None).unwrap_err();
    assert!(matches!(err, SimulationError::InvalidStateOverride { .. }), "{err:?}");
}

#[test]
fn call_sees_block_overrides() {
    let state = state_with(RETURN_TIME_AND_NUMBER);
    let outcome = run_call(&state, &request_to(CONTRACT)).unwrap();
    assert_eq!(outcome.output, [word(BLOCK_TIMESTAMP), word(BLOCK_NUMBER)].concat());

    let overrides =
        BlockOverrides { number: Some(U256::from(99)), time: Some(12_345), ..Default::default() };
    let outcome = run_call_with(&state, &request_to(CONTRACT), None, Some(&overrides)).unwrap();
    assert_eq!(outcome.output, [word(12_345), word(99)].concat());
}

#[test]
fn call_sees_block_hash_overrides() {
    let mut state = state_with(RETURN_BLOCKHASH_9);
    state.set_block_hash(9, B256::repeat_byte(0x09));
    let outcome = run_call(&state, &request_to(CONTRACT)).unwrap();
    assert_eq!(outcome.output, Bytes::from(B256::repeat_byte(0x09)));

    let overrides = BlockOverrides {
        block_hash: Some([(9, B256::repeat_byte(0x99))].into_iter().collect()),
        ..Default::default()
    };
    let outcome = run_call_with(&state, &request_to(CONTRACT), None, Some(&overrides)).unwrap();
    assert_eq!(outcome.output, Bytes::from(B256::repeat_byte(0x99)));
}

#[test]
fn fee_below_base_fee_and_mixed_fee_fields_are_rejected() {
    let state = state_with(RETURN_42);
    let cheap = request_to(CONTRACT).gas_price(1);
    let err = run_call(&state, &cheap).unwrap_err();
    assert!(matches!(err, SimulationError::InvalidTransaction { .. }), "{err:?}");

    let mixed = request_to(CONTRACT).gas_price(10).max_fee_per_gas(10);
    let err = run_call(&state, &mixed).unwrap_err();
    assert!(matches!(err, SimulationError::InvalidRequest(_)), "{err:?}");

    // A fee at the base fee is paid from the sender's balance and accepted.
    let paying =
        request_to(CONTRACT).max_fee_per_gas(u128::from(BASE_FEE)).max_priority_fee_per_gas(0);
    assert_eq!(run_call(&state, &paying).unwrap().output, word(42));
}

#[test]
fn estimate_of_plain_transfer_is_21000() {
    let state = state_with(&[]);
    let recipient = address!("0x6000000000000000000000000000000000000006");
    let request = request_to(recipient).value(U256::from(ETHER));
    let estimate =
        estimate_gas(&prague(), &block_header(), None, &state, &request, None, None).unwrap();
    assert_eq!(estimate, MIN_TRANSACTION_GAS);
}

#[test]
fn estimate_of_storage_write_is_the_least_gas_that_succeeds() {
    let state = state_with(STORE_ONE_IN_SLOT_0);
    let request = request_to(CONTRACT);
    let estimate =
        estimate_gas(&prague(), &block_header(), None, &state, &request, None, None).unwrap();
    assert_eq!(estimate, STORE_ONE_IN_SLOT_0_GAS);
    run_call(&state, &request.clone().gas_limit(estimate)).unwrap();
    let err = run_call(&state, &request.gas_limit(estimate - 1)).unwrap_err();
    assert!(matches!(err, SimulationError::Halted { .. }), "{err:?}");
    assert_eq!(err.to_string(), "out of gas");
    assert_eq!(err.rpc_code(), -32000);
}

#[test]
fn estimate_of_nested_call_covers_the_gas_a_call_withholds() {
    let mut state = state_with(&call_and_require_success(OTHER_CONTRACT));
    state.deploy(OTHER_CONTRACT, STORE_ONE_IN_SLOT_0);
    let request = request_to(CONTRACT);
    let estimate =
        estimate_gas(&prague(), &block_header(), None, &state, &request, None, None).unwrap();
    let outcome = run_call(&state, &request.clone().gas_limit(estimate)).unwrap();
    // EIP-150 keeps 1/64 of the gas back at the CALL, so the limit exceeds the gas used.
    assert!(estimate > outcome.gas_used, "estimate {estimate}, used {}", outcome.gas_used);
    let err = run_call(&state, &request.gas_limit(estimate - 1)).unwrap_err();
    assert!(matches!(err, SimulationError::Reverted { .. }), "{err:?}");
}

#[test]
fn estimate_of_reverting_call_returns_the_revert() {
    let state = state_with(REVERT_DEADBEEF);
    let err =
        estimate_gas(&prague(), &block_header(), None, &state, &request_to(CONTRACT), None, None)
            .unwrap_err();
    assert!(
        matches!(&err, SimulationError::Reverted { output, .. } if output == &bytes!("deadbeef")),
        "{err:?}"
    );
}

#[test]
fn estimate_with_too_little_gas_reports_the_allowance() {
    let state = state_with(STORE_ONE_IN_SLOT_0);
    let request = request_to(CONTRACT).gas_limit(30_000);
    let err =
        estimate_gas(&prague(), &block_header(), None, &state, &request, None, None).unwrap_err();
    assert_eq!(err, SimulationError::GasRequiredExceedsAllowance { cap: 30_000 });
    assert_eq!(err.to_string(), "gas required exceeds allowance (30000)");
}

#[test]
fn estimate_with_fee_is_capped_by_what_the_sender_can_pay() {
    let poor = address!("0x4000000000000000000000000000000000000004");
    let mut state = state_with(STORE_ONE_IN_SLOT_0);
    // Enough for 40000 gas at 1 gwei: less than the write needs.
    state.fund(poor, 40_000 * GWEI);
    let request = TransactionRequest::default().from(poor).to(CONTRACT).max_fee_per_gas(GWEI);
    let err =
        estimate_gas(&prague(), &block_header(), None, &state, &request, None, None).unwrap_err();
    assert_eq!(err, SimulationError::GasRequiredExceedsAllowance { cap: 40_000 });
}

#[test]
fn access_list_names_the_slot_read_in_another_contract() {
    let mut state = state_with(&call_and_require_success(OTHER_CONTRACT));
    state.deploy(OTHER_CONTRACT, READ_SLOT_3);
    let request = request_to(CONTRACT);
    let result =
        create_access_list(&prague(), &block_header(), None, &state, &request, None, None).unwrap();
    let expected = AccessList(vec![AccessListItem {
        address: OTHER_CONTRACT,
        storage_keys: vec![b256!(
            "0x0000000000000000000000000000000000000000000000000000000000000003"
        )],
    }]);
    assert_eq!(result.access_list, expected);
    assert_eq!(result.error, None);
    // The gas reported is that of the transaction carrying the list.
    let with_list = run_call(&state, &request.access_list(expected)).unwrap();
    assert_eq!(result.gas_used, U256::from(with_list.gas_used));
}

#[test]
fn access_list_of_reverting_call_reports_the_error() {
    let state = state_with(REVERT_DEADBEEF);
    let result = create_access_list(
        &prague(),
        &block_header(),
        None,
        &state,
        &request_to(CONTRACT),
        None,
        None,
    )
    .unwrap();
    assert_eq!(result.error.as_deref(), Some("execution reverted"));
    assert!(result.access_list.is_empty());
}

#[test]
fn a_call_may_act_as_the_l2_bridge_though_a_block_transaction_may_not() {
    let bridge = address!("0x00000000000000000000000000000000000001ff");
    let mut config = prague();
    config.rollup = Some(basalt_primitives::RollupConfig { bridge, fees: Default::default() });
    let mut state = state_with(RETURN_42);
    state.fund(bridge, ETHER);
    let request = TransactionRequest::default().from(bridge).to(CONTRACT);
    let outcome = call(&config, &block_header(), None, &state, &request, None, None).unwrap();
    assert_eq!(outcome.output, word(42));
    assert!(estimate_gas(&config, &block_header(), None, &state, &request, None, None).is_ok());
}
