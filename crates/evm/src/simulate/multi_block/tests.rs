use super::*;
use crate::{
    simulate::call_logs::{NATIVE_ASSET_ADDRESS, TRANSFER_EVENT_TOPIC},
    test_support::*,
};
use alloy_primitives::{address, b256, bytes, map::B256HashMap};
use alloy_rpc_types_eth::state::AccountOverride;

const SENDER: Address = address!("0xc000000000000000000000000000000000000000");
const RECIPIENT: Address = address!("0xc100000000000000000000000000000000000000");
const CONTRACT: Address = address!("0xc200000000000000000000000000000000000000");
const IDENTITY: Address = address!("0x0000000000000000000000000000000000000004");
const ROOT: B256 = b256!("0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
/// Returns BLOCKHASH(NUMBER - 1): NUMBER, PUSH1 1, SWAP1, SUB, BLOCKHASH, PUSH1 0, MSTORE,
/// PUSH1 32, PUSH1 0, RETURN.
const RETURN_PARENT_HASH: &[u8] =
    &[0x43, 0x60, 0x01, 0x90, 0x03, 0x40, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
/// Returns COINBASE, BASEFEE and PREVRANDAO as three words.
const RETURN_COINBASE_BASEFEE_RANDAO: &[u8] = &[
    0x41, 0x60, 0x00, 0x52, 0x48, 0x60, 0x20, 0x52, 0x44, 0x60, 0x40, 0x52, 0x60, 0x60, 0x60, 0x00,
    0xf3,
];

/// Sends its call value on to `target` with all gas, ignoring the outcome:
/// PUSH1 0 x4, CALLVALUE, PUSH20 target, GAS, CALL, POP, STOP.
fn forward_value_to(target: Address) -> Vec<u8> {
    let mut code = [0x60, 0x00].repeat(4);
    code.push(0x34);
    code.push(0x73);
    code.extend_from_slice(target.as_slice());
    code.extend_from_slice(&[0x5a, 0xf1, 0x50, 0x00]);
    code
}

fn cancun() -> ChainConfig {
    ChainConfig::all_active_at_genesis(1, Hardfork::Cancun)
}

fn funded_state() -> MemoryState {
    let mut state = MemoryState::default();
    state.fund(SENDER, 10 * ETHER);
    state
}

fn run(
    state: &MemoryState,
    blocks: &[BlockStateCall],
    options: SimulationOptions,
) -> Result<Vec<SimulatedBlockOutput>, SimulateBlocksError> {
    let mut root = |_: &StateChanges| Ok(ROOT);
    simulate_blocks(&cancun(), &block_header(), state, blocks, options, &mut root)
}

fn block(calls: Vec<TransactionRequest>) -> BlockStateCall {
    BlockStateCall { calls, ..Default::default() }
}

fn transfer(from: Address, to: Address, value: u128) -> TransactionRequest {
    TransactionRequest::default().from(from).to(to).value(U256::from(value))
}

fn overrides(entries: Vec<(Address, AccountOverride)>) -> Option<StateOverride> {
    Some(entries.into_iter().collect())
}

fn word(value: u64) -> Bytes {
    Bytes::copy_from_slice(&U256::from(value).to_be_bytes::<32>())
}

#[test]
fn blocks_follow_the_base_by_one_number_and_twelve_seconds_and_link_by_hash() {
    let state = funded_state();
    let out = run(&state, &[block(vec![]), block(vec![])], Default::default()).unwrap();
    assert_eq!(out.len(), 2);
    let base = block_header();
    assert_eq!(out[0].block.header.number, base.number + 1);
    assert_eq!(out[0].block.header.timestamp, base.timestamp + 12);
    assert_eq!(out[0].block.header.parent_hash, base.hash_slow());
    assert_eq!(out[1].block.header.number, base.number + 2);
    assert_eq!(out[1].block.header.timestamp, base.timestamp + 24);
    assert_eq!(out[1].block.header.parent_hash, out[0].hash);
    assert_eq!(out[1].hash, out[1].block.header.hash_slow());
    // The caller's state-root function roots every block.
    assert_eq!(out[1].block.header.state_root, ROOT);
    // Beneficiary and gas limit carry over from the base; prevrandao does not.
    assert_eq!(out[0].block.header.beneficiary, base.beneficiary);
    assert_eq!(out[0].block.header.gas_limit, base.gas_limit);
    assert_eq!(out[0].block.header.mix_hash, B256::ZERO);
    assert_eq!(out[0].block.header.parent_beacon_block_root, Some(B256::ZERO));
    assert_eq!(out[0].block.body.withdrawals.as_ref().map(|w| w.len()), Some(0));
}

#[test]
fn a_gap_in_block_numbers_is_filled_with_empty_blocks() {
    let state = funded_state();
    let mut second = block(vec![]);
    second.block_overrides.number = Some(U256::from(BLOCK_NUMBER + 4));
    let out = run(&state, &[block(vec![]), second], Default::default()).unwrap();
    let numbers: Vec<u64> = out.iter().map(|b| b.block.header.number).collect();
    assert_eq!(numbers, [11, 12, 13, 14]);
    let times: Vec<u64> = out.iter().map(|b| b.block.header.timestamp).collect();
    assert_eq!(times, [1012, 1024, 1036, 1048]);
    for pair in out.windows(2) {
        assert_eq!(pair[1].block.header.parent_hash, pair[0].hash);
    }
}

#[test]
fn block_numbers_and_timestamps_must_increase() {
    let state = funded_state();
    let mut same_number = block(vec![]);
    same_number.block_overrides.number = Some(U256::from(BLOCK_NUMBER + 1));
    let err = run(&state, &[block(vec![]), same_number], Default::default()).unwrap_err();
    assert_eq!(err, SimulateBlocksError::BlockNumberOrder { number: 11, previous: 11 });
    assert_eq!(err.code(), -38020);

    let mut same_time = block(vec![]);
    same_time.block_overrides.time = Some(BLOCK_TIMESTAMP + 12);
    let err = run(&state, &[block(vec![]), same_time], Default::default()).unwrap_err();
    assert_eq!(err, SimulateBlocksError::TimestampOrder { time: 1012, previous: 1012 });
    assert_eq!(err.code(), -38021);
    assert_eq!(err.to_string(), "block timestamps must be in order: 1012 <= 1012");
}

#[test]
fn limits_answer_client_limit_exceeded_and_empty_input_is_invalid() {
    let state = funded_state();
    let err = run(&state, &[], Default::default()).unwrap_err();
    assert_eq!((err.code(), err.to_string().as_str()), (-32602, "empty input"));

    let too_many = vec![block(vec![]); 257];
    assert_eq!(run(&state, &too_many, Default::default()).unwrap_err().code(), -38026);

    let mut far = block(vec![]);
    far.block_overrides.number = Some(U256::from(BLOCK_NUMBER + 257));
    let err = run(&state, &[far], Default::default()).unwrap_err();
    assert_eq!(err, SimulateBlocksError::TooManyBlocks);
    assert_eq!(err.code(), -38026);
    let mut last = block(vec![]);
    last.block_overrides.number = Some(U256::from(BLOCK_NUMBER + 256));
    assert_eq!(run(&state, &[last], Default::default()).unwrap().len(), 256);
}

#[test]
fn state_carries_over_from_block_to_block() {
    let mut state = funded_state();
    state.deploy(CONTRACT, INCREMENT_SLOT_0);
    let read = AccountOverride::default().with_code(RETURN_SLOT_0.to_vec());
    let blocks = [
        block(vec![
            TransactionRequest::default().from(SENDER).to(CONTRACT),
            TransactionRequest::default().from(SENDER).to(CONTRACT),
        ]),
        BlockStateCall {
            state_overrides: overrides(vec![(CONTRACT, read)]),
            calls: vec![TransactionRequest::default().from(SENDER).to(CONTRACT)],
            ..Default::default()
        },
    ];
    let out = run(&state, &blocks, Default::default()).unwrap();
    // Two increments in block one; block two replaces the code but keeps the storage.
    assert_eq!(out[1].calls[0].return_data, word(2));
    // Nonces default to the sender's current nonce and go up with every call.
    let nonces: Vec<u64> =
        out.iter().flat_map(|b| b.block.body.transactions.iter().map(|tx| tx.nonce())).collect();
    assert_eq!(nonces, [0, 1, 2]);
    assert_eq!(out[1].senders, [SENDER]);
}

#[test]
fn value_sent_in_one_block_is_spendable_in_the_next() {
    let state = funded_state();
    let blocks = [
        block(vec![transfer(SENDER, RECIPIENT, ETHER)]),
        block(vec![transfer(RECIPIENT, CONTRACT, ETHER / 2)]),
    ];
    let out = run(&state, &blocks, Default::default()).unwrap();
    assert!(out[1].calls[0].status);
    // Without the first block the recipient has nothing to send.
    let err = run(&state, &blocks[1..], Default::default()).unwrap_err();
    assert_eq!(err.code(), -38014, "{err}");
    assert!(err.to_string().starts_with("err: insufficient funds for gas * price + value"));
}

#[test]
fn balance_nonce_code_state_and_state_diff_overrides_apply() {
    let mut state = MemoryState::default();
    state.deploy(CONTRACT, RETURN_SLOT_0).set_storage(CONTRACT, 0, 7).set_storage(CONTRACT, 1, 9);
    let slot = |n: u64| B256::from(U256::from(n));
    let mut diff = B256HashMap::default();
    diff.insert(slot(0), slot(5));
    let mut replace = B256HashMap::default();
    replace.insert(slot(1), slot(3));
    let poor = address!("0xc300000000000000000000000000000000000000");
    let mut blocks = [
        BlockStateCall {
            state_overrides: overrides(vec![
                (poor, AccountOverride::default().with_balance(U256::from(ETHER)).with_nonce(9)),
                (CONTRACT, AccountOverride { state_diff: Some(diff), ..Default::default() }),
            ]),
            calls: vec![
                TransactionRequest::default().from(poor).to(CONTRACT),
                transfer(poor, RECIPIENT, ETHER / 2),
            ],
            ..Default::default()
        },
        BlockStateCall {
            state_overrides: overrides(vec![(
                CONTRACT,
                AccountOverride { state: Some(replace), ..Default::default() },
            )]),
            calls: vec![TransactionRequest::default().from(poor).to(CONTRACT)],
            ..Default::default()
        },
    ];
    // Validation checks the overridden nonce; a zero base fee lets unpriced calls through.
    for block in &mut blocks {
        block.block_overrides.base_fee = Some(U256::ZERO);
    }
    let out = run(&state, &blocks, SimulationOptions { validation: true, ..Default::default() });
    let out = out.unwrap();
    assert_eq!(out[0].calls[0].return_data, word(5), "stateDiff patched slot 0");
    assert_eq!(out[0].block.body.transactions[0].nonce(), 9, "nonce override");
    assert!(out[0].calls[1].status, "balance override pays the transfer");
    assert_eq!(out[1].calls[0].return_data, word(0), "state replaced all storage");
}

#[test]
fn block_overrides_reach_the_evm_and_the_header() {
    let mut state = funded_state();
    state.deploy(CONTRACT, RETURN_COINBASE_BASEFEE_RANDAO);
    let coinbase = address!("0xc400000000000000000000000000000000000000");
    let randao = B256::repeat_byte(0x77);
    let mut first = block(vec![TransactionRequest::default().from(SENDER).to(CONTRACT)]);
    first.block_overrides.coinbase = Some(coinbase);
    first.block_overrides.random = Some(randao);
    first.block_overrides.base_fee = Some(U256::from(0x99));
    first.block_overrides.gas_limit = Some(1_000_000);
    first.block_overrides.time = Some(5_000);
    let out = run(&state, &[first, block(vec![])], Default::default()).unwrap();
    let output = &out[0].calls[0].return_data;
    assert_eq!(Address::from_slice(&output[12..32]), coinbase);
    assert_eq!(U256::from_be_slice(&output[32..64]), U256::from(0x99));
    assert_eq!(B256::from_slice(&output[64..96]), randao);
    let header = &out[0].block.header;
    assert_eq!(
        (header.beneficiary, header.mix_hash, header.base_fee_per_gas),
        (coinbase, randao, Some(0x99))
    );
    assert_eq!((header.gas_limit, header.timestamp), (1_000_000, 5_000));
    // Beneficiary and gas limit carry on into the next block; the base fee does not.
    let next = &out[1].block.header;
    assert_eq!((next.beneficiary, next.gas_limit), (coinbase, 1_000_000));
    assert_eq!((next.timestamp, next.base_fee_per_gas), (5_012, Some(0)));
}

#[test]
fn withdrawals_credit_balances_and_enter_the_block() {
    let state = funded_state();
    let withdrawal = Withdrawal { index: 0, validator_index: 1, address: RECIPIENT, amount: 2 };
    let first = BlockStateCall { withdrawals: Some(vec![withdrawal]), ..Default::default() };
    // 2 gwei arrive at the end of block one; block two spends them.
    let second = block(vec![transfer(RECIPIENT, CONTRACT, 2 * GWEI)]);
    let out = run(&state, &[first, second], Default::default()).unwrap();
    assert_eq!(out[0].block.body.withdrawals.as_ref().unwrap().len(), 1);
    assert_eq!(
        out[0].block.header.withdrawals_root,
        Some(alloy_consensus::proofs::calculate_withdrawals_root(&[withdrawal]))
    );
    assert!(out[1].calls[0].status);
}

#[test]
fn without_validation_the_base_fee_is_zero_and_nonces_are_free() {
    let state = funded_state();
    let blocks = [block(vec![transfer(SENDER, RECIPIENT, 1).nonce(42)])];
    let out = run(&state, &blocks, Default::default()).unwrap();
    assert_eq!(out[0].block.header.base_fee_per_gas, Some(0));
    assert!(out[0].calls[0].status);
    assert_eq!(out[0].block.body.transactions[0].nonce(), 42);

    // A base fee override does not stop an unpriced call, but a priced one below it fails.
    let mut priced = block(vec![transfer(SENDER, RECIPIENT, 1)]);
    priced.block_overrides.base_fee = Some(U256::from(10));
    assert!(run(&state, &[priced.clone()], Default::default()).unwrap()[0].calls[0].status);
    priced.calls[0] = transfer(SENDER, RECIPIENT, 1).max_fee_per_gas(5);
    let err = run(&state, &[priced], Default::default()).unwrap_err();
    assert_eq!(err.code(), -38012, "{err}");
}

#[test]
fn validation_checks_nonces_and_computes_the_base_fee() {
    let state = funded_state();
    let validation = SimulationOptions { validation: true, ..Default::default() };
    let unpriced = [block(vec![transfer(SENDER, RECIPIENT, 1)])];
    let err = run(&state, &unpriced, validation).unwrap_err();
    assert_eq!(err.code(), -38012, "{err}");
    // The chain's EIP-1559 rule on the base block's gas use.
    let expected_fee =
        basalt_primitives::block_fees::next_base_fee(&cancun().base_fee_params, &block_header())
            .unwrap();
    assert!(err.to_string().contains(&format!("baseFee: {expected_fee}")), "{err}");

    let priced = |nonce| {
        transfer(SENDER, RECIPIENT, 1).max_fee_per_gas(u128::from(expected_fee)).nonce(nonce)
    };
    let out = run(&state, &[block(vec![priced(0)])], validation).unwrap();
    assert_eq!(out[0].block.header.base_fee_per_gas, Some(expected_fee));
    assert_eq!(run(&state, &[block(vec![priced(1)])], validation).unwrap_err().code(), -38011);
    let twice = [block(vec![priced(0), priced(0)])];
    assert_eq!(run(&state, &twice, validation).unwrap_err().code(), -38010);
}

#[test]
fn traced_transfers_are_erc7528_logs_where_they_happen() {
    let mut state = funded_state();
    state.deploy(CONTRACT, &forward_value_to(RECIPIENT));
    let options = SimulationOptions { trace_transfers: true, ..Default::default() };
    let blocks = [block(vec![transfer(SENDER, CONTRACT, 5), transfer(SENDER, RECIPIENT, 0)])];
    let out = run(&state, &blocks, options).unwrap();
    let logs = &out[0].calls[0].logs;
    assert_eq!(logs.len(), 2);
    for (log, (from, to)) in logs.iter().zip([(SENDER, CONTRACT), (CONTRACT, RECIPIENT)]) {
        assert_eq!(log.address(), NATIVE_ASSET_ADDRESS);
        assert_eq!(log.topics(), [TRANSFER_EVENT_TOPIC, from.into_word(), to.into_word()]);
        assert_eq!(log.data().data, word(5));
        assert_eq!(log.block_hash, Some(out[0].hash));
        assert_eq!(log.transaction_hash, Some(*out[0].block.body.transactions[0].tx_hash()));
    }
    assert_eq!(logs[1].log_index, Some(1));
    // A zero-value call moves nothing; pseudo-logs never enter receipts or the bloom.
    assert!(out[0].calls[1].logs.is_empty());
    assert_eq!(out[0].block.header.logs_bloom, Bloom::default());

    let untraced = run(&state, &blocks, Default::default()).unwrap();
    assert!(untraced[0].calls[0].logs.is_empty());
}

#[test]
fn logs_of_a_failed_call_are_dropped_and_failures_are_results() {
    let mut state = funded_state();
    state.deploy(CONTRACT, REVERT_DEADBEEF);
    let options = SimulationOptions { trace_transfers: true, ..Default::default() };
    let halting = address!("0xc500000000000000000000000000000000000000");
    state.deploy(halting, &[0xfe]);
    let blocks = [block(vec![
        transfer(SENDER, CONTRACT, 5),
        TransactionRequest::default().from(SENDER).to(halting),
    ])];
    let out = run(&state, &blocks, options).unwrap();
    let reverted = &out[0].calls[0];
    assert!(!reverted.status && reverted.logs.is_empty());
    assert_eq!(reverted.return_data, bytes!("deadbeef"));
    let error = reverted.error.as_ref().unwrap();
    assert_eq!((error.code, error.message.as_str()), (3, "execution reverted"));
    assert_eq!(error.data, None, "the revert data is the returnData");
    let halted = out[0].calls[1].error.as_ref().unwrap();
    assert_eq!(
        (halted.code, halted.message.as_str()),
        (-32015, "vm execution error: invalid opcode")
    );
    // A halt spends all its gas: the block's remaining gas by default, within the gas cap.
    assert_eq!(out[0].calls[1].gas_used, BLOCK_GAS_LIMIT - reverted.gas_used);
}

#[test]
fn gas_defaults_to_what_the_block_has_left_and_the_gas_cap_clamps_it() {
    let mut state = funded_state();
    state.deploy(CONTRACT, RETURN_CALLER_AND_GAS);
    let call = TransactionRequest::default().from(SENDER).to(CONTRACT);
    let capped = SimulationOptions { gas_cap: 100_000, ..Default::default() };
    let out = run(&state, &[block(vec![call.clone()])], capped).unwrap();
    assert_eq!(out[0].block.body.transactions[0].gas_limit(), 100_000);
    let uncapped = run(&state, &[block(vec![call.clone()])], Default::default()).unwrap();
    assert_eq!(uncapped[0].block.body.transactions[0].gas_limit(), BLOCK_GAS_LIMIT);

    let over = block(vec![call.clone().gas_limit(BLOCK_GAS_LIMIT + 1)]);
    let err = run(&state, &[over], Default::default()).unwrap_err();
    assert_eq!(err.code(), -38015, "{err}");
    let too_little = block(vec![call.gas_limit(20_000)]);
    let err = run(&state, &[too_little], Default::default()).unwrap_err();
    assert_eq!(err.code(), -38013, "{err}");
    assert_eq!(
        err.to_string(),
        "err: intrinsic gas too low: have 20000, want 21000 (supplied gas 20000)"
    );
}

#[test]
fn blockhash_sees_the_simulated_blocks() {
    let mut state = funded_state();
    state.deploy(CONTRACT, RETURN_PARENT_HASH);
    let call = TransactionRequest::default().from(SENDER).to(CONTRACT);
    let out = run(&state, &[block(vec![call.clone()]), block(vec![call])], Default::default());
    let out = out.unwrap();
    assert_eq!(out[0].calls[0].return_data[..], out[0].block.header.parent_hash[..]);
    assert_eq!(out[1].calls[0].return_data[..], out[0].hash[..]);
}

#[test]
fn a_moved_precompile_runs_at_its_new_address_and_leaves_the_old_one() {
    let state = funded_state();
    let moved_to = address!("0xc600000000000000000000000000000000000000");
    let mover = AccountOverride { move_precompile_to: Some(moved_to), ..Default::default() };
    let call =
        |to| TransactionRequest::default().from(SENDER).to(to).input(bytes!("c0ffee").into());
    let blocks = [
        BlockStateCall {
            state_overrides: overrides(vec![(IDENTITY, mover)]),
            calls: vec![call(moved_to), call(IDENTITY)],
            ..Default::default()
        },
        block(vec![call(moved_to), call(IDENTITY)]),
    ];
    let out = run(&state, &blocks, Default::default()).unwrap();
    assert_eq!(out[0].calls[0].return_data, bytes!("c0ffee"));
    assert_eq!(out[0].calls[1].return_data, Bytes::new());
    // As in geth, a move lasts for its block: the next block has the fork's precompiles.
    assert_eq!(out[1].calls[0].return_data, Bytes::new());
    assert_eq!(out[1].calls[1].return_data, bytes!("c0ffee"));
}

#[test]
fn code_on_a_precompile_address_replaces_the_precompile() {
    let state = funded_state();
    let code = AccountOverride::default().with_code(RETURN_42.to_vec());
    let blocks = [BlockStateCall {
        state_overrides: overrides(vec![(IDENTITY, code)]),
        calls: vec![TransactionRequest::default().from(SENDER).to(IDENTITY)],
        ..Default::default()
    }];
    let out = run(&state, &blocks, Default::default()).unwrap();
    assert_eq!(out[0].calls[0].return_data, word(42));
}

#[test]
fn invalid_precompile_moves_are_refused() {
    let state = funded_state();
    let move_to = |to| AccountOverride { move_precompile_to: Some(to), ..Default::default() };
    let with =
        |entries| [BlockStateCall { state_overrides: overrides(entries), ..Default::default() }];
    let err = run(&state, &with(vec![(RECIPIENT, move_to(CONTRACT))]), Default::default());
    let err = err.unwrap_err();
    assert_eq!(err, SimulateBlocksError::NotAPrecompile(RECIPIENT));
    assert_eq!(err.code(), -32000);
    let err = run(&state, &with(vec![(IDENTITY, move_to(IDENTITY))]), Default::default());
    assert_eq!(err.unwrap_err().code(), -38022);
    let target = AccountOverride::default().with_balance(U256::from(1));
    let err = run(
        &state,
        &with(vec![(IDENTITY, move_to(CONTRACT)), (CONTRACT, target)]),
        Default::default(),
    );
    assert_eq!(err.unwrap_err(), SimulateBlocksError::MoveTargetOverridden(CONTRACT));
}

#[test]
fn transactions_are_unsigned_typed_by_their_fee_fields_and_rooted() {
    let state = funded_state();
    let blocks = [block(vec![
        transfer(SENDER, RECIPIENT, 1),
        transfer(SENDER, RECIPIENT, 1).gas_price(0),
        transfer(SENDER, RECIPIENT, 1).gas_price(0).access_list(Default::default()),
    ])];
    let out = run(&state, &blocks, Default::default()).unwrap();
    let block = &out[0].block;
    let types: Vec<u8> = block.body.transactions.iter().map(alloy_eips::Typed2718::ty).collect();
    assert_eq!(types, [2, 0, 1]);
    assert!(
        block.body.transactions.iter().all(|tx| tx
            .as_ethereum()
            .unwrap()
            .signature()
            .r()
            .is_zero())
    );
    assert_eq!(
        block.header.transactions_root,
        calculate_transaction_root(&block.body.transactions)
    );
    assert_eq!(block.header.gas_used, 3 * 21_000);
    assert_eq!(out[0].calls.iter().map(|c| c.gas_used).sum::<u64>(), 3 * 21_000);
}

#[test]
fn the_state_root_function_sees_the_cumulative_changes() {
    let state = funded_state();
    let blocks =
        [block(vec![transfer(SENDER, RECIPIENT, 3)]), block(vec![transfer(SENDER, RECIPIENT, 4)])];
    let mut seen = Vec::new();
    let mut root = |changes: &StateChanges| {
        let balance = changes
            .accounts
            .iter()
            .find(|(address, _)| *address == RECIPIENT)
            .and_then(|(_, account)| account.map(|a| a.balance));
        seen.push(balance);
        Ok(B256::with_last_byte(seen.len() as u8))
    };
    let out = simulate_blocks(
        &cancun(),
        &block_header(),
        &state,
        &blocks,
        SimulationOptions::default(),
        &mut root,
    )
    .unwrap();
    assert_eq!(seen, [Some(U256::from(3)), Some(U256::from(7))]);
    assert_eq!(out[1].block.header.state_root, B256::with_last_byte(2));
}
