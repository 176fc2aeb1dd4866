//! Synthetic chains for benchmarks and tests: a genesis with many funded accounts and an
//! ERC20-style token, and blocks of signed ETH or token transfers between those accounts.

use crate::{
    Blockchain, ImportError,
    builder::{BlockTemplate, BuildError},
    genesis::init_from_spec,
    system_contracts::system_contracts,
};
use alloy_consensus::TxEip1559;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, b256, keccak256};
use alloy_sol_types::{SolCall, sol};
use basalt_primitives::{
    BasaltTxEnvelope, Block, GenesisSpec, TxEnvelope,
    sender::{address_of, sign_transaction},
};
use basalt_storage::Database;
use serde_json::json;

/// Chain id of synthetic chains.
pub const WORKLOAD_CHAIN_ID: u64 = 1337;
/// Where the token contract lives.
pub const TOKEN_ADDRESS: Address = address!("0x00000000000000000000000000000000000e2c20");
/// keccak("Transfer(address,address,uint256)").
const TRANSFER_TOPIC: B256 =
    b256!("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
const BLOCK_GAS_LIMIT: u64 = 1_000_000_000;
const MAX_FEE: u128 = 100_000_000_000;

sol! {
    function transfer(address to, uint256 amount) returns (bool);
}

/// What each transaction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferKind {
    Eth,
    Erc20,
}

/// Funded accounts and the genesis that funds them.
pub struct Workload {
    pub kind: TransferKind,
    keys: Vec<B256>,
    addresses: Vec<Address>,
    nonces: Vec<u64>,
    sent: usize,
    genesis_json: String,
}

