//! The L1 committer (issue 11 §3, docs/committer.md): sends each sealed L2 batch to
//! `OnChainProposer.commitBatch` in a blob transaction from the committer key, one commit in
//! flight at a time, replaces a commit stuck for `resubmit_after` with the fee bumps L1 pools
//! require, and follows the proposer's `lastCommittedBatch` so that after a restart, an L1
//! reorg or an unknown transaction it continues from what L1 holds: a batch is never committed
//! twice or skipped. A revert is decoded to the contract's error name; a batch L1 can never
//! accept stops committing with a critical error while blocks go on.

mod error;
pub mod fees;
pub mod proof_sender;
pub mod step_loop;
pub mod transaction;

pub use error::CommitterError;
pub use fees::{CommitFees, L1Prices};
pub use proof_sender::{ProofSender, ProofSenderConfig, SendOutcome};

use alloy::{
    eips::BlockNumberOrTag,
    network::Ethereum,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    sol_types::SolEvent,
    transports::{RpcError, TransportErrorKind, http::reqwest::Url},
};
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{Address, B256, Bytes, U256};
use basalt_batch::{BlobProofs, blob_sidecar};
use basalt_contracts::{
    bindings::OnChainProposer::{self, BatchCommitted},
    revert::ContractRevert,
};
use basalt_storage::{Database, SealedBatch};
use basalt_watcher::Backoff;
use error::root_mismatch;
use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};
use tracing::{info, warn};
use transaction::{CommitTx, commit_calldata};

/// Default `--commit-resubmit-after`: three L1 slots without inclusion.
pub const DEFAULT_RESUBMIT_AFTER: Duration = Duration::from_secs(36);
/// Gas limit of a commit over the simulated gas, in percent (storage costs can move between
/// simulation and inclusion, e.g. the first commit after a verification).
const GAS_LIMIT_PERCENT: u64 = 120;
/// Blocks read per `eth_getLogs` when looking up who committed a batch.
const LOG_RANGE: u64 = 1_000;

/// What the committer commits, where, and how often.
#[derive(Clone, Debug)]
pub struct CommitterConfig {
    /// L1 JSON-RPC URL (HTTP).
    pub l1_rpc_url: String,
    /// The `OnChainProposer` proxy on L1.
    pub proposer: Address,
    /// Private key of an account the proposer lists as a sequencer. A key of its own: another
    /// sender's transactions would take the nonces commits need.
    pub key: B256,
    /// Chain id of the L1 (signed into every commit).
    pub l1_chain_id: u64,
    /// First L1 block of the deployment (where commit logs can start).
    pub l1_deploy_block: u64,
    /// Validium deployments commit without blobs, in EIP-1559 transactions.
    pub validium: bool,
    /// Pause between steps when there is nothing to do.
    pub poll_interval: Duration,
    /// A commit not included after this long is replaced with bumped fees.
    pub resubmit_after: Duration,
    /// How long one JSON-RPC call may take before it counts as failed.
    pub rpc_timeout: Duration,
    /// First retry delay after a failure; doubled per failure up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// DA throttling: when the blobs of sealed but uncommitted batches reach this many, the
    /// throttle callback is told to shrink blocks (0: never).
    pub throttle_blobs: usize,
}

impl CommitterConfig {
    /// A configuration with the defaults: 1 s between polls, replacement after
    /// [`DEFAULT_RESUBMIT_AFTER`], a 10 s call timeout, backoff 250 ms -> 10 s, no throttling.
    pub fn new(
        l1_rpc_url: impl Into<String>,
        proposer: Address,
        key: B256,
        l1_chain_id: u64,
    ) -> Self {
        Self {
            l1_rpc_url: l1_rpc_url.into(),
            proposer,
            key,
            l1_chain_id,
            l1_deploy_block: 0,
            validium: false,
            poll_interval: Duration::from_secs(1),
            resubmit_after: DEFAULT_RESUBMIT_AFTER,
            rpc_timeout: Duration::from_secs(10),
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            throttle_blobs: 0,
        }
    }
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// Every sealed batch is committed.
    Idle,
    /// A commit of `batch` was sent in `tx`.
    Sent { batch: u64, tx: B256 },
    /// The commit of `batch` was stuck and is replaced by `tx` (the `attempt`-th replacement).
    Replaced { batch: u64, tx: B256, attempt: u32 },
    /// The commit of `batch` is waiting for inclusion.
    Waiting { batch: u64 },
    /// `batch` is committed on L1 by `tx`.
    Confirmed { batch: u64, tx: B256 },
    /// The commit of `batch` reverted on L1 (the next step simulates it again and names the
    /// error).
    Reverted { batch: u64, tx: B256 },
    /// The in-flight commit's nonce was taken by another transaction; the next step starts
    /// again from what L1 holds.
    Resynced,
}

