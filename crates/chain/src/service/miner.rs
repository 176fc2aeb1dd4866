//! Block production on the chain service: which transactions go in, the timestamp (from the
//! service's [`super::BlockClock`]), and the miner thread for automine and interval mining.

use super::{
    ChainEvent, ChainService, ChainWriter, ServiceError,
    block_data::{self, BlockDataFill, BlockFields},
    lock,
};
use crate::builder::{BlobSidecars, BlockTemplate, MinedBlock};
use alloy_consensus::Transaction;
use alloy_primitives::{Address, B256};
use basalt_primitives::{BasaltTxEnvelope, Hardfork, TxPrivileged};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

/// What an interval miner does after a stall longer than its interval (a suspended laptop, a
/// block that took long): [`ChainService::spawn_interval`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stall {
    /// Mine the missed ticks at once, then keep the original schedule (the dev L1's
    /// `--block-time`).
    CatchUp,
    /// Go on one interval after now: no burst of catch-up blocks (the L2 block producer).
    Skip,
}

/// When blocks are produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MiningMode {
    /// A block as soon as executable transactions arrive.
    Auto,
    /// A block every interval, with or without transactions.
    Interval(Duration),
    /// Only on `evm_mine`.
    Manual,
}

impl ChainService {
    /// The timestamp the next block would get, without consuming a one-block setting.
    pub(super) fn next_timestamp_preview(&self, head_timestamp: u64) -> u64 {
        self.clock.peek(head_timestamp)
    }

    /// Mines one block from the pool. `timestamp` overrides the clock for this block (a
    /// one-block setting of the clock is used up either way). Errors: a timestamp not after
    /// the head's ([`ServiceError::TimestampNotAfterHead`]), a failed build or write.
    pub fn mine_one(&self, timestamp: Option<u64>) -> Result<Arc<MinedBlock>, ServiceError> {
        self.mine_next(timestamp, Vec::new(), true, None)
    }

    /// Mines one block that starts with `privileged` (in the given order, all of them, or no
    /// block: [`crate::builder::BuildError::PrivilegedLeftOut`]) and then, when `ordinary`,
    /// fills the gas and bytes left from the pool. The L2 block producer's entry point.
    pub fn mine_with_privileged(
        &self,
        privileged: Vec<TxPrivileged>,
        ordinary: bool,
    ) -> Result<Arc<MinedBlock>, ServiceError> {
        self.mine_next(None, privileged, ordinary, None)
    }

    /// [`Self::mine_with_privileged`] leaving out every pool transaction of `excluded` (they
    /// stay in the pool): the censoring producer of `--dev-censor`.
    pub fn mine_with_privileged_excluding(
        &self,
        privileged: Vec<TxPrivileged>,
        ordinary: bool,
        excluded: Option<Address>,
    ) -> Result<Arc<MinedBlock>, ServiceError> {
        self.mine_next(None, privileged, ordinary, excluded)
    }

    fn mine_next(
        &self,
        timestamp: Option<u64>,
        privileged: Vec<TxPrivileged>,
        ordinary: bool,
        excluded: Option<Address>,
    ) -> Result<Arc<MinedBlock>, ServiceError> {
        let writer = self.writer();
        let head = self.chain.head()?;
        let from_clock = self.clock.take(head.timestamp);
        let timestamp = timestamp.unwrap_or(from_clock);
        if timestamp <= head.timestamp {
            return Err(ServiceError::TimestampNotAfterHead {
                requested: timestamp,
                head: head.timestamp,
            });
        }
        let (template, sidecars) =
            self.template_from_pool(&head, timestamp, privileged, ordinary, excluded)?;
        self.mine_template(&writer, template, &sidecars)
    }

    /// Mines `template` as the new head, storing the blobs of its blob transactions from
    /// `sidecars` with it; the caller holds the write lock (`_writer`).
    pub(super) fn mine_template(
        &self,
        _writer: &ChainWriter<'_>,
        template: BlockTemplate,
        sidecars: &BlobSidecars,
    ) -> Result<Arc<MinedBlock>, ServiceError> {
        let started = Instant::now();
        let mined = self.chain.mine_block_with_blobs(template, sidecars)?;
        self.advance_finalized(mined.block.header.number);
        self.pending_changed();
        self.after_block(&mined, started.elapsed());
        let mined = Arc::new(mined);
        self.emit(ChainEvent::Block(mined.clone()));
        Ok(mined)
    }

