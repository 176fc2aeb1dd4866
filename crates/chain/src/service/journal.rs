//! The pool journal: every transaction the pool accepts is appended to a file before its hash
//! goes back to the sender, and the file is replayed into the pool on restart, so a crash
//! (`kill -9`) never makes the node forget a transaction it acknowledged. Appends are written
//! to the operating system at once (they survive the process, not a power cut; the same
//! guarantee geth's `transactions.rlp` journal gives, with the journal kept current). The file
//! is compacted to the pool's contents when it has grown well past them.

use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use basalt_primitives::TxEnvelope;
use std::{
    fs::{File, OpenOptions},
    io::{self, BufWriter, Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

/// Largest record accepted when reading (the pool's own size limit is far below).
const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// Buffer of the compaction's writer: records go to the file in chunks of this size, so a
/// compaction never holds more than one chunk (and one record) in memory.
const REWRITE_BUFFER_BYTES: usize = 64 * 1024;

/// An open journal: records are a 4-byte big-endian length, then the transaction's EIP-2718
/// bytes.
pub struct PoolJournal {
    path: PathBuf,
    /// Written at `len`; opened for writing only (no `O_APPEND`), so cutting off a partial
    /// record moves the position back with it.
    file: File,
    /// Bytes of whole records in the file.
    len: u64,
    /// Records in the file (appended since the last rewrite included).
    records: usize,
    /// A partial record could not be cut off: the next compaction rewrites the file whatever
    /// its size.
    stale: bool,
}

impl PoolJournal {
    /// Opens (or creates) the journal at `path` and returns it with the transactions it holds,
    /// in file order. A torn last record (a crash during its write) and records that do not
    /// decode are skipped, never fatal; appends go after the last whole record.
    pub fn open(path: &Path) -> io::Result<(Self, Vec<TxEnvelope>)> {
        let mut bytes = Vec::new();
        match File::open(path) {
            Ok(mut file) => {
                file.read_to_end(&mut bytes)?;
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        let (transactions, whole) = decode_records(&bytes);
        let mut file = OpenOptions::new().create(true).write(true).truncate(false).open(path)?;
        // A torn tail would swallow the next record's first bytes as its own: cut it off.
        let len = whole as u64;
        file.set_len(len)?;
        file.seek(SeekFrom::Start(len))?;
        let records = transactions.len();
        let journal = Self { path: path.to_owned(), file, len, records, stale: false };
        Ok((journal, transactions))
    }

    /// Appends `tx`; returns once the bytes are with the operating system. A failed write
    /// leaves no partial record: the file is cut back to its last whole record, so the records
    /// appended after it still replay.
    pub fn append(&mut self, tx: &TxEnvelope) -> io::Result<()> {
        let mut record = Vec::new();
        encode_record(tx, &mut record);
        if let Err(err) = self.file.write_all(&record) {
            self.cut_partial_record();
            return Err(err);
        }
        self.len += record.len() as u64;
        self.records += 1;
        Ok(())
    }

    /// Cuts the file back to its last whole record after a failed write. If the file cannot be
    /// cut, the next append still starts there (overwriting the partial bytes) and the next
    /// compaction rewrites the file.
    fn cut_partial_record(&mut self) {
        let cut =
            self.file.set_len(self.len).and_then(|()| self.file.seek(SeekFrom::Start(self.len)));
        if let Err(err) = cut {
            tracing::error!(
                "pool journal {}: cannot cut off a partial record: {err}",
                self.path.display()
            );
            self.stale = true;
        }
    }

    /// Records in the file.
    pub fn records(&self) -> usize {
        self.records
    }

    /// Whether the file may hold a partial record that could not be cut off: the next
    /// compaction must rewrite it.
    pub fn needs_rewrite(&self) -> bool {
        self.stale
    }

    /// Replaces the file with `transactions`, streamed record by record through a buffered
    /// writer into a temporary file, which is synced and renamed over the journal; the
    /// directory is synced after, so a crash leaves either the old or the new file whole. On
    /// failure the temporary file is removed and the journal stays as it was. Appends go on
    /// through the temporary file's own handle: nothing is reopened, so a failure after the
    /// rename cannot leave appends going to the replaced file.
    pub fn rewrite<'a>(
        &mut self,
        transactions: impl Iterator<Item = &'a TxEnvelope>,
    ) -> io::Result<()> {
        let tmp = self.path.with_extension("tmp");
        let written = write_records(&tmp, transactions)
            .and_then(|written| std::fs::rename(&tmp, &self.path).map(|()| written));
        let (file, len, records) = match written {
            Ok(written) => written,
            Err(err) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(err);
            }
        };
        // The rename itself is durable once the directory is synced (best effort: not every
        // platform can open a directory).
        if let Some(dir) = self.path.parent().and_then(|dir| File::open(dir).ok()) {
            let _ = dir.sync_all();
        }
        // Written to its end: later appends land after these records.
        self.file = file;
        self.len = len;
        self.records = records;
        self.stale = false;
        Ok(())
    }

    /// Puts `file` in place of the journal's handle, for tests that make writes fail.
    #[cfg(test)]
    pub(crate) fn replace_file(&mut self, file: File) {
        self.file = file;
    }
}

/// Writes `transactions` as records to a new file at `path` and syncs it; returns the file
/// (positioned at its end), its length and its record count.
fn write_records<'a>(
    path: &Path,
    transactions: impl Iterator<Item = &'a TxEnvelope>,
) -> io::Result<(File, u64, usize)> {
    let file = OpenOptions::new().create(true).write(true).truncate(true).open(path)?;
    let mut out = BufWriter::with_capacity(REWRITE_BUFFER_BYTES, file);
    let (mut len, mut records) = (0u64, 0usize);
    let mut record = Vec::new();
    for tx in transactions {
        record.clear();
        encode_record(tx, &mut record);
        out.write_all(&record)?;
        len += record.len() as u64;
        records += 1;
    }
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()?;
    Ok((file, len, records))
}

/// Appends `tx`'s record to `out`.
fn encode_record(tx: &TxEnvelope, out: &mut Vec<u8>) {
    let len = tx.encode_2718_len();
    out.reserve(4 + len);
    // The pool refuses transactions anywhere near 4 GiB.
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
    tx.encode_2718(out);
}

/// The transactions of the whole records at the start of `bytes`, and those records' length
/// in bytes (where a torn or absurd record begins).
fn decode_records(bytes: &[u8]) -> (Vec<TxEnvelope>, usize) {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 4 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > MAX_RECORD_BYTES || rest.len() - 4 < len {
            break;
        }
        let mut record = &rest[4..4 + len];
        if let Ok(tx) = TxEnvelope::decode_2718(&mut record) {
            out.push(tx);
        }
        rest = &rest[4 + len..];
    }
    (out, bytes.len() - rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_consensus::{SignableTransaction, TxLegacy};
    use alloy_primitives::{Signature, TxKind, U256};

    fn tx(nonce: u64) -> TxEnvelope {
        let tx = TxLegacy {
            chain_id: Some(1),
            nonce,
            gas_price: 1,
            gas_limit: 21_000,
            to: TxKind::Call(Default::default()),
            value: U256::from(nonce),
            input: Default::default(),
        };
        TxEnvelope::Legacy(tx.into_signed(Signature::test_signature()))
    }

    #[test]
    fn appended_transactions_come_back_in_order_and_a_torn_tail_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.journal");
        {
            let (mut journal, replay) = PoolJournal::open(&path).unwrap();
            assert!(replay.is_empty());
            for nonce in 0..3 {
                journal.append(&tx(nonce)).unwrap();
            }
        }
        // A crash in the middle of a fourth record.
        let mut torn = Vec::new();
        encode_record(&tx(3), &mut torn);
        torn.truncate(torn.len() - 5);
        OpenOptions::new().append(true).open(&path).unwrap().write_all(&torn).unwrap();

        let (mut journal, replay) = PoolJournal::open(&path).unwrap();
        assert_eq!(replay, vec![tx(0), tx(1), tx(2)]);
        assert_eq!(journal.records(), 3);

        let kept = [tx(2)];
        journal.rewrite(kept.iter()).unwrap();
        journal.append(&tx(4)).unwrap();
        drop(journal);
        let (journal, replay) = PoolJournal::open(&path).unwrap();
        assert_eq!(replay, vec![tx(2), tx(4)]);
        assert_eq!(journal.records(), 2);
    }

    #[test]
    fn garbage_and_absurd_lengths_do_not_fail_the_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.journal");
        let mut bytes = vec![0, 0, 0, 3, 0xde, 0xad, 0xbe];
        encode_record(&tx(7), &mut bytes);
        bytes.extend([0xff, 0xff, 0xff, 0xff, 1, 2]);
        std::fs::write(&path, bytes).unwrap();
        let (_, replay) = PoolJournal::open(&path).unwrap();
        assert_eq!(replay, vec![tx(7)]);
    }

    #[test]
    fn appends_after_a_torn_tail_replay_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.journal");
        let mut bytes = Vec::new();
        encode_record(&tx(0), &mut bytes);
        let mut torn = Vec::new();
        encode_record(&tx(1), &mut torn);
        bytes.extend_from_slice(&torn[..torn.len() - 3]);
        std::fs::write(&path, bytes).unwrap();

        let (mut journal, replay) = PoolJournal::open(&path).unwrap();
        assert_eq!(replay, vec![tx(0)]);
        journal.append(&tx(2)).unwrap();
        drop(journal);
        assert_eq!(PoolJournal::open(&path).unwrap().1, vec![tx(0), tx(2)]);
    }

    #[test]
    fn a_rewrite_streams_every_record_and_appends_follow() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.journal");
        let (mut journal, _) = PoolJournal::open(&path).unwrap();
        // More records than the writer's buffer holds: it flushes many times.
        let kept: Vec<TxEnvelope> = (0..5_000).map(tx).collect();
        journal.rewrite(kept.iter()).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 5 * REWRITE_BUFFER_BYTES as u64);
        journal.append(&tx(9_999)).unwrap();
        assert_eq!(journal.records(), 5_001);
        drop(journal);
        let (_, replay) = PoolJournal::open(&path).unwrap();
        assert_eq!(replay.len(), 5_001);
        assert_eq!(replay[..5_000], kept[..]);
        assert_eq!(replay[5_000], tx(9_999));
        assert!(!path.with_extension("tmp").exists());
    }

    #[test]
    fn a_failed_rewrite_keeps_the_journal_and_its_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.journal");
        let (mut journal, _) = PoolJournal::open(&path).unwrap();
        journal.append(&tx(0)).unwrap();
        // The temporary file cannot be created: a directory holds its name.
        std::fs::create_dir(path.with_extension("tmp")).unwrap();
        assert!(journal.rewrite([tx(5)].iter()).is_err());
        journal.append(&tx(1)).unwrap();
        drop(journal);
        assert_eq!(PoolJournal::open(&path).unwrap().1, vec![tx(0), tx(1)]);
    }

    #[test]
    fn a_failed_append_leaves_no_partial_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.journal");
        let (mut journal, _) = PoolJournal::open(&path).unwrap();
        journal.append(&tx(0)).unwrap();
        let kept = journal.file.try_clone().unwrap();
        // A full disk: every write fails with ENOSPC.
        journal.replace_file(OpenOptions::new().write(true).open("/dev/full").unwrap());
        assert!(journal.append(&tx(1)).is_err());
        assert_eq!(journal.records(), 1);
        journal.replace_file(kept);
        // A write cut short: half a record reaches the file before the error.
        let mut half = Vec::new();
        encode_record(&tx(2), &mut half);
        half.truncate(half.len() / 2);
        journal.file.write_all(&half).unwrap();
        journal.cut_partial_record();
        journal.append(&tx(3)).unwrap();
        drop(journal);
        assert_eq!(PoolJournal::open(&path).unwrap().1, vec![tx(0), tx(3)]);
    }
}