/// A batch's commit as built once and re-signed for replacements.
struct Prepared {
    input: Bytes,
    sidecar: Option<Arc<BlobTransactionSidecarVariant>>,
    gas_limit: u64,
}

/// The one commit in flight.
struct InFlight {
    batch: u64,
    nonce: u64,
    /// None for a transaction this process did not send (found pending after a restart).
    fees: Option<CommitFees>,
    /// Every version sent (the first, then each replacement).
    hashes: Vec<B256>,
    sent_at: Instant,
    attempts: u32,
    prepared: Option<Prepared>,
}

/// Callback of DA throttling: `true` while the uncommitted backlog is at or above the
/// configured number of blobs.
pub type ThrottleCallback = Box<dyn Fn(bool) + Send + Sync>;

/// The committer over one L2 database. See the crate documentation.
pub struct Committer {
    config: CommitterConfig,
    db: Arc<Database>,
    provider: DynProvider<Ethereum>,
    from: Address,
    in_flight: Option<InFlight>,
    /// Set once the first step looked for a commit left pending by an earlier process.
    checked_pending: bool,
    stopped: Option<String>,
    throttle: Option<ThrottleCallback>,
    throttled: bool,
    /// The (committed, sealed) batch numbers throttling was last decided for: the backlog only
    /// changes with them, so batch records are read again only then.
    throttle_checked: Option<(u64, u64)>,
    health: step_loop::SharedStepHealth,
}

impl Committer {
    /// A committer of the batches sealed in `db`. Fails on a URL that does not parse or a key
    /// that is not a secp256k1 secret; nothing is contacted until the first step.
    pub fn new(config: CommitterConfig, db: Arc<Database>) -> Result<Self, CommitterError> {
        let url = config.l1_rpc_url.parse::<Url>().map_err(|e| CommitterError::BadUrl {
            url: config.l1_rpc_url.clone(),
            reason: e.to_string(),
        })?;
        let from = basalt_primitives::sender::address_of(&config.key)
            .map_err(|_| CommitterError::BadKey)?;
        let provider =
            ProviderBuilder::new().disable_recommended_fillers().connect_http(url).erased();
        Ok(Self {
            config,
            db,
            provider,
            from,
            in_flight: None,
            checked_pending: false,
            stopped: None,
            throttle: None,
            throttled: false,
            throttle_checked: None,
            health: Default::default(),
        })
    }

    /// Calls `callback` whenever DA throttling turns on or off (see
    /// [`CommitterConfig::throttle_blobs`]).
    pub fn on_throttle(mut self, callback: ThrottleCallback) -> Self {
        self.throttle = Some(callback);
        self
    }

    /// The committer account's address.
    pub fn address(&self) -> Address {
        self.from
    }

    /// What the committer last did (shared; for `/health`).
    pub fn health(&self) -> step_loop::SharedStepHealth {
        self.health.clone()
    }

    /// Steps until `shutdown` completes (then `Ok`) or a critical error stops committing (then
    /// that error, already logged). Failures are retried with backoff and logged once per
    /// change of message.
    pub async fn run(&mut self, shutdown: impl Future<Output = ()>) -> Result<(), CommitterError> {
        let backoff = Backoff::new(self.config.initial_backoff, self.config.max_backoff);
        step_loop::run_steps(self, self.config.poll_interval, backoff, shutdown).await
    }

    /// One step: reads the proposer's last committed batch and records it, then follows the
    /// commit in flight (receipt, replacement) or sends the next sealed batch.
    pub async fn step(&mut self) -> Result<StepOutcome, CommitterError> {
        if let Some(reason) = &self.stopped {
            return Err(CommitterError::Stopped(reason.clone()));
        }
        let result = self.step_inner().await;
        if let Err(err) = &result
            && err.is_critical()
        {
            self.stopped = Some(err.to_string());
        }
        result
    }

