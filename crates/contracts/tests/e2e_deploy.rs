//! End to end against a real L1: anvil from npm (`node_modules/.bin/anvil`), driven by the deployer
//! library and by `cast` (npm) as an independent client.
//!
//! Needs `npm ci` at the repository root; without it these tests fail (they do not skip).

use std::{
    path::Path,
    process::{Command, Output},
};

use basalt_test_harness::{Anvil, free_port, npm_bin};

use alloy::{
    network::EthereumWallet,
    providers::{Provider, ProviderBuilder},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::{SolError, SolEvent},
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use basalt_contracts::{
    DeployConfig, DeployError, Deployment, Profile,
    bindings::{BasaltTimelock, CommonBridge, OnChainProposer},
    deploy,
    formats::{PublicInputs, attestation_digest, privileged_rolling_hash},
    revert::{ContractRevert, decode_contract_error},
};

/// anvil's first two dev accounts (well-known test keys).
const DEPLOYER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const USER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// Keys of the attestation committee in these tests.
const ATTESTER_KEYS: [&str; 3] = [
    "0x1000000000000000000000000000000000000000000000000000000000000001",
    "0x1000000000000000000000000000000000000000000000000000000000000002",
    "0x1000000000000000000000000000000000000000000000000000000000000003",
];

fn cast(args: &[&str]) -> Output {
    Command::new(npm_bin("cast")).args(args).output().expect("run cast")
}

fn cast_ok(args: &[&str]) -> String {
    let out = cast(args);
    assert!(out.status.success(), "cast {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Runs a cast command that must fail with a revert, and decodes the revert data it reports.
fn cast_revert(args: &[&str]) -> ContractRevert {
    let out = cast(args);
    assert!(!out.status.success(), "cast {args:?} unexpectedly succeeded");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    let data =
        revert_data_in(&text).unwrap_or_else(|| panic!("no revert data in cast output: {text}"));
    ContractRevert::decode(&data)
}

/// The revert data in cast's error output (the `data: "0x…"` field of the JSON-RPC error).
fn revert_data_in(text: &str) -> Option<Bytes> {
    let start = text.find("data: \"0x")? + "data: \"".len();
    let hex: String = text[start..].chars().take_while(|c| *c != '"').collect();
    hex.parse().ok()
}

/// `cast send` arguments that schedule (with `delay`) or else execute `target.call(data)` on `timelock`.
fn timelock_op<'a>(
    url: &'a str,
    key: &'a str,
    timelock: &'a str,
    target: &'a str,
    data: &'a str,
    delay: Option<&'a str>,
) -> Vec<&'a str> {
    let zero = "0x0000000000000000000000000000000000000000000000000000000000000000";
    let mut args = vec!["send", "--rpc-url", url, "--private-key", key, timelock];
    args.push(match delay {
        Some(_) => "schedule(address,uint256,bytes,bytes32,bytes32,uint256)",
        None => "execute(address,uint256,bytes,bytes32,bytes32)",
    });
    args.extend([target, "0", data, zero, zero]);
    args.extend(delay);
    args
}

fn hex_u64(v: &serde_json::Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

fn attesters() -> Vec<PrivateKeySigner> {
    ATTESTER_KEYS.iter().map(|k| k.parse().unwrap()).collect()
}

fn config(anvil: &Anvil, out: &Path) -> DeployConfig {
    DeployConfig {
        attesters: attesters().iter().map(|s| s.address()).collect(),
        threshold: Some(2),
        exit_window_secs: Some(3600),
        out: out.to_owned(),
        ..DeployConfig::new(anvil.url.clone(), DEPLOYER_KEY)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_then_deposit_commit_and_timelock_through_cast() {
    let anvil = Anvil::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deploy.json");

    let d = deploy(config(&anvil, &out)).await.expect("deploy");
    assert!(!d.already_deployed);
    println!("deployment used {} gas", d.gas_used);

    // The file has the keys other components read.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for key in [
        "rollup",
        "bridge",
        "timelock",
        "chain_id",
        "l1_deploy_block",
        "attestation_verifier",
        "implementations",
    ] {
        assert!(json.get(key).is_some(), "deploy.json lacks {key}: {json}");
    }
    assert_eq!(json["chain_id"], 31337);
    assert_eq!(json["rollup"].as_str().unwrap().parse::<Address>().unwrap(), d.rollup);

    // Running it again says so and sends nothing.
    let deployer = cast_ok(&["wallet", "address", DEPLOYER_KEY]);
    let nonce_before = cast_ok(&["nonce", "--rpc-url", &anvil.url, &deployer]);
    let again = deploy(config(&anvil, &out)).await.expect("re-run");
    assert!(again.already_deployed, "second run must recognise the deployment");
    assert_eq!((again.rollup, again.bridge, again.timelock), (d.rollup, d.bridge, d.timelock));
    assert_eq!(
        cast_ok(&["nonce", "--rpc-url", &anvil.url, &deployer]),
        nonce_before,
        "nothing sent"
    );

    let url = anvil.url.as_str();
    let rollup = d.rollup.to_string();
    let bridge = d.bridge.to_string();
    let timelock = d.timelock.to_string();

    // A deposit through cast emits the privileged-transaction event and locks the ether.
    let receipt = cast_ok(&[
        "send",
        "--rpc-url",
        url,
        "--private-key",
        USER_KEY,
        "--json",
        &bridge,
        "deposit(address)",
        "0x000000000000000000000000000000000000b0b0",
        "--value",
        "1ether",
    ]);
    let receipt: serde_json::Value = serde_json::from_str(&receipt).unwrap();
    assert_eq!(receipt["status"], "0x1");
    println!("deposit (first, cold) used {} gas", hex_u64(&receipt["gasUsed"]));
    let topic0 = receipt["logs"][0]["topics"][0].as_str().unwrap().parse::<B256>().unwrap();
    assert_eq!(topic0, CommonBridge::PrivilegedTxSent::SIGNATURE_HASH, "deposit event");
    assert_eq!(
        cast_ok(&["balance", "--rpc-url", url, &bridge]),
        "1000000000000000000",
        "ether locked"
    );
    assert_eq!(
        cast_ok(&["call", "--rpc-url", url, &bridge, "pendingPrivilegedTxCount()(uint256)"]),
        "1"
    );

    // commitBatch from an account that is not a sequencer reverts with the custom error.
    let random = PrivateKeySigner::random();
    let random_key = random.to_bytes().to_string();
    let random_addr = random.address().to_string();
    cast_ok(&["rpc", "--rpc-url", url, "anvil_setBalance", &random_addr, "0xde0b6b3a7640000"]);
    let revert = cast_revert(&[
        "send",
        "--rpc-url",
        url,
        "--private-key",
        &random_key,
        &rollup,
        "commitBatch(uint256,bytes32,bytes32,bytes32,bytes32,uint64)",
        "1",
        "0x1111111111111111111111111111111111111111111111111111111111111111",
        "0x0000000000000000000000000000000000000000000000000000000000000000",
        "0x0000000000000000000000000000000000000000000000000000000000000000",
        "0x0000000000000000000000000000000000000000000000000000000000000000",
        "0",
    ]);
    assert_eq!(revert.name(), Some("NotSequencer"), "{revert}");
    assert_eq!(revert.selector(), Some(OnChainProposer::NotSequencer::SELECTOR));

    // Rollup mode: the sequencer's commit must carry a blob, and the blob's versioned hash is stored.
    let root = "0x1111111111111111111111111111111111111111111111111111111111111111";
    let zero = "0x0000000000000000000000000000000000000000000000000000000000000000";
    let commit = [
        "commitBatch(uint256,bytes32,bytes32,bytes32,bytes32,uint64)",
        "1",
        root,
        zero,
        zero,
        zero,
        "2",
    ];
    let mut no_blob = vec!["send", "--rpc-url", url, "--private-key", DEPLOYER_KEY, &rollup];
    no_blob.extend(commit);
    let revert = cast_revert(&no_blob);
    assert_eq!(revert.name(), Some("BlobRequired"), "{revert}");

    let blob_file = dir.path().join("batch.blob");
    std::fs::write(&blob_file, b"compressed blocks of batch 1").unwrap();
    let blob_path = blob_file.to_str().unwrap();
    let mut with_blob = vec![
        "send",
        "--rpc-url",
        url,
        "--private-key",
        DEPLOYER_KEY,
        "--json",
        "--blob",
        "--path",
        blob_path,
        &rollup,
    ];
    with_blob.extend(commit);
    let receipt: serde_json::Value = serde_json::from_str(&cast_ok(&with_blob)).unwrap();
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    println!("commitBatch (first, with a blob) used {} gas", hex_u64(&receipt["gasUsed"]));
    let tx: serde_json::Value = serde_json::from_str(&cast_ok(&[
        "tx",
        "--rpc-url",
        url,
        "--json",
        receipt["transactionHash"].as_str().unwrap(),
    ]))
    .unwrap();
    let blob_hash: B256 = tx["blobVersionedHashes"][0].as_str().unwrap().parse().unwrap();
    let reader = ProviderBuilder::new().connect_http(anvil.url.parse().unwrap());
    let batch =
        OnChainProposer::new(d.rollup, &reader).getBatch(U256::from(1)).call().await.unwrap();
    assert_eq!(batch.blobVersionedHash, blob_hash, "blob versioned hash stored");
    assert_ne!(blob_hash, B256::ZERO);

    // The timelock delay is in force: a scheduled change cannot execute before the exit window.
    let call = cast_ok(&["calldata", "setSequencer(address,bool)", &random_addr, "true"]);
    let schedule = |delay: &'static str| {
        timelock_op(url, DEPLOYER_KEY, &timelock, &rollup, &call, Some(delay))
    };
    let revert = cast_revert(&schedule("3599"));
    assert_eq!(revert.name(), Some("TimelockInsufficientDelay"), "{revert}");
    cast_ok(&schedule("3600"));
    let execute = timelock_op(url, DEPLOYER_KEY, &timelock, &rollup, &call, None);
    let revert = cast_revert(&execute);
    assert_eq!(revert.name(), Some("TimelockUnexpectedOperationState"), "{revert}");
    assert_eq!(revert.selector(), Some(BasaltTimelock::TimelockUnexpectedOperationState::SELECTOR));
    assert_eq!(
        cast_ok(&["call", "--rpc-url", url, &rollup, "isSequencer(address)(bool)", &random_addr]),
        "false"
    );

    cast_ok(&["rpc", "--rpc-url", url, "evm_increaseTime", "3600"]);
    cast_ok(&["rpc", "--rpc-url", url, "evm_mine"]);
    cast_ok(&execute);
    assert_eq!(
        cast_ok(&["call", "--rpc-url", url, &rollup, "isSequencer(address)(bool)", &random_addr]),
        "true"
    );
}

/// A validium deployment: a batch committed and verified through the alloy bindings, with the
/// attestation signed over the Rust-computed public inputs; errors decode to names.
#[tokio::test(flavor = "multi_thread")]
async fn validium_batch_verifies_with_rust_computed_attestation() {
    let anvil = Anvil::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = DeployConfig { validium: true, ..config(&anvil, &dir.path().join("deploy.json")) };
    let d: Deployment = deploy(cfg).await.expect("deploy");

    let signer: PrivateKeySigner = DEPLOYER_KEY.parse().unwrap();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(anvil.url.parse().unwrap())
        .erased();
    let bridge = CommonBridge::new(d.bridge, &provider);
    let rollup = OnChainProposer::new(d.rollup, &provider);

    bridge
        .deposit(Address::repeat_byte(0xb0))
        .value(U256::from(10u64).pow(U256::from(15)))
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let queued = bridge.privilegedTxHash(U256::ZERO).call().await.unwrap();
    let rolling = privileged_rolling_hash(&[queued]).unwrap();
    let final_root = keccak256("batch 1 state");
    let last_block = keccak256("block 10");
    rollup
        .commitBatch(U256::from(1), final_root, B256::ZERO, rolling, last_block, 3)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();

    let inputs = PublicInputs {
        initial_state_root: d.genesis_state_root,
        final_state_root: final_root,
        l1_messages_root: B256::ZERO,
        privileged_rolling_hash: rolling,
        blobs_hash: B256::ZERO,
        last_block_hash: last_block,
        chain_id: d.l2_chain_id,
        non_privileged_tx_count: 3,
    };
    assert_eq!(
        rollup.publicInputs(U256::from(1)).call().await.unwrap(),
        Bytes::from(inputs.encode().to_vec())
    );

    let mut signers = attesters();
    signers.sort_by_key(|s| s.address());
    // The EIP-712 attestation digest binds the L1 chain, the rollup proxy, the verifier id and the batch.
    let digest = attestation_digest(d.chain_id, d.rollup, 1, 1, &inputs.encode());
    let attest = |who: &[PrivateKeySigner]| -> Bytes {
        who.iter()
            .flat_map(|s| s.sign_hash_sync(&digest).unwrap().as_bytes())
            .collect::<Vec<u8>>()
            .into()
    };
    // A signature over the bare public inputs (the pre-EIP-712 format) is not an attestation.
    let bare: Bytes = signers[..2]
        .iter()
        .flat_map(|s| s.sign_hash_sync(&inputs.digest()).unwrap().as_bytes())
        .collect::<Vec<u8>>()
        .into();
    let err =
        rollup.verifyBatches(U256::from(1), vec![vec![bare]]).call().await.err().expect("reverts");
    assert_eq!(decode_contract_error(&err).unwrap().name(), Some("UnknownSigner"));

    // One signature is below the 2-of-3 threshold: the verifier's error comes back by name.
    // (Checked with eth_call: alloy 2.5's `send()` of a reverting call never returns; see the deployer.)
    let err = rollup
        .verifyBatches(U256::from(1), vec![vec![attest(&signers[..1])]])
        .call()
        .await
        .err()
        .expect("reverts");
    let revert = decode_contract_error(&err).expect("a revert");
    assert_eq!(revert.name(), Some("BelowThreshold"), "{revert}");

    let receipt = rollup
        .verifyBatches(U256::from(1), vec![vec![attest(&signers[..2])]])
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    println!("verifyBatches(1 batch, 2 signatures, 1 deposit) used {} gas", receipt.gas_used);
    assert_eq!(rollup.lastVerifiedBatch().call().await.unwrap(), U256::from(1));
    assert_eq!(
        bridge.pendingPrivilegedTxCount().call().await.unwrap(),
        U256::ZERO,
        "deposit consumed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_errors_are_one_clear_error_each() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deploy.json");

    // Unreachable L1: nothing listens on this port.
    let nobody = format!("http://127.0.0.1:{}", free_port());
    let err = deploy(DeployConfig {
        dev_no_verifier: true,
        out: out.clone(),
        ..DeployConfig::new(nobody, DEPLOYER_KEY)
    })
    .await
    .unwrap_err();
    assert!(matches!(err, DeployError::L1Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("--l1-rpc-url"), "{err}");

    let anvil = Anvil::start(&[]);
    let base = || DeployConfig {
        dev_no_verifier: true,
        out: out.clone(),
        ..DeployConfig::new(anvil.url.clone(), DEPLOYER_KEY)
    };

    // No verifier on a non-development chain.
    let err = deploy(DeployConfig { dev_no_verifier: false, ..base() }).await.unwrap_err();
    assert!(matches!(err, DeployError::InvalidConfig(_)), "{err}");
    assert!(err.to_string().contains("--dev-no-verifier"), "{err}");

    // Unfunded key.
    let poor = PrivateKeySigner::random();
    let err = deploy(DeployConfig { private_key: poor.to_bytes().to_string(), ..base() })
        .await
        .unwrap_err();
    assert!(matches!(err, DeployError::Unfunded { .. }), "{err}");
    assert!(err.to_string().contains("fund the account"), "{err}");

    // Wrong chain, by expectation.
    let err = deploy(DeployConfig { expected_l1_chain_id: Some(1), ..base() }).await.unwrap_err();
    assert!(matches!(err, DeployError::WrongChain { actual: 31337, expected: 1, .. }), "{err}");

    // Wrong chain, by a deployment file from another chain.
    let other = serde_json::json!({
        "chain_id": 1, "l1_deploy_block": 5,
        "rollup": "0x0000000000000000000000000000000000000001",
        "bridge": "0x0000000000000000000000000000000000000002",
        "timelock": "0x0000000000000000000000000000000000000003",
    });
    std::fs::write(&out, other.to_string()).unwrap();
    let err = deploy(base()).await.unwrap_err();
    assert!(matches!(err, DeployError::WrongChain { actual: 31337, expected: 1, .. }), "{err}");

    // A file for this chain whose contracts are not there.
    let stale = serde_json::json!({
        "chain_id": 31337, "l1_deploy_block": 5,
        "rollup": "0x0000000000000000000000000000000000000001",
        "bridge": "0x0000000000000000000000000000000000000002",
        "timelock": "0x0000000000000000000000000000000000000003",
    });
    std::fs::write(&out, stale.to_string()).unwrap();
    let err = deploy(base()).await.unwrap_err();
    assert!(matches!(err, DeployError::StaleDeploymentFile { .. }), "{err}");
    std::fs::remove_file(&out).unwrap();

    // A staged profile refuses what the contracts would refuse, before sending anything.
    let attesters: Vec<Address> = attesters().iter().map(|s| s.address()).collect();
    let staged = || DeployConfig {
        profile: Profile::Stage1,
        dev_no_verifier: false,
        attesters: attesters.clone(),
        security_council: Some(Address::repeat_byte(0xc0)),
        ..base()
    };
    let err = deploy(DeployConfig { dev_no_verifier: true, ..staged() }).await.unwrap_err();
    assert!(err.to_string().contains("drop --dev-no-verifier"), "{err}");
    let err = deploy(DeployConfig { security_council: None, ..staged() }).await.unwrap_err();
    assert!(err.to_string().contains("needs --security-council"), "{err}");
    let err =
        deploy(DeployConfig { exit_window_secs: Some(7 * 86_400), ..staged() }).await.unwrap_err();
    assert!(err.to_string().contains("--exit-window of at least 864000"), "{err}");
    let err = deploy(staged()).await.unwrap_err();
    assert!(err.to_string().contains("is a key, not a contract"), "{err}");

    // Canonical-token deposits must fit under the max L2 gas limit.
    let err = deploy(DeployConfig {
        max_l2_gas_limit: basalt_contracts::deploy::CANONICAL_DEPOSIT_GAS_LIMIT - 1,
        ..base()
    })
    .await
    .unwrap_err();
    assert!(matches!(err, DeployError::InvalidConfig(_)), "{err}");
    assert!(err.to_string().contains("canonical-token deposits"), "{err}");

    // A development chain without a verifier deploys.
    let d = deploy(base()).await.expect("dev deploy");
    assert_eq!(d.attestation_verifier, None);
    assert!(d.dev_no_verifier);
    assert_eq!(d.profile, Profile::Dev);
    // The deployer's bounds are the contract's.
    let provider = ProviderBuilder::new().connect_http(anvil.url.parse().unwrap());
    let bridge = CommonBridge::new(d.bridge, &provider);
    assert_eq!(
        bridge.CANONICAL_DEPOSIT_GAS_LIMIT().call().await.unwrap(),
        U256::from(basalt_contracts::deploy::CANONICAL_DEPOSIT_GAS_LIMIT)
    );
    assert_eq!(
        bridge.MIN_DEPOSIT_GAS_LIMIT().call().await.unwrap(),
        U256::from(basalt_contracts::deploy::MIN_DEPOSIT_GAS_LIMIT)
    );
}

/// `--profile stage1` on anvil: a contract council (a zero-delay timelock its members drive, standing in for
/// a Safe), the exit window the profile requires, and on-chain floors that hold against governance.
#[tokio::test(flavor = "multi_thread")]
async fn stage1_deploy_enforces_its_floors_on_chain() {
    let anvil = Anvil::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let url = anvil.url.as_str();
    let deployer = cast_ok(&["wallet", "address", DEPLOYER_KEY]);

    // The council: a contract whose members (here one key) act through it.
    let receipt: serde_json::Value = serde_json::from_str(&cast_ok(&[
        "send",
        "--rpc-url",
        url,
        "--private-key",
        USER_KEY,
        "--json",
        "--create",
        &BasaltTimelock::BYTECODE.to_string(),
        "constructor(uint256,address[],address[],address,address)",
        "0",
        &format!("[{}]", cast_ok(&["wallet", "address", USER_KEY])),
        &format!("[{}]", cast_ok(&["wallet", "address", USER_KEY])),
        "0x0000000000000000000000000000000000000000",
        "0x0000000000000000000000000000000000000000",
    ]))
    .unwrap();
    let council: Address = receipt["contractAddress"].as_str().unwrap().parse().unwrap();

    let cfg = DeployConfig {
        profile: Profile::Stage1,
        security_council: Some(council),
        exit_window_secs: None,
        ..config(&anvil, &dir.path().join("deploy.json"))
    };
    let d = deploy(cfg).await.expect("stage1 deploy");
    assert_eq!(d.profile, Profile::Stage1);
    assert_eq!(d.finalization_delay_secs, 86_400, "stage1 default");
    assert_eq!(
        d.exit_window_secs,
        7 * 86_400 + 86_400 + 86_400 + 86_400,
        "floor + inclusion + proving + final"
    );
    assert_eq!(
        cast_ok(&["call", "--rpc-url", url, &d.rollup.to_string(), "exitWindowFloor()(uint64)"]),
        "604800 [6.048e5]"
    );

    // Governance cannot shrink the exit window: lowering the delay reverts when executed.
    let timelock = d.timelock.to_string();
    let lower = cast_ok(&["calldata", "updateDelay(uint256)", "3600"]);
    let window = d.exit_window_secs.to_string();
    cast_ok(&timelock_op(url, DEPLOYER_KEY, &timelock, &timelock, &lower, Some(&window)));
    cast_ok(&["rpc", "--rpc-url", url, "evm_increaseTime", &window]);
    cast_ok(&["rpc", "--rpc-url", url, "evm_mine"]);
    let revert = cast_revert(&timelock_op(url, DEPLOYER_KEY, &timelock, &timelock, &lower, None));
    assert_eq!(revert.name(), Some("ExitWindowTooShort"), "{revert}");

    // The council contract pauses the rollup (through its own zero-delay schedule/execute).
    let pause = cast_ok(&["calldata", "pause()"]);
    let (council_addr, rollup) = (council.to_string(), d.rollup.to_string());
    cast_ok(&timelock_op(url, USER_KEY, &council_addr, &rollup, &pause, Some("0")));
    cast_ok(&timelock_op(url, USER_KEY, &council_addr, &rollup, &pause, None));
    assert_eq!(cast_ok(&["call", "--rpc-url", url, &rollup, "paused()(bool)"]), "true");
    assert_ne!(deployer, council.to_string());
}
