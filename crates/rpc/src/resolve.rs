//! Block identifiers (numbers, tags, hashes) resolved against the store, and the state at a
//! block: the flat tables for the head, the tries for any earlier block.

use crate::error::{OrInternal, RpcResult, server_error};
use alloy_consensus::Header;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U256};
use basalt_primitives::{Account, StateReadError, StateReader};
use basalt_storage::{HistoricalState, ReadView};

/// A block found by its identifier.
pub struct FoundBlock {
    pub header: Header,
    pub hash: B256,
    /// Named by a tag at the head: reads use the live (flat) state.
    pub is_head: bool,
}

/// The number a tag or number means now; `pending`, `safe` and `finalized` are the head on
/// a single-node dev chain.
pub fn block_number(view: &ReadView, tag: BlockNumberOrTag) -> RpcResult<u64> {
    let head = view.head_header().or_internal()?.ok_or_else(|| server_error("no genesis"))?;
    Ok(match tag {
        BlockNumberOrTag::Number(n) => n,
        BlockNumberOrTag::Earliest => 0,
        BlockNumberOrTag::Latest
        | BlockNumberOrTag::Pending
        | BlockNumberOrTag::Safe
        | BlockNumberOrTag::Finalized => head.number,
    })
}

/// The block `id` names, None when there is no such block.
pub fn find_block(view: &ReadView, id: BlockId) -> RpcResult<Option<FoundBlock>> {
    let head_hash = view.head_hash().or_internal()?.ok_or_else(|| server_error("no genesis"))?;
    // Only a tag (`latest`, `pending`, …) names the live head state, which includes dev-L1
    // edits made since the head block; a number or hash names the state the block committed.
    let by_tag = matches!(id, BlockId::Number(tag) if !tag.is_number());
    let hash = match id {
        BlockId::Hash(hash) => {
            let hash = hash.block_hash;
            if view.block_number(hash).or_internal()?.is_none() {
                return Ok(None);
            }
            hash
        }
        BlockId::Number(tag) => {
            let number = block_number(view, tag)?;
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
    }))
}

/// Like [`find_block`], with geth's "header not found" error when missing.
pub fn require_block(view: &ReadView, id: BlockId) -> RpcResult<FoundBlock> {
    find_block(view, id)?.ok_or_else(|| server_error("header not found"))
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
}

impl<'a> StateAt<'a> {
    pub fn new(view: &'a ReadView, block: &FoundBlock) -> Self {
        if block.is_head {
            StateAt::Head(view)
        } else {
            StateAt::Past(HistoricalState::new(view, block.header.state_root))
        }
    }

    /// The state root these reads answer from.
    pub fn root(view: &ReadView, block: &FoundBlock) -> RpcResult<B256> {
        if block.is_head {
            Ok(view.working_state_root().or_internal()?.unwrap_or(block.header.state_root))
        } else {
            Ok(block.header.state_root)
        }
    }
}

impl StateReader for StateAt<'_> {
    fn account(&self, address: Address) -> Result<Option<Account>, StateReadError> {
        match self {
            StateAt::Head(view) => StateReader::account(*view, address),
            StateAt::Past(state) => state.account(address),
        }
    }
    fn storage(&self, address: Address, slot: U256) -> Result<U256, StateReadError> {
        match self {
            StateAt::Head(view) => StateReader::storage(*view, address, slot),
            StateAt::Past(state) => state.storage(address, slot),
        }
    }
    fn code(&self, code_hash: B256) -> Result<Option<Bytes>, StateReadError> {
        match self {
            StateAt::Head(view) => StateReader::code(*view, code_hash),
            StateAt::Past(state) => state.code(code_hash),
        }
    }
    fn block_hash(&self, number: u64) -> Result<Option<B256>, StateReadError> {
        match self {
            StateAt::Head(view) => StateReader::block_hash(*view, number),
            StateAt::Past(state) => state.block_hash(number),
        }
    }
}
