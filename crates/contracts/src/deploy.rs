//! `basalt deploy`: puts the L1 contracts on any JSON-RPC L1 (anvil, geth, reth, a testnet).
//!
//! Deploys the governance timelock, the implementations and their ERC1967 (UUPS) proxies,
//! initialises the proxies in their constructor call (so nobody can initialise them first), reads
//! everything back, and writes the addresses as JSON. The timelock owns every proxy from its first
//! block: there is no ownership handover to get wrong.
//!
//! Must not: deploy twice over a deployment file that is live on the same chain, write a deployment
//! file it did not verify, or panic on anything the L1 returns.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use alloy::{
    network::{Ethereum, EthereumWallet},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use alloy_primitives::{Address, B256, Bytes, U256, b256};
use serde::{Deserialize, Serialize};

use crate::{
    bindings::{
        AttestationVerifier, BasaltTimelock, CommonBridge, ERC1967Proxy, IOnChainProposer,
        OnChainProposer,
    },
    formats::MAX_TX_GAS_LIMIT,
    l2_genesis::{L2_GENESIS_FILE_NAME, L2Genesis},
    profile::Profile,
    revert::ContractRevert,
};

/// L2 chain id used when none is given.
pub const DEFAULT_L2_CHAIN_ID: u64 = 12_212_759;
/// Exit window (timelock delay) of a dev deployment when none is given: 7 days. Staged profiles default
/// to the smallest delay they accept ([`Profile::required_governance_delay`]).
pub const DEFAULT_EXIT_WINDOW_SECS: u64 = 7 * 24 * 3600;
/// Proving allowance used when none is given: 1 day.
pub const DEFAULT_PROVING_ALLOWANCE_SECS: u64 = 24 * 3600;
/// Block gas limit the L2 guarantees, when none is given.
pub const DEFAULT_L2_BLOCK_GAS_LIMIT: u64 = 30_000_000;
/// `CommonBridge.MIN_DEPOSIT_GAS_LIMIT`: gas a deposit needs to be delivered or refunded on L2.
pub const MIN_DEPOSIT_GAS_LIMIT: u64 = 150_000;
/// `CommonBridge.CANONICAL_DEPOSIT_GAS_LIMIT`: L2 gas of a deposit to a canonical L2 token (one
/// that may create the token), so the smallest `--max-l2-gas-limit`.
pub const CANONICAL_DEPOSIT_GAS_LIMIT: u64 = 400_000;
/// `CommonBridge.MIN_INCLUSION_PERIOD` and `MAX_INCLUSION_PERIOD` (seconds).
pub const INCLUSION_PERIOD_RANGE: std::ops::RangeInclusive<u64> = 300..=30 * 24 * 3600;
/// `OnChainProposer.MAX_FINALIZATION_DELAY` (seconds).
pub const MAX_FINALIZATION_DELAY_SECS: u64 = 7 * 24 * 3600;
/// `OnChainProposer.MAX_PROVING_ALLOWANCE` (seconds).
pub const MAX_PROVING_ALLOWANCE_SECS: u64 = 30 * 24 * 3600;
/// L1 chain ids on which `--dev-no-verifier` is allowed (anvil/hardhat, geth --dev).
pub const DEV_L1_CHAIN_IDS: [u64; 2] = [31_337, 1337];
/// Inclusion period of privileged transactions used when none is given: 1 day.
pub const DEFAULT_INCLUSION_PERIOD_SECS: u64 = 24 * 3600;
/// L2 gas limit of a deposit's privileged transaction.
pub const DEFAULT_DEPOSIT_GAS_LIMIT: u64 = 200_000;
/// Largest L2 gas limit `sendToL2` accepts.
pub const DEFAULT_MAX_L2_GAS_LIMIT: u64 = 10_000_000;
/// State root of an empty state (keccak of the RLP of an empty trie): the proposer's starting root
/// when a library caller deploys without an L2 genesis ([`DeployConfig::l2_genesis`] `None`, for
/// tests of the L1 contracts alone). `basalt deploy` always passes the generated L2 genesis.
pub const EMPTY_STATE_ROOT: B256 =
    b256!("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
/// Id the attestation verifier is registered under in the OnChainProposer.
pub const ATTESTATION_VERIFIER_ID: u8 = 1;
/// Gas a full deployment takes, with a margin (measured 10.7M on anvil; see docs/contracts.md).
pub const DEPLOY_GAS_ESTIMATE: u64 = 14_000_000;
/// ERC-1967 implementation slot.
const IMPLEMENTATION_SLOT: B256 =
    b256!("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");

/// What to deploy and where.
#[derive(Debug, Clone)]
pub struct DeployConfig {
    /// JSON-RPC endpoint of the L1.
    pub l1_rpc_url: String,
    /// Hex private key of the deploying account (pays for the deployment).
    pub private_key: String,
    /// Deployment profile: which floors the contracts enforce.
    pub profile: Profile,
    /// Validium: batches carry no blob.
    pub validium: bool,
    /// What a rollup batch's blobs publish (ignored in validium mode).
    pub da_mode: DaModeName,
    /// Development chain: allow verifying batches with no verifier.
    pub dev_no_verifier: bool,
    /// Attestation signers (the prover committee).
    pub attesters: Vec<Address>,
    /// Signatures required; defaults to all attesters.
    pub threshold: Option<u64>,
    /// Timelock delay in seconds: the window users have to exit before a change applies. `None`: 7
    /// days on dev, the profile's required minimum on stage 1 and 2.
    pub exit_window_secs: Option<u64>,
    /// Where to write the deployment JSON.
    pub out: PathBuf,
    /// Chain id of the L2.
    pub l2_chain_id: u64,
    /// The generated L2 genesis: its state root initialises the OnChainProposer (batch 0) and the
    /// file is written as [`L2_GENESIS_FILE_NAME`] next to `out`. `None`: start from
    /// [`EMPTY_STATE_ROOT`] and write no genesis file.
    pub l2_genesis: Option<L2Genesis>,
    /// Accounts allowed to commit batches; empty means the deployer.
    pub sequencers: Vec<Address>,
    /// May pause, unpause, revert unverified batches and cancel timelock operations; `None`
    /// means the deployer.
    pub security_council: Option<Address>,
    /// Proposer and executor of the timelock; `None` means the deployer.
    pub governance: Option<Address>,
    /// Refuse to deploy unless the L1 reports this chain id.
    pub expected_l1_chain_id: Option<u64>,
    /// L2 gas limit of deposits.
    pub deposit_gas_limit: u64,
    /// Largest L2 gas limit of `sendToL2`.
    pub max_l2_gas_limit: u64,
    /// Block gas limit the L2 guarantees (at least `max_l2_gas_limit`).
    pub l2_block_gas_limit: u64,
    /// Seconds before a queued privileged transaction forces its inclusion.
    pub inclusion_period_secs: u64,
    /// Seconds a committee-verified batch waits before it is final; `None`: the profile's default.
    pub finalization_delay_secs: Option<u64>,
    /// Seconds the operator needs to commit and prove a batch with a forced transaction.
    pub proving_allowance_secs: u64,
    /// How long to wait for the L1 to answer, and for each transaction to be mined.
    pub rpc_timeout: Duration,
    /// How often to ask for a sent transaction's receipt; None: alloy's default (250 ms on a
    /// local endpoint, 7 s otherwise). `basalt dev`'s embedded L1 mines at once, so it polls
    /// every few milliseconds.
    pub receipt_poll_interval: Option<Duration>,
}

impl DeployConfig {
    /// A configuration with the defaults above, an attestation verifier still to be configured
    /// (set `attesters`, or `dev_no_verifier` for a development chain).
    pub fn new(l1_rpc_url: impl Into<String>, private_key: impl Into<String>) -> Self {
        Self {
            l1_rpc_url: l1_rpc_url.into(),
            private_key: private_key.into(),
            profile: Profile::Dev,
            validium: false,
            da_mode: DaModeName::Blocks,
            dev_no_verifier: false,
            attesters: Vec::new(),
            threshold: None,
            exit_window_secs: None,
            out: PathBuf::from("deploy.json"),
            l2_chain_id: DEFAULT_L2_CHAIN_ID,
            l2_genesis: None,
            sequencers: Vec::new(),
            security_council: None,
            governance: None,
            expected_l1_chain_id: None,
            deposit_gas_limit: DEFAULT_DEPOSIT_GAS_LIMIT,
            max_l2_gas_limit: DEFAULT_MAX_L2_GAS_LIMIT,
            l2_block_gas_limit: DEFAULT_L2_BLOCK_GAS_LIMIT,
            inclusion_period_secs: DEFAULT_INCLUSION_PERIOD_SECS,
            finalization_delay_secs: None,
            proving_allowance_secs: DEFAULT_PROVING_ALLOWANCE_SECS,
            rpc_timeout: Duration::from_secs(30),
            receipt_poll_interval: None,
        }
    }

    /// The finalization delay this configuration deploys with.
    pub fn finalization_delay(&self) -> u64 {
        self.finalization_delay_secs.unwrap_or(self.profile.default_finalization_delay_secs())
    }

    /// The smallest timelock delay the profile accepts with these parameters (0 on dev).
    pub fn required_exit_window(&self) -> u64 {
        self.profile.required_governance_delay(
            self.inclusion_period_secs,
            self.proving_allowance_secs,
            self.finalization_delay(),
        )
    }

    /// The state root batch 0 starts from: the L2 genesis's, or [`EMPTY_STATE_ROOT`] without one.
    pub fn genesis_state_root(&self) -> B256 {
        self.l2_genesis.as_ref().map_or(EMPTY_STATE_ROOT, |g| g.state_root)
    }

    /// Where the L2 genesis file goes: [`L2_GENESIS_FILE_NAME`] in `out`'s directory.
    pub fn l2_genesis_path(&self) -> PathBuf {
        l2_genesis_path(&self.out)
    }

    /// The timelock delay this configuration deploys with.
    pub fn exit_window(&self) -> u64 {
        self.exit_window_secs.unwrap_or(if self.profile.is_staged() {
            self.required_exit_window()
        } else {
            DEFAULT_EXIT_WINDOW_SECS
        })
    }
}

/// Implementation contracts behind the proxies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Implementations {
    /// OnChainProposer implementation.
    pub on_chain_proposer: Address,
    /// CommonBridge implementation.
    pub common_bridge: Address,
    /// AttestationVerifier implementation, if one was deployed.
    pub attestation_verifier: Option<Address>,
}

