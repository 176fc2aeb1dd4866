// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IBatchVerifier} from "./interfaces/IBatchVerifier.sol";

/// @title AttestationVerifier
/// @notice k-of-n attestation "proofs": a batch is valid when at least `threshold` registered signers
///         signed keccak256(publicInputs) (raw 32-byte digest, no message prefix). The trust model is a
///         committee (like a TEE set), not zero knowledge.
/// @dev Proof format: concatenated 65-byte signatures (r ‖ s ‖ v), ordered by strictly increasing
///      signer address, which rules out counting one signer twice. The signer set and threshold are
///      managed by the owner (governance timelock).
contract AttestationVerifier is IBatchVerifier, Initializable, UUPSUpgradeable, Ownable2StepUpgradeable {
    uint256 internal constant SIGNATURE_LENGTH = 65;

    /// @notice Signatures required for a valid proof.
    uint256 public threshold;
    /// @notice Whether an address is a registered signer.
    mapping(address signer => bool) public isSigner;
    address[] internal _signers;

    event SignerAdded(address indexed signer);
    event SignerRemoved(address indexed signer);
    event ThresholdUpdated(uint256 threshold);

    error ZeroAddress();
    error SignerAlreadyRegistered(address signer);
    error SignerNotRegistered(address signer);
    /// @notice The threshold must be between 1 and the number of signers.
    error InvalidThreshold(uint256 threshold, uint256 signerCount);
    /// @notice The proof is not a whole number of 65-byte signatures.
    error MalformedProof(uint256 length);
    /// @notice A signature does not recover to any address (bad v, high s, ...).
    error InvalidSignature(uint256 index);
    /// @notice A signature recovers to an address that is not a registered signer.
    error UnknownSigner(address recovered);
    /// @notice Signers must appear in strictly increasing address order (no signer twice).
    error SignersNotAscending(address previous, address next);
    error BelowThreshold(uint256 signatures, uint256 threshold);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy with its owner, signer set and threshold.
    function initialize(address owner_, address[] calldata signers_, uint256 threshold_) external initializer {
        if (owner_ == address(0)) revert ZeroAddress();
        __Ownable_init(owner_);
        __Ownable2Step_init();
        for (uint256 i = 0; i < signers_.length; i++) {
            _addSigner(signers_[i]);
        }
        _setThreshold(threshold_);
    }

    /// @inheritdoc IBatchVerifier
    function verify(bytes calldata publicInputs, bytes calldata proof) external view {
        if (proof.length % SIGNATURE_LENGTH != 0) revert MalformedProof(proof.length);
        uint256 count = proof.length / SIGNATURE_LENGTH;
        if (count < threshold) revert BelowThreshold(count, threshold);
        bytes32 digest = keccak256(publicInputs);
        address previous = address(0);
        for (uint256 i = 0; i < count; i++) {
            bytes calldata signature = proof[i * SIGNATURE_LENGTH:(i + 1) * SIGNATURE_LENGTH];
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            if (!isSigner[recovered]) revert UnknownSigner(recovered);
            if (recovered <= previous) revert SignersNotAscending(previous, recovered);
            previous = recovered;
        }
    }

    /// @notice Adds a signer; the threshold is unchanged.
    function addSigner(address signer) external onlyOwner {
        _addSigner(signer);
    }

    /// @notice Removes a signer; reverts if the threshold would exceed the remaining signers.
    function removeSigner(address signer) external onlyOwner {
        if (!isSigner[signer]) revert SignerNotRegistered(signer);
        isSigner[signer] = false;
        uint256 len = _signers.length;
        for (uint256 i = 0; i < len; i++) {
            if (_signers[i] == signer) {
                _signers[i] = _signers[len - 1];
                _signers.pop();
                break;
            }
        }
        if (threshold > _signers.length) revert InvalidThreshold(threshold, _signers.length);
        emit SignerRemoved(signer);
    }

    /// @notice Sets how many signatures a proof needs.
    function setThreshold(uint256 threshold_) external onlyOwner {
        _setThreshold(threshold_);
    }

    /// @notice The registered signers (unordered).
    function signers() external view returns (address[] memory) {
        return _signers;
    }

    function _addSigner(address signer) internal {
        if (signer == address(0)) revert ZeroAddress();
        if (isSigner[signer]) revert SignerAlreadyRegistered(signer);
        isSigner[signer] = true;
        _signers.push(signer);
        emit SignerAdded(signer);
    }

    function _setThreshold(uint256 threshold_) internal {
        if (threshold_ == 0 || threshold_ > _signers.length) revert InvalidThreshold(threshold_, _signers.length);
        threshold = threshold_;
        emit ThresholdUpdated(threshold_);
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}
}
