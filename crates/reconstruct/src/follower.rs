//! The follower: applies one committed batch (its commitment from L1, its blobs, the privileged
//! transactions the watcher queued) to a datadir in one write transaction, after checking
//! everything the commitment binds. It reads no network; the L1 side is `l1.rs`.

use crate::{BatchCommitment, FollowerError};
use alloy_consensus::{SignableTransaction, TxEnvelope};
use alloy_primitives::{Address, B256, Signature, U256};
use basalt_batch::blob_versioned_hashes;
use basalt_chain::{
    Blockchain,
    replay::{ReplayBlock, ReplayedBlock},
};
use basalt_contracts::formats::{MessageMerkleTree, privileged_rolling_hash};
use basalt_da::{
    BlocksPayload, DaMode, StateDiffPayload, UnsignedTransaction, decode_blobs, decode_blocks,
    decode_compressed, decode_state_diff,
};
use basalt_da::{block_l1_message_leaves, state_diff_changes};
use basalt_primitives::{Account, BasaltTxEnvelope, FeeConfig, StateReadError, StateReader};
use basalt_storage::{OverlayNodes, SealedBatch, StateOverlay};

pub use basalt_da::MAX_PAYLOAD_BYTES;

/// A batch that was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedBatch {
    pub number: u64,
    pub first_block: u64,
    pub last_block: u64,
    /// The state root after it (equal to the committed one).
    pub state_root: B256,
    /// Ordinary and privileged transactions (blocks mode; 0 in state-diff mode, which does not
    /// carry them).
    pub transactions: u64,
}

/// A datadir rebuilt from L1: the chain (genesis already in it) and the DA mode of its batches.
pub struct Follower {
    chain: Blockchain,
    mode: DaMode,
}

impl Follower {
    /// The follower of `chain` whose batches are in `mode`. A datadir that already holds a
    /// chain this node did not rebuild (blocks or batches without the follower mark) is
    /// [`FollowerError::NotAFollower`]; one rebuilt in the other mode is
    /// [`FollowerError::OtherMode`]. A fresh one is marked as a follower's.
    pub fn open(chain: Blockchain, mode: DaMode) -> Result<Self, FollowerError> {
        let db = chain.db();
        let batches = db.read_batches()?;
        match batches.follower()? {
            Some(stored) if stored == mode as u8 => {}
            Some(stored) => {
                return Err(FollowerError::OtherMode { stored, wanted: mode as u8 });
            }
            None => {
                let head = db.read()?.head_header()?.map_or(0, |h| h.number);
                let sealed = batches.numbers()?.sealed;
                if head != 0 || sealed != 0 {
                    return Err(FollowerError::NotAFollower { head, sealed });
                }
                drop(batches);
                let mut write = db.write()?;
                write.set_follower(mode as u8)?;
                write.commit()?;
            }
        }
        Ok(Self { chain, mode })
    }

    pub fn chain(&self) -> &Blockchain {
        &self.chain
    }

    pub fn mode(&self) -> DaMode {
        self.mode
    }

    /// The last batch applied, None before the first: a restarted follower goes on after it.
    pub fn last_batch(&self) -> Result<Option<SealedBatch>, FollowerError> {
        Ok(self.chain.db().read_batches()?.last_sealed()?)
    }

    /// The number of the next batch to apply (1 first).
    pub fn next_batch(&self) -> Result<u64, FollowerError> {
        Ok(self.last_batch()?.map_or(1, |b| b.number + 1))
    }

