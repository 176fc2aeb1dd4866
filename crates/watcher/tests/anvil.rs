//! The watcher against a real L1: anvil from npm (`node_modules/.bin/anvil`), the project's
//! contracts deployed by the project's deployer, deposits sent with alloy, and a file-backed
//! database. Needs `npm ci` at the repository root; without it these tests fail (they do not
//! skip).

use alloy::{
    network::EthereumWallet,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use basalt_contracts::{
    DeployConfig, Deployment,
    bindings::{CommonBridge, L2Bridge},
    deploy,
};
use basalt_primitives::TxPrivileged;
use basalt_storage::Database;
use basalt_test_harness::{Anvil, free_port, rpc_call};
use basalt_watcher::{L1Watcher, WatcherConfig, WatcherError};
use serde_json::json;
use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

/// anvil's first two dev accounts (well-known test keys).
const DEPLOYER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const USER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// The contracts on an L1 at `url`, and a provider that sends as the user.
struct L1 {
    url: String,
    port: u16,
    deployment: Deployment,
    user: Address,
    provider: DynProvider,
    _dir: tempfile::TempDir,
}

impl L1 {
    async fn deploy(url: &str, port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = DeployConfig {
            dev_no_verifier: true,
            out: dir.path().join("deploy.json"),
            ..DeployConfig::new(url, DEPLOYER_KEY)
        };
        let deployment = deploy(config).await.expect("deploy");
        let signer: PrivateKeySigner = USER_KEY.parse().unwrap();
        let user = signer.address();
        // The nonce is read for every transaction: tests revert the chain (`evm_revert`).
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(EthereumWallet::from(signer))
            .connect_http(url.parse().unwrap())
            .erased();
        Self { url: url.to_owned(), port, deployment, user, provider, _dir: dir }
    }

    fn bridge(&self) -> CommonBridge::CommonBridgeInstance<&DynProvider> {
        CommonBridge::new(self.deployment.bridge, &self.provider)
    }

    /// `deposit(recipient)` with `wei`; returns the L1 block it landed in.
    async fn deposit(&self, recipient: Address, wei: u64) -> u64 {
        landed(self.bridge().deposit(recipient).value(U256::from(wei))).await
    }

    /// `sendToL2(to, value, gasLimit, data)` from the user's EOA with `mint` wei attached.
    async fn send_to_l2(&self, to: Address, mint: u64, value: u64, data: &[u8]) -> u64 {
        let data = Bytes::copy_from_slice(data);
        let bridge = self.bridge();
        let call = bridge.sendToL2(to, U256::from(value), U256::from(200_000u64), data);
        landed(call.value(U256::from(mint))).await
    }

    fn rpc(&self, method: &str, params: serde_json::Value) -> serde_json::Value {
        let response = rpc_call(self.port, method, params.clone());
        response.get("result").cloned().unwrap_or_else(|| panic!("{method} {params}: {response}"))
    }

    fn mine(&self, blocks: u64) {
        self.rpc("anvil_mine", json!([format!("{blocks:#x}")]));
    }

    fn config(&self, confirmations: u64) -> WatcherConfig {
        WatcherConfig {
            confirmations,
            poll_interval: Duration::from_millis(50),
            ..WatcherConfig::new(
                self.url.clone(),
                self.deployment.bridge,
                self.deployment.l1_deploy_block,
                self.deployment.l2_chain_id,
            )
        }
    }

    /// The hash the bridge stores for id `id`.
    async fn queued_hash(&self, id: u64) -> B256 {
        self.bridge().privilegedTxHash(U256::from(id)).call().await.unwrap()
    }
}

/// Sends `call` and returns the block of its successful receipt.
async fn landed<D: alloy::contract::CallDecoder>(
    call: alloy::contract::CallBuilder<&&DynProvider, D>,
) -> u64 {
    let receipt = call.send().await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status(), "bridge call reverted");
    receipt.block_number.unwrap()
}

fn open(dir: &Path) -> Arc<Database> {
    Arc::new(Database::open(dir).expect("open datadir"))
}

/// anvil with the contracts deployed, and a watcher with `confirmations` over a new datadir.
async fn started(confirmations: u64) -> (Anvil, L1, tempfile::TempDir, Arc<Database>, L1Watcher) {
    let anvil = Anvil::start(&[]);
    let l1 = L1::deploy(&anvil.url, anvil.port).await;
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let watcher = L1Watcher::new(l1.config(confirmations), db.clone()).unwrap();
    (anvil, l1, dir, db, watcher)
}

