//! `basalt sequencer` with anvil from npm as its L1, all through real processes and real
//! clients: deposits made with `cast send` reach the L2 after the configured confirmations;
//! `sendToL2` delivers the right `msg.sender` (an EOA itself, a contract aliased); a deposit to
//! a reverting recipient is refunded as docs/contracts.md defines; L2 transfers with cast and
//! ethers; `kill -9` between a deposit and its inclusion credits it once; a dead L1 endpoint
//! (a proxy the test stops for 30 s) does not stop L2 blocks and deposits made meanwhile
//! arrive; a shallow `anvil_reorg` credits only the surviving deposits; bad configuration is
//! one error line and a non-zero exit.

mod accounting;
mod rollup;

use alloy_primitives::{Address, U256, keccak256};
use basalt_test_harness::{Anvil, e2e_bytecode, free_port, rpc_call};
use rollup::*;
use serde_json::{Value, json};
use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

// ---------------------------------------------------------------------------------------------
// 1. Deposits.

/// A `cast send` of `deposit(address)` is credited on L2 within two L2 blocks of its L1 block
/// reaching the configured confirmations, and not before it has them.
#[test]
fn a_cast_deposit_is_credited_within_two_l2_blocks_of_its_confirmations() {
    let rollup = Rollup::start(3, 1.0);
    let (l1, l2) = (&rollup.l1, &rollup.sequencer);
    let recipient = "0x00000000000000000000000000000000000d3b17";
    let amount = 25 * MILLI_ETHER;

    let deposit_block = l1.deposit(ALICE, recipient, amount);
    // Two blocks on top of it, three needed (`head - 3 >= block`): not yet. Three L2 blocks
    // give the watcher time to look.
    l1.mine(2);
    let start = l2.block_number();
    l2.wait_for_block(start + 3);
    assert_eq!(l2.balance(recipient), U256::ZERO, "credited before its confirmations");

    l1.mine(1);
    assert_eq!(l1.head(), deposit_block + 3);
    let confirmed_at = l2.block_number();
    l2.wait_for_block(confirmed_at + 2);
    assert_eq!(
        l2.balance_at(recipient, confirmed_at + 2),
        U256::from(amount),
        "not credited within two L2 blocks of its confirmations\n{}",
        l2.log()
    );
    let txs = l2.privileged_txs_naming(recipient);
    assert_eq!(txs.len(), 1, "{txs:?}");
    assert_eq!(txs[0]["mint"], format!("{amount:#x}"));
    let receipt = l2.result("eth_getTransactionReceipt", json!([txs[0]["hash"]]));
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    accounting::assert_eth_accounting(rollup.l1.anvil.port, rollup.sequencer.port, &|| {
        rollup.sequencer.log()
    });
}

// ---------------------------------------------------------------------------------------------
// 2. sendToL2 senders.

/// `sendToL2` from an EOA calls the L2 contract as the EOA itself; from an L1 contract, as the
/// contract's aliased address.
#[test]
fn send_to_l2_delivers_the_eoa_and_the_aliased_contract_as_msg_sender() {
    let rollup = Rollup::start(1, 1.0);
    let (l1, l2) = (&rollup.l1, &rollup.sequencer);
    let recorder = rollup.deploy_on_l2("SenderRecorder");
    let record = cast(&["calldata", "record()"]);
    let last_sender = || {
        let out = cast(&["call", &recorder, "lastSender()(address)", "--rpc-url", &l2.url]);
        address(&out)
    };
    let calls = || cast(&["call", &recorder, "calls()(uint256)", "--rpc-url", &l2.url]);

    // From an EOA: msg.sender on L2 is the EOA; the L1 call burns the L2 gas it buys.
    let receipt = l1.send(
        BOB,
        &l1.bridge(),
        0,
        &["sendToL2(address,uint256,uint256,bytes)", &recorder, "0", "100000", &record],
    );
    assert!(quantity(&receipt["gasUsed"]) >= 100_000, "burns its gas limit: {receipt}");
    l1.mine(1);
    wait_until("the EOA's call on L2", Duration::from_secs(20), || (calls() == "1").then_some(()));
    assert_eq!(last_sender(), address(BOB));

    // From an L1 contract: msg.sender on L2 is its alias.
    let code = e2e_bytecode("Bridging.sol", "L2Caller");
    let deployed: Value = serde_json::from_str(&cast(&[
        "send",
        "--json",
        "--unlocked",
        "--from",
        CAROL,
        "--rpc-url",
        &l1.anvil.url,
        "--create",
        &code,
    ]))
    .unwrap();
    let caller = deployed["contractAddress"].as_str().unwrap().to_string();
    l1.send(
        CAROL,
        &caller,
        0,
        &[
            "callL2(address,address,uint256,uint256,bytes)",
            &l1.bridge(),
            &recorder,
            "0",
            "100000",
            &record,
        ],
    );
    l1.mine(1);
    wait_until("the contract's call on L2", Duration::from_secs(20), || {
        (calls() == "2").then_some(())
    });
    let expected = aliased(&caller);
    assert_ne!(expected, address(&caller));
    assert_eq!(last_sender(), expected, "contract {caller}");
    // Both privileged transactions name those senders as `from`.
    let froms: Vec<Address> = l2
        .privileged_txs()
        .iter()
        .filter(|tx| tx["to"].as_str().unwrap().eq_ignore_ascii_case(&recorder))
        .map(|tx| address(tx["from"].as_str().unwrap()))
        .collect();
    assert_eq!(froms, [address(BOB), expected]);
    accounting::assert_eth_accounting(rollup.l1.anvil.port, rollup.sequencer.port, &|| {
        rollup.sequencer.log()
    });
}

