//! The L2 node that `basalt dev` and `basalt sequencer` run: the L2 chain from its genesis (in
//! a datadir or in memory), the chain service with the pool journal, the block producer, the
//! L1 deposit watcher writing into the same database, the batch sealer, and the JSON-RPC server
//! with the `basalt_*` methods and without the dev L1's controls.

use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy_primitives::U256;
use alloy_primitives::{Address, B256};
use basalt_batch::{BatchConfig, BatchSealer};
use basalt_chain::{
    Blockchain,
    genesis::init_from_spec,
    l2_producer::{BlockProducer, ProducerConfig},
    service::{ChainService, ChainServiceConfig, MiningMode},
};
use basalt_committer::{Committer, CommitterConfig};
use basalt_contracts::{
    DaModeName, Deployment,
    bindings::{CommonBridge, OnChainProposer},
};
use basalt_da::DaMode;
use basalt_primitives::GenesisSpec;
use basalt_rpc::{
    L1BatchState, L1BridgeReader, L1Read, RollupConfigView, RpcBackend, RpcConfig, ServerHandle,
};
use basalt_storage::{Database, SyncPolicy};
use basalt_watcher::{L1Watcher, WatcherConfig};
use eyre::{WrapErr, bail, eyre};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

/// The flags that name a rollup: its L1 and the files `basalt deploy` wrote (`basalt
/// sequencer`, `basalt reconstruct`).
#[derive(clap::Args, Debug)]
pub struct RollupArgs {
    /// JSON-RPC URL (HTTP) of the L1 (for `basalt reconstruct`, one that serves
    /// `anvil_getBlobsByTransactionHash`: anvil, `basalt l1`, `basalt dev`).
    #[arg(long, value_name = "URL")]
    pub l1_rpc_url: String,
    /// The deployment file `basalt deploy` wrote (deploy.json).
    #[arg(long, value_name = "FILE")]
    pub deployment: PathBuf,
    /// The L2 genesis `basalt deploy` wrote (default: l2-genesis.json beside the deployment).
    #[arg(long, value_name = "FILE")]
    pub l2_genesis: Option<PathBuf>,
}

/// Longest block time accepted (seconds).
pub const MAX_BLOCK_TIME_SECS: f64 = 3_600.0;

