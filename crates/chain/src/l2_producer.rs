//! The L2 block producer (issue 10 §4): every block time it seals a block on the chain service
//! ([`ChainService`]) holding the queued privileged transactions first, in queue order, then pool
//! transactions by tip. Privileged transactions per block are bounded by count and gas (a batch
//! carries only their count, so they cost its data nothing); pool transactions also by the
//! block's data bound (docs/da.md, "Block data bound"); a
//! queued transaction that has waited longer than `overdue_after` stops ordinary inclusion
//! until it is in; one whose gas limit is above the block gas limit or the EIP-7825 cap goes
//! alone in its block (docs/contracts.md, "Privileged transactions on L2" §4). The queue itself
//! is written by the L1 watcher; which ids are included is stored with each block.
//!
//! For tests only, a producer can censor one sender (`--dev-censor`): its pool transactions
//! stay out, and the queue stops at its first privileged transaction until that one is
//! released ([`BlockProducer::release_censored_below`]), the way a sequencer that censors as
//! long as the L1 bridge lets it would behave (docs/exit.md).

use crate::{
    builder::MinedBlock,
    service::{ChainService, ServiceError, Stall},
};
use alloy_primitives::Address;
use basalt_primitives::TxPrivileged;
use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
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
    /// Fault injection for tests (`--dev-censor`): the sender whose pool transactions are
    /// never included and whose privileged transactions hold the queue until released. A
    /// censoring producer also ignores `overdue_after`: only the L1 bridge's deadline binds it.
    pub censored: Option<Address>,
}

impl ProducerConfig {
    /// 256 privileged transactions per block at most, overdue after 10 s.
    pub fn new(block_time: Duration) -> Self {
        Self {
            block_time,
            max_privileged_per_block: 256,
            overdue_after: Duration::from_secs(10),
            censored: None,
        }
    }
}

/// Which queued transactions the next block takes, and whether pool transactions follow them.
#[derive(Debug, PartialEq, Eq)]
pub struct BlockPlan {
    pub privileged: Vec<TxPrivileged>,
    pub ordinary: bool,
    /// The id of the censored sender's privileged transaction that holds the queue, if one does.
    pub held: Option<u64>,
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
    /// Privileged ids below this are no longer held for censorship.
    released_below: AtomicU64,
    /// The id last reported as held, to log each hold once.
    reported_hold: Mutex<Option<u64>>,
}

impl BlockProducer {
    pub fn new(node: Arc<ChainService>, config: ProducerConfig) -> Arc<Self> {
        Arc::new(Self {
            node,
            config,
            arrivals: Mutex::new(VecDeque::new()),
            last_error: Mutex::new(None),
            released_below: AtomicU64::new(0),
            reported_hold: Mutex::new(None),
        })
    }

    pub fn node(&self) -> &Arc<ChainService> {
        &self.node
    }

    /// The censored sender (`--dev-censor`), if any.
    pub fn censored(&self) -> Option<Address> {
        self.config.censored
    }

    /// Lets the censored sender's privileged transactions with ids below `id` in (the release
    /// never moves back). No effect without a censored sender.
    pub fn release_censored_below(&self, id: u64) {
        self.released_below.fetch_max(id, Ordering::Relaxed);
    }

    /// Plans and mines the next block.
    pub fn produce(&self) -> Result<Arc<MinedBlock>, ServiceError> {
        let plan = self.plan(Instant::now())?;
        let mut reported = self.reported_hold.lock().unwrap_or_else(|p| p.into_inner());
        if plan.held != *reported {
            if let (Some(id), Some(sender)) = (plan.held, self.config.censored) {
                tracing::warn!(
                    chain = self.node.name(),
                    "CENSORED (--dev-censor): privileged tx {id} from {sender} holds the queue \
                     until its L1 deadline is near"
                );
            }
            *reported = plan.held;
        }
        drop(reported);
        self.node.mine_with_privileged_excluding(
            plan.privileged,
            plan.ordinary,
            self.config.censored,
        )
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
        let mut held = None;
        let released_below = self.released_below.load(Ordering::Relaxed);
        for tx in candidates {
            if self.config.censored == Some(tx.from) && tx.nonce >= released_below {
                held = Some(tx.nonce);
                break;
            }
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
            && held.is_none()
            && self
                .arrival(next, end, first_left, now)
                .is_some_and(|since| now.duration_since(since) >= self.config.overdue_after);
        Ok(BlockPlan { privileged, ordinary: !alone && !overdue, held })
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
