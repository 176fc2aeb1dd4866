//! The blockchain-test fixture format of execution-spec-tests (only the fields a runner needs).

use alloy_primitives::{Address, B256, Bytes, U64, U256};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One test: a genesis, blocks to import (some expected to be rejected) and the result.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockchainFixture {
    pub network: String,
    #[serde(default)]
    pub config: Option<FixtureConfig>,
    pub pre: BTreeMap<Address, FixtureAccount>,
    pub genesis_block_header: HashOnly,
    #[serde(rename = "genesisRLP")]
    pub genesis_rlp: Bytes,
    pub blocks: Vec<FixtureBlock>,
    pub lastblockhash: B256,
    #[serde(default)]
    pub post_state: Option<BTreeMap<Address, FixtureAccount>>,
    #[serde(default)]
    pub seal_engine: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixtureConfig {
    pub chainid: U64,
    #[serde(default)]
    pub blob_schedule: BTreeMap<String, FixtureBlobParams>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixtureBlobParams {
    pub target: U64,
    pub max: U64,
    pub base_fee_update_fraction: U64,
}

#[derive(Debug, Deserialize)]
pub struct HashOnly {
    pub hash: B256,
}

#[derive(Debug, Deserialize, Clone, PartialEq, Eq)]
pub struct FixtureAccount {
    pub nonce: U64,
    pub balance: U256,
    pub code: Bytes,
    pub storage: BTreeMap<U256, U256>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixtureBlock {
    pub rlp: Bytes,
    #[serde(default)]
    pub expect_exception: Option<String>,
    #[serde(default)]
    pub block_header: Option<HashOnly>,
}
