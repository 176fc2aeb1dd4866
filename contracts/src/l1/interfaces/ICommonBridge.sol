// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title ICommonBridge
/// @notice L1 side of the bridge: deposits and arbitrary L1 -> L2 calls become privileged transactions
///         in a FIFO queue; withdrawals are claimed with a Merkle proof against a final batch's
///         L1-message root.
interface ICommonBridge {
    /// @notice Everything the L2 needs to rebuild a privileged transaction (type 0x7e).
    /// @param l1Sender      The L1 account that paid (msg.sender of the L1 call).
    /// @param from          The L2 sender of the privileged transaction.
    /// @param to            The L2 account called by the privileged transaction.
    /// @param transactionId The privileged transaction's id; its nonce on L2.
    /// @param mint          Wei credited to `from` on L2 first (the L1 msg.value); kept even if the call fails.
    /// @param value         Wei sent with the call, drawn from `from`'s L2 balance after the mint.
    /// @param gasLimit      L2 gas limit of the transaction (paid for on L1).
    /// @param data          L2 calldata.
    /// @param deadline      Inclusion deadline on the inclusion clock (`inclusionClock()`: the L1 timestamp
    ///                      minus the time the rollup has spent paused). Once the clock passes it, no batch
    ///                      with ordinary transactions can be committed until this transaction is.
    event PrivilegedTxSent(
        address indexed l1Sender,
        address indexed from,
        address indexed to,
        uint256 transactionId,
        uint256 mint,
        uint256 value,
        uint256 gasLimit,
        bytes data,
        uint256 deadline
    );
    /// @notice The rollup verified a batch that included `count` queued transactions from `firstId` on.
    event PrivilegedTxsConsumed(uint256 indexed firstId, uint256 count);
    /// @notice Verified batches were reverted: `count` transactions from `firstId` on are pending again.
    event PrivilegedTxsRestored(uint256 indexed firstId, uint256 count);
    /// @notice A verified batch's L1-message root becomes claimable at `finalizedAt`.
    event L1MessagesPublished(uint256 indexed batchNumber, bytes32 root, uint256 finalizedAt);
    /// @notice The L1-message root of a verified, not yet final batch was withdrawn (the batch was reverted).
    event L1MessagesWithdrawn(uint256 indexed batchNumber);
    /// @notice A withdrawal was paid out on L1.
    event WithdrawalClaimed(
        address indexed tokenL1,
        address indexed tokenL2,
        address indexed recipient,
        uint256 amount,
        uint256 batchNumber,
        uint256 messageId
    );
    event L2GasLimitsUpdated(uint256 depositGasLimit, uint256 maxL2GasLimit, uint256 l2BlockGasLimit);
    event InclusionPeriodUpdated(uint256 inclusionPeriod);
    event SecurityCouncilUpdated(address securityCouncil);
    /// @notice The rollup was paused until `until` (or unpaused, when `until` is now): the inclusion clock
    ///         stops while it is paused.
    event RollupPauseRecorded(uint256 until);

    error ZeroAddress();
    error ZeroAmount();
    /// @notice An ether deposit below MIN_ETH_DEPOSIT.
    error DepositTooSmall(uint256 amount, uint256 minimum);
    /// @notice The caller is not the OnChainProposer.
    error NotRollup(address caller);
    /// @notice The caller is neither the owner (governance) nor the security council.
    error NotOwnerOrCouncil(address caller);
    /// @notice `gasLimit` is outside [minimum, maximum] allowed for this L2 call (minimum = the calldata's
    ///         intrinsic gas with the EIP-7623 floor).
    error InvalidGasLimit(uint256 gasLimit, uint256 minimum, uint256 maximum);
    /// @notice L2 calldata longer than MAX_PRIVILEGED_CALLDATA.
    error CalldataTooLarge(uint256 length, uint256 maximum);
    /// @notice A governance parameter is out of its allowed range.
    error InvalidParameter();
    /// @notice The ether token marker (or zero) was passed where an ERC20 is required.
    error InvalidToken(address token);
    /// @notice The range [firstId, firstId + count) is not entirely in the pending queue.
    error PrivilegedTxsNotPending(uint256 firstId, uint256 count);
    /// @notice More privileged transactions than one rolling hash can carry.
    error TooManyPrivilegedTxs(uint256 count);
    /// @notice No L1-message root was published for this batch (not verified, or no messages).
    error BatchNotVerified(uint256 batchNumber);
    /// @notice The batch is verified but its finalization delay has not passed.
    error BatchNotFinal(uint256 batchNumber, uint256 finalizedAt);
    error InvalidMerkleProof();
    error WithdrawalAlreadyClaimed(bytes32 messageHash);
    /// @notice Paying out `requested` would release more of this token pair than was deposited.
    error InsufficientDeposits(address tokenL1, address tokenL2, uint256 available, uint256 requested);
    error EthTransferFailed(address recipient, uint256 amount);
    /// @notice Too little gas left to give a token-metadata call its whole METADATA_CALL_GAS.
    error InsufficientGasForMetadata(uint256 available, uint256 required);

