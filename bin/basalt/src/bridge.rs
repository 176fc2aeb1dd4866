//! `basalt bridge`: the user's side of the bridge — deposit to the L2, withdraw to the L1, claim
//! on the L1, the status of a withdrawal, and the forced withdrawal sent through the L1 — for
//! ether and ERC20 tokens (docs/bridge.md). Contract addresses come from the L2's
//! `basalt_rollupConfig`; preconditions (balances, statuses, recipients) are checked before a
//! transaction is sent, and a revert is reported by its contract error's name. It holds no
//! state: everything is read from the two chains at each run.

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
    sol,
    sol_types::{SolCall, SolEvent},
};
use alloy_primitives::{Address, B256, U256};
use basalt_contracts::{
    bindings::{CommonBridge, L2Bridge},
    formats::{ETH_TOKEN, canonical_l2_token},
    revert::ContractRevert,
};
use eyre::{WrapErr, bail, eyre};
use serde::Deserialize;
use std::{
    process::ExitCode,
    str::FromStr,
    time::{Duration, Instant},
};

/// `basalt dev`'s L1 endpoint, the default `--l1-rpc-url`.
const DEV_L1_URL: &str = "http://127.0.0.1:8545";
/// `basalt dev`'s L2 endpoint, the default `--l2-rpc-url`.
const DEV_L2_URL: &str = "http://127.0.0.1:1729";
/// Longest wait for one transaction's receipt.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest wait for an endpoint's first answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between two status reads while waiting.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Decimals of ether.
const ETHER_DECIMALS: u8 = 18;

sol! {
    /// The ERC20 reads and the approval the bridge needs (with `decimals` of ERC20Metadata).
    #[sol(rpc)]
    interface IERC20 {
        function decimals() external view returns (uint8);
        function balanceOf(address account) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
    }
}

#[derive(clap::Args, Debug)]
pub struct BridgeArgs {
    #[command(subcommand)]
    command: BridgeCommand,
}

#[derive(clap::Subcommand, Debug)]
enum BridgeCommand {
    /// Deposit ether (CommonBridge.deposit) or an ERC20 (depositERC20) from the L1 to the L2.
    Deposit {
        #[command(flatten)]
        transfer: Transfer,
        /// Wait until the deposit is executed on the L2.
        #[arg(long)]
        wait: bool,
    },
    /// Withdraw ether (L2Bridge.withdraw) or an ERC20 (withdrawERC20) from the L2; claim it on
    /// the L1 once its batch is final.
    Withdraw {
        #[command(flatten)]
        transfer: Transfer,
        #[command(flatten)]
        follow: Follow,
    },
    /// Claim on the L1 every unclaimed withdrawal an L2 transaction sent (anyone may claim; the
    /// funds go to the recipient named in the withdrawal).
    Claim {
        #[command(flatten)]
        endpoints: Endpoints,
        #[command(flatten)]
        signer: Signer,
        /// The L2 transaction that withdrew (or the forced withdrawal's L2 transaction).
        #[arg(long, value_name = "L2_TX_HASH")]
        tx: B256,
        /// Refuse to claim unless every withdrawal pays this L1 address.
        #[arg(long, value_name = "ADDRESS")]
        to: Option<Address>,
    },
    /// Print the status of each L1 message an L2 transaction sent.
    Status {
        #[command(flatten)]
        endpoints: Endpoints,
        /// The L2 transaction.
        #[arg(long, value_name = "L2_TX_HASH")]
        tx: B256,
    },
    /// Withdraw through the L1 alone, when the sequencer ignores your L2 transactions: ether with
    /// CommonBridge.forceWithdrawETH, tokens with sendToL2(L2 bridge, withdrawERC20(...)). The
    /// sequencer must include it before its deadline.
    ForceWithdraw {
        #[command(flatten)]
        transfer: Transfer,
        #[command(flatten)]
        follow: Follow,
    },
}

/// Following a withdrawal after sending it.
#[derive(clap::Args, Debug, Clone, Copy)]
struct Follow {
    /// Show its progress (pending, committed, verified) until it is claimable on the L1.
    #[arg(long)]
    wait: bool,
    /// Longest wait with --wait, in seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
}

/// The two chains.
#[derive(clap::Args, Debug, Clone)]
struct Endpoints {
    /// JSON-RPC URL of the L1.
    #[arg(long, value_name = "URL", env = "BASALT_L1_RPC_URL", default_value = DEV_L1_URL)]
    l1_rpc_url: String,
    /// JSON-RPC URL of the L2 (its `basalt_rollupConfig` names the contracts).
    #[arg(long, value_name = "URL", env = "BASALT_L2_RPC_URL", default_value = DEV_L2_URL)]
    l2_rpc_url: String,
}

