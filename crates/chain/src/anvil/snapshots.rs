//! `evm_snapshot` and `evm_revert`: a snapshot records the head, the state root (which may be
//! an edited working state) and the clock's settings; a revert unwinds the chain to it (see
//! `unwind`) and puts the clock back.

use super::{AnvilChain, AnvilError, clock::ClockSettings, lock};
use alloy_primitives::B256;

/// One recorded chain position.
struct Snapshot {
    id: u64,
    head_number: u64,
    head_hash: B256,
    state_root: B256,
    clock: ClockSettings,
}

/// The live snapshots, oldest first.
#[derive(Default)]
pub(super) struct Snapshots {
    list: Vec<Snapshot>,
    next_id: u64,
}

impl Snapshots {
    /// Forgets the snapshots of blocks above `number` (taken off the chain): `evm_revert` no
    /// longer knows them.
    pub(super) fn forget_above(&mut self, number: u64) {
        self.list.retain(|snapshot| snapshot.head_number <= number);
    }
}

impl AnvilChain {
    /// Records the current chain and state; returns the snapshot id. At most
    /// `max_snapshots` live at once ([`AnvilError::LimitReached`]): a client that never
    /// reverts cannot make the node hold an unbounded list.
    pub fn snapshot(&self) -> Result<u64, AnvilError> {
        let _writer = self.service.writer();
        let head = self.chain().head()?;
        let state_root = self.current_state_root()?;
        let mut snapshots = lock(&self.snapshots);
        let id = snapshots.next_id;
        snapshots.next_id = id.saturating_add(1);
        let snapshot = Snapshot {
            id,
            head_number: head.number,
            head_hash: head.hash_slow(),
            state_root,
            clock: self.clock.settings(),
        };
        if snapshots.list.len() >= self.limits.max_snapshots {
            return Err(AnvilError::LimitReached {
                what: "live snapshots",
                limit: self.limits.max_snapshots,
                flag: "--max-snapshots",
            });
        }
        snapshots.list.push(snapshot);
        Ok(id)
    }

    /// Returns the chain to snapshot `id`, which is consumed with every later one. Returns
    /// false for an unknown id, as anvil does. Refused when it would remove a block already
    /// reported as finalized ([`super::UnwindError::Finalized`]).
    pub fn revert(&self, id: u64) -> Result<bool, AnvilError> {
        let writer = self.service.writer();
        let mut snapshots = lock(&self.snapshots);
        let Some(position) = snapshots.list.iter().position(|s| s.id == id) else {
            return Ok(false);
        };
        let snapshot = &snapshots.list[position];
        let (number, hash, root, clock) =
            (snapshot.head_number, snapshot.head_hash, snapshot.state_root, snapshot.clock);
        self.unwind_to(&writer, number, hash, root)?;
        snapshots.list.truncate(position);
        drop(snapshots);
        drop(writer);
        self.clock.restore(clock);
        tracing::info!("reverted to snapshot {id} at block {number}");
        Ok(true)
    }
}
