//! The loop the committer and the proof sender both run: a step, then a pause (none when the
//! step asks to go on at once, the poll interval when idle, backoff after a failure), until
//! shutdown or a critical error. Failures are logged once per change of message.

use crate::CommitterError;
use basalt_watcher::Backoff;
use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tracing::{error, info, warn};

/// What a component driven by [`run_steps`] last did, for `/health`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepHealth {
    /// When a step last succeeded, Unix seconds.
    pub last_success: Option<u64>,
    /// The last step's error; None once a step succeeds again.
    pub last_error: Option<String>,
    /// Set when the component stopped for good (a critical error).
    pub stopped: Option<String>,
}

/// A [`StepHealth`] shared between a component and whoever reports on it.
pub type SharedStepHealth = Arc<Mutex<StepHealth>>;

fn record(health: &SharedStepHealth, update: impl FnOnce(&mut StepHealth)) {
    update(&mut health.lock().unwrap_or_else(|p| p.into_inner()));
}

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
    /// Where the loop records what each step did.
    fn health(&self) -> SharedStepHealth;
}

/// Runs `stepper` until `shutdown` (then `Ok`) or a critical error (then that error, logged).
pub(crate) async fn run_steps<S: Stepper>(
    stepper: &mut S,
    poll_interval: Duration,
    mut backoff: Backoff,
    shutdown: impl Future<Output = ()>,
) -> Result<(), CommitterError> {
    let mut last_error: Option<String> = None;
    let health = stepper.health();
    tokio::pin!(shutdown);
    loop {
        let result = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            result = stepper.step() => result,
        };
        let delay = match result {
            Ok(outcome) => {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                record(&health, |h| {
                    h.last_success = Some(now);
                    h.last_error = None;
                });
                if last_error.take().is_some() {
                    info!(chain = "l1", "{}: working again", S::NAME);
                }
                backoff.reset();
                if S::again_now(&outcome) { Duration::ZERO } else { poll_interval }
            }
            Err(err) if err.is_critical() => {
                record(&health, |h| h.stopped = Some(err.to_string()));
                error!(chain = "l1", "{}: {err}", S::NAME);
                return Err(err);
            }
            Err(err) => {
                let message = err.to_string();
                record(&health, |h| h.last_error = Some(message.clone()));
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
