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

/// How a workload's chain and transfers look beyond their kind. The default is the import
/// benchmark's: an L1 chain, each account paying the next one, a token with balances at
/// slot = holder address.
#[derive(Clone, Copy, Debug, Default)]
pub struct WorkloadOptions {
    /// Recipients drawn at random from the funded accounts (never the sender), from this seed.
    pub random_recipients: Option<u64>,
    /// The genesis is a Basalt L2 (a `basalt` section, bridge at `0x…01ff`): L2 rules, a fee
    /// config stored with each block.
    pub l2: bool,
    /// The token keeps balances as solc lays out `mapping(address => uint256)` at slot 0
    /// (`keccak256(leftpad32(holder) ‖ 0)`), as deployed ERC20s do.
    pub solidity_layout: bool,
}

/// Funded accounts and the genesis that funds them.
pub struct Workload {
    pub kind: TransferKind,
    options: WorkloadOptions,
    /// xorshift64 state for random recipients.
    rng: u64,
    keys: Vec<B256>,
    addresses: Vec<Address>,
    nonces: Vec<u64>,
    sent: usize,
    genesis_json: String,
}

impl Workload {
    /// `accounts` funded accounts with deterministic keys (keccak of their index).
    pub fn new(accounts: usize, kind: TransferKind) -> Self {
        Self::with_options(accounts, kind, WorkloadOptions::default())
    }

