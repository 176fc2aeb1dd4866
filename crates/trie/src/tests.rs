//! Behaviour of the public API: roots against alloy's `HashBuilder`, a naive
//! reference and known Ethereum vectors; commit and reopen; proofs; missing and
//! malformed nodes; witness recording.

use crate::{
    EMPTY_ROOT_HASH, MemoryNodes, NodeReader, RecordingReader, Trie, TrieError, verify_proof,
};
use alloy_primitives::{B256, Bytes, b256, hex, keccak256};
use alloy_rlp::{Encodable, Header};
use alloy_trie::{HashBuilder, Nibbles};
use proptest::prelude::*;
use std::{cell::RefCell, collections::BTreeMap, rc::Rc};

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

/// Root over a prefix-free key set (at most 32-byte keys) by alloy's `HashBuilder`.
fn hash_builder_root(model: &Model) -> B256 {
    let mut builder = HashBuilder::default();
    for (key, value) in model {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

/// Naive root built straight from the definition; unlike `HashBuilder` it allows
/// keys that are prefixes of other keys (values in branches).
fn reference_root(model: &Model) -> B256 {
    let items: Vec<(Vec<u8>, &[u8])> =
        model.iter().map(|(key, value)| (to_nibbles(key), value.as_slice())).collect();
    if items.is_empty() { EMPTY_ROOT_HASH } else { keccak256(reference_node(&items, 0)) }
}

fn to_nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|byte| [byte >> 4, byte & 0x0f]).collect()
}

fn reference_node(items: &[(Vec<u8>, &[u8])], depth: usize) -> Vec<u8> {
    let rlp_string = |bytes: &[u8]| {
        let mut out = Vec::new();
        bytes.encode(&mut out);
        out
    };
    let rlp_list = |fields: &[Vec<u8>]| {
        let payload_length = fields.iter().map(Vec::len).sum();
        let mut out = Vec::new();
        Header { list: true, payload_length }.encode(&mut out);
        fields.iter().for_each(|field| out.extend(field));
        out
    };
    let hex_prefix = |path: &[u8], leaf: bool| {
        let flag = if leaf { 2 } else { 0 } + (path.len() % 2) as u8;
        let mut nibbles = vec![flag];
        if path.len().is_multiple_of(2) {
            nibbles.push(0);
        }
        nibbles.extend(path);
        let bytes: Vec<u8> = nibbles.chunks(2).map(|pair| (pair[0] << 4) | pair[1]).collect();
        rlp_string(&bytes)
    };
    let child_ref =
        |rlp: Vec<u8>| if rlp.len() < 32 { rlp } else { rlp_string(&keccak256(&rlp)[..]) };

    if let [(key, value)] = items {
        return rlp_list(&[hex_prefix(&key[depth..], true), rlp_string(value)]);
    }
    let first = &items[0].0[depth..];
    let common = items
        .iter()
        .map(|(key, _)| first.iter().zip(&key[depth..]).take_while(|(a, b)| a == b).count())
        .min()
        .unwrap_or(0);
    if common > 0 {
        let child = child_ref(reference_node(items, depth + common));
        return rlp_list(&[hex_prefix(&first[..common], false), child]);
    }
    let mut fields = Vec::new();
    for nibble in 0..16u8 {
        let group: Vec<_> =
            items.iter().filter(|(key, _)| key.get(depth) == Some(&nibble)).cloned().collect();
        fields.push(if group.is_empty() {
            rlp_string(&[])
        } else {
            child_ref(reference_node(&group, depth + 1))
        });
    }
    let value = items.iter().find(|(key, _)| key.len() == depth).map_or(&[][..], |(_, v)| v);
    fields.push(rlp_string(value));
    rlp_list(&fields)
}

/// A node store shared between a test and the trie reading from it.
#[derive(Clone, Default)]
struct SharedNodes(Rc<RefCell<MemoryNodes>>);

impl NodeReader for SharedNodes {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        self.0.borrow().node(hash)
    }
}

fn value_for(index: u64, len: usize) -> Vec<u8> {
    let seed = keccak256(index.to_be_bytes());
    seed.iter().cycle().take(len).copied().collect()
}

