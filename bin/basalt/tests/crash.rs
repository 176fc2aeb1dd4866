//! A crash mid-import never leaves half a block: an importing child is killed with SIGKILL at
//! a random moment, several times; after each kill the reopened database's head is a block
//! of the chain and the stored state hashes (recomputed from scratch) to the head's root.

mod common;

use basalt_storage::Database;
use common::{basalt, chain_files};
use std::{process::Stdio, time::Duration};

/// Moments within `span` from a small pseudo-random sequence seeded from the clock: each run
/// kills at other moments.
fn kill_delays(count: usize, span: Duration) -> Vec<Duration> {
    let mut seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
            as u64
            | 1;
    (0..count)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            span.mul_f64(0.1 + (seed % 800) as f64 / 1000.0)
        })
        .collect()
}

#[test]
fn sigkill_during_import_with_fsync_every_block_leaves_a_consistent_head() {
    kill_and_check("every-block");
}

#[test]
fn sigkill_during_import_with_periodic_fsync_leaves_a_consistent_head() {
    kill_and_check("periodic");
}

fn kill_and_check(fsync: &str) {
    let files = chain_files(300, 60);
    let datadir = files.dir.path().join("db");
    let hashes: Vec<_> = files.blocks.iter().map(|b| b.header.hash_slow()).collect();
    // How long a whole import takes here, so the kills land inside it.
    let started = std::time::Instant::now();
    let (ok, _, stderr) =
        common::import(&files.genesis, &files.dir.path().join("timing"), &files.chain);
    assert!(ok, "{stderr}");
    let span = started.elapsed();
    let mut killed_mid_import = 0;
    for delay in kill_delays(4, span) {
        let mut child = basalt()
            .args(["import", "--genesis"])
            .arg(&files.genesis)
            .arg("--datadir")
            .arg(&datadir)
            .args(["--fsync", fsync])
            .arg(&files.chain)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let db = Database::open(&datadir).unwrap();
        let view = db.read().unwrap();
        let Some(head) = view.head_header().unwrap() else { continue };
        let head_hash = head.hash_slow();
        if head_hash != *hashes.last().unwrap() {
            killed_mid_import += 1;
        }
        assert!(
            head.number == 0 || hashes.contains(&head_hash),
            "head {head_hash} is not a block of the chain"
        );
        for number in 0..=head.number {
            assert!(
                view.canonical_hash(number).unwrap().is_some(),
                "canonical block {number} missing"
            );
        }
        assert_eq!(
            view.recompute_state_root().unwrap(),
            head.state_root,
            "state differs from head {}",
            head.number
        );
    }
    // With periodic fsync most kills roll back to the last sync point, so only the every-block
    // run is required to have caught the importer mid-chain.
    if fsync == "every-block" {
        assert!(
            killed_mid_import > 0,
            "every kill came after the import had finished; the chain is too short"
        );
    }
    // Resuming completes the chain.
    let (ok, stdout, stderr) = common::import(&files.genesis, &datadir, &files.chain);
    assert!(ok, "{stderr}");
    assert!(stdout.contains(&format!("head 300 {}", hashes.last().unwrap())), "{stdout}");
}
