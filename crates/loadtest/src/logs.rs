//! The `eth_getLogs` benchmark: build a range of blocks that each hold one token transfer (so
//! one `Transfer` log per block), then time repeated `eth_getLogs` queries over the whole range.
//! The node must mine a block per transaction (anvil's default automine).

use crate::{
    accounts::{Account, recipient_address},
    rpc::{Receipt, RpcClient},
    setup::{self, TRANSFER_AMOUNT},
    stats::Latency,
    token,
};
use alloy_primitives::{Address, B256, TxKind, U256};
use eyre::{bail, eyre};
use serde::{Serialize, de::IgnoredAny};
use serde_json::{json, value::RawValue};
use std::{
    fmt,
    time::{Duration, Instant},
};

/// Receipts are polled this often; an automining node has them right after the send returns.
const RECEIPT_POLL: Duration = Duration::from_millis(2);
/// Used by `get_logs_bench`, which has no timeout parameter.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// The outcome of the `eth_getLogs` benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct LogsReport {
    pub rpc_url: String,
    pub token: Address,
    pub blocks: usize,
    pub first_block: u64,
    pub last_block: u64,
    /// Seconds spent building the blocks (untimed setup, shown for information).
    pub build_secs: f64,
    pub queries: usize,
    /// Logs each query returned (always `blocks`; anything else is an error).
    pub logs_per_query: usize,
    /// From sending the request until the whole answer arrived (decoding excluded).
    pub latency: Latency,
}

/// Deploys the token, sends `blocks` token transfers one block at a time, then times `queries`
/// `eth_getLogs` calls over those blocks filtered by the token's address.
pub async fn get_logs_bench(
    rpc_url: &str,
    funder_key: B256,
    blocks: usize,
    queries: usize,
) -> eyre::Result<LogsReport> {
    get_logs_bench_with_timeout(rpc_url, funder_key, blocks, queries, DEFAULT_TIMEOUT).await
}

/// `get_logs_bench` with `timeout` for the whole block-building phase and for each request.
pub async fn get_logs_bench_with_timeout(
    rpc_url: &str,
    funder_key: B256,
    blocks: usize,
    queries: usize,
    timeout: Duration,
) -> eyre::Result<LogsReport> {
    if blocks == 0 || queries == 0 {
        bail!("the eth_getLogs bench needs at least 1 block and 1 query");
    }
    let rpc = RpcClient::new(rpc_url, timeout)?;
    let params = setup::chain_params(&rpc).await?;
    let mut funder = Account::new(funder_key, 0).map_err(|e| eyre!("invalid --funder-key: {e}"))?;
    funder.nonce = rpc.pending_nonce(funder.address).await?;
    let build_start = Instant::now();
    let deadline = build_start + timeout;

    let deploy = setup::sign_token_deploy(&mut funder, &params)?;
    rpc.send_raw(&deploy.raw).await?;
    let receipt = mined(&rpc, deploy.hash, deadline, "the token deployment").await?;
    let token = receipt
        .contract_address
        .ok_or_else(|| eyre!("the token deployment receipt has no contract address"))?;

    let mut numbers: Vec<u64> = Vec::with_capacity(blocks);
    for i in 0..blocks {
        let transfer = funder.sign(
            params.chain_id,
            TxKind::Call(token),
            U256::ZERO,
            token::transfer_calldata(recipient_address(i), U256::from(TRANSFER_AMOUNT)),
            params.token_transfer_gas(),
            params.fees,
        )?;
        rpc.send_raw(&transfer.raw).await?;
        let receipt = mined(&rpc, transfer.hash, deadline, "a token transfer").await?;
        let number: u64 = receipt.block_number.to();
        if numbers.last().is_some_and(|&previous| previous >= number) {
            bail!(
                "transfers {} and {i} landed in the same block {number} on {}: the eth_getLogs \
                 bench needs a node that mines one block per transaction (no --block-time)",
                i - 1,
                rpc.url()
            );
        }
        numbers.push(number);
    }
    let build_secs = build_start.elapsed().as_secs_f64();
    let (first_block, last_block) = (numbers[0], numbers[blocks - 1]);

    let filter = json!([{
        "fromBlock": format!("{first_block:#x}"),
        "toBlock": format!("{last_block:#x}"),
        "address": token,
    }]);
    let mut latencies = Vec::with_capacity(queries);
    for _ in 0..queries {
        let started = Instant::now();
        // Undecoded: the timing is the node's answer, not this client's decoding.
        let answer: Box<RawValue> = rpc.call("eth_getLogs", filter.clone()).await?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let count = count_logs(&rpc, &answer)?;
        if count != blocks {
            bail!(
                "eth_getLogs over blocks {first_block}..={last_block} on {} returned {count} \
                 logs of token {token}; expected {blocks}, one per block",
                rpc.url()
            );
        }
    }
    Ok(LogsReport {
        rpc_url: rpc.url().to_string(),
        token,
        blocks,
        first_block,
        last_block,
        build_secs,
        queries,
        logs_per_query: blocks,
        latency: Latency::of(&mut latencies).ok_or_else(|| eyre!("no queries were timed"))?,
    })
}

/// Waits for `hash`'s receipt and requires success.
async fn mined(
    rpc: &RpcClient,
    hash: B256,
    deadline: Instant,
    what: &str,
) -> eyre::Result<Receipt> {
    let mut receipts = setup::wait_for_receipts(rpc, &[hash], deadline, RECEIPT_POLL).await?;
    let receipt = receipts.pop().ok_or_else(|| eyre!("no receipt for {hash}"))?;
    if !receipt.succeeded() {
        bail!("{what} ({hash}) reverted on {}", rpc.url());
    }
    Ok(receipt)
}

/// The number of logs in an `eth_getLogs` result.
fn count_logs(rpc: &RpcClient, answer: &RawValue) -> eyre::Result<usize> {
    let logs: Vec<IgnoredAny> =
        serde_json::from_str(answer.get()).map_err(|e| rpc.malformed("eth_getLogs", e))?;
    Ok(logs.len())
}

impl fmt::Display for LogsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "eth_getLogs bench on {} (token {})", self.rpc_url, self.token)?;
        writeln!(
            f,
            "  range            blocks #{}..#{} ({} blocks, built in {:.1} s)",
            self.first_block, self.last_block, self.blocks, self.build_secs
        )?;
        writeln!(f, "  queries          {}, {} logs each", self.queries, self.logs_per_query)?;
        write!(f, "  latency          {}", self.latency)
    }
}
