// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title IOnChainProposer
/// @notice The rollup's settlement contract: the sequencer commits batches, proofs verify them.
interface IOnChainProposer {
    /// @notice What L1 stores about a committed batch.
    struct BatchCommitment {
        bytes32 newStateRoot;
        bytes32 l1MessagesRoot;
        bytes32 privilegedRollingHash;
        bytes32 blobVersionedHash;
        bytes32 lastBlockHash;
        uint64 nonPrivilegedTxCount;
    }

    /// @notice Parameters of `initialize`.
    /// @param owner             Governance (the timelock); upgrades and configures.
    /// @param bridge            The CommonBridge proxy.
    /// @param securityCouncil   May pause, unpause and revert unverified batches.
    /// @param sequencers        Accounts allowed to commit batches.
    /// @param verifierIds       Ids of the required proof systems (non-zero, distinct).
    /// @param verifiers         Verifier contract for each id.
    /// @param l2ChainId         Chain id of the L2; part of the public inputs.
    /// @param genesisStateRoot  State root of L2 block 0 (batch 0).
    /// @param validium          True: batches carry no blob (data is kept off L1).
    /// @param devNoVerifier     True: a development chain; batches may be verified with no verifier.
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
    }

    event BatchCommitted(
        uint256 indexed batchNumber,
        bytes32 newStateRoot,
        bytes32 l1MessagesRoot,
        bytes32 privilegedRollingHash,
        bytes32 blobVersionedHash,
        bytes32 lastBlockHash,
        uint64 nonPrivilegedTxCount
    );
    event BatchVerified(uint256 indexed batchNumber, bytes32 newStateRoot);
    /// @notice Batches [firstBatch, lastBatch] were discarded.
    event BatchesReverted(uint256 indexed firstBatch, uint256 lastBatch);
    event SequencerUpdated(address indexed account, bool allowed);
    event VerifierUpdated(uint8 indexed verifierId, address verifier);
    event SecurityCouncilUpdated(address securityCouncil);

    error ZeroAddress();
    error NotSequencer(address caller);
    error NotOwnerOrCouncil(address caller);
    error UnexpectedBatchNumber(uint256 expected, uint256 got);
    error InvalidStateRoot();
    /// @notice Rollup mode: the commit transaction carries no blob.
    error BlobRequired();
    /// @notice Validium mode: the commit transaction carries a blob.
    error BlobNotAllowed();
    /// @notice The committed rolling hash differs from the bridge's pending queue for that count.
    error PrivilegedHashMismatch(bytes32 expected, bytes32 got);
    error NoBatchesToVerify();
    error BatchNotCommitted(uint256 batchNumber);
    error BatchAlreadyVerified(uint256 batchNumber);
    /// @notice A batch came with a different number of proofs than required verifiers.
    error ProofCountMismatch(uint256 batchNumber, uint256 expected, uint256 got);
    /// @notice A privileged transaction is past its deadline and this batch has ordinary transactions.
    error ForcedInclusionRequired(uint256 batchNumber);
    /// @notice A non-development deployment must always have at least one verifier.
    error NoVerifierConfigured();
    error InvalidVerifierId(uint8 verifierId);
    error DuplicateVerifierId(uint8 verifierId);
    error TooManyVerifiers();
    error ArrayLengthMismatch();

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
}
