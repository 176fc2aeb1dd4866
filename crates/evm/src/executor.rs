//! Executes one block on top of its parent's state with the L1 rules of its fork: pre-block
//! system calls (EIP-4788, EIP-2935), transactions with block gas and blob gas accounting,
//! withdrawals (EIP-4895), pre-merge block and ommer rewards, and EIP-7685 requests
//! (EIP-6110, EIP-7002, EIP-7251). It produces receipts and the state change set; it does not
//! compute roots (pre-Byzantium receipts excepted, through the caller's callback) or validate
//! the header.

use crate::collision::{BasaltContext, StoragePresence, basalt_context};
use crate::{
    db::{StateDb, StateDbError},
    evm_env::{BlockEvmEnv, block_evm_env},
    handler::transact_commit,
    requests::{InvalidDepositLayout, collect_deposit_requests},
    rules::ChainRules,
    tx_env::block_tx_env,
};
use alloy_consensus::{Eip658Value, Header, Receipt, Transaction};
use alloy_eips::{eip4844::DATA_GAS_PER_BLOB, eip7685::Requests, eip7840::BlobParams};
use alloy_primitives::{Address, B256, Bytes, U256, address};
use basalt_primitives::{
    Account, BasaltReceipt, BasaltTxEnvelope, ChainConfig, FeeConfig, Hardfork, StateChanges,
    StateReadError, StateReader, StorageChanges, Withdrawal, sender::SenderError,
};
use revm::{
    Database, DatabaseCommit, ExecuteCommitEvm, MainBuilder, SystemCallCommitEvm,
    context::{ContextTr, Evm, JournalTr},
    context_interface::result::EVMError,
    database::{
        OriginalValuesKnown, State, WrapDatabaseRef, bal::EvmDatabaseError,
        states::bundle_state::BundleRetention,
    },
    handler::{EthFrame, EvmTr, MainnetEvm, PrecompileProvider, instructions::EthInstructions},
    interpreter::{InterpreterResult, interpreter::EthInterpreter},
    primitives::KECCAK_EMPTY,
};

/// EIP-4788 beacon roots contract.
pub const BEACON_ROOTS_ADDRESS: Address = address!("0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// EIP-2935 history storage contract.
pub const HISTORY_STORAGE_ADDRESS: Address = address!("0x0000F90827F1C53a10cb7A02335B175320002935");
/// EIP-7002 withdrawal request contract.
pub const WITHDRAWAL_REQUEST_ADDRESS: Address =
    address!("0x00000961Ef480Eb55e80D19ad83579A64c007002");
/// EIP-7251 consolidation request contract.
pub const CONSOLIDATION_REQUEST_ADDRESS: Address =
    address!("0x0000BBdDc7CE488642fb579F8B00f3a590007251");

const GWEI_TO_WEI: u64 = 1_000_000_000;
/// Gas budget of a system call (EIP-4788, EIP-2935, EIP-7002, EIP-7251).
const SYSTEM_CALL_GAS_LIMIT: u64 = 30_000_000;
const ETHER: u128 = 1_000_000_000_000_000_000;

/// The senders of a block's transactions, in order.
#[derive(Clone, Copy)]
pub enum Senders<'a> {
    /// Recovered before execution, one per transaction.
    Known(&'a [Address]),
    /// Asked for by index just before each transaction executes: the guest executes a
    /// transaction while a second core still recovers later ones. An error fails the block with
    /// [`BlockExecutionError::InvalidSignature`].
    OnDemand(&'a dyn Fn(usize) -> Result<Address, SenderError>),
}

impl std::fmt::Debug for Senders<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Known(senders) => f.debug_tuple("Known").field(senders).finish(),
            Self::OnDemand(_) => f.write_str("OnDemand"),
        }
    }
}

