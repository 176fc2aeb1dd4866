//! EIP-7610: creating a contract at an address that already has storage is a collision, like
//! an address with code or a nonce. revm checks only code and nonce, so every EVM Basalt builds
//! runs on [`CollisionJournal`], revm's journal with the storage check added, which asks the
//! database through [`StoragePresence`].

use crate::{
    db::{StateDb, StateDbError},
    rules::ChainRules,
    tx_env::BasaltTxEnv,
};
use alloy_primitives::{Address, B256, Log, U256, map::AddressSet};
use basalt_primitives::StateReader;
use revm::{
    Database,
    bytecode::Bytecode,
    context::{
        BlockEnv, CfgEnv, Context, Journal, JournalEntry,
        journaled_state::{
            AccountInfoLoad, AccountLoad, JournalCheckpoint, JournalLoadError, JournalTr,
            TransferError, account::JournaledAccount,
        },
    },
    context_interface::context::{SStoreResult, SelfDestructResult, StateLoad},
    database::{
        CacheDB, State, WrapDatabaseRef, bal::EvmDatabaseError, in_memory_db::AccountState,
    },
    inspector::JournalExt,
    primitives::{AddressMap, HashSet, KECCAK_EMPTY, StorageKey, StorageValue, hardfork::SpecId},
    state::{Account, EvmState},
};

/// revm's mainnet context on the EIP-7610 journal, with the Basalt transaction and the chain's
/// rules; every Basalt EVM uses it and runs it through [`crate::handler`].
pub type BasaltContext<DB> =
    Context<BlockEnv, BasaltTxEnv, CfgEnv, DB, CollisionJournal<DB>, ChainRules>;

/// A context on `db` with `cfg`, `block` and the chain's `rules` (the transaction is set per
/// call).
pub fn basalt_context<DB: StoragePresence>(
    db: DB,
    cfg: CfgEnv,
    block: BlockEnv,
    rules: ChainRules,
) -> BasaltContext<DB> {
    BasaltContext::new(db, cfg.spec).with_cfg(cfg).with_block(block).with_chain(rules)
}

/// A revm database that can tell whether an account has storage in its current state.
pub trait StoragePresence: Database {
    /// Whether `address` has a non-zero storage slot (EIP-7610's "non-empty storage").
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error>;
}

/// Block execution's cache over the parent state: an account destroyed or created in the block
/// has exactly its cached storage; any other has the parent's plus what the block wrote.
impl<R: StateReader> StoragePresence for State<WrapDatabaseRef<StateDb<R>>> {
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        if let Some(cached) = self.cache.accounts.get(&address) {
            let written = cached
                .account
                .as_ref()
                .is_some_and(|account| account.storage.values().any(|value| !value.is_zero()));
            if written || cached.status.is_storage_known() {
                return Ok(written);
            }
        }
        let read = self.database.0.0.has_storage(address);
        read.map_err(|e| EvmDatabaseError::Database(StateDbError::Read(e)))
    }
}

/// Calls, traces and simulations: an account whose storage was cleared or replaced (a
/// self-destruct, a state override) has exactly its cached storage.
impl<R: StateReader> StoragePresence for CacheDB<StateDb<R>> {
    fn has_storage(&mut self, address: Address) -> Result<bool, StateDbError> {
        if let Some(cached) = self.cache.accounts.get(&address) {
            let written = cached.storage.values().any(|value| !value.is_zero());
            let known = matches!(
                cached.account_state,
                AccountState::StorageCleared | AccountState::NotExisting
            );
            if written || known {
                return Ok(written);
            }
        }
        Ok(self.db.0.has_storage(address)?)
    }
}

/// revm's [`Journal`] with EIP-7610's storage check on contract creation. revm loads the
/// address it is about to create (`load_account`) just before it asks the journal to create
/// it, so the storage is read there, where a database error can still be returned, and the
/// creation fails with `CreateCollision` like a nonce or code collision.
#[derive(Debug)]
pub struct CollisionJournal<DB> {
    inner: Journal<DB>,
    /// Loaded addresses with no code, a zero nonce and storage, in this transaction.
    storage_only: AddressSet,
}

