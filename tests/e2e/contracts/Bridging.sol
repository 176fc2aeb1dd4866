// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

/// L2: records who called it last, the `msg.sender` a privileged transaction delivers.
contract SenderRecorder {
    address public lastSender;
    uint256 public calls;

    function record() external payable {
        lastSender = msg.sender;
        calls += 1;
    }
}

/// L2: refuses every call and every ether transfer (a deposit to it is refunded).
contract Refuser {
    receive() external payable {
        revert("refused");
    }

    fallback() external payable {
        revert("refused");
    }
}

interface ISendToL2 {
    function sendToL2(address to, uint256 value, uint256 gasLimit, bytes calldata data) external payable;
}

/// L1: a contract calling the bridge's `sendToL2`, so its L2 sender is its aliased address.
contract L2Caller {
    function callL2(address bridge, address to, uint256 value, uint256 gasLimit, bytes calldata data)
        external
        payable
    {
        ISendToL2(bridge).sendToL2{value: msg.value}(to, value, gasLimit, data);
    }
}
