//! Block production on the dev chain: which transactions go in, the timestamp, and the
//! miner thread for automine and interval mining.

use super::{ChainEvent, DevChain, DevError, WriteState, lock, unix_now};
use crate::builder::{BlockTemplate, MinedBlock};
use alloy_consensus::Transaction;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256};
use basalt_primitives::{BasaltTxEnvelope, Hardfork, TxPrivileged};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

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

impl DevChain {
    /// The timestamp the next block would get, without consuming a pending override.
    pub(super) fn next_timestamp_preview(&self, head_timestamp: u64) -> u64 {
        let clock = *lock(&self.clock);
        clock.next_timestamp.unwrap_or_else(|| {
            clock_timestamp(clock.time_offset, head_timestamp).max(clock.floor.unwrap_or(0))
        })
    }

    /// Mines one block from the pool. `timestamp` overrides the clock for this block.
    pub fn mine_one(&self, timestamp: Option<u64>) -> Result<Arc<MinedBlock>, DevError> {
        self.mine_next(timestamp, Vec::new(), true)
    }

    /// Mines one block that starts with `privileged` (in the given order, all of them, or no
    /// block: [`crate::builder::BuildError::PrivilegedLeftOut`]) and then, when `ordinary`,
    /// fills the gas and bytes left from the pool. The L2 block producer's entry point.
    pub fn mine_with_privileged(
        &self,
        privileged: Vec<TxPrivileged>,
        ordinary: bool,
    ) -> Result<Arc<MinedBlock>, DevError> {
        self.mine_next(None, privileged, ordinary)
    }

    fn mine_next(
        &self,
        timestamp: Option<u64>,
        privileged: Vec<TxPrivileged>,
        ordinary: bool,
    ) -> Result<Arc<MinedBlock>, DevError> {
        let mut write = self.write_state();
        let head = self.chain.head()?;
        let clock = {
            let mut clock = lock(&self.clock);
            let now = *clock;
            clock.next_timestamp = None;
            clock.floor = None;
            now
        };
        let timestamp = match timestamp.or(clock.next_timestamp) {
            Some(t) if t <= head.timestamp => {
                return Err(DevError::TimestampNotAfterHead { requested: t, head: head.timestamp });
            }
            Some(t) => t,
            None => {
                clock_timestamp(clock.time_offset, head.timestamp).max(clock.floor.unwrap_or(0))
            }
        };
        let template = self.template_from_pool(&head, timestamp, privileged, ordinary)?;
        self.mine_template(&mut write, template)
    }

    /// Mines `template` as the new head; the caller holds the write lock (`_write`).
    pub(super) fn mine_template(
        &self,
        _write: &mut WriteState,
        template: BlockTemplate,
    ) -> Result<Arc<MinedBlock>, DevError> {
        let started = Instant::now();
        let mined = self.chain.mine_block(template)?;
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
    ) -> Result<BlockTemplate, DevError> {
        let ctx = self.context_for(head, timestamp);
        let fork = ctx.fork;
        Ok(BlockTemplate {
            timestamp,
            beneficiary: self.config.beneficiary,
            gas_limit: Some(self.config.gas_limit.unwrap_or(ctx.block_gas_limit)),
            transactions,
            withdrawals: (fork >= Hardfork::Shanghai).then(Vec::new),
            mix_hash: B256::ZERO,
            parent_beacon_block_root: (fork >= Hardfork::Cancun).then_some(B256::ZERO),
            extra_data: Default::default(),
            senders: Some(senders),
            fees: None,
        })
    }

    /// `privileged` first, then (when `ordinary`) pending transactions in fee order that fit
    /// the block's gas, blob and byte limits after them.
    pub(super) fn template_from_pool(
        &self,
        head: &alloy_consensus::Header,
        timestamp: u64,
        privileged: Vec<TxPrivileged>,
        ordinary: bool,
    ) -> Result<BlockTemplate, DevError> {
        let config = self.chain.config();
        let ctx = self.context_for(head, timestamp);
        let fork = ctx.fork;
        let gas_limit = self.config.gas_limit.unwrap_or(ctx.block_gas_limit);
        let max_blob_gas = config.blob_params(fork).map_or(0, |p| p.max_blob_gas_per_block());
        let mut bytes_left = self.config.max_block_tx_bytes.unwrap_or(usize::MAX);
        let (mut gas_left, mut blob_gas_left) = (gas_limit, max_blob_gas);
        let mut transactions = Vec::new();
        let mut senders = Vec::new();
        for tx in privileged {
            gas_left = gas_left.saturating_sub(tx.gas_limit);
            bytes_left = bytes_left.saturating_sub(tx.encode_2718_len());
            senders.push(tx.from);
            transactions.push(BasaltTxEnvelope::Privileged(alloy_consensus::Sealed::new(tx)));
        }
        let view = self.chain.db().read()?;
        let best = if ordinary { lock(&self.pool).best(ctx.base_fee, &view)? } else { Vec::new() };
        // A sender whose transaction does not fit cannot have later nonces in this block.
        let mut skipped = std::collections::HashSet::new();
        for pooled in best {
            if skipped.contains(&pooled.sender) {
                continue;
            }
            let blob_gas = pooled.tx.blob_gas_used().unwrap_or_default();
            if pooled.tx.gas_limit() > gas_left
                || blob_gas > blob_gas_left
                || pooled.size > bytes_left
            {
                skipped.insert(pooled.sender);
                continue;
            }
            gas_left -= pooled.tx.gas_limit();
            blob_gas_left -= blob_gas;
            bytes_left -= pooled.size;
            transactions.push((*pooled.tx).clone().into());
            senders.push(pooled.sender);
        }
        self.template_with(head, timestamp, transactions, senders)
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
        let chain = self.clone();
        let mode = self.config.mining;
        let run = move || match mode {
            MiningMode::Auto => chain.automine_loop(),
            MiningMode::Interval(every) => chain.interval_loop(every),
            MiningMode::Manual => {}
        };
        match mode {
            MiningMode::Manual => None,
            _ => std::thread::Builder::new().name("miner".into()).spawn(run).ok(),
        }
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

    fn interval_loop(&self, every: Duration) {
        let mut next = Instant::now() + every;
        loop {
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
            next += every;
            if let Err(err) = self.mine_one(None) {
                tracing::error!(chain = self.config.name, "mining failed: {err}");
            }
        }
    }
}

/// The wall clock plus the offset, strictly after the head.
fn clock_timestamp(offset: i128, head_timestamp: u64) -> u64 {
    let now = i128::from(unix_now()).saturating_add(offset).clamp(0, i128::from(u64::MAX));
    (now as u64).max(head_timestamp.saturating_add(1))
}
