//! The anvil controls of the dev L1 (`evm_*`/`anvil_*`), a layer on the chain service:
//! direct state edits, snapshots and reverts, rollbacks and reorgs, impersonated senders and
//! an adjustable clock. [`AnvilChain`] wraps the [`ChainService`] it was built with and holds
//! the state only these controls need (snapshots, the impersonated set, the clock's
//! settings), so the L2 node, which runs the service alone, carries none of it. Every edit
//! and unwind takes the service's one write lock ([`ChainService::writer`]), so it never
//! interleaves with a block.

mod clock;
mod edits;
mod snapshots;
mod unwind;

pub use clock::AdjustableClock;
pub use unwind::{ReorgBlocks, UnwindError};

use crate::{
    Blockchain, ImportError,
    service::{ChainService, ChainServiceConfig, ServiceError, lock},
};
use alloy_primitives::Address;
use basalt_primitives::StateReadError;
use std::{
    collections::HashSet,
    ops::Deref,
    sync::{Arc, Mutex},
};

/// What one client can make the anvil layer hold.
#[derive(Clone, Copy, Debug)]
pub struct AnvilLimits {
    /// Live `evm_snapshot`s.
    pub max_snapshots: usize,
    /// Accounts impersonated at once.
    pub max_impersonated: usize,
}

impl Default for AnvilLimits {
    fn default() -> Self {
        Self { max_snapshots: 1_000, max_impersonated: 1_000 }
    }
}

/// Why an anvil control failed: the chain service's errors, an unwind that may not or could
/// not happen, or a limit of [`AnvilLimits`].
#[derive(Debug, thiserror::Error)]
pub enum AnvilError {
    /// Boxed: the service's error is large, and the anvil layer's results are many.
    #[error(transparent)]
    Service(Box<ServiceError>),
    #[error(transparent)]
    Unwind(#[from] UnwindError),
    #[error("too many {what}: the limit is {limit} (raise it with {flag})")]
    LimitReached { what: &'static str, limit: usize, flag: &'static str },
}

impl From<ServiceError> for AnvilError {
    fn from(err: ServiceError) -> Self {
        AnvilError::Service(Box::new(err))
    }
}

impl From<basalt_storage::StorageError> for AnvilError {
    fn from(err: basalt_storage::StorageError) -> Self {
        ServiceError::from(err).into()
    }
}

impl From<ImportError> for AnvilError {
    fn from(err: ImportError) -> Self {
        ServiceError::from(err).into()
    }
}

impl From<StateReadError> for AnvilError {
    fn from(err: StateReadError) -> Self {
        ServiceError::from(err).into()
    }
}

/// The dev L1: a chain service with the anvil controls. Derefs to the [`ChainService`], whose
/// methods (submission, mining, the pending block, events) it adds nothing to.
pub struct AnvilChain {
    service: Arc<ChainService>,
    /// The service's clock, which the controls move.
    clock: Arc<AdjustableClock>,
    limits: AnvilLimits,
    /// Taken only while holding the service's write lock (after it), so a snapshot always
    /// names the chain as it is.
    snapshots: Mutex<snapshots::Snapshots>,
    impersonating: Mutex<HashSet<Address>>,
}

impl AnvilChain {
    /// The chain service over `chain` (see [`ChainService::new`]: the journal, if configured,
    /// is replayed) with its blocks stamped by an [`AdjustableClock`], and the controls on
    /// top.
    pub fn new(
        chain: Blockchain,
        config: ChainServiceConfig,
        limits: AnvilLimits,
    ) -> Result<Arc<Self>, ServiceError> {
        let clock = Arc::new(AdjustableClock::default());
        let service = ChainService::with_clock(chain, config, clock.clone())?;
        Ok(Arc::new(Self {
            service,
            clock,
            limits,
            snapshots: Mutex::new(Default::default()),
            impersonating: Mutex::new(HashSet::new()),
        }))
    }

    /// The chain service underneath (what the RPC server's common methods and the miner use).
    pub fn service(&self) -> &Arc<ChainService> {
        &self.service
    }

    /// Starts or stops impersonating `address` (`anvil_impersonateAccount`): the RPC layer then
    /// sends its transactions unsigned ([`ChainService::submit_as`]). At most
    /// `max_impersonated` at once ([`AnvilError::LimitReached`]).
    pub fn impersonate(&self, address: Address, on: bool) -> Result<(), AnvilError> {
        let mut set = lock(&self.impersonating);
        if !on {
            set.remove(&address);
            return Ok(());
        }
        let limit = self.limits.max_impersonated;
        if set.len() >= limit && !set.contains(&address) {
            return Err(AnvilError::LimitReached {
                what: "impersonated accounts",
                limit,
                flag: "--max-impersonated",
            });
        }
        set.insert(address);
        Ok(())
    }

    pub fn is_impersonating(&self, address: &Address) -> bool {
        lock(&self.impersonating).contains(address)
    }
}

impl Deref for AnvilChain {
    type Target = ChainService;

    fn deref(&self) -> &ChainService {
        &self.service
    }
}