/// What the blobs of a rollup's batches publish, chosen at deploy time (docs/da.md): the batch's
/// blocks, which anyone can re-execute, or its state diff, the most transfers per blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DaModeName {
    #[default]
    Blocks,
    StateDiff,
}

/// A deployment as written to (and read back from) the deployment JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// Chain id of the L1.
    pub chain_id: u64,
    /// L1 block of the first deployment transaction (where watchers start).
    pub l1_deploy_block: u64,
    /// OnChainProposer proxy.
    pub rollup: Address,
    /// CommonBridge proxy.
    pub bridge: Address,
    /// Governance timelock (owner of every proxy).
    pub timelock: Address,
    /// AttestationVerifier proxy, registered as verifier 1; `None` on a development chain without one.
    #[serde(default)]
    pub attestation_verifier: Option<Address>,
    /// Implementations behind the proxies.
    #[serde(default)]
    pub implementations: Implementations,
    /// Account that deployed.
    #[serde(default)]
    pub deployer: Address,
    /// Chain id of the L2.
    #[serde(default)]
    pub l2_chain_id: u64,
    /// Deployment profile.
    #[serde(default)]
    pub profile: Profile,
    /// Validium mode.
    #[serde(default)]
    pub validium: bool,
    /// The DA payload mode of rollup batches (docs/da.md); `blocks` in files written before it
    /// was recorded.
    #[serde(default)]
    pub da_mode: DaModeName,
    /// Development chain without mandatory verifier.
    #[serde(default)]
    pub dev_no_verifier: bool,
    /// L2 genesis state root (the OnChainProposer's batch 0).
    #[serde(default)]
    pub genesis_state_root: B256,
    /// Hash of the L2 genesis block written as `l2-genesis.json` next to this file; `None` when the
    /// deployment started from no L2 genesis (library callers testing the L1 contracts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l2_genesis_hash: Option<B256>,
    /// Accounts allowed to commit batches.
    #[serde(default)]
    pub sequencers: Vec<Address>,
    /// Attestation signers.
    #[serde(default)]
    pub attesters: Vec<Address>,
    /// Attestation threshold (0 without verifier).
    #[serde(default)]
    pub threshold: u64,
    /// Security council.
    #[serde(default)]
    pub security_council: Address,
    /// Timelock proposer and executor.
    #[serde(default)]
    pub governance: Address,
    /// Timelock delay in seconds.
    #[serde(default)]
    pub exit_window_secs: u64,
    /// L2 gas limit of deposits.
    #[serde(default)]
    pub deposit_gas_limit: u64,
    /// Largest L2 gas limit of `sendToL2`.
    #[serde(default)]
    pub max_l2_gas_limit: u64,
    /// Block gas limit the L2 guarantees.
    #[serde(default)]
    pub l2_block_gas_limit: u64,
    /// Inclusion period of privileged transactions, seconds.
    #[serde(default)]
    pub inclusion_period_secs: u64,
    /// Finalization delay of committee-verified batches, seconds.
    #[serde(default)]
    pub finalization_delay_secs: u64,
    /// Declared proving allowance, seconds.
    #[serde(default)]
    pub proving_allowance_secs: u64,
    /// True when this run found the deployment already live and deployed nothing.
    #[serde(skip)]
    pub already_deployed: bool,
    /// Gas used by all deployment transactions of this run (0 when already deployed).
    #[serde(skip)]
    pub gas_used: u64,
}

