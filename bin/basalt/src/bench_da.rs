//! `basalt bench da`: how many transfers one blob carries in each DA mode, on a real L2 chain
//! (ten thousand funded accounts paying random accounts of the same set, ETH or an ERC20 with
//! solc's storage layout), and what encoding and decoding cost per blob (docs/benchmarks.md).

use basalt_batch::{batch_payload, largest_fitting};
use basalt_chain::{
    Blockchain,
    workload::{TransferKind, Workload, WorkloadOptions},
};
use basalt_da::{
    DaMode, PAYLOAD_BYTES_PER_BLOB, blob::blobs_needed, decode_blobs, decode_blocks,
    decode_compressed, decode_state_diff, encode_blobs, encode_compressed,
};
use basalt_storage::ReadView;
use eyre::WrapErr;
use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

/// Seed of the random recipients, fixed so runs compare.
const SEED: u64 = 0x5eed;

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
        let (blocks, grown) = grow_until_full(&mut workload, &chain, &args)?;
        eprintln!(
            "{kind:?}: {blocks} blocks of {} transfers in {:.1?}",
            args.block_txs,
            started.elapsed()
        );
        let view = chain.db().read()?;
        let chain_id = chain.config().chain_id;
        for (mode, mut known) in [(DaMode::Blocks, grown), (DaMode::StateDiff, Compressed::new())] {
            let mut full = None;
            for blobs in [1, args.max_blobs] {
                let density =
                    measure(&view, chain_id, mode, blobs, blocks, args.block_txs, &mut known)?;
                let Some(density) = density else {
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

/// Lengths of `encode_compressed` data of batches `1..=last` of one mode, by `last`: each is a
/// brotli-11 pass over up to megabytes of payload, so growing the chain and the searches for
/// both batch sizes share them.
type Compressed = BTreeMap<u64, usize>;

/// Uncompressed blocks-mode payload, as a multiple of the largest batch's capacity, that the
/// chain grows to before it is first compressed. Brotli shrinks this workload's six-blob
/// batches 7.3× (ETH) and 17.6× (ERC20; docs/benchmarks.md), so this usually still fits; it
/// is kept low so that no workload grows far past its fill point (a longer chain makes every
/// later compression slower), and the next step is sized by the ratio just measured.
const FIRST_COMPRESSION_MULTIPLE: usize = 4;
/// How far past the size the last compression ratio predicts the chain grows next: the ratio
/// still rises as the batch grows (addresses repeat more), so aiming at it exactly would
/// undershoot.
const GROWTH_MARGIN: f64 = 1.25;
/// The chain never grows past this many blocks (any workload fills six blobs long before).
const MAX_BLOCKS: u64 = 20_000;

/// Extends the chain until a batch of all its blocks overflows `max_blobs` blobs in blocks
/// mode; returns the number of blocks and the compressed lengths measured on the way. Growth
/// follows the uncompressed payload, which is cheap; compression runs only once it is large
/// enough that it probably overflows, to confirm. (A state diff stops growing once every account
/// has changed, so it may never fill the largest batch: then that row is left out, since any
/// number of further transfers would fit.)
fn grow_until_full(
    workload: &mut Workload,
    chain: &Blockchain,
    args: &DaBenchArgs,
) -> eyre::Result<(u64, Compressed)> {
    let capacity = args.max_blobs * PAYLOAD_BYTES_PER_BLOB;
    let chain_id = chain.config().chain_id;
    let mut target = FIRST_COMPRESSION_MULTIPLE * capacity;
    let mut compressed = Compressed::new();
    let mut more = 100;
    loop {
        workload.extend_chain(chain, more, args.block_txs).wrap_err("building the chain")?;
        let head = chain.head()?.number;
        let payload = batch_payload(&chain.db().read()?, chain_id, DaMode::Blocks, 1, head)?;
        if payload.len() >= target {
            let data = encode_compressed(&payload);
            compressed.insert(head, data.len());
            if blobs_needed(data.len()) > args.max_blobs {
                return Ok((head, compressed));
            }
            target = (payload.len() as f64 * capacity as f64 / data.len() as f64 * GROWTH_MARGIN)
                as usize;
        }
        eyre::ensure!(
            head < MAX_BLOCKS,
            "{MAX_BLOCKS} blocks do not fill {} blobs",
            args.max_blobs
        );
        // Blocks to reach the target at the average block's payload so far. Later blocks add
        // less (their addresses are already indexed), so this undershoots rather than overshoots.
        let per_block = (payload.len() / head as usize).max(1);
        more = (target.saturating_sub(payload.len()).div_ceil(per_block)).max(1);
    }
}

/// The largest batch from block 1 whose data fits `blobs` blobs, with the time to encode it
/// (payload, compression, blobs) and to decode it back; `None` when the whole chain fits (the
/// batch size is not what bounds it). `known` holds the batches of this mode already
/// compressed and gains those this search compresses.
fn measure(
    view: &ReadView,
    chain_id: u64,
    mode: DaMode,
    blobs: usize,
    blocks: u64,
    block_txs: usize,
    known: &mut Compressed,
) -> eyre::Result<Option<Density>> {
    let fits = |len: usize| blobs_needed(len) <= blobs;
    let data_len = |known: &mut Compressed, last: u64| -> eyre::Result<usize> {
        if let Some(&len) = known.get(&last) {
            return Ok(len);
        }
        let len = encode_compressed(&batch_payload(view, chain_id, mode, 1, last)?).len();
        known.insert(last, len);
        Ok(len)
    };
    let first = data_len(known, 1)?;
    eyre::ensure!(fits(first), "one block of the workload does not fit {blobs} blobs");
    let whole = data_len(known, blocks)?;
    if fits(whole) {
        return Ok(None);
    }
    // The tightest range the batches compressed so far give: the first that overflows, and the
    // last below it that fits (block 1 at worst).
    let high = known.range(..=blocks).find(|(_, len)| !fits(**len));
    let high = high.map_or((blocks, whole), |(&b, &len)| (b, len));
    let low = known.range(..high.0).rev().find(|(_, len)| fits(**len));
    let low = low.map_or((1, first), |(&b, &len)| (b, len));
    let target = blobs * PAYLOAD_BYTES_PER_BLOB;
    let last = largest_fitting(low, high, target, |last| {
        let len = data_len(known, last)?;
        Ok::<_, eyre::Report>((len, fits(len)))
    })?;
    let started = Instant::now();
    let payload = batch_payload(view, chain_id, mode, 1, last)?;
    let data = encode_compressed(&payload);
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
        transfers: last as usize * block_txs,
        payload_bytes: payload.len(),
        data_bytes: data.len(),
        encode,
        decode,
    }))
}
