// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title IBridgedToken
/// @notice What an L2 ERC20 must implement to be bridged: it names its L1 token, and lets only the L2
///         bridge (0x000000000000000000000000000000000000ffff) mint and burn.
interface IBridgedToken {
    error NotBridge(address caller);

    /// @notice The L1 token this L2 token represents.
    function l1Address() external view returns (address);

    /// @notice Mints `amount` to `to`. Only the L2 bridge.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from` (no allowance needed). Only the L2 bridge.
    function burn(address from, uint256 amount) external;
}
