//! Support for tests that drive real processes: the npm-installed Foundry binaries and an
//! anvil L1 on a free loopback port, stopped by its own process id, and the JSON-RPC
//! specification's schemas as a validator ([`spec`]). Test-only.

pub mod spec;

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
    while !listening(port) {
        assert!(Instant::now() < deadline, "nothing listened on port {port} within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether a server listens on `port`. A connection from the port to itself does not count:
/// free ports sit in the ephemeral range, so with nothing listening Linux can pick the same
/// port as the source and complete a TCP simultaneous open with itself.
fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port))
        .is_ok_and(|stream| stream.local_addr().ok() != stream.peer_addr().ok())
}

/// Waits until `child` answers JSON-RPC (`eth_chainId`) on `port`. `Err` when the child exits
/// first (another process took the port between [`free_port`] and its bind) or on timeout, so
/// that a caller can retry on a new port instead of talking to someone else's server.
pub fn wait_until_serving(child: &mut Child, port: u16, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the server on port {port} exited ({status}) before it served"));
        }
        if listening(port) && try_http_post(port, body).is_some_and(|(status, _)| status == 200) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("nothing served JSON-RPC on port {port} within {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts a server with `spawn(port)` on a free port and waits until it serves; retries on
/// a new port (up to 5 times) when the process exits first, as it does when it loses the
/// port to a concurrent test.
fn start_serving(mut spawn: impl FnMut(u16) -> Child) -> (Child, u16) {
    let mut last = String::new();
    for _ in 0..5 {
        let port = free_port();
        let mut child = spawn(port);
        match wait_until_serving(&mut child, port, Duration::from_secs(30)) {
            Ok(()) => return (child, port),
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                last = error;
            }
        }
    }
    panic!("no server came up in 5 tries: {last}");
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
        let (child, port) = start_serving(|port| Self::spawn(port, extra));
        Self { child, port, url: format!("http://127.0.0.1:{port}") }
    }

    /// Starts anvil on `port` (a restart on the port of an earlier one) with `extra` arguments.
    pub fn start_on(port: u16, extra: &[&str]) -> Self {
        let mut child = Self::spawn(port, extra);
        if let Err(error) = wait_until_serving(&mut child, port, Duration::from_secs(30)) {
            let _ = child.kill();
            panic!("anvil: {error}");
        }
        Self { child, port, url: format!("http://127.0.0.1:{port}") }
    }

    fn spawn(port: u16, extra: &[&str]) -> Child {
        Command::new(npm_bin("anvil"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start anvil")
    }
}

impl Anvil {
    /// Stops anvil with SIGTERM (by its pid), so that it writes `--state` / `--dump-state`,
    /// and waits for it to exit.
    pub fn terminate(mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(status.success(), "kill -TERM {pid} failed");
        let _ = self.child.wait();
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `basalt l1` child process on a free local port, killed (by its pid) when dropped. Its
/// output goes to a log file, shown by [`BasaltL1::log`] when a test needs it.
pub struct BasaltL1 {
    child: Child,
    pub port: u16,
    pub url: String,
    pub ws_url: String,
    log_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl BasaltL1 {
    /// Starts `binary l1` with `extra` arguments and waits until it answers.
    pub fn start(binary: &std::path::Path, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let log_path = dir.path().join("l1.log");
        let (child, port) = start_serving(|port| {
            let log = std::fs::File::create(&log_path).expect("log file");
            Command::new(binary)
                .args(["l1", "--port", &port.to_string()])
                .args(extra)
                .env("NO_COLOR", "1")
                .stdout(log.try_clone().expect("log handle"))
                .stderr(log)
                .spawn()
                .expect("start basalt l1")
        });
        Self {
            child,
            port,
            url: format!("http://127.0.0.1:{port}"),
            ws_url: format!("ws://127.0.0.1:{port}"),
            log_path,
            _dir: dir,
        }
    }

    /// Everything the node printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The `result` of one JSON-RPC call; panics with the answer and the node's log when
    /// there is none.
    pub fn result(&self, method: &str, params: serde_json::Value) -> serde_json::Value {
        let response = rpc_call(self.port, method, params.clone());
        response
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{method} {params}: {response}\n{}", self.log()))
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for BasaltL1 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POSTs `body` as JSON to `http://127.0.0.1:port/` over HTTP/1.1 and returns the status code
/// and the response body. Raw on purpose: tests send malformed input a client library would
/// refuse to produce.
pub fn http_post(port: u16, body: &[u8]) -> (u16, String) {
    try_http_post(port, body).expect("connect and send the request")
}

/// [`http_post`], `None` when the connection or the request's head fails.
fn try_http_post(port: u16, body: &[u8]) -> Option<(u16, String)> {
    use std::io::Write;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    // A server may answer (413) and close before taking an oversized body: a failed write is
    // then expected, and the answer is still there to read.
    let _ = stream.write_all(body);
    Some(read_response(&mut stream))
}

/// GETs `http://127.0.0.1:port{path}` over HTTP/1.1; the status code and the body (a failed
/// connection is status 0).
pub fn http_get(port: u16, path: &str) -> (u16, String) {
    use std::io::Write;
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return (0, String::new()) };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let head =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(head.as_bytes()).is_err() {
        return (0, String::new());
    }
    read_response(&mut stream)
}

/// Reads an HTTP/1.1 response to its end: the status code (0 when unreadable) and the body.
fn read_response(stream: &mut TcpStream) -> (u16, String) {
    use std::io::Read;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status =
        text.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or_default();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, dechunk(&body))
}

/// Undoes HTTP chunked transfer encoding when present.
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    loop {
        let Some((size_line, tail)) = rest.split_once("\r\n") else { return body.to_string() };
        let Ok(size) = usize::from_str_radix(size_line.trim(), 16) else {
            return body.to_string();
        };
        if size == 0 {
            return out;
        }
        if tail.len() < size {
            return body.to_string();
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
}

/// One JSON-RPC call over HTTP; returns the whole response object (`result` or `error`).
pub fn rpc_call(port: u16, method: &str, params: serde_json::Value) -> serde_json::Value {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let (_, text) = http_post(port, body.to_string().as_bytes());
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}

/// Creation bytecode (0x-hex) of `contract` in `tests/e2e/contracts/<file>`, compiled with the
/// pinned npm solc (through `tests/e2e/compile.js`).
pub fn e2e_bytecode(file: &str, contract: &str) -> String {
    let output = Command::new("node")
        .current_dir(repo_root())
        .arg("tests/e2e/compile.js")
        .arg(format!("tests/e2e/contracts/{file}"))
        .output()
        .expect("run node (needed to compile the e2e contracts)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let compiled: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("compile.js prints JSON");
    compiled[contract]["bytecode"].as_str().expect("bytecode").to_string()
}