/// A committed trie of `count` keccak-hashed keys with 70-byte values, plus two keys
/// that differ only in their last nibble so deleting one collapses their branch.
fn committed_trie(count: u64) -> (B256, MemoryNodes, Model) {
    let mut model = Model::new();
    for index in 0..count {
        model.insert(keccak256(index.to_be_bytes()).to_vec(), value_for(index, 70));
    }
    model.insert(collapse_pair().0.to_vec(), value_for(1_000_001, 70));
    model.insert(collapse_pair().1.to_vec(), value_for(1_000_002, 70));
    let mut trie = Trie::new(MemoryNodes::new());
    for (key, value) in &model {
        trie.insert(key, value.clone()).unwrap();
    }
    let (root, nodes) = trie.commit();
    let mut store = MemoryNodes::new();
    store.extend(nodes);
    (root, store, model)
}

/// Two keys sharing 63 nibbles: their leaves hang from one two-child branch.
fn collapse_pair() -> ([u8; 32], [u8; 32]) {
    let mut first = [0xaa; 32];
    let mut second = [0xaa; 32];
    first[31] = 0xa1;
    second[31] = 0xa2;
    (first, second)
}

fn hash_of_last_proof_node(trie: &mut Trie<impl NodeReader>, key: &[u8]) -> B256 {
    keccak256(trie.proof(key).unwrap().last().unwrap())
}

