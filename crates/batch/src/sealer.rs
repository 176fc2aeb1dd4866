//! The batch sealer: a thread that turns the L2's new blocks into sealed batches, one write
//! transaction each. A batch is sealed when `--commit-interval` has passed since the last one,
//! or sooner when the blocks waiting would overflow the batch's blobs; a run of only empty
//! blocks waits for a block with a transaction (docs/da.md, "Batches").

use crate::{
    BatchError,
    seal::{BatchConfig, build_batch_with_data, fitting_batch, has_transactions, surely_fits},
};
use basalt_storage::{Database, SealedBatch};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// Longest pause between two looks at the chain: how soon an overflowing backlog is sealed
/// when the commit interval is long.
const MAX_TICK: Duration = Duration::from_secs(1);

/// The blocks after the last sealed batch: the next batch's number, its first block and the
/// head they run to.
#[derive(Clone, Copy)]
struct WaitingBlocks {
    number: u64,
    first: u64,
    head: u64,
}

/// Seals the batches of one chain's database.
pub struct BatchSealer {
    db: Arc<Database>,
    config: BatchConfig,
    commit_interval: Duration,
    /// When the last batch was sealed (or the sealer started).
    last_sealed: Mutex<Instant>,
    /// The chain's name in log lines (`l2`).
    chain: &'static str,
}

impl BatchSealer {
    /// A sealer over `db` sealing every `commit_interval` (counted from now).
    pub fn new(
        db: Arc<Database>,
        config: BatchConfig,
        commit_interval: Duration,
        chain: &'static str,
    ) -> Arc<Self> {
        Arc::new(Self {
            db,
            config,
            commit_interval,
            last_sealed: Mutex::new(Instant::now()),
            chain,
        })
    }

    /// Seals what is due as of `now`: everything after the last batch when the commit interval
    /// has passed (split into as many batches as the blobs need), else only the batches whose
    /// data would overflow the blobs, and nothing while the waiting blocks are all empty.
    /// Returns the batches sealed, in order. Each is one write transaction; an error leaves the
    /// ones before it sealed and nothing of it.
    pub fn seal_due(&self, now: Instant) -> Result<Vec<SealedBatch>, BatchError> {
        let mut sealed = Vec::new();
        // Cheap look first, on this thread: most ticks find nothing new to seal.
        while let Some(waiting) = self.waiting()? {
            // The costly part (the fit checks compress, the batch needs KZG commitments)
            // computes at compute priority; only the write stays on this thread, which must
            // not be idle-class while it holds the write lock.
            let next = on_compute_thread("seal-compute", || self.due_batch(now, waiting))
                .map_err(BatchError::Thread)??;
            let Some(batch) = next else { break };
            let mut write = self.db.write()?;
            write.seal_batch(&batch)?;
            write.commit()?;
            *self.lock() = now;
            tracing::info!(
                chain = self.chain,
                batch = batch.number,
                blocks = %format_args!("{}..={}", batch.first_block, batch.last_block),
                txs = batch.non_privileged_txs + batch.privileged_txs,
                payload_bytes = batch.payload_len,
                data_bytes = batch.data.len(),
                blobs = batch.versioned_hashes.len(),
                "sealed batch"
            );
            let reached_head = batch.last_block == waiting.head;
            sealed.push(batch);
            if reached_head {
                break;
            }
        }
        Ok(sealed)
    }

    /// The blocks after the last sealed batch, when at least one of them has a transaction;
    /// None otherwise (nothing to seal, whatever the time). Reads block bodies only.
    fn waiting(&self) -> Result<Option<WaitingBlocks>, BatchError> {
        let view = self.db.read()?;
        let last = self.db.read_batches()?.last_sealed()?;
        let (number, first) = last.map_or((1, 1), |b| (b.number + 1, b.last_block + 1));
        let head = view.head_header()?.map_or(0, |h| h.number);
        if first > head || !has_transactions(&view, first, head)? {
            return Ok(None);
        }
        Ok(Some(WaitingBlocks { number, first, head }))
    }