/// Why a deployment did not happen. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The configuration cannot produce a working deployment.
    #[error("invalid deploy configuration: {0}")]
    InvalidConfig(String),
    /// The private key does not parse.
    #[error("invalid --private-key: expected 32 bytes of hex (0x...)")]
    InvalidPrivateKey,
    /// The RPC URL does not parse.
    #[error("invalid --l1-rpc-url {url:?}: {reason}")]
    InvalidRpcUrl {
        /// The URL given.
        url: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Nothing answers at the RPC URL.
    #[error(
        "cannot reach the L1 at {url}: {reason}; check --l1-rpc-url and that the node is running"
    )]
    L1Unreachable {
        /// The URL tried.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The L1 is not the chain this deployment is for.
    #[error(
        "wrong chain: the L1 at {url} is chain {actual}, but {expected_source} says chain {expected}; {hint}"
    )]
    WrongChain {
        /// The URL used.
        url: String,
        /// The chain id the L1 reports.
        actual: u64,
        /// The chain id expected.
        expected: u64,
        /// Where the expectation comes from.
        expected_source: String,
        /// What to do.
        hint: String,
    },
    /// The deployer cannot pay for the deployment.
    #[error(
        "deployer {address} has {balance} wei on chain {chain_id}, and deploying needs about {needed} wei \
         ({gas} gas at {fee_per_gas} wei); fund the account and run again"
    )]
    Unfunded {
        /// The deployer.
        address: Address,
        /// Its balance.
        balance: U256,
        /// The estimated cost.
        needed: U256,
        /// Gas assumed.
        gas: u64,
        /// Fee per gas assumed.
        fee_per_gas: u128,
        /// The L1's chain id.
        chain_id: u64,
    },
    /// The output file names contracts that are not on this chain.
    #[error(
        "{path} describes a deployment on chain {chain_id}, but {missing} has no code on the L1 at {url} \
         (was the chain reset?); delete the file or choose another --out"
    )]
    StaleDeploymentFile {
        /// The file.
        path: PathBuf,
        /// Its chain id.
        chain_id: u64,
        /// The first contract without code.
        missing: String,
        /// The URL used.
        url: String,
    },
    /// The output file exists but cannot be used.
    #[error("cannot read existing {path}: {reason}; fix or delete it, or choose another --out")]
    UnreadableDeploymentFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A transaction of the deployment failed.
    #[error("deploying {step} failed: {reason}")]
    Transaction {
        /// Which step.
        step: &'static str,
        /// What happened (a decoded revert where there is one).
        reason: String,
    },
    /// An RPC read failed midway.
    #[error("L1 request failed while {step}: {reason}; check the L1 node and run again")]
    Rpc {
        /// What was being done.
        step: &'static str,
        /// What failed.
        reason: String,
    },
    /// The deployed contracts do not hold what was configured.
    #[error("deployment read-back found mismatches: {}; the deployment file was not written", .0.join("; "))]
    ReadBack(Vec<String>),
    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

