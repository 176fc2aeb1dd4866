//! The state a stateless executor runs on: the account and storage tries opened at a root over a
//! node source (a witness's nodes, or the node's database while the witness is recorded), the
//! contract codes, and the ancestor block hashes. Changes of each executed block are applied to
//! the tries in memory, so the next block reads them without touching the node source again.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256, map::B256Map};
use alloy_rlp::Decodable;
use alloy_trie::{EMPTY_ROOT_HASH, KECCAK_EMPTY, TrieAccount};
use basalt_primitives::{Account, StateChanges, StateReadError, StateReader};
use basalt_trie::{NodeReader, Trie, TrieError};
use std::{
    cell::{RefCell, RefMut},
    collections::{BTreeMap, BTreeSet, HashMap},
};

/// What a witness lacks, or holds in a form that cannot be read: stateless execution stops at
/// the first such gap and names it, never reading a default in its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("the witness has no trie node {node} (needed for {path})")]
    MissingNode { node: B256, path: String },
    #[error("the witness has no code with hash {0}")]
    MissingCode(B256),
    #[error("the witness has no header of block {0} (read by BLOCKHASH)")]
    MissingHeader(u64),
    #[error("trie node {node} (for {path}) is malformed: {reason}")]
    MalformedNode { node: B256, path: String, reason: String },
    /// The node source failed (the database while a witness is recorded), not the witness.
    #[error("reading trie nodes for {path} failed: {reason}")]
    NodeSource { path: String, reason: String },
    #[error("the account leaf of {address} is not a valid RLP account: {reason}")]
    MalformedAccount { address: Address, reason: String },
    #[error("storage slot {slot} of {address} is not a valid RLP integer: {reason}")]
    MalformedSlot { address: Address, slot: U256, reason: String },
    #[error("the witness headers do not form a chain: {0}")]
    HeaderChain(String),
    #[error("witness header {index} is not a valid RLP header: {reason}")]
    MalformedHeader { index: usize, reason: String },
}

/// Source of contract code by keccak hash.
pub trait CodeSource {
    /// The code with hash `hash`; `Ok(None)` when the source does not hold it.
    fn code(&self, hash: B256) -> Result<Option<Bytes>, StateReadError>;
}

impl CodeSource for B256Map<Bytes> {
    fn code(&self, hash: B256) -> Result<Option<Bytes>, StateReadError> {
        Ok(self.get(&hash).cloned())
    }
}

impl<T: CodeSource + ?Sized> CodeSource for &T {
    fn code(&self, hash: B256) -> Result<Option<Bytes>, StateReadError> {
        (**self).code(hash)
    }
}

/// Account and storage tries over `N`, codes from `C`, and the block hashes of ancestors.
///
/// Reads need `&self` ([`StateReader`]) but walk tries that load nodes lazily, hence the
/// interior mutability; the executor is single-threaded.
pub struct StatelessState<N, C> {
    nodes: N,
    accounts: RefCell<Trie<N>>,
    /// Storage tries opened so far, at the account's current storage root.
    storage: RefCell<HashMap<Address, Trie<N>>>,
    codes: C,
    /// Codes deployed by blocks executed on this state.
    new_codes: RefCell<B256Map<Bytes>>,
    /// Canonical hashes by number: the ancestors given, then each executed block's.
    block_hashes: BTreeMap<u64, B256>,
    /// Numbers BLOCKHASH asked for (the witness must carry headers back to the lowest).
    hashes_read: RefCell<BTreeSet<u64>>,
    /// The addresses and slots read, when a witness is being recorded (its `keys`).
    keys_read: Option<RefCell<BTreeSet<Bytes>>>,
}

impl<N: NodeReader + Clone, C: CodeSource> StatelessState<N, C> {
    /// The state with root `state_root`, reading trie nodes from `nodes` and codes from `codes`;
    /// `block_hashes` are the ancestors BLOCKHASH may read (number -> hash).
    pub fn new(nodes: N, state_root: B256, codes: C, block_hashes: BTreeMap<u64, B256>) -> Self {
        Self {
            accounts: RefCell::new(Trie::open(nodes.clone(), state_root)),
            nodes,
            storage: RefCell::new(HashMap::new()),
            codes,
            new_codes: RefCell::new(B256Map::default()),
            block_hashes,
            hashes_read: RefCell::new(BTreeSet::new()),
            keys_read: None,
        }
    }

