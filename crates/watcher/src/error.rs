//! What can go wrong while watching L1, classified by what the watcher does about it: retry
//! with backoff, or stop deposit intake (kona's temporary / critical split).

use alloy_primitives::B256;
use basalt_storage::StorageError;

/// A failed poll. [`WatcherError::is_critical`] says whether deposit intake must stop.
#[derive(Debug, thiserror::Error)]
pub enum WatcherError {
    /// The L1 RPC URL does not parse (configuration; returned by [`crate::L1Watcher::new`]).
    #[error("L1 RPC URL {url:?} is not a URL: {reason}")]
    BadUrl { url: String, reason: String },
    /// A storage write task did not finish (retried).
    #[error("storage task failed: {0}")]
    Task(String),
    /// Intake stopped earlier with a critical error; nothing is read or queued any more.
    #[error("deposit intake is stopped: {0}")]
    Stopped(String),
    /// The L1 endpoint did not answer, or answered with an error (retried).
    #[error("L1 endpoint {url}: {reason}")]
    Rpc { url: String, reason: String },
    /// The L1 endpoint did not answer within the poll timeout (retried).
    #[error("L1 endpoint {url} did not answer within {secs} s")]
    Timeout { url: String, secs: u64 },
    /// The L1 head is below the cursor: a lagging endpoint, or a chain that lost blocks (retried;
    /// a different block at the cursor's height is [`WatcherError::DeepReorg`]).
    #[error(
        "the L1 head {head} is below the cursor block {cursor}: the endpoint is behind or serves another chain"
    )]
    HeadBelowCursor { head: u64, cursor: u64 },
    /// The chain changed between two reads of one range (retried from the cursor).
    #[error("L1 block {number} changed while its range was read; reading it again")]
    RangeMoved { number: u64 },
    /// The events of a range do not continue the queue (retried: an endpoint that dropped logs).
    #[error(
        "L1 blocks {from}..={to} hold privileged transaction {found} where {expected} comes next"
    )]
    IdOutOfOrder { from: u64, to: u64, expected: u64, found: u64 },
    /// The node's own storage failed (retried). The storage error is in the message, not
    /// also the source, so a chain of causes says it once.
    #[error("storage: {0}")]
    Storage(StorageError),
    /// The cursor's block is no longer canonical on L1: a reorg deeper than the confirmation
    /// depth. Critical: intake stops instead of guessing which deposits survived.
    #[error(
        "CRITICAL: L1 reorg below the confirmation depth: the queue holds deposits up to L1 block {number} {stored}, but L1's block {number} is now {canonical}; deposit intake stopped (raise --l1-confirmations, then rebuild the L2 from a datadir older than the reorg)"
    )]
    DeepReorg { number: u64, stored: B256, canonical: B256 },
    /// A bridge event that does not decode or does not fit the transaction's fields. Critical.
    #[error(
        "CRITICAL: bridge event in L1 block {block} (log {log_index}) is malformed: {reason}; deposit intake stopped (is the bridge address right?)"
    )]
    BadEvent { block: u64, log_index: u64, reason: String },
    /// A bridge event read again after a reorg carries a known id with other fields than the
    /// queued transaction. Critical.
    #[error(
        "CRITICAL: after an L1 reorg, privileged transaction {id} on L1 differs from the queued one; deposit intake stopped"
    )]
    QueuedTxChanged { id: u64 },
    /// The rebuilt transaction's L1 hash differs from the one the bridge queued. Critical.
    #[error(
        "CRITICAL: privileged transaction {id} rebuilt from its event hashes to {rebuilt}, but the bridge queued {queued}; deposit intake stopped (wrong L2 chain id or bridge?)"
    )]
    L1HashMismatch { id: u64, rebuilt: B256, queued: B256 },
}

impl From<StorageError> for WatcherError {
    fn from(err: StorageError) -> Self {
        Self::Storage(err)
    }
}

impl WatcherError {
    /// Whether deposit intake must stop: retrying would queue from a chain or contract the
    /// watcher cannot trust.
    pub fn is_critical(&self) -> bool {
        matches!(
            self,
            Self::DeepReorg { .. }
                | Self::BadEvent { .. }
                | Self::L1HashMismatch { .. }
                | Self::QueuedTxChanged { .. }
                | Self::Stopped(_)
                | Self::BadUrl { .. }
        )
    }
}

/// `error`'s message followed by those of its causes (`error: cause: cause`), each said once:
/// a cause whose message the text already holds (a wrapper that prints its source) is left
/// out. For a refused connection this ends in the OS's "Connection refused", which reqwest's
/// own "error sending request" leaves to its sources.
pub(crate) fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !message.is_empty() && !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}
