//! Trie nodes in an append-only log beside the redb file. Nodes are content-addressed and
//! immutable, so a block's new nodes go to the end of the file in one sequential write. A
//! record is `len (u32 LE) ‖ keccak(node) ‖ node`; every read checks the record against the
//! hash it was asked for, so a damaged byte is reported with its offset, never served.
//!
//! This module owns the file: appends, positioned reads, and the scan of the part of the log
//! that the persisted index does not cover yet (see [`crate::node_index`]). It never cuts a
//! byte that a durable commit references: only a torn last record, or records past the log
//! length of the last durable commit (a crash between the append and the commit), are cut.

use crate::StorageError;
use alloy_primitives::{B256, Bytes, keccak256};
use std::{
    fs::{File, OpenOptions},
    io::{BufReader, ErrorKind, Read},
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
    sync::RwLock,
};

/// Bytes before a node in its record: length and hash.
pub(crate) const RECORD_HEADER: u64 = 4 + 32;
/// Longest node the open-time scan believes when deciding whether a record that runs past the
/// end of the file is a torn append or a damaged length field. Trie nodes stay far below it.
const MAX_PLAUSIBLE_NODE: u32 = 64 * 1024;
/// How far past a suspect record the scan looks for an intact record before calling the
/// suspect a torn tail.
const RESYNC_WINDOW: u64 = 16 * 1024 * 1024;

/// Where a node's record lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodePosition {
    /// Offset of the record (its length field) in the log.
    pub offset: u64,
    /// Length of the node.
    pub len: u32,
}

/// What is wrong with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LogDamage {
    #[error("the record's node does not hash to the hash stored with it")]
    HashMismatch,
    #[error("the record holds another node than the index says")]
    WrongNode,
    #[error("the record runs past the end of the file")]
    PastEnd,
    #[error("the log ends here, before the length the last commit recorded")]
    Truncated,
}

enum Backing {
    File(File),
    Memory(Vec<u8>),
}

struct Inner {
    backing: Backing,
    len: u64,
}

/// The append-only file of trie nodes; shared by every snapshot and the writer.
pub(crate) struct NodeLog {
    /// Shown in errors; `(in memory)` for a memory log.
    path: PathBuf,
    inner: RwLock<Inner>,
}

/// The outcome of scanning the unindexed part of a log at open.
pub(crate) struct Scan {
    /// Every intact record from the scan's start, in log order.
    pub records: Vec<(B256, NodePosition)>,
    /// Where the intact log ends; bytes past it are cut.
    pub end: u64,
}

impl NodeLog {
    pub(crate) fn in_memory() -> Self {
        Self {
            path: PathBuf::from("(in memory)"),
            inner: RwLock::new(Inner { backing: Backing::Memory(Vec::new()), len: 0 }),
        }
    }

    /// Opens (or creates) the log at `path` and scans it from `from` (the end of the indexed
    /// part). `committed` is the log length recorded by the last durable commit, None for a
    /// log written before lengths were recorded. A torn last record, and anything past
    /// `committed` that is not an intact record, is cut; any other damage fails with
    /// [`StorageError::NodeLogDamaged`] and leaves the file as it was.
    pub(crate) fn open(
        path: &Path,
        from: u64,
        committed: Option<u64>,
    ) -> Result<(Self, Scan), StorageError> {
        let io = |cause| StorageError::NodeLogIo { path: path.display().to_string(), cause };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let file_len = file.metadata().map_err(io)?.len();
        let damaged = |offset, problem| StorageError::NodeLogDamaged {
            path: path.display().to_string(),
            offset,
            problem,
        };
        let must_reach = committed.unwrap_or(0).max(from);
        if file_len < must_reach {
            return Err(damaged(file_len, LogDamage::Truncated));
        }
        let scan = scan(&file, from, file_len, committed).map_err(|e| match e {
            ScanError::Io(source) => io(source),
            ScanError::Damaged(offset, problem) => damaged(offset, problem),
        })?;
        if scan.end < file_len {
            file.set_len(scan.end).map_err(io)?;
            file.sync_data().map_err(io)?;
        }
        let log = Self {
            path: path.to_path_buf(),
            inner: RwLock::new(Inner { backing: Backing::File(file), len: scan.end }),
        };
        Ok((log, scan))
    }

