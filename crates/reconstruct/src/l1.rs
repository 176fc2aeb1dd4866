//! What a follower reads from L1: the proposer's `BatchCommitted` logs (in ranges of at most
//! [`LOG_RANGE`] blocks), and for each commit its transaction's blob versioned hashes and its
//! blobs (`anvil_getBlobsByTransactionHash`, which anvil, `basalt l1` and `basalt dev` serve).

use crate::BatchCommitment;
use alloy::{
    consensus::Transaction as _,
    eips::BlockNumberOrTag,
    network::Ethereum,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    sol_types::SolEvent,
    transports::http::reqwest::Url,
};
use alloy_primitives::{Address, B256, Bytes};
use basalt_contracts::{bindings::OnChainProposer::BatchCommitted, formats::blobs_hash};
use std::{collections::BTreeMap, time::Duration};

/// Most L1 blocks per `eth_getLogs` (many public endpoints refuse more).
pub const LOG_RANGE: u64 = 1_000;

/// Why L1 could not be read, or holds something a follower cannot use.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    #[error("--l1-rpc-url {url} is not a URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("L1 {url}: {reason}")]
    Rpc { url: String, reason: String },
    #[error("L1 {url} did not answer within {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("the commit of batch {number} ({tx}) is not on L1")]
    MissingCommit { number: u64, tx: B256 },
    #[error(
        "the L1 does not serve the blobs of the commit of batch {number} ({tx}): it must answer \
         anvil_getBlobsByTransactionHash (anvil, basalt l1, basalt dev)"
    )]
    MissingBlobs { number: u64, tx: B256 },
    #[error("batch {number}: the commit transaction's blobs are not the ones the event names")]
    BlobsHash { number: u64 },
}

/// A batch commit found on L1: the event's values and where it is.
#[derive(Clone, Debug)]
pub struct CommitLog {
    pub event: BatchCommitted,
    pub tx: B256,
    pub l1_block: u64,
}

/// A read-only L1 client.
pub struct L1Reader {
    url: String,
    provider: DynProvider<Ethereum>,
    timeout: Duration,
}

impl L1Reader {
    /// A reader of the L1 at `url` (HTTP); each call may take `timeout`. Nothing is contacted yet.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, L1Error> {
        let parsed = url
            .parse::<Url>()
            .map_err(|e| L1Error::BadUrl { url: url.to_string(), reason: e.to_string() })?;
        let provider =
            ProviderBuilder::new().disable_recommended_fillers().connect_http(parsed).erased();
        Ok(Self { url: url.to_string(), provider, timeout })
    }

    async fn call<T, E: std::error::Error + 'static>(
        &self,
        request: impl std::future::IntoFuture<Output = Result<T, E>>,
    ) -> Result<T, L1Error> {
        match tokio::time::timeout(self.timeout, request.into_future()).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(L1Error::Rpc { url: self.url.clone(), reason: err.to_string() }),
            Err(_) => Err(L1Error::Timeout { url: self.url.clone(), secs: self.timeout.as_secs() }),
        }
    }

    pub async fn chain_id(&self) -> Result<u64, L1Error> {
        self.call(self.provider.get_chain_id()).await
    }

    pub async fn head(&self) -> Result<u64, L1Error> {
        self.call(self.provider.get_block_number()).await
    }

    /// The latest commit of each batch numbered `first` or above, from the `BatchCommitted`
    /// logs of `proposer` in L1 blocks `from..=to`, by batch number (a batch reverted and
    /// committed again keeps its last commit).
    pub async fn commits(
        &self,
        proposer: Address,
        first: u64,
        from: u64,
        to: u64,
    ) -> Result<BTreeMap<u64, CommitLog>, L1Error> {
        let mut commits = BTreeMap::new();
        let mut start = from;
        while start <= to {
            let end = start.saturating_add(LOG_RANGE - 1).min(to);
            let filter = Filter::new()
                .address(proposer)
                .event_signature(BatchCommitted::SIGNATURE_HASH)
                .from_block(start)
                .to_block(end);
            for log in self.call(self.provider.get_logs(&filter)).await? {
                let (Some(tx), Some(l1_block)) = (log.transaction_hash, log.block_number) else {
                    continue;
                };
                let Ok(decoded) = BatchCommitted::decode_log(&log.inner) else { continue };
                let Ok(number) = u64::try_from(decoded.batchNumber) else { continue };
                if number >= first {
                    commits.insert(number, CommitLog { event: decoded.data, tx, l1_block });
                }
            }
            if end == u64::MAX {
                break;
            }
            start = end + 1;
        }
        Ok(commits)
    }

    /// The commitment of batch `number` committed by `commit`, with the commit transaction's
    /// blobs, checked against the event's blobs hash and count.
    pub async fn batch(
        &self,
        number: u64,
        commit: &CommitLog,
    ) -> Result<(BatchCommitment, Vec<Vec<u8>>), L1Error> {
        let tx = self
            .call(self.provider.get_transaction_by_hash(commit.tx))
            .await?
            .ok_or(L1Error::MissingCommit { number, tx: commit.tx })?;
        let versioned_hashes: Vec<B256> =
            tx.blob_versioned_hashes().map(<[B256]>::to_vec).unwrap_or_default();
        let event = &commit.event;
        if blobs_hash(&versioned_hashes).ok() != Some(event.blobsHash)
            || versioned_hashes.len() != usize::from(event.blobCount)
        {
            return Err(L1Error::BlobsHash { number });
        }
        let blobs: Option<Vec<Bytes>> = self
            .call(self.provider.raw_request::<_, Option<Vec<Bytes>>>(
                "anvil_getBlobsByTransactionHash".into(),
                (commit.tx,),
            ))
            .await?;
        let blobs = blobs.ok_or(L1Error::MissingBlobs { number, tx: commit.tx })?;
        let l1_timestamp = self
            .call(self.provider.get_block_by_number(BlockNumberOrTag::Number(commit.l1_block)))
            .await?
            .map_or(0, |block| block.header.timestamp);
        let commitment = BatchCommitment {
            number,
            state_root: event.newStateRoot,
            l1_messages_root: event.l1MessagesRoot,
            privileged_rolling_hash: event.privilegedRollingHash,
            last_block_hash: event.lastBlockHash,
            non_privileged_txs: event.nonPrivilegedTxCount,
            versioned_hashes,
            commit_tx: Some(commit.tx),
            l1_timestamp,
        };
        Ok((commitment, blobs.into_iter().map(|b| b.to_vec()).collect()))
    }
}