    /// A block on `head` at `timestamp` holding `transactions` sent by `senders`.
    pub(super) fn template_with(
        &self,
        head: &alloy_consensus::Header,
        timestamp: u64,
        transactions: Vec<BasaltTxEnvelope>,
        senders: Vec<Address>,
    ) -> Result<BlockTemplate, ServiceError> {
        let fork = self.chain.config().fork_at(head.number.saturating_add(1), timestamp);
        Ok(BlockTemplate {
            timestamp,
            beneficiary: self.config.beneficiary,
            gas_limit: Some(self.config.gas_limit.unwrap_or(head.gas_limit)),
            transactions,
            withdrawals: (fork >= Hardfork::Shanghai).then(Vec::new),
            mix_hash: B256::ZERO,
            parent_beacon_block_root: (fork >= Hardfork::Cancun).then_some(B256::ZERO),
            extra_data: Default::default(),
            senders: Some(senders),
            fees: None,
            data_proven: None,
        })
    }

    /// `privileged` first, then (when `ordinary`) pending transactions not sent by `excluded`,
    /// in fee order, that fit the block's gas and blob limits after them and, on an L2 with a
    /// payload bound, the block's data bound ([`basalt_da::BlockDataBudget`]; privileged transactions cost it
    /// nothing, a batch carries only their count). An L2 template names the fee config the
    /// bound was counted under, so the block runs under that one. Returns the template with
    /// the sidecars of its blob transactions; a blob transaction whose sidecar's proofs the
    /// block's fork does not take (the fork changed while it waited) stays out.
    pub(super) fn template_from_pool(
        &self,
        head: &alloy_consensus::Header,
        timestamp: u64,
        privileged: Vec<TxPrivileged>,
        ordinary: bool,
        excluded: Option<Address>,
    ) -> Result<(BlockTemplate, BlobSidecars), ServiceError> {
        let config = self.chain.config();
        let view = self.chain.db().read()?;
        let ctx = self.context_for(head, timestamp, &view);
        let fork = ctx.fork;
        let gas_limit = self.config.gas_limit.unwrap_or(ctx.block_gas_limit);
        let max_blob_gas = config.blob_params(fork).map_or(0, |p| p.max_blob_gas_per_block());
        let (mut gas_left, mut blob_gas_left) = (gas_limit, max_blob_gas);
        let mut transactions = Vec::new();
        let mut senders = Vec::new();
        let mut sidecars = BlobSidecars::default();
        for tx in privileged {
            gas_left = gas_left.saturating_sub(tx.gas_limit);
            senders.push(tx.from);
            transactions.push(BasaltTxEnvelope::Privileged(alloy_consensus::Sealed::new(tx)));
        }
        let fees = self.chain.next_fee_config(&view)?;
        let privileged_count = transactions.len();
        // Throttled, both bounds are the same small one: every admitted transaction is proven
        // to fit and the compressed check below is skipped.
        let throttled = self.data_throttled();
        let mut data = match (
            self.block_data_budget(fees.as_ref(), 1, throttled),
            self.block_data_budget(fees.as_ref(), block_data::OPTIMISTIC_SCALE, throttled),
        ) {
            (Some(proven), Some(optimistic)) => Some(BlockDataFill::new(proven, optimistic)),
            _ => None,
        };
        let best = if ordinary { lock(&self.pool).best(ctx.base_fee, &view)? } else { Vec::new() };
        // A sender whose transaction does not fit cannot have later nonces in this block.
        let mut skipped: alloy_primitives::map::AddressSet = excluded.into_iter().collect();
        for pooled in best {
            if skipped.contains(&pooled.sender) {
                continue;
            }
            let blob_gas = pooled.tx.blob_gas_used().unwrap_or_default();
            let unfit_sidecar = pooled
                .sidecar
                .as_ref()
                .is_some_and(|sidecar| !basalt_txpool::sidecar_fits(sidecar, fork));
            if unfit_sidecar
                || pooled.tx.gas_limit() > gas_left
                || blob_gas > blob_gas_left
                || data.as_mut().is_some_and(|data| !data.admit(pooled.sender, &*pooled.tx))
            {
                skipped.insert(pooled.sender);
                continue;
            }
            gas_left -= pooled.tx.gas_limit();
            blob_gas_left -= blob_gas;
            transactions.push((*pooled.tx).clone().into());
            senders.push(pooled.sender);
            if let Some(sidecar) = &pooled.sidecar {
                sidecars.insert(pooled.hash, sidecar.clone());
            }
        }
        // Past the proven bound: keep what the block's compressed payload still fits.
        let mut data_proven = None;
        if let (Some(data), Some(fee_config), Some(max_blobs)) =
            (&data, &fees, self.config.max_blobs_per_batch)
            && !data.all_proven()
        {
            let fields = BlockFields {
                chain_id: config.chain_id,
                number: head.number.saturating_add(1),
                timestamp,
                gas_limit,
                beneficiary: self.config.beneficiary,
                fees: fee_config,
                max_blobs,
            };
            let proven = privileged_count + data.proven_count();
            let len = block_data::fitting_len(
                &fields,
                &transactions,
                &senders,
                privileged_count,
                data.proven_count(),
            );
            transactions.truncate(len);
            senders.truncate(len);
            data_proven = (len > proven).then_some(proven);
        }
        let mut template = self.template_with(head, timestamp, transactions, senders)?;
        template.fees = fees;
        template.data_proven = data_proven;
        Ok((template, sidecars))
    }

