//! Block identifiers (numbers, tags, hashes) resolved against the store, and the state at a
//! block: the flat tables for the head, the tries for any earlier block, an in-memory overlay
//! for the pending block.

use crate::{
    RpcContext,
    error::{OrInternal, RpcResult, server_error},
};
use alloy_consensus::Header;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U256};
use basalt_chain::builder::BuiltBlock;
use basalt_primitives::{Account, BasaltReceipt, Block, StateReadError, StateReader};
use basalt_storage::{HistoricalState, ReadView, StateOverlay};
use std::sync::Arc;

/// A block found by its identifier.
pub struct FoundBlock {
    pub header: Header,
    pub hash: B256,
    /// Named by a tag at the head: reads use the live (flat) state.
    pub is_head: bool,
    /// The pending block (built from the pool, not stored) when the tag was `pending`.
    pub pending: Option<Arc<BuiltBlock>>,
}

impl FoundBlock {
    /// A stored block.
    pub fn stored(header: Header, hash: B256) -> Self {
        Self { header, hash, is_head: false, pending: None }
    }

    /// The whole block.
    pub fn block(&self, view: &ReadView) -> RpcResult<Option<Block>> {
        match &self.pending {
            Some(pending) => Ok(Some(pending.block.clone())),
            None => view.block(self.hash).or_internal(),
        }
    }

    /// The block's receipts (empty when none are stored).
    pub fn receipts(&self, view: &ReadView) -> RpcResult<Vec<BasaltReceipt>> {
        match &self.pending {
            Some(pending) => Ok(pending.receipts.clone()),
            None => Ok(view.receipts(self.hash).or_internal()?.unwrap_or_default()),
        }
    }
}

/// Whether `id` is the `pending` tag.
pub fn is_pending(id: &BlockId) -> bool {
    matches!(id, BlockId::Number(BlockNumberOrTag::Pending))
}

impl RpcContext {
    /// The number a tag or number means now: `safe` and `finalized` lag the head as on a
    /// beacon chain (see the dev chain's `slots_in_an_epoch`), `pending` is the next block.
    pub fn block_number(&self, view: &ReadView, tag: BlockNumberOrTag) -> RpcResult<u64> {
        let head = view.head_header().or_internal()?.ok_or_else(|| server_error("no genesis"))?;
        Ok(match tag {
            BlockNumberOrTag::Number(n) => n,
            BlockNumberOrTag::Earliest => 0,
            BlockNumberOrTag::Latest => head.number,
            BlockNumberOrTag::Pending => head.number.saturating_add(1),
            BlockNumberOrTag::Safe => self.node.safe_number(head.number),
            BlockNumberOrTag::Finalized => self.node.finalized_number().min(head.number),
        })
    }

    /// The block `id` names, None when there is no such block.
    pub fn find_block(&self, view: &ReadView, id: BlockId) -> RpcResult<Option<FoundBlock>> {
        if is_pending(&id) {
            let pending = self.node.pending_block().map_err(crate::send::dev_error)?;
            return Ok(Some(FoundBlock {
                header: pending.block.header.clone(),
                hash: pending.hash,
                is_head: false,
                pending: Some(pending),
            }));
        }
        let head_hash =
            view.head_hash().or_internal()?.ok_or_else(|| server_error("no genesis"))?;
        // Only `latest` names the live head state, which includes dev-L1 edits made since the
        // head block; a number, hash or other tag names the state the block committed.
        let by_tag = matches!(id, BlockId::Number(BlockNumberOrTag::Latest));
        let hash = match id {
            BlockId::Hash(hash) => {
                let hash = hash.block_hash;
                if view.block_number(hash).or_internal()?.is_none() {
                    return Ok(None);
                }
                hash
            }
            BlockId::Number(tag) => {
                let number = self.block_number(view, tag)?;
                match view.canonical_hash(number).or_internal()? {
                    Some(hash) => hash,
                    None => return Ok(None),
                }
            }
        };
        Ok(view.header(hash).or_internal()?.map(|header| FoundBlock {
            header,
            hash,
            is_head: by_tag && hash == head_hash,
            pending: None,
        }))
    }

    /// Like [`RpcContext::find_block`], with geth's "header not found" error when missing.
    pub fn require_block(&self, view: &ReadView, id: BlockId) -> RpcResult<FoundBlock> {
        self.find_block(view, id)?.ok_or_else(|| server_error("header not found"))
    }
}

/// Parses an optional block parameter (default `latest`).
pub fn block_id_or_latest(id: Option<BlockId>) -> BlockId {
    id.unwrap_or(BlockId::Number(BlockNumberOrTag::Latest))
}

/// The state after a block.
pub enum StateAt<'a> {
    /// The head's flat state (with any dev-L1 edits since).
    Head(&'a ReadView),
    Past(HistoricalState<'a>),
    /// The pending block's state, in memory over the head's.
    Pending(StateOverlay<'a>),
}

impl<'a> StateAt<'a> {
    pub fn new(view: &'a ReadView, block: &'a FoundBlock) -> Self {
        match &block.pending {
            Some(pending) => StateAt::Pending(pending.state.on(view)),
            None if block.is_head => StateAt::Head(view),
            None => StateAt::Past(HistoricalState::new(view, block.header.state_root)),
        }
    }

    /// The state root these reads answer from.
    pub fn root(view: &ReadView, block: &FoundBlock) -> RpcResult<B256> {
        match &block.pending {
            Some(pending) => Ok(pending.state.root()),
            None if block.is_head => {
                Ok(view.working_state_root().or_internal()?.unwrap_or(block.header.state_root))
            }
            None => Ok(block.header.state_root),
        }
    }
}

impl StateReader for StateAt<'_> {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        match self {
            StateAt::Head(view) => StateReader::account(*view, address),
            StateAt::Past(state) => state.account(address),
            StateAt::Pending(state) => state.account(address),
        }
    }
    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        match self {
            StateAt::Head(view) => StateReader::storage(*view, address, slot),
            StateAt::Past(state) => state.storage(address, slot),
            StateAt::Pending(state) => state.storage(address, slot),
        }
    }
    fn has_storage(&self, address: Address) -> Result<bool, StateReadError> {
        match self {
            StateAt::Head(view) => StateReader::has_storage(*view, address),
            StateAt::Past(state) => state.has_storage(address),
            StateAt::Pending(state) => state.has_storage(address),
        }
    }
    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
        match self {
            StateAt::Head(view) => StateReader::code(*view, code_hash),
            StateAt::Past(state) => state.code(code_hash),
            StateAt::Pending(state) => state.code(code_hash),
        }
    }
    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        match self {
            StateAt::Head(view) => StateReader::block_hash(*view, number),
            StateAt::Past(state) => state.block_hash(number),
            StateAt::Pending(state) => state.block_hash(number),
        }
    }
}
