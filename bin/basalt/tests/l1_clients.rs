//! Real clients against a real `basalt l1` process: ethers v6 over WebSocket and HTTP
//! (`tests/e2e/ws_client.mjs`), and Foundry's `forge create`, `forge script` and `cast` on the
//! small foundry project in `tests/e2e` (offline, solc from npm). Needs `npm ci` at the
//! repository root.

use basalt_test_harness::{BasaltL1, npm_bin, repo_root};
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

/// The first two accounts of the dev mnemonic (well-known test keys).
const KEY_0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDRESS_0: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const ADDRESS_1: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
/// keccak256("Stored(address,uint256)").
const STORED_TOPIC: &str = "0xebfcf7c0a1b09f6499e519a8d8bb85ce33cd539ec6cbd964e116cd74943ead1a";
/// The selector of `TooLarge(uint256,uint256)`.
const TOO_LARGE_SELECTOR: &str = "677fd0e3";
/// The longest any one client command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

fn start_l1() -> BasaltL1 {
    BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), &[])
}

/// What a finished client command did.
struct Run {
    what: String,
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    fn describe(&self, l1: &BasaltL1) -> String {
        let status = match self.status {
            Some(status) => status.to_string(),
            None => format!("killed after {COMMAND_TIMEOUT:?}"),
        };
        format!(
            "`{}`: {status}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- basalt l1 log ---\n{}",
            self.what,
            self.stdout,
            self.stderr,
            l1.log()
        )
    }

    /// Panics with everything the client and the node said unless the command succeeded.
    fn expect_success(self, l1: &BasaltL1) -> Self {
        assert!(self.success(), "client command failed: {}", self.describe(l1));
        self
    }

    fn expect_failure(self, l1: &BasaltL1) -> Self {
        assert!(
            self.status.is_some() && !self.success(),
            "client command should have failed: {}",
            self.describe(l1)
        );
        self
    }

    fn json(&self, l1: &BasaltL1) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|err| {
            panic!("stdout is not JSON ({err}): {}", self.describe(l1));
        })
    }
}

/// Runs `command` to completion (killing it, by its own pid, after [`COMMAND_TIMEOUT`]),
/// with its output captured through files so that a chatty child never blocks on a pipe.
fn run(mut command: Command) -> Run {
    let what = format!("{command:?}");
    let dir = tempfile::tempdir().expect("temp dir");
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let mut child = command
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {what}: {err}"));
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        match child.try_wait().expect("wait for client") {
            Some(status) => break Some(status),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    Run { what, status, stdout: read(&out_path), stderr: read(&err_path) }
}

fn require_npm_package(name: &str) {
    let dir = repo_root().join("node_modules").join(name);
    assert!(dir.exists(), "{} is missing: run `npm ci` at the repository root", dir.display());
}

#[test]
fn ethers_over_websocket_gets_subscriptions_and_revert_data() {
    require_npm_package("ethers");
    require_npm_package("solc");
    let l1 = start_l1();
    let mut node = Command::new("node");
    node.current_dir(repo_root()).arg("tests/e2e/ws_client.mjs").arg(&l1.url).arg(&l1.ws_url);
    let ran = run(node).expect_success(&l1);
    assert!(ran.stdout.contains("all checks passed"), "{}", ran.describe(&l1));
}

/// The foundry project in `tests/e2e`, with forge's output, cache and broadcast records in a
/// temporary directory instead of the source tree.
struct E2eProject {
    root: PathBuf,
    scratch: tempfile::TempDir,
}

impl E2eProject {
    fn new() -> Self {
        require_npm_package("solc");
        Self {
            root: repo_root().join("tests/e2e"),
            scratch: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn command(&self, tool: &str) -> Command {
        let mut command = Command::new(npm_bin(tool));
        let scratch = self.scratch.path();
        command
            .current_dir(&self.root)
            .env("FOUNDRY_OUT", scratch.join("out"))
            .env("FOUNDRY_CACHE_PATH", scratch.join("cache"))
            .env("FOUNDRY_BROADCAST", scratch.join("broadcast"));
        command
    }

    fn cast(&self, args: &[&str], rpc_url: &str) -> Command {
        let mut command = self.command("cast");
        command.args(args).args(["--rpc-url", rpc_url]);
        command
    }

    /// The runtime bytecode forge compiled for `Store`.
    fn store_runtime_code(&self) -> String {
        let path = self.scratch.path().join("out/Store.sol/Store.json");
        let artifact: Value = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("read {}: {err}", path.display())),
        )
        .expect("artifact JSON");
        artifact["deployedBytecode"]["object"].as_str().expect("deployedBytecode").to_lowercase()
    }

    fn broadcast_record(&self, script: &str) -> Value {
        let path = self.scratch.path().join("broadcast").join(script).join("31337/run-latest.json");
        serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("read {}: {err}", path.display())),
        )
        .expect("broadcast JSON")
    }
}

/// `value()` of the Store at `store`, read with `cast call`.
fn stored_value(project: &E2eProject, l1: &BasaltL1, store: &str) -> u64 {
    let call = run(project.cast(&["call", store, "value()(uint256)"], &l1.url)).expect_success(l1);
    // cast prints a decoded uint256 as "12345 [1.234e4]".
    call.stdout
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("value() output is not a number: {}", call.describe(l1)))
}

