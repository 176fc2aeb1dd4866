//! `basalt bench guest`: what proving a batch costs, on a real L2 chain of transfers (ten thousand
//! funded accounts paying random accounts of the same set): the witness recorded for a sealed
//! batch (nodes, codes, bytes), building the prover's input, and the guest program's time from
//! the encoded input to the public inputs; then the guest time over the batch's wall time when
//! the chain runs at `--tps` (docs/benchmarks.md).

use basalt_batch::{BatchConfig, build_batch};
use basalt_chain::workload::{TransferKind, Workload, WorkloadOptions};
use basalt_da::DaMode;
use basalt_witness::batch_input;
use eyre::WrapErr;
use std::time::Instant;

/// Seed of the random recipients, fixed so runs compare.
const SEED: u64 = 0x5eed;

#[derive(clap::Args)]
pub struct GuestBenchArgs {
    /// Batch sizes in transfers, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    transfers: Vec<usize>,
    /// Transfers per L2 block.
    #[arg(long, default_value_t = 1000)]
    block_txs: usize,
    /// Funded accounts.
    #[arg(long, default_value_t = 10_000)]
    accounts: usize,
    /// Chain throughput the ratio is taken at, in transfers per second.
    #[arg(long, default_value_t = 1000)]
    tps: usize,
    /// Runs of the guest per batch (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

pub fn run(args: GuestBenchArgs) -> eyre::Result<()> {
    eyre::ensure!(args.block_txs >= 1 && args.accounts >= 2 && args.runs >= 1, "bad arguments");
    println!(
        "| workload | batch | blocks | witness nodes | witness bytes | codes | input bytes | input build | guest (median of {}) | guest / batch time at {} TPS |",
        args.runs, args.tps
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for kind in [TransferKind::Eth, TransferKind::Erc20] {
        for &transfers in &args.transfers {
            let options =
                WorkloadOptions { random_recipients: Some(SEED), l2: true, solidity_layout: true };
            let mut workload = Workload::with_options(args.accounts, kind, options);
            let chain = workload.new_chain()?;
            let blocks = transfers.div_ceil(args.block_txs);
            let started = Instant::now();
            workload.extend_chain(&chain, blocks, args.block_txs).wrap_err("building the chain")?;
            eprintln!("{kind:?}: {blocks} blocks in {:.1?}", started.elapsed());
            let view = chain.db().read()?;
            let config = BatchConfig {
                chain_id: chain.config().chain_id,
                mode: DaMode::Blocks,
                validium: false,
                max_blobs: 6,
            };
            let batch = build_batch(&view, &config, 1, 1, blocks as u64, 0)
                .wrap_err("sealing the batch")?;
            let genesis: serde_json::Value = serde_json::from_str(workload.genesis_json())?;
            let chain_config = serde_json::to_vec(&genesis["config"])?;
            let started = Instant::now();
            let (input, expected) =
                batch_input(&view, chain.config(), chain_config.into(), &batch)?;
            let build = started.elapsed();
            let encoded = input.encode();
            let mut times = Vec::with_capacity(args.runs);
            for _ in 0..args.runs {
                let started = Instant::now();
                let public_inputs = basalt_guest::execute_encoded(&encoded)?;
                times.push(started.elapsed());
                eyre::ensure!(public_inputs == expected.encode(), "the guest disagrees");
            }
            times.sort();
            let guest = times[times.len() / 2];
            let batch_secs = (blocks * args.block_txs) as f64 / args.tps as f64;
            println!(
                "| {kind:?} transfers | {} | {blocks} | {} | {:.1} MB | {} | {:.1} MB | {:.2} s | {:.2} s | {:.3} |",
                blocks * args.block_txs,
                input.witness.state.len(),
                input.witness.size() as f64 / 1e6,
                input.witness.codes.len(),
                encoded.len() as f64 / 1e6,
                build.as_secs_f64(),
                guest.as_secs_f64(),
                guest.as_secs_f64() / batch_secs,
            );
        }
    }
    Ok(())
}
