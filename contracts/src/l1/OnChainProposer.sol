// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {AccountCode} from "../common/AccountCode.sol";
import {BasaltFormats} from "../common/BasaltFormats.sol";
import {EmergencyPause} from "./EmergencyPause.sol";
import {IBatchVerifier, VERIFIED_BY_COMMITTEE, VERIFIED_BY_VALIDITY_PROOF} from "./interfaces/IBatchVerifier.sol";
import {ICommonBridge} from "./interfaces/ICommonBridge.sol";
import {IOnChainProposer} from "./interfaces/IOnChainProposer.sol";

/// @title OnChainProposer
/// @notice Settles the L2 on L1. The sequencer commits batches in order (a batch with ordinary transactions
///         only while no overdue privileged transaction would stay uncommitted); anyone holding valid proofs
///         for every required verifier verifies consecutive committed batches, which consumes their
///         privileged transactions from the bridge queue and publishes their L1-message root to the bridge.
///         A batch vouched for by committee proofs only becomes final after the finalization delay, during
///         which the security council may revert it.
/// @dev Behind an ERC1967 proxy (UUPS); owned by the governance timelock (two-step ownership).
///      Storage is append-only across upgrades (checked by `contracts/scripts/check.js`).
contract OnChainProposer is IOnChainProposer, Initializable, UUPSUpgradeable, Ownable2StepUpgradeable, EmergencyPause {
    /// @notice Id of the attestation (k-of-n ECDSA) verifier.
    uint8 public constant ATTESTATION_VERIFIER_ID = 1;
    /// @notice Upper bound on simultaneously required verifiers, to bound verification gas.
    uint256 public constant MAX_VERIFIERS = 8;
    /// @notice Upper bounds of the finalization delay and the proving allowance (seconds).
    uint256 public constant MAX_FINALIZATION_DELAY = 7 days;
    uint256 public constant MAX_PROVING_ALLOWANCE = 30 days;
    /// @notice L1 chain ids on which `devNoVerifier` is allowed (anvil/hardhat, geth --dev).
    uint256 public constant DEV_CHAIN_ID = 31_337;
    uint256 public constant GETH_DEV_CHAIN_ID = 1337;
    /// @notice Most blobs one batch (one commit transaction) may carry: EIP-7594's MAX_BLOBS_PER_TX.
    uint256 public constant MAX_BLOBS_PER_BATCH = BasaltFormats.MAX_BLOBS_PER_BATCH;

    /// @notice Chain id of the L2.
    uint256 public l2ChainId;
    /// @notice The CommonBridge proxy whose queue and withdrawals this contract drives.
    ICommonBridge public bridge;
    /// @notice May pause, unpause, revert non-final batches and remove sequencers (in addition to the owner).
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
    // ---- appended in the contracts-hardening upgrade (issue 9) ----
    /// @notice Number of accounts allowed to commit batches.
    uint256 public sequencerCount;
    /// @notice Seconds a batch verified by committee proofs only waits before it is final.
    uint64 public finalizationDelay;
    /// @notice Seconds the operator declares it needs to commit and prove a batch with a forced transaction.
    uint64 public provingAllowance;
    /// @inheritdoc IOnChainProposer
    uint64 public exitWindowFloor;

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

    /// @notice Initialises the proxy. Batch 0 is the genesis and counts as committed, verified and final.
    /// @dev The exit window is checked when the bridge initialises (it calls `checkExitWindowWith`), since
    ///      the bridge proxy is deployed after this one.
    function initialize(InitParams calldata params) external initializer {
        if (params.owner == address(0) || params.bridge == address(0)) revert ZeroAddress();
        if (params.verifierIds.length != params.verifiers.length) revert ArrayLengthMismatch();
        if (params.genesisStateRoot == bytes32(0)) revert InvalidStateRoot();
        if (
            params.devNoVerifier
                && (params.exitWindowFloor != 0 || (block.chainid != DEV_CHAIN_ID && block.chainid != GETH_DEV_CHAIN_ID))
        ) revert DevModeNotAllowed(block.chainid);
        __Ownable_init(params.owner);
        __Ownable2Step_init();
        __Pausable_init();

        bridge = ICommonBridge(params.bridge);
        exitWindowFloor = params.exitWindowFloor;
        _setSecurityCouncil(params.securityCouncil);
        l2ChainId = params.l2ChainId;
        validium = params.validium;
        devNoVerifier = params.devNoVerifier;
        _batches[0].newStateRoot = params.genesisStateRoot;
        _setFinalizationDelay(params.finalizationDelay);
        _setProvingAllowance(params.provingAllowance);

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
    ///      `privilegedRollingHash`. In rollup mode the transaction carries the batch's blobs (1 to
    ///      MAX_BLOBS_PER_BATCH), and the commitment covers all of them in order (`_transactionBlobs`). Forced
    ///      inclusion is decided here, at commit time: a batch with ordinary transactions is refused while the
    ///      first privileged transaction it leaves uncommitted is overdue.
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

        (bytes32 blobsHash, uint8 blobCount) = _transactionBlobs();

        uint256 firstId = nextCommittedPrivilegedTxId;
        uint256 privilegedCount = BasaltFormats.rollingHashCount(privilegedRollingHash);
        bytes32 expected = bridge.pendingTxsRollingHash(firstId, privilegedCount);
        if (expected != privilegedRollingHash) revert PrivilegedHashMismatch(expected, privilegedRollingHash);
        if (nonPrivilegedTxCount != 0 && bridge.isPrivilegedTxOverdue(firstId + privilegedCount)) {
            revert ForcedInclusionRequired(batchNumber);
        }

        _batches[batchNumber] = BatchCommitment({
            newStateRoot: newStateRoot,
            l1MessagesRoot: l1MessagesRoot,
            privilegedRollingHash: privilegedRollingHash,
            blobVersionedHash: blobsHash,
            lastBlockHash: lastBlockHash,
            nonPrivilegedTxCount: nonPrivilegedTxCount,
            finalizedAt: 0,
            blobCount: blobCount
        });
        lastCommittedBatch = batchNumber;
        nextCommittedPrivilegedTxId = firstId + privilegedCount;

        emit BatchCommitted(
            batchNumber,
            newStateRoot,
            l1MessagesRoot,
            privilegedRollingHash,
            blobsHash,
            blobCount,
            lastBlockHash,
            nonPrivilegedTxCount
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Verification (permissionless: the proofs are the authority)
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IOnChainProposer
    /// @dev `proofs[i][j]` is the proof of batch `firstBatch + i` for the j-th id of `verifierIds()`
    ///      (ascending ids). Every verifier must return VERIFIED_BY_COMMITTEE or VERIFIED_BY_VALIDITY_PROOF;
    ///      a batch with at least one validity proof is final at once, otherwise after `finalizationDelay`.
    function verifyBatches(uint256 firstBatch, bytes[][] calldata proofs) external whenNotPaused {
        uint256 count = proofs.length;
        if (count == 0) revert NoBatchesToVerify();
        uint256 expectedFirst = lastVerifiedBatch + 1;
        if (firstBatch != expectedFirst) revert UnexpectedBatchNumber(expectedFirst, firstBatch);
        uint256 lastBatch = firstBatch + count - 1;
        if (lastBatch > lastCommittedBatch) revert BatchNotCommitted(lastBatch);

        for (uint256 i = 0; i < count; i++) {
            _verifyBatch(firstBatch + i, proofs[i]);
        }
        lastVerifiedBatch = lastBatch;
    }

    // ----------------------------------------------------------------------------------------------
    // Emergency (owner or security council)
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc IOnChainProposer
    /// @dev Discards committed batches `batchNumber..lastCommittedBatch`, verified ones included as long as
    ///      none is final (finality times never decrease, so `batchNumber` decides). Only while paused.
    ///      Their privileged transactions return to the queue, their message roots are withdrawn.
    function revertBatch(uint256 batchNumber) external onlyOwnerOrCouncil whenPaused {
        if (batchNumber == 0 || isBatchFinal(batchNumber)) revert BatchAlreadyFinal(batchNumber);
        uint256 last = lastCommittedBatch;
        if (batchNumber > last) revert BatchNotCommitted(batchNumber);
        uint256 lastVerified = lastVerifiedBatch;
        uint256 released = 0;
        uint256 consumed = 0;
        for (uint256 b = batchNumber; b <= last; b++) {
            uint256 n = BasaltFormats.rollingHashCount(_batches[b].privilegedRollingHash);
            released += n;
            if (b <= lastVerified) consumed += n;
            delete _batches[b];
        }
        if (batchNumber <= lastVerified) {
            bridge.revertVerifiedBatches(batchNumber, lastVerified, consumed);
            lastVerifiedBatch = batchNumber - 1;
        }
        nextCommittedPrivilegedTxId -= released;
        lastCommittedBatch = batchNumber - 1;
        emit BatchesReverted(batchNumber, last);
    }

    /// @notice Stops commits and verification (and the inclusion clock) for at most MAX_PAUSE_DURATION.
    function pause() external onlyOwnerOrCouncil {
        bridge.recordRollupPause(_pauseFor(msg.sender != owner()));
    }

    /// @notice Resumes commits and verification.
    function unpause() external onlyOwnerOrCouncil {
        _endPause();
        bridge.recordRollupPause(block.timestamp);
    }

    /// @notice Withdraws `account`'s right to commit batches. The council may not remove the last sequencer.
    function removeSequencer(address account) external onlyOwnerOrCouncil {
        if (msg.sender != owner() && isSequencer[account] && sequencerCount == 1) revert LastSequencer(account);
        _setSequencer(account, false);
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

    /// @notice Sets the account that may pause, unpause, revert non-final batches and remove sequencers
    ///         (zero disables it; a contract on a staged deployment).
    function setSecurityCouncil(address council) external onlyOwner {
        _setSecurityCouncil(council);
    }

    /// @notice Sets the finalization delay of batches verified from now on (<= MAX_FINALIZATION_DELAY and
    ///         within the exit window).
    function setFinalizationDelay(uint64 delay) external onlyOwner {
        _setFinalizationDelay(delay);
        checkExitWindow();
    }

    /// @notice Sets the declared proving allowance (<= MAX_PROVING_ALLOWANCE and within the exit window).
    function setProvingAllowance(uint64 allowance) external onlyOwner {
        _setProvingAllowance(allowance);
        checkExitWindow();
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

    /// @inheritdoc IOnChainProposer
    function isBatchFinal(uint256 batchNumber) public view returns (bool) {
        return batchNumber <= lastVerifiedBatch && block.timestamp >= _batches[batchNumber].finalizedAt;
    }

    /// @inheritdoc IOnChainProposer
    function requiredGovernanceDelay(uint256 inclusionPeriod) public view returns (uint256) {
        if (exitWindowFloor == 0) return 0;
        return uint256(exitWindowFloor) + inclusionPeriod + provingAllowance + finalizationDelay;
    }

    /// @inheritdoc IOnChainProposer
    function checkExitWindow() public view {
        checkExitWindowWith(bridge.inclusionPeriod());
    }

    /// @inheritdoc IOnChainProposer
    function checkExitWindowWith(uint256 inclusionPeriod) public view {
        uint256 required = requiredGovernanceDelay(inclusionPeriod);
        if (required == 0) return;
        (bool ok, bytes memory answer) =
            owner().staticcall(abi.encodeCall(TimelockController.getMinDelay, ()));
        if (!ok || answer.length != 32) revert OwnerNotTimelock(owner());
        uint256 delay = abi.decode(answer, (uint256));
        if (delay < required) revert ExitWindowTooShort(delay, required);
    }

    /// @inheritdoc IOnChainProposer
    function checkSecurityCouncil(address council) public view {
        if (exitWindowFloor != 0 && council != address(0) && !AccountCode.isContract(council)) {
            revert CouncilMustBeContract(council);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------------

    /// @dev Verifies one batch with one proof per required verifier, sets its finality time, consumes its
    ///      privileged transactions and publishes its message root.
    function _verifyBatch(uint256 batchNumber, bytes[] calldata proofs) internal {
        BatchCommitment storage previous = _batches[batchNumber - 1];
        BatchCommitment storage batch = _batches[batchNumber];
        uint256 verifierCount = _verifierIds.length;
        if (proofs.length != verifierCount) revert ProofCountMismatch(batchNumber, verifierCount, proofs.length);

        bytes memory inputs = _publicInputs(previous.newStateRoot, batch);
        bool validityProven = false;
        for (uint256 j = 0; j < verifierCount; j++) {
            if (_verify(_verifierIds[j], batchNumber, inputs, proofs[j])) validityProven = true;
        }

        uint256 finalizedAt = validityProven ? block.timestamp : block.timestamp + finalizationDelay;
        if (finalizedAt < previous.finalizedAt) finalizedAt = previous.finalizedAt;
        batch.finalizedAt = uint64(finalizedAt);

        uint256 privilegedCount = BasaltFormats.rollingHashCount(batch.privilegedRollingHash);
        if (privilegedCount != 0) bridge.consumePrivilegedTxs(privilegedCount);
        if (batch.l1MessagesRoot != bytes32(0)) bridge.publishL1Messages(batchNumber, batch.l1MessagesRoot, finalizedAt);
        emit BatchVerified(batchNumber, batch.newStateRoot, finalizedAt);
    }

    /// @dev Calls verifier `verifierId`; bubbles its revert; true for a validity proof, false for a committee.
    function _verify(uint8 verifierId, uint256 batchNumber, bytes memory inputs, bytes calldata proof)
        internal
        view
        returns (bool validity)
    {
        (bool ok, bytes memory answer) = verifierOf[verifierId].staticcall(
            abi.encodeCall(IBatchVerifier.verify, (batchNumber, inputs, proof))
        );
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(answer, 32), mload(answer))
            }
        }
        bytes32 result = answer.length == 32 ? abi.decode(answer, (bytes32)) : bytes32(0);
        if (result == VERIFIED_BY_VALIDITY_PROOF) return true;
        if (result != VERIFIED_BY_COMMITTEE) revert VerifierDidNotAccept(verifierId, batchNumber);
    }

    /// @dev The commitment to the blobs this transaction carries (EIP-4844 BLOBHASH reads index i until the
    ///      first zero, i.e. past the last blob): `BasaltFormats.blobsHash` of their versioned hashes and their
    ///      number. Rollup mode requires 1..MAX_BLOBS_PER_BATCH blobs, validium mode none (0, 0).
    function _transactionBlobs() internal view returns (bytes32 blobsHash, uint8 blobCount) {
        uint256 count = 0;
        // Bounded by the transaction's blob list, which L1 caps (6 per transaction since Osaka).
        while (blobhash(count) != bytes32(0)) count++;
        if (validium) {
            if (count != 0) revert BlobNotAllowed();
            return (bytes32(0), 0);
        }
        if (count == 0) revert BlobRequired();
        if (count > MAX_BLOBS_PER_BATCH) revert TooManyBlobs(count, MAX_BLOBS_PER_BATCH);
        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            hashes[i] = blobhash(i);
        }
        return (BasaltFormats.blobsHash(hashes), uint8(count));
    }

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
                blobsHash: batch.blobVersionedHash,
                lastBlockHash: batch.lastBlockHash,
                chainId: l2ChainId,
                nonPrivilegedTxCount: batch.nonPrivilegedTxCount
            })
        );
    }

    function _setSequencer(address account, bool allowed) internal {
        if (account == address(0)) revert ZeroAddress();
        if (isSequencer[account] != allowed) {
            isSequencer[account] = allowed;
            if (allowed) sequencerCount += 1;
            else sequencerCount -= 1;
        }
        emit SequencerUpdated(account, allowed);
    }

    function _setSecurityCouncil(address council) internal {
        checkSecurityCouncil(council);
        securityCouncil = council;
        emit SecurityCouncilUpdated(council);
    }

    function _setFinalizationDelay(uint64 delay) internal {
        if (delay > MAX_FINALIZATION_DELAY) revert InvalidParameter();
        finalizationDelay = delay;
        emit FinalizationDelayUpdated(delay);
    }

    function _setProvingAllowance(uint64 allowance) internal {
        if (allowance > MAX_PROVING_ALLOWANCE) revert InvalidParameter();
        provingAllowance = allowance;
        emit ProvingAllowanceUpdated(allowance);
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
