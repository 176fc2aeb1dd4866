// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {AttestationVerifier} from "../src/l1/AttestationVerifier.sol";
import {BasaltTimelock} from "../src/l1/BasaltTimelock.sol";
import {CommonBridge} from "../src/l1/CommonBridge.sol";
import {OnChainProposer} from "../src/l1/OnChainProposer.sol";
import {IOnChainProposer} from "../src/l1/interfaces/IOnChainProposer.sol";
import {Fixture} from "./utils/Fixture.sol";
import {CouncilMultisig} from "./utils/Mocks.sol";

/// @notice Issue 9 §4 and §7: a timelock whose council can veto but not freeze, and staged deployments whose
///         exit window, council and verifier floors hold on chain. The §4 cancellation scenarios were first
///         written against the contracts before the fix, where each of them failed.
contract HardeningGovernanceTest is Fixture {
    uint256 internal constant STAGE1_DELAY = 7 days + INCLUSION_PERIOD + 1 days + 1 days;
    BasaltTimelock internal timelock;
    address internal proposer = address(0x9909);
    address internal councilKey = address(0xC0C1);

    /// A staged deployment (exit window floor `floor`) owned by a timelock with delay `delay`, whose council
    /// is a multisig contract. Reverts as the contracts do when a floor is violated.
    function deployStaged(uint64 floor, uint256 delay) internal {
        council = address(new CouncilMultisig(councilKey));
        exitWindowFloor = floor;
        provingAllowance = 1 days;
        finalizationDelay = 1 days;
        address[] memory proposers = new address[](1);
        proposers[0] = proposer;
        timelock = new BasaltTimelock(delay, proposers, proposers, council, IOnChainProposer(predictedRollup(1)));
        governance = address(timelock);
        deploySystem(false, false);
        assertEq(address(timelock.exitWindowGuard()), address(rollup), "guard prediction");
    }

    function setUp() public {
        deployStaged(7 days, STAGE1_DELAY);
    }

    function govern(address target, bytes memory call_) internal {
        scheduled(target, call_);
        vm.warp(block.timestamp + timelock.getMinDelay());
        vm.prank(proposer);
        timelock.execute(target, 0, call_, bytes32(0), bytes32(0));
    }

    function scheduled(address target, bytes memory call_) internal returns (bytes32 id) {
        uint256 delay = timelock.getMinDelay();
        vm.prank(proposer);
        timelock.schedule(target, 0, call_, bytes32(0), bytes32(0), delay);
        id = timelock.hashOperation(target, 0, call_, bytes32(0), bytes32(0));
    }

    // ================================================================ §4 the council vetoes but cannot freeze

    function test_s4_councilCannotCancelUnpauseReplacementOrRoleChanges() public {
        bytes32 canceller = timelock.CANCELLER_ROLE();
        CouncilMultisig next = new CouncilMultisig(councilKey);
        bytes[6] memory calls = [
            abi.encodeCall(OnChainProposer.unpause, ()),
            abi.encodeCall(CommonBridge.unpause, ()),
            abi.encodeCall(OnChainProposer.setSecurityCouncil, (address(next))),
            abi.encodeCall(AttestationVerifier.setSecurityCouncil, (address(next))),
            abi.encodeCall(timelock.revokeRole, (canceller, council)),
            abi.encodeCall(timelock.grantRole, (canceller, address(next)))
        ];
        address[6] memory targets = [
            address(rollup), address(bridge), address(rollup), address(attestation), address(timelock), address(timelock)
        ];
        for (uint256 i = 0; i < calls.length; i++) {
            bytes32 id = scheduled(targets[i], calls[i]);
            assertTrue(timelock.councilCannotCancel(id), "shielded");
            vm.prank(council);
            vm.expectRevert(abi.encodeWithSelector(BasaltTimelock.CouncilCannotCancel.selector, id));
            timelock.cancel(id);
            // Governance itself may still withdraw it.
            vm.prank(proposer);
            timelock.cancel(id);
        }
    }

    function test_s4_councilRemovalGoesThroughDespiteTheCouncil() public {
        bytes32 canceller = timelock.CANCELLER_ROLE();
        bytes memory revoke = abi.encodeCall(timelock.revokeRole, (canceller, council));
        bytes32 id = scheduled(address(timelock), revoke);
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(BasaltTimelock.CouncilCannotCancel.selector, id));
        timelock.cancel(id);
        vm.warp(block.timestamp + timelock.getMinDelay());
        vm.prank(proposer);
        timelock.execute(address(timelock), 0, revoke, 0, 0);
        assertFalse(timelock.hasRole(canceller, council), "council removed");
    }

    function test_s4_councilStillVetoesUpgradesAndMixedBatches() public {
        bytes memory upgrade = abi.encodeCall(rollup.upgradeToAndCall, (address(new OnChainProposer()), ""));
        bytes32 id = scheduled(address(rollup), upgrade);
        assertFalse(timelock.councilCannotCancel(id), "upgrade cancellable");
        vm.prank(council);
        timelock.cancel(id);

        // Bundling an upgrade with an unpause does not shield the upgrade.
        uint256 delay = timelock.getMinDelay();
        address[] memory targets = new address[](2);
        targets[0] = address(rollup);
        targets[1] = address(rollup);
        uint256[] memory values = new uint256[](2);
        bytes[] memory payloads = new bytes[](2);
        payloads[0] = abi.encodeCall(OnChainProposer.unpause, ());
        payloads[1] = upgrade;
        vm.prank(proposer);
        timelock.scheduleBatch(targets, values, payloads, 0, 0, delay);
        bytes32 batchId = timelock.hashOperationBatch(targets, values, payloads, 0, 0);
        assertFalse(timelock.councilCannotCancel(batchId), "mixed batch cancellable");
        vm.prank(council);
        timelock.cancel(batchId);

        // A batch of shielded calls only is shielded.
        payloads[1] = abi.encodeCall(CommonBridge.unpause, ());
        targets[1] = address(bridge);
        vm.prank(proposer);
        timelock.scheduleBatch(targets, values, payloads, 0, 0, delay);
        batchId = timelock.hashOperationBatch(targets, values, payloads, 0, 0);
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(BasaltTimelock.CouncilCannotCancel.selector, batchId));
        timelock.cancel(batchId);
    }

    // ================================================================ §4 a production council is a contract

    function test_s4_stagedCouncilMustBeAContract() public {
        address key = vm.addr(0xBEEF);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.CouncilMustBeContract.selector, key));
        rollup.checkSecurityCouncil(key);
        // An EIP-7702 delegated account is still a single key.
        vm.etch(key, abi.encodePacked(hex"ef0100", address(0x1234)));
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.CouncilMustBeContract.selector, key));
        rollup.checkSecurityCouncil(key);

        // Governance cannot install a key later, on any contract or on the timelock.
        vm.prank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.CouncilMustBeContract.selector, key));
        rollup.setSecurityCouncil(key);
        vm.prank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.CouncilMustBeContract.selector, key));
        bridge.setSecurityCouncil(key);
        vm.prank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.CouncilMustBeContract.selector, key));
        attestation.setSecurityCouncil(key);
        bytes32 canceller = timelock.CANCELLER_ROLE();
        vm.prank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.CouncilMustBeContract.selector, key));
        timelock.grantRole(canceller, key);

        // And a staged deployment cannot start with one.
        council = key;
        address[] memory proposers = new address[](1);
        proposers[0] = proposer;
        timelock = new BasaltTimelock(STAGE1_DELAY, proposers, proposers, key, IOnChainProposer(predictedRollup(1)));
        governance = address(timelock);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.CouncilMustBeContract.selector, key));
        this.deploySystemExternal();
    }

    function deploySystemExternal() external {
        deploySystem(false, false);
    }

    /// The council acts through its multisig: pauses, reverts non-final batches, removes a sequencer.
    function test_s4_multisigCouncilActs() public {
        CouncilMultisig multisig = CouncilMultisig(council);
        vm.prank(councilKey);
        multisig.exec(address(rollup), abi.encodeCall(OnChainProposer.pause, ()));
        assertTrue(rollup.paused(), "paused by the multisig");
        vm.prank(councilKey);
        multisig.exec(address(attestation), abi.encodeCall(AttestationVerifier.removeSigner, (signerAddrs[2])));
        assertFalse(attestation.isSigner(signerAddrs[2]), "attester removed");
    }

    // ================================================================ §7 stage floors hold on chain

    function test_s7_stage1NeedsTheFullExitWindow() public {
        assertEq(rollup.requiredGovernanceDelay(INCLUSION_PERIOD), STAGE1_DELAY, "7 d + inclusion + proving + final");
        rollup.checkExitWindow();
        // One second short: the bridge (initialised last) refuses.
        vm.expectRevert(
            abi.encodeWithSelector(IOnChainProposer.ExitWindowTooShort.selector, STAGE1_DELAY - 1, STAGE1_DELAY)
        );
        this.deployStagedExternal(7 days, STAGE1_DELAY - 1);
        // Stage 2 needs 30 days.
        vm.expectRevert(
            abi.encodeWithSelector(
                IOnChainProposer.ExitWindowTooShort.selector, STAGE1_DELAY, STAGE1_DELAY + 23 days
            )
        );
        this.deployStagedExternal(30 days, STAGE1_DELAY);
        this.deployStagedExternal(30 days, STAGE1_DELAY + 23 days);
    }

    function deployStagedExternal(uint64 floor, uint256 delay) external {
        deployStaged(floor, delay);
    }

    function test_s7_governanceCannotShrinkTheExitWindow() public {
        // Lowering the timelock delay fails at execution (the operation reverts inside the timelock).
        bytes memory lower = abi.encodeCall(TimelockController.updateDelay, (STAGE1_DELAY - 1));
        vm.prank(proposer);
        timelock.schedule(address(timelock), 0, lower, 0, 0, STAGE1_DELAY);
        vm.warp(block.timestamp + STAGE1_DELAY);
        vm.prank(proposer);
        vm.expectRevert(
            abi.encodeWithSelector(IOnChainProposer.ExitWindowTooShort.selector, STAGE1_DELAY - 1, STAGE1_DELAY)
        );
        timelock.execute(address(timelock), 0, lower, 0, 0);

        // So does lengthening the inclusion period, the finalization delay or the proving allowance.
        vm.startPrank(address(timelock));
        vm.expectRevert(
            abi.encodeWithSelector(IOnChainProposer.ExitWindowTooShort.selector, STAGE1_DELAY, STAGE1_DELAY + 1)
        );
        bridge.setInclusionPeriod(INCLUSION_PERIOD + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOnChainProposer.ExitWindowTooShort.selector, STAGE1_DELAY, STAGE1_DELAY + 1)
        );
        rollup.setFinalizationDelay(1 days + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IOnChainProposer.ExitWindowTooShort.selector, STAGE1_DELAY, STAGE1_DELAY + 1)
        );
        rollup.setProvingAllowance(1 days + 1);
        // Shortening them is fine.
        bridge.setInclusionPeriod(INCLUSION_PERIOD - 1);
        vm.stopPrank();

        // Raising the delay first, then the period, works.
        govern(address(timelock), abi.encodeCall(TimelockController.updateDelay, (STAGE1_DELAY + 1 days)));
        govern(address(bridge), abi.encodeCall(CommonBridge.setInclusionPeriod, (INCLUSION_PERIOD + 1 days)));
        assertEq(bridge.inclusionPeriod(), INCLUSION_PERIOD + 1 days, "period raised within the window");
    }

    function test_s7_stagedOwnerMustBeATimelock() public {
        vm.prank(address(timelock));
        rollup.transferOwnership(proposer);
        vm.prank(proposer);
        rollup.acceptOwnership();
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.OwnerNotTimelock.selector, proposer));
        rollup.checkExitWindow();
        vm.prank(proposer);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.OwnerNotTimelock.selector, proposer));
        rollup.setFinalizationDelay(0);
    }
}
