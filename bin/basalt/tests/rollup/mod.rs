//! Real processes for the L2 end-to-end tests: anvil with the rollup contracts `basalt deploy`
//! deployed, a `basalt sequencer` on them, a TCP proxy that can cut the L1 endpoint, cast.

#![allow(dead_code)]

use alloy_primitives::{Address, U256};
use basalt_test_harness::{Anvil, e2e_bytecode, free_port, npm_bin, rpc_call};
use serde_json::{Value, json};
use std::{
    io::{Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

/// anvil's first dev account and key: deploys the contracts.
pub const DEPLOYER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
pub const DEPLOYER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// anvil's dev accounts 1 to 4 (unlocked on anvil): the L1 users of these tests.
pub const ALICE: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
pub const BOB: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
pub const CAROL: &str = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
pub const DAVE: &str = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
/// A key used only on L2 (funded there by a deposit): deploys the L2 test contracts.
pub const L2_KEY: &str = "0x0000000000000000000000000000000000000000000000000000000000b0b001";
/// The L2 bridge (RIP-7875 token-bridge address), where a refunded deposit's ether stays.
pub const L2_BRIDGE: &str = "0x00000000000000000000000000000000000001ff";
/// The alias offset docs/contracts.md §Flows "Senders" adds to a contract caller.
pub const ALIAS_OFFSET: &str = "0x1111000000000000000000000000000000001111";
/// `ETH_TOKEN` of the withdrawal data format (docs/contracts.md §Byte formats).
pub const ETH_TOKEN: &str = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE";
pub const MILLI_ETHER: u128 = 1_000_000_000_000_000;

// ---------------------------------------------------------------------------------------------
// Processes: anvil with the deployed contracts, the sequencer, cast.

/// anvil with the L1 contracts `basalt deploy` deployed; `dir` holds deploy.json and
/// l2-genesis.json.
pub struct L1 {
    pub anvil: Anvil,
    pub dir: tempfile::TempDir,
    pub deployment: Value,
}

impl L1 {
    pub fn start() -> Self {
        Self::deploy_on(Anvil::start(&[]))
    }

    pub fn deploy_on(anvil: Anvil) -> Self {
        Self::deploy_with(anvil, &["--dev-no-verifier"])
    }

    /// Deploys with `verifier` flags (`--dev-no-verifier`, or `--attesters ... --threshold K`).
    pub fn deploy_with(anvil: Anvil, verifier: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("deploy.json");
        let output = Command::new(env!("CARGO_BIN_EXE_basalt"))
            .args(["deploy", "--l1-rpc-url", &anvil.url, "--private-key", DEPLOYER_KEY])
            .args(verifier)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "deploy: {}", String::from_utf8_lossy(&output.stderr));
        let deployment = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        Self { anvil, dir, deployment }
    }

    pub fn deploy_json(&self) -> PathBuf {
        self.dir.path().join("deploy.json")
    }

    pub fn bridge(&self) -> String {
        self.deployment["bridge"].as_str().unwrap().to_string()
    }

    /// `cast send` from an unlocked anvil account; the receipt.
    pub fn send(&self, from: &str, to: &str, value: u128, call: &[&str]) -> Value {
        let value = value.to_string();
        let mut args = vec!["send", "--json", "--unlocked", "--from", from, "--value", &value, to];
        args.extend_from_slice(call);
        args.extend_from_slice(&["--rpc-url", &self.anvil.url]);
        let receipt: Value = serde_json::from_str(&cast(&args)).unwrap();
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        receipt
    }

    /// `deposit(recipient)` of `wei` from `from`; returns the L1 block number.
    pub fn deposit(&self, from: &str, recipient: &str, wei: u128) -> u64 {
        let receipt = self.send(from, &self.bridge(), wei, &["deposit(address)", recipient]);
        quantity(&receipt["blockNumber"])
    }

    pub fn mine(&self, blocks: u64) {
        cast(&["rpc", "anvil_mine", &blocks.to_string(), "--rpc-url", &self.anvil.url]);
    }

    pub fn head(&self) -> u64 {
        quantity(&rpc_call(self.anvil.port, "eth_blockNumber", json!([]))["result"])
    }
}

/// A `basalt prover --backend exec` on a proof coordinator, killed when dropped.
pub struct ExecProver(Child);

impl ExecProver {
    /// Connects to `coordinator` (HOST:PORT, [`Sequencer::coordinator`]).
    pub fn start(coordinator: &str) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_basalt"))
            .args(["prover", "--coordinator", coordinator, "--backend", "exec", "--id", "exec"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Self(child)
    }
}

impl Drop for ExecProver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `basalt sequencer` child process on a free port, killed (by its pid) when dropped. Its
/// output goes to a log file in its own directory.
pub struct Sequencer {
    pub child: Child,
    pub port: u16,
    pub url: String,
    pub log_path: PathBuf,
}

/// What the tests vary in the sequencer's command line.
pub struct SequencerArgs<'a> {
    pub l1_url: &'a str,
    pub deployment: &'a Path,
    pub datadir: &'a Path,
    pub confirmations: u64,
    pub block_time: f64,
    /// More flags (the committer's).
    pub extra: &'a [&'a str],
}

