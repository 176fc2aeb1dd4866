//! geth-format `genesis.json`: parsing, validation, and translation into a [`ChainConfig`]
//! plus the initial state. Building the genesis header needs the state root, so it lives in
//! `basalt-chain`.

use crate::{
    chain_config::{ChainConfig, ForkCondition},
    hardfork::Hardfork,
    state::{Account, StateChanges, StorageChanges},
};
use alloy_genesis::Genesis;
use alloy_primitives::{B256, KECCAK256_EMPTY, U256, keccak256};
use std::path::Path;

/// A parsed and validated genesis file.
#[derive(Clone, Debug)]
pub struct GenesisSpec {
    pub config: ChainConfig,
    pub genesis: Genesis,
}

/// Why a genesis file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    #[error("cannot read genesis file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("genesis file is not valid JSON or has a wrong field: {0}")]
    Json(#[from] serde_json::Error),
    #[error("genesis file has no `{0}` field; geth-format genesis files need it")]
    MissingField(&'static str),
    #[error("genesis config: {0}")]
    Config(#[from] crate::chain_config::ChainConfigError),
    #[error(
        "terminalTotalDifficulty {0} > 0 needs `mergeNetsplitBlock` to say where the merge happened"
    )]
    UnsupportedTtd(U256),
    #[error("DAO fork support is not implemented; remove `daoForkSupport` or set it to false")]
    DaoFork,
    #[error("{0} is scheduled but `blobSchedule` has no entry for it")]
    MissingBlobSchedule(Hardfork),
    #[error("blobSchedule entry '{0}' is not a known fork")]
    UnknownBlobScheduleFork(String),
    #[error("blobSchedule entry '{0}' needs baseFeeUpdateFraction > 0 and max >= target")]
    InvalidBlobParams(String),
    #[error(
        "config.{0} schedules a fork this engine does not execute (it executes Frontier through \
         BPO5); remove it"
    )]
    UnsupportedFork(String),
    #[error(
        "config.basalt (the L2 section) must be {{\"bridge\": \"0x…\", \"fees\": {{…}}}} \
         (docs/l2-fees.md): {0}"
    )]
    InvalidRollupSection(String),
}

impl GenesisSpec {
    /// Reads and validates a genesis file.
    pub fn from_file(path: &Path) -> Result<Self, GenesisError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| GenesisError::Read { path: path.display().to_string(), source })?;
        Self::from_json(&text)
    }

    /// Parses and validates genesis JSON.
    pub fn from_json(text: &str) -> Result<Self, GenesisError> {
        let raw: serde_json::Value = serde_json::from_str(text)?;
        let config_json = raw.get("config").ok_or(GenesisError::MissingField("config"))?;
        if config_json.get("chainId").is_none() {
            return Err(GenesisError::MissingField("config.chainId"));
        }
        if raw.get("gasLimit").is_none() {
            return Err(GenesisError::MissingField("gasLimit"));
        }
        if raw.get("alloc").is_none() {
            return Err(GenesisError::MissingField("alloc"));
        }
        let genesis: Genesis = serde_json::from_value(raw)?;
        let config = chain_config_from(&genesis.config)?;
        Ok(Self { config, genesis })
    }

    /// The initial state as a change set over an empty state.
    pub fn alloc_changes(&self) -> StateChanges {
        let mut changes = StateChanges::default();
        for (address, account) in &self.genesis.alloc {
            let code = account.code.clone().filter(|code| !code.is_empty());
            let code_hash = code.as_ref().map(keccak256).unwrap_or(KECCAK256_EMPTY);
            if let Some(code) = code {
                changes.code.push((code_hash, code));
            }
            changes.accounts.push((
                *address,
                Some(Account {
                    nonce: account.nonce.unwrap_or(0),
                    balance: account.balance,
                    code_hash,
                }),
            ));
            if let Some(storage) = &account.storage {
                let slots = storage
                    .iter()
                    .filter(|(_, value)| **value != B256::ZERO)
                    .map(|(slot, value)| {
                        (U256::from_be_bytes(slot.0), U256::from_be_bytes(value.0))
                    })
                    .collect();
                changes.storage.push(StorageChanges { address: *address, wiped: false, slots });
            }
        }
        changes
    }
}

