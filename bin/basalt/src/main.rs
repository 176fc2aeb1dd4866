//! The `basalt` command line.

mod bench;
mod bench_da;
mod bench_guest;
mod bridge;
mod censor;
mod deploy;
mod dev;
mod health;
mod import;
mod l1;
mod l2;
mod prover;
mod reconstruct;
mod sequencer;

use clap::{Parser, Subcommand};
use std::{path::PathBuf, process::ExitCode};

/// Stack of each runtime thread, in bytes. Blob sidecars hold 128 KiB arrays by value: an
/// unoptimized build moves several of them through the stack of one RPC call, past tokio's
/// 2 MiB default.
const RUNTIME_STACK_BYTES: usize = 16 * 1024 * 1024;

/// The multi-threaded tokio runtime the node commands run on.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(RUNTIME_STACK_BYTES)
        .build()
}

#[derive(Parser)]
#[command(name = "basalt", version, about = "Basalt: an Ethereum L2 rollup stack")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a development L1 and L2 in one process: the L1 (as `basalt l1`), the rollup contracts
    /// deployed on it, and the L2 node, with the dev accounts funded on L2 by real deposits.
    Dev(dev::DevArgs),
    /// Run the L2 node (block producer, L1 deposit watcher, JSON-RPC) against any L1.
    Sequencer(sequencer::SequencerArgs),
    /// Prove batches for a sequencer's proof coordinator (on any machine): exec or attestation.
    Prover(prover::ProverArgs),
    /// Rebuild the L2 into a datadir from L1 alone: committed batches and their blobs.
    Reconstruct(reconstruct::ReconstructArgs),
    /// Run a development L1 (anvil-like): funded accounts, JSON-RPC over HTTP and WebSocket.
    L1(l1::L1Args),
    /// Send a batch of pre-signed transfers to any JSON-RPC endpoint and report throughput.
    Loadtest(basalt_loadtest::LoadtestArgs),
    /// Import concatenated RLP blocks into a chain and print the new head.
    Import(import::ImportArgs),
    /// Deploy the rollup's L1 contracts (proposer, bridge, timelock, verifier) to any L1 and write
    /// the L2 genesis they start from.
    Deploy(basalt_contracts::DeployArgs),
    /// Benchmarks (see docs/benchmarks.md).
    Bench(bench::BenchArgs),
    /// Move ether and ERC20 tokens between the L1 and the L2: deposit, withdraw, claim, status,
    /// force-withdraw (docs/bridge.md).
    Bridge(bridge::BridgeArgs),
    /// Run execution-spec-tests blockchain fixtures (files or directories).
    Fixtures {
        /// Fixture files or directories searched recursively for .json files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Worker threads (default: available cores).
        #[arg(long)]
        threads: Option<usize>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dev(args) => {
            init_logging();
            dev::run(args)
        }
        Command::Sequencer(args) => {
            init_logging();
            sequencer::run(args)
        }
        Command::Prover(args) => {
            init_logging();
            prover::run(args)
        }
        Command::Reconstruct(args) => reconstruct::run(args),
        Command::L1(args) => {
            init_logging();
            l1::run(args)
        }
        Command::Loadtest(args) => basalt_loadtest::run_cli(&args).map(|()| ExitCode::SUCCESS),
        Command::Import(args) => import::run(args),
        Command::Deploy(args) => deploy::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Bench(args) => bench::run(args).map(|()| ExitCode::SUCCESS),
        Command::Bridge(args) => bridge::run(args),
        Command::Fixtures { paths, threads } => run_fixtures(paths, threads),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Log lines go to stdout, one per block and transaction at `info` (RUST_LOG overrides).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(std::io::stdout)
        .try_init();
}

fn run_fixtures(paths: Vec<PathBuf>, threads: Option<usize>) -> eyre::Result<ExitCode> {
    use basalt_eest::Outcome;
    let files = basalt_eest::collect_files(&paths)?;
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let summary = basalt_eest::run_files(&files, threads, |result| match &result.outcome {
        Outcome::Passed => {}
        Outcome::Failed(reason) => {
            println!("FAIL {}::{}: {reason}", result.file.display(), result.name)
        }
        Outcome::Skipped(reason) => {
            println!("SKIP {}::{}: {reason}", result.file.display(), result.name)
        }
    });
    println!("{summary}");
    Ok(if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
