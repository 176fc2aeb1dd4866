//! The state a stateless executor runs on: the account and storage tries opened at a root over a
//! node source (a witness's nodes, or the node's database while the witness is recorded), the
//! contract codes, and the ancestor block hashes. Changes of each executed block are applied to
//! the tries in memory, so the next block reads them without touching the node source again.

use crate::storage_update::{AccountGap, StorageJob, StorageRunner, run_jobs, run_jobs_beside};
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
    /// How [`Self::apply`] runs the storage-trie updates; None: in line, before the account
    /// trie's.
    pub(crate) storage_runner: Option<StorageRunner<N>>,
}

/// The runner that updates and hashes the storage tries on a second thread while
/// [`StatelessState::apply`] updates the account trie, when two cores are available and a block
/// changed enough slots (the guest's last block otherwise leaves the second core idle while it
/// computes the root). Same results and errors as in line.
pub(crate) fn storage_thread<N: NodeReader + Send>() -> StorageRunner<N> {
    run_jobs_beside::<N>
}

/// An account's new trie leaf within [`StatelessState::apply`] (None deletes the account).
struct AccountLeaf {
    address: Address,
    account: Option<TrieAccount>,
}

/// Writes `leaves` into the account trie in order; stops at the first gap.
fn set_leaves<N: NodeReader>(trie: &mut Trie<N>, leaves: &[AccountLeaf]) -> AccountGap {
    for (position, leaf) in leaves.iter().enumerate() {
        let key = keccak256(leaf.address);
        let result = match &leaf.account {
            None => trie.delete(key.as_slice()),
            Some(account) => trie.insert(key.as_slice(), alloy_rlp::encode(account)),
        };
        if let Err(error) = result {
            return Some((position, trie_gap(error, TriePath::Account(leaf.address))));
        }
    }
    None
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
            storage_runner: None,
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
    /// needs is missing (a deletion can need the sibling of the removed path); with several
    /// gaps, the one met first when the accounts are taken in address order (each: its leaf
    /// read, its storage, its leaf written), whichever thread met it. With a storage runner
    /// ([`storage_thread`]) the storage tries are updated and hashed on a second core while the
    /// account trie is updated here; the account trie's operations run in the same order
    /// either way, so both need the same witness nodes.
    pub fn apply(&mut self, changes: &StateChanges) -> Result<B256, WitnessError> {
        let accounts: BTreeMap<Address, Option<Account>> =
            changes.accounts.iter().copied().collect();
        let storage: BTreeMap<Address, _> =
            changes.storage.iter().map(|s| (s.address, s)).collect();
        let touched: BTreeSet<Address> = accounts.keys().chain(storage.keys()).copied().collect();
        self.new_codes.get_mut().extend(changes.code.iter().cloned());
        // Every account's new leaf, planned with reads only; the storage tries that change are
        // taken out of the map into jobs.
        let mut leaves = Vec::with_capacity(touched.len());
        let mut jobs = Vec::new();
        // A leaf that cannot be read stops the plan there; the accounts before it are still
        // written, since in address order their gaps come first.
        let mut read_gap = None;
        for address in touched {
            let before = match self.trie_account(address) {
                Ok(before) => before,
                Err(gap) => {
                    read_gap = Some((leaves.len(), gap));
                    break;
                }
            };
            let info = match accounts.get(&address) {
                Some(info) => *info,
                None => before.map(|b| Account {
                    nonce: b.nonce,
                    balance: b.balance,
                    code_hash: b.code_hash,
                }),
            };
            let Some(info) = info else {
                self.storage.get_mut().remove(&address);
                leaves.push(AccountLeaf { address, account: None });
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
            if let Some(slots) = slots.filter(|s| !s.slots.is_empty()) {
                let trie = self.storage.get_mut().remove(&address);
                let trie = trie.unwrap_or_else(|| Trie::open(self.nodes.clone(), root));
                jobs.push(StorageJob::new(leaves.len(), address, trie, &slots.slots));
            }
            // A job's account gets its new storage root once the job is done: the same key, so
            // only the leaf's value changes then.
            leaves.push(AccountLeaf {
                address,
                account: Some(TrieAccount {
                    nonce: info.nonce,
                    balance: info.balance,
                    storage_root: root,
                    code_hash: info.code_hash,
                }),
            });
        }
        let trie = self.accounts.get_mut();
        let mut account_ops = || set_leaves(trie, &leaves);
        let account_gap = match self.storage_runner {
            Some(run) => run(&mut jobs, &mut account_ops),
            None => {
                run_jobs(&mut jobs);
                account_ops()
            }
        };
        // Positions of gaps met writing are below the read gap's; at one position a storage
        // gap comes before the leaf's.
        let storage_gap = jobs.iter().find_map(StorageJob::gap);
        let first_write_gap = match (storage_gap, account_gap) {
            (Some((at, gap)), Some((account_at, _))) if at <= account_at => Some(gap),
            (_, Some((_, gap))) | (Some((_, gap)), None) => Some(gap),
            (None, None) => None,
        };
        if let Some(gap) = first_write_gap.or(read_gap.map(|(_, gap)| gap)) {
            return Err(gap);
        }
        for job in jobs {
            let (leaf, address, trie, storage_root) = job.finish()?;
            if let Some(account) = leaves.get_mut(leaf).and_then(|leaf| leaf.account.as_mut()) {
                account.storage_root = storage_root;
                self.accounts
                    .get_mut()
                    .insert(keccak256(address).as_slice(), alloy_rlp::encode(*account))
                    .map_err(|e| trie_gap(e, TriePath::Account(address)))?;
            }
            self.storage.get_mut().insert(address, trie);
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
pub(crate) enum TriePath {
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
pub(crate) fn trie_gap(error: TrieError, path: TriePath) -> WitnessError {
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