/// Checks with cast that `store` holds the compiled Store code and that `set`/`value` work.
fn check_store_with_cast(project: &E2eProject, l1: &BasaltL1, store: &str, key: &str) {
    let code = run(project.cast(&["code", store], &l1.url)).expect_success(l1);
    assert_eq!(
        code.stdout.trim().to_lowercase(),
        project.store_runtime_code(),
        "eth_getCode differs from forge's runtime bytecode: {}",
        code.describe(l1)
    );

    let before = stored_value(project, l1, store);

    let new_value = (before + 12_345).to_string();
    let send = run(project.cast(
        &["send", store, "set(uint256)", &new_value, "--private-key", key, "--json"],
        &l1.url,
    ))
    .expect_success(l1);
    let receipt = send.json(l1);
    assert_eq!(receipt["status"], "0x1", "set reverted: {}", send.describe(l1));
    let logs = receipt["logs"].as_array().expect("receipt logs");
    assert_eq!(logs.len(), 1, "{}", send.describe(l1));
    assert_eq!(logs[0]["address"].as_str().map(str::to_lowercase), Some(store.to_lowercase()));
    assert_eq!(logs[0]["topics"][0], STORED_TOPIC, "{}", send.describe(l1));

    assert_eq!(stored_value(project, l1, store).to_string(), new_value);

    // Too large: the custom error's data reaches cast, for a call and for a send (gas estimate).
    let call =
        run(project.cast(&["call", store, "set(uint256)", "2000000"], &l1.url)).expect_failure(l1);
    assert!(
        format!("{}{}", call.stdout, call.stderr).contains(TOO_LARGE_SELECTOR),
        "the revert data of TooLarge is not in cast's error: {}",
        call.describe(l1)
    );
    let send =
        run(project
            .cast(&["send", store, "set(uint256)", "2000000", "--private-key", key], &l1.url))
        .expect_failure(l1);
    assert!(
        format!("{}{}", send.stdout, send.stderr).contains(TOO_LARGE_SELECTOR),
        "the revert data of TooLarge is not in cast's error: {}",
        send.describe(l1)
    );
}

#[test]
fn forge_create_and_forge_script_deploy_store() {
    let l1 = start_l1();
    let project = E2eProject::new();

    // forge create
    let mut create = project.command("forge");
    create.args([
        "create",
        "contracts/Store.sol:Store",
        "--rpc-url",
        &l1.url,
        "--private-key",
        KEY_0,
        "--broadcast",
        "--json",
    ]);
    let created = run(create).expect_success(&l1);
    let deployment = created.json(&l1);
    let store = deployment["deployedTo"].as_str().expect("deployedTo").to_string();
    let tx_hash = deployment["transactionHash"].as_str().expect("transactionHash").to_string();
    assert_eq!(
        deployment["deployer"].as_str().map(str::to_lowercase).as_deref(),
        Some(ADDRESS_0),
        "{}",
        created.describe(&l1)
    );
    let receipt = run(project.cast(&["receipt", &tx_hash, "--json"], &l1.url)).expect_success(&l1);
    let receipt_json = receipt.json(&l1);
    assert_eq!(receipt_json["status"], "0x1", "{}", receipt.describe(&l1));
    assert_eq!(
        receipt_json["contractAddress"].as_str().map(str::to_lowercase),
        Some(store.to_lowercase()),
        "{}",
        receipt.describe(&l1)
    );
    check_store_with_cast(&project, &l1, &store, KEY_0);

    // forge script: deploys another Store and sets it, from the second dev account.
    let mut script = project.command("forge");
    script
        .args([
            "script",
            "script/DeployStore.s.sol:DeployStore",
            "--rpc-url",
            &l1.url,
            "--broadcast",
        ])
        .env("STORE_DEPLOYER_KEY", KEY_1)
        .env("STORE_VALUE", "777");
    let scripted = run(script).expect_success(&l1);
    let record = project.broadcast_record("DeployStore.s.sol");
    let transactions = record["transactions"].as_array().expect("broadcast transactions");
    assert_eq!(transactions.len(), 2, "{record:#}");
    let scripted_store = transactions
        .iter()
        .find(|tx| tx["transactionType"] == "CREATE")
        .and_then(|tx| tx["contractAddress"].as_str())
        .unwrap_or_else(|| panic!("no CREATE in the broadcast: {record:#}"))
        .to_string();
    let receipts = record["receipts"].as_array().expect("broadcast receipts");
    assert_eq!(receipts.len(), 2, "{record:#}\n{}", scripted.describe(&l1));
    for receipt in receipts {
        assert_eq!(receipt["status"], "0x1", "{receipt:#}\n{}", scripted.describe(&l1));
        assert_eq!(receipt["from"].as_str().map(str::to_lowercase).as_deref(), Some(ADDRESS_1));
    }
    assert_eq!(stored_value(&project, &l1, &scripted_store), 777);
    check_store_with_cast(&project, &l1, &scripted_store, KEY_1);
}
