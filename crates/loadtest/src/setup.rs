//! The untimed part of a run: reading the chain's parameters, funding the senders (ETH, and
//! tokens for ERC20 runs) from the funder, deploying the token, and waiting until all of it is
//! mined. Works whether the node mines on every transaction or every few seconds.

use crate::{
    LoadtestArgs, TransferKind,
    accounts::{Account, Fees, SignedTx, sender_key},
    rpc::{Receipt, RpcClient},
    token,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use eyre::{WrapErr, bail, eyre};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Gas of a plain ETH transfer.
pub const ETH_TRANSFER_GAS: u64 = 21_000;
/// Gas limit of a token transfer; about 50,000 are used when the recipient slot is new.
pub const TOKEN_TRANSFER_GAS: u64 = 60_000;
/// Gas limit of the token deployment (about 110,000 are used).
pub const DEPLOY_GAS: u64 = 300_000;
/// Wei per ETH transfer, and token units per token transfer.
pub const TRANSFER_AMOUNT: u64 = 1;

/// How often receipts are polled while waiting for setup transactions.
const RECEIPT_POLL: Duration = Duration::from_millis(50);

/// What every run needs to know about the chain.
#[derive(Debug, Clone, Copy)]
pub struct ChainParams {
    pub chain_id: u64,
    pub base_fee: u128,
    pub block_gas_limit: u64,
    pub fees: Fees,
    /// Gas a chain charges a transaction beyond its execution (an L2's L1 data gas, which
    /// `eth_estimateGas` includes; 0 on Ethereum), doubled for a margin: added to every gas
    /// limit the load signs.
    pub extra_gas: u64,
}

impl ChainParams {
    /// Gas limit of an ETH transfer on this chain.
    pub fn eth_transfer_gas(&self) -> u64 {
        ETH_TRANSFER_GAS.saturating_add(self.extra_gas)
    }

    /// Gas limit of a token transfer on this chain.
    pub fn token_transfer_gas(&self) -> u64 {
        TOKEN_TRANSFER_GAS.saturating_add(self.extra_gas)
    }
}

/// Reads chain id, base fee and gas price; the first call, so it is where a wrong URL shows.
/// The funder's transaction deploying the load's ERC20 token (the whole supply to the funder).
pub fn sign_token_deploy(funder: &mut Account, params: &ChainParams) -> eyre::Result<SignedTx> {
    funder.sign(
        params.chain_id,
        TxKind::Create,
        U256::ZERO,
        token::init_code(),
        DEPLOY_GAS.saturating_add(params.extra_gas),
        params.fees,
    )
}

pub async fn chain_params(rpc: &RpcClient) -> eyre::Result<ChainParams> {
    let chain_id = rpc.chain_id().await?;
    let latest = rpc.latest_block().await?;
    let base_fee: u128 = latest
        .base_fee_per_gas
        .ok_or_else(|| {
            eyre!("{} reports no base fee: the load test sends EIP-1559 transactions", rpc.url())
        })?
        .saturating_to();
    let gas_price = rpc.gas_price().await?;
    // What the node charges a plain transfer beyond the EVM's 21,000.
    let probe = json!([{
        "from": Address::with_last_byte(1),
        "to": Address::with_last_byte(2),
        "value": "0x0",
    }]);
    let estimate: alloy_primitives::U64 = rpc
        .call("eth_estimateGas", probe)
        .await
        .map_err(|e| eyre!("eth_estimateGas of a plain transfer on {}: {e}", rpc.url()))?;
    let extra_gas = estimate.to::<u64>().saturating_sub(ETH_TRANSFER_GAS).saturating_mul(2);
    Ok(ChainParams {
        chain_id,
        base_fee,
        block_gas_limit: latest.gas_limit.to(),
        fees: Fees::from_node(base_fee, gas_price),
        extra_gas,
    })
}

/// Senders funded for their share of the load, and the token they hold (ERC20 runs).
#[derive(Debug)]
pub struct Funded {
    pub senders: Vec<Account>,
    /// Transfers each sender will sign (same order as `senders`).
    pub shares: Vec<usize>,
    pub token: Option<Address>,
}

/// Derives `--senders` senders, gives each enough ETH (and tokens) for its share of `--txs`
/// transfers of `--kind`, and returns once every setup transaction is mined. Senders that already hold
/// enough ETH (a rerun on the same node) are not funded again; nonces come from the node.
pub async fn fund_senders(
    rpc: &RpcClient,
    params: &ChainParams,
    funder: &mut Account,
    args: &LoadtestArgs,
    deadline: Instant,
) -> eyre::Result<Funded> {
    let (kind, txs, batch_size) = (args.kind, args.txs, args.batch_size);
    let count = args.senders.min(txs);
    let shares: Vec<usize> =
        (0..count).map(|s| txs / count + usize::from(s < txs % count)).collect();
    let mut senders: Vec<Account> =
        (0..count).map(|s| Account::new(sender_key(s), 0)).collect::<eyre::Result<_>>()?;
    let addresses: Vec<Value> = senders.iter().map(|s| json!([s.address, "pending"])).collect();
    let nonces = batch_values(rpc, "eth_getTransactionCount", &addresses, batch_size).await?;
    let addresses: Vec<Value> = senders.iter().map(|s| json!([s.address, "latest"])).collect();
    let balances = batch_values(rpc, "eth_getBalance", &addresses, batch_size).await?;

    let (gas_limit, value) = match kind {
        TransferKind::Eth => (params.eth_transfer_gas(), U256::from(TRANSFER_AMOUNT)),
        TransferKind::Erc20 => (params.token_transfer_gas(), U256::ZERO),
    };
    // A node admits a transaction only if the sender can pay gas_limit × maxFee + value.
    let cost_per_tx = U256::from(gas_limit) * U256::from(params.fees.max_fee_per_gas) + value;

    let mut setup: Vec<(&str, SignedTx)> = Vec::new();
    let mut funding_total = U256::ZERO;
    let token = if kind == TransferKind::Erc20 {
        setup.push(("deploying the token", sign_token_deploy(funder, params)?));
        Some(funder.address.create(funder.nonce - 1))
    } else {
        None
    };
    for (s, sender) in senders.iter_mut().enumerate() {
        sender.nonce = decode_quantity(&nonces[s], "eth_getTransactionCount")?.to();
        let balance = decode_quantity(&balances[s], "eth_getBalance")?;
        let need = cost_per_tx * U256::from(shares[s]);
        if balance < need {
            let fund = funder.sign(
                params.chain_id,
                TxKind::Call(sender.address),
                need,
                Bytes::new(),
                params.eth_transfer_gas(),
                params.fees,
            )?;
            funding_total += need;
            setup.push(("funding a sender with ETH", fund));
        }
        if let Some(token) = token {
            let tokens = U256::from(TRANSFER_AMOUNT) * U256::from(shares[s]);
            let give = funder.sign(
                params.chain_id,
                TxKind::Call(token),
                U256::ZERO,
                token::transfer_calldata(sender.address, tokens),
                params.token_transfer_gas(),
                params.fees,
            )?;
            setup.push(("giving a sender tokens", give));
        }
    }

    let setup_gas =
        setup.len() as u64 * DEPLOY_GAS.max(TOKEN_TRANSFER_GAS).saturating_add(params.extra_gas);
    let funder_needs =
        funding_total + U256::from(setup_gas) * U256::from(params.fees.max_fee_per_gas);
    let funder_has = rpc.balance(funder.address).await?;
    if funder_has < funder_needs {
        bail!(
            "the funder {} holds {funder_has} wei but funding {count} senders needs about \
             {funder_needs}; pass --funder-key of a richer account",
            funder.address
        );
    }

    send_checked(rpc, &setup, batch_size).await?;
    let hashes: Vec<B256> = setup.iter().map(|(_, tx)| tx.hash).collect();
    let receipts = wait_for_receipts(rpc, &hashes, deadline, RECEIPT_POLL).await?;
    for ((what, tx), receipt) in setup.iter().zip(&receipts) {
        if !receipt.succeeded() {
            bail!("setup transaction {} ({what}) reverted on {}", tx.hash, rpc.url());
        }
    }
    if let Some(token) = token {
        let code: Bytes = rpc.call("eth_getCode", json!([token, "latest"])).await?;
        if code.is_empty() {
            bail!("the token deployment left no code at {token} on {}", rpc.url());
        }
    }
    Ok(Funded { senders, shares, token })
}

/// Sends setup transactions in batches; any rejection is fatal and names the transaction.
pub async fn send_checked(
    rpc: &RpcClient,
    txs: &[(&str, SignedTx)],
    batch_size: usize,
) -> eyre::Result<()> {
    for chunk in txs.chunks(batch_size.max(1)) {
        let params: Vec<Value> = chunk.iter().map(|(_, tx)| json!([tx.raw])).collect();
        let results = rpc.batch("eth_sendRawTransaction", &params).await?;
        for ((what, tx), result) in chunk.iter().zip(results) {
            if let Err(message) = result {
                bail!("{} rejected setup transaction {} ({what}): {message}", rpc.url(), tx.hash);
            }
        }
    }
    Ok(())
}

/// Polls until every transaction in `hashes` has a receipt; receipts come back in that order.
pub async fn wait_for_receipts(
    rpc: &RpcClient,
    hashes: &[B256],
    deadline: Instant,
    poll: Duration,
) -> eyre::Result<Vec<Receipt>> {
    let mut receipts: Vec<Option<Receipt>> = vec![None; hashes.len()];
    loop {
        let missing: Vec<usize> = (0..hashes.len()).filter(|&i| receipts[i].is_none()).collect();
        if missing.is_empty() {
            return Ok(receipts.into_iter().flatten().collect());
        }
        if Instant::now() > deadline {
            bail!(
                "timed out waiting for {} of {} setup transactions to be mined on {} \
                 (first missing: {}); is the node mining blocks?",
                missing.len(),
                hashes.len(),
                rpc.url(),
                hashes[missing[0]]
            );
        }
        // Bounded batches: a node may cap the size of one batch request.
        for chunk in missing.chunks(200) {
            let params: Vec<Value> = chunk.iter().map(|&i| json!([hashes[i]])).collect();
            let results = rpc.batch("eth_getTransactionReceipt", &params).await?;
            for (&i, result) in chunk.iter().zip(results) {
                let value = result
                    .map_err(|m| eyre!("eth_getTransactionReceipt failed on {}: {m}", rpc.url()))?;
                receipts[i] = serde_json::from_value(value)
                    .wrap_err_with(|| format!("unreadable receipt from {}", rpc.url()))?;
            }
        }
        if receipts.iter().any(Option::is_none) {
            tokio::time::sleep(poll).await;
        }
    }
}

/// `method` over many parameter lists, in chunks of `batch_size`; any error is fatal.
async fn batch_values(
    rpc: &RpcClient,
    method: &str,
    params: &[Value],
    batch_size: usize,
) -> eyre::Result<Vec<Value>> {
    let mut values = Vec::with_capacity(params.len());
    for chunk in params.chunks(batch_size.max(1)) {
        for result in rpc.batch(method, chunk).await? {
            values.push(result.map_err(|m| eyre!("{method} failed on {}: {m}", rpc.url()))?);
        }
    }
    Ok(values)
}

fn decode_quantity(value: &Value, method: &str) -> eyre::Result<U256> {
    serde_json::from_value(value.clone())
        .map_err(|_| eyre!("{method} returned {value}, not a hex quantity"))
}