#[test]
fn empty_trie_has_the_empty_root() {
    assert_eq!(
        EMPTY_ROOT_HASH,
        b256!("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
    );
    let mut trie = Trie::new(MemoryNodes::new());
    assert_eq!(trie.root_hash(), EMPTY_ROOT_HASH);
    assert_eq!(trie.commit(), (EMPTY_ROOT_HASH, vec![]));
    let mut opened = Trie::open(MemoryNodes::new(), EMPTY_ROOT_HASH);
    assert_eq!(opened.get(b"anything").unwrap(), None);
    assert_eq!(opened.proof(b"anything").unwrap(), Vec::<Bytes>::new());
    assert_eq!(verify_proof(EMPTY_ROOT_HASH, b"anything", &[]), Ok(None));

    let shared: std::sync::Arc<dyn NodeReader> = std::sync::Arc::new(MemoryNodes::new());
    let boxed: Box<dyn NodeReader> = Box::new(MemoryNodes::new());
    assert_eq!(Trie::new(shared).root_hash(), EMPTY_ROOT_HASH);
    assert_eq!(Trie::new(boxed).root_hash(), EMPTY_ROOT_HASH);
}

#[test]
fn known_ethereum_vectors_match() {
    enum Step {
        Put(&'static str, &'static str),
        Del(&'static str),
        Root(B256),
    }
    use Step::{Del, Put, Root};
    let long = "1234567890abcdefghijklmnopqrstuvwxxzABCEFGHIJKLMNOPQRSTUVWXYZ";
    let vectors: Vec<(&str, Vec<Step>)> = vec![
        (
            "dogs",
            vec![
                Put("doe", "reindeer"),
                Root(b256!("0x11a0327cfcc5b7689b6b6d727e1f5f8846c1137caaa9fc871ba31b7cce1b703e")),
                Put("dog", "puppy"),
                Root(b256!("0x05ae693aac2107336a79309e0c60b24a7aac6aa3edecaef593921500d33c63c4")),
                Put("dogglesworth", "cat"),
                Root(b256!("0x8aad789dff2f538bca5d8ea56e8abe10f4c7ba3a5dea95fea4cd6e7c3a1168d3")),
            ],
        ),
        (
            "puppy",
            vec![
                Put("do", "verb"),
                Put("doge", "coin"),
                Put("horse", "stallion"),
                Put("dog", "puppy"),
                Root(b256!("0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84")),
            ],
        ),
        (
            "emptyValues",
            vec![
                Put("do", "verb"),
                Put("ether", "wookiedoo"),
                Put("horse", "stallion"),
                Put("shaman", "horse"),
                Put("doge", "coin"),
                Del("ether"),
                Put("dog", "puppy"),
                Del("shaman"),
                Root(b256!("0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84")),
            ],
        ),
        (
            "foo",
            vec![
                Put("foo", "bar"),
                Put("food", "bat"),
                Put("food", "bass"),
                Root(b256!("0x17beaa1648bafa633cda809c90c04af50fc8aed3cb40d16efbddee6fdf63c4c3")),
            ],
        ),
        (
            "smallValues",
            vec![
                Put("be", "e"),
                Put("dog", "puppy"),
                Put("bed", "d"),
                Root(b256!("0x3f67c7a47520f79faa29255d2d3c084a7a6df0453116ed7232ff10277a8be68b")),
            ],
        ),
        (
            "testy",
            vec![
                Put("test", "test"),
                Root(b256!("0x85d106d4edff3b7a4889e91251d0a87d7c17a1dda648ebdba8c6060825be23b8")),
                Put("te", "testy"),
                Root(b256!("0x8452568af70d8d140f58d941338542f645fcca50094b20f3c3d8c3df49337928")),
            ],
        ),
        (
            "singleItem",
            vec![
                Put("A", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                Root(b256!("0xd23786fb4a010da3ce639d66d5e904a11dbc02746d1ce25029e53290cabf28ab")),
            ],
        ),
        (
            "deleteMultipleItems1",
            vec![
                Put("cat", "dog"),
                Put("ca", "dude"),
                Put("doge", long),
                Put("dog", "test"),
                Put("test", long),
                Root(b256!("0x3a784eddf1936515f0313b073f99e3bd65c38689021d24855f62a9601ea41717")),
                Del("dog"),
                Root(b256!("0x60a2e75cfa153c4af2783bd6cb48fd6bed84c6381bc2c8f02792c046b46c0653")),
                Del("test"),
                Root(b256!("0xa84739b4762ddf15e3acc4e6957e5ab2bbfaaef00fe9d436a7369c6f058ec90d")),
            ],
        ),
        (
            "deleteMultipleItems2",
            vec![
                Put("c", long),
                Put("ca", long),
                Put("cat", long),
                Root(b256!("0xcf1ed2b6c4b6558f70ef0ecf76bfbee96af785cb5d5e7bfc37f9804ad8d0fb56")),
                Del("ca"),
                Root(b256!("0xf586af4a476ba853fca8cea1fbde27cd17d537d18f64269fe09b02aa7fe55a9e")),
                Del("cat"),
                Root(b256!("0xc59fdc16a80b11cc2f7a8b107bb0c954c0d8059e49c760ec3660eea64053ac91")),
            ],
        ),
        (
            "deleteLongString",
            vec![
                Put("cat", long),
                Put("dog", long),
                Root(b256!("0x318961a1c8f3724286e8e80d312352f01450bc4892c165cc7614e1c2e5a0012a")),
                Del("dog"),
                Root(b256!("0x63356ecf33b083e244122fca7a9b128cc7620d438d5d62e4f8b5168f1fb0527b")),
            ],
        ),
        (
            "deleteShortString",
            vec![
                Put("ca", "dude"),
                Put("cat", "dog"),
                Root(b256!("0xa9539c810cc2e8fa20785bdd78ec36cc1dab4b41f0d531e80a5e5fd25c3037ee")),
                Del("cat"),
                Root(b256!("0xb25e1b5be78dbadf6c4e817c6d170bbb47e9916f8f6cc4607c5f3819ce98497b")),
            ],
        ),
        (
            "deleteAll",
            vec![
                Put("ca", "dude"),
                Put("cat", "dog"),
                Put("doge", long),
                Root(b256!("0xa84739b4762ddf15e3acc4e6957e5ab2bbfaaef00fe9d436a7369c6f058ec90d")),
                Del("ca"),
                Del("cat"),
                Del("doge"),
                Root(EMPTY_ROOT_HASH),
            ],
        ),
    ];
    for (name, steps) in vectors {
        let mut trie = Trie::new(MemoryNodes::new());
        let mut model = Model::new();
        for step in steps {
            match step {
                Put(key, value) => {
                    trie.insert(key.as_bytes(), value.as_bytes().to_vec()).unwrap();
                    model.insert(key.as_bytes().to_vec(), value.as_bytes().to_vec());
                }
                Del(key) => {
                    trie.delete(key.as_bytes()).unwrap();
                    model.remove(key.as_bytes());
                }
                Root(expected) => {
                    assert_eq!(trie.root_hash(), expected, "{name}");
                    assert_eq!(reference_root(&model), expected, "reference for {name}");
                }
            }
        }
    }
}

#[test]
fn secure_and_storage_vectors_match() {
    let mut secure = Trie::new(MemoryNodes::new());
    for (key, value) in [
        ("do", "verb"),
        ("ether", "wookiedoo"),
        ("horse", "stallion"),
        ("shaman", "horse"),
        ("doge", "coin"),
        ("ether", ""),
        ("dog", "puppy"),
        ("shaman", ""),
    ] {
        secure.insert(&keccak256(key)[..], value.as_bytes().to_vec()).unwrap();
    }
    assert_eq!(
        secure.root_hash(),
        b256!("0x29b235a58c3c25ab83010c327d5932bcf05324b7d6b1185e650798034783ca9d")
    );

    let mut storage = Trie::new(MemoryNodes::new());
    for (slot, value) in [
        (0x10u8, &hex!("947e70f9460402290a3e487dae01f610a1a8218fda")[..]),
        (0x14, &hex!("40")[..]),
        (0x16, &hex!("94412e0c4f0102f3f0ac63f0a125bce36ca75d4e0d")[..]),
        (0x17, &hex!("01")[..]),
    ] {
        let mut key = [0u8; 32];
        key[31] = slot;
        storage.insert(&key, value.to_vec()).unwrap();
    }
    assert_eq!(
        storage.root_hash(),
        b256!("0x517eaccda568f3fa24915fed8add49d3b743b3764c0bc495b19a47c54dbc3d62")
    );
}

#[test]
fn empty_value_deletes_and_absent_delete_is_a_no_op() {
    let mut trie = Trie::new(MemoryNodes::new());
    trie.insert(b"dog", b"puppy".to_vec()).unwrap();
    let root = trie.root_hash();
    trie.insert(b"doge", b"coin".to_vec()).unwrap();
    trie.insert(b"doge", Vec::new()).unwrap();
    assert_eq!(trie.get(b"doge").unwrap(), None);
    assert_eq!(trie.root_hash(), root);
    trie.delete(b"cat").unwrap();
    trie.delete(b"do").unwrap();
    trie.delete(b"dogs").unwrap();
    assert_eq!(trie.root_hash(), root);
    assert_eq!(trie.get(b"dog").unwrap(), Some(b"puppy".to_vec()));
}

#[test]
fn commit_returns_a_short_root_and_only_new_nodes() {
    let mut trie = Trie::new(MemoryNodes::new());
    trie.insert(b"a", b"b".to_vec()).unwrap();
    let hashed = trie.root_hash();
    let (root, nodes) = trie.commit();
    assert_eq!(root, hashed);
    assert_eq!(nodes.len(), 1, "the short root node is still returned");
    assert_eq!(nodes[0].0, keccak256(&nodes[0].1));
    assert!(nodes[0].1.len() < 32);
    assert_eq!(trie.commit(), (root, vec![]), "nothing new since the last commit");

    let store: MemoryNodes = nodes.into_iter().collect();
    let mut reopened = Trie::open(&store, root);
    assert_eq!(reopened.get(b"a").unwrap(), Some(b"b".to_vec()));
    reopened.insert(b"c", vec![7; 40]).unwrap();
    let (_, nodes) = reopened.commit();
    assert!(nodes.iter().all(|(hash, rlp)| *hash == keccak256(rlp)));
    assert!(nodes.iter().any(|(_, rlp)| rlp.len() >= 32));
}

#[test]
fn root_hash_before_commit_does_not_hide_new_nodes() {
    let (_, store, model) = committed_trie(50);
    let mut trie = Trie::new(MemoryNodes::new());
    for (key, value) in &model {
        trie.insert(key, value.clone()).unwrap();
    }
    let hashed = trie.root_hash();
    let (root, nodes) = trie.commit();
    assert_eq!(root, hashed);
    let committed: MemoryNodes = nodes.into_iter().collect();
    assert_eq!(committed.len(), store.len());
}

#[derive(Debug, Clone)]
enum Op {
    Insert(prop::sample::Index, Vec<u8>),
    Delete(prop::sample::Index),
    Commit,
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let value = prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 1..8),
        4 => prop::collection::vec(any::<u8>(), 8..80),
        1 => Just(Vec::new()),
    ];
    prop_oneof![
        8 => (any::<prop::sample::Index>(), value).prop_map(|(key, value)| Op::Insert(key, value)),
        4 => any::<prop::sample::Index>().prop_map(Op::Delete),
        1 => Just(Op::Commit),
    ]
}

fn low_entropy_bytes(len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(vec![0x00u8, 0x01, 0x10, 0x11, 0xab, 0xff]), len)
}