    /// Applies batch `commitment.number` from `blobs` (the commit transaction's blobs, in its
    /// order). The blobs must be the ones the commitment lists (KZG versioned hashes); the data
    /// must decode in the follower's mode for this chain and continue it; re-executed (blocks)
    /// or applied (state-diff), it must give the committed state root and, in blocks mode, the
    /// committed last block hash, privileged rolling hash, ordinary transaction count and
    /// L1-message root (state-diff: the L1-message root). Privileged transactions come from the
    /// datadir's queue (the L1 watcher's). Everything is written in one transaction, with the
    /// batch record and the committed cursor; on any error nothing is written.
    pub fn apply_batch(
        &self,
        commitment: &BatchCommitment,
        blobs: &[Vec<u8>],
    ) -> Result<AppliedBatch, FollowerError> {
        let number = commitment.number;
        let last = self.last_batch()?;
        let expected = last.as_ref().map_or(1, |b| b.number + 1);
        if number != expected {
            return Err(FollowerError::OutOfOrder { expected, got: number });
        }
        let first_block = last.as_ref().map_or(1, |b| b.last_block + 1);
        if blobs.is_empty() {
            return Err(FollowerError::NoData(number));
        }
        let hashes = blob_versioned_hashes(blobs)
            .map_err(|e| FollowerError::Blobs { number, reason: e.to_string() })?;
        if hashes != commitment.versioned_hashes {
            return Err(FollowerError::Blobs {
                number,
                reason: format!(
                    "the blobs' versioned hashes {hashes:?} are not the committed {:?}",
                    commitment.versioned_hashes
                ),
            });
        }
        let bad = |reason: String| FollowerError::BadData { number, reason };
        let data = decode_blobs(blobs).map_err(|e| bad(e.to_string()))?;
        let payload =
            decode_compressed(&data, MAX_PAYLOAD_BYTES).map_err(|e| bad(e.to_string()))?;
        let chain_id = self.chain.config().chain_id;
        let record = |first_block: u64, last_block: u64, privileged_txs: u64| SealedBatch {
            number,
            first_block,
            last_block,
            mode: self.mode as u8,
            payload_len: payload.len() as u64,
            data: data.clone().into(),
            versioned_hashes: commitment.versioned_hashes.clone(),
            state_root: commitment.state_root,
            l1_messages_root: commitment.l1_messages_root,
            privileged_rolling_hash: commitment.privileged_rolling_hash,
            last_block_hash: commitment.last_block_hash,
            non_privileged_txs: commitment.non_privileged_txs,
            privileged_txs,
            sealed_at: commitment.l1_timestamp,
        };
        match self.mode {
            DaMode::Blocks => {
                let payload = decode_blocks(&payload).map_err(|e| bad(e.to_string()))?;
                check_range(number, chain_id, first_block, payload.chain_id, payload.first_block)?;
                self.apply_blocks(commitment, payload, record)
            }
            DaMode::StateDiff => {
                let payload = decode_state_diff(&payload).map_err(|e| bad(e.to_string()))?;
                check_range(number, chain_id, first_block, payload.chain_id, payload.first_block)?;
                self.apply_state_diff(commitment, payload, record)
            }
        }
    }