// ---------------------------------------------------------------------------------------------
// 3. Refunds.

/// docs/contracts.md §Flows, "Failed deposits": a deposit the L2 recipient refuses is sent
/// back to its L1 sender as a withdrawal message (`DepositRefunded`, the messenger's
/// `L1Message` with the withdrawal data), its ether kept in the L2 bridge; the recipient gets
/// nothing and the privileged transaction succeeds. §"Privileged transactions on L2" 3(e): a
/// `sendToL2` with value whose call reverts keeps the mint with its sender and moves nothing;
/// one whose value is above what the sender holds is included as failed, the mint kept.
#[test]
fn a_deposit_to_a_reverting_recipient_is_refunded_as_the_contracts_define() {
    let rollup = Rollup::start(1, 1.0);
    let (l1, l2) = (&rollup.l1, &rollup.sequencer);
    let refuser = rollup.deploy_on_l2("Refuser");
    let amount = 7 * MILLI_ETHER;
    let bridge_before = l2.balance(L2_BRIDGE);

    l1.deposit(BOB, &refuser, amount);
    l1.mine(1);
    let tx = wait_until("the refused deposit on L2", Duration::from_secs(20), || {
        l2.privileged_txs_naming(&refuser).pop()
    });
    let receipt = l2.result("eth_getTransactionReceipt", json!([tx["hash"]]));
    assert_eq!(receipt["status"], "0x1", "a deposit never fails: {receipt}");
    assert_eq!(l2.balance(&refuser), U256::ZERO);
    assert_eq!(l2.balance(L2_BRIDGE), bridge_before + U256::from(amount), "kept in the bridge");

    // DepositRefunded(ETH, ETH, l1Sender, amount, messageId) from the L2 bridge.
    let refunded = keccak256("DepositRefunded(address,address,address,uint256,uint256)");
    let logs = receipt["logs"].as_array().unwrap();
    let log = logs
        .iter()
        .find(|log| log["topics"][0] == format!("{refunded:#x}"))
        .unwrap_or_else(|| panic!("no DepositRefunded in {receipt}"));
    assert!(log["address"].as_str().unwrap().eq_ignore_ascii_case(L2_BRIDGE));
    let topic = |a: &str| format!("{:#x}", address(a).into_word());
    assert_eq!(log["topics"][1], topic(ETH_TOKEN));
    assert_eq!(log["topics"][2], topic(ETH_TOKEN));
    assert_eq!(log["topics"][3], topic(BOB), "refunded to the L1 sender");
    let data = log["data"].as_str().unwrap();
    assert_eq!(u256(&json!(&data[..66])), U256::from(amount));
    let message_id = U256::from_str_radix(&data[66..], 16).unwrap();
    // The claimable message: L1Message(from = L2 bridge, keccak(ETH ‖ ETH ‖ l1Sender ‖ amount), id).
    let mut preimage = Vec::new();
    preimage.extend_from_slice(address(ETH_TOKEN).as_slice());
    preimage.extend_from_slice(address(ETH_TOKEN).as_slice());
    preimage.extend_from_slice(address(BOB).as_slice());
    preimage.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
    let message = keccak256("L1Message(address,bytes32,uint256)");
    let l1_message = logs
        .iter()
        .find(|log| log["topics"][0] == format!("{message:#x}"))
        .unwrap_or_else(|| panic!("no L1Message in {receipt}"));
    assert_eq!(l1_message["topics"][1], topic(L2_BRIDGE));
    assert_eq!(l1_message["topics"][2], format!("{:#x}", keccak256(&preimage)));
    assert_eq!(u256(&l1_message["topics"][3]), message_id);

    // sendToL2 with value to the refuser: mint kept by the sender (an EOA: itself), nothing sent.
    let carol_before = l2.balance(CAROL);
    l1.send(
        CAROL,
        &l1.bridge(),
        amount,
        &["sendToL2(address,uint256,uint256,bytes)", &refuser, &amount.to_string(), "100000", "0x"],
    );
    l1.mine(1);
    let tx = wait_until("the refused sendToL2 on L2", Duration::from_secs(20), || {
        l2.privileged_txs()
            .into_iter()
            .find(|tx| tx["to"].as_str().unwrap().eq_ignore_ascii_case(&refuser))
    });
    let receipt = l2.result("eth_getTransactionReceipt", json!([tx["hash"]]));
    assert_eq!(receipt["status"], "0x0", "the call reverts: {receipt}");
    assert_eq!(l2.balance(CAROL), carol_before + U256::from(amount), "the mint is kept");
    assert_eq!(l2.balance(&refuser), U256::ZERO);

    // A value above what the sender holds on the L2 after its mint: included as failed, only
    // the mint moves (docs/contracts.md, "Privileged transactions on L2" 3).
    let dave_before = l2.balance(DAVE);
    let too_much = dave_before + U256::from(amount) + U256::from(1);
    l1.send(
        DAVE,
        &l1.bridge(),
        amount,
        &["sendToL2(address,uint256,uint256,bytes)", BOB, &too_much.to_string(), "100000", "0x"],
    );
    l1.mine(1);
    let tx = wait_until("the uncoverable sendToL2 on L2", Duration::from_secs(20), || {
        l2.privileged_txs().into_iter().find(|tx| {
            tx["from"].as_str().unwrap().eq_ignore_ascii_case(DAVE)
                && u256(&tx["value"]) == too_much
        })
    });
    let bob_before = l2.balance(BOB);
    let receipt = l2.result("eth_getTransactionReceipt", json!([tx["hash"]]));
    assert_eq!(receipt["status"], "0x0", "included as failed: {receipt}");
    assert_eq!(l2.balance(DAVE), dave_before + U256::from(amount), "only the mint moves");
    assert_eq!(l2.balance(BOB), bob_before);
    accounting::assert_eth_accounting(rollup.l1.anvil.port, rollup.sequencer.port, &|| {
        rollup.sequencer.log()
    });
}

