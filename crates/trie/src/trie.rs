//! The trie itself: loads nodes from a [`NodeReader`] only along the paths it
//! touches, edits them in memory keeping the canonical shape (a branch left with
//! one entry collapses into its neighbour), rehashes only dirty paths, and hands
//! new nodes back on commit. It never writes to the store.

use crate::{
    EMPTY_ROOT_HASH, NodeReader, TrieError,
    hash::Hasher,
    nibbles::{common_prefix, unpack},
    node::{
        BranchNode, ExtensionNode, HASH_REFERENCE_MIN_LEN, LeafNode, Node, NodeState, decode_node,
    },
};
use alloy_primitives::{B256, Bytes, keccak256};
use alloy_trie::nodes::RlpNode;

/// A Merkle-Patricia trie over a node store.
///
/// Keys are raw byte paths (hash them first for a secure trie); an empty value is
/// the same as no value. Nodes are read through `R` lazily and kept in memory;
/// every read goes through `R`, so a [`crate::RecordingReader`] sees the complete
/// witness of the operations performed. After an error the trie's content is
/// unchanged, except in tries whose stored nodes are not canonical.
#[derive(Debug)]
pub struct Trie<R> {
    pub(crate) reader: R,
    pub(crate) root: Node,
    /// Encoding scratch space, reused across hashing calls.
    pub(crate) buf: Vec<u8>,
}

impl<R: NodeReader> Trie<R> {
    /// An empty trie over `reader`.
    pub fn new(reader: R) -> Self {
        Self { reader, root: Node::Empty, buf: Vec::new() }
    }

    /// The trie with root `root`, loading nodes from `reader` as paths are touched.
    pub fn open(reader: R, root: B256) -> Self {
        let root = if root == EMPTY_ROOT_HASH { Node::Empty } else { Node::Hash(root) };
        Self { reader, root, buf: Vec::new() }
    }

    pub fn reader(&self) -> &R {
        &self.reader
    }

    pub fn into_reader(self) -> R {
        self.reader
    }

    /// The value stored under `key`, if any.
    pub fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TrieError> {
        let path = unpack(key);
        resolve(&self.reader, &mut self.root, true)?;
        let mut node = &mut self.root;
        let mut rest = path.as_slice();
        loop {
            resolve(&self.reader, node, false)?;
            match node {
                Node::Empty => return Ok(None),
                Node::Hash(hash) => return Err(TrieError::MissingNode(*hash)),
                Node::Leaf(leaf) => return Ok((leaf.path == rest).then(|| leaf.value.clone())),
                Node::Extension(extension) => {
                    let Some(below) = rest.strip_prefix(extension.path.as_slice()) else {
                        return Ok(None);
                    };
                    rest = below;
                    node = &mut extension.child;
                }
                Node::Branch(branch) => {
                    let Some((&nibble, below)) = rest.split_first() else {
                        return Ok(branch.value.clone());
                    };
                    rest = below;
                    node = &mut branch.children[usize::from(nibble)];
                }
            }
        }
    }

    /// Sets `key` to `value`; an empty `value` deletes the key.
    pub fn insert(&mut self, key: &[u8], value: Vec<u8>) -> Result<(), TrieError> {
        if value.is_empty() {
            return self.delete(key);
        }
        let path = unpack(key);
        resolve(&self.reader, &mut self.root, true)?;
        insert_at(&self.reader, &mut self.root, &path, value)?;
        Ok(())
    }

    /// Removes `key`; removing an absent key changes nothing.
    pub fn delete(&mut self, key: &[u8]) -> Result<(), TrieError> {
        let path = unpack(key);
        resolve(&self.reader, &mut self.root, true)?;
        delete_at(&self.reader, &mut self.root, &path)?;
        Ok(())
    }

    /// The root hash, hashing only nodes changed since they were last hashed.
    pub fn root_hash(&mut self) -> B256 {
        let reference = Hasher { buf: &mut self.buf, committed: None }.reference(&mut self.root);
        root_hash_of(&reference)
    }

    /// Hashes everything changed and returns the root hash with every node created
    /// since the last commit (or since opening) that is referenced by hash, i.e.
    /// whose RLP is at least 32 bytes, keyed by its keccak. A changed root is always
    /// among them, even if shorter. Nodes shorter than 32 bytes are embedded in their
    /// parent. Persist these before [`Self::unload_clean_nodes`].
    pub fn commit(&mut self) -> (B256, Vec<(B256, Bytes)>) {
        let root_changed = self.root.is_dirty();
        let mut committed = Vec::new();
        let reference = Hasher { buf: &mut self.buf, committed: Some(&mut committed) }
            .reference(&mut self.root);
        let root = root_hash_of(&reference);
        if root_changed && !reference.is_hash() {
            committed.push((root, Bytes::copy_from_slice(&reference)));
        }
        (root, committed)
    }

    /// Forgets loaded nodes that match the store (keeping uncommitted changes), so
    /// memory stays bounded across blocks; they are read again when next touched.
    /// Only valid once the nodes returned by [`Self::commit`] are in the reader's store.
    pub fn unload_clean_nodes(&mut self) {
        unload_clean(&mut self.root);
    }
}