/// Keys whose first byte fixes their length, so no key is a prefix of another
/// (as `HashBuilder` requires); random 32-byte keys and low-entropy ones that share
/// long prefixes.
fn prefix_free_key() -> impl Strategy<Value = Vec<u8>> {
    let with_class = |class: u8, body: Vec<u8>| [vec![class], body].concat();
    prop_oneof![
        any::<[u8; 31]>().prop_map(move |body| with_class(0, body.to_vec())),
        low_entropy_bytes(31).prop_map(move |body| with_class(1, body)),
        Just(vec![2]),
        low_entropy_bytes(2).prop_map(move |body| with_class(3, body)),
        low_entropy_bytes(8).prop_map(move |body| with_class(4, body)),
    ]
}

/// Keys of 0 to 4 bytes from a tiny alphabet: many are prefixes of others.
fn prefixed_key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(vec![0x00u8, 0x01, 0x10, 0xff]), 0..5)
}

/// Applies `ops` to a trie and a model, checking the root after every step with
/// `expected_root`. On `Commit` the trie is reopened over only the nodes commits
/// returned, and every key is read back.
fn run_ops(
    keys: &[Vec<u8>],
    ops: &[Op],
    expected_root: fn(&Model) -> B256,
) -> Result<(), TestCaseError> {
    let mut model = Model::new();
    let mut store = MemoryNodes::new();
    let mut trie = Trie::new(store.clone());
    for op in ops {
        match op {
            Op::Insert(index, value) => {
                let key = index.get(keys);
                trie.insert(key, value.clone()).unwrap();
                if value.is_empty() {
                    model.remove(key);
                } else {
                    model.insert(key.clone(), value.clone());
                }
            }
            Op::Delete(index) => {
                let key = index.get(keys);
                trie.delete(key).unwrap();
                model.remove(key);
            }
            Op::Commit => {
                let (root, nodes) = trie.commit();
                prop_assert!(nodes.iter().all(|(hash, rlp)| *hash == keccak256(rlp)));
                store.extend(nodes);
                prop_assert!(root == EMPTY_ROOT_HASH || store.contains(&root));
                trie = Trie::open(store.clone(), root);
                for key in keys {
                    prop_assert_eq!(trie.get(key).unwrap(), model.get(key).cloned());
                }
            }
        }
        prop_assert_eq!(trie.root_hash(), expected_root(&model));
    }
    for key in keys {
        prop_assert_eq!(trie.get(key).unwrap(), model.get(key).cloned());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn root_matches_hash_builder_for_mixed_keys(
        keys in prop::collection::vec(prefix_free_key(), 1..40),
        ops in prop::collection::vec(op_strategy(), 1..150),
    ) {
        run_ops(&keys, &ops, hash_builder_root)?;
    }

    #[test]
    fn root_matches_hash_builder_for_hashed_keys(
        keys in prop::collection::vec(any::<[u8; 32]>().prop_map(|key| key.to_vec()), 1..60),
        ops in prop::collection::vec(op_strategy(), 1..150),
    ) {
        run_ops(&keys, &ops, hash_builder_root)?;
    }

    #[test]
    fn root_matches_reference_when_keys_prefix_each_other(
        keys in prop::collection::vec(prefixed_key(), 1..30),
        ops in prop::collection::vec(op_strategy(), 1..150),
    ) {
        run_ops(&keys, &ops, reference_root)?;
    }

    #[test]
    fn proofs_verify_here_and_with_alloy(
        entries in prop::collection::btree_map(prefix_free_key(), prop::collection::vec(any::<u8>(), 1..80), 1..60),
        absent in prop::collection::vec(prefix_free_key(), 1..10),
        reopen in any::<bool>(),
    ) {
        let mut trie = Trie::new(MemoryNodes::new());
        for (key, value) in &entries {
            trie.insert(key, value.clone()).unwrap();
        }
        let root = trie.root_hash();
        if reopen {
            let (_, nodes) = trie.commit();
            trie = Trie::open(nodes.into_iter().collect(), root);
        }
        for key in entries.keys().chain(&absent) {
            let expected = entries.get(key).cloned();
            let proof = trie.proof(key).unwrap();
            prop_assert_eq!(verify_proof(root, key, &proof), Ok(expected.clone()));
            // alloy expects the root node to be referenced by hash, i.e. 32 bytes or more.
            if proof[0].len() >= 32 {
                let nibbles = Nibbles::unpack(key);
                prop_assert_eq!(
                    alloy_trie::proof::verify_proof(root, nibbles, expected.clone(), &proof),
                    Ok(())
                );
                let wrong = Some(expected.clone().unwrap_or_default().into_iter().chain([1]).collect());
                prop_assert!(alloy_trie::proof::verify_proof(root, nibbles, wrong, &proof).is_err());
            }
            assert_tampered_proofs_fail(root, key, &proof)?;
        }
    }

    #[test]
    fn proofs_verify_with_values_in_branches(
        entries in prop::collection::btree_map(prefixed_key(), prop::collection::vec(any::<u8>(), 1..40), 1..30),
        absent in prop::collection::vec(prefixed_key(), 1..10),
    ) {
        let mut trie = Trie::new(MemoryNodes::new());
        for (key, value) in &entries {
            trie.insert(key, value.clone()).unwrap();
        }
        let root = trie.root_hash();
        for key in entries.keys().chain(&absent) {
            let proof = trie.proof(key).unwrap();
            prop_assert_eq!(verify_proof(root, key, &proof), Ok(entries.get(key).cloned()));
            assert_tampered_proofs_fail(root, key, &proof)?;
        }
    }

    #[test]
    fn arbitrary_stored_bytes_never_panic(
        garbage in prop::collection::vec(any::<u8>(), 0..200),
        key in prop::collection::vec(any::<u8>(), 0..33),
        at_root in any::<bool>(),
    ) {
        let (root, mut store, _) = committed_trie(20);
        let victim = if at_root { root } else { *store.iter().map(|(hash, _)| hash).find(|hash| **hash != root).unwrap() };
        store.insert(victim, garbage.into());
        let mut trie = Trie::open(&store, root);
        let _ = trie.get(&key);
        let _ = trie.proof(&key);
        let _ = trie.insert(&key, vec![1; 40]);
        let _ = trie.delete(&key);
        let _ = trie.root_hash();
        let _ = trie.commit();
    }

    #[test]
    fn arbitrary_proofs_never_panic(
        root in any::<[u8; 32]>(),
        key in prop::collection::vec(any::<u8>(), 0..40),
        proof in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..120), 0..4),
    ) {
        let proof: Vec<Bytes> = proof.into_iter().map(Bytes::from).collect();
        let _ = verify_proof(B256::from(root), &key, &proof);
        // With the root matching the first node, decoding is exercised too.
        if let Some(first) = proof.first() {
            let _ = verify_proof(keccak256(first), &key, &proof);
        }
    }
}

