//! The database as a whole: the node index across checkpoints, snapshots and reopening, the
//! migration of older datadirs, writers that find the state moved, and stored senders.

use super::*;
use alloy_primitives::{Address, U256, keccak256};
use basalt_primitives::{Account, Block, StateChanges, StorageChanges};
use basalt_trie::NodeReader;

/// `count` funded accounts starting at `first`, each with a storage slot.
fn accounts(first: u64, count: u64) -> StateChanges {
    let mut changes = StateChanges::default();
    for i in first..first + count {
        let address = Address::from_word(keccak256(i.to_be_bytes()));
        changes.accounts.push((address, Some(Account::with_balance(U256::from(i + 1)))));
        changes.storage.push(StorageChanges {
            address,
            wiped: false,
            slots: vec![(U256::from(i), U256::from(7))],
        });
    }
    changes
}

fn apply(db: &Database, base: B256, changes: &StateChanges) -> B256 {
    let mut batch = db.write().unwrap();
    let root = batch.apply_state(base, changes).unwrap();
    batch.commit().unwrap();
    root
}

fn with_small_checkpoints(mut db: Database) -> Database {
    Arc::get_mut(&mut db.nodes).unwrap().checkpoint_nodes = 64;
    db
}

#[test]
fn checkpoint_moves_positions_into_redb_and_earlier_snapshots_keep_reading() {
    let dir = tempfile::tempdir().unwrap();
    let db = with_small_checkpoints(Database::open(dir.path()).unwrap());
    let first = apply(&db, EMPTY_ROOT_HASH, &accounts(0, 4));
    assert!(db.nodes.recent().len() < 64, "no checkpoint yet");
    let before = db.read().unwrap();

    let second = apply(&db, first, &accounts(4, 100));
    assert_eq!(db.nodes.recent().len(), 0, "the commit past the threshold checkpoints");
    // The snapshot from before the checkpoint still finds what it could see.
    assert!(before.trie_node(&first).unwrap().is_some());
    let after = db.read().unwrap();
    assert!(after.trie_node(&first).unwrap().is_some());
    assert!(after.trie_node(&second).unwrap().is_some());
    assert_eq!(after.recompute_state_root().unwrap(), second);
    drop((before, after, db));

    // Reopening scans only what came after the checkpoint.
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.nodes.recent().len(), 0);
    let third = apply(&db, second, &accounts(104, 2));
    let tail = db.nodes.recent().len();
    assert!(tail > 0);
    drop(db);
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.nodes.recent().len(), tail);
    let view = db.read().unwrap();
    for root in [first, second, third] {
        assert!(view.trie_node(&root).unwrap().is_some());
    }
    assert_eq!(view.flat_state_root().unwrap(), Some(third));
}

#[test]
fn flush_checkpoints_so_the_next_open_scans_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let root = apply(&db, EMPTY_ROOT_HASH, &accounts(0, 20));
    assert!(db.nodes.recent().len() > 0);
    db.flush().unwrap();
    assert_eq!(db.nodes.recent().len(), 0);
    drop(db);
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.nodes.recent().len(), 0);
    assert!(db.read().unwrap().trie_node(&root).unwrap().is_some());
}

#[test]
fn datadir_of_the_older_layout_is_indexed_once_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let root = {
        let db = Database::open(dir.path()).unwrap();
        let root = apply(&db, EMPTY_ROOT_HASH, &accounts(0, 30));
        db.flush().unwrap();
        // Back to what older versions wrote: no index, no lengths, no stored flat root.
        let txn = db.db.begin_write().unwrap();
        txn.delete_table(tables::TRIE_NODE_INDEX).unwrap();
        {
            let mut meta = txn.open_table(tables::META).unwrap();
            for key in [
                tables::META_NODE_LOG_INDEXED,
                tables::META_NODE_LOG_LEN,
                tables::META_LAYOUT_VERSION,
                tables::META_STATE_ROOT,
            ] {
                meta.remove(key).unwrap();
            }
            meta.insert(tables::META_WORKING_STATE_ROOT, root.as_slice()).unwrap();
        }
        txn.commit().unwrap();
        root
    };
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.nodes.recent().len(), 0, "every record went into the persisted index");
    let view = db.read().unwrap();
    assert!(view.trie_node(&root).unwrap().is_some());
    assert_eq!(view.flat_state_root().unwrap(), Some(root));
    assert_eq!(view.recompute_state_root().unwrap(), root);
}

#[test]
fn newer_layout_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let txn = db.db.begin_write().unwrap();
        let newer = (LAYOUT_VERSION + 1).to_be_bytes();
        txn.open_table(tables::META)
            .unwrap()
            .insert(tables::META_LAYOUT_VERSION, newer.as_slice())
            .unwrap();
        txn.commit().unwrap();
    }
    let err = Database::open(dir.path()).err().expect("a newer layout opened");
    assert!(matches!(err, StorageError::NewerLayout { .. }), "{err}");
}

#[test]
fn write_prepared_on_a_state_that_moved_is_refused() {
    let db = Database::in_memory().unwrap();
    let first = apply(&db, EMPTY_ROOT_HASH, &accounts(0, 3));
    let second = apply(&db, first, &accounts(3, 3));
    // A writer that read `first` and prepared its changes on it finds the state moved.
    let mut batch = db.write().unwrap();
    let err = batch.apply_state(first, &accounts(10, 1)).unwrap_err();
    assert!(
        matches!(err, StorageError::StateMoved { expected, current } if expected == first && current == second),
        "{err}"
    );
    drop(batch);
    let view = db.read().unwrap();
    assert_eq!(view.flat_state_root().unwrap(), Some(second));
    assert_eq!(view.recompute_state_root().unwrap(), second);
}

