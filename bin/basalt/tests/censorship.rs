//! Forced withdrawal under censorship (issue 13 §3), on `basalt dev --dev-censor` and on anvil
//! with `basalt sequencer --dev-censor` and an exec prover: the censored user's L2 withdrawal is
//! never included, so they withdraw ether and a token from the L1 alone; the sequencer holds
//! both forced transactions until the L1 bridge's deadline nears (moved forward with
//! `evm_increaseTime`), then must include them; the user claims exactly what they forced out,
//! another user is served all along, and the ether accounting holds.

mod accounting;
mod bridge_cli;
mod dev;
mod rollup;
use bridge_cli::{cast, deploy_token, hash_after, token_balance, wait_until_claimable};
use dev::{Dev, quantity};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::Address;
use basalt_contracts::formats::{L2_BRIDGE, canonical_l2_token};
use basalt_test_harness::rpc_call;
use serde_json::{Value, json};
use std::{
    str::FromStr,
    time::{Duration, Instant},
};

/// Dev account 3 (the censored user) and 4 (another user), on `basalt dev` and anvil alike.
const CENSORED_KEY: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const OTHER_KEY: &str = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
/// anvil's dev account 8: the proof sender.
const PROOF_SENDER_KEY: &str = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
const ETHER: u128 = 1_000_000_000_000_000_000;

fn address_of(key: &str) -> Address {
    PrivateKeySigner::from_str(key).unwrap().address()
}

/// The two chains of a scenario and the node's log.
struct Chains<'a> {
    l1: String,
    l2: String,
    log: &'a dyn Fn() -> String,
}

