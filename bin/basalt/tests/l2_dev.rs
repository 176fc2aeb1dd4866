//! `basalt dev` as a user runs it: one process, two chains. The dev accounts are funded on L2 by
//! real deposits (the L1 bridge holds what the L2 minted), a deposit made with cast reaches the
//! L2 within two blocks, cast and ethers transfer on the L2, the predeploys answer, the L2 has
//! `basalt_rollupConfig` and no dev controls, and with `--datadir` a restart (even after kill -9)
//! resumes both chains without funding twice and without forgetting an accepted transaction.

mod accounting;
mod dev;
use dev::{Dev, quantity};

use basalt_test_harness::{npm_bin, repo_root, rpc_call};
use serde_json::{Value, json};
use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const ACCOUNT_1: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const KEY_2: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const WETH: &str = "0x4200000000000000000000000000000000000006";
const MULTICALL3: &str = "0xcA11bde05977b3631167028862bE2a173976CA11";
const ETHER: u128 = 1_000_000_000_000_000_000;

/// Runs cast with `args`; returns stdout, panics with stderr on failure.
fn cast(args: &[&str]) -> String {
    let output = Command::new(npm_bin("cast")).args(args).output().expect("run cast");
    assert!(output.status.success(), "cast {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The receipt of a transfer of `value` (cast's units) from account 1 to `to` on `url`.
fn send_ether(url: &str, to: &str, value: &str) -> Value {
    let sent = cast(&["send", to, "--value", value, "--private-key", KEY_1, "-r", url, "--json"]);
    serde_json::from_str(&sent).unwrap()
}

#[test]
fn basalt_dev_runs_both_chains_with_dev_accounts_funded_by_deposits() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &["--block-time", "1"]);
    let out = dev.output();
    for expected in ["Private Keys", "CommonBridge:", "OnChainProposer:", "L2 bridge:", "Chain ID:"]
    {
        assert!(out.contains(expected), "banner lacks {expected}:\n{out}");
    }

    // Funded by deposits: 10,000 ETH each on L2, and the L1 bridge holds the ten deposits.
    let config = dev.result(dev.l2, "basalt_rollupConfig", json!([]));
    for key in [
        "l1ChainId",
        "l2ChainId",
        "bridge",
        "onChainProposer",
        "timelock",
        "l1DeployBlock",
        "blockTime",
    ] {
        assert!(config.get(key).is_some_and(|v| !v.is_null()), "{key} missing: {config}");
    }
    assert_eq!(config["l1ChainId"], 31337);
    assert_eq!(config["fees"]["version"], 1);
    assert_eq!(config["fees"]["eip1559"]["baseFeeMaxChangeDenominator"], 8);
    // The watcher stored the dev L1's blob base fee (1 wei on an idle chain, EIP-4844's floor).
    assert!(config["fees"]["l1BlobBaseFee"].as_str().is_some_and(|fee| fee.starts_with("0x")));
    assert_eq!(config["blockTime"], 1.0);
    let bridge = config["bridge"].as_str().unwrap().to_string();
    assert_eq!(dev.l2_balance(ACCOUNT_1), 10_000 * ETHER);
    let locked = quantity(&dev.result(dev.l1, "eth_getBalance", json!([bridge, "latest"])));
    assert_eq!(locked, 10 * 10_000 * ETHER);
    assert_eq!(
        quantity(&dev.result(dev.l2, "eth_chainId", json!([]))) as u64,
        config["l2ChainId"].as_u64().unwrap()
    );

    // The dev controls are the L1's alone (the L2's RPC backend has no anvil layer).
    let someone = "0x00000000000000000000000000000000000a0a0a";
    for (method, params) in [
        ("evm_mine", json!([])),
        ("evm_snapshot", json!([])),
        ("evm_revert", json!(["0x0"])),
        ("evm_increaseTime", json!([60])),
        ("evm_setNextBlockTimestamp", json!([4_000_000_000u64])),
        ("anvil_setBalance", json!([someone, "0x1"])),
        ("anvil_impersonateAccount", json!([someone])),
        ("anvil_rollback", json!([1])),
    ] {
        assert_eq!(rpc_call(dev.l2, method, params)["error"]["code"], -32601, "{method}");
    }
    // Without impersonation, the L2 refuses to send for an account it holds no key for.
    let refused =
        rpc_call(dev.l2, "eth_sendTransaction", json!([{ "from": someone, "to": someone }]));
    assert_eq!(refused["error"]["code"], -32000, "{refused}");
    assert!(rpc_call(dev.l1, "evm_snapshot", json!([])).get("result").is_some());

    // A deposit with cast arrives within two L2 blocks of its L1 inclusion.
    let recipient = "0x00000000000000000000000000000000000b0b0b";
    let l2_url = dev.l2_url();
    let l1_url = dev.l1_url();
    // Counted from the L2 head when the deposit is sent (cast returns at its L1 inclusion).
    let start_block = dev.l2_block();
    cast(&[
        "send",
        &bridge,
        "deposit(address)",
        recipient,
        "--value",
        "3ether",
        "--private-key",
        KEY_2,
        "-r",
        &l1_url,
    ]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while dev.l2_balance(recipient) == 0 {
        assert!(Instant::now() < deadline, "deposit never arrived:\n{}", dev.output());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(dev.l2_balance(recipient), 3 * ETHER);
    assert!(dev.l2_block() <= start_block + 2, "took more than two L2 blocks");

    // Transfers on the L2 with cast and with ethers.
    let sink = "0x000000000000000000000000000000000000dEaD";
    let receipt = send_ether(&l2_url, sink, "1ether");
    assert_eq!(receipt["status"], "0x1");

    // The transfer's block is sealed into a batch within a few seconds (commit interval 1 s),
    // whose blob versioned hash and commitments the RPC serves.
    let block = quantity(&receipt["blockNumber"]) as u64;
    // An upper bound: the first batch waits for the KZG trusted setup to load (seconds).
    let deadline = Instant::now() + Duration::from_secs(60);
    let batch = loop {
        let sealed = quantity(&dev.result(dev.l2, "basalt_batchNumber", json!([]))["sealed"]);
        let found = (1..=sealed as u64).rev().find_map(|n| {
            let batch = dev.result(dev.l2, "basalt_getBatchByNumber", json!([n, true]));
            let (first, last) = (quantity(&batch["firstBlock"]), quantity(&batch["lastBlock"]));
            ((first as u64..=last as u64).contains(&block)).then_some(batch)
        });
        if let Some(batch) = found {
            break batch;
        }
        assert!(Instant::now() < deadline, "block {block} never sealed:\n{}", dev.output());
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        ["sealed", "committed", "verified"].contains(&batch["status"].as_str().unwrap()),
        "{batch}"
    );
    assert_eq!(batch["daMode"], "blocks");
    assert_eq!(batch["blobVersionedHashes"].as_array().unwrap().len(), 1);
    assert!(quantity(&batch["nonPrivilegedTxCount"]) >= 1);
    let data = batch["data"].as_str().unwrap();
    assert_eq!((data.len() as u128 - 2) / 2, quantity(&batch["compressedBytes"]));
    assert!(dev.result(dev.l2, "basalt_getBatchByNumber", json!([100_000])).is_null());

    let script = format!(
        "import {{ ethers }} from 'ethers';\
         const provider = new ethers.JsonRpcProvider('{l2_url}');\
         const wallet = new ethers.Wallet('{KEY_2}', provider);\
         const tx = await wallet.sendTransaction({{ to: '{sink}', value: ethers.parseEther('2') }});\
         const receipt = await tx.wait();\
         console.log(receipt.status);"
    );
    let output = Command::new("node")
        .current_dir(repo_root())
        .args(["--input-type=module", "-e", &script])
        .stderr(Stdio::inherit())
        .output()
        .expect("run node");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "1", "ethers transfer");
    assert_eq!(dev.l2_balance(sink), 3 * ETHER);

    // A blob transaction is refused with a clear error (cast builds the sidecar and proofs).
    let blob = dir.path().join("blob.txt");
    std::fs::write(&blob, b"data for a blob").unwrap();
    let refused = Command::new(npm_bin("cast"))
        .args(["send", "--blob", "--path", blob.to_str().unwrap(), "--private-key", KEY_1])
        .args(["-r", &l2_url, sink])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("-32000") && stderr.contains("blob transactions (type 0x3)"),
        "{stderr}"
    );

    // The predeploys answer.
    assert_eq!(cast(&["call", WETH, "name()(string)", "-r", &l2_url]), "\"Wrapped Ether\"");
    assert_eq!(cast(&["call", WETH, "symbol()(string)", "-r", &l2_url]), "\"WETH\"");
    let name_call = cast(&["calldata", "name()"]);
    let aggregated = cast(&[
        "call",
        MULTICALL3,
        "aggregate3((address,bool,bytes)[])((bool,bytes)[])",
        &format!("[({WETH},false,{name_call})]"),
        "-r",
        &l2_url,
    ]);
    assert!(aggregated.starts_with("[(true, 0x"), "{aggregated}");
    accounting::assert_eth_accounting(dev.l1, dev.l2, &|| dev.output());
}

