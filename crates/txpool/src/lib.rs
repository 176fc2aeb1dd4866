//! The transaction pool: admission (see [`validate`]), per-sender nonce queues split into
//! pending (executable now) and queued (waiting for a nonce gap to close), replacement with a
//! minimum fee bump, per-sender and global limits with eviction, and the order in which the
//! block builder takes transactions (highest effective tip first, nonces in order). A blob
//! transaction (EIP-4844) is kept with its sidecar, which leaves the pool with it. It does
//! not execute anything; the builder does, and reports back through [`TxPool::prune`].

mod sender_queue;
mod validate;

use sender_queue::SenderQueue;

pub use validate::ValidationContext;

/// Whether blocks and pools of `fork` take `sidecar`'s proofs: EIP-4844 blob proofs before
/// Osaka, EIP-7594 cell proofs from Osaka on.
pub fn sidecar_fits(sidecar: &BlobTransactionSidecarVariant, fork: Hardfork) -> bool {
    validate::sidecar_kind(sidecar, fork).is_ok()
}

use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{
    Address, B256, U256,
    map::{AddressMap, B256Map},
};
use basalt_primitives::{Hardfork, StateReadError, StateReader, TxEnvelope};
use std::{
    cmp::Ordering,
    collections::{BTreeMap, BinaryHeap},
    sync::Arc,
};

/// Why a transaction was refused. Messages follow what geth and anvil say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("already known")]
    AlreadyKnown,
    #[error("oversized data: transaction is {size} bytes, limit {max}")]
    Oversized { size: usize, max: usize },
    #[error("transaction type {tx_type} not supported at fork {fork}")]
    TypeNotSupported { tx_type: u8, fork: Hardfork },
    #[error("invalid chain id: expected {expected}, got {got}")]
    WrongChainId { expected: u64, got: u64 },
    #[error("exceeds block gas limit: gas limit {gas_limit} > {block}")]
    GasLimitAboveBlock { gas_limit: u64, block: u64 },
    #[error("max priority fee per gas higher than max fee per gas: {tip} > {fee_cap}")]
    TipAboveFeeCap { tip: u128, fee_cap: u128 },
    #[error("max fee per gas less than block base fee: {fee_cap} < {base_fee}")]
    FeeCapBelowBaseFee { fee_cap: u128, base_fee: u64 },
    #[error("blob transaction has no blobs")]
    NoBlobs,
    #[error("max fee per blob gas less than blob base fee: {fee_cap} < {blob_base_fee}")]
    BlobFeeCapTooLow { fee_cap: u128, blob_base_fee: u128 },
    #[error(
        "blob transaction without its sidecar: send it in the network form (the transaction \
         followed by its blobs, commitments and proofs)"
    )]
    MissingBlobSidecar,
    #[error("blob sidecar does not match the transaction: {0}")]
    BlobSidecarMismatch(&'static str),
    /// EIP-7594: from Osaka on, L1 pools take cell proofs only (as reth and geth do).
    #[error(
        "blob sidecar with EIP-4844 blob proofs at fork {fork}: from Osaka on a blob \
         transaction carries EIP-7594 cell proofs (128 per blob)"
    )]
    BlobProofsAfterOsaka { fork: Hardfork },
    /// Before Osaka, L1 pools take one EIP-4844 proof per blob only.
    #[error(
        "blob sidecar with EIP-7594 cell proofs at fork {fork}: before Osaka a blob \
         transaction carries one EIP-4844 proof per blob"
    )]
    CellProofsBeforeOsaka { fork: Hardfork },
    #[error("the pool holds {held} blobs and takes at most {limit}")]
    BlobLimit { held: usize, limit: usize },
    #[error("EIP-7702 transaction has an empty authorization list")]
    EmptyAuthorizationList,
    #[error("invalid sender: {0}")]
    InvalidSignature(String),
    #[error("intrinsic gas too low: gas limit {gas_limit} < {required}")]
    IntrinsicGasTooLow { gas_limit: u64, required: u64 },
    /// L2: the gas limit does not cover intrinsic gas plus the L1 data gas.
    #[error(transparent)]
    L1GasTooLow(#[from] basalt_primitives::fee_config::L1GasTooLow),
    #[error("nonce too low: transaction nonce {nonce} < account nonce {account_nonce}")]
    NonceTooLow { nonce: u64, account_nonce: u64 },
    #[error("sender {0} is not an EOA (EIP-3607)")]
    SenderNotEoa(Address),
    #[error("insufficient funds for gas * price + value: cost {cost} > balance {balance}")]
    InsufficientFunds { cost: U256, balance: U256 },
    #[error(
        "replacement transaction underpriced: fee cap and tip must rise by at least {bump_percent}%"
    )]
    ReplacementUnderpriced { bump_percent: u128 },
    #[error("sender {sender} has {limit} transactions in the pool, the most allowed")]
    SenderLimit { sender: Address, limit: usize },
    #[error("transaction pool is full and the transaction pays less than any it could evict")]
    PoolFull,
    /// Reading the state failed: the node's fault, not the transaction's; nothing in the
    /// pool changed.
    #[error(transparent)]
    State(#[from] StateReadError),
}