    async fn step_inner(&mut self) -> Result<StepOutcome, CommitterError> {
        let l1_last = self.l1_last_committed().await?;
        self.follow_l1(l1_last).await?;
        if self.in_flight.is_some() {
            return self.follow_in_flight(l1_last).await;
        }
        let next = l1_last.saturating_add(1);
        let Some(batch) = self.db.read_batches()?.batch(next)? else {
            return Ok(StepOutcome::Idle);
        };
        let latest = self.nonce(BlockNumberOrTag::Latest).await?;
        if !self.checked_pending {
            self.checked_pending = true;
            let pending = self.nonce(BlockNumberOrTag::Pending).await?;
            if pending > latest {
                // A commit an earlier process sent is still in the L1's pool: wait for it,
                // then replace it (its fees unknown) rather than send a second one.
                info!(
                    chain = "l1",
                    "committer: a transaction of {} with nonce {latest} is pending on L1 (sent before a restart); waiting for it before committing batch {next}",
                    self.from
                );
                self.in_flight = Some(InFlight {
                    batch: next,
                    nonce: latest,
                    fees: None,
                    hashes: Vec::new(),
                    sent_at: Instant::now(),
                    attempts: 0,
                    prepared: None,
                });
                return Ok(StepOutcome::Waiting { batch: next });
            }
        }
        let prepared = self.prepare(&batch).await?;
        let fees = self.current_fees().await?;
        let mut in_flight = InFlight {
            batch: next,
            nonce: latest,
            fees: Some(fees),
            hashes: Vec::new(),
            sent_at: Instant::now(),
            attempts: 0,
            prepared: Some(prepared),
        };
        match self.send(&in_flight, fees).await {
            Ok(tx) => {
                info!(
                    chain = "l1",
                    batch = next,
                    blocks = format!("{}..={}", batch.first_block, batch.last_block),
                    blobs = batch.versioned_hashes.len(),
                    bytes = batch.data.len(),
                    %tx,
                    "committer: sent commitBatch"
                );
                in_flight.hashes.push(tx);
                self.in_flight = Some(in_flight);
                Ok(StepOutcome::Sent { batch: next, tx })
            }
            Err(SendError::Underpriced(reason)) => {
                // Another transaction holds the nonce in the pool: replace it from here on.
                info!(
                    chain = "l1",
                    "committer: nonce {latest} is taken in the L1 pool ({reason}); replacing it"
                );
                in_flight.fees = None;
                in_flight.sent_at = Instant::now() - self.config.resubmit_after;
                self.in_flight = Some(in_flight);
                Ok(StepOutcome::Waiting { batch: next })
            }
            Err(SendError::Failed(err)) => Err(err),
        }
    }

    /// The commit in flight: confirmed, reverted, overtaken, replaced or still waiting.
    async fn follow_in_flight(&mut self, l1_last: u64) -> Result<StepOutcome, CommitterError> {
        let Some(in_flight) = &self.in_flight else { return Ok(StepOutcome::Idle) };
        let batch = in_flight.batch;
        for hash in in_flight.hashes.clone() {
            let receipt = self.timed(self.provider.get_transaction_receipt(hash)).await?;
            let Some(receipt) = receipt.map_err(|e| self.rpc(e))? else { continue };
            self.in_flight = None;
            if receipt.status() {
                self.record_commits(&[(batch, Some(hash))])?;
                info!(
                    chain = "l1",
                    batch,
                    l1_block = receipt.block_number,
                    gas = receipt.gas_used,
                    blob_gas = receipt.blob_gas_used,
                    %hash,
                    "committer: batch committed"
                );
                return Ok(StepOutcome::Confirmed { batch, tx: hash });
            }
            warn!(chain = "l1", batch, %hash, "committer: the commit reverted on L1; simulating it again");
            return Ok(StepOutcome::Reverted { batch, tx: hash });
        }
        if l1_last >= batch {
            // Committed by a version this process does not know (sent before a restart).
            self.in_flight = None;
            return Ok(StepOutcome::Resynced);
        }
        let latest = self.nonce(BlockNumberOrTag::Latest).await?;
        if latest > in_flight.nonce {
            warn!(
                chain = "l1",
                batch,
                nonce = in_flight.nonce,
                "committer: another transaction of {} took the commit's nonce; starting again from L1",
                self.from
            );
            self.in_flight = None;
            return Ok(StepOutcome::Resynced);
        }
        if in_flight.sent_at.elapsed() < self.config.resubmit_after {
            return Ok(StepOutcome::Waiting { batch });
        }
        self.replace().await
    }