fn describe_contract_error(err: &alloy::contract::Error) -> String {
    match err.as_revert_data() {
        Some(data) => format!("reverted with {}", ContractRevert::decode(&data)),
        None => err.to_string(),
    }
}

struct Deployer {
    provider: DynProvider<Ethereum>,
    timeout: Duration,
    first_block: Option<u64>,
    gas_used: u64,
}

impl Deployer {
    /// Sends a transaction built by `call`, waits for it, and checks it succeeded.
    async fn send<D: alloy::contract::CallDecoder>(
        &mut self,
        step: &'static str,
        call: alloy::contract::CallBuilder<DynProvider<Ethereum>, D, Ethereum>,
    ) -> Result<TransactionReceipt, DeployError> {
        // Estimate first: a reverting transaction is reported with its decoded error (and alloy's
        // `send` of a call that fails estimation does not return).
        let gas = call
            .estimate_gas()
            .await
            .map_err(|e| DeployError::Transaction { step, reason: describe_contract_error(&e) })?;
        let pending = tokio::time::timeout(self.timeout, call.gas(gas + gas / 5).send())
            .await
            .map_err(|_| DeployError::Transaction {
                step,
                reason: format!("not accepted within {:?}", self.timeout),
            })?
            .map_err(|e| DeployError::Transaction { step, reason: describe_contract_error(&e) })?;
        let receipt = pending
            .with_timeout(Some(self.timeout))
            .get_receipt()
            .await
            .map_err(|e| DeployError::Transaction { step, reason: e.to_string() })?;
        if !receipt.status() {
            return Err(DeployError::Transaction {
                step,
                reason: format!("transaction {} reverted", receipt.transaction_hash),
            });
        }
        if self.first_block.is_none() {
            self.first_block = receipt.block_number;
        }
        self.gas_used += receipt.gas_used;
        Ok(receipt)
    }

    /// Deploys raw creation code and returns the new contract's address.
    async fn create(&mut self, step: &'static str, code: Bytes) -> Result<Address, DeployError> {
        let call = alloy::contract::RawCallBuilder::new_raw_deploy(self.provider.clone(), code);
        let receipt = self.send(step, call).await?;
        receipt.contract_address.ok_or(DeployError::Transaction {
            step,
            reason: "no contract address in receipt".into(),
        })
    }

    /// Deploys an ERC1967 proxy for `implementation`, initialised with `init`.
    async fn proxy(
        &mut self,
        step: &'static str,
        implementation: Address,
        init: Vec<u8>,
    ) -> Result<Address, DeployError> {
        let call = ERC1967Proxy::deploy_builder(self.provider.clone(), implementation, init.into());
        let receipt = self.send(step, call).await?;
        receipt.contract_address.ok_or(DeployError::Transaction {
            step,
            reason: "no contract address in receipt".into(),
        })
    }
}

fn rpc_err(step: &'static str) -> impl Fn(alloy::transports::TransportError) -> DeployError {
    move |e| DeployError::Rpc { step, reason: e.to_string() }
}

fn call_err(step: &'static str) -> impl Fn(alloy::contract::Error) -> DeployError {
    move |e| DeployError::Rpc { step, reason: describe_contract_error(&e) }
}