fn assert_tampered_proofs_fail(
    root: B256,
    key: &[u8],
    proof: &[Bytes],
) -> Result<(), TestCaseError> {
    for index in 0..proof.len() {
        let mut tampered = proof.to_vec();
        let mut node = tampered[index].to_vec();
        let last = node.len() - 1;
        node[last] ^= 0x01;
        tampered[index] = node.into();
        prop_assert!(verify_proof(root, key, &tampered).is_err());
    }
    if !proof.is_empty() {
        prop_assert_eq!(
            verify_proof(root, key, &proof[..proof.len() - 1]),
            Err(TrieError::ProofIncomplete)
        );
        let mut extended = proof.to_vec();
        extended.push(proof[proof.len() - 1].clone());
        prop_assert!(verify_proof(root, key, &extended).is_err());
    }
    Ok(())
}

#[test]
fn proof_of_a_dirty_trie_equals_proof_after_commit() {
    let (root, store, model) = committed_trie(200);
    let mut trie = Trie::open(&store, root);
    trie.insert(&[0x42; 32], vec![9; 70]).unwrap();
    trie.delete(&collapse_pair().0).unwrap();
    let dirty: Vec<_> = model.keys().map(|key| trie.proof(key).unwrap()).collect();
    let (new_root, nodes) = trie.commit();
    let mut updated = store.clone();
    updated.extend(nodes);
    let mut reopened = Trie::open(&updated, new_root);
    for (key, dirty_proof) in model.keys().zip(dirty) {
        assert_eq!(reopened.proof(key).unwrap(), dirty_proof);
    }
}