    /// The batch due as of `now` from the `waiting` blocks; None when none is due yet.
    fn due_batch(
        &self,
        now: Instant,
        waiting: WaitingBlocks,
    ) -> Result<Option<SealedBatch>, BatchError> {
        let WaitingBlocks { number, first, head } = waiting;
        // This view sees at least `head`: blocks are only ever added.
        let view = self.db.read()?;
        let due = now.duration_since(*self.lock()) >= self.commit_interval;
        // Not due and surely not overflowing: no need for the costly search yet.
        if !due && surely_fits(&view, &self.config, first, head)? {
            return Ok(None);
        }
        let fit = fitting_batch(&view, &self.config, first, head)?;
        if fit.last_block == head && !due {
            return Ok(None);
        }
        let batch = build_batch_with_data(
            &view,
            &self.config,
            number,
            first,
            fit.last_block,
            unix_now(),
            fit.data,
        )?;
        Ok(Some(batch))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Instant> {
        self.last_sealed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts the sealer's thread (`{chain}-sealer`): it looks every commit interval (every
    /// second at most) and seals what is due. An error is logged and tried again at the next
    /// look; the thread never stops.
    pub fn spawn(self: &Arc<Self>) -> std::io::Result<std::thread::JoinHandle<()>> {
        let sealer = self.clone();
        let tick = self.commit_interval.min(MAX_TICK);
        // Blobs are 128 KiB arrays that unoptimized builds keep on the stack.
        let builder = std::thread::Builder::new().stack_size(16 << 20);
        builder.name(format!("{}-sealer", self.chain)).spawn(move || {
            // Load the KZG trusted setup (once per process) before lowering the priority: at
            // nice 10 on a saturated machine the load could hold back the first batch for long.
            let _ = alloy_eips::eip4844::env_settings::EnvKzgSettings::Default.get();
            background_priority();
            loop {
                std::thread::sleep(tick);
                if let Err(error) = sealer.seal_due(Instant::now()) {
                    tracing::error!(chain = sealer.chain, %error, "cannot seal a batch");
                }
            }
        })
    }
}

/// Nice value of the threads doing batch work (sealing, blob proofs, proving).
const BACKGROUND_NICE: i32 = 10;

/// Set by [`idle_background_work`]: [`compute_priority`] threads go to `SCHED_IDLE`.
static IDLE_COMPUTE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes every later [`compute_priority`] call put its thread in Linux's `SCHED_IDLE` class: it
/// runs only on a core nothing else wants. `basalt dev` does this, so that a burst of
/// transactions keeps both cores of a laptop while blob proofs and proving wait for it to pass;
/// `basalt sequencer` keeps nice 10, so that batches are proven, if slowly, under a load that
/// never ends (docs/l2-node.md, "Background work").
pub fn idle_background_work() {
    IDLE_COMPUTE.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Lowers the calling thread's scheduling priority to [`BACKGROUND_NICE`]: sealing, blob proofs
/// and proving are background work that must not take the cores from admitting and executing
/// transactions; under load they lag and catch up when the load passes. Threads the caller
/// then starts inherit it. Best effort: a failure leaves the priority as it was. On Linux a
/// thread has its own nice value.
pub fn background_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; who = 0 is the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE);
    }
}

/// [`background_priority`], then `SCHED_IDLE` after [`idle_background_work`]: for threads
/// that only compute (blob proofs, witnesses, the guest) and hold no lock block production
/// waits for. A thread that writes the database (the sealer) must not be idle-class: starved
/// while holding the write lock, it would stop the chain for as long as the load lasts.
pub fn compute_priority() {
    background_priority();
    #[cfg(target_os = "linux")]
    if IDLE_COMPUTE.load(std::sync::atomic::Ordering::Relaxed) {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: sched_setscheduler reads `param`, which lives across the call; pid 0 is the
        // calling thread.
        unsafe {
            libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
        }
    }
}

/// Runs `work` on a thread of its own (`name`, 16 MiB of stack for the 128 KiB blobs unoptimized
/// builds keep there) at [`compute_priority`] and waits for it. Errors: the thread cannot start,
/// or `work` panicked.
pub fn on_compute_thread<T: Send>(
    name: &str,
    work: impl FnOnce() -> T + Send,
) -> Result<T, String> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name(name.into())
            .stack_size(16 << 20)
            .spawn_scoped(scope, || {
                compute_priority();
                work()
            })
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        worker.join().map_err(|_| format!("{name} panicked"))
    })
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
