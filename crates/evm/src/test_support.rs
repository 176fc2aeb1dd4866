//! In-memory state, hand-assembled contracts and transaction builders for this crate's unit
//! tests. Test-only: nothing here is compiled into the library.

use alloy_consensus::{Header, SignableTransaction, TxEip1559};
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, Signature, TxKind, U256, keccak256};
use basalt_primitives::{Account, ChainConfig, Hardfork, StateReadError, StateReader, TxEnvelope};
use std::collections::HashMap;

pub(crate) const ETHER: u128 = 1_000_000_000_000_000_000;
pub(crate) const GWEI: u128 = 1_000_000_000;
pub(crate) const BLOCK_GAS_LIMIT: u64 = 30_000_000;
pub(crate) const BLOCK_NUMBER: u64 = 10;
pub(crate) const BLOCK_TIMESTAMP: u64 = 1_000;
pub(crate) const BASE_FEE: u64 = 7;
pub(crate) const PARENT_HASH: B256 = B256::repeat_byte(0xab);

/// Returns the 32-byte word 42: PUSH1 42, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN.
pub(crate) const RETURN_42: &[u8] = &[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
/// Reverts with the 4-byte custom error 0xdeadbeef: PUSH4 deadbeef, PUSH1 224, SHL, PUSH1 0,
/// MSTORE, PUSH1 4, PUSH1 0, REVERT.
pub(crate) const REVERT_DEADBEEF: &[u8] = &[
    0x63, 0xde, 0xad, 0xbe, 0xef, 0x60, 0xe0, 0x1b, 0x60, 0x00, 0x52, 0x60, 0x04, 0x60, 0x00, 0xfd,
];
/// Returns two words, TIMESTAMP then NUMBER: TIMESTAMP, PUSH1 0, MSTORE, NUMBER, PUSH1 32,
/// MSTORE, PUSH1 64, PUSH1 0, RETURN.
pub(crate) const RETURN_TIME_AND_NUMBER: &[u8] =
    &[0x42, 0x60, 0x00, 0x52, 0x43, 0x60, 0x20, 0x52, 0x60, 0x40, 0x60, 0x00, 0xf3];
/// Returns two words, CALLER then GAS left: CALLER, PUSH1 0, MSTORE, GAS, PUSH1 32, MSTORE,
/// PUSH1 64, PUSH1 0, RETURN.
pub(crate) const RETURN_CALLER_AND_GAS: &[u8] =
    &[0x33, 0x60, 0x00, 0x52, 0x5a, 0x60, 0x20, 0x52, 0x60, 0x40, 0x60, 0x00, 0xf3];
/// Returns the hash of block 9: PUSH1 9, BLOCKHASH, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN.
pub(crate) const RETURN_BLOCKHASH_9: &[u8] =
    &[0x60, 0x09, 0x40, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
/// Returns storage slot 0: PUSH1 0, SLOAD, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN.
pub(crate) const RETURN_SLOT_0: &[u8] =
    &[0x60, 0x00, 0x54, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
/// Writes 1 to storage slot 0: PUSH1 1, PUSH1 0, SSTORE, STOP. From a zero slot this costs
/// 21000 + 3 + 3 + 22100 (cold SSTORE of a new value) = 43106 gas in a transaction.
pub(crate) const STORE_ONE_IN_SLOT_0: &[u8] = &[0x60, 0x01, 0x60, 0x00, 0x55, 0x00];
pub(crate) const STORE_ONE_IN_SLOT_0_GAS: u64 = 43_106;
/// Adds one to storage slot 0: PUSH1 0, SLOAD, PUSH1 1, ADD, PUSH1 0, SSTORE, STOP.
pub(crate) const INCREMENT_SLOT_0: &[u8] =
    &[0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00];
/// Reads storage slot 3 and discards it: PUSH1 3, SLOAD, POP, STOP.
pub(crate) const READ_SLOT_3: &[u8] = &[0x60, 0x03, 0x54, 0x50, 0x00];
/// Emits a log with topic 1 and no data: PUSH1 1, PUSH1 0, PUSH1 0, LOG1, STOP.
pub(crate) const LOG_TOPIC_1: &[u8] = &[0x60, 0x01, 0x60, 0x00, 0x60, 0x00, 0xa1, 0x00];

/// Runtime code of the EIP-2935 block hash history contract (as in the system contracts the
/// chain deploys at genesis).
pub(crate) const HISTORY_STORAGE_CODE: &str = "3373fffffffffffffffffffffffffffffffffffffffe14604657602036036042575f35600143038111604257611fff81430311604257611fff9006545f5260205ff35b5f5ffd5b5f35611fff60014303065500";

/// Calls `target` with all remaining gas, no value and no data, then reverts if that call
/// failed and stops otherwise:
/// PUSH1 0 (x5: return size, return offset, args size, args offset, value), PUSH20 target, GAS,
/// CALL, PUSH1 ok, JUMPI, PUSH1 0, PUSH1 0, REVERT, ok: JUMPDEST, STOP.
pub(crate) fn call_and_require_success(target: Address) -> Vec<u8> {
    let mut code = [0x60, 0x00].repeat(5);
    code.push(0x73);
    code.extend_from_slice(target.as_slice());
    code.extend_from_slice(&[0x5a, 0xf1]);
    // The jump destination follows PUSH1 ok, JUMPI and the five bytes of the revert.
    let destination = u8::try_from(code.len() + 2 + 1 + 5).expect("the code is short");
    code.extend_from_slice(&[0x60, destination, 0x57, 0x60, 0x00, 0x60, 0x00, 0xfd, 0x5b, 0x00]);
    code
}

/// Accounts, storage, code and block hashes in hash maps.
#[derive(Default)]
pub(crate) struct MemoryState {
    accounts: HashMap<Address, Account>,
    storage: HashMap<(Address, U256), U256>,
    code: HashMap<B256, Bytes>,
    block_hashes: HashMap<u64, B256>,
}

impl MemoryState {
    pub(crate) fn fund(&mut self, address: Address, wei: u128) -> &mut Self {
        self.accounts.entry(address).or_insert_with(|| Account::with_balance(U256::ZERO)).balance =
            U256::from(wei);
        self
    }

    pub(crate) fn set_nonce(&mut self, address: Address, nonce: u64) -> &mut Self {
        self.accounts.entry(address).or_default().nonce = nonce;
        self
    }

    /// Deploys `code` at `address` (nonce 1, as EIP-161 gives contracts).
    pub(crate) fn deploy(&mut self, address: Address, code: &[u8]) -> &mut Self {
        let code_hash = if code.is_empty() { KECCAK256_EMPTY } else { keccak256(code) };
        self.code.insert(code_hash, Bytes::copy_from_slice(code));
        let account = self.accounts.entry(address).or_default();
        account.nonce = 1;
        account.code_hash = code_hash;
        self
    }

    pub(crate) fn set_storage(&mut self, address: Address, slot: u64, value: u64) -> &mut Self {
        self.storage.insert((address, U256::from(slot)), U256::from(value));
        self
    }

    pub(crate) fn set_block_hash(&mut self, number: u64, hash: B256) -> &mut Self {
        self.block_hashes.insert(number, hash);
        self
    }
}

impl StateReader for MemoryState {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        Ok(self.accounts.get(&address).copied())
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        Ok(self.storage.get(&(address, slot)).copied().unwrap_or_default())
    }

    fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
        Ok(self.storage.iter().any(|((a, _), value)| *a == address && !value.is_zero()))
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
        Ok(self.code.get(&code_hash).cloned())
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        Ok(self.block_hashes.get(&number).copied())
    }
}

pub(crate) fn prague() -> ChainConfig {
    ChainConfig::all_active_at_genesis(1, Hardfork::Prague)
}

/// Block 10 at Prague with a base fee of 7 wei and a 30M gas limit.
pub(crate) fn block_header() -> Header {
    Header {
        parent_hash: PARENT_HASH,
        number: BLOCK_NUMBER,
        timestamp: BLOCK_TIMESTAMP,
        gas_limit: BLOCK_GAS_LIMIT,
        base_fee_per_gas: Some(BASE_FEE),
        beneficiary: Address::repeat_byte(0xcb),
        mix_hash: B256::repeat_byte(0x11),
        excess_blob_gas: Some(0),
        blob_gas_used: Some(0),
        parent_beacon_block_root: Some(B256::repeat_byte(0xbe)),
        ..Default::default()
    }
}

/// An EIP-1559 transaction paying 1 gwei per gas. Its signature is a placeholder: tracing takes
/// the sender as given.
pub(crate) fn eip1559_tx(nonce: u64, to: Address, value: u128, gas_limit: u64) -> TxEnvelope {
    let tx = TxEip1559 {
        chain_id: 1,
        nonce,
        gas_limit,
        max_fee_per_gas: GWEI,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(to),
        value: U256::from(value),
        ..Default::default()
    };
    TxEnvelope::Eip1559(tx.into_signed(Signature::new(U256::from(1), U256::from(1), false)))
}