#[test]
fn missing_nodes_are_reported_and_leave_the_trie_unchanged() {
    let (root, store, model) = committed_trie(300);
    let key = model.keys().next().unwrap().clone();
    let proof = Trie::open(&store, root).proof(&key).unwrap();
    assert!(proof.len() >= 3);
    let missing = keccak256(&proof[1]);
    let mut partial = store.clone();
    partial.remove(&missing);

    let mut trie = Trie::open(&partial, root);
    assert_eq!(trie.get(&key), Err(TrieError::MissingNode(missing)));
    assert_eq!(trie.insert(&key, vec![1; 50]), Err(TrieError::MissingNode(missing)));
    assert_eq!(trie.insert(&key, vec![]), Err(TrieError::MissingNode(missing)));
    assert_eq!(trie.delete(&key), Err(TrieError::MissingNode(missing)));
    assert_eq!(trie.proof(&key), Err(TrieError::MissingNode(missing)));
    assert_eq!(trie.root_hash(), root);

    let mut rootless = Trie::open(MemoryNodes::new(), root);
    assert_eq!(rootless.get(&key), Err(TrieError::MissingNode(root)));
    assert_eq!(rootless.delete(&key), Err(TrieError::MissingNode(root)));
}

#[test]
fn collapsing_delete_needs_the_sibling_and_fails_cleanly_without_it() {
    let (root, store, _) = committed_trie(100);
    let (deleted, sibling) = collapse_pair();
    let sibling_leaf = hash_of_last_proof_node(&mut Trie::open(&store, root), &sibling);
    let mut partial = store.clone();
    partial.remove(&sibling_leaf);

    let mut trie = Trie::open(&partial, root);
    assert_eq!(trie.get(&deleted).unwrap().map(|v| v.len()), Some(70));
    assert_eq!(trie.delete(&deleted), Err(TrieError::MissingNode(sibling_leaf)));
    assert_eq!(trie.root_hash(), root, "a failed delete changes nothing");
    assert!(trie.get(&deleted).unwrap().is_some());
}