fn validate(config: &DeployConfig) -> Result<(), DeployError> {
    let bad = |m: String| Err(DeployError::InvalidConfig(m));
    if config.attesters.is_empty() && !config.dev_no_verifier {
        return bad(
            "no proof verifier: pass --attesters ADDR,... (and --threshold K), or --dev-no-verifier for a \
             development chain"
                .into(),
        );
    }
    if config.attesters.is_empty() && config.threshold.is_some() {
        return bad("--threshold needs --attesters".into());
    }
    let mut seen = config.attesters.clone();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != config.attesters.len() || seen.contains(&Address::ZERO) {
        return bad("--attesters must be distinct non-zero addresses".into());
    }
    if let Some(k) = config.threshold
        && (k == 0 || k > config.attesters.len() as u64)
    {
        return bad(format!(
            "--threshold must be between 1 and the {} attesters, got {k}",
            config.attesters.len()
        ));
    }
    if config.genesis_state_root() == B256::ZERO {
        return bad("the genesis state root must not be zero".into());
    }
    if !INCLUSION_PERIOD_RANGE.contains(&config.inclusion_period_secs) {
        return bad(format!(
            "--inclusion-period must be between {} and {} seconds, got {}",
            INCLUSION_PERIOD_RANGE.start(),
            INCLUSION_PERIOD_RANGE.end(),
            config.inclusion_period_secs
        ));
    }
    if config.deposit_gas_limit < MIN_DEPOSIT_GAS_LIMIT
        || config.max_l2_gas_limit < config.deposit_gas_limit
        || config.max_l2_gas_limit < CANONICAL_DEPOSIT_GAS_LIMIT
        || config.max_l2_gas_limit > MAX_TX_GAS_LIMIT
        || config.max_l2_gas_limit > config.l2_block_gas_limit
    {
        return bad(format!(
            "L2 gas limits must satisfy {MIN_DEPOSIT_GAS_LIMIT} <= deposit gas limit <= max L2 gas limit \
             <= min(L2 block gas limit, {MAX_TX_GAS_LIMIT}) and max L2 gas limit >= \
             {CANONICAL_DEPOSIT_GAS_LIMIT} (canonical-token deposits); got {} <= {} <= min({}, \
             {MAX_TX_GAS_LIMIT})",
            config.deposit_gas_limit, config.max_l2_gas_limit, config.l2_block_gas_limit
        ));
    }
    if config.finalization_delay() > MAX_FINALIZATION_DELAY_SECS {
        return bad(format!(
            "--finalization-delay must be at most {MAX_FINALIZATION_DELAY_SECS} seconds"
        ));
    }
    if config.proving_allowance_secs > MAX_PROVING_ALLOWANCE_SECS {
        return bad(format!(
            "--proving-allowance must be at most {MAX_PROVING_ALLOWANCE_SECS} seconds"
        ));
    }
    let profile = config.profile.name();
    if config.profile.is_staged() {
        if config.dev_no_verifier {
            return bad(format!(
                "--profile {profile} needs a proof verifier; drop --dev-no-verifier"
            ));
        }
        if config.security_council.is_none() {
            return bad(format!(
                "--profile {profile} needs --security-council: a multisig contract, not the deployer's key"
            ));
        }
        let required = config.required_exit_window();
        if config.exit_window() < required {
            return bad(format!(
                "--profile {profile} needs --exit-window of at least {required} s ({} s floor + {} s \
                 inclusion period + {} s proving allowance + {} s finalization delay), got {}",
                config.profile.exit_window_floor_secs(),
                config.inclusion_period_secs,
                config.proving_allowance_secs,
                config.finalization_delay(),
                config.exit_window()
            ));
        }
    }
    Ok(())
}

/// Checks what can only be checked against the L1: `--dev-no-verifier` only on a development chain,
/// and on a staged profile a council with contract code (not an EIP-7702 delegated key).
async fn validate_on_chain(
    config: &DeployConfig,
    provider: &DynProvider<Ethereum>,
    chain_id: u64,
) -> Result<(), DeployError> {
    if config.dev_no_verifier && !DEV_L1_CHAIN_IDS.contains(&chain_id) {
        return Err(DeployError::InvalidConfig(format!(
            "--dev-no-verifier is only allowed on a development L1 (chain id 31337 or 1337); this L1 is \
             chain {chain_id}"
        )));
    }
    if let (true, Some(council)) = (config.profile.is_staged(), config.security_council) {
        let code = provider
            .get_code_at(council)
            .await
            .map_err(rpc_err("reading the security council's code"))?;
        let delegated = code.len() == 23 && code.starts_with(&[0xef, 0x01, 0x00]);
        if code.is_empty() || delegated {
            return Err(DeployError::InvalidConfig(format!(
                "--security-council {council} is a key, not a contract: --profile {} needs a multisig \
                 contract as council",
                config.profile.name()
            )));
        }
    }
    Ok(())
}

