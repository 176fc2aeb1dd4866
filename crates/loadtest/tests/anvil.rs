//! The load generator against a real anvil: every transfer lands, balances move as the
//! report says, the token behaves as an ERC20, and the eth_getLogs bench counts its logs.

use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use basalt_loadtest::{
    DEFAULT_FUNDER_KEY, LoadtestArgs, Report, TransferKind, TransferReport,
    accounts::{Account, Fees},
    recipient_address,
    rpc::{Receipt, RpcClient},
    sender_key,
    setup::{self, DEPLOY_GAS, TOKEN_TRANSFER_GAS},
    token,
};
use basalt_test_harness::Anvil;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn args(url: &str, kind: TransferKind, txs: usize, senders: usize) -> LoadtestArgs {
    LoadtestArgs {
        rpc_url: url.to_string(),
        txs,
        senders,
        kind,
        concurrency: 4,
        batch_size: 50,
        funder_key: DEFAULT_FUNDER_KEY.parse().unwrap(),
        timeout_secs: 60,
        json: false,
        logs_bench_blocks: None,
        logs_queries: 100,
        start_after_block: true,
    }
}

async fn transfers(args: &LoadtestArgs) -> TransferReport {
    match basalt_loadtest::run(args).await.unwrap() {
        Report::Transfers(report) => report,
        other => panic!("expected a transfer report, got {other:?}"),
    }
}

fn rpc(url: &str) -> RpcClient {
    RpcClient::new(url, Duration::from_secs(30)).unwrap()
}

/// The numbers of a report agree with each other and with a complete run of `txs`.
fn assert_complete_and_consistent(report: &TransferReport, txs: usize) {
    assert_eq!(report.txs, txs);
    assert_eq!(report.sent, txs, "errors: {:?}", report.errors);
    assert_eq!(report.send_errors, 0);
    assert_eq!(report.included, txs);
    let (first, last) = (report.first_block.unwrap(), report.last_block.unwrap());
    assert!(report.blocks_used >= 1 && report.blocks_used as u64 <= last - first + 1);
    assert!(report.wall_secs > 0.0 && report.send_secs > 0.0);
    assert!((report.included_tps * report.wall_secs - txs as f64).abs() < 1e-6);
    assert!((report.send_rate * report.send_secs - txs as f64).abs() < 1e-6);
    let latency = report.latency.unwrap();
    assert!(latency.p50_ms <= latency.p90_ms && latency.p90_ms <= latency.p99_ms);
    assert!(latency.p99_ms <= latency.max_ms && latency.max_ms <= report.wall_secs * 1000.0);
    assert!((report.gas_per_second * report.wall_secs - report.gas_used as f64).abs() < 1.0);
}

async fn batch(rpc: &RpcClient, method: &str, params: Vec<Value>) -> Vec<Value> {
    rpc.batch(method, &params).await.unwrap().into_iter().map(Result::unwrap).collect()
}

