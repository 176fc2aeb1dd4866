//! `basalt bridge` against `basalt dev`, as a user drives it: a deposit reaches the L2, a
//! withdrawal becomes claimable and its claim pays the recipient on the L1 (a second claim is
//! refused by name), a forced withdrawal sent on the L1 comes back as a claimable withdrawal,
//! fifty withdrawals sent at once land in one batch and are all claimed with the proofs of
//! `basalt_getL1MessageProof`, an ERC20 goes to its canonical L2 token and back (and a deposit
//! to an L2 token that does not exist is refunded), and a withdrawal whose batch is not verified
//! cannot be claimed.

mod accounting;
mod bridge_cli;
mod dev;
use bridge_cli::{cast, deploy_token, hash_after, refund_tx, token_balance, wait_until_claimable};
use dev::{Dev, quantity};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, U256};
use basalt_contracts::formats::{
    ETH_TOKEN, canonical_l2_token, verify_message_proof, withdrawal_leaf,
};
use serde_json::json;
use std::{process::Command, str::FromStr};

const KEY_3: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const KEY_4: &str = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
const KEY_5: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const KEY_6: &str = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
const ETHER: u128 = 1_000_000_000_000_000_000;

fn address_of(key: &str) -> Address {
    PrivateKeySigner::from_str(key).unwrap().address()
}

/// Runs `basalt bridge ARGS` against `dev`; (success, stdout, stderr).
fn bridge(dev: &Dev, args: &[&str]) -> (bool, String, String) {
    bridge_cli::run(&dev.l1_url(), &dev.l2_url(), args)
}

/// `basalt bridge ARGS`, which must succeed; its stdout.
fn bridge_ok(dev: &Dev, args: &[&str]) -> String {
    let (ok, out, err) = bridge(dev, args);
    assert!(ok, "basalt bridge {args:?} failed:\n{out}\n{err}\n--- node:\n{}", dev.output());
    out
}

/// `basalt bridge ARGS`, which must fail; its stderr.
fn bridge_err(dev: &Dev, args: &[&str]) -> String {
    let (ok, out, err) = bridge(dev, args);
    assert!(!ok, "basalt bridge {args:?} should have failed:\n{out}");
    err
}

fn l1_balance(dev: &Dev, address: Address) -> u128 {
    quantity(&dev.result(dev.l1, "eth_getBalance", json!([address, "latest"])))
}

fn l2_balance(dev: &Dev, address: Address) -> u128 {
    dev.l2_balance(&address.to_string())
}

