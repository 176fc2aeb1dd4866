//! Proving (issue 12, docs/proving.md): the proof coordinator the sequencer runs, the prover
//! client `basalt prover` runs, the wire protocol between them, and the proving backends
//! (exec, attestation; zkVM backends implement the same trait).

pub mod backend;
pub mod client;
pub mod coordinator;
pub mod health;
pub mod protocol;

pub use backend::{
    AttestationBackend, ExecBackend, GuestFn, ProofOutput, ProveError, ProverBackend,
};
pub use client::{ProverClient, ProverConfig, ProverError, ProverStatus};
pub use coordinator::{
    BatchInputSource, CoordinatorConfig, CoordinatorStatus, DEFAULT_COORDINATOR_ADDR,
    DEFAULT_PROOF_TIMEOUT, ProofCoordinator, ProofRequirement, spawn_coordinator,
};
pub use health::serve_health;
pub use protocol::{PROTOCOL_VERSION, ProofKind, Welcome};
