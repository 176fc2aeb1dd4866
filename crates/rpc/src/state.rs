//! `eth_getStorageValues`: many storage slots of many accounts in one read snapshot, at the
//! head or any past block.

use crate::{
    RpcContext, blocking_method,
    error::{OrInternal, RpcResult, invalid_params},
    params::StorageSlot,
    resolve::block_id_or_latest,
};
use alloy_primitives::{Address, B256};
use basalt_primitives::StateReader;
use jsonrpsee::RpcModule;
use std::collections::BTreeMap;

/// Most slots one `eth_getStorageValues` call reads (all accounts together).
pub const MAX_STORAGE_VALUES: usize = 1024;

pub fn register(module: &mut RpcModule<RpcContext>) {
    blocking_method(module, "eth_getStorageValues", |ctx, params| {
        let mut seq = params.sequence();
        let requests: BTreeMap<Address, Vec<StorageSlot>> = seq.next()?;
        let block = block_id_or_latest(seq.optional_next()?);
        ctx.storage_values(&requests, block)
    });
}

impl RpcContext {
    /// Each account's slot values, in the order asked, keyed by the account's address.
    fn storage_values(
        &self,
        requests: &BTreeMap<Address, Vec<StorageSlot>>,
        block: alloy_eips::BlockId,
    ) -> RpcResult<BTreeMap<Address, Vec<B256>>> {
        if requests.is_empty() {
            return Err(invalid_params("empty request"));
        }
        let total: usize = requests.values().map(Vec::len).sum();
        if total > MAX_STORAGE_VALUES {
            return Err(invalid_params(format!(
                "{total} storage slots requested; at most {MAX_STORAGE_VALUES} per call"
            )));
        }
        self.with_state(block, |state| {
            requests
                .iter()
                .map(|(address, slots)| {
                    let values = slots
                        .iter()
                        .map(|slot| {
                            let value = state.storage(*address, slot.slot).or_internal()?;
                            Ok(B256::from(value))
                        })
                        .collect::<RpcResult<Vec<_>>>()?;
                    Ok((*address, values))
                })
                .collect()
        })
    }
}
