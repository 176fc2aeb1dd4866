//! Re-executing an L2 block from its DA payload form (docs/da.md, "Rebuilding the L2 from L1"):
//! the header fields the payload carries, the transactions with their senders (no signatures),
//! and the transactions root of the signed originals. The block is executed on a state the
//! caller gives (the parent's, possibly not yet stored), so a follower can execute a whole batch
//! before writing it; nothing is stored here.

use crate::{
    Blockchain,
    builder::{BlockTemplate, BuildError, commit_to_output, next_header},
    error::{BlockValidationError, ImportError},
};
use alloy_consensus::Header;
use alloy_primitives::{Address, B256};
use basalt_evm::{BlockInput, BlockOutput, IntermediateRoot, Senders, execute_block};
use basalt_primitives::{BasaltTxEnvelope, Block, BlockBody, FeeConfig, StateReader};

/// A block in payload form: what a follower cannot compute, and its transactions.
#[derive(Clone, Debug)]
pub struct ReplayBlock {
    pub timestamp: u64,
    pub gas_limit: u64,
    pub beneficiary: Address,
    /// The fee config the block ran under (L2 chains).
    pub fees: Option<FeeConfig>,
    /// The transactions root of the original (signed) transactions, which the header commits to.
    pub transactions_root: B256,
    /// The block's transactions in order; their signatures are not checked.
    pub transactions: Vec<BasaltTxEnvelope>,
    /// One sender per transaction.
    pub senders: Vec<Address>,
}

/// A re-executed block: its header lacks only the state root, which the caller computes when it
/// applies `output.changes` to the parent's state.
#[derive(Debug)]
pub struct ReplayedBlock {
    pub block: Block,
    pub output: BlockOutput,
}

impl Blockchain {
    /// Executes `replay` on `state`, the state after `parent`, under the block shape the L2
    /// producer builds (zero mix hash and beacon root, no extra data, no withdrawals), and
    /// returns the block with every header field but the state root. Every transaction must
    /// execute: one that cannot is [`ImportError::Invalid`] (the payload is not this chain's),
    /// a failure of the node (a state read) is [`ImportError::NodeFailure`].
    pub fn replay_block(
        &self,
        parent: &Header,
        state: &impl StateReader,
        intermediate_root: Option<IntermediateRoot<'_>>,
        replay: ReplayBlock,
    ) -> Result<ReplayedBlock, BuildError> {
        let template = BlockTemplate {
            timestamp: replay.timestamp,
            beneficiary: replay.beneficiary,
            gas_limit: Some(replay.gas_limit),
            ..Default::default()
        };
        let (mut header, withdrawals) = next_header(self.config(), parent, &template)?;
        let number = header.number;
        let fees = self.config().rollup.as_ref().and(replay.fees);
        let input = BlockInput {
            header: &header,
            transactions: &replay.transactions,
            senders: Senders::Known(&replay.senders),
            ommers: &[],
            withdrawals: withdrawals.as_deref(),
            fees: fees.as_ref(),
        };
        let output =
            execute_block(self.config(), input, state, intermediate_root).map_err(|source| {
                let hash = B256::ZERO;
                if source.is_node_failure() {
                    ImportError::NodeFailure { number, hash, source }
                } else {
                    ImportError::Invalid {
                        number,
                        hash,
                        rule: BlockValidationError::Execution(source),
                    }
                }
            })?;
        header.transactions_root = replay.transactions_root;
        commit_to_output(&mut header, &output);
        let body = BlockBody {
            transactions: replay.transactions,
            ommers: Vec::new(),
            withdrawals: withdrawals.map(Into::into),
        };
        Ok(ReplayedBlock { block: Block { header, body }, output })
    }
}
