//! `basalt prover` (a prover process on any machine) and the proof coordinator's flags and
//! start-up for the node commands (docs/proving.md). Bad configuration gets one line saying
//! what to fix; a coordinator that is down or restarts is waited for.

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use basalt_committer::{ProofSender, ProofSenderConfig};
use basalt_contracts::{Deployment, deploy::ATTESTATION_VERIFIER_ID};
use basalt_primitives::ChainConfig;
use basalt_prover::{
    AttestationBackend, BatchInputSource, CoordinatorConfig, DEFAULT_COORDINATOR_ADDR,
    DEFAULT_PROOF_TIMEOUT, ExecBackend, GuestFn, ProofCoordinator, ProofKind, ProofRequirement,
    ProverBackend, ProverClient, ProverConfig, Welcome,
};
use basalt_storage::Database;
use basalt_witness::StoredBatchInputs;
use eyre::{WrapErr, bail, eyre};
use std::{net::SocketAddr, process::ExitCode, sync::Arc, time::Duration};

/// `basalt prover` flags.
#[derive(clap::Args, Debug)]
pub struct ProverArgs {
    /// The sequencer's proof coordinator, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_COORDINATOR_ADDR)]
    coordinator: String,
    /// What to prove with: `exec` (runs the guest, no proof; deployments made with
    /// --dev-no-verifier) or `attestation` (runs the guest and signs with --key).
    #[arg(long, value_enum)]
    backend: BackendName,
    /// Attester private key (32 bytes hex), registered in the deployment's AttestationVerifier.
    #[arg(long, env = "BASALT_PROVER_KEY", value_name = "HEX", hide_env_values = true)]
    key: Option<String>,
    /// Name in the coordinator's logs and proof records (default: host name and process id).
    #[arg(long, value_name = "NAME")]
    id: Option<String>,
    /// Serve GET /health (connected, last proof, last error) on this address.
    #[arg(long, value_name = "ADDR")]
    health_addr: Option<SocketAddr>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum BackendName {
    Exec,
    Attestation,
}

/// The proving flags (proof coordinator and proof sender), shared by `basalt sequencer` and
/// `basalt dev`.
#[derive(clap::Args, Debug, Clone)]
pub struct ProvingArgs {
    /// Address the proof coordinator listens on for `basalt prover` processes (port 0: any
    /// free port, shown in the banner).
    #[arg(long, env = "BASALT_PROOF_COORDINATOR_ADDR", default_value = DEFAULT_COORDINATOR_ADDR)]
    pub proof_coordinator_addr: SocketAddr,
    /// Seconds a prover has to deliver an assigned batch's proof before the batch goes to
    /// another prover.
    #[arg(long, default_value_t = DEFAULT_PROOF_TIMEOUT.as_secs_f64())]
    pub proof_timeout: f64,
    /// Most consecutive batches the proof sender verifies in one `verifyBatches` transaction
    /// (1 to 100; a longer run costs less gas per batch).
    #[arg(long, default_value_t = basalt_committer::proof_sender::DEFAULT_MAX_BATCHES_PER_TX as u64,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub max_batches_per_verify: u64,
}

impl ProvingArgs {
    /// Checks the flags: a timeout of 1 s to 1 day.
    pub fn proof_timeout(&self) -> eyre::Result<Duration> {
        let seconds = self.proof_timeout;
        if !(1.0..=86_400.0).contains(&seconds) {
            bail!("--proof-timeout must be between 1 and 86400 seconds, got {seconds}");
        }
        Ok(Duration::from_secs_f64(seconds))
    }
}

/// The coordinator's configuration for `deployment`: attestations from its registered
/// attesters (k of n) when it has an attestation verifier, exec runs otherwise.
pub fn coordinator_config(
    args: &ProvingArgs,
    deployment: &Deployment,
) -> eyre::Result<CoordinatorConfig> {
    let attesting = deployment.attestation_verifier.is_some();
    let requirement = if attesting {
        let threshold = usize::try_from(deployment.threshold)
            .map_err(|_| eyre!("the deployment's attestation threshold is too large"))?;
        ProofRequirement::Attestation { threshold }
    } else {
        ProofRequirement::Exec
    };
    Ok(CoordinatorConfig {
        addr: args.proof_coordinator_addr,
        proof_timeout: args.proof_timeout()?,
        welcome: Welcome {
            l1_chain_id: deployment.chain_id,
            on_chain_proposer: deployment.rollup,
            verifier_ids: if attesting { vec![ATTESTATION_VERIFIER_ID] } else { vec![] },
            attestation_verifier_id: if attesting { ATTESTATION_VERIFIER_ID } else { 0 },
        },
        requirement,
        attesters: deployment.attesters.clone(),
        retry_after: Duration::from_secs(1),
    })
}

/// Starts the proof coordinator on `runtime` over the node's database, with the guest inputs
/// from `source`; returns the address it listens on (the flag's port 0 picks a free one).
pub fn start_proof_coordinator(
    runtime: &tokio::runtime::Runtime,
    db: Arc<Database>,
    source: Arc<dyn BatchInputSource>,
    config: CoordinatorConfig,
) -> eyre::Result<(SocketAddr, Arc<ProofCoordinator>)> {
    let addr = config.addr;
    let (bound, coordinator, _) = runtime
        .block_on(basalt_prover::spawn_coordinator(db, source, config))
        .wrap_err_with(|| format!("--proof-coordinator-addr {addr}"))?;
    Ok((bound, coordinator))
}

/// The node's sealed batches as guest inputs: the witness is recorded from the database when a
/// prover asks, and the expected public inputs come from the sealed records.
struct NodeBatchInputs(StoredBatchInputs);

impl BatchInputSource for NodeBatchInputs {
    fn batch_input(&self, batch: u64) -> Result<Vec<u8>, String> {
        let inputs = &self.0;
        in_background(|| inputs.encoded_input(batch).map_err(|e| e.to_string()))
    }

