//! `basalt dev`: one process running the embedded dev L1 (as `basalt l1`), the rollup's L1
//! contracts deployed by the same code as `basalt deploy`, and the L2 node (as `basalt
//! sequencer`, reading deposits with 0 confirmations). The dev accounts get their L2 ether
//! through real deposits over the L1 bridge, so the bridge's balance and the L2 supply agree
//! from the start. With `--datadir` a restart resumes both chains and the deployment.

use crate::{
    l1::{self, L1Args},
    l2::{self, L2Node, L2NodeConfig},
};
use alloy::sol_types::SolCall;
use alloy_consensus::TxEip1559;
use alloy_primitives::{TxKind, U256};
use basalt_chain::dev::{DEV_MNEMONIC, derive_dev_accounts};
use basalt_contracts::{
    DaModeName, DeployConfig, Deployment,
    bindings::{CommonBridge, L2Bridge},
};
use eyre::{WrapErr, bail};
use std::{
    path::PathBuf,
    process::ExitCode,
    time::{Duration, Instant},
};

/// Ether each dev account starts with on the L1, before its deposit.
const L1_BALANCE_ETH: u64 = 20_000;
/// Ether each dev account deposits to the L2 at the first start.
const DEPOSIT_ETH: u64 = 10_000;
/// L1 gas limit of one funding deposit (it uses about a third).
const DEPOSIT_TX_GAS: u64 = 300_000;
/// Index of the committer's account under the dev mnemonic: the one after the ten dev
/// accounts, so that commits never take a nonce a user's transaction wants.
const COMMITTER_ACCOUNT: u32 = 10;
/// Index of the proof sender's account (`verifyBatches`), a key of its own.
const PROOF_SENDER_ACCOUNT: u32 = 11;
/// Index of the dev attester: the one key the dev deployment's AttestationVerifier trusts
/// (threshold 1), held by the in-process prover (or by `basalt prover` with `--no-prover`).
const ATTESTER_ACCOUNT: u32 = 12;
/// Seconds before a stuck commit is replaced on the dev L1.
const DEV_RESUBMIT_AFTER_SECS: f64 = 12.0;

#[derive(clap::Args, Debug)]
pub struct DevArgs {
    /// Port of the L1's JSON-RPC server (HTTP and WebSocket).
    #[arg(long, default_value_t = 8545)]
    l1_port: u16,
    /// Port of the L2's JSON-RPC server (HTTP and WebSocket).
    #[arg(long, default_value_t = 1729)]
    l2_port: u16,
    /// Keep both chains and the deployment here (`l1/`, `l2/`, `deploy.json`,
    /// `l2-genesis.json`); in memory when omitted.
    #[arg(long)]
    datadir: Option<PathBuf>,
    /// Seconds between L2 blocks.
    #[arg(long, default_value_t = 1.0)]
    block_time: f64,
    /// Seconds between L1 blocks; without it the L1 mines as soon as transactions arrive.
    #[arg(long)]
    l1_block_time: Option<f64>,
    /// Chain id of the L2.
    #[arg(long, default_value_t = basalt_contracts::deploy::DEFAULT_L2_CHAIN_ID)]
    l2_chain_id: u64,
    /// Block gas limit of the L2 (its genesis, and the most the L1 bridge lets one L2
    /// transaction ask for is bounded by it). Only for a new chain.
    #[arg(long, default_value_t = basalt_contracts::deploy::DEFAULT_L2_BLOCK_GAS_LIMIT)]
    l2_gas_limit: u64,
    /// Most EIP-4844 blobs one batch commit carries (1 to 6, the most one L1 blob transaction
    /// holds). Every L2 block is kept small enough for one batch of this many blobs.
    #[arg(long, default_value_t = l2::DEFAULT_MAX_BLOBS_PER_BATCH,
          value_parser = clap::value_parser!(u8).range(1..=i64::from(l2::MAX_BLOBS_PER_BATCH)))]
    max_blobs_per_batch: u8,
    /// Seconds between sealed batches; a batch whose blocks would overflow its blobs is sealed
    /// sooner, and a run of only empty blocks waits for a transaction.
    #[arg(long, default_value_t = 1.0)]
    commit_interval: f64,
    /// Seconds a commit may wait for inclusion before it is replaced with bumped fees.
    #[arg(long, default_value_t = DEV_RESUBMIT_AFTER_SECS)]
    commit_resubmit_after: f64,
    /// DA throttling: when sealed batches waiting for L1 hold this many blobs, blocks shrink
    /// until the backlog drains (0: never).
    #[arg(long, default_value_t = l2::DEFAULT_DA_THROTTLE_BLOBS)]
    da_throttle_blobs: usize,
    /// What each batch's blobs publish: the blocks (followers re-execute them) or the state
    /// diff (the most transfers per blob). Only for a new chain (docs/da.md).
    #[arg(long, value_enum, default_value_t = DaModeName::Blocks)]
    da_mode: DaModeName,
    /// Run no prover in this process: batches wait for `basalt prover --backend attestation
    /// --key <the dev attester key>` processes connected to the proof coordinator.
    #[arg(long)]
    no_prover: bool,
    #[command(flatten)]
    proving: crate::prover::ProvingArgs,
    #[command(flatten)]
    faults: crate::censor::FaultArgs,
}

