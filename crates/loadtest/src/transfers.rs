//! The timed transfer load: pre-signed transfers go out as batched `eth_sendRawTransaction`
//! requests with a bounded number in flight, while a watcher polls for new blocks and notes
//! when each transaction first appears in one. Signing and encoding happen before the clock
//! starts, so the figures measure the node, not this client.

use crate::{
    LoadtestArgs, TransferKind,
    accounts::{Account, SignedTx, recipient_address},
    rpc::{BatchAnswer, BlockSummary, PreparedBatch, RpcClient, RpcError},
    setup::{self, ChainParams, TRANSFER_AMOUNT},
    stats::Latency,
    token,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use eyre::{WrapErr, bail, eyre};
use serde::Serialize;
use serde_json::json;
use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::task::JoinSet;

/// How often the watcher asks for the head. Inclusion times are accurate to about this much.
const WATCH_POLL: Duration = Duration::from_millis(10);
/// Distinct send-error messages kept for the report (all errors are counted).
const ERRORS_SHOWN: usize = 5;

/// The outcome of a transfer load test.
#[derive(Debug, Clone, Serialize)]
pub struct TransferReport {
    pub kind: TransferKind,
    pub rpc_url: String,
    pub chain_id: u64,
    /// Senders that signed transfers (`--senders`, or fewer if there are fewer transfers).
    pub senders: usize,
    pub batch_size: usize,
    pub concurrency: usize,
    pub max_fee_per_gas: u128,
    /// The token contract, in ERC20 runs.
    pub token: Option<Address>,
    /// Transfers submitted (`--txs`).
    pub txs: usize,
    /// Transfers the node accepted (`eth_sendRawTransaction` returned their hash).
    pub sent: usize,
    /// Transfers the node rejected, or whose request failed.
    pub send_errors: usize,
    /// The first few distinct error messages, with how often each occurred.
    pub errors: Vec<ErrorCount>,
    /// Transfers seen in a block.
    pub included: usize,
    /// Blocks containing at least one of the transfers.
    pub blocks_used: usize,
    pub first_block: Option<u64>,
    pub last_block: Option<u64>,
    /// From the first send to the last answer of `eth_sendRawTransaction`.
    pub send_secs: f64,
    /// Transfers submitted per second of `send_secs`.
    pub send_rate: f64,
    /// From the first send until the block holding the last transfer was first seen.
    pub wall_secs: f64,
    /// `included / wall_secs`.
    pub included_tps: f64,
    /// From a transfer's batch request to the first sight of its block.
    pub latency: Option<Latency>,
    /// Gas used by the blocks in `blocks_used` (only our transfers on a dedicated node).
    pub gas_used: u64,
    pub gas_per_second: f64,
}

/// One distinct send-error message.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorCount {
    pub message: String,
    pub count: usize,
    /// Index of the first transfer that got it.
    pub first_tx: usize,
}