    /// Drops what the block used or rejected from the pool and logs the block.
    fn after_block(&self, mined: &MinedBlock, took: Duration) {
        let rejected: Vec<B256> = mined.rejected.iter().map(|(hash, _)| *hash).collect();
        if let Ok(view) = self.chain.db().read() {
            let mut pool = lock(&self.pool);
            for hash in &rejected {
                pool.remove(hash);
            }
            if let Err(err) = pool.prune(&view) {
                tracing::warn!(chain = self.config.name, "pool prune failed: {err}");
            }
            // A fork that changes the blob proofs pools take leaves the other kind unminable.
            let header = &mined.block.header;
            let fork = self.chain.config().fork_at(
                header.number.saturating_add(1),
                self.next_timestamp_preview(header.timestamp),
            );
            for hash in pool.remove_sidecars_unfit_for(fork) {
                tracing::warn!(
                    chain = self.config.name,
                    "  dropped tx {hash}: its blob sidecar's proofs are not taken at fork {fork}"
                );
            }
        }
        if let Err(err) = self.compact_journal(false) {
            tracing::error!(chain = self.config.name, "{err}");
        }
        let header = &mined.block.header;
        let chain = self.config.name;
        tracing::info!(
            chain,
            "block {} hash {} txs {} gas {} in {:.1} ms",
            header.number,
            mined.hash,
            mined.block.body.transactions.len(),
            header.gas_used,
            took.as_secs_f64() * 1e3
        );
        for ((tx, receipt), sender) in
            mined.block.body.transactions.iter().zip(&mined.receipts).zip(&mined.senders)
        {
            tracing::info!(
                chain,
                "  tx {} from {} {} gas {}",
                tx.tx_hash(),
                sender,
                if receipt.status() { "ok" } else { "reverted" },
                tx.gas_limit()
            );
        }
        for (hash, reason) in &mined.rejected {
            tracing::warn!(chain, "  dropped tx {hash}: {reason}");
        }
    }

    /// Starts the miner thread for automine and interval modes; manual mode needs none.
    pub fn spawn_miner(self: &Arc<Self>) -> Option<std::thread::JoinHandle<()>> {
        match self.config.mining {
            MiningMode::Auto => {
                let chain = self.clone();
                let run = move || chain.automine_loop();
                std::thread::Builder::new().name("miner".into()).spawn(run).ok()
            }
            MiningMode::Interval(every) => {
                let chain = self.clone();
                let mine = move || chain.mine_one(None);
                self.spawn_interval("miner".into(), every, Stall::CatchUp, mine).ok()
            }
            MiningMode::Manual => None,
        }
    }

    /// Starts a thread named `name` that calls `mine` every `every`, measured from the previous
    /// call's start, with or without transactions in the pool: interval mining, and the L2
    /// block producer's blocks. A failed block is logged and the next tick comes as usual; the
    /// thread never stops. Errors: the thread cannot be started.
    pub fn spawn_interval(
        &self,
        name: String,
        every: Duration,
        stall: Stall,
        mut mine: impl FnMut() -> Result<Arc<MinedBlock>, ServiceError> + Send + 'static,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        let chain = self.config.name;
        std::thread::Builder::new().name(name).spawn(move || {
            let mut next = Instant::now() + every;
            loop {
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
                next += every;
                if stall == Stall::Skip {
                    next = next.max(Instant::now());
                }
                if let Err(err) = mine() {
                    tracing::error!(chain, "mining failed: {err}");
                }
            }
        })
    }

    fn automine_loop(&self) {
        let (flag, condvar) = &self.wake;
        loop {
            let mut woken = lock(flag);
            while !*woken {
                woken = condvar.wait(woken).unwrap_or_else(|p| p.into_inner());
            }
            *woken = false;
            drop(woken);
            // Mine until nothing executable is left (transactions may arrive meanwhile).
            loop {
                let has_pending = self.chain.db().read().ok().and_then(|view| {
                    lock(&self.pool).status(&view).ok().map(|status| status.pending > 0)
                });
                if has_pending != Some(true) {
                    break;
                }
                match self.mine_one(None) {
                    Ok(mined) if mined.block.body.transactions.is_empty() => break,
                    Ok(_) => {}
                    Err(err) => {
                        tracing::error!(chain = self.config.name, "mining failed: {err}");
                        break;
                    }
                }
            }
        }
    }
}
