//! `basalt l1`: a development L1 in the style of anvil. A fresh chain (in memory unless
//! `--datadir`) with funded dev accounts, or a chain from `--genesis`/an existing datadir;
//! JSON-RPC over HTTP and WebSocket on one port; automine, interval or manual mining.

use alloy_primitives::{Address, U256};
use basalt_chain::{
    Blockchain,
    anvil::{AnvilChain, AnvilLimits},
    dev::{DEV_MNEMONIC, DevGenesis, derive_dev_accounts},
    genesis::init_from_spec,
    service::{ChainServiceConfig, MiningMode},
};
use basalt_primitives::{GenesisSpec, Hardfork};
use basalt_rpc::{RpcBackend, RpcConfig};
use basalt_storage::{Database, SyncPolicy};
use eyre::{WrapErr, bail};
use std::{path::PathBuf, process::ExitCode, time::Duration};

/// Block gas limit of a fresh dev chain (anvil's default).
const DEFAULT_GAS_LIMIT: u64 = 30_000_000;

#[derive(clap::Args, Debug)]
pub struct L1Args {
    /// Port of the JSON-RPC server (HTTP and WebSocket).
    #[arg(long, short, default_value_t = 8545)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Chain id of a fresh chain.
    #[arg(long, default_value_t = 31337)]
    chain_id: u64,
    /// Seconds between blocks (interval mining); without it, a block as soon as transactions
    /// arrive (automine).
    #[arg(long, short)]
    block_time: Option<f64>,
    /// Mine only on `evm_mine`/`anvil_mine`.
    #[arg(long, conflicts_with = "block_time")]
    no_mining: bool,
    /// Rules of a fresh chain: any fork from Frontier to BPO5.
    #[arg(long, default_value_t = Hardfork::DEV_DEFAULT)]
    hardfork: Hardfork,
    /// Block gas limit (default: 30,000,000 for a fresh chain; the head's for an existing one).
    #[arg(long)]
    gas_limit: Option<u64>,
    /// Base fee of the genesis block, in wei.
    #[arg(long, default_value_t = 1_000_000_000)]
    base_fee: u64,
    /// Number of funded dev accounts.
    #[arg(long, short, default_value_t = 10)]
    accounts: u32,
    /// Ether each dev account starts with.
    #[arg(long, default_value_t = 10_000)]
    balance: u64,
    /// Mnemonic of the dev accounts.
    #[arg(long, short, default_value = DEV_MNEMONIC)]
    mnemonic: String,
    /// A geth-format genesis file instead of the dev genesis.
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// Keep the chain in this directory (in memory when omitted); every block is fsynced. A
    /// directory that already holds a chain (for example from `basalt import`) is served as
    /// it is.
    #[arg(long)]
    datadir: Option<PathBuf>,
    /// Most requests in one JSON-RPC batch.
    #[arg(long, default_value_t = 1000)]
    max_batch: u32,
    /// Blocks per epoch of the imitated beacon chain: `safe` lags the head by one epoch,
    /// `finalized` by two (as anvil's flag of the same name).
    #[arg(long, default_value_t = 32)]
    slots_in_an_epoch: u64,
    /// Most polled filters installed at once.
    #[arg(long, default_value_t = 10_000)]
    max_filters: usize,
    /// Most live `evm_snapshot`s.
    #[arg(long, default_value_t = 1_000)]
    max_snapshots: usize,
    /// Most accounts impersonated at once.
    #[arg(long, default_value_t = 1_000)]
    max_impersonated: usize,
    /// Most storage keys one `eth_getProof` may ask for.
    #[arg(long, default_value_t = 1_024)]
    max_proof_keys: usize,
    /// Most gas one `eth_call`, `eth_estimateGas` or `eth_createAccessList` may use.
    #[arg(long, default_value_t = 50_000_000)]
    rpc_gas_cap: u64,
    /// Accounts a fresh chain also funds with `balance` that are not dev accounts (`basalt
    /// dev`'s committer).
    #[arg(skip)]
    pub extra_funded: Vec<Address>,
}