impl Senders<'_> {
    /// The sender of transaction `index`. Errors: a signature that yields no sender, no
    /// known sender at `index`.
    fn get(&self, index: usize) -> Result<Address, BlockExecutionError> {
        let invalid =
            |e: SenderError| BlockExecutionError::InvalidSignature { index, reason: e.to_string() };
        match self {
            Self::Known(senders) => senders
                .get(index)
                .copied()
                .ok_or_else(|| invalid(SenderError::OutOfRange { index, len: senders.len() })),
            Self::OnDemand(sender) => sender(index).map_err(invalid),
        }
    }
}

/// What execution needs from a block.
#[derive(Clone, Copy, Debug)]
pub struct BlockInput<'a> {
    pub header: &'a Header,
    pub transactions: &'a [BasaltTxEnvelope],
    pub senders: Senders<'a>,
    pub ommers: &'a [Header],
    pub withdrawals: Option<&'a [Withdrawal]>,
    /// The block's fee config on an L2 chain (docs/l2-fees.md); None on an L1, or for an L2
    /// block whose own is not known (the chain's defaults at the minimum L1 blob base fee).
    pub fees: Option<&'a FeeConfig>,
}

/// What execution produced.
#[derive(Clone, Debug)]
pub struct BlockOutput {
    pub receipts: Vec<BasaltReceipt>,
    /// Per transaction, the address a creation made (from the sender's account nonce).
    pub contract_addresses: Vec<Option<Address>>,
    pub gas_used: u64,
    pub blob_gas_used: u64,
    /// EIP-7685 requests (Prague and later).
    pub requests: Option<Requests>,
    pub changes: StateChanges,
}