    /// Replaces the stuck commit with the same nonce and bumped fees.
    async fn replace(&mut self) -> Result<StepOutcome, CommitterError> {
        let Some(in_flight) = self.in_flight.as_ref() else { return Ok(StepOutcome::Idle) };
        let (batch_number, prior, attempts) = (in_flight.batch, in_flight.fees, in_flight.attempts);
        if in_flight.prepared.is_none() {
            let batch =
                self.db.read_batches()?.batch(batch_number)?.ok_or(CommitterError::Diverged {
                    batch: batch_number,
                    reason: "pending, but this node has not sealed it".into(),
                })?;
            let prepared = self.prepare(&batch).await?;
            if let Some(in_flight) = self.in_flight.as_mut() {
                in_flight.prepared = Some(prepared);
            }
        }
        let current = self.current_fees().await?;
        let fees = match prior {
            Some(prior) => prior.bumped(current),
            None => current.escalated(attempts.saturating_add(1)),
        };
        let Some(in_flight) = self.in_flight.as_ref() else { return Ok(StepOutcome::Idle) };
        let stuck = in_flight.sent_at.elapsed().as_secs();
        let sent = self.send(in_flight, fees).await;
        let Some(in_flight) = self.in_flight.as_mut() else { return Ok(StepOutcome::Idle) };
        in_flight.attempts = in_flight.attempts.saturating_add(1);
        in_flight.fees = Some(fees);
        match sent {
            Ok(tx) => {
                info!(
                    chain = "l1",
                    batch = batch_number,
                    stuck_secs = stuck,
                    max_fee_per_gas = fees.max_fee_per_gas,
                    max_priority_fee_per_gas = fees.max_priority_fee_per_gas,
                    max_fee_per_blob_gas = fees.max_fee_per_blob_gas,
                    %tx,
                    "committer: replaced a stuck commit"
                );
                in_flight.hashes.push(tx);
                in_flight.sent_at = Instant::now();
                Ok(StepOutcome::Replaced { batch: batch_number, tx, attempt: in_flight.attempts })
            }
            // Bumped from the fees recorded now, the next try goes higher.
            Err(SendError::Underpriced(reason)) => Err(CommitterError::Refused {
                batch: batch_number,
                reason: format!("{reason} (bumping again)"),
            }),
            Err(SendError::Failed(err)) => Err(err),
        }
    }

    /// Calldata, blobs with proofs of the L1's kind, and the simulated gas of `batch`'s commit.
    /// A simulated revert is decoded: one L1 can never accept is critical.
    async fn prepare(&self, batch: &SealedBatch) -> Result<Prepared, CommitterError> {
        let input = commit_calldata(batch);
        let sidecar = if self.config.validium {
            None
        } else {
            let proofs = self.proof_kind().await;
            let data = batch.data.clone();
            let count = batch.versioned_hashes.len();
            let number = batch.number;
            // On a thread of its own at background priority: proofs take ~0.25 s of CPU per
            // blob and must not slow admission (nor lower the priority of a shared pool).
            let (sender, receiver) = tokio::sync::oneshot::channel();
            std::thread::Builder::new()
                .name("l1-blob-proofs".into())
                // Blobs are 128 KiB arrays that unoptimized builds keep on the stack.
                .stack_size(16 << 20)
                .spawn(move || {
                    basalt_batch::compute_priority();
                    let built = basalt_da::encode_blobs(&data, count)
                        .map_err(|e| e.to_string())
                        .and_then(|blobs| blob_sidecar(&blobs, proofs).map_err(|e| e.to_string()));
                    let _ = sender.send(built);
                })
                .map_err(|e| CommitterError::Blobs { batch: number, reason: e.to_string() })?;
            let sidecar = receiver
                .await
                .map_err(|e| CommitterError::Blobs { batch: number, reason: e.to_string() })?
                .map_err(|reason| CommitterError::Blobs { batch: number, reason })?;
            let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
            if hashes != batch.versioned_hashes {
                return Err(CommitterError::Blobs {
                    batch: number,
                    reason: "the blobs' versioned hashes differ from the sealed ones".into(),
                });
            }
            Some(Arc::new(sidecar))
        };
        let mut request = TransactionRequest::default()
            .from(self.from)
            .to(self.config.proposer)
            .input(input.clone().into());
        if let Some(sidecar) = &sidecar {
            let blob_fee = self.timed(self.provider.get_blob_base_fee()).await?;
            let blob_fee = blob_fee.map_err(|e| self.rpc(e))?;
            request.blob_versioned_hashes = Some(sidecar.versioned_hashes().collect());
            request.max_fee_per_blob_gas = Some(blob_fee.saturating_mul(2).max(1));
        }
        let estimate = self.timed(self.provider.estimate_gas(request)).await?;
        let gas = match estimate {
            Ok(gas) => gas,
            Err(err) => return Err(self.simulation_error(batch.number, err)),
        };
        let gas_limit = gas.saturating_mul(GAS_LIMIT_PERCENT) / 100;
        Ok(Prepared { input, sidecar, gas_limit })
    }

