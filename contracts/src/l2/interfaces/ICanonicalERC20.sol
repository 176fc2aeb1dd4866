// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title ICanonicalERC20
/// @notice The one-time initialisation of a canonical L2 token (see `CanonicalERC20`).
interface ICanonicalERC20 {
    /// @notice The caller of `initialize` is not the L2 token factory.
    error NotFactory(address caller);
    /// @notice The token was initialised already.
    error AlreadyInitialized();
    /// @notice A canonical token must name a non-zero L1 token.
    error ZeroL1Token();

    /// @notice Sets the L1 token and the metadata, once; only the L2 token factory may call it.
    function initialize(address l1Token, string calldata name, string calldata symbol, uint8 decimals) external;
}