impl Chains<'_> {
    fn port(url: &str) -> u16 {
        url.rsplit(':').next().unwrap().parse().unwrap()
    }

    fn call(&self, url: &str, method: &str, params: Value) -> Value {
        let response = rpc_call(Self::port(url), method, params.clone());
        match response.get("result") {
            Some(result) => result.clone(),
            None => panic!("{method} {params}: {response}\n{}", (self.log)()),
        }
    }

    fn bridge(&self, args: &[&str]) -> String {
        let (ok, out, err) = bridge_cli::run(&self.l1, &self.l2, args);
        assert!(ok, "basalt bridge {args:?} failed:\n{out}\n{err}\n--- node:\n{}", (self.log)());
        out
    }

    fn receipt(&self, tx: &str) -> Value {
        self.call(&self.l2, "eth_getTransactionReceipt", json!([tx]))
    }

    fn balance(&self, url: &str, address: Address) -> u128 {
        quantity(&self.call(url, "eth_getBalance", json!([address, "latest"])))
    }

    fn l2_block(&self) -> u64 {
        quantity(&self.call(&self.l2, "eth_blockNumber", json!([]))) as u64
    }

    /// Lets `blocks` L2 blocks pass.
    fn wait_blocks(&self, blocks: u64) {
        let target = self.l2_block() + blocks;
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.l2_block() < target {
            assert!(Instant::now() < deadline, "the L2 stopped:\n{}", (self.log)());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until a committed batch holds L2 block `block` (60 s at most).
    fn wait_until_committed(&self, block: u64) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let numbers = self.call(&self.l2, "basalt_batchNumber", json!([]));
            let committed = quantity(&numbers["committed"]) as u64;
            if committed > 0 {
                let batch = self.call(&self.l2, "basalt_getBatchByNumber", json!([committed]));
                if quantity(&batch["lastBlock"]) as u64 >= block {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "block {block} never committed:\n{}", (self.log)());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until `tx` is in an L2 block (30 s at most); its receipt.
    fn wait_for_receipt(&self, tx: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let receipt = self.receipt(tx);
            if !receipt.is_null() {
                return receipt;
            }
            assert!(Instant::now() < deadline, "{tx} never included:\n{}", (self.log)());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A 1 wei L2 transfer from [`OTHER_KEY`], which must be included; its receipt.
    fn other_user_transfer(&self) -> Value {
        let out = cast(&[
            "send",
            "--private-key",
            OTHER_KEY,
            "-r",
            &self.l2,
            "--json",
            "--value",
            "1",
            &Address::repeat_byte(0x42).to_string(),
        ]);
        let receipt: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(receipt["status"], "0x1", "other users are served: {receipt}");
        receipt
    }
}

/// The L1 deadline `basalt bridge force-withdraw` printed (`... by L1 time N, ...`).
fn deadline_in(out: &str) -> u64 {
    let rest = out.split("by L1 time ").nth(1).unwrap_or_else(|| panic!("no deadline: {out}"));
    rest.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

/// The scenario, on a node that censors [`CENSORED_KEY`]'s account.
fn forced_withdrawal_under_censorship(chains: &Chains) {
    let user = address_of(CENSORED_KEY);
    let user_arg = user.to_string();
    // Deposits reach the censored user: the L2 bridge, not the user, sends them on the L2.
    for key in [CENSORED_KEY, OTHER_KEY] {
        chains.bridge(&["deposit", "--amount", "3", "--wait", "--private-key", key]);
    }
    let token = deploy_token(&chains.l1, CENSORED_KEY, 18, 1_000 * ETHER);
    let token_arg = token.to_string();
    let out = chains.bridge(&[
        "deposit",
        "--token",
        &token_arg,
        "--amount",
        "1",
        "--wait",
        "--private-key",
        CENSORED_KEY,
    ]);
    assert!(out.contains("arrived on the L2"), "{out}");
    let l2_token = canonical_l2_token(token);
    assert_eq!(token_balance(&chains.l2, l2_token, user), ETHER);

    // The user's own L2 withdrawal never gets in; another user's transfer does.
    let censored_tx = cast(&[
        "send",
        "--async",
        "--private-key",
        CENSORED_KEY,
        "-r",
        &chains.l2,
        "--value",
        "1ether",
        &L2_BRIDGE.to_string(),
        "withdraw(address)",
        &user_arg,
    ]);
    chains.other_user_transfer();
    chains.wait_blocks(3);
    assert_eq!(chains.receipt(&censored_tx), Value::Null, "the censored tx was included");

    // Forced withdrawals of ether and of the token, sent on the L1 alone.
    let recipient = Address::repeat_byte(0x6c);
    let recipient_arg = recipient.to_string();
    let l2_before = chains.balance(&chains.l2, user);
    let forced = |extra: &[&str]| {
        let mut args =
            vec!["force-withdraw", "--to", &recipient_arg, "--private-key", CENSORED_KEY];
        args.extend_from_slice(extra);
        chains.bridge(&args)
    };
    let out = forced(&["--amount", "2"]);
    let (eth_tx, deadline) = (hash_after(&out, "L2 transaction: "), deadline_in(&out));
    let out = forced(&["--token", &token_arg, "--amount", "0.4"]);
    let token_tx = hash_after(&out, "L2 transaction: ");

    // Held: blocks go on with ordinary transactions, the forced ones wait.
    let other = chains.other_user_transfer();
    chains.wait_blocks(3);
    assert_eq!(chains.receipt(&eth_tx), Value::Null, "held until the deadline nears");
    assert_eq!(chains.receipt(&token_tx), Value::Null);
    assert!(
        (chains.log)().contains("CENSORED (--dev-censor): privileged tx"),
        "{}",
        (chains.log)()
    );
    // Batches sealed with ordinary transactions reach the L1 before the clock jumps (past the
    // deadline the L1 refuses them: docs/committer.md).
    chains.wait_until_committed(quantity(&other["blockNumber"]) as u64);

    // The L1 clock passes the deadline: to commit at all, the sequencer must include them.
    let head = chains.call(&chains.l1, "eth_getBlockByNumber", json!(["latest", false]));
    let now = quantity(&head["timestamp"]) as u64;
    chains.call(&chains.l1, "evm_increaseTime", json!([deadline - now + 1]));
    chains.call(&chains.l1, "evm_mine", json!([]));
    for tx in [&eth_tx, &token_tx] {
        let receipt = chains.wait_for_receipt(tx);
        assert_eq!(receipt["type"], "0x7e");
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        wait_until_claimable(&chains.l1, &chains.l2, tx, chains.log);
    }
    assert!((chains.log)().contains("released"), "{}", (chains.log)());
    assert_eq!(chains.balance(&chains.l2, user), l2_before - 2 * ETHER);
    assert_eq!(token_balance(&chains.l2, l2_token, user), ETHER * 6 / 10);

    for tx in [&eth_tx, &token_tx] {
        chains.bridge(&["claim", "--tx", tx, "--private-key", CENSORED_KEY]);
    }
    assert_eq!(chains.balance(&chains.l1, recipient), 2 * ETHER);
    assert_eq!(token_balance(&chains.l1, token, recipient), ETHER * 4 / 10);
    // Censored to the end: the L2 withdrawal is still not in, other users still served.
    chains.other_user_transfer();
    assert_eq!(chains.receipt(&censored_tx), Value::Null);
    accounting::assert_eth_accounting(
        Chains::port(&chains.l1),
        Chains::port(&chains.l2),
        chains.log,
    );
}

#[test]
fn a_censored_user_withdraws_through_the_l1_on_basalt_dev() {
    let dir = tempfile::tempdir().unwrap();
    let user = address_of(CENSORED_KEY);
    let dev = Dev::start(dir.path(), &["--dev-censor", &user.to_string()]);
    assert!(dev.output().contains(&format!("CENSORED:          {user}")), "{}", dev.output());
    let log = || dev.output();
    forced_withdrawal_under_censorship(&Chains { l1: dev.l1_url(), l2: dev.l2_url(), log: &log });
}

#[test]
fn a_censored_user_withdraws_through_the_l1_on_anvil_with_basalt_sequencer() {
    let l1 = rollup::L1::start();
    let user = address_of(CENSORED_KEY).to_string();
    let sequencer =
        rollup::Sequencer::start_proving_with(&l1, PROOF_SENDER_KEY, &["--dev-censor", &user]);
    let _prover = rollup::ExecProver::start(&sequencer.coordinator());
    assert!(sequencer.log().contains("CENSORED:"), "{}", sequencer.log());
    let log = || sequencer.log();
    let chains = Chains { l1: l1.anvil.url.clone(), l2: sequencer.url.clone(), log: &log };
    forced_withdrawal_under_censorship(&chains);
}
