//! Two computations at once on a second core, or one after the other where there is none, for
//! code that must also run single-threaded unchanged (the guest in a zkVM).

use std::sync::OnceLock;

/// Runs `beside` on a second thread while `here` runs on the calling thread, when the machine
/// has two cores; one after the other on the calling thread otherwise (one core, or a target
/// without threads, such as a zkVM). Returns both results. A panic in `beside` is resumed on
/// the calling thread; like `std::thread::scope`, panics if the system cannot start a thread.
pub fn join<A: Send, B>(beside: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    // Asked once: on Linux the answer reads the cgroup's CPU quota from files.
    static TWO_CORES: OnceLock<bool> = OnceLock::new();
    let two_cores =
        *TWO_CORES.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2));
    if !two_cores {
        return (beside(), here());
    }
    std::thread::scope(|scope| {
        let handle = scope.spawn(beside);
        let b = here();
        match handle.join() {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_results_come_back_whichever_thread_ran_them() {
        let (a, b) = join(|| (1..=1000u64).sum::<u64>(), || "here");
        assert_eq!((a, b), (500_500, "here"));
    }

    #[test]
    #[should_panic(expected = "beside failed")]
    fn a_panic_beside_reaches_the_caller() {
        join(|| panic!("beside failed"), || ());
    }
}