/// Parses an L2 block time given as `flag`: whole-second timestamps make a block time under
/// 1 s run the chain's clock ahead of the wall clock, so it is refused, as is one above an hour.
pub fn block_time(flag: &str, seconds: f64) -> eyre::Result<Duration> {
    if !(1.0..=MAX_BLOCK_TIME_SECS).contains(&seconds) {
        bail!(
            "{flag} must be between 1 and {MAX_BLOCK_TIME_SECS} seconds (block timestamps are \
             whole seconds), got {seconds}"
        );
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Blobs one batch commit carries by default (`--max-blobs-per-batch`): the most one L1 blob
/// transaction may hold, and the most `OnChainProposer.commitBatch` accepts.
pub const DEFAULT_MAX_BLOBS_PER_BATCH: u8 = 6;
/// The largest `--max-blobs-per-batch`.
pub const MAX_BLOBS_PER_BATCH: u8 = 6;

/// What the L2 node needs.
pub struct L2NodeConfig {
    /// Where the chain lives; in memory when None.
    pub datadir: Option<PathBuf>,
    /// The L2 genesis file's text (`l2-genesis.json` from `basalt deploy`).
    pub genesis_json: String,
    /// The L1 deployment (`deploy.json`).
    pub deployment: Deployment,
    pub l1_rpc_url: String,
    /// L1 blocks a deposit waits before it counts.
    pub l1_confirmations: u64,
    /// Pause between the watcher's polls.
    pub watcher_poll: Duration,
    /// Time between L2 blocks.
    pub block_time: Duration,
    pub rpc_addr: SocketAddr,
    /// Keys of accounts `eth_sendTransaction` may sign for (dev only).
    pub dev_keys: Vec<B256>,
    /// The coinbase of L2 blocks (receives priority fees).
    pub fee_recipient: Address,
    /// Blobs one batch may span (1 to [`MAX_BLOBS_PER_BATCH`]): every block fits a batch of
    /// that many (docs/l2-node.md, "Data bound").
    pub max_blobs_per_batch: u8,
    /// Time between sealed batches (`--commit-interval`); a batch whose blocks would overflow
    /// its blobs is sealed sooner.
    pub commit_interval: Duration,
    /// How batches reach L1; None seals them without committing.
    pub committer: Option<CommitterSettings>,
    /// `--dev-censor`: the sender to censor (fault injection, testing only).
    pub censored: Option<Address>,
}

/// The L1 committer's settings (`--committer-key`, `--commit-resubmit-after`,
/// `--da-throttle-blobs`).
pub struct CommitterSettings {
    /// Key of an L1 account the proposer lists as a sequencer, used for nothing else.
    pub key: B256,
    /// A commit not included after this long is replaced with bumped fees.
    pub resubmit_after: Duration,
    /// Pause between the committer's polls of L1.
    pub poll_interval: Duration,
    /// DA throttling starts when sealed, uncommitted batches hold this many blobs (0: never).
    pub throttle_blobs: usize,
}

/// Default `--da-throttle-blobs`: four full commits waiting.
pub const DEFAULT_DA_THROTTLE_BLOBS: usize = 24;

/// Parses a `--commit-resubmit-after` in seconds: at least 1 and at most an hour.
pub fn resubmit_after(seconds: f64) -> eyre::Result<Duration> {
    if !(1.0..=MAX_BLOCK_TIME_SECS).contains(&seconds) {
        bail!(
            "--commit-resubmit-after must be between 1 and {MAX_BLOCK_TIME_SECS} seconds, got \
             {seconds}"
        );
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a `--commit-interval` in seconds: above 0 and at most an hour.
pub fn commit_interval(seconds: f64) -> eyre::Result<Duration> {
    if !(seconds > 0.0 && seconds <= MAX_BLOCK_TIME_SECS) {
        bail!(
            "--commit-interval must be a number of seconds above 0 and at most \
             {MAX_BLOCK_TIME_SECS}, got {seconds}"
        );
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Reads the deployment file (`deploy.json`) and the L2 genesis (`l2_genesis`, by default the
/// `l2-genesis.json` beside it). Errors name the file and what to pass instead.
pub fn read_deployment(
    path: &Path,
    l2_genesis: Option<&Path>,
) -> eyre::Result<(Deployment, String)> {
    let text = std::fs::read_to_string(path).wrap_err_with(|| {
        format!(
            "cannot read --deployment {} (the deploy.json `basalt deploy` wrote)",
            path.display()
        )
    })?;
    let deployment: Deployment = serde_json::from_str(&text).wrap_err_with(|| {
        format!(
            "--deployment {} is not a deployment file written by `basalt deploy`",
            path.display()
        )
    })?;
    let genesis_path = l2_genesis
        .map(Path::to_path_buf)
        .unwrap_or_else(|| basalt_contracts::deploy::l2_genesis_path(path));
    let genesis_json = std::fs::read_to_string(&genesis_path).wrap_err_with(|| {
        format!("cannot read the L2 genesis {} (pass --l2-genesis)", genesis_path.display())
    })?;
    Ok((deployment, genesis_json))
}

/// The L2 genesis in `genesis_json`, which must be an L2 genesis of the deployment's L2 chain.
pub fn l2_genesis(genesis_json: &str, deployment: &Deployment) -> eyre::Result<GenesisSpec> {
    let spec = GenesisSpec::from_json(genesis_json).wrap_err("invalid L2 genesis")?;
    if spec.config.rollup.is_none() {
        bail!(
            "the L2 genesis has no `config.basalt` section, so it is not an L2 genesis: use the \
             l2-genesis.json that `basalt deploy` wrote beside deploy.json"
        );
    }
    if spec.config.chain_id != deployment.l2_chain_id {
        bail!(
            "the L2 genesis is for chain {} but the deployment is for L2 chain {}: use the \
             l2-genesis.json written with that deploy.json",
            spec.config.chain_id,
            deployment.l2_chain_id
        );
    }
    Ok(spec)
}

/// Fails unless `genesis_hash` is the L2 genesis block the deployment started from.
pub fn check_genesis_hash(genesis_hash: B256, deployment: &Deployment) -> eyre::Result<()> {
    if let Some(expected) = deployment.l2_genesis_hash
        && expected != genesis_hash
    {
        bail!(
            "the L2 genesis (block hash {genesis_hash}) is not the one the deployment started \
             from ({expected}): use the l2-genesis.json written with that deploy.json"
        );
    }
    Ok(())
}

/// The L2 chain of `spec` (from `genesis_json`) in `datadir` (created when missing; in memory
/// when None), its genesis written when new. Errors: a datadir holding another chain, a genesis
/// that is not the deployment's.
pub fn open_chain(
    datadir: Option<&Path>,
    spec: &GenesisSpec,
    genesis_json: &str,
    deployment: &Deployment,
) -> eyre::Result<Blockchain> {
    let mut db = match datadir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .wrap_err_with(|| format!("cannot create datadir {}", dir.display()))?;
            Database::open(dir)
                .wrap_err_with(|| format!("cannot open datadir {}", dir.display()))?
        }
        None => Database::in_memory()?,
    };
    db.set_sync_policy(SyncPolicy::EveryCommit);
    let genesis_hash =
        init_from_spec(&db, spec, genesis_json.as_bytes()).wrap_err_with(|| match datadir {
            Some(dir) => format!("datadir {} holds another chain", dir.display()),
            None => "L2 genesis".to_string(),
        })?;
    check_genesis_hash(genesis_hash, deployment)?;
    Ok(Blockchain::new(db, spec.config.clone())?)
}

/// A running L2 node (production and the watcher start with [`L2Node::run_in_background`]).
pub struct L2Node {
    pub node: Arc<ChainService>,
    pub producer: Arc<BlockProducer>,
    pub watcher: Arc<L1Watcher>,
    pub sealer: Arc<BatchSealer>,
    /// Taken by [`L2Node::run_in_background`], which runs it.
    committer: std::sync::Mutex<Option<Committer>>,
    /// The committer's L1 account, when committing.
    pub committer_address: Option<Address>,
    /// What the committer last did, when committing (for `/health`).
    pub committer_health: Option<basalt_committer::step_loop::SharedStepHealth>,
    pub addr: SocketAddr,
    pub handle: ServerHandle,
    pub rollup: RollupConfigView,
    l1_rpc_url: String,
    /// With `--dev-censor`: how long before its L1 deadline a held transaction is let in.
    pub censor_margin: Duration,
}

/// Opens the L2 chain and starts its JSON-RPC server on `runtime`. Errors name what to fix: a
/// genesis that is not an L2 genesis or not the deployment's, a datadir holding another chain
/// or rebuilt by `basalt reconstruct`.
pub fn start(config: L2NodeConfig, runtime: &tokio::runtime::Runtime) -> eyre::Result<L2Node> {
    let deployment = &config.deployment;
    let spec = l2_genesis(&config.genesis_json, deployment)?;
    let rollup = spec.config.rollup.clone().ok_or_else(|| eyre!("not an L2 genesis"))?;
    let chain = open_chain(config.datadir.as_deref(), &spec, &config.genesis_json, deployment)?;
    if chain.db().read_batches()?.follower()?.is_some() {
        // Its transactions carry placeholder signatures (blocks mode) or it has no blocks at
        // all (state-diff mode): producing on top of it would fork the L2.
        bail!(
            "the datadir was rebuilt by `basalt reconstruct`, not written by a sequencer: serve \
             it read-only with `basalt reconstruct ... --http-port PORT`"
        );
    }
    let shared_db = chain.shared_db();
    let batch_config = BatchConfig {
        chain_id: deployment.l2_chain_id,
        mode: match deployment.da_mode {
            DaModeName::Blocks => DaMode::Blocks,
            DaModeName::StateDiff => DaMode::StateDiff,
        },
        validium: deployment.validium,
        max_blobs: usize::from(config.max_blobs_per_batch),
    };
    let sealer = BatchSealer::new(shared_db.clone(), batch_config, config.commit_interval, "l2");
    let node = ChainService::new(
        chain,
        ChainServiceConfig {
            beneficiary: config.fee_recipient,
            name: "l2",
            refuse_blob_txs: true,
            max_blobs_per_batch: Some(usize::from(config.max_blobs_per_batch)),
            journal: config.datadir.as_ref().map(|dir| dir.join("pool.journal")),
            ..ChainServiceConfig::new(MiningMode::Manual, config.dev_keys.clone())
        },
    )?;
    let producer = BlockProducer::new(
        node.clone(),
        ProducerConfig { censored: config.censored, ..ProducerConfig::new(config.block_time) },
    );
    if let Some(censored) = config.censored {
        tracing::warn!(
            chain = "l2",
            "--dev-censor {censored}: this sequencer censors that address (testing only)"
        );
    }
    let censor_margin = crate::censor::release_margin(
        config.block_time,
        config.commit_interval,
        config.committer.as_ref().map_or(Duration::ZERO, |c| c.resubmit_after),
    );
    let watcher = L1Watcher::new(
        WatcherConfig {
            confirmations: config.l1_confirmations,
            poll_interval: config.watcher_poll,
            ..WatcherConfig::new(
                config.l1_rpc_url.clone(),
                deployment.bridge,
                deployment.l1_deploy_block,
                deployment.l2_chain_id,
            )
        },
        shared_db.clone(),
    )
    .map_err(|e| eyre!("{e}"))?;
    let committer = match &config.committer {
        Some(settings) => {
            let committer_config = CommitterConfig {
                l1_deploy_block: deployment.l1_deploy_block,
                validium: deployment.validium,
                poll_interval: settings.poll_interval,
                resubmit_after: settings.resubmit_after,
                throttle_blobs: settings.throttle_blobs,
                ..CommitterConfig::new(
                    config.l1_rpc_url.clone(),
                    deployment.rollup,
                    settings.key,
                    deployment.chain_id,
                )
            };
            let throttled = node.clone();
            let committer = Committer::new(committer_config, shared_db.clone())
                .map_err(|e| eyre!("--committer-key: {e}"))?
                .on_throttle(Box::new(move |on| throttled.set_data_throttle(on)));
            Some(committer)
        }
        None => None,
    };
    let committer_address = committer.as_ref().map(Committer::address);
    let rollup = RollupConfigView {
        l1_chain_id: deployment.chain_id,
        l2_chain_id: deployment.l2_chain_id,
        bridge: deployment.bridge,
        on_chain_proposer: deployment.rollup,
        timelock: deployment.timelock,
        l2_bridge: rollup.bridge,
        l1_deploy_block: deployment.l1_deploy_block,
        l1_confirmations: config.l1_confirmations,
        block_time: config.block_time.as_secs_f64(),
        l2_block_gas_limit: deployment.l2_block_gas_limit,
        inclusion_period_secs: deployment.inclusion_period_secs,
        // Filled by the server at each call.
        fees: serde_json::Value::Null,
    };
    let rpc_config =
        RpcConfig { addr: config.rpc_addr, ..RpcConfig::local(config.rpc_addr.port()) };
    let l1_bridge = L1BridgeState::new(&config.l1_rpc_url, deployment)?;
    let backend = RpcBackend::L2 {
        service: node.clone(),
        rollup: Box::new(rollup.clone()),
        l1_bridge: Some(Arc::new(l1_bridge)),
    };
    let (addr, handle) = runtime
        .block_on(basalt_rpc::start(backend, &rpc_config))
        .wrap_err_with(|| format!("cannot listen on {}", rpc_config.addr))?;
    let committer_health = committer.as_ref().map(Committer::health);
    Ok(L2Node {
        node,
        producer,
        watcher: Arc::new(watcher),
        sealer,
        committer_health,
        committer: std::sync::Mutex::new(committer),
        committer_address,
        addr,
        handle,
        rollup,
        l1_rpc_url: config.l1_rpc_url,
        censor_margin,
    })
}

impl L2Node {
    /// Starts the block producer's and the batch sealer's threads and the watcher's and the
    /// committer's loops. A watcher or committer that stops on a critical error (a reorg deeper
    /// than the confirmations, a batch L1 can never accept) has logged it; blocks go on.
    pub fn run_in_background(&self, runtime: &tokio::runtime::Runtime) -> eyre::Result<()> {
        self.producer.spawn().wrap_err("cannot start the block producer")?;
        self.sealer.spawn().wrap_err("cannot start the batch sealer")?;
        if self.producer.censored().is_some() {
            crate::censor::spawn_release(
                runtime,
                self.producer.clone(),
                &self.l1_rpc_url,
                self.rollup.bridge,
                self.censor_margin,
            )?;
        }
        let watcher = self.watcher.clone();
        runtime.spawn(async move {
            if watcher.run(std::future::pending()).await.is_err() {
                tracing::error!(
                    chain = "l2",
                    "deposit intake stopped; L2 blocks go on without new deposits (see above)"
                );
            }
        });
        let committer = self.committer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut committer) = committer {
            let node = self.node.clone();
            runtime.spawn(async move {
                if committer.run(std::future::pending()).await.is_err() {
                    // Stopped, it would leave blocks throttled for good.
                    node.set_data_throttle(false);
                    tracing::error!(
                        chain = "l2",
                        "committing stopped; L2 blocks go on, sealed batches wait (see above)"
                    );
                }
            });
        }
        Ok(())
    }

    /// The next privileged id to include and the queue's end.
    pub fn queue_position(&self) -> eyre::Result<(u64, u64)> {
        let view = self.node.chain().db().read()?;
        Ok((view.next_included_privileged_id()?, view.next_privileged_tx_id()?))
    }
}

/// Longest wait for one L1 read made while answering an RPC request.
const L1_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The rollup's batches and the bridge's claims read from the node's L1 endpoint, for
/// `basalt_getL1MessageProof` (read at each request: finality is a matter of L1 time).
struct L1BridgeState {
    provider: DynProvider,
    proposer: Address,
    bridge: Address,
}

impl L1BridgeState {
    fn new(url: &str, deployment: &Deployment) -> eyre::Result<Self> {
        let parsed = url.parse().wrap_err_with(|| format!("--l1-rpc-url {url} is not a URL"))?;
        let provider =
            ProviderBuilder::new().disable_recommended_fillers().connect_http(parsed).erased();
        Ok(Self { provider, proposer: deployment.rollup, bridge: deployment.bridge })
    }
}

/// Runs one L1 read with [`L1_READ_TIMEOUT`].
async fn l1_read<T, E: std::fmt::Display>(
    read: impl std::future::IntoFuture<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(L1_READ_TIMEOUT, read).await {
        Ok(answer) => answer.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", L1_READ_TIMEOUT.as_secs())),
    }
}

impl L1BridgeReader for L1BridgeState {
    fn batch_state(&self, batch: u64) -> L1Read<'_, L1BatchState> {
        Box::pin(async move {
            let proposer = OnChainProposer::new(self.proposer, &self.provider);
            let number = U256::from(batch);
            let committed_call = proposer.lastCommittedBatch();
            let verified_call = proposer.lastVerifiedBatch();
            let final_call = proposer.isBatchFinal(number);
            let (committed, verified, is_final) = tokio::try_join!(
                l1_read(committed_call.call()),
                l1_read(verified_call.call()),
                l1_read(final_call.call()),
            )?;
            Ok(L1BatchState {
                committed: number <= committed,
                verified: number <= verified,
                is_final,
            })
        })
    }

    fn is_claimed(&self, leaf: B256) -> L1Read<'_, bool> {
        Box::pin(async move {
            let bridge = CommonBridge::new(self.bridge, &self.provider);
            l1_read(bridge.claimed(leaf).call()).await
        })
    }
}
