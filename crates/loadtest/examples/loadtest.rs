//! The load generator as a standalone program, for `scripts/bench-l1.sh` and for measuring any
//! node without building the whole `basalt` binary. Same flags as `basalt loadtest`.

use clap::Parser;

#[derive(Parser)]
#[command(name = "loadtest", about = "Load an Ethereum JSON-RPC node with transfers")]
struct Cli {
    #[command(flatten)]
    args: basalt_loadtest::LoadtestArgs,
}

fn main() -> eyre::Result<()> {
    basalt_loadtest::run_cli(&Cli::parse().args)
}