/// The account that sends.
#[derive(clap::Args, Debug, Clone)]
struct Signer {
    /// Private key (hex) of the sending account.
    #[arg(long, value_name = "KEY", env = "BASALT_PRIVATE_KEY", hide_env_values = true)]
    private_key: String,
}

/// What moves, from whom, to whom.
#[derive(clap::Args, Debug, Clone)]
struct Transfer {
    #[command(flatten)]
    endpoints: Endpoints,
    #[command(flatten)]
    signer: Signer,
    /// Amount: `1.5` (ether, or whole tokens with --token), `1.5eth`, `2gwei`, `100wei` (with
    /// --token, `wei` is the token's smallest unit).
    #[arg(long)]
    amount: String,
    /// Recipient on the other chain (default: the key's address).
    #[arg(long, value_name = "ADDRESS")]
    to: Option<Address>,
    /// L1 address of the ERC20 to move (ether when omitted); its decimals are read from it.
    #[arg(long, value_name = "L1_ADDRESS")]
    token: Option<Address>,
    /// The L2 token paired with --token (default: its canonical L2 token, the one the L2 token
    /// factory creates on the first deposit; give another only for a pair the bridge already has).
    #[arg(long, value_name = "L2_ADDRESS", requires = "token")]
    l2_token: Option<Address>,
}

