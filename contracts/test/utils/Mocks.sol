// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {
    IBatchVerifier, VERIFIED_BY_COMMITTEE, VERIFIED_BY_VALIDITY_PROOF
} from "../../src/l1/interfaces/IBatchVerifier.sol";
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
        BRIDGE.claimWithdrawal(address(this), amount, batchNumber, messageId, proof);
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

/// @notice A contract that calls the bridge (so its L2 sender is aliased), forwards ether to any address
///         (including the bridge's receive()) and refuses ether itself.
contract ContractCaller {
    function callSendToL2(ICommonBridge bridge, address to, uint256 value, uint256 gasLimit, bytes calldata data)
        external
        payable
    {
        bridge.sendToL2{value: msg.value}(to, value, gasLimit, data);
    }

    function forceWithdraw(ICommonBridge bridge, address l1Recipient, uint256 amount) external {
        bridge.forceWithdrawETH(l1Recipient, amount);
    }

    function forward(address to) external payable {
        (bool ok, bytes memory err) = to.call{value: msg.value}("");
        if (!ok) {
            assembly {
                revert(add(err, 32), mload(err))
            }
        }
    }
}

/// @notice Calls `sendToL2` from its constructor, when it has no code yet.
contract ConstructorCaller {
    constructor(ICommonBridge bridge, address to) {
        bridge.sendToL2(to, 0, 21_000, "");
    }
}

/// @notice A proof system that accepts exactly the proof bytes "ok", as a committee or as a validity proof.
contract MockVerifier is IBatchVerifier {
    bool internal immutable VALIDITY;

    error MockRejected();

    constructor(bool validity) {
        VALIDITY = validity;
    }

    function verify(uint256, bytes calldata, bytes calldata proof) external view returns (bytes32) {
        if (keccak256(proof) != keccak256("ok")) revert MockRejected();
        return VALIDITY ? VERIFIED_BY_VALIDITY_PROOF : VERIFIED_BY_COMMITTEE;
    }
}

/// @notice Not a verifier: any call succeeds and returns nothing.
contract PermissiveFallback {
    fallback() external {}
}

/// @notice Not a verifier: returns its calldata (so the first word is the selector and the batch number).
contract EchoFallback {
    fallback(bytes calldata input) external returns (bytes memory) {
        return input;
    }
}

/// @notice A stand-in for a multisig security council: a contract that forwards calls from its owner.
contract CouncilMultisig {
    address internal immutable OWNER;

    constructor(address owner_) {
        OWNER = owner_;
    }

    function exec(address target, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == OWNER, "not owner");
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
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
