//! The L1 watcher (issue 10 §4): reads the L1 bridge's `PrivilegedTxSent` events from the
//! deploy block on, once their blocks have enough confirmations, rebuilds each privileged
//! (0x7e) transaction, checks it against the hash the bridge queued, and stores each block
//! range's transactions with the L1 cursor in one write. It also stores the L1 blob base fee.
//! A reorg that reaches the cursor stops intake; a failing endpoint is retried with backoff.
//! See docs/watcher.md. It does not build L2 blocks or execute anything.

mod error;
mod events;
mod health;

pub use error::WatcherError;
use error::with_causes;
pub use events::{QueuedTx, rebuild};
pub use health::{Backoff, WatcherHealth};

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    network::Ethereum,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
    transports::http::reqwest::Url,
};
use alloy_primitives::{Address, B256, U256};
use basalt_contracts::bindings::CommonBridge::{self, PrivilegedTxSent};
use basalt_primitives::TxPrivileged;
use basalt_storage::{Database, L1Cursor};
use std::{
    future::Future,
    sync::Arc,
    time::{Duration, SystemTime},
};
use tokio::sync::watch;
use tracing::{error, info, warn};

/// Default number of blocks read per `eth_getLogs` (many public endpoints refuse more).
pub const DEFAULT_MAX_BLOCK_RANGE: u64 = 1_000;
/// Default confirmation depth (`--l1-confirmations`), as issue 10 sets it outside dev.
pub const DEFAULT_CONFIRMATIONS: u64 = 12;
/// After a reorg that left every queued transaction on L1, the blocks this far below the old
/// cursor are read again (a new deposit in them would otherwise be missed; one further back
/// shows up as an id gap, never as a silent loss).
pub const REORG_RESCAN_BLOCKS: u64 = 1_024;
/// Queued transactions checked against the bridge after a reorg (the newest ones).
const REORG_CHECKED_TXS: u64 = 256;

/// What the watcher reads and how often.
#[derive(Clone, Debug)]
pub struct WatcherConfig {
    /// L1 JSON-RPC URL (HTTP).
    pub l1_rpc_url: String,
    /// The L1 bridge (`CommonBridge` proxy) address.
    pub bridge: Address,
    /// First L1 block read when nothing is stored (the deployment's `l1_deploy_block`).
    pub deploy_block: u64,
    /// L1 block `b` counts once `head - confirmations >= b`; 0 takes blocks at once.
    pub confirmations: u64,
    /// Chain id of the L2 (the rebuilt transactions' `chain_id`, part of the bridge's hash).
    pub l2_chain_id: u64,
    /// Pause between polls that succeeded.
    pub poll_interval: Duration,
    /// At most this many blocks per `eth_getLogs` and per stored run.
    pub max_block_range: u64,
    /// How long one JSON-RPC call may take before it counts as failed.
    pub rpc_timeout: Duration,
    /// First retry delay after a failure; doubled per failure up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
}

