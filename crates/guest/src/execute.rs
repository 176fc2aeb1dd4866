//! Re-executing a batch's blocks on a [`StatelessState`]: each header checked against its
//! parent, each body against its header, senders recovered from signatures (ahead of execution,
//! on a second core where there is one), every block executed
//! under the L2 rules with the fee config it ran under, its results and state root checked
//! against its header; what the public inputs need is collected on the way.

use crate::{
    GuestError,
    state::{CodeSource, StatelessState, WitnessError},
};
use alloy_consensus::Header;
use alloy_primitives::{Address, B256};
use basalt_da::block_l1_message_leaves;
use basalt_evm::{
    BlockExecutionError, BlockInput, BlockValidationError, Senders, StateDbError, execute_block,
    validation::{validate_body, validate_execution, validate_header},
};
use basalt_primitives::{
    Block, ChainConfig, FeeConfig, Hardfork,
    sender::{SenderRecovery, with_sender_recovery},
};
use basalt_trie::NodeReader;

/// What executing a batch's blocks produced, besides the state it left.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecutedBlocks {
    /// State root after the last block.
    pub final_state_root: B256,
    /// Hash of the last block.
    pub last_block_hash: B256,
    /// L1 hashes of the privileged transactions, in order.
    pub privileged_hashes: Vec<B256>,
    /// Number of ordinary (signed) transactions.
    pub non_privileged_txs: u64,
    /// Leaves of the batch's L1-message tree, in block and log order.
    pub l1_message_leaves: Vec<B256>,
    /// Recovered senders, per block.
    pub senders: Vec<Vec<Address>>,
}

/// Runs `work` while the senders of `blocks` are recovered on a second core (where there is
/// one): what `work` does before it executes overlaps recovery. See
/// [`basalt_primitives::sender::with_sender_recovery`].
pub fn with_block_senders<R>(
    config: &ChainConfig,
    blocks: &[Block],
    work: impl FnOnce(&SenderRecovery<'_>) -> R,
) -> R {
    let signed: Vec<_> = blocks
        .iter()
        .map(|block| {
            let fork = config.fork_at(block.header.number, block.header.timestamp);
            (block.body.transactions.as_slice(), fork < Hardfork::Homestead)
        })
        .collect();
    with_sender_recovery(&signed, work)
}

/// Executes `blocks` (the first a child of `parent`) on `state`, which must be the state with
/// `parent`'s root; `fees[i]` is the fee config block i ran under (None on an L1, or an L2
/// block run under the chain's defaults). Errors: a block that breaks
/// a rule (named), a state root that differs from the header's, or a gap in the witness.
pub fn execute_blocks<N: NodeReader + Clone, C: CodeSource>(
    config: &ChainConfig,
    parent: &Header,
    blocks: &[Block],
    fees: &[Option<FeeConfig>],
    state: &mut StatelessState<N, C>,
) -> Result<ExecutedBlocks, GuestError> {
    with_block_senders(config, blocks, |senders| {
        execute_blocks_with(config, parent, blocks, fees, state, senders)
    })
}

/// [`execute_blocks`] with the senders of `blocks` from `senders` (made by
/// [`with_block_senders`] over the same blocks).
pub fn execute_blocks_with<N: NodeReader + Clone, C: CodeSource>(
    config: &ChainConfig,
    parent: &Header,
    blocks: &[Block],
    fees: &[Option<FeeConfig>],
    state: &mut StatelessState<N, C>,
    senders: &SenderRecovery<'_>,
) -> Result<ExecutedBlocks, GuestError> {
    if blocks.len() != fees.len() {
        return Err(GuestError::FeeConfigCount { blocks: blocks.len(), fee_configs: fees.len() });
    }
    let mut out = ExecutedBlocks::default();
    let mut parent = parent.clone();
    let mut parent_hash = parent.hash_slow();
    for (index, (block, fees)) in blocks.iter().zip(fees).enumerate() {
        let header = &block.header;
        let number = header.number;
        let invalid = |rule: BlockValidationError| GuestError::InvalidBlock { number, rule };
        // A recovery made over other blocks is the caller's mistake, not the block's.
        let senders = senders.block(index).filter(|s| s.len() == block.body.transactions.len());
        let senders = senders.ok_or(GuestError::SenderRecoveryMismatch { number })?;
        if header.parent_hash != parent_hash {
            return Err(GuestError::NotAChain {
                number,
                parent: parent_hash,
                got: header.parent_hash,
            });
        }
        validate_header(config, header, &parent).map_err(invalid)?;
        validate_body(config, block, alloy_rlp::Encodable::length(block)).map_err(invalid)?;
        // Each sender is taken as its transaction executes: the second core recovers ahead.
        let sender_of = |index: usize| senders.get(index);
        let input = BlockInput {
            header,
            transactions: &block.body.transactions,
            senders: Senders::OnDemand(&sender_of),
            ommers: &block.body.ommers,
            withdrawals: block.body.withdrawals.as_ref().map(|w| w.as_slice()),
            fees: fees.as_ref(),
        };
        let output =
            execute_block(config, input, &*state, None).map_err(|e| execution_error(number, e))?;
        validate_execution(header, &output).map_err(invalid)?;
        let root = state.apply(&output.changes)?;
        if root != header.state_root {
            return Err(invalid(BlockValidationError::StateRoot {
                expected: header.state_root,
                got: root,
            }));
        }
        for tx in &block.body.transactions {
            match tx.as_privileged() {
                Some(tx) => out.privileged_hashes.push(tx.l1_hash()),
                None => out.non_privileged_txs += 1,
            }
        }
        out.l1_message_leaves.extend(
            block_l1_message_leaves(number, &output.receipts)
                .map_err(|e| GuestError::MessageId(e.0))?,
        );
        // All recovered by now (execution asked for each).
        let senders = senders.all().map_err(|(index, e)| {
            invalid(BlockValidationError::InvalidSignature { index, reason: e.to_string() })
        })?;
        out.senders.push(senders);
        parent_hash = header.hash_slow();
        state.push_block_hash(number, parent_hash);
        parent = header.clone();
        out.final_state_root = root;
        out.last_block_hash = parent_hash;
    }
    Ok(out)
}

/// A state read that failed because the witness lacks something is the witness's gap, named;
/// every other execution failure makes the block invalid.
fn execution_error(number: u64, error: BlockExecutionError) -> GuestError {
    if let BlockExecutionError::InvalidSignature { index, reason } = error {
        let rule = BlockValidationError::InvalidSignature { index, reason };
        return GuestError::InvalidBlock { number, rule };
    }
    if let BlockExecutionError::State(StateDbError::Read(read)) = &error
        && let Some(gap) = read.downcast_ref::<WitnessError>()
    {
        return GuestError::Witness(gap.clone());
    }
    GuestError::InvalidBlock { number, rule: BlockValidationError::Execution(error) }
}