    function deposit(address l2Recipient) external payable;
    /// @notice Deposits `amount` of `tokenL1` to `l2Recipient` as `tokenL2`, an L2 token of the caller's choice
    ///         that must declare `tokenL1` (`l1Address()`); for tokens with their own L2 representation.
    function depositERC20(address tokenL1, address tokenL2, address l2Recipient, uint256 amount) external;
    /// @notice Deposits `amount` of `tokenL1` to `l2Recipient` in its canonical L2 token
    ///         (`canonicalL2Token(tokenL1)`), which the L2 creates on the first deposit with the name, symbol and
    ///         decimals read from `tokenL1` now. The default way to bridge an ERC20.
    function depositERC20(address tokenL1, address l2Recipient, uint256 amount) external;
    function sendToL2(address to, uint256 value, uint256 gasLimit, bytes calldata data) external payable;
    function forceWithdrawETH(address l1Recipient, uint256 amount) external;

    function claimWithdrawal(
        address recipient,
        uint256 amount,
        uint256 batchNumber,
        uint256 messageId,
        bytes32[] calldata proof
    ) external;
    function claimWithdrawalERC20(
        address tokenL1,
        address tokenL2,
        address recipient,
        uint256 amount,
        uint256 batchNumber,
        uint256 messageId,
        bytes32[] calldata proof
    ) external;

    /// @notice Address of the canonical L2 token of `tokenL1` (it may not exist yet on L2).
    function canonicalL2Token(address tokenL1) external pure returns (address);
    /// @notice Rolling hash of the pending privileged transactions [firstId, firstId + count).
    function pendingTxsRollingHash(uint256 firstId, uint256 count) external view returns (bytes32);
    /// @notice True when privileged transaction `transactionId` is queued and past its deadline.
    function isPrivilegedTxOverdue(uint256 transactionId) external view returns (bool);
    /// @notice The clock deadlines run on: the L1 timestamp minus the time the rollup has spent paused.
    function inclusionClock() external view returns (uint256);
    /// @notice Seconds a privileged transaction may wait (on the inclusion clock) before forced inclusion.
    function inclusionPeriod() external view returns (uint256);
    /// @notice Id of the oldest privileged transaction not yet consumed by a verified batch.
    function privilegedTxHead() external view returns (uint256);
    /// @notice Id the next privileged transaction will get (= number ever queued).
    function nextPrivilegedTxId() external view returns (uint256);

    /// @notice Called by the rollup when a verified batch consumed `count` queued transactions.
    function consumePrivilegedTxs(uint256 count) external;
    /// @notice Called by the rollup to make a verified batch's withdrawals claimable from `finalizedAt` on.
    function publishL1Messages(uint256 batchNumber, bytes32 root, uint256 finalizedAt) external;
    /// @notice Called by the rollup when verified, not yet final batches [firstBatch, lastBatch] are reverted:
    ///         their message roots are withdrawn and their `privilegedCount` transactions are pending again.
    function revertVerifiedBatches(uint256 firstBatch, uint256 lastBatch, uint256 privilegedCount) external;
    /// @notice Called by the rollup when it is paused until `until`, or unpaused (`until` <= now).
    function recordRollupPause(uint256 until) external;
}
