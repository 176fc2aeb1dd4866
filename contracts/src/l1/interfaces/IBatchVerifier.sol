// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title IBatchVerifier
/// @notice A proof system plugged into the OnChainProposer under a numeric id.
/// @dev `verify` must revert (with a custom error naming the reason) when the proof does not attest to
///      `publicInputs`; returning normally means the proof is valid. It must not modify state.
interface IBatchVerifier {
    /// @param publicInputs ABI-encoded public inputs of one batch (see BasaltFormats.PublicInputs).
    /// @param proof        Proof bytes in the verifier's own format.
    function verify(bytes calldata publicInputs, bytes calldata proof) external view;
}
