//! Mutational fuzzing of every public decoder of `basalt-da` (docs/da.md, "Fuzzing the
//! decoders"), on the stable toolchain: no coverage instrumentation, a seeded random generator,
//! a seed corpus of real payloads from the crate's own encoders, and an outcome-guided corpus
//! (an input that decodes, or is refused for a reason not seen before, is kept and mutated
//! further).
//!
//! Each decoder must return a value or an error on every input: never panic, and never hold
//! more memory than its input (or its explicit output limit) accounts for, which the global
//! allocator below meters. Whatever decodes must re-encode as the format promises.
//!
//! `BASALT_FUZZ_SECS` (default 3) is the run time over all targets, split evenly;
//! `BASALT_FUZZ_SEED` fixes the seed (default: from the clock, printed on failure);
//! `BASALT_FUZZ_TARGETS` a comma-separated subset of the target names. A failing input is
//! written to `target/tmp/fuzz-crashes/` as hex, one line per part.

mod corpus;
mod meter;
mod mutate;

use alloy_primitives::hex;
use basalt_da::{
    BlocksPayload, DecompressError, StateDiffPayload, decode_blobs, decode_blocks,
    decode_compressed, decode_state_diff, decompress, encode_blobs, encode_blocks,
    encode_compressed_fast, encode_state_diff, varint,
};
use mutate::{Rng, mutate_blobs, mutate_bytes};
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

#[global_allocator]
static METER: meter::Meter = meter::Meter;

/// The most bytes the full path lets a batch's payload decompress to: what a follower would
/// pass to `decode_compressed` (six blobs of brotli data can stand for far more).
const PIPELINE_MAX_PAYLOAD: usize = 16 << 20;

/// What brotli's decoder may hold apart from its output: the 16 MiB ring buffer of the largest
/// standard window, its Huffman tables and the 4 KiB output buffer.
const BROTLI_STATE_BOUND: usize = 20 << 20;

/// Bytes a payload decoder may hold per input byte: a transaction takes 8 bytes at the least
/// and about 250 decoded, a vector's growth doubles that.
const PAYLOAD_BYTES_PER_INPUT_BYTE: usize = 64;

/// Slack for error messages and small tables.
const SMALL: usize = 64 << 10;

/// An input: one byte string, or a list of blobs.
type Input = Vec<Vec<u8>>;

/// Why an input broke a decoder's contract.
type Violation = String;

/// One decoder under test.
struct Target {
    name: &'static str,
    corpus: Vec<Input>,
    /// One decoding of `input`: its outcome (`ok`, or the refusal with numbers elided, which
    /// guides the corpus), the peak allocation and its bound; or a broken contract.
    check: fn(&Input, &mut Rng) -> Result<Checked, Violation>,
    /// A new input from the corpus.
    mutate: fn(&mut Rng, &Input, &[Input]) -> Input,
}

struct Checked {
    outcome: String,
    peak: usize,
    bound: usize,
}

/// An outcome with its numbers elided, so "length 17" and "length 18" count as one.
fn outcome<T, E: std::fmt::Display>(result: &Result<T, E>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => e.to_string().chars().filter(|c| !c.is_ascii_digit()).collect(),
    }
}

fn within(peak: usize, bound: usize, what: &str) -> Result<(), Violation> {
    if peak > bound {
        return Err(format!("{what} held {peak} bytes, above its bound of {bound}"));
    }
    Ok(())
}

fn check_varint(input: &Input, _: &mut Rng) -> Result<Checked, Violation> {
    let bytes = &input[0];
    let bits = u32::from(bytes.first().copied().unwrap_or(64));
    let data = bytes.get(1..).unwrap_or_default();
    let mut rest = data;
    let (result, peak) = meter::measure(|| varint::take(&mut rest, bits));
    if let Ok(value) = result {
        let mut canonical = Vec::new();
        varint::put(&mut canonical, value);
        let consumed = &data[..data.len() - rest.len()];
        if consumed != canonical {
            return Err(format!("{value} read from {} is not its encoding", hex::encode(consumed)));
        }
        if bits < 128 && value >> bits != 0 {
            return Err(format!("{value} is wider than {bits} bits"));
        }
    }
    Ok(Checked { outcome: outcome(&result), peak, bound: 0 })
}

