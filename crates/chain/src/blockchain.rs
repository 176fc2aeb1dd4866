//! Block import: decode, validate the header against the parent, check the body's roots,
//! recover senders, execute, check the execution results against the header, and commit the
//! block, its senders, its state and the new head in one write transaction. Only blocks on the
//! current head are accepted; an invalid block leaves the head and the state untouched. Block
//! writers are serialized, and the head is checked again inside the write transaction, so two
//! writers can never both build on the same head. A failure of the node (storage, EVM) is
//! reported as such, never as an invalid block.

use crate::error::{BlockValidationError, ImportError};
use alloy_consensus::Header;
use alloy_primitives::{Address, B256};
use alloy_rlp::Decodable;
use basalt_evm::{
    BlockInput, BlockOutput, Senders, execute_block,
    validation::{validate_body, validate_execution, validate_header},
};
use basalt_primitives::{
    Block, ChainConfig, FeeConfig, Hardfork, StateReadError, StateReader,
    sender::{SenderError, recover_senders},
};
use basalt_storage::{Database, ReadView};
use std::sync::{Arc, Mutex, MutexGuard};

/// A chain on a database: the rules plus the store.
pub struct Blockchain {
    db: Arc<Database>,
    config: ChainConfig,
    /// Held by a block writer from its head check to its commit, so competing writers wait
    /// and then find the head moved instead of executing on a stale one.
    writer: Mutex<()>,
}

/// A block that became the head.
#[derive(Clone, Debug)]
pub struct ImportedBlock {
    pub hash: B256,
    pub number: u64,
    pub transactions: usize,
    pub gas_used: u64,
}

impl Blockchain {
    /// A chain over `db`, which must already hold a genesis.
    pub fn new(db: impl Into<Arc<Database>>, config: ChainConfig) -> Result<Self, ImportError> {
        let db = db.into();
        if db.read()?.head_hash()?.is_none() {
            return Err(ImportError::NoGenesis);
        }
        Ok(Self { db, config, writer: Mutex::new(()) })
    }

