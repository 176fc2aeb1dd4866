//! In-memory trie nodes and their RLP form: decoding stored or embedded nodes
//! (strictly: anything non-canonical is an error, never a panic) and encoding
//! nodes given their children's references.

use crate::nibbles::{decode_hex_prefix, hex_prefix_rlp_len, write_hex_prefix_rlp};
use alloy_primitives::B256;
use alloy_rlp::{BufMut, EMPTY_STRING_CODE, Header};
use alloy_trie::nodes::RlpNode;

/// Number of items in an RLP branch node: 16 children and a value.
const BRANCH_ITEMS: usize = 17;
/// Encoded nodes at least this long are referenced by hash, shorter ones inline.
pub(crate) const HASH_REFERENCE_MIN_LEN: usize = 32;

/// A node of the in-memory trie.
#[derive(Debug, Default)]
pub(crate) enum Node {
    #[default]
    Empty,
    /// A subtree not loaded yet, referenced by the keccak of its RLP.
    Hash(B256),
    Leaf(Box<LeafNode>),
    Extension(Box<ExtensionNode>),
    Branch(Box<BranchNode>),
}

#[derive(Debug)]
pub(crate) struct LeafNode {
    pub(crate) path: Vec<u8>,
    pub(crate) value: Vec<u8>,
    pub(crate) state: NodeState,
}

#[derive(Debug)]
pub(crate) struct ExtensionNode {
    /// Never empty.
    pub(crate) path: Vec<u8>,
    pub(crate) child: Node,
    pub(crate) state: NodeState,
}

#[derive(Debug)]
pub(crate) struct BranchNode {
    pub(crate) children: [Node; 16],
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) state: NodeState,
}

/// Whether a node matches the store, and its RLP reference when known.
#[derive(Debug, Clone)]
pub(crate) enum NodeState {
    /// Changed since the last commit; reference not computed.
    Dirty,
    /// Changed since the last commit; reference computed by `root_hash`.
    Hashed(RlpNode),
    /// Loaded from the store or committed; reference known.
    Clean(RlpNode),
}

impl NodeState {
    pub(crate) fn is_dirty(&self) -> bool {
        !matches!(self, Self::Clean(_))
    }
}

impl Node {
    pub(crate) fn new_leaf(path: Vec<u8>, value: Vec<u8>) -> Self {
        Self::Leaf(Box::new(LeafNode { path, value, state: NodeState::Dirty }))
    }

    pub(crate) fn new_extension(path: Vec<u8>, child: Self) -> Self {
        Self::Extension(Box::new(ExtensionNode { path, child, state: NodeState::Dirty }))
    }

    /// `child` behind an extension of `path`, or `child` itself when `path` is empty.
    pub(crate) fn with_prefix(path: &[u8], child: Self) -> Self {
        if path.is_empty() { child } else { Self::new_extension(path.to_vec(), child) }
    }

    pub(crate) fn state(&self) -> Option<&NodeState> {
        match self {
            Self::Empty | Self::Hash(_) => None,
            Self::Leaf(leaf) => Some(&leaf.state),
            Self::Extension(extension) => Some(&extension.state),
            Self::Branch(branch) => Some(&branch.state),
        }
    }

    pub(crate) fn state_mut(&mut self) -> Option<&mut NodeState> {
        match self {
            Self::Empty | Self::Hash(_) => None,
            Self::Leaf(leaf) => Some(&mut leaf.state),
            Self::Extension(extension) => Some(&mut extension.state),
            Self::Branch(branch) => Some(&mut branch.state),
        }
    }

    pub(crate) fn is_dirty(&self) -> bool {
        self.state().is_some_and(NodeState::is_dirty)
    }
}

impl BranchNode {
    pub(crate) fn new() -> Box<Self> {
        Box::new(Self { children: Default::default(), value: None, state: NodeState::Dirty })
    }

    /// Number of non-empty children plus one if the branch holds a value.
    pub(crate) fn entry_count(&self) -> usize {
        self.children.iter().filter(|child| !matches!(child, Node::Empty)).count()
            + usize::from(self.value.is_some())
    }
}

/// The reference to an empty subtree inside a branch: the empty string.
pub(crate) fn empty_ref() -> RlpNode {
    RlpNode::from_rlp(&[EMPTY_STRING_CODE])
}

fn string_rlp_len(bytes: &[u8]) -> usize {
    match bytes {
        [byte] if *byte < EMPTY_STRING_CODE => 1,
        _ => alloy_rlp::length_of_length(bytes.len()) + bytes.len(),
    }
}

