//! `basalt deploy` as an operator runs it, against anvil from npm: it deploys and writes the
//! deployment file, refuses to deploy twice, and a dead L1 is one clear error.

mod common;

use basalt_test_harness::{Anvil, free_port};
use common::basalt;

/// anvil's first dev account (a well-known test key).
const DEPLOYER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn deploy(url: &str, out: &std::path::Path) -> std::process::Output {
    basalt()
        .args([
            "deploy",
            "--l1-rpc-url",
            url,
            "--private-key",
            DEPLOYER_KEY,
            "--dev-no-verifier",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn deploy_writes_the_deployment_and_refuses_to_deploy_twice() {
    let anvil = Anvil::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deploy.json");
    let first = deploy(&anvil.url, &out);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for key in ["rollup", "bridge", "timelock", "chain_id", "l1_deploy_block"] {
        assert!(json.get(key).is_some(), "deploy.json lacks {key}: {json}");
    }
    assert_eq!(json["chain_id"], serde_json::json!(31337));
    let second = deploy(&anvil.url, &out);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&second.stdout),
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(said.to_lowercase().contains("already deployed"), "{said}");
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(again["rollup"], json["rollup"], "a second deployment replaced the first");
}

#[test]
fn unreachable_l1_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{}", free_port());
    let output = deploy(&url, &dir.path().join("deploy.json"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{stderr}");
    assert!(stderr.contains(&url), "the error names the endpoint: {stderr}");
}
