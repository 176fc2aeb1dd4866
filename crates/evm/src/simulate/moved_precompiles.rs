//! The precompile set of one `eth_simulateV1` block after its state overrides: a precompile can
//! be moved to another address (`movePrecompileToAddress`), and any overridden precompile address
//! stops being a precompile so that code put there runs. Execution itself stays revm's
//! [`EthPrecompiles`]; this provider only redirects addresses.

use alloy_primitives::{Address, map::HashMap};
use revm::{
    context::Cfg,
    context_interface::ContextTr,
    handler::{EthPrecompiles, PrecompileProvider},
    interpreter::{CallInputs, InterpreterResult},
    primitives::{AddressSet, hardfork::SpecId},
};

/// Ethereum's precompiles for a fork, with some moved and some removed.
#[derive(Debug, Clone)]
pub(crate) struct MovedPrecompiles {
    inner: EthPrecompiles,
    /// Destination address -> the precompile address whose code runs there.
    moved: HashMap<Address, Address>,
    /// Precompile addresses that no longer hold a precompile.
    removed: Vec<Address>,
    addresses: AddressSet,
}

impl MovedPrecompiles {
    /// The precompiles of `spec`, unchanged.
    pub(crate) fn new(spec: SpecId) -> Self {
        let inner = EthPrecompiles::new(spec);
        let addresses = inner.warm_addresses().clone();
        Self { inner, moved: HashMap::default(), removed: Vec::new(), addresses }
    }

    /// Whether `address` holds a precompile now (moved ones included).
    pub(crate) fn contains(&self, address: &Address) -> bool {
        self.addresses.contains(address)
    }

    /// Runs the precompile now at `from` at `to` instead; the caller has checked that `from`
    /// holds one. A precompile already moved elsewhere keeps its original code.
    pub(crate) fn move_to(&mut self, from: Address, to: Address) {
        let source = self.moved.get(&from).copied().unwrap_or(from);
        self.moved.insert(to, source);
        self.addresses.insert(to);
    }

    /// `address` no longer holds a precompile (its account was overridden).
    pub(crate) fn remove(&mut self, address: Address) {
        self.moved.remove(&address);
        self.removed.push(address);
        self.addresses.remove(&address);
    }

    fn rebuild_addresses(&mut self) {
        let mut addresses = self.inner.warm_addresses().clone();
        for address in &self.removed {
            addresses.remove(address);
        }
        addresses.extend(self.moved.keys().copied());
        self.addresses = addresses;
    }
}

impl<CTX: ContextTr> PrecompileProvider<CTX> for MovedPrecompiles {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <CTX::Cfg as Cfg>::Spec) -> bool {
        let changed = <EthPrecompiles as PrecompileProvider<CTX>>::set_spec(&mut self.inner, spec);
        if changed {
            self.rebuild_addresses();
        }
        changed
    }

    fn run(
        &mut self,
        context: &mut CTX,
        inputs: &CallInputs,
    ) -> Result<Option<InterpreterResult>, String> {
        let address = inputs.bytecode_address;
        if let Some(&source) = self.moved.get(&address) {
            let mut redirected = inputs.clone();
            redirected.bytecode_address = source;
            return self.inner.run(context, &redirected);
        }
        if !self.addresses.contains(&address) {
            return Ok(None);
        }
        self.inner.run(context, inputs)
    }

    fn warm_addresses(&self) -> &AddressSet {
        &self.addresses
    }

    fn contains(&self, address: &Address) -> bool {
        self.addresses.contains(address)
    }
}
