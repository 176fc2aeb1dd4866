//! What the L2 genesis holds from the rollup's side: the L2 system contracts (bridge at the
//! RIP-7875 address, messenger, token factory and the canonical token implementation) with the
//! runtime code of the committed artifacts, and the
//! predeploys users expect ([`crate::predeploys`]); no funded account, since every L2 ether comes
//! through a deposit. Also the generated genesis file as `basalt deploy` writes and records it.
//!
//! Must not: compute state roots or choose the chain's forks (the engine does, in
//! `basalt-l2-genesis`, which adds the Ethereum system contracts and the config).

use alloy_primitives::{Address, B256, Bytes};
use serde_json::{Map, Value, json};

use crate::{
    bindings::{CanonicalERC20, L2Bridge, L2Messenger, L2TokenFactory},
    formats::{CANONICAL_TOKEN_IMPLEMENTATION, L2_BRIDGE, L2_MESSENGER, L2_TOKEN_FACTORY},
    predeploys::{PREDEPLOYS, PredeployError},
};

/// File name of the L2 genesis, written next to the deployment JSON.
pub const L2_GENESIS_FILE_NAME: &str = "l2-genesis.json";

/// One account of the L2 genesis alloc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2Account {
    /// Its address.
    pub address: Address,
    /// Runtime code.
    pub code: Bytes,
    /// Nonce (1 for contracts, EIP-161).
    pub nonce: u64,
    /// Non-zero storage slots, `(slot, value)`.
    pub storage: Vec<(B256, B256)>,
}

/// `(address, runtime code)` of the L2 system contracts, from the committed artifacts: the bridge,
/// the messenger, the token factory and the implementation of canonical tokens. All are stateless
/// at genesis (empty storage, zero balance); none has immutables, so the runtime code is complete.
pub fn system_contracts() -> [(Address, Bytes); 4] {
    [
        (L2_BRIDGE, L2Bridge::DEPLOYED_BYTECODE.clone()),
        (L2_MESSENGER, L2Messenger::DEPLOYED_BYTECODE.clone()),
        (L2_TOKEN_FACTORY, L2TokenFactory::DEPLOYED_BYTECODE.clone()),
        (CANONICAL_TOKEN_IMPLEMENTATION, CanonicalERC20::DEPLOYED_BYTECODE.clone()),
    ]
}

/// Every account the rollup puts in the L2 genesis: the system contracts, then the predeploys.
/// None has a balance.
///
/// # Errors
/// [`PredeployError`] when a predeploy's data file is not its recorded mainnet code.
pub fn accounts() -> Result<Vec<L2Account>, PredeployError> {
    let mut accounts: Vec<L2Account> = system_contracts()
        .into_iter()
        .map(|(address, code)| L2Account { address, code, nonce: 1, storage: Vec::new() })
        .collect();
    for p in PREDEPLOYS {
        accounts.push(L2Account {
            address: p.address,
            code: p.code()?,
            nonce: p.nonce,
            storage: p.storage.to_vec(),
        });
    }
    Ok(accounts)
}

/// [`accounts`] as geth-format `alloc` entries (`balance`, `nonce`, `code`, `storage`), keyed by
/// checksummed address.
///
/// # Errors
/// As [`accounts`].
pub fn alloc_json() -> Result<Map<String, Value>, PredeployError> {
    let mut alloc = Map::new();
    for account in accounts()? {
        let storage: Map<String, Value> = account
            .storage
            .iter()
            .map(|(slot, value)| (slot.to_string(), Value::String(value.to_string())))
            .collect();
        let mut entry = json!({
            "balance": "0x0",
            "nonce": format!("{:#x}", account.nonce),
            "code": account.code.to_string(),
        });
        if !storage.is_empty() {
            entry["storage"] = Value::Object(storage);
        }
        alloc.insert(account.address.to_checksum(None), entry);
    }
    Ok(alloc)
}

/// A generated L2 genesis file with the roots the engine computed for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2Genesis {
    /// The geth-format genesis JSON, as written to [`L2_GENESIS_FILE_NAME`].
    pub json: String,
    /// State root of block 0 (what the OnChainProposer starts from).
    pub state_root: B256,
    /// Hash of block 0.
    pub block_hash: B256,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, keccak256};

    #[test]
    fn the_bridge_sits_at_the_rip7875_address_and_nothing_is_funded() {
        let accounts = accounts().unwrap();
        assert_eq!(accounts[0].address, address!("0x00000000000000000000000000000000000001ff"));
        assert_eq!(accounts[0].code, L2Bridge::DEPLOYED_BYTECODE.clone());
        assert_eq!(accounts[1].address, L2_MESSENGER);
        assert_eq!(accounts[2].address, L2_TOKEN_FACTORY);
        assert_eq!(accounts[2].code, L2TokenFactory::DEPLOYED_BYTECODE.clone());
        assert_eq!(accounts[3].address, CANONICAL_TOKEN_IMPLEMENTATION);
        assert_eq!(accounts[3].code, CanonicalERC20::DEPLOYED_BYTECODE.clone());
        assert_eq!(accounts.len(), 4 + PREDEPLOYS.len());
        let alloc = alloc_json().unwrap();
        assert_eq!(alloc.len(), accounts.len(), "one entry per account");
        for (address, entry) in &alloc {
            assert_eq!(entry["balance"], "0x0", "{address} is funded");
            assert!(entry["code"].as_str().is_some_and(|c| c.len() > 2), "{address} has no code");
        }
        let weth = &alloc["0x4200000000000000000000000000000000000006"];
        assert_eq!(weth["storage"].as_object().unwrap().len(), 3);
        for p in PREDEPLOYS {
            let code: Bytes =
                alloc[&p.address.to_checksum(None)]["code"].as_str().unwrap().parse().unwrap();
            assert_eq!(keccak256(&code), p.code_hash, "{}", p.name);
        }
    }
}
