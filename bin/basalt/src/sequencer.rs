//! `basalt sequencer`: the L2 node against any L1 (anvil, a testnet): reads deposits from the
//! deployment's bridge after `--l1-confirmations` blocks, produces a block every
//! `--block-time`, serves JSON-RPC. Bad or missing configuration gets one line saying what to
//! fix; a dead L1 endpoint is retried while blocks go on.

use crate::l2::{self, L2NodeConfig};
use alloy::providers::{Provider, ProviderBuilder};
use basalt_contracts::Deployment;
use eyre::{WrapErr, bail};
use std::{path::PathBuf, process::ExitCode, time::Duration};

#[derive(clap::Args, Debug)]
pub struct SequencerArgs {
    #[command(flatten)]
    rollup: l2::RollupArgs,
    /// Where the L2 chain, its deposit queue and its pool journal live.
    #[arg(long, value_name = "DIR")]
    datadir: PathBuf,
    /// Port of the JSON-RPC server (HTTP and WebSocket).
    #[arg(long, default_value_t = 1729)]
    http_port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Seconds between L2 blocks.
    #[arg(long, default_value_t = 2.0)]
    block_time: f64,
    /// L1 blocks a deposit's block needs on top of it before the deposit counts.
    #[arg(long, default_value_t = basalt_watcher::DEFAULT_CONFIRMATIONS)]
    l1_confirmations: u64,
    /// Seconds between reads of the L1.
    #[arg(long, default_value_t = 1.0)]
    l1_poll_interval: f64,
    /// Receives the priority fees of L2 blocks (default: the deployer).
    #[arg(long)]
    fee_recipient: Option<alloy_primitives::Address>,
    /// Most EIP-4844 blobs one batch commit carries (1 to 6, the most one L1 blob transaction
    /// holds). Every L2 block is kept small enough for one batch of this many blobs.
    #[arg(long, default_value_t = l2::DEFAULT_MAX_BLOBS_PER_BATCH,
          value_parser = clap::value_parser!(u8).range(1..=i64::from(l2::MAX_BLOBS_PER_BATCH)))]
    max_blobs_per_batch: u8,
    /// Seconds between sealed batches; a batch whose blocks would overflow its blobs is sealed
    /// sooner, and a run of only empty blocks waits for a transaction.
    #[arg(long, default_value_t = 60.0)]
    commit_interval: f64,
    /// Private key of the L1 account that commits batches (`commitBatch` in blob
    /// transactions); the deployment's proposer must list it as a sequencer, and nothing else
    /// should send from it. Without it batches are sealed but not committed.
    #[arg(long, env = "BASALT_COMMITTER_KEY", value_name = "KEY", hide_env_values = true)]
    committer_key: Option<alloy_primitives::B256>,
    /// Seconds a commit may wait for inclusion before it is replaced with bumped fees (+10% on
    /// the gas fees, x2 on the blob fee).
    #[arg(long, default_value_t = 36.0)]
    commit_resubmit_after: f64,
    /// DA throttling: when sealed batches waiting for L1 hold this many blobs, blocks shrink
    /// until the backlog drains (0: never).
    #[arg(long, default_value_t = l2::DEFAULT_DA_THROTTLE_BLOBS)]
    da_throttle_blobs: usize,
    /// Private key of the L1 account that sends proofs (`verifyBatches`); must differ from the
    /// committer's. Without it proofs are gathered but batches are not verified.
    #[arg(long, env = "BASALT_PROOF_SENDER_KEY", value_name = "KEY", hide_env_values = true)]
    proof_sender_key: Option<alloy_primitives::B256>,
    /// Address of the admin endpoint: `GET /health` reports the watcher, block producer,
    /// committer, proof coordinator and proof sender (port 0: any free port).
    #[arg(long, env = "BASALT_ADMIN_ADDR", default_value = "127.0.0.1:1730")]
    admin_addr: std::net::SocketAddr,
    #[command(flatten)]
    proving: crate::prover::ProvingArgs,
    #[command(flatten)]
    faults: crate::censor::FaultArgs,
}

