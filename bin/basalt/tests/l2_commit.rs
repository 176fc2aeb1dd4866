//! The L1 committer under `basalt sequencer` with anvil as the L1, through real processes:
//! batches are committed as blob transactions (type 3) that decode back to the batch data;
//! `kill -9` while a commit sits in anvil's pool, then a base-fee spike that strands it: the
//! restarted sequencer replaces it and no batch is lost or committed twice; the L1 endpoint
//! dead for 60 s: batches queue and are all committed once it is back; a key the proposer does
//! not list gets its revert logged by name; a Prague L1 gets EIP-4844 blob proofs.

mod rollup;

use alloy_primitives::U256;
use basalt_test_harness::rpc_call;
use rollup::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// `basalt_batchNumber` of the sequencer: (sealed, committed).
fn batch_numbers(sequencer: &Sequencer) -> (u64, u64) {
    let numbers = sequencer.result("basalt_batchNumber", json!([]));
    (quantity(&numbers["sealed"]), quantity(&numbers["committed"]))
}

/// The proposer's `lastCommittedBatch()` on L1.
fn l1_committed(l1: &L1) -> u64 {
    let proposer = l1.deployment["rollup"].as_str().unwrap();
    cast(&["call", proposer, "lastCommittedBatch()(uint256)", "--rpc-url", &l1.anvil.url])
        .parse()
        .unwrap()
}

fn l1_rpc(l1: &L1, method: &str, params: Value) -> Value {
    let response = rpc_call(l1.anvil.port, method, params.clone());
    response.get("result").cloned().unwrap_or_else(|| panic!("{method} {params}: {response}"))
}

/// The committer's (the deployer's) L1 nonce.
fn committer_nonce(l1: &L1) -> u64 {
    quantity(&l1_rpc(l1, "eth_getTransactionCount", json!([DEPLOYER, "latest"])))
}

/// Waits until at least `min_sealed` batches are sealed and every batch sealed by then is
/// committed, on L1 and in the sequencer's records; returns that number.
fn wait_until_all_committed(
    l1: &L1,
    sequencer: &Sequencer,
    min_sealed: u64,
    timeout: Duration,
) -> u64 {
    let sealed = wait_until(&format!("batch {min_sealed} sealed"), timeout, || {
        let (sealed, _) = batch_numbers(sequencer);
        (sealed >= min_sealed).then_some(sealed)
    });
    wait_until(&format!("batch {sealed} committed"), timeout, || {
        let (_, committed) = batch_numbers(sequencer);
        (committed >= sealed && l1_committed(l1) >= sealed).then_some(())
    });
    sealed
}

/// Every batch up to `last` is committed by a successful type-3 transaction of the committer
/// whose blobs, as anvil serves them, carry the batch's data.
fn assert_committed_in_blobs(l1: &L1, sequencer: &Sequencer, last: u64) {
    for number in 1..=last {
        let batch = sequencer.result("basalt_getBatchByNumber", json!([number, true]));
        assert_eq!(batch["status"], "committed", "{batch}");
        let hash = batch["commitTxHash"].as_str().expect("commit transaction known");
        let tx = l1_rpc(l1, "eth_getTransactionByHash", json!([hash]));
        assert_eq!(tx["type"], "0x3", "{tx}");
        assert_eq!(tx["from"].as_str().unwrap().to_lowercase(), DEPLOYER.to_lowercase());
        assert_eq!(tx["blobVersionedHashes"], batch["blobVersionedHashes"]);
        let receipt = l1_rpc(l1, "eth_getTransactionReceipt", json!([hash]));
        assert_eq!(receipt["status"], "0x1");
        let blobs: Vec<alloy_primitives::Bytes> =
            serde_json::from_value(l1_rpc(l1, "anvil_getBlobsByTransactionHash", json!([hash])))
                .unwrap();
        let data = basalt_da::decode_blobs(&blobs).unwrap();
        let expected: alloy_primitives::Bytes =
            serde_json::from_value(batch["data"].clone()).unwrap();
        assert_eq!(data, expected.to_vec(), "batch {number}");
    }
}

