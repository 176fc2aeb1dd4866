// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

import {BasaltFormats} from "../common/BasaltFormats.sol";
import {IBatchVerifier} from "./interfaces/IBatchVerifier.sol";
import {ICommonBridge} from "./interfaces/ICommonBridge.sol";
import {IOnChainProposer} from "./interfaces/IOnChainProposer.sol";

/// @title OnChainProposer
/// @notice Settles the L2 on L1. The sequencer commits batches in order; anyone holding valid proofs
///         for every required verifier verifies consecutive committed batches, which makes their state
///         root final, consumes their privileged transactions from the bridge queue and publishes their
///         L1-message root to the bridge for withdrawals.
/// @dev Behind an ERC1967 proxy (UUPS); owned by the governance timelock (two-step ownership).
///      Storage is append-only across upgrades (checked by `contracts/scripts/check.js`).
contract OnChainProposer is
    IOnChainProposer,
    Initializable,
    UUPSUpgradeable,
    Ownable2StepUpgradeable,
    PausableUpgradeable
{
    /// @notice Id of the attestation (k-of-n ECDSA) verifier.
    uint8 public constant ATTESTATION_VERIFIER_ID = 1;
    /// @notice Upper bound on simultaneously required verifiers, to bound verification gas.
    uint256 public constant MAX_VERIFIERS = 8;

    /// @notice Chain id of the L2.
    uint256 public l2ChainId;
    /// @notice The CommonBridge proxy whose queue and withdrawals this contract drives.
    ICommonBridge public bridge;
    /// @notice May pause, unpause and revert unverified batches (in addition to the owner).
    address public securityCouncil;
    /// @notice True when batches carry no blob.
    bool public validium;
    /// @notice True on a development chain: verification may run with no verifier at all.
    bool public devNoVerifier;
    /// @inheritdoc IOnChainProposer
    uint256 public lastCommittedBatch;
    /// @inheritdoc IOnChainProposer
    uint256 public lastVerifiedBatch;
    /// @notice Id of the first privileged transaction not covered by a committed batch.
    uint256 public nextCommittedPrivilegedTxId;
    /// @notice Accounts allowed to commit batches.
    mapping(address account => bool allowed) public isSequencer;
    /// @notice Verifier contract registered under each id (zero when none).
    mapping(uint8 verifierId => address verifier) public verifierOf;
    uint8[] internal _verifierIds;
    mapping(uint256 batchNumber => BatchCommitment) internal _batches;

    modifier onlySequencer() {
        if (!isSequencer[msg.sender]) revert NotSequencer(msg.sender);
        _;
    }

    modifier onlyOwnerOrCouncil() {
        if (msg.sender != owner() && msg.sender != securityCouncil) revert NotOwnerOrCouncil(msg.sender);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy. Batch 0 is the genesis and counts as committed and verified.
    function initialize(InitParams calldata params) external initializer {
        if (params.owner == address(0) || params.bridge == address(0)) revert ZeroAddress();
        if (params.verifierIds.length != params.verifiers.length) revert ArrayLengthMismatch();
        if (params.genesisStateRoot == bytes32(0)) revert InvalidStateRoot();
        __Ownable_init(params.owner);
        __Ownable2Step_init();
        __Pausable_init();

        bridge = ICommonBridge(params.bridge);
        securityCouncil = params.securityCouncil;
        l2ChainId = params.l2ChainId;
        validium = params.validium;
        devNoVerifier = params.devNoVerifier;
        _batches[0].newStateRoot = params.genesisStateRoot;
        emit SecurityCouncilUpdated(params.securityCouncil);

        for (uint256 i = 0; i < params.sequencers.length; i++) {
            _setSequencer(params.sequencers[i], true);
        }
        for (uint256 i = 0; i < params.verifierIds.length; i++) {
            if (verifierOf[params.verifierIds[i]] != address(0)) revert DuplicateVerifierId(params.verifierIds[i]);
            _setVerifier(params.verifierIds[i], params.verifiers[i]);
        }
        if (_verifierIds.length == 0 && !params.devNoVerifier) revert NoVerifierConfigured();
    }

    // ----------------------------------------------------------------------------------------------
    // Sequencer
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IOnChainProposer
    /// @dev The number of privileged transactions the batch includes is the top 2 bytes of
    ///      `privilegedRollingHash`. In rollup mode the transaction must carry the batch's blob.
    function commitBatch(
        uint256 batchNumber,
        bytes32 newStateRoot,
        bytes32 l1MessagesRoot,
        bytes32 privilegedRollingHash,
        bytes32 lastBlockHash,
        uint64 nonPrivilegedTxCount
    ) external onlySequencer whenNotPaused {
        if (batchNumber != lastCommittedBatch + 1) revert UnexpectedBatchNumber(lastCommittedBatch + 1, batchNumber);
        if (newStateRoot == bytes32(0)) revert InvalidStateRoot();

        bytes32 blobVersionedHash = blobhash(0);
        if (validium) {
            if (blobVersionedHash != bytes32(0)) revert BlobNotAllowed();
        } else if (blobVersionedHash == bytes32(0)) {
            revert BlobRequired();
        }

        uint256 privilegedCount = BasaltFormats.rollingHashCount(privilegedRollingHash);
        bytes32 expected = bridge.pendingTxsRollingHash(nextCommittedPrivilegedTxId, privilegedCount);
        if (expected != privilegedRollingHash) revert PrivilegedHashMismatch(expected, privilegedRollingHash);

        _batches[batchNumber] = BatchCommitment({
            newStateRoot: newStateRoot,
            l1MessagesRoot: l1MessagesRoot,
            privilegedRollingHash: privilegedRollingHash,
            blobVersionedHash: blobVersionedHash,
            lastBlockHash: lastBlockHash,
            nonPrivilegedTxCount: nonPrivilegedTxCount
        });
        lastCommittedBatch = batchNumber;
        nextCommittedPrivilegedTxId += privilegedCount;

        emit BatchCommitted(
            batchNumber,
            newStateRoot,
            l1MessagesRoot,
            privilegedRollingHash,
            blobVersionedHash,
            lastBlockHash,
            nonPrivilegedTxCount
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Verification (permissionless: the proofs are the authority)
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IOnChainProposer
    /// @dev `proofs[i][j]` is the proof of batch `firstBatch + i` for the j-th id of `verifierIds()`
    ///      (ascending ids).
    function verifyBatches(uint256 firstBatch, bytes[][] calldata proofs) external whenNotPaused {
        uint256 count = proofs.length;
        if (count == 0) revert NoBatchesToVerify();
        uint256 expectedFirst = lastVerifiedBatch + 1;
        if (firstBatch != expectedFirst) revert UnexpectedBatchNumber(expectedFirst, firstBatch);
        uint256 lastBatch = firstBatch + count - 1;
        if (lastBatch > lastCommittedBatch) revert BatchNotCommitted(lastBatch);

        uint256 verifierCount = _verifierIds.length;
        bytes32 previousStateRoot = _batches[firstBatch - 1].newStateRoot;
        for (uint256 i = 0; i < count; i++) {
            uint256 batchNumber = firstBatch + i;
            BatchCommitment storage batch = _batches[batchNumber];
            if (proofs[i].length != verifierCount) {
                revert ProofCountMismatch(batchNumber, verifierCount, proofs[i].length);
            }

            bytes memory inputs = _publicInputs(previousStateRoot, batch);
            for (uint256 j = 0; j < verifierCount; j++) {
                IBatchVerifier(verifierOf[_verifierIds[j]]).verify(inputs, proofs[i][j]);
            }

            uint256 privilegedCount = BasaltFormats.rollingHashCount(batch.privilegedRollingHash);
            if (privilegedCount != 0) bridge.consumePrivilegedTxs(privilegedCount);
            if (batch.nonPrivilegedTxCount != 0 && bridge.hasExpiredPrivilegedTxs()) {
                revert ForcedInclusionRequired(batchNumber);
            }
            if (batch.l1MessagesRoot != bytes32(0)) bridge.publishL1Messages(batchNumber, batch.l1MessagesRoot);

            previousStateRoot = batch.newStateRoot;
            emit BatchVerified(batchNumber, batch.newStateRoot);
        }
        lastVerifiedBatch = lastBatch;
    }

    // ----------------------------------------------------------------------------------------------
    // Emergency (owner or security council)
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IOnChainProposer
    /// @dev Discards committed batches `batchNumber..lastCommittedBatch`. Only while paused; a verified
    ///      batch can never be reverted.
    function revertBatch(uint256 batchNumber) external onlyOwnerOrCouncil whenPaused {
        if (batchNumber <= lastVerifiedBatch) revert BatchAlreadyVerified(batchNumber);
        uint256 last = lastCommittedBatch;
        if (batchNumber > last) revert BatchNotCommitted(batchNumber);
        uint256 released = 0;
        for (uint256 b = batchNumber; b <= last; b++) {
            released += BasaltFormats.rollingHashCount(_batches[b].privilegedRollingHash);
            delete _batches[b];
        }
        nextCommittedPrivilegedTxId -= released;
        lastCommittedBatch = batchNumber - 1;
        emit BatchesReverted(batchNumber, last);
    }

    /// @notice Stops commits and verification.
    function pause() external onlyOwnerOrCouncil {
        _pause();
    }

    /// @notice Resumes commits and verification.
    function unpause() external onlyOwnerOrCouncil {
        _unpause();
    }

    // ----------------------------------------------------------------------------------------------
    // Governance (owner)
    // ----------------------------------------------------------------------------------------------

    /// @notice Allows or disallows `account` to commit batches.
    function setSequencer(address account, bool allowed) external onlyOwner {
        _setSequencer(account, allowed);
    }

    /// @notice Registers `verifier` under `verifierId`, replaces it, or removes it (zero address).
    /// @dev Removing the last verifier is only possible on a development deployment.
    function setVerifier(uint8 verifierId, address verifier) external onlyOwner {
        _setVerifier(verifierId, verifier);
        if (_verifierIds.length == 0 && !devNoVerifier) revert NoVerifierConfigured();
    }

    /// @notice Sets the account that may pause, unpause and revert batches (zero disables it).
    function setSecurityCouncil(address council) external onlyOwner {
        securityCouncil = council;
        emit SecurityCouncilUpdated(council);
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IOnChainProposer
    function getBatch(uint256 batchNumber) external view returns (BatchCommitment memory) {
        return _batches[batchNumber];
    }

    /// @inheritdoc IOnChainProposer
    /// @dev What a prover must attest to for `batchNumber`; initial root = previous batch's root.
    function publicInputs(uint256 batchNumber) external view returns (bytes memory) {
        if (batchNumber == 0 || batchNumber > lastCommittedBatch) revert BatchNotCommitted(batchNumber);
        return _publicInputs(_batches[batchNumber - 1].newStateRoot, _batches[batchNumber]);
    }

    /// @inheritdoc IOnChainProposer
    function verifierIds() external view returns (uint8[] memory) {
        return _verifierIds;
    }

    // ----------------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------------

    function _publicInputs(bytes32 initialStateRoot, BatchCommitment storage batch)
        internal
        view
        returns (bytes memory)
    {
        return BasaltFormats.encodePublicInputs(
            BasaltFormats.PublicInputs({
                initialStateRoot: initialStateRoot,
                finalStateRoot: batch.newStateRoot,
                l1MessagesRoot: batch.l1MessagesRoot,
                privilegedRollingHash: batch.privilegedRollingHash,
                blobVersionedHash: batch.blobVersionedHash,
                lastBlockHash: batch.lastBlockHash,
                chainId: l2ChainId,
                nonPrivilegedTxCount: batch.nonPrivilegedTxCount
            })
        );
    }

    function _setSequencer(address account, bool allowed) internal {
        if (account == address(0)) revert ZeroAddress();
        isSequencer[account] = allowed;
        emit SequencerUpdated(account, allowed);
    }

    /// @dev Keeps `_verifierIds` sorted ascending, so the proof order of a batch is the id order.
    function _setVerifier(uint8 verifierId, address verifier) internal {
        if (verifierId == 0) revert InvalidVerifierId(verifierId);
        bool registered = verifierOf[verifierId] != address(0);
        if (verifier == address(0)) {
            if (!registered) revert InvalidVerifierId(verifierId);
            uint256 len = _verifierIds.length;
            uint256 i = 0;
            while (_verifierIds[i] != verifierId) i++;
            for (; i + 1 < len; i++) {
                _verifierIds[i] = _verifierIds[i + 1];
            }
            _verifierIds.pop();
        } else if (!registered) {
            if (_verifierIds.length == MAX_VERIFIERS) revert TooManyVerifiers();
            _verifierIds.push(verifierId);
            for (uint256 i = _verifierIds.length - 1; i > 0 && _verifierIds[i - 1] > verifierId; i--) {
                _verifierIds[i] = _verifierIds[i - 1];
                _verifierIds[i - 1] = verifierId;
            }
        }
        verifierOf[verifierId] = verifier;
        emit VerifierUpdated(verifierId, verifier);
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}
}