impl Workload {
    /// `accounts` funded accounts with deterministic keys (keccak of their index).
    pub fn new(accounts: usize, kind: TransferKind) -> Self {
        let keys: Vec<B256> =
            (0..accounts.max(2) as u64).map(|i| keccak256(i.to_be_bytes())).collect();
        let addresses: Vec<Address> =
            keys.iter().map(|k| address_of(k).expect("keccak output is a valid key")).collect();
        let mut alloc = serde_json::Map::new();
        for (address, code) in system_contracts() {
            alloc.insert(
                address.to_string(),
                json!({"balance": "0x0", "nonce": "0x1", "code": code.to_string()}),
            );
        }
        let balance = U256::from(10u128.pow(24));
        let mut token_storage = serde_json::Map::new();
        for address in &addresses {
            alloc.insert(address.to_string(), json!({ "balance": format!("{balance:#x}") }));
            token_storage.insert(
                B256::left_padding_from(address.as_slice()).to_string(),
                json!(B256::from(balance).to_string()),
            );
        }
        alloc.insert(
            TOKEN_ADDRESS.to_string(),
            json!({"balance": "0x0", "code": Bytes::from(token_code()).to_string(), "storage": token_storage}),
        );
        let genesis = json!({
            "config": {
                "chainId": WORKLOAD_CHAIN_ID, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0,
                "eip158Block": 0, "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0,
                "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0, "mergeNetsplitBlock": 0,
                "terminalTotalDifficulty": 0, "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 0,
                "osakaTime": 0,
                "blobSchedule": {
                    "cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477},
                    "prague": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716},
                    "osaka": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716}
                }
            },
            "gasLimit": format!("{BLOCK_GAS_LIMIT:#x}"), "difficulty": "0x0", "timestamp": "0x0",
            "extraData": "0x", "baseFeePerGas": "0x3b9aca00", "alloc": alloc,
        });
        Self {
            kind,
            nonces: vec![0; keys.len()],
            keys,
            addresses,
            sent: 0,
            genesis_json: genesis.to_string(),
        }
    }

    /// The geth-format genesis JSON.
    pub fn genesis_json(&self) -> &str {
        &self.genesis_json
    }

    /// The parsed genesis.
    pub fn genesis_spec(&self) -> GenesisSpec {
        GenesisSpec::from_json(&self.genesis_json).expect("the workload genesis is valid")
    }

    /// A fresh in-memory chain at this workload's genesis.
    pub fn new_chain(&self) -> Result<Blockchain, ImportError> {
        self.chain_on(Database::in_memory()?)
    }

    /// This workload's chain on `db` (initialising its genesis if empty).
    pub fn chain_on(&self, db: Database) -> Result<Blockchain, ImportError> {
        let spec = self.genesis_spec();
        init_from_spec(&db, &spec, self.genesis_json.as_bytes())?;
        Blockchain::new(db, spec.config)
    }

    /// The next `count` signed transfers; senders rotate through all accounts.
    pub fn next_transactions(&mut self, count: usize) -> Vec<BasaltTxEnvelope> {
        (0..count).map(|_| self.next_transaction().into()).collect()
    }

    fn next_transaction(&mut self) -> TxEnvelope {
        let sender = self.sent % self.keys.len();
        let recipient = self.addresses[(sender + 1) % self.addresses.len()];
        self.sent += 1;
        let nonce = self.nonces[sender];
        self.nonces[sender] += 1;
        let (to, value, input, gas_limit) = match self.kind {
            TransferKind::Eth => (recipient, U256::from(1_000u64), Bytes::new(), 21_000),
            TransferKind::Erc20 => {
                let call = transferCall { to: recipient, amount: U256::from(1_000u64) };
                (TOKEN_ADDRESS, U256::ZERO, Bytes::from(call.abi_encode()), 80_000)
            }
        };
        let tx = TxEip1559 {
            chain_id: WORKLOAD_CHAIN_ID,
            nonce,
            gas_limit,
            max_fee_per_gas: MAX_FEE,
            max_priority_fee_per_gas: 1,
            to: TxKind::Call(to),
            value,
            input,
            access_list: Default::default(),
        };
        sign_transaction(tx, &self.keys[sender]).expect("workload keys are valid")
    }

    /// Builds and imports `blocks` blocks of `txs_per_block` transfers on `chain`, returning them.
    pub fn extend_chain(
        &mut self,
        chain: &Blockchain,
        blocks: usize,
        txs_per_block: usize,
    ) -> Result<Vec<Block>, BuildError> {
        let mut built = Vec::with_capacity(blocks);
        for _ in 0..blocks {
            let head = chain.head()?;
            let template = BlockTemplate {
                timestamp: head.timestamp + 12,
                beneficiary: address!("0x00000000000000000000000000000000000c0ffe"),
                transactions: self.next_transactions(txs_per_block),
                ..Default::default()
            };
            let sealed = chain.build_block(template)?;
            if let Some((hash, reason)) = sealed.rejected.first() {
                return Err(BuildError::Rejected { hash: *hash, reason: reason.clone() });
            }
            let block = sealed.block;
            chain.import_block(block.clone())?;
            built.push(block);
        }
        Ok(built)
    }
}