    /// The file's path as errors name it.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Current length of the log.
    pub(crate) fn len(&self) -> u64 {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).len
    }

    fn io_error(&self, cause: std::io::Error) -> StorageError {
        StorageError::NodeLogIo { path: self.path.display().to_string(), cause }
    }

    /// Appends `nodes` in one write; returns where each landed.
    pub(crate) fn append(
        &self,
        nodes: &[(B256, Bytes)],
    ) -> Result<Vec<(B256, NodePosition)>, StorageError> {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let mut buffer =
            Vec::with_capacity(nodes.iter().map(|(_, n)| n.len() + RECORD_HEADER as usize).sum());
        let mut added = Vec::with_capacity(nodes.len());
        for (hash, node) in nodes {
            let len = u32::try_from(node.len()).map_err(|_| {
                self.io_error(std::io::Error::new(ErrorKind::InvalidInput, "trie node over 4 GiB"))
            })?;
            let offset = inner.len + buffer.len() as u64;
            buffer.extend_from_slice(&len.to_le_bytes());
            buffer.extend_from_slice(hash.as_slice());
            buffer.extend_from_slice(node);
            added.push((*hash, NodePosition { offset, len }));
        }
        let end = inner.len;
        match &mut inner.backing {
            // Positioned write: a failed append leaves `len` where the log ends.
            Backing::File(file) => file.write_all_at(&buffer, end).map_err(|e| self.io_error(e))?,
            Backing::Memory(memory) => memory.extend_from_slice(&buffer),
        }
        inner.len += buffer.len() as u64;
        Ok(added)
    }

    /// Makes every appended record durable.
    pub(crate) fn sync(&self) -> Result<(), StorageError> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        match &inner.backing {
            Backing::File(file) => file.sync_data().map_err(|e| self.io_error(e)),
            Backing::Memory(_) => Ok(()),
        }
    }

    /// The node at `position`, checked to be the node whose hash is `hash`.
    pub(crate) fn read(&self, hash: &B256, position: NodePosition) -> Result<Bytes, StorageError> {
        let record_len = RECORD_HEADER as usize + position.len as usize;
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let past_end = position.offset.saturating_add(record_len as u64) > inner.len;
        let record = match &inner.backing {
            _ if past_end => None,
            Backing::File(file) => {
                let mut record = vec![0u8; record_len];
                file.read_exact_at(&mut record, position.offset).map_err(|e| self.io_error(e))?;
                Some(record)
            }
            Backing::Memory(memory) => usize::try_from(position.offset)
                .ok()
                .and_then(|start| memory.get(start..start.checked_add(record_len)?))
                .map(<[u8]>::to_vec),
        };
        drop(inner);
        let damaged = |problem| StorageError::NodeLogDamaged {
            path: self.path.display().to_string(),
            offset: position.offset,
            problem,
        };
        let record = record.ok_or_else(|| damaged(LogDamage::PastEnd))?;
        let (header, node) = record.split_at(RECORD_HEADER as usize);
        if header[..4] != position.len.to_le_bytes() || header[4..] != hash[..] {
            return Err(damaged(LogDamage::WrongNode));
        }
        if keccak256(node) != *hash {
            return Err(damaged(LogDamage::HashMismatch));
        }
        Ok(Bytes::from(record).slice(RECORD_HEADER as usize..))
    }
}

enum ScanError {
    Io(std::io::Error),
    Damaged(u64, LogDamage),
}

impl From<std::io::Error> for ScanError {
    fn from(err: std::io::Error) -> Self {
        Self::Io(err)
    }
}

