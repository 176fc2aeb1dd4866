//! Node references and hashes: rehashes only dirty nodes (clean ones reuse their
//! cached reference) and, when committing, collects every newly encoded node that
//! is referenced by hash.

use crate::node::{Node, NodeState, empty_ref, encode_branch, encode_extension, encode_leaf};
use alloy_primitives::{B256, Bytes};
use alloy_trie::nodes::RlpNode;

/// Computes node references, caching them in the nodes.
pub(crate) struct Hasher<'a> {
    /// Encoding scratch space; after [`Self::encode`] it holds that node's RLP.
    pub(crate) buf: &'a mut Vec<u8>,
    /// `Some` when committing: receives new hash-referenced nodes, and dirty nodes
    /// become clean.
    pub(crate) committed: Option<&'a mut Vec<(B256, Bytes)>>,
}

impl Hasher<'_> {
    /// The node's reference in its parent: its RLP if shorter than 32 bytes, else
    /// the RLP of its keccak.
    pub(crate) fn reference(&mut self, node: &mut Node) -> RlpNode {
        let Some(state) = node.state() else {
            return match node {
                Node::Hash(hash) => RlpNode::word_rlp(hash),
                _ => empty_ref(),
            };
        };
        match state {
            NodeState::Clean(reference) => return reference.clone(),
            NodeState::Hashed(reference) if self.committed.is_none() => return reference.clone(),
            NodeState::Hashed(_) | NodeState::Dirty => {}
        }
        self.encode(node);
        let Some(state) = node.state_mut() else { return empty_ref() };
        let reference = match state {
            NodeState::Hashed(reference) => reference.clone(),
            _ => RlpNode::from_rlp(self.buf),
        };
        match &mut self.committed {
            Some(committed) => {
                if let Some(hash) = reference.as_hash() {
                    committed.push((hash, Bytes::copy_from_slice(self.buf)));
                }
                *state = NodeState::Clean(reference.clone());
            }
            None => *state = NodeState::Hashed(reference.clone()),
        }
        reference
    }

    /// Writes the node's RLP into `buf`, computing its children's references first.
    /// `Empty` and unresolved `Hash` nodes have no encoding here and leave `buf` empty.
    pub(crate) fn encode(&mut self, node: &mut Node) {
        match node {
            Node::Empty | Node::Hash(_) => self.buf.clear(),
            Node::Leaf(leaf) => {
                self.buf.clear();
                encode_leaf(&leaf.path, &leaf.value, self.buf);
            }
            Node::Extension(extension) => {
                let child = self.reference(&mut extension.child);
                self.buf.clear();
                encode_extension(&extension.path, &child, self.buf);
            }
            Node::Branch(branch) => {
                let mut children: [RlpNode; 16] = Default::default();
                for (reference, child) in children.iter_mut().zip(&mut branch.children) {
                    *reference = self.reference(child);
                }
                self.buf.clear();
                encode_branch(&children, branch.value.as_deref(), self.buf);
            }
        }
    }
}