/// Why a block could not be executed. [`BlockExecutionError::is_node_failure`] tells the two
/// kinds apart: the node failed (`State`, `Fatal`, `NoIntermediateRoot`; the block was not
/// judged), or the block is invalid (every other variant).
#[derive(Debug, Clone, thiserror::Error)]
pub enum BlockExecutionError {
    #[error("transaction {index} is invalid: {reason}")]
    InvalidTransaction { index: usize, reason: String },
    #[error(
        "transaction {index} has gas limit {gas_limit}, more than the {remaining} gas left in the block"
    )]
    GasAllowanceExceeded { index: usize, gas_limit: u64, remaining: u64 },
    #[error("transaction {index} brings the block's blob gas to {used}, above the maximum {max}")]
    BlobGasExceeded { index: usize, used: u64, max: u64 },
    #[error(
        "transaction {index} shares a block with a privileged transaction above the block gas \
         limit or the EIP-7825 cap, which must be alone in its block"
    )]
    AfterOversizedPrivileged { index: usize },
    #[error("transaction {index} carries blobs before Cancun")]
    BlobsBeforeCancun { index: usize },
    #[error("{senders} senders for {transactions} transactions")]
    SenderCount { senders: usize, transactions: usize },
    #[error("transaction {index}: invalid signature: {reason}")]
    InvalidSignature { index: usize, reason: String },
    #[error("system contract {0} has no code")]
    SystemContractEmpty(Address),
    #[error("system call to {0} failed")]
    SystemCallFailed(Address),
    #[error(transparent)]
    InvalidDepositLayout(#[from] InvalidDepositLayout),
    #[error("block environment rejected: {0}")]
    Header(String),
    #[error("block gas used overflows")]
    GasOverflow,
    /// Reading the parent state failed (I/O, a missing or damaged trie node, missing code).
    #[error("state access failed: {0}")]
    State(#[from] StateDbError),
    /// The EVM itself failed (revm's fatal precompile errors).
    #[error("the EVM failed: {0}")]
    Fatal(String),
    /// Pre-Byzantium receipts carry intermediate state roots, and the caller gave no way to
    /// compute them.
    #[error("pre-Byzantium receipts need intermediate state roots; none were provided")]
    NoIntermediateRoot,
}

impl BlockExecutionError {
    /// Whether the node, not the block, failed: such an error must never mark a block or a
    /// transaction invalid, nor drop a transaction from a pool.
    pub fn is_node_failure(&self) -> bool {
        matches!(self, Self::State(_) | Self::Fatal(_) | Self::NoIntermediateRoot)
    }
}

/// A database error underneath execution, which is always the node's failure.
pub(crate) trait DatabaseFailure {
    fn into_execution_error(self) -> BlockExecutionError;
}

impl DatabaseFailure for StateDbError {
    fn into_execution_error(self) -> BlockExecutionError {
        BlockExecutionError::State(self)
    }
}

impl DatabaseFailure for EvmDatabaseError<StateDbError> {
    fn into_execution_error(self) -> BlockExecutionError {
        match self {
            EvmDatabaseError::Database(err) => BlockExecutionError::State(err),
            // Block access lists (EIP-7928) are not used; revm reports their misuse here.
            EvmDatabaseError::Bal(err) => BlockExecutionError::Fatal(err.to_string()),
        }
    }
}

fn evm_error<E: DatabaseFailure>(index: usize, err: EVMError<E>) -> BlockExecutionError {
    match err {
        EVMError::Transaction(reason) => {
            BlockExecutionError::InvalidTransaction { index, reason: reason.to_string() }
        }
        EVMError::Header(reason) => BlockExecutionError::Header(reason.to_string()),
        EVMError::Database(err) => err.into_execution_error(),
        EVMError::Custom(reason) => BlockExecutionError::Fatal(reason),
        EVMError::CustomAny(reason) => BlockExecutionError::Fatal(reason.to_string()),
    }
}

/// Computes the state root after the changes so far (pre-Byzantium receipts carry it).
pub type IntermediateRoot<'a> = &'a mut dyn FnMut(&StateChanges) -> Result<B256, StateReadError>;

type ExecutorEvm<R> = MainnetEvm<BasaltContext<State<WrapDatabaseRef<StateDb<R>>>>>;

/// Executes one block transaction by transaction, so a block builder can try a transaction
/// and drop it when it does not fit or is invalid: a failed [`BlockExecutor::execute_transaction`]
/// leaves the state as it was.
pub struct BlockExecutor<'a, R: StateReader> {
    config: &'a ChainConfig,
    header: &'a Header,
    fork: Hardfork,
    blob_params: Option<BlobParams>,
    evm: ExecutorEvm<R>,
    receipts: Vec<BasaltReceipt>,
    contract_addresses: Vec<Option<Address>>,
    gas_used: u64,
    blob_gas_used: u64,
    /// An oversized privileged transaction was included: nothing may follow it.
    closed_by_oversized: bool,
}

impl<'a, R: StateReader> BlockExecutor<'a, R> {
    /// An executor for a block with `header` on the parent state `state`. `header` needs the
    /// fields execution reads (number, timestamp, beneficiary, gas limit, base fee,
    /// prevrandao, excess blob gas, parent hash and beacon root); roots may be unset. On an L2
    /// the block runs under `fees` (None: [`crate::default_fee_config`]).
    pub fn new(
        config: &'a ChainConfig,
        header: &'a Header,
        fees: Option<&FeeConfig>,
        state: R,
    ) -> Self {
        let BlockEvmEnv { fork, blob_params, cfg, block: block_env } =
            block_evm_env(config, header);
        let db = State::builder().with_database_ref(StateDb(state)).with_bundle_update().build();
        let rules = ChainRules::of(config, fees);
        let evm = basalt_context(db, cfg, block_env, rules).build_mainnet();
        Self {
            config,
            header,
            fork,
            blob_params,
            evm,
            receipts: Vec::new(),
            contract_addresses: Vec::new(),
            gas_used: 0,
            blob_gas_used: 0,
            closed_by_oversized: false,
        }
    }

    /// The address the transaction at `index` created (a creation's, successful or not, as
    /// receipts report it), `None` for a call or an index not executed.
    pub fn created_address(&self, index: usize) -> Option<Address> {
        self.contract_addresses.get(index).copied().flatten()
    }

