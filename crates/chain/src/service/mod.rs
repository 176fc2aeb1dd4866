//! The chain service: one [`Blockchain`] with its transaction pool (and the pool journal),
//! admission, block production (the miner for automine and interval mining, and the L2 block
//! producer's entry point), the pending block and chain events. Both chains a developer runs sit
//! on it: the dev L1 (under the anvil controls of [`crate::anvil`]) and the L2 node (under
//! [`crate::l2_producer`]). It owns no anvil state (snapshots, impersonation, clock offsets):
//! its next block timestamp comes from the [`BlockClock`] it is given. Every write to the
//! chain holds one lock ([`ChainService::writer`]), so blocks and other writes never
//! interleave; the pool has its own lock so transactions keep arriving while a block is built.

mod block_data;
mod clock;
mod events;
mod finality;
mod journal;
mod miner;
mod pending;
mod writer;

pub(crate) use clock::clock_timestamp;
pub use clock::{BlockClock, WallClock};
pub use events::{ChainEvent, EventListener, RemovedBlock};
pub use journal::PoolJournal;
pub use miner::{MiningMode, Stall};
pub use writer::ChainWriter;

use crate::{Blockchain, ImportError, builder::BuildError};
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{Address, B256};
use basalt_primitives::{
    StateReadError, TxEnvelope,
    sender::{address_of, recover_sender},
};
use basalt_txpool::{Added, PoolConfig, PoolError, TxPool, ValidationContext};
use std::sync::{
    Arc, Condvar, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

/// Largest encoded transaction the pool accepts (geth's 128 KiB, plus room for blobs, which
/// arrive as separate sidecar bytes and are checked there).
pub const MAX_TX_BYTES: usize = 128 * 1024;

/// Chain-service settings.
pub struct ChainServiceConfig {
    pub mining: MiningMode,
    pub pool: PoolConfig,
    /// Gas limit of new blocks (default: the parent's).
    pub gas_limit: Option<u64>,
    pub beneficiary: Address,
    /// Private keys of the funded dev accounts (`eth_accounts`, `eth_sendTransaction`).
    pub dev_keys: Vec<B256>,
    /// Blocks per epoch of the beacon chain this chain imitates: `safe` is one epoch behind
    /// the head and `finalized` two (anvil's `--slots-in-an-epoch`, default 32).
    pub slots_in_an_epoch: u64,
    /// Which chain log lines name when one process runs two (`l1`, `l2`).
    pub name: &'static str,
    /// Refuse EIP-4844 blob transactions at submission (an L2 has no blobs of its own).
    pub refuse_blob_txs: bool,
    /// L2 only: blobs one batch may span (`--max-blobs-per-batch`). Every block fits a batch of
    /// that many: the producer fills it under [`basalt_da::BlockDataBudget`] of
    /// [`basalt_da::max_block_payload_bytes`], and past that bound only while the block's own
    /// payload, compressed ([`basalt_da::encode_compressed_fast`]), still fits; transactions that
    /// could not fit even an empty block are refused at submission. None (and on a chain
    /// without rollup rules): gas alone bounds a block.
    pub max_blobs_per_batch: Option<usize>,
    /// Pool journal file ([`PoolJournal`]): accepted transactions survive a crash. None keeps
    /// the pool in memory only. A blob transaction's sidecar is not journaled, so one would not
    /// be restored (the chain that takes blob transactions, the dev L1, runs without a journal).
    pub journal: Option<std::path::PathBuf>,
}

impl ChainServiceConfig {
    /// A dev L1's defaults: the default pool, the parent's gas limit, a zero beneficiary, 32
    /// slots per epoch, named `l1`, blob transactions accepted, blocks bounded by gas alone, no
    /// journal.
    pub fn new(mining: MiningMode, dev_keys: Vec<B256>) -> Self {
        Self {
            mining,
            pool: PoolConfig::default(),
            gas_limit: None,
            beneficiary: Address::ZERO,
            dev_keys,
            slots_in_an_epoch: 32,
            name: "l1",
            refuse_blob_txs: false,
            max_blobs_per_batch: None,
            journal: None,
        }
    }
}

/// Why an operation of the chain service failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Chain(#[from] ImportError),
    #[error(transparent)]
    State(#[from] StateReadError),
    #[error("timestamp {requested} is not after the head's timestamp {head}")]
    TimestampNotAfterHead { requested: u64, head: u64 },
    #[error(
        "transaction type not supported: blob transactions (type 0x3) are not accepted on this \
         chain; the L2 posts its own data to the L1"
    )]
    BlobTxRefused,
    #[error("cannot write the pool journal: {0}")]
    Journal(#[source] std::io::Error),
    /// The transaction's data bound exceeds what an empty L2 block may add to a batch.
    #[error(
        "oversized data: the transaction does not fit the batch data one L2 block may carry \
         ({max} bytes besides the block's own fields)"
    )]
    ExceedsBlockData { max: usize },
}

