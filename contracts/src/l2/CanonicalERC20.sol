// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Bridgeable} from "@openzeppelin/contracts/token/ERC20/extensions/draft-ERC20Bridgeable.sol";

import {BasaltFormats} from "../common/BasaltFormats.sol";
import {IBridgedToken} from "./interfaces/IBridgedToken.sol";
import {ICanonicalERC20} from "./interfaces/ICanonicalERC20.sol";

/// @title CanonicalERC20
/// @notice The canonical L2 token of an L1 ERC20. The L2 token factory creates one per L1 token, on its first
///         deposit, as an EIP-1167 minimal proxy of this implementation (placed in the L2 genesis at
///         0x000000000000000000000000000000000000fffc) at `BasaltFormats.canonicalL2Token(tokenL1)`, and
///         initialises it in the same call with the L1 token's name, symbol and decimals as the L1 bridge read
///         them. Only the L2 bridge mints and burns it (ERC-7802).
/// @dev Genesis holds only runtime code, so nothing here relies on a constructor or on immutables: the metadata
///      lives in the proxy's storage, appended after OpenZeppelin ERC20's five slots (layout-checked, since
///      every proxy keeps it across hard forks that change this implementation). The implementation itself is
///      never initialised: only the factory may call `initialize`, and it calls it only on proxies it has
///      just created.
contract CanonicalERC20 is ERC20Bridgeable, IBridgedToken, ICanonicalERC20 {
    /// @dev The L1 token; zero until initialised (the factory never passes zero).
    address private l1Token;
    uint8 private tokenDecimals;
    string private tokenName;
    string private tokenSymbol;

    constructor() ERC20("", "") {}

    /// @inheritdoc ICanonicalERC20
    function initialize(address l1Token_, string calldata name_, string calldata symbol_, uint8 decimals_)
        external
    {
        if (msg.sender != BasaltFormats.L2_TOKEN_FACTORY) revert NotFactory(msg.sender);
        if (l1Token != address(0)) revert AlreadyInitialized();
        if (l1Token_ == address(0)) revert ZeroL1Token();
        l1Token = l1Token_;
        tokenDecimals = decimals_;
        tokenName = name_;
        tokenSymbol = symbol_;
    }

    /// @inheritdoc IBridgedToken
    function l1Address() external view returns (address) {
        return l1Token;
    }

    /// @inheritdoc ERC20
    function name() public view override returns (string memory) {
        return tokenName;
    }

    /// @inheritdoc ERC20
    function symbol() public view override returns (string memory) {
        return tokenSymbol;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return tokenDecimals;
    }

    /// @dev ERC-7802's access rule: only the L2 bridge (never a relayer on its behalf, so `msg.sender`).
    function _checkTokenBridge(address caller) internal pure override {
        if (caller != BasaltFormats.L2_BRIDGE) revert NotBridge(caller);
    }
}