    /// Gas used by the transactions executed so far.
    pub fn gas_used(&self) -> u64 {
        self.gas_used
    }

    /// Pre-block system calls; their failure does not invalidate the block (EIP-4788, EIP-2935).
    pub fn apply_pre_block(&mut self) -> Result<(), BlockExecutionError> {
        apply_pre_block_calls(&mut self.evm, self.fork, self.header)
    }

    /// Executes the transaction at `index` of the block; on error nothing changes.
    pub fn execute_transaction(
        &mut self,
        index: usize,
        tx: &BasaltTxEnvelope,
        sender: Address,
        intermediate_root: Option<&mut IntermediateRoot<'_>>,
    ) -> Result<&BasaltReceipt, BlockExecutionError> {
        // A privileged transaction's sender is its `from`, whatever the caller passed.
        let sender = tx.as_privileged().map_or(sender, |privileged| privileged.from);
        if self.closed_by_oversized {
            return Err(BlockExecutionError::AfterOversizedPrivileged { index });
        }
        // docs/contracts.md "Privileged transactions on L2" §4: a queued transaction above the
        // block gas limit or the EIP-7825 cap is included alone in its block, as failed, using
        // the whole block gas limit (the handler fails it; the block accounting is here).
        let cap = revm::context::Cfg::tx_gas_limit_cap(self.evm.ctx().cfg());
        let oversized = is_oversized_privileged(tx, self.header.gas_limit, cap);
        if oversized && self.gas_used != 0 {
            return Err(BlockExecutionError::AfterOversizedPrivileged { index });
        }
        let remaining = self.header.gas_limit.saturating_sub(self.gas_used);
        if tx.gas_limit() > remaining && !oversized {
            return Err(BlockExecutionError::GasAllowanceExceeded {
                index,
                gas_limit: tx.gas_limit(),
                remaining,
            });
        }
        let mut blob_gas_used = self.blob_gas_used;
        let blob_count = tx.blob_versioned_hashes().map_or(0, |h| h.len() as u64);
        if blob_count > 0 {
            let Some(params) = self.blob_params else {
                return Err(BlockExecutionError::BlobsBeforeCancun { index });
            };
            let max = params.max_blob_gas_per_block();
            let used = blob_count
                .checked_mul(DATA_GAS_PER_BLOB)
                .and_then(|gas| gas.checked_add(blob_gas_used))
                .ok_or(BlockExecutionError::BlobGasExceeded { index, used: u64::MAX, max })?;
            if used > max {
                return Err(BlockExecutionError::BlobGasExceeded { index, used, max });
            }
            blob_gas_used = used;
        }
        // A creation's address comes from the sender's account nonce before the transaction;
        // for a privileged transaction the nonce field is the bridge's id, not the account's.
        let created = if tx.is_create() {
            let account =
                self.evm.db_mut().basic(sender).map_err(DatabaseFailure::into_execution_error)?;
            Some(sender.create(account.map_or(0, |account| account.nonce)))
        } else {
            None
        };
        let env = block_tx_env(tx, sender, self.evm.ctx().chain());
        let result = transact_commit(&mut self.evm, env).map_err(|e| evm_error(index, e))?;
        let tx_gas_used = if oversized { self.header.gas_limit } else { result.tx_gas_used() };
        let gas_used =
            self.gas_used.checked_add(tx_gas_used).ok_or(BlockExecutionError::GasOverflow)?;
        let status = if self.fork >= Hardfork::Byzantium {
            Eip658Value::Eip658(result.is_success())
        } else {
            let root_of = intermediate_root.ok_or(BlockExecutionError::NoIntermediateRoot)?;
            self.evm.db_mut().merge_transitions(BundleRetention::PlainState);
            let changes = changes_of(self.evm.db_mut());
            Eip658Value::PostState(
                root_of(&changes).map_err(|e| BlockExecutionError::State(e.into()))?,
            )
        };
        self.gas_used = gas_used;
        self.blob_gas_used = blob_gas_used;
        self.closed_by_oversized = oversized;
        let receipt = Receipt { status, cumulative_gas_used: gas_used, logs: result.into_logs() };
        self.receipts.push(BasaltReceipt::from_typed(tx.tx_type(), receipt.with_bloom()));
        self.contract_addresses.push(created);
        Ok(self.receipts.last().expect("a receipt was just pushed"))
    }

