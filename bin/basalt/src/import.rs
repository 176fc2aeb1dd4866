//! `basalt import`: reads a file of concatenated RLP blocks and imports them onto a chain.

use alloy_rlp::Header as RlpHeader;
use basalt_chain::{Blockchain, genesis::init_from_spec};
use basalt_primitives::GenesisSpec;
use basalt_storage::Database;
use eyre::{WrapErr, bail};
use std::{path::PathBuf, process::ExitCode};

#[derive(clap::Args)]
pub struct ImportArgs {
    /// geth-format genesis.json of the chain.
    #[arg(long)]
    genesis: PathBuf,
    /// Database directory (in memory when omitted).
    #[arg(long)]
    datadir: Option<PathBuf>,
    /// File of concatenated RLP-encoded blocks.
    chain: PathBuf,
}

pub fn run(args: ImportArgs) -> eyre::Result<ExitCode> {
    let genesis_text = std::fs::read(&args.genesis)
        .wrap_err_with(|| format!("cannot read genesis file {}", args.genesis.display()))?;
    let spec = GenesisSpec::from_json(&String::from_utf8_lossy(&genesis_text))
        .wrap_err_with(|| format!("invalid genesis file {}", args.genesis.display()))?;
    let chain_bytes = std::fs::read(&args.chain)
        .wrap_err_with(|| format!("cannot read chain file {}", args.chain.display()))?;
    let db = match &args.datadir {
        Some(dir) => Database::open(dir)?,
        None => Database::in_memory()?,
    };
    init_from_spec(&db, &spec, &genesis_text)?;
    let chain = Blockchain::new(db, spec.config)?;

    let mut rest: &[u8] = &chain_bytes;
    let mut imported = 0usize;
    while !rest.is_empty() {
        let block_len = rlp_item_len(rest).wrap_err_with(|| {
            format!(
                "block {} at byte {} is not valid RLP",
                imported + 1,
                chain_bytes.len() - rest.len()
            )
        })?;
        let (block_rlp, tail) = rest.split_at(block_len);
        match chain.import_rlp(block_rlp) {
            Ok(block) => {
                imported += 1;
                tracing_line(&block);
            }
            Err(basalt_chain::ImportError::AlreadyKnown(_)) => {}
            Err(err) => {
                print_head(&chain, imported)?;
                bail!("import stopped: {err}");
            }
        }
        rest = tail;
    }
    print_head(&chain, imported)?;
    Ok(ExitCode::SUCCESS)
}

fn tracing_line(block: &basalt_chain::ImportedBlock) {
    eprintln!(
        "imported block {} {} txs={} gas={}",
        block.number, block.hash, block.transactions, block.gas_used
    );
}

fn print_head(chain: &Blockchain, imported: usize) -> eyre::Result<()> {
    let head = chain.head()?;
    println!(
        "imported {imported} blocks; head {} {} state root {}",
        head.number,
        head.hash_slow(),
        head.state_root
    );
    Ok(())
}

/// Length of the RLP item at the start of `bytes` (header plus payload).
fn rlp_item_len(bytes: &[u8]) -> eyre::Result<usize> {
    let mut cursor = bytes;
    let header = RlpHeader::decode(&mut cursor).map_err(|e| eyre::eyre!("{e}"))?;
    let header_len = bytes.len() - cursor.len();
    let total = header_len
        .checked_add(header.payload_length)
        .ok_or_else(|| eyre::eyre!("length overflow"))?;
    if total > bytes.len() {
        bail!("truncated: the item needs {total} bytes, {} remain", bytes.len());
    }
    Ok(total)
}