#[test]
fn senders_are_stored_with_their_block_and_removed_with_it() {
    let db = Database::in_memory().unwrap();
    let tx = basalt_primitives::sender::sign_transaction(
        alloy_consensus::TxEip1559 { chain_id: 1, gas_limit: 21_000, ..Default::default() },
        &B256::repeat_byte(1),
    )
    .unwrap();
    let mut block = Block::default();
    block.header.number = 1;
    block.body.transactions = vec![tx.clone().into(), tx.into()];
    let hash = block.header.hash_slow();
    let senders = [Address::repeat_byte(0xaa), Address::repeat_byte(0xbb)];

    let mut batch = db.write().unwrap();
    let err = batch.insert_canonical_block(&block, hash, &[], &senders[..1]).unwrap_err();
    assert!(matches!(err, StorageError::SenderCount { .. }), "{err}");
    batch.insert_canonical_block(&block, hash, &[], &senders).unwrap();
    batch.commit().unwrap();
    assert_eq!(db.read().unwrap().senders(hash).unwrap(), Some(senders.to_vec()));

    let mut batch = db.write().unwrap();
    batch.remove_blocks_above(0).unwrap();
    batch.commit().unwrap();
    assert_eq!(db.read().unwrap().senders(hash).unwrap(), None);
}

#[test]
fn node_reads_report_damage_through_the_trie_error_with_its_type() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    let root = apply(&db, EMPTY_ROOT_HASH, &accounts(0, 2));
    // Indexed, so the next open does not scan (and refuse) the damaged record: the read finds
    // it. (This process would serve its own nodes from memory, undamaged.)
    db.flush().unwrap();
    drop(db);
    let log = dir.path().join(NODE_LOG_FILE);
    let mut bytes = std::fs::read(&log).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&log, &bytes).unwrap();
    let db = Database::open(dir.path()).unwrap();
    let view = db.read().unwrap();
    // Some node is damaged; every read of it is an error, never a wrong node.
    let hashes: Vec<B256> = {
        let mut at = 0;
        let mut out = Vec::new();
        while at < bytes.len() {
            let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            out.push(B256::from_slice(&bytes[at + 4..at + 36]));
            at += 36 + len;
        }
        out
    };
    let damaged = *hashes.last().unwrap();
    let err = view.node(&damaged).unwrap_err();
    let basalt_trie::TrieError::Store(store) = &err else { panic!("{err:?}") };
    assert!(
        matches!(store.downcast_ref::<StorageError>(), Some(StorageError::NodeLogDamaged { .. })),
        "{err}"
    );
    let _ = root;
}

#[test]
fn flush_and_writers_take_turns_without_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(with_small_checkpoints(Database::open(dir.path()).unwrap()));
    let (done, finished) = std::sync::mpsc::channel();
    let worker = {
        let db = db.clone();
        std::thread::spawn(move || {
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    let mut root = EMPTY_ROOT_HASH;
                    for round in 0..40 {
                        root = apply(&db, root, &accounts(round * 3, 3));
                    }
                });
                scope.spawn(|| {
                    for _ in 0..40 {
                        db.flush().unwrap();
                    }
                });
            });
            done.send(()).unwrap();
        })
    };
    finished.recv_timeout(std::time::Duration::from_secs(60)).expect("writers deadlocked");
    worker.join().unwrap();
    let view = db.read().unwrap();
    let root = view.flat_state_root().unwrap().unwrap();
    assert_eq!(view.recompute_state_root().unwrap(), root);
    assert!(view.trie_node(&root).unwrap().is_some());
}

/// The message and its causes as `{:#}` of eyre prints them at the binary's edge.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[test]
fn an_open_failure_says_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let datadir = file.join("data");
    let err = Database::open(&datadir).err().expect("a datadir under a file cannot be created");
    let expected = format!(
        "cannot open database at {}: I/O error: Not a directory (os error 20)",
        datadir.display()
    );
    assert_eq!(err.to_string(), expected);
    assert_eq!(with_causes(&err), expected);

    // The redb file itself unreadable: a directory where the file should be.
    let datadir = dir.path().join("data");
    std::fs::create_dir_all(datadir.join(REDB_FILE)).unwrap();
    let err = Database::open(&datadir).err().expect("a directory is not a database file");
    let text = with_causes(&err);
    assert!(
        text.starts_with(&format!("cannot open database at {}", datadir.join(REDB_FILE).display())),
        "{text}"
    );
    assert_eq!(text.matches("Is a directory").count(), 1, "{text}");
}

#[test]
fn total_balance_sums_every_account_of_the_flat_state_and_follows_deletions() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(db.read().unwrap().total_balance().unwrap(), (U256::ZERO, 0));
    // Balances 1..=5.
    let root = apply(&db, EMPTY_ROOT_HASH, &accounts(0, 5));
    assert_eq!(db.read().unwrap().total_balance().unwrap(), (U256::from(15), 5));
    // One account changes, one is deleted (balance 2), one is added (balance 10).
    let mut changes = StateChanges::default();
    let address = |i: u64| Address::from_word(keccak256(i.to_be_bytes()));
    changes.accounts.push((address(0), Some(Account::with_balance(U256::MAX - U256::from(20)))));
    changes.accounts.push((address(1), None));
    changes.accounts.push((address(9), Some(Account::with_balance(U256::from(10)))));
    apply(&db, root, &changes);
    // 3 + 4 + 5 + 10 more than 2^256 − 21 saturates instead of wrapping.
    assert_eq!(db.read().unwrap().total_balance().unwrap(), (U256::MAX, 5));
}
