//! `basalt bridge` as a user runs it from a test: the command against given L1 and L2 endpoints,
//! the hashes it prints, and token balances read with cast.

#![allow(dead_code)] // each test file uses part of it

use alloy_primitives::Address;
use basalt_test_harness::npm_bin;
use std::{
    process::Command,
    time::{Duration, Instant},
};

/// Runs `basalt bridge ARGS --l1-rpc-url L1 --l2-rpc-url L2`; (success, stdout, stderr).
pub fn run(l1_url: &str, l2_url: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .arg("bridge")
        .args(args)
        .args(["--l1-rpc-url", l1_url, "--l2-rpc-url", l2_url])
        .env("NO_COLOR", "1")
        .output()
        .expect("run basalt bridge");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}

/// The hash after `label` in a command's output (`L2 transaction: 0x…`).
pub fn hash_after(out: &str, label: &str) -> String {
    let line = out.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{out}"));
    line[label.len()..].split_whitespace().next().unwrap().to_string()
}

/// The L2 transaction of a refunded deposit, from the error `deposit --wait` ends with
/// (`… basalt bridge claim --tx 0x…)`).
pub fn refund_tx(err: &str) -> String {
    err.split("basalt bridge claim --tx ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next())
        .unwrap_or_else(|| panic!("no refund command in: {err}"))
        .to_string()
}

/// Runs cast with `args`; its trimmed stdout (panics with stderr on failure).
pub fn cast(args: &[&str]) -> String {
    let output = Command::new(npm_bin("cast")).args(args).output().expect("run cast");
    assert!(output.status.success(), "cast {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Deploys tests/e2e/contracts/Tokens.sol's `PlainToken` on `url` from `key`: `supply` units
/// of `decimals` decimals to the key's account. Its address.
pub fn deploy_token(url: &str, key: &str, decimals: u8, supply: u128) -> Address {
    let bytecode = basalt_test_harness::e2e_bytecode("Tokens.sol", "PlainToken");
    let (decimals, supply) = (decimals.to_string(), supply.to_string());
    let out = cast(&[
        "send",
        "--private-key",
        key,
        "-r",
        url,
        "--json",
        "--create",
        &bytecode,
        "constructor(string,string,uint8,uint256)",
        "Basalt Test Dollar",
        "BTD",
        &decimals,
        &supply,
    ]);
    let receipt: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    receipt["contractAddress"].as_str().unwrap().parse().unwrap()
}

/// `holder`'s balance of `token` on the chain at `url`.
pub fn token_balance(url: &str, token: Address, holder: Address) -> u128 {
    let (token, holder) = (token.to_string(), holder.to_string());
    let out = cast(&["call", "-r", url, &token, "balanceOf(address)(uint256)", &holder]);
    out.split(" [").next().unwrap().parse().unwrap()
}

/// Polls `basalt bridge status --tx` until every message of `tx` is claimable (120 s at most;
/// the panic shows `log`).
pub fn wait_until_claimable(l1_url: &str, l2_url: &str, tx: &str, log: &dyn Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (ok, out, err) = run(l1_url, l2_url, &["status", "--tx", tx]);
        assert!(ok, "basalt bridge status --tx {tx}: {err}");
        let messages: Vec<&str> = out.lines().filter(|l| l.starts_with("message ")).collect();
        if !messages.is_empty() && messages.iter().all(|l| l.ends_with(": claimable")) {
            return;
        }
        assert!(Instant::now() < deadline, "{tx} never became claimable: {out}\n{}", log());
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Fifty withdrawals from `sender_key` (it needs 1.3 ether on the L2), signed ahead and sent at
/// once: all become claimable in one batch, every proof of `basalt_getL1MessageProof` verifies
/// against the batch's stored root, `claimer_key` claims them all with `basalt bridge claim`
/// and the recipient is paid the sum; a second claim is refused as already claimed. The
/// node's commit interval must be long enough for the burst to fall in one batch.
pub fn fifty_withdrawals_in_one_batch(
    l1_url: &str,
    l2_url: &str,
    sender_key: &str,
    claimer_key: &str,
    log: &dyn Fn() -> String,
) {
    use alloy::sol_types::SolCall;
    use alloy_primitives::{B256, TxKind, U256};
    use basalt_contracts::{bindings::L2Bridge, formats::verify_message_proof};
    use serde_json::{Value, json};
    use std::str::FromStr;

    let l2 = l2_url.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    let result = |method: &str, params: Value| {
        let answer = basalt_test_harness::rpc_call(l2, method, params.clone());
        match answer.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method} {params}: {answer}\n{}", log()),
        }
    };
    let quantity =
        |v: &Value| u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let key = B256::from_str(sender_key).unwrap();
    let sender = basalt_primitives::sender::address_of(&key).unwrap();
    let recipient = Address::repeat_byte(0x7c);
    let config = result("basalt_rollupConfig", json!([]));
    let l2_bridge: Address = config["l2Bridge"].as_str().unwrap().parse().unwrap();
    let chain_id = config["l2ChainId"].as_u64().unwrap();
    let input = L2Bridge::withdrawCall { l1Recipient: recipient }.abi_encode();
    let estimate = result(
        "eth_estimateGas",
        json!([{ "from": sender, "to": l2_bridge, "value": "0x1", "data": format!("0x{}", alloy_primitives::hex::encode(&input)) }]),
    );
    let gas_limit = quantity(&estimate) as u64 * 2;
    let gas_price = quantity(&result("eth_gasPrice", json!([])));
    let nonce = quantity(&result("eth_getTransactionCount", json!([sender, "latest"]))) as u64;
    const MILLI_ETHER: u128 = 1_000_000_000_000_000;
    let amount = |i: u64| U256::from(u128::from(i + 1) * MILLI_ETHER);
    let raw: Vec<String> = (0..50u64)
        .map(|i| {
            let tx = alloy_consensus::TxEip1559 {
                chain_id,
                nonce: nonce + i,
                gas_limit,
                max_fee_per_gas: gas_price * 4,
                max_priority_fee_per_gas: 1,
                to: TxKind::Call(l2_bridge),
                value: amount(i),
                input: input.clone().into(),
                access_list: Default::default(),
            };
            let signed = basalt_primitives::sender::sign_transaction(tx, &key).unwrap();
            let bytes = alloy_eips::eip2718::Encodable2718::encoded_2718(&signed);
            format!("0x{}", alloy_primitives::hex::encode(bytes))
        })
        .collect();
    let hashes: Vec<String> = raw
        .iter()
        .map(|tx| result("eth_sendRawTransaction", json!([tx])).as_str().unwrap().to_string())
        .collect();

    // Wait until every withdrawal is claimable.
    let deadline = Instant::now() + Duration::from_secs(90);
    let messages: Vec<Value> = loop {
        let all: Vec<Value> =
            hashes.iter().map(|h| result("basalt_getL1MessageProof", json!([h]))).collect();
        if all.iter().all(|m| m.is_array() && m[0]["status"] == "claimable") {
            break all.into_iter().map(|m| m[0].clone()).collect();
        }
        assert!(Instant::now() < deadline, "not all claimable:\n{}", log());
        std::thread::sleep(Duration::from_millis(200));
    };
    let (ok, out, err) = run(l1_url, l2_url, &["status", "--tx", &hashes[0]]);
    assert!(ok && out.contains("0.001 ETH to") && out.contains(": claimable"), "{out}{err}");
    let batch = &messages[0]["batchNumber"];
    assert!(messages.iter().all(|m| &m["batchNumber"] == batch), "one batch: {messages:?}");

    // Every proof verifies against the batch's sealed root.
    let root: B256 = messages[0]["l1MessagesRoot"].as_str().unwrap().parse().unwrap();
    let stored = result("basalt_getBatchByNumber", json!([batch]));
    assert_eq!(stored["l1MessagesRoot"].as_str().unwrap().parse::<B256>().unwrap(), root);
    for m in &messages {
        let leaf: B256 = m["leaf"].as_str().unwrap().parse().unwrap();
        let proof: Vec<B256> = serde_json::from_value(m["proof"].clone()).unwrap();
        assert!(verify_message_proof(&proof, root, leaf));
    }

    for hash in &hashes {
        let (ok, out, err) =
            run(l1_url, l2_url, &["claim", "--tx", hash, "--private-key", claimer_key]);
        assert!(ok, "claim {hash}:\n{out}\n{err}\n--- node:\n{}", log());
    }
    let total: u128 = (0..50u64).map(|i| amount(i).to::<u128>()).sum();
    let paid = cast(&["balance", &recipient.to_string(), "--rpc-url", l1_url]);
    assert_eq!(paid.parse::<u128>().unwrap(), total);
    let (ok, _, err) =
        run(l1_url, l2_url, &["claim", "--tx", &hashes[17], "--private-key", claimer_key]);
    assert!(!ok && err.contains("already claimed"), "{err}");
}
