//! `basalt import`: reads a file of concatenated RLP blocks and imports them onto a chain.

use alloy_rlp::{Decodable, Header as RlpHeader};
use basalt_chain::{Blockchain, genesis::init_from_spec};
use basalt_primitives::{Block, GenesisSpec};
use basalt_storage::{Database, SyncPolicy};
use eyre::{WrapErr, bail};
use std::{path::PathBuf, process::ExitCode, time::Duration};

#[derive(Clone, Copy, clap::ValueEnum)]
enum FsyncMode {
    Periodic,
    EveryBlock,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// geth-format genesis.json of the chain.
    #[arg(long)]
    genesis: PathBuf,
    /// Database directory (in memory when omitted).
    #[arg(long)]
    datadir: Option<PathBuf>,
    /// When to fsync: `periodic` (at most once a second, and at the end) or `every-block`.
    /// Either way each block is one atomic commit; a crash loses at most the unsynced blocks.
    #[arg(long, default_value = "periodic")]
    fsync: FsyncMode,
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
    let mut db = match &args.datadir {
        Some(dir) => Database::open(dir)?,
        None => Database::in_memory()?,
    };
    db.set_sync_policy(match args.fsync {
        FsyncMode::Periodic => SyncPolicy::Periodic(Duration::from_secs(1)),
        FsyncMode::EveryBlock => SyncPolicy::EveryCommit,
    });
    init_from_spec(&db, &spec, &genesis_text).wrap_err_with(|| match &args.datadir {
        Some(dir) => format!("datadir {}", dir.display()),
        None => "genesis".to_string(),
    })?;
    let chain = Blockchain::new(db, spec.config)?;

    let mut imported = 0usize;
    let outcome = import_all(&chain, &chain_bytes, &mut imported);
    print_head(&chain, imported)?;
    outcome.map(|()| ExitCode::SUCCESS)
}

/// Imports every block of `chain_bytes` in order, stopping at the first bad one. Blocks are
/// split and decoded first; a malformed one ends the file there, after the blocks before it
/// are imported.
fn import_all(chain: &Blockchain, chain_bytes: &[u8], imported: &mut usize) -> eyre::Result<()> {
    let mut blocks = Vec::new();
    let mut rest = chain_bytes;
    let mut decode_error = None;
    while !rest.is_empty() {
        let position = blocks.len() + 1;
        let offset = chain_bytes.len() - rest.len();
        let decoded = rlp_item_len(rest)
            .wrap_err_with(|| format!("block {position} at byte {offset} is not valid RLP"))
            .and_then(|len| {
                let (mut item, tail) = rest.split_at(len);
                rest = tail;
                let block = Block::decode(&mut item).map_err(|e| {
                    eyre::eyre!("block {position} at byte {offset} cannot be decoded: {e}")
                })?;
                Ok((block, len))
            });
        match decoded {
            Ok(block) => blocks.push(block),
            Err(err) => {
                decode_error = Some(err);
                break;
            }
        }
    }
    for (position, result) in chain.import_blocks(blocks).into_iter().enumerate() {
        match result {
            Ok(block) => {
                *imported += 1;
                tracing_line(&block);
            }
            Err(basalt_chain::ImportError::AlreadyKnown(_)) => {}
            Err(err) => bail!("import stopped at block {} of the file: {err}", position + 1),
        }
    }
    decode_error.map_or(Ok(()), Err)
}

fn tracing_line(block: &basalt_chain::ImportedBlock) {
    eprintln!(
        "imported block {} {} txs={} gas={}",
        block.number, block.hash, block.transactions, block.gas_used
    );
}

fn print_head(chain: &Blockchain, imported: usize) -> eyre::Result<()> {
    chain.db().flush()?;
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
