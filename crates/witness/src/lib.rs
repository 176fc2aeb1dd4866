//! Execution witnesses of stored blocks and batches. A witness is recorded by running the guest
//! program's own stateless executor over the database: every trie node it loads, every code it
//! reads and every ancestor hash BLOCKHASH asks for is kept, so the witness holds exactly what
//! the guest needs, and nodes the batch itself creates are never in it. No chain is re-executed
//! from genesis: only the blocks witnessed, on their parent's stored state.

use alloy_consensus::Header;
use alloy_primitives::{B256, Bytes, map::B256Map};
use basalt_contracts::formats::{MAX_BLOBS_PER_BATCH, blobs_hash};
use basalt_da::{BlobKzgProof, DaMode, blob_kzg_proofs, encode_blobs};
use basalt_guest::{
    BatchInput, BatchParts, CodeSource, ExecutionWitness, GuestError, PublicInputs, StatelessState,
    execute_blocks, prove_batch,
};
use basalt_primitives::{Block, ChainConfig, FeeConfig, StateReadError};
use basalt_storage::{ReadView, SealedBatch, StorageError, WitnessSize};
use basalt_trie::RecordingReader;
use std::{cell::RefCell, collections::BTreeMap};

/// How many ancestors BLOCKHASH can reach.
const BLOCKHASH_WINDOW: u64 = 256;

/// Why a witness could not be built.
#[derive(Debug, thiserror::Error)]
pub enum WitnessBuildError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("block {0} is not in the canonical chain")]
    MissingBlock(u64),
    #[error("the genesis block has no execution witness")]
    Genesis,
    /// The stored block did not re-execute: the database or the executor is at fault.
    #[error("re-executing the stored blocks failed: {0}")]
    Execution(#[from] GuestError),
    /// The batch re-executed to other values than the ones sealed (and committed).
    #[error("batch {batch}: re-execution gives {what} {got}, the sealed batch has {sealed}")]
    SealedMismatch { batch: u64, what: &'static str, sealed: B256, got: B256 },
    #[error("batch {0} is not sealed")]
    NotSealed(u64),
    #[error("sealed batch {batch} is damaged: {reason}")]
    BadRecord { batch: u64, reason: String },
    #[error("sealed batch {batch} has unknown DA mode {mode}")]
    UnknownMode { batch: u64, mode: u8 },
}

/// Codes read from the database, recorded.
struct RecordingCodes<'a> {
    view: &'a ReadView,
    recorded: RefCell<B256Map<Bytes>>,
}

impl CodeSource for &RecordingCodes<'_> {
    fn code(&self, hash: B256) -> Result<Option<Bytes>, StateReadError> {
        let code = self.view.code(hash).map_err(StateReadError::new)?;
        if let Some(code) = &code {
            self.recorded.borrow_mut().insert(hash, code.clone());
        }
        Ok(code)
    }
}

impl RecordingCodes<'_> {
    /// The codes read, ordered by hash so the witness is deterministic.
    fn take(&self) -> Vec<Bytes> {
        let mut codes: Vec<(B256, Bytes)> = self.recorded.borrow_mut().drain().collect();
        codes.sort_unstable_by_key(|(hash, _)| *hash);
        codes.into_iter().map(|(_, code)| code).collect()
    }
}

/// Canonical blocks `first..=last`, the parent of `first`, and each block's fee config.
struct StoredBlocks {
    parent: Header,
    blocks: Vec<Block>,
    fees: Vec<Option<FeeConfig>>,
}

fn stored_blocks(
    view: &ReadView,
    first: u64,
    last: u64,
) -> Result<StoredBlocks, WitnessBuildError> {
    if first == 0 {
        return Err(WitnessBuildError::Genesis);
    }
    let parent =
        view.header_by_number(first - 1)?.ok_or(WitnessBuildError::MissingBlock(first - 1))?;
    let mut blocks = Vec::new();
    let mut fees = Vec::new();
    for number in first..=last {
        let hash = view.canonical_hash(number)?.ok_or(WitnessBuildError::MissingBlock(number))?;
        blocks.push(view.block(hash)?.ok_or(WitnessBuildError::MissingBlock(number))?);
        fees.push(view.fee_config(hash)?);
    }
    Ok(StoredBlocks { parent, blocks, fees })
}

/// Canonical hashes of the [`BLOCKHASH_WINDOW`] blocks below `first`.
fn ancestors(view: &ReadView, first: u64) -> Result<BTreeMap<u64, B256>, WitnessBuildError> {
    let mut hashes = BTreeMap::new();
    for number in first.saturating_sub(BLOCKHASH_WINDOW)..first {
        let hash = view.canonical_hash(number)?.ok_or(WitnessBuildError::MissingBlock(number))?;
        hashes.insert(number, hash);
    }
    Ok(hashes)
}

