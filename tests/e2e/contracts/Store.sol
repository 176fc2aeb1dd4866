// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

/// A contract the end-to-end tests deploy, call and read logs from.
contract Store {
    event Stored(address indexed who, uint256 value);

    error TooLarge(uint256 value, uint256 max);

    uint256 public value;

    function set(uint256 newValue) external {
        if (newValue > 1_000_000) revert TooLarge(newValue, 1_000_000);
        value = newValue;
        emit Stored(msg.sender, newValue);
    }

    function fail() external pure {
        revert("store says no");
    }
}
