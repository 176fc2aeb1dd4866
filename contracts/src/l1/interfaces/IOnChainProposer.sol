// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title IOnChainProposer
/// @notice The rollup's settlement contract: the sequencer commits batches, proofs verify them, and a
///         verified batch becomes final (its withdrawals claimable) after the finalization delay when only
///         a committee vouched for it.
interface IOnChainProposer {
    /// @notice What L1 stores about a committed batch.
    /// @param blobVersionedHash The batch's blob commitment `BasaltFormats.blobsHash` over the versioned hashes
    ///                    of its commit transaction's blobs: the one blob's versioned hash, a hash chain over
    ///                    several, 0 in validium mode. (Named for the one-blob case, which it still equals;
    ///                    renaming stored state is not upgrade-safe.)
    /// @param finalizedAt When the batch is (or became) final: 0 until verified; the verification time for
    ///                    a validity proof; verification time + finalization delay for committee proofs only
    ///                    (never earlier than the previous batch's).
    /// @param blobCount   Number of blobs the batch spans (0 in validium mode, and for batches committed before
    ///                    this field was appended, which carried one blob in rollup mode).
    struct BatchCommitment {
        bytes32 newStateRoot;
        bytes32 l1MessagesRoot;
        bytes32 privilegedRollingHash;
        bytes32 blobVersionedHash;
        bytes32 lastBlockHash;
        uint64 nonPrivilegedTxCount;
        uint64 finalizedAt;
        // ---- appended in the multi-blob upgrade (issue 11) ----
        uint8 blobCount;
    }

    /// @notice Parameters of `initialize`.
    /// @param owner             Governance (the timelock); upgrades and configures.
    /// @param bridge            The CommonBridge proxy.
    /// @param securityCouncil   May pause, unpause, revert non-final batches and remove (never add) sequencers
    ///                          and attesters. A contract (multisig) when `exitWindowFloor` is non-zero.
    /// @param sequencers        Accounts allowed to commit batches.
    /// @param verifierIds       Ids of the required proof systems (non-zero, distinct).
    /// @param verifiers         Verifier contract for each id.
    /// @param l2ChainId         Chain id of the L2; part of the public inputs.
    /// @param genesisStateRoot  State root of L2 block 0 (batch 0).
    /// @param validium          True: batches carry no blob (data is kept off L1).
    /// @param devNoVerifier     True: a development chain (L1 chain id 31337 or 1337 only); batches may be
    ///                          verified with no verifier.
    /// @param finalizationDelay Seconds a batch verified by committee proofs only waits before its withdrawals
    ///                          are claimable (the council may revert it meanwhile); <= MAX_FINALIZATION_DELAY.
    /// @param provingAllowance  Seconds the operator declares it needs to commit and prove a batch that
    ///                          includes a forced transaction; part of the exit window; <= MAX_PROVING_ALLOWANCE.
    /// @param exitWindowFloor   The deployment profile's exit window: 0 (dev), 7 days (stage 1), 30 days
    ///                          (stage 2). When non-zero the governance timelock delay must always be at least
    ///                          exitWindowFloor + inclusionPeriod + provingAllowance + finalizationDelay.
    struct InitParams {
        address owner;
        address bridge;
        address securityCouncil;
        address[] sequencers;
        uint8[] verifierIds;
        address[] verifiers;
        uint256 l2ChainId;
        bytes32 genesisStateRoot;
        bool validium;
        bool devNoVerifier;
        uint64 finalizationDelay;
        uint64 provingAllowance;
        uint64 exitWindowFloor;
    }

    /// @notice Batch committed. `blobsHash` commits to the versioned hashes of the commit transaction's
    ///         `blobCount` blobs (`BasaltFormats.blobsHash`; 0 and 0 in validium mode): a follower recomputes
    ///         it from the transaction's `blobVersionedHashes`.
    event BatchCommitted(
        uint256 indexed batchNumber,
        bytes32 newStateRoot,
        bytes32 l1MessagesRoot,
        bytes32 privilegedRollingHash,
        bytes32 blobsHash,
        uint8 blobCount,
        bytes32 lastBlockHash,
        uint64 nonPrivilegedTxCount
    );
    /// @notice Batch verified; its withdrawals are claimable from `finalizedAt`.
    event BatchVerified(uint256 indexed batchNumber, bytes32 newStateRoot, uint256 finalizedAt);
    /// @notice Batches [firstBatch, lastBatch] were discarded (none of them final).
    event BatchesReverted(uint256 indexed firstBatch, uint256 lastBatch);
    event SequencerUpdated(address indexed account, bool allowed);
    event VerifierUpdated(uint8 indexed verifierId, address verifier);
    event SecurityCouncilUpdated(address securityCouncil);
    event FinalizationDelayUpdated(uint256 finalizationDelay);
    event ProvingAllowanceUpdated(uint256 provingAllowance);

