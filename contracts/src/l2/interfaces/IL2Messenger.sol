// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title IL2Messenger
/// @notice L2 system contract at 0x000000000000000000000000000000000000fffe. Every L2 -> L1 message is
///         one `L1Message` event; the sequencer collects them per batch into the L1-message Merkle tree
///         whose leaves are keccak(from ‖ data ‖ u256 messageId).
interface IL2Messenger {
    /// @param from      The L2 account that sent the message.
    /// @param data      The 32-byte message.
    /// @param messageId Strictly increasing id, starting at 1.
    event L1Message(address indexed from, bytes32 indexed data, uint256 indexed messageId);

    /// @notice Sends `data` to L1 from the caller; returns the message id.
    function sendMessageToL1(bytes32 data) external returns (uint256 messageId);

    /// @notice Id of the last message sent (0 before the first).
    function lastMessageId() external view returns (uint256);
}
