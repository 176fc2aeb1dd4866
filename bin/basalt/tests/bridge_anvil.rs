//! The bridge on anvil under `basalt sequencer`, as a user drives it with `basalt bridge`: an
//! exec prover verifies the batches (a `--dev-no-verifier` deployment), ether and an ERC20 go
//! to the L2 and come back with their claims paid on anvil, a second claim is refused, an ERC20
//! deposit to an L2 token that does not exist is refunded, and the bridge's ether accounting
//! and fee vaults hold at the end.

mod accounting;
mod bridge_cli;
mod rollup;

use alloy_primitives::Address;
use alloy_signer_local::PrivateKeySigner;
use basalt_contracts::formats::canonical_l2_token;
use bridge_cli::{deploy_token, hash_after, refund_tx, token_balance};
use rollup::*;
use serde_json::json;
use std::str::FromStr;

/// anvil's dev account 3 (the user) and 8 (the proof sender, not the committer).
const USER_KEY: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
/// anvil's dev account 4: sends the fifty withdrawals.
const SENDER_KEY: &str = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
const PROOF_SENDER_KEY: &str = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
const ETHER: u128 = 1_000_000_000_000_000_000;

/// anvil, the contracts, a sequencer that commits and verifies, and its exec prover.
struct Bridged {
    l1: L1,
    sequencer: Sequencer,
    _prover: ExecProver,
}

impl Bridged {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// With `more` sequencer flags.
    fn start_with(more: &[&str]) -> Self {
        let l1 = L1::start();
        let sequencer = Sequencer::start_proving_with(&l1, PROOF_SENDER_KEY, more);
        let prover = ExecProver::start(&sequencer.coordinator());
        Self { l1, sequencer, _prover: prover }
    }

    fn bridge(&self, args: &[&str]) -> (bool, String, String) {
        bridge_cli::run(&self.l1.anvil.url, &self.sequencer.url, args)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.bridge(args);
        assert!(
            ok,
            "basalt bridge {args:?}:\n{out}\n{err}\n--- sequencer:\n{}",
            self.sequencer.log()
        );
        out
    }

    fn err(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.bridge(args);
        assert!(!ok, "basalt bridge {args:?} should have failed:\n{out}");
        err
    }

    fn l1_balance(&self, address: Address) -> u128 {
        let balance = cast(&["balance", &address.to_string(), "--rpc-url", &self.l1.anvil.url]);
        balance.parse().unwrap()
    }
}

#[test]
fn ether_and_erc20_round_trips_and_a_refund_with_basalt_bridge_on_anvil() {
    let rollup = Bridged::start();
    let (l1, l2) = (rollup.l1.anvil.url.clone(), rollup.sequencer.url.clone());
    let user = PrivateKeySigner::from_str(USER_KEY).unwrap().address();

    // Ether: deposit, withdraw to an empty L1 address, claim, and a refused second claim.
    let out = rollup.ok(&["deposit", "--amount", "2", "--wait", "--private-key", USER_KEY]);
    assert!(out.contains("arrived on the L2"), "{out}");
    assert_eq!(
        u256(&rollup.sequencer.result("eth_getBalance", json!([user, "latest"]))),
        alloy_primitives::U256::from(2 * ETHER)
    );
    let recipient = Address::repeat_byte(0x7a);
    let out = rollup.ok(&[
        "withdraw",
        "--amount",
        "0.5",
        "--to",
        &recipient.to_string(),
        "--wait",
        "--private-key",
        USER_KEY,
    ]);
    let tx = hash_after(&out, "L2 transaction: ");
    rollup.ok(&["claim", "--tx", &tx, "--private-key", USER_KEY]);
    assert_eq!(rollup.l1_balance(recipient), ETHER / 2);
    let err = rollup.err(&["claim", "--tx", &tx, "--private-key", USER_KEY]);
    assert!(err.contains("already claimed"), "{err}");

    // An ERC20 to its canonical L2 token and part of it back.
    let token = deploy_token(&l1, USER_KEY, 6, 1_000_000_000_000);
    let token_arg = token.to_string();
    let out = rollup.ok(&[
        "deposit",
        "--token",
        &token_arg,
        "--amount",
        "12.5",
        "--wait",
        "--private-key",
        USER_KEY,
    ]);
    assert!(out.contains("arrived on the L2"), "{out}");
    assert_eq!(token_balance(&l2, canonical_l2_token(token), user), 12_500_000);
    let out = rollup.ok(&[
        "withdraw",
        "--token",
        &token_arg,
        "--amount",
        "5",
        "--to",
        &recipient.to_string(),
        "--wait",
        "--private-key",
        USER_KEY,
    ]);
    let tx = hash_after(&out, "L2 transaction: ");
    rollup.ok(&["claim", "--tx", &tx, "--private-key", USER_KEY]);
    assert_eq!(token_balance(&l1, token, recipient), 5_000_000);
    assert_eq!(token_balance(&l2, canonical_l2_token(token), user), 7_500_000);

    // A deposit to an L2 token that does not exist comes back through a claim.
    let before = token_balance(&l1, token, user);
    let missing = Address::repeat_byte(0x5e).to_string();
    let err = rollup.err(&[
        "deposit",
        "--token",
        &token_arg,
        "--l2-token",
        &missing,
        "--amount",
        "1",
        "--wait",
        "--private-key",
        USER_KEY,
    ]);
    assert!(err.contains("could not be delivered"), "{err}");
    assert_eq!(token_balance(&l1, token, user), before - 1_000_000);
    let refund = refund_tx(&err);
    bridge_cli::wait_until_claimable(&l1, &l2, &refund, &|| rollup.sequencer.log());
    rollup.ok(&["claim", "--tx", &refund, "--private-key", USER_KEY]);
    assert_eq!(token_balance(&l1, token, user), before, "the refund is paid");

    accounting::assert_eth_accounting(rollup.l1.anvil.port, rollup.sequencer.port, &|| {
        rollup.sequencer.log()
    });
}

/// Fifty withdrawals sent at once on the L2 of anvil: one batch, every proof verifies, every
/// claim pays on anvil, a second claim is refused (bridge_cli::fifty_withdrawals_in_one_batch).
#[test]
fn fifty_withdrawals_in_one_batch_are_all_claimed_on_anvil() {
    // A long commit interval, so that the blocks of the burst fall in one batch.
    let rollup = Bridged::start_with(&["--commit-interval", "5"]);
    let (l1, l2) = (rollup.l1.anvil.url.clone(), rollup.sequencer.url.clone());
    let out = rollup.ok(&["deposit", "--amount", "2", "--wait", "--private-key", SENDER_KEY]);
    assert!(out.contains("arrived on the L2"), "{out}");
    bridge_cli::fifty_withdrawals_in_one_batch(&l1, &l2, SENDER_KEY, USER_KEY, &|| {
        rollup.sequencer.log()
    });
    accounting::assert_eth_accounting(rollup.l1.anvil.port, rollup.sequencer.port, &|| {
        rollup.sequencer.log()
    });
}