    /// Also records the addresses (20 bytes) and storage slots (32 bytes) read, for a
    /// witness's `keys`.
    pub fn recording_keys(mut self) -> Self {
        self.keys_read = Some(RefCell::default());
        self
    }

    /// The addresses and slots read so far, sorted (empty unless [`Self::recording_keys`]).
    pub fn keys_read(&self) -> Vec<Bytes> {
        self.keys_read
            .as_ref()
            .map(|keys| keys.borrow().iter().cloned().collect())
            .unwrap_or_default()
    }

    fn record_key(&self, key: &[u8]) {
        if let Some(keys) = &self.keys_read {
            keys.borrow_mut().insert(Bytes::copy_from_slice(key));
        }
    }

    /// The current state root (hashing only what changed since the last call).
    pub fn root(&self) -> B256 {
        self.accounts.borrow_mut().root_hash()
    }

    /// Records the hash of an executed block, so later blocks can read it with BLOCKHASH.
    pub fn push_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
    }

    /// The block numbers BLOCKHASH read so far.
    pub fn hashes_read(&self) -> BTreeSet<u64> {
        self.hashes_read.borrow().clone()
    }

    /// The node source the tries read from.
    pub fn nodes(&self) -> &N {
        &self.nodes
    }

    /// The code source.
    pub fn codes(&self) -> &C {
        &self.codes
    }

    /// Applies one block's changes and returns the new state root. Errors: a node the update
    /// needs is missing (a deletion can need the sibling of the removed path).
    pub fn apply(&mut self, changes: &StateChanges) -> Result<B256, WitnessError> {
        let accounts: BTreeMap<Address, Option<Account>> =
            changes.accounts.iter().copied().collect();
        let storage: BTreeMap<Address, _> =
            changes.storage.iter().map(|s| (s.address, s)).collect();
        let touched: BTreeSet<Address> = accounts.keys().chain(storage.keys()).copied().collect();
        self.new_codes.get_mut().extend(changes.code.iter().cloned());
        for address in touched {
            let before = self.trie_account(address)?;
            let info = match accounts.get(&address) {
                Some(info) => *info,
                None => before.map(|b| Account {
                    nonce: b.nonce,
                    balance: b.balance,
                    code_hash: b.code_hash,
                }),
            };
            let key = keccak256(address);
            let path = TriePath::Account(address);
            let Some(info) = info else {
                self.storage.get_mut().remove(&address);
                self.accounts.get_mut().delete(key.as_slice()).map_err(|e| trie_gap(e, path))?;
                continue;
            };
            let slots = storage.get(&address);
            let wiped = slots.is_some_and(|s| s.wiped);
            let root = match before {
                Some(b) if !wiped => b.storage_root,
                _ => EMPTY_ROOT_HASH,
            };
            if wiped || before.is_none() {
                self.storage.get_mut().insert(address, Trie::open(self.nodes.clone(), root));
            }
            let mut storage_root = root;
            if let Some(slots) = slots.filter(|s| !s.slots.is_empty()) {
                let mut tries = self.storage.borrow_mut();
                let trie =
                    tries.entry(address).or_insert_with(|| Trie::open(self.nodes.clone(), root));
                for (slot, value) in &slots.slots {
                    let slot_key = keccak256(slot.to_be_bytes::<32>());
                    let result = if value.is_zero() {
                        trie.delete(slot_key.as_slice())
                    } else {
                        trie.insert(slot_key.as_slice(), alloy_rlp::encode(value))
                    };
                    result.map_err(|e| trie_gap(e, TriePath::Slot(address, *slot)))?;
                }
                storage_root = trie.root_hash();
            }
            let account = TrieAccount {
                nonce: info.nonce,
                balance: info.balance,
                storage_root,
                code_hash: info.code_hash,
            };
            self.accounts
                .get_mut()
                .insert(key.as_slice(), alloy_rlp::encode(account))
                .map_err(|e| trie_gap(e, path))?;
        }
        Ok(self.root())
    }

    /// The account's trie leaf (with its storage root), or None.
    fn trie_account(&self, address: Address) -> Result<Option<TrieAccount>, WitnessError> {
        let leaf = self
            .accounts
            .borrow_mut()
            .get(keccak256(address).as_slice())
            .map_err(|e| trie_gap(e, TriePath::Account(address)))?;
        let Some(leaf) = leaf else { return Ok(None) };
        let mut account = TrieAccount::decode(&mut leaf.as_slice())
            .map_err(|e| WitnessError::MalformedAccount { address, reason: e.to_string() })?;
        // A storage trie edited in memory is ahead of the leaf only within `apply`, which
        // rewrites the leaf before returning; the leaf is current here.
        if let Some(trie) = self.storage.borrow_mut().get_mut(&address) {
            account.storage_root = trie.root_hash();
        }
        Ok(Some(account))
    }

    fn storage_trie(&self, address: Address, root: B256) -> RefMut<'_, Trie<N>> {
        RefMut::map(self.storage.borrow_mut(), |tries| {
            tries.entry(address).or_insert_with(|| Trie::open(self.nodes.clone(), root))
        })
    }

    fn slot(&self, address: Address, slot: U256) -> Result<U256, WitnessError> {
        let key = keccak256(slot.to_be_bytes::<32>());
        // An open storage trie is at the account's current storage root (`apply` keeps it so and
        // drops it with the account): no need to walk the account trie again for every slot.
        if let Some(trie) = self.storage.borrow_mut().get_mut(&address) {
            let value =
                trie.get(key.as_slice()).map_err(|e| trie_gap(e, TriePath::Slot(address, slot)))?;
            return decode_slot(address, slot, value);
        }
        let Some(account) = self.trie_account(address)? else { return Ok(U256::ZERO) };
        if account.storage_root == EMPTY_ROOT_HASH {
            return Ok(U256::ZERO);
        }
        let value = self
            .storage_trie(address, account.storage_root)
            .get(key.as_slice())
            .map_err(|e| trie_gap(e, TriePath::Slot(address, slot)))?;
        decode_slot(address, slot, value)
    }
}

