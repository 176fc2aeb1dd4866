//! Rollup contracts, seen from Rust.
//!
//! Owns: the byte formats shared with the contracts, the sequencer and the guest ([`formats`],
//! always available, `alloy-primitives` only); with the default `rpc` feature, the alloy bindings
//! generated from the committed artifacts in `contracts/out-artifacts` (`bindings`), decoding of
//! contract reverts into named errors (`revert`) and the deployer behind `basalt deploy`
//! (`deploy`). Must not: talk to the L2, hold sequencer state, or compile Solidity (artifacts are
//! built by `npm run contracts:build` and committed).

pub mod formats;

#[cfg(feature = "rpc")]
pub mod bindings;
#[cfg(feature = "rpc")]
pub mod cli;
#[cfg(feature = "rpc")]
pub mod deploy;
#[cfg(feature = "rpc")]
pub mod profile;
#[cfg(feature = "rpc")]
pub mod revert;
#[cfg(feature = "rpc")]
pub use cli::{DeployArgs, run_deploy, run_deploy_blocking};
#[cfg(feature = "rpc")]
pub use deploy::{DeployConfig, DeployError, Deployment, deploy};
#[cfg(feature = "rpc")]
pub use profile::Profile;