async fn token_balances(rpc: &RpcClient, token: Address, holders: &[Address]) -> Vec<U256> {
    let calls = holders
        .iter()
        .map(|h| json!([{"to": token, "data": token::balance_of_calldata(*h)}, "latest"]))
        .collect();
    batch(rpc, "eth_call", calls)
        .await
        .into_iter()
        .map(|v| token::decode_balance(&serde_json::from_value::<Bytes>(v).unwrap()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eth_load_on_interval_mining_anvil_is_fully_included_and_pays_every_recipient() {
    let anvil = Anvil::start(&["--block-time", "1"]);
    let report = transfers(&args(&anvil.url, TransferKind::Eth, 300, 20)).await;
    assert_complete_and_consistent(&report, 300);
    assert_eq!(report.senders, 20);
    assert_eq!(report.token, None);
    // Only our transfers are in those blocks, at 21,000 gas each.
    assert_eq!(report.gas_used, 300 * 21_000);

    let rpc = rpc(&anvil.url);
    let calls = (0..300).map(|i| json!([recipient_address(i), "latest"])).collect();
    for (i, balance) in batch(&rpc, "eth_getBalance", calls).await.into_iter().enumerate() {
        assert_eq!(
            serde_json::from_value::<U256>(balance).unwrap(),
            U256::from(1),
            "recipient {i}"
        );
    }
    // Senders resume from the node's nonces and are not funded twice on a rerun.
    let again = transfers(&args(&anvil.url, TransferKind::Eth, 40, 20)).await;
    assert_complete_and_consistent(&again, 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erc20_load_on_interval_mining_anvil_moves_one_token_to_each_recipient() {
    let anvil = Anvil::start(&["--block-time", "1"]);
    let report = transfers(&args(&anvil.url, TransferKind::Erc20, 300, 20)).await;
    assert_complete_and_consistent(&report, 300);
    let token = report.token.expect("an ERC20 run deploys a token");
    assert!(report.gas_used > 300 * 21_000 && report.gas_used < 300 * TOKEN_TRANSFER_GAS);

    let rpc = rpc(&anvil.url);
    let recipients: Vec<Address> = (0..300).map(recipient_address).collect();
    for (i, balance) in token_balances(&rpc, token, &recipients).await.into_iter().enumerate() {
        assert_eq!(balance, U256::from(1), "recipient {i}");
    }
    // Each sender was given exactly its share and spent it.
    let senders: Vec<Address> =
        (0..20).map(|s| Account::new(sender_key(s), 0).unwrap().address).collect();
    assert!(token_balances(&rpc, token, &senders).await.iter().all(|b| b.is_zero()));
}

/// Signs, sends and waits for one transaction from `account`.
async fn execute(rpc: &RpcClient, account: &mut Account, to: TxKind, data: Bytes) -> Receipt {
    let chain = setup::chain_params(rpc).await.unwrap();
    let fees = Fees::from_node(chain.base_fee, 0);
    let gas = if to == TxKind::Create { DEPLOY_GAS } else { TOKEN_TRANSFER_GAS };
    let tx = account.sign(chain.chain_id, to, U256::ZERO, data, gas, fees).unwrap();
    rpc.send_raw(&tx.raw).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let poll = Duration::from_millis(5);
    setup::wait_for_receipts(rpc, &[tx.hash], deadline, poll).await.unwrap().pop().unwrap()
}

/// `eth_call` from `from`; the node's error message if it reverts.
async fn call_from(
    rpc: &RpcClient,
    from: Address,
    to: Address,
    data: Bytes,
) -> Result<Bytes, String> {
    rpc.call("eth_call", json!([{"from": from, "to": to, "data": data}, "latest"]))
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_bytecode_mints_to_deployer_transfers_with_checks_and_logs_transfer() {
    let anvil = Anvil::start(&[]);
    let rpc = rpc(&anvil.url);
    let mut deployer = Account::new(DEFAULT_FUNDER_KEY.parse().unwrap(), 0).unwrap();
    let deployed = execute(&rpc, &mut deployer, TxKind::Create, token::init_code()).await;
    assert!(deployed.succeeded());
    let token = deployed.contract_address.unwrap();
    let word = |a: Address| B256::left_padding_from(a.as_slice());
    // The mint is logged as Transfer(0, deployer, supply).
    let [mint] = deployed.logs.as_slice() else { panic!("one mint log: {:?}", deployed.logs) };
    assert_eq!(mint.topics, vec![token::TRANSFER_TOPIC, B256::ZERO, word(deployer.address)]);
    assert_eq!(U256::from_be_slice(&mint.data), token::TOTAL_SUPPLY);
    assert_eq!(token_balances(&rpc, token, &[deployer.address]).await, [token::TOTAL_SUPPLY]);

    let to = recipient_address(7);
    let transfer = token::transfer_calldata(to, U256::from(5));
    // transfer returns true (one ABI word holding 1).
    let output = call_from(&rpc, deployer.address, token, transfer.clone()).await.unwrap();
    assert_eq!(U256::from_be_slice(&output), U256::from(1));
    let receipt = execute(&rpc, &mut deployer, TxKind::Call(token), transfer).await;
    assert!(receipt.succeeded());
    let [log] = receipt.logs.as_slice() else { panic!("one Transfer log: {:?}", receipt.logs) };
    assert_eq!(log.address, token);
    assert_eq!(log.topics, vec![token::TRANSFER_TOPIC, word(deployer.address), word(to)]);
    assert_eq!(U256::from_be_slice(&log.data), U256::from(5));
    assert_eq!(
        token_balances(&rpc, token, &[deployer.address, to]).await,
        [token::TOTAL_SUPPLY - U256::from(5), U256::from(5)]
    );

    // Spending more than one holds reverts; so does a transfer to oneself beyond the balance.
    let too_much = token::transfer_calldata(deployer.address, U256::from(6));
    assert!(call_from(&rpc, to, token, too_much).await.is_err());
    // A self-transfer within the balance leaves it unchanged.
    let own = token::transfer_calldata(to, U256::from(5));
    assert!(call_from(&rpc, to, token, own).await.is_ok());
    // Malformed calls revert: unknown selector, short calldata, dirty address bits.
    let unknown = Bytes::from(vec![0xde, 0xad, 0xbe, 0xef]);
    assert!(call_from(&rpc, deployer.address, token, unknown).await.is_err());
    let short = Bytes::from(token::transfer_calldata(to, U256::from(1))[..36].to_vec());
    assert!(call_from(&rpc, deployer.address, token, short).await.is_err());
    let mut dirty = token::transfer_calldata(to, U256::from(1)).to_vec();
    dirty[4] = 0x01;
    assert!(call_from(&rpc, deployer.address, token, dirty.into()).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_logs_bench_on_automine_anvil_finds_one_log_per_block() {
    let anvil = Anvil::start(&[]);
    let key = DEFAULT_FUNDER_KEY.parse().unwrap();
    let report = basalt_loadtest::get_logs_bench(&anvil.url, key, 20, 5).await.unwrap();
    assert_eq!(report.blocks, 20);
    assert_eq!(report.last_block - report.first_block + 1, 20);
    assert_eq!(report.logs_per_query, 20);
    assert_eq!(report.queries, 5);
    assert!(report.latency.p50_ms > 0.0 && report.latency.p50_ms <= report.latency.p90_ms);
    // Through `run` with the flag, the same bench comes back as the get_logs report.
    let mut args = args(&anvil.url, TransferKind::Eth, 1, 1);
    args.logs_bench_blocks = Some(3);
    args.logs_queries = 2;
    let report = basalt_loadtest::run(&args).await.unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["mode"], "get_logs");
    assert_eq!(json["logs_per_query"], 3);
}

#[tokio::test]
async fn dead_rpc_url_fails_with_one_error_naming_it() {
    let url = format!("http://127.0.0.1:{}", basalt_test_harness::free_port());
    let error = basalt_loadtest::run(&args(&url, TransferKind::Eth, 10, 2)).await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&url) && message.contains("cannot reach"), "{message}");
    assert!(!message.contains('\n'), "one line: {message}");
}