fn queue(db: &Database) -> Vec<TxPrivileged> {
    db.read().unwrap().privileged_txs(0..u64::MAX).unwrap()
}

/// The queue holds ids 0..n in order, each with the bridge's hash.
async fn assert_queue_matches_bridge(l1: &L1, db: &Database, n: u64) -> Vec<TxPrivileged> {
    let txs = queue(db);
    assert_eq!(txs.iter().map(|tx| tx.nonce).collect::<Vec<_>>(), (0..n).collect::<Vec<_>>());
    for tx in &txs {
        assert_eq!(tx.chain_id, l1.deployment.l2_chain_id);
        assert_eq!(tx.l1_hash(), l1.queued_hash(tx.nonce).await, "id {}", tx.nonce);
    }
    assert_eq!(db.read().unwrap().next_privileged_tx_id().unwrap(), n);
    txs
}

#[tokio::test(flavor = "multi_thread")]
async fn deposits_are_queued_once_in_order_with_their_fields_and_the_bridges_hashes() {
    let (_anvil, l1, _dir, db, watcher) = started(0).await;

    let recipient = Address::with_last_byte(0x42);
    let target = Address::with_last_byte(0x43);
    for i in 1..=3u64 {
        l1.deposit(recipient, i * 1_000_000_000_000_000).await;
    }
    let block = l1.send_to_l2(target, 5_000, 7, &[0xde, 0xad]).await;

    let report = watcher.poll_once().await.expect("poll");
    assert_eq!(report.queued, 4);
    assert_eq!(report.next_id, 4);
    let cursor = db.read().unwrap().l1_cursor().unwrap().expect("cursor");
    assert_eq!(cursor.number, block);
    let txs = assert_queue_matches_bridge(&l1, &db, 4).await;

    let l2_bridge = l1.bridge().L2_BRIDGE().call().await.unwrap();
    for (i, tx) in txs[..3].iter().enumerate() {
        let wei = U256::from((i as u64 + 1) * 1_000_000_000_000_000);
        assert_eq!((tx.from, tx.to), (l2_bridge, TxKind::Call(l2_bridge)));
        assert_eq!((tx.mint, tx.value), (wei, wei));
        let call = L2Bridge::mintETHCall { l1Sender: l1.user, to: recipient };
        assert_eq!(tx.input, Bytes::from(call.abi_encode()));
        assert_eq!(tx.gas_limit, l1.deployment.deposit_gas_limit);
    }
    let send = &txs[3];
    assert_eq!((send.from, send.to), (l1.user, TxKind::Call(target)));
    assert_eq!(
        (send.mint, send.value, send.gas_limit),
        (U256::from(5_000), U256::from(7), 200_000)
    );
    assert_eq!(send.input, Bytes::from_static(&[0xde, 0xad]));

    // Polling again queues nothing twice; the blob base fee is stored.
    let again = watcher.poll_once().await.expect("poll");
    assert_eq!((again.queued, again.next_id), (0, 4));
    assert_eq!(queue(&db).len(), 4);
    let fee: u128 = l1.provider.get_blob_base_fee().await.unwrap();
    assert_eq!(db.read().unwrap().l1_blob_base_fee().unwrap(), Some(fee));
    let health = watcher.health().borrow().clone();
    assert!(health.last_success.is_some() && health.last_error.is_none());
    assert_eq!(health.next_id, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn confirmations_hold_back_recent_blocks_until_enough_are_mined() {
    let (_anvil, l1, _dir, db, watcher) = started(3).await;

    let block = l1.deposit(Address::with_last_byte(1), 1_000_000_000_000_000).await;
    let report = watcher.poll_once().await.unwrap();
    assert_eq!(report.queued, 0);
    assert_eq!(report.cursor.map(|c| c.number), Some(block - 3));
    l1.mine(2);
    assert_eq!(watcher.poll_once().await.unwrap().queued, 0, "block {block} has 2 confirmations");
    assert!(queue(&db).is_empty());
    l1.mine(1);
    let report = watcher.poll_once().await.unwrap();
    assert_eq!(report.queued, 1);
    assert_eq!(report.cursor.map(|c| c.number), Some(block));
    assert_queue_matches_bridge(&l1, &db, 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_and_cursor_survive_reopening_the_datadir_without_loss_or_duplicate() {
    let anvil = Anvil::start(&[]);
    let l1 = L1::deploy(&anvil.url, anvil.port).await;
    let dir = tempfile::tempdir().unwrap();
    // Small ranges: each poll stores several runs, and reopening lands between them.
    let config = WatcherConfig { max_block_range: 2, ..l1.config(0) };
    for _ in 0..3 {
        l1.deposit(Address::with_last_byte(7), 1_000_000_000_000_000).await;
    }
    let first_cursor = {
        let db = open(dir.path());
        let watcher = L1Watcher::new(config.clone(), db.clone()).unwrap();
        assert_eq!(watcher.poll_once().await.unwrap().queued, 3);
        db.read().unwrap().l1_cursor().unwrap().unwrap()
    };
    for _ in 0..4 {
        l1.deposit(Address::with_last_byte(8), 2_000_000_000_000_000).await;
    }
    l1.mine(5);
    let db = open(dir.path());
    assert_eq!(db.read().unwrap().l1_cursor().unwrap(), Some(first_cursor));
    assert_eq!(queue(&db).len(), 3);
    let watcher = L1Watcher::new(config, db.clone()).unwrap();
    assert_eq!(watcher.poll_once().await.unwrap().queued, 4);
    assert_eq!(watcher.poll_once().await.unwrap().queued, 0);
    let txs = assert_queue_matches_bridge(&l1, &db, 7).await;
    assert_eq!(txs[2].mint, U256::from(1_000_000_000_000_000u64));
    assert_eq!(txs[3].mint, U256::from(2_000_000_000_000_000u64));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reorg_above_the_confirmation_depth_queues_only_the_surviving_deposits() {
    let (_anvil, l1, _dir, db, watcher) = started(3).await;

    l1.deposit(Address::with_last_byte(1), 1_000_000_000_000_000).await;
    l1.mine(3);
    assert_eq!(watcher.poll_once().await.unwrap().queued, 1);
    let snapshot = l1.rpc("evm_snapshot", json!([]));
    // A deposit the reorg removes: seen by L1 but not yet confirmed.
    l1.deposit(Address::with_last_byte(2), 2_000_000_000_000_000).await;
    l1.mine(1);
    assert_eq!(watcher.poll_once().await.unwrap().queued, 0);
    assert_eq!(l1.rpc("evm_revert", json!([snapshot])), json!(true));
    // The other branch: a different deposit takes id 1.
    l1.deposit(Address::with_last_byte(3), 3_000_000_000_000_000).await;
    l1.mine(3);
    assert_eq!(watcher.poll_once().await.unwrap().queued, 1);
    let txs = assert_queue_matches_bridge(&l1, &db, 2).await;
    assert_eq!(txs[1].mint, U256::from(3_000_000_000_000_000u64));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reorg_of_the_cursor_block_stops_intake_with_a_critical_error() {
    let (_anvil, l1, _dir, db, watcher) = started(0).await;

    let snapshot = l1.rpc("evm_snapshot", json!([]));
    l1.deposit(Address::with_last_byte(1), 1_000_000_000_000_000).await;
    assert_eq!(watcher.poll_once().await.unwrap().queued, 1);
    let cursor = db.read().unwrap().l1_cursor().unwrap().unwrap();
    assert_eq!(l1.rpc("evm_revert", json!([snapshot])), json!(true));
    l1.deposit(Address::with_last_byte(2), 2_000_000_000_000_000).await;
    l1.mine(2);

    let err = watcher.poll_once().await.unwrap_err();
    assert!(err.is_critical(), "{err}");
    assert!(
        matches!(err, WatcherError::DeepReorg { number, stored, .. } if number == cursor.number && stored == cursor.hash),
        "{err}"
    );
    // Stopped for good: nothing more is read or queued, and `run` returns the error at once.
    assert!(matches!(watcher.poll_once().await, Err(WatcherError::Stopped(_))));
    assert!(watcher.health().borrow().stopped.as_deref().unwrap().contains("reorg"));
    let fresh = L1Watcher::new(l1.config(0), db.clone()).unwrap();
    let run = tokio::time::timeout(Duration::from_secs(30), fresh.run(std::future::pending()));
    assert!(matches!(run.await.expect("run returns"), Err(WatcherError::DeepReorg { .. })));
    assert_eq!(queue(&db).len(), 1);
    assert_eq!(db.read().unwrap().l1_cursor().unwrap(), Some(cursor));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reorg_of_the_cursor_block_that_removed_no_queued_deposit_is_followed() {
    let (_anvil, l1, _dir, db, watcher) = started(0).await;

    l1.deposit(Address::with_last_byte(1), 1_000_000_000_000_000).await;
    assert_eq!(watcher.poll_once().await.unwrap().queued, 1);
    // Blocks without deposits, read, then reverted (a dev L1's snapshot and revert).
    let snapshot = l1.rpc("evm_snapshot", json!([]));
    l1.mine(2);
    assert_eq!(watcher.poll_once().await.unwrap().queued, 0);
    let cursor = db.read().unwrap().l1_cursor().unwrap().unwrap();
    assert_eq!(l1.rpc("evm_revert", json!([snapshot])), json!(true));

    // Head below the cursor: followed at once; a deposit on the new branch arrives.
    l1.deposit(Address::with_last_byte(2), 2_000_000_000_000_000).await;
    assert_eq!(watcher.poll_once().await.unwrap().queued, 1);
    // The cursor block replaced by a longer branch: followed too.
    let snapshot = l1.rpc("evm_snapshot", json!([]));
    l1.mine(1);
    assert_eq!(watcher.poll_once().await.unwrap().queued, 0);
    assert_eq!(l1.rpc("evm_revert", json!([snapshot])), json!(true));
    l1.mine(3);
    l1.deposit(Address::with_last_byte(3), 3_000_000_000_000_000).await;
    assert_eq!(watcher.poll_once().await.unwrap().queued, 1);

    let txs = assert_queue_matches_bridge(&l1, &db, 3).await;
    let mints: Vec<U256> = txs.iter().map(|tx| tx.mint).collect();
    assert_eq!(mints, [1u64, 2, 3].map(|m| U256::from(m * 1_000_000_000_000_000)));
    assert!(watcher.health().borrow().stopped.is_none());
    assert_ne!(db.read().unwrap().l1_cursor().unwrap(), Some(cursor));
}

/// anvil on `port` keeping its chain in `state` across restarts (written on SIGTERM).
fn stateful_anvil(port: u16, state: &Path) -> Anvil {
    Anvil::start_on(port, &["--state", state.to_str().unwrap()])
}

/// Waits until the watcher's health satisfies `done`.
async fn wait_for(
    health: &mut tokio::sync::watch::Receiver<basalt_watcher::WatcherHealth>,
    what: &str,
    done: impl Fn(&basalt_watcher::WatcherHealth) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(&health.borrow_and_update()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}: {:?}", *health.borrow());
        let _ = tokio::time::timeout(Duration::from_millis(200), health.changed()).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_l1_endpoint_is_retried_with_backoff_and_deposits_flow_once_it_is_back() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let state_dir = tempfile::tempdir().unwrap();
    let state = state_dir.path().join("anvil-state.json");

    // The deployment is needed for the configuration: deploy on the same port first, stop.
    let anvil = stateful_anvil(port, &state);
    let l1 = L1::deploy(&url, port).await;
    anvil.terminate();

    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    let config = WatcherConfig {
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        ..l1.config(0)
    };
    let watcher = Arc::new(L1Watcher::new(config, db.clone()).unwrap());
    let mut health = watcher.health();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn({
        let watcher = watcher.clone();
        async move {
            watcher
                .run(async {
                    let _ = stopped.await;
                })
                .await
        }
    });

    // Nothing listens: errors, counted, with backoff between them.
    let started = Instant::now();
    wait_for(&mut health, "failures", |h| h.failures >= 5).await;
    let err = health.borrow().last_error.clone().unwrap();
    assert!(err.contains(&url), "{err}");
    // 20 + 40 + 80 + 160 ms at least between the first five attempts.
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    assert!(health.borrow().last_success.is_none());

    let anvil = stateful_anvil(port, &state);
    l1.deposit(Address::with_last_byte(1), 1_000_000_000_000_000).await;
    wait_for(&mut health, "the first deposit", |h| h.next_id == 1).await;
    assert!(health.borrow().last_error.is_none());

    // Killed mid-stream: errors again; deposits made once it is back arrive, none doubled.
    anvil.terminate();
    wait_for(&mut health, "failures", |h| h.failures >= 2).await;
    let anvil = stateful_anvil(port, &state);
    l1.deposit(Address::with_last_byte(2), 2_000_000_000_000_000).await;
    l1.deposit(Address::with_last_byte(3), 3_000_000_000_000_000).await;
    wait_for(&mut health, "the later deposits", |h| h.next_id == 3).await;
    assert!(health.borrow().stopped.is_none());
    assert_queue_matches_bridge(&l1, &db, 3).await;

    stop.send(()).unwrap();
    task.await.unwrap().expect("run ends cleanly on shutdown");
    drop(anvil);
}
