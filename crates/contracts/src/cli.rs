//! The `basalt deploy` subcommand: flags and a human summary around [`crate::deploy::deploy`].

use std::path::PathBuf;

use alloy_primitives::Address;

use crate::{
    deploy::{
        DEFAULT_DEPOSIT_GAS_LIMIT, DEFAULT_INCLUSION_PERIOD_SECS, DEFAULT_L2_BLOCK_GAS_LIMIT,
        DEFAULT_L2_CHAIN_ID, DEFAULT_MAX_L2_GAS_LIMIT, DEFAULT_PROVING_ALLOWANCE_SECS, DaModeName,
        DeployConfig, Deployment, deploy,
    },
    profile::Profile,
};

/// Deploy the rollup contracts (timelock, OnChainProposer, CommonBridge, attestation verifier) to
/// an L1, write their addresses to a JSON file and the L2 genesis (`l2-genesis.json`) beside it;
/// the OnChainProposer starts from that genesis's state root.
#[derive(Debug, Clone, clap::Args)]
pub struct DeployArgs {
    /// JSON-RPC URL of the L1.
    #[arg(long, value_name = "URL", env = "BASALT_L1_RPC_URL")]
    pub l1_rpc_url: String,
    /// Private key (hex) of the account that pays for the deployment.
    #[arg(long, value_name = "KEY", env = "BASALT_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: String,
    /// Deployment profile: `dev` allows short delays, single keys and --dev-no-verifier; `stage1` and
    /// `stage2` enforce on chain a timelock delay of at least 7 / 30 days plus the inclusion period,
    /// proving allowance and finalization delay, a contract (multisig) council and a proof verifier.
    #[arg(long, value_enum, default_value_t = Profile::Dev)]
    pub profile: Profile,
    /// Validium: batches are committed without a blob (data kept off L1).
    #[arg(long)]
    pub validium: bool,
    /// What rollup batches publish in their blobs: `blocks` (anyone can re-execute) or
    /// `state-diff` (the most transfers per blob; docs/da.md). Recorded in the deployment.
    #[arg(long, value_enum, default_value_t = DaModeName::Blocks)]
    pub da_mode: DaModeName,
    /// Development chain: allow verifying batches with no proof verifier.
    #[arg(long)]
    pub dev_no_verifier: bool,
    /// Attestation signers (comma-separated addresses).
    #[arg(long, value_name = "ADDR,...", value_delimiter = ',')]
    pub attesters: Vec<Address>,
    /// Signatures required out of the attesters [default: all of them].
    #[arg(long, value_name = "K")]
    pub threshold: Option<u64>,
    /// Timelock delay: how long users have to exit before a governance change applies
    /// [default: 7 days on dev; the smallest the profile accepts on stage1/stage2].
    #[arg(long = "exit-window", value_name = "SECONDS")]
    pub exit_window: Option<u64>,
    /// Where to write the deployment JSON.
    #[arg(long, value_name = "FILE", default_value = "deploy.json")]
    pub out: PathBuf,
    /// Chain id of the L2.
    #[arg(long, value_name = "ID", default_value_t = DEFAULT_L2_CHAIN_ID)]
    pub l2_chain_id: u64,
    /// Accounts allowed to commit batches (comma-separated) [default: the deployer].
    #[arg(long = "sequencers", value_name = "ADDR,...", value_delimiter = ',')]
    pub sequencers: Vec<Address>,
    /// Security council: may pause (for at most 14 days), revert batches that are not final, remove
    /// sequencers and attesters, and cancel governance operations other than unpausing or replacing
    /// it [default: the deployer; stage1/stage2 require a multisig contract].
    #[arg(long, value_name = "ADDR")]
    pub security_council: Option<Address>,
    /// Governance account that proposes and executes timelock operations [default: the deployer].
    #[arg(long, value_name = "ADDR")]
    pub governance: Option<Address>,
    /// Refuse to deploy unless the L1 has this chain id.
    #[arg(long, value_name = "ID")]
    pub expected_chain_id: Option<u64>,
    /// Seconds a deposit may wait before the sequencer is forced to include it.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_INCLUSION_PERIOD_SECS)]
    pub inclusion_period: u64,
    /// L2 gas limit of deposits and forced withdrawals (burned on L1 as their price).
    #[arg(long, value_name = "GAS", default_value_t = DEFAULT_DEPOSIT_GAS_LIMIT)]
    pub deposit_gas_limit: u64,
    /// Largest L2 gas limit an L1 -> L2 call may request (at least 400,000, the gas limit of a
    /// deposit to a canonical L2 token).
    #[arg(long, value_name = "GAS", default_value_t = DEFAULT_MAX_L2_GAS_LIMIT)]
    pub max_l2_gas_limit: u64,
    /// Block gas limit the L2 guarantees (at least --max-l2-gas-limit); also the L2 genesis gas limit.
    #[arg(long, value_name = "GAS", default_value_t = DEFAULT_L2_BLOCK_GAS_LIMIT)]
    pub l2_block_gas_limit: u64,
    /// Seconds a batch verified by attestations only waits before its withdrawals are claimable
    /// [default: 0 on dev, 1 day on stage1/stage2].
    #[arg(long, value_name = "SECONDS")]
    pub finalization_delay: Option<u64>,
    /// Seconds the operator needs to commit and prove a batch with a forced transaction (part of the
    /// exit window).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_PROVING_ALLOWANCE_SECS)]
    pub proving_allowance: u64,
}