/// L2 traffic on `basalt dev` reaches the dev L1: every batch is committed in one blob
/// transaction (type 3) from the committer's own account to the proposer, and its blobs, read
/// back with anvil's `anvil_getBlobsByTransactionHash`, decode to exactly the L2's blocks.
#[test]
fn basalt_dev_commits_batches_in_blob_transactions_that_decode_to_the_l2_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &[]);
    let (l1_url, l2_url) = (dev.l1_url(), dev.l2_url());
    let sink = "0x000000000000000000000000000000000000bEEF";
    let mut last_tx_block = 0;
    for value in ["1", "2", "3"] {
        let receipt = send_ether(&l2_url, sink, &format!("{value}ether"));
        last_tx_block = quantity(&receipt["blockNumber"]) as u64;
    }
    let proposer = dev.result(dev.l2, "basalt_rollupConfig", json!([]))["onChainProposer"]
        .as_str()
        .unwrap()
        .to_string();

    // Committed up to the last transfer's block within a few seconds.
    let committed = dev.wait_until_committed(last_tx_block);
    let on_l1 = cast(&["call", &proposer, "lastCommittedBatch()(uint256)", "-r", &l1_url]);
    assert!(on_l1.parse::<u64>().unwrap() >= committed, "{on_l1}");

    let mut next_block = 1;
    let mut committers = std::collections::HashSet::new();
    for number in 1..=committed {
        let batch = dev.result(dev.l2, "basalt_getBatchByNumber", json!([number, true]));
        // The in-process attester proves and the proof sender verifies within about a second.
        let status = batch["status"].as_str().unwrap();
        assert!(["committed", "verified"].contains(&status), "{batch}");
        assert_eq!(quantity(&batch["firstBlock"]) as u64, next_block, "batches leave no gap");
        next_block = quantity(&batch["lastBlock"]) as u64 + 1;
        let hash = batch["commitTxHash"].as_str().expect("commit transaction known").to_string();
        let tx = dev.result(dev.l1, "eth_getTransactionByHash", json!([hash]));
        assert_eq!(tx["type"], "0x3", "a blob transaction: {tx}");
        assert_eq!(tx["to"].as_str().unwrap().to_lowercase(), proposer.to_lowercase());
        assert_eq!(tx["blobVersionedHashes"], batch["blobVersionedHashes"]);
        committers.insert(tx["from"].as_str().unwrap().to_lowercase());
        let receipt = dev.result(dev.l1, "eth_getTransactionReceipt", json!([hash]));
        assert_eq!(receipt["status"], "0x1");

        let blobs: Vec<Vec<u8>> = serde_json::from_value::<Vec<alloy_primitives::Bytes>>(
            dev.result(dev.l1, "anvil_getBlobsByTransactionHash", json!([hash])),
        )
        .unwrap()
        .into_iter()
        .map(|blob| blob.to_vec())
        .collect();
        let data = basalt_da::decode_blobs(&blobs).unwrap();
        let expected: alloy_primitives::Bytes =
            serde_json::from_value(batch["data"].clone()).unwrap();
        assert_eq!(data, expected.to_vec(), "batch {number}: blobs carry the batch data");
        let payload =
            basalt_da::decode_compressed(&data, quantity(&batch["payloadBytes"]) as usize).unwrap();
        let blocks = basalt_da::decode_blocks(&payload).unwrap();
        assert_eq!(blocks.first_block, quantity(&batch["firstBlock"]) as u64);
        assert_eq!(blocks.blocks.len() as u64, next_block - blocks.first_block);
        for (offset, block) in blocks.blocks.iter().enumerate() {
            let number = blocks.first_block + offset as u64;
            let l2 =
                dev.result(dev.l2, "eth_getBlockByNumber", json!([format!("0x{number:x}"), false]));
            assert_eq!(quantity(&l2["timestamp"]) as u64, block.timestamp, "block {number}");
            assert_eq!(l2["transactionsRoot"], json!(block.transactions_root), "block {number}");
            let count = l2["transactions"].as_array().unwrap().len() as u64;
            assert_eq!(block.privileged_count + block.transactions.len() as u64, count);
        }
    }
    assert!(next_block > last_tx_block);
    assert_eq!(committers.len(), 1, "one committer account: {committers:?}");
    assert!(!committers.contains(&ACCOUNT_1.to_lowercase()));
}