/// Starts a sequencer committing with the deployer's key on `l1_url`.
fn start_sequencer(l1: &L1, l1_url: &str, datadir: &std::path::Path, log: &str) -> Sequencer {
    Sequencer::start(
        &SequencerArgs {
            l1_url,
            deployment: &l1.deploy_json(),
            datadir,
            confirmations: 0,
            block_time: 1.0,
            extra: &[
                "--committer-key",
                DEPLOYER_KEY,
                "--commit-interval",
                "1",
                "--commit-resubmit-after",
                "3",
            ],
        },
        log,
    )
}

/// Funds [`L2_KEY`]'s account on L2 with a deposit.
fn fund_l2_key(l1: &L1, sequencer: &Sequencer) {
    let account = cast(&["wallet", "address", "--private-key", L2_KEY]);
    l1.deposit(ALICE, &account, 100 * MILLI_ETHER);
    sequencer.wait_for_balance(&account, U256::from(100 * MILLI_ETHER), Duration::from_secs(20));
}

/// `kill -9` while a commit waits in anvil's pool (mining paused), then a base-fee spike that
/// leaves it stuck: the restarted sequencer does not send a second commit beside it, replaces
/// it with fees above the spike, and every batch ends committed exactly once (the committer's
/// nonce rose by exactly the number of batches, so no duplicate commit was even mined).
#[test]
fn kill_9_during_a_commit_and_a_fee_spike_lose_no_batch_and_commit_none_twice() {
    let l1 = L1::start();
    let dir = tempfile::tempdir().unwrap();
    let datadir = dir.path().join("data");
    let nonce_before = committer_nonce(&l1);
    let sequencer = start_sequencer(&l1, &l1.anvil.url, &datadir, "sequencer-1.log");
    fund_l2_key(&l1, &sequencer);
    let first = wait_until_all_committed(&l1, &sequencer, 1, Duration::from_secs(30));

    // Mining paused: the next commit stays in anvil's pool.
    l1_rpc(&l1, "evm_setAutomine", json!([false]));
    l2_transfer(&sequencer, "0x00000000000000000000000000000000000c0001");
    wait_until("a commit sent into the paused L1", Duration::from_secs(30), || {
        let sent = sequencer.log().matches("committer: sent commitBatch").count();
        (sent as u64 > first).then_some(())
    });
    sequencer.kill9();

    // The next L1 block's base fee jumps to 500 gwei: the pending commit (priced for ~1 gwei)
    // cannot be included, and blocks come every second from now on.
    l1_rpc(&l1, "anvil_setNextBlockBaseFeePerGas", json!(["0x746a528800"]));
    l1_rpc(&l1, "evm_setIntervalMining", json!([1]));
    let sequencer = start_sequencer(&l1, &l1.anvil.url, &datadir, "sequencer-2.log");
    l2_transfer(&sequencer, "0x00000000000000000000000000000000000c0002");
    let last = wait_until_all_committed(&l1, &sequencer, first + 2, Duration::from_secs(60));
    let log = sequencer.log();
    assert!(log.contains("replaced a stuck commit"), "the stuck commit was replaced:\n{log}");

    assert_committed_in_blobs(&l1, &sequencer, last);
    assert_eq!(l1_committed(&l1), last);
    assert_eq!(committer_nonce(&l1) - nonce_before, last, "one mined commit per batch:\n{log}");
}