impl From<basalt_storage::StorageError> for ServiceError {
    fn from(err: basalt_storage::StorageError) -> Self {
        ServiceError::Chain(err.into())
    }
}

/// The chain service.
pub struct ChainService {
    chain: Blockchain,
    config: ChainServiceConfig,
    /// Address and key of each dev account, derived once.
    dev_accounts: Vec<(Address, B256)>,
    pool: Mutex<TxPool>,
    /// Held by every writer of the chain ([`ChainWriter`]).
    write: Mutex<()>,
    /// Gives the next block's timestamp.
    clock: Arc<dyn BlockClock>,
    listener: Mutex<Option<Arc<EventListener>>>,
    /// The highest block reported as finalized (see `finality`).
    finalized: AtomicU64,
    /// Bumped whenever the pool or the state changes; keys the pending block's cache.
    pending_epoch: AtomicU64,
    pending: Mutex<Option<pending::CachedPending>>,
    /// Wakes the miner thread when transactions arrive (automine).
    wake: (Mutex<bool>, Condvar),
    /// The pool journal, when configured.
    journal: Mutex<Option<PoolJournal>>,
    /// DA throttling (L2): while set, blocks carry at most [`THROTTLED_BLOCK_PAYLOAD_BYTES`].
    data_throttled: AtomicBool,
    /// The empty block's data bound under the fee config it was built for (L2): admission
    /// checks each transaction against it, built again only when the fee config changes.
    admission_budget: Mutex<Option<(basalt_primitives::FeeConfig, basalt_da::BlockDataBudget)>>,
}

/// The data bound of one L2 block while DA throttling is on, in payload bytes: about an
/// eighth of a blob, so a backlog of batches drains at any L1 rate a commit can follow
/// (the OP Stack's batcher throttles blocks to ~21 KB the same way).
pub const THROTTLED_BLOCK_PAYLOAD_BYTES: usize = 16 * 1024;

impl ChainService {
    /// The chain service over `chain`, its blocks stamped by the wall clock. With a journal
    /// configured, the journal's transactions are submitted again first (those no longer
    /// valid are dropped) and the journal is rewritten to what the pool kept; an unreadable
    /// journal file is [`ServiceError::Journal`].
    pub fn new(chain: Blockchain, config: ChainServiceConfig) -> Result<Arc<Self>, ServiceError> {
        Self::with_clock(chain, config, Arc::new(WallClock))
    }

    /// [`ChainService::new`] with the next block's timestamp taken from `clock`.
    pub fn with_clock(
        chain: Blockchain,
        config: ChainServiceConfig,
        clock: Arc<dyn BlockClock>,
    ) -> Result<Arc<Self>, ServiceError> {
        let journal = match &config.journal {
            Some(path) => Some(PoolJournal::open(path).map_err(ServiceError::Journal)?),
            None => None,
        };
        let node = Self::without_journal(chain, config, clock);
        if let Some((journal, replay)) = journal {
            let total = replay.len();
            let restored = replay.into_iter().filter(|tx| node.submit(tx.clone()).is_ok()).count();
            *lock(&node.journal) = Some(journal);
            node.compact_journal(true)?;
            if total > 0 {
                tracing::info!(
                    chain = node.config.name,
                    "pool journal: {restored} of {total} transactions restored"
                );
            }
        }
        Ok(node)
    }