/// `basalt dev --da-mode state-diff`: the committed blobs decode to exactly the L2's changes:
/// applied to the L2 state before each batch, every account's diff gives its nonce, balance and
/// slots after the batch's last block, and the transfers' recipient is among them.
#[test]
fn basalt_dev_in_state_diff_mode_commits_blobs_that_decode_to_the_l2_state_changes() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &["--da-mode", "state-diff"]);
    assert!(dev.output().contains("DA mode:           state-diff"), "{}", dev.output());
    let sink = "0x000000000000000000000000000000000000bEEF";
    let receipt = send_ether(&dev.l2_url(), sink, "5ether");
    let tx_block = quantity(&receipt["blockNumber"]) as u64;
    let committed = dev.wait_until_committed(tx_block);
    let tag = |block: u64| format!("0x{block:x}");
    let mut saw_sink = false;
    for number in 1..=committed {
        let batch = dev.result(dev.l2, "basalt_getBatchByNumber", json!([number, true]));
        assert_eq!(batch["daMode"], "state-diff");
        let hash = batch["commitTxHash"].as_str().unwrap();
        let blobs: Vec<alloy_primitives::Bytes> = serde_json::from_value(dev.result(
            dev.l1,
            "anvil_getBlobsByTransactionHash",
            json!([hash]),
        ))
        .unwrap();
        let data = basalt_da::decode_blobs(&blobs).unwrap();
        let payload =
            basalt_da::decode_compressed(&data, quantity(&batch["payloadBytes"]) as usize).unwrap();
        let diff = basalt_da::decode_state_diff(&payload).unwrap();
        let (first, last) =
            (quantity(&batch["firstBlock"]) as u64, quantity(&batch["lastBlock"]) as u64);
        assert_eq!((diff.first_block, diff.block_count), (first, last - first + 1));
        let (before, after) = (tag(first - 1), tag(last));
        for account in &diff.accounts {
            assert!(!account.removed);
            let address = account.address.to_string();
            let value = |method: &str, block: &str| {
                let answer = dev.result(dev.l2, method, json!([address, block]));
                serde_json::from_value::<alloy_primitives::U256>(answer).unwrap()
            };
            if let Some(change) = account.balance {
                let old = value("eth_getBalance", &before);
                assert_eq!(change.apply(old), Some(value("eth_getBalance", &after)), "{address}");
            }
            if let Some(change) = account.nonce {
                let old = value("eth_getTransactionCount", &before).to::<u64>();
                let new = value("eth_getTransactionCount", &after).to::<u64>();
                assert_eq!(change.apply(old), Some(new), "nonce of {address}");
            }
            for slot in &account.storage {
                let key = slot.key.resolve();
                let read = |block: &str| {
                    let word = dev.result(dev.l2, "eth_getStorageAt", json!([address, key, block]));
                    serde_json::from_value::<alloy_primitives::U256>(word).unwrap()
                };
                assert_eq!(slot.value.apply(read(&before)), Some(read(&after)), "{address} {key}");
            }
            saw_sink |= account.address.to_string().eq_ignore_ascii_case(sink);
        }
    }
    assert!(saw_sink, "the transfer's recipient is in a committed state diff");
}

