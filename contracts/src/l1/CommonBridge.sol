// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Ownable2StepUpgradeable} from "@openzeppelin/contracts-upgradeable/access/Ownable2StepUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {AccountCode} from "../common/AccountCode.sol";
import {BasaltFormats} from "../common/BasaltFormats.sol";
import {EmergencyPause} from "./EmergencyPause.sol";
import {ICommonBridge} from "./interfaces/ICommonBridge.sol";
import {IOnChainProposer} from "./interfaces/IOnChainProposer.sol";
import {IL2Bridge} from "../l2/interfaces/IL2Bridge.sol";

/// @title CommonBridge
/// @notice L1 end of the bridge. Deposits (ether, ERC20), arbitrary L1 -> L2 calls and forced ether
///         withdrawals become privileged transactions: their hashes go into a FIFO queue with an inclusion
///         deadline, and an event carries everything the L2 needs to rebuild them. Every privileged
///         transaction pays for its L2 gas with at least as much L1 gas (burned), and its gas limit covers its
///         intrinsic gas, so every queued transaction can be included on L2. Withdrawals are paid out
///         against the L1-message root of a final batch, with per-token accounting so that no token pair
///         can ever release more than was deposited through it.
/// @dev Behind an ERC1967 proxy (UUPS); owned by the governance timelock (two-step ownership).
///      The reentrancy guard uses transient storage (EIP-1153), so it takes no storage slot.
contract CommonBridge is
    ICommonBridge,
    Initializable,
    UUPSUpgradeable,
    Ownable2StepUpgradeable,
    EmergencyPause,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;

    /// @notice Smallest `depositGasLimit`: intrinsic gas of the largest deposit calldata (with the EIP-7623
    ///         floor), a cold ERC20 mint, and the L2 bridge's refund reserve (see docs/contracts.md).
    uint256 public constant MIN_DEPOSIT_GAS_LIMIT = 150_000;
    /// @notice Smallest L2 gas limit of a deposit to a canonical L2 token (`depositERC20(tokenL1, l2Recipient,
    ///         amount)`), which may create the token: the worst case (cold creation with the longest metadata and
    ///         calldata, then a cold mint, the refund reserve included) needs 360,785, measured in
    ///         CanonicalTokens.t.sol; the rest is margin. Such a deposit uses max(depositGasLimit, this).
    uint256 public constant CANONICAL_DEPOSIT_GAS_LIMIT = 400_000;
    /// @notice Gas each static call reading an L1 token's `name`, `symbol` or `decimals` gets.
    uint256 public constant METADATA_CALL_GAS = 50_000;
    /// @notice Longest `name` or `symbol` (bytes) passed to the L2; a longer one is replaced by the default.
    uint256 public constant MAX_TOKEN_STRING_BYTES = 64;
    /// @notice Name, symbol and decimals a canonical L2 token gets when its L1 token does not answer them
    ///         usably (reverts, returns nothing, an empty or over-long string, or a decimals word above 255).
    string public constant DEFAULT_TOKEN_NAME = "Bridged Token";
    string public constant DEFAULT_TOKEN_SYMBOL = "BRIDGED";
    uint8 public constant DEFAULT_TOKEN_DECIMALS = 18;
    /// @notice Smallest ether deposit (wei).
    uint256 public constant MIN_ETH_DEPOSIT = 0.0001 ether;
    /// @notice Bounds of `inclusionPeriod` (seconds).
    uint256 public constant MIN_INCLUSION_PERIOD = 5 minutes;
    uint256 public constant MAX_INCLUSION_PERIOD = 30 days;
    /// @notice EIP-7825 cap on a transaction's gas limit: `maxL2GasLimit` never exceeds it.
    uint256 public constant MAX_TX_GAS_LIMIT = BasaltFormats.MAX_TX_GAS_LIMIT;
    /// @notice Largest L2 calldata of a privileged transaction (bytes).
    uint256 public constant MAX_PRIVILEGED_CALLDATA = BasaltFormats.MAX_PRIVILEGED_CALLDATA;
    /// @notice Address of the L2 bridge system contract.
    address public constant L2_BRIDGE = BasaltFormats.L2_BRIDGE;
    /// @notice Token marker for ether in accounting and withdrawal messages.
    address public constant ETH_TOKEN = BasaltFormats.ETH_TOKEN;

    /// @notice The OnChainProposer proxy: the only caller of the rollup hooks.
    address public rollup;
    /// @notice Chain id of the L2 (part of every privileged transaction hash).
    uint256 public l2ChainId;
    /// @notice May pause and unpause (in addition to the owner).
    address public securityCouncil;
    /// @notice L2 gas limit of the privileged transactions deposits and forced withdrawals create.
    uint256 public depositGasLimit;
    /// @notice Largest L2 gas limit `sendToL2` accepts (<= l2BlockGasLimit and <= 2^24).
    uint256 public maxL2GasLimit;
    /// @notice Seconds (on the inclusion clock) a privileged transaction may wait before forced inclusion.
    uint256 public inclusionPeriod;
    /// @inheritdoc ICommonBridge
    uint256 public nextPrivilegedTxId;
    /// @inheritdoc ICommonBridge
    uint256 public privilegedTxHead;
    /// @notice Hash of each queued privileged transaction, by id.
    mapping(uint256 transactionId => bytes32 txHash) public privilegedTxHash;
    /// @notice Inclusion deadline of each queued privileged transaction on the inclusion clock, by id
    ///         (non-decreasing in id).
    mapping(uint256 transactionId => uint256 deadline) public privilegedTxDeadline;
    /// @notice Amount bridged to L2 and not yet withdrawn, per (L1 token, L2 token) pair; ether is
    ///         (ETH_TOKEN, ETH_TOKEN).
    mapping(address tokenL1 => mapping(address tokenL2 => uint256 amount)) public deposits;
    /// @notice L1-message Merkle root of each verified batch that sent messages.
    mapping(uint256 batchNumber => bytes32 root) public l1MessagesRoot;
    /// @notice Withdrawal leaves already paid out.
    mapping(bytes32 messageHash => bool) public claimed;
    // ---- appended in the contracts-hardening upgrade (issue 9) ----
    /// @notice Block gas limit the L2 guarantees (declared by governance; the L2 keeps at least this).
    uint256 public l2BlockGasLimit;
    /// @notice When each published L1-message root becomes claimable.
    mapping(uint256 batchNumber => uint256 timestamp) public l1MessagesFinalizedAt;
    /// @notice Seconds the rollup spent paused before its current (or last) pause.
    uint64 public rollupPausedSeconds;
    /// @notice Start of the rollup's current (or last) pause; 0 when none is recorded.
    uint64 public rollupPauseStart;
    /// @notice End of the rollup's current (or last) pause.
    uint64 public rollupPauseEnd;

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

    /// @notice Initialises the proxy. `rollup_` must already be initialised: the council and the exit window
    ///         are checked against its deployment profile.
    function initialize(
        address owner_,
        address rollup_,
        uint256 l2ChainId_,
        address securityCouncil_,
        uint256 depositGasLimit_,
        uint256 maxL2GasLimit_,
        uint256 l2BlockGasLimit_,
        uint256 inclusionPeriod_
    ) external initializer {
        if (owner_ == address(0) || rollup_ == address(0)) revert ZeroAddress();
        __Ownable_init(owner_);
        __Ownable2Step_init();
        __Pausable_init();
        rollup = rollup_;
        l2ChainId = l2ChainId_;
        _setSecurityCouncil(securityCouncil_);
        _setL2GasLimits(depositGasLimit_, maxL2GasLimit_, l2BlockGasLimit_);
        _setInclusionPeriod(inclusionPeriod_);
    }

    // ----------------------------------------------------------------------------------------------
    // L1 -> L2
    // ----------------------------------------------------------------------------------------------

    /// @notice Sending ether to the bridge deposits it on L2 to an account the sender controls: the same
    ///         address for a keyed account (EIP-7702 ones included), the aliased address for a contract.
    receive() external payable {
        _depositEth(_l2Sender());
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
        uint256 startGas = gasleft();
        if (tokenL2 == address(0) || tokenL2 == ETH_TOKEN) revert InvalidToken(tokenL2);
        uint256 received = _receiveTokens(tokenL1, l2Recipient, amount);
        deposits[tokenL1][tokenL2] += received;
        bytes memory data = abi.encodeCall(IL2Bridge.mintERC20, (msg.sender, tokenL1, tokenL2, l2Recipient, received));
        _enqueue(startGas, L2_BRIDGE, L2_BRIDGE, 0, 0, depositGasLimit, data);
    }

    /// @inheritdoc ICommonBridge
    /// @dev Reads the token's metadata with bounded static calls (`_tokenString`, `_tokenDecimals`) before taking
    ///      the tokens, credits what the bridge actually received, and queues `mintCanonicalERC20` with
    ///      max(depositGasLimit, CANONICAL_DEPOSIT_GAS_LIMIT) L2 gas.
    function depositERC20(address tokenL1, address l2Recipient, uint256 amount) external whenNotPaused nonReentrant {
        uint256 startGas = gasleft();
        uint256 gasLimit = depositGasLimit;
        if (gasLimit < CANONICAL_DEPOSIT_GAS_LIMIT) gasLimit = CANONICAL_DEPOSIT_GAS_LIMIT;
        if (gasLimit > maxL2GasLimit) revert InvalidGasLimit(gasLimit, CANONICAL_DEPOSIT_GAS_LIMIT, maxL2GasLimit);
        if (tokenL1 == address(0) || tokenL1 == ETH_TOKEN) revert InvalidToken(tokenL1);
        string memory name = _tokenString(tokenL1, IERC20Metadata.name.selector, DEFAULT_TOKEN_NAME);
        string memory symbol = _tokenString(tokenL1, IERC20Metadata.symbol.selector, DEFAULT_TOKEN_SYMBOL);
        uint8 decimals = _tokenDecimals(tokenL1);
        uint256 received = _receiveTokens(tokenL1, l2Recipient, amount);
        deposits[tokenL1][BasaltFormats.canonicalL2Token(tokenL1)] += received;
        bytes memory data = abi.encodeCall(
            IL2Bridge.mintCanonicalERC20, (msg.sender, tokenL1, l2Recipient, received, name, symbol, decimals)
        );
        _enqueue(startGas, L2_BRIDGE, L2_BRIDGE, 0, 0, gasLimit, data);
    }

    /// @inheritdoc ICommonBridge
    /// @dev `msg.value` is minted to the L2 sender; `value` is sent with the call from the sender's L2 balance.
    ///      The L2 sender is the caller when it is a keyed account and the aliased caller otherwise.
    ///      Requires minGasLimit(data) <= gasLimit <= maxL2GasLimit and data.length <= MAX_PRIVILEGED_CALLDATA.
    function sendToL2(address to, uint256 value, uint256 gasLimit, bytes calldata data)
        external
        payable
        whenNotPaused
    {
        uint256 startGas = gasleft();
        if (data.length > MAX_PRIVILEGED_CALLDATA) revert CalldataTooLarge(data.length, MAX_PRIVILEGED_CALLDATA);
        uint256 minimum = BasaltFormats.minGasLimit(data);
        if (gasLimit < minimum || gasLimit > maxL2GasLimit) revert InvalidGasLimit(gasLimit, minimum, maxL2GasLimit);
        if (msg.value != 0) deposits[ETH_TOKEN][ETH_TOKEN] += msg.value;
        _enqueue(startGas, _l2Sender(), to, msg.value, value, gasLimit, data);
    }

    /// @inheritdoc ICommonBridge
    /// @dev Queues `L2Bridge.withdraw(l1Recipient)` from the caller's L2 account (aliased for a contract)
    ///      with `amount` wei drawn from its L2 balance: the censorship-resistant ether exit. If that balance
    ///      is short, the L2 includes the transaction as failed and nothing moves.
    function forceWithdrawETH(address l1Recipient, uint256 amount) external whenNotPaused {
        uint256 startGas = gasleft();
        if (l1Recipient == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        bytes memory data = abi.encodeCall(IL2Bridge.withdraw, (l1Recipient));
        _enqueue(startGas, _l2Sender(), L2_BRIDGE, 0, amount, depositGasLimit, data);
    }

    // ----------------------------------------------------------------------------------------------
    // L2 -> L1
    // ----------------------------------------------------------------------------------------------

    /// @inheritdoc ICommonBridge
    /// @dev Anyone may relay: the wei always go to `recipient`, who is bound in the withdrawal leaf.
    function claimWithdrawal(
        address recipient,
        uint256 amount,
        uint256 batchNumber,
        uint256 messageId,
        bytes32[] calldata proof
    ) external whenNotPaused nonReentrant {
        _claim(ETH_TOKEN, ETH_TOKEN, recipient, amount, batchNumber, messageId, proof);
        (bool ok,) = recipient.call{value: amount}("");
        if (!ok) revert EthTransferFailed(recipient, amount);
    }

    /// @inheritdoc ICommonBridge
    /// @dev Anyone may relay: the tokens always go to `recipient`, who is bound in the withdrawal leaf.
    function claimWithdrawalERC20(
        address tokenL1,
        address tokenL2,
        address recipient,
        uint256 amount,
        uint256 batchNumber,
        uint256 messageId,
        bytes32[] calldata proof
    ) external whenNotPaused nonReentrant {
        if (tokenL1 == ETH_TOKEN) revert InvalidToken(tokenL1);
        _claim(tokenL1, tokenL2, recipient, amount, batchNumber, messageId, proof);
        IERC20(tokenL1).safeTransfer(recipient, amount);
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
    function publishL1Messages(uint256 batchNumber, bytes32 root, uint256 finalizedAt) external onlyRollup {
        l1MessagesRoot[batchNumber] = root;
        l1MessagesFinalizedAt[batchNumber] = finalizedAt;
        emit L1MessagesPublished(batchNumber, root, finalizedAt);
    }

    /// @inheritdoc ICommonBridge
    function revertVerifiedBatches(uint256 firstBatch, uint256 lastBatch, uint256 privilegedCount)
        external
        onlyRollup
    {
        for (uint256 b = firstBatch; b <= lastBatch; b++) {
            if (l1MessagesRoot[b] == bytes32(0)) continue;
            delete l1MessagesRoot[b];
            delete l1MessagesFinalizedAt[b];
            emit L1MessagesWithdrawn(b);
        }
        if (privilegedCount != 0) {
            uint256 head = privilegedTxHead - privilegedCount;
            privilegedTxHead = head;
            emit PrivilegedTxsRestored(head, privilegedCount);
        }
    }

    /// @inheritdoc ICommonBridge
    /// @dev Folds the previous pause into `rollupPausedSeconds` and records the new one, so the inclusion
    ///      clock stands still from now until `until` (or until the next call).
    function recordRollupPause(uint256 until) external onlyRollup {
        rollupPausedSeconds = uint64(_pausedSeconds());
        if (until > block.timestamp) {
            rollupPauseStart = uint64(block.timestamp);
            rollupPauseEnd = uint64(until);
        } else {
            rollupPauseStart = 0;
            rollupPauseEnd = 0;
        }
        emit RollupPauseRecorded(until);
    }

    // ----------------------------------------------------------------------------------------------
    // Governance
    // ----------------------------------------------------------------------------------------------

    /// @notice Sets the L2 gas limit of deposits, the largest gas limit `sendToL2` accepts and the L2 block gas
    ///         limit, with MIN_DEPOSIT_GAS_LIMIT <= deposit <= max <= min(block, 2^24) and
    ///         CANONICAL_DEPOSIT_GAS_LIMIT <= max (canonical-token deposits must fit too).
    function setL2GasLimits(uint256 depositGasLimit_, uint256 maxL2GasLimit_, uint256 l2BlockGasLimit_)
        external
        onlyOwner
    {
        _setL2GasLimits(depositGasLimit_, maxL2GasLimit_, l2BlockGasLimit_);
    }

    /// @notice Sets the inclusion period of privileged transactions queued from now on, within
    ///         [MIN_INCLUSION_PERIOD, MAX_INCLUSION_PERIOD] and within the deployment's exit window.
    function setInclusionPeriod(uint256 inclusionPeriod_) external onlyOwner {
        _setInclusionPeriod(inclusionPeriod_);
    }

    /// @notice Sets the account that may pause and unpause (zero disables it; a contract on a staged deployment).
    function setSecurityCouncil(address council) external onlyOwner {
        _setSecurityCouncil(council);
    }

    /// @notice Stops deposits, L2 calls and claims for at most MAX_PAUSE_DURATION.
    function pause() external onlyOwnerOrCouncil {
        _pauseFor(msg.sender != owner());
    }

    /// @notice Resumes deposits, L2 calls and claims.
    function unpause() external onlyOwnerOrCouncil {
        _endPause();
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
    /// @dev Deadlines never decrease along the queue, so the oldest transaction not covered decides.
    function isPrivilegedTxOverdue(uint256 transactionId) external view returns (bool) {
        return transactionId < nextPrivilegedTxId && inclusionClock() > privilegedTxDeadline[transactionId];
    }

    /// @inheritdoc ICommonBridge
    function inclusionClock() public view returns (uint256) {
        return block.timestamp - _pausedSeconds();
    }

    /// @notice Number of privileged transactions not yet consumed by a verified batch.
    function pendingPrivilegedTxCount() external view returns (uint256) {
        return nextPrivilegedTxId - privilegedTxHead;
    }

    /// @inheritdoc ICommonBridge
    function canonicalL2Token(address tokenL1) external pure returns (address) {
        return BasaltFormats.canonicalL2Token(tokenL1);
    }

    /// @notice Smallest gas limit `sendToL2` accepts for calldata `data` (intrinsic gas, EIP-7623 floor).
    function minGasLimit(bytes calldata data) external pure returns (uint256) {
        return BasaltFormats.minGasLimit(data);
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
        uint256 startGas = gasleft();
        if (msg.value < MIN_ETH_DEPOSIT) revert DepositTooSmall(msg.value, MIN_ETH_DEPOSIT);
        if (l2Recipient == address(0)) revert ZeroAddress();
        deposits[ETH_TOKEN][ETH_TOKEN] += msg.value;
        bytes memory data = abi.encodeCall(IL2Bridge.mintETH, (msg.sender, l2Recipient));
        _enqueue(startGas, L2_BRIDGE, L2_BRIDGE, msg.value, msg.value, depositGasLimit, data);
    }

    /// @dev Checks an ERC20 deposit's token, recipient and amount, takes `amount` of `tokenL1` from the caller and
    ///      returns what the bridge's balance actually grew by (non-zero).
    function _receiveTokens(address tokenL1, address l2Recipient, uint256 amount) internal returns (uint256 received) {
        if (tokenL1 == address(0) || tokenL1 == ETH_TOKEN) revert InvalidToken(tokenL1);
        if (l2Recipient == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        uint256 balanceBefore = IERC20(tokenL1).balanceOf(address(this));
        IERC20(tokenL1).safeTransferFrom(msg.sender, address(this), amount);
        received = IERC20(tokenL1).balanceOf(address(this)) - balanceBefore;
        if (received == 0) revert ZeroAmount();
    }

    /// @dev `name()` or `symbol()` (`selector`) of `token`, or `fallback_` when the answer is not usable. The call
    ///      gets METADATA_CALL_GAS and its return data is never copied whole: accepted are an ABI string of 1 to
    ///      MAX_TOKEN_STRING_BYTES bytes (offset word 32) and a 32-byte word read as a `bytes32` string up to its
    ///      first zero byte (tokens such as MKR); anything else (a revert, nothing, a short or malformed answer, an
    ///      empty or longer string) gives `fallback_`.
    function _tokenString(address token, bytes4 selector, string memory fallback_)
        internal
        view
        returns (string memory result)
    {
        (bool ok, uint256 size) = _callMetadata(token, selector);
        if (!ok) return fallback_;
        if (size == 32) {
            bytes32 word;
            assembly ("memory-safe") {
                returndatacopy(0, 0, 32)
                word := mload(0)
            }
            uint256 length;
            while (length < 32 && word[length] != 0) length++;
            if (length == 0) return fallback_;
            result = new string(length);
            assembly ("memory-safe") {
                mstore(add(result, 32), word)
            }
            return result;
        }
        if (size < 64) return fallback_;
        uint256 offset;
        uint256 stringLength;
        assembly ("memory-safe") {
            returndatacopy(0, 0, 64)
            offset := mload(0)
            stringLength := mload(32)
        }
        if (offset != 32 || stringLength == 0 || stringLength > MAX_TOKEN_STRING_BYTES || size < 64 + stringLength) {
            return fallback_;
        }
        result = new string(stringLength);
        assembly ("memory-safe") {
            returndatacopy(add(result, 32), 64, stringLength)
        }
    }

    /// @dev `decimals()` of `token`, or DEFAULT_TOKEN_DECIMALS when the call reverts, returns less than a word or
    ///      a word above 255. The call gets METADATA_CALL_GAS; only the first word is read.
    function _tokenDecimals(address token) internal view returns (uint8) {
        (bool ok, uint256 size) = _callMetadata(token, IERC20Metadata.decimals.selector);
        if (!ok || size < 32) return DEFAULT_TOKEN_DECIMALS;
        uint256 value;
        assembly ("memory-safe") {
            returndatacopy(0, 0, 32)
            value := mload(0)
        }
        if (value > type(uint8).max) return DEFAULT_TOKEN_DECIMALS;
        return uint8(value);
    }

    /// @dev Static call of `selector` (no arguments) on `token` with METADATA_CALL_GAS, copying nothing: the answer
    ///      stays in the return data buffer for the caller to read within `size`.
    function _callMetadata(address token, bytes4 selector) internal view returns (bool ok, uint256 size) {
        _requireMetadataGas();
        assembly ("memory-safe") {
            mstore(0, selector)
            ok := staticcall(METADATA_CALL_GAS, token, 0, 4, 0, 0)
            size := returndatasize()
        }
    }

    /// @dev A metadata call must get its whole METADATA_CALL_GAS (EIP-150 passes at most 63/64 of what is left):
    ///      otherwise a depositor could starve it on purpose and have the canonical token created with the
    ///      defaults instead of the L1 token's real metadata.
    function _requireMetadataGas() internal view {
        uint256 required = METADATA_CALL_GAS + METADATA_CALL_GAS / 63 + 5_000;
        uint256 available = gasleft();
        if (available < required) revert InsufficientGasForMetadata(available, required);
    }

    /// @dev Queues the transaction with the deadline max(clock + inclusionPeriod, previous deadline), then
    ///      burns L1 gas until the call has spent at least `gasLimit` since `startGas`: the L2 gas queued is
    ///      paid for with at least as much L1 gas (the entry point's own work counts).
    function _enqueue(
        uint256 startGas,
        address from,
        address to,
        uint256 mint,
        uint256 value,
        uint256 gasLimit,
        bytes memory data
    ) internal {
        uint256 id = nextPrivilegedTxId;
        bytes32 txHash = BasaltFormats.privilegedTxHash(l2ChainId, from, to, id, mint, value, gasLimit, data);
        uint256 deadline = inclusionClock() + inclusionPeriod;
        if (id != 0 && privilegedTxDeadline[id - 1] > deadline) deadline = privilegedTxDeadline[id - 1];
        privilegedTxHash[id] = txHash;
        privilegedTxDeadline[id] = deadline;
        nextPrivilegedTxId = id + 1;
        emit PrivilegedTxSent(msg.sender, from, to, id, mint, value, gasLimit, data, deadline);
        while (startGas - gasleft() < gasLimit) {}
    }

    /// @dev The L2 account the caller controls: itself when keyed (no code, or an EIP-7702 delegation), its
    ///      alias when it is a contract. A contract calling from its constructor has no code yet and is told
    ///      apart from a keyed account by `msg.sender != tx.origin`.
    function _l2Sender() internal view returns (address) {
        address sender = msg.sender;
        bool keyed = sender.code.length == 0 ? sender == tx.origin : !AccountCode.isContract(sender);
        return keyed ? sender : BasaltFormats.applyAlias(sender);
    }

    function _claim(
        address tokenL1,
        address tokenL2,
        address recipient,
        uint256 amount,
        uint256 batchNumber,
        uint256 messageId,
        bytes32[] calldata proof
    ) internal {
        if (amount == 0) revert ZeroAmount();
        bytes32 root = l1MessagesRoot[batchNumber];
        if (root == bytes32(0)) revert BatchNotVerified(batchNumber);
        uint256 finalizedAt = l1MessagesFinalizedAt[batchNumber];
        if (block.timestamp < finalizedAt) revert BatchNotFinal(batchNumber, finalizedAt);
        bytes32 leaf = withdrawalLeaf(tokenL1, tokenL2, recipient, amount, messageId);
        if (claimed[leaf]) revert WithdrawalAlreadyClaimed(leaf);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidMerkleProof();
        uint256 available = deposits[tokenL1][tokenL2];
        if (amount > available) revert InsufficientDeposits(tokenL1, tokenL2, available, amount);

        claimed[leaf] = true;
        deposits[tokenL1][tokenL2] = available - amount;
        emit WithdrawalClaimed(tokenL1, tokenL2, recipient, amount, batchNumber, messageId);
    }

    /// @dev Seconds the rollup has been paused up to now (pauses end by themselves at `rollupPauseEnd`).
    function _pausedSeconds() internal view returns (uint256 total) {
        total = rollupPausedSeconds;
        uint256 start = rollupPauseStart;
        if (start != 0) {
            uint256 end = rollupPauseEnd;
            total += (block.timestamp < end ? block.timestamp : end) - start;
        }
    }

    function _setL2GasLimits(uint256 depositGasLimit_, uint256 maxL2GasLimit_, uint256 l2BlockGasLimit_) internal {
        if (
            depositGasLimit_ < MIN_DEPOSIT_GAS_LIMIT || maxL2GasLimit_ < depositGasLimit_
                || maxL2GasLimit_ < CANONICAL_DEPOSIT_GAS_LIMIT
                || maxL2GasLimit_ > MAX_TX_GAS_LIMIT || maxL2GasLimit_ > l2BlockGasLimit_
        ) revert InvalidParameter();
        depositGasLimit = depositGasLimit_;
        maxL2GasLimit = maxL2GasLimit_;
        l2BlockGasLimit = l2BlockGasLimit_;
        emit L2GasLimitsUpdated(depositGasLimit_, maxL2GasLimit_, l2BlockGasLimit_);
    }

    function _setInclusionPeriod(uint256 inclusionPeriod_) internal {
        if (inclusionPeriod_ < MIN_INCLUSION_PERIOD || inclusionPeriod_ > MAX_INCLUSION_PERIOD) {
            revert InvalidParameter();
        }
        IOnChainProposer(rollup).checkExitWindowWith(inclusionPeriod_);
        inclusionPeriod = inclusionPeriod_;
        emit InclusionPeriodUpdated(inclusionPeriod_);
    }

    function _setSecurityCouncil(address council) internal {
        IOnChainProposer(rollup).checkSecurityCouncil(council);
        securityCouncil = council;
        emit SecurityCouncilUpdated(council);
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}
}