/// Reads an existing deployment file; `Ok(None)` if there is none.
fn read_existing(path: &Path) -> Result<Option<Deployment>, DeployError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            DeployError::UnreadableDeploymentFile { path: path.to_owned(), reason: e.to_string() }
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(DeployError::UnreadableDeploymentFile {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// Deploys the rollup contracts as configured, or reports the live deployment already described
/// by `config.out` (with `already_deployed` set) without sending anything.
pub async fn deploy(config: DeployConfig) -> Result<Deployment, DeployError> {
    validate(&config)?;
    let signer = PrivateKeySigner::from_str(config.private_key.trim())
        .map_err(|_| DeployError::InvalidPrivateKey)?;
    let deployer_address = signer.address();
    let url = config.l1_rpc_url.parse().map_err(|e: url_parse::ParseError| {
        DeployError::InvalidRpcUrl { url: config.l1_rpc_url.clone(), reason: e.to_string() }
    })?;
    let provider: DynProvider<Ethereum> =
        ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(url).erased();
    if let Some(interval) = config.receipt_poll_interval {
        provider.client().set_poll_interval(interval);
    }

    let unreachable =
        |reason: String| DeployError::L1Unreachable { url: config.l1_rpc_url.clone(), reason };
    let chain_id = tokio::time::timeout(config.rpc_timeout, provider.get_chain_id())
        .await
        .map_err(|_| unreachable(format!("no answer within {:?}", config.rpc_timeout)))?
        .map_err(|e| unreachable(e.to_string()))?;

    if let Some(expected) = config.expected_l1_chain_id
        && expected != chain_id
    {
        return Err(DeployError::WrongChain {
            url: config.l1_rpc_url.clone(),
            actual: chain_id,
            expected,
            expected_source: "--expected-chain-id".into(),
            hint: "point --l1-rpc-url at the intended L1".into(),
        });
    }

    if let Some(existing) = read_existing(&config.out)? {
        if existing.chain_id != chain_id {
            return Err(DeployError::WrongChain {
                url: config.l1_rpc_url.clone(),
                actual: chain_id,
                expected: existing.chain_id,
                expected_source: config.out.display().to_string(),
                hint:
                    "point --l1-rpc-url at that chain, or choose another --out for a new deployment"
                        .into(),
            });
        }
        for (name, address) in [
            ("rollup", existing.rollup),
            ("bridge", existing.bridge),
            ("timelock", existing.timelock),
        ] {
            let code = provider
                .get_code_at(address)
                .await
                .map_err(rpc_err("checking the existing deployment"))?;
            if code.is_empty() {
                return Err(DeployError::StaleDeploymentFile {
                    path: config.out.clone(),
                    chain_id,
                    missing: format!("{name} {address}"),
                    url: config.l1_rpc_url.clone(),
                });
            }
        }
        return Ok(Deployment { already_deployed: true, ..existing });
    }

    validate_on_chain(&config, &provider, chain_id).await?;

    let balance = provider
        .get_balance(deployer_address)
        .await
        .map_err(rpc_err("reading the deployer balance"))?;
    let fees = provider.estimate_eip1559_fees().await.map_err(rpc_err("estimating fees"))?;
    let needed = U256::from(DEPLOY_GAS_ESTIMATE) * U256::from(fees.max_fee_per_gas);
    if balance < needed {
        return Err(DeployError::Unfunded {
            address: deployer_address,
            balance,
            needed,
            gas: DEPLOY_GAS_ESTIMATE,
            fee_per_gas: fees.max_fee_per_gas,
            chain_id,
        });
    }

    let governance = config.governance.unwrap_or(deployer_address);
    let council = config.security_council.unwrap_or(deployer_address);
    let sequencers = if config.sequencers.is_empty() {
        vec![deployer_address]
    } else {
        config.sequencers.clone()
    };
    let threshold = if config.attesters.is_empty() {
        0
    } else {
        config.threshold.unwrap_or(config.attesters.len() as u64)
    };
    let exit_window = config.exit_window();
    let finalization_delay = config.finalization_delay();

    // The contracts reference each other (timelock -> rollup, rollup <-> bridge, rollup <-> verifier),
    // so every address is fixed up front by the deployer's nonce and checked as each one lands.
    let nonce = provider
        .get_transaction_count(deployer_address)
        .pending()
        .await
        .map_err(rpc_err("reading the deployer nonce"))?;
    let plan = AddressPlan::new(deployer_address, nonce, !config.attesters.is_empty());

    let mut d = Deployer {
        provider: provider.clone(),
        timeout: config.rpc_timeout.max(Duration::from_secs(60)),
        first_block: None,
        gas_used: 0,
    };

    let timelock_call = BasaltTimelock::deploy_builder(
        d.provider.clone(),
        U256::from(exit_window),
        vec![governance],
        vec![governance],
        council,
        plan.rollup,
    );
    let timelock = d.send("the timelock", timelock_call).await?.contract_address;
    landed("the timelock", timelock, plan.timelock)?;
    let rollup_impl =
        d.create("the OnChainProposer implementation", OnChainProposer::BYTECODE.clone()).await?;
    landed("the OnChainProposer implementation", Some(rollup_impl), plan.rollup_impl)?;
    let bridge_impl =
        d.create("the CommonBridge implementation", CommonBridge::BYTECODE.clone()).await?;
    landed("the CommonBridge implementation", Some(bridge_impl), plan.bridge_impl)?;
    let verifier_impl = match plan.verifier_impl {
        Some(expected) => {
            let step = "the AttestationVerifier implementation";
            let got = d.create(step, AttestationVerifier::BYTECODE.clone()).await?;
            landed(step, Some(got), expected)?;
            Some(got)
        }
        None => None,
    };

    let rollup_init = OnChainProposer::initializeCall {
        params: IOnChainProposer::InitParams {
            owner: plan.timelock,
            bridge: plan.bridge,
            securityCouncil: council,
            sequencers: sequencers.clone(),
            verifierIds: plan.verifier.map(|_| vec![ATTESTATION_VERIFIER_ID]).unwrap_or_default(),
            verifiers: plan.verifier.map(|v| vec![v]).unwrap_or_default(),
            l2ChainId: U256::from(config.l2_chain_id),
            genesisStateRoot: config.genesis_state_root(),
            validium: config.validium,
            devNoVerifier: config.dev_no_verifier,
            finalizationDelay: finalization_delay,
            provingAllowance: config.proving_allowance_secs,
            exitWindowFloor: config.profile.exit_window_floor_secs(),
        },
    }
    .abi_encode();
    let rollup = d.proxy("the OnChainProposer proxy", rollup_impl, rollup_init).await?;
    landed("the OnChainProposer proxy", Some(rollup), plan.rollup)?;
    let bridge_init = CommonBridge::initializeCall {
        owner_: plan.timelock,
        rollup_: rollup,
        l2ChainId_: U256::from(config.l2_chain_id),
        securityCouncil_: council,
        depositGasLimit_: U256::from(config.deposit_gas_limit),
        maxL2GasLimit_: U256::from(config.max_l2_gas_limit),
        l2BlockGasLimit_: U256::from(config.l2_block_gas_limit),
        inclusionPeriod_: U256::from(config.inclusion_period_secs),
    }
    .abi_encode();
    let bridge = d.proxy("the CommonBridge proxy", bridge_impl, bridge_init).await?;
    landed("the CommonBridge proxy", Some(bridge), plan.bridge)?;
    let verifier = match (verifier_impl, plan.verifier) {
        (Some(implementation), Some(expected)) => {
            let init = AttestationVerifier::initializeCall {
                owner_: plan.timelock,
                proposer_: rollup,
                verifierId_: ATTESTATION_VERIFIER_ID,
                securityCouncil_: council,
                signers_: config.attesters.clone(),
                threshold_: U256::from(threshold),
            }
            .abi_encode();
            let step = "the AttestationVerifier proxy";
            let proxy = d.proxy(step, implementation, init).await?;
            landed(step, Some(proxy), expected)?;
            Some(proxy)
        }
        _ => None,
    };

    let deployment = Deployment {
        chain_id,
        l1_deploy_block: d.first_block.unwrap_or_default(),
        rollup,
        bridge,
        timelock: plan.timelock,
        attestation_verifier: verifier,
        implementations: Implementations {
            on_chain_proposer: rollup_impl,
            common_bridge: bridge_impl,
            attestation_verifier: verifier_impl,
        },
        deployer: deployer_address,
        l2_chain_id: config.l2_chain_id,
        profile: config.profile,
        validium: config.validium,
        da_mode: config.da_mode,
        dev_no_verifier: config.dev_no_verifier,
        genesis_state_root: config.genesis_state_root(),
        l2_genesis_hash: config.l2_genesis.as_ref().map(|g| g.block_hash),
        sequencers,
        attesters: config.attesters.clone(),
        threshold,
        security_council: council,
        governance,
        exit_window_secs: exit_window,
        deposit_gas_limit: config.deposit_gas_limit,
        max_l2_gas_limit: config.max_l2_gas_limit,
        l2_block_gas_limit: config.l2_block_gas_limit,
        inclusion_period_secs: config.inclusion_period_secs,
        finalization_delay_secs: finalization_delay,
        proving_allowance_secs: config.proving_allowance_secs,
        already_deployed: false,
        gas_used: d.gas_used,
    };
    read_back(&provider, &deployment).await?;

    let json = serde_json::to_string_pretty(&deployment).expect("deployment serialises") + "\n";
    if let Some(dir) = config.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| DeployError::Io { path: dir.to_owned(), source })?;
    }
    // The genesis first: a deployment file always has its genesis beside it.
    if let Some(genesis) = &config.l2_genesis {
        let path = config.l2_genesis_path();
        std::fs::write(&path, &genesis.json).map_err(|source| DeployError::Io { path, source })?;
    }
    std::fs::write(&config.out, json)
        .map_err(|source| DeployError::Io { path: config.out.clone(), source })?;
    Ok(deployment)
}

