//! The proof sender (issue 12 §4, docs/proving.md): calls `OnChainProposer.verifyBatches` for the
//! longest run of consecutive committed batches, from the first unverified one, whose proofs are
//! all stored, in one L1 transaction from a key of its own (never the committer's: the two would
//! fight over nonces). L1's `lastVerifiedBatch` is the cursor, so a restart, a reorg or another
//! sender never makes it verify twice or skip. A proof L1 refuses is decoded by the verifier's
//! error name, deleted, and so requested again by the proof coordinator.

use crate::{
    CommitFees, CommitterError,
    fees::{self},
    transaction::CommitTx,
};
use alloy::{
    eips::BlockNumberOrTag,
    network::Ethereum,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
    transports::{RpcError, TransportErrorKind, http::reqwest::Url},
};
use alloy_primitives::{Address, B256, Bytes, U256};
use basalt_contracts::{bindings::OnChainProposer, revert::ContractRevert};
use basalt_storage::{Database, ProofRecord};
use basalt_watcher::Backoff;
use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};
use tracing::{info, warn};

/// Errors of a verifier (or of the proposer about the proofs) that mean the proof itself is bad:
/// it is deleted and proven again.
const PROOF_ERRORS: &[&str] = &[
    "MalformedProof",
    "InvalidSignature",
    "UnknownSigner",
    "SignersNotAscending",
    "BelowThreshold",
    "ProofCountMismatch",
    "InvalidProof",
];

/// Proof kinds as the proof records store them (`basalt_prover::ProofKind`).
const KIND_EXEC: u8 = 0;
const KIND_ATTESTATION: u8 = 1;
/// Length of one attestation signature (r ‖ s ‖ v).
const SIGNATURE_LEN: usize = 65;
/// `OnChainProposer.ATTESTATION_VERIFIER_ID`.
const ATTESTATION_VERIFIER_ID: u8 = 1;

/// Default most batches verified in one transaction.
pub const DEFAULT_MAX_BATCHES_PER_TX: usize = 20;

/// Where and how proofs are sent.
#[derive(Clone, Debug)]
pub struct ProofSenderConfig {
    pub l1_rpc_url: String,
    /// The `OnChainProposer` proxy.
    pub proposer: Address,
    /// The sender's key; must differ from the committer's.
    pub key: B256,
    pub l1_chain_id: u64,
    /// Most batches in one `verifyBatches`.
    pub max_batches_per_tx: usize,
    /// Signatures an attestation needs (the `AttestationVerifier`'s k; 0 without one): a
    /// record with fewer is still being gathered.
    pub attestation_threshold: usize,
    pub poll_interval: Duration,
    /// A transaction not included after this long is replaced with bumped fees.
    pub resubmit_after: Duration,
    pub rpc_timeout: Duration,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl ProofSenderConfig {
    /// Defaults: 20 batches per transaction, 1 s polls, replacement after 36 s, 10 s calls,
    /// backoff 250 ms -> 10 s.
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
            max_batches_per_tx: DEFAULT_MAX_BATCHES_PER_TX,
            attestation_threshold: 0,
            poll_interval: Duration::from_secs(1),
            resubmit_after: crate::DEFAULT_RESUBMIT_AFTER,
            rpc_timeout: Duration::from_secs(10),
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Nothing to verify: no proof for the next batch yet.
    Idle,
    /// `verifyBatches(first..=last)` was sent in `tx`.
    Sent { first: u64, last: u64, tx: B256 },
    /// Waiting for the transaction in flight.
    Waiting { first: u64, last: u64 },
    /// Batches `first..=last` are verified on L1 by `tx`, for `gas` gas.
    Verified { first: u64, last: u64, tx: B256, gas: u64 },
    /// L1 refused the proof of `batch` with `error`; it was deleted to be proven again.
    ProofRejected { batch: u64, error: String },
    /// The transaction in flight was replaced with higher fees.
    Replaced { first: u64, last: u64, tx: B256 },
    /// L1 moved on its own (another sender, a restart); the next step starts from L1.
    Resynced,
}

/// The one `verifyBatches` in flight.
struct InFlight {
    first: u64,
    last: u64,
    nonce: u64,
    input: Bytes,
    gas_limit: u64,
    fees: CommitFees,
    hashes: Vec<B256>,
    sent_at: Instant,
}

/// Sends stored proofs to L1.
pub struct ProofSender {
    config: ProofSenderConfig,
    db: Arc<Database>,
    provider: DynProvider<Ethereum>,
    from: Address,
    in_flight: Option<InFlight>,
    health: crate::step_loop::SharedStepHealth,
}

impl ProofSender {
    /// A sender over `db`'s proofs. Errors: a bad URL or key, or the committer's key
    /// (`committer_key`), which would make the two fight over nonces.
    pub fn new(
        config: ProofSenderConfig,
        db: Arc<Database>,
        committer_key: Option<B256>,
    ) -> Result<Self, CommitterError> {
        if committer_key == Some(config.key) {
            return Err(CommitterError::SameKey);
        }
        let url = config.l1_rpc_url.parse::<Url>().map_err(|e| CommitterError::BadUrl {
            url: config.l1_rpc_url.clone(),
            reason: e.to_string(),
        })?;
        let from = basalt_primitives::sender::address_of(&config.key)
            .map_err(|_| CommitterError::BadKey)?;
        let provider =
            ProviderBuilder::new().disable_recommended_fillers().connect_http(url).erased();
        Ok(Self { config, db, provider, from, in_flight: None, health: Default::default() })
    }