fn check_blobs(input: &Input, _: &mut Rng) -> Result<Checked, Violation> {
    let (result, peak) = meter::measure(|| decode_blobs(input));
    let total: usize = input.iter().map(Vec::len).sum();
    let bound = 2 * total + SMALL;
    if let Ok(payload) = &result {
        // One payload, one encoding: the blobs are exactly what the encoder writes.
        match encode_blobs(payload, input.len()) {
            Ok(blobs) if blobs == *input => {}
            _ => return Err("decoded blobs are not the payload's encoding".into()),
        }
    }
    Ok(Checked { outcome: outcome(&result), peak, bound })
}

/// An output limit for a decompression: tight, loose, or the follower's.
fn limit(rng: &mut Rng, len: usize) -> usize {
    match rng.below(4) {
        0 => rng.below(len.saturating_mul(8) + 64),
        1 => len.saturating_mul(20),
        2 => 1 << 20,
        _ => PIPELINE_MAX_PAYLOAD,
    }
}

fn brotli_bound(max: usize) -> usize {
    2 * (max + 4_096) + BROTLI_STATE_BOUND
}

/// One bounded decompression of `input` by `decode` under a random output limit. What holds
/// for any output: it fits the limit, it comes back through the encoder, and its length is the
/// tightest limit `decode` accepts.
fn check_bounded(
    input: &[u8],
    rng: &mut Rng,
    decode: impl Fn(usize) -> Result<Vec<u8>, DecompressError>,
) -> Result<Checked, Violation> {
    let max = limit(rng, input.len());
    let (result, peak) = meter::measure(|| decode(max));
    if let Ok(payload) = &result {
        if payload.len() > max {
            return Err(format!("{} bytes out under a limit of {max}", payload.len()));
        }
        if decode(payload.len()).as_ref() != Ok(payload) {
            return Err("refused at a limit equal to its own output".into());
        }
        if !payload.is_empty()
            && !matches!(decode(payload.len() - 1), Err(DecompressError::TooLarge { .. }))
        {
            return Err("not refused at a limit one byte below its output".into());
        }
        if payload.len() <= 1 << 20 {
            let again = decode_compressed(&encode_compressed_fast(payload), payload.len());
            if again.as_ref() != Ok(payload) {
                return Err("the payload does not come back through the encoder".into());
            }
        }
    }
    Ok(Checked { outcome: outcome(&result), peak, bound: brotli_bound(max) })
}

fn check_decompress(input: &Input, rng: &mut Rng) -> Result<Checked, Violation> {
    check_bounded(&input[0], rng, |max| decompress(&input[0], max))
}

fn check_compressed(input: &Input, rng: &mut Rng) -> Result<Checked, Violation> {
    let data = &input[0];
    if data.first() == Some(&0) {
        // Raw data is itself, whatever the limit.
        if let Ok(payload) = decode_compressed(data, usize::MAX)
            && payload[..] != data[1..]
        {
            return Err("raw data did not decode to itself".into());
        }
    }
    check_bounded(data, rng, |max| decode_compressed(data, max))
}

/// A decoded blocks payload re-encodes, decodes back to itself, and its encoding is a fixed
/// point (the input itself may be one of several byte strings for the same payload).
fn blocks_round_trip(payload: &BlocksPayload) -> Result<(), Violation> {
    let bytes =
        encode_blocks(payload).map_err(|e| format!("a decoded payload does not encode: {e}"))?;
    match decode_blocks(&bytes) {
        Ok(again) if again == *payload => {}
        other => return Err(format!("re-encoded payload decodes differently: {other:?}")),
    }
    Ok(())
}

/// A decoded state diff re-encodes to exactly its input: one meaning per byte string.
fn state_diff_round_trip(payload: &StateDiffPayload, input: &[u8]) -> Result<(), Violation> {
    match encode_state_diff(payload) {
        Ok(bytes) if bytes == input => Ok(()),
        Ok(_) => Err("a decoded state diff re-encodes to other bytes".into()),
        Err(e) => Err(format!("a decoded state diff does not encode: {e}")),
    }
}