/// Runs the whole test: setup (untimed), signing (untimed), then the timed send-and-watch.
/// Waits (polling every 2 ms) until the head moves past `current`; returns the new head.
async fn next_block(rpc: &RpcClient, current: u64) -> eyre::Result<u64> {
    const WAIT: Duration = Duration::from_secs(30);
    let deadline = Instant::now() + WAIT;
    loop {
        let head = rpc.block_number().await?;
        if head > current {
            return Ok(head);
        }
        if Instant::now() > deadline {
            bail!(
                "no new block on {} within {} s; --start-after-block needs a node that mines on an interval",
                rpc.url(),
                WAIT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

pub async fn run_transfers(args: &LoadtestArgs) -> eyre::Result<TransferReport> {
    check_args(args)?;
    let timeout = Duration::from_secs(args.timeout_secs);
    let rpc = RpcClient::new(&args.rpc_url, timeout)?;
    let params = setup::chain_params(&rpc).await?;
    let mut funder =
        Account::new(args.funder_key, 0).map_err(|e| eyre!("invalid --funder-key: {e}"))?;
    funder.nonce = rpc.pending_nonce(funder.address).await?;
    let funded =
        setup::fund_senders(&rpc, &params, &mut funder, args, Instant::now() + timeout).await?;

    let txs = sign_transfers(&params, funded.senders, args.txs, funded.token)?;
    let index: HashMap<B256, usize> = txs.iter().enumerate().map(|(i, tx)| (tx.hash, i)).collect();
    if index.len() != txs.len() {
        bail!("two transfers share a hash; the node would drop one");
    }
    let batches: Arc<Vec<Batch>> = Arc::new(
        txs.chunks(args.batch_size)
            .enumerate()
            .map(|(b, chunk)| Batch::encode(b * args.batch_size, chunk))
            .collect::<Result<_, _>>()?,
    );
    let mut start_block = rpc.block_number().await?;
    if args.start_after_block {
        start_block = next_block(&rpc, start_block).await?;
    }

    let start = Instant::now();
    let deadline = start + timeout;
    let mut sending = tokio::spawn(send_all(rpc.clone(), Arc::clone(&batches), args.concurrency));
    let mut watcher = Watcher::new(start_block, index);
    let tally = loop {
        watcher.poll(&rpc).await?;
        if sending.is_finished() {
            let outcomes = (&mut sending).await.wrap_err("the sending task failed")??;
            break tally(&batches, &txs, outcomes);
        }
        if Instant::now() > deadline {
            sending.abort();
            bail!("timed out after {} s while still sending to {}", args.timeout_secs, rpc.url());
        }
        tokio::time::sleep(WATCH_POLL).await;
    };
    loop {
        let missing = tally.accepted.iter().filter(|&&i| watcher.inclusion[i].is_none()).count();
        if missing == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "timed out after {} s: {missing} of {} accepted transfers not included on {} \
                 ({} included{}); is the node mining?",
                args.timeout_secs,
                tally.accepted.len(),
                rpc.url(),
                watcher.included,
                describe_errors(&tally.errors, args.txs - tally.accepted.len())
            );
        }
        tokio::time::sleep(WATCH_POLL).await;
        watcher.poll(&rpc).await?;
    }
    Ok(report(args, &params, funded.token, start, &tally, &watcher, &rpc))
}

fn check_args(args: &LoadtestArgs) -> eyre::Result<()> {
    for (name, value) in [
        ("--txs", args.txs),
        ("--senders", args.senders),
        ("--concurrency", args.concurrency),
        ("--batch-size", args.batch_size),
    ] {
        if value == 0 {
            bail!("{name} must be at least 1");
        }
    }
    if args.timeout_secs == 0 {
        bail!("--timeout must be at least 1 second");
    }
    Ok(())
}

/// Transfer `i` goes from sender `i mod senders` (nonces in order) to `recipient_address(i)`.
fn sign_transfers(
    params: &ChainParams,
    mut senders: Vec<Account>,
    count: usize,
    token: Option<Address>,
) -> eyre::Result<Vec<SignedTx>> {
    let amount = U256::from(TRANSFER_AMOUNT);
    let sender_count = senders.len();
    (0..count)
        .map(|i| {
            let sender = &mut senders[i % sender_count];
            let recipient = recipient_address(i);
            match token {
                None => sender.sign(
                    params.chain_id,
                    TxKind::Call(recipient),
                    amount,
                    Bytes::new(),
                    params.eth_transfer_gas(),
                    params.fees,
                ),
                Some(token) => sender.sign(
                    params.chain_id,
                    TxKind::Call(token),
                    U256::ZERO,
                    token::transfer_calldata(recipient, amount),
                    params.token_transfer_gas(),
                    params.fees,
                ),
            }
        })
        .collect()
}

/// One JSON-RPC batch request, encoded ahead of time. Request ids are transfer indexes.
struct Batch {
    first: usize,
    len: usize,
    prepared: PreparedBatch,
}

impl Batch {
    fn encode(first: usize, txs: &[SignedTx]) -> Result<Self, RpcError> {
        let params: Vec<serde_json::Value> = txs.iter().map(|tx| json!([tx.raw])).collect();
        let prepared = PreparedBatch::new("eth_sendRawTransaction", first as u64, &params)?;
        Ok(Self { first, len: txs.len(), prepared })
    }
}

/// What happened to one batch request.
struct BatchOutcome {
    batch: usize,
    sent_at: Instant,
    answered_at: Instant,
    answer: Result<Vec<BatchAnswer>, RpcError>,
}

/// Sends every batch, `concurrency` requests at a time, each worker taking the next unsent one.
async fn send_all(
    rpc: RpcClient,
    batches: Arc<Vec<Batch>>,
    concurrency: usize,
) -> eyre::Result<Vec<BatchOutcome>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.min(batches.len()) {
        let (rpc, batches, next) = (rpc.clone(), Arc::clone(&batches), Arc::clone(&next));
        workers.spawn(async move {
            let mut outcomes = Vec::new();
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = batches.get(b) else { break outcomes };
                let method = "eth_sendRawTransaction";
                let sent_at = Instant::now();
                let answer = rpc.send_prepared(&batch.prepared, method).await;
                outcomes.push(BatchOutcome {
                    batch: b,
                    sent_at,
                    answered_at: Instant::now(),
                    answer,
                });
            }
        });
    }
    let mut all = Vec::with_capacity(batches.len());
    while let Some(joined) = workers.join_next().await {
        all.extend(joined.map_err(|e| eyre!("a sending worker failed: {e}"))?);
    }
    Ok(all)
}

