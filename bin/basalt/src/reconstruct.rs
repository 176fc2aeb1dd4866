//! `basalt reconstruct`: rebuilds the L2 into a datadir from L1 alone (docs/da.md, "Rebuilding
//! the L2 from L1"): the proposer's `BatchCommitted` logs, each commit transaction's blobs, and
//! (blocks mode) the bridge's privileged transactions read by the L1 watcher. Goes on after the
//! last batch a previous run applied. Shows progress on a terminal, one line per batch in a log.

use crate::l2;
use basalt_contracts::DaModeName;
use basalt_da::DaMode;
use basalt_reconstruct::{AppliedBatch, Follower, l1::L1Reader};
use basalt_storage::Database;
use basalt_watcher::{L1Watcher, WatcherConfig};
use eyre::{WrapErr, bail, eyre};
use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
    process::ExitCode,
    time::{Duration, Instant},
};

#[derive(clap::Args, Debug)]
pub struct ReconstructArgs {
    #[command(flatten)]
    rollup: l2::RollupArgs,
    /// Where the rebuilt L2 goes: a new directory, or one a previous reconstruct wrote (it goes
    /// on after its last batch). `--http-port` serves it; `basalt sequencer` refuses it.
    #[arg(long, value_name = "DIR")]
    datadir: PathBuf,
    /// After rebuilding, serve the L2 JSON-RPC on this port (HTTP and WebSocket) until
    /// interrupted, without producing blocks or committing.
    #[arg(long, value_name = "PORT")]
    http_port: Option<u16>,
}

/// Longest wait for one L1 call.
const L1_TIMEOUT: Duration = Duration::from_secs(30);

pub fn run(args: ReconstructArgs) -> eyre::Result<ExitCode> {
    let (deployment, genesis_json) =
        l2::read_deployment(&args.rollup.deployment, args.rollup.l2_genesis.as_deref())?;
    if deployment.validium {
        bail!(
            "the deployment is a validium: its batches put no data on L1, so the L2 cannot be \
             rebuilt from L1"
        );
    }
    let spec = l2::l2_genesis(&genesis_json, &deployment)?;
    // The genesis is checked before the datadir is touched.
    let genesis_hash = basalt_chain::genesis::init_from_spec(
        &Database::in_memory()?,
        &spec,
        genesis_json.as_bytes(),
    )
    .wrap_err("invalid L2 genesis")?;
    l2::check_genesis_hash(genesis_hash, &deployment)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let url = &args.rollup.l1_rpc_url;
    let reader = L1Reader::new(url, L1_TIMEOUT).map_err(|e| eyre!("{e}"))?;
    let l1_chain =
        runtime.block_on(reader.chain_id()).map_err(|e| eyre!("cannot reach the L1: {e}"))?;
    if l1_chain != deployment.chain_id {
        bail!(
            "--l1-rpc-url {url} serves chain {l1_chain}, but the deployment is on chain {}: point \
             --l1-rpc-url at that L1",
            deployment.chain_id
        );
    }
    let mode = match deployment.da_mode {
        DaModeName::Blocks => DaMode::Blocks,
        DaModeName::StateDiff => DaMode::StateDiff,
    };
    let chain = l2::open_chain(Some(&args.datadir), &spec, &genesis_json, &deployment)?;
    let db = chain.shared_db();
    let follower = Follower::open(chain, mode)
        .map_err(|e| eyre!("--datadir {}: {e}", args.datadir.display()))?;

    let head = runtime.block_on(reader.head()).map_err(|e| eyre!("{e}"))?;
    let first = follower.next_batch()?;
    let commits = runtime
        .block_on(reader.commits(deployment.rollup, first, deployment.l1_deploy_block, head))
        .map_err(|e| eyre!("{e}"))?;
    if let Some((&number, _)) = commits.iter().next()
        && number != first
    {
        bail!(
            "the L1 holds no commit of batch {first} from block {} on (the first found is batch \
             {number}): is --deployment the one this L1 runs?",
            deployment.l1_deploy_block
        );
    }
    if mode == DaMode::Blocks {
        // The privileged transactions the blocks include, up to the L1 head.
        let watcher = L1Watcher::new(
            WatcherConfig {
                confirmations: 0,
                ..WatcherConfig::new(
                    url.clone(),
                    deployment.bridge,
                    deployment.l1_deploy_block,
                    deployment.l2_chain_id,
                )
            },
            db.clone(),
        )
        .map_err(|e| eyre!("{e}"))?;
        runtime
            .block_on(watcher.poll_once())
            .map_err(|e| eyre!("reading the bridge's privileged transactions: {e}"))?;
    }

    let mut progress = Progress::new(commits.len(), first);
    for (number, commit) in &commits {
        let (commitment, blobs) =
            runtime.block_on(reader.batch(*number, commit)).map_err(|e| eyre!("{e}"))?;
        let applied = follower.apply_batch(&commitment, &blobs)?;
        progress.applied(&applied);
    }
    progress.finish();
    db.flush()?;
    match follower.last_batch()? {
        Some(last) => println!(
            "reconstructed: batch {}, L2 block {}, state root {}",
            last.number, last.last_block, last.state_root
        ),
        None => println!("reconstructed: no batch is committed on L1 yet"),
    }
    let Some(port) = args.http_port else { return Ok(ExitCode::SUCCESS) };
    drop((follower, db));
    serve(args.datadir, args.rollup.l1_rpc_url, genesis_json, deployment, port)
}

