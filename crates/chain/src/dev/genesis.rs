//! The genesis of a fresh dev chain: every fork up to the chosen one active at block 0, the
//! system contracts the active forks call, and the funded dev accounts. Written as a
//! geth-format genesis file so the stored chain config is the same kind as an imported one.

use crate::system_contracts::system_contracts;
use alloy_primitives::{Address, U256};
use basalt_primitives::{Hardfork, chain_config::default_blob_schedule};
use serde_json::{Map, Value, json};

/// What the dev genesis holds.
pub struct DevGenesis<'a> {
    pub chain_id: u64,
    pub fork: Hardfork,
    pub gas_limit: u64,
    pub base_fee: u64,
    pub timestamp: u64,
    pub accounts: &'a [Address],
    pub balance: U256,
}

/// geth's config key for each fork (the merge is `mergeNetsplitBlock` plus TTD 0).
fn config_key(fork: Hardfork) -> Option<&'static str> {
    Some(match fork {
        Hardfork::Frontier => return None,
        Hardfork::Homestead => "homesteadBlock",
        Hardfork::Tangerine => "eip150Block",
        Hardfork::SpuriousDragon => "eip158Block",
        Hardfork::Byzantium => "byzantiumBlock",
        Hardfork::Constantinople => "constantinopleBlock",
        Hardfork::Petersburg => "petersburgBlock",
        Hardfork::Istanbul => "istanbulBlock",
        Hardfork::MuirGlacier => "muirGlacierBlock",
        Hardfork::Berlin => "berlinBlock",
        Hardfork::London => "londonBlock",
        Hardfork::ArrowGlacier => "arrowGlacierBlock",
        Hardfork::GrayGlacier => "grayGlacierBlock",
        Hardfork::Paris => "mergeNetsplitBlock",
        Hardfork::Shanghai => "shanghaiTime",
        Hardfork::Cancun => "cancunTime",
        Hardfork::Prague => "pragueTime",
        Hardfork::Osaka => "osakaTime",
        Hardfork::Bpo1 => "bpo1Time",
        Hardfork::Bpo2 => "bpo2Time",
        Hardfork::Bpo3 => "bpo3Time",
        Hardfork::Bpo4 => "bpo4Time",
        Hardfork::Bpo5 => "bpo5Time",
    })
}

impl DevGenesis<'_> {
    /// The genesis file as JSON text.
    pub fn to_json(&self) -> String {
        let mut config = Map::new();
        config.insert("chainId".into(), json!(self.chain_id));
        for fork in Hardfork::ALL.into_iter().filter(|f| *f <= self.fork) {
            if let Some(key) = config_key(fork) {
                config.insert(key.into(), json!(0));
            }
            if fork == Hardfork::SpuriousDragon {
                config.insert("eip155Block".into(), json!(0));
            }
            if fork == Hardfork::Paris {
                config.insert("terminalTotalDifficulty".into(), json!(0));
            }
        }
        let mut blob_schedule = Map::new();
        for (fork, params) in default_blob_schedule().into_iter().filter(|(f, _)| *f <= self.fork) {
            blob_schedule.insert(
                fork.name().to_ascii_lowercase(),
                json!({
                    "target": params.target_blob_count,
                    "max": params.max_blob_count,
                    "baseFeeUpdateFraction": params.update_fraction,
                }),
            );
        }
        if !blob_schedule.is_empty() {
            config.insert("blobSchedule".into(), Value::Object(blob_schedule));
        }

        let mut alloc = Map::new();
        if self.fork >= Hardfork::Cancun {
            for (address, code) in system_contracts() {
                alloc.insert(
                    address.to_string(),
                    json!({"balance": "0x0", "nonce": "0x1", "code": code.to_string()}),
                );
            }
        }
        for address in self.accounts {
            alloc.insert(address.to_string(), json!({ "balance": format!("{:#x}", self.balance) }));
        }
        json!({
            "config": config,
            "gasLimit": format!("{:#x}", self.gas_limit),
            "difficulty": if self.fork >= Hardfork::Paris { "0x0" } else { "0x1" },
            "timestamp": format!("{:#x}", self.timestamp),
            "extraData": "0x",
            "baseFeePerGas": format!("{:#x}", self.base_fee),
            "alloc": alloc,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use basalt_primitives::GenesisSpec;

    #[test]
    fn every_fork_up_to_the_chosen_one_is_active_at_genesis() {
        let accounts = [Address::repeat_byte(1)];
        for fork in [Hardfork::London, Hardfork::Cancun, Hardfork::Prague, Hardfork::Osaka] {
            let genesis = DevGenesis {
                chain_id: 31337,
                fork,
                gas_limit: 30_000_000,
                base_fee: 1_000_000_000,
                timestamp: 1,
                accounts: &accounts,
                balance: U256::from(5),
            };
            let spec = GenesisSpec::from_json(&genesis.to_json()).unwrap();
            assert_eq!(spec.config.fork_at(0, 1), fork);
            assert_eq!(spec.config.chain_id, 31337);
            assert_eq!(spec.genesis.alloc[&accounts[0]].balance, U256::from(5));
        }
    }
}
