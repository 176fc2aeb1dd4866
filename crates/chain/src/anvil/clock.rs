//! The dev L1's clock: the wall clock moved by `evm_increaseTime`, with a timestamp for the
//! next block alone (`evm_setNextBlockTimestamp`). The chain service reads it as its
//! [`BlockClock`]; snapshots record its settings and a revert puts them back.

use super::lock;
use crate::service::{BlockClock, clock_timestamp};
use std::sync::Mutex;

/// The clock's settings.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ClockSettings {
    /// Seconds added to the wall clock by `evm_increaseTime`.
    time_offset: i128,
    /// Timestamp of the next block (`evm_setNextBlockTimestamp`), used once.
    next_timestamp: Option<u64>,
    /// Earliest timestamp of the next block: `evm_increaseTime` moves it at least that far
    /// past the head even when the head is ahead of the wall clock. Used once.
    floor: Option<u64>,
}

impl ClockSettings {
    fn next(&self, head_timestamp: u64) -> u64 {
        self.next_timestamp.unwrap_or_else(|| {
            clock_timestamp(self.time_offset, head_timestamp).max(self.floor.unwrap_or(0))
        })
    }
}

/// A clock the anvil controls move. Kept apart from the write lock so that admitting a
/// transaction (which needs the next block's timestamp) never waits for a block being built.
#[derive(Debug, Default)]
pub struct AdjustableClock {
    settings: Mutex<ClockSettings>,
}

impl BlockClock for AdjustableClock {
    fn peek(&self, head_timestamp: u64) -> u64 {
        lock(&self.settings).next(head_timestamp)
    }

    fn take(&self, head_timestamp: u64) -> u64 {
        let mut settings = lock(&self.settings);
        let next = settings.next(head_timestamp);
        settings.next_timestamp = None;
        settings.floor = None;
        next
    }
}

impl AdjustableClock {
    /// Moves the clock forward by `seconds`, and the next block at least that far past the
    /// head (at `head_timestamp`); returns the total offset in seconds.
    pub fn increase(&self, seconds: u64, head_timestamp: u64) -> i128 {
        let mut settings = lock(&self.settings);
        settings.time_offset = settings.time_offset.saturating_add(i128::from(seconds));
        let floor = settings.floor.unwrap_or(head_timestamp).max(head_timestamp);
        settings.floor = Some(floor.saturating_add(seconds));
        settings.time_offset
    }

    /// Gives the next block `timestamp` (the caller checked it is after the head).
    pub fn set_next_block_timestamp(&self, timestamp: u64) {
        lock(&self.settings).next_timestamp = Some(timestamp);
    }

    pub(super) fn settings(&self) -> ClockSettings {
        *lock(&self.settings)
    }

    pub(super) fn restore(&self, settings: ClockSettings) {
        *lock(&self.settings) = settings;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_timestamp_and_the_floor_serve_one_block() {
        let clock = AdjustableClock::default();
        let head = 4_000_000_000; // ahead of the wall clock
        assert_eq!(clock.increase(100, head), 100);
        assert_eq!(clock.peek(head), head + 100);
        assert_eq!(clock.take(head), head + 100);
        assert_eq!(clock.peek(head + 100), head + 101);
        clock.set_next_block_timestamp(head + 500);
        assert_eq!(clock.peek(head), head + 500);
        assert_eq!(clock.take(head), head + 500);
        assert_eq!(clock.take(head + 500), head + 501);
    }
}