/// Where the L2 genesis of the deployment described by `deployment_file` is:
/// [`L2_GENESIS_FILE_NAME`] in the same directory.
pub fn l2_genesis_path(deployment_file: &Path) -> PathBuf {
    deployment_file.with_file_name(L2_GENESIS_FILE_NAME)
}

/// Reads every configured value back from the chain; any difference is an error.
pub async fn read_back(
    provider: &DynProvider<Ethereum>,
    d: &Deployment,
) -> Result<(), DeployError> {
    let step = "reading the deployment back";
    let mut mismatches = Vec::new();
    let mut check = |what: &str, ok: bool| {
        if !ok {
            mismatches.push(what.to_owned());
        }
    };

    let rollup = OnChainProposer::new(d.rollup, provider);
    check(
        "rollup owner is the timelock",
        rollup.owner().call().await.map_err(call_err(step))? == d.timelock,
    );
    check("rollup bridge", rollup.bridge().call().await.map_err(call_err(step))? == d.bridge);
    check(
        "rollup L2 chain id",
        rollup.l2ChainId().call().await.map_err(call_err(step))? == U256::from(d.l2_chain_id),
    );
    check(
        "rollup validium flag",
        rollup.validium().call().await.map_err(call_err(step))? == d.validium,
    );
    check(
        "rollup dev flag",
        rollup.devNoVerifier().call().await.map_err(call_err(step))? == d.dev_no_verifier,
    );
    check(
        "rollup security council",
        rollup.securityCouncil().call().await.map_err(call_err(step))? == d.security_council,
    );
    check(
        "rollup genesis state root",
        rollup.getBatch(U256::ZERO).call().await.map_err(call_err(step))?.newStateRoot
            == d.genesis_state_root,
    );
    for s in &d.sequencers {
        check(
            &format!("sequencer {s}"),
            rollup.isSequencer(*s).call().await.map_err(call_err(step))?,
        );
    }
    check(
        "rollup exit window floor",
        rollup.exitWindowFloor().call().await.map_err(call_err(step))?
            == d.profile.exit_window_floor_secs(),
    );
    check(
        "rollup finalization delay",
        rollup.finalizationDelay().call().await.map_err(call_err(step))?
            == d.finalization_delay_secs,
    );
    check(
        "rollup proving allowance",
        rollup.provingAllowance().call().await.map_err(call_err(step))? == d.proving_allowance_secs,
    );
    let expected_verifier = d.attestation_verifier.unwrap_or(Address::ZERO);
    check(
        "rollup verifier 1",
        rollup.verifierOf(ATTESTATION_VERIFIER_ID).call().await.map_err(call_err(step))?
            == expected_verifier,
    );

    let bridge = CommonBridge::new(d.bridge, provider);
    check(
        "bridge owner is the timelock",
        bridge.owner().call().await.map_err(call_err(step))? == d.timelock,
    );
    check("bridge rollup", bridge.rollup().call().await.map_err(call_err(step))? == d.rollup);
    check(
        "bridge L2 chain id",
        bridge.l2ChainId().call().await.map_err(call_err(step))? == U256::from(d.l2_chain_id),
    );
    check(
        "bridge inclusion period",
        bridge.inclusionPeriod().call().await.map_err(call_err(step))?
            == U256::from(d.inclusion_period_secs),
    );
    check(
        "bridge deposit gas limit",
        bridge.depositGasLimit().call().await.map_err(call_err(step))?
            == U256::from(d.deposit_gas_limit),
    );
    check(
        "bridge max L2 gas limit",
        bridge.maxL2GasLimit().call().await.map_err(call_err(step))?
            == U256::from(d.max_l2_gas_limit),
    );
    check(
        "bridge L2 block gas limit",
        bridge.l2BlockGasLimit().call().await.map_err(call_err(step))?
            == U256::from(d.l2_block_gas_limit),
    );
    check(
        "bridge security council",
        bridge.securityCouncil().call().await.map_err(call_err(step))? == d.security_council,
    );
    // On a staged profile this reverts unless the timelock delay covers the exit window.
    check(
        "exit window covered by the timelock delay",
        rollup.checkExitWindow().call().await.is_ok(),
    );

    if let Some(v) = d.attestation_verifier {
        let verifier = AttestationVerifier::new(v, provider);
        check(
            "verifier owner is the timelock",
            verifier.owner().call().await.map_err(call_err(step))? == d.timelock,
        );
        check(
            "verifier threshold",
            verifier.threshold().call().await.map_err(call_err(step))? == U256::from(d.threshold),
        );
        check(
            "verifier bound to the rollup",
            verifier.proposer().call().await.map_err(call_err(step))? == d.rollup,
        );
        check(
            "verifier id",
            verifier.verifierId().call().await.map_err(call_err(step))? == ATTESTATION_VERIFIER_ID,
        );
        check(
            "verifier security council",
            verifier.securityCouncil().call().await.map_err(call_err(step))? == d.security_council,
        );
        for a in &d.attesters {
            check(
                &format!("attester {a}"),
                verifier.isSigner(*a).call().await.map_err(call_err(step))?,
            );
        }
    }

    let timelock = BasaltTimelock::new(d.timelock, provider);
    check(
        "timelock delay",
        timelock.getMinDelay().call().await.map_err(call_err(step))?
            == U256::from(d.exit_window_secs),
    );
    check(
        "timelock exit-window guard is the rollup",
        timelock.exitWindowGuard().call().await.map_err(call_err(step))? == d.rollup,
    );
    let proposer_role = timelock.PROPOSER_ROLE().call().await.map_err(call_err(step))?;
    let canceller_role = timelock.CANCELLER_ROLE().call().await.map_err(call_err(step))?;
    check(
        "timelock proposer",
        timelock.hasRole(proposer_role, d.governance).call().await.map_err(call_err(step))?,
    );
    check(
        "timelock security council",
        timelock
            .hasRole(canceller_role, d.security_council)
            .call()
            .await
            .map_err(call_err(step))?,
    );

    let implementations = [
        ("rollup", d.rollup, Some(d.implementations.on_chain_proposer)),
        ("bridge", d.bridge, Some(d.implementations.common_bridge)),
        (
            "verifier",
            d.attestation_verifier.unwrap_or_default(),
            d.implementations.attestation_verifier,
        ),
    ];
    for (name, proxy, implementation) in implementations {
        let Some(implementation) = implementation else { continue };
        let slot = provider
            .get_storage_at(proxy, U256::from_be_bytes(IMPLEMENTATION_SLOT.0))
            .await
            .map_err(rpc_err(step))?;
        check(
            &format!("{name} implementation"),
            Address::from_word(B256::from(slot)) == implementation,
        );
    }

    if mismatches.is_empty() { Ok(()) } else { Err(DeployError::ReadBack(mismatches)) }
}