    /// The sender's L1 address.
    pub fn address(&self) -> Address {
        self.from
    }

    /// What the sender last did (shared; for `/health`).
    pub fn health(&self) -> crate::step_loop::SharedStepHealth {
        self.health.clone()
    }

    /// Runs until `shutdown`, retrying failures with backoff; stops only on a bad configuration.
    pub async fn run(&mut self, shutdown: impl Future<Output = ()>) -> Result<(), CommitterError> {
        let backoff = Backoff::new(self.config.initial_backoff, self.config.max_backoff);
        crate::step_loop::run_steps(self, self.config.poll_interval, backoff, shutdown).await
    }

    /// One step: follows the transaction in flight, or sends the next run of proofs.
    pub async fn step(&mut self) -> Result<SendOutcome, CommitterError> {
        let (verified, committed) = self.l1_cursors().await?;
        self.record_verified(verified)?;
        if self.in_flight.is_some() {
            return self.follow_in_flight(verified).await;
        }
        let run = self.proof_run(verified, committed)?;
        if run.is_empty() {
            return Ok(SendOutcome::Idle);
        }
        let verifier_ids = self.verifier_ids().await?;
        let first = verified + 1;
        let mut proofs = self.proof_arrays(&run, &verifier_ids)?;
        let mut input = verify_calldata(first, &proofs);
        let gas = match self.estimate(&input).await? {
            Ok(gas) => gas,
            Err(revert) if proofs.len() > 1 => {
                // Which batch is at fault: try the first alone.
                warn!(
                    chain = "l1",
                    first,
                    count = proofs.len(),
                    "proof sender: verifyBatches would revert with {revert}; trying batch {first} alone"
                );
                proofs.truncate(1);
                input = verify_calldata(first, &proofs);
                match self.estimate(&input).await? {
                    Ok(gas) => gas,
                    Err(revert) => return self.refused(first, revert),
                }
            }
            Err(revert) => return self.refused(first, revert),
        };
        let last = first + proofs.len() as u64 - 1;
        let nonce = self.nonce(BlockNumberOrTag::Latest).await?;
        let fees = self.current_fees().await?;
        let mut in_flight = InFlight {
            first,
            last,
            nonce,
            input,
            gas_limit: gas.saturating_mul(120) / 100,
            fees,
            hashes: Vec::new(),
            sent_at: Instant::now(),
        };
        let tx = self.send(&in_flight).await?;
        info!(chain = "l1", first, last, %tx, "proof sender: sent verifyBatches");
        in_flight.hashes.push(tx);
        self.in_flight = Some(in_flight);
        Ok(SendOutcome::Sent { first, last, tx })
    }