    fn apply_blocks(
        &self,
        commitment: &BatchCommitment,
        payload: BlocksPayload,
        record: impl Fn(u64, u64, u64) -> SealedBatch,
    ) -> Result<AppliedBatch, FollowerError> {
        let number = commitment.number;
        let mismatch = |what: &'static str, committed: String, rebuilt: String| {
            FollowerError::Mismatch { number, what, committed, rebuilt }
        };
        let db = self.chain.db();
        let view = db.read()?;
        let mut parent = view.head_header()?.ok_or(FollowerError::NoGenesis)?;
        let base_root = parent.state_root;
        let mut state = OverlayNodes::over(base_root);
        let mut next_privileged = view.next_included_privileged_id()?;
        let mut blocks: Vec<(ReplayedBlock, B256, Vec<Address>, Option<FeeConfig>)> = Vec::new();
        let mut privileged_hashes = Vec::new();
        let mut ordinary = 0u64;
        let mut leaves = Vec::new();
        let mut hashes: Vec<(u64, B256)> = Vec::new();
        for block in payload.blocks {
            let count = block.privileged_count;
            let end = next_privileged.checked_add(count).ok_or(FollowerError::BadData {
                number,
                reason: "privileged count past 2^64".into(),
            })?;
            let queued = view.privileged_txs(next_privileged..end)?;
            if (queued.len() as u64) != count {
                return Err(FollowerError::MissingPrivileged {
                    number,
                    first: next_privileged,
                    count,
                    queued: queued.len() as u64,
                });
            }
            next_privileged = end;
            let mut transactions = Vec::with_capacity(queued.len() + block.transactions.len());
            let mut senders = Vec::with_capacity(transactions.capacity());
            for tx in queued {
                privileged_hashes.push(tx.l1_hash());
                senders.push(tx.from);
                transactions.push(BasaltTxEnvelope::Privileged(alloy_consensus::Sealed::new(tx)));
            }
            for tx in block.transactions {
                ordinary += 1;
                senders.push(tx.sender);
                transactions.push(with_placeholder_signature(tx.transaction, tx.sender));
            }
            let replay = ReplayBlock {
                timestamp: block.timestamp,
                gas_limit: block.gas_limit,
                beneficiary: block.beneficiary,
                fees: Some(block.fees),
                transactions_root: block.transactions_root,
                transactions,
                senders: senders.clone(),
            };
            let overlay = state.on(&view);
            let mut intermediate = |changes: &basalt_primitives::StateChanges| {
                overlay.state_root_after(changes).map_err(StateReadError::new)
            };
            let batch_state = BatchState { overlay: state.on(&view), recent: &hashes };
            let mut replayed = self
                .chain
                .replay_block(&parent, &batch_state, Some(&mut intermediate), replay)
                .map_err(|e| FollowerError::Execution { number, reason: e.to_string() })?;
            state = state.then(&view, &replayed.output.changes)?;
            replayed.block.header.state_root = state.root();
            let hash = replayed.block.header.hash_slow();
            leaves.extend(
                block_l1_message_leaves(replayed.block.header.number, &replayed.output.receipts)
                    .map_err(|e| FollowerError::Execution { number, reason: e.to_string() })?,
            );
            hashes.push((replayed.block.header.number, hash));
            parent = replayed.block.header.clone();
            blocks.push((replayed, hash, senders, Some(block.fees)));
        }
        let last_hash = hashes
            .last()
            .map(|(_, h)| *h)
            .ok_or(FollowerError::BadData { number, reason: "a batch without blocks".into() })?;
        if state.root() != commitment.state_root {
            return Err(mismatch(
                "state root",
                commitment.state_root.to_string(),
                state.root().to_string(),
            ));
        }
        if last_hash != commitment.last_block_hash {
            return Err(mismatch(
                "last block hash",
                commitment.last_block_hash.to_string(),
                last_hash.to_string(),
            ));
        }
        let rolling = privileged_rolling_hash(&privileged_hashes).map_err(|e| {
            FollowerError::BadData { number, reason: format!("privileged transactions: {e}") }
        })?;
        if rolling != commitment.privileged_rolling_hash {
            return Err(mismatch(
                "privileged rolling hash",
                commitment.privileged_rolling_hash.to_string(),
                rolling.to_string(),
            ));
        }
        if ordinary != commitment.non_privileged_txs {
            return Err(mismatch(
                "ordinary transaction count",
                commitment.non_privileged_txs.to_string(),
                ordinary.to_string(),
            ));
        }
        let messages_root = MessageMerkleTree::new(leaves).root();
        if messages_root != commitment.l1_messages_root {
            return Err(mismatch(
                "L1-message root",
                commitment.l1_messages_root.to_string(),
                messages_root.to_string(),
            ));
        }
        drop(view);