/// Both payload decoders on `bytes` (a mutated mode byte sends an input to the other one);
/// the outcome is the one of `primary`'s.
fn check_payload(bytes: &[u8], blocks_first: bool) -> Result<Checked, Violation> {
    let (blocks, blocks_peak) = meter::measure(|| decode_blocks(bytes));
    let (diff, diff_peak) = meter::measure(|| decode_state_diff(bytes));
    if let Ok(payload) = &blocks {
        blocks_round_trip(payload)?;
    }
    if let Ok(payload) = &diff {
        state_diff_round_trip(payload, bytes)?;
    }
    Ok(Checked {
        outcome: if blocks_first { outcome(&blocks) } else { outcome(&diff) },
        peak: blocks_peak.max(diff_peak),
        bound: PAYLOAD_BYTES_PER_INPUT_BYTE * bytes.len() + SMALL,
    })
}

fn check_blocks(input: &Input, _: &mut Rng) -> Result<Checked, Violation> {
    check_payload(&input[0], true)
}

fn check_state_diff(input: &Input, _: &mut Rng) -> Result<Checked, Violation> {
    check_payload(&input[0], false)
}

/// A payload read from L1 data, in either mode.
#[derive(Debug, PartialEq)]
enum Decoded {
    Blocks(BlocksPayload),
    StateDiff(StateDiffPayload),
}

/// The follower's whole path: blobs, then the batch data, then the payload; with the lengths
/// of the data and the payload, as far as it got.
fn read_batch(blobs: &[Vec<u8>]) -> (Result<Decoded, String>, usize, usize) {
    let data = match decode_blobs(blobs) {
        Ok(data) => data,
        Err(e) => return (Err(format!("blobs: {e}")), 0, 0),
    };
    let payload = match decode_compressed(&data, PIPELINE_MAX_PAYLOAD) {
        Ok(payload) => payload,
        Err(e) => return (Err(format!("data: {e}")), data.len(), 0),
    };
    let decoded = match decode_blocks(&payload) {
        Ok(blocks) => Ok(Decoded::Blocks(blocks)),
        Err(blocks_error) => match decode_state_diff(&payload) {
            Ok(diff) => Ok(Decoded::StateDiff(diff)),
            Err(diff_error) => Err(format!("payload: {blocks_error} / {diff_error}")),
        },
    };
    (decoded, data.len(), payload.len())
}

fn check_pipeline(input: &Input, _: &mut Rng) -> Result<Checked, Violation> {
    let ((result, data_len, payload_len), peak) = meter::measure(|| read_batch(input));
    let blobs: usize = input.iter().map(Vec::len).sum();
    let payload_max = if data_len > 0 { PIPELINE_MAX_PAYLOAD } else { 0 };
    let bound = 2 * blobs
        + data_len
        + brotli_bound(payload_max)
        + PAYLOAD_BYTES_PER_INPUT_BYTE * payload_len
        + SMALL;
    if let Ok(decoded) = &result {
        // The payload, written again and packed again, reads back the same.
        let payload = match decoded {
            Decoded::Blocks(p) => encode_blocks(p).map_err(|e| e.to_string())?,
            Decoded::StateDiff(p) => encode_state_diff(p).map_err(|e| e.to_string())?,
        };
        if let Ok(blobs) = encode_blobs(&encode_compressed_fast(&payload), 6) {
            let (again, _, _) = read_batch(&blobs);
            if again.as_ref() != Ok(decoded) {
                return Err("the batch read back differs once packed again".into());
            }
        }
    }
    Ok(Checked { outcome: outcome(&result), peak, bound })
}

/// Inputs grow by insertions and splices; past this they are cut back.
const MAX_INPUT: usize = 1 << 20;

/// 1 to 4 stacked edits, fewer more often.
fn edits(rng: &mut Rng) -> usize {
    1 + rng.below(4).min(rng.below(4))
}

fn mutate_one_string(rng: &mut Rng, base: &Input, corpus: &[Input]) -> Input {
    let others: Vec<&[u8]> = corpus.iter().map(|input| &input[0][..]).collect();
    let mut bytes = base[0].clone();
    for _ in 0..edits(rng) {
        mutate_bytes(rng, &mut bytes, &others);
    }
    bytes.truncate(MAX_INPUT);
    vec![bytes]
}