fn root_hash_of(reference: &RlpNode) -> B256 {
    // The empty trie's reference is the empty string, whose keccak is EMPTY_ROOT_HASH.
    reference.as_hash().unwrap_or_else(|| keccak256(reference))
}

/// Replaces an unloaded node by the node it references, read through `reader`.
pub(crate) fn resolve<R: NodeReader>(
    reader: &R,
    node: &mut Node,
    is_root: bool,
) -> Result<(), TrieError> {
    if let Node::Hash(hash) = *node {
        *node = load(reader, hash, is_root)?;
    }
    Ok(())
}

fn load<R: NodeReader>(reader: &R, hash: B256, is_root: bool) -> Result<Node, TrieError> {
    let rlp = reader.node(&hash)?.ok_or(TrieError::MissingNode(hash))?;
    let malformed = |reason: String| TrieError::MalformedNode { hash, reason };
    let reference = if rlp.len() >= HASH_REFERENCE_MIN_LEN {
        RlpNode::word_rlp(&hash)
    } else if is_root {
        RlpNode::from_raw(&rlp).ok_or_else(|| malformed("root node too long".into()))?
    } else {
        return Err(malformed("referenced by hash but shorter than 32 bytes".into()));
    };
    let mut node = decode_node(&rlp).map_err(malformed)?;
    if let Some(state) = node.state_mut() {
        *state = NodeState::Clean(reference);
    }
    Ok(node)
}

/// Inserts below `node`; returns whether anything changed. Every read happens before
/// the first write, so an error leaves the subtree as it was.
fn insert_at<R: NodeReader>(
    reader: &R,
    node: &mut Node,
    path: &[u8],
    value: Vec<u8>,
) -> Result<bool, TrieError> {
    resolve(reader, node, false)?;
    match node {
        Node::Empty => {
            *node = Node::new_leaf(path.to_vec(), value);
            Ok(true)
        }
        Node::Hash(hash) => Err(TrieError::MissingNode(*hash)),
        Node::Leaf(leaf) if leaf.path == path => {
            if leaf.value == value {
                return Ok(false);
            }
            leaf.value = value;
            leaf.state = NodeState::Dirty;
            Ok(true)
        }
        Node::Leaf(_) => {
            if let Node::Leaf(leaf) = std::mem::take(node) {
                *node = split_leaf(leaf, path, value);
            }
            Ok(true)
        }
        Node::Extension(extension) => {
            let common = common_prefix(&extension.path, path);
            if common == extension.path.len() {
                let changed = insert_at(reader, &mut extension.child, &path[common..], value)?;
                if changed {
                    extension.state = NodeState::Dirty;
                }
                return Ok(changed);
            }
            if let Node::Extension(extension) = std::mem::take(node) {
                *node = split_extension(extension, common, path, value);
            }
            Ok(true)
        }
        Node::Branch(branch) => {
            let changed = match path.split_first() {
                None if branch.value.as_ref() == Some(&value) => false,
                None => {
                    branch.value = Some(value);
                    true
                }
                Some((&nibble, below)) => {
                    insert_at(reader, &mut branch.children[usize::from(nibble)], below, value)?
                }
            };
            if changed {
                branch.state = NodeState::Dirty;
            }
            Ok(changed)
        }
    }
}

/// A leaf and a new key with a different path: a branch where they diverge, behind
/// an extension of their common prefix.
fn split_leaf(mut leaf: Box<LeafNode>, path: &[u8], value: Vec<u8>) -> Node {
    let common = common_prefix(&leaf.path, path);
    let mut branch = BranchNode::new();
    match leaf.path.get(common).copied() {
        None => branch.value = Some(std::mem::take(&mut leaf.value)),
        Some(nibble) => {
            leaf.path.drain(..=common);
            leaf.state = NodeState::Dirty;
            branch.children[usize::from(nibble)] = Node::Leaf(leaf);
        }
    }
    place_in_branch(&mut branch, &path[common..], value);
    Node::with_prefix(&path[..common], Node::Branch(branch))
}

/// An extension and a new key leaving it after `common < extension.path.len()`
/// nibbles: a branch at that point, behind an extension of the common prefix.
fn split_extension(
    mut extension: Box<ExtensionNode>,
    common: usize,
    path: &[u8],
    value: Vec<u8>,
) -> Node {
    let mut branch = BranchNode::new();
    let nibble = extension.path[common];
    let lower = if extension.path.len() == common + 1 {
        std::mem::take(&mut extension.child)
    } else {
        extension.path.drain(..=common);
        extension.state = NodeState::Dirty;
        Node::Extension(extension)
    };
    branch.children[usize::from(nibble)] = lower;
    place_in_branch(&mut branch, &path[common..], value);
    Node::with_prefix(&path[..common], Node::Branch(branch))
}

