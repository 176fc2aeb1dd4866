// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

interface IStore {
    function set(uint256 newValue) external;
}

/// Calls a Store several times in one transaction, after emitting its own event, so that one
/// transaction carries logs from two addresses and the Store's logs have a log index above 0.
contract StoreBatch {
    event Batched(address indexed store, uint256 count);

    function setMany(IStore store, uint256[] calldata values) external {
        emit Batched(address(store), values.length);
        for (uint256 i = 0; i < values.length; i++) {
            store.set(values[i]);
        }
    }
}