impl<DB> CollisionJournal<DB> {
    /// The database underneath (the state before the current transaction's changes).
    pub fn database_mut(&mut self) -> &mut DB {
        &mut self.inner.database
    }

    /// Gives the database back (with everything committed to it).
    pub fn into_database(self) -> DB {
        self.inner.database
    }
}

impl<DB: StoragePresence> JournalTr for CollisionJournal<DB> {
    type Database = DB;
    type State = EvmState;
    type JournaledAccount<'a>
        = JournaledAccount<'a, DB, JournalEntry>
    where
        DB: 'a;

    fn new(database: DB) -> Self {
        Self { inner: Journal::new(database), storage_only: AddressSet::default() }
    }

    fn load_account(&mut self, address: Address) -> Result<StateLoad<&Account>, DB::Error> {
        let loaded = self.inner.load_account(address)?;
        let is_cold = loaded.is_cold;
        let info = &loaded.data.info;
        let collision_free = info.code_hash == KECCAK_EMPTY && info.nonce == 0;
        if collision_free
            && !self.storage_only.contains(&address)
            && self.inner.database.has_storage(address)?
        {
            self.storage_only.insert(address);
        }
        // The account is warm now: this second load reads nothing, and the first one's
        // coldness is what the caller is charged for.
        let mut loaded = self.inner.load_account(address)?;
        loaded.is_cold = is_cold;
        Ok(loaded)
    }

    fn create_account_checkpoint(
        &mut self,
        caller: Address,
        address: Address,
        balance: U256,
        spec_id: SpecId,
    ) -> Result<JournalCheckpoint, TransferError> {
        if self.storage_only.contains(&address) {
            return Err(TransferError::CreateCollision);
        }
        self.inner.create_account_checkpoint(caller, address, balance, spec_id)
    }

    fn commit_tx(&mut self) {
        self.storage_only.clear();
        self.inner.commit_tx()
    }

    fn discard_tx(&mut self) {
        self.storage_only.clear();
        self.inner.discard_tx()
    }

    fn clear(&mut self) {
        self.storage_only.clear();
        self.inner.clear()
    }

    // Everything below is revm's journal unchanged.

    fn db_and_state(&self) -> (&DB, &EvmState) {
        self.inner.db_and_state()
    }

    fn db_and_state_mut(&mut self) -> (&mut DB, &mut EvmState) {
        self.inner.db_and_state_mut()
    }

    fn sload(
        &mut self,
        address: Address,
        key: StorageKey,
    ) -> Result<StateLoad<StorageValue>, DB::Error> {
        self.inner.sload(address, key)
    }

    fn sload_skip_cold_load(
        &mut self,
        address: Address,
        key: StorageKey,
        skip_cold_load: bool,
    ) -> Result<StateLoad<StorageValue>, JournalLoadError<DB::Error>> {
        self.inner.sload_skip_cold_load(address, key, skip_cold_load)
    }

    fn sstore(
        &mut self,
        address: Address,
        key: StorageKey,
        value: StorageValue,
    ) -> Result<StateLoad<SStoreResult>, DB::Error> {
        self.inner.sstore(address, key, value)
    }

    fn sstore_skip_cold_load(
        &mut self,
        address: Address,
        key: StorageKey,
        value: StorageValue,
        skip_cold_load: bool,
    ) -> Result<StateLoad<SStoreResult>, JournalLoadError<DB::Error>> {
        self.inner.sstore_skip_cold_load(address, key, value, skip_cold_load)
    }

    fn tload(&mut self, address: Address, key: StorageKey) -> StorageValue {
        self.inner.tload(address, key)
    }

    fn tstore(&mut self, address: Address, key: StorageKey, value: StorageValue) {
        self.inner.tstore(address, key, value)
    }

    fn log(&mut self, log: Log) {
        self.inner.log(log)
    }

    fn take_logs(&mut self) -> Vec<Log> {
        self.inner.take_logs()
    }

    fn logs(&self) -> &[Log] {
        self.inner.logs()
    }

    fn selfdestruct(
        &mut self,
        address: Address,
        target: Address,
        skip_cold_load: bool,
    ) -> Result<StateLoad<SelfDestructResult>, JournalLoadError<DB::Error>> {
        self.inner.selfdestruct(address, target, skip_cold_load)
    }