pub fn run(args: SequencerArgs) -> eyre::Result<ExitCode> {
    let block_time = l2::block_time("--block-time", args.block_time)?;
    let commit_interval = l2::commit_interval(args.commit_interval)?;
    let resubmit_after = l2::resubmit_after(args.commit_resubmit_after)?;
    args.proving.proof_timeout()?;
    if !(args.l1_poll_interval > 0.0 && args.l1_poll_interval <= l2::MAX_BLOCK_TIME_SECS) {
        bail!(
            "--l1-poll-interval must be a number of seconds above 0 and at most {}, got {}",
            l2::MAX_BLOCK_TIME_SECS,
            args.l1_poll_interval
        );
    }
    let (deployment, genesis_text) =
        l2::read_deployment(&args.rollup.deployment, args.rollup.l2_genesis.as_deref())?;
    let runtime = crate::runtime()?;
    check_l1(&runtime, &args.rollup.l1_rpc_url, &deployment)?;
    let l2 = l2::start(
        L2NodeConfig {
            datadir: Some(args.datadir.clone()),
            genesis_json: genesis_text.clone(),
            fee_recipient: args.fee_recipient.unwrap_or(deployment.deployer),
            max_blobs_per_batch: args.max_blobs_per_batch,
            commit_interval,
            deployment: deployment.clone(),
            l1_rpc_url: args.rollup.l1_rpc_url.clone(),
            l1_confirmations: args.l1_confirmations,
            watcher_poll: Duration::from_secs_f64(args.l1_poll_interval),
            block_time,
            rpc_addr: std::net::SocketAddr::new(args.host, args.http_port),
            dev_keys: Vec::new(),
            committer: args.committer_key.map(|key| l2::CommitterSettings {
                key,
                resubmit_after,
                poll_interval: Duration::from_secs_f64(args.l1_poll_interval),
                throttle_blobs: args.da_throttle_blobs,
            }),
            censored: args.faults.dev_censor,
        },
        &runtime,
    )?;
    l2.run_in_background(&runtime)?;
    let db = l2.node.chain().shared_db();
    let source = crate::prover::batch_input_source(&db, l2.node.chain().config(), &genesis_text)?;
    let proving = crate::prover::coordinator_config(&args.proving, &deployment)?;
    let (coordinator_addr, coordinator) =
        crate::prover::start_proof_coordinator(&runtime, db.clone(), source, proving)?;
    let proof_sender = match args.proof_sender_key {
        Some(key) => Some(crate::prover::spawn_proof_sender(
            &runtime,
            db,
            crate::prover::proof_sender_config(
                &args.proving,
                &deployment,
                &args.rollup.l1_rpc_url,
                key,
                Duration::from_secs_f64(args.l1_poll_interval),
            ),
            args.committer_key,
        )?),
        None => None,
    };
    let sender_health = proof_sender.as_ref().map(|(_, health)| health.clone());
    let admin_addr = crate::health::serve(
        &runtime,
        args.admin_addr,
        crate::health::HealthSources::new(&l2, coordinator, sender_health),
    )?;
    let head = l2.node.chain().head()?;
    println!("basalt sequencer v{}", env!("CARGO_PKG_VERSION"));
    println!("L1:                {} (chain {})", args.rollup.l1_rpc_url, deployment.chain_id);
    println!("CommonBridge:      {}", deployment.bridge);
    println!("OnChainProposer:   {}", deployment.rollup);
    println!("L2 chain ID:       {}", deployment.l2_chain_id);
    println!("Head:              block {} {}", head.number, head.hash_slow());
    match l2.committer_address {
        Some(address) => println!("Committer:         {address}"),
        None => println!(
            "Committer:         off (batches are sealed, not committed: pass --committer-key)"
        ),
    }
    println!(
        "Proof coordinator: {coordinator_addr} (basalt prover --coordinator {coordinator_addr})"
    );
    match &proof_sender {
        Some((address, _)) => println!("Proof sender:      {address}"),
        None => println!(
            "Proof sender:      off (proofs are gathered, batches not verified: pass --proof-sender-key)"
        ),
    }
    if let Some(line) = crate::censor::banner_line(l2.producer.censored(), l2.censor_margin) {
        println!("{line}");
    }
    println!("Health:            http://{admin_addr}/health");
    println!("Datadir:           {}", args.datadir.display());
    println!("ready: L2 RPC http://{}", l2.addr);
    runtime.block_on(async {
        tokio::select! {
            () = l2.handle.stopped() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    l2.node.chain().db().flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses an L1 of another chain than the deployment's. An L1 that does not answer is only
/// a warning: the watcher retries it while blocks go on.
fn check_l1(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    deployment: &Deployment,
) -> eyre::Result<()> {
    let parsed = url.parse().wrap_err_with(|| format!("--l1-rpc-url {url} is not a URL"))?;
    let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(parsed);
    let answer = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), provider.get_chain_id()).await
    });
    match answer {
        Ok(Ok(chain_id)) if chain_id != deployment.chain_id => bail!(
            "--l1-rpc-url {url} serves chain {chain_id}, but the deployment is on chain {}: point \
             --l1-rpc-url at that L1",
            deployment.chain_id
        ),
        Ok(Ok(_)) => {
            let code = runtime
                .block_on(async {
                    tokio::time::timeout(
                        Duration::from_secs(5),
                        provider.get_code_at(deployment.bridge),
                    )
                    .await
                })
                .ok()
                .and_then(Result::ok);
            if code.is_some_and(|code| code.is_empty()) {
                bail!(
                    "the L1 at {url} has no contract at the deployment's bridge {}: --deployment \
                     describes another L1 (a restarted dev L1 starts empty); deploy again",
                    deployment.bridge
                );
            }
            Ok(())
        }
        Ok(Err(err)) => {
            tracing::warn!(
                chain = "l1",
                "L1 {url} does not answer yet ({err}); retrying in the background"
            );
            Ok(())
        }
        Err(_) => {
            tracing::warn!(
                chain = "l1",
                "L1 {url} does not answer within 5 s; retrying in the background"
            );
            Ok(())
        }
    }
}