fn mutate_varint(rng: &mut Rng, base: &Input, corpus: &[Input]) -> Input {
    let mut input = mutate_one_string(rng, base, corpus);
    if rng.one_in(4) {
        // Any bit width, the ones past 128 included.
        let bits = rng.byte();
        match input[0].first_mut() {
            Some(first) => *first = bits,
            None => input[0].push(bits),
        }
    }
    input
}

fn mutate_blob_list(rng: &mut Rng, base: &Input, corpus: &[Input]) -> Input {
    let others: Vec<&[Vec<u8>]> = corpus.iter().map(|input| &input[..]).collect();
    let mut blobs = base.clone();
    for _ in 0..edits(rng) {
        mutate_blobs(rng, &mut blobs, &others);
    }
    blobs.truncate(8);
    blobs
}

/// Edits at one of three depths, each packed again into valid blobs where it is not the blobs
/// themselves: the blobs, the batch data inside them, or the payload inside that.
fn mutate_pipeline(rng: &mut Rng, base: &Input, corpus: &[Input]) -> Input {
    let Ok(data) = decode_blobs(base) else { return mutate_blob_list(rng, base, corpus) };
    // Another input to splice from (unpacking blobs dominates this target's time).
    let inner: Vec<Vec<u8>> = decode_blobs(rng.pick(corpus).as_slice()).into_iter().collect();
    let mut others: Vec<&[u8]> = inner.iter().map(|d| &d[..]).collect();
    others.push(&data);
    let packed = match rng.below(3) {
        0 => return mutate_blob_list(rng, base, corpus),
        1 => {
            let mut data = data.clone();
            for _ in 0..edits(rng) {
                mutate_bytes(rng, &mut data, &others);
            }
            data
        }
        _ => {
            let Ok(mut payload) = decode_compressed(&data, PIPELINE_MAX_PAYLOAD) else {
                return mutate_blob_list(rng, base, corpus);
            };
            let payloads: Vec<Vec<u8>> = inner
                .iter()
                .filter_map(|d| decode_compressed(d, PIPELINE_MAX_PAYLOAD).ok())
                .collect();
            let mut others: Vec<&[u8]> = payloads.iter().map(|p| &p[..]).collect();
            others.push(&data[1..]);
            for _ in 0..edits(rng) {
                mutate_bytes(rng, &mut payload, &others);
            }
            if rng.one_in(2) {
                encode_compressed_fast(&payload)
            } else {
                let mut raw = vec![0];
                raw.extend(payload);
                raw
            }
        }
    };
    encode_blobs(&packed, 6).unwrap_or_else(|_| base.clone())
}

fn targets() -> Vec<Target> {
    let payloads = corpus::payloads();
    let data = corpus::compressed(&payloads);
    let blobs = corpus::blob_lists(&data, &payloads);
    let strings = |list: &[Vec<u8>]| list.iter().map(|bytes| vec![bytes.clone()]).collect();
    let varints = [0u128, 1, 127, 128, 300, u64::MAX.into(), u128::from(u64::MAX) + 1, u128::MAX]
        .into_iter()
        .flat_map(|value| {
            [32u8, 64, 128].map(|bits| {
                let mut bytes = vec![bits];
                varint::put(&mut bytes, value);
                vec![bytes]
            })
        })
        .collect();
    vec![
        Target { name: "varint", corpus: varints, check: check_varint, mutate: mutate_varint },
        Target {
            name: "blobs",
            corpus: blobs.clone(),
            check: check_blobs,
            mutate: mutate_blob_list,
        },
        Target {
            name: "decompress",
            corpus: strings(&corpus::brotli_streams(&payloads)),
            check: check_decompress,
            mutate: mutate_one_string,
        },
        Target {
            name: "compressed",
            corpus: strings(&data),
            check: check_compressed,
            mutate: mutate_one_string,
        },
        Target {
            name: "blocks",
            corpus: strings(&payloads.blocks),
            check: check_blocks,
            mutate: mutate_one_string,
        },
        Target {
            name: "state-diff",
            corpus: strings(&payloads.state_diffs),
            check: check_state_diff,
            mutate: mutate_one_string,
        },
        Target { name: "pipeline", corpus: blobs, check: check_pipeline, mutate: mutate_pipeline },
    ]
}

