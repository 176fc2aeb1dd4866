// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {IBatchVerifier} from "../../src/l1/interfaces/IBatchVerifier.sol";
import {CommonBridge} from "../../src/l1/CommonBridge.sol";
import {ICommonBridge} from "../../src/l1/interfaces/ICommonBridge.sol";

/// @notice Plain mintable ERC20 for tests.
contract TestToken is ERC20 {
    constructor() ERC20("Test", "TST") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice ERC20 that keeps 1% of every transfer (the bridge must credit only what it received).
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0xdead), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice ERC20 whose transfers out of the bridge call back into the bridge (a hostile token).
contract ReentrantToken is ERC20 {
    bytes public reentryCall;
    address public bridge;
    bytes public reentryError;

    constructor() ERC20("Reenter", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address bridge_, bytes calldata call_) external {
        bridge = bridge_;
        reentryCall = call_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from == bridge && reentryCall.length != 0) {
            bytes memory call_ = reentryCall;
            delete reentryCall;
            (bool ok, bytes memory ret) = bridge.call(call_);
            if (ok) revert("reentry succeeded");
            reentryError = ret;
        }
    }
}

/// @notice Claims a withdrawal and, when paid, tries to claim again from inside its receive().
contract ReentrantClaimer {
    CommonBridge internal immutable BRIDGE;
    bytes internal _reentryCall;
    bytes public reentryError;
    uint256 public timesPaid;

    constructor(CommonBridge bridge_) {
        BRIDGE = bridge_;
    }

    function claim(uint256 amount, uint256 batchNumber, uint256 messageId, bytes32[] calldata proof, bytes calldata reentry)
        external
    {
        _reentryCall = reentry;
        BRIDGE.claimWithdrawal(amount, batchNumber, messageId, proof);
    }

    receive() external payable {
        timesPaid++;
        if (_reentryCall.length != 0) {
            bytes memory call_ = _reentryCall;
            delete _reentryCall;
            (bool ok, bytes memory ret) = address(BRIDGE).call(call_);
            if (ok) revert("reentry succeeded");
            reentryError = ret;
        }
    }
}

/// @notice A contract that calls `sendToL2` (so its L2 sender is aliased) and refuses ether.
contract ContractCaller {
    function callSendToL2(ICommonBridge bridge, address to, uint256 gasLimit, bytes calldata data) external payable {
        bridge.sendToL2{value: msg.value}(to, gasLimit, data);
    }

    function claim(ICommonBridge bridge, uint256 amount, uint256 batchNumber, uint256 messageId, bytes32[] calldata proof)
        external
    {
        bridge.claimWithdrawal(amount, batchNumber, messageId, proof);
    }
}

/// @notice A proof system that accepts exactly the proof bytes "ok".
contract MockVerifier is IBatchVerifier {
    error MockRejected();

    function verify(bytes calldata, bytes calldata proof) external pure {
        if (keccak256(proof) != keccak256("ok")) revert MockRejected();
    }
}

/// @notice Second implementation used to test upgrades.
contract UpgradeMarker {
    function upgradeMarker() external pure returns (uint256) {
        return 42;
    }

    function proxiableUUID() external pure returns (bytes32) {
        return 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    }
}
