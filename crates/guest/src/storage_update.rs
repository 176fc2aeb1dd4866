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
    use crate::{StatelessState, WitnessError, state::storage_thread};
    use alloy_primitives::{Address, B256, U256, keccak256, map::B256Map};
    use alloy_trie::{EMPTY_ROOT_HASH, KECCAK_EMPTY, TrieAccount};
    use basalt_primitives::{Account, StateChanges, StorageChanges};
    use basalt_trie::{MemoryNodes, Trie};
    use std::collections::BTreeMap;

    const TOKEN: Address = Address::repeat_byte(0x70);
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
    /// bumped, one account deleted.
    fn changes() -> StateChanges {
        let mut accounts: Vec<(Address, Option<Account>)> = (0..200u64)
            .map(|n| {
                let address = Address::left_padding_from(&n.to_be_bytes());
                let account =
                    Account { nonce: n + 1, balance: U256::from(n), code_hash: KECCAK_EMPTY };
                (address, (n != 7).then_some(account))
            })
            .collect();
        accounts.push((
            TOKEN,
            Some(Account { nonce: 1, balance: U256::ZERO, code_hash: KECCAK_EMPTY }),
        ));
        let slots = (0..SLOTS)
            .map(|slot| (U256::from(slot), U256::from(if slot % 5 == 0 { 0 } else { slot * 3 })))
            .collect();
        StateChanges {
            accounts,
            storage: vec![StorageChanges { address: TOKEN, wiped: false, slots }],
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

    #[test]
    fn storage_tries_beside_give_the_root_and_the_gap_of_the_inline_update() {
        let (nodes, root) = state();
        let inline = apply(&nodes, root, false).unwrap();
        assert_ne!(inline, root);
        assert_eq!(apply(&nodes, root, true).unwrap(), inline);
        // Each node removed in turn: both ways meet the same gap (or, for a node the update
        // does not need, the same root).
        let hashes: Vec<B256> = nodes.iter().map(|(hash, _)| *hash).collect();
        let mut gaps = 0;
        for hash in hashes.iter().filter(|hash| **hash != root) {
            let mut broken = nodes.clone();
            broken.remove(hash);
            let inline = apply(&broken, root, false);
            assert_eq!(apply(&broken, root, true), inline, "node {hash} removed");
            gaps += usize::from(inline.is_err());
        }
        assert!(gaps > 10, "removed nodes were needed: {gaps}");
        // Two gaps at once, one in each trie: the first in address order is the one reported.
        let mut broken = nodes.clone();
        for hash in hashes.iter().filter(|hash| **hash != root).step_by(7) {
            broken.remove(hash);
        }
        assert_eq!(apply(&broken, root, true), apply(&broken, root, false));
    }
}