impl DeployArgs {
    /// The deployer configuration these flags describe, without its L2 genesis (the engine builds
    /// it from `l2_chain_id` and `l2_block_gas_limit`; see `basalt-l2-genesis`).
    pub fn to_config(&self) -> DeployConfig {
        DeployConfig {
            profile: self.profile,
            validium: self.validium,
            da_mode: self.da_mode,
            dev_no_verifier: self.dev_no_verifier,
            attesters: self.attesters.clone(),
            threshold: self.threshold,
            exit_window_secs: self.exit_window,
            out: self.out.clone(),
            l2_chain_id: self.l2_chain_id,
            sequencers: self.sequencers.clone(),
            security_council: self.security_council,
            governance: self.governance,
            expected_l1_chain_id: self.expected_chain_id,
            inclusion_period_secs: self.inclusion_period,
            deposit_gas_limit: self.deposit_gas_limit,
            max_l2_gas_limit: self.max_l2_gas_limit,
            l2_block_gas_limit: self.l2_block_gas_limit,
            finalization_delay_secs: self.finalization_delay,
            proving_allowance_secs: self.proving_allowance,
            ..DeployConfig::new(self.l1_rpc_url.clone(), self.private_key.clone())
        }
    }
}

/// Human-readable summary of a deployment (what `basalt deploy` prints).
pub fn summary(d: &Deployment, out: &std::path::Path) -> String {
    let mut s = String::new();
    if d.already_deployed {
        s.push_str(&format!(
            "Already deployed on L1 chain {} (described by {}); nothing was sent.\n",
            d.chain_id,
            out.display()
        ));
    } else {
        s.push_str(&format!(
            "Deployed the Basalt contracts on L1 chain {} from block {} ({} gas).\n",
            d.chain_id, d.l1_deploy_block, d.gas_used
        ));
    }
    s.push_str(&format!("  rollup (OnChainProposer)  {}\n", d.rollup));
    s.push_str(&format!("  bridge (CommonBridge)     {}\n", d.bridge));
    s.push_str(&format!(
        "  timelock                  {}  (exit window {} s)\n",
        d.timelock, d.exit_window_secs
    ));
    match d.attestation_verifier {
        Some(v) => s.push_str(&format!(
            "  attestation verifier      {v}  ({} of {} signers)\n",
            d.threshold,
            d.attesters.len()
        )),
        None => s.push_str(
            "  attestation verifier      none (development chain: batches verify without proof)\n",
        ),
    }
    s.push_str(&format!(
        "  L2 chain id {}, {} mode\n",
        d.l2_chain_id,
        match (d.validium, d.da_mode) {
            (true, _) => "validium",
            (false, DaModeName::Blocks) => "rollup (blobs of blocks)",
            (false, DaModeName::StateDiff) => "rollup (blobs of state diffs)",
        }
    ));
    match d.l2_genesis_hash {
        Some(hash) => s.push_str(&format!(
            "  L2 genesis {}: state root {}, block hash {hash}\n",
            crate::deploy::l2_genesis_path(out).display(),
            d.genesis_state_root
        )),
        None => s.push_str(&format!(
            "  L2 genesis: none written; proposer starts from state root {}\n",
            d.genesis_state_root
        )),
    }
    s.push_str(&format!(
        "  profile {}: exit window floor {} s, inclusion period {} s, proving allowance {} s, \
         finalization delay {} s\n",
        d.profile.name(),
        d.profile.exit_window_floor_secs(),
        d.inclusion_period_secs,
        d.proving_allowance_secs,
        d.finalization_delay_secs
    ));
    if !d.already_deployed {
        s.push_str(&format!("Wrote {}\n", out.display()));
    }
    s
}

