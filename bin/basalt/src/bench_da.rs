//! `basalt bench da`: how many transfers one blob carries in each DA mode, on a real L2 chain
//! (ten thousand funded accounts paying random accounts of the same set, ETH or an ERC20 with
//! solc's storage layout), and what encoding and decoding cost per blob (docs/benchmarks.md).

use basalt_batch::{blocks_payload, state_diff_payload};
use basalt_chain::{
    Blockchain,
    workload::{TransferKind, Workload, WorkloadOptions},
};
use basalt_da::{
    DaMode, PAYLOAD_BYTES_PER_BLOB, blob::blobs_needed, decode_blobs, decode_blocks,
    decode_compressed, decode_state_diff, encode_blobs, encode_blocks, encode_compressed,
    encode_state_diff,
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
        let payload = batch_payload(&chain.db().read()?, chain_id, DaMode::Blocks, head)?;
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

/// The payload of blocks `1..=last` in `mode`.
fn batch_payload(view: &ReadView, chain_id: u64, mode: DaMode, last: u64) -> eyre::Result<Vec<u8>> {
    Ok(match mode {
        DaMode::Blocks => encode_blocks(&blocks_payload(view, chain_id, 1, last)?)?,
        DaMode::StateDiff => encode_state_diff(&state_diff_payload(view, chain_id, 1, last)?)?,
    })
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
        let len = encode_compressed(&batch_payload(view, chain_id, mode, last)?).len();
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
        Ok((len, fits(len)))
    })?;
    let started = Instant::now();
    let payload = batch_payload(view, chain_id, mode, last)?;
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

/// The largest block in `low.0..high.0` whose batch fits, given that `low` fits and `high` does
/// not (each a last block and its data length in bytes), as bisection would find it. `probe`
/// answers a last block's data length and whether it fits; `target` is about the length where
/// fitting ends. Each probe compresses megabytes, so probes are placed by interpolating the
/// length (nearly linear in blocks) between the ends of the range, with the Illinois rule
/// against one end getting stuck, and a plain midpoint whenever two probes in a row leave more
/// than half the range: at most about three times bisection's probes, and usually a handful.
fn largest_fitting(
    mut low: (u64, usize),
    mut high: (u64, usize),
    target: usize,
    mut probe: impl FnMut(u64) -> eyre::Result<(usize, bool)>,
) -> eyre::Result<u64> {
    // Signed distance of each end's length from the target (the Illinois rule halves it).
    let excess = |len: usize| len as f64 - target as f64;
    let (mut low_excess, mut high_excess) = (excess(low.1), excess(high.1));
    let mut last_fitted = None;
    let (mut halved_at, mut probes_since_halved) = (high.0 - low.0, 0);
    while high.0 - low.0 > 1 {
        let width = high.0 - low.0;
        let at = if probes_since_halved >= 2 {
            low.0 + width / 2
        } else {
            // Float to integer casts saturate (NaN gives 0), so the clamp bounds any ratio.
            let share = -low_excess / (high_excess - low_excess);
            low.0 + ((share * width as f64) as u64).clamp(1, width - 1)
        };
        let (len, fits) = probe(at)?;
        if fits {
            (low, low_excess) = ((at, len), excess(len));
            if last_fitted == Some(true) {
                high_excess /= 2.0;
            }
        } else {
            (high, high_excess) = ((at, len), excess(len));
            if last_fitted == Some(false) {
                low_excess /= 2.0;
            }
        }
        last_fitted = Some(fits);
        if (high.0 - low.0) * 2 <= halved_at {
            (halved_at, probes_since_halved) = (high.0 - low.0, 0);
        } else {
            probes_since_halved += 1;
        }
    }
    Ok(low.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the search over `1..=blocks` for a monotone `length` and checks it against a scan;
    /// returns the probes it took.
    fn search(blocks: u64, target: usize, length: impl Fn(u64) -> usize) -> usize {
        let fits = |len: usize| len <= target;
        let expected = (1..=blocks).take_while(|&b| fits(length(b))).last().unwrap();
        let mut probes = 0;
        let found = largest_fitting((1, length(1)), (blocks, length(blocks)), target, |b| {
            assert!(1 < b && b < blocks, "probe {b} outside the open range");
            probes += 1;
            Ok((length(b), fits(length(b))))
        })
        .unwrap();
        assert_eq!(found, expected, "target {target}");
        probes
    }

    #[test]
    fn finds_the_boundary_of_a_linear_length_in_few_probes() {
        for target in [1_500, 130_048, 780_288, 4_999_000] {
            assert!(search(5_000, target, |b| 1_000 * b as usize + 37) <= 3);
        }
    }

    #[test]
    fn finds_the_boundary_of_a_concave_length() {
        // Like compression: each block adds less than the one before.
        let length = |b: u64| (20_000.0 * (b as f64).sqrt()) as usize + 3 * b as usize;
        for target in [30_000, 130_048, 780_288, 1_400_000] {
            assert!(search(5_000, target, length) <= 3 * 13, "target {target}");
        }
    }

    #[test]
    fn finds_the_boundary_of_a_lumpy_length_within_three_times_bisection() {
        // Flat runs and jumps, where interpolation guesses badly.
        let length = |b: u64| if b < 4_000 { 10 + (b / 1_000) as usize } else { 1_000_000 };
        for target in [10, 11, 12, 13, 999_999] {
            assert!(search(5_000, target, length) <= 3 * 13, "target {target}");
        }
    }

    #[test]
    fn adjacent_ends_need_no_probe() {
        let found = largest_fitting((7, 100), (8, 200), 150, |_| unreachable!()).unwrap();
        assert_eq!(found, 7);
    }
}
