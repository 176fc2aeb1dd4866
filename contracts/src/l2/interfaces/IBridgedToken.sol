// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IERC7802} from "@openzeppelin/contracts/interfaces/draft-IERC7802.sol";

/// @title IBridgedToken
/// @notice What an L2 ERC20 must implement to be bridged: it names its L1 token, and implements ERC-7802
///         (`crosschainMint` / `crosschainBurn`, ERC-165 `supportsInterface` for IERC7802) callable only by
///         the L2 bridge at the RIP-7875 address 0x00000000000000000000000000000000000001ff.
interface IBridgedToken is IERC7802 {
    /// @notice The caller of `crosschainMint` / `crosschainBurn` is not the L2 bridge.
    error NotBridge(address caller);

    /// @notice The L1 token this L2 token represents.
    function l1Address() external view returns (address);
}