/// The sending side's result, per transfer.
struct Tally {
    /// When each accepted transfer's batch request was issued.
    sent_at: Vec<Option<Instant>>,
    accepted: Vec<usize>,
    errors: Vec<ErrorCount>,
    error_total: usize,
    last_answer: Option<Instant>,
}

fn tally(batches: &[Batch], txs: &[SignedTx], outcomes: Vec<BatchOutcome>) -> Tally {
    let mut tally = Tally {
        sent_at: vec![None; txs.len()],
        accepted: Vec::with_capacity(txs.len()),
        errors: Vec::new(),
        error_total: 0,
        last_answer: None,
    };
    for outcome in outcomes {
        let batch = &batches[outcome.batch];
        tally.last_answer = tally.last_answer.max(Some(outcome.answered_at));
        let range = batch.first..batch.first + batch.len;
        let mut answered = vec![false; batch.len];
        match outcome.answer {
            Err(error) => {
                for i in range {
                    tally.error(i, error.to_string());
                }
                continue;
            }
            Ok(responses) => {
                for response in responses {
                    let Some(i) = response.id.map(|i| i as usize) else { continue };
                    if !range.contains(&i) || answered[i - batch.first] {
                        continue;
                    }
                    answered[i - batch.first] = true;
                    match response.result {
                        Err(error) => {
                            tally.error(i, format!("{} (code {})", error.message, error.code))
                        }
                        Ok(raw) => match serde_json::from_str::<B256>(raw.get()) {
                            Ok(hash) if hash == txs[i].hash => {
                                tally.sent_at[i] = Some(outcome.sent_at);
                                tally.accepted.push(i);
                            }
                            _ => tally.error(
                                i,
                                format!("answered {} instead of the hash {}", raw, txs[i].hash),
                            ),
                        },
                    }
                }
            }
        }
        for (k, _) in answered.iter().enumerate().filter(|(_, a)| !**a) {
            tally.error(batch.first + k, "no answer for it in the batch response".into());
        }
    }
    tally.accepted.sort_unstable();
    tally
}

impl Tally {
    fn error(&mut self, tx: usize, message: String) {
        self.error_total += 1;
        if let Some(seen) = self.errors.iter_mut().find(|e| e.message == message) {
            seen.count += 1;
        } else if self.errors.len() < ERRORS_SHOWN {
            self.errors.push(ErrorCount { message, count: 1, first_tx: tx });
        }
    }
}

/// Follows the chain from `start_block` and records when each of our transfers first appears.
struct Watcher {
    next_block: u64,
    index: HashMap<B256, usize>,
    /// When the block holding each transfer was first seen, and its number.
    inclusion: Vec<Option<(Instant, u64)>>,
    included: usize,
    /// Gas used by each block that holds at least one of our transfers.
    blocks: BTreeMap<u64, u64>,
}