/// A minimal ERC20-style token: `transfer(to, amount)` with balances at slot = holder address,
/// a `Transfer` log, and `true` returned; reverts on insufficient balance.
pub fn token_code() -> Vec<u8> {
    let mut code = vec![
        0x60, 0x04, 0x35, // PUSH1 4 CALLDATALOAD            -> to
        0x60, 0x24, 0x35, // PUSH1 36 CALLDATALOAD           -> amount, to
        0x33, 0x54, // CALLER SLOAD                          -> bal, amount, to
        0x81, 0x81, 0x10, // DUP2 DUP2 LT                    -> bal<amount, bal, amount, to
        0x60, 0x00, 0x57, // PUSH1 <revert> JUMPI (patched)  -> bal, amount, to
        0x81, 0x90, 0x03, // DUP2 SWAP1 SUB                  -> bal-amount, amount, to
        0x33, 0x55, // CALLER SSTORE                         -> amount, to
        0x81, 0x54, // DUP2 SLOAD                            -> to_bal, amount, to
        0x81, 0x01, // DUP2 ADD                              -> to_bal+amount, amount, to
        0x82, 0x55, // DUP3 SSTORE                           -> amount, to
        0x60, 0x00, 0x52, // PUSH1 0 MSTORE                  -> to
        0x33, // CALLER                                      -> caller, to
        0x7f, // PUSH32 Transfer topic
    ];
    code.extend_from_slice(TRANSFER_TOPIC.as_slice());
    code.extend_from_slice(&[
        0x60, 0x20, 0x60, 0x00, 0xa3, // LOG3(0, 32, topic, caller, to)
        0x60, 0x01, 0x60, 0x00, 0x52, // MSTORE(0, 1)
        0x60, 0x20, 0x60, 0x00, 0xf3, // RETURN(0, 32)
    ]);
    let revert_at = code.len() as u8;
    code.extend_from_slice(&[0x5b, 0x60, 0x00, 0x80, 0xfd]); // JUMPDEST PUSH1 0 DUP1 REVERT
    code[12] = revert_at;
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_transfers_move_balances_and_log() {
        let mut workload = Workload::new(4, TransferKind::Erc20);
        let chain = workload.new_chain().unwrap();
        let blocks = workload.extend_chain(&chain, 2, 3).unwrap();
        assert_eq!(blocks.len(), 2);
        let view = chain.db().read().unwrap();
        let receipts = view.receipts(blocks[1].header.hash_slow()).unwrap().unwrap();
        assert_eq!(receipts.len(), 3);
        assert!(receipts.iter().all(|r| r.status() && r.logs().len() == 1));
        // Account 0 sent twice (txs 0 and 4) and received once (from account 3, tx 3).
        let slot = U256::from_be_slice(workload.addresses[0].as_slice());
        let balance = view.storage(TOKEN_ADDRESS, slot).unwrap();
        assert_eq!(balance, U256::from(10u128.pow(24)) - U256::from(1_000u64));
    }

    #[test]
    fn eth_transfers_build_valid_chain() {
        let mut workload = Workload::new(10, TransferKind::Eth);
        let chain = workload.new_chain().unwrap();
        workload.extend_chain(&chain, 3, 5).unwrap();
        assert_eq!(chain.head().unwrap().number, 3);
        assert_eq!(chain.head().unwrap().gas_used, 5 * 21_000);
    }
}

/// State held in hash maps: execution with no trie and no database, the baseline that the
/// import benchmark compares the full state layer against.
#[derive(Default)]
pub struct MemoryState {
    accounts: std::collections::HashMap<Address, basalt_primitives::Account>,
    storage: std::collections::HashMap<(Address, U256), U256>,
    code: std::collections::HashMap<B256, Bytes>,
    block_hashes: std::collections::HashMap<u64, B256>,
}

impl MemoryState {
    /// Applies a change set (as a block's execution produced it).
    pub fn apply(&mut self, changes: &basalt_primitives::StateChanges) {
        for (hash, code) in &changes.code {
            self.code.insert(*hash, code.clone());
        }
        for storage in &changes.storage {
            if storage.wiped {
                self.storage.retain(|(address, _), _| *address != storage.address);
            }
            for (slot, value) in &storage.slots {
                if value.is_zero() {
                    self.storage.remove(&(storage.address, *slot));
                } else {
                    self.storage.insert((storage.address, *slot), *value);
                }
            }
        }
        for (address, account) in &changes.accounts {
            match account {
                Some(account) => {
                    self.accounts.insert(*address, *account);
                }
                None => {
                    self.accounts.remove(address);
                    self.storage.retain(|(a, _), _| a != address);
                }
            }
        }
    }

    /// Records a canonical block hash for BLOCKHASH.
    pub fn set_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
    }
}

impl basalt_primitives::StateReader for MemoryState {
    fn account(
        &self,
        address: Address,
    ) -> Result<Option<basalt_primitives::Account>, basalt_primitives::StateReadError> {
        Ok(self.accounts.get(&address).copied())
    }
    fn storage(
        &self,
        address: Address,
        slot: U256,
    ) -> Result<U256, basalt_primitives::StateReadError> {
        Ok(self.storage.get(&(address, slot)).copied().unwrap_or_default())
    }

    fn has_storage(&self, address: Address) -> Result<bool, basalt_primitives::StateReadError> {
        Ok(self.storage.iter().any(|((a, _), value)| *a == address && !value.is_zero()))
    }
    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, basalt_primitives::StateReadError> {
        Ok(self.code.get(&code_hash).cloned())
    }
    fn block_hash(&self, number: u64) -> Result<Option<B256>, basalt_primitives::StateReadError> {
        Ok(self.block_hashes.get(&number).copied())
    }
}
