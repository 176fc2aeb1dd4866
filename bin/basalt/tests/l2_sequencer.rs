//! `basalt sequencer` with anvil from npm as its L1, all through real processes and real
//! clients: deposits made with `cast send` reach the L2 after the configured confirmations;
//! `sendToL2` delivers the right `msg.sender` (an EOA itself, a contract aliased); a deposit to
//! a reverting recipient is refunded as docs/contracts.md defines; L2 transfers with cast and
//! ethers; `kill -9` between a deposit and its inclusion credits it once; a dead L1 endpoint
//! (a proxy the test stops for 30 s) does not stop L2 blocks and deposits made meanwhile
//! arrive; a shallow `anvil_reorg` credits only the surviving deposits; bad configuration is
//! one error line and a non-zero exit.

use alloy_primitives::{Address, U256, keccak256};
use basalt_test_harness::{Anvil, e2e_bytecode, free_port, npm_bin, rpc_call};
use serde_json::{Value, json};
use std::{
    io::{Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

/// anvil's first dev account and key: deploys the contracts.
const DEPLOYER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// anvil's dev accounts 1 to 4 (unlocked on anvil): the L1 users of these tests.
const ALICE: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const CAROL: &str = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const DAVE: &str = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
/// A key used only on L2 (funded there by a deposit): deploys the L2 test contracts.
const L2_KEY: &str = "0x0000000000000000000000000000000000000000000000000000000000b0b001";
/// The L2 bridge (RIP-7875 token-bridge address), where a refunded deposit's ether stays.
const L2_BRIDGE: &str = "0x00000000000000000000000000000000000001ff";
/// The alias offset docs/contracts.md §Flows "Senders" adds to a contract caller.
const ALIAS_OFFSET: &str = "0x1111000000000000000000000000000000001111";
/// `ETH_TOKEN` of the withdrawal data format (docs/contracts.md §Byte formats).
const ETH_TOKEN: &str = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
const MILLI_ETHER: u128 = 1_000_000_000_000_000;

// ---------------------------------------------------------------------------------------------
// Processes: anvil with the deployed contracts, the sequencer, cast.

/// anvil with the L1 contracts `basalt deploy` deployed; `dir` holds deploy.json and
/// l2-genesis.json.
struct L1 {
    anvil: Anvil,
    dir: tempfile::TempDir,
    deployment: Value,
}

impl L1 {
    fn start() -> Self {
        Self::deploy_on(Anvil::start(&[]))
    }

    fn deploy_on(anvil: Anvil) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("deploy.json");
        let output = Command::new(env!("CARGO_BIN_EXE_basalt"))
            .args(["deploy", "--l1-rpc-url", &anvil.url, "--private-key", DEPLOYER_KEY])
            .args(["--dev-no-verifier", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "deploy: {}", String::from_utf8_lossy(&output.stderr));
        let deployment = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        Self { anvil, dir, deployment }
    }

    fn deploy_json(&self) -> PathBuf {
        self.dir.path().join("deploy.json")
    }

    fn bridge(&self) -> String {
        self.deployment["bridge"].as_str().unwrap().to_string()
    }

    /// `cast send` from an unlocked anvil account; the receipt.
    fn send(&self, from: &str, to: &str, value: u128, call: &[&str]) -> Value {
        let value = value.to_string();
        let mut args = vec!["send", "--json", "--unlocked", "--from", from, "--value", &value, to];
        args.extend_from_slice(call);
        args.extend_from_slice(&["--rpc-url", &self.anvil.url]);
        let receipt: Value = serde_json::from_str(&cast(&args)).unwrap();
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        receipt
    }

    /// `deposit(recipient)` of `wei` from `from`; returns the L1 block number.
    fn deposit(&self, from: &str, recipient: &str, wei: u128) -> u64 {
        let receipt = self.send(from, &self.bridge(), wei, &["deposit(address)", recipient]);
        quantity(&receipt["blockNumber"])
    }

    fn mine(&self, blocks: u64) {
        cast(&["rpc", "anvil_mine", &blocks.to_string(), "--rpc-url", &self.anvil.url]);
    }

    fn head(&self) -> u64 {
        quantity(&rpc_call(self.anvil.port, "eth_blockNumber", json!([]))["result"])
    }
}

/// A `basalt sequencer` child process on a free port, killed (by its pid) when dropped. Its
/// output goes to a log file in its own directory.
struct Sequencer {
    child: Child,
    port: u16,
    url: String,
    log_path: PathBuf,
}

/// What the tests vary in the sequencer's command line.
struct SequencerArgs<'a> {
    l1_url: &'a str,
    deployment: &'a Path,
    datadir: &'a Path,
    confirmations: u64,
    block_time: f64,
}

impl Sequencer {
    /// Starts the sequencer and waits for its `ready:` line; the log is `log_name` in
    /// `datadir`'s parent.
    fn start(args: &SequencerArgs, log_name: &str) -> Self {
        let port = free_port();
        let log_path = args.datadir.parent().unwrap().join(log_name);
        let log = std::fs::File::create(&log_path).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_basalt"))
            .args(["sequencer", "--l1-rpc-url", args.l1_url, "--deployment"])
            .arg(args.deployment)
            .arg("--datadir")
            .arg(args.datadir)
            .args(["--http-port", &port.to_string()])
            .args(["--block-time", &args.block_time.to_string()])
            .args(["--l1-confirmations", &args.confirmations.to_string()])
            .args(["--l1-poll-interval", "0.25"])
            .env("NO_COLOR", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut sequencer = Self { child, port, url: format!("http://127.0.0.1:{port}"), log_path };
        wait_until("the sequencer's ready line", Duration::from_secs(30), || {
            assert!(sequencer.is_running(), "the sequencer exited:\n{}", sequencer.log());
            sequencer.log().contains("ready: L2 RPC").then_some(())
        });
        sequencer
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `kill -9` (SIGKILL by its pid) and wait for it to be gone.
    fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn result(&self, method: &str, params: Value) -> Value {
        let response = rpc_call(self.port, method, params.clone());
        response
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{method} {params}: {response}\n{}", self.log()))
    }

    fn block_number(&self) -> u64 {
        quantity(&self.result("eth_blockNumber", json!([])))
    }

    fn balance(&self, address: &str) -> U256 {
        u256(&self.result("eth_getBalance", json!([address, "latest"])))
    }

    fn balance_at(&self, address: &str, block: u64) -> U256 {
        u256(&self.result("eth_getBalance", json!([address, format!("{block:#x}")])))
    }

    /// Waits until `address` holds exactly `wei` on L2; panics with the log after `timeout`.
    fn wait_for_balance(&self, address: &str, wei: U256, timeout: Duration) {
        wait_until(&format!("{address} to hold {wei} wei on L2"), timeout, || {
            (self.balance(address) == wei).then_some(())
        });
    }

    /// Waits until the L2 head is at least `number`.
    fn wait_for_block(&self, number: u64) {
        wait_until(&format!("L2 block {number}"), Duration::from_secs(30), || {
            (self.block_number() >= number).then_some(())
        });
    }

    /// Every privileged (type 0x7e) transaction of the L2 chain, in chain order.
    fn privileged_txs(&self) -> Vec<Value> {
        (0..=self.block_number())
            .flat_map(|n| {
                let block = self.result("eth_getBlockByNumber", json!([format!("{n:#x}"), true]));
                block["transactions"].as_array().unwrap().clone()
            })
            .filter(|tx| tx["type"] == "0x7e")
            .collect()
    }

    /// The privileged transactions whose calldata names `address` (a deposit's recipient).
    fn privileged_txs_naming(&self, address: &str) -> Vec<Value> {
        let needle = address.trim_start_matches("0x").to_lowercase();
        self.privileged_txs()
            .into_iter()
            .filter(|tx| tx["input"].as_str().unwrap().to_lowercase().contains(&needle))
            .collect()
    }
}

impl Drop for Sequencer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// anvil, the contracts, a sequencer on them with `confirmations`, and a directory for its
/// datadir and log.
struct Rollup {
    l1: L1,
    _dir: tempfile::TempDir,
    sequencer: Sequencer,
    confirmations: u64,
}

impl Rollup {
    fn start(confirmations: u64, block_time: f64) -> Self {
        let l1 = L1::start();
        let dir = tempfile::tempdir().unwrap();
        let sequencer = Sequencer::start(
            &SequencerArgs {
                l1_url: &l1.anvil.url,
                deployment: &l1.deploy_json(),
                datadir: &dir.path().join("data"),
                confirmations,
                block_time,
            },
            "sequencer.log",
        );
        Self { l1, _dir: dir, sequencer, confirmations }
    }

    /// Deposits `wei` for `recipient` from `from`, mines the confirmations and waits until the
    /// recipient's L2 balance is `wei` more than before.
    fn fund(&self, from: &str, recipient: &str, wei: u128) {
        let before = self.sequencer.balance(recipient);
        self.l1.deposit(from, recipient, wei);
        self.l1.mine(self.confirmations);
        self.sequencer.wait_for_balance(
            recipient,
            before + U256::from(wei),
            Duration::from_secs(20),
        );
    }

    /// Funds the L2 key and deploys `contract` of tests/e2e/contracts/Bridging.sol on L2 with it.
    fn deploy_on_l2(&self, contract: &str) -> String {
        let l2_account = cast(&["wallet", "address", "--private-key", L2_KEY]);
        if self.sequencer.balance(&l2_account) < U256::from(10 * MILLI_ETHER) {
            self.fund(DAVE, &l2_account, 100 * MILLI_ETHER);
        }
        let code = e2e_bytecode("Bridging.sol", contract);
        let receipt = cast(&[
            "send",
            "--json",
            "--private-key",
            L2_KEY,
            "--rpc-url",
            &self.sequencer.url,
            "--create",
            &code,
        ]);
        let receipt: Value = serde_json::from_str(&receipt).unwrap();
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        receipt["contractAddress"].as_str().unwrap().to_string()
    }
}

/// Runs cast; its trimmed stdout. Panics with stderr when it fails.
fn cast(args: &[&str]) -> String {
    let output = Command::new(npm_bin("cast")).args(args).output().unwrap();
    assert!(output.status.success(), "cast {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Polls `check` every 100 ms until it returns Some; panics naming `what` after `timeout`.
fn wait_until<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn quantity(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn u256(value: &Value) -> U256 {
    U256::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn address(text: &str) -> Address {
    text.parse().unwrap()
}

/// The L2 sender of an L1 contract: `caller + 0x1111…1111 mod 2^160` (docs/contracts.md
/// §Flows, "Senders").
fn aliased(contract: &str) -> Address {
    let sum = U256::from_be_slice(address(contract).as_slice())
        .wrapping_add(U256::from_be_slice(address(ALIAS_OFFSET).as_slice()));
    let bytes: [u8; 32] = sum.to_be_bytes();
    Address::from_slice(&bytes[12..])
}

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

    // From an EOA: msg.sender on L2 is the EOA.
    l1.send(
        BOB,
        &l1.bridge(),
        0,
        &["sendToL2(address,uint256,uint256,bytes)", &recorder, "0", "100000", &record],
    );
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
}

// ---------------------------------------------------------------------------------------------
// 3. Refunds.

/// docs/contracts.md §Flows, "Failed deposits": a deposit the L2 recipient refuses is sent
/// back to its L1 sender as a withdrawal message (`DepositRefunded`, the messenger's
/// `L1Message` with the withdrawal data), its ether kept in the L2 bridge; the recipient gets
/// nothing and the privileged transaction succeeds. §"Privileged transactions on L2" 3(e): a
/// `sendToL2` with value whose call reverts keeps the mint with its sender and moves nothing.
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

/// A TCP proxy on a loopback port forwarding to `target`, on std threads. `stop` closes the
/// port and cuts every open connection; `start` listens again on the same port.
struct Proxy {
    port: u16,
    target: u16,
    running: Option<Listening>,
}

/// A started proxy: its stop flag, its accepting thread and its open connections.
struct Listening {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
    connections: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn new(target: u16) -> Self {
        let mut proxy = Self { port: free_port(), target, running: None };
        proxy.start();
        proxy
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let target = self.target;
        let thread = std::thread::spawn({
            let (stop, connections) = (stop.clone(), connections.clone());
            move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((client, _)) => forward(client, target, &connections),
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            }
        });
        self.running = Some(Listening { stop, thread, connections });
    }

    fn stop(&mut self) {
        let Listening { stop, thread, connections } = self.running.take().expect("running");
        stop.store(true, Ordering::SeqCst);
        thread.join().unwrap();
        for stream in connections.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if self.running.is_some() {
            self.stop();
        }
    }
}

/// Pipes `client` to a new connection to `target` both ways, each way on its own thread.
fn forward(client: TcpStream, target: u16, connections: &Mutex<Vec<TcpStream>>) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else { return };
    client.set_nonblocking(false).unwrap();
    let mut open = connections.lock().unwrap();
    open.push(client.try_clone().unwrap());
    open.push(server.try_clone().unwrap());
    for (mut from, mut to) in
        [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
    {
        std::thread::spawn(move || {
            let mut buffer = [0u8; 16 * 1024];
            while let Ok(n) = from.read(&mut buffer) {
                if n == 0 || to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        });
    }
}

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
