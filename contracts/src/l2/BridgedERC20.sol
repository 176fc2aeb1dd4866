// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Bridgeable} from "@openzeppelin/contracts/token/ERC20/extensions/draft-ERC20Bridgeable.sol";

import {BasaltFormats} from "../common/BasaltFormats.sol";
import {IBridgedToken} from "./interfaces/IBridgedToken.sol";

/// @title BridgedERC20
/// @notice Reference L2 representation of an L1 ERC20: anyone may deploy one for an L1 token; only the
///         L2 bridge mints and burns it, through ERC-7802 `crosschainMint` / `crosschainBurn`.
contract BridgedERC20 is ERC20Bridgeable, IBridgedToken {
    address internal immutable L1_TOKEN;
    uint8 internal immutable DECIMALS;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address l1Token_)
        ERC20(name_, symbol_)
    {
        L1_TOKEN = l1Token_;
        DECIMALS = decimals_;
    }

    /// @inheritdoc IBridgedToken
    function l1Address() external view returns (address) {
        return L1_TOKEN;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return DECIMALS;
    }

    /// @dev ERC-7802's access rule: only the L2 bridge (never a relayer on its behalf, so `msg.sender`).
    function _checkTokenBridge(address caller) internal pure override {
        if (caller != BasaltFormats.L2_BRIDGE) revert NotBridge(caller);
    }
}
