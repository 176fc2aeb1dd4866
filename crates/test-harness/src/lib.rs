//! Support for tests that drive real processes: the npm-installed Foundry binaries and an
//! anvil L1 on a free loopback port, stopped by its own process id. Test-only.

use std::{
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// The repository root (this crate sits in `crates/test-harness`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A binary from the repository's npm packages; panics with what to do when missing.
pub fn npm_bin(name: &str) -> PathBuf {
    let path = repo_root().join("node_modules/.bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `npm ci` at the repository root (anvil and cast come from npm)",
        path.display()
    );
    path
}

/// A TCP port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// Waits until something listens on `port`.
pub fn wait_for_port(port: u16, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listened on port {port} within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An anvil child process on a free local port, killed (by its pid) when dropped.
pub struct Anvil {
    child: Child,
    pub port: u16,
    pub url: String,
}

impl Anvil {
    /// Starts anvil with `extra` arguments.
    pub fn start(extra: &[&str]) -> Self {
        let port = free_port();
        let child = Command::new(npm_bin("anvil"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start anvil");
        wait_for_port(port, Duration::from_secs(30));
        Self { child, port, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