/// Reads records from `from` to `file_len`, streaming. See [`NodeLog::open`] for the rules.
fn scan(file: &File, from: u64, file_len: u64, committed: Option<u64>) -> Result<Scan, ScanError> {
    let mut reader = BufReader::with_capacity(1 << 20, PositionedReader { file, at: from });
    let mut records = Vec::new();
    let mut at = from;
    let mut node = Vec::new();
    loop {
        let remaining = file_len - at;
        if remaining == 0 {
            return Ok(Scan { records, end: at });
        }
        // Past the last durable commit nothing is referenced: the first record that is not
        // intact ends the log there.
        let unreferenced = committed.is_some_and(|committed| at >= committed);
        let mut header = [0u8; RECORD_HEADER as usize];
        let len = if remaining >= RECORD_HEADER {
            reader.read_exact(&mut header)?;
            u32::from_le_bytes([header[0], header[1], header[2], header[3]])
        } else {
            0
        };
        let record_len = RECORD_HEADER + u64::from(len);
        if remaining < record_len {
            if unreferenced || is_torn_tail(file, at, file_len, committed)? {
                return Ok(Scan { records, end: at });
            }
            return Err(ScanError::Damaged(at, LogDamage::PastEnd));
        }
        node.resize(len as usize, 0);
        reader.read_exact(&mut node)?;
        let hash = B256::from_slice(&header[4..]);
        if keccak256(&node) != hash {
            if unreferenced {
                return Ok(Scan { records, end: at });
            }
            return Err(ScanError::Damaged(at, LogDamage::HashMismatch));
        }
        records.push((hash, NodePosition { offset: at, len }));
        at += record_len;
    }
}