/// RLP headers from the lowest block read by BLOCKHASH (or the parent) up to the parent of
/// `first`, oldest first.
fn witness_headers(
    view: &ReadView,
    first: u64,
    hashes_read: &[u64],
) -> Result<Vec<Bytes>, WitnessBuildError> {
    let parent = first - 1;
    let lowest = hashes_read.iter().copied().filter(|n| *n < first).min().unwrap_or(parent);
    (lowest.min(parent)..=parent)
        .map(|number| {
            let header =
                view.header_by_number(number)?.ok_or(WitnessBuildError::MissingBlock(number))?;
            Ok(alloy_rlp::encode(&header).into())
        })
        .collect()
}

/// The execution witness of canonical block `number` (`debug_executionWitness`): the nodes,
/// codes, keys and ancestor headers a stateless executor needs to execute it on its parent's
/// state. A dev-L1 block mined on an edited state is witnessed on that state.
pub fn block_witness(
    view: &ReadView,
    config: &ChainConfig,
    number: u64,
) -> Result<ExecutionWitness, WitnessBuildError> {
    let stored = stored_blocks(view, number, number)?;
    let hash = stored.blocks[0].header.hash_slow();
    let root = view.base_state_root(hash)?.unwrap_or(stored.parent.state_root);
    let nodes = RecordingReader::new(view);
    let codes = RecordingCodes { view, recorded: RefCell::default() };
    let mut state =
        StatelessState::new(&nodes, root, &codes, ancestors(view, number)?).recording_keys();
    execute_blocks(config, &stored.parent, &stored.blocks, &stored.fees, &mut state)?;
    let hashes_read: Vec<u64> = state.hashes_read().into_iter().collect();
    let keys = state.keys_read();
    Ok(ExecutionWitness {
        state: nodes.take_recorded(),
        codes: codes.take(),
        keys,
        headers: witness_headers(view, number, &hashes_read)?,
    })
}

/// The input a prover needs for sealed `batch`, and the public inputs the guest will output for
/// it (checked here against the sealed values, so a prover is never sent a batch the node
/// itself cannot prove). `chain_config` is the L2 genesis file's `config` section as JSON.
pub fn batch_input(
    view: &ReadView,
    config: &ChainConfig,
    chain_config: Bytes,
    batch: &SealedBatch,
) -> Result<(BatchInput, PublicInputs), WitnessBuildError> {
    let mode = match batch.mode {
        m if m == DaMode::Blocks as u8 => DaMode::Blocks,
        m if m == DaMode::StateDiff as u8 => DaMode::StateDiff,
        mode => return Err(WitnessBuildError::UnknownMode { batch: batch.number, mode }),
    };
    let stored = stored_blocks(view, batch.first_block, batch.last_block)?;
    let blob_proofs = blob_proofs(batch)?;
    let nodes = RecordingReader::new(view);
    let codes = RecordingCodes { view, recorded: RefCell::default() };
    let parts = BatchParts {
        config,
        mode,
        data: &batch.data,
        blob_proofs: &blob_proofs,
        parent: &stored.parent,
        ancestors: ancestors(view, batch.first_block)?,
        blocks: &stored.blocks,
        fees: &stored.fees,
    };
    let outcome = prove_batch(parts, &nodes, &codes)?;
    check_sealed(batch, &outcome.public_inputs)?;
    let witness = ExecutionWitness {
        state: nodes.take_recorded(),
        codes: codes.take(),
        keys: Vec::new(),
        headers: witness_headers(view, batch.first_block, &outcome.block_hashes_read)?,
    };
    let fee_configs = stored
        .fees
        .iter()
        .map(|fees| fees.map(|f| Bytes::from(f.encode())).unwrap_or_default())
        .collect();
    let input = BatchInput {
        chain_config,
        mode: batch.mode,
        data: batch.data.clone(),
        blob_proofs,
        blocks: stored.blocks,
        fee_configs,
        witness,
    };
    Ok((input, outcome.public_inputs))
}

/// Commitment and blob proof of each blob the batch's data packs into (none for validium).
fn blob_proofs(batch: &SealedBatch) -> Result<Vec<BlobKzgProof>, WitnessBuildError> {
    if batch.data.is_empty() {
        return Ok(Vec::new());
    }
    let bad = |reason: String| WitnessBuildError::BadRecord { batch: batch.number, reason };
    let blobs = encode_blobs(&batch.data, MAX_BLOBS_PER_BATCH).map_err(|e| bad(e.to_string()))?;
    blob_kzg_proofs(&blobs).map_err(|e| bad(e.to_string()))
}

