//! The L2 block producer (issue 10 §4): every block time it seals a block on the chain service
//! ([`ChainService`]) holding the queued privileged transactions first, in queue order, then pool
//! transactions by tip. Privileged transactions per block are bounded by count and gas (a batch
//! carries only their count, so they cost its data nothing); pool transactions also by the
//! block's data bound (docs/da.md, "Block data bound"); a
//! queued transaction that has waited longer than `overdue_after` stops ordinary inclusion
//! until it is in; one whose gas limit is above the block gas limit or the EIP-7825 cap goes
//! alone in its block (docs/contracts.md, "Privileged transactions on L2" §4). The queue itself
//! is written by the L1 watcher; which ids are included is stored with each block.

use crate::{
    builder::MinedBlock,
    service::{ChainService, ServiceError, Stall},
};
use basalt_primitives::TxPrivileged;
use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// How the producer fills blocks.
#[derive(Clone, Copy, Debug)]
pub struct ProducerConfig {
    /// Time between blocks (`--block-time`).
    pub block_time: Duration,
    /// Most privileged transactions in one block.
    pub max_privileged_per_block: usize,
    /// A queued privileged transaction waiting longer than this is overdue: no ordinary
    /// transaction is included until it is. Far below the L1 bridge's inclusion period.
    pub overdue_after: Duration,
}

impl ProducerConfig {
    /// 256 privileged transactions per block at most, overdue after 10 s.
    pub fn new(block_time: Duration) -> Self {
        Self { block_time, max_privileged_per_block: 256, overdue_after: Duration::from_secs(10) }
    }
}

/// Which queued transactions the next block takes, and whether pool transactions follow them.
#[derive(Debug, PartialEq, Eq)]
pub struct BlockPlan {
    pub privileged: Vec<TxPrivileged>,
    pub ordinary: bool,
}

/// The producer of one L2 chain.
pub struct BlockProducer {
    node: Arc<ChainService>,
    config: ProducerConfig,
    /// When the queue was first seen to reach each length: (queue end, time), oldest first.
    /// The arrival of id `x` is the first entry whose end is above `x`. Kept in memory: after
    /// a restart waiting time counts from the restart.
    arrivals: Mutex<VecDeque<(u64, Instant)>>,
    /// The last failed block's error; None once a block is produced again (for `/health`).
    last_error: Mutex<Option<String>>,
}

impl BlockProducer {
    pub fn new(node: Arc<ChainService>, config: ProducerConfig) -> Arc<Self> {
        Arc::new(Self {
            node,
            config,
            arrivals: Mutex::new(VecDeque::new()),
            last_error: Mutex::new(None),
        })
    }

    pub fn node(&self) -> &Arc<ChainService> {
        &self.node
    }

    /// Plans and mines the next block.
    pub fn produce(&self) -> Result<Arc<MinedBlock>, ServiceError> {
        let plan = self.plan(Instant::now())?;
        self.node.mine_with_privileged(plan.privileged, plan.ordinary)
    }

    /// What the next block holds, as of `now`.
    pub fn plan(&self, now: Instant) -> Result<BlockPlan, ServiceError> {
        let view = self.node.chain().db().read()?;
        let next = view.next_included_privileged_id()?;
        let end = view.next_privileged_tx_id()?;
        let ctx = self.node.validation_context()?;
        let block_gas = ctx.block_gas_limit;
        let cap = basalt_evm::tx_gas_limit_cap(ctx.fork);
        let count = (end.saturating_sub(next)).min(self.config.max_privileged_per_block as u64);
        let candidates = view.privileged_txs(next..next.saturating_add(count))?;
        drop(view);

        // Gas and the per-block count bound deposits; they cost a batch's data nothing (it
        // carries only their count, a follower reads them from L1).
        let mut gas_left = block_gas;
        let mut privileged = Vec::new();
        let mut alone = false;
        for tx in candidates {
            if tx.gas_limit > block_gas || tx.gas_limit > cap {
                // Included as failed using the whole block: it must be the block's only one.
                alone = privileged.is_empty();
                if alone {
                    privileged.push(tx);
                }
                break;
            }
            if tx.gas_limit > gas_left {
                break;
            }
            gas_left -= tx.gas_limit;
            privileged.push(tx);
        }
        let first_left = next.saturating_add(privileged.len() as u64);
        let overdue = first_left < end
            && self
                .arrival(next, end, first_left, now)
                .is_some_and(|since| now.duration_since(since) >= self.config.overdue_after);
        Ok(BlockPlan { privileged, ordinary: !alone && !overdue })
    }

    /// Records the queue's growth and returns when id `id` was first seen queued.
    fn arrival(&self, next: u64, end: u64, id: u64, now: Instant) -> Option<Instant> {
        let mut arrivals = self.arrivals.lock().unwrap_or_else(|p| p.into_inner());
        while arrivals.front().is_some_and(|(queue_end, _)| *queue_end <= next) {
            arrivals.pop_front();
        }
        if arrivals.back().is_none_or(|(queue_end, _)| *queue_end < end) {
            arrivals.push_back((end, now));
        }
        arrivals.iter().find(|(queue_end, _)| *queue_end > id).map(|(_, at)| *at)
    }

    /// Starts the producer thread on the chain service's interval miner: a block every
    /// `block_time`, measured from the previous block's start, with or without transactions;
    /// after a stall it goes on from now instead of catching up. A failed block is logged and
    /// retried at the next tick; the thread never stops.
    pub fn spawn(self: &Arc<Self>) -> std::io::Result<std::thread::JoinHandle<()>> {
        let producer = self.clone();
        let name = format!("{}-producer", self.node.name());
        self.node.spawn_interval(name, self.config.block_time, Stall::Skip, move || {
            let produced = producer.produce();
            *producer.last_error.lock().unwrap_or_else(|p| p.into_inner()) =
                produced.as_ref().err().map(ToString::to_string);
            produced
        })
    }

    /// The error of the last block the producer thread failed to produce; None once one is
    /// produced again.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