    error ZeroAddress();
    error NotSequencer(address caller);
    error NotOwnerOrCouncil(address caller);
    error UnexpectedBatchNumber(uint256 expected, uint256 got);
    error InvalidStateRoot();
    /// @notice Rollup mode: the commit transaction carries no blob.
    error BlobRequired();
    /// @notice Validium mode: the commit transaction carries a blob.
    error BlobNotAllowed();
    /// @notice Rollup mode: the commit transaction carries more blobs than one batch may span.
    error TooManyBlobs(uint256 count, uint256 max);
    /// @notice The committed rolling hash differs from the bridge's pending queue for that count.
    error PrivilegedHashMismatch(bytes32 expected, bytes32 got);
    error NoBatchesToVerify();
    error BatchNotCommitted(uint256 batchNumber);
    /// @notice The batch is final (or is batch 0): it can never be reverted.
    error BatchAlreadyFinal(uint256 batchNumber);
    /// @notice A batch came with a different number of proofs than required verifiers.
    error ProofCountMismatch(uint256 batchNumber, uint256 expected, uint256 got);
    /// @notice A verifier returned without one of the two acceptance values (it did not verify the batch).
    error VerifierDidNotAccept(uint8 verifierId, uint256 batchNumber);
    /// @notice A privileged transaction past its deadline would stay uncommitted after this batch, and the
    ///         batch has ordinary transactions.
    error ForcedInclusionRequired(uint256 batchNumber);
    /// @notice A non-development deployment must always have at least one verifier.
    error NoVerifierConfigured();
    /// @notice `devNoVerifier` outside a development L1 chain id, or on a staged deployment.
    error DevModeNotAllowed(uint256 l1ChainId);
    error InvalidVerifierId(uint8 verifierId);
    error DuplicateVerifierId(uint8 verifierId);
    error TooManyVerifiers();
    error ArrayLengthMismatch();
    /// @notice A governance parameter is out of its allowed range.
    error InvalidParameter();
    /// @notice The council may not remove the last sequencer (governance may).
    error LastSequencer(address account);
    /// @notice On a staged deployment the security council must be a contract (a multisig), not a key.
    error CouncilMustBeContract(address council);
    /// @notice The governance delay is shorter than the exit window this deployment promises.
    error ExitWindowTooShort(uint256 governanceDelay, uint256 required);
    /// @notice On a staged deployment the owner must be a timelock (answer `getMinDelay()`).
    error OwnerNotTimelock(address owner);

    function commitBatch(
        uint256 batchNumber,
        bytes32 newStateRoot,
        bytes32 l1MessagesRoot,
        bytes32 privilegedRollingHash,
        bytes32 lastBlockHash,
        uint64 nonPrivilegedTxCount
    ) external;
    function verifyBatches(uint256 firstBatch, bytes[][] calldata proofs) external;
    function revertBatch(uint256 batchNumber) external;

    function lastCommittedBatch() external view returns (uint256);
    function lastVerifiedBatch() external view returns (uint256);
    function getBatch(uint256 batchNumber) external view returns (BatchCommitment memory);
    function publicInputs(uint256 batchNumber) external view returns (bytes memory);
    function verifierIds() external view returns (uint8[] memory);
    /// @notice True when `batchNumber` is verified and its finalization delay has passed (batch 0 always).
    function isBatchFinal(uint256 batchNumber) external view returns (bool);
    /// @notice The deployment profile's exit window (0 on a development deployment).
    function exitWindowFloor() external view returns (uint64);
    /// @notice Governance delay the deployment requires with inclusion period `inclusionPeriod`:
    ///         exitWindowFloor + inclusionPeriod + provingAllowance + finalizationDelay (0 on development).
    function requiredGovernanceDelay(uint256 inclusionPeriod) external view returns (uint256);
    /// @notice Reverts `ExitWindowTooShort` when the owner timelock's delay is below
    ///         `requiredGovernanceDelay(bridge.inclusionPeriod())` (no-op on a development deployment).
    function checkExitWindow() external view;
    /// @notice `checkExitWindow` with a given inclusion period (the bridge checks a new value before it
    ///         takes effect).
    function checkExitWindowWith(uint256 inclusionPeriod) external view;
    /// @notice Reverts `CouncilMustBeContract` when `council` is a keyed account on a staged deployment.
    function checkSecurityCouncil(address council) external view;
}
