//! Building a sealed batch from stored blocks: which blocks the next batch takes, its DA data
//! (payload in the deployment's mode, compressed, as packed into blobs), its blobs' versioned
//! hashes, and the values `OnChainProposer.commitBatch` commits to. Reads one snapshot; storing
//! the result is the caller's one write (`WriteBatch::seal_batch`).

use crate::{
    BatchError, blocks_payload, canonical_hash, fit::largest_fitting, l1_message_tree,
    state_diff_payload,
};
use alloy_primitives::B256;
use basalt_contracts::formats::privileged_rolling_hash;
use basalt_da::{
    DaMode, PAYLOAD_BYTES_PER_BLOB, blobs_needed, encode_blobs, encode_blocks, encode_compressed,
    encode_compressed_fast, encode_state_diff,
};
use basalt_storage::{ReadView, SealedBatch};

/// What every batch of a chain is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// The L2 chain id.
    pub chain_id: u64,
    /// The deployment's DA payload mode.
    pub mode: DaMode,
    /// Validium: batches carry no data and no blobs.
    pub validium: bool,
    /// Most blobs one batch spans (`--max-blobs-per-batch`, 1 to 6).
    pub max_blobs: usize,
}

/// The payload of blocks `first..=last` in `mode`, encoded (before compression).
/// Errors: as [`blocks_payload`] and [`state_diff_payload`].
pub fn batch_payload(
    view: &ReadView,
    chain_id: u64,
    mode: DaMode,
    first: u64,
    last: u64,
) -> Result<Vec<u8>, BatchError> {
    Ok(match mode {
        DaMode::Blocks => encode_blocks(&blocks_payload(view, chain_id, first, last)?)?,
        DaMode::StateDiff => encode_state_diff(&state_diff_payload(view, chain_id, first, last)?)?,
    })
}

/// The data of blocks `first..=last` as it goes into blobs (codec byte and brotli-11 payload),
/// with the payload's length; a one-block batch that quality 11 makes too long for the blobs is
/// taken at quality 5, which the block producer checked it against (docs/da.md, "Batch data and
/// the block data bound").
fn batch_data(
    view: &ReadView,
    config: &BatchConfig,
    first: u64,
    last: u64,
) -> Result<(Vec<u8>, usize), BatchError> {
    let payload = batch_payload(view, config.chain_id, config.mode, first, last)?;
    let mut data = encode_compressed(&payload);
    if first == last && blobs_needed(data.len()) > config.max_blobs {
        data = encode_compressed_fast(&payload);
    }
    Ok((data, payload.len()))
}

