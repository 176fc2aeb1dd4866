// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @dev What `IBatchVerifier.verify` returns when a committee (attesters, a TEE set) vouches for the batch:
///      the OnChainProposer then holds the batch's withdrawals back for the finalization delay.
bytes32 constant VERIFIED_BY_COMMITTEE = keccak256("basalt.IBatchVerifier.verifiedByCommittee");
/// @dev What `IBatchVerifier.verify` returns for a validity (zero-knowledge) proof: final at once.
bytes32 constant VERIFIED_BY_VALIDITY_PROOF = keccak256("basalt.IBatchVerifier.verifiedByValidityProof");

/// @title IBatchVerifier
/// @notice A proof system plugged into the OnChainProposer under a numeric id.
/// @dev `verify` reverts (with a custom error naming the reason) when the proof does not attest to the
///      batch, and returns one of the two constants above when it does. Anything else (no return data, an
///      echo of the calldata, another word) counts as a rejection, so a contract that merely does not revert
///      (a permissive fallback, an uninitialised implementation) can never verify a batch.
interface IBatchVerifier {
    /// @param batchNumber  The batch the proof is for (bound into attestations, so a proof of one batch
    ///                     never verifies another).
    /// @param publicInputs ABI-encoded public inputs of the batch (see BasaltFormats.PublicInputs).
    /// @param proof        Proof bytes in the verifier's own format.
    /// @return result      VERIFIED_BY_COMMITTEE or VERIFIED_BY_VALIDITY_PROOF.
    function verify(uint256 batchNumber, bytes calldata publicInputs, bytes calldata proof)
        external
        view
        returns (bytes32 result);
}