/// The blobs word of a sealed batch. Errors: more blob hashes than a commit may carry (a
/// damaged record: the sealer never stores one).
fn sealed_blobs_hash(batch: &SealedBatch) -> Result<B256, WitnessBuildError> {
    blobs_hash(&batch.versioned_hashes)
        .map_err(|e| WitnessBuildError::BadRecord { batch: batch.number, reason: e.to_string() })
}

/// The public inputs re-execution gave must be the values the batch was sealed with.
fn check_sealed(batch: &SealedBatch, inputs: &PublicInputs) -> Result<(), WitnessBuildError> {
    let sealed_blobs = sealed_blobs_hash(batch)?;
    let checks = [
        ("state root", batch.state_root, inputs.final_state_root),
        ("last block hash", batch.last_block_hash, inputs.last_block_hash),
        ("L1-message root", batch.l1_messages_root, inputs.l1_messages_root),
        ("privileged rolling hash", batch.privileged_rolling_hash, inputs.privileged_rolling_hash),
        ("blobs hash", sealed_blobs, inputs.blobs_hash),
    ];
    for (what, sealed, got) in checks {
        if sealed != got {
            return Err(WitnessBuildError::SealedMismatch {
                batch: batch.number,
                what,
                sealed,
                got,
            });
        }
    }
    Ok(())
}

/// Prover inputs of the batches sealed in a database: what the proof coordinator hands out.
pub struct StoredBatchInputs {
    db: std::sync::Arc<basalt_storage::Database>,
    config: ChainConfig,
    chain_config: Bytes,
}

impl StoredBatchInputs {
    /// Inputs of `db`'s sealed batches on the chain with rules `config`, whose genesis `config`
    /// section is `chain_config` (JSON).
    pub fn new(
        db: std::sync::Arc<basalt_storage::Database>,
        config: ChainConfig,
        chain_config: Bytes,
    ) -> Self {
        Self { db, config, chain_config }
    }

    /// The encoded [`BatchInput`] of sealed batch `number` (witness recorded now, from the
    /// parent's stored state; its size is logged and recorded, see
    /// [`basalt_storage::BatchView::witness_size`]). Errors: the batch is not sealed, or see
    /// [`WitnessBuildError`].
    pub fn encoded_input(&self, number: u64) -> Result<Vec<u8>, WitnessBuildError> {
        let batch = self.sealed(number)?;
        let view = self.db.read()?;
        let started = std::time::Instant::now();
        let (input, _) = batch_input(&view, &self.config, self.chain_config.clone(), &batch)?;
        let encoded = input.encode();
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let size = WitnessSize {
            blocks: count(input.blocks.len()),
            nodes: count(input.witness.state.len()),
            codes: count(input.witness.codes.len()),
            headers: count(input.witness.headers.len()),
            witness_bytes: count(input.witness.size()),
            input_bytes: count(encoded.len()),
            build_millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            built_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        tracing::info!(
            chain = "l2",
            batch = number,
            blocks = size.blocks,
            witness_nodes = size.nodes,
            witness_codes = size.codes,
            witness_headers = size.headers,
            witness_bytes = size.witness_bytes,
            input_bytes = size.input_bytes,
            millis = size.build_millis,
            "batch witness built"
        );
        let mut write = self.db.write()?;
        write.put_witness_size(number, &size)?;
        write.commit()?;
        Ok(encoded)
    }

    /// The public inputs L1 rebuilds for sealed batch `number` from its commitment (ABI, 256
    /// bytes), from the sealed record alone: what a proof must be for.
    pub fn public_inputs(&self, number: u64) -> Result<[u8; 256], WitnessBuildError> {
        let batch = self.sealed(number)?;
        let view = self.db.read()?;
        let parent = batch.first_block.checked_sub(1).ok_or(WitnessBuildError::Genesis)?;
        let initial =
            view.header_by_number(parent)?.ok_or(WitnessBuildError::MissingBlock(parent))?;
        Ok(PublicInputs {
            initial_state_root: initial.state_root,
            final_state_root: batch.state_root,
            l1_messages_root: batch.l1_messages_root,
            privileged_rolling_hash: batch.privileged_rolling_hash,
            blobs_hash: sealed_blobs_hash(&batch)?,
            last_block_hash: batch.last_block_hash,
            chain_id: self.config.chain_id,
            non_privileged_tx_count: batch.non_privileged_txs,
        }
        .encode())
    }

    fn sealed(&self, number: u64) -> Result<SealedBatch, WitnessBuildError> {
        self.db.read_batches()?.batch(number)?.ok_or(WitnessBuildError::NotSealed(number))
    }
}
