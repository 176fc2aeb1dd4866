// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IL2Messenger} from "./interfaces/IL2Messenger.sol";

/// @title L2Messenger
/// @notice L2 -> L1 messages. Placed in the L2 genesis at 0x000000000000000000000000000000000000fffe.
/// @dev Not behind a proxy: it is changed only by a hard fork of the L2 genesis, which must keep its
///      storage layout (checked like the L1 contracts').
contract L2Messenger is IL2Messenger {
    /// @inheritdoc IL2Messenger
    uint256 public lastMessageId;

    /// @inheritdoc IL2Messenger
    function sendMessageToL1(bytes32 data) external returns (uint256 messageId) {
        messageId = ++lastMessageId;
        emit L1Message(msg.sender, data, messageId);
    }
}