/// The L1 endpoint dead for 60 s (anvil alive, the proxy in front of it stopped): blocks and
/// batches go on, nothing is committed meanwhile, the sequencer stays up; once the endpoint is
/// back every queued batch is committed, in order, once each.
#[test]
fn sixty_seconds_of_dead_l1_queue_batches_that_are_committed_after() {
    let l1 = L1::start();
    let mut proxy = Proxy::new(l1.anvil.port);
    let dir = tempfile::tempdir().unwrap();
    let nonce_before = committer_nonce(&l1);
    let mut sequencer = start_sequencer(&l1, &proxy.url(), &dir.path().join("data"), "seq.log");
    fund_l2_key(&l1, &sequencer);
    let before = wait_until_all_committed(&l1, &sequencer, 1, Duration::from_secs(30));

    proxy.stop();
    let outage = Instant::now();
    let mut sent = 0u64;
    while outage.elapsed() < Duration::from_secs(60) {
        assert!(sequencer.is_running(), "the sequencer died:\n{}", sequencer.log());
        if sent < 5 {
            l2_transfer(&sequencer, &format!("0x00000000000000000000000000000000000d{sent:04x}"));
            sent += 1;
        }
        std::thread::sleep(Duration::from_secs(5));
    }
    let (sealed, committed) = batch_numbers(&sequencer);
    assert!(sealed >= before + 2, "batches sealed during the outage: {sealed} after {before}");
    assert_eq!(committed, before, "nothing committed while the L1 was unreachable");
    assert_eq!(l1_committed(&l1), before);

    proxy.start();
    let last = wait_until_all_committed(&l1, &sequencer, sealed, Duration::from_secs(60));
    assert!(sequencer.is_running());
    assert_committed_in_blobs(&l1, &sequencer, last);
    assert_eq!(committer_nonce(&l1) - nonce_before, last, "one commit per batch");
}

/// A committer key the proposer does not list: the simulated commit's revert is logged by its
/// contract error name (`NotSequencer` with the caller), nothing is sent, and blocks go on.
#[test]
fn a_committer_that_is_not_a_sequencer_logs_the_named_revert_and_sends_nothing() {
    let l1 = L1::start();
    let dir = tempfile::tempdir().unwrap();
    // anvil's account 1 (ALICE): funded, but not a sequencer.
    let alice_key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    let nonce =
        |l1: &L1| quantity(&l1_rpc(l1, "eth_getTransactionCount", json!([ALICE, "latest"])));
    let sequencer = Sequencer::start(
        &SequencerArgs {
            l1_url: &l1.anvil.url,
            deployment: &l1.deploy_json(),
            datadir: &dir.path().join("data"),
            confirmations: 0,
            block_time: 1.0,
            extra: &["--committer-key", alice_key, "--commit-interval", "1"],
        },
        "sequencer.log",
    );
    let before = nonce(&l1);
    let account = cast(&["wallet", "address", "--private-key", L2_KEY]);
    l1.deposit(DAVE, &account, 10 * MILLI_ETHER);
    sequencer.wait_for_balance(&account, U256::from(10 * MILLI_ETHER), Duration::from_secs(20));
    let log = wait_until("the named revert in the log", Duration::from_secs(30), || {
        let log = sequencer.log();
        log.contains("OnChainProposer.NotSequencer").then_some(log)
    });
    let line = log.lines().find(|line| line.contains("NotSequencer")).unwrap();
    assert!(line.contains("commitBatch(1) would revert"), "{line}");
    assert!(line.to_lowercase().contains(&ALICE.to_lowercase()[2..]), "names the caller: {line}");
    let lines = log.lines().filter(|line| line.contains("NotSequencer")).count();
    assert_eq!(lines, 1, "logged once, not per retry:\n{log}");
    let head = sequencer.block_number();
    sequencer.wait_for_block(head + 2);
    assert_eq!(nonce(&l1), before, "no commit transaction sent");
    assert_eq!(batch_numbers(&sequencer).1, 0);
}

