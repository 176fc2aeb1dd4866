//! The execution engine passes the shared execution-spec-tests blockchain fixtures, and the
//! runner notices when a fixture's expectations are not met.

use basalt_eest::{Outcome, collect_files, run_file, run_files};
use std::path::PathBuf;

fn shared_fixtures() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/eest");
    assert!(
        dir.is_dir(),
        "fixtures not found at {}: the repository must sit beside shared/",
        dir.display()
    );
    dir
}

#[test]
fn engine_passes_every_shared_fixture() {
    let files = collect_files(&[shared_fixtures()]).unwrap();
    assert!(files.len() >= 200, "expected the full fixture set, found {} files", files.len());
    let failures = std::sync::Mutex::new(Vec::new());
    let summary = run_files(&files, 2, |result| {
        if let Outcome::Failed(reason) = &result.outcome {
            failures.lock().unwrap().push(format!(
                "{}::{}: {reason}",
                result.file.display(),
                result.name
            ));
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{summary}\n{}", failures.join("\n"));
    let total = summary.passed + summary.failed + summary.skipped;
    assert!(summary.skipped * 100 <= total, "more than 1% skipped: {summary}");
    assert!(summary.passed >= 2700, "{summary}");
}

/// Copies one fixture file with `edit` applied to its JSON and runs it.
fn run_edited(relative: &str, edit: impl Fn(&mut serde_json::Value)) -> Vec<Outcome> {
    let path = shared_fixtures().join(relative);
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for fixture in json.as_object_mut().unwrap().values_mut() {
        edit(fixture);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edited.json");
    std::fs::write(&file, serde_json::to_string(&json).unwrap()).unwrap();
    run_file(&file).into_iter().map(|r| r.outcome).collect()
}

const WITHDRAWALS: &str =
    "blockchain_tests/shanghai/eip4895_withdrawals/test_balance_within_block.json";

#[test]
fn unedited_fixture_passes() {
    let outcomes = run_edited(WITHDRAWALS, |_| {});
    assert!(!outcomes.is_empty());
    assert!(outcomes.iter().all(|o| *o == Outcome::Passed), "{outcomes:?}");
}

#[test]
fn wrong_post_state_balance_fails() {
    let outcomes = run_edited(WITHDRAWALS, |fixture| {
        let post = fixture["postState"].as_object_mut().unwrap();
        let (_, account) = post.iter_mut().next().unwrap();
        account["balance"] = serde_json::json!("0x1234");
    });
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Failed(r) if r.contains("post-state"))),
        "{outcomes:?}"
    );
}

#[test]
fn missing_post_state_account_fails() {
    let outcomes = run_edited(WITHDRAWALS, |fixture| {
        let post = fixture["postState"].as_object_mut().unwrap();
        let first = post.keys().next().unwrap().clone();
        post.remove(&first);
    });
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Failed(r) if r.contains("extra account"))),
        "{outcomes:?}"
    );
}

#[test]
fn block_expected_to_fail_but_valid_is_reported() {
    let outcomes = run_edited(WITHDRAWALS, |fixture| {
        fixture["blocks"][0]["expectException"] = serde_json::json!("BlockException.MADE_UP");
    });
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Failed(r) if r.contains("must fail"))),
        "{outcomes:?}"
    );
}

#[test]
fn garbage_block_rlp_is_rejected_not_panicking() {
    let outcomes = run_edited(WITHDRAWALS, |fixture| {
        fixture["blocks"][0]["rlp"] = serde_json::json!("0xf90000deadbeef");
    });
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Failed(r) if r.contains("decode"))),
        "{outcomes:?}"
    );
}

#[test]
fn unknown_network_is_skipped_with_reason() {
    let outcomes =
        run_edited(WITHDRAWALS, |fixture| fixture["network"] = serde_json::json!("Atlantis"));
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Skipped(r) if r.contains("Atlantis"))),
        "{outcomes:?}"
    );
}

#[test]
fn non_fixture_json_is_one_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other.json");
    std::fs::write(&file, r#"{"hello": [1, 2, 3]}"#).unwrap();
    let results = run_file(&file);
    assert_eq!(results.len(), 1);
    assert!(
        matches!(&results[0].outcome, Outcome::Failed(r) if r.contains("not a blockchain-test fixture"))
    );
}

#[test]
fn rejection_for_another_reason_than_expected_fails() {
    let outcomes = run_edited(
        "blockchain_tests/frontier/validation/test_gas_limit_below_minimum.json",
        |fixture| {
            for block in fixture["blocks"].as_array_mut().unwrap() {
                if block.get("expectException").is_some() {
                    block["expectException"] = serde_json::json!("BlockException.INVALID_REQUESTS");
                }
            }
        },
    );
    // Fixtures of this file without an invalid block still pass; every other one must fail.
    let failed: Vec<_> = outcomes.iter().filter(|o| matches!(o, Outcome::Failed(_))).collect();
    assert!(failed.len() > outcomes.len() / 2, "{outcomes:?}");
    assert!(
        failed.iter().all(|o| matches!(o, Outcome::Failed(r) if r.contains("not for"))),
        "{failed:?}"
    );
}
