// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {BasaltTimelock} from "../src/l1/BasaltTimelock.sol";
import {OnChainProposer} from "../src/l1/OnChainProposer.sol";
import {IOnChainProposer} from "../src/l1/interfaces/IOnChainProposer.sol";
import {Fixture} from "./utils/Fixture.sol";

/// @notice The rollup owned by the timelock: every change waits for the exit window, the security
///         council can cancel scheduled changes and pause at once.
contract GovernanceTest is Fixture {
    uint256 internal constant EXIT_WINDOW = 7 days;
    BasaltTimelock internal timelock;
    address internal proposer = address(0x9909);

    function setUp() public {
        address[] memory proposers = new address[](1);
        proposers[0] = proposer;
        timelock = new BasaltTimelock(EXIT_WINDOW, proposers, proposers, council, IOnChainProposer(predictedRollup(1)));
        governance = address(timelock);
        deploySystem(false, false);
        assertEq(address(timelock.exitWindowGuard()), address(rollup), "guard prediction");
    }

    function _setSequencerCall() internal view returns (bytes memory) {
        return abi.encodeCall(OnChainProposer.setSequencer, (stranger, true));
    }

    function test_timelock_roles() public view {
        assertEq(timelock.getMinDelay(), EXIT_WINDOW, "delay");
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), proposer), "proposer");
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), proposer), "executor");
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), council), "council cancels");
        assertFalse(timelock.hasRole(timelock.PROPOSER_ROLE(), council), "council does not propose");
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)), "self-administered");
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)), "no deployer admin");
        assertEq(rollup.owner(), address(timelock), "owns rollup");
        assertEq(bridge.owner(), address(timelock), "owns bridge");
        assertEq(attestation.owner(), address(timelock), "owns verifier");
    }

    function test_timelock_delayIsInForce() public {
        bytes memory call_ = _setSequencerCall();
        bytes32 id = timelock.hashOperation(address(rollup), 0, call_, bytes32(0), bytes32(0));

        vm.prank(proposer);
        vm.expectRevert(
            abi.encodeWithSelector(TimelockController.TimelockInsufficientDelay.selector, EXIT_WINDOW - 1, EXIT_WINDOW)
        );
        timelock.schedule(address(rollup), 0, call_, bytes32(0), bytes32(0), EXIT_WINDOW - 1);

        vm.prank(proposer);
        timelock.schedule(address(rollup), 0, call_, bytes32(0), bytes32(0), EXIT_WINDOW);

        vm.warp(block.timestamp + EXIT_WINDOW - 1);
        vm.prank(proposer);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector, id, bytes32(uint256(1) << 2)
            )
        );
        timelock.execute(address(rollup), 0, call_, bytes32(0), bytes32(0));

        vm.warp(block.timestamp + 1);
        vm.prank(proposer);
        timelock.execute(address(rollup), 0, call_, bytes32(0), bytes32(0));
        assertTrue(rollup.isSequencer(stranger), "executed after the exit window");
    }

    function test_timelock_onlyProposersSchedule() public {
        bytes memory call_ = _setSequencerCall();
        bytes32 proposerRole = timelock.PROPOSER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, proposerRole)
        );
        timelock.schedule(address(rollup), 0, call_, bytes32(0), bytes32(0), EXIT_WINDOW);
        vm.prank(council);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, council, proposerRole)
        );
        timelock.schedule(address(rollup), 0, call_, bytes32(0), bytes32(0), EXIT_WINDOW);
    }

    function test_securityCouncil_cancelsScheduledUpgrade() public {
        bytes memory call_ = abi.encodeCall(rollup.upgradeToAndCall, (address(new OnChainProposer()), ""));
        bytes32 id = timelock.hashOperation(address(rollup), 0, call_, bytes32(0), bytes32(0));
        vm.prank(proposer);
        timelock.schedule(address(rollup), 0, call_, bytes32(0), bytes32(0), EXIT_WINDOW);

        bytes32 cancellerRole = timelock.CANCELLER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, cancellerRole)
        );
        timelock.cancel(id);

        vm.prank(council);
        timelock.cancel(id);
        assertFalse(timelock.isOperation(id), "cancelled");

        vm.warp(block.timestamp + EXIT_WINDOW);
        vm.prank(proposer);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector, id, bytes32(uint256(1) << 2)
            )
        );
        timelock.execute(address(rollup), 0, call_, bytes32(0), bytes32(0));
    }

    function test_securityCouncil_pausesWithoutDelay() public {
        vm.prank(council);
        rollup.pause();
        vm.prank(council);
        bridge.pause();
        assertTrue(rollup.paused() && bridge.paused(), "paused at once");
    }

    function test_timelock_delayChangesGoThroughTheTimelock() public {
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, proposer));
        timelock.updateDelay(0);
    }

    function test_upgradeThroughTimelock() public {
        address next = address(new OnChainProposer());
        bytes memory call_ = abi.encodeCall(rollup.upgradeToAndCall, (next, ""));
        vm.prank(proposer);
        timelock.schedule(address(rollup), 0, call_, bytes32(0), bytes32(0), EXIT_WINDOW);
        vm.warp(block.timestamp + EXIT_WINDOW);
        vm.prank(proposer);
        timelock.execute(address(rollup), 0, call_, bytes32(0), bytes32(0));
        bytes32 implSlot = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
        assertEq(address(uint160(uint256(vm.load(address(rollup), implSlot)))), next, "implementation");
    }

    function test_noCouncil() public {
        address[] memory proposers = new address[](1);
        proposers[0] = proposer;
        BasaltTimelock t = new BasaltTimelock(1, proposers, proposers, address(0), IOnChainProposer(address(0)));
        assertFalse(t.hasRole(t.CANCELLER_ROLE(), address(0)), "no zero canceller");
        assertTrue(t.hasRole(t.CANCELLER_ROLE(), proposer), "proposers cancel");
    }
}