/// Puts `value` into an empty spot of a fresh branch at relative path `path`.
fn place_in_branch(branch: &mut BranchNode, path: &[u8], value: Vec<u8>) {
    match path.split_first() {
        None => branch.value = Some(value),
        Some((&nibble, below)) => {
            branch.children[usize::from(nibble)] = Node::new_leaf(below.to_vec(), value);
        }
    }
}

/// Deletes below `node`; returns whether anything changed. A branch that will drop
/// to a single child has that child loaded before anything is modified.
fn delete_at<R: NodeReader>(reader: &R, node: &mut Node, path: &[u8]) -> Result<bool, TrieError> {
    resolve(reader, node, false)?;
    match node {
        Node::Empty => Ok(false),
        Node::Hash(hash) => Err(TrieError::MissingNode(*hash)),
        Node::Leaf(leaf) => {
            if leaf.path != path {
                return Ok(false);
            }
            *node = Node::Empty;
            Ok(true)
        }
        Node::Extension(extension) => {
            let Some(below) = path.strip_prefix(extension.path.as_slice()) else {
                return Ok(false);
            };
            if !delete_at(reader, &mut extension.child, below)? {
                return Ok(false);
            }
            extension.state = NodeState::Dirty;
            merge_extension_child(node);
            Ok(true)
        }
        Node::Branch(branch) => {
            match path.split_first() {
                None => {
                    if branch.value.is_none() {
                        return Ok(false);
                    }
                    if branch.entry_count() == 2 {
                        resolve_children_except(reader, branch, None)?;
                    }
                    branch.value = None;
                }
                Some((&nibble, below)) => {
                    let index = usize::from(nibble);
                    let child = &mut branch.children[index];
                    resolve(reader, child, false)?;
                    let removes_child = matches!(child, Node::Leaf(leaf) if leaf.path == below);
                    if removes_child && branch.entry_count() == 2 {
                        resolve_children_except(reader, branch, Some(index))?;
                    }
                    if !delete_at(reader, &mut branch.children[index], below)? {
                        return Ok(false);
                    }
                }
            }
            branch.state = NodeState::Dirty;
            collapse_branch(reader, node)?;
            Ok(true)
        }
    }
}

fn resolve_children_except<R: NodeReader>(
    reader: &R,
    branch: &mut BranchNode,
    except: Option<usize>,
) -> Result<(), TrieError> {
    for (index, child) in branch.children.iter_mut().enumerate() {
        if Some(index) != except {
            resolve(reader, child, false)?;
        }
    }
    Ok(())
}

/// Restores the canonical shape of a branch that lost an entry: with one entry left
/// it becomes a leaf, or its only child with the child's nibble prepended.
fn collapse_branch<R: NodeReader>(reader: &R, node: &mut Node) -> Result<(), TrieError> {
    let Node::Branch(branch) = node else { return Ok(()) };
    match branch.entry_count() {
        0 => *node = Node::Empty,
        1 => {
            if let Some(value) = branch.value.take() {
                *node = Node::new_leaf(Vec::new(), value);
                return Ok(());
            }
            let Some(index) = branch.children.iter().position(|c| !matches!(c, Node::Empty)) else {
                return Ok(());
            };
            let child = &mut branch.children[index];
            resolve(reader, child, false)?;
            let child = std::mem::take(child);
            // `index < 16`, so it is a nibble.
            *node = prepend_path(&[index as u8], child);
        }
        _ => {}
    }
    Ok(())
}

/// Restores the canonical shape of an extension whose child changed: an empty child
/// empties it, a leaf or extension child absorbs its path.
fn merge_extension_child(node: &mut Node) {
    let Node::Extension(extension) = node else { return };
    match extension.child {
        Node::Empty => *node = Node::Empty,
        Node::Leaf(_) | Node::Extension(_) => {
            if let Node::Extension(extension) = std::mem::take(node) {
                let ExtensionNode { path, child, .. } = *extension;
                *node = prepend_path(&path, child);
            }
        }
        Node::Branch(_) | Node::Hash(_) => {}
    }
}

/// `child` moved up by `prefix` nibbles: its path grows, or (for a branch) it gets an
/// extension of its own.
fn prepend_path(prefix: &[u8], child: Node) -> Node {
    match child {
        Node::Leaf(mut leaf) => {
            leaf.path.splice(0..0, prefix.iter().copied());
            leaf.state = NodeState::Dirty;
            Node::Leaf(leaf)
        }
        Node::Extension(mut extension) => {
            extension.path.splice(0..0, prefix.iter().copied());
            extension.state = NodeState::Dirty;
            Node::Extension(extension)
        }
        other => Node::with_prefix(prefix, other),
    }
}

fn unload_clean(node: &mut Node) {
    if let Some(NodeState::Clean(reference)) = node.state() {
        if let Some(hash) = reference.as_hash() {
            *node = Node::Hash(hash);
        }
        // A clean node referenced inline has only inline descendants.
        return;
    }
    match node {
        Node::Extension(extension) => unload_clean(&mut extension.child),
        Node::Branch(branch) => branch.children.iter_mut().for_each(unload_clean),
        Node::Empty | Node::Hash(_) | Node::Leaf(_) => {}
    }
}
