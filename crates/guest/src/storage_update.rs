//! The storage-trie half of [`crate::StatelessState::apply`]: one job per account whose slots a
//! block changed (its trie updated and hashed), run in line or on a second thread while the
//! account trie is updated.

use crate::state::{TriePath, WitnessError, trie_gap};
use alloy_primitives::{Address, B256, U256, keccak256};
use basalt_trie::{NodeReader, Trie};

/// One account's storage-trie update.
pub(crate) struct StorageJob<'c, N> {
    /// Position of the account among the block's touched accounts (address order).
    leaf: usize,
    address: Address,
    trie: Trie<N>,
    /// New values; zero clears the slot.
    slots: &'c [(U256, U256)],
    /// The new storage root once run, or the gap the first failing slot met.
    outcome: Option<Result<B256, WitnessError>>,
}

/// The first account-trie operation that failed: the account's position and the gap.
pub(crate) type AccountGap = Option<(usize, WitnessError)>;

/// Runs the jobs and the account-trie updates (the closure), in any order or at once, and
/// returns what the closure returned.
pub(crate) type StorageRunner<N> =
    fn(&mut [StorageJob<'_, N>], &mut dyn FnMut() -> AccountGap) -> AccountGap;

impl<'c, N: NodeReader> StorageJob<'c, N> {
    pub(crate) fn new(
        leaf: usize,
        address: Address,
        trie: Trie<N>,
        slots: &'c [(U256, U256)],
    ) -> Self {
        Self { leaf, address, trie, slots, outcome: None }
    }

    fn run(&mut self) {
        for (slot, value) in self.slots {
            let key = keccak256(slot.to_be_bytes::<32>());
            let result = if value.is_zero() {
                self.trie.delete(key.as_slice())
            } else {
                self.trie.insert(key.as_slice(), alloy_rlp::encode(value))
            };
            if let Err(error) = result {
                self.outcome = Some(Err(trie_gap(error, TriePath::Slot(self.address, *slot))));
                return;
            }
        }
        self.outcome = Some(Ok(self.trie.root_hash()));
    }

    /// The account's position and the gap, when the job met one.
    pub(crate) fn gap(&self) -> AccountGap {
        match &self.outcome {
            Some(Err(gap)) => Some((self.leaf, gap.clone())),
            _ => None,
        }
    }

    /// The account's position, address, updated trie and new storage root. Errors: the gap the
    /// job met, or a job that was never run (a runner's mistake, not the witness's).
    pub(crate) fn finish(self) -> Result<(usize, Address, Trie<N>, B256), WitnessError> {
        match self.outcome {
            Some(Ok(root)) => Ok((self.leaf, self.address, self.trie, root)),
            Some(Err(gap)) => Err(gap),
            None => Err(WitnessError::NodeSource {
                path: format!("storage of {}", self.address),
                reason: "the storage update was not run".into(),
            }),
        }
    }
}

/// Runs every job in order on this thread.
pub(crate) fn run_jobs<N: NodeReader>(jobs: &mut [StorageJob<'_, N>]) {
    for job in jobs {
        job.run();
    }
}

/// Slots below which a second thread costs more than it saves (starting one is ~50 µs; a slot
/// update and its share of hashing a few µs).
const MIN_SLOTS_FOR_THREAD: usize = 64;

/// A [`StorageRunner`] that runs the jobs on a second core while this one updates the account
/// trie ([`basalt_primitives::parallel::join`]: in line on one core or in a zkVM), when the
/// block changed enough slots to pay for the thread.
pub(crate) fn run_jobs_beside<N: NodeReader + Send>(
    jobs: &mut [StorageJob<'_, N>],
    accounts: &mut dyn FnMut() -> AccountGap,
) -> AccountGap {
    let slots: usize = jobs.iter().map(|job| job.slots.len()).sum();
    if slots < MIN_SLOTS_FOR_THREAD {
        run_jobs(jobs);
        return accounts();
    }
    basalt_primitives::parallel::join(|| run_jobs(jobs), accounts).1
}

#[cfg(test)]
mod tests {
    use crate::{
        StatelessState, WitnessError,
        state::{TriePath, storage_thread, trie_gap},
    };
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

    fn apply(nodes: &MemoryNodes, root: B256, beside: bool) -> Result<B256, WitnessError> {
        let codes = B256Map::default();
        let mut state = StatelessState::new(nodes, root, &codes, BTreeMap::new());
        if beside {
            state.storage_runner = Some(storage_thread());
        }
        state.apply(&changes())
    }

    /// The update one account at a time in address order (leaf read, storage, leaf written),
    /// stopping at the first gap: the rule `apply` keeps, however it splits the work.
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

    /// Both ways of `apply` against the one-by-one update: the same root, or the same gap.
    fn check(nodes: &MemoryNodes, root: B256, what: &str) -> bool {
        let expected = one_by_one(nodes, root);
        assert_eq!(apply(nodes, root, false), expected, "in line, {what}");
        assert_eq!(apply(nodes, root, true), expected, "beside, {what}");
        expected.is_err()
    }

    #[test]
    fn storage_tries_beside_give_the_root_and_the_first_gap_of_the_one_by_one_update() {
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