    fn without_journal(
        chain: Blockchain,
        config: ChainServiceConfig,
        clock: Arc<dyn BlockClock>,
    ) -> Arc<Self> {
        let pool = TxPool::new(config.pool);
        let head = chain.head().map_or(0, |head| head.number);
        let dev_accounts = config
            .dev_keys
            .iter()
            .filter_map(|key| address_of(key).ok().map(|address| (address, *key)))
            .collect();
        let node = Arc::new(Self {
            chain,
            dev_accounts,
            config,
            pool: Mutex::new(pool),
            write: Mutex::new(()),
            clock,
            listener: Mutex::new(None),
            data_throttled: AtomicBool::new(false),
            admission_budget: Mutex::new(None),
            finalized: AtomicU64::new(0),
            pending_epoch: AtomicU64::new(0),
            pending: Mutex::new(None),
            wake: (Mutex::new(false), Condvar::new()),
            journal: Mutex::new(None),
        });
        node.advance_finalized(head);
        node
    }

    pub fn chain(&self) -> &Blockchain {
        &self.chain
    }

    pub fn beneficiary(&self) -> Address {
        self.config.beneficiary
    }

    /// Addresses of the dev accounts, in order.
    pub fn dev_accounts(&self) -> Vec<Address> {
        self.dev_accounts.iter().map(|(address, _)| *address).collect()
    }

    /// The private key of a dev account.
    pub fn dev_key(&self, address: &Address) -> Option<B256> {
        self.dev_accounts.iter().find(|(a, _)| a == address).map(|(_, key)| *key)
    }

    pub fn mining_mode(&self) -> MiningMode {
        self.config.mining
    }

    /// The rules the next block's transactions are checked against.
    pub fn validation_context(&self) -> Result<ValidationContext, ServiceError> {
        self.validation_context_on(&self.chain.db().read()?)
    }

    /// [`ChainService::validation_context`] on an already open snapshot.
    fn validation_context_on(
        &self,
        view: &basalt_storage::ReadView,
    ) -> Result<ValidationContext, ServiceError> {
        let head = view.head_header()?.ok_or(ImportError::NoGenesis)?;
        let timestamp = self.next_timestamp_preview(head.timestamp);
        Ok(self.context_for(&head, timestamp, view))
    }

    /// The rules of a block at `timestamp` on `head`. A head whose base fee cannot grow
    /// (an overflowing fee) admits nothing: no transaction could pay it.
    /// `view` is the snapshot the caller already holds (opening one costs a table lookup per
    /// table, a noticeable share of admission).
    pub(super) fn context_for(
        &self,
        head: &alloy_consensus::Header,
        timestamp: u64,
        view: &basalt_storage::ReadView,
    ) -> ValidationContext {
        let config = self.chain.config();
        let fork = config.fork_at(head.number.saturating_add(1), timestamp);
        let fees =
            config.next_block_fees(head, timestamp).unwrap_or(basalt_primitives::BlockFees {
                base_fee_per_gas: Some(u64::MAX),
                ..Default::default()
            });
        ValidationContext {
            chain_id: config.chain_id,
            fork,
            base_fee: fees.base_fee_per_gas.unwrap_or_default(),
            block_gas_limit: self.config.gas_limit.unwrap_or(head.gas_limit),
            blob_base_fee: fees.blob_base_fee,
            max_tx_bytes: MAX_TX_BYTES,
            // L2: the next block's fee config; if the store cannot be read, the chain's
            // defaults (the block builder still applies the real one).
            fees: config.rollup.as_ref().map(|rollup| {
                let stored = self.chain.next_fee_config(view).ok().flatten();
                stored.unwrap_or_else(|| basalt_evm::default_fee_config(rollup))
            }),
        }
    }

