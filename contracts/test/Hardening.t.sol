// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";

import {AttestationVerifier} from "../src/l1/AttestationVerifier.sol";
import {CommonBridge} from "../src/l1/CommonBridge.sol";
import {EmergencyPause} from "../src/l1/EmergencyPause.sol";
import {OnChainProposer} from "../src/l1/OnChainProposer.sol";
import {ICommonBridge} from "../src/l1/interfaces/ICommonBridge.sol";
import {IOnChainProposer} from "../src/l1/interfaces/IOnChainProposer.sol";
import {IL2Bridge} from "../src/l2/interfaces/IL2Bridge.sol";
import {L2Bridge} from "../src/l2/L2Bridge.sol";
import {L2Messenger} from "../src/l2/L2Messenger.sol";
import {BasaltFormats} from "../src/common/BasaltFormats.sol";
import {Fixture} from "./utils/Fixture.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {
    ConstructorCaller,
    ContractCaller,
    EchoFallback,
    MockVerifier,
    PermissiveFallback,
    TestToken
} from "./utils/Mocks.sol";

/// @notice Issue 9 ("contracts hardening"), sections 1-3, 5 and 6: each scenario of the security review as a
///         test, plus the bounds around it. The review's scenarios were first written against the contracts
///         before the fix, where each of them failed.
contract HardeningTest is Fixture {
    address internal constant ETH = BasaltFormats.ETH_TOKEN;
    address internal constant L2_BRIDGE = BasaltFormats.L2_BRIDGE;

    function setUp() public {
        deploySystem(false, false);
    }

    // ================================================================ §1 every queued tx is includable

    /// The review's freeze: a 21000-gas call with one non-zero byte is below its own intrinsic gas.
    function test_s1_sendToL2RejectsGasBelowIntrinsicGasWithFloor() public {
        vm.prank(user, user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidGasLimit.selector, 21_000, 21_040, MAX_L2_GAS));
        bridge.sendToL2(user, 0, 21_000, hex"01");
        // 21000 + 10 * 4 tokens (EIP-7623 floor) is enough; one zero byte costs 1 token.
        vm.prank(user, user);
        bridge.sendToL2(user, 0, 21_040, hex"01");
        vm.prank(user, user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidGasLimit.selector, 21_009, 21_010, MAX_L2_GAS));
        bridge.sendToL2(user, 0, 21_009, hex"00");
    }

    /// Whatever the calldata, an accepted gas limit covers max(standard intrinsic, EIP-7623 floor).
    function testFuzz_s1_acceptedGasLimitCoversIntrinsicGas(bytes calldata data, uint256 gasLimit) public {
        gasLimit = gasLimit % 2_000_000;
        uint256 zeros = 0;
        for (uint256 i = 0; i < data.length; i++) {
            if (data[i] == 0) zeros++;
        }
        uint256 nonZeros = data.length - zeros;
        uint256 standard = 21_000 + 4 * zeros + 16 * nonZeros;
        uint256 floor = 21_000 + 10 * (zeros + 4 * nonZeros);
        vm.prank(user, user);
        (bool ok,) = address(bridge).call(abi.encodeCall(CommonBridge.sendToL2, (user, 0, gasLimit, data)));
        assertEq(ok, gasLimit >= floor && gasLimit >= standard, "accepted exactly when intrinsic gas is covered");
    }

    function test_s1_sendToL2RejectsOversizedCalldata() public {
        bytes memory data = new bytes(BasaltFormats.MAX_PRIVILEGED_CALLDATA + 1);
        vm.prank(user, user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.CalldataTooLarge.selector, data.length, data.length - 1));
        bridge.sendToL2(user, 0, MAX_L2_GAS, data);
    }

    /// A huge period can neither pin later deadlines nor make every deposit overflow.
    function test_s1_inclusionPeriodIsBounded() public {
        uint256 longest = bridge.MAX_INCLUSION_PERIOD();
        uint256 shortest = bridge.MIN_INCLUSION_PERIOD();
        vm.startPrank(governance);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setInclusionPeriod(type(uint256).max);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setInclusionPeriod(longest + 1);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setInclusionPeriod(shortest - 1);
        bridge.setInclusionPeriod(longest);
        vm.stopPrank();
        depositEth(1 ether); // the largest period still queues
        assertEq(bridge.privilegedTxDeadline(0), block.timestamp + 30 days, "deadline");
    }

    /// The gas limits governance may set keep every deposit deliverable and every call within an L2 block.
    function test_s1_gasLimitBoundsKeepEveryTxIncludable() public {
        uint256 minDeposit = bridge.MIN_DEPOSIT_GAS_LIMIT();
        vm.startPrank(governance);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setL2GasLimits(minDeposit - 1, MAX_L2_GAS, L2_BLOCK_GAS);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setL2GasLimits(minDeposit, L2_BLOCK_GAS, L2_BLOCK_GAS); // above the EIP-7825 cap
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setL2GasLimits(minDeposit, 5_000_000, 4_999_999); // above the L2 block
        bridge.setL2GasLimits(minDeposit, 1 << 24, 1 << 24);
        vm.stopPrank();
    }

    // ================================================================ §2 forced ether exit

    function test_s2_forceWithdrawEthQueuesWithdrawalFromTheCallersL2Balance() public {
        bytes memory data = abi.encodeCall(IL2Bridge.withdraw, (stranger));
        vm.expectEmit(true, true, true, true, address(bridge));
        emit ICommonBridge.PrivilegedTxSent(
            user, user, L2_BRIDGE, 0, 0, 2 ether, DEPOSIT_GAS, data, block.timestamp + INCLUSION_PERIOD
        );
        uint256 before = gasleft();
        vm.prank(user, user);
        bridge.forceWithdrawETH(stranger, 2 ether);
        assertTrue(before - gasleft() >= DEPOSIT_GAS, "L2 gas paid by an L1 burn");
        assertEq(
            bridge.privilegedTxHash(0),
            BasaltFormats.privilegedTxHash(L2_CHAIN_ID, user, L2_BRIDGE, 0, 0, 2 ether, DEPOSIT_GAS, data),
            "nothing minted, value drawn from the L2 balance"
        );
        assertEq(bridge.deposits(ETH, ETH), 0, "no ether bridged");

        // A contract forces out of its aliased account.
        ContractCaller caller = new ContractCaller();
        vm.prank(user, user);
        caller.forceWithdraw(bridge, stranger, 1 ether);
        assertEq(
            bridge.privilegedTxHash(1),
            BasaltFormats.privilegedTxHash(
                L2_CHAIN_ID, BasaltFormats.applyAlias(address(caller)), L2_BRIDGE, 1, 0, 1 ether, DEPOSIT_GAS, data
            ),
            "aliased sender"
        );

        vm.expectRevert(ICommonBridge.ZeroAmount.selector);
        bridge.forceWithdrawETH(stranger, 0);
        vm.expectRevert(ICommonBridge.ZeroAddress.selector);
        bridge.forceWithdrawETH(address(0), 1);
    }

    /// The forced withdrawal executed on L2 (as the privileged tx: from `user`, value drawn from its L2
    /// balance) produces a message the L1 pays out.
    function test_s2_forcedEthWithdrawalRoundTrip() public {
        depositEth(5 ether); // ether the user bridged earlier and now holds on L2
        vm.etch(L2_BRIDGE, address(new L2Bridge()).code);
        vm.etch(BasaltFormats.L2_MESSENGER, address(new L2Messenger()).code);
        vm.prank(user, user);
        bridge.forceWithdrawETH(stranger, 2 ether);

        // L2: the privileged transaction calls L2Bridge.withdraw(stranger) from `user` with value 2 ether.
        vm.deal(user, 2 ether);
        vm.prank(user);
        L2Bridge(L2_BRIDGE).withdraw{value: 2 ether}(stranger);
        uint256 messageId = L2Messenger(BasaltFormats.L2_MESSENGER).lastMessageId();

        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = ethLeaf(stranger, 2 ether, messageId);
        uint256 batch = rollup.lastCommittedBatch() + 1;
        commit(batch, MerkleTree.root(leaves), 2, 0);
        verify(batch, 1);
        claimEth(stranger, 2 ether, batch, messageId, new bytes32[](0));
        assertEq(stranger.balance, 2 ether, "forced out");
    }

    // ================================================================ §3 forced inclusion at commit time

    function test_s3_proverOutageLongerThanInclusionPeriodDoesNotInvalidateHonestBatch() public {
        commit(1, 0, 0, 5);
        depositEth(1 ether);
        vm.warp(block.timestamp + INCLUSION_PERIOD + 1 hours);
        verify(1, 1);
        assertEq(rollup.lastVerifiedBatch(), 1, "honest batch verified after the deadline");
    }

    function test_s3_pauseLongerThanInclusionPeriodDoesNotInvalidateHonestBatch() public {
        commit(1, 0, 0, 5);
        depositEth(1 ether);
        vm.prank(council);
        rollup.pause();
        vm.warp(block.timestamp + INCLUSION_PERIOD + 1 hours);
        vm.prank(council);
        rollup.unpause();
        verify(1, 1);
        // The deadline did not run while paused: ordinary batches may still leave the deposit out.
        commit(2, 0, 0, 1);
        assertFalse(bridge.isPrivilegedTxOverdue(0), "clock stopped while paused");
    }

    function test_s3_commitRefusesOrdinaryBatchWhileOverdue() public {
        depositEth(1 ether);
        vm.warp(block.timestamp + INCLUSION_PERIOD + 1);
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.ForcedInclusionRequired.selector, 1));
        rollup.commitBatch(1, stateRoot(1), 0, 0, 0, 1);
        commit(1, 0, 1, 1); // including it is enough
    }

    function test_s3_deadlinesStopWhilePausedAndResumeWhenThePauseExpires() public {
        uint256 t0 = block.timestamp;
        depositEth(1 ether);
        vm.warp(t0 + 1 hours);
        vm.prank(council);
        rollup.pause();
        vm.warp(t0 + 1 hours + 3 days);
        assertEq(bridge.inclusionClock(), t0 + 1 hours, "clock stands still");
        vm.prank(council);
        rollup.unpause();
        vm.warp(t0 + INCLUSION_PERIOD + 3 days);
        assertFalse(bridge.isPrivilegedTxOverdue(0), "deadline moved by the pause");
        vm.warp(t0 + INCLUSION_PERIOD + 3 days + 1);
        assertTrue(bridge.isPrivilegedTxOverdue(0), "and then applies");

        // A pause that is never lifted stops the clock only until it expires.
        uint256 t1 = block.timestamp;
        vm.prank(governance);
        rollup.pause();
        vm.warp(t1 + 60 days);
        assertFalse(rollup.paused(), "expired");
        assertEq(bridge.inclusionClock(), t1 + 60 days - 3 days - 14 days, "paused 3 + 14 days in total");
    }

    // ================================================================ §4 (pauses; governance in HardeningGovernanceTest)

    function test_s4_pausesExpire() public {
        vm.startPrank(council);
        rollup.pause();
        bridge.pause();
        vm.stopPrank();
        assertEq(rollup.pausedUntil(), block.timestamp + 14 days, "rollup pause end");
        vm.warp(block.timestamp + 14 days - 1);
        assertTrue(rollup.paused() && bridge.paused(), "still paused");
        vm.warp(block.timestamp + 1);
        assertFalse(rollup.paused(), "rollup pause ended by itself");
        assertFalse(bridge.paused(), "bridge pause ended by itself");
        commit(1, 0, 0, 1);
        depositEth(1 ether);
    }

    function test_s4_councilRepauseNeedsCooldownGovernanceDoesNot() public {
        vm.prank(council);
        rollup.pause();
        uint256 allowedAt = block.timestamp + 28 days;
        vm.warp(block.timestamp + 14 days);
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(EmergencyPause.CouncilPauseCoolingDown.selector, allowedAt));
        rollup.pause();
        // Unpausing early does not shorten the cooldown.
        vm.prank(governance);
        rollup.pause();
        vm.prank(governance);
        rollup.unpause();
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(EmergencyPause.CouncilPauseCoolingDown.selector, allowedAt));
        rollup.pause();
        vm.warp(allowedAt);
        vm.prank(council);
        rollup.pause();
        assertTrue(rollup.paused(), "after the cooldown");
    }

    function test_s4_councilRemovesButNeverAddsSequencers() public {
        vm.prank(governance);
        rollup.setSequencer(stranger, true);
        vm.prank(council);
        rollup.removeSequencer(stranger);
        assertFalse(rollup.isSequencer(stranger), "removed");
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.LastSequencer.selector, sequencer));
        rollup.removeSequencer(sequencer);
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, council));
        rollup.setSequencer(stranger, true);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.NotOwnerOrCouncil.selector, stranger));
        rollup.removeSequencer(sequencer);
        // Governance may remove the last one.
        vm.prank(governance);
        rollup.removeSequencer(sequencer);
        assertEq(rollup.sequencerCount(), 0, "none left");
    }

    function test_s4_councilRemovesButNeverAddsAttesters() public {
        vm.prank(council);
        attestation.removeSigner(signerAddrs[0]);
        assertFalse(attestation.isSigner(signerAddrs[0]), "removed");
        // Two signers left with threshold 2: removing another would make verification impossible.
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.InvalidThreshold.selector, 2, 1));
        attestation.removeSigner(signerAddrs[1]);
        vm.startPrank(council);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, council));
        attestation.addSigner(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, council));
        attestation.setThreshold(1);
        vm.stopPrank();
    }

    // ================================================================ §5 verification fails closed

    function test_s5_implementationContractVerifiesNothing() public {
        AttestationVerifier impl = new AttestationVerifier();
        assertEq(impl.threshold(), 0, "implementation has no signer set");
        vm.expectRevert(AttestationVerifier.NotInitialized.selector);
        impl.verify(1, "", "");
    }

    function test_s5_permissiveOrEchoingContractsAreNotVerifiers() public {
        commit(1, 0, 0, 0);
        address[2] memory impostors = [address(new PermissiveFallback()), address(new EchoFallback())];
        for (uint256 k = 0; k < impostors.length; k++) {
            vm.prank(governance);
            rollup.setVerifier(2, impostors[k]);
            bytes[][] memory proofs = new bytes[][](1);
            proofs[0] = new bytes[](2);
            proofs[0][0] = attest(1);
            proofs[0][1] = "";
            vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.VerifierDidNotAccept.selector, uint8(2), 1));
            rollup.verifyBatches(1, proofs);
        }
    }

    function test_s5_attestationDoesNotReplayOnAnotherDeploymentChainOrBatch() public {
        commit(1, 0, 0, 0);
        commit(2, 0, 0, 0);
        bytes memory proofForA = attest(1);
        OnChainProposer rollupA = rollup;

        // Another L1 chain id (a fork): the same signatures no longer recover to the signers.
        vm.chainId(5);
        (bool ok, bytes memory err) = address(rollupA).call(abi.encodeCall(OnChainProposer.verifyBatches, (1, single(proofForA))));
        assertFalse(ok, "replayed across L1 chains");
        assertEq(bytes4(err), AttestationVerifier.UnknownSigner.selector, "other chain");
        vm.chainId(31_337);

        // Another deployment with the same L2 chain id, committee and batch.
        deploySystem(false, false);
        commit(1, 0, 0, 0);
        assertEq(rollup.publicInputs(1), rollupA.publicInputs(1), "same public inputs");
        (ok, err) = address(rollup).call(abi.encodeCall(OnChainProposer.verifyBatches, (1, single(proofForA))));
        assertFalse(ok, "replayed across deployments");
        assertEq(bytes4(err), AttestationVerifier.UnknownSigner.selector, "other deployment");

        // Another verifier id on the same proposer.
        AttestationVerifier second = AttestationVerifier(
            address(
                new ERC1967Proxy(
                    address(new AttestationVerifier()),
                    abi.encodeCall(AttestationVerifier.initialize, (governance, address(rollupA), 2, council, signerAddrs, 2))
                )
            )
        );
        bytes memory inputs = rollupA.publicInputs(1);
        vm.expectRevert();
        second.verify(1, inputs, proofForA);
        rollupA.verifyBatches(1, single(proofForA)); // and it still verifies where it belongs
    }

    function test_s5_devNoVerifierOnlyOnDevelopmentChains() public {
        address impl = address(new OnChainProposer());
        IOnChainProposer.InitParams memory params = rollupParams(address(bridge), false, true);
        vm.chainId(1);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.DevModeNotAllowed.selector, 1));
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));
        vm.chainId(1337);
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));
        vm.chainId(31_337);
        params.exitWindowFloor = 7 days; // never on a staged deployment
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.DevModeNotAllowed.selector, 31_337));
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));
    }

    function test_s5_committeeVerifiedWithdrawalsWaitForFinalization() public {
        finalizationDelay = 1 days;
        deploySystem(false, false);
        depositEth(10 ether);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = ethLeaf(user, 1 ether, 1);
        commit(1, MerkleTree.root(leaves), 1, 0);
        verify(1, 1);
        uint256 finalAt = block.timestamp + 1 days;
        assertEq(rollup.getBatch(1).finalizedAt, finalAt, "final after the delay");
        assertFalse(rollup.isBatchFinal(1), "not final yet");
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.BatchNotFinal.selector, 1, finalAt));
        claimEth(user, 1 ether, 1, 1, new bytes32[](0));
        vm.warp(finalAt);
        assertTrue(rollup.isBatchFinal(1), "final");
        claimEth(user, 1 ether, 1, 1, new bytes32[](0));
    }

    function test_s5_validityProofIsFinalAtOnce() public {
        finalizationDelay = 1 days;
        deploySystem(false, false);
        MockVerifier zk = new MockVerifier(true);
        vm.prank(governance);
        rollup.setVerifier(2, address(zk));
        commit(1, 0, 0, 0);
        bytes[][] memory proofs = new bytes[][](1);
        proofs[0] = new bytes[](2);
        proofs[0][0] = attest(1);
        proofs[0][1] = "ok";
        rollup.verifyBatches(1, proofs);
        assertTrue(rollup.isBatchFinal(1), "a validity proof needs no delay");
    }

    function test_s5_councilRevertsVerifiedButNotFinalBatch() public {
        finalizationDelay = 1 days;
        deploySystem(false, false);
        depositEth(1 ether);
        depositEth(2 ether);
        bytes32 root = keccak256("bad messages");
        commit(1, root, 2, 0);
        commit(2, 0, 0, 0);
        verify(1, 1); // a compromised committee vouched for batch 1
        assertEq(bridge.privilegedTxHead(), 2, "consumed");
        assertEq(bridge.l1MessagesRoot(1), root, "published");

        vm.prank(council);
        rollup.pause();
        vm.expectEmit(true, false, false, true, address(rollup));
        emit IOnChainProposer.BatchesReverted(1, 2);
        vm.prank(council);
        rollup.revertBatch(1);
        assertEq(rollup.lastVerifiedBatch(), 0, "verification undone");
        assertEq(rollup.lastCommittedBatch(), 0, "commitments discarded");
        assertEq(bridge.privilegedTxHead(), 0, "deposits pending again");
        assertEq(rollup.nextCommittedPrivilegedTxId(), 0, "and uncommitted");
        assertEq(bridge.l1MessagesRoot(1), bytes32(0), "messages withdrawn");
        vm.prank(council);
        rollup.unpause();

        commit(1, 0, 2, 0);
        verify(1, 1);
        vm.warp(block.timestamp + 1 days);
        vm.prank(governance); // the council is cooling down after its pause
        rollup.pause();
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.BatchAlreadyFinal.selector, 1));
        rollup.revertBatch(1);
    }

    function test_s5_finalityNeverComesEarlierThanThePreviousBatch() public {
        finalizationDelay = 3 days;
        deploySystem(false, false);
        commit(1, 0, 0, 0);
        commit(2, 0, 0, 0);
        verify(1, 1);
        vm.prank(governance);
        rollup.setFinalizationDelay(0);
        verify(2, 1);
        assertEq(rollup.getBatch(2).finalizedAt, rollup.getBatch(1).finalizedAt, "monotone finality");
        uint64 tooLong = uint64(rollup.MAX_FINALIZATION_DELAY()) + 1;
        vm.prank(governance);
        vm.expectRevert(IOnChainProposer.InvalidParameter.selector);
        rollup.setFinalizationDelay(tooLong);
    }

    // ================================================================ §6 claims and deposits never strand funds

    function test_s6_anyoneRelaysAClaimToTheBoundRecipient() public {
        depositEth(10 ether);
        TestToken token = new TestToken();
        token.mint(user, 10e18);
        vm.prank(user);
        token.approve(address(bridge), 10e18);
        vm.prank(user);
        bridge.depositERC20(address(token), address(0x7012), user, 10e18);

        // A depositing contract with no claim code path gets its refunds anyway.
        ContractCaller depositor = new ContractCaller();
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = bridge.withdrawalLeaf(address(token), address(0x7012), address(depositor), 4e18, 1);
        leaves[1] = ethLeaf(stranger, 1 ether, 2);
        uint256 batch = publishMessages(MerkleTree.root(leaves));

        vm.prank(stranger);
        bridge.claimWithdrawalERC20(
            address(token), address(0x7012), address(depositor), 4e18, batch, 1, MerkleTree.proof(leaves, 0)
        );
        assertEq(token.balanceOf(address(depositor)), 4e18, "relayed to the depositing contract");

        // The relayer cannot redirect: the recipient is part of the leaf.
        vm.prank(user);
        vm.expectRevert(ICommonBridge.InvalidMerkleProof.selector);
        bridge.claimWithdrawal(user, 1 ether, batch, 2, MerkleTree.proof(leaves, 1));
        vm.prank(user);
        bridge.claimWithdrawal(stranger, 1 ether, batch, 2, MerkleTree.proof(leaves, 1));
        assertEq(stranger.balance, 1 ether, "paid to the recipient, not the relayer");
    }

    function test_s6_receiveCreditsContractSendersAtTheirAlias() public {
        ContractCaller c = new ContractCaller();
        vm.prank(user, user);
        c.forward{value: 1 ether}(address(bridge));
        assertEq(
            bridge.privilegedTxHash(0),
            ethDepositHash(0, address(c), BasaltFormats.applyAlias(address(c)), 1 ether),
            "credited at the alias the contract controls through sendToL2"
        );
    }

    function test_s6_delegatedEoaIsKeyedEvenThroughARelayer() public {
        address eoa = vm.addr(0xE0A);
        vm.etch(eoa, abi.encodePacked(hex"ef0100", address(0x1234)));
        vm.deal(eoa, 1 ether);
        vm.prank(eoa, stranger); // a relayer sends the transaction: tx.origin != msg.sender
        bridge.sendToL2(address(0xD00D), 0, 21_000, "");
        assertEq(
            bridge.privilegedTxHash(0),
            BasaltFormats.privilegedTxHash(L2_CHAIN_ID, eoa, address(0xD00D), 0, 0, 0, 21_000, ""),
            "EIP-7702 account keeps its address"
        );
        vm.prank(eoa, stranger);
        (bool ok,) = address(bridge).call{value: 1 ether}("");
        assertTrue(ok, "receive");
        assertEq(bridge.privilegedTxHash(1), ethDepositHash(1, eoa, eoa, 1 ether), "receive credits the account itself");
        // Other 23-byte code is a contract.
        vm.etch(eoa, abi.encodePacked(hex"600035", address(0x1234)));
        vm.prank(eoa, stranger);
        bridge.sendToL2(address(0xD00D), 0, 21_000, "");
        assertEq(
            bridge.privilegedTxHash(2),
            BasaltFormats.privilegedTxHash(L2_CHAIN_ID, BasaltFormats.applyAlias(eoa), address(0xD00D), 2, 0, 0, 21_000, ""),
            "aliased"
        );
    }

    function test_s6_contractCallingFromItsConstructorIsAliased() public {
        vm.prank(user, user);
        ConstructorCaller c = new ConstructorCaller(bridge, address(0xD00D));
        assertEq(
            bridge.privilegedTxHash(0),
            BasaltFormats.privilegedTxHash(
                L2_CHAIN_ID, BasaltFormats.applyAlias(address(c)), address(0xD00D), 0, 0, 0, 21_000, ""
            ),
            "no code yet, still a contract"
        );
    }

    function test_s6_depositsArePriced() public {
        uint256 minimum = bridge.MIN_ETH_DEPOSIT();
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.DepositTooSmall.selector, 1, minimum));
        bridge.deposit{value: 1}(user);

        uint256 before = gasleft();
        depositEth(minimum);
        assertTrue(before - gasleft() >= DEPOSIT_GAS, "ether deposit burns its L2 gas");
        TestToken token = new TestToken();
        token.mint(user, 1);
        vm.prank(user);
        token.approve(address(bridge), 1);
        before = gasleft();
        vm.prank(user);
        bridge.depositERC20(address(token), address(0x7012), user, 1);
        assertTrue(before - gasleft() >= DEPOSIT_GAS, "token deposit burns its L2 gas");
    }
}