    /// Withdrawals, pre-merge rewards and EIP-7685 requests; returns the block's results.
    pub fn finish(
        mut self,
        withdrawals: Option<&[Withdrawal]>,
        ommers: &[Header],
    ) -> Result<BlockOutput, BlockExecutionError> {
        let fork = self.fork;
        // EIP-4895 withdrawals, then pre-merge rewards.
        let mut credits: Vec<(Address, U256)> = Vec::new();
        if fork >= Hardfork::Shanghai {
            for withdrawal in withdrawals.unwrap_or_default() {
                if withdrawal.amount > 0 {
                    credits.push((
                        withdrawal.address,
                        U256::from(withdrawal.amount) * U256::from(GWEI_TO_WEI),
                    ));
                }
            }
        }
        if fork < Hardfork::Paris {
            credits.extend(block_rewards(fork, self.header, ommers));
        }
        for (address, amount) in credits {
            self.evm
                .ctx_mut()
                .journal_mut()
                .balance_incr(address, amount)
                .map_err(DatabaseFailure::into_execution_error)?;
        }
        self.evm.commit_inner();

        let requests = if fork >= Hardfork::Prague {
            Some(block_requests(
                &mut self.evm,
                self.config,
                self.receipts.iter().flat_map(|r| r.logs()),
            )?)
        } else {
            None
        };
        let db = self.evm.db_mut();
        db.merge_transitions(BundleRetention::PlainState);
        let changes = changes_of(db);
        Ok(BlockOutput {
            receipts: self.receipts,
            contract_addresses: self.contract_addresses,
            gas_used: self.gas_used,
            blob_gas_used: self.blob_gas_used,
            requests,
            changes,
        })
    }
}

/// A mainnet EVM with any precompile provider (`eth_simulateV1` moves precompiles).
pub(crate) type EvmWithPrecompiles<DB, INSP, P> = Evm<
    BasaltContext<DB>,
    INSP,
    EthInstructions<EthInterpreter, BasaltContext<DB>>,
    P,
    EthFrame<EthInterpreter>,
>;

/// The pre-block system calls of `header` (EIP-4788 beacon root, EIP-2935 parent hash) on any
/// mainnet EVM; tracing and simulation run them too, so a transaction sees the state they leave.
pub(crate) fn apply_pre_block_calls<DB, INSP, P>(
    evm: &mut EvmWithPrecompiles<DB, INSP, P>,
    fork: Hardfork,
    header: &Header,
) -> Result<(), BlockExecutionError>
where
    DB: StoragePresence<Error: DatabaseFailure> + DatabaseCommit,
    P: PrecompileProvider<BasaltContext<DB>, Output = InterpreterResult>,
{
    if header.number == 0 {
        return Ok(());
    }
    if fork >= Hardfork::Cancun
        && let Some(root) = header.parent_beacon_block_root
        && has_code(evm, BEACON_ROOTS_ADDRESS)?
    {
        evm.system_call_commit(BEACON_ROOTS_ADDRESS, Bytes::copy_from_slice(root.as_slice()))
            .map_err(|e| evm_error(0, e))?;
    }
    if fork >= Hardfork::Prague && has_code(evm, HISTORY_STORAGE_ADDRESS)? {
        evm.system_call_commit(
            HISTORY_STORAGE_ADDRESS,
            Bytes::copy_from_slice(header.parent_hash.as_slice()),
        )
        .map_err(|e| evm_error(0, e))?;
    }
    Ok(())
}