    /// Validates and adds a signed transaction; in automine mode a block follows. A blob
    /// transaction needs its sidecar: [`ChainService::submit_with_sidecar`].
    pub fn submit(&self, tx: TxEnvelope) -> Result<Added, ServiceError> {
        self.submit_inner(tx, None, None)
    }

    /// [`ChainService::submit`] for a blob transaction (EIP-4844) with its sidecar, whose KZG
    /// proofs the caller has verified. The pool keeps the sidecar with the transaction (it must
    /// list the transaction's versioned hashes and carry the proofs the next block's fork takes:
    /// [`basalt_txpool::TxPool::add_with_sidecar`]); the block that includes the transaction
    /// stores its blobs. A chain that refuses blob transactions refuses it first.
    pub fn submit_with_sidecar(
        &self,
        tx: TxEnvelope,
        sidecar: Option<BlobTransactionSidecarVariant>,
    ) -> Result<Added, ServiceError> {
        self.submit_inner(tx, None, sidecar)
    }

    /// [`ChainService::submit`] with `sender` (when given) trusted instead of recovered from
    /// the signature: the dev L1's impersonated accounts, whose transactions carry a placeholder
    /// signature. The pool keeps the sender with the transaction, and the mined block stores it
    /// with the block. Deciding who may send unsigned is the caller's business.
    ///
    /// With a journal, the transaction is appended to it once the pool has found it admissible
    /// and before the pool changes: an append that fails is [`ServiceError::Journal`] with the
    /// pool as it was (no transaction it held is replaced or evicted for one not on disk).
    pub fn submit_as(
        &self,
        tx: TxEnvelope,
        sender: Option<Address>,
    ) -> Result<Added, ServiceError> {
        self.submit_inner(tx, sender, None)
    }

    fn submit_inner(
        &self,
        tx: TxEnvelope,
        sender: Option<Address>,
        sidecar: Option<BlobTransactionSidecarVariant>,
    ) -> Result<Added, ServiceError> {
        if self.config.refuse_blob_txs && tx.is_eip4844() {
            return Err(ServiceError::BlobTxRefused);
        }
        // Recovering the sender is the costly part of admission; doing it before taking the
        // pool lock lets requests on different threads recover in parallel.
        let sender = match sender {
            Some(sender) => sender,
            None => recover_sender(&tx, false)
                .map_err(|e| PoolError::InvalidSignature(e.to_string()))?,
        };
        if lock(&self.pool).get(tx.tx_hash()).is_some() {
            return Err(PoolError::AlreadyKnown.into());
        }
        let view = self.chain.db().read()?;
        let ctx = self.validation_context_on(&view)?;
        self.check_block_data(ctx.fees.as_ref(), sender, &tx)?;
        // Checked against the rules and the state before the pool's lock is taken, so
        // concurrent submissions check in parallel; the lock covers only the pool's own part.
        let checked = TxPool::check(tx, Some(sender), sidecar, &ctx, &view)?;
        let added = {
            let mut pool = lock(&self.pool);
            let mut journal = lock(&self.journal);
            // Journaled before the hash goes back, and before the pool changes: a transaction
            // that cannot be journaled is refused, and nothing it would replace or evict is lost.
            pool.add_gated(checked, &ctx, |tx| match journal.as_mut() {
                Some(journal) => journal.append(tx).map_err(ServiceError::Journal),
                None => Ok(()),
            })?
        };
        self.pending_changed();
        self.emit(ChainEvent::PendingTransaction(added.hash));
        if self.config.mining == MiningMode::Auto && added.pending {
            let (flag, condvar) = &self.wake;
            *lock(flag) = true;
            condvar.notify_one();
        }
        Ok(added)
    }

    /// Runs `f` on the pool.
    pub fn with_pool<T>(&self, f: impl FnOnce(&TxPool) -> T) -> T {
        f(&lock(&self.pool))
    }

    /// The next nonce of `sender` counting its transactions waiting in the pool.
    pub fn next_nonce(&self, sender: Address) -> Result<u64, ServiceError> {
        let view = self.chain.db().read()?;
        let state_nonce = view.account(sender)?.map_or(0, |a| a.nonce);
        Ok(lock(&self.pool).next_nonce(sender, state_nonce))
    }

