// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {BasaltFormats} from "../src/common/BasaltFormats.sol";
import {AttestationVerifier} from "../src/l1/AttestationVerifier.sol";
import {BasaltTimelock} from "../src/l1/BasaltTimelock.sol";
import {CommonBridge} from "../src/l1/CommonBridge.sol";
import {CanonicalERC20} from "../src/l2/CanonicalERC20.sol";
import {L2TokenFactory} from "../src/l2/L2TokenFactory.sol";
import {OnChainProposer} from "../src/l1/OnChainProposer.sol";
import {IOnChainProposer} from "../src/l1/interfaces/IOnChainProposer.sol";
import {L2Bridge} from "../src/l2/L2Bridge.sol";
import {L2Messenger} from "../src/l2/L2Messenger.sol";
import {BridgedERC20} from "../src/l2/BridgedERC20.sol";
import {Fixture} from "./utils/Fixture.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {TestToken} from "./utils/Mocks.sol";

/// @notice Realistic use of every external function, for `npm run contracts:gas`
///         (`forge test --gas-report --match-contract GasReport`, which isolates each call as its
///         own transaction). Uses a validium deployment because forge cannot attach a blob to an
///         isolated transaction; docs/contracts.md gives the rollup-mode commit measured on anvil.
contract GasReportTest is Fixture {
    /// Printed by forge with -vv (the L2 system contracts run at etched addresses the gas report skips).
    event log_named_uint(string key, uint256 val);

    address internal constant ETH = BasaltFormats.ETH_TOKEN;
    address internal constant TOKEN_L2 = address(0x7012);
    TestToken internal token;

    function setUp() public {
        deploySystem(true, false);
        token = new TestToken();
        token.mint(user, 1_000e18);
        vm.prank(user);
        token.approve(address(bridge), type(uint256).max);
    }

    function test_gas_bridgeAndBatchLifecycle() public {
        vm.prank(user);
        bridge.deposit{value: 1 ether}(user);
        vm.prank(user);
        bridge.deposit{value: 2 ether}(user);
        vm.prank(user);
        (bool ok,) = address(bridge).call{value: 1 ether}("");
        assertTrue(ok, "receive");
        vm.prank(user);
        bridge.depositERC20(address(token), TOKEN_L2, user, 100e18);
        vm.prank(user);
        bridge.depositERC20(address(token), user, 100e18);
        vm.prank(user, user);
        bridge.sendToL2{value: 0}(address(0xD00D), 0, 100_000, hex"c0ffee");
        vm.prank(user, user);
        bridge.forceWithdrawETH(user, 1 ether);

        bytes32[] memory leaves = new bytes32[](4);
        leaves[0] = ethLeaf(user, 1 ether, 1);
        leaves[1] = bridge.withdrawalLeaf(address(token), TOKEN_L2, user, 10e18, 2);
        leaves[2] = ethLeaf(user, 2 ether, 3);
        leaves[3] = ethLeaf(stranger, 1 ether, 4);

        commit(1, MerkleTree.root(leaves), 2, 10);
        verify(1, 1);
        commit(2, 0, 3, 10);
        commit(3, 0, 0, 10);
        commit(4, 0, 0, 10);
        verify(2, 3);

        vm.prank(user);
        bridge.claimWithdrawal(user, 1 ether, 1, 1, MerkleTree.proof(leaves, 0));
        vm.prank(user);
        bridge.claimWithdrawal(user, 2 ether, 1, 3, MerkleTree.proof(leaves, 2));
        vm.prank(user);
        bridge.claimWithdrawalERC20(address(token), TOKEN_L2, user, 10e18, 1, 2, MerkleTree.proof(leaves, 1));
    }

    function test_gas_emergencyAndGovernance() public {
        commit(1, 0, 0, 0);
        commit(2, 0, 0, 0);
        vm.prank(council);
        rollup.pause();
        vm.prank(council);
        rollup.revertBatch(1);
        vm.prank(council);
        rollup.unpause();
        vm.prank(council);
        bridge.pause();
        vm.prank(council);
        bridge.unpause();

        vm.startPrank(governance);
        rollup.setSequencer(stranger, true);
        rollup.setVerifier(2, address(0x1234));
        rollup.setVerifier(2, address(0));
        rollup.setSecurityCouncil(council);
        rollup.setFinalizationDelay(1 hours);
        rollup.setProvingAllowance(1 days);
        bridge.setL2GasLimits(150_000, 16_000_000, 30_000_000);
        bridge.setInclusionPeriod(2 days);
        bridge.setSecurityCouncil(council);
        attestation.addSigner(vm.addr(0xD4));
        attestation.setThreshold(3);
        attestation.removeSigner(vm.addr(0xD4));
        attestation.setSecurityCouncil(council);
        rollup.upgradeToAndCall(address(new OnChainProposer()), "");
        bridge.upgradeToAndCall(address(new CommonBridge()), "");
        attestation.upgradeToAndCall(address(new AttestationVerifier()), "");
        rollup.transferOwnership(stranger);
        bridge.transferOwnership(stranger);
        attestation.transferOwnership(stranger);
        vm.stopPrank();
        vm.prank(council);
        rollup.removeSequencer(stranger);
        vm.startPrank(stranger);
        rollup.acceptOwnership();
        bridge.acceptOwnership();
        attestation.acceptOwnership();
        vm.stopPrank();
    }

    function test_gas_attestationVerify() public view {
        bytes memory inputs = new bytes(256);
        uint256[] memory two = new uint256[](2);
        two[0] = signerKeys[0];
        two[1] = signerKeys[1];
        attestation.verify(1, inputs, attestWith(two, 1, inputs));
        attestation.verify(1, inputs, attestWith(signerKeys, 1, inputs));
    }

    function test_gas_timelock() public {
        address[] memory proposers = new address[](1);
        proposers[0] = governance;
        BasaltTimelock timelock =
            new BasaltTimelock(1 days, proposers, proposers, council, IOnChainProposer(address(rollup)));
        bytes memory call_ = abi.encodeCall(OnChainProposer.setSequencer, (stranger, true));
        vm.prank(governance);
        rollup.transferOwnership(address(timelock));
        vm.prank(address(timelock));
        rollup.acceptOwnership();

        vm.prank(governance);
        timelock.schedule(address(rollup), 0, call_, bytes32(0), bytes32(0), 1 days);
        vm.warp(block.timestamp + 1 days);
        vm.prank(governance);
        timelock.execute(address(rollup), 0, call_, bytes32(0), bytes32(0));

        vm.prank(governance);
        timelock.schedule(address(rollup), 0, call_, bytes32(0), bytes32(uint256(1)), 1 days);
        bytes32 id = timelock.hashOperation(address(rollup), 0, call_, bytes32(0), bytes32(uint256(1)));
        vm.prank(council);
        timelock.cancel(id);
    }

    function test_gas_l2() public {
        vm.etch(BasaltFormats.L2_BRIDGE, address(new L2Bridge()).code);
        vm.etch(BasaltFormats.L2_MESSENGER, address(new L2Messenger()).code);
        L2Bridge l2 = L2Bridge(BasaltFormats.L2_BRIDGE);
        BridgedERC20 l2Token = new BridgedERC20("Bridged", "BTK", 18, address(token));
        vm.deal(BasaltFormats.L2_BRIDGE, 10 ether);

        uint256 g;
        vm.prank(BasaltFormats.L2_BRIDGE);
        g = gasleft();
        l2.mintETH{value: 1 ether}(user, user);
        emit log_named_uint("L2Bridge.mintETH", g - gasleft());
        vm.prank(BasaltFormats.L2_BRIDGE);
        g = gasleft();
        l2.mintERC20(user, address(token), address(l2Token), user, 5e18);
        emit log_named_uint("L2Bridge.mintERC20", g - gasleft());
        vm.prank(BasaltFormats.L2_BRIDGE);
        g = gasleft();
        l2.mintERC20(user, address(0x99), address(l2Token), user, 5e18); // mismatch: refunded
        emit log_named_uint("L2Bridge.mintERC20 (refunded)", g - gasleft());
        vm.etch(BasaltFormats.L2_TOKEN_FACTORY, address(new L2TokenFactory()).code);
        vm.etch(BasaltFormats.CANONICAL_TOKEN_IMPLEMENTATION, address(new CanonicalERC20()).code);
        vm.prank(BasaltFormats.L2_BRIDGE);
        g = gasleft();
        l2.mintCanonicalERC20(user, address(token), user, 5e18, "Test", "TST", 18);
        emit log_named_uint("L2Bridge.mintCanonicalERC20 (creates the token)", g - gasleft());
        vm.prank(BasaltFormats.L2_BRIDGE);
        g = gasleft();
        l2.mintCanonicalERC20(user, address(token), user, 5e18, "Test", "TST", 18);
        emit log_named_uint("L2Bridge.mintCanonicalERC20 (token exists)", g - gasleft());
        vm.prank(user);
        g = gasleft();
        l2.withdraw{value: 0.5 ether}(user);
        emit log_named_uint("L2Bridge.withdraw", g - gasleft());
        vm.prank(user);
        g = gasleft();
        l2.withdrawERC20(address(token), address(l2Token), user, 2e18);
        emit log_named_uint("L2Bridge.withdrawERC20", g - gasleft());
        vm.prank(user);
        g = gasleft();
        L2Messenger(BasaltFormats.L2_MESSENGER).sendMessageToL1(keccak256("hello"));
        emit log_named_uint("L2Messenger.sendMessageToL1", g - gasleft());
    }
}