#[test]
fn recorded_witness_replays_the_same_operations() {
    let (root, store, model) = committed_trie(500);
    let keys: Vec<&Vec<u8>> = model.keys().collect();
    let (collapsing, sibling) = collapse_pair();
    let run = |trie: &mut Trie<&dyn NodeReader>| -> (Vec<Option<Vec<u8>>>, B256, usize) {
        let mut reads = Vec::new();
        for key in keys.iter().step_by(7) {
            reads.push(trie.get(key).unwrap());
        }
        reads.push(trie.get(&[0x55; 32]).unwrap());
        trie.delete(&collapsing).unwrap();
        for key in keys.iter().skip(3).step_by(50) {
            trie.delete(key).unwrap();
        }
        for key in keys.iter().skip(5).step_by(40) {
            trie.insert(key, vec![0xee; 3]).unwrap();
        }
        trie.insert(&keccak256(b"new account")[..], vec![1; 70]).unwrap();
        trie.delete(&keccak256(b"never existed")[..]).unwrap();
        reads.push(trie.get(&sibling).unwrap());
        let (root, nodes) = trie.commit();
        (reads, root, nodes.len())
    };

    let recording = RecordingReader::new(&store);
    let expected = run(&mut Trie::open(&recording as &dyn NodeReader, root));
    let witness = recording.take_recorded();
    assert_eq!(recording.recorded_len(), 0);
    let sibling_leaf = hash_of_last_proof_node(&mut Trie::open(&store, root), &sibling);
    assert!(
        witness.iter().any(|node| keccak256(node) == sibling_leaf),
        "collapse read the sibling"
    );
    assert!(witness.len() < store.len() / 2, "{} of {}", witness.len(), store.len());

    let partial = MemoryNodes::from_witness(witness);
    assert_eq!(run(&mut Trie::open(&partial as &dyn NodeReader, root)), expected);

    let mut without_sibling = partial.clone();
    without_sibling.remove(&sibling_leaf);
    let mut trie = Trie::open(&without_sibling, root);
    assert_eq!(trie.delete(&collapsing), Err(TrieError::MissingNode(sibling_leaf)));
}