/// A storage leaf's value (an RLP integer), zero when the slot has no leaf.
fn decode_slot(address: Address, slot: U256, leaf: Option<Vec<u8>>) -> Result<U256, WitnessError> {
    match leaf {
        None => Ok(U256::ZERO),
        Some(value) => U256::decode(&mut value.as_slice())
            .map_err(|e| WitnessError::MalformedSlot { address, slot, reason: e.to_string() }),
    }
}

/// The key a trie walk was for, spelled out only when the walk fails (an address's checksum
/// costs a keccak, a slot's decimal form a division loop: too much for every read).
#[derive(Clone, Copy)]
enum TriePath {
    Account(Address),
    Slot(Address, U256),
}

impl std::fmt::Display for TriePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Account(address) => write!(f, "account {address}"),
            Self::Slot(address, slot) => write!(f, "storage slot {slot} of {address}"),
        }
    }
}

/// Names the gap a trie error reveals: a missing node is the witness's fault, so it says which.
fn trie_gap(error: TrieError, path: TriePath) -> WitnessError {
    let path = path.to_string();
    match error {
        TrieError::MissingNode(node) => WitnessError::MissingNode { node, path },
        TrieError::MalformedNode { hash, reason } => {
            WitnessError::MalformedNode { node: hash, path, reason }
        }
        other => WitnessError::NodeSource { path, reason: other.to_string() },
    }
}