/// The rules of the chain whose genesis file has the `config` section `c` (geth's format, with
/// Basalt's `basalt` section on an L2). The stateless guest program builds its rules from this
/// section alone. Errors: a fork this engine does not execute, bad blob parameters, a bad
/// `basalt` section, forks out of order.
pub fn chain_config_from(c: &alloy_genesis::ChainConfig) -> Result<ChainConfig, GenesisError> {
    if c.dao_fork_support {
        return Err(GenesisError::DaoFork);
    }
    refuse_unexecuted_forks(c)?;
    let mut config = ChainConfig::frontier(c.chain_id);
    if let Some(address) = c.deposit_contract_address {
        config.deposit_contract = address;
    }
    let by_block = [
        (Hardfork::Homestead, c.homestead_block),
        (Hardfork::Tangerine, c.eip150_block),
        (Hardfork::SpuriousDragon, c.eip158_block.or(c.eip155_block)),
        (Hardfork::Byzantium, c.byzantium_block),
        (Hardfork::Constantinople, c.constantinople_block),
        (Hardfork::Petersburg, c.petersburg_block),
        (Hardfork::Istanbul, c.istanbul_block),
        (Hardfork::MuirGlacier, c.muir_glacier_block),
        (Hardfork::Berlin, c.berlin_block),
        (Hardfork::London, c.london_block),
        (Hardfork::ArrowGlacier, c.arrow_glacier_block),
        (Hardfork::GrayGlacier, c.gray_glacier_block),
    ];
    for (fork, block) in by_block {
        if let Some(block) = block {
            config.schedule(fork, ForkCondition::Block(block));
        }
    }
    let merge_block = match (c.merge_netsplit_block, c.terminal_total_difficulty) {
        (Some(block), _) => Some(block),
        (None, Some(ttd)) if ttd.is_zero() => Some(0),
        (None, Some(ttd)) if !c.terminal_total_difficulty_passed => {
            return Err(GenesisError::UnsupportedTtd(ttd));
        }
        (None, Some(_)) => Some(0),
        (None, None) => None,
    };
    if let Some(block) = merge_block {
        config.schedule(Hardfork::Paris, ForkCondition::Block(block));
    }
    let by_time = [
        (Hardfork::Shanghai, c.shanghai_time),
        (Hardfork::Cancun, c.cancun_time),
        (Hardfork::Prague, c.prague_time),
        (Hardfork::Osaka, c.osaka_time),
        (Hardfork::Bpo1, c.bpo1_time),
        (Hardfork::Bpo2, c.bpo2_time),
        (Hardfork::Bpo3, c.bpo3_time),
        (Hardfork::Bpo4, c.bpo4_time),
        (Hardfork::Bpo5, c.bpo5_time),
    ];
    for (fork, time) in by_time {
        if let Some(time) = time {
            config.schedule(fork, ForkCondition::Timestamp(time));
        }
    }
    for (name, params) in &c.blob_schedule {
        let fork: Hardfork =
            name.parse().map_err(|_| GenesisError::UnknownBlobScheduleFork(name.clone()))?;
        if params.update_fraction == 0 || params.max_blob_count < params.target_blob_count {
            return Err(GenesisError::InvalidBlobParams(name.clone()));
        }
        config.set_blob_params(fork, *params);
    }
    // BPO forks exist only to change blob parameters, so they must say which.
    for fork in [Hardfork::Bpo1, Hardfork::Bpo2, Hardfork::Bpo3, Hardfork::Bpo4, Hardfork::Bpo5] {
        if config.activation(fork).is_some()
            && !c.blob_schedule.keys().any(|k| k.eq_ignore_ascii_case(fork.name()))
        {
            return Err(GenesisError::MissingBlobSchedule(fork));
        }
    }
    if let Some(section) = c.extra_fields.get("basalt") {
        let rollup: crate::chain_config::RollupConfig = serde_json::from_value(section.clone())
            .map_err(|e| GenesisError::InvalidRollupSection(e.to_string()))?;
        rollup.fees.validate().map_err(|e| GenesisError::InvalidRollupSection(e.to_string()))?;
        // The L2 header's base fee follows the chain's EIP-1559 parameters.
        config.base_fee_params = rollup.fees.base_fee_params();
        config.rollup = Some(rollup);
    }
    config.validate()?;
    Ok(config)
}