/// An L1 before Osaka (anvil `--hardfork prague`, whose `eth_config` lists no P256VERIFY)
/// takes EIP-4844 blob proofs, one per blob: the committer sends those and the commit lands.
#[test]
fn a_prague_l1_gets_blob_proofs_and_accepts_the_commit() {
    let l1 = L1::deploy_on(basalt_test_harness::Anvil::start(&["--hardfork", "prague"]));
    let dir = tempfile::tempdir().unwrap();
    let sequencer = start_sequencer(&l1, &l1.anvil.url, &dir.path().join("data"), "seq.log");
    fund_l2_key(&l1, &sequencer);
    let last = wait_until_all_committed(&l1, &sequencer, 1, Duration::from_secs(30));
    assert_committed_in_blobs(&l1, &sequencer, last);
    assert!(!sequencer.log().contains("refused the commit"), "{}", sequencer.log());
}

/// A base-fee spike strands a commit this process sent: after `--commit-resubmit-after` it is
/// replaced (same nonce, fees above the spike, blob fee at least doubled) and the replacement
/// is what commits the batch.
#[test]
fn a_base_fee_spike_strands_a_commit_and_the_replacement_commits_the_batch() {
    let l1 = L1::start();
    let dir = tempfile::tempdir().unwrap();
    let nonce_before = committer_nonce(&l1);
    let sequencer = start_sequencer(&l1, &l1.anvil.url, &dir.path().join("data"), "seq.log");
    fund_l2_key(&l1, &sequencer);
    let first = wait_until_all_committed(&l1, &sequencer, 1, Duration::from_secs(30));

    // Mining paused, the commit is sent at today's prices; then the next block's base fee is
    // 500 gwei, and blocks come every second.
    l1_rpc(&l1, "evm_setAutomine", json!([false]));
    l2_transfer(&sequencer, "0x00000000000000000000000000000000000e0001");
    let deadline = Instant::now() + Duration::from_secs(30);
    let sent = wait_until("the commit sent", Duration::from_secs(31), || {
        let log = sequencer.log();
        assert!(Instant::now() < deadline, "no commit of batch {}:\n{log}", first + 1);
        let line = log.lines().rfind(|l| l.contains("committer: sent commitBatch"))?;
        line.contains(&format!("batch={}", first + 1)).then(|| line.to_string())
    });
    let stuck_hash = sent.split("tx=").nth(1).unwrap().split_whitespace().next().unwrap();
    let stuck = l1_rpc(&l1, "eth_getTransactionByHash", json!([stuck_hash]));
    l1_rpc(&l1, "anvil_setNextBlockBaseFeePerGas", json!(["0x746a528800"]));
    l1_rpc(&l1, "evm_setIntervalMining", json!([1]));

    let last = wait_until_all_committed(&l1, &sequencer, first + 1, Duration::from_secs(60));
    let batch = sequencer.result("basalt_getBatchByNumber", json!([first + 1]));
    let commit = batch["commitTxHash"].as_str().unwrap();
    assert_ne!(commit, stuck_hash, "the replacement committed it:\n{}", sequencer.log());
    let replacement = l1_rpc(&l1, "eth_getTransactionByHash", json!([commit]));
    assert_eq!(replacement["nonce"], stuck["nonce"]);
    let fee = |tx: &Value, field: &str| u128::from(quantity(&tx[field]));
    assert!(fee(&replacement, "maxFeePerGas") >= 500_000_000_000 * 7 / 8, "{replacement}");
    assert!(fee(&replacement, "maxFeePerGas") * 10 >= fee(&stuck, "maxFeePerGas") * 11);
    assert!(
        fee(&replacement, "maxPriorityFeePerGas") * 10 >= fee(&stuck, "maxPriorityFeePerGas") * 11
    );
    assert!(fee(&replacement, "maxFeePerBlobGas") >= 2 * fee(&stuck, "maxFeePerBlobGas"));
    assert!(sequencer.log().contains("replaced a stuck commit"));
    assert_committed_in_blobs(&l1, &sequencer, last);
    assert_eq!(committer_nonce(&l1) - nonce_before, last, "one mined commit per batch");
}
