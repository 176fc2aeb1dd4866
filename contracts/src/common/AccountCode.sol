// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title AccountCode
/// @notice Tells keyed accounts from contracts by their code. An EIP-7702 account carries the delegation
///         designator 0xef0100 ‖ address as code but stays controlled by its key, so it counts as keyed.
library AccountCode {
    /// @notice True when `account` has code of its own (not empty, not a delegation designator). A contract
    ///         calling from its constructor has no code yet: callers that must catch it also compare the
    ///         caller with `tx.origin`.
    function isContract(address account) internal view returns (bool) {
        uint256 size = account.code.length;
        if (size == 0) return false;
        if (size != 23) return true;
        bytes32 head;
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            extcodecopy(account, scratch, 0, 3)
            head := and(mload(scratch), shl(232, 0xffffff))
        }
        return head != bytes32(bytes3(0xef0100));
    }
}