/// Serves the rebuilt datadir's L2 JSON-RPC on `port` until Ctrl-C: the L2 node opened on it,
/// with no producer, sealer, watcher or committer running.
fn serve(
    datadir: PathBuf,
    l1_rpc_url: String,
    genesis_json: String,
    deployment: basalt_contracts::Deployment,
    port: u16,
) -> eyre::Result<ExitCode> {
    let runtime = crate::runtime()?;
    let node = l2::start(
        l2::L2NodeConfig {
            datadir: Some(datadir),
            genesis_json,
            fee_recipient: deployment.deployer,
            max_blobs_per_batch: l2::DEFAULT_MAX_BLOBS_PER_BATCH,
            commit_interval: Duration::from_secs(60),
            l1_rpc_url,
            l1_confirmations: 0,
            watcher_poll: Duration::from_secs(1),
            block_time: Duration::from_secs(1),
            rpc_addr: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            dev_keys: Vec::new(),
            committer: None,
            censored: None,
            deployment,
        },
        &runtime,
    )?;
    println!("ready: L2 RPC http://{} (read-only follower)", node.addr);
    runtime.block_on(async {
        tokio::select! {
            () = node.handle.stopped() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    Ok(ExitCode::SUCCESS)
}

/// Progress on a terminal (one line rewritten: batches done of total, rate, time left), or one
/// line per batch in a log.
struct Progress {
    total: usize,
    done: usize,
    first: u64,
    started: Instant,
    tty: bool,
}

impl Progress {
    fn new(total: usize, first: u64) -> Self {
        let tty = std::io::stdout().is_terminal();
        println!(
            "{total} committed batches to apply{}",
            if total > 0 { format!(" from batch {first}") } else { String::new() }
        );
        Self { total, done: 0, first, started: Instant::now(), tty }
    }

    fn applied(&mut self, batch: &AppliedBatch) {
        self.done += 1;
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.done as f64 / secs;
        let left = (self.total - self.done) as f64 / rate;
        if self.tty {
            print!(
                "\r\x1b[2Kbatch {} of {}: {}/{} done, {rate:.1} batches/s, {left:.0} s left",
                batch.number,
                self.first + self.total as u64 - 1,
                self.done,
                self.total
            );
            let _ = std::io::stdout().flush();
        } else {
            println!(
                "batch {}: blocks {}..={}, {} transactions, state root {} ({}/{})",
                batch.number,
                batch.first_block,
                batch.last_block,
                batch.transactions,
                batch.state_root,
                self.done,
                self.total
            );
        }
    }

    fn finish(&self) {
        if self.tty && self.done > 0 {
            println!();
        }
    }
}