impl Watcher {
    fn new(start_block: u64, index: HashMap<B256, usize>) -> Self {
        let count = index.len();
        Self {
            next_block: start_block + 1,
            index,
            inclusion: vec![None; count],
            included: 0,
            blocks: BTreeMap::new(),
        }
    }

    async fn poll(&mut self, rpc: &RpcClient) -> eyre::Result<()> {
        let head = rpc.block_number().await?;
        // The blocks are first known to exist now, whatever it takes to fetch their bodies.
        let seen = Instant::now();
        let numbers: Vec<u64> = (self.next_block..=head).collect();
        for chunk in numbers.chunks(50) {
            let params: Vec<serde_json::Value> =
                chunk.iter().map(|n| json!([format!("{n:#x}"), false])).collect();
            let results = rpc.batch("eth_getBlockByNumber", &params).await?;
            for (number, result) in chunk.iter().zip(results) {
                let value = result.map_err(|m| {
                    eyre!("eth_getBlockByNumber({number}) failed on {}: {m}", rpc.url())
                })?;
                let block: Option<BlockSummary> = serde_json::from_value(value)
                    .map_err(|e| rpc.malformed("eth_getBlockByNumber", e))?;
                let block = block.ok_or_else(|| {
                    eyre!("{} reported head {head} but has no block {number}", rpc.url())
                })?;
                self.record(&block, seen);
            }
        }
        self.next_block = self.next_block.max(head + 1);
        Ok(())
    }

    fn record(&mut self, block: &BlockSummary, seen: Instant) {
        let number: u64 = block.number.to();
        for hash in &block.transactions {
            if let Some(&i) = self.index.get(hash)
                && self.inclusion[i].is_none()
            {
                self.inclusion[i] = Some((seen, number));
                self.included += 1;
                self.blocks.insert(number, block.gas_used.to());
            }
        }
    }
}

fn report(
    args: &LoadtestArgs,
    params: &ChainParams,
    token: Option<Address>,
    start: Instant,
    tally: &Tally,
    watcher: &Watcher,
    rpc: &RpcClient,
) -> TransferReport {
    let secs = |at: Instant| at.duration_since(start).as_secs_f64();
    let per_second = |amount: f64, secs: f64| if secs > 0.0 { amount / secs } else { 0.0 };
    let send_secs = tally.last_answer.map_or(0.0, secs);
    let last_seen = watcher.inclusion.iter().flatten().map(|(at, _)| *at).max();
    let wall_secs = last_seen.map_or(0.0, secs);
    let mut latencies: Vec<f64> = watcher
        .inclusion
        .iter()
        .zip(&tally.sent_at)
        .filter_map(|(included, sent)| {
            Some(included.as_ref()?.0.duration_since((*sent)?).as_secs_f64() * 1000.0)
        })
        .collect();
    let gas_used: u64 = watcher.blocks.values().sum();
    TransferReport {
        kind: args.kind,
        rpc_url: rpc.url().to_string(),
        chain_id: params.chain_id,
        senders: args.senders.min(args.txs),
        batch_size: args.batch_size,
        concurrency: args.concurrency,
        max_fee_per_gas: params.fees.max_fee_per_gas,
        token,
        txs: args.txs,
        sent: tally.accepted.len(),
        send_errors: tally.error_total,
        errors: tally.errors.clone(),
        included: watcher.included,
        blocks_used: watcher.blocks.len(),
        first_block: watcher.blocks.keys().next().copied(),
        last_block: watcher.blocks.keys().next_back().copied(),
        send_secs,
        send_rate: per_second(args.txs as f64, send_secs),
        wall_secs,
        included_tps: per_second(watcher.included as f64, wall_secs),
        latency: Latency::of(&mut latencies),
        gas_used,
        gas_per_second: per_second(gas_used as f64, wall_secs),
    }
}

/// ", N send errors, first: ..." or nothing.
fn describe_errors(errors: &[ErrorCount], total: usize) -> String {
    match errors.first() {
        None => String::new(),
        Some(first) => format!(", {total} send errors, first: {}", first.message),
    }
}

