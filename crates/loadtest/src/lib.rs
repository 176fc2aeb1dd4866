//! `basalt loadtest`: a load generator for any Ethereum JSON-RPC node (basalt, anvil, geth...).
//!
//! A transfer run funds `--senders` deterministic accounts from `--funder-key` (and, for
//! `--kind erc20`, deploys a minimal token and hands it out), pre-signs `--txs` EIP-1559
//! transfers, then times sending them as batched `eth_sendRawTransaction` requests while
//! watching new blocks, and reports throughput and inclusion latency. With
//! `--logs-bench-blocks N` it instead times `eth_getLogs` over N single-transfer blocks.
//!
//! It talks to the node only through public JSON-RPC, so the same run measures any node.

pub mod accounts;
pub mod logs;
pub mod rpc;
pub mod setup;
pub mod stats;
pub mod token;
pub mod transfers;

pub use accounts::{DEFAULT_FUNDER_KEY, recipient_address, sender_key};
pub use logs::{LogsReport, get_logs_bench, get_logs_bench_with_timeout};
pub use transfers::{ErrorCount, TransferReport};

use alloy_primitives::B256;
use serde::Serialize;
use std::{fmt, time::Duration};

/// What each transfer does.
#[derive(clap::ValueEnum, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TransferKind {
    /// A plain ETH transfer (21,000 gas).
    Eth,
    /// An ERC20 `transfer` call on a token deployed for the run (about 50,000 gas).
    Erc20,
}

impl fmt::Display for TransferKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Eth => "ETH",
            Self::Erc20 => "ERC20",
        })
    }
}

/// Flags of `basalt loadtest`.
#[derive(clap::Args, Debug, Clone)]
pub struct LoadtestArgs {
    /// JSON-RPC endpoint of the node under load (plain http).
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    pub rpc_url: String,
    /// Transfers to send in the timed phase.
    #[arg(long, default_value_t = 10_000)]
    pub txs: usize,
    /// Sender accounts (derived from fixed keys and funded by the funder); transfers rotate over them.
    #[arg(long, default_value_t = 100)]
    pub senders: usize,
    /// What each transfer does.
    #[arg(long, value_enum, default_value_t = TransferKind::Eth)]
    pub kind: TransferKind,
    /// HTTP requests in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Transactions per JSON-RPC batch request.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Secret key of the account that funds the senders and deploys the token.
    #[arg(long, default_value = DEFAULT_FUNDER_KEY)]
    pub funder_key: B256,
    /// Seconds to wait for setup transactions, and again for all transfers to be included.
    #[arg(long = "timeout", value_name = "SECONDS", default_value_t = 600)]
    pub timeout_secs: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Start sending right after the node produces a new block, so that interval-mined nodes
    /// are measured from the same point of their block cycle (not a random one).
    #[arg(long)]
    pub start_after_block: bool,
    /// Instead of the transfer load: build this many blocks with one token transfer each, then
    /// time `eth_getLogs` over them. The node must mine a block per transaction (automine).
    #[arg(long, value_name = "BLOCKS")]
    pub logs_bench_blocks: Option<usize>,
    /// Number of timed `eth_getLogs` queries in the logs bench.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub logs_queries: usize,
}

/// The result of a run: human-readable through `Display`, machine-readable through `Serialize`
/// (`{"mode": "transfers", ...}` or `{"mode": "get_logs", ...}`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Report {
    Transfers(TransferReport),
    GetLogs(LogsReport),
}

impl Report {
    /// The report as `--json` asks: pretty JSON, or the human table.
    pub fn render(&self, json: bool) -> eyre::Result<String> {
        Ok(if json { serde_json::to_string_pretty(self)? } else { self.to_string() })
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transfers(report) => report.fmt(f),
            Self::GetLogs(report) => report.fmt(f),
        }
    }
}

/// Runs what `args` ask for: the transfer load, or the `eth_getLogs` bench.
pub async fn run(args: &LoadtestArgs) -> eyre::Result<Report> {
    match args.logs_bench_blocks {
        Some(blocks) => logs::get_logs_bench_with_timeout(
            &args.rpc_url,
            args.funder_key,
            blocks,
            args.logs_queries,
            Duration::from_secs(args.timeout_secs.max(1)),
        )
        .await
        .map(Report::GetLogs),
        None => transfers::run_transfers(args).await.map(Report::Transfers),
    }
}

/// For a synchronous `main`: runs on a new tokio runtime and prints the report per `--json`.
/// From async code call [`run`] instead (a runtime cannot start inside another).
pub fn run_cli(args: &LoadtestArgs) -> eyre::Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        eyre::bail!(
            "run_cli was called inside a tokio runtime; await basalt_loadtest::run instead"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(run(args))?;
    println!("{}", report.render(args.json)?);
    Ok(())
}
