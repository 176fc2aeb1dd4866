//! Independent work on a second core when there is one: in line on one core, or where threads
//! cannot start (a zkVM), with the same results.

use std::sync::Mutex;

/// Runs `here` on the calling thread and `beside` on a second thread when the machine has a
/// second core (else after `here`, on this thread), and returns both results. A panic in
/// `beside` reaches the caller as it would in line.
pub fn join<A, B: Send>(here: impl FnOnce() -> A, beside: impl FnOnce() -> B + Send) -> (A, B) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        let a = here();
        return (a, beside());
    }
    // Whoever takes the closure runs it: the thread, or this one if the thread cannot start.
    let slot = Mutex::new(Some(beside));
    let take = || slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("beside".into())
            .spawn_scoped(scope, || take().map(|beside| beside()));
        let a = here();
        let thread_result = match handle {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        };
        let b = match thread_result {
            Some(b) => b,
            None => take().map(|beside| beside()).expect("the closure runs exactly once"),
        };
        (a, b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_results_come_back_and_a_panic_beside_reaches_the_caller() {
        let data = [1u64, 2, 3];
        let (sum, len) = join(|| data.iter().sum::<u64>(), || data.len());
        assert_eq!((sum, len), (6, 3));
        let caught = std::panic::catch_unwind(|| join(|| 1, || -> u8 { panic!("beside") }));
        assert!(caught.is_err());
    }
}