    fn warm_access_list(&mut self, access_list: AddressMap<HashSet<StorageKey>>) {
        self.inner.warm_access_list(access_list)
    }

    fn warm_coinbase_account(&mut self, address: Address) {
        self.inner.warm_coinbase_account(address)
    }

    fn warm_precompiles(&mut self, addresses: &AddressSet) {
        self.inner.warm_precompiles(addresses)
    }

    fn precompile_addresses(&self) -> &AddressSet {
        self.inner.precompile_addresses()
    }

    fn set_spec_id(&mut self, spec_id: SpecId) {
        self.inner.set_spec_id(spec_id)
    }

    fn set_eip7708_config(&mut self, disabled: bool, eip8246_delayed_clear_disabled: bool) {
        self.inner.set_eip7708_config(disabled, eip8246_delayed_clear_disabled)
    }

    fn touch_account(&mut self, address: Address) {
        self.inner.touch_account(address)
    }

    fn transfer(
        &mut self,
        from: Address,
        to: Address,
        balance: U256,
    ) -> Result<Option<TransferError>, DB::Error> {
        self.inner.transfer(from, to, balance)
    }

    fn transfer_loaded(
        &mut self,
        from: Address,
        to: Address,
        balance: U256,
    ) -> Option<TransferError> {
        self.inner.transfer_loaded(from, to, balance)
    }

    #[allow(deprecated)]
    fn caller_accounting_journal_entry(
        &mut self,
        address: Address,
        old_balance: U256,
        bump_nonce: bool,
    ) {
        self.inner.caller_accounting_journal_entry(address, old_balance, bump_nonce)
    }

    fn balance_incr(&mut self, address: Address, balance: U256) -> Result<(), DB::Error> {
        self.inner.balance_incr(address, balance)
    }

    #[allow(deprecated)]
    fn nonce_bump_journal_entry(&mut self, address: Address) {
        self.inner.nonce_bump_journal_entry(address)
    }

    fn load_account_with_code(
        &mut self,
        address: Address,
    ) -> Result<StateLoad<&Account>, DB::Error> {
        self.inner.load_account_with_code(address)
    }

    fn load_account_delegated(
        &mut self,
        address: Address,
    ) -> Result<StateLoad<AccountLoad>, DB::Error> {
        self.inner.load_account_delegated(address)
    }

    fn load_account_mut_skip_cold_load(
        &mut self,
        address: Address,
        skip_cold_load: bool,
    ) -> Result<StateLoad<Self::JournaledAccount<'_>>, JournalLoadError<DB::Error>> {
        self.inner.load_account_mut_skip_cold_load(address, skip_cold_load)
    }

    fn load_account_mut_optional_code(
        &mut self,
        address: Address,
        load_code: bool,
    ) -> Result<StateLoad<Self::JournaledAccount<'_>>, DB::Error> {
        self.inner.load_account_mut_optional_code(address, load_code)
    }

    fn set_code_with_hash(&mut self, address: Address, code: Bytecode, hash: B256) {
        self.inner.set_code_with_hash(address, code, hash)
    }

    fn checkpoint(&mut self) -> JournalCheckpoint {
        self.inner.checkpoint()
    }

    fn checkpoint_commit(&mut self) {
        self.inner.checkpoint_commit()
    }

    fn checkpoint_revert(&mut self, checkpoint: JournalCheckpoint) {
        self.inner.checkpoint_revert(checkpoint)
    }

    fn depth(&self) -> usize {
        self.inner.depth()
    }

    fn finalize(&mut self) -> EvmState {
        self.inner.finalize()
    }

    fn load_account_info_skip_cold_load(
        &mut self,
        address: Address,
        load_code: bool,
        skip_cold_load: bool,
    ) -> Result<AccountInfoLoad<'_>, JournalLoadError<DB::Error>> {
        self.inner.load_account_info_skip_cold_load(address, load_code, skip_cold_load)
    }
}

/// Inspectors (call traces, access lists) read the journal's entries.
impl<DB: StoragePresence> JournalExt for CollisionJournal<DB> {
    fn journal(&self) -> &[JournalEntry] {
        self.inner.journal()
    }
}