    /// A failed `eth_estimateGas` of a commit: a revert is named, and one that can never pass
    /// is critical.
    fn simulation_error(&self, batch: u64, err: RpcError<TransportErrorKind>) -> CommitterError {
        let Some(data) = err.as_error_resp().and_then(|resp| resp.as_revert_data()) else {
            return self.rpc(err);
        };
        let revert = ContractRevert::decode(&data);
        let name = revert.name().unwrap_or("unknown error");
        match name {
            "PrivilegedHashMismatch" | "ForcedInclusionRequired" => {
                CommitterError::NeverCommittable { batch, revert: revert.to_string() }
            }
            _ => CommitterError::Reverts { batch, revert: revert.to_string() },
        }
    }

    /// Signs the in-flight commit with `fees` and sends it.
    async fn send(&self, in_flight: &InFlight, fees: CommitFees) -> Result<B256, SendError> {
        let Some(prepared) = &in_flight.prepared else {
            return Err(SendError::Failed(CommitterError::Refused {
                batch: in_flight.batch,
                reason: "nothing prepared".into(),
            }));
        };
        let (hash, raw) = CommitTx {
            l1_chain_id: self.config.l1_chain_id,
            nonce: in_flight.nonce,
            gas_limit: prepared.gas_limit,
            fees,
            to: self.config.proposer,
            input: prepared.input.clone(),
            sidecar: prepared.sidecar.as_deref(),
        }
        .sign(&self.config.key)
        .map_err(SendError::Failed)?;
        let sent = self
            .timed(self.provider.raw_request::<_, B256>("eth_sendRawTransaction".into(), (raw,)))
            .await
            .map_err(SendError::Failed)?;
        match sent {
            Ok(_) => Ok(hash),
            Err(err) => {
                let message = err.to_string();
                let lower = message.to_lowercase();
                if lower.contains("already known") {
                    Ok(hash)
                } else if lower.contains("underpriced") {
                    Err(SendError::Underpriced(message))
                } else {
                    Err(SendError::Failed(CommitterError::Refused {
                        batch: in_flight.batch,
                        reason: message,
                    }))
                }
            }
        }
    }