#[test]
fn deposit_withdraw_claim_and_forced_withdrawal_with_basalt_bridge() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &[]);
    let user = address_of(KEY_3);

    // Deposit: the L2 balance rises by the amount (the user sends nothing on the L2 meanwhile).
    let before = l2_balance(&dev, user);
    let out = bridge_ok(&dev, &["deposit", "--amount", "2.5eth", "--private-key", KEY_3, "--wait"]);
    assert!(out.contains("arrived on the L2"), "{out}");
    assert!(out.starts_with("deposit of 2.5 ETH"), "{out}");
    assert_eq!(l2_balance(&dev, user), before + 5 * ETHER / 2);

    // Failures name their cause before anything is sent.
    let err = bridge_err(&dev, &["withdraw", "--amount", "1000000", "--private-key", KEY_3]);
    assert!(err.contains("insufficient balance"), "{err}");
    let unknown = format!("{:#x}", B256::repeat_byte(0x42));
    let err = bridge_err(&dev, &["claim", "--tx", &unknown, "--private-key", KEY_3]);
    assert!(err.contains("unknown transaction"), "{err}");
    let err = bridge_err(&dev, &["status", "--tx", &unknown]);
    assert!(err.contains("unknown transaction"), "{err}");
    let err = bridge_err(&dev, &["withdraw", "--amount", "1.5x", "--private-key", KEY_3]);
    assert!(err.contains("is not an amount"), "{err}");
    let (ok, _, err) = {
        let output = Command::new(env!("CARGO_BIN_EXE_basalt"))
            .args(["bridge", "status", "--tx", &unknown, "--l2-rpc-url", "http://127.0.0.1:9"])
            .output()
            .unwrap();
        (output.status.success(), (), String::from_utf8_lossy(&output.stderr).to_string())
    };
    assert!(!ok && err.contains("L2 unreachable"), "{err}");

    // Withdraw to an L1 address that holds nothing, and follow it until claimable.
    let recipient = Address::repeat_byte(0x5a);
    let out = bridge_ok(
        &dev,
        &[
            "withdraw",
            "--amount",
            "1.5",
            "--to",
            &recipient.to_string(),
            "--private-key",
            KEY_3,
            "--wait",
        ],
    );
    for expected in ["pending", "claimable", "next: basalt bridge claim --tx"] {
        assert!(out.contains(expected), "withdraw --wait lacks {expected}:\n{out}");
    }
    let tx = hash_after(&out, "L2 transaction: ");

    // The RPC's proof verifies against the batch's root, which is the sealed batch's.
    let proofs = dev.result(dev.l2, "basalt_getL1MessageProof", json!([tx]));
    let message = &proofs[0];
    assert_eq!(proofs.as_array().unwrap().len(), 1, "{proofs}");
    assert_eq!(message["status"], "claimable");
    assert_eq!(
        message["withdrawal"]["recipient"].as_str().unwrap().parse::<Address>().unwrap(),
        recipient
    );
    assert_eq!(quantity(&message["withdrawal"]["amount"]), 3 * ETHER / 2);
    let id = quantity(&message["messageId"]) as u64;
    let leaf = withdrawal_leaf(ETH_TOKEN, ETH_TOKEN, recipient, U256::from(3 * ETHER / 2), id);
    assert_eq!(message["leaf"].as_str().unwrap().parse::<B256>().unwrap(), leaf);
    let batch = dev.result(dev.l2, "basalt_getBatchByNumber", json!([message["batchNumber"]]));
    let root: B256 = batch["l1MessagesRoot"].as_str().unwrap().parse().unwrap();
    assert_eq!(message["l1MessagesRoot"].as_str().unwrap().parse::<B256>().unwrap(), root);
    let proof: Vec<B256> = serde_json::from_value(message["proof"].clone()).unwrap();
    assert!(verify_message_proof(&proof, root, leaf));

    let out = bridge_ok(&dev, &["status", "--tx", &tx]);
    assert!(out.contains("1.5 ETH to") && out.contains("claimable"), "{out}");

    // A claim for someone else is refused when --to says whom the user expects.
    let err = bridge_err(
        &dev,
        &["claim", "--tx", &tx, "--private-key", KEY_3, "--to", &user.to_string()],
    );
    assert!(err.contains("wrong recipient"), "{err}");

    // The claim pays the recipient exactly the amount (the claimer pays the gas).
    assert_eq!(l1_balance(&dev, recipient), 0);
    let out = bridge_ok(&dev, &["claim", "--tx", &tx, "--private-key", KEY_3]);
    assert!(out.contains("claim of withdrawal"), "{out}");
    assert_eq!(l1_balance(&dev, recipient), 3 * ETHER / 2);
    let out = bridge_ok(&dev, &["status", "--tx", &tx]);
    assert!(out.contains(": claimed"), "{out}");
    let err = bridge_err(&dev, &["claim", "--tx", &tx, "--private-key", KEY_3]);
    assert!(err.contains("already claimed"), "{err}");
    assert_eq!(l1_balance(&dev, recipient), 3 * ETHER / 2, "paid once");

    // A claim by the recipient itself: its L1 balance rises by the amount minus the claim's gas.
    let out = bridge_ok(&dev, &["withdraw", "--amount", "1", "--private-key", KEY_3, "--wait"]);
    let tx = hash_after(&out, "L2 transaction: ");
    let before = l1_balance(&dev, user);
    let out = bridge_ok(&dev, &["claim", "--tx", &tx, "--private-key", KEY_3]);
    let claim_tx = hash_after(&out, "L1 transaction: ");
    let receipt = dev.result(dev.l1, "eth_getTransactionReceipt", json!([claim_tx]));
    let gas = quantity(&receipt["gasUsed"]) * quantity(&receipt["effectiveGasPrice"]);
    assert_eq!(l1_balance(&dev, user), before + ETHER - gas);

    // Forced withdrawal through the L1: it becomes an L2 transaction sending a withdrawal message,
    // claimable like any other.
    let forced_to = Address::repeat_byte(0x6b);
    let l2_before = l2_balance(&dev, user);
    let out = bridge_ok(
        &dev,
        &[
            "force-withdraw",
            "--amount",
            "0.5",
            "--to",
            &forced_to.to_string(),
            "--private-key",
            KEY_3,
            "--wait",
        ],
    );
    assert!(out.contains("claimable"), "{out}");
    let forced = hash_after(&out, "L2 transaction: ");
    assert_eq!(l2_balance(&dev, user), l2_before - ETHER / 2, "taken from the user's L2 balance");
    let receipt = dev.result(dev.l2, "eth_getTransactionReceipt", json!([forced]));
    assert_eq!(receipt["type"], "0x7e", "a privileged transaction: {receipt}");
    bridge_ok(&dev, &["claim", "--tx", &forced, "--private-key", KEY_3]);
    assert_eq!(l1_balance(&dev, forced_to), ETHER / 2);

    // More than the L2 balance cannot be force-withdrawn.
    let err = bridge_err(&dev, &["force-withdraw", "--amount", "1000000", "--private-key", KEY_3]);
    assert!(err.contains("insufficient balance"), "{err}");
    accounting::assert_eth_accounting(dev.l1, dev.l2, &|| dev.output());
}

/// Fifty withdrawals signed ahead and sent at once: one batch carries them all, every proof
/// verifies against its root, and every claim pays (bridge_cli::fifty_withdrawals_in_one_batch).
#[test]
fn fifty_withdrawals_in_one_batch_are_all_claimed() {
    let dir = tempfile::tempdir().unwrap();
    // A long commit interval, so that the blocks of the burst fall in one batch.
    let dev = Dev::start(dir.path(), &["--commit-interval", "5"]);
    bridge_cli::fifty_withdrawals_in_one_batch(&dev.l1_url(), &dev.l2_url(), KEY_4, KEY_5, &|| {
        dev.output()
    });
    accounting::assert_eth_accounting(dev.l1, dev.l2, &|| dev.output());
}

