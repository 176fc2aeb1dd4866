//! Rollup contracts, seen from Rust.
//!
//! Owns: the byte formats shared with the contracts, the sequencer and the guest ([`formats`],
//! always available, `alloy-primitives` only); the [`predeploys`] of the L2 genesis (mainnet runtime
//! code kept as data in `predeploys/*.hex`, checked by code hash); with the default `rpc` feature,
//! the alloy bindings generated from the committed artifacts in `contracts/out-artifacts`
//! (`bindings`), decoding of contract reverts into named errors (`revert`), the deployer behind
//! `basalt deploy` (`deploy`) and the rollup's part of the L2 genesis alloc (`l2_genesis`). Must
//! not: talk to the L2, hold sequencer state, compute state roots (the engine does, in
//! `basalt-l2-genesis`) or compile Solidity (artifacts are built by `npm run contracts:build` and
//! committed).

pub mod formats;
pub mod predeploys;

#[cfg(feature = "rpc")]
pub mod bindings;
#[cfg(feature = "rpc")]
pub mod cli;
#[cfg(feature = "rpc")]
pub mod deploy;
#[cfg(feature = "rpc")]
pub mod l2_genesis;
#[cfg(feature = "rpc")]
pub mod profile;
#[cfg(feature = "rpc")]
pub mod revert;
#[cfg(feature = "rpc")]
pub use cli::{DeployArgs, run_deploy, run_deploy_blocking};
#[cfg(feature = "rpc")]
pub use deploy::{DaModeName, DeployConfig, DeployError, Deployment, deploy};
#[cfg(feature = "rpc")]
pub use profile::Profile;
