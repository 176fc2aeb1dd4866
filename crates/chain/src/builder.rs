//! Block building on the head: executes a list of transactions in order and seals a block
//! whose header commits to the results (roots, gas, bloom, blob gas, requests).
//! [`Blockchain::build_block`] returns the block for the caller to import like any other;
//! [`Blockchain::mine_block`] (the dev L1 and the sequencer) stores it directly, executing
//! once and computing the state root while writing the tries, and
//! [`Blockchain::mine_block_with_blobs`] stores the blobs of its blob transactions with it. A
//! candidate that cannot execute is left out; a failure of the node (a state read, the EVM)
//! aborts the block instead, so no transaction is ever blamed, or dropped, for it.

use crate::{Blockchain, error::ImportError};
use alloy_consensus::{
    EMPTY_OMMER_ROOT_HASH, Header,
    proofs::{calculate_receipt_root, calculate_transaction_root, calculate_withdrawals_root},
};
use alloy_eips::eip7594::BlobTransactionSidecarVariant;
use alloy_primitives::{Address, B64, B256, Bloom, Bytes, map::B256Map};
use basalt_evm::{BlockExecutionError, BlockExecutor, BlockOutput, IntermediateRoot};
use basalt_primitives::{
    BasaltReceipt, BasaltTxEnvelope, Block, BlockBody, FeeConfig, Hardfork, StateReadError,
    Withdrawal, fee_config::MIN_L1_BLOB_BASE_FEE, sender::recover_senders,
};

/// What goes into a new block besides its parent.
#[derive(Clone, Debug, Default)]
pub struct BlockTemplate {
    pub timestamp: u64,
    pub beneficiary: Address,
    /// Defaults to the parent's gas limit.
    pub gas_limit: Option<u64>,
    pub transactions: Vec<BasaltTxEnvelope>,
    /// Shanghai and later; empty when None.
    pub withdrawals: Option<Vec<Withdrawal>>,
    /// prevrandao after the merge.
    pub mix_hash: B256,
    /// Cancun and later; zero when None.
    pub parent_beacon_block_root: Option<B256>,
    pub extra_data: Bytes,
    /// Senders of `transactions` when already known (the pool recovered them, or the dev L1
    /// impersonates them); recovered from the signatures when None.
    pub senders: Option<Vec<Address>>,
    /// On an L2 chain, the fee config the block runs under and is stored with
    /// (docs/l2-fees.md); None: [`Blockchain::next_fee_config`]. Ignored on an L1.
    pub fees: Option<FeeConfig>,
    /// On an L2 block filled past the proven data bound (the chain service's miner): how many
    /// leading `transactions` the bound covers without compression. The rest were admitted
    /// because the block's compressed payload fits its batch; if execution leaves any
    /// transaction out, that payload changes, so [`Blockchain::mine_block`] builds the block from
    /// these leading transactions alone instead.
    pub data_proven: Option<usize>,
}

/// Blob sidecars by transaction hash: what [`Blockchain::mine_block_with_blobs`] stores for the
/// blob transactions the block includes (EIP-4844 blob proofs or EIP-7594 cell proofs).
pub type BlobSidecars = B256Map<std::sync::Arc<BlobTransactionSidecarVariant>>;

/// A sealed block (not stored), what its execution produced, and the candidate
/// transactions left out of it.
#[derive(Clone, Debug)]
pub struct BuiltBlock {
    pub block: Block,
    pub hash: B256,
    pub senders: Vec<Address>,
    pub receipts: Vec<BasaltReceipt>,
    /// Hash and reason of every candidate that could not be executed.
    pub rejected: Vec<(B256, String)>,
    /// EIP-7685 requests (Prague and later), as the header's requests hash commits to them.
    pub requests: Option<basalt_primitives::Requests>,
    /// The state after the block, in memory over the state it was built on.
    pub state: basalt_storage::OverlayNodes,
    /// The fee config it was built under (L2 chains); import it with
    /// [`Blockchain::import_block_with_fees`].
    pub fees: Option<FeeConfig>,
}