/// Whether a record at `at` that runs past the end of the file is a torn last append rather
/// than a damaged length field in the middle of the log: the former has no intact record
/// after it. Only asked for logs without a recorded commit length (older datadirs); the
/// search reads at most [`RESYNC_WINDOW`] bytes, and a longer remainder counts as damage.
fn is_torn_tail(
    file: &File,
    at: u64,
    file_len: u64,
    committed: Option<u64>,
) -> Result<bool, std::io::Error> {
    if committed.is_some() {
        // Before the committed length a record must be intact.
        return Ok(false);
    }
    let remainder = file_len - at;
    if remainder > RESYNC_WINDOW {
        return Ok(false);
    }
    let mut bytes = vec![0u8; remainder as usize];
    file.read_exact_at(&mut bytes, at)?;
    let header = RECORD_HEADER as usize;
    for start in 1..bytes.len().saturating_sub(header) {
        let len = u32::from_le_bytes([
            bytes[start],
            bytes[start + 1],
            bytes[start + 2],
            bytes[start + 3],
        ]);
        if len == 0 || len > MAX_PLAUSIBLE_NODE {
            continue;
        }
        let Some(node) = bytes.get(start + header..start + header + len as usize) else {
            continue;
        };
        if keccak256(node)[..] == bytes[start + 4..start + header] {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `Read` over a file from a position, with positioned reads (the file handle is shared).
struct PositionedReader<'a> {
    file: &'a File,
    at: u64,
}

impl Read for PositionedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.file.read_at(buf, self.at)?;
        self.at += read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn node(i: u8) -> (B256, Bytes) {
        let bytes = Bytes::from(vec![i; 40 + i as usize]);
        (keccak256(&bytes), bytes)
    }

    /// A log at `path` holding `nodes`; returns the positions.
    fn write_log(path: &Path, nodes: &[(B256, Bytes)]) -> Vec<(B256, NodePosition)> {
        let (log, _) = NodeLog::open(path, 0, None).unwrap();
        let positions = log.append(nodes).unwrap();
        log.sync().unwrap();
        positions
    }

    fn open_err(path: &Path, committed: Option<u64>) -> String {
        NodeLog::open(path, 0, committed).err().expect("a damaged log must not open").to_string()
    }

    #[test]
    fn appended_nodes_survive_reopen_and_a_torn_tail_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.log");
        let positions = write_log(&path, &[node(1), node(2)]);
        let intact = std::fs::metadata(&path).unwrap().len();
        // A record cut in half by a crash.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        let (hash, bytes) = node(3);
        file.write_all(&(bytes.len() as u32).to_le_bytes()).unwrap();
        file.write_all(hash.as_slice()).unwrap();
        file.write_all(&bytes[..10]).unwrap();
        drop(file);

        for committed in [None, Some(intact)] {
            let (log, scan) = NodeLog::open(&path, 0, committed).unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().len(), intact);
            assert_eq!(scan.records, positions);
            assert_eq!(log.read(&node(1).0, positions[0].1).unwrap(), node(1).1);
            assert_eq!(log.read(&node(2).0, positions[1].1).unwrap(), node(2).1);
            let added = log.append(&[node(3)]).unwrap();
            assert_eq!(log.read(&node(3).0, added[0].1).unwrap(), node(3).1);
            drop(log);
            std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(intact).unwrap();
        }
    }

    #[test]
    fn damaged_record_in_the_middle_refuses_to_open_and_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.log");
        let positions = write_log(&path, &[node(1), node(2), node(3)]);
        let second = positions[1].1.offset;
        let mut bytes = std::fs::read(&path).unwrap();
        // One flipped byte inside the second record's node.
        bytes[(second + RECORD_HEADER + 5) as usize] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();

        for committed in [None, Some(bytes.len() as u64)] {
            let message = open_err(&path, committed);
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(message.contains(&format!("byte {second}")), "{message}");
            assert!(!message.contains('\n'), "{message}");
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file must stay untouched");
        }
    }

    #[test]
    fn damaged_length_in_the_middle_is_not_taken_for_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.log");
        let positions = write_log(&path, &[node(1), node(2), node(3)]);
        let second = positions[1].1.offset as usize;
        let mut bytes = std::fs::read(&path).unwrap();
        // The length now claims more than the file holds: it looks like a torn record.
        bytes[second + 3] = 0x7f;
        std::fs::write(&path, &bytes).unwrap();

        let message = open_err(&path, None);
        assert!(message.contains(&format!("byte {second}")), "{message}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }

    #[test]
    fn damage_past_the_committed_length_is_cut_as_unreferenced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.log");
        let positions = write_log(&path, &[node(1), node(2), node(3)]);
        let committed = positions[1].1.offset;
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[(positions[2].1.offset + RECORD_HEADER) as usize] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();

        // Record 2 is intact and kept; record 3, past the last commit and damaged, is cut.
        let (_, scan) = NodeLog::open(&path, 0, Some(committed)).unwrap();
        assert_eq!(scan.records, positions[..2]);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), positions[2].1.offset);
    }

    #[test]
    fn log_shorter_than_the_last_commit_refuses_to_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.log");
        write_log(&path, &[node(1)]);
        let len = std::fs::metadata(&path).unwrap().len();
        let message = open_err(&path, Some(len + 100));
        assert!(message.contains(&format!("byte {len}")), "{message}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), len);
    }

    #[test]
    fn read_of_a_damaged_record_names_its_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.log");
        let positions = write_log(&path, &[node(1), node(2)]);
        let (log, _) = NodeLog::open(&path, 0, None).unwrap();
        // Damaged after the open-time scan (or in the part of the log it does not read).
        let mut bytes = std::fs::read(&path).unwrap();
        let second = positions[1].1.offset;
        bytes[(second + RECORD_HEADER) as usize] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        let message = log.read(&node(2).0, positions[1].1).unwrap_err().to_string();
        assert!(message.contains(&format!("byte {second}")), "{message}");
        assert!(message.contains("does not hash"), "{message}");
        // Asked for another node than the record holds.
        let message = log.read(&node(2).0, positions[0].1).unwrap_err().to_string();
        assert!(message.contains("byte 0"), "{message}");
    }

    #[test]
    fn memory_log_serves_what_it_was_given() {
        let log = NodeLog::in_memory();
        let positions = log.append(&[node(5)]).unwrap();
        assert_eq!(log.read(&node(5).0, positions[0].1).unwrap(), node(5).1);
        let past_end = NodePosition { offset: 1000, len: 3 };
        assert!(log.read(&node(6).0, past_end).is_err());
    }
}
