// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {BasaltFormats} from "../common/BasaltFormats.sol";
import {IBridgedToken} from "./interfaces/IBridgedToken.sol";
import {IL2Bridge} from "./interfaces/IL2Bridge.sol";
import {IL2Messenger} from "./interfaces/IL2Messenger.sol";
import {IL2TokenFactory} from "./interfaces/IL2TokenFactory.sol";

/// @title L2Bridge
/// @notice L2 end of the bridge, placed in the L2 genesis at the RIP-7875 token-bridge
///         address 0x00000000000000000000000000000000000001ff.
///         Deposits arrive as privileged transactions sent from this address to itself (no key exists
///         for it, so only the L1 bridge can cause such a call). Withdrawals become L1 messages through
///         the L2 messenger and are claimed on L1 against the batch's L1-message root.
/// @dev Ether withdrawn is kept in this contract for good: it is out of circulation on L2 and is only
///      released on L1. Stateless (no storage). A deposit never reverts once its privileged transaction has
///      at least CommonBridge.MIN_DEPOSIT_GAS_LIMIT gas: a delivery that fails for any reason is refunded.
contract L2Bridge is IL2Bridge {
    address internal constant ETH_TOKEN = BasaltFormats.ETH_TOKEN;
    IL2Messenger internal constant MESSENGER = IL2Messenger(BasaltFormats.L2_MESSENGER);
    IL2TokenFactory internal constant TOKEN_FACTORY = IL2TokenFactory(BasaltFormats.L2_TOKEN_FACTORY);
    /// @notice Gas kept back from a deposit's delivery so that a failed delivery can still be refunded.
    uint256 public constant REFUND_GAS_RESERVE = 60_000;

    modifier onlyPrivileged() {
        if (msg.sender != address(this)) revert NotPrivileged(msg.sender);
        _;
    }

    /// @inheritdoc IL2Bridge
    function mintETH(address l1Sender, address to) external payable onlyPrivileged {
        if (_deliver(to, msg.value, "")) {
            emit DepositFinalized(ETH_TOKEN, ETH_TOKEN, to, msg.value);
        } else {
            uint256 messageId = _sendWithdrawal(ETH_TOKEN, ETH_TOKEN, l1Sender, msg.value);
            emit DepositRefunded(ETH_TOKEN, ETH_TOKEN, l1Sender, msg.value, messageId);
        }
    }

    /// @inheritdoc IL2Bridge
    function mintERC20(address l1Sender, address tokenL1, address tokenL2, address to, uint256 amount)
        external
        onlyPrivileged
    {
        bytes memory mint = abi.encodeCall(this.mintBridgedToken, (tokenL1, tokenL2, to, amount));
        if (_deliver(address(this), 0, mint)) {
            emit DepositFinalized(tokenL1, tokenL2, to, amount);
        } else {
            uint256 messageId = _sendWithdrawal(tokenL1, tokenL2, l1Sender, amount);
            emit DepositRefunded(tokenL1, tokenL2, l1Sender, amount, messageId);
        }
    }

    /// @notice Mints `amount` of `tokenL2` to `to` after checking it represents `tokenL1`. Only callable
    ///         by this contract (so that `mintERC20` can catch any failure and refund).
    function mintBridgedToken(address tokenL1, address tokenL2, address to, uint256 amount) external onlyPrivileged {
        _mintBridgedToken(tokenL1, tokenL2, to, amount);
    }

    /// @inheritdoc IL2Bridge
    function mintCanonicalERC20(
        address l1Sender,
        address tokenL1,
        address to,
        uint256 amount,
        string calldata name,
        string calldata symbol,
        uint8 decimals
    ) external onlyPrivileged {
        address tokenL2 = BasaltFormats.canonicalL2Token(tokenL1);
        bytes memory mint =
            abi.encodeCall(this.mintCanonicalToken, (tokenL1, tokenL2, to, amount, name, symbol, decimals));
        if (_deliver(address(this), 0, mint)) {
            emit DepositFinalized(tokenL1, tokenL2, to, amount);
        } else {
            uint256 messageId = _sendWithdrawal(tokenL1, tokenL2, l1Sender, amount);
            emit DepositRefunded(tokenL1, tokenL2, l1Sender, amount, messageId);
        }
    }

    /// @notice Creates the canonical token `tokenL2` of `tokenL1` through the L2 token factory if it has no code
    ///         yet, then mints `amount` to `to`. Only callable by this contract (so that `mintCanonicalERC20` can
    ///         catch any failure and refund).
    function mintCanonicalToken(
        address tokenL1,
        address tokenL2,
        address to,
        uint256 amount,
        string calldata name,
        string calldata symbol,
        uint8 decimals
    ) external onlyPrivileged {
        if (tokenL2.code.length == 0) TOKEN_FACTORY.createCanonicalToken(tokenL1, name, symbol, decimals);
        _mintBridgedToken(tokenL1, tokenL2, to, amount);
    }

    /// @inheritdoc IL2Bridge
    function withdraw(address l1Recipient) external payable {
        if (msg.value == 0) revert ZeroAmount();
        if (l1Recipient == address(0)) revert ZeroAddress();
        _sendWithdrawal(ETH_TOKEN, ETH_TOKEN, l1Recipient, msg.value);
    }

    /// @inheritdoc IL2Bridge
    function withdrawERC20(address tokenL1, address tokenL2, address l1Recipient, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        if (l1Recipient == address(0)) revert ZeroAddress();
        if (IBridgedToken(tokenL2).l1Address() != tokenL1) revert TokenMismatch(tokenL1, tokenL2);
        IBridgedToken(tokenL2).crosschainBurn(msg.sender, amount);
        _sendWithdrawal(tokenL1, tokenL2, l1Recipient, amount);
    }

    function _mintBridgedToken(address tokenL1, address tokenL2, address to, uint256 amount) internal {
        if (IBridgedToken(tokenL2).l1Address() != tokenL1) revert TokenMismatch(tokenL1, tokenL2);
        IBridgedToken(tokenL2).crosschainMint(to, amount);
    }

    /// @dev Calls `target` with everything but REFUND_GAS_RESERVE gas and never reads its return data, so
    ///      whatever the target does (burn its gas, return or revert with megabytes, change its state) the
    ///      caller keeps enough gas to refund. True when the call succeeded.
    function _deliver(address target, uint256 value, bytes memory data) internal returns (bool ok) {
        uint256 available = gasleft();
        if (available <= REFUND_GAS_RESERVE) return false;
        uint256 deliveryGas = available - REFUND_GAS_RESERVE;
        assembly ("memory-safe") {
            ok := call(deliveryGas, target, value, add(data, 32), mload(data), 0, 0)
        }
    }

    function _sendWithdrawal(address tokenL1, address tokenL2, address l1Recipient, uint256 amount)
        internal
        returns (uint256 messageId)
    {
        messageId = MESSENGER.sendMessageToL1(BasaltFormats.withdrawalData(tokenL1, tokenL2, l1Recipient, amount));
        emit WithdrawalInitiated(tokenL1, tokenL2, l1Recipient, msg.sender, amount, messageId);
    }
}