impl WatcherConfig {
    /// A configuration with the defaults: 12 confirmations, 1 s between polls, 1,000 blocks per
    /// query, a 10 s call timeout, backoff 250 ms -> 10 s.
    pub fn new(
        l1_rpc_url: impl Into<String>,
        bridge: Address,
        deploy_block: u64,
        l2_chain_id: u64,
    ) -> Self {
        Self {
            l1_rpc_url: l1_rpc_url.into(),
            bridge,
            deploy_block,
            confirmations: DEFAULT_CONFIRMATIONS,
            l2_chain_id,
            poll_interval: Duration::from_secs(1),
            max_block_range: DEFAULT_MAX_BLOCK_RANGE,
            rpc_timeout: Duration::from_secs(10),
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// What one successful poll did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollReport {
    /// The L1 head the poll saw.
    pub l1_head: u64,
    /// Transactions queued by this poll.
    pub queued: u64,
    /// The cursor after the poll (None while no block has enough confirmations).
    pub cursor: Option<L1Cursor>,
    /// The queue's next id after the poll.
    pub next_id: u64,
}

/// The L1 deposit watcher over one database. See the crate documentation.
pub struct L1Watcher {
    config: WatcherConfig,
    provider: DynProvider<Ethereum>,
    db: Arc<Database>,
    health: watch::Sender<WatcherHealth>,
}

impl L1Watcher {
    /// A watcher storing into `db`. Fails only on a URL that does not parse
    /// ([`WatcherError::BadUrl`]); nothing is contacted until the first poll.
    pub fn new(config: WatcherConfig, db: Arc<Database>) -> Result<Self, WatcherError> {
        let url = config.l1_rpc_url.parse::<Url>().map_err(|e| WatcherError::BadUrl {
            url: config.l1_rpc_url.clone(),
            reason: e.to_string(),
        })?;
        let provider =
            ProviderBuilder::new().disable_recommended_fillers().connect_http(url).erased();
        let (health, _) = watch::channel(WatcherHealth::default());
        Ok(Self { config, provider, db, health })
    }

    /// The watcher's health, updated after every poll (for a `/health` endpoint).
    pub fn health(&self) -> watch::Receiver<WatcherHealth> {
        self.health.subscribe()
    }

    /// Polls until `shutdown` completes (then `Ok`) or a critical error stops intake (then that
    /// error, already logged). Failures are retried with the configured backoff; successes are
    /// followed by `poll_interval`.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), WatcherError> {
        let mut backoff = Backoff::new(self.config.initial_backoff, self.config.max_backoff);
        tokio::pin!(shutdown);
        loop {
            let delay = tokio::select! {
                _ = &mut shutdown => return Ok(()),
                result = self.poll_once() => match result {
                    Ok(_) => {
                        backoff.reset();
                        self.config.poll_interval
                    }
                    Err(err) if err.is_critical() => return Err(err),
                    Err(_) => backoff.delay(),
                },
            };
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One poll: checks the cursor is still canonical, reads the blob base fee, then queues
    /// every confirmed block range after the cursor (each range with its cursor in one write).
    /// Updates [`L1Watcher::health`] and logs a failure once per change of state.
    pub async fn poll_once(&self) -> Result<PollReport, WatcherError> {
        if let Some(reason) = self.health.borrow().stopped.clone() {
            return Err(WatcherError::Stopped(reason));
        }
        let result = self.poll().await;
        self.record(&result);
        result
    }

    fn record(&self, result: &Result<PollReport, WatcherError>) {
        self.health.send_modify(|health| match result {
            Ok(report) => {
                if health.failures > 0 {
                    info!(
                        chain = "l1",
                        failures = health.failures,
                        "L1 watcher: the L1 endpoint answers again"
                    );
                }
                health.last_success = Some(SystemTime::now());
                health.last_error = None;
                health.failures = 0;
                health.l1_head = Some(report.l1_head);
                health.cursor = report.cursor.map(|c| (c.number, c.hash));
                health.next_id = report.next_id;
            }
            Err(err) => {
                let message = err.to_string();
                if err.is_critical() {
                    error!(chain = "l1", "L1 watcher: {message}");
                    health.stopped = Some(message.clone());
                } else if health.last_error.as_ref() != Some(&message) {
                    warn!(chain = "l1", "L1 watcher: {message}; retrying with backoff");
                }
                health.last_error = Some(message);
                health.failures = health.failures.saturating_add(1);
            }
        });
    }

    async fn poll(&self) -> Result<PollReport, WatcherError> {
        let head = self.call(self.provider.get_block_number()).await?;
        let (mut cursor, mut next_id, stored_fee) = {
            let view = self.db.read()?;
            (view.l1_cursor()?, view.next_privileged_tx_id()?, view.l1_blob_base_fee()?)
        };
        if let Some(stored) = cursor {
            let moved =
                head < stored.number || self.block_hash(stored.number).await? != stored.hash;
            if moved {
                cursor = Some(self.follow_reorg(stored, head, next_id).await?);
            }
        }
        let blob_fee = self.call(self.provider.get_blob_base_fee()).await?;
        if stored_fee != Some(blob_fee) {
            self.store(Vec::new(), None, Some(blob_fee)).await?;
        }
        let mut queued = 0u64;
        let safe = head.checked_sub(self.config.confirmations);
        let mut from = match cursor {
            Some(cursor) => cursor.number.saturating_add(1),
            None => self.config.deploy_block,
        };
        while let Some(safe) = safe.filter(|safe| from <= *safe) {
            let span = self.config.max_block_range.max(1) - 1;
            let to = from.saturating_add(span).min(safe);
            let (txs, to_hash) = self.read_range(from, to, cursor, next_id).await?;
            let count = txs.len() as u64;
            let new_cursor = L1Cursor { number: to, hash: to_hash };
            self.store(txs, Some(new_cursor), None).await?;
            queued += count;
            next_id += count;
            cursor = Some(new_cursor);
            from = to.saturating_add(1);
            if to == u64::MAX {
                break;
            }
        }
        Ok(PollReport { l1_head: head, queued, cursor, next_id })
    }

    /// The rebuilt, hash-checked transactions of blocks `from..=to` and the hash of block `to`,
    /// read so that all of them come from one chain that still holds `cursor`.
    async fn read_range(
        &self,
        from: u64,
        to: u64,
        cursor: Option<L1Cursor>,
        next_id: u64,
    ) -> Result<(Vec<TxPrivileged>, B256), WatcherError> {
        let to_hash = self.block_hash(to).await?;
        let filter = Filter::new()
            .address(self.config.bridge)
            .event_signature(PrivilegedTxSent::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let mut logs: Vec<Log> = self.call(self.provider.get_logs(&filter)).await?;
        // The logs belong to the chain whose block `to` was `to_hash` before and after the
        // query, and that chain still holds the cursor block.
        if self.block_hash(to).await? != to_hash {
            return Err(WatcherError::RangeMoved { number: to });
        }
        if let Some(cursor) = cursor {
            self.check_canonical(cursor).await?;
        }
        logs.sort_by_key(|log| (log.block_number, log.log_index));
        let bridge = CommonBridge::new(self.config.bridge, &self.provider);
        let mut txs = Vec::with_capacity(logs.len());
        let mut expected = next_id;
        for log in &logs {
            let queued = rebuild(log, self.config.l2_chain_id)?;
            let id = queued.tx.nonce;
            if id < expected {
                // Read again after a reorg the queue survived: it must be the queued one.
                let stored = self.db.read()?.privileged_txs(id..id.saturating_add(1))?;
                if stored.first() != Some(&queued.tx) {
                    return Err(WatcherError::QueuedTxChanged { id });
                }
                continue;
            }
            if id != expected {
                return Err(WatcherError::IdOutOfOrder { from, to, expected, found: id });
            }
            // The bridge's record at the same block: what the L2 will be held to.
            let stored = self
                .call(bridge.privilegedTxHash(U256::from(id)).block(BlockId::hash(to_hash)).call())
                .await?;
            if stored != queued.l1_hash {
                return Err(WatcherError::L1HashMismatch {
                    id,
                    rebuilt: queued.l1_hash,
                    queued: stored,
                });
            }
            txs.push(queued.tx);
            expected = expected.saturating_add(1);
        }
        Ok((txs, to_hash))
    }

    /// The cursor's block left the canonical chain, or the head fell below it. When the bridge
    /// at the L1 head still holds every queued transaction (its next id is not below ours and
    /// the newest [`REORG_CHECKED_TXS`] hashes match), the reorg removed no queued deposit: the
    /// cursor moves back [`REORG_RESCAN_BLOCKS`] and those blocks are read again. Otherwise a
    /// head below the cursor is a lagging endpoint (retried) and a replaced cursor block is
    /// [`WatcherError::DeepReorg`] (critical).
    async fn follow_reorg(
        &self,
        stored: L1Cursor,
        head: u64,
        next_id: u64,
    ) -> Result<L1Cursor, WatcherError> {
        let head_hash = self.block_hash(head).await?;
        let at_head = BlockId::hash(head_hash);
        let bridge = CommonBridge::new(self.config.bridge, &self.provider);
        let on_l1 = self.call(bridge.nextPrivilegedTxId().block(at_head).call()).await?;
        let mut intact = on_l1 >= U256::from(next_id);
        if intact {
            let first = next_id.saturating_sub(REORG_CHECKED_TXS);
            let queued = self.db.read()?.privileged_txs(first..next_id)?;
            for tx in &queued {
                let hash = self
                    .call(bridge.privilegedTxHash(U256::from(tx.nonce)).block(at_head).call())
                    .await?;
                if hash != tx.l1_hash() {
                    intact = false;
                    break;
                }
            }
        }
        if !intact {
            if head < stored.number {
                return Err(WatcherError::HeadBelowCursor { head, cursor: stored.number });
            }
            let canonical = self.block_hash(stored.number).await?;
            return Err(WatcherError::DeepReorg {
                number: stored.number,
                stored: stored.hash,
                canonical,
            });
        }
        let resume = stored
            .number
            .min(head)
            .saturating_sub(REORG_RESCAN_BLOCKS)
            .max(self.config.deploy_block.saturating_sub(1));
        let cursor = L1Cursor { number: resume, hash: self.block_hash(resume).await? };
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut batch = db.write()?;
            batch.rewind_l1_cursor(cursor)?;
            batch.commit()
        })
        .await
        .map_err(|e| WatcherError::Task(e.to_string()))??;
        warn!(
            chain = "l1",
            "L1 watcher: L1 reorg at or below block {} removed no queued deposit; reading L1 again \
             from block {}",
            stored.number,
            resume.saturating_add(1)
        );
        Ok(cursor)
    }

    /// Fails with [`WatcherError::DeepReorg`] unless `cursor`'s block is canonical on L1.
    async fn check_canonical(&self, cursor: L1Cursor) -> Result<(), WatcherError> {
        let canonical = self.block_hash(cursor.number).await?;
        if canonical != cursor.hash {
            return Err(WatcherError::DeepReorg {
                number: cursor.number,
                stored: cursor.hash,
                canonical,
            });
        }
        Ok(())
    }

    /// Hash of canonical L1 block `number`; a missing block means the endpoint is behind.
    async fn block_hash(&self, number: u64) -> Result<B256, WatcherError> {
        let block = self
            .call(self.provider.get_block_by_number(BlockNumberOrTag::Number(number)).into_future())
            .await?;
        match block {
            Some(block) => Ok(block.header.hash),
            None => {
                let head = self.call(self.provider.get_block_number()).await?;
                Err(WatcherError::HeadBelowCursor { head, cursor: number })
            }
        }
    }

    /// Stores a run with its cursor, and/or the blob base fee, in one write transaction.
    async fn store(
        &self,
        txs: Vec<TxPrivileged>,
        cursor: Option<L1Cursor>,
        blob_fee: Option<u128>,
    ) -> Result<(), WatcherError> {
        let db = self.db.clone();
        // redb writes block (fsync, the writer lock shared with the block producer).
        tokio::task::spawn_blocking(move || {
            let mut batch = db.write()?;
            if let Some(cursor) = cursor {
                batch.queue_privileged_txs(&txs, cursor)?;
            }
            if let Some(fee) = blob_fee {
                batch.set_l1_blob_base_fee(fee)?;
            }
            batch.commit()
        })
        .await
        .map_err(|e| WatcherError::Task(e.to_string()))??;
        Ok(())
    }

    /// One JSON-RPC call with the configured timeout; failures become retryable errors.
    async fn call<T, E: std::error::Error + 'static>(
        &self,
        request: impl std::future::IntoFuture<Output = Result<T, E>>,
    ) -> Result<T, WatcherError> {
        let url = &self.config.l1_rpc_url;
        match tokio::time::timeout(self.config.rpc_timeout, request.into_future()).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(WatcherError::Rpc { url: url.clone(), reason: with_causes(&err) }),
            Err(_) => Err(WatcherError::Timeout {
                url: url.clone(),
                secs: self.config.rpc_timeout.as_secs(),
            }),
        }
    }
}