/// What one target's run did.
struct Report {
    iterations: u64,
    decoded: u64,
    outcomes: usize,
    corpus: usize,
    peak: usize,
    /// The largest share of its allocation bound an input used, in percent.
    peak_share: f64,
    slowest: Duration,
}

/// The corpus keeps at most this many inputs (seeds are never dropped).
const MAX_CORPUS: usize = 1_024;

fn fuzz(target: &mut Target, seed: u64, run_for: Duration) -> Result<Report, String> {
    let mut rng = Rng::new(seed);
    let seeds = target.corpus.len();
    let mut seen: HashSet<String> = HashSet::new();
    let mut report = Report {
        iterations: 0,
        decoded: 0,
        outcomes: 0,
        corpus: 0,
        peak: 0,
        peak_share: 0.0,
        slowest: Duration::ZERO,
    };
    // The seeds first, unmutated: each must decode.
    let mut pending: Vec<Input> = target.corpus.clone();
    let deadline = Instant::now() + run_for;
    loop {
        let input = match pending.pop() {
            Some(input) => input,
            None if Instant::now() >= deadline => break,
            None => {
                let base = &target.corpus[rng.below(target.corpus.len())];
                (target.mutate)(&mut rng, base, &target.corpus)
            }
        };
        let started = Instant::now();
        let checked = catch_unwind(AssertUnwindSafe(|| (target.check)(&input, &mut rng)));
        report.slowest = report.slowest.max(started.elapsed());
        report.iterations += 1;
        let checked = match checked {
            Ok(Ok(checked)) => checked,
            Ok(Err(violation)) => {
                return Err(failure(target.name, seed, &report, &input, &violation));
            }
            Err(_) => return Err(failure(target.name, seed, &report, &input, "panicked")),
        };
        if target.name != "varint" || checked.bound > 0 || checked.peak > 0 {
            within(checked.peak, checked.bound, target.name)
                .map_err(|v| failure(target.name, seed, &report, &input, &v))?;
        }
        report.peak = report.peak.max(checked.peak);
        if checked.bound > 0 {
            report.peak_share =
                report.peak_share.max(100.0 * checked.peak as f64 / checked.bound as f64);
        }
        let ok = checked.outcome == "ok";
        report.decoded += u64::from(ok);
        let novel = seen.insert(checked.outcome);
        if report.iterations as usize > seeds && (novel || (ok && rng.one_in(8))) {
            if target.corpus.len() < MAX_CORPUS {
                target.corpus.push(input);
            } else {
                let at = seeds + rng.below(MAX_CORPUS - seeds);
                target.corpus[at] = input;
            }
        }
    }
    report.outcomes = seen.len();
    report.corpus = target.corpus.len();
    Ok(report)
}

/// Writes the failing input under `target/tmp/fuzz-crashes/` and says how to find it again.
fn failure(target: &str, seed: u64, report: &Report, input: &Input, what: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashes");
    let file = dir.join(format!("{target}-{seed}-{}.hex", report.iterations));
    let text: String = input.iter().map(|part| hex::encode(part) + "\n").collect();
    let saved = match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&file, &text)) {
        Ok(()) => format!("saved in {}", file.display()),
        Err(e) => format!("not saved: {e}"),
    };
    let shown = if text.len() <= 2_048 { text.trim_end() } else { "(long)" };
    format!(
        "{target}: {what} on iteration {} (BASALT_FUZZ_SEED={seed}); input {saved}: {shown}",
        report.iterations,
    )
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value.parse().unwrap_or_else(|_| panic!("{name}={value} does not parse")),
        Err(_) => default,
    }
}

