//! How much ordinary data the miner puts in one L2 block so that the block always fits one
//! batch of `max_blobs_per_batch` blobs (docs/da.md, "Batch data and the block data bound").
//!
//! Up to [`basalt_da::max_block_payload_bytes`] the bound is proven without compressing: the
//! block's payload cannot be longer than [`basalt_da::BlockDataBudget`] counts, and data never
//! grows by more than its codec byte. Past it, the miner keeps filling up to
//! [`OPTIMISTIC_SCALE`] times that bound and then compresses the block's own payload
//! ([`basalt_da::encode_compressed_fast`]) to see whether it still fits; a block that does not is
//! cut back, once in proportion and then to the proven prefix. Execution may still leave
//! transactions out, which changes the payload, so the template records the proven prefix and
//! the builder falls back to it when a block past the bound rejects anything.

use alloy_consensus::proofs::calculate_transaction_root;
use alloy_primitives::Address;
use basalt_da::{
    BlockDataBudget, BlocksPayload, PayloadBlock, blobs_needed, encode_blocks,
    encode_compressed_fast, payload_transactions,
};
use basalt_primitives::{BasaltTxEnvelope, FeeConfig};

/// How far past the proven bound the miner fills before it compresses to check: brotli leaves
/// L2 transfers at a third to a half of their uncompressed payload (docs/benchmarks.md).
pub(super) const OPTIMISTIC_SCALE: usize = 3;

/// The two running bounds of a block being filled.
pub(super) struct BlockDataFill {
    proven: BlockDataBudget,
    optimistic: BlockDataBudget,
    /// False once the proven bound refused a transaction: the proven part is a prefix.
    proven_open: bool,
    /// Ordinary transactions admitted while the proven bound held.
    proven_count: usize,
    /// Ordinary transactions admitted in all.
    count: usize,
}

impl BlockDataFill {
    pub(super) fn new(proven: BlockDataBudget, optimistic: BlockDataBudget) -> Self {
        Self { proven, optimistic, proven_open: true, proven_count: 0, count: 0 }
    }

    /// Counts `tx` if it fits the optimistic bound: true and counted, or false and unchanged.
    pub(super) fn admit(
        &mut self,
        sender: Address,
        tx: &impl alloy_consensus::Transaction,
    ) -> bool {
        if !self.optimistic.try_add(sender, tx) {
            return false;
        }
        if self.proven_open && self.proven.try_add(sender, tx) {
            self.proven_count += 1;
        } else {
            self.proven_open = false;
        }
        self.count += 1;
        true
    }

    /// Ordinary transactions the proven bound covers (a prefix of those admitted).
    pub(super) fn proven_count(&self) -> usize {
        self.proven_count
    }

    /// Whether every admitted transaction is under the proven bound.
    pub(super) fn all_proven(&self) -> bool {
        self.proven_count == self.count
    }
}

/// What the block's own payload needs to know besides its transactions.
pub(super) struct BlockFields<'a> {
    pub chain_id: u64,
    pub number: u64,
    pub timestamp: u64,
    pub gas_limit: u64,
    pub beneficiary: Address,
    pub fees: &'a FeeConfig,
    pub max_blobs: usize,
}

/// Whether a block of `transactions` (sent by `senders`) alone, compressed at the fast quality,
/// fits `max_blobs` blobs. A block the payload cannot carry does not fit.
fn fits_compressed(
    fields: &BlockFields<'_>,
    transactions: &[BasaltTxEnvelope],
    senders: &[Address],
) -> Option<(bool, usize)> {
    let (privileged_count, ordinary) = payload_transactions(transactions, senders).ok()?;
    let block = PayloadBlock {
        timestamp: fields.timestamp,
        gas_limit: fields.gas_limit,
        beneficiary: fields.beneficiary,
        fees: *fields.fees,
        transactions_root: calculate_transaction_root(transactions),
        privileged_count,
        transactions: ordinary,
    };
    let payload = BlocksPayload {
        chain_id: fields.chain_id,
        first_block: fields.number,
        blocks: vec![block],
    };
    let data = encode_compressed_fast(&encode_blocks(&payload).ok()?);
    Some((blobs_needed(data.len()) <= fields.max_blobs, data.len()))
}

/// How many of `transactions` (the first `privileged` of them privileged, the rest ordinary,
/// the first `proven` ordinary ones under the proven bound) the block takes: all of them when
/// the block's compressed payload fits, else a proportional cut that fits, else the proven
/// prefix.
pub(super) fn fitting_len(
    fields: &BlockFields<'_>,
    transactions: &[BasaltTxEnvelope],
    senders: &[Address],
    privileged: usize,
    proven: usize,
) -> usize {
    let floor = privileged.saturating_add(proven).min(transactions.len());
    let capacity = fields.max_blobs.saturating_mul(basalt_da::PAYLOAD_BYTES_PER_BLOB);
    let mut len = transactions.len();
    for _ in 0..2 {
        if len <= floor {
            break;
        }
        match fits_compressed(fields, &transactions[..len], &senders[..len]) {
            Some((true, _)) => return len,
            // Cut in proportion to the overflow, with 5% to spare.
            Some((false, data_len)) => {
                let kept = len as u128 * capacity as u128 * 95 / (100 * data_len.max(1) as u128);
                len = usize::try_from(kept).unwrap_or(0).clamp(floor, len - 1);
            }
            None => break,
        }
    }
    floor
}