// ---------------------------------------------------------------------------------------------
// 4. Transfers.

/// Ordinary L2 transfers signed and sent by cast and by ethers v6 land and move the value.
#[test]
fn l2_transfers_with_cast_and_ethers() {
    let rollup = Rollup::start(1, 1.0);
    let l2 = &rollup.sequencer;
    let sender = cast(&["wallet", "address", "--private-key", L2_KEY]);
    rollup.fund(DAVE, &sender, 100 * MILLI_ETHER);

    let cast_to = "0x000000000000000000000000000000000000ca57";
    let receipt: Value = serde_json::from_str(&cast(&[
        "send",
        "--json",
        "--private-key",
        L2_KEY,
        "--rpc-url",
        &l2.url,
        "--value",
        &(3 * MILLI_ETHER).to_string(),
        cast_to,
    ]))
    .unwrap();
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    assert_eq!(l2.balance(cast_to), U256::from(3 * MILLI_ETHER));
    let tx = l2.result("eth_getTransactionByHash", json!([receipt["transactionHash"]]));
    assert_eq!(tx["type"], "0x2");
    assert!(tx["from"].as_str().unwrap().eq_ignore_ascii_case(&sender));

    let ethers_to = "0x0000000000000000000000000000000000e7e125";
    let script = format!(
        r#"const {{ JsonRpcProvider, Wallet }} = require("ethers");
(async () => {{
  const provider = new JsonRpcProvider("{url}", undefined, {{ polling: true, pollingInterval: 200 }});
  const wallet = new Wallet("{key}", provider);
  const tx = await wallet.sendTransaction({{ to: "{to}", value: 2000000000000000n }});
  const receipt = await tx.wait(1, 30000);
  const balance = await provider.getBalance("{to}");
  console.log(JSON.stringify({{ hash: tx.hash, status: receipt.status, balance: balance.toString() }}));
}})().catch((e) => {{ console.error(e); process.exit(1); }});"#,
        url = l2.url,
        key = L2_KEY,
        to = ethers_to,
    );
    let output = Command::new("node")
        .current_dir(basalt_test_harness::repo_root())
        .args(["-e", &script])
        .output()
        .unwrap();
    assert!(output.status.success(), "ethers: {}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["status"], 1, "{result}");
    assert_eq!(result["balance"], (2 * MILLI_ETHER).to_string());
    assert_eq!(l2.balance(ethers_to), U256::from(2 * MILLI_ETHER));
    let receipt = l2.result("eth_getTransactionReceipt", json!([result["hash"]]));
    assert_eq!(receipt["status"], "0x1");
    accounting::assert_eth_accounting(rollup.l1.anvil.port, rollup.sequencer.port, &|| {
        rollup.sequencer.log()
    });
}

// ---------------------------------------------------------------------------------------------
// 5. Crash between a deposit and its inclusion.

/// `kill -9` of the sequencer after the L1 deposit and before the L2 includes it (once before
/// the deposit has its confirmations, once just after), restarted on the same datadir: each
/// deposit is credited exactly once, by exactly one 0x7e transaction.
#[test]
fn kill_9_between_a_deposit_and_its_inclusion_credits_it_exactly_once() {
    let l1 = L1::start();
    let dir = tempfile::tempdir().unwrap();
    let datadir = dir.path().join("data");
    let args = SequencerArgs {
        l1_url: &l1.anvil.url,
        deployment: &l1.deploy_json(),
        datadir: &datadir,
        confirmations: 2,
        // Long enough that a deposit the watcher queued is usually not yet in a block.
        block_time: 3.0,
        extra: &[],
    };
    let first = "0x0000000000000000000000000000000000c4a501";
    let second = "0x0000000000000000000000000000000000c4a502";

    // Deposited, not yet confirmed, when the sequencer dies.
    let sequencer = Sequencer::start(&args, "run1.log");
    l1.deposit(ALICE, first, 11 * MILLI_ETHER);
    sequencer.kill9();
    l1.mine(2);

    // Confirmed just after an L2 block (the next is 3 s away), killed 700 ms later: the watcher
    // (polling every 250 ms) has usually queued it, the producer not yet included it.
    let sequencer = Sequencer::start(&args, "run2.log");
    let number = sequencer.block_number();
    sequencer.wait_for_block(number + 1);
    l1.deposit(BOB, second, 13 * MILLI_ETHER);
    l1.mine(2);
    std::thread::sleep(Duration::from_millis(700));
    sequencer.kill9();
    {
        let db = basalt_storage::Database::open(&datadir).unwrap();
        let view = db.read().unwrap();
        let (queued, included) =
            (view.next_privileged_tx_id().unwrap(), view.next_included_privileged_id().unwrap());
        println!("after the second kill: {queued} deposits queued, {included} included");
    }

    let sequencer = Sequencer::start(&args, "run3.log");
    sequencer.wait_for_balance(first, U256::from(11 * MILLI_ETHER), Duration::from_secs(20));
    sequencer.wait_for_balance(second, U256::from(13 * MILLI_ETHER), Duration::from_secs(20));
    // Two more blocks: a doubled credit would have had its chance.
    sequencer.wait_for_block(sequencer.block_number() + 2);
    for (recipient, wei) in [(first, 11 * MILLI_ETHER), (second, 13 * MILLI_ETHER)] {
        assert_eq!(sequencer.balance(recipient), U256::from(wei), "{recipient}");
        let txs = sequencer.privileged_txs_naming(recipient);
        assert_eq!(txs.len(), 1, "{recipient}: {txs:?}");
    }
    let ids: Vec<u64> =
        sequencer.privileged_txs().iter().map(|tx| quantity(&tx["nonce"])).collect();
    assert_eq!(ids, [0, 1]);
}

// ---------------------------------------------------------------------------------------------
// 6. A dead L1 endpoint.

/// The L1 endpoint dead for 30 s (anvil alive, the proxy in front of it stopped): L2 blocks
/// go on, the sequencer stays up, one warning line about the L1, and deposits made on anvil
/// meanwhile are credited once the endpoint is back.
#[test]
fn thirty_seconds_of_dead_l1_endpoint_do_not_stop_the_l2_and_deposits_arrive_after() {
    let l1 = L1::start();
    let mut proxy = Proxy::new(l1.anvil.port);
    let dir = tempfile::tempdir().unwrap();
    let url = proxy.url();
    let mut sequencer = Sequencer::start(
        &SequencerArgs {
            l1_url: &url,
            deployment: &l1.deploy_json(),
            datadir: &dir.path().join("data"),
            confirmations: 1,
            block_time: 1.0,
            extra: &[],
        },
        "sequencer.log",
    );
    let before = "0x00000000000000000000000000000000000b4f01";
    let during = "0x00000000000000000000000000000000000b4f02";
    l1.deposit(ALICE, before, 5 * MILLI_ETHER);
    l1.mine(1);
    sequencer.wait_for_balance(before, U256::from(5 * MILLI_ETHER), Duration::from_secs(20));
    let warnings_before = warnings(&sequencer.log()).len();

    proxy.stop();
    let outage = Instant::now();
    let start = sequencer.block_number();
    std::thread::sleep(Duration::from_secs(3));
    l1.deposit(BOB, during, 9 * MILLI_ETHER);
    l1.mine(1);
    while outage.elapsed() < Duration::from_secs(30) {
        assert!(sequencer.is_running(), "the sequencer died:\n{}", sequencer.log());
        std::thread::sleep(Duration::from_millis(500));
    }
    let produced = sequencer.block_number() - start;
    assert!(produced >= 25, "{produced} L2 blocks in a 30 s L1 outage at 1 s\n{}", sequencer.log());
    assert_eq!(sequencer.balance(during), U256::ZERO, "credited while the L1 was unreachable");
    let log = sequencer.log();
    let outage_warnings: Vec<&str> = warnings(&log).into_iter().skip(warnings_before).collect();
    assert_eq!(outage_warnings.len(), 1, "one warning about the L1, not a flood:\n{log}");
    assert!(outage_warnings[0].contains("L1"), "{}", outage_warnings[0]);
    println!("the outage's warning: {}", outage_warnings[0]);

    proxy.start();
    sequencer.wait_for_balance(during, U256::from(9 * MILLI_ETHER), Duration::from_secs(30));
    assert!(sequencer.is_running());
    assert_eq!(sequencer.privileged_txs().len(), 2);
}

/// The warning lines of a sequencer log.
fn warnings(log: &str) -> Vec<&str> {
    log.lines().filter(|line| line.contains(" WARN ")).collect()
}

// ---------------------------------------------------------------------------------------------
// 7. L1 reorgs.

/// With 3 confirmations, an `anvil_reorg` of depth 1 replaces the block holding one deposit:
/// that deposit is never credited; the deposit in the surviving block and one made on the new
/// branch (which takes the dropped deposit's id) are.
#[test]
fn a_reorg_shallower_than_the_confirmations_credits_only_the_surviving_deposits() {
    let rollup = Rollup::start(3, 1.0);
    let (l1, l2) = (&rollup.l1, &rollup.sequencer);
    let survivor = "0x0000000000000000000000000000000000a11ce1";
    let dropped = "0x0000000000000000000000000000000000a11ce2";
    let later = "0x0000000000000000000000000000000000a11ce3";

    l1.deposit(ALICE, survivor, 3 * MILLI_ETHER);
    l1.mine(1);
    let dropped_block = l1.deposit(BOB, dropped, 4 * MILLI_ETHER);
    // Give the watcher time to see the unconfirmed deposit (it must not take it).
    l2.wait_for_block(l2.block_number() + 2);
    let reorg = rpc_call(l1.anvil.port, "anvil_reorg", json!([1, []]));
    assert!(reorg.get("error").is_none(), "{reorg}");
    assert_eq!(l1.head(), dropped_block);
    let count = rpc_call(
        l1.anvil.port,
        "eth_call",
        json!([{"to": l1.bridge(), "data": cast(&["calldata", "nextPrivilegedTxId()"])}, "latest"]),
    );
    assert_eq!(u256(&count["result"]), U256::from(1), "the reorg dropped the deposit: {count}");

    l1.deposit(CAROL, later, 6 * MILLI_ETHER);
    l1.mine(3);
    l2.wait_for_balance(survivor, U256::from(3 * MILLI_ETHER), Duration::from_secs(20));
    l2.wait_for_balance(later, U256::from(6 * MILLI_ETHER), Duration::from_secs(20));
    l2.wait_for_block(l2.block_number() + 2);
    assert_eq!(l2.balance(dropped), U256::ZERO, "a deposit the reorg removed was credited");
    let txs = l2.privileged_txs();
    assert_eq!(txs.len(), 2, "{txs:?}");
    assert!(l2.privileged_txs_naming(dropped).is_empty());
}

// ---------------------------------------------------------------------------------------------
// 8. Bad configuration.

/// Runs `basalt sequencer` with `args`, which must exit within 30 s; (success, stdout, stderr).
fn sequencer_exit(args: &[&str]) -> (bool, String, String) {
    let log_dir = tempfile::tempdir().unwrap();
    let (out, err) = (log_dir.path().join("out"), log_dir.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .arg("sequencer")
        .env("BASALT_PROOF_COORDINATOR_ADDR", "127.0.0.1:0")
        .env("BASALT_ADMIN_ADDR", "127.0.0.1:0")
        .args(args)
        .args(["--http-port", &free_port().to_string()])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let status =
        wait_until("the sequencer to exit", Duration::from_secs(30), || child.try_wait().unwrap());
    let read = |path: &Path| std::fs::read_to_string(path).unwrap();
    (status.success(), read(&out), read(&err))
}

/// Asserts one non-empty line on stderr, an `error:` one containing every `needle`, and no
/// `ready` line.
fn assert_one_error_line(result: (bool, String, String), needles: &[&str]) {
    let (success, stdout, stderr) = result;
    assert!(!success, "exited 0\nstdout: {stdout}\nstderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one error line wanted:\n{stderr}");
    assert!(lines[0].starts_with("error:"), "{}", lines[0]);
    for needle in needles {
        assert!(lines[0].contains(needle), "{needle:?} not in {}", lines[0]);
    }
    assert!(!stdout.contains("ready"), "{stdout}");
}

/// A missing deployment file, an L2 genesis of another chain, and an L1 of another chain id
/// are each one error line naming what to fix, and a non-zero exit.
#[test]
fn bad_configuration_is_one_error_line_and_a_failing_exit() {
    let l1 = L1::start();
    let dir = tempfile::tempdir().unwrap();
    let datadir = dir.path().join("data");
    let datadir = datadir.to_str().unwrap();
    let deploy_json = l1.deploy_json();
    let deploy_json = deploy_json.to_str().unwrap();

    let missing = dir.path().join("nowhere/deploy.json");
    let missing = missing.to_str().unwrap();
    assert_one_error_line(
        sequencer_exit(&[
            "--l1-rpc-url",
            &l1.anvil.url,
            "--deployment",
            missing,
            "--datadir",
            datadir,
        ]),
        &["--deployment", missing],
    );

    // The genesis of another L2 chain (its chain id changed).
    let mut genesis: Value = serde_json::from_str(
        &std::fs::read_to_string(l1.dir.path().join("l2-genesis.json")).unwrap(),
    )
    .unwrap();
    let l2_chain_id = genesis["config"]["chainId"].as_u64().unwrap();
    genesis["config"]["chainId"] = json!(l2_chain_id + 1);
    let other = dir.path().join("other-l2-genesis.json");
    std::fs::write(&other, genesis.to_string()).unwrap();
    assert_one_error_line(
        sequencer_exit(&[
            "--l1-rpc-url",
            &l1.anvil.url,
            "--deployment",
            deploy_json,
            "--l2-genesis",
            other.to_str().unwrap(),
            "--datadir",
            datadir,
        ]),
        &[(l2_chain_id + 1).to_string().as_str(), l2_chain_id.to_string().as_str()],
    );

    // An L1 serving another chain id.
    let other_l1 = Anvil::start(&["--chain-id", "4242"]);
    assert_one_error_line(
        sequencer_exit(&[
            "--l1-rpc-url",
            &other_l1.url,
            "--deployment",
            deploy_json,
            "--datadir",
            datadir,
        ]),
        &["4242", "31337", "--l1-rpc-url"],
    );

    // A batch cannot span more blobs than one L1 blob transaction holds.
    let (success, _, stderr) = sequencer_exit(&[
        "--l1-rpc-url",
        &l1.anvil.url,
        "--deployment",
        deploy_json,
        "--datadir",
        datadir,
        "--max-blobs-per-batch",
        "7",
    ]);
    assert!(!success, "{stderr}");
    assert!(stderr.contains("--max-blobs-per-batch") && stderr.contains("1..=6"), "{stderr}");
}