/// The EIP-7685 requests of a Prague block: deposits (EIP-6110) found in `logs` of the block's
/// receipts, then the EIP-7002 and EIP-7251 queues drained by their system calls.
pub(crate) fn block_requests<'l, DB, INSP, P>(
    evm: &mut EvmWithPrecompiles<DB, INSP, P>,
    config: &ChainConfig,
    logs: impl IntoIterator<Item = &'l alloy_primitives::Log>,
) -> Result<Requests, BlockExecutionError>
where
    DB: StoragePresence<Error: DatabaseFailure> + DatabaseCommit,
    P: PrecompileProvider<BasaltContext<DB>, Output = InterpreterResult>,
{
    let mut requests = Requests::default();
    let mut deposits = Vec::new();
    collect_deposit_requests(config.deposit_contract, logs, &mut deposits)?;
    requests.push_request_with_type(0, deposits);
    for (request_type, contract) in
        [(1u8, WITHDRAWAL_REQUEST_ADDRESS), (2u8, CONSOLIDATION_REQUEST_ADDRESS)]
    {
        if !has_code(evm, contract)? {
            return Err(BlockExecutionError::SystemContractEmpty(contract));
        }
        let result = evm.system_call_commit(contract, Bytes::new()).map_err(|e| evm_error(0, e))?;
        // revm lets a system call run slightly past its 30M gas budget; EIP-7002/7251 treat
        // exhausting the budget as failure, so the spend is checked here.
        if !result.is_success() || result.gas().total_gas_spent() > SYSTEM_CALL_GAS_LIMIT {
            return Err(BlockExecutionError::SystemCallFailed(contract));
        }
        requests.push_request_with_type(request_type, result.into_output().unwrap_or_default());
    }
    Ok(requests)
}

/// Executes `input` on `state` (the parent's state) under `config`'s rules.
pub fn execute_block<R: StateReader>(
    config: &ChainConfig,
    input: BlockInput<'_>,
    state: R,
    mut intermediate_root: Option<IntermediateRoot<'_>>,
) -> Result<BlockOutput, BlockExecutionError> {
    if let Senders::Known(senders) = input.senders
        && senders.len() != input.transactions.len()
    {
        return Err(BlockExecutionError::SenderCount {
            senders: senders.len(),
            transactions: input.transactions.len(),
        });
    }
    let mut executor = BlockExecutor::new(config, input.header, input.fees, state);
    executor.apply_pre_block()?;
    for (index, tx) in input.transactions.iter().enumerate() {
        let sender = input.senders.get(index)?;
        executor.execute_transaction(index, tx, sender, intermediate_root.as_mut())?;
    }
    executor.finish(input.withdrawals, input.ommers)
}

/// Whether `tx` is a privileged transaction whose gas limit is above the block gas limit or the
/// EIP-7825 cap `tx_gas_cap`: it is included alone in its block, as failed, and charged the
/// whole block gas limit (docs/contracts.md "Privileged transactions on L2" §4).
pub(crate) fn is_oversized_privileged(
    tx: &BasaltTxEnvelope,
    block_gas_limit: u64,
    tx_gas_cap: u64,
) -> bool {
    tx.is_privileged() && (tx.gas_limit() > block_gas_limit || tx.gas_limit() > tx_gas_cap)
}

fn has_code<E>(evm: &mut E, address: Address) -> Result<bool, BlockExecutionError>
where
    E: EvmTr<Context: ContextTr<Db: Database<Error: DatabaseFailure>>>,
{
    let account =
        evm.ctx_mut().db_mut().basic(address).map_err(DatabaseFailure::into_execution_error)?;
    Ok(account.is_some_and(|a| a.code_hash != KECCAK_EMPTY))
}