pub fn run(args: BridgeArgs) -> eyre::Result<ExitCode> {
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        match args.command {
            BridgeCommand::Deposit { transfer, wait } => deposit(&transfer, wait).await,
            BridgeCommand::Withdraw { transfer, follow } => withdraw(&transfer, follow).await,
            BridgeCommand::Claim { endpoints, signer, tx, to } => {
                claim(&endpoints, &signer, tx, to).await
            }
            BridgeCommand::Status { endpoints, tx } => status(&endpoints, tx).await,
            BridgeCommand::ForceWithdraw { transfer, follow } => {
                force_withdraw(&transfer, follow).await
            }
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The rollup as `basalt_rollupConfig` describes it.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
struct RollupConfig {
    l1_chain_id: u64,
    l2_chain_id: u64,
    bridge: Address,
    l2_bridge: Address,
}

/// One message of `basalt_getL1MessageProof`.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
struct MessageProof {
    batch_number: Option<alloy_primitives::U64>,
    message_id: alloy_primitives::U64,
    from: Address,
    withdrawal: Option<Withdrawal>,
    proof: Option<Vec<B256>>,
    status: String,
}

/// A withdrawal as `basalt_getL1MessageProof` decodes it.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
struct Withdrawal {
    token_l1: Address,
    token_l2: Address,
    recipient: Address,
    amount: U256,
}

/// Connections to both chains, checked to belong to one rollup; senders when a key is given.
struct Session {
    endpoints: Endpoints,
    l1: DynProvider,
    l2: DynProvider,
    rollup: RollupConfig,
    /// The key's address, when sending.
    account: Option<Address>,
}

impl Session {
    /// Connects to the L2 (reading its rollup config) and to the L1 (checking its chain id);
    /// with a key, both providers sign. Errors: an unreachable chain, an L1 of another chain.
    async fn open(endpoints: &Endpoints, signer: Option<&Signer>) -> eyre::Result<Self> {
        let key = signer.map(|s| parse_key(&s.private_key)).transpose()?;
        let account = key.as_ref().map(PrivateKeySigner::address);
        let connect = |url: &str, flag: &str| -> eyre::Result<DynProvider> {
            let parsed = url.parse().map_err(|e| eyre!("{flag} {url} is not a URL: {e}"))?;
            let builder = ProviderBuilder::new();
            Ok(match &key {
                Some(key) => {
                    builder.wallet(EthereumWallet::from(key.clone())).connect_http(parsed).erased()
                }
                None => builder.connect_http(parsed).erased(),
            })
        };
        let l2 = connect(&endpoints.l2_rpc_url, "--l2-rpc-url")?;
        let l1 = connect(&endpoints.l1_rpc_url, "--l1-rpc-url")?;
        let l2_unreachable = |reason: String| {
            eyre!(
                "L2 unreachable at {}: {reason} (is `basalt dev` or the sequencer running? pass \
                 --l2-rpc-url)",
                endpoints.l2_rpc_url
            )
        };
        let config: serde_json::Value =
            within(l2.raw_request("basalt_rollupConfig".into(), serde_json::json!([])))
                .await
                .map_err(l2_unreachable)?;
        let rollup: RollupConfig = serde_json::from_value(config).map_err(|e| {
            eyre!(
                "{} is not a Basalt L2 (its basalt_rollupConfig does not read: {e})",
                endpoints.l2_rpc_url
            )
        })?;
        let l1_chain = within(l1.get_chain_id()).await.map_err(|reason| {
            eyre!("L1 unreachable at {}: {reason} (pass --l1-rpc-url)", endpoints.l1_rpc_url)
        })?;
        if l1_chain != rollup.l1_chain_id {
            bail!(
                "wrong L1: {} is chain {l1_chain}, but the L2 at {} settles on chain {} (pass \
                 --l1-rpc-url)",
                endpoints.l1_rpc_url,
                endpoints.l2_rpc_url,
                rollup.l1_chain_id
            );
        }
        Ok(Self { endpoints: endpoints.clone(), l1, l2, rollup, account })
    }

    fn account(&self) -> eyre::Result<Address> {
        self.account.ok_or_else(|| eyre!("a --private-key is needed to send"))
    }

    /// `basalt_getL1MessageProof(tx)`. Errors: an unknown transaction, an unreachable L2.
    async fn messages(&self, tx: B256) -> eyre::Result<Vec<MessageProof>> {
        let answer: Option<Vec<MessageProof>> =
            within(self.l2.raw_request("basalt_getL1MessageProof".into(), [tx])).await.map_err(
                |reason| eyre!("L2 unreachable at {}: {reason}", self.endpoints.l2_rpc_url),
            )?;
        answer.ok_or_else(|| {
            eyre!(
                "unknown transaction: {tx} is not in any block of the L2 at {} (still pending, \
                 or sent to another chain)",
                self.endpoints.l2_rpc_url
            )
        })
    }

    /// The L2 transaction hash of the privileged transaction a bridge call queued on L1.
    fn queued_l2_tx(&self, receipt: &TransactionReceipt) -> eyre::Result<(B256, u64)> {
        let log = receipt
            .inner
            .logs()
            .iter()
            .find(|log| {
                log.address() == self.rollup.bridge
                    && log.topic0() == Some(&CommonBridge::PrivilegedTxSent::SIGNATURE_HASH)
            })
            .ok_or_else(|| eyre!("the L1 transaction queued nothing for the L2"))?;
        let queued = basalt_watcher::rebuild(log, self.rollup.l2_chain_id)?;
        let event = log.log_decode::<CommonBridge::PrivilegedTxSent>()?.inner.data;
        Ok((queued.tx.tx_hash(), event.deadline.saturating_to()))
    }

    /// Sends `call` after estimating it (a revert is reported by its error's name), waits for
    /// its receipt and checks it succeeded. `what` names the step in errors.
    async fn send<P: Provider, D: alloy::contract::CallDecoder>(
        &self,
        what: &str,
        call: alloy::contract::CallBuilder<P, D>,
    ) -> eyre::Result<TransactionReceipt> {
        let gas = call.estimate_gas().await.map_err(|e| refused(what, &e))?;
        let pending = call.gas(gas + gas / 5).send().await.map_err(|e| refused(what, &e))?;
        let hash = *pending.tx_hash();
        // Not included: the hash lets the user follow it; a sequencer that leaves an L2
        // transaction out for good is what the forced withdrawal is for.
        let receipt =
            pending.with_timeout(Some(RECEIPT_TIMEOUT)).get_receipt().await.wrap_err_with(
                || {
                    format!(
                        "{what}: transaction {hash} sent but not included within {} s (on the L2, \
                     a sequencer that leaves it out can be bypassed with basalt bridge \
                     force-withdraw)",
                        RECEIPT_TIMEOUT.as_secs()
                    )
                },
            )?;
        if !receipt.status() {
            bail!("{what}: transaction {} reverted", receipt.transaction_hash);
        }
        Ok(receipt)
    }

    /// Decimals of `token` on the L1 (18 for ether).
    async fn decimals(&self, token: Option<Address>) -> eyre::Result<u8> {
        match token {
            None => Ok(ETHER_DECIMALS),
            Some(token) => IERC20::new(token, &self.l1).decimals().call().await.map_err(|e| {
                eyre!("--token {token} does not answer decimals() on the L1: {e} (not an ERC20?)")
            }),
        }
    }
}

/// Runs an RPC read with [`CONNECT_TIMEOUT`].
async fn within<T, E: std::fmt::Display>(
    read: impl std::future::IntoFuture<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(CONNECT_TIMEOUT, read).await {
        Ok(answer) => answer.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())),
    }
}

fn parse_key(text: &str) -> eyre::Result<PrivateKeySigner> {
    PrivateKeySigner::from_str(text.trim())
        .map_err(|_| eyre!("--private-key is not a private key (32 bytes of hex)"))
}