        let first_block = payload.first_block;
        let last_block = parent.number;
        let privileged = privileged_hashes.len() as u64;
        let mut write = db.write()?;
        let mut root = base_root;
        for (replayed, hash, senders, fees) in &blocks {
            root = write.apply_state(root, &replayed.output.changes)?;
            if root != replayed.block.header.state_root {
                // The stored state is not the one executed on: a storage fault, not bad data.
                return Err(mismatch(
                    "stored state root",
                    replayed.block.header.state_root.to_string(),
                    root.to_string(),
                ));
            }
            write.insert_canonical_block(
                &replayed.block,
                *hash,
                &replayed.output.receipts,
                senders,
            )?;
            if let Some(fees) = fees {
                write.insert_fee_config(*hash, fees)?;
            }
            write.end_block()?;
        }
        write.set_head(last_hash)?;
        write.seal_batch(&record(first_block, last_block, privileged))?;
        write.set_last_committed_batch(number, commitment.commit_tx)?;
        write.commit()?;
        Ok(AppliedBatch {
            number,
            first_block,
            last_block,
            state_root: root,
            transactions: ordinary + privileged,
        })
    }

    fn apply_state_diff(
        &self,
        commitment: &BatchCommitment,
        payload: StateDiffPayload,
        record: impl Fn(u64, u64, u64) -> SealedBatch,
    ) -> Result<AppliedBatch, FollowerError> {
        let number = commitment.number;
        let last_block = payload
            .first_block
            .checked_add(payload.block_count)
            .and_then(|end| end.checked_sub(1))
            .filter(|_| payload.block_count > 0)
            .ok_or(FollowerError::BadData { number, reason: "a batch without blocks".into() })?;
        let messages_root = MessageMerkleTree::new(payload.l1_messages.clone()).root();
        if messages_root != commitment.l1_messages_root {
            return Err(FollowerError::Mismatch {
                number,
                what: "L1-message root",
                committed: commitment.l1_messages_root.to_string(),
                rebuilt: messages_root.to_string(),
            });
        }
        let db = self.chain.db();
        let view = db.read()?;
        let changes = state_diff_changes(&payload, &view)
            .map_err(|e| FollowerError::BadData { number, reason: e.to_string() })?;
        drop(view);
        let mut write = db.write()?;
        let previous = write.flat_state_root()?.ok_or(FollowerError::NoGenesis)?;
        let root = write.apply_state_diff(previous, &changes)?;
        if root != commitment.state_root {
            // Dropping the write discards the state change.
            return Err(FollowerError::Mismatch {
                number,
                what: "state root",
                committed: commitment.state_root.to_string(),
                rebuilt: root.to_string(),
            });
        }
        // The state moved without blocks: the head stays where it is, over an edited state.
        write.set_working_state_root(Some(root))?;
        let privileged = u64::from(basalt_contracts::formats::rolling_hash_count(
            commitment.privileged_rolling_hash,
        ));
        write.seal_batch(&record(payload.first_block, last_block, privileged))?;
        write.set_last_committed_batch(number, commitment.commit_tx)?;
        write.commit()?;
        Ok(AppliedBatch {
            number,
            first_block: payload.first_block,
            last_block,
            state_root: root,
            transactions: 0,
        })
    }
}

/// The payload must be this chain's and start where the follower stands.
fn check_range(
    number: u64,
    chain_id: u64,
    first_block: u64,
    payload_chain_id: u64,
    payload_first: u64,
) -> Result<(), FollowerError> {
    if payload_chain_id != chain_id {
        return Err(FollowerError::BadData {
            number,
            reason: format!("payload of chain {payload_chain_id}, not {chain_id}"),
        });
    }
    if payload_first != first_block {
        return Err(FollowerError::BadData {
            number,
            reason: format!("payload starts at block {payload_first}, not {first_block}"),
        });
    }
    Ok(())
}

/// `tx` signed with the follower's placeholder signature: `r` is `sender` as a number, `s` is
/// 1, y parity even. The payload carries no signatures, so a stored transaction cannot have its
/// real one; this one makes its hash unique per sender and nonce (two senders' transactions
/// with equal fields still differ) but it is not the live L2's hash, and it does not recover to
/// `sender`: the stored senders are the truth (docs/da.md, "Rebuilding the L2 from L1").
pub fn with_placeholder_signature(tx: UnsignedTransaction, sender: Address) -> BasaltTxEnvelope {
    let signature = Signature::new(U256::from_be_slice(sender.as_slice()), U256::from(1), false);
    let signed: TxEnvelope = match tx {
        UnsignedTransaction::Legacy(tx) => tx.into_signed(signature).into(),
        UnsignedTransaction::Eip2930(tx) => tx.into_signed(signature).into(),
        UnsignedTransaction::Eip1559(tx) => tx.into_signed(signature).into(),
        UnsignedTransaction::Eip7702(tx) => tx.into_signed(signature).into(),
    };
    BasaltTxEnvelope::Ethereum(signed)
}

/// The state inside a batch being re-executed: the overlay of the blocks before (not yet
/// stored), and their hashes for `BLOCKHASH`.
struct BatchState<'a> {
    overlay: StateOverlay<'a>,
    recent: &'a [(u64, B256)],
}

impl StateReader for BatchState<'_> {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        self.overlay.account(address)
    }

    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        self.overlay.storage(address, slot)
    }

    fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
        self.overlay.has_storage(address)
    }

    fn code(&self, code_hash: B256) -> Result<Option<alloy_primitives::Bytes>, StateReadError> {
        self.overlay.code(code_hash)
    }

    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        match self.recent.iter().find(|(n, _)| *n == number) {
            Some((_, hash)) => Ok(Some(*hash)),
            None => self.overlay.block_hash(number),
        }
    }
}