#[test]
fn malformed_stored_nodes_are_errors() {
    let (root, store, model) = committed_trie(50);
    let key = model.keys().next().unwrap().clone();
    let child = keccak256(&Trie::open(&store, root).proof(&key).unwrap()[1]);
    let cases: [(B256, &[u8]); 5] = [
        (root, &[0xc0]),
        (root, &[0xff, 0x00]),
        (root, &hex!("c3822001")),
        (child, &hex!("c22001")),
        (child, &[0x80; 40]),
    ];
    for (victim, bytes) in cases {
        let mut broken = store.clone();
        broken.insert(victim, Bytes::copy_from_slice(bytes));
        let mut trie = Trie::open(&broken, root);
        for result in [
            trie.get(&key).map(drop),
            trie.insert(&key, vec![5; 40]),
            trie.delete(&key),
            trie.proof(&key).map(drop),
        ] {
            match result {
                Err(TrieError::MalformedNode { hash, .. }) => assert_eq!(hash, victim),
                other => panic!("{}: expected MalformedNode, got {other:?}", hex::encode(bytes)),
            }
        }
    }
}

#[test]
fn unloading_clean_nodes_keeps_content_and_pending_changes() {
    let (root, store, model) = committed_trie(200);
    let shared = SharedNodes::default();
    shared.0.borrow_mut().extend(store.iter().map(|(hash, node)| (*hash, node.clone())));
    let mut trie = Trie::open(shared.clone(), root);
    for key in model.keys() {
        trie.get(key).unwrap();
    }
    trie.insert(&[0x42; 32], vec![1; 70]).unwrap();
    trie.unload_clean_nodes();
    let pending = trie.root_hash();
    let (committed_root, nodes) = trie.commit();
    assert_eq!(pending, committed_root);
    shared.0.borrow_mut().extend(nodes);
    trie.unload_clean_nodes();
    assert_eq!(trie.get(&[0x42; 32]).unwrap(), Some(vec![1; 70]));
    for (key, value) in &model {
        assert_eq!(trie.get(key).unwrap().as_ref(), Some(value));
    }
    assert_eq!(trie.root_hash(), committed_root);
}

/// Rough throughput; run with
/// `cargo test -p basalt-trie --release -- --ignored --nocapture throughput`.
#[test]
#[ignore]
fn throughput() {
    use std::time::Instant;
    const KEYS: u64 = 100_000;
    let keys: Vec<B256> = (0..KEYS).map(|i| keccak256(i.to_be_bytes())).collect();
    let value = vec![0x5a; 70];

    let start = Instant::now();
    let mut trie = Trie::new(MemoryNodes::new());
    for key in &keys {
        trie.insert(&key[..], value.clone()).unwrap();
    }
    let inserted = start.elapsed();
    let (root, nodes) = trie.commit();
    println!(
        "build: {KEYS} inserts {inserted:?} + commit {:?} ({} nodes)",
        start.elapsed() - inserted,
        nodes.len()
    );
    let store: MemoryNodes = nodes.into_iter().collect();

    let start = Instant::now();
    let mut trie = Trie::open(&store, root);
    for (i, key) in keys.iter().step_by(20).enumerate() {
        trie.insert(&key[..], (i as u64).to_be_bytes().repeat(9)).unwrap();
    }
    let updated = start.elapsed();
    let (_, nodes) = trie.commit();
    println!(
        "block: {} updates into the {KEYS}-key trie {updated:?} + commit {:?} ({} new nodes)",
        KEYS / 20,
        start.elapsed() - updated,
        nodes.len()
    );
}