/// Block and ommer rewards before the merge (yellow paper §11.3; EIP-649, EIP-1234).
fn block_rewards(fork: Hardfork, header: &Header, ommers: &[Header]) -> Vec<(Address, U256)> {
    let base = if fork >= Hardfork::Constantinople {
        2 * ETHER
    } else if fork >= Hardfork::Byzantium {
        3 * ETHER
    } else {
        5 * ETHER
    };
    let ommer_count = ommers.len() as u128;
    let mut rewards = vec![(header.beneficiary, U256::from(base + (base / 32) * ommer_count))];
    for ommer in ommers {
        // Ommer depth (1..=6 generations) is not validated on import (see the README): the
        // arithmetic saturates instead of trusting it.
        let depth = u128::from(header.number.saturating_sub(ommer.number).min(8));
        rewards.push((ommer.beneficiary, U256::from((8 - depth) * base / 8)));
    }
    rewards
}

/// The accumulated bundle of `db` as a Basalt change set.
fn changes_of<DB: revm::DatabaseRef>(
    db: &mut State<revm::database::WrapDatabaseRef<DB>>,
) -> StateChanges {
    let plain = db.bundle_state.to_plain_state(OriginalValuesKnown::Yes);
    StateChanges {
        accounts: plain
            .accounts
            .into_iter()
            .map(|(address, info)| {
                (
                    address,
                    info.map(|info| Account {
                        nonce: info.nonce,
                        balance: info.balance,
                        code_hash: info.code_hash,
                    }),
                )
            })
            .collect(),
        storage: plain
            .storage
            .into_iter()
            .map(|s| StorageChanges { address: s.address, wiped: s.wipe_storage, slots: s.storage })
            .collect(),
        code: plain
            .contracts
            .into_iter()
            .map(|(hash, code)| (hash, code.original_bytes()))
            .collect(),
    }
}

#[cfg(test)]
mod privileged_tests;

#[cfg(test)]
mod fee_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{ETHER, MemoryState, block_header, eip1559_tx, prague};

    /// A disk that fails: every read of `broken` returns an I/O error.
    struct FailingState {
        state: MemoryState,
        broken: Address,
    }

    impl StateReader for FailingState {
        fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
            if address == self.broken {
                return Err(StateReadError::new(std::io::Error::other("disk read failed")));
            }
            self.state.account(address)
        }
        fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
            self.state.storage(address, slot)
        }
        fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
            self.state.has_storage(address)
        }
        fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
            self.state.code(code_hash)
        }
        fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
            self.state.block_hash(number)
        }
    }

    #[test]
    fn failed_state_read_is_a_node_failure_carrying_the_storage_error() {
        let sender = Address::repeat_byte(0x51);
        let mut state = MemoryState::default();
        state.fund(sender, ETHER);
        let failing = FailingState { state, broken: sender };
        let header = block_header();
        let config = prague();
        let mut executor = BlockExecutor::new(&config, &header, None, &failing);
        let tx: BasaltTxEnvelope = eip1559_tx(0, Address::repeat_byte(0x52), 1, 21_000).into();
        let err = executor.execute_transaction(0, &tx, sender, None).unwrap_err();
        assert!(err.is_node_failure(), "{err}");
        let BlockExecutionError::State(StateDbError::Read(read)) = &err else {
            panic!("not a state read failure: {err:?}")
        };
        assert!(read.downcast_ref::<std::io::Error>().is_some(), "{read:?}");
        assert!(err.to_string().contains("disk read failed"), "{err}");

        // An invalid transaction is the block's fault, not the node's.
        let funded = FailingState { state: failing.state, broken: Address::ZERO };
        let mut executor = BlockExecutor::new(&config, &header, None, &funded);
        let err = executor.execute_transaction(0, &tx, Address::repeat_byte(0x53), None);
        let err = err.unwrap_err();
        assert!(!err.is_node_failure(), "{err}");
    }
}
