//! The loop the committer and the proof sender both run: a step, then a pause (none when the
//! step asks to go on at once, the poll interval when idle, backoff after a failure), until
//! shutdown or a critical error. Failures are logged once per change of message.

use crate::CommitterError;
use basalt_watcher::Backoff;
use std::{future::Future, time::Duration};
use tracing::{error, info, warn};

/// A component driven by [`run_steps`].
pub(crate) trait Stepper {
    /// What a step did.
    type Outcome;
    /// The name used in log lines ("committer", "proof sender").
    const NAME: &'static str;
    /// One step.
    fn step(&mut self) -> impl Future<Output = Result<Self::Outcome, CommitterError>>;
    /// Whether the next step should follow at once.
    fn again_now(outcome: &Self::Outcome) -> bool;
    /// Work after each step, whatever its result.
    fn after_step(&mut self) {}
}

/// Runs `stepper` until `shutdown` (then `Ok`) or a critical error (then that error, logged).
pub(crate) async fn run_steps<S: Stepper>(
    stepper: &mut S,
    poll_interval: Duration,
    mut backoff: Backoff,
    shutdown: impl Future<Output = ()>,
) -> Result<(), CommitterError> {
    let mut last_error: Option<String> = None;
    tokio::pin!(shutdown);
    loop {
        let result = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            result = stepper.step() => result,
        };
        let delay = match result {
            Ok(outcome) => {
                if last_error.take().is_some() {
                    info!(chain = "l1", "{}: working again", S::NAME);
                }
                backoff.reset();
                if S::again_now(&outcome) { Duration::ZERO } else { poll_interval }
            }
            Err(err) if err.is_critical() => {
                error!(chain = "l1", "{}: {err}", S::NAME);
                return Err(err);
            }
            Err(err) => {
                let message = err.to_string();
                if last_error.as_ref() != Some(&message) {
                    warn!(chain = "l1", "{}: {message}; retrying with backoff", S::NAME);
                }
                last_error = Some(message);
                backoff.delay()
            }
        };
        stepper.after_step();
        tokio::select! {
            _ = &mut shutdown => return Ok(()),
            _ = tokio::time::sleep(delay) => {}
        }
    }
}