    /// Brings the local commit cursor to `l1_last`: forward with the commit transactions found
    /// in the proposer's logs, back (with a warning) when L1 lost commits. Batches L1 holds but
    /// this node did not seal, or sealed with another state root, are critical.
    async fn follow_l1(&mut self, l1_last: u64) -> Result<(), CommitterError> {
        let numbers = self.db.read_batches()?.numbers()?;
        if l1_last == numbers.committed {
            return Ok(());
        }
        if l1_last > numbers.sealed {
            return Err(CommitterError::Diverged {
                batch: l1_last,
                reason: format!(
                    "committed, but this node sealed only up to batch {}",
                    numbers.sealed
                ),
            });
        }
        if l1_last < numbers.committed {
            warn!(
                chain = "l1",
                "committer: L1 now holds batches up to {l1_last}, not {} as recorded (an L1 reorg or revertBatch); committing again from {}",
                numbers.committed,
                l1_last.saturating_add(1)
            );
            if self.in_flight.as_ref().is_some_and(|f| f.batch > l1_last.saturating_add(1)) {
                self.in_flight = None;
            }
            return self.record_commits(&[(l1_last, None)]);
        }
        let proposer = OnChainProposer::new(self.config.proposer, &self.provider);
        let on_l1 = self.timed(proposer.getBatch(U256::from(l1_last)).call()).await?;
        let on_l1 = on_l1.map_err(|e| CommitterError::Rpc {
            url: self.config.l1_rpc_url.clone(),
            reason: e.to_string(),
        })?;
        let sealed = self.db.read_batches()?.batch(l1_last)?.map(|b| b.state_root);
        if let Some(sealed) = sealed
            && sealed != on_l1.newStateRoot
        {
            return Err(CommitterError::Diverged {
                batch: l1_last,
                reason: root_mismatch(on_l1.newStateRoot, sealed),
            });
        }
        let txs = self.commit_transactions(numbers.committed.saturating_add(1), l1_last).await;
        let commits: Vec<(u64, Option<B256>)> = (numbers.committed.saturating_add(1)..=l1_last)
            .map(|n| (n, txs.iter().find(|(b, _)| *b == n).map(|(_, tx)| *tx)))
            .collect();
        // Our own commit is logged when its receipt is read; anything else is news.
        if self.in_flight.as_ref().is_none_or(|f| f.batch != l1_last) {
            info!(chain = "l1", "committer: L1 holds batches up to {l1_last}");
        }
        self.record_commits(&commits)
    }

    /// The L1 transactions that committed batches `first..=last`, from the proposer's
    /// `BatchCommitted` logs of the last [`LOG_RANGE`] blocks (older ones stay unknown; an
    /// endpoint that fails here only costs the hashes).
    async fn commit_transactions(&self, first: u64, last: u64) -> Vec<(u64, B256)> {
        let Ok(Ok(head)) = self.timed(self.provider.get_block_number()).await else {
            return Vec::new();
        };
        let from = head.saturating_sub(LOG_RANGE).max(self.config.l1_deploy_block);
        let numbers: Vec<B256> = (first..=last.min(first.saturating_add(255)))
            .map(|n| B256::from(U256::from(n)))
            .collect();
        let filter = Filter::new()
            .address(self.config.proposer)
            .event_signature(BatchCommitted::SIGNATURE_HASH)
            .topic1(numbers)
            .from_block(from)
            .to_block(head);
        let Ok(Ok(logs)) = self.timed(self.provider.get_logs(&filter)).await else {
            return Vec::new();
        };
        logs.iter()
            .filter_map(|log| {
                let number = U256::from_be_bytes(log.topics().get(1)?.0);
                Some((u64::try_from(number).ok()?, log.transaction_hash?))
            })
            .collect()
    }

    /// Records batches as committed (each with its transaction when known), in one write.
    fn record_commits(&self, commits: &[(u64, Option<B256>)]) -> Result<(), CommitterError> {
        let mut write = self.db.write()?;
        for (number, tx) in commits {
            write.set_last_committed_batch(*number, *tx)?;
        }
        write.commit()?;
        Ok(())
    }

    /// Tells the throttle callback when the backlog crosses the configured number of blobs.
    fn update_throttle(&mut self) -> Result<(), CommitterError> {
        let (Some(callback), threshold) = (&self.throttle, self.config.throttle_blobs) else {
            return Ok(());
        };
        if threshold == 0 {
            return Ok(());
        }
        let view = self.db.read_batches()?;
        let numbers = view.numbers()?;
        if self.throttle_checked == Some((numbers.committed, numbers.sealed)) {
            return Ok(());
        }
        self.throttle_checked = Some((numbers.committed, numbers.sealed));
        let mut blobs = 0usize;
        let mut number = numbers.committed.saturating_add(1);
        while number <= numbers.sealed && blobs < threshold {
            blobs += view.batch(number)?.map_or(0, |b| b.versioned_hashes.len());
            number += 1;
        }
        let throttle = blobs >= threshold;
        if throttle != self.throttled {
            self.throttled = throttle;
            if throttle {
                warn!(
                    chain = "l2",
                    "DA throttling on: {blobs}+ blobs of sealed batches wait for L1; blocks shrink until they are committed"
                );
            } else {
                info!(chain = "l2", "DA throttling off: the backlog drained");
            }
            callback(throttle);
        }
        Ok(())
    }