    /// [`Workload::new`] shaped by `options`.
    pub fn with_options(accounts: usize, kind: TransferKind, options: WorkloadOptions) -> Self {
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
                balance_slot(*address, options.solidity_layout).to_string(),
                json!(B256::from(balance).to_string()),
            );
        }
        let code = if options.solidity_layout { solidity_token_code() } else { token_code() };
        alloc.insert(
            TOKEN_ADDRESS.to_string(),
            json!({"balance": "0x0", "code": Bytes::from(code).to_string(), "storage": token_storage}),
        );
        let mut genesis = json!({
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
        if options.l2 {
            genesis["config"]["basalt"] = json!({ "bridge": L2_BRIDGE });
        }
        Self {
            kind,
            options,
            rng: options.random_recipients.unwrap_or(0) | 1,
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
        let count = self.addresses.len();
        let recipient = match self.options.random_recipients {
            None => self.addresses[(sender + 1) % count],
            Some(_) => {
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                // One of the others: an offset of 1..count from the sender.
                self.addresses[(sender + 1 + (self.rng % (count as u64 - 1)) as usize) % count]
            }
        };
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
        // Room for the L1 data gas an L2 charges on top of execution.
        let gas_limit = if self.options.l2 { gas_limit + 100_000 } else { gas_limit };
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

/// The L2 bridge address of a workload L2 (RIP-7875's token-bridge address).
const L2_BRIDGE: Address = address!("0x00000000000000000000000000000000000001ff");

/// Where the token keeps `holder`'s balance: slot = holder, or the solc mapping layout.
fn balance_slot(holder: Address, solidity_layout: bool) -> B256 {
    let word = B256::left_padding_from(holder.as_slice());
    if !solidity_layout {
        return word;
    }
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(word.as_slice());
    keccak256(preimage)
}

/// [`token_code`] with balances where solc puts `mapping(address => uint256)` at slot 0:
/// `keccak256(leftpad32(holder) ‖ 0)`.
pub fn solidity_token_code() -> Vec<u8> {
    let mut code = vec![
        0x60, 0x04, 0x35, // PUSH1 4 CALLDATALOAD                -> to
        0x80, 0x60, 0x00, 0x52, // DUP1 PUSH1 0 MSTORE             mem[0..32] = to
        0x60, 0x00, 0x60, 0x20, 0x52, // PUSH1 0 PUSH1 32 MSTORE   mem[32..64] = 0
        0x60, 0x40, 0x60, 0x00, 0x20, // SHA3(0, 64)             -> tslot, to
        0x33, 0x60, 0x00, 0x52, // CALLER PUSH1 0 MSTORE
        0x60, 0x40, 0x60, 0x00, 0x20, // SHA3(0, 64)             -> cslot, tslot, to
        0x60, 0x24, 0x35, // PUSH1 36 CALLDATALOAD               -> amount, cslot, tslot, to
        0x81,
        0x54, // DUP2 SLOAD                                -> bal, amount, cslot, tslot, to
        0x81, 0x81, 0x10, // DUP2 DUP2 LT                        -> bal<amount, bal, …
        0x60, 0x00,
        0x57, // PUSH1 <revert> JUMPI (patched)      -> bal, amount, cslot, tslot, to
        0x81, 0x90,
        0x03, // DUP2 SWAP1 SUB                      -> bal-amount, amount, cslot, …
        0x82, 0x55, // DUP3 SSTORE                               -> amount, cslot, tslot, to
        0x82,
        0x54, // DUP3 SLOAD                                -> tbal, amount, cslot, tslot, to
        0x81, 0x01, // DUP2 ADD                                  -> tbal+amount, amount, …
        0x83, 0x55, // DUP4 SSTORE                               -> amount, cslot, tslot, to
        0x60, 0x00, 0x52, // PUSH1 0 MSTORE                      -> cslot, tslot, to
        0x50, 0x50, // POP POP                                   -> to
    ];
    end_transfer(&mut code, 35);
    code
}

/// Appends what both tokens end with: the `Transfer` log (stack: to), `true` returned, and
/// the revert target, whose offset goes into the `PUSH1` operand at `jump_operand`.
fn end_transfer(code: &mut Vec<u8>, jump_operand: usize) {
    code.extend_from_slice(&[0x33, 0x7f]); // CALLER PUSH32 Transfer topic -> topic, caller, to
    code.extend_from_slice(TRANSFER_TOPIC.as_slice());
    code.extend_from_slice(&[
        0x60, 0x20, 0x60, 0x00, 0xa3, // LOG3(0, 32, topic, caller, to)
        0x60, 0x01, 0x60, 0x00, 0x52, // MSTORE(0, 1)
        0x60, 0x20, 0x60, 0x00, 0xf3, // RETURN(0, 32)
    ]);
    code[jump_operand] = code.len() as u8;
    code.extend_from_slice(&[0x5b, 0x60, 0x00, 0x80, 0xfd]); // JUMPDEST PUSH1 0 DUP1 REVERT
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
    ];
    end_transfer(&mut code, 12);
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
    fn the_solidity_layout_token_on_an_l2_moves_mapping_balances_to_random_recipients() {
        let options =
            WorkloadOptions { random_recipients: Some(7), l2: true, solidity_layout: true };
        let mut workload = Workload::with_options(5, TransferKind::Erc20, options);
        let code = solidity_token_code();
        assert_eq!((code[34], code[36]), (0x60, 0x57), "PUSH1 <revert> JUMPI");
        let chain = workload.new_chain().unwrap();
        assert!(chain.config().rollup.is_some(), "an L2 genesis");
        let blocks = workload.extend_chain(&chain, 2, 5).unwrap();
        let view = chain.db().read().unwrap();
        let receipts = view.receipts(blocks[1].header.hash_slow()).unwrap().unwrap();
        assert!(receipts.iter().all(|r| r.status() && r.logs().len() == 1));
        // Every account sent twice; what each holds is its start, less 2,000, plus what it got.
        let start = U256::from(10u128.pow(24));
        let mut total = U256::ZERO;
        let mut received_any = 0;
        for address in &workload.addresses {
            let balance = view
                .storage(TOKEN_ADDRESS, U256::from_be_bytes(balance_slot(*address, true).0))
                .unwrap();
            assert!(balance >= start - U256::from(2_000u64));
            received_any += usize::from(balance > start - U256::from(2_000u64));
            total += balance;
        }
        assert_eq!(total, start * U256::from(5), "tokens are moved, not made");
        assert!(received_any >= 2, "recipients vary");
        assert!(view.fee_config(blocks[1].header.hash_slow()).unwrap().is_some());
    }

    #[test]
    fn senders_given_on_demand_execute_as_known_ones_and_fail_naming_the_transaction() {
        use basalt_evm::{BlockExecutionError, BlockInput, Senders, execute_block};
        use basalt_primitives::sender::SenderError;
        let mut workload = Workload::new(10, TransferKind::Eth);
        let chain = workload.new_chain().unwrap();
        let block = workload.extend_chain(&chain, 1, 6).unwrap().remove(0);
        let config = chain.config().clone();
        let senders =
            basalt_primitives::sender::recover_senders(&block.body.transactions, false).unwrap();
        let mut state = MemoryState::default();
        state.apply(&workload.genesis_spec().alloc_changes());
        let run = |senders: Senders<'_>| {
            let input = BlockInput {
                header: &block.header,
                transactions: &block.body.transactions,
                senders,
                ommers: &[],
                withdrawals: block.body.withdrawals.as_ref().map(|w| w.as_slice()),
                fees: None,
            };
            execute_block(&config, input, &state, None)
        };
        let known = run(Senders::Known(&senders)).unwrap();
        assert_eq!(known.gas_used, block.header.gas_used);
        let asked = std::cell::RefCell::new(Vec::new());
        let in_order = |index: usize| {
            asked.borrow_mut().push(index);
            Ok(senders[index])
        };
        let on_demand = run(Senders::OnDemand(&in_order)).unwrap();
        assert_eq!((on_demand.gas_used, &on_demand.receipts), (known.gas_used, &known.receipts));
        let sorted = |mut accounts: Vec<_>| {
            accounts.sort_by_key(|(address, _): &(Address, _)| *address);
            accounts
        };
        assert_eq!(sorted(on_demand.changes.accounts), sorted(known.changes.accounts));
        assert_eq!(asked.into_inner(), (0..6).collect::<Vec<_>>(), "each once, in order");
        let bad_fourth =
            |index: usize| if index == 3 { Err(SenderError::HighS) } else { Ok(senders[index]) };
        assert!(matches!(
            run(Senders::OnDemand(&bad_fourth)),
            Err(BlockExecutionError::InvalidSignature { index: 3, .. })
        ));
        assert!(matches!(
            run(Senders::Known(&senders[..5])),
            Err(BlockExecutionError::SenderCount { senders: 5, transactions: 6 })
        ));
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