    fn expected_public_inputs(&self, batch: u64) -> Result<[u8; 256], String> {
        self.0.public_inputs(batch).map_err(|e| e.to_string())
    }
}

/// The guest inputs of the L2 node's batches, for the chain of `genesis_json` (whose `config`
/// section the guest builds its rules from).
pub fn batch_input_source(
    db: &Arc<Database>,
    config: &ChainConfig,
    genesis_json: &str,
) -> eyre::Result<Arc<dyn BatchInputSource>> {
    let genesis: serde_json::Value =
        serde_json::from_str(genesis_json).wrap_err("the L2 genesis is not JSON")?;
    let section = serde_json::to_vec(&genesis["config"]).wrap_err("the L2 genesis config")?;
    Ok(Arc::new(NodeBatchInputs(StoredBatchInputs::new(
        db.clone(),
        config.clone(),
        section.into(),
    ))))
}

/// Runs `work` on a thread of its own at compute priority (nice 10; idle-class in `basalt dev`)
/// and waits for it: recording a witness and re-executing a batch must not take the cores from
/// block production in the same process. A panic in `work` becomes an error.
fn in_background<T: Send>(work: impl FnOnce() -> Result<T, String> + Send) -> Result<T, String> {
    basalt_batch::on_compute_thread("background-proving", work)?
}

/// Runs an attestation prover inside this process against the coordinator at `coordinator`
/// (`basalt dev`'s dev attester).
pub fn spawn_attester(
    runtime: &tokio::runtime::Runtime,
    coordinator: SocketAddr,
    key: B256,
) -> eyre::Result<()> {
    let signer =
        PrivateKeySigner::from_bytes(&key).map_err(|_| eyre!("the dev attester key is invalid"))?;
    let guest = guest();
    let niced: GuestFn = Arc::new(move |input: &[u8]| in_background(|| guest(input)));
    let backend: Arc<dyn ProverBackend> = Arc::new(AttestationBackend::new(niced, signer));
    let client =
        ProverClient::new(ProverConfig::new(coordinator.to_string(), "dev-attester"), backend);
    runtime.spawn(async move {
        let error = client.run().await;
        tracing::error!(chain = "l2", "the in-process attester stopped: {error}");
    });
    Ok(())
}

/// The proof sender's configuration for `deployment`: `verifyBatches` from `key` on the L1 at
/// `l1_rpc_url`, runs of at most `--max-batches-per-verify` batches, attestations complete
/// at the deployment's threshold.
pub fn proof_sender_config(
    args: &ProvingArgs,
    deployment: &Deployment,
    l1_rpc_url: &str,
    key: B256,
    poll_interval: Duration,
) -> ProofSenderConfig {
    let mut config =
        ProofSenderConfig::new(l1_rpc_url, deployment.rollup, key, deployment.chain_id);
    config.poll_interval = poll_interval;
    config.max_batches_per_tx = usize::try_from(args.max_batches_per_verify).unwrap_or(usize::MAX);
    config.attestation_threshold = if deployment.attestation_verifier.is_some() {
        usize::try_from(deployment.threshold).unwrap_or(usize::MAX)
    } else {
        0
    };
    config
}

/// Starts the proof sender with `config`; `committer_key` is refused as its key.
pub fn spawn_proof_sender(
    runtime: &tokio::runtime::Runtime,
    db: Arc<Database>,
    config: ProofSenderConfig,
    committer_key: Option<B256>,
) -> eyre::Result<(Address, basalt_committer::step_loop::SharedStepHealth)> {
    let mut sender = ProofSender::new(config, db, committer_key)
        .map_err(|e| eyre!("--proof-sender-key: {e}"))?;
    let address = sender.address();
    let health = sender.health();
    runtime.spawn(async move {
        if sender.run(std::future::pending()).await.is_err() {
            tracing::error!(
                chain = "l1",
                "the proof sender stopped (see above); batches stay unverified"
            );
        }
    });
    Ok((address, health))
}

/// The guest program the backends run: stateless re-execution of the batch input to its
/// ABI-encoded public inputs.
fn guest() -> GuestFn {
    Arc::new(|input: &[u8]| basalt_guest::execute_encoded(input).map_err(|e| e.to_string()))
}

/// Checks HOST:PORT without resolving it (the coordinator's host may come up later).
fn check_coordinator(value: &str) -> eyre::Result<()> {
    let valid = value
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
    if !valid {
        bail!("--coordinator must be HOST:PORT (e.g. {DEFAULT_COORDINATOR_ADDR}), got '{value}'");
    }
    Ok(())
}

fn default_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "prover".into());
    format!("{host}-{}", std::process::id())
}