/// Why a transaction was refused before it was sent: the contract's error by name and what it
/// means for the user, or the node's message.
fn refused(what: &str, err: &alloy::contract::Error) -> eyre::Report {
    let Some(data) = err.as_revert_data() else {
        let text = err.to_string();
        if text.contains("insufficient funds") {
            return eyre!("insufficient balance: {what}: {text}");
        }
        return eyre!("{what}: {text}");
    };
    let revert = ContractRevert::decode(&data);
    let cause = match revert.name() {
        Some("WithdrawalAlreadyClaimed") => "already claimed",
        Some("BatchNotVerified") => "not verified yet",
        Some("BatchNotFinal") => "not final yet",
        Some("InvalidMerkleProof") => "invalid proof",
        Some("InsufficientDeposits") => "the bridge holds too little of this token pair",
        Some("DepositTooSmall") => "deposit too small",
        Some("EnforcedPause") => "the contract is paused",
        Some("ERC20InsufficientBalance") => "insufficient balance",
        Some("ERC20InsufficientAllowance") => "insufficient allowance",
        Some("TokenMismatch") => "wrong token pair",
        _ => "reverted",
    };
    eyre!("{cause}: {what} reverted with {revert}")
}

/// Parses `--amount` for a token of `decimals`: `1.5` (whole units), `1.5eth`/`1.5ether`,
/// `2gwei`, `100wei` (the smallest unit). `eth` and `gwei` are refused for tokens
/// (`is_token`). Errors name the text and the form expected.
fn parse_amount(text: &str, decimals: u8, is_token: bool) -> eyre::Result<U256> {
    let trimmed = text.trim().to_ascii_lowercase();
    let (number, scale) = if let Some(n) = trimmed.strip_suffix("gwei") {
        (n, Some(9))
    } else if let Some(n) = trimmed.strip_suffix("wei") {
        (n, Some(0))
    } else if let Some(n) = trimmed.strip_suffix("ether").or_else(|| trimmed.strip_suffix("eth")) {
        (n, Some(ETHER_DECIMALS))
    } else {
        (trimmed.as_str(), None)
    };
    if is_token && matches!(scale, Some(s) if s != 0) {
        bail!(
            "--amount {text}: with --token, give whole tokens (`1.5`) or the smallest unit (`100wei`)"
        );
    }
    let scale = scale.unwrap_or(decimals);
    let number = number.trim();
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        bail!("--amount {text} is not an amount (examples: 1.5, 1.5eth, 2gwei, 100wei)");
    }
    if fraction.len() > usize::from(scale) {
        bail!("--amount {text} has more than {scale} decimals");
    }
    let padded = format!("{whole}{fraction:0<width$}", width = usize::from(scale));
    let value = U256::from_str_radix(if padded.is_empty() { "0" } else { &padded }, 10)
        .map_err(|_| eyre!("--amount {text} is too large"))?;
    if value.is_zero() {
        bail!("--amount {text} is zero");
    }
    Ok(value)
}

/// `amount` in units of `decimals`, without trailing zeros (`1.5`, `100`).
fn format_amount(amount: U256, decimals: u8) -> String {
    let digits = amount.to_string();
    let decimals = usize::from(decimals);
    if decimals == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let (whole, fraction) = padded.split_at(padded.len() - decimals);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") }
}

/// The L2 token paired with `token_l1`: `--l2-token`, or by default the canonical L2 token
/// (`formats::canonical_l2_token`), so a user is not steered into a token someone else paired.
fn l2_token_of(token_l1: Address, l2_token: Option<Address>) -> Address {
    l2_token.unwrap_or_else(|| canonical_l2_token(token_l1))
}

/// The recipient: `--to`, or the sender. Errors: the zero address (the bridge refuses it).
fn recipient(to: Option<Address>, sender: Address) -> eyre::Result<Address> {
    match to {
        Some(Address::ZERO) => {
            bail!("wrong recipient: --to is the zero address (the bridge refuses it)")
        }
        Some(to) => Ok(to),
        None => Ok(sender),
    }
}

/// The unit name of an amount for messages.
fn unit(token: Option<Address>) -> String {
    match token {
        None => "ETH".to_string(),
        Some(token) => format!("of token {token}"),
    }
}

/// One deposit or withdrawal as the flags describe it, read and checked against the chains.
struct Movement {
    session: Session,
    sender: Address,
    to: Address,
    /// The L1 and L2 token; None for ether.
    tokens: Option<(Address, Address)>,
    /// In the smallest unit.
    amount: U256,
    decimals: u8,
    /// The amount for people: `1.5 ETH`.
    shown: String,
}