/// True when blocks `first..=last` hold any transaction (ordinary or privileged). A run of only
/// empty blocks is not sealed: nothing on L1 needs it, and its blocks join the next batch.
pub fn has_transactions(view: &ReadView, first: u64, last: u64) -> Result<bool, BatchError> {
    for number in first..=last {
        let hash = canonical_hash(view, number)?;
        let body = view.body(hash)?.ok_or(BatchError::MissingBlock(number))?;
        if !body.transactions.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// True when blocks `first..=last` surely fit `config.max_blobs` blobs: their payload fits
/// uncompressed, or compressed at brotli's fast quality. Cheap next to the quality-11
/// compression sealing does, so the sealer asks this each second of a long commit interval
/// and searches for the largest fitting run only when the answer is no (quality 11 almost
/// always compresses smaller still, so a no here only costs the search).
pub fn surely_fits(
    view: &ReadView,
    config: &BatchConfig,
    first: u64,
    last: u64,
) -> Result<bool, BatchError> {
    if config.validium {
        return Ok(true);
    }
    let payload = batch_payload(view, config.chain_id, config.mode, first, last)?;
    let fits = |len: usize| blobs_needed(len) <= config.max_blobs;
    Ok(fits(payload.len() + 1) || fits(encode_compressed_fast(&payload).len()))
}

/// Where the next batch ends: its last block, and its data when finding that compressed it
/// (so sealing does not compress the same run again).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchFit {
    /// The last block of the batch.
    pub last_block: u64,
    /// The batch's data (codec byte and brotli-11 payload) and the payload's length in bytes,
    /// when the search compressed exactly this run.
    pub data: Option<(Vec<u8>, usize)>,
}

/// The last block of the largest batch from block `first` (to `head` at most) whose data fits
/// `config.max_blobs` blobs. A lone block always fits (the producer bounds every block;
/// [`BatchError::BlockTooLarge`] if one does not). In validium mode every run fits.
pub fn fitting_last_block(
    view: &ReadView,
    config: &BatchConfig,
    first: u64,
    head: u64,
) -> Result<u64, BatchError> {
    Ok(fitting_batch(view, config, first, head)?.last_block)
}

/// [`fitting_last_block`] with the data of the run it chose, when it compressed that run.
pub fn fitting_batch(
    view: &ReadView,
    config: &BatchConfig,
    first: u64,
    head: u64,
) -> Result<BatchFit, BatchError> {
    if config.validium {
        return Ok(BatchFit { last_block: head, data: None });
    }
    let fits = |len: usize| blobs_needed(len) <= config.max_blobs;
    let capacity = config.max_blobs * PAYLOAD_BYTES_PER_BLOB;
    // The largest fitting run compressed so far: the search's answer is always one it probed
    // (or `head`, or `first`).
    let mut best: Option<(u64, Vec<u8>, usize)> = None;
    let mut length = |last: u64| -> Result<usize, BatchError> {
        let payload = batch_payload(view, config.chain_id, config.mode, first, last)?;
        // Data is never longer than the payload plus its codec byte: a payload that fits
        // uncompressed needs no compression to decide.
        if fits(payload.len() + 1) {
            return Ok(payload.len() + 1);
        }
        let data = encode_compressed(&payload);
        let len = data.len();
        if fits(len) && best.as_ref().is_none_or(|(at, _, _)| *at < last) {
            best = Some((last, data, payload.len()));
        }
        Ok(len)
    };
    let whole = length(head)?;
    let last_block = if fits(whole) {
        head
    } else {
        let (data, _) = batch_data(view, config, first, first)?;
        if !fits(data.len()) {
            return Err(BatchError::BlockTooLarge { number: first, bytes: data.len() });
        }
        largest_fitting((first, data.len()), (head, whole), capacity, |last| {
            let len = length(last)?;
            Ok::<_, BatchError>((len, fits(len)))
        })?
    };
    let data = best.filter(|(at, _, _)| *at == last_block).map(|(_, data, len)| (data, len));
    Ok(BatchFit { last_block, data })
}

/// Batch `number` of blocks `first..=last`, sealed at `sealed_at` (Unix seconds). Errors: a
/// block or its records missing, data that does not fit `config.max_blobs` blobs
/// ([`BatchError::TooManyBlobs`]), more privileged transactions than a batch may hold.
pub fn build_batch(
    view: &ReadView,
    config: &BatchConfig,
    number: u64,
    first: u64,
    last: u64,
    sealed_at: u64,
) -> Result<SealedBatch, BatchError> {
    build_batch_with_data(view, config, number, first, last, sealed_at, None)
}

/// [`build_batch`] with the batch's data (codec byte and compressed payload, and the payload's
/// length) already made, as [`fitting_batch`] gives it.
pub fn build_batch_with_data(
    view: &ReadView,
    config: &BatchConfig,
    number: u64,
    first: u64,
    last: u64,
    sealed_at: u64,
    data: Option<(Vec<u8>, usize)>,
) -> Result<SealedBatch, BatchError> {
    let (data, payload_len) = match data {
        _ if config.validium => (Vec::new(), 0),
        Some(data) => data,
        None => batch_data(view, config, first, last)?,
    };
    let versioned_hashes = if config.validium {
        Vec::new()
    } else {
        let blobs = encode_blobs(&data, config.max_blobs).map_err(|_| {
            BatchError::TooManyBlobs { first, last, bytes: data.len(), max: config.max_blobs }
        })?;
        blob_versioned_hashes(&blobs)?
    };
    let mut privileged = Vec::new();
    let mut non_privileged_txs = 0u64;
    let mut last_header = None;
    for number in first..=last {
        let hash = canonical_hash(view, number)?;
        let block = view.block(hash)?.ok_or(BatchError::MissingBlock(number))?;
        for tx in &block.body.transactions {
            match tx.as_privileged() {
                Some(tx) => privileged.push(tx.l1_hash()),
                None => non_privileged_txs += 1,
            }
        }
        last_header = Some((hash, block.header));
    }
    let (last_block_hash, header) = last_header.ok_or(BatchError::MissingBlock(first))?;
    let privileged_rolling_hash = privileged_rolling_hash(&privileged)
        .map_err(|_| BatchError::TooManyPrivilegedTxs(privileged.len()))?;
    let l1_messages_root = l1_message_tree(view, first, last)?.root();
    Ok(SealedBatch {
        number,
        first_block: first,
        last_block: last,
        mode: config.mode as u8,
        payload_len: payload_len as u64,
        data: data.into(),
        versioned_hashes,
        state_root: header.state_root,
        l1_messages_root,
        privileged_rolling_hash,
        last_block_hash,
        non_privileged_txs,
        privileged_txs: privileged.len() as u64,
        sealed_at,
    })
}

/// EIP-4844 versioned hashes of `blobs` ([`basalt_da::blob_versioned_hashes`]); the proofs come
/// later, with the commit transaction, in the form the L1's fork wants. A follower checks the
/// blobs it read from L1 against the commit transaction's list with it. Errors: a blob c-kzg
/// refuses (wrong length, a field element not below the BLS modulus).
pub fn blob_versioned_hashes(blobs: &[Vec<u8>]) -> Result<Vec<B256>, BatchError> {
    basalt_da::blob_versioned_hashes(blobs).map_err(|e| BatchError::Kzg(e.to_string()))
}