pub fn run(args: DevArgs) -> eyre::Result<ExitCode> {
    let started = Instant::now();
    let block_time = l2::block_time("--block-time", args.block_time)?;
    let commit_interval = l2::commit_interval(args.commit_interval)?;
    let resubmit_after = l2::resubmit_after(args.commit_resubmit_after)?;
    args.proving.proof_timeout()?;
    if let Some(seconds) = args.l1_block_time
        && !(seconds > 0.0 && seconds <= l2::MAX_BLOCK_TIME_SECS)
    {
        bail!(
            "--l1-block-time must be a number of seconds above 0 and at most {}, got {seconds}",
            l2::MAX_BLOCK_TIME_SECS
        );
    }
    // Batch work and the in-process prover yield both cores to the chains (docs/l2-node.md).
    basalt_batch::idle_background_work();
    let runtime = crate::runtime()?;
    let mut operators = derive_dev_accounts(DEV_MNEMONIC, ATTESTER_ACCOUNT + 1)
        .wrap_err("deriving the operators' dev accounts")?;
    let (attester, proof_sender, committer) =
        match (operators.pop(), operators.pop(), operators.pop()) {
            (Some(attester), Some(sender), Some(committer)) => (attester, sender, committer),
            _ => bail!("the dev mnemonic gave too few accounts"),
        };
    let mut l1_args = L1Args::for_dev(
        args.l1_port,
        args.datadir.as_ref().map(|dir| dir.join("l1")),
        args.l1_block_time,
        L1_BALANCE_ETH,
    );
    l1_args.extra_funded = vec![committer.address, proof_sender.address];
    let l1 = l1::start(&l1_args, &runtime)?;
    l1.node.service().spawn_miner();
    let l1_url = format!("http://{}", l1.addr);

    // The deployment files live in the datadir, or in a directory removed at exit.
    let scratch;
    let deploy_dir = match &args.datadir {
        Some(dir) => dir.clone(),
        None => {
            scratch = tempfile::tempdir().wrap_err("cannot create a scratch directory")?;
            scratch.path().to_owned()
        }
    };
    std::fs::create_dir_all(&deploy_dir)
        .wrap_err_with(|| format!("cannot create {}", deploy_dir.display()))?;
    let mut deploy = DeployConfig::new(l1_url.clone(), l1.keys[0].to_string());
    // Every batch is verified by the real contract check: one dev attester, threshold 1.
    deploy.attesters = vec![attester.address];
    deploy.threshold = Some(1);
    deploy.receipt_poll_interval = Some(Duration::from_millis(5));
    deploy.l2_chain_id = args.l2_chain_id;
    deploy.l2_block_gas_limit = args.l2_gas_limit;
    deploy.da_mode = args.da_mode;
    // The deployer stays a sequencer, so commits can also be made by hand from account 0.
    deploy.sequencers = vec![l1.addresses[0], committer.address];
    deploy.out = deploy_dir.join("deploy.json");
    basalt_l2_genesis::attach_to(&mut deploy, unix_now())?;
    let genesis_path = deploy.l2_genesis_path();
    let deployment = runtime
        .block_on(basalt_contracts::deploy(deploy))
        .wrap_err("cannot deploy the rollup contracts to the dev L1")?;
    let genesis_text = std::fs::read_to_string(&genesis_path)
        .wrap_err_with(|| format!("cannot read {}", genesis_path.display()))?;

    let l2 = l2::start(
        L2NodeConfig {
            datadir: args.datadir.as_ref().map(|dir| dir.join("l2")),
            genesis_json: genesis_text.clone(),
            deployment: deployment.clone(),
            l1_rpc_url: l1_url.clone(),
            l1_confirmations: 0,
            watcher_poll: Duration::from_millis(100),
            block_time,
            rpc_addr: std::net::SocketAddr::from(([127, 0, 0, 1], args.l2_port)),
            dev_keys: l1.keys.clone(),
            fee_recipient: l1.addresses[0],
            max_blobs_per_batch: args.max_blobs_per_batch,
            commit_interval,
            committer: Some(l2::CommitterSettings {
                key: committer.key,
                resubmit_after,
                poll_interval: Duration::from_millis(250),
                throttle_blobs: args.da_throttle_blobs,
            }),
            censored: args.faults.dev_censor,
        },
        &runtime,
    )?;
    runtime.block_on(fund_dev_accounts(&l1, &l2, &deployment))?;
    l2.run_in_background(&runtime)?;
    let db = l2.node.chain().shared_db();
    let source = crate::prover::batch_input_source(&db, l2.node.chain().config(), &genesis_text)?;
    let proving = crate::prover::coordinator_config(&args.proving, &deployment)?;
    let (coordinator_addr, _coordinator) =
        crate::prover::start_proof_coordinator(&runtime, db.clone(), source, proving)?;
    if !args.no_prover {
        crate::prover::spawn_attester(&runtime, coordinator_addr, attester.key)?;
    }
    let (proof_sender_address, _) = crate::prover::spawn_proof_sender(
        &runtime,
        db,
        crate::prover::proof_sender_config(
            &args.proving,
            &deployment,
            &l1_url,
            proof_sender.key,
            Duration::from_millis(250),
        ),
        Some(committer.key),
    )?;
    let proving = Proving {
        coordinator: coordinator_addr,
        sender: proof_sender_address,
        attester: attester.address,
        attester_key: attester.key,
    };
    print_banner(&l1, &l2, &deployment, &args, &proving);
    println!(
        "ready in {} ms: L1 http://{} (chain {}), L2 http://{} (chain {})",
        started.elapsed().as_millis(),
        l1.addr,
        deployment.chain_id,
        l2.addr,
        deployment.l2_chain_id
    );

    runtime.block_on(async {
        tokio::select! {
            () = l1.handle.stopped() => {}
            () = l2.handle.stopped() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    l1.node.chain().db().flush()?;
    l2.node.chain().db().flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Each dev account that never deposited to itself (all of them at the first start; the rest
/// after a crash in the middle of funding) deposits [`DEPOSIT_ETH`] over the L1 bridge; then
/// waits until every deposit made so far is queued and included on L2.
async fn fund_dev_accounts(
    l1: &l1::DevL1,
    l2: &L2Node,
    deployment: &Deployment,
) -> eyre::Result<()> {
    let first = l2.watcher.poll_once().await.wrap_err(
        "reading deposits from the dev L1 (an L1 reverted past a deposit the L2 already \
         credited cannot be followed: start over with a new --datadir)",
    )?;
    let queued = l2.node.chain().db().read()?.privileged_txs(0..first.next_id)?;
    // A deposit is queued as the L2 bridge calling itself with `mintETH(l1Sender, l2Recipient)`.
    let funded: std::collections::HashSet<_> = queued
        .iter()
        .filter_map(|tx| L2Bridge::mintETHCall::abi_decode(&tx.input).ok())
        .filter(|call| call.l1Sender == call.to)
        .map(|call| call.to)
        .collect();
    let chain_id = deployment.chain_id;
    let mut expected = first.next_id;
    for (key, address) in l1.keys.iter().zip(&l1.addresses) {
        if funded.contains(address) {
            continue;
        }
        {
            let base_fee = l1.node.validation_context()?.base_fee;
            let input = CommonBridge::depositCall { l2Recipient: *address }.abi_encode();
            let tx = TxEip1559 {
                chain_id,
                nonce: l1.node.next_nonce(*address)?,
                gas_limit: DEPOSIT_TX_GAS,
                max_fee_per_gas: u128::from(base_fee) * 2 + 1_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
                to: TxKind::Call(deployment.bridge),
                value: U256::from(DEPOSIT_ETH) * U256::from(10u64).pow(U256::from(18)),
                input: input.into(),
                access_list: Default::default(),
            };
            let signed = basalt_primitives::sender::sign_transaction(tx, key)?;
            l1.node.submit(signed).wrap_err("sending a funding deposit on the dev L1")?;
            expected += 1;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let report = l2.watcher.poll_once().await?;
        if report.next_id >= expected {
            break;
        }
        if Instant::now() > deadline {
            bail!("the funding deposits did not reach the L2 queue within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Included now rather than at the first tick, so the accounts are funded when ready.
    while l2.queue_position()?.0 < expected {
        l2.producer.produce().wrap_err("producing the funding block")?;
    }
    Ok(())
}

/// Who proves and verifies batches, for the banner.
struct Proving {
    coordinator: std::net::SocketAddr,
    sender: alloy_primitives::Address,
    attester: alloy_primitives::Address,
    attester_key: alloy_primitives::B256,
}

fn print_banner(
    l1: &l1::DevL1,
    l2: &L2Node,
    deployment: &Deployment,
    args: &DevArgs,
    proving: &Proving,
) {
    println!(
        "basalt dev v{}  (development L1 + L2; keys below are public, never use them on a real \
         network)",
        env!("CARGO_PKG_VERSION")
    );
    println!();
    println!("Available Accounts (the same on both chains)");
    println!("==================");
    for (i, address) in l1.addresses.iter().enumerate() {
        println!("({i}) {address}");
    }
    println!();
    println!("Private Keys");
    println!("==================");
    for (i, key) in l1.keys.iter().enumerate() {
        println!("({i}) {key}");
    }
    println!();
    println!("Wallet");
    println!("==================");
    println!("Mnemonic:          {}", basalt_chain::dev::DEV_MNEMONIC);
    println!("Derivation path:   m/44'/60'/0'/0/");
    println!();
    println!("L1 (dev chain)");
    println!("==================");
    println!("RPC URL:           http://{}", l1.addr);
    println!("Chain ID:          {}", deployment.chain_id);
    println!(
        "Mining:            {}",
        args.l1_block_time.map_or("automine".to_string(), |s| format!("every {s} s"))
    );
    println!("OnChainProposer:   {}", deployment.rollup);
    println!("CommonBridge:      {}", deployment.bridge);
    println!("Timelock:          {}", deployment.timelock);
    if let Some(committer) = l2.committer_address {
        println!(
            "Committer:         {committer} (mnemonic index {COMMITTER_ACCOUNT}, commits batches)"
        );
    }
    println!(
        "Proof sender:      {} (mnemonic index {PROOF_SENDER_ACCOUNT}, verifies batches)",
        proving.sender
    );
    println!(
        "Attester:          {} (mnemonic index {ATTESTER_ACCOUNT}, key {}; AttestationVerifier, 1 of 1)",
        proving.attester, proving.attester_key
    );
    let prover = if args.no_prover {
        "no prover in this process: start basalt prover --backend attestation --key <attester key>"
    } else {
        "in-process attester"
    };
    println!("Proof coordinator: {} ({prover})", proving.coordinator);
    println!();
    println!("L2 (rollup)");
    println!("==================");
    println!("RPC URL:           http://{}", l2.addr);
    println!("Chain ID:          {}", deployment.l2_chain_id);
    println!("Block time:        {} s", args.block_time);
    let da_mode = match deployment.da_mode {
        DaModeName::Blocks => "blocks",
        DaModeName::StateDiff => "state-diff",
    };
    println!("DA mode:           {da_mode} (batches committed to the L1 in blobs)");
    println!("L2 bridge:         {}", l2.rollup.l2_bridge);
    println!("WETH:              0x4200000000000000000000000000000000000006");
    println!(
        "Balances:          {DEPOSIT_ETH} ETH per account, deposited over the bridge \
         (L1 keeps the rest of {L1_BALANCE_ETH} ETH)"
    );
    if let Some(line) = crate::censor::banner_line(l2.producer.censored(), l2.censor_margin) {
        println!("{line}");
    }
    println!(
        "Storage:           {}",
        args.datadir.as_ref().map_or("in memory".to_string(), |d| d.display().to_string())
    );
    println!();
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
