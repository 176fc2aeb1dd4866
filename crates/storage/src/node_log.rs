//! Trie nodes in an append-only log beside the redb file, with an in-memory index from node
//! hash to position. Nodes are content-addressed and immutable, so appending is all a block
//! needs: its new nodes go to the end of the file in one sequential write instead of hundreds
//! of random B-tree inserts. A record is `len (u32 LE) ‖ keccak(node) ‖ node`; on open the
//! log is scanned, every record's hash is checked, and a torn tail is cut off. The log is
//! fsynced before every durable redb commit, so a durable head never references a node the
//! log lost; records past the head (a crash between the two) are unreferenced and harmless.

use alloy_primitives::{
    B256, Bytes, keccak256,
    map::{B256Map, B256Set},
};
use basalt_trie::{NodeReader, TrieError};
use std::{
    fs::{File, OpenOptions},
    io::Read,
    os::unix::fs::FileExt,
    path::Path,
    sync::RwLock,
};

const RECORD_HEADER: usize = 4 + 32;

/// Where the records live.
enum Backing {
    File(File),
    Memory(Vec<u8>),
}

struct Inner {
    backing: Backing,
    len: u64,
    /// Hash -> (offset of the node bytes, node length).
    index: B256Map<(u64, u32)>,
}

/// The node log; shared by every snapshot and the writer.
pub(crate) struct NodeLog {
    inner: RwLock<Inner>,
}

impl NodeLog {
    pub(crate) fn in_memory() -> Self {
        Self::with(Backing::Memory(Vec::new()), 0, B256Map::default())
    }

    fn with(backing: Backing, len: u64, index: B256Map<(u64, u32)>) -> Self {
        Self { inner: RwLock::new(Inner { backing, len, index }) }
    }

    /// Opens (or creates) the log at `path`, indexing every intact record and cutting off a
    /// torn or corrupt tail.
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let mut index = B256Map::default();
        let mut at = 0usize;
        while let Some(header) = bytes.get(at..at + RECORD_HEADER) {
            let mut len = [0u8; 4];
            len.copy_from_slice(&header[..4]);
            let len = u32::from_le_bytes(len);
            let hash = B256::from_slice(&header[4..]);
            let start = at + RECORD_HEADER;
            let Some(node) = bytes.get(start..start + len as usize) else { break };
            if keccak256(node) != hash {
                break;
            }
            index.insert(hash, (start as u64, len));
            at = start + len as usize;
        }
        if at < bytes.len() {
            file.set_len(at as u64)?;
            file.sync_data()?;
        }
        Ok(Self::with(Backing::File(file), at as u64, index))
    }

    /// Appends the nodes not yet in the log, in one write.
    pub(crate) fn append(&self, nodes: &[(B256, Bytes)]) -> std::io::Result<()> {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let mut buffer =
            Vec::with_capacity(nodes.iter().map(|(_, n)| n.len() + RECORD_HEADER).sum());
        let mut added = Vec::with_capacity(nodes.len());
        let mut seen = B256Set::default();
        for (hash, node) in nodes {
            if inner.index.contains_key(hash) || !seen.insert(*hash) {
                continue;
            }
            let len = u32::try_from(node.len()).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "trie node over 4 GiB")
            })?;
            buffer.extend_from_slice(&len.to_le_bytes());
            buffer.extend_from_slice(hash.as_slice());
            let offset = inner.len + buffer.len() as u64;
            buffer.extend_from_slice(node);
            added.push((*hash, offset, len));
        }
        let end = inner.len;
        match &mut inner.backing {
            // Positioned write: a failed append leaves `len` where the index ends.
            Backing::File(file) => file.write_all_at(&buffer, end)?,
            Backing::Memory(memory) => memory.extend_from_slice(&buffer),
        }
        inner.len += buffer.len() as u64;
        for (hash, offset, len) in added {
            inner.index.insert(hash, (offset, len));
        }
        Ok(())
    }

    /// Makes every appended record durable.
    pub(crate) fn sync(&self) -> std::io::Result<()> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        match &inner.backing {
            Backing::File(file) => file.sync_data(),
            Backing::Memory(_) => Ok(()),
        }
    }

    fn get(&self, hash: &B256) -> std::io::Result<Option<Bytes>> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let Some(&(offset, len)) = inner.index.get(hash) else { return Ok(None) };
        match &inner.backing {
            Backing::File(file) => {
                let mut node = vec![0u8; len as usize];
                file.read_exact_at(&mut node, offset)?;
                Ok(Some(Bytes::from(node)))
            }
            Backing::Memory(memory) => {
                let start = offset as usize;
                Ok(memory.get(start..start + len as usize).map(Bytes::copy_from_slice))
            }
        }
    }
}

impl NodeReader for NodeLog {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        self.get(hash).map_err(|e| TrieError::Store(format!("node log: {e}")))
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

    #[test]
    fn appended_nodes_survive_reopen_and_a_torn_tail_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.log");
        let log = NodeLog::open(&path).unwrap();
        log.append(&[node(1), node(2), node(1)]).unwrap();
        log.sync().unwrap();
        drop(log);
        let intact = std::fs::metadata(&path).unwrap().len();
        // A record cut in half by a crash.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        let (hash, bytes) = node(3);
        file.write_all(&(bytes.len() as u32).to_le_bytes()).unwrap();
        file.write_all(hash.as_slice()).unwrap();
        file.write_all(&bytes[..10]).unwrap();
        drop(file);

        let log = NodeLog::open(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), intact);
        assert_eq!(log.node(&node(1).0).unwrap(), Some(node(1).1));
        assert_eq!(log.node(&node(2).0).unwrap(), Some(node(2).1));
        assert_eq!(log.node(&node(3).0).unwrap(), None);
        log.append(&[node(3)]).unwrap();
        assert_eq!(log.node(&node(3).0).unwrap(), Some(node(3).1));
    }

    #[test]
    fn record_with_wrong_hash_ends_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.log");
        let log = NodeLog::open(&path).unwrap();
        log.append(&[node(1)]).unwrap();
        drop(log);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
        let log = NodeLog::open(&path).unwrap();
        assert_eq!(log.node(&node(1).0).unwrap(), None);
    }

    #[test]
    fn memory_log_serves_what_it_was_given() {
        let log = NodeLog::in_memory();
        log.append(&[node(5)]).unwrap();
        assert_eq!(log.node(&node(5).0).unwrap(), Some(node(5).1));
        assert_eq!(log.node(&node(6).0).unwrap(), None);
    }
}
