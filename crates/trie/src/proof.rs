//! Merkle proofs in the `eth_getProof` shape: building them from a [`Trie`] and
//! verifying them against a root, for inclusion and exclusion alike.

use crate::{
    EMPTY_ROOT_HASH, NodeReader, Trie, TrieError,
    hash::Hasher,
    nibbles::unpack,
    node::{Node, decode_node},
    trie::resolve,
};
use alloy_primitives::{B256, Bytes, keccak256};
use alloy_rlp::EMPTY_STRING_CODE;

impl<R: NodeReader> Trie<R> {
    /// The RLP of every node on `key`'s path that is referenced by hash, root first;
    /// nodes shorter than 32 bytes are embedded in their parent's RLP. For an absent
    /// key the path ends at the node where it diverges (an exclusion proof); for an
    /// empty trie the proof is empty. Uncommitted changes are included.
    pub fn proof(&mut self, key: &[u8]) -> Result<Vec<Bytes>, TrieError> {
        let path = unpack(key);
        resolve(&self.reader, &mut self.root, true)?;
        let reader = &self.reader;
        let mut hasher = Hasher { buf: &mut self.buf, committed: None };
        let mut proof = Vec::new();
        let mut node = &mut self.root;
        let mut rest = path.as_slice();
        let mut is_root = true;
        loop {
            resolve(reader, node, false)?;
            if matches!(node, Node::Empty) {
                return Ok(proof);
            }
            if is_root || hasher.reference(node).is_hash() {
                hasher.encode(node);
                proof.push(Bytes::copy_from_slice(hasher.buf));
            }
            is_root = false;
            match node {
                Node::Empty | Node::Leaf(_) => return Ok(proof),
                Node::Hash(hash) => return Err(TrieError::MissingNode(*hash)),
                Node::Extension(extension) => {
                    let Some(below) = rest.strip_prefix(extension.path.as_slice()) else {
                        return Ok(proof);
                    };
                    rest = below;
                    node = &mut extension.child;
                }
                Node::Branch(branch) => {
                    let Some((&nibble, below)) = rest.split_first() else {
                        return Ok(proof);
                    };
                    rest = below;
                    node = &mut branch.children[usize::from(nibble)];
                }
            }
        }
    }
}

/// Checks `proof` for `key` against `root`: `Ok(Some(value))` proves inclusion,
/// `Ok(None)` proves the key is absent, and any inconsistency is an error.
pub fn verify_proof(root: B256, key: &[u8], proof: &[Bytes]) -> Result<Option<Vec<u8>>, TrieError> {
    if proof.is_empty() {
        return if root == EMPTY_ROOT_HASH { Ok(None) } else { Err(TrieError::ProofIncomplete) };
    }
    let path = unpack(key);
    let mut rest = path.as_slice();
    let mut expected = root;
    for (index, rlp) in proof.iter().enumerate() {
        if keccak256(rlp) != expected {
            return Err(TrieError::ProofHashMismatch { index });
        }
        let node = if index == 0 && rlp.as_ref() == [EMPTY_STRING_CODE] {
            Node::Empty
        } else {
            decode_node(rlp).map_err(|reason| TrieError::MalformedProofNode { index, reason })?
        };
        match follow(&node, &mut rest) {
            ProofStep::Next(hash) => expected = hash,
            ProofStep::Decided(value) => {
                let extra = proof.len() - index - 1;
                if extra > 0 {
                    return Err(TrieError::ProofTrailingNodes { extra });
                }
                return Ok(value);
            }
        }
    }
    Err(TrieError::ProofIncomplete)
}

enum ProofStep {
    /// The path continues in the node with this hash.
    Next(B256),
    /// The path ends here, with this value or none.
    Decided(Option<Vec<u8>>),
}

/// Follows `rest` through a decoded proof node and its embedded children.
fn follow(mut node: &Node, rest: &mut &[u8]) -> ProofStep {
    loop {
        match node {
            Node::Empty => return ProofStep::Decided(None),
            Node::Hash(hash) => return ProofStep::Next(*hash),
            Node::Leaf(leaf) => {
                return ProofStep::Decided((leaf.path == *rest).then(|| leaf.value.clone()));
            }
            Node::Extension(extension) => match rest.strip_prefix(extension.path.as_slice()) {
                Some(below) => {
                    *rest = below;
                    node = &extension.child;
                }
                None => return ProofStep::Decided(None),
            },
            Node::Branch(branch) => match rest.split_first() {
                Some((&nibble, below)) => {
                    *rest = below;
                    node = &branch.children[usize::from(nibble)];
                }
                None => return ProofStep::Decided(branch.value.clone()),
            },
        }
    }
}