    async fn l1_last_committed(&self) -> Result<u64, CommitterError> {
        let proposer = OnChainProposer::new(self.config.proposer, &self.provider);
        let last = self.timed(proposer.lastCommittedBatch().call()).await?;
        let last = last.map_err(|e| CommitterError::Rpc {
            url: self.config.l1_rpc_url.clone(),
            reason: e.to_string(),
        })?;
        u64::try_from(last).map_err(|_| CommitterError::Diverged {
            batch: u64::MAX,
            reason: format!("number {last} as the last committed, beyond any batch number"),
        })
    }

    async fn nonce(&self, tag: BlockNumberOrTag) -> Result<u64, CommitterError> {
        let call = self.provider.get_transaction_count(self.from).block_id(tag.into());
        self.timed(call).await?.map_err(|e| self.rpc(e))
    }

    /// Fees for a commit sent now ([`fees::current_prices`]).
    async fn current_fees(&self) -> Result<CommitFees, CommitterError> {
        let blobs = !self.config.validium;
        let prices = self.timed(fees::current_prices(&self.provider, blobs)).await?;
        Ok(CommitFees::from_prices(prices.map_err(|e| self.rpc(e))?, blobs))
    }

    /// EIP-7594 cell proofs when the L1 runs Osaka or later (its `eth_config` lists the
    /// P256VERIFY precompile, new in Osaka), else EIP-4844 blob proofs.
    async fn proof_kind(&self) -> BlobProofs {
        let answer = self
            .timed(
                self.provider
                    .raw_request::<_, serde_json::Value>("eth_config".into(), Vec::<()>::new()),
            )
            .await;
        match answer {
            Ok(Ok(config)) => {
                if config.pointer("/current/precompiles/P256VERIFY").is_some() {
                    BlobProofs::Cell
                } else {
                    BlobProofs::Blob
                }
            }
            _ => {
                warn!(
                    chain = "l1",
                    "committer: the L1 does not answer eth_config; sending EIP-4844 blob proofs"
                );
                BlobProofs::Blob
            }
        }
    }

    async fn timed<T>(
        &self,
        call: impl std::future::IntoFuture<Output = T>,
    ) -> Result<T, CommitterError> {
        tokio::time::timeout(self.config.rpc_timeout, call).await.map_err(|_| {
            CommitterError::Timeout {
                url: self.config.l1_rpc_url.clone(),
                secs: self.config.rpc_timeout.as_secs(),
            }
        })
    }

    fn rpc(&self, err: impl std::fmt::Display) -> CommitterError {
        CommitterError::Rpc { url: self.config.l1_rpc_url.clone(), reason: err.to_string() }
    }
}

impl step_loop::Stepper for Committer {
    type Outcome = StepOutcome;
    const NAME: &'static str = "committer";

    fn health(&self) -> step_loop::SharedStepHealth {
        self.health.clone()
    }

    fn step(&mut self) -> impl Future<Output = Result<StepOutcome, CommitterError>> {
        Committer::step(self)
    }

    fn again_now(outcome: &StepOutcome) -> bool {
        matches!(outcome, StepOutcome::Confirmed { .. } | StepOutcome::Resynced)
    }

    fn after_step(&mut self) {
        if let Err(err) = self.update_throttle() {
            warn!(chain = "l2", "DA throttling: {err}");
        }
    }
}

