//! `basalt dev` as a test runs it: a child process on free ports with its log in a file.

#![allow(dead_code)] // each test file uses part of it

use basalt_test_harness::{free_port, rpc_call, wait_for_port};
use serde_json::{Value, json};
use std::{
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

/// A running `basalt dev`.
pub struct Dev {
    child: Child,
    pub l1: u16,
    pub l2: u16,
    log: PathBuf,
}

impl Dev {
    /// Starts `basalt dev` with `extra` flags and waits for its ready line.
    pub fn start(dir: &Path, extra: &[&str]) -> Self {
        let (l1, l2) = (free_port(), free_port());
        let log = dir.join(format!("dev-{l2}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_basalt"))
            .args(["dev", "--l1-port", &l1.to_string(), "--l2-port", &l2.to_string()])
            .args(extra)
            .env("NO_COLOR", "1")
            // Tests run several nodes at once: each proof coordinator takes a free port.
            .env("BASALT_PROOF_COORDINATOR_ADDR", "127.0.0.1:0")
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("start basalt dev");
        let dev = Self { child, l1, l2, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !dev.output().contains("ready in ") {
            assert!(Instant::now() < deadline, "no ready line:\n{}", dev.output());
            std::thread::sleep(Duration::from_millis(50));
        }
        wait_for_port(l1, Duration::from_secs(5));
        wait_for_port(l2, Duration::from_secs(5));
        dev
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn l1_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.l1)
    }

    pub fn l2_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.l2)
    }

    pub fn result(&self, port: u16, method: &str, params: Value) -> Value {
        let response = rpc_call(port, method, params.clone());
        response
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{method} {params}: {response}\n{}", self.output()))
    }

    pub fn l2_balance(&self, address: &str) -> u128 {
        quantity(&self.result(self.l2, "eth_getBalance", json!([address, "latest"])))
    }

    pub fn l2_block(&self) -> u64 {
        quantity(&self.result(self.l2, "eth_blockNumber", json!([]))) as u64
    }

    /// Waits until a committed batch holds L2 block `block`; the last committed batch number.
    /// 60 s at most: the first batch waits for the KZG trusted setup to load (seconds).
    pub fn wait_until_committed(&self, block: u64) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let numbers = self.result(self.l2, "basalt_batchNumber", json!([]));
            let committed = quantity(&numbers["committed"]) as u64;
            if committed > 0 {
                let batch = self.result(self.l2, "basalt_getBatchByNumber", json!([committed]));
                if quantity(&batch["lastBlock"]) as u64 >= block {
                    return committed;
                }
            }
            assert!(Instant::now() < deadline, "block {block} never committed:\n{}", self.output());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn quantity(value: &Value) -> u128 {
    u128::from_str_radix(value.as_str().expect("hex quantity").trim_start_matches("0x"), 16)
        .expect("hex quantity")
}