/// Where each contract of a deployment lands, from the deployer's nonce at the start: timelock,
/// implementations (rollup, bridge, verifier), then the proxies in the same order.
struct AddressPlan {
    timelock: Address,
    rollup_impl: Address,
    bridge_impl: Address,
    verifier_impl: Option<Address>,
    rollup: Address,
    bridge: Address,
    verifier: Option<Address>,
}

impl AddressPlan {
    fn new(deployer: Address, nonce: u64, with_verifier: bool) -> Self {
        let at = |offset: u64| deployer.create(nonce + offset);
        let v = u64::from(with_verifier);
        Self {
            timelock: at(0),
            rollup_impl: at(1),
            bridge_impl: at(2),
            verifier_impl: with_verifier.then(|| at(3)),
            rollup: at(3 + v),
            bridge: at(4 + v),
            verifier: with_verifier.then(|| at(5 + v)),
        }
    }
}

/// Checks that `step` created its contract where the plan expects it.
fn landed(step: &'static str, got: Option<Address>, expected: Address) -> Result<(), DeployError> {
    match got {
        Some(address) if address == expected => Ok(()),
        Some(address) => Err(DeployError::Transaction {
            step,
            reason: format!(
                "it landed at {address}, not at {expected} where the other contracts expect it (another \
                 transaction from the deployer interleaved?); deploy again from an account nothing else uses"
            ),
        }),
        None => {
            Err(DeployError::Transaction { step, reason: "no contract address in receipt".into() })
        }
    }
}

mod url_parse {
    pub use alloy::transports::http::reqwest::Url;
    pub type ParseError = <Url as std::str::FromStr>::Err;
}