/// A running dev L1: the chain service under the anvil layer, and its JSON-RPC server (the
/// miner not yet started).
pub struct DevL1 {
    pub node: std::sync::Arc<AnvilChain>,
    pub addr: std::net::SocketAddr,
    pub handle: basalt_rpc::ServerHandle,
    pub keys: Vec<alloy_primitives::B256>,
    pub addresses: Vec<Address>,
    pub mining: MiningMode,
}

impl L1Args {
    /// `basalt l1`'s defaults with the given port, datadir, block time and balance (for
    /// `basalt dev`).
    pub fn for_dev(
        port: u16,
        datadir: Option<PathBuf>,
        block_time: Option<f64>,
        balance: u64,
    ) -> Self {
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            args: L1Args,
        }
        let mut args = <Defaults as clap::Parser>::parse_from(["basalt-l1"]).args;
        args.port = port;
        args.datadir = datadir;
        args.block_time = block_time;
        args.balance = balance;
        args
    }
}

pub fn run(args: L1Args) -> eyre::Result<ExitCode> {
    let runtime = crate::runtime()?;
    let l1 = start(&args, &runtime)?;
    let head = l1.node.chain().head()?;
    let config = l1.node.chain().config().clone();
    print_banner(&args, &l1.keys, &l1.addresses, &config, &head, l1.addr, l1.mining);
    l1.node.service().spawn_miner();
    runtime.block_on(async {
        tokio::select! {
            () = l1.handle.stopped() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    l1.node.chain().db().flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the chain `args` describe and starts its JSON-RPC server on `runtime`.
pub fn start(args: &L1Args, runtime: &tokio::runtime::Runtime) -> eyre::Result<DevL1> {
    let accounts = derive_dev_accounts(&args.mnemonic, args.accounts)
        .wrap_err("cannot derive the dev accounts from --mnemonic")?;
    let keys: Vec<_> = accounts.iter().map(|account| account.key).collect();
    let addresses: Vec<Address> = accounts.iter().map(|account| account.address).collect();
    let mut db = match &args.datadir {
        Some(dir) => Database::open(dir)
            .wrap_err_with(|| format!("cannot open datadir {}", dir.display()))?,
        None => Database::in_memory()?,
    };
    // Every block is fsynced: a dev chain may sit idle after its last block, and a kill then
    // must not take that block (and the transactions a tool saw confirmed) with it.
    db.set_sync_policy(SyncPolicy::EveryCommit);
    let chain = open_chain(db, args, &addresses)?;

    let mining = match (args.no_mining, args.block_time) {
        (true, _) => MiningMode::Manual,
        (false, Some(seconds)) if seconds > 0.0 && seconds.is_finite() => {
            MiningMode::Interval(Duration::from_secs_f64(seconds))
        }
        (false, Some(seconds)) => bail!("--block-time must be a positive number, got {seconds}"),
        (false, None) => MiningMode::Auto,
    };
    let node = AnvilChain::new(
        chain,
        ChainServiceConfig {
            gas_limit: args.gas_limit,
            slots_in_an_epoch: args.slots_in_an_epoch,
            ..ChainServiceConfig::new(mining, keys.clone())
        },
        AnvilLimits { max_snapshots: args.max_snapshots, max_impersonated: args.max_impersonated },
    )?;

    let rpc_config = RpcConfig {
        addr: std::net::SocketAddr::new(args.host, args.port),
        max_batch: args.max_batch,
        max_filters: args.max_filters,
        max_proof_keys: args.max_proof_keys,
        gas_cap: args.rpc_gas_cap,
        ..RpcConfig::local(args.port)
    };
    let (addr, handle) = runtime
        .block_on(basalt_rpc::start(RpcBackend::DevL1(node.clone()), &rpc_config))
        .wrap_err_with(|| format!("cannot listen on {}", rpc_config.addr))?;
    Ok(DevL1 { node, addr, handle, keys, addresses, mining })
}

/// The chain to serve: an existing datadir as it is, else a new one from `--genesis` or
/// the dev genesis.
fn open_chain(db: Database, args: &L1Args, addresses: &[Address]) -> eyre::Result<Blockchain> {
    let stored = db.read()?.chain_json()?;
    let funded: Vec<Address> = addresses.iter().chain(&args.extra_funded).copied().collect();
    let genesis_text = match (&args.genesis, stored) {
        (Some(path), _) => std::fs::read_to_string(path)
            .wrap_err_with(|| format!("cannot read genesis file {}", path.display()))?,
        (None, Some(stored)) => String::from_utf8(stored).wrap_err("stored chain config")?,
        (None, None) => DevGenesis {
            chain_id: args.chain_id,
            fork: args.hardfork,
            gas_limit: args.gas_limit.unwrap_or(DEFAULT_GAS_LIMIT),
            base_fee: args.base_fee,
            timestamp: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            accounts: &funded,
            balance: U256::from(args.balance).saturating_mul(U256::from(10u128.pow(18))),
        }
        .to_json(),
    };
    // The genesis parser refuses forks the engine does not execute, so whatever it accepts
    // (the same check `basalt import` uses) is served.
    let spec = GenesisSpec::from_json(&genesis_text).wrap_err("invalid genesis")?;
    init_from_spec(&db, &spec, genesis_text.as_bytes()).wrap_err_with(|| match &args.datadir {
        Some(dir) => format!("datadir {}", dir.display()),
        None => "genesis".to_string(),
    })?;
    let chain = Blockchain::new(db, spec.config)?;
    let missing = chain.missing_system_contracts()?;
    if !missing.is_empty() {
        let names: Vec<String> =
            missing.iter().map(|(address, eip)| format!("{address} ({eip})")).collect();
        bail!(
            "the chain's next block runs Prague or later, which calls system contracts that have \
             no code in its state: {}; no block could be mined. Put them in the genesis alloc \
             (the default dev genesis has them), or schedule Prague later",
            names.join(", ")
        );
    }
    Ok(chain)
}

fn print_banner(
    args: &L1Args,
    keys: &[alloy_primitives::B256],
    addresses: &[Address],
    config: &basalt_primitives::ChainConfig,
    head: &alloy_consensus::Header,
    addr: std::net::SocketAddr,
    mining: MiningMode,
) {
    let fork = config.fork_at(head.number, head.timestamp);
    println!(
        "basalt l1 v{}  (development L1; keys below are public, never use them on a real network)",
        env!("CARGO_PKG_VERSION")
    );
    println!();
    println!("Available Accounts");
    println!("==================");
    for (i, address) in addresses.iter().enumerate() {
        println!("({i}) {address} ({} ETH)", args.balance);
    }
    println!();
    println!("Private Keys");
    println!("==================");
    for (i, key) in keys.iter().enumerate() {
        println!("({i}) {key}");
    }
    println!();
    println!("Wallet");
    println!("==================");
    println!("Mnemonic:          {}", args.mnemonic);
    println!("Derivation path:   m/44'/60'/0'/0/");
    println!();
    println!("Chain ID:          {}", config.chain_id);
    println!("Hardfork:          {fork}");
    println!("Gas limit:         {}", args.gas_limit.unwrap_or(head.gas_limit));
    println!("Base fee:          {}", head.base_fee_per_gas.unwrap_or_default());
    println!("Head:              block {} {}", head.number, head.hash_slow());
    println!(
        "Mining:            {}",
        match mining {
            MiningMode::Auto => "automine".to_string(),
            MiningMode::Interval(d) => format!("every {:.3} s", d.as_secs_f64()),
            MiningMode::Manual => "on evm_mine only".to_string(),
        }
    );
    println!(
        "Storage:           {}",
        args.datadir.as_ref().map_or("in memory".to_string(), |d| d.display().to_string())
    );
    println!();
    println!("Listening on {addr} (HTTP and WebSocket)");
    println!("RPC URL: http://{addr}");
}
