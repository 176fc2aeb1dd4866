//! `--dev-censor` (fault injection, testing only): the flag, and the task that lets a censored
//! sender's privileged transactions in once the L1 bridge's deadline for them is near. The
//! producer holds them until then ([`basalt_chain::l2_producer`]); the sender's L2
//! transactions are never included. This is the sequencer docs/exit.md defends against: one
//! that censors as long as the L1 bridge lets it and still commits batches.

use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy_primitives::{Address, U256};
use basalt_chain::l2_producer::BlockProducer;
use basalt_contracts::bindings::CommonBridge;
use eyre::WrapErr;
use std::{sync::Arc, time::Duration};

/// The fault-injection flags of `basalt dev` and `basalt sequencer`.
#[derive(clap::Args, Debug, Default)]
#[command(next_help_heading = "Fault injection (testing only)")]
pub struct FaultArgs {
    /// Censor ADDRESS: its L2 transactions are never included and its privileged (L1 -> L2)
    /// transactions, forced withdrawals among them, are held until their L1 inclusion deadline
    /// is near (docs/exit.md). For testing the forced-withdrawal path; never on a real network.
    #[arg(long, value_name = "ADDRESS")]
    pub dev_censor: Option<Address>,
}

/// The banner line of a censoring sequencer, if it censors.
pub fn banner_line(censored: Option<Address>, margin: Duration) -> Option<String> {
    censored.map(|address| {
        format!(
            "CENSORED:          {address} (--dev-censor, testing only: its L2 txs are never \
             included, its L1 -> L2 txs wait until {} s before their L1 deadline)",
            margin.as_secs()
        )
    })
}

/// How often the release task reads the L1 bridge.
const POLL: Duration = Duration::from_secs(1);

/// Time a released transaction needs to reach L1 in a commit: two blocks, a batch's sealing
/// interval, and two commit attempts (the first may be replaced with bumped fees).
pub fn release_margin(
    block_time: Duration,
    commit_interval: Duration,
    resubmit_after: Duration,
) -> Duration {
    block_time * 2 + commit_interval + resubmit_after * 2
}

/// Starts the release task on `runtime`: every [`POLL`] it reads the L1 bridge's
/// `inclusionClock()` and the deadlines of the queued, not yet included privileged
/// transactions, and releases those whose deadline is within `margin` (deadlines never
/// decrease along the queue, so it releases a prefix). An L1 read that fails is logged and
/// retried at the next poll. Errors: `l1_rpc_url` is not a URL.
pub fn spawn_release(
    runtime: &tokio::runtime::Runtime,
    producer: Arc<BlockProducer>,
    l1_rpc_url: &str,
    bridge: Address,
    margin: Duration,
) -> eyre::Result<()> {
    let url = l1_rpc_url.parse().wrap_err_with(|| format!("{l1_rpc_url} is not a URL"))?;
    let provider = ProviderBuilder::new().disable_recommended_fillers().connect_http(url).erased();
    runtime.spawn(async move {
        let mut released = 0;
        loop {
            tokio::time::sleep(POLL).await;
            match releasable(&producer, &provider, bridge, margin, released).await {
                Ok(Some(below)) => {
                    producer.release_censored_below(below);
                    tracing::warn!(
                        chain = "l2",
                        "CENSORED (--dev-censor): privileged txs below {below} released, their \
                         L1 inclusion deadline is less than {} s away or past",
                        margin.as_secs()
                    );
                    released = below;
                }
                Ok(None) => {}
                Err(err) => tracing::warn!(chain = "l2", "--dev-censor release: {err:#}"),
            }
        }
    });
    Ok(())
}

/// The first queued id, from the next one to include or `released` if later, whose L1
/// deadline is more than `margin` away (the queue's end when none is); None when that is where
/// the search started (nothing new to release).
async fn releasable(
    producer: &BlockProducer,
    provider: &DynProvider,
    bridge: Address,
    margin: Duration,
    released: u64,
) -> eyre::Result<Option<u64>> {
    let (mut id, end) = {
        let view = producer.node().chain().db().read()?;
        (view.next_included_privileged_id()?.max(released), view.next_privileged_tx_id()?)
    };
    let start = id;
    if id >= end {
        return Ok(None);
    }
    let bridge = CommonBridge::new(bridge, provider);
    let clock = bridge.inclusionClock().call().await.wrap_err("reading inclusionClock()")?;
    let horizon = clock.saturating_add(U256::from(margin.as_secs()));
    while id < end {
        let deadline = bridge
            .privilegedTxDeadline(U256::from(id))
            .call()
            .await
            .wrap_err_with(|| format!("reading privilegedTxDeadline({id})"))?;
        if deadline > horizon {
            break;
        }
        id += 1;
    }
    Ok((id > start).then_some(id))
}