fn backend(args: &ProverArgs) -> eyre::Result<Arc<dyn ProverBackend>> {
    Ok(match args.backend {
        BackendName::Exec => Arc::new(ExecBackend::new(guest())),
        BackendName::Attestation => {
            let Some(key) = &args.key else {
                bail!(
                    "--backend attestation needs the attester key: --key HEX or BASALT_PROVER_KEY"
                );
            };
            let key: B256 = key.trim().parse().map_err(|_| {
                eyre!("--key (or BASALT_PROVER_KEY) must be a private key of 32 bytes in hex")
            })?;
            let key = PrivateKeySigner::from_bytes(&key).map_err(|_| {
                eyre!("--key (or BASALT_PROVER_KEY) is not a valid secp256k1 private key")
            })?;
            Arc::new(AttestationBackend::new(guest(), key))
        }
    })
}

/// Runs `basalt prover` until a configuration error the coordinator reports (version
/// mismatch, refused backend), which is returned as the one error line.
pub fn run(args: ProverArgs) -> eyre::Result<ExitCode> {
    check_coordinator(&args.coordinator)?;
    let backend = backend(&args)?;
    let id = args.id.clone().unwrap_or_else(default_id);
    let runtime = crate::runtime().wrap_err("cannot start the async runtime")?;
    let client =
        ProverClient::new(ProverConfig::new(args.coordinator.clone(), id.clone()), backend.clone());
    if let Some(addr) = args.health_addr {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .wrap_err_with(|| format!("--health-addr {addr}: cannot listen"))?;
        runtime.spawn(basalt_prover::serve_health(listener, client.status()));
    }
    let attester = match backend.kind() {
        ProofKind::Attestation => format!(" (attester {})", backend.signer()),
        ProofKind::Exec => String::new(),
    };
    println!("prover {id}: backend {}{attester}, coordinator {}", backend.kind(), args.coordinator);
    let error = runtime.block_on(client.run());
    Err(eyre!(error))
}