    async fn follow_in_flight(&mut self, verified: u64) -> Result<SendOutcome, CommitterError> {
        let Some(in_flight) = &self.in_flight else { return Ok(SendOutcome::Idle) };
        let (first, last) = (in_flight.first, in_flight.last);
        for hash in in_flight.hashes.clone() {
            let receipt = self.timed(self.provider.get_transaction_receipt(hash)).await?;
            let Some(receipt) = receipt.map_err(|e| self.rpc(e))? else { continue };
            self.in_flight = None;
            if receipt.status() {
                let count = last - first + 1;
                info!(
                    chain = "l1",
                    first,
                    last,
                    gas = receipt.gas_used,
                    gas_per_batch = receipt.gas_used / count,
                    %hash,
                    "proof sender: batches verified"
                );
                self.record_verified(last)?;
                return Ok(SendOutcome::Verified { first, last, tx: hash, gas: receipt.gas_used });
            }
            warn!(chain = "l1", first, last, %hash, "proof sender: verifyBatches reverted on L1; simulating again");
            return Ok(SendOutcome::Resynced);
        }
        if verified >= last {
            self.in_flight = None;
            return Ok(SendOutcome::Resynced);
        }
        let latest = self.nonce(BlockNumberOrTag::Latest).await?;
        let Some(in_flight) = &self.in_flight else { return Ok(SendOutcome::Idle) };
        if latest > in_flight.nonce {
            self.in_flight = None;
            return Ok(SendOutcome::Resynced);
        }
        if in_flight.sent_at.elapsed() < self.config.resubmit_after {
            return Ok(SendOutcome::Waiting { first, last });
        }
        let fees = in_flight.fees.bumped(self.current_fees().await?);
        let Some(mut in_flight) = self.in_flight.take() else { return Ok(SendOutcome::Idle) };
        in_flight.fees = fees;
        let sent = self.send(&in_flight).await;
        if let Ok(tx) = &sent {
            in_flight.hashes.push(*tx);
            in_flight.sent_at = Instant::now();
        }
        self.in_flight = Some(in_flight);
        let tx = sent?;
        info!(chain = "l1", first, last, %tx, "proof sender: replaced a stuck verifyBatches");
        Ok(SendOutcome::Replaced { first, last, tx })
    }

    /// A refused proof is deleted (to be proven again); any other revert is retried later.
    fn refused(&self, batch: u64, revert: ContractRevert) -> Result<SendOutcome, CommitterError> {
        let name = revert.name().unwrap_or("unknown error");
        if PROOF_ERRORS.contains(&name) {
            let mut write = self.db.write()?;
            write.delete_proof(batch)?;
            write.commit()?;
            warn!(
                chain = "l1",
                batch,
                "proof sender: L1 refuses the proof of batch {batch} with {revert}; deleted, it will be proven again"
            );
            return Ok(SendOutcome::ProofRejected { batch, error: revert.to_string() });
        }
        Err(CommitterError::VerifyReverts { batch, revert: revert.to_string() })
    }

    /// Batches `verified + 1 ..` with a stored proof, consecutive, committed, at most the
    /// configured count.
    fn proof_run(
        &self,
        verified: u64,
        committed: u64,
    ) -> Result<Vec<(u64, ProofRecord)>, CommitterError> {
        let view = self.db.read_batches()?;
        let mut run = Vec::new();
        let mut next = verified + 1;
        while next <= committed && run.len() < self.config.max_batches_per_tx {
            let Some(record) = view.proof(next)?.filter(|record| {
                record.kind != KIND_ATTESTATION
                    || record.proof.len() / SIGNATURE_LEN >= self.config.attestation_threshold
            }) else {
                break;
            };
            run.push((next, record));
            next += 1;
        }
        Ok(run)
    }

    /// `proofs[i][j]`: the proof of batch `run[i]` for verifier `verifier_ids[j]`.
    fn proof_arrays(
        &self,
        run: &[(u64, ProofRecord)],
        verifier_ids: &[u8],
    ) -> Result<Vec<Vec<Bytes>>, CommitterError> {
        let mut proofs = Vec::with_capacity(run.len());
        for (batch, record) in run {
            let batch = *batch;
            let mut per_verifier = Vec::with_capacity(verifier_ids.len());
            for &id in verifier_ids {
                match (id, record.kind) {
                    (ATTESTATION_VERIFIER_ID, KIND_ATTESTATION) => {
                        per_verifier.push(record.proof.clone())
                    }
                    _ => {
                        return Err(CommitterError::UnsupportedVerifier {
                            verifier_id: id,
                            kind: record.kind,
                        });
                    }
                }
            }
            if verifier_ids.is_empty() && record.kind != KIND_EXEC {
                warn!(
                    chain = "l1",
                    batch,
                    "proof sender: the deployment has no verifier; the batch's proof is not needed"
                );
            }
            proofs.push(per_verifier);
        }
        Ok(proofs)
    }