#[test]
fn every_decoder_returns_a_value_or_an_error_on_mutated_payloads() {
    let seconds: f64 = env_or("BASALT_FUZZ_SECS", 3.0);
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let seed: u64 = env_or("BASALT_FUZZ_SEED", clock);
    let only = std::env::var("BASALT_FUZZ_TARGETS").ok();
    let mut targets: Vec<Target> = targets()
        .into_iter()
        .filter(|t| only.as_deref().is_none_or(|only| only.split(',').any(|n| n == t.name)))
        .collect();
    assert!(!targets.is_empty(), "BASALT_FUZZ_TARGETS names no target");
    let each = Duration::from_secs_f64(seconds / targets.len() as f64);
    println!("seed {seed}, {seconds} s over {} targets", targets.len());
    for (i, target) in targets.iter_mut().enumerate() {
        let report =
            fuzz(target, seed.wrapping_add(i as u64), each).unwrap_or_else(|e| panic!("{e}"));
        println!(
            "{:<10} {:>10} iterations, {:>8} decoded, {:>3} outcomes, corpus {:>4}, peak {:>6} KiB \
             ({:.1}% of its bound), slowest {:?}",
            target.name,
            report.iterations,
            report.decoded,
            report.outcomes,
            report.corpus,
            report.peak >> 10,
            report.peak_share,
            report.slowest,
        );
    }
}

/// The densest payloads there are (a transaction or a slot in as few bytes as the format
/// allows, a block with nothing in it) decode within [`PAYLOAD_BYTES_PER_INPUT_BYTE`]: the
/// bound the fuzz targets check is one that real input can reach, not a guess.
#[test]
fn the_densest_payloads_decode_within_the_allocation_bound() {
    use alloy_consensus::TxLegacy;
    use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
    use basalt_da::{
        AccountDiff, Change, PayloadBlock, SenderTransaction, SlotDiff, SlotKey,
        UnsignedTransaction,
    };
    let fees = basalt_primitives::FeeConfig {
        base_fee_vault: None,
        operator_fee_vault: None,
        operator_fee_per_gas: 0,
        l1_fee_vault: Address::ZERO,
        l1_fee_scalar: 0,
        l1_blob_base_fee: 0,
        elasticity_multiplier: 0,
        base_fee_max_change_denominator: 0,
    };
    // Eight bytes each: type, sender, nonce, gas, price, recipient form, value, input length.
    let create = SenderTransaction {
        sender: Address::ZERO,
        transaction: UnsignedTransaction::Legacy(TxLegacy {
            chain_id: None,
            nonce: 0,
            gas_price: 0,
            gas_limit: 0,
            to: TxKind::Create,
            value: U256::ZERO,
            input: Bytes::new(),
        }),
    };
    let block = PayloadBlock {
        timestamp: 0,
        gas_limit: 0,
        beneficiary: Address::ZERO,
        fees,
        transactions_root: B256::ZERO,
        privileged_count: 0,
        transactions: vec![],
    };
    let batch = |blocks| BlocksPayload { chain_id: 0, first_block: 0, blocks };
    let full = PayloadBlock { transactions: vec![create; 100_000], ..block.clone() };
    let mut slots: Vec<SlotDiff> = (0..100_000)
        .map(|slot| SlotDiff {
            key: SlotKey::Mapping { key: Address::ZERO, slot },
            value: Change::Set(U256::ZERO),
        })
        .collect();
    slots.sort_by_key(|slot| slot.key.resolve());
    let diff = StateDiffPayload {
        chain_id: 0,
        first_block: 0,
        block_count: 1,
        accounts: vec![AccountDiff {
            address: Address::ZERO,
            storage: slots,
            ..Default::default()
        }],
        l1_messages: vec![],
    };
    for (name, bytes) in [
        ("transactions", encode_blocks(&batch(vec![full])).unwrap()),
        ("empty blocks", encode_blocks(&batch(vec![block; 100_000])).unwrap()),
        ("slots", encode_state_diff(&diff).unwrap()),
    ] {
        let (blocks, blocks_peak) = meter::measure(|| decode_blocks(&bytes));
        let (diff, diff_peak) = meter::measure(|| decode_state_diff(&bytes));
        assert!(blocks.is_ok() || diff.is_ok(), "{name}");
        let peak = blocks_peak.max(diff_peak);
        assert!(
            peak <= PAYLOAD_BYTES_PER_INPUT_BYTE * bytes.len(),
            "{name}: {peak} bytes held for {} of input",
            bytes.len()
        );
    }
}
