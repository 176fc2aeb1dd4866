//! Shared setup for the CLI tests: a generated chain written as genesis.json + chain.rlp.

#![allow(dead_code)]

use basalt_chain::workload::{TransferKind, Workload};
use basalt_primitives::Block;
use std::{path::PathBuf, process::Command};

pub struct ChainFiles {
    pub dir: tempfile::TempDir,
    pub genesis: PathBuf,
    pub chain: PathBuf,
    pub blocks: Vec<Block>,
}

/// Generates `blocks` blocks of `txs` ETH transfers and writes them out.
pub fn chain_files(blocks: usize, txs: usize) -> ChainFiles {
    let mut workload = Workload::new(64, TransferKind::Eth);
    let chain = workload.new_chain().unwrap();
    let blocks = workload.extend_chain(&chain, blocks, txs).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let genesis = dir.path().join("genesis.json");
    std::fs::write(&genesis, workload.genesis_json()).unwrap();
    let chain = dir.path().join("chain.rlp");
    std::fs::write(&chain, encode_chain(&blocks)).unwrap();
    ChainFiles { dir, genesis, chain, blocks }
}

pub fn encode_chain(blocks: &[Block]) -> Vec<u8> {
    blocks.iter().flat_map(alloy_rlp::encode).collect()
}

pub fn basalt() -> Command {
    Command::new(env!("CARGO_BIN_EXE_basalt"))
}

/// Runs `basalt import` and returns (success, stdout, stderr).
pub fn import(
    genesis: &std::path::Path,
    datadir: &std::path::Path,
    chain: &std::path::Path,
) -> (bool, String, String) {
    let output = basalt()
        .args(["import", "--genesis"])
        .arg(genesis)
        .arg("--datadir")
        .arg(datadir)
        .arg(chain)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}
