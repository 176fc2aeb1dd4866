//! `basalt bench da`: how many transfers one blob carries in each DA mode, on a real L2 chain
//! (ten thousand funded accounts paying random accounts of the same set, ETH or an ERC20 with
//! solc's storage layout), and what encoding and decoding cost per blob (docs/benchmarks.md).

use basalt_batch::{blocks_payload, state_diff_payload};
use basalt_chain::{
    Blockchain,
    workload::{TransferKind, Workload, WorkloadOptions},
};
use basalt_da::{
    DaMode, PAYLOAD_BYTES_PER_BLOB, decode_blobs, decode_blocks, decode_compressed,
    decode_state_diff, encode_blobs, encode_blocks, encode_compressed, encode_state_diff,
};
use basalt_storage::ReadView;
use eyre::WrapErr;
use std::time::{Duration, Instant};

/// Seed of the random recipients, fixed so runs compare.
const SEED: u64 = 0x5eed;
/// Bytes of a batch's blob stream outside its data: the length prefix.
const STREAM_PREFIX: usize = 4;

#[derive(clap::Args)]
pub struct DaBenchArgs {
    /// Funded accounts; senders take turns, recipients are random among them.
    #[arg(long, default_value_t = 10_000)]
    accounts: usize,
    /// Transfers per L2 block (the batch boundary moves one block at a time).
    #[arg(long, default_value_t = 50)]
    block_txs: usize,
    /// Blobs of the largest batch measured (one L1 blob transaction holds at most 6).
    #[arg(long, default_value_t = 6)]
    max_blobs: usize,
}

/// One mode's result at one batch size.
struct Density {
    blobs: usize,
    transfers: usize,
    payload_bytes: usize,
    data_bytes: usize,
    encode: Duration,
    decode: Duration,
}

pub fn run(args: DaBenchArgs) -> eyre::Result<()> {
    eyre::ensure!(args.accounts >= 2 && args.block_txs >= 1, "--accounts ≥ 2, --block-txs ≥ 1");
    eyre::ensure!((1..=6).contains(&args.max_blobs), "--max-blobs must be 1 to 6");
    println!(
        "| workload | mode | batch | transfers | transfers per blob | payload bytes | compressed | encode per blob | decode per blob |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut summary = Vec::new();
    for kind in [TransferKind::Eth, TransferKind::Erc20] {
        let options =
            WorkloadOptions { random_recipients: Some(SEED), l2: true, solidity_layout: true };
        let mut workload = Workload::with_options(args.accounts, kind, options);
        let chain = workload.new_chain()?;
        let started = Instant::now();
        let blocks = grow_until_full(&mut workload, &chain, &args)?;
        eprintln!(
            "{kind:?}: {blocks} blocks of {} transfers in {:.1?}",
            args.block_txs,
            started.elapsed()
        );
        let view = chain.db().read()?;
        let chain_id = chain.config().chain_id;
        for mode in [DaMode::Blocks, DaMode::StateDiff] {
            let mut full = None;
            for blobs in [1, args.max_blobs] {
                let Some(density) = measure(&view, chain_id, mode, blobs, blocks, args.block_txs)?
                else {
                    println!(
                        "| {kind:?} transfers | {} | {blobs} blobs | all {} do not fill it | — | | | | |",
                        mode_name(mode),
                        blocks as usize * args.block_txs
                    );
                    continue;
                };
                println!(
                    "| {kind:?} transfers | {} | {} blob{} | {} | **{}** | {} | {} | {:.1} ms | {:.1} ms |",
                    mode_name(mode),
                    density.blobs,
                    if density.blobs == 1 { "" } else { "s" },
                    density.transfers,
                    density.transfers / density.blobs,
                    density.payload_bytes,
                    density.data_bytes,
                    density.encode.as_secs_f64() * 1e3 / density.blobs as f64,
                    density.decode.as_secs_f64() * 1e3 / density.blobs as f64,
                );
                full.get_or_insert(density.transfers / density.blobs);
            }
            summary.push((kind, mode, full.unwrap_or_default()));
        }
    }
    let get = |kind, mode| {
        summary.iter().find(|(k, m, _)| *k == kind && *m == mode).map_or(0, |(_, _, n)| *n)
    };
    let tps = |n: usize| n * args.max_blobs / 12;
    println!(
        "\nAt {} blobs per 12-second L1 slot: blocks mode {} ETH / {} ERC20 transfers per second; state-diff mode {} / {}.",
        args.max_blobs,
        tps(get(TransferKind::Eth, DaMode::Blocks)),
        tps(get(TransferKind::Erc20, DaMode::Blocks)),
        tps(get(TransferKind::Eth, DaMode::StateDiff)),
        tps(get(TransferKind::Erc20, DaMode::StateDiff)),
    );
    println!(
        "da: blocks eth={} erc20={}; state-diff eth={} erc20={} (transfers per blob, one-blob batches)",
        get(TransferKind::Eth, DaMode::Blocks),
        get(TransferKind::Erc20, DaMode::Blocks),
        get(TransferKind::Eth, DaMode::StateDiff),
        get(TransferKind::Erc20, DaMode::StateDiff),
    );
    Ok(())
}

fn mode_name(mode: DaMode) -> &'static str {
    match mode {
        DaMode::Blocks => "blocks",
        DaMode::StateDiff => "state-diff",
    }
}

