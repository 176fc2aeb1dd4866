// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {BasaltFormats} from "../common/BasaltFormats.sol";
import {ICommonBridge} from "./interfaces/ICommonBridge.sol";
import {IL2Bridge} from "../l2/interfaces/IL2Bridge.sol";

/// @title CommonBridge
/// @notice L1 end of the bridge. Deposits (ether, ERC20) and arbitrary L1 -> L2 calls become privileged
///         transactions: their hashes go into a FIFO queue with an inclusion deadline, and an event
///         carries everything the L2 needs to rebuild them. Withdrawals are paid out against the
///         L1-message root of a verified batch, with per-token accounting so that no token pair can ever
///         release more than was deposited through it.
/// @dev Behind an ERC1967 proxy (UUPS); owned by the governance timelock (two-step ownership).
///      The reentrancy guard uses transient storage (EIP-1153), so it takes no storage slot.
contract CommonBridge is
    ICommonBridge,
    Initializable,
    UUPSUpgradeable,
    Ownable2StepUpgradeable,
    PausableUpgradeable,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;

    /// @notice Smallest gas limit an L2 call may request (an L2 transaction's intrinsic gas).
    uint256 public constant MIN_L2_GAS_LIMIT = 21_000;
    /// @notice Address of the L2 bridge system contract.
    address public constant L2_BRIDGE = BasaltFormats.L2_BRIDGE;
    /// @notice Token marker for ether in accounting and withdrawal messages.
    address public constant ETH_TOKEN = BasaltFormats.ETH_TOKEN;

    /// @notice The OnChainProposer proxy: the only caller of `consumePrivilegedTxs`/`publishL1Messages`.
    address public rollup;
    /// @notice Chain id of the L2 (part of every privileged transaction hash).
    uint256 public l2ChainId;
    /// @notice May pause and unpause (in addition to the owner).
    address public securityCouncil;
    /// @notice L2 gas limit of the privileged transaction a deposit creates.
    uint256 public depositGasLimit;
    /// @notice Largest L2 gas limit `sendToL2` accepts (must fit in an L2 block).
    uint256 public maxL2GasLimit;
    /// @notice Seconds a privileged transaction may wait before forced inclusion applies.
    uint256 public inclusionPeriod;
    /// @inheritdoc ICommonBridge
    uint256 public nextPrivilegedTxId;
    /// @inheritdoc ICommonBridge
    uint256 public privilegedTxHead;
    /// @notice Hash of each queued privileged transaction, by id.
    mapping(uint256 transactionId => bytes32 txHash) public privilegedTxHash;
    /// @notice Inclusion deadline of each queued privileged transaction, by id (non-decreasing in id).
    mapping(uint256 transactionId => uint256 deadline) public privilegedTxDeadline;
    /// @notice Amount bridged to L2 and not yet withdrawn, per (L1 token, L2 token) pair; ether is
    ///         (ETH_TOKEN, ETH_TOKEN).
    mapping(address tokenL1 => mapping(address tokenL2 => uint256 amount)) public deposits;
    /// @notice L1-message Merkle root of each verified batch that sent messages.
    mapping(uint256 batchNumber => bytes32 root) public l1MessagesRoot;
    /// @notice Withdrawal leaves already paid out.
    mapping(bytes32 messageHash => bool) public claimed;

    modifier onlyRollup() {
        if (msg.sender != rollup) revert NotRollup(msg.sender);
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

    /// @notice Initialises the proxy.
    function initialize(
        address owner_,
        address rollup_,
        uint256 l2ChainId_,
        address securityCouncil_,
        uint256 depositGasLimit_,
        uint256 maxL2GasLimit_,
        uint256 inclusionPeriod_
    ) external initializer {
        if (owner_ == address(0) || rollup_ == address(0)) revert ZeroAddress();
        __Ownable_init(owner_);
        __Ownable2Step_init();
        __Pausable_init();
        rollup = rollup_;
        l2ChainId = l2ChainId_;
        securityCouncil = securityCouncil_;
        emit SecurityCouncilUpdated(securityCouncil_);
        _setL2GasLimits(depositGasLimit_, maxL2GasLimit_);
        _setInclusionPeriod(inclusionPeriod_);
    }

    // ----------------------------------------------------------------------------------------------
    // L1 -> L2
    // ----------------------------------------------------------------------------------------------

    /// @notice Sending ether to the bridge deposits it to the same address on L2.
    receive() external payable {
        _depositEth(msg.sender);
    }

    /// @inheritdoc ICommonBridge
    function deposit(address l2Recipient) external payable {
        _depositEth(l2Recipient);
    }

    /// @inheritdoc ICommonBridge
    /// @dev Credits what the bridge actually received (fee-on-transfer tokens credit less). The L2 bridge
    ///      mints only if `tokenL2` declares `tokenL1` as its L1 token; otherwise it sends the tokens back.
    function depositERC20(address tokenL1, address tokenL2, address l2Recipient, uint256 amount)
        external
        whenNotPaused
        nonReentrant
    {
        if (tokenL1 == address(0) || tokenL1 == ETH_TOKEN) revert InvalidToken(tokenL1);
        if (tokenL2 == address(0) || tokenL2 == ETH_TOKEN) revert InvalidToken(tokenL2);
        if (l2Recipient == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();

        uint256 balanceBefore = IERC20(tokenL1).balanceOf(address(this));
        IERC20(tokenL1).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(tokenL1).balanceOf(address(this)) - balanceBefore;
        if (received == 0) revert ZeroAmount();

        deposits[tokenL1][tokenL2] += received;
        bytes memory data = abi.encodeCall(IL2Bridge.mintERC20, (msg.sender, tokenL1, tokenL2, l2Recipient, received));
        _enqueue(L2_BRIDGE, L2_BRIDGE, 0, depositGasLimit, data);
    }

    /// @inheritdoc ICommonBridge
    /// @dev Burns `gasLimit` gas on L1 so that L2 execution is paid for at L1 prices. The L2 sender is
    ///      the caller when it is an externally owned account (`msg.sender == tx.origin`) and the
    ///      aliased caller otherwise.
    function sendToL2(address to, uint256 gasLimit, bytes calldata data) external payable whenNotPaused {
        if (gasLimit < MIN_L2_GAS_LIMIT || gasLimit > maxL2GasLimit) {
            revert InvalidGasLimit(gasLimit, MIN_L2_GAS_LIMIT, maxL2GasLimit);
        }
        _burnGas(gasLimit);
        address from = msg.sender == tx.origin ? msg.sender : BasaltFormats.applyAlias(msg.sender);
        if (msg.value != 0) deposits[ETH_TOKEN][ETH_TOKEN] += msg.value;
        _enqueue(from, to, msg.value, gasLimit, data);
    }

    // ----------------------------------------------------------------------------------------------
    // L2 -> L1
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ICommonBridge
    /// @dev Pays `amount` wei to the caller, who must be the withdrawal's L1 recipient.
    function claimWithdrawal(uint256 amount, uint256 batchNumber, uint256 messageId, bytes32[] calldata proof)
        external
        whenNotPaused
        nonReentrant
    {
        _claim(ETH_TOKEN, ETH_TOKEN, amount, batchNumber, messageId, proof);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert EthTransferFailed(msg.sender, amount);
    }

    /// @inheritdoc ICommonBridge
    /// @dev Pays `amount` of `tokenL1` to the caller, who must be the withdrawal's L1 recipient.
    function claimWithdrawalERC20(
        address tokenL1,
        address tokenL2,
        uint256 amount,
        uint256 batchNumber,
        uint256 messageId,
        bytes32[] calldata proof
    ) external whenNotPaused nonReentrant {
        if (tokenL1 == ETH_TOKEN) revert InvalidToken(tokenL1);
        _claim(tokenL1, tokenL2, amount, batchNumber, messageId, proof);
        IERC20(tokenL1).safeTransfer(msg.sender, amount);
    }

    // ----------------------------------------------------------------------------------------------
    // Rollup hooks
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ICommonBridge
    function consumePrivilegedTxs(uint256 count) external onlyRollup {
        uint256 head = privilegedTxHead;
        if (head + count > nextPrivilegedTxId) revert PrivilegedTxsNotPending(head, count);
        privilegedTxHead = head + count;
        emit PrivilegedTxsConsumed(head, count);
    }

    /// @inheritdoc ICommonBridge
    function publishL1Messages(uint256 batchNumber, bytes32 root) external onlyRollup {
        l1MessagesRoot[batchNumber] = root;
        emit L1MessagesPublished(batchNumber, root);
    }

    // ----------------------------------------------------------------------------------------------
    // Governance
    // ----------------------------------------------------------------------------------------------

    /// @notice Sets the L2 gas limit of deposits and the largest gas limit `sendToL2` accepts.
    function setL2GasLimits(uint256 depositGasLimit_, uint256 maxL2GasLimit_) external onlyOwner {
        _setL2GasLimits(depositGasLimit_, maxL2GasLimit_);
    }

    /// @notice Sets the inclusion period of privileged transactions queued from now on.
    function setInclusionPeriod(uint256 inclusionPeriod_) external onlyOwner {
        _setInclusionPeriod(inclusionPeriod_);
    }

    /// @notice Sets the account that may pause and unpause (zero disables it).
    function setSecurityCouncil(address council) external onlyOwner {
        securityCouncil = council;
        emit SecurityCouncilUpdated(council);
    }

    /// @notice Stops deposits, L2 calls and claims.
    function pause() external onlyOwnerOrCouncil {
        _pause();
    }

    /// @notice Resumes deposits, L2 calls and claims.
    function unpause() external onlyOwnerOrCouncil {
        _unpause();
    }

    // ----------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ICommonBridge
    function pendingTxsRollingHash(uint256 firstId, uint256 count) external view returns (bytes32) {
        if (count > BasaltFormats.MAX_PRIVILEGED_TXS_PER_BATCH) revert TooManyPrivilegedTxs(count);
        if (firstId < privilegedTxHead || firstId + count > nextPrivilegedTxId) {
            revert PrivilegedTxsNotPending(firstId, count);
        }
        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            hashes[i] = privilegedTxHash[firstId + i];
        }
        return BasaltFormats.rollingHash(hashes);
    }

    /// @inheritdoc ICommonBridge
    /// @dev Deadlines never decrease along the queue, so the oldest pending one decides.
    function hasExpiredPrivilegedTxs() external view returns (bool) {
        uint256 head = privilegedTxHead;
        return head < nextPrivilegedTxId && block.timestamp > privilegedTxDeadline[head];
    }

    /// @notice Number of privileged transactions not yet consumed by a verified batch.
    function pendingPrivilegedTxCount() external view returns (uint256) {
        return nextPrivilegedTxId - privilegedTxHead;
    }

    /// @notice The Merkle leaf a withdrawal of `amount` to `recipient` sent as L2 message `messageId` has.
    function withdrawalLeaf(address tokenL1, address tokenL2, address recipient, uint256 amount, uint256 messageId)
        public
        pure
        returns (bytes32)
    {
        return BasaltFormats.l1MessageHash(
            L2_BRIDGE, BasaltFormats.withdrawalData(tokenL1, tokenL2, recipient, amount), messageId
        );
    }

    // ----------------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------------

    function _depositEth(address l2Recipient) internal whenNotPaused {
        if (msg.value == 0) revert ZeroAmount();
        if (l2Recipient == address(0)) revert ZeroAddress();
        deposits[ETH_TOKEN][ETH_TOKEN] += msg.value;
        bytes memory data = abi.encodeCall(IL2Bridge.mintETH, (msg.sender, l2Recipient));
        _enqueue(L2_BRIDGE, L2_BRIDGE, msg.value, depositGasLimit, data);
    }

    function _enqueue(address from, address to, uint256 value, uint256 gasLimit, bytes memory data) internal {
        uint256 id = nextPrivilegedTxId;
        bytes32 txHash = BasaltFormats.privilegedTxHash(l2ChainId, from, to, id, value, gasLimit, data);
        uint256 deadline = block.timestamp + inclusionPeriod;
        if (id != 0 && privilegedTxDeadline[id - 1] > deadline) deadline = privilegedTxDeadline[id - 1];
        privilegedTxHash[id] = txHash;
        privilegedTxDeadline[id] = deadline;
        nextPrivilegedTxId = id + 1;
        emit PrivilegedTxSent(msg.sender, from, to, id, value, gasLimit, data, deadline);
    }

    function _claim(
        address tokenL1,
        address tokenL2,
        uint256 amount,
        uint256 batchNumber,
        uint256 messageId,
        bytes32[] calldata proof
    ) internal {
        if (amount == 0) revert ZeroAmount();
        bytes32 root = l1MessagesRoot[batchNumber];
        if (root == bytes32(0)) revert BatchNotVerified(batchNumber);
        bytes32 leaf = withdrawalLeaf(tokenL1, tokenL2, msg.sender, amount, messageId);
        if (claimed[leaf]) revert WithdrawalAlreadyClaimed(leaf);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidMerkleProof();
        uint256 available = deposits[tokenL1][tokenL2];
        if (amount > available) revert InsufficientDeposits(tokenL1, tokenL2, available, amount);

        claimed[leaf] = true;
        deposits[tokenL1][tokenL2] = available - amount;
        emit WithdrawalClaimed(tokenL1, tokenL2, msg.sender, amount, batchNumber, messageId);
    }

    /// @dev Spends at least `amount` gas doing nothing.
    function _burnGas(uint256 amount) internal view {
        uint256 start = gasleft();
        while (start - gasleft() < amount) {}
    }

    function _setL2GasLimits(uint256 depositGasLimit_, uint256 maxL2GasLimit_) internal {
        if (depositGasLimit_ < MIN_L2_GAS_LIMIT || maxL2GasLimit_ < depositGasLimit_) revert InvalidParameter();
        depositGasLimit = depositGasLimit_;
        maxL2GasLimit = maxL2GasLimit_;
        emit L2GasLimitsUpdated(depositGasLimit_, maxL2GasLimit_);
    }

    function _setInclusionPeriod(uint256 inclusionPeriod_) internal {
        if (inclusionPeriod_ == 0) revert InvalidParameter();
        inclusionPeriod = inclusionPeriod_;
        emit InclusionPeriodUpdated(inclusionPeriod_);
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}
}
