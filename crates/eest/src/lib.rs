//! Runner for Ethereum execution-spec-tests blockchain fixtures: loads fixture files from any
//! directory, runs each test through the real import path, and reports per-test outcomes.

pub mod fixture;
pub mod runner;

use fixture::BlockchainFixture;
pub use runner::{Outcome, run_fixture};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

/// The outcome of one test in one file.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub file: PathBuf,
    pub name: String,
    pub outcome: Outcome,
}

/// Totals of a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} passed, {} failed, {} skipped", self.passed, self.failed, self.skipped)
    }
}

/// Every `.json` file under `paths` (files are taken as given), sorted.
pub fn collect_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files)?;
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} does not exist", path.display()),
            ));
        }
    }
    files.sort();
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Runs every fixture in `file`. A file that is not a fixture file yields one failed result.
pub fn run_file(file: &Path) -> Vec<TestResult> {
    let parsed = std::fs::read_to_string(file).map_err(|e| e.to_string()).and_then(|text| {
        serde_json::from_str::<BTreeMap<String, BlockchainFixture>>(&text)
            .map_err(|e| e.to_string())
    });
    match parsed {
        Ok(fixtures) => fixtures
            .iter()
            .map(|(name, fixture)| TestResult {
                file: file.to_path_buf(),
                name: name.clone(),
                outcome: run_fixture(fixture),
            })
            .collect(),
        Err(reason) => vec![TestResult {
            file: file.to_path_buf(),
            name: "<file>".into(),
            outcome: Outcome::Failed(format!("not a blockchain-test fixture file: {reason}")),
        }],
    }
}

/// Runs `files` on `threads` worker threads, calling `report` for each result as it arrives.
pub fn run_files(
    files: &[PathBuf],
    threads: usize,
    report: impl Fn(&TestResult) + Sync,
) -> Summary {
    let next = AtomicUsize::new(0);
    let summary = Mutex::new(Summary::default());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                while let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    for result in run_file(file) {
                        report(&result);
                        let mut summary = summary.lock().unwrap_or_else(|e| e.into_inner());
                        match result.outcome {
                            Outcome::Passed => summary.passed += 1,
                            Outcome::Failed(_) => summary.failed += 1,
                            Outcome::Skipped(_) => summary.skipped += 1,
                        }
                    }
                }
            });
        }
    });
    summary.into_inner().unwrap_or_else(|e| e.into_inner())
}