impl<N: NodeReader + Clone, C: CodeSource> StateReader for StatelessState<N, C> {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        self.record_key(address.as_slice());
        Ok(self.trie_account(address).map_err(StateReadError::new)?.map(|a| Account {
            nonce: a.nonce,
            balance: a.balance,
            code_hash: a.code_hash,
        }))
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        self.record_key(&slot.to_be_bytes::<32>());
        self.slot(address, slot).map_err(StateReadError::new)
    }

    fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
        let account = self.trie_account(address).map_err(StateReadError::new)?;
        Ok(account.is_some_and(|a| a.storage_root != EMPTY_ROOT_HASH))
    }

    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Some(Bytes::new()));
        }
        if let Some(code) = self.new_codes.borrow().get(&code_hash) {
            return Ok(Some(code.clone()));
        }
        match self.codes.code(code_hash)? {
            Some(code) => Ok(Some(code)),
            None => Err(StateReadError::new(WitnessError::MissingCode(code_hash))),
        }
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        self.hashes_read.borrow_mut().insert(number);
        match self.block_hashes.get(&number) {
            Some(hash) => Ok(Some(*hash)),
            None => Err(StateReadError::new(WitnessError::MissingHeader(number))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{StatelessState, TriePath, WitnessError, trie_gap};
    use alloy_primitives::{Address, B256, U256, keccak256, map::B256Map};
    use alloy_rlp::Decodable;
    use alloy_trie::{EMPTY_ROOT_HASH, KECCAK_EMPTY, TrieAccount};
    use basalt_primitives::{Account, StateChanges, StorageChanges};
    use basalt_trie::{MemoryNodes, Trie};
    use std::collections::{BTreeMap, BTreeSet};

    const TOKEN: Address = Address::repeat_byte(0x70);
    /// A contract the block creates (its storage wiped first).
    const CREATED: Address = Address::repeat_byte(0x71);
    const SLOTS: u64 = 300;

    /// A state of 200 plain accounts and a token contract with 300 slots: its node set and root.
    fn state() -> (MemoryNodes, B256) {
        let mut storage = Trie::new(MemoryNodes::new());
        for slot in 0..SLOTS {
            let key = keccak256(U256::from(slot).to_be_bytes::<32>());
            storage.insert(key.as_slice(), alloy_rlp::encode(U256::from(slot + 1))).unwrap();
        }
        let (storage_root, storage_nodes) = storage.commit();
        let mut accounts = Trie::new(MemoryNodes::new());
        let leaf = |nonce, storage_root| TrieAccount {
            nonce,
            balance: U256::from(10u64.pow(18)),
            storage_root,
            code_hash: KECCAK_EMPTY,
        };
        for n in 0..200u64 {
            let address = Address::left_padding_from(&n.to_be_bytes());
            let key = keccak256(address);
            accounts.insert(key.as_slice(), alloy_rlp::encode(leaf(n, EMPTY_ROOT_HASH))).unwrap();
        }
        let key = keccak256(TOKEN);
        accounts.insert(key.as_slice(), alloy_rlp::encode(leaf(1, storage_root))).unwrap();
        let (root, account_nodes) = accounts.commit();
        (account_nodes.into_iter().chain(storage_nodes).collect(), root)
    }

    /// A token-transfer-like block: every slot rewritten or cleared, every account's nonce
    /// bumped, one account deleted, one contract created with storage.
    fn changes() -> StateChanges {
        let mut accounts: Vec<(Address, Option<Account>)> = (0..200u64)
            .map(|n| {
                let address = Address::left_padding_from(&n.to_be_bytes());
                let account =
                    Account { nonce: n + 1, balance: U256::from(n), code_hash: KECCAK_EMPTY };
                (address, (n != 7).then_some(account))
            })
            .collect();
        let contract = Account { nonce: 1, balance: U256::ZERO, code_hash: KECCAK_EMPTY };
        accounts.push((TOKEN, Some(contract)));
        accounts.push((CREATED, Some(contract)));
        let slots = (0..SLOTS)
            .map(|slot| (U256::from(slot), U256::from(if slot % 5 == 0 { 0 } else { slot * 3 })))
            .collect();
        let created_slots = (0..20).map(|slot| (U256::from(slot), U256::from(7))).collect();
        StateChanges {
            accounts,
            storage: vec![
                StorageChanges { address: TOKEN, wiped: false, slots },
                StorageChanges { address: CREATED, wiped: true, slots: created_slots },
            ],
            code: Vec::new(),
        }
    }

    fn apply(nodes: &MemoryNodes, root: B256) -> Result<B256, WitnessError> {
        let codes = B256Map::default();
        StatelessState::new(nodes, root, &codes, BTreeMap::new()).apply(&changes())
    }

    /// The update one account at a time in address order (leaf read, storage, leaf written),
    /// stopping at the first gap, written out from fresh tries: what `apply` must agree with
    /// (its storage tries stay open across blocks; the root and the gap it names may not
    /// depend on that).
    fn one_by_one(nodes: &MemoryNodes, root: B256) -> Result<B256, WitnessError> {
        let changes = changes();
        let accounts: BTreeMap<_, _> = changes.accounts.iter().copied().collect();
        let storage: BTreeMap<_, _> = changes.storage.iter().map(|s| (s.address, s)).collect();
        let touched: BTreeSet<Address> = accounts.keys().chain(storage.keys()).copied().collect();
        let mut trie = Trie::open(nodes, root);
        for address in touched {
            let key = keccak256(address);
            let gap = |e| trie_gap(e, TriePath::Account(address));
            let leaf = trie.get(key.as_slice()).map_err(gap)?;
            let before = leaf.map(|leaf| TrieAccount::decode(&mut leaf.as_slice()).unwrap());
            let info = match accounts.get(&address) {
                Some(info) => *info,
                None => before.map(|b| Account {
                    nonce: b.nonce,
                    balance: b.balance,
                    code_hash: b.code_hash,
                }),
            };
            let Some(info) = info else {
                trie.delete(key.as_slice()).map_err(gap)?;
                continue;
            };
            let wiped = storage.get(&address).is_some_and(|s| s.wiped);
            let mut storage_root = match before {
                Some(b) if !wiped => b.storage_root,
                _ => EMPTY_ROOT_HASH,
            };
            if let Some(slots) = storage.get(&address) {
                let mut slots_trie = Trie::open(nodes, storage_root);
                for (slot, value) in &slots.slots {
                    let slot_key = keccak256(slot.to_be_bytes::<32>());
                    let result = if value.is_zero() {
                        slots_trie.delete(slot_key.as_slice())
                    } else {
                        slots_trie.insert(slot_key.as_slice(), alloy_rlp::encode(value))
                    };
                    result.map_err(|e| trie_gap(e, TriePath::Slot(address, *slot)))?;
                }
                storage_root = slots_trie.root_hash();
            }
            let account = TrieAccount {
                nonce: info.nonce,
                balance: info.balance,
                storage_root,
                code_hash: info.code_hash,
            };
            trie.insert(key.as_slice(), alloy_rlp::encode(account)).map_err(gap)?;
        }
        Ok(trie.root_hash())
    }

    /// `apply` against the one-by-one update: the same root, or the same gap.
    fn check(nodes: &MemoryNodes, root: B256, what: &str) -> bool {
        let expected = one_by_one(nodes, root);
        assert_eq!(apply(nodes, root), expected, "{what}");
        expected.is_err()
    }

    #[test]
    fn apply_gives_the_root_and_the_first_gap_of_the_one_by_one_update() {
        let (nodes, root) = state();
        assert!(!check(&nodes, root, "whole witness"));
        assert_ne!(one_by_one(&nodes, root).unwrap(), root);
        // Each node removed in turn.
        let hashes: Vec<B256> =
            nodes.iter().map(|(hash, _)| *hash).filter(|hash| *hash != root).collect();
        let mut gaps = 0;
        for hash in &hashes {
            let mut broken = nodes.clone();
            broken.remove(hash);
            gaps += usize::from(check(&broken, root, &format!("node {hash} removed")));
        }
        assert!(gaps > 10, "removed nodes were needed: {gaps}");
        // Several gaps at once, in either trie or both: the first met one by one is reported.
        for (step, offset) in [(3, 0), (5, 2), (7, 1), (11, 4), (13, 6), (29, 3)] {
            let mut broken = nodes.clone();
            for hash in hashes.iter().skip(offset).step_by(step) {
                broken.remove(hash);
            }
            assert!(check(&broken, root, &format!("every {step}th node from {offset} removed")));
        }
    }
}