    /// The gas `verifyBatches` needs, or the contract error it reverts with.
    async fn estimate(&self, input: &Bytes) -> Result<Result<u64, ContractRevert>, CommitterError> {
        let request = TransactionRequest::default()
            .from(self.from)
            .to(self.config.proposer)
            .input(input.clone().into());
        match self.timed(self.provider.estimate_gas(request)).await? {
            Ok(gas) => Ok(Ok(gas)),
            Err(err) => match revert_of(&err) {
                Some(revert) => Ok(Err(revert)),
                None => Err(self.rpc(err)),
            },
        }
    }

    async fn send(&self, in_flight: &InFlight) -> Result<B256, CommitterError> {
        let (hash, raw) = CommitTx {
            l1_chain_id: self.config.l1_chain_id,
            nonce: in_flight.nonce,
            gas_limit: in_flight.gas_limit,
            fees: in_flight.fees,
            to: self.config.proposer,
            input: in_flight.input.clone(),
            sidecar: None,
        }
        .sign(&self.config.key)?;
        let sent = self
            .timed(self.provider.raw_request::<_, B256>("eth_sendRawTransaction".into(), (raw,)))
            .await?;
        match sent {
            Ok(_) => Ok(hash),
            Err(err) if err.to_string().to_lowercase().contains("already known") => Ok(hash),
            Err(err) => {
                Err(CommitterError::Refused { batch: in_flight.first, reason: err.to_string() })
            }
        }
    }

    /// L1's `lastVerifiedBatch` and `lastCommittedBatch`.
    async fn l1_cursors(&self) -> Result<(u64, u64), CommitterError> {
        let proposer = OnChainProposer::new(self.config.proposer, &self.provider);
        let verified =
            self.timed(proposer.lastVerifiedBatch().call()).await?.map_err(|e| self.rpc(e))?;
        let committed =
            self.timed(proposer.lastCommittedBatch().call()).await?.map_err(|e| self.rpc(e))?;
        let number =
            |value: U256| u64::try_from(value).map_err(|_| self.rpc("a batch number beyond u64"));
        Ok((number(verified)?, number(committed)?))
    }

    async fn verifier_ids(&self) -> Result<Vec<u8>, CommitterError> {
        let proposer = OnChainProposer::new(self.config.proposer, &self.provider);
        self.timed(proposer.verifierIds().call()).await?.map_err(|e| self.rpc(e))
    }

    /// Records L1's verified cursor in the node's batch records (never backwards here: the
    /// committer follows reverts).
    fn record_verified(&self, verified: u64) -> Result<(), CommitterError> {
        let numbers = self.db.read_batches()?.numbers()?;
        if verified > numbers.verified && verified <= numbers.committed {
            let mut write = self.db.write()?;
            write.set_last_verified_batch(verified)?;
            write.commit()?;
        }
        Ok(())
    }

    async fn nonce(&self, tag: BlockNumberOrTag) -> Result<u64, CommitterError> {
        let call = self.provider.get_transaction_count(self.from).block_id(tag.into());
        self.timed(call).await?.map_err(|e| self.rpc(e))
    }

