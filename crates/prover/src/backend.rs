//! Proving backends: what turns a batch's guest input into a proof for one of the
//! OnChainProposer's verifiers. `exec` runs the guest and proves nothing (development);
//! `attestation` runs the guest and signs the batch's EIP-712 attestation digest. A zkVM backend
//! implements [`ProverBackend`] the same way (docs/proving.md, "Adding a backend").

use crate::protocol::{ProofKind, Welcome};
use alloy_primitives::{Address, B256, Signature};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use basalt_contracts::formats::{PUBLIC_INPUTS_LEN, attestation_digest};
use std::sync::Arc;

/// The guest program: a batch's input bytes -> its ABI-encoded public inputs (256 bytes), or
/// why the batch cannot be executed. `basalt_guest::execute_encoded` in the node.
pub type GuestFn = Arc<dyn Fn(&[u8]) -> Result<[u8; PUBLIC_INPUTS_LEN], String> + Send + Sync>;

/// What a backend produced for a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofOutput {
    /// Proof bytes in the verifier's format.
    pub proof: Vec<u8>,
    /// The ABI-encoded public inputs the proof is for (256 bytes).
    pub public_inputs: Vec<u8>,
}

/// Why a backend produced no proof.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("guest program failed: {0}")]
    Guest(String),
    #[error("the deployment has no attestation verifier (the coordinator sent verifier id 0)")]
    NoAttestationVerifier,
    #[error("signing failed: {0}")]
    Sign(String),
}

/// A proving backend. Called on a blocking thread; a panic is reported as a failed attempt.
pub trait ProverBackend: Send + Sync {
    /// The kind of proof it produces.
    fn kind(&self) -> ProofKind;

    /// The address its attestations recover to (zero for backends that do not sign).
    fn signer(&self) -> Address {
        Address::ZERO
    }

    /// Proves batch `batch_number` from the guest input `input`, bound to the deployment the
    /// coordinator described in `ctx`.
    fn prove(
        &self,
        batch_number: u64,
        input: &[u8],
        ctx: &Welcome,
    ) -> Result<ProofOutput, ProveError>;
}

/// Runs the guest and returns an empty proof.
pub struct ExecBackend {
    guest: GuestFn,
}

impl ExecBackend {
    pub fn new(guest: GuestFn) -> Self {
        Self { guest }
    }
}

impl ProverBackend for ExecBackend {
    fn kind(&self) -> ProofKind {
        ProofKind::Exec
    }

    fn prove(&self, _: u64, input: &[u8], _: &Welcome) -> Result<ProofOutput, ProveError> {
        let public_inputs = (self.guest)(input).map_err(ProveError::Guest)?;
        Ok(ProofOutput { proof: Vec::new(), public_inputs: public_inputs.to_vec() })
    }
}

/// Runs the guest and signs the attestation digest of its public inputs with an attester key:
/// one 65-byte signature r ‖ s ‖ v (v 27 or 28, low s), as `AttestationVerifier` recovers it.
pub struct AttestationBackend {
    guest: GuestFn,
    key: PrivateKeySigner,
}

impl AttestationBackend {
    pub fn new(guest: GuestFn, key: PrivateKeySigner) -> Self {
        Self { guest, key }
    }
}

impl ProverBackend for AttestationBackend {
    fn kind(&self) -> ProofKind {
        ProofKind::Attestation
    }

    fn signer(&self) -> Address {
        self.key.address()
    }

    fn prove(
        &self,
        batch_number: u64,
        input: &[u8],
        ctx: &Welcome,
    ) -> Result<ProofOutput, ProveError> {
        if ctx.attestation_verifier_id == 0 {
            return Err(ProveError::NoAttestationVerifier);
        }
        let public_inputs = (self.guest)(input).map_err(ProveError::Guest)?;
        let digest = digest(ctx, batch_number, &public_inputs);
        let signature =
            self.key.sign_hash_sync(&digest).map_err(|e| ProveError::Sign(e.to_string()))?;
        Ok(ProofOutput {
            proof: signature.as_bytes().to_vec(),
            public_inputs: public_inputs.to_vec(),
        })
    }
}

/// The digest attesters sign for `batch_number` in the deployment `ctx` describes.
pub fn digest(ctx: &Welcome, batch_number: u64, public_inputs: &[u8]) -> B256 {
    attestation_digest(
        ctx.l1_chain_id,
        ctx.on_chain_proposer,
        ctx.attestation_verifier_id,
        batch_number,
        public_inputs,
    )
}