#[test]
fn a_restarted_basalt_dev_resumes_both_chains_and_keeps_accepted_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let datadir = dir.path().join("data");
    let data = datadir.to_str().unwrap();
    let dev = Dev::start(dir.path(), &["--datadir", data, "--block-time", "1"]);
    let l2_url = dev.l2_url();
    cast(&[
        "send",
        "0x000000000000000000000000000000000000dEaD",
        "--value",
        "1ether",
        "--private-key",
        KEY_1,
        "-r",
        &l2_url,
    ]);
    let before = dev.l2_balance(ACCOUNT_1);
    assert!(before < 9_999 * ETHER && before > 9_998 * ETHER, "{before}");
    let l1_head = quantity(&dev.result(dev.l1, "eth_blockNumber", json!([])));
    let l2_head = dev.l2_block();
    // The sealer (every second) seals the funding deposits' blocks once the KZG trusted setup
    // has loaded (seconds).
    let deadline = Instant::now() + Duration::from_secs(60);
    let sealed_before = loop {
        let sealed = quantity(&dev.result(dev.l2, "basalt_batchNumber", json!([]))["sealed"]);
        if sealed >= 1 {
            break sealed;
        }
        assert!(Instant::now() < deadline, "no batch sealed:\n{}", dev.output());
        std::thread::sleep(Duration::from_millis(200));
    };
    dev.kill9();

    // Resumed: the same balances, heads not behind, no second funding, the sealed batches kept.
    let dev = Dev::start(dir.path(), &["--datadir", data, "--block-time", "10"]);
    assert!(dev.output().contains("ready in "));
    let sealed = quantity(&dev.result(dev.l2, "basalt_batchNumber", json!([]))["sealed"]);
    assert!(
        sealed >= sealed_before && sealed_before >= 1,
        "{sealed_before} then {sealed}:\n{}",
        dev.output()
    );
    assert_eq!(dev.l2_balance(ACCOUNT_1), before);
    assert!(quantity(&dev.result(dev.l1, "eth_blockNumber", json!([]))) >= l1_head);
    assert!(dev.l2_block() >= l2_head);

    // A transaction the L2 acknowledged, then kill -9 before its block (blocks every 10 s).
    let l2_url = dev.l2_url();
    let hash = cast(&[
        "send",
        "0x000000000000000000000000000000000000bEEF",
        "--value",
        "5",
        "--private-key",
        KEY_1,
        "-r",
        &l2_url,
        "--async",
    ]);
    assert!(hash.starts_with("0x"), "{hash}");
    assert!(dev.result(dev.l2, "eth_getTransactionReceipt", json!([hash])).is_null());
    dev.kill9();

    let dev = Dev::start(dir.path(), &["--datadir", data, "--block-time", "1"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let receipt = dev.result(dev.l2, "eth_getTransactionReceipt", json!([hash]));
        if !receipt.is_null() {
            assert_eq!(receipt["status"], "0x1");
            break;
        }
        assert!(Instant::now() < deadline, "journaled transaction never mined:\n{}", dev.output());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(dev.l2_balance("0x000000000000000000000000000000000000bEEF"), 5);
}
