// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

import {BasaltFormats} from "../common/BasaltFormats.sol";
import {ICanonicalERC20} from "./interfaces/ICanonicalERC20.sol";
import {IL2TokenFactory} from "./interfaces/IL2TokenFactory.sol";

/// @title L2TokenFactory
/// @notice Creates canonical L2 tokens; placed in the L2 genesis at 0x000000000000000000000000000000000000fffd.
///         The canonical token of an L1 token is an EIP-1167 minimal proxy of `CanonicalERC20` (genesis, at
///         0x…fffc) created with CREATE2, salt = the L1 token's address as a word. The init code is a constant
///         (the 55-byte clone code naming the implementation), so the address depends on the L1 token alone
///         and the L1 bridge computes it (`BasaltFormats.canonicalL2Token`) before the token exists.
/// @dev Only the L2 bridge may create, during a deposit: nobody can create a canonical token first with other
///      metadata, and nobody can put other code at a canonical address (CREATE2 binds it to this factory and
///      to the clone code). Stateless.
contract L2TokenFactory is IL2TokenFactory {
    /// @inheritdoc IL2TokenFactory
    function createCanonicalToken(address tokenL1, string calldata name, string calldata symbol, uint8 decimals)
        external
        returns (address tokenL2)
    {
        if (msg.sender != BasaltFormats.L2_BRIDGE) revert NotBridge(msg.sender);
        if (tokenL1 == address(0)) revert ZeroL1Token();
        address predicted = BasaltFormats.canonicalL2Token(tokenL1);
        if (predicted.code.length != 0) revert TokenExists(tokenL1, predicted);
        tokenL2 = Clones.cloneDeterministic(
            BasaltFormats.CANONICAL_TOKEN_IMPLEMENTATION, BasaltFormats.canonicalTokenSalt(tokenL1)
        );
        ICanonicalERC20(tokenL2).initialize(tokenL1, name, symbol, decimals);
        emit CanonicalTokenCreated(tokenL1, tokenL2, name, symbol, decimals);
    }

    /// @inheritdoc IL2TokenFactory
    function canonicalToken(address tokenL1) external pure returns (address) {
        return BasaltFormats.canonicalL2Token(tokenL1);
    }
}