/// A validated transaction in the pool.
#[derive(Debug)]
pub struct PooledTransaction {
    pub tx: Arc<TxEnvelope>,
    pub hash: B256,
    pub sender: Address,
    pub nonce: u64,
    pub max_fee: u128,
    pub max_priority_fee: u128,
    /// gas limit × max fee + value + blob gas × max blob fee.
    pub cost: U256,
    pub size: usize,
    /// A blob transaction's sidecar (blobs, commitments, proofs), checked against its versioned
    /// hashes; the block that includes the transaction stores it. None for other types.
    pub sidecar: Option<Arc<BlobTransactionSidecarVariant>>,
    /// Arrival order; breaks ties between equal tips.
    sequence: u64,
}

impl PooledTransaction {
    /// Blobs the transaction carries (0 unless EIP-4844).
    pub fn blob_count(&self) -> usize {
        self.sidecar.as_ref().map_or(0, |sidecar| sidecar.blobs().len())
    }

    /// EIP-1559 effective tip at `base_fee`, None when the fee cap is below it.
    pub fn effective_tip(&self, base_fee: u64) -> Option<u128> {
        let base_fee = u128::from(base_fee);
        (self.max_fee >= base_fee).then(|| self.max_priority_fee.min(self.max_fee - base_fee))
    }
}

/// Pool limits.
#[derive(Clone, Copy, Debug)]
pub struct PoolConfig {
    /// Most transactions one sender may have in the pool.
    pub max_per_sender: usize,
    /// Most transactions in the pool.
    pub max_total: usize,
    /// Minimum fee increase, in percent, for a same-nonce replacement.
    pub price_bump_percent: u128,
    /// Most blobs the pool's blob transactions may carry in all (each blob is 128 KiB, kept in
    /// memory with its proofs).
    pub max_blobs: usize,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self { max_per_sender: 1024, max_total: 65_536, price_bump_percent: 10, max_blobs: 1024 }
    }
}

/// Where an added transaction landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Added {
    pub hash: B256,
    /// Executable now (no nonce gap before it).
    pub pending: bool,
    /// The same-nonce transaction it replaced.
    pub replaced: Option<B256>,
    /// A transaction evicted to make room.
    pub evicted: Option<B256>,
}

/// A transaction that passed [`TxPool::check`]: valid under the rules and the state it was
/// checked against, not yet compared with what the pool holds.
#[derive(Debug)]
pub struct CheckedTransaction {
    pooled: PooledTransaction,
    /// The sender's account nonce in the state it was checked against.
    account_nonce: u64,
}

/// A transaction found admissible, and what it displaces; nothing changed yet.
struct Admission {
    pooled: PooledTransaction,
    account_nonce: u64,
    replaced: Option<B256>,
    evicted: Option<B256>,
}

/// Counts for `txpool_status`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStatus {
    pub pending: usize,
    pub queued: usize,
}

/// The pool.
#[derive(Default)]
pub struct TxPool {
    config: PoolConfig,
    // foldhash, randomly seeded per process: every admission looks up both.
    by_hash: B256Map<Arc<PooledTransaction>>,
    by_sender: AddressMap<SenderQueue<Arc<PooledTransaction>>>,
    next_sequence: u64,
    /// Blobs carried by the pool's transactions.
    blobs: usize,
}