fn write_string_rlp(bytes: &[u8], out: &mut Vec<u8>) {
    match bytes {
        [byte] if *byte < EMPTY_STRING_CODE => out.put_u8(*byte),
        _ => {
            Header { list: false, payload_length: bytes.len() }.encode(out);
            out.put_slice(bytes);
        }
    }
}

pub(crate) fn encode_leaf(path: &[u8], value: &[u8], out: &mut Vec<u8>) {
    let payload_length = hex_prefix_rlp_len(path) + string_rlp_len(value);
    Header { list: true, payload_length }.encode(out);
    write_hex_prefix_rlp(path, true, out);
    write_string_rlp(value, out);
}

pub(crate) fn encode_extension(path: &[u8], child: &RlpNode, out: &mut Vec<u8>) {
    let payload_length = hex_prefix_rlp_len(path) + child.len();
    Header { list: true, payload_length }.encode(out);
    write_hex_prefix_rlp(path, false, out);
    out.put_slice(child);
}

pub(crate) fn encode_branch(children: &[RlpNode; 16], value: Option<&[u8]>, out: &mut Vec<u8>) {
    let value_len = value.map_or(1, string_rlp_len);
    let payload_length = children.iter().map(|child| child.len()).sum::<usize>() + value_len;
    Header { list: true, payload_length }.encode(out);
    for child in children {
        out.put_slice(child);
    }
    match value {
        Some(value) => write_string_rlp(value, out),
        None => out.put_u8(EMPTY_STRING_CODE),
    }
}

/// One RLP item: its payload, whether it is a list, and its full encoding.
struct RlpItem<'a> {
    is_list: bool,
    payload: &'a [u8],
    raw: &'a [u8],
}

fn next_item<'a>(buf: &mut &'a [u8]) -> Result<RlpItem<'a>, String> {
    let start: &'a [u8] = buf;
    let header = Header::decode(buf).map_err(|err| format!("invalid RLP: {err}"))?;
    let rest: &'a [u8] = buf;
    let payload = rest.get(..header.payload_length).ok_or("RLP item exceeds its input")?;
    *buf = rest.get(header.payload_length..).unwrap_or_default();
    let raw_len = start.len() - buf.len();
    let raw = start.get(..raw_len).unwrap_or_default();
    Ok(RlpItem { is_list: header.list, payload, raw })
}