    /// Takes the block-writer lock (see [`Blockchain`]).
    pub(crate) fn lock_writer(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    /// The database, shared (the L1 watcher writes the privileged queue into it).
    pub fn shared_db(&self) -> Arc<Database> {
        self.db.clone()
    }

    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The head header.
    pub fn head(&self) -> Result<Header, ImportError> {
        self.db.read()?.head_header()?.ok_or(ImportError::NoGenesis)
    }

    /// Decodes one RLP block and imports it. Trailing bytes are an error.
    pub fn import_rlp(&self, mut rlp: &[u8]) -> Result<ImportedBlock, ImportError> {
        let size = rlp.len();
        let block = Block::decode(&mut rlp).map_err(|e| ImportError::Decode(e.to_string()))?;
        if !rlp.is_empty() {
            return Err(ImportError::Decode(format!(
                "{} trailing bytes after the block",
                rlp.len()
            )));
        }
        self.import_block_with_size(block, size)
    }

    /// Imports a decoded block. An L2 block runs under the chain's default fee config
    /// ([`basalt_evm::default_fee_config`], the minimum L1 blob base fee), which is stored with
    /// it; use [`Blockchain::import_block_with_fees`] when the block's own is known.
    pub fn import_block(&self, block: Block) -> Result<ImportedBlock, ImportError> {
        let size = alloy_rlp::Encodable::length(&block);
        self.import_block_with_size(block, size)
    }

    /// Imports a decoded L2 block that ran under `fees` (docs/l2-fees.md), storing `fees` with
    /// it in the same write. On an L1 chain `fees` is ignored.
    pub fn import_block_with_fees(
        &self,
        block: Block,
        fees: &FeeConfig,
    ) -> Result<ImportedBlock, ImportError> {
        let size = alloy_rlp::Encodable::length(&block);
        let senders = self.recover_block_senders(&block);
        self.import_with_senders(&block, size, senders, Some(fees))
    }

    fn import_block_with_size(
        &self,
        block: Block,
        rlp_size: usize,
    ) -> Result<ImportedBlock, ImportError> {
        let senders = self.recover_block_senders(&block);
        self.import_with_senders(&block, rlp_size, senders, None)
    }

    /// Imports blocks in order, stopping after the first failure other than an already-known
    /// block. Senders of the next blocks are recovered on another thread while the current
    /// one is executed and committed. Returns one result per block attempted.
    pub fn import_blocks(
        &self,
        blocks: Vec<(Block, usize)>,
    ) -> Vec<Result<ImportedBlock, ImportError>> {
        const LOOKAHEAD: usize = 2;
        let mut results = Vec::with_capacity(blocks.len());
        std::thread::scope(|scope| {
            let (sender_tx, sender_rx) = std::sync::mpsc::sync_channel(LOOKAHEAD);
            let blocks_ref = &blocks;
            scope.spawn(move || {
                for (block, _) in blocks_ref {
                    if sender_tx.send(self.recover_block_senders(block)).is_err() {
                        break;
                    }
                }
            });
            for ((block, rlp_size), senders) in blocks.iter().zip(sender_rx.iter()) {
                let result = self.import_with_senders(block, *rlp_size, senders, None);
                let stop = matches!(&result, Err(e) if !matches!(e, ImportError::AlreadyKnown(_)));
                results.push(result);
                if stop {
                    break;
                }
            }
        });
        results
    }

    fn recover_block_senders(&self, block: &Block) -> Result<Vec<Address>, (usize, SenderError)> {
        let fork = self.config.fork_at(block.header.number, block.header.timestamp);
        recover_senders(&block.body.transactions, fork < Hardfork::Homestead)
    }

    fn import_with_senders(
        &self,
        block: &Block,
        rlp_size: usize,
        senders: Result<Vec<Address>, (usize, SenderError)>,
        fees: Option<&FeeConfig>,
    ) -> Result<ImportedBlock, ImportError> {
        // An L2 block always runs under, and is stored with, a fee config.
        let fees =
            self.config.rollup.as_ref().map(|rollup| {
                fees.copied().unwrap_or_else(|| basalt_evm::default_fee_config(rollup))
            });
        let _writer = self.lock_writer();
        let hash = block.header.hash_slow();
        let number = block.header.number;
        let view = self.db.read()?;
        if view.block_number(hash)?.is_some() {
            return Err(ImportError::AlreadyKnown(hash));
        }
        let head_hash = view.head_hash()?.ok_or(ImportError::NoGenesis)?;
        if block.header.parent_hash != head_hash {
            return Err(match view.header(block.header.parent_hash)? {
                Some(_) => ImportError::NotOnHead {
                    number,
                    parent: block.header.parent_hash,
                    head: head_hash,
                },
                None => {
                    ImportError::UnknownParent { number, hash, parent: block.header.parent_hash }
                }
            });
        }
        let parent = view.header(head_hash)?.ok_or(ImportError::NoGenesis)?;
        let invalid = |rule: BlockValidationError| ImportError::Invalid { number, hash, rule };

        validate_header(&self.config, &block.header, &parent).map_err(invalid)?;
        validate_body(&self.config, block, rlp_size).map_err(invalid)?;
        let senders = senders.map_err(|(index, e)| {
            invalid(BlockValidationError::InvalidSignature { index, reason: e.to_string() })
        })?;
        let output = self.execute_checked(block, &senders, &parent, fees.as_ref(), &view, &view)?;
        drop(view);

        let mut batch = self.db.write()?;
        // The head as the write transaction sees it; the snapshot above may be older.
        let head = batch.head()?.ok_or(ImportError::NoGenesis)?;
        if head != block.header.parent_hash {
            return Err(ImportError::HeadMoved { number, parent: block.header.parent_hash, head });
        }
        let state_root = batch.apply_state(parent.state_root, &output.changes)?;
        if state_root != block.header.state_root {
            // Dropping the batch discards every write of this block.
            return Err(invalid(BlockValidationError::StateRoot {
                expected: block.header.state_root,
                got: state_root,
            }));
        }
        batch.insert_canonical_block(block, hash, &output.receipts, &senders)?;
        if let Some(fees) = &fees {
            batch.insert_fee_config(hash, fees)?;
        }
        batch.set_head(hash)?;
        batch.commit()?;
        Ok(ImportedBlock {
            hash,
            number,
            transactions: block.body.transactions.len(),
            gas_used: output.gas_used,
        })
    }

    /// Executes `block` on `state` (the parent's state; `view` computes intermediate roots) and
    /// checks the results against the header. A failure of the node is
    /// [`ImportError::NodeFailure`], never an invalid block.
    fn execute_checked(
        &self,
        block: &Block,
        senders: &[Address],
        parent: &Header,
        fees: Option<&FeeConfig>,
        view: &ReadView,
        state: &impl StateReader,
    ) -> Result<BlockOutput, ImportError> {
        let number = block.header.number;
        // Only an error names the block; its hash is computed then.
        let hash = || block.header.hash_slow();
        let input = BlockInput {
            header: &block.header,
            transactions: &block.body.transactions,
            senders: Senders::Known(senders),
            ommers: &block.body.ommers,
            withdrawals: block.body.withdrawals.as_ref().map(|w| w.as_slice()),
            fees,
        };
        let mut intermediate_root = |changes: &basalt_primitives::StateChanges| {
            view.state_root_after(parent.state_root, changes).map_err(StateReadError::new)
        };
        let output = execute_block(&self.config, input, state, Some(&mut intermediate_root))
            .map_err(|source| {
                if source.is_node_failure() {
                    ImportError::NodeFailure { number, hash: hash(), source }
                } else {
                    ImportError::Invalid {
                        number,
                        hash: hash(),
                        rule: BlockValidationError::Execution(source),
                    }
                }
            })?;
        validate_execution(&block.header, &output).map_err(|rule| ImportError::Invalid {
            number,
            hash: hash(),
            rule,
        })?;
        Ok(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        builder::BlockTemplate,
        test_support::FailingState,
        workload::{TransferKind, Workload},
    };

    #[test]
    fn failed_state_read_during_import_is_a_node_failure_not_an_invalid_block() {
        let mut workload = Workload::new(4, TransferKind::Eth);
        let chain = workload.new_chain().unwrap();
        let parent = chain.head().unwrap();
        let template = BlockTemplate {
            timestamp: parent.timestamp + 12,
            transactions: workload.next_transactions(2),
            ..Default::default()
        };
        let block = chain.build_block(template).unwrap().block;
        let senders = recover_senders(&block.body.transactions, false).unwrap();
        let hash = block.header.hash_slow();

        let view = chain.db().read().unwrap();
        let failing = FailingState { view: &view, broken: senders[1] };
        let err = chain.execute_checked(&block, &senders, &parent, None, &view, &failing);
        let err = err.unwrap_err();
        assert!(
            matches!(&err, ImportError::NodeFailure { source, .. } if source.is_node_failure()),
            "{err}"
        );
        assert!(err.to_string().contains("disk read failed"), "{err}");
        drop(view);
        // The block was never judged: with a healthy disk it imports.
        chain.import_block(block).unwrap();
        assert_eq!(chain.head().unwrap().hash_slow(), hash);
    }
}
