//! The watcher's health as a `/health` endpoint would show it, and the retry delay after
//! failures.

use alloy_primitives::B256;
use std::time::{Duration, SystemTime};

/// What the watcher last did. Published on a `tokio::sync::watch` channel
/// ([`crate::L1Watcher::health`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatcherHealth {
    /// When a poll last completed (wall clock).
    pub last_success: Option<SystemTime>,
    /// The last poll's error; None once a poll succeeds again.
    pub last_error: Option<String>,
    /// Set when intake stopped for good (a critical error); the message says why.
    pub stopped: Option<String>,
    /// The L1 head seen by the last successful poll.
    pub l1_head: Option<u64>,
    /// The cursor after the last successful poll: L1 block number and hash.
    pub cursor: Option<(u64, B256)>,
    /// The queue's next transaction id after the last successful poll.
    pub next_id: u64,
    /// Consecutive failed polls.
    pub failures: u32,
}

/// Exponential backoff between retries: `initial`, doubled per failure, at most `max`.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// A backoff starting at `initial` and capped at `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max, next: initial }
    }

    /// The delay before the next retry; doubles the one after it.
    pub fn delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        delay
    }

    /// Back to `initial` after a success.
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(10));
        let delays: Vec<u64> = (0..8).map(|_| backoff.delay().as_millis() as u64).collect();
        assert_eq!(delays, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        backoff.reset();
        assert_eq!(backoff.delay(), Duration::from_millis(250));
    }
}
