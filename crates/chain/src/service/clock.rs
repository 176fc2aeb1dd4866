//! Where the chain service's next block timestamp comes from. The service asks a
//! [`BlockClock`]: the wall clock by default ([`WallClock`]); the dev L1's anvil layer gives it
//! one that `evm_increaseTime` and `evm_setNextBlockTimestamp` move
//! ([`crate::anvil::AdjustableClock`]).

use std::time::{SystemTime, UNIX_EPOCH};

/// The timestamp (Unix seconds) of the next block on a head. Both answers are strictly after
/// the head's timestamp unless a timestamp set for one block says otherwise; the service refuses
/// to mine such a block (`ServiceError::TimestampNotAfterHead`).
pub trait BlockClock: Send + Sync {
    /// The next block's timestamp on a head at `head_timestamp`, leaving any one-block
    /// setting in place (pending block, admission rules).
    fn peek(&self, head_timestamp: u64) -> u64;

    /// The same, for a block being mined now: one-block settings are used up.
    fn take(&self, head_timestamp: u64) -> u64;
}

/// The wall clock, one second past the head when the head is ahead of it (block timestamps
/// are whole seconds and strictly increasing).
#[derive(Clone, Copy, Debug, Default)]
pub struct WallClock;

impl BlockClock for WallClock {
    fn peek(&self, head_timestamp: u64) -> u64 {
        clock_timestamp(0, head_timestamp)
    }

    fn take(&self, head_timestamp: u64) -> u64 {
        self.peek(head_timestamp)
    }
}

/// The wall clock plus `offset` seconds, clamped to `u64`, strictly after the head.
pub(crate) fn clock_timestamp(offset: i128, head_timestamp: u64) -> u64 {
    let now = i128::from(unix_now()).saturating_add(offset).clamp(0, i128::from(u64::MAX));
    (now as u64).max(head_timestamp.saturating_add(1))
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_clock_is_always_after_the_head() {
        let now = unix_now();
        assert!(WallClock.peek(0) >= now);
        assert_eq!(WallClock.peek(now + 100), now + 101);
        assert_eq!(WallClock.take(u64::MAX), u64::MAX);
        assert_eq!(clock_timestamp(i128::MIN, 5), 6);
    }
}