/// A block built and stored as the new head, with what the RPC layer reports about it.
#[derive(Clone, Debug)]
pub struct MinedBlock {
    pub block: Block,
    pub hash: B256,
    pub senders: Vec<Address>,
    pub receipts: Vec<BasaltReceipt>,
    pub rejected: Vec<(B256, String)>,
}

/// The executed template: the header still lacks its state root.
struct ExecutedTemplate {
    header: Header,
    transactions: Vec<BasaltTxEnvelope>,
    senders: Vec<Address>,
    output: BlockOutput,
    withdrawals: Option<Vec<Withdrawal>>,
    rejected: Vec<(B256, String)>,
    base_state_root: B256,
    fees: Option<FeeConfig>,
}

/// Why a block could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("transaction {index} has an invalid signature: {reason}")]
    Signature { index: usize, reason: String },
    /// Execution failed outside any one candidate: the pre-block calls, the block's end, or
    /// the node itself ([`BlockExecutionError::is_node_failure`]) while trying a candidate.
    #[error(transparent)]
    Execution(#[from] BlockExecutionError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("transaction {hash} was left out of the block: {reason}")]
    Rejected { hash: B256, reason: String },
    #[error(transparent)]
    BaseFee(#[from] basalt_primitives::BaseFeeOverflow),
    /// A queued privileged transaction could not be included: the block would skip it, so none
    /// is built (the producer must change the block's shape, not drop the transaction).
    #[error("privileged transaction {id} cannot be included in this block: {reason}")]
    PrivilegedLeftOut { id: u64, reason: String },
}

impl Blockchain {
    /// The system contracts the next block's rules call and require code for, that the head
    /// state lacks: from Prague, the EIP-7002 withdrawal and EIP-7251 consolidation request
    /// contracts (a block without them is invalid, so none can be built). Empty when blocks
    /// can be built.
    pub fn missing_system_contracts(&self) -> Result<Vec<(Address, &'static str)>, ImportError> {
        let head = self.head()?;
        let fork = self.config().fork_at(head.number.saturating_add(1), head.timestamp);
        if fork < Hardfork::Prague {
            return Ok(Vec::new());
        }
        let view = self.db().read()?;
        let mut missing = Vec::new();
        for (address, eip) in [
            (basalt_evm::WITHDRAWAL_REQUEST_ADDRESS, "EIP-7002"),
            (basalt_evm::CONSOLIDATION_REQUEST_ADDRESS, "EIP-7251"),
        ] {
            let account = view.account(address)?;
            if account.is_none_or(|a| a.code_hash == alloy_primitives::KECCAK256_EMPTY) {
                missing.push((address, eip));
            }
        }
        Ok(missing)
    }

    /// The fee config the next L2 block runs under unless its template names one: the
    /// chain's fee settings with the latest L1 blob base fee the watcher stored (the minimum,
    /// 1 wei, before it stored any). None on an L1.
    pub fn next_fee_config(
        &self,
        view: &basalt_storage::ReadView,
    ) -> Result<Option<FeeConfig>, ImportError> {
        let Some(rollup) = &self.config().rollup else { return Ok(None) };
        let blob_base_fee = view.l1_blob_base_fee()?.unwrap_or(MIN_L1_BLOB_BASE_FEE);
        Ok(Some(FeeConfig::new(&rollup.fees, blob_base_fee)))
    }

    /// Builds (but does not store) the next block on the head from `template`.
    pub fn build_block(&self, template: BlockTemplate) -> Result<BuiltBlock, BuildError> {
        let view = self.db().read().map_err(ImportError::from)?;
        let mut executed = self.execute_template(&view, &view, template)?;
        let state = view
            .overlay_nodes(executed.base_state_root, &executed.output.changes)
            .map_err(ImportError::from)?;
        executed.header.state_root = state.root();
        let rejected = std::mem::take(&mut executed.rejected);
        let senders = std::mem::take(&mut executed.senders);
        let requests = executed.output.requests.clone();
        let fees = executed.fees;
        let (block, receipts) = seal(executed);
        let hash = block.header.hash_slow();
        Ok(BuiltBlock { block, hash, senders, receipts, rejected, requests, state, fees })
    }

    /// Builds the next block on the head and stores it as the new head in one write; block
    /// writers are serialized, and a head or flat state moved by another writer meanwhile is
    /// an error ([`ImportError::HeadMoved`], or a storage `StateMoved`), never a block on a
    /// stale parent. When the flat state was edited outside a block (dev L1), the block builds
    /// on that edited state and its state root commits to it.
    pub fn mine_block(&self, template: BlockTemplate) -> Result<MinedBlock, BuildError> {
        self.mine_block_with_blobs(template, &BlobSidecars::default())
    }

    /// [`Blockchain::mine_block`] that also stores, in the block's write transaction, the blobs
    /// (with commitments and proofs) of each included blob transaction whose sidecar `sidecars`
    /// holds; the dev L1 serves them (`anvil_getBlobsByTransactionHash`). Sidecars of
    /// transactions left out are not stored. Errors: those of [`Blockchain::mine_block`], and
    /// a sidecar that is not its transaction's (a storage error: nothing is written).
    pub fn mine_block_with_blobs(
        &self,
        template: BlockTemplate,
        sidecars: &BlobSidecars,
    ) -> Result<MinedBlock, BuildError> {
        let _writer = self.lock_writer();
        let view = self.db().read().map_err(ImportError::from)?;
        let fallback = template
            .data_proven
            .filter(|&proven| proven < template.transactions.len())
            .map(|proven| proven_prefix(&template, proven));
        let mut executed = self.execute_template(&view, &view, template)?;
        if let Some(prefix) = fallback
            && !executed.rejected.is_empty()
        {
            executed = self.execute_template(&view, &view, prefix)?;
        }
        drop(view);
        let mut batch = self.db().write().map_err(ImportError::from)?;
        let parent = executed.header.parent_hash;
        let head = batch.head().map_err(ImportError::from)?.ok_or(ImportError::NoGenesis)?;
        if head != parent {
            return Err(
                ImportError::HeadMoved { number: executed.header.number, parent, head }.into()
            );
        }
        let state_root = batch
            .apply_state(executed.base_state_root, &executed.output.changes)
            .map_err(ImportError::from)?;
        let mut executed = executed;
        executed.header.state_root = state_root;
        let rejected = std::mem::take(&mut executed.rejected);
        let senders = std::mem::take(&mut executed.senders);
        let fees = executed.fees;
        let (block, receipts) = seal(executed);
        let hash = block.header.hash_slow();
        batch
            .insert_canonical_block(&block, hash, &receipts, &senders)
            .map_err(ImportError::from)?;
        if !sidecars.is_empty() {
            batch
                .insert_block_blobs(&block, |tx| sidecars.get(tx).map(|sidecar| &**sidecar))
                .map_err(ImportError::from)?;
        }
        if let Some(fees) = &fees {
            batch.insert_fee_config(hash, fees).map_err(ImportError::from)?;
        }
        batch.set_head(hash).map_err(ImportError::from)?;
        batch.set_working_state_root(None).map_err(ImportError::from)?;
        batch.commit().map_err(ImportError::from)?;
        Ok(MinedBlock { block, hash, senders, receipts, rejected })
    }

    /// Executes `template` on `state` (the head's state; `view` gives the head and computes
    /// intermediate roots).
    fn execute_template(
        &self,
        view: &basalt_storage::ReadView,
        state: &impl basalt_primitives::StateReader,
        template: BlockTemplate,
    ) -> Result<ExecutedTemplate, BuildError> {
        let parent =
            view.head_header().map_err(ImportError::from)?.ok_or(ImportError::NoGenesis)?;
        let base_state_root =
            view.working_state_root().map_err(ImportError::from)?.unwrap_or(parent.state_root);
        let config = self.config();
        let fork = config.fork_at(parent.number.saturating_add(1), template.timestamp);
        let fee_config = match (&config.rollup, template.fees) {
            (None, _) => None,
            (Some(_), Some(given)) => Some(given),
            (Some(_), None) => self.next_fee_config(view)?,
        };
        let (header, withdrawals) = next_header(config, &parent, &template)?;

        // Candidates that cannot be executed (bad signature, wrong nonce, no funds, no room
        // left) are left out and reported; the block holds the rest in the given order.
        let senders: Result<Vec<Address>, _> = match template.senders {
            Some(known) if known.len() == template.transactions.len() => Ok(known),
            _ => recover_senders(&template.transactions, fork < Hardfork::Homestead),
        };
        let mut intermediate_root = |changes: &basalt_primitives::StateChanges| {
            view.state_root_after(base_state_root, changes).map_err(StateReadError::new)
        };
        let mut root_of: IntermediateRoot<'_> = &mut intermediate_root;
        let mut included = Vec::with_capacity(template.transactions.len());
        let mut included_senders = Vec::with_capacity(template.transactions.len());
        let mut rejected = Vec::new();
        let output = {
            let mut executor = BlockExecutor::new(config, &header, fee_config.as_ref(), state);
            executor.apply_pre_block()?;
            for (candidate, tx) in template.transactions.into_iter().enumerate() {
                let sender = match &senders {
                    Ok(senders) => Ok(senders[candidate]),
                    Err(_) => {
                        tx.recover_sender(fork < Hardfork::Homestead).map_err(|e| e.to_string())
                    }
                };
                let outcome = match sender {
                    Ok(sender) => {
                        match executor.execute_transaction(
                            included.len(),
                            &tx,
                            sender,
                            Some(&mut root_of),
                        ) {
                            Ok(_) => Ok(sender),
                            // The node failed, not the candidate: abort the block.
                            Err(err) if err.is_node_failure() => return Err(err.into()),
                            Err(err) => Err(err.to_string()),
                        }
                    }
                    Err(reason) => Err(format!("invalid signature: {reason}")),
                };
                match outcome {
                    Ok(sender) => {
                        included.push(tx);
                        included_senders.push(sender);
                    }
                    Err(reason) => match tx.as_privileged() {
                        Some(privileged) => {
                            return Err(BuildError::PrivilegedLeftOut {
                                id: privileged.nonce,
                                reason,
                            });
                        }
                        None => rejected.push((*tx.tx_hash(), reason)),
                    },
                }
            }
            executor.finish(withdrawals.as_deref(), &[])?
        };
        Ok(ExecutedTemplate {
            header,
            transactions: included,
            senders: included_senders,
            output,
            withdrawals,
            rejected,
            base_state_root,
            fees: fee_config,
        })
    }
}

/// The header of the block after `parent` built from `template`, without the fields execution
/// decides (roots of transactions, receipts and state, gas used, bloom, blob gas used, requests
/// hash), with the withdrawals it holds (Shanghai and later). Errors: the base fee overflows.
pub(crate) fn next_header(
    config: &basalt_primitives::ChainConfig,
    parent: &Header,
    template: &BlockTemplate,
) -> Result<(Header, Option<Vec<Withdrawal>>), basalt_primitives::BaseFeeOverflow> {
    let number = parent.number.saturating_add(1);
    let fork = config.fork_at(number, template.timestamp);
    let fees = config.next_block_fees(parent, template.timestamp)?;
    let withdrawals =
        (fork >= Hardfork::Shanghai).then(|| template.withdrawals.clone().unwrap_or_default());
    let header = Header {
        parent_hash: parent.hash_slow(),
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: template.beneficiary,
        number,
        gas_limit: template.gas_limit.unwrap_or(parent.gas_limit),
        timestamp: template.timestamp,
        extra_data: template.extra_data.clone(),
        mix_hash: template.mix_hash,
        nonce: B64::ZERO,
        difficulty: if fork >= Hardfork::Paris { Default::default() } else { parent.difficulty },
        base_fee_per_gas: fees.base_fee_per_gas,
        withdrawals_root: withdrawals.as_ref().map(|w| calculate_withdrawals_root(w)),
        excess_blob_gas: fees.excess_blob_gas,
        parent_beacon_block_root: (fork >= Hardfork::Cancun)
            .then(|| template.parent_beacon_block_root.unwrap_or_default()),
        ..Default::default()
    };
    Ok((header, withdrawals))
}

/// Fills in the header fields that commit to the execution results, except the state root:
/// gas used, receipts root, bloom, blob gas used and requests hash.
pub(crate) fn commit_to_output(header: &mut Header, output: &BlockOutput) {
    header.gas_used = output.gas_used;
    header.receipts_root = calculate_receipt_root(&output.receipts);
    let mut bloom = Bloom::default();
    for receipt in &output.receipts {
        bloom.accrue_bloom(receipt.logs_bloom());
    }
    header.logs_bloom = bloom;
    header.blob_gas_used = header.excess_blob_gas.map(|_| output.blob_gas_used);
    header.requests_hash = output.requests.as_ref().map(|r| r.requests_hash());
}

/// `template` with only its first `len` transactions (and senders).
fn proven_prefix(template: &BlockTemplate, len: usize) -> BlockTemplate {
    BlockTemplate {
        timestamp: template.timestamp,
        beneficiary: template.beneficiary,
        gas_limit: template.gas_limit,
        transactions: template.transactions[..len].to_vec(),
        withdrawals: template.withdrawals.clone(),
        mix_hash: template.mix_hash,
        parent_beacon_block_root: template.parent_beacon_block_root,
        extra_data: template.extra_data.clone(),
        senders: template
            .senders
            .as_ref()
            .map(|senders| senders[..len.min(senders.len())].to_vec()),
        fees: template.fees,
        data_proven: None,
    }
}

/// Fills in the header fields that commit to the execution results (the state root is set
/// by the caller) and assembles the block.
fn seal(executed: ExecutedTemplate) -> (Block, Vec<BasaltReceipt>) {
    let ExecutedTemplate { mut header, transactions, output, withdrawals, .. } = executed;
    header.transactions_root = calculate_transaction_root(&transactions);
    commit_to_output(&mut header, &output);
    let block = Block {
        header,
        body: BlockBody { transactions, ommers: vec![], withdrawals: withdrawals.map(Into::into) },
    };
    (block, output.receipts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        test_support::FailingState,
        workload::{TransferKind, Workload},
    };

    #[test]
    fn failed_state_read_aborts_the_block_instead_of_leaving_out_the_candidate() {
        let mut workload = Workload::new(4, TransferKind::Eth);
        let chain = workload.new_chain().unwrap();
        let head = chain.head().unwrap();
        let transactions = workload.next_transactions(2);
        let broken = transactions[1].recover_sender(false).unwrap();
        let template = BlockTemplate {
            timestamp: head.timestamp + 12,
            transactions: transactions.clone(),
            ..Default::default()
        };
        let view = chain.db().read().unwrap();
        let failing = FailingState { view: &view, broken };
        match chain.execute_template(&view, &failing, template.clone()) {
            Err(BuildError::Execution(err)) => assert!(err.is_node_failure(), "{err}"),
            Err(other) => panic!("not a node failure: {other}"),
            Ok(executed) => panic!("block built, candidates left out: {:?}", executed.rejected),
        }
        drop(view);
        // With a healthy disk both candidates are included.
        let built = chain.build_block(template).unwrap();
        assert!(built.rejected.is_empty(), "{:?}", built.rejected);
        assert_eq!(built.block.body.transactions.len(), 2);
    }
}