impl fmt::Display for TransferReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blocks = match (self.first_block, self.last_block) {
            (Some(first), Some(last)) => format!(" (#{first}..#{last})"),
            _ => String::new(),
        };
        writeln!(
            f,
            "loadtest: {} {} transfers from {} senders to {} (chain {})",
            self.txs, self.kind, self.senders, self.rpc_url, self.chain_id
        )?;
        writeln!(f, "  batches of {}, {} requests in flight", self.batch_size, self.concurrency)?;
        if let Some(token) = self.token {
            writeln!(f, "  token            {token}")?;
        }
        writeln!(f, "  sent             {} accepted, {} errors", self.sent, self.send_errors)?;
        writeln!(
            f,
            "  send time        {:.3} s ({:.0} tx/s submitted)",
            self.send_secs, self.send_rate
        )?;
        writeln!(f, "  included         {} in {} blocks{blocks}", self.included, self.blocks_used)?;
        writeln!(f, "  wall time        {:.3} s (first send to last inclusion)", self.wall_secs)?;
        writeln!(f, "  included TPS     {:.0}", self.included_tps)?;
        match &self.latency {
            Some(latency) => writeln!(f, "  latency          {latency}")?,
            None => writeln!(f, "  latency          none included")?,
        }
        write!(
            f,
            "  gas              {:.1} Mgas, {:.1} Mgas/s",
            self.gas_used as f64 / 1e6,
            self.gas_per_second / 1e6
        )?;
        for error in &self.errors {
            write!(
                f,
                "\n  error            {}× (first at tx {}): {}",
                error.count, error.first_tx, error.message
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(n: u8) -> SignedTx {
        SignedTx { hash: B256::repeat_byte(n), raw: format!("0x0{n}") }
    }

    fn response(id: u64, body: serde_json::Value) -> BatchAnswer {
        let result = match body.get("error") {
            Some(error) => Err(serde_json::from_value(error.clone()).unwrap()),
            None => Ok(serde_json::value::to_raw_value(&body["result"]).unwrap()),
        };
        BatchAnswer { id: Some(id), result }
    }

    #[test]
    fn batch_body_is_a_json_array_with_transfer_indexes_as_ids() {
        let txs = [signed(1), signed(2)];
        let batch = Batch::encode(40, &txs).unwrap();
        let calls: Vec<serde_json::Value> =
            serde_json::from_str(&serde_json::to_string(&batch.prepared).unwrap()).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1]["id"], 41);
        assert_eq!(calls[1]["method"], "eth_sendRawTransaction");
        assert_eq!(calls[1]["params"][0], "0x02");
    }

    #[test]
    fn tally_counts_every_kind_of_send_error_and_keeps_distinct_messages() {
        let txs: Vec<SignedTx> = (0..6).map(signed).collect();
        let batches =
            vec![Batch::encode(0, &txs[..4]).unwrap(), Batch::encode(4, &txs[4..]).unwrap()];
        let now = Instant::now();
        let node_error =
            |id| response(id, json!({"error": {"code": -32000, "message": "nonce too low"}}));
        let answers = vec![
            response(0, json!({"result": txs[0].hash})),
            node_error(1),
            response(2, json!({"result": B256::ZERO})), // not the hash we sent
                                                        // no answer for tx 3
        ];
        let failed = RpcError::Unreachable { url: "http://x".into(), cause: "refused".into() };
        let outcomes = vec![
            BatchOutcome { batch: 0, sent_at: now, answered_at: now, answer: Ok(answers) },
            BatchOutcome { batch: 1, sent_at: now, answered_at: now, answer: Err(failed) },
        ];
        let tally = tally(&batches, &txs, outcomes);
        assert_eq!(tally.accepted, vec![0]);
        assert!(tally.sent_at[0].is_some() && tally.sent_at[1].is_none());
        assert_eq!(tally.error_total, 5);
        let messages: Vec<(&str, usize)> =
            tally.errors.iter().map(|e| (e.message.as_str(), e.count)).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].0.contains("nonce too low"));
        assert!(messages[1].0.contains("instead of the hash"));
        assert!(messages[2].0.contains("no answer"));
        assert!(messages[3].0.contains("cannot reach") && messages[3].1 == 2);
    }
}
