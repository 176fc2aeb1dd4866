//! `basalt deploy`: the L1 contracts, and the L2 genesis they start from (`l2-genesis.json`
//! beside the deployment file, its state root in the OnChainProposer's batch 0).

use basalt_contracts::DeployArgs;

/// Builds the L2 genesis (block 0 at the current time), deploys, and prints the summary.
pub fn run(args: &DeployArgs) -> eyre::Result<()> {
    let mut config = args.to_config();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    basalt_l2_genesis::attach_to(&mut config, now)?;
    basalt_contracts::run_deploy_blocking(config)
}