/// Why a commit was not sent.
enum SendError {
    /// The pool holds another transaction at the nonce and wants higher fees to replace it.
    Underpriced(String),
    Failed(CommitterError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use basalt_storage::SealedBatch;
    use std::sync::Mutex;

    fn batch(number: u64, blobs: usize) -> SealedBatch {
        SealedBatch {
            number,
            first_block: number,
            last_block: number,
            mode: 0,
            payload_len: 1,
            data: Bytes::from(vec![0]),
            versioned_hashes: vec![B256::repeat_byte(1); blobs],
            state_root: B256::repeat_byte(2),
            l1_messages_root: B256::ZERO,
            privileged_rolling_hash: B256::ZERO,
            last_block_hash: B256::repeat_byte(3),
            non_privileged_txs: 1,
            privileged_txs: 0,
            sealed_at: 0,
        }
    }

    #[test]
    fn throttling_follows_the_blobs_of_uncommitted_batches() {
        let db = Arc::new(Database::in_memory().unwrap());
        let config = CommitterConfig {
            throttle_blobs: 6,
            ..CommitterConfig::new("http://127.0.0.1:1", Address::ZERO, B256::repeat_byte(7), 1)
        };
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let mut committer = Committer::new(config, db.clone())
            .unwrap()
            .on_throttle(Box::new(move |on| seen.lock().unwrap().push(on)));
        let seal = |b: SealedBatch| {
            let mut write = db.write().unwrap();
            write.seal_batch(&b).unwrap();
            write.commit().unwrap();
        };
        seal(batch(1, 3));
        seal(batch(2, 2));
        committer.update_throttle().unwrap();
        assert!(calls.lock().unwrap().is_empty(), "5 blobs wait: below 6");
        seal(batch(3, 1));
        committer.update_throttle().unwrap();
        committer.update_throttle().unwrap();
        assert_eq!(*calls.lock().unwrap(), [true], "6 blobs wait: on, said once");
        committer.record_commits(&[(1, None)]).unwrap();
        committer.update_throttle().unwrap();
        assert_eq!(*calls.lock().unwrap(), [true, false], "batch 1 committed: 3 blobs wait");
    }

    /// An `eth_estimateGas` error carrying `revert` as its data, as geth, reth and anvil send it.
    fn reverted(revert: Vec<u8>) -> RpcError<TransportErrorKind> {
        let data = serde_json::value::to_raw_value(&Bytes::from(revert).to_string()).unwrap();
        RpcError::ErrorResp(alloy_json_rpc::ErrorPayload {
            code: 3,
            message: "execution reverted".into(),
            data: Some(data),
        })
    }

    #[test]
    fn a_simulated_revert_is_named_and_only_a_never_committable_one_is_critical() {
        use alloy::sol_types::SolError;
        use basalt_contracts::bindings::OnChainProposer::{
            ForcedInclusionRequired, NotSequencer, PrivilegedHashMismatch, UnexpectedBatchNumber,
        };
        let db = Arc::new(Database::in_memory().unwrap());
        let config =
            CommitterConfig::new("http://127.0.0.1:1", Address::ZERO, B256::repeat_byte(7), 1);
        let committer = Committer::new(config, db).unwrap();
        let mismatch = PrivilegedHashMismatch { expected: B256::repeat_byte(1), got: B256::ZERO };
        let err = committer.simulation_error(4, reverted(mismatch.abi_encode()));
        assert!(err.is_critical(), "{err}");
        assert!(err.to_string().contains("PrivilegedHashMismatch"), "{err}");
        let forced = ForcedInclusionRequired { batchNumber: U256::from(4) };
        assert!(committer.simulation_error(4, reverted(forced.abi_encode())).is_critical());

        let caller = Address::repeat_byte(0xca);
        let err = committer.simulation_error(4, reverted(NotSequencer { caller }.abi_encode()));
        assert!(!err.is_critical());
        assert!(
            err.to_string().contains("NotSequencer") && err.to_string().contains("commitBatch(4)")
        );
        let stale = UnexpectedBatchNumber { expected: U256::from(5), got: U256::from(4) };
        assert!(!committer.simulation_error(4, reverted(stale.abi_encode())).is_critical());

        // Not a revert at all: an endpoint error, retried.
        let err = committer.simulation_error(
            4,
            RpcError::ErrorResp(alloy_json_rpc::ErrorPayload {
                code: -32000,
                message: "insufficient funds for gas * price + value".into(),
                data: None,
            }),
        );
        assert!(matches!(err, CommitterError::Rpc { .. }), "{err}");
    }

    #[test]
    fn a_bad_url_or_key_is_refused_before_anything_is_contacted() {
        let db = Arc::new(Database::in_memory().unwrap());
        let bad_url = CommitterConfig::new("not a url", Address::ZERO, B256::repeat_byte(7), 1);
        assert!(matches!(Committer::new(bad_url, db.clone()), Err(CommitterError::BadUrl { .. })));
        let bad_key = CommitterConfig::new("http://127.0.0.1:1", Address::ZERO, B256::ZERO, 1);
        assert!(matches!(Committer::new(bad_key, db), Err(CommitterError::BadKey)));
    }
}
