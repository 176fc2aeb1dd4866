//! The guest must stay a pure function so it can be compiled for a zkVM unchanged: its
//! dependency tree may not gain an async runtime, a database, a network stack or filesystem
//! helpers, and its own source may not reach for the operating system.

use std::{path::Path, process::Command};

/// Crates whose presence means I/O: async runtimes and their reactors, databases, HTTP/RPC
/// stacks, TLS, and filesystem helpers; plus the node's own crates that do I/O.
const FORBIDDEN: &[&str] = &[
    "tokio",
    "mio",
    "async-std",
    "smol",
    "hyper",
    "reqwest",
    "h2",
    "tower",
    "axum",
    "jsonrpsee",
    "socket2",
    "rustls",
    "native-tls",
    "openssl",
    "redb",
    "libmdbx",
    "rusqlite",
    "rocksdb",
    "tempfile",
    "walkdir",
    "notify",
    "basalt-storage",
    "basalt-chain",
    "basalt-rpc",
    "basalt-txpool",
    "basalt-batch",
    "basalt-committer",
    "basalt-watcher",
    "alloy-provider",
    "alloy-transport",
];

#[test]
fn the_dependency_tree_has_no_runtime_database_network_or_filesystem_crate() {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-p", "basalt-guest", "-e", "normal", "--prefix", "none"])
        .args(["--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let tree = String::from_utf8(output.stdout).unwrap();
    let names: Vec<&str> = tree.lines().filter_map(|line| line.split_whitespace().next()).collect();
    assert!(names.contains(&"basalt-evm"), "the tree was read: {names:?}");
    let found: Vec<&&str> = FORBIDDEN.iter().filter(|name| names.contains(name)).collect();
    assert!(found.is_empty(), "the guest's dependency tree holds {found:?}");
}

#[test]
fn the_guest_source_does_not_touch_the_operating_system() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src];
    let mut checked = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for needle in
            ["std::fs", "std::net", "std::process", "std::thread", "std::env", "SystemTime"]
        {
            assert!(!text.contains(needle), "{} uses {needle}", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 4, "the guest's source files were read");
}