/// Without a prover a batch is committed but never verified: the withdrawal is reported as such
/// and its claim is refused before anything is sent.
#[test]
fn an_unverified_withdrawal_cannot_be_claimed() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &["--no-prover"]);
    let out = bridge_ok(&dev, &["withdraw", "--amount", "100wei", "--private-key", KEY_5]);
    assert!(out.contains("next: basalt bridge status --tx"), "{out}");
    let tx = hash_after(&out, "L2 transaction: ");
    let block =
        quantity(&dev.result(dev.l2, "eth_getTransactionReceipt", json!([tx]))["blockNumber"]);
    dev.wait_until_committed(block as u64);
    let out = bridge_ok(&dev, &["status", "--tx", &tx]);
    assert!(out.contains(": committed"), "{out}");
    let err = bridge_err(&dev, &["claim", "--tx", &tx, "--private-key", KEY_5]);
    assert!(err.contains("not verified yet") && err.contains("committed"), "{err}");
    accounting::assert_eth_accounting(dev.l1, dev.l2, &|| dev.output());
}

/// An ERC20 round trip as a user makes it with `--token` alone: the deposit goes to the
/// canonical L2 token (created by it, with the L1 decimals), the withdrawal burns there and the
/// claim pays the L1 token back. A deposit naming an L2 token that does not exist cannot be
/// delivered; the command says so, and its refund is claimed like a withdrawal.
#[test]
fn erc20_round_trip_to_the_canonical_token_and_a_refunded_deposit() {
    let dir = tempfile::tempdir().unwrap();
    let dev = Dev::start(dir.path(), &[]);
    let (l1, l2) = (dev.l1_url(), dev.l2_url());
    let user = address_of(KEY_6);

    // 1,000,000 tokens of 6 decimals to the user on the L1.
    let token = deploy_token(&l1, KEY_6, 6, 1_000_000_000_000);
    let token_arg = token.to_string();
    let l2_token = canonical_l2_token(token);
    let start = token_balance(&l1, token, user);
    assert_eq!(start, 1_000_000_000_000);

    let out = bridge_ok(
        &dev,
        &["deposit", "--token", &token_arg, "--amount", "12.5", "--wait", "--private-key", KEY_6],
    );
    assert!(out.contains("deposit of 12.5 of token") && out.contains("arrived on the L2"), "{out}");
    assert!(out.contains(&format!("withdraw --amount 12.5 --token {token_arg} ")), "{out}");
    assert_eq!(token_balance(&l2, l2_token, user), 12_500_000, "the canonical token got it");
    assert_eq!(token_balance(&l1, token, user), start - 12_500_000);
    assert_eq!(cast(&["call", "-r", &l2, &l2_token.to_string(), "decimals()(uint8)"]), "6");

    let out = bridge_ok(
        &dev,
        &["withdraw", "--token", &token_arg, "--amount", "5", "--wait", "--private-key", KEY_6],
    );
    let tx = hash_after(&out, "L2 transaction: ");
    assert_eq!(token_balance(&l2, l2_token, user), 7_500_000, "burned on the L2");
    bridge_ok(&dev, &["claim", "--tx", &tx, "--private-key", KEY_6]);
    assert_eq!(token_balance(&l1, token, user), start - 7_500_000, "paid back on the L1");
    let err = bridge_err(&dev, &["claim", "--tx", &tx, "--private-key", KEY_6]);
    assert!(err.contains("already claimed"), "{err}");

    // More than the L2 balance cannot be withdrawn.
    let err = bridge_err(
        &dev,
        &["withdraw", "--token", &token_arg, "--amount", "8", "--private-key", KEY_6],
    );
    assert!(err.contains("insufficient balance") && err.contains("7.5"), "{err}");

    // A pair whose L2 token does not exist: the deposit runs on the L2 as a refund.
    let missing = Address::repeat_byte(0x5e).to_string();
    let err = bridge_err(
        &dev,
        &[
            "deposit",
            "--token",
            &token_arg,
            "--l2-token",
            &missing,
            "--amount",
            "1",
            "--wait",
            "--private-key",
            KEY_6,
        ],
    );
    assert!(err.contains("could not be delivered"), "{err}");
    assert_eq!(
        token_balance(&l1, token, user),
        start - 8_500_000,
        "held by the bridge until claimed"
    );
    let refund = refund_tx(&err);
    wait_until_claimable(&l1, &l2, &refund, &|| dev.output());
    bridge_ok(&dev, &["claim", "--tx", &refund, "--private-key", KEY_6]);
    assert_eq!(token_balance(&l1, token, user), start - 7_500_000, "the refund is paid");
    accounting::assert_eth_accounting(dev.l1, dev.l2, &|| dev.output());
}