    async fn current_fees(&self) -> Result<CommitFees, CommitterError> {
        let prices = self.timed(fees::current_prices(&self.provider, false)).await?;
        Ok(CommitFees::from_prices(prices.map_err(|e| self.rpc(e))?, false))
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

impl crate::step_loop::Stepper for ProofSender {
    type Outcome = SendOutcome;
    const NAME: &'static str = "proof sender";

    fn health(&self) -> crate::step_loop::SharedStepHealth {
        self.health.clone()
    }

    fn step(&mut self) -> impl Future<Output = Result<SendOutcome, CommitterError>> {
        ProofSender::step(self)
    }

    fn again_now(outcome: &SendOutcome) -> bool {
        matches!(
            outcome,
            SendOutcome::Verified { .. }
                | SendOutcome::Resynced
                | SendOutcome::ProofRejected { .. }
        )
    }
}

/// ABI-encoded `verifyBatches(first, proofs)`.
pub fn verify_calldata(first: u64, proofs: &[Vec<Bytes>]) -> Bytes {
    OnChainProposer::verifyBatchesCall { firstBatch: U256::from(first), proofs: proofs.to_vec() }
        .abi_encode()
        .into()
}

/// The contract error an `eth_estimateGas` failed with, if it reverted.
fn revert_of(err: &RpcError<TransportErrorKind>) -> Option<ContractRevert> {
    let data = err.as_error_resp().and_then(|resp| resp.as_revert_data())?;
    Some(ContractRevert::decode(&data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolError;
    use basalt_contracts::bindings::{
        AttestationVerifier::UnknownSigner, OnChainProposer::BatchNotCommitted,
    };

    fn sender_with_proof(batch: u64) -> ProofSender {
        let db = Arc::new(Database::in_memory().unwrap());
        let mut write = db.write().unwrap();
        let record = ProofRecord {
            kind: KIND_ATTESTATION,
            proof: Bytes::from(vec![1; 65]),
            public_inputs: Bytes::from(vec![2; 256]),
            provers: vec!["a".into()],
            received_at: 1,
        };
        write.put_proof(batch, &record).unwrap();
        write.commit().unwrap();
        let config =
            ProofSenderConfig::new("http://127.0.0.1:1", Address::ZERO, B256::repeat_byte(9), 1);
        ProofSender::new(config, db, Some(B256::repeat_byte(8))).unwrap()
    }

    #[test]
    fn a_proof_l1_refuses_is_deleted_and_other_reverts_keep_it() {
        let sender = sender_with_proof(3);
        let paused =
            ContractRevert::decode(&BatchNotCommitted { batchNumber: U256::from(3) }.abi_encode());
        assert!(matches!(
            sender.refused(3, paused),
            Err(CommitterError::VerifyReverts { batch: 3, .. })
        ));
        assert!(sender.db.proof(3).unwrap().is_some(), "kept: the proof is not at fault");
        let unknown = ContractRevert::decode(
            &UnknownSigner { recovered: Address::repeat_byte(5) }.abi_encode(),
        );
        let outcome = sender.refused(3, unknown).unwrap();
        assert!(
            matches!(&outcome, SendOutcome::ProofRejected { batch: 3, error } if error.contains("UnknownSigner")),
            "{outcome:?}"
        );
        assert!(sender.db.proof(3).unwrap().is_none(), "deleted, to be proven again");
    }

    #[test]
    fn proofs_are_laid_out_per_batch_and_verifier_and_the_committer_key_is_refused() {
        let sender = sender_with_proof(1);
        let run = sender.proof_run(0, 5).unwrap();
        let proofs = sender.proof_arrays(&run, &[ATTESTATION_VERIFIER_ID]).unwrap();
        assert_eq!(proofs, vec![vec![Bytes::from(vec![1; 65])]]);
        assert_eq!(sender.proof_arrays(&run, &[]).unwrap(), vec![Vec::<Bytes>::new()]);
        assert!(matches!(
            sender.proof_arrays(&run, &[2]),
            Err(CommitterError::UnsupportedVerifier { verifier_id: 2, kind: KIND_ATTESTATION })
        ));
        let call =
            OnChainProposer::verifyBatchesCall::abi_decode(&verify_calldata(7, &proofs)).unwrap();
        assert_eq!(call.firstBatch, U256::from(7));
        assert_eq!(call.proofs, proofs);
        let batches =
            |run: Vec<(u64, ProofRecord)>| run.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(batches(sender.proof_run(0, 5).unwrap()), vec![1]);
        assert!(sender.proof_run(0, 0).unwrap().is_empty(), "an uncommitted batch waits");
        assert!(sender.proof_run(1, 5).unwrap().is_empty());

        let db = Arc::new(Database::in_memory().unwrap());
        let key = B256::repeat_byte(9);
        let config = ProofSenderConfig::new("http://127.0.0.1:1", Address::ZERO, key, 1);
        assert!(matches!(ProofSender::new(config, db, Some(key)), Err(CommitterError::SameKey)));
    }
}