impl TxPool {
    pub fn new(config: PoolConfig) -> Self {
        Self { config, ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Every transaction in the pool, per sender in nonce order (what a journal rewrite keeps,
    /// in an order that replays without nonce gaps).
    pub fn transactions(&self) -> impl Iterator<Item = &Arc<PooledTransaction>> {
        self.by_sender.values().flat_map(|queue| queue.values())
    }

    pub fn get(&self, hash: &B256) -> Option<Arc<PooledTransaction>> {
        self.by_hash.get(hash).cloned()
    }

    /// Validates `tx` against the next block's rules and the current `state`, then adds it.
    /// A blob transaction needs its sidecar: [`TxPool::add_with_sidecar`].
    pub fn add(
        &mut self,
        tx: TxEnvelope,
        ctx: &ValidationContext,
        state: &impl StateReader,
    ) -> Result<Added, PoolError> {
        self.add_inner(tx, None, None, ctx, state)
    }

    /// [`TxPool::add`] for a blob transaction with its sidecar. The sidecar's KZG proofs must
    /// have been verified (the RPC layer does, off the pool's lock); the pool checks that it
    /// lists the transaction's versioned hashes and has the proofs the next block's fork takes
    /// (EIP-4844 blob proofs before Osaka, EIP-7594 cell proofs from Osaka on).
    pub fn add_with_sidecar(
        &mut self,
        tx: TxEnvelope,
        sidecar: Option<BlobTransactionSidecarVariant>,
        ctx: &ValidationContext,
        state: &impl StateReader,
    ) -> Result<Added, PoolError> {
        self.add_inner(tx, None, sidecar, ctx, state)
    }

    /// Like [`TxPool::add`] for a transaction whose sender is known without its signature
    /// (the dev L1's impersonated accounts).
    pub fn add_with_sender(
        &mut self,
        tx: TxEnvelope,
        sender: Address,
        ctx: &ValidationContext,
        state: &impl StateReader,
    ) -> Result<Added, PoolError> {
        self.add_inner(tx, Some(sender), None, ctx, state)
    }

    /// Checks `tx` against the next block's rules `ctx` and `state` alone, without the pool:
    /// every check [`TxPool::add`] makes except those that depend on what the pool holds
    /// (already known, replacement price, per-sender and total limits). It needs no `&self`, so
    /// a caller that shares the pool behind a lock checks outside it and admits the result with
    /// [`TxPool::add_gated`]: concurrent submissions then check (signature, intrinsic gas, L1
    /// data gas, the sender's account) in parallel. `sender` is trusted when given, as in
    /// [`TxPool::add_with_sender`]; a sidecar as in [`TxPool::add_with_sidecar`].
    pub fn check(
        tx: TxEnvelope,
        sender: Option<Address>,
        sidecar: Option<BlobTransactionSidecarVariant>,
        ctx: &ValidationContext,
        state: &impl StateReader,
    ) -> Result<CheckedTransaction, PoolError> {
        let (pooled, account_nonce) = validate::validate(tx, sender, sidecar, ctx, state)?;
        Ok(CheckedTransaction { pooled, account_nonce })
    }

    /// Adds a transaction [`TxPool::check`] passed (against the same `ctx`), running `gate` on
    /// it once the pool has found it admissible and before the pool changes. If `gate` fails,
    /// its error is returned and the pool is as it was: nothing added, replaced or evicted. The
    /// chain service's pool journal writes the transaction there, so the pool never gives up a
    /// transaction for one that is not on disk.
    pub fn add_gated<E: From<PoolError>>(
        &mut self,
        checked: CheckedTransaction,
        ctx: &ValidationContext,
        gate: impl FnOnce(&TxEnvelope) -> Result<(), E>,
    ) -> Result<Added, E> {
        let admission = self.admission(checked, ctx)?;
        gate(&admission.pooled.tx)?;
        Ok(self.insert(admission))
    }

    fn add_inner(
        &mut self,
        tx: TxEnvelope,
        sender: Option<Address>,
        sidecar: Option<BlobTransactionSidecarVariant>,
        ctx: &ValidationContext,
        state: &impl StateReader,
    ) -> Result<Added, PoolError> {
        if self.by_hash.contains_key(tx.tx_hash()) {
            return Err(PoolError::AlreadyKnown);
        }
        let checked = Self::check(tx, sender, sidecar, ctx, state)?;
        let admission = self.admission(checked, ctx)?;
        Ok(self.insert(admission))
    }

    /// Decides where a checked transaction goes (a same-nonce transaction it replaces, one it
    /// evicts), changing nothing.
    fn admission(
        &self,
        checked: CheckedTransaction,
        ctx: &ValidationContext,
    ) -> Result<Admission, PoolError> {
        let CheckedTransaction { pooled, account_nonce } = checked;
        if self.by_hash.contains_key(&pooled.hash) {
            return Err(PoolError::AlreadyKnown);
        }
        let queue = self.by_sender.get(&pooled.sender);
        let existing = queue.and_then(|q| q.get(pooled.nonce));
        if let Some(old) = existing {
            let bump = |old: u128| old.saturating_mul(100 + self.config.price_bump_percent) / 100;
            if pooled.max_fee < bump(old.max_fee)
                || pooled.max_priority_fee < bump(old.max_priority_fee)
            {
                return Err(PoolError::ReplacementUnderpriced {
                    bump_percent: self.config.price_bump_percent,
                });
            }
        } else if queue.is_some_and(|q| q.len() >= self.config.max_per_sender) {
            return Err(PoolError::SenderLimit {
                sender: pooled.sender,
                limit: self.config.max_per_sender,
            });
        }
        let replaced = existing.map(|old| old.hash);
        // What a replacement frees counts; an eviction's does not (it is decided below).
        let held = self.blobs - existing.map_or(0, |old| old.blob_count());
        if pooled.blob_count() > 0 && held + pooled.blob_count() > self.config.max_blobs {
            return Err(PoolError::BlobLimit { held: self.blobs, limit: self.config.max_blobs });
        }
        let evicted = if replaced.is_none() && self.by_hash.len() >= self.config.max_total {
            Some(self.eviction_victim(&pooled, ctx.base_fee)?)
        } else {
            None
        };
        Ok(Admission { pooled, account_nonce, replaced, evicted })
    }

    /// Puts an admitted transaction in, in place of what it replaces or evicts.
    fn insert(&mut self, admission: Admission) -> Added {
        let Admission { mut pooled, account_nonce, replaced, evicted } = admission;
        for hash in replaced.iter().chain(&evicted) {
            self.remove(hash);
        }
        pooled.sequence = self.next_sequence;
        self.next_sequence += 1;
        let pooled = Arc::new(pooled);
        self.blobs += pooled.blob_count();
        let (hash, sender, nonce) = (pooled.hash, pooled.sender, pooled.nonce);
        self.by_hash.insert(hash, pooled.clone());
        self.by_sender.entry(sender).or_default().insert(nonce, pooled);
        let pending = self.is_pending(sender, nonce, account_nonce);
        Added { hash, pending, replaced, evicted }
    }

    /// Whether every nonce from the account's up to `nonce` is in the pool.
    fn is_pending(&self, sender: Address, nonce: u64, account_nonce: u64) -> bool {
        let Some(queue) = self.by_sender.get(&sender) else { return false };
        nonce < account_nonce || queue.last_of_run(account_nonce).is_some_and(|last| last >= nonce)
    }

    /// Which transaction makes room for `incoming`: the last (highest-nonce) one of the sender
    /// whose last transaction pays the least, if it pays less than `incoming`.
    fn eviction_victim(
        &self,
        incoming: &PooledTransaction,
        base_fee: u64,
    ) -> Result<B256, PoolError> {
        let tip_of = |tx: &PooledTransaction| tx.effective_tip(base_fee).unwrap_or(0);
        let victim = self
            .by_sender
            .iter()
            .filter(|(sender, _)| **sender != incoming.sender)
            .filter_map(|(_, queue)| queue.values().next_back())
            .min_by_key(|tx| (tip_of(tx), std::cmp::Reverse(tx.sequence)))
            .ok_or(PoolError::PoolFull)?;
        if tip_of(victim) >= tip_of(incoming) {
            return Err(PoolError::PoolFull);
        }
        Ok(victim.hash)
    }

    /// The nonce after the last one of `sender`'s gap-free run in the pool, starting at
    /// `state_nonce` (what `eth_getTransactionCount(.., "pending")` answers).
    pub fn next_nonce(&self, sender: Address, state_nonce: u64) -> u64 {
        match self.by_sender.get(&sender).and_then(|queue| queue.last_of_run(state_nonce)) {
            Some(last) => last.saturating_add(1),
            None => state_nonce,
        }
    }

    /// Blobs carried by the pool's transactions.
    pub fn blob_count(&self) -> usize {
        self.blobs
    }

    /// Removes one transaction (with its sidecar).
    pub fn remove(&mut self, hash: &B256) -> Option<Arc<PooledTransaction>> {
        let tx = self.by_hash.remove(hash)?;
        self.blobs -= tx.blob_count();
        if let Some(queue) = self.by_sender.get_mut(&tx.sender) {
            queue.remove(tx.nonce);
            if queue.is_empty() {
                self.by_sender.remove(&tx.sender);
            }
        }
        Some(tx)
    }

    /// Removes the blob transactions whose sidecar's proofs `fork` does not take (the fork
    /// changed while they waited: see [`TxPool::add_with_sidecar`]). Returns their hashes.
    pub fn remove_sidecars_unfit_for(&mut self, fork: Hardfork) -> Vec<B256> {
        let unfit: Vec<B256> = self
            .by_hash
            .values()
            .filter(|pooled| {
                pooled.sidecar.as_ref().is_some_and(|s| validate::sidecar_kind(s, fork).is_err())
            })
            .map(|pooled| pooled.hash)
            .collect();
        for hash in &unfit {
            self.remove(hash);
        }
        unfit
    }

    /// Drops every transaction whose nonce the chain has used (after a block). Returns them.
    pub fn prune(&mut self, state: &impl StateReader) -> Result<Vec<B256>, PoolError> {
        let mut dropped = Vec::new();
        for (sender, queue) in &self.by_sender {
            let account_nonce =
                state.account(*sender).map_err(PoolError::State)?.map_or(0, |a| a.nonce);
            dropped.extend(queue.range(..account_nonce).map(|(_, tx)| tx.hash));
        }
        for hash in &dropped {
            self.remove(hash);
        }
        Ok(dropped)
    }

    /// Pending (executable) and queued transactions per sender, nonces ascending.
    #[allow(clippy::type_complexity)]
    pub fn content(
        &self,
        state: &impl StateReader,
    ) -> Result<
        (
            BTreeMap<Address, Vec<Arc<PooledTransaction>>>,
            BTreeMap<Address, Vec<Arc<PooledTransaction>>>,
        ),
        PoolError,
    > {
        let mut pending = BTreeMap::new();
        let mut queued = BTreeMap::new();
        for (sender, queue) in &self.by_sender {
            let mut expected =
                state.account(*sender).map_err(PoolError::State)?.map_or(0, |a| a.nonce);
            for (nonce, tx) in queue.iter() {
                let target = if *nonce == expected {
                    expected += 1;
                    &mut pending
                } else {
                    &mut queued
                };
                target.entry(*sender).or_insert_with(Vec::new).push(tx.clone());
            }
        }
        Ok((pending, queued))
    }

    /// Counts for `txpool_status`.
    pub fn status(&self, state: &impl StateReader) -> Result<PoolStatus, PoolError> {
        let (pending, queued) = self.content(state)?;
        Ok(PoolStatus {
            pending: pending.values().map(Vec::len).sum(),
            queued: queued.values().map(Vec::len).sum(),
        })
    }

    /// Executable transactions in the order a block builder should try them: always the
    /// lowest pending nonce of a sender, and among senders the highest effective tip at
    /// `base_fee` (earlier arrival first on ties). Senders whose next fee cap is below the
    /// base fee are skipped.
    pub fn best(
        &self,
        base_fee: u64,
        state: &impl StateReader,
    ) -> Result<Vec<Arc<PooledTransaction>>, PoolError> {
        let (pending, _) = self.content(state)?;
        let mut runs: Vec<std::vec::IntoIter<Arc<PooledTransaction>>> =
            pending.into_values().map(Vec::into_iter).collect();
        let mut heap = BinaryHeap::new();
        for (run, txs) in runs.iter_mut().enumerate() {
            if let Some(tx) = txs.next() {
                heap.push(Candidate::new(tx, run, base_fee));
            }
        }
        let mut ordered = Vec::new();
        while let Some(candidate) = heap.pop() {
            if candidate.tip.is_none() {
                continue;
            }
            let run = candidate.run;
            ordered.push(candidate.tx);
            if let Some(next) = runs[run].next() {
                heap.push(Candidate::new(next, run, base_fee));
            }
        }
        Ok(ordered)
    }
}

/// A sender's next transaction competing for the next slot of a block.
struct Candidate {
    tip: Option<u128>,
    tx: Arc<PooledTransaction>,
    run: usize,
}

impl Candidate {
    fn new(tx: Arc<PooledTransaction>, run: usize, base_fee: u64) -> Self {
        Self { tip: tx.effective_tip(base_fee), tx, run }
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.tip.cmp(&other.tip).then_with(|| other.tx.sequence.cmp(&self.tx.sequence))
    }
}

#[cfg(test)]
mod tests;