/// A chain that schedules a fork the engine does not execute would be served under the wrong
/// rules from that fork on, so such a genesis is refused rather than half-honoured. Known future
/// forks are named by alloy; any other `…Block`/`…Time` key with a number is a fork activation
/// this engine cannot know either.
fn refuse_unexecuted_forks(c: &alloy_genesis::ChainConfig) -> Result<(), GenesisError> {
    let known_future = [("amsterdamTime", c.amsterdam_time), ("bogotaTime", c.bogota_time)];
    if let Some((key, _)) = known_future.iter().find(|(_, time)| time.is_some()) {
        return Err(GenesisError::UnsupportedFork((*key).to_string()));
    }
    // geth keys that end like activations but are not forks.
    const NOT_FORKS: [&str; 2] = ["daoForkBlock", "terminalTotalDifficultyPassed"];
    let unknown = c.extra_fields.iter().find(|(key, value)| {
        (key.ends_with("Block") || key.ends_with("Time"))
            && !NOT_FORKS.contains(&key.as_str())
            && value.is_number()
    });
    match unknown {
        Some((key, _)) => Err(GenesisError::UnsupportedFork(key.clone())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        "config": {"chainId": 1337, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0,
                   "eip158Block": 0, "byzantiumBlock": 0, "constantinopleBlock": 0,
                   "petersburgBlock": 0, "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0,
                   "terminalTotalDifficulty": 0, "shanghaiTime": 0, "cancunTime": 0,
                   "pragueTime": 0, "osakaTime": 100,
                   "blobSchedule": {"cancun": {"target": 3, "max": 6, "baseFeeUpdateFraction": 3338477},
                                    "prague": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716},
                                    "osaka": {"target": 6, "max": 9, "baseFeeUpdateFraction": 5007716}}},
        "gasLimit": "0x1c9c380", "difficulty": "0x0", "timestamp": "0x0", "extraData": "0x",
        "alloc": {"0x00000000000000000000000000000000000000aa": {"balance": "0x10",
                  "code": "0x6001", "storage": {"0x01": "0x02"}}}
    }"#;

    #[test]
    fn parses_forks_and_alloc() {
        let spec = GenesisSpec::from_json(MINIMAL).unwrap();
        assert_eq!(spec.config.chain_id, 1337);
        assert_eq!(spec.config.fork_at(0, 0), Hardfork::Prague);
        assert_eq!(spec.config.fork_at(1, 100), Hardfork::Osaka);
        let changes = spec.alloc_changes();
        assert_eq!(changes.accounts.len(), 1);
        assert_eq!(changes.code.len(), 1);
        assert_eq!(changes.storage[0].slots, vec![(U256::from(1), U256::from(2))]);
    }

    #[test]
    fn missing_and_wrong_fields_are_named() {
        let no_chain_id = MINIMAL.replace("\"chainId\": 1337,", "");
        let err = GenesisSpec::from_json(&no_chain_id).unwrap_err();
        assert!(err.to_string().contains("config.chainId"), "{err}");
        let no_alloc = r#"{"config": {"chainId": 1}, "gasLimit": "0x1"}"#;
        assert!(GenesisSpec::from_json(no_alloc).unwrap_err().to_string().contains("alloc"));
        let bad_balance = MINIMAL.replace("\"0x10\"", "\"lots\"");
        assert!(matches!(GenesisSpec::from_json(&bad_balance), Err(GenesisError::Json(_))));
        let zero_fraction =
            MINIMAL.replace("\"baseFeeUpdateFraction\": 3338477", "\"baseFeeUpdateFraction\": 0");
        assert!(matches!(
            GenesisSpec::from_json(&zero_fraction),
            Err(GenesisError::InvalidBlobParams(_))
        ));
        let unordered = MINIMAL.replace("\"berlinBlock\": 0", "\"berlinBlock\": 10");
        assert!(matches!(GenesisSpec::from_json(&unordered), Err(GenesisError::Config(_))));
        assert!(GenesisSpec::from_json("{ not json").is_err());
    }

    #[test]
    fn a_basalt_section_makes_an_l2_and_a_bad_one_is_named() {
        assert_eq!(GenesisSpec::from_json(MINIMAL).unwrap().config.rollup, None);
        let bridge = "0x00000000000000000000000000000000000001ff";
        let l2 = MINIMAL.replacen(
            r#""chainId": 1337,"#,
            &format!(r#""chainId": 1337, "basalt": {{"bridge": "{bridge}"}},"#),
            1,
        );
        let rollup = GenesisSpec::from_json(&l2).unwrap().config.rollup.unwrap();
        assert_eq!(rollup.bridge, bridge.parse::<alloy_primitives::Address>().unwrap());
        assert_eq!(rollup.fees, crate::FeeSettings::default());
        assert_eq!(
            GenesisSpec::from_json(&l2).unwrap().config.base_fee_params,
            alloy_eips::eip1559::BaseFeeParams::ethereum()
        );
        let with_fees = MINIMAL.replacen(
            r#""chainId": 1337,"#,
            &format!(
                r#""chainId": 1337, "basalt": {{"bridge": "{bridge}", "fees": {{
                    "eip1559": {{"elasticityMultiplier": 6, "baseFeeMaxChangeDenominator": 250}}
                }}}},"#
            ),
            1,
        );
        let config = GenesisSpec::from_json(&with_fees).unwrap().config;
        assert_eq!(config.base_fee_params, alloy_eips::eip1559::BaseFeeParams::new(250, 6));
        for bad in [
            r#"{"bridge": "0x12"}"#,
            r#"{}"#,
            r#"{"bridge": "0x00000000000000000000000000000000000001ff", "x": 1}"#,
            r#"{"bridge": "0x00000000000000000000000000000000000001ff", "fees": {"x": 1}}"#,
            r#"{"bridge": "0x00000000000000000000000000000000000001ff",
                "fees": {"operatorFeePerGas": "0x1"}}"#,
            r#"{"bridge": "0x00000000000000000000000000000000000001ff",
                "fees": {"eip1559": {"elasticityMultiplier": 0}}}"#,
        ] {
            let text = MINIMAL.replacen(
                r#""chainId": 1337,"#,
                &format!(r#""chainId": 1337, "basalt": {bad},"#),
                1,
            );
            let err = GenesisSpec::from_json(&text).unwrap_err();
            assert!(matches!(err, GenesisError::InvalidRollupSection(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn bpo_forks_after_osaka_are_accepted() {
        let bpo = MINIMAL.replace(
            "\"osakaTime\": 100,",
            "\"osakaTime\": 100, \"bpo1Time\": 200, \"bpo2Time\": 300,",
        );
        let bpo = bpo.replace(
            "\"osaka\": {",
            "\"bpo1\": {\"target\": 10, \"max\": 15, \"baseFeeUpdateFraction\": 8346193},
             \"bpo2\": {\"target\": 14, \"max\": 21, \"baseFeeUpdateFraction\": 11684671},
             \"osaka\": {",
        );
        let spec = GenesisSpec::from_json(&bpo).unwrap();
        assert_eq!(spec.config.fork_at(1, 250), Hardfork::Bpo1);
        assert_eq!(spec.config.fork_at(1, 300), Hardfork::Bpo2);
        assert_eq!(spec.config.blob_params(Hardfork::Bpo2).unwrap().max_blob_count, 21);
    }

    #[test]
    fn forks_the_engine_does_not_execute_are_refused() {
        for key in ["amsterdamTime", "bogotaTime", "verkleTime", "someFutureBlock"] {
            let future = MINIMAL
                .replace("\"osakaTime\": 100,", &format!("\"osakaTime\": 100, \"{key}\": 500,"));
            let err = GenesisSpec::from_json(&future).unwrap_err();
            assert!(matches!(&err, GenesisError::UnsupportedFork(k) if k == key), "{key}: {err}");
        }
        // Keys that only look like activations stay accepted.
        let dao = MINIMAL.replace("\"chainId\": 1337,", "\"chainId\": 1337, \"daoForkBlock\": 0,");
        GenesisSpec::from_json(&dao).unwrap();
    }
}
