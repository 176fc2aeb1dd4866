//! Moving the dev L1's head backwards: the one unwind that `evm_revert`, `anvil_rollback` and
//! `anvil_reorg` share, never below the service's `finalized` block. Unwinding restores every
//! account and slot that the removed blocks (and any edits since) touched to its value under
//! the target state root, read from the append-only tries through the stored state history,
//! then deletes the blocks (with the blobs kept for their transactions), all in one write
//! transaction. Subscribers hear of the removed blocks before any new ones.

use super::{AnvilChain, AnvilError, lock};
use crate::{
    ImportError,
    builder::BlobSidecars,
    service::{BlockClock, ChainWriter, RemovedBlock},
};
use alloy_primitives::{Address, B256};
use basalt_primitives::TxEnvelope;
use basalt_storage::unwind_changes;

/// The transactions (with their senders) of each new block of a reorg, in block order.
pub type ReorgBlocks = Vec<Vec<(TxEnvelope, Address)>>;

/// Why the head could not move back.
#[derive(Debug, thiserror::Error)]
pub enum UnwindError {
    #[error("depth {depth} exceeds the chain height {height}")]
    TooDeep { depth: u64, height: u64 },
    #[error("block {finalized} is finalized; going back to block {target} would remove it")]
    Finalized { target: u64, finalized: u64 },
    #[error("unwinding to block {number} gave state root {got}, expected {expected}")]
    RootMismatch { number: u64, expected: B256, got: B256 },
    #[error("block {0} of the canonical chain is missing")]
    MissingBlock(u64),
    #[error(transparent)]
    History(#[from] basalt_storage::UnwindError),
}

impl AnvilChain {
    /// Takes the head back to canonical block `number` (hash `hash`) with the state whose
    /// root is `state_root` (the block's, or an edit of it taken by a snapshot). The caller
    /// holds the write lock (`writer`). Returns the removed blocks, oldest first.
    pub(super) fn unwind_to(
        &self,
        writer: &ChainWriter<'_>,
        number: u64,
        hash: B256,
        state_root: B256,
    ) -> Result<Vec<RemovedBlock>, AnvilError> {
        let finalized = self.service.finalized_number();
        if number < finalized {
            return Err(UnwindError::Finalized { target: number, finalized }.into());
        }
        let head = self.chain().head()?;
        let view = self.chain().db().read()?;
        let mut removed = Vec::new();
        for (n, removed_hash) in view.canonical_range(number.saturating_add(1), head.number)? {
            let block = view.block(removed_hash)?.ok_or(UnwindError::MissingBlock(n))?;
            let receipts = view.receipts(removed_hash)?.unwrap_or_default();
            removed.push(RemovedBlock { block, hash: removed_hash, receipts });
        }
        let unwind = unwind_changes(&view, number, state_root).map_err(UnwindError::from)?;
        let target_header = view.header(hash)?.ok_or(UnwindError::MissingBlock(number))?;
        drop(view);

        let base = self.current_state_root()?;
        let mut batch = self.chain().db().write()?;
        let root = batch.apply_unwind(base, &unwind.changes)?;
        if root != state_root {
            return Err(
                UnwindError::RootMismatch { number, expected: state_root, got: root }.into()
            );
        }
        batch.remove_blocks_above(number)?;
        batch.set_head(hash)?;
        // A snapshot taken after edits returns to an edited state: it stays the working state,
        // and its keys (a superset of the edits) go to the next block's history record.
        let edited = target_header.state_root != state_root;
        batch.set_working_state_root(edited.then_some(state_root))?;
        batch.set_edited_keys(edited.then_some(&unwind.keys))?;
        batch.commit()?;

        writer.blocks_removed(&removed)?;
        Ok(removed)
    }

    /// Removes the newest `depth` blocks (anvil's `anvil_rollback`); their transactions are
    /// dropped, not returned to the pool.
    pub fn rollback(&self, depth: u64) -> Result<(), AnvilError> {
        let writer = self.service.writer();
        let (number, hash, root) = self.rollback_target(depth)?;
        self.unwind_to(&writer, number, hash, root)?;
        // Snapshots of removed blocks name a chain that is gone: evm_revert no longer knows them.
        lock(&self.snapshots).forget_above(number);
        tracing::info!("rolled back {depth} blocks to block {number}");
        Ok(())
    }

    /// Replaces the newest `depth` blocks with `depth` new ones (anvil's `anvil_reorg`):
    /// `blocks[i]` (transactions with their senders) goes into the `i`-th new block, missing
    /// entries are empty blocks. The transactions of the replaced blocks are dropped (with the
    /// blobs kept for them); a new blob transaction whose sidecar `sidecars` holds has its
    /// blobs stored with its new block. Each new block is later than the block it replaces, so
    /// every replaced hash changes.
    pub fn reorg(
        &self,
        depth: u64,
        mut blocks: ReorgBlocks,
        sidecars: &BlobSidecars,
    ) -> Result<(), AnvilError> {
        let mut writer = self.service.writer();
        let (number, hash, root) = self.rollback_target(depth)?;
        let removed = self.unwind_to(&writer, number, hash, root)?;
        lock(&self.snapshots).forget_above(number);
        blocks.resize_with(removed.len(), Vec::new);
        for (replaced, transactions) in removed.iter().zip(blocks) {
            let head = self.chain().head()?;
            let timestamp = self
                .clock
                .peek(head.timestamp)
                .max(replaced.block.header.timestamp.saturating_add(1));
            writer.mine_transactions(timestamp, transactions, sidecars)?;
        }
        tracing::info!(
            chain = self.name(),
            "reorganised the newest {depth} blocks from block {number}"
        );
        Ok(())
    }

    /// Block number, hash and state root `depth` blocks below the head.
    fn rollback_target(&self, depth: u64) -> Result<(u64, B256, B256), AnvilError> {
        let head = self.chain().head()?;
        let number = head
            .number
            .checked_sub(depth)
            .ok_or(UnwindError::TooDeep { depth, height: head.number })?;
        let view = self.chain().db().read()?;
        let hash = view.canonical_hash(number)?.ok_or(UnwindError::MissingBlock(number))?;
        let header = view.header(hash)?.ok_or(ImportError::NoGenesis)?;
        Ok((number, hash, header.state_root))
    }
}