/// Runs `basalt deploy` with `config` (from [`DeployArgs::to_config`] plus its L2 genesis):
/// deploys (or recognises an existing deployment) and prints a summary.
pub async fn run_deploy(config: DeployConfig) -> eyre::Result<()> {
    let out = config.out.clone();
    let deployment = deploy(config).await?;
    print!("{}", summary(&deployment, &out));
    Ok(())
}

/// [`run_deploy`] for a caller without a tokio runtime: runs it on a current-thread runtime.
pub fn run_deploy_blocking(config: DeployConfig) -> eyre::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(run_deploy(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        deploy: DeployArgs,
    }

    #[test]
    fn flags_from_the_issue_parse() {
        let cli = Cli::try_parse_from([
            "basalt",
            "--l1-rpc-url",
            "http://127.0.0.1:8545",
            "--private-key",
            "0x01",
            "--validium",
            "--dev-no-verifier",
            "--attesters",
            "0x0000000000000000000000000000000000000001,0x0000000000000000000000000000000000000002",
            "--threshold",
            "2",
            "--exit-window",
            "60",
            "--out",
            "x.json",
        ])
        .unwrap();
        let c = cli.deploy.to_config();
        assert!(c.validium && c.dev_no_verifier);
        assert_eq!(c.attesters.len(), 2);
        assert_eq!(c.threshold, Some(2));
        assert_eq!(c.exit_window_secs, Some(60));
        assert_eq!(c.exit_window(), 60);
        assert_eq!(c.out, PathBuf::from("x.json"));
    }

    #[test]
    fn defaults() {
        let cli =
            Cli::try_parse_from(["basalt", "--l1-rpc-url", "http://x", "--private-key", "0x01"])
                .unwrap();
        let c = cli.deploy.to_config();
        assert_eq!(c.out, PathBuf::from("deploy.json"));
        assert_eq!(c.exit_window(), crate::deploy::DEFAULT_EXIT_WINDOW_SECS);
        assert_eq!(c.profile, Profile::Dev);
        assert_eq!(c.finalization_delay(), 0);
        assert!(c.attesters.is_empty() && !c.validium && !c.dev_no_verifier);
    }

    #[test]
    fn staged_profiles_default_to_their_smallest_exit_window() {
        let cli = Cli::try_parse_from([
            "basalt",
            "--l1-rpc-url",
            "http://x",
            "--private-key",
            "0x01",
            "--profile",
            "stage1",
            "--inclusion-period",
            "3600",
            "--proving-allowance",
            "7200",
        ])
        .unwrap();
        let c = cli.deploy.to_config();
        assert_eq!(c.profile, Profile::Stage1);
        assert_eq!(c.finalization_delay(), 24 * 3600);
        assert_eq!(c.exit_window(), 7 * 24 * 3600 + 3600 + 7200 + 24 * 3600);
        assert!(
            Cli::try_parse_from([
                "basalt",
                "--l1-rpc-url",
                "x",
                "--private-key",
                "1",
                "--profile",
                "stage3"
            ])
            .is_err()
        );
    }
}