impl Movement {
    /// Connects (with the key) and reads the flags: recipient, tokens, decimals, amount.
    async fn open(args: &Transfer) -> eyre::Result<Self> {
        let session = Session::open(&args.endpoints, Some(&args.signer)).await?;
        let sender = session.account()?;
        let to = recipient(args.to, sender)?;
        let tokens = args.token.map(|token| (token, l2_token_of(token, args.l2_token)));
        let decimals = session.decimals(args.token).await?;
        let amount = parse_amount(&args.amount, decimals, args.token.is_some())?;
        let shown = format!("{} {}", format_amount(amount, decimals), unit(args.token));
        Ok(Self { session, sender, to, tokens, amount, decimals, shown })
    }

    /// Fails with `insufficient balance` unless the sender holds the amount on the L2 (`what`
    /// names the action in the message).
    async fn check_l2_funds(&self, what: &str) -> eyre::Result<()> {
        let (balance, held) = match self.tokens {
            None => {
                let balance = self.session.l2.get_balance(self.sender).await?;
                (balance, format!("{} ETH", format_amount(balance, ETHER_DECIMALS)))
            }
            Some((_, l2_token)) => {
                let balance =
                    IERC20::new(l2_token, &self.session.l2).balanceOf(self.sender).call().await?;
                (
                    balance,
                    format!("{} of L2 token {l2_token}", format_amount(balance, self.decimals)),
                )
            }
        };
        if balance < self.amount {
            bail!(
                "insufficient balance: {} holds {held} on the L2; {what} needs {}",
                self.sender,
                self.shown
            );
        }
        Ok(())
    }
}

async fn deposit(args: &Transfer, wait: bool) -> eyre::Result<()> {
    let movement = Movement::open(args).await?;
    let Movement { session, sender, to, amount, decimals, shown, .. } = &movement;
    let (sender, to, amount) = (*sender, *to, *amount);
    let bridge = CommonBridge::new(session.rollup.bridge, &session.l1);
    let what = format!("deposit of {shown}");
    let receipt = match movement.tokens {
        None => {
            let balance = session.l1.get_balance(sender).await?;
            if balance < amount {
                bail!(
                    "insufficient balance: {sender} holds {} ETH on the L1; the deposit needs \
                     {shown} plus gas",
                    format_amount(balance, ETHER_DECIMALS)
                );
            }
            session.send(&what, bridge.deposit(to).value(amount)).await?
        }
        Some((token, l2_token)) => {
            let erc20 = IERC20::new(token, &session.l1);
            let balance = erc20.balanceOf(sender).call().await?;
            if balance < amount {
                bail!(
                    "insufficient balance: {sender} holds {} of token {token} on the L1; the \
                     deposit needs {shown}",
                    format_amount(balance, *decimals)
                );
            }
            if erc20.allowance(sender, session.rollup.bridge).call().await? < amount {
                let approved = session
                    .send("approving the bridge", erc20.approve(session.rollup.bridge, amount))
                    .await?;
                println!("L1 approve:     {}", approved.transaction_hash);
            }
            // The canonical pair goes through the 3-argument entry, which creates the L2 token on
            // the first deposit; any other pair must already exist on the L2.
            if l2_token == canonical_l2_token(token) {
                session.send(&what, bridge.depositERC20_0(token, to, amount)).await?
            } else {
                session.send(&what, bridge.depositERC20_1(token, l2_token, to, amount)).await?
            }
        }
    };
    let (l2_tx, _) = session.queued_l2_tx(&receipt)?;
    println!("deposit of {shown} to {to} on the L2");
    println!("L1 transaction: {}", receipt.transaction_hash);
    println!("L2 transaction: {l2_tx} (executed once the sequencer reads the deposit)");
    if wait {
        let outcome = wait_for_deposit(session, l2_tx, RECEIPT_TIMEOUT)
            .await
            .wrap_err("the deposit did not reach the L2")?;
        if !outcome.delivered {
            bail!(
                "the deposit could not be delivered on the L2 (refunded to {sender} on the L1: \
                 basalt bridge claim --tx {l2_tx})"
            );
        }
        println!("arrived on the L2 in block {}", outcome.block);
    }
    println!(
        "next: basalt bridge withdraw --amount {} {}to bring it back",
        args.amount,
        token_flags(args)
    );
    Ok(())
}

/// `--token … --l2-token …` as given, for the next command printed.
fn token_flags(args: &Transfer) -> String {
    match (args.token, args.l2_token) {
        (Some(token), Some(l2)) => format!("--token {token} --l2-token {l2} "),
        (Some(token), None) => format!("--token {token} "),
        _ => String::new(),
    }
}