/// The attester whose 65-byte signature `signature` is over `digest`, refusing what
/// `AttestationVerifier` (OpenZeppelin `ECDSA.tryRecover`) refuses: another length, v other
/// than 27 or 28, a high s.
pub fn recover_attester(signature: &[u8], digest: &B256) -> Result<Address, String> {
    let v = match signature {
        [.., v] if signature.len() == 65 => *v,
        _ => return Err(format!("an attestation is 65 bytes, got {}", signature.len())),
    };
    if v != 27 && v != 28 {
        return Err(format!("signature v must be 27 or 28, got {v}"));
    }
    let signature = Signature::from_raw(signature).map_err(|e| e.to_string())?;
    if signature.normalize_s().is_some() {
        return Err("signature s is in the upper half of the curve order".into());
    }
    signature.recover_address_from_prehash(digest).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Welcome {
        Welcome {
            l1_chain_id: 31_337,
            on_chain_proposer: Address::repeat_byte(0x42),
            verifier_ids: vec![1],
            attestation_verifier_id: 1,
        }
    }

    fn guest() -> GuestFn {
        Arc::new(|input: &[u8]| {
            let mut out = [0u8; PUBLIC_INPUTS_LEN];
            out[..input.len().min(PUBLIC_INPUTS_LEN)]
                .copy_from_slice(&input[..input.len().min(PUBLIC_INPUTS_LEN)]);
            Ok(out)
        })
    }

    #[test]
    fn an_attestation_recovers_to_the_attester_over_the_contract_digest() {
        let key = PrivateKeySigner::random();
        let backend = AttestationBackend::new(guest(), key.clone());
        assert_eq!(backend.signer(), key.address());
        let output = backend.prove(7, b"batch seven", &ctx()).unwrap();
        assert_eq!(&output.public_inputs[..11], b"batch seven");
        assert_eq!(output.proof.len(), 65);
        assert!(matches!(output.proof[64], 27 | 28));
        let expected =
            attestation_digest(31_337, ctx().on_chain_proposer, 1, 7, &output.public_inputs);
        assert_eq!(recover_attester(&output.proof, &expected), Ok(key.address()));
        // Bound to the batch number and the deployment: another digest recovers elsewhere.
        for other in [
            attestation_digest(31_337, ctx().on_chain_proposer, 1, 8, &output.public_inputs),
            attestation_digest(1, ctx().on_chain_proposer, 1, 7, &output.public_inputs),
            attestation_digest(31_337, ctx().on_chain_proposer, 2, 7, &output.public_inputs),
        ] {
            assert_ne!(recover_attester(&output.proof, &other), Ok(key.address()));
        }
    }

    #[test]
    fn signatures_the_contract_refuses_are_refused() {
        let key = PrivateKeySigner::random();
        let digest = B256::repeat_byte(1);
        let good = key.sign_hash_sync(&digest).unwrap().as_bytes();
        assert_eq!(recover_attester(&good, &digest), Ok(key.address()));
        assert!(recover_attester(&good[..64], &digest).is_err());
        let mut raw_parity = good;
        raw_parity[64] -= 27;
        assert!(recover_attester(&raw_parity, &digest).unwrap_err().contains("27 or 28"));
        // The same signature with s mirrored into the upper half recovers the same key in
        // plain ECDSA, but the contract refuses it.
        let sig = Signature::from_raw(&good).unwrap();
        let high = Signature::new(
            sig.r(),
            alloy_primitives::U256::from_be_bytes(SECP256K1N.0) - sig.s(),
            !sig.v(),
        );
        assert!(recover_attester(&high.as_bytes(), &digest).unwrap_err().contains("upper half"));
    }

    const SECP256K1N: B256 = alloy_primitives::b256!(
        "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
    );

    #[test]
    fn exec_and_attestation_report_guest_failures_and_a_missing_verifier() {
        let failing: GuestFn = Arc::new(|_| Err("missing trie node 0xab".into()));
        let err = ExecBackend::new(failing.clone()).prove(1, b"", &ctx()).unwrap_err();
        assert_eq!(err.to_string(), "guest program failed: missing trie node 0xab");
        let exec = ExecBackend::new(guest()).prove(1, b"x", &ctx()).unwrap();
        assert!(exec.proof.is_empty());
        let no_verifier = Welcome { attestation_verifier_id: 0, ..ctx() };
        let backend = AttestationBackend::new(guest(), PrivateKeySigner::random());
        assert!(matches!(
            backend.prove(1, b"x", &no_verifier),
            Err(ProveError::NoAttestationVerifier)
        ));
    }
}