/// Decodes the RLP of a leaf, extension or branch node. Embedded children are decoded
/// too; every decoded node is `Clean`, the caller sets the top node's reference.
pub(crate) fn decode_node(rlp: &[u8]) -> Result<Node, String> {
    let mut buf = rlp;
    let list = next_item(&mut buf)?;
    if !list.is_list {
        return Err("node is not an RLP list".into());
    }
    if !buf.is_empty() {
        return Err("trailing bytes after node".into());
    }
    let mut items: [Option<RlpItem<'_>>; BRANCH_ITEMS] = Default::default();
    let mut count = 0;
    let mut payload = list.payload;
    while !payload.is_empty() {
        let slot = items.get_mut(count).ok_or("node list has more than 17 items")?;
        *slot = Some(next_item(&mut payload)?);
        count += 1;
    }
    match items {
        [Some(path), Some(second), None, ..] => decode_short_node(path, second),
        [
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
            Some(_),
        ] => decode_branch(items),
        _ => Err(format!("node list has {count} items, expected 2 or 17")),
    }
}

fn decode_short_node(path: RlpItem<'_>, second: RlpItem<'_>) -> Result<Node, String> {
    if path.is_list {
        return Err("node path is a list".into());
    }
    let (path, is_leaf) = decode_hex_prefix(path.payload)?;
    if is_leaf {
        if second.is_list {
            return Err("leaf value is a list".into());
        }
        if second.payload.is_empty() {
            return Err("leaf value is empty".into());
        }
        let value = second.payload.to_vec();
        return Ok(Node::Leaf(Box::new(LeafNode { path, value, state: clean_placeholder() })));
    }
    if path.is_empty() {
        return Err("extension path is empty".into());
    }
    let child = decode_child(second)?;
    if matches!(child, Node::Empty) {
        return Err("extension child is empty".into());
    }
    Ok(Node::Extension(Box::new(ExtensionNode { path, child, state: clean_placeholder() })))
}

fn decode_branch(items: [Option<RlpItem<'_>>; BRANCH_ITEMS]) -> Result<Node, String> {
    let mut branch = BranchNode::new();
    branch.state = clean_placeholder();
    let mut items = items.into_iter().flatten();
    for child in &mut branch.children {
        *child = decode_child(items.next().ok_or("branch has too few items")?)?;
    }
    let value = items.next().ok_or("branch has too few items")?;
    if value.is_list {
        return Err("branch value is a list".into());
    }
    if !value.payload.is_empty() {
        branch.value = Some(value.payload.to_vec());
    }
    Ok(Node::Branch(branch))
}

/// A child reference: empty, a 32-byte hash, or a node embedded because its RLP is
/// shorter than 32 bytes.
fn decode_child(item: RlpItem<'_>) -> Result<Node, String> {
    if item.is_list {
        if item.raw.len() >= HASH_REFERENCE_MIN_LEN {
            return Err("embedded child node is 32 bytes or longer".into());
        }
        let mut child = decode_node(item.raw)?;
        let reference = RlpNode::from_raw(item.raw).ok_or("embedded child node too long")?;
        if let Some(state) = child.state_mut() {
            *state = NodeState::Clean(reference);
        }
        return Ok(child);
    }
    match item.payload.len() {
        0 => Ok(Node::Empty),
        32 => Ok(Node::Hash(B256::from_slice(item.payload))),
        len => Err(format!("child reference is a {len}-byte string, expected 0 or 32")),
    }
}

/// Decoded nodes are clean; the real reference is set by whoever knows it.
fn clean_placeholder() -> NodeState {
    NodeState::Clean(RlpNode::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    #[test]
    fn leaf_round_trips_through_rlp() {
        let mut out = Vec::new();
        encode_leaf(&[1, 2, 3], b"value", &mut out);
        let Node::Leaf(leaf) = decode_node(&out).unwrap() else { panic!("not a leaf") };
        assert_eq!((leaf.path.as_slice(), leaf.value.as_slice()), (&[1, 2, 3][..], &b"value"[..]));
    }

    #[test]
    fn branch_with_embedded_leaf_round_trips() {
        let mut leaf = Vec::new();
        encode_leaf(&[5], b"v", &mut leaf);
        let mut children: [RlpNode; 16] = std::array::from_fn(|_| empty_ref());
        children[3] = RlpNode::from_raw(&leaf).unwrap();
        children[9] = RlpNode::word_rlp(&B256::repeat_byte(7));
        let mut out = Vec::new();
        encode_branch(&children, Some(b"root value"), &mut out);
        let Node::Branch(branch) = decode_node(&out).unwrap() else { panic!("not a branch") };
        assert!(matches!(&branch.children[3], Node::Leaf(l) if l.value == b"v"));
        assert!(matches!(branch.children[9], Node::Hash(h) if h == B256::repeat_byte(7)));
        assert_eq!(branch.value.as_deref(), Some(&b"root value"[..]));
        assert_eq!(branch.entry_count(), 3);
    }

    #[test]
    fn malformed_nodes_are_rejected_with_a_reason() {
        let branch_of = |items: &str| {
            let payload = hex::decode(items).unwrap();
            let mut out = Vec::new();
            Header { list: true, payload_length: payload.len() }.encode(&mut out);
            out.extend(payload);
            out
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "invalid RLP"),
            (hex!("80").to_vec(), "not an RLP list"),
            (hex!("c0").to_vec(), "0 items"),
            (hex!("c3822001").to_vec(), "1 items"),
            (hex!("c2208000").to_vec(), "trailing bytes"),
            (hex!("c28080").to_vec(), "empty hex-prefix"),
            (hex!("c3204080").to_vec(), "3 items"),
            (hex!("c24001").to_vec(), "hex-prefix flag"),
            (hex!("c22080").to_vec(), "leaf value is empty"),
            (hex!("c220c0").to_vec(), "leaf value is a list"),
            (hex!("c21080").to_vec(), "extension child is empty"),
            (hex!("c2000a").to_vec(), "extension path is empty"),
            (hex!("c41082abcd").to_vec(), "2-byte string"),
            (hex!("c28105").to_vec(), "invalid RLP"),
            (branch_of(&"80".repeat(18)), "more than 17"),
            (branch_of(&format!("{}c0", "80".repeat(16))), "branch value is a list"),
        ];
        for (rlp, reason) in cases {
            let err = decode_node(&rlp).expect_err("must be rejected");
            assert!(err.contains(reason), "{}: got {err:?}, want {reason:?}", hex::encode(&rlp));
        }
    }

    #[test]
    fn embedded_child_of_32_bytes_or_more_is_rejected() {
        let mut long_leaf = Vec::new();
        encode_leaf(&[1], &[7; 30], &mut long_leaf);
        assert!(long_leaf.len() >= HASH_REFERENCE_MIN_LEN);
        let mut out = Vec::new();
        let payload_length = 1 + long_leaf.len();
        Header { list: true, payload_length }.encode(&mut out);
        out.push(0x11);
        out.extend(&long_leaf);
        let err = decode_node(&out).expect_err("must be rejected");
        assert!(err.contains("32 bytes or longer"), "{err}");
    }
}