/// What the L2 receipt of a deposit says: its block, and whether it was delivered (succeeded
/// without a `DepositRefunded` log of the L2 bridge).
struct DepositOutcome {
    block: u64,
    delivered: bool,
}

/// Polls the L2 for the receipt of `tx` (a deposit's privileged transaction, type 0x7e, read as
/// JSON: alloy's Ethereum receipt types do not know the type).
async fn wait_for_deposit(
    session: &Session,
    tx: B256,
    timeout: Duration,
) -> eyre::Result<DepositOutcome> {
    let deadline = Instant::now() + timeout;
    let refunded = L2Bridge::DepositRefunded::SIGNATURE_HASH;
    loop {
        let receipt: Option<serde_json::Value> =
            within(session.l2.raw_request("eth_getTransactionReceipt".into(), [tx]))
                .await
                .map_err(|reason| {
                    eyre!("L2 unreachable at {}: {reason}", session.endpoints.l2_rpc_url)
                })?;
        if let Some(receipt) = receipt {
            let quantity = |v: &serde_json::Value| {
                v.as_str().and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            };
            let logs: Vec<alloy::rpc::types::Log> =
                serde_json::from_value(receipt["logs"].clone()).unwrap_or_default();
            let was_refunded = logs.iter().any(|log| {
                log.address() == session.rollup.l2_bridge && log.topic0() == Some(&refunded)
            });
            return Ok(DepositOutcome {
                block: quantity(&receipt["blockNumber"]).unwrap_or_default(),
                delivered: quantity(&receipt["status"]) == Some(1) && !was_refunded,
            });
        }
        if Instant::now() > deadline {
            bail!("no receipt for {tx} within {} s", timeout.as_secs());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

async fn withdraw(args: &Transfer, follow: Follow) -> eyre::Result<()> {
    let movement = Movement::open(args).await?;
    movement.check_l2_funds("the withdrawal").await?;
    let Movement { session, to, amount, shown, .. } = &movement;
    let l2_bridge = L2Bridge::new(session.rollup.l2_bridge, &session.l2);
    let what = format!("withdrawal of {shown}");
    let receipt = match movement.tokens {
        None => session.send(&what, l2_bridge.withdraw(*to).value(*amount)).await?,
        Some((token, l2_token)) => {
            session.send(&what, l2_bridge.withdrawERC20(token, l2_token, *to, *amount)).await?
        }
    };
    let tx = receipt.transaction_hash;
    println!("withdrawal of {shown} to {to} on the L1");
    println!("L2 transaction: {tx} (block {})", receipt.block_number.unwrap_or_default());
    finish_withdrawal(session, tx, follow).await
}

/// After a withdrawal is on the L2: waits for it with `wait`, then prints the next command.
async fn finish_withdrawal(session: &Session, tx: B256, follow: Follow) -> eyre::Result<()> {
    if follow.wait {
        wait_until_claimable(session, tx, Duration::from_secs(follow.timeout)).await?;
        println!("next: basalt bridge claim --tx {tx}");
    } else {
        println!(
            "next: basalt bridge status --tx {tx} (claimable once its batch is final), then \
             basalt bridge claim --tx {tx}"
        );
    }
    Ok(())
}

/// Prints each status change of `tx`'s withdrawals (pending, committed, verified) with the
/// time since the start, until all are claimable (or claimed).
async fn wait_until_claimable(session: &Session, tx: B256, timeout: Duration) -> eyre::Result<()> {
    let started = Instant::now();
    let mut last = String::new();
    loop {
        let messages = match session.messages(tx).await {
            // A forced withdrawal's transaction is not on the L2 until the sequencer includes it.
            Err(err) if err.to_string().starts_with("unknown transaction") => Vec::new(),
            answer => answer?,
        };
        let withdrawals: Vec<_> = messages.iter().filter(|m| m.withdrawal.is_some()).collect();
        let now = describe_progress(&withdrawals);
        if now != last {
            println!("{:>6.1} s  {now}", started.elapsed().as_secs_f64());
            last = now;
        }
        if !withdrawals.is_empty()
            && withdrawals.iter().all(|m| m.status == "claimable" || m.status == "claimed")
        {
            return Ok(());
        }
        if !messages.is_empty() && withdrawals.is_empty() {
            bail!("transaction {tx} sent no withdrawal (it may have failed on the L2)");
        }
        if started.elapsed() > timeout {
            bail!(
                "not claimable after {} s ({last}); keep following it with basalt bridge status \
                 --tx {tx}",
                timeout.as_secs()
            );
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// One line of progress: the status of each withdrawal, with its batch.
fn describe_progress(withdrawals: &[&MessageProof]) -> String {
    if withdrawals.is_empty() {
        return "waiting for the transaction on the L2".to_string();
    }
    withdrawals
        .iter()
        .map(|m| match m.batch_number {
            Some(batch) => format!("{} (batch {batch})", m.status),
            None => format!("{} (not in a batch yet)", m.status),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn status(endpoints: &Endpoints, tx: B256) -> eyre::Result<()> {
    let session = Session::open(endpoints, None).await?;
    let messages = session.messages(tx).await?;
    if messages.is_empty() {
        println!("transaction {tx} sent no L1 message");
        return Ok(());
    }
    for message in &messages {
        let batch =
            message.batch_number.map_or("not in a batch yet".to_string(), |b| format!("batch {b}"));
        let what = match &message.withdrawal {
            Some(w) => describe_withdrawal(&session, w).await,
            None => format!("message from {}", message.from),
        };
        println!("message {} ({batch}): {what}: {}", message.message_id, message.status);
    }
    let next = if messages.iter().any(|m| m.status == "claimable" && m.withdrawal.is_some()) {
        format!("basalt bridge claim --tx {tx}")
    } else if messages.iter().all(|m| m.status == "claimed") {
        "nothing: every withdrawal is claimed".to_string()
    } else {
        format!("basalt bridge withdraw … --wait, or basalt bridge status --tx {tx} again later")
    };
    println!("next: {next}");
    Ok(())
}

/// `1.5 ETH to 0x…` or `100 of token 0x… to 0x…` (raw units when decimals do not read).
async fn describe_withdrawal(session: &Session, w: &Withdrawal) -> String {
    let token = (w.token_l1 != ETH_TOKEN).then_some(w.token_l1);
    match session.decimals(token).await {
        Ok(decimals) => {
            format!("{} {} to {}", format_amount(w.amount, decimals), unit(token), w.recipient)
        }
        Err(_) => format!("{} (smallest units) {} to {}", w.amount, unit(token), w.recipient),
    }
}

async fn claim(
    endpoints: &Endpoints,
    signer: &Signer,
    tx: B256,
    expected_recipient: Option<Address>,
) -> eyre::Result<()> {
    let session = Session::open(endpoints, Some(signer)).await?;
    let sender = session.account()?;
    let messages = session.messages(tx).await?;
    let withdrawals: Vec<(&MessageProof, &Withdrawal)> =
        messages.iter().filter_map(|m| m.withdrawal.as_ref().map(|w| (m, w))).collect();
    if withdrawals.is_empty() {
        bail!("nothing to claim: transaction {tx} sent no withdrawal");
    }
    if let Some(expected) = expected_recipient
        && let Some((m, w)) = withdrawals.iter().find(|(_, w)| w.recipient != expected)
    {
        bail!(
            "wrong recipient: withdrawal {} of {tx} pays {}, not {expected}",
            m.message_id,
            w.recipient
        );
    }
    let claimable: Vec<_> = withdrawals.iter().filter(|(m, _)| m.status == "claimable").collect();
    if claimable.is_empty() {
        if withdrawals.iter().all(|(m, _)| m.status == "claimed") {
            bail!("already claimed: every withdrawal of {tx} was claimed on the L1");
        }
        let waiting = withdrawals
            .iter()
            .filter(|(m, _)| m.status != "claimed")
            .map(|(m, _)| {
                format!(
                    "message {} is {} ({})",
                    m.message_id,
                    m.status,
                    m.batch_number.map_or("not in a batch yet".into(), |b| format!("batch {b}"))
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        bail!(
            "not verified yet: {waiting}; wait with basalt bridge status --tx {tx} until it is \
             claimable"
        );
    }
    if session.l1.get_balance(sender).await?.is_zero() {
        bail!("insufficient balance: {sender} has no ether on the L1 to pay for the claim");
    }
    let bridge = CommonBridge::new(session.rollup.bridge, &session.l1);
    for (message, w) in claimable {
        let (Some(batch), Some(proof)) = (message.batch_number, message.proof.clone()) else {
            bail!("the L2 gave no proof for claimable message {}", message.message_id);
        };
        let (batch, id) =
            (U256::from(batch.to::<u64>()), U256::from(message.message_id.to::<u64>()));
        let what = format!("claim of withdrawal {}", message.message_id);
        let receipt = if w.token_l1 == ETH_TOKEN {
            session
                .send(&what, bridge.claimWithdrawal(w.recipient, w.amount, batch, id, proof))
                .await?
        } else {
            let call = bridge.claimWithdrawalERC20(
                w.token_l1,
                w.token_l2,
                w.recipient,
                w.amount,
                batch,
                id,
                proof,
            );
            session.send(&what, call).await?
        };
        println!(
            "L1 transaction: {} (claim of withdrawal {}: {})",
            receipt.transaction_hash,
            message.message_id,
            describe_withdrawal(&session, w).await
        );
    }
    if withdrawals.iter().any(|(_, w)| w.recipient != sender) {
        println!("(relayed: the funds went to the recipients named in the withdrawals)");
    }
    println!("next: basalt bridge status --tx {tx} (shows claimed)");
    Ok(())
}

async fn force_withdraw(args: &Transfer, follow: Follow) -> eyre::Result<()> {
    let movement = Movement::open(args).await?;
    // The bridge acts for the key's own L2 account (a keyed account is not aliased).
    movement.check_l2_funds("the forced withdrawal").await?;
    let Movement { session, sender, to, amount, shown, .. } = &movement;
    let bridge = CommonBridge::new(session.rollup.bridge, &session.l1);
    let what = format!("forced withdrawal of {shown}");
    let receipt = match movement.tokens {
        None => session.send(&what, bridge.forceWithdrawETH(*to, *amount)).await?,
        Some((token, l2_token)) => {
            let data = L2Bridge::withdrawERC20Call {
                tokenL1: token,
                tokenL2: l2_token,
                l1Recipient: *to,
                amount: *amount,
            }
            .abi_encode();
            // The deposit gas limit (at least 150,000) covers a withdrawal's 55,000 L2 gas.
            let gas = bridge.depositGasLimit().call().await?;
            let l2_bridge = session.rollup.l2_bridge;
            session.send(&what, bridge.sendToL2(l2_bridge, U256::ZERO, gas, data.into())).await?
        }
    };
    let (l2_tx, deadline) = session.queued_l2_tx(&receipt)?;
    println!("forced withdrawal of {shown} from {sender} on the L2 to {to} on the L1");
    println!("L1 transaction: {}", receipt.transaction_hash);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    println!(
        "L2 transaction: {l2_tx} (the sequencer must include it within {} s, by L1 time \
         {deadline}, or it can commit no more ordinary batches)",
        deadline.saturating_sub(now)
    );
    finish_withdrawal(session, l2_tx, follow).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_human_units() {
        let ether = U256::from(10u64).pow(U256::from(18));
        assert_eq!(
            parse_amount("1.5", 18, false).unwrap(),
            ether * U256::from(15) / U256::from(10)
        );
        assert_eq!(
            parse_amount("1.5eth", 18, false).unwrap(),
            ether * U256::from(3) / U256::from(2)
        );
        assert_eq!(parse_amount("2ether", 18, false).unwrap(), ether * U256::from(2));
        assert_eq!(parse_amount("2gwei", 18, false).unwrap(), U256::from(2_000_000_000u64));
        assert_eq!(parse_amount("100wei", 18, false).unwrap(), U256::from(100));
        assert_eq!(parse_amount(".5", 18, false).unwrap(), ether / U256::from(2));
        assert_eq!(parse_amount("3", 6, true).unwrap(), U256::from(3_000_000));
        assert_eq!(parse_amount("100wei", 6, true).unwrap(), U256::from(100));
    }

    #[test]
    fn bad_amounts_name_the_problem() {
        for (text, expected) in [
            ("", "is not an amount"),
            ("abc", "is not an amount"),
            ("-1", "is not an amount"),
            ("1.2.3", "is not an amount"),
            ("0", "is zero"),
            ("1.5wei", "more than 0 decimals"),
            ("0.0000001", "more than 6 decimals"),
        ] {
            let err = parse_amount(text, 6, false).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
        let err = parse_amount("1eth", 6, true).unwrap_err().to_string();
        assert!(err.contains("with --token"), "{err}");
        let huge = "1".repeat(90);
        assert!(parse_amount(&huge, 18, false).unwrap_err().to_string().contains("too large"));
    }

    #[test]
    fn amounts_print_without_trailing_zeros() {
        let ether = U256::from(10u64).pow(U256::from(18));
        assert_eq!(format_amount(ether * U256::from(3) / U256::from(2), 18), "1.5");
        assert_eq!(format_amount(U256::from(100), 18), "0.0000000000000001");
        assert_eq!(format_amount(ether, 18), "1");
        assert_eq!(format_amount(U256::from(7), 0), "7");
    }

    #[test]
    fn zero_recipient_is_refused_and_default_is_the_sender() {
        let me = Address::repeat_byte(1);
        assert_eq!(recipient(None, me).unwrap(), me);
        assert!(
            recipient(Some(Address::ZERO), me).unwrap_err().to_string().contains("wrong recipient")
        );
        assert_eq!(l2_token_of(me, None), canonical_l2_token(me));
        let other = Address::repeat_byte(2);
        assert_eq!(l2_token_of(me, Some(other)), other);
    }
}
