//! Reopening a datadir whose trie-node log was damaged: nothing valid is ever cut away. A torn
//! tail (a crash mid-append) is cut; any other damage refuses to open with one line naming the
//! file and the offset, leaving the file as it was; damage in the part of the log that opening
//! does not read is reported, with its offset, by the read that meets it.

use alloy_primitives::B256;
use basalt_chain::workload::{TransferKind, Workload};
use basalt_storage::Database;
use basalt_trie::NodeReader;
use std::path::Path;

const LOG: &str = "trie-nodes.log";
const RECORD_HEADER: usize = 4 + 32;

/// A datadir holding a few blocks; `flush` checkpoints the node index on close.
fn datadir(flush: bool) -> (tempfile::TempDir, B256) {
    let dir = tempfile::tempdir().unwrap();
    let mut workload = Workload::new(32, TransferKind::Erc20);
    let chain = workload.chain_on(Database::open(dir.path()).unwrap()).unwrap();
    workload.extend_chain(&chain, 3, 10).unwrap();
    if flush {
        chain.db().flush().unwrap();
    }
    let root = chain.head().unwrap().state_root;
    (dir, root)
}

/// (offset, hash, node length) of every record of the log at `path`.
fn records(path: &Path) -> Vec<(usize, B256, usize)> {
    let bytes = std::fs::read(path).unwrap();
    let mut at = 0;
    let mut out = Vec::new();
    while at + RECORD_HEADER <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        out.push((at, B256::from_slice(&bytes[at + 4..at + RECORD_HEADER]), len));
        at += RECORD_HEADER + len;
    }
    out
}

fn flip_byte_of(path: &Path, offset: usize) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset] ^= 0x40;
    std::fs::write(path, &bytes).unwrap();
    bytes
}

#[test]
fn damaged_record_in_the_unindexed_tail_refuses_to_open_and_leaves_the_log_as_it_was() {
    let (dir, head_root) = datadir(false);
    let log = dir.path().join(LOG);
    let all = records(&log);
    // A record in the middle that is not the head's root.
    let (offset, _, _) =
        *all.iter().skip(all.len() / 2).find(|(_, hash, _)| *hash != head_root).unwrap();
    let damaged = flip_byte_of(&log, offset + RECORD_HEADER + 3);

    let err = Database::open(dir.path()).err().expect("a damaged log must not open");
    let message = err.to_string();
    assert!(message.contains(&log.display().to_string()), "{message}");
    assert!(message.contains(&format!("byte {offset}")), "{message}");
    assert!(!message.contains('\n'), "{message}");
    assert_eq!(std::fs::read(&log).unwrap(), damaged, "the log must stay as it was");
}

#[test]
fn damaged_record_in_the_indexed_log_is_a_read_error_naming_its_offset() {
    let (dir, head_root) = datadir(true);
    let log = dir.path().join(LOG);
    let (offset, hash, _) = *records(&log).iter().find(|(_, hash, _)| *hash != head_root).unwrap();
    let damaged = flip_byte_of(&log, offset + RECORD_HEADER + 3);

    let db = Database::open(dir.path()).unwrap();
    let view = db.read().unwrap();
    let err = view.node(&hash).expect_err("a damaged node must not be served");
    let message = err.to_string();
    assert!(message.contains(&log.display().to_string()), "{message}");
    assert!(message.contains(&format!("byte {offset}")), "{message}");
    drop(view);
    drop(db);
    assert_eq!(std::fs::read(&log).unwrap(), damaged, "the log must stay as it was");
}

#[test]
fn datadir_whose_node_log_lost_the_head_state_refuses_to_open() {
    for flush in [false, true] {
        let (dir, _) = datadir(flush);
        let log = dir.path().join(LOG);
        // Keep only the first record: the log lost everything the head needs.
        let first = records(&log)[0];
        let bytes = std::fs::read(&log).unwrap();
        std::fs::write(&log, &bytes[..first.0 + RECORD_HEADER + first.2]).unwrap();
        let kept = std::fs::read(&log).unwrap();

        let err = Database::open(dir.path()).err().expect("a log without the head state opened");
        let message = err.to_string();
        assert!(message.contains(&log.display().to_string()), "{message}");
        assert!(!message.contains('\n'), "{message}");
        assert_eq!(std::fs::read(&log).unwrap(), kept);
    }
}

#[test]
fn torn_tail_is_cut_and_the_chain_reopens() {
    let (dir, head_root) = datadir(false);
    let log = dir.path().join(LOG);
    let intact = std::fs::read(&log).unwrap();
    // Half a record, as a crash in the middle of an append leaves it.
    let mut torn = intact.clone();
    torn.extend_from_slice(&600u32.to_le_bytes());
    torn.extend_from_slice(&[0xab; 32 + 100]);
    std::fs::write(&log, &torn).unwrap();

    let db = Database::open(dir.path()).unwrap();
    assert_eq!(std::fs::read(&log).unwrap(), intact);
    let view = db.read().unwrap();
    assert!(view.node(&head_root).unwrap().is_some());
    assert_eq!(view.recompute_state_root().unwrap(), head_root);
}