impl Sequencer {
    /// Starts the sequencer and waits for its `ready:` line; the log is `log_name` in
    /// `datadir`'s parent.
    pub fn start(args: &SequencerArgs, log_name: &str) -> Self {
        let port = free_port();
        let log_path = args.datadir.parent().unwrap().join(log_name);
        let log = std::fs::File::create(&log_path).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_basalt"))
            .args(["sequencer", "--l1-rpc-url", args.l1_url, "--deployment"])
            .env("BASALT_PROOF_COORDINATOR_ADDR", "127.0.0.1:0")
            .env("BASALT_ADMIN_ADDR", "127.0.0.1:0")
            .arg(args.deployment)
            .arg("--datadir")
            .arg(args.datadir)
            .args(["--http-port", &port.to_string()])
            .args(["--block-time", &args.block_time.to_string()])
            .args(["--l1-confirmations", &args.confirmations.to_string()])
            .args(["--l1-poll-interval", "0.25"])
            .args(args.extra)
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

    /// A sequencer on `l1` that proves: it commits every second with the deployer's key and
    /// verifies with `proof_sender_key` (anvil dev account 8 in these tests); no confirmations,
    /// 1 s blocks, its datadir in `l1.dir`.
    pub fn start_proving(l1: &L1, proof_sender_key: &str) -> Self {
        Self::start_proving_with(l1, proof_sender_key, &[])
    }

    /// [`Self::start_proving`] with `more` flags.
    pub fn start_proving_with(l1: &L1, proof_sender_key: &str, more: &[&str]) -> Self {
        let datadir = l1.dir.path().join("l2");
        // `more` may set its own commit interval.
        let interval: &[&str] =
            if more.contains(&"--commit-interval") { &[] } else { &["--commit-interval", "1"] };
        let committer = ["--committer-key", DEPLOYER_KEY];
        let extra =
            [&committer[..], interval, &["--proof-sender-key", proof_sender_key], more].concat();
        let args = SequencerArgs {
            l1_url: &l1.anvil.url,
            deployment: &l1.deploy_json(),
            datadir: &datadir,
            confirmations: 0,
            block_time: 1.0,
            extra: &extra,
        };
        Self::start(&args, "sequencer.log")
    }

    /// The proof coordinator's HOST:PORT, from the banner.
    pub fn coordinator(&self) -> String {
        self.log()
            .lines()
            .find_map(|line| line.strip_prefix("Proof coordinator: "))
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the coordinator address in the banner")
            .to_string()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `kill -9` (SIGKILL by its pid) and wait for it to be gone.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn result(&self, method: &str, params: Value) -> Value {
        let response = rpc_call(self.port, method, params.clone());
        response
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{method} {params}: {response}\n{}", self.log()))
    }

    pub fn block_number(&self) -> u64 {
        quantity(&self.result("eth_blockNumber", json!([])))
    }

    pub fn balance(&self, address: &str) -> U256 {
        u256(&self.result("eth_getBalance", json!([address, "latest"])))
    }

    pub fn balance_at(&self, address: &str, block: u64) -> U256 {
        u256(&self.result("eth_getBalance", json!([address, format!("{block:#x}")])))
    }

    /// Waits until `address` holds exactly `wei` on L2; panics with the log after `timeout`.
    pub fn wait_for_balance(&self, address: &str, wei: U256, timeout: Duration) {
        wait_until(&format!("{address} to hold {wei} wei on L2"), timeout, || {
            (self.balance(address) == wei).then_some(())
        });
    }

    /// Waits until the L2 head is at least `number`.
    pub fn wait_for_block(&self, number: u64) {
        wait_until(&format!("L2 block {number}"), Duration::from_secs(30), || {
            (self.block_number() >= number).then_some(())
        });
    }

    /// Every privileged (type 0x7e) transaction of the L2 chain, in chain order.
    pub fn privileged_txs(&self) -> Vec<Value> {
        (0..=self.block_number())
            .flat_map(|n| {
                let block = self.result("eth_getBlockByNumber", json!([format!("{n:#x}"), true]));
                block["transactions"].as_array().unwrap().clone()
            })
            .filter(|tx| tx["type"] == "0x7e")
            .collect()
    }

    /// The privileged transactions whose calldata names `address` (a deposit's recipient).
    pub fn privileged_txs_naming(&self, address: &str) -> Vec<Value> {
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
pub struct Rollup {
    pub l1: L1,
    pub _dir: tempfile::TempDir,
    pub sequencer: Sequencer,
    pub confirmations: u64,
}

impl Rollup {
    pub fn start(confirmations: u64, block_time: f64) -> Self {
        let l1 = L1::start();
        let dir = tempfile::tempdir().unwrap();
        let sequencer = Sequencer::start(
            &SequencerArgs {
                l1_url: &l1.anvil.url,
                deployment: &l1.deploy_json(),
                datadir: &dir.path().join("data"),
                confirmations,
                block_time,
                extra: &[],
            },
            "sequencer.log",
        );
        Self { l1, _dir: dir, sequencer, confirmations }
    }

    /// Deposits `wei` for `recipient` from `from`, mines the confirmations and waits until the
    /// recipient's L2 balance is `wei` more than before.
    pub fn fund(&self, from: &str, recipient: &str, wei: u128) {
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
    pub fn deploy_on_l2(&self, contract: &str) -> String {
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
pub fn cast(args: &[&str]) -> String {
    let output = Command::new(npm_bin("cast")).args(args).output().unwrap();
    assert!(output.status.success(), "cast {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A `cast send` of ether on L2 from [`L2_KEY`]; the receipt.
pub fn l2_transfer(sequencer: &Sequencer, to: &str) -> Value {
    let receipt = cast(&[
        "send",
        "--json",
        "--private-key",
        L2_KEY,
        "--value",
        "1",
        "--rpc-url",
        &sequencer.url,
        to,
    ]);
    let receipt: Value = serde_json::from_str(&receipt).unwrap();
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    receipt
}

/// Polls `check` every 100 ms until it returns Some; panics naming `what` after `timeout`.
pub fn wait_until<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn quantity(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

pub fn u256(value: &Value) -> U256 {
    U256::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

pub fn address(text: &str) -> Address {
    text.parse().unwrap()
}

/// The L2 sender of an L1 contract: `caller + 0x1111…1111 mod 2^160` (docs/contracts.md
/// §Flows, "Senders").
pub fn aliased(contract: &str) -> Address {
    let sum = U256::from_be_slice(address(contract).as_slice())
        .wrapping_add(U256::from_be_slice(address(ALIAS_OFFSET).as_slice()));
    let bytes: [u8; 32] = sum.to_be_bytes();
    Address::from_slice(&bytes[12..])
}

/// A TCP proxy on a loopback port forwarding to `target`, on std threads. `stop` closes the
/// port and cuts every open connection; `start` listens again on the same port.
pub struct Proxy {
    pub port: u16,
    pub target: u16,
    pub running: Option<Listening>,
}

/// A started proxy: its stop flag, its accepting thread and its open connections.
pub struct Listening {
    pub stop: Arc<AtomicBool>,
    pub thread: JoinHandle<()>,
    pub connections: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    pub fn new(target: u16) -> Self {
        let mut proxy = Self { port: free_port(), target, running: None };
        proxy.start();
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn start(&mut self) {
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

    pub fn stop(&mut self) {
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
pub fn forward(client: TcpStream, target: u16, connections: &Mutex<Vec<TcpStream>>) {
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
