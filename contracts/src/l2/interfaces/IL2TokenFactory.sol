// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title IL2TokenFactory
/// @notice L2 system contract at 0x000000000000000000000000000000000000fffd: creates the canonical L2 token of
///         an L1 token, at an address that depends on the L1 token's address alone.
interface IL2TokenFactory {
    /// @notice The canonical token of `tokenL1` was created at `tokenL2` with this metadata.
    event CanonicalTokenCreated(
        address indexed tokenL1, address indexed tokenL2, string name, string symbol, uint8 decimals
    );

    /// @notice The caller is not the L2 bridge, the only account that may create canonical tokens.
    error NotBridge(address caller);
    /// @notice The canonical token of `tokenL1` exists already.
    error TokenExists(address tokenL1, address tokenL2);
    /// @notice Zero is not an L1 token.
    error ZeroL1Token();

    /// @notice Creates and initialises the canonical token of `tokenL1`; returns its address, which is
    ///         `canonicalToken(tokenL1)`. Only the L2 bridge may call it, once per L1 token.
    function createCanonicalToken(address tokenL1, string calldata name, string calldata symbol, uint8 decimals)
        external
        returns (address tokenL2);

    /// @notice Where the canonical token of `tokenL1` is (or will be) created.
    function canonicalToken(address tokenL1) external pure returns (address);
}
