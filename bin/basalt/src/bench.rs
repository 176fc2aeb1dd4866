//! `basalt bench import`: measures block execution alone (state in hash maps, no roots, no
//! disk) against full import (validation, execution, merkleization, one redb commit per
//! block) on the same generated chain, and prints both rates and their ratio.

use basalt_chain::{
    Blockchain,
    workload::{MemoryState, TransferKind, Workload},
};
use basalt_evm::{BlockInput, Senders, execute_block};
use basalt_primitives::{Block, Hardfork, sender::recover_senders};
use basalt_storage::{Database, SyncPolicy};
use eyre::WrapErr;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchCommand,
}

/// The generated chain: `blocks` blocks of `txs` transfers among `accounts` accounts.
#[derive(clap::Args)]
struct ChainShape {
    #[arg(long, default_value_t = 1000)]
    blocks: usize,
    #[arg(long, default_value_t = 200)]
    txs: usize,
    #[arg(long, default_value_t = 10_000)]
    accounts: usize,
    /// eth, erc20 or both (generate takes one).
    #[arg(long, default_value = "both")]
    kind: String,
}

#[derive(clap::Subcommand)]
enum BenchCommand {
    /// Write a generated chain as DIR/genesis.json and DIR/chain.rlp (for `basalt import`).
    Generate {
        #[arg(long)]
        out: std::path::PathBuf,
        #[command(flatten)]
        shape: ChainShape,
    },
    /// Execution-only vs full-import throughput on a generated chain.
    Import {
        #[command(flatten)]
        shape: ChainShape,
    },
    /// Transfers per blob in each DA mode, and encode/decode time per blob.
    Da(crate::bench_da::DaBenchArgs),
    /// Witness size, input build time and guest time per batch of transfers.
    Guest(crate::bench_guest::GuestBenchArgs),
}

fn parse_kinds(kind: &str) -> eyre::Result<Vec<TransferKind>> {
    Ok(match kind {
        "eth" => vec![TransferKind::Eth],
        "erc20" => vec![TransferKind::Erc20],
        "both" => vec![TransferKind::Eth, TransferKind::Erc20],
        other => eyre::bail!("unknown --kind {other}: use eth, erc20 or both"),
    })
}

pub fn run(args: BenchArgs) -> eyre::Result<()> {
    let (blocks, txs, accounts, kinds) = match args.what {
        BenchCommand::Da(args) => return crate::bench_da::run(args),
        BenchCommand::Guest(args) => return crate::bench_guest::run(args),
        BenchCommand::Import { shape: ChainShape { blocks, txs, accounts, kind } } => {
            (blocks, txs, accounts, parse_kinds(&kind)?)
        }
        BenchCommand::Generate { out, shape: ChainShape { blocks, txs, accounts, kind } } => {
            let [kind] = parse_kinds(&kind)?[..] else {
                eyre::bail!("generate takes one --kind: eth or erc20")
            };
            let mut workload = Workload::new(accounts, kind);
            let chain = workload.new_chain()?;
            let generated = workload.extend_chain(&chain, blocks, txs)?;
            std::fs::create_dir_all(&out)?;
            std::fs::write(out.join("genesis.json"), workload.genesis_json())?;
            let bytes: Vec<u8> = generated.iter().flat_map(alloy_rlp::encode).collect();
            std::fs::write(out.join("chain.rlp"), bytes)?;
            println!(
                "wrote {} and {}",
                out.join("genesis.json").display(),
                out.join("chain.rlp").display()
            );
            return Ok(());
        }
    };
    println!(
        "| workload | blocks × txs | gas | (a) execution only | (b) full import, fsync ≥ 1 s apart | b/a | (b') full import, fsync every block | b'/a |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for kind in kinds {
        let mut workload = Workload::new(accounts, kind);
        let generated = Instant::now();
        let chain = workload.new_chain()?;
        let chain_blocks =
            workload.extend_chain(&chain, blocks, txs).wrap_err("generating the chain")?;
        eprintln!("generated {blocks} {kind:?} blocks in {:.1?}", generated.elapsed());
        let gas: u64 = chain_blocks.iter().map(|b| b.header.gas_used).sum();

        let (exec_secs, exec_gas) = execution_only(&workload, chain.config(), &chain_blocks)?;
        let import_secs =
            full_import(&workload, &chain_blocks, SyncPolicy::Periodic(Duration::from_secs(1)))?;
        let import_fsync_secs = full_import(&workload, &chain_blocks, SyncPolicy::EveryCommit)?;
        eyre::ensure!(
            exec_gas == gas,
            "execution-only gas {exec_gas} differs from the chain's {gas}"
        );
        let exec_rate = gas as f64 / exec_secs / 1e6;
        let import_rate = gas as f64 / import_secs / 1e6;
        let fsync_rate = gas as f64 / import_fsync_secs / 1e6;
        println!(
            "| {kind:?} transfers | {blocks} × {txs} | {:.2} Ggas | {exec_rate:.0} Mgas/s ({exec_secs:.2} s) | {import_rate:.0} Mgas/s ({import_secs:.2} s) | {:.2} | {fsync_rate:.0} Mgas/s ({import_fsync_secs:.2} s) | {:.2} |",
            gas as f64 / 1e9,
            import_rate / exec_rate,
            fsync_rate / exec_rate,
        );
    }
    Ok(())
}

/// (a): sender recovery and execution over hash-map state; no roots, no disk.
fn execution_only(
    workload: &Workload,
    config: &basalt_primitives::ChainConfig,
    blocks: &[Block],
) -> eyre::Result<(f64, u64)> {
    let mut state = MemoryState::default();
    state.apply(&workload.genesis_spec().alloc_changes());
    let started = Instant::now();
    let mut gas = 0;
    for block in blocks {
        let fork = config.fork_at(block.header.number, block.header.timestamp);
        let senders = recover_senders(&block.body.transactions, fork < Hardfork::Homestead)
            .map_err(|(index, e)| eyre::eyre!("transaction {index}: {e}"))?;
        let input = BlockInput {
            header: &block.header,
            transactions: &block.body.transactions,
            senders: Senders::Known(&senders),
            ommers: &[],
            withdrawals: block.body.withdrawals.as_ref().map(|w| w.as_slice()),
            fees: None,
        };
        let output = execute_block(config, input, &state, None)?;
        state.apply(&output.changes);
        state.set_block_hash(block.header.number, block.header.hash_slow());
        gas += output.gas_used;
    }
    Ok((started.elapsed().as_secs_f64(), gas))
}

/// (b): the real import path into an on-disk database.
fn full_import(workload: &Workload, blocks: &[Block], sync: SyncPolicy) -> eyre::Result<f64> {
    let dir = tempfile::tempdir()?;
    let mut db = Database::open(dir.path())?;
    db.set_sync_policy(sync);
    let chain: Blockchain = workload.chain_on(db)?;
    let sized = blocks.iter().map(|b| (b.clone(), alloy_rlp::Encodable::length(b))).collect();
    let started = Instant::now();
    for result in chain.import_blocks(sized) {
        result?;
    }
    chain.db().flush()?;
    Ok(started.elapsed().as_secs_f64())
}