    /// Rewrites the journal to the pool's contents when it holds many more records than the
    /// pool has transactions, or holds a partial record it could not cut off (or always, with
    /// `force`). The pool lock is held only to list its
    /// transactions; the file is streamed out with the journal lock alone (admission waits for
    /// it: it appends), so the pending block and pool reads go on meanwhile.
    fn compact_journal(&self, force: bool) -> Result<(), ServiceError> {
        let pool = lock(&self.pool);
        let mut journal = lock(&self.journal);
        let Some(journal) = journal.as_mut() else { return Ok(()) };
        let grown = journal.records() > pool.len().saturating_mul(2).saturating_add(1024);
        if !(force || grown || journal.needs_rewrite()) {
            return Ok(());
        }
        let transactions: Vec<Arc<TxEnvelope>> =
            pool.transactions().map(|pooled| pooled.tx.clone()).collect();
        drop(pool);
        journal.rewrite(transactions.iter().map(|tx| &**tx)).map_err(ServiceError::Journal)
    }

    /// Turns DA throttling on or off (the committer does, from the uncommitted backlog): while
    /// on, new blocks carry at most [`THROTTLED_BLOCK_PAYLOAD_BYTES`] of payload, and what does
    /// not fit waits in the pool. Admission is unchanged. No effect without
    /// `max_blobs_per_batch`.
    pub fn set_data_throttle(&self, on: bool) {
        if self.data_throttled.swap(on, Ordering::Relaxed) != on {
            self.pending_changed();
        }
    }

    /// Whether DA throttling is on.
    pub fn data_throttled(&self) -> bool {
        self.data_throttled.load(Ordering::Relaxed)
    }

    /// The data bound of an empty block under `fees` (the next L2 block's fee config) against
    /// `scale` times [`basalt_da::max_block_payload_bytes`], or at most
    /// [`THROTTLED_BLOCK_PAYLOAD_BYTES`] when `throttled`: None on an L1 or without
    /// `max_blobs_per_batch`. A limit too small for the block's own fields gives a budget with
    /// no room, so nothing ordinary fits.
    pub(super) fn block_data_budget(
        &self,
        fees: Option<&basalt_primitives::FeeConfig>,
        scale: usize,
        throttled: bool,
    ) -> Option<basalt_da::BlockDataBudget> {
        let (blobs, fees) = (self.config.max_blobs_per_batch?, fees?);
        let mut limit = basalt_da::max_block_payload_bytes(blobs).saturating_mul(scale);
        if throttled {
            limit = limit.min(THROTTLED_BLOCK_PAYLOAD_BYTES);
        }
        Some(
            basalt_da::BlockDataBudget::new(limit, self.config.beneficiary, fees)
                .unwrap_or_else(basalt_da::BlockDataBudget::exhausted),
        )
    }

    /// Refuses a transaction too large for an empty block's data bound under `fees` (L2 with
    /// `max_blobs_per_batch`; no check otherwise): it could never be included.
    fn check_block_data(
        &self,
        fees: Option<&basalt_primitives::FeeConfig>,
        sender: Address,
        tx: &TxEnvelope,
    ) -> Result<(), ServiceError> {
        let (Some(fees), Some(_)) = (fees, self.config.max_blobs_per_batch) else { return Ok(()) };
        let mut cached = lock(&self.admission_budget);
        if cached.as_ref().is_none_or(|(built_for, _)| built_for != fees) {
            *cached = self.block_data_budget(Some(fees), 1, false).map(|budget| (*fees, budget));
        }
        match cached.as_ref() {
            Some((_, budget)) if !budget.fits(sender, tx) => {
                Err(ServiceError::ExceedsBlockData { max: budget.remaining() })
            }
            _ => Ok(()),
        }
    }

    /// The chain's name in log lines.
    pub fn name(&self) -> &'static str {
        self.config.name
    }
}

/// Locks a mutex even if a thread panicked while holding it: the data behind these locks
/// (the service's and the anvil layer's) is only ever replaced whole, so it stays consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;