/// Extends the chain 100 blocks at a time until a batch of all its blocks overflows
/// `max_blobs` blobs in blocks mode; returns the number of blocks. (A state diff stops growing
/// once every account has changed, so it may never fill the largest batch: then that row is
/// left out, since any number of further transfers would fit.)
fn grow_until_full(
    workload: &mut Workload,
    chain: &Blockchain,
    args: &DaBenchArgs,
) -> eyre::Result<u64> {
    let capacity = args.max_blobs * PAYLOAD_BYTES_PER_BLOB;
    loop {
        workload.extend_chain(chain, 100, args.block_txs).wrap_err("building the chain")?;
        let head = chain.head()?.number;
        let view = chain.db().read()?;
        let chain_id = chain.config().chain_id;
        let blocks = batch_data(&view, chain_id, DaMode::Blocks, head)?.1.len();
        if blocks + STREAM_PREFIX > capacity {
            return Ok(head);
        }
        eyre::ensure!(head < 20_000, "20,000 blocks do not fill {} blobs", args.max_blobs);
    }
}

/// The payload of blocks `1..=last` in `mode`, and its compressed data.
fn batch_data(
    view: &ReadView,
    chain_id: u64,
    mode: DaMode,
    last: u64,
) -> eyre::Result<(Vec<u8>, Vec<u8>)> {
    let payload = match mode {
        DaMode::Blocks => encode_blocks(&blocks_payload(view, chain_id, 1, last)?)?,
        DaMode::StateDiff => encode_state_diff(&state_diff_payload(view, chain_id, 1, last)?)?,
    };
    let data = encode_compressed(&payload);
    Ok((payload, data))
}

/// The largest batch from block 1 whose data fits `blobs` blobs, found by bisection, with the
/// time to encode it (payload, compression, blobs) and to decode it back; `None` when the whole
/// chain fits (the batch size is not what bounds it).
fn measure(
    view: &ReadView,
    chain_id: u64,
    mode: DaMode,
    blobs: usize,
    blocks: u64,
    block_txs: usize,
) -> eyre::Result<Option<Density>> {
    let capacity = blobs * PAYLOAD_BYTES_PER_BLOB;
    let fits = |last: u64| -> eyre::Result<bool> {
        Ok(batch_data(view, chain_id, mode, last)?.1.len() + STREAM_PREFIX <= capacity)
    };
    eyre::ensure!(fits(1)?, "one block of the workload does not fit {blobs} blobs");
    if fits(blocks)? {
        return Ok(None);
    }
    let (mut low, mut high) = (1, blocks);
    while low < high {
        let middle = low + (high - low).div_ceil(2);
        if fits(middle)? {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    let started = Instant::now();
    let (payload, data) = batch_data(view, chain_id, mode, low)?;
    let packed = encode_blobs(&data, blobs)?;
    let encode = started.elapsed();
    let started = Instant::now();
    let unpacked = decode_blobs(&packed)?;
    let decompressed = decode_compressed(&unpacked, payload.len())?;
    match mode {
        DaMode::Blocks => _ = decode_blocks(&decompressed)?,
        DaMode::StateDiff => _ = decode_state_diff(&decompressed)?,
    }
    let decode = started.elapsed();
    eyre::ensure!(decompressed == payload, "the blobs decode to another payload");
    Ok(Some(Density {
        blobs,
        transfers: low as usize * block_txs,
        payload_bytes: payload.len(),
        data_bytes: data.len(),
        encode,
        decode,
    }))
}
