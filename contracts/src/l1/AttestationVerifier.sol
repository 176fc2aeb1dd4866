// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {BasaltFormats} from "../common/BasaltFormats.sol";
import {IBatchVerifier, VERIFIED_BY_COMMITTEE} from "./interfaces/IBatchVerifier.sol";
import {IOnChainProposer} from "./interfaces/IOnChainProposer.sol";

/// @title AttestationVerifier
/// @notice k-of-n attestation "proofs": a batch is valid when at least `threshold` registered signers signed
///         its EIP-712 attestation digest (`BasaltFormats.attestationDigest`: L1 chain id, OnChainProposer
///         proxy and verifier id in the domain; batch number and keccak(publicInputs) in the message), so an
///         attestation never replays on another deployment, another verifier id or another batch. The trust
///         model is a committee (like a TEE set), not zero knowledge: `verify` answers VERIFIED_BY_COMMITTEE.
/// @dev Proof format: concatenated 65-byte signatures (r ‖ s ‖ v), ordered by strictly increasing signer
///      address, which rules out counting one signer twice. The signer set and threshold are managed by the
///      owner (governance timelock); the security council may remove (never add) a signer.
contract AttestationVerifier is IBatchVerifier, Initializable, UUPSUpgradeable, Ownable2StepUpgradeable {
    uint256 internal constant SIGNATURE_LENGTH = 65;

    /// @notice Signatures required for a valid proof (never 0 on an initialised proxy).
    uint256 public threshold;
    /// @notice Whether an address is a registered signer.
    mapping(address signer => bool) public isSigner;
    address[] internal _signers;
    // ---- appended in the contracts-hardening upgrade (issue 9) ----
    /// @notice The OnChainProposer proxy attestations are bound to (the EIP-712 verifying contract).
    address public proposer;
    /// @notice The id this verifier is registered under in the proposer (the EIP-712 salt).
    uint8 public verifierId;
    /// @notice May remove signers (in addition to the owner).
    address public securityCouncil;

    event SignerAdded(address indexed signer);
    event SignerRemoved(address indexed signer);
    event ThresholdUpdated(uint256 threshold);
    event SecurityCouncilUpdated(address securityCouncil);

    error ZeroAddress();
    error SignerAlreadyRegistered(address signer);
    error SignerNotRegistered(address signer);
    /// @notice The threshold must be between 1 and the number of signers.
    error InvalidThreshold(uint256 threshold, uint256 signerCount);
    /// @notice This contract has no signer set (an implementation behind a proxy, or uninitialised).
    error NotInitialized();
    /// @notice A verifier id must be non-zero.
    error InvalidVerifierId(uint8 verifierId);
    /// @notice The caller is neither the owner (governance) nor the security council.
    error NotOwnerOrCouncil(address caller);
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

    /// @notice Initialises the proxy. `proposer_` must already be initialised (the council is checked against
    ///         its deployment profile).
    function initialize(
        address owner_,
        address proposer_,
        uint8 verifierId_,
        address securityCouncil_,
        address[] calldata signers_,
        uint256 threshold_
    ) external initializer {
        if (owner_ == address(0) || proposer_ == address(0)) revert ZeroAddress();
        if (verifierId_ == 0) revert InvalidVerifierId(verifierId_);
        __Ownable_init(owner_);
        __Ownable2Step_init();
        proposer = proposer_;
        verifierId = verifierId_;
        _setSecurityCouncil(securityCouncil_);
        for (uint256 i = 0; i < signers_.length; i++) {
            _addSigner(signers_[i]);
        }
        _setThreshold(threshold_);
    }

    /// @inheritdoc IBatchVerifier
    function verify(uint256 batchNumber, bytes calldata publicInputs, bytes calldata proof)
        external
        view
        returns (bytes32)
    {
        uint256 k = threshold;
        if (k == 0) revert NotInitialized();
        if (proof.length % SIGNATURE_LENGTH != 0) revert MalformedProof(proof.length);
        uint256 count = proof.length / SIGNATURE_LENGTH;
        if (count < k) revert BelowThreshold(count, k);
        bytes32 digest = attestationDigest(batchNumber, publicInputs);
        address previous = address(0);
        for (uint256 i = 0; i < count; i++) {
            bytes calldata signature = proof[i * SIGNATURE_LENGTH:(i + 1) * SIGNATURE_LENGTH];
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            if (!isSigner[recovered]) revert UnknownSigner(recovered);
            if (recovered <= previous) revert SignersNotAscending(previous, recovered);
            previous = recovered;
        }
        return VERIFIED_BY_COMMITTEE;
    }

    /// @notice What signers sign for `batchNumber` with `publicInputs` (EIP-712, see the contract notice).
    function attestationDigest(uint256 batchNumber, bytes calldata publicInputs) public view returns (bytes32) {
        return BasaltFormats.attestationDigest(block.chainid, proposer, verifierId, batchNumber, publicInputs);
    }

    /// @notice Adds a signer; the threshold is unchanged.
    function addSigner(address signer) external onlyOwner {
        _addSigner(signer);
    }

    /// @notice Removes a signer (owner, or the council in an emergency); reverts if the threshold would exceed
    ///         the remaining signers.
    function removeSigner(address signer) external {
        if (msg.sender != owner() && msg.sender != securityCouncil) revert NotOwnerOrCouncil(msg.sender);
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

    /// @notice Sets the account that may remove signers (zero disables it; a contract on a staged deployment).
    function setSecurityCouncil(address council) external onlyOwner {
        _setSecurityCouncil(council);
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

    function _setSecurityCouncil(address council) internal {
        IOnChainProposer(proposer).checkSecurityCouncil(council);
        securityCouncil = council;
        emit SecurityCouncilUpdated(council);
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}
}
