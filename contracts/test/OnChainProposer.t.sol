// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";

import {AttestationVerifier} from "../src/l1/AttestationVerifier.sol";
import {OnChainProposer} from "../src/l1/OnChainProposer.sol";
import {IOnChainProposer} from "../src/l1/interfaces/IOnChainProposer.sol";
import {ICommonBridge} from "../src/l1/interfaces/ICommonBridge.sol";
import {BasaltFormats} from "../src/common/BasaltFormats.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Vectors} from "./generated/Vectors.sol";
import {MockVerifier} from "./utils/Mocks.sol";

/// @notice A later version of the rollup that appends state (an upgrade that keeps the layout).
contract OnChainProposerV2 is OnChainProposer {
    uint256 public addedInV2;

    function version() external pure returns (uint256) {
        return 2;
    }
}

contract OnChainProposerTest is Fixture {
    function setUp() public {
        deploySystem(false, false);
    }

    // ---------------------------------------------------------------- initialisation

    function test_initialize_setsConfiguration() public view {
        assertEq(rollup.owner(), governance, "owner");
        assertEq(address(rollup.bridge()), address(bridge), "bridge");
        assertEq(rollup.securityCouncil(), council, "council");
        assertEq(rollup.l2ChainId(), L2_CHAIN_ID, "chain id");
        assertTrue(rollup.isSequencer(sequencer), "sequencer");
        assertFalse(rollup.validium(), "validium");
        assertFalse(rollup.devNoVerifier(), "dev");
        assertEq(rollup.verifierOf(1), address(attestation), "verifier");
        assertEq(rollup.verifierIds().length, 1, "verifier ids");
        assertEq(rollup.getBatch(0).newStateRoot, GENESIS_ROOT, "genesis root");
        assertEq(rollup.lastCommittedBatch(), 0, "last committed");
        assertEq(rollup.lastVerifiedBatch(), 0, "last verified");
        assertEq(uint256(rollup.ATTESTATION_VERIFIER_ID()), 1, "attestation id");
    }

    function test_initialize_cannotRunTwice() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        rollup.initialize(rollupParams(address(bridge), false, false));
    }

    function test_initialize_implementationIsLocked() public {
        OnChainProposer impl = new OnChainProposer();
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize(rollupParams(address(bridge), false, false));
    }

    function _deployWith(IOnChainProposer.InitParams memory params) internal returns (address) {
        return address(new ERC1967Proxy(address(new OnChainProposer()), abi.encodeCall(OnChainProposer.initialize, (params))));
    }

    function test_initialize_rejectsBadParameters() public {
        address impl = address(new OnChainProposer());
        IOnChainProposer.InitParams memory params = rollupParams(address(bridge), false, false);

        params.owner = address(0);
        vm.expectRevert(IOnChainProposer.ZeroAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));

        params = rollupParams(address(0), false, false);
        vm.expectRevert(IOnChainProposer.ZeroAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));

        params = rollupParams(address(bridge), false, false);
        params.genesisStateRoot = bytes32(0);
        vm.expectRevert(IOnChainProposer.InvalidStateRoot.selector);
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));

        params = rollupParams(address(bridge), false, false);
        params.verifiers = new address[](0);
        vm.expectRevert(IOnChainProposer.ArrayLengthMismatch.selector);
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));

        params = rollupParams(address(bridge), false, false);
        params.verifierIds[0] = 0;
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.InvalidVerifierId.selector, uint8(0)));
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));

        params = rollupParams(address(bridge), false, false);
        uint8[] memory ids = new uint8[](2);
        ids[0] = 1;
        ids[1] = 1;
        address[] memory vs = new address[](2);
        vs[0] = address(attestation);
        vs[1] = address(attestation);
        params.verifierIds = ids;
        params.verifiers = vs;
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.DuplicateVerifierId.selector, uint8(1)));
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));

        params = rollupParams(address(bridge), false, false);
        params.sequencers[0] = address(0);
        vm.expectRevert(IOnChainProposer.ZeroAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));
    }

    function test_initialize_requiresVerifierUnlessDevChain() public {
        IOnChainProposer.InitParams memory params = rollupParams(address(bridge), false, true);
        params.devNoVerifier = false;
        address impl = address(new OnChainProposer());
        vm.expectRevert(IOnChainProposer.NoVerifierConfigured.selector);
        new ERC1967Proxy(impl, abi.encodeCall(OnChainProposer.initialize, (params)));

        params.devNoVerifier = true;
        OnChainProposer dev = OnChainProposer(_deployWith(params));
        assertTrue(dev.devNoVerifier(), "dev chain");
        assertEq(dev.verifierIds().length, 0, "no verifier");
    }

    // ---------------------------------------------------------------- commitBatch

    function test_commitBatch_storesCommitmentAndEmits() public {
        setBlob();
        vm.expectEmit(true, false, false, true, address(rollup));
        emit IOnChainProposer.BatchCommitted(1, stateRoot(1), bytes32(uint256(7)), bytes32(0), BLOB_HASH, 1, bytes32(uint256(9)), 3);
        vm.prank(sequencer);
        rollup.commitBatch(1, stateRoot(1), bytes32(uint256(7)), bytes32(0), bytes32(uint256(9)), 3);

        IOnChainProposer.BatchCommitment memory b = rollup.getBatch(1);
        assertEq(b.newStateRoot, stateRoot(1), "root");
        assertEq(b.l1MessagesRoot, bytes32(uint256(7)), "messages root");
        assertEq(b.blobVersionedHash, BLOB_HASH, "one blob's commitment is its versioned hash");
        assertEq(b.blobCount, 1, "blob count");
        assertEq(b.lastBlockHash, bytes32(uint256(9)), "last block hash");
        assertEq(uint256(b.nonPrivilegedTxCount), 3, "tx count");
        assertEq(rollup.lastCommittedBatch(), 1, "last committed");
        assertEq(rollup.lastVerifiedBatch(), 0, "not verified");
    }

    function test_commitBatch_onlySequencer() public {
        setBlob();
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.NotSequencer.selector, stranger));
        vm.prank(stranger);
        rollup.commitBatch(1, stateRoot(1), 0, 0, 0, 0);
    }

    function test_commitBatch_mustBeNextBatch() public {
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.UnexpectedBatchNumber.selector, 1, 2));
        rollup.commitBatch(2, stateRoot(2), 0, 0, 0, 0);

        commit(1, 0, 0, 0);
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.UnexpectedBatchNumber.selector, 2, 1));
        rollup.commitBatch(1, stateRoot(1), 0, 0, 0, 0);
    }

    function test_commitBatch_rejectsZeroStateRoot() public {
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(IOnChainProposer.InvalidStateRoot.selector);
        rollup.commitBatch(1, bytes32(0), 0, 0, 0, 0);
    }

    function test_commitBatch_rollupModeRequiresBlob() public {
        vm.prank(sequencer);
        vm.expectRevert(IOnChainProposer.BlobRequired.selector);
        rollup.commitBatch(1, stateRoot(1), 0, 0, 0, 0);
    }

    function test_commitBatch_manyBlobsAreCommittedInOrder() public {
        // The Rust vectors whose batch starts from this fixture's genesis carry 2 and 6 blobs.
        Vectors.Inputs[] memory v = Vectors.publicInputs();
        uint256 checked = 0;
        for (uint256 i = 0; i < v.length; i++) {
            if (v[i].roots[0] != GENESIS_ROOT) continue;
            deploySystem(false, false);
            vm.blobhashes(v[i].blobVersionedHashes);
            vm.blobBaseFee(0);
            vm.prank(sequencer);
            rollup.commitBatch(1, v[i].roots[1], v[i].roots[2], v[i].roots[3], v[i].roots[5], uint64(v[i].nonPrivilegedTxCount));
            assertEq(rollup.publicInputs(1), v[i].encoded, "public inputs match the Rust vector");
            assertEq(rollup.getBatch(1).blobCount, v[i].blobVersionedHashes.length, "blob count");

            // The same blobs in another order are another commitment.
            bytes32[] memory swapped = v[i].blobVersionedHashes;
            (swapped[0], swapped[1]) = (swapped[1], swapped[0]);
            assertTrue(BasaltFormats.blobsHash(swapped) != v[i].roots[4], "order is committed");
            checked++;
        }
        assertEq(checked, 2, "both multi-blob vectors checked");
    }

    function test_commitBatch_refusesMoreBlobsThanABatchSpans() public {
        uint256 max = rollup.MAX_BLOBS_PER_BATCH();
        bytes32[] memory hashes = new bytes32[](max + 1);
        for (uint256 i = 0; i < hashes.length; i++) {
            hashes[i] = bytes32(uint256(BLOB_HASH) + i);
        }
        vm.blobhashes(hashes);
        vm.prank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.TooManyBlobs.selector, max + 1, max));
        rollup.commitBatch(1, stateRoot(1), 0, 0, 0, 0);
    }

    function test_commitBatch_validiumRejectsBlob() public {
        deploySystem(true, false);
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(IOnChainProposer.BlobNotAllowed.selector);
        rollup.commitBatch(1, stateRoot(1), 0, 0, 0, 0);
    }

    function test_commitBatch_validiumStoresZeroBlobHash() public {
        deploySystem(true, false);
        commit(1, 0, 0, 1);
        assertEq(rollup.getBatch(1).blobVersionedHash, bytes32(0), "no blob");
        verify(1, 1);
        assertEq(rollup.lastVerifiedBatch(), 1, "verified");
    }

    function test_commitBatch_checksPrivilegedRollingHash() public {
        depositEth(1 ether);
        depositEth(2 ether);
        bytes32 good = nextRollingHash(2);
        bytes32 bad = BasaltFormats.withCount(keccak256("wrong"), 2);
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.PrivilegedHashMismatch.selector, good, bad));
        rollup.commitBatch(1, stateRoot(1), 0, bad, 0, 0);

        // Claiming more transactions than are queued.
        bytes32 tooMany = BasaltFormats.withCount(keccak256("x"), 3);
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.PrivilegedTxsNotPending.selector, 0, 3));
        rollup.commitBatch(1, stateRoot(1), 0, tooMany, 0, 0);

        commit(1, 0, 1, 0);
        assertEq(rollup.nextCommittedPrivilegedTxId(), 1, "one committed");
        // The second batch's hash covers the queue from where the first one stopped.
        commit(2, 0, 1, 0);
        assertEq(rollup.nextCommittedPrivilegedTxId(), 2, "two committed");
        assertEq(bridge.pendingPrivilegedTxCount(), 2, "still pending until verified");
    }

    function test_commitBatch_whenPaused() public {
        vm.prank(council);
        rollup.pause();
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        rollup.commitBatch(1, stateRoot(1), 0, 0, 0, 0);
    }

    // ---------------------------------------------------------------- verifyBatches

    function test_verifyBatches_validAttestation() public {
        commit(1, 0, 0, 5);
        bytes[][] memory proofs = proofsFor(1, 1);
        vm.expectEmit(true, false, false, true, address(rollup));
        emit IOnChainProposer.BatchVerified(1, stateRoot(1), block.timestamp);
        vm.prank(stranger); // verification is permissionless: the proof is the authority
        rollup.verifyBatches(1, proofs);
        assertEq(rollup.lastVerifiedBatch(), 1, "verified");
    }

    function test_verifyBatches_severalBatchesInOneTransaction() public {
        depositEth(1 ether);
        commit(1, 0, 1, 2);
        commit(2, keccak256("messages"), 0, 4);
        commit(3, 0, 0, 0);
        verify(1, 3);
        assertEq(rollup.lastVerifiedBatch(), 3, "all verified");
        assertEq(bridge.privilegedTxHead(), 1, "deposit consumed");
        assertEq(bridge.l1MessagesRoot(2), keccak256("messages"), "messages published");
        assertEq(bridge.l1MessagesRoot(1), bytes32(0), "no messages in batch 1");
    }

    function test_verifyBatches_exactlyThresholdSignaturesSuffice() public {
        commit(1, 0, 0, 0);
        uint256[] memory keys = new uint256[](2);
        keys[0] = signerKeys[0];
        keys[1] = signerKeys[2];
        rollup.verifyBatches(1, single(attestWith(keys, 1, rollup.publicInputs(1))));
        assertEq(rollup.lastVerifiedBatch(), 1, "verified with 2 of 3");
    }

    function test_verifyBatches_rejectsWrongSigner() public {
        commit(1, 0, 0, 0);
        uint256[] memory keys = new uint256[](2);
        keys[0] = signerKeys[0];
        keys[1] = 0xE71; // not registered
        bytes memory proof = attestWith(keys, 1, rollup.publicInputs(1));
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.UnknownSigner.selector, vm.addr(0xE71)));
        rollup.verifyBatches(1, single(proof));
    }

    function test_verifyBatches_rejectsBelowThreshold() public {
        commit(1, 0, 0, 0);
        uint256[] memory keys = new uint256[](1);
        keys[0] = signerKeys[1];
        bytes memory proof = attestWith(keys, 1, rollup.publicInputs(1));
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.BelowThreshold.selector, 1, 2));
        rollup.verifyBatches(1, single(proof));
    }

    function test_verifyBatches_rejectsReplayedSignature() public {
        commit(1, 0, 0, 0);
        bytes memory sig = signDigest(signerKeys[0], digestFor(1, rollup.publicInputs(1)));
        address signer = vm.addr(signerKeys[0]);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.SignersNotAscending.selector, signer, signer));
        rollup.verifyBatches(1, single(bytes.concat(sig, sig)));
    }

    function test_verifyBatches_rejectsReplayedProof() public {
        commit(1, 0, 0, 0);
        commit(2, 0, 0, 0);
        bytes memory proofOfBatch1 = attest(1);
        rollup.verifyBatches(1, single(proofOfBatch1));

        // The same proof again for the same batch: already verified.
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.UnexpectedBatchNumber.selector, 2, 1));
        rollup.verifyBatches(1, single(proofOfBatch1));

        // The same proof for the next batch: it attests to other public inputs, so it recovers to
        // addresses that are not signers.
        (bool ok, bytes memory err) =
            address(rollup).call(abi.encodeCall(OnChainProposer.verifyBatches, (2, single(proofOfBatch1))));
        assertFalse(ok, "replayed proof accepted");
        assertEq(bytes4(err), AttestationVerifier.UnknownSigner.selector, "replay error");
    }

    function test_verifyBatches_rejectsProofForTamperedCommitment() public {
        commit(1, 0, 0, 0);
        // Signers attest to a different final state root than the one committed.
        bytes memory inputs = BasaltFormats.encodePublicInputs(
            BasaltFormats.PublicInputs({
                initialStateRoot: GENESIS_ROOT,
                finalStateRoot: keccak256("other"),
                l1MessagesRoot: 0,
                privilegedRollingHash: 0,
                blobsHash: BLOB_HASH,
                lastBlockHash: keccak256(abi.encode("block", uint256(1))),
                chainId: L2_CHAIN_ID,
                nonPrivilegedTxCount: 0
            })
        );
        (bool ok, bytes memory err) =
            address(rollup).call(abi.encodeCall(OnChainProposer.verifyBatches, (1, single(attestWith(signerKeys, 1, inputs)))));
        assertFalse(ok, "tampered proof accepted");
        assertEq(bytes4(err), AttestationVerifier.UnknownSigner.selector, "tampered error");
    }

    function test_verifyBatches_rejectsMalformedProofs() public {
        commit(1, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.MalformedProof.selector, 64));
        rollup.verifyBatches(1, single(new bytes(64)));

        bytes memory zeros = new bytes(130);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.InvalidSignature.selector, 0));
        rollup.verifyBatches(1, single(zeros));
    }

    function test_verifyBatches_sequencingErrors() public {
        vm.expectRevert(IOnChainProposer.NoBatchesToVerify.selector);
        rollup.verifyBatches(1, new bytes[][](0));

        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.BatchNotCommitted.selector, 1));
        rollup.verifyBatches(1, new bytes[][](1));

        commit(1, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.UnexpectedBatchNumber.selector, 1, 2));
        rollup.verifyBatches(2, new bytes[][](1));

        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.BatchNotCommitted.selector, 2));
        rollup.verifyBatches(1, new bytes[][](2));

        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.ProofCountMismatch.selector, 1, 1, 0));
        rollup.verifyBatches(1, new bytes[][](1));
    }

    function test_verifyBatches_whenPaused() public {
        commit(1, 0, 0, 0);
        bytes[][] memory proofs = proofsFor(1, 1);
        vm.prank(governance);
        rollup.pause();
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        rollup.verifyBatches(1, proofs);
    }

    function test_commitBatch_forcedInclusion() public {
        depositEth(1 ether);
        commit(1, 0, 0, 3); // ignores the deposit but has ordinary transactions: fine before the deadline
        vm.warp(block.timestamp + INCLUSION_PERIOD + 1);
        assertTrue(bridge.isPrivilegedTxOverdue(0), "overdue");

        // Past the deadline, a batch with ordinary transactions that leaves the deposit out is refused.
        bytes32 none = bytes32(0);
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.ForcedInclusionRequired.selector, 2));
        rollup.commitBatch(2, stateRoot(2), 0, none, 0, 1);

        commit(2, 0, 0, 0); // only privileged transactions / empty blocks: allowed
        commit(3, 0, 1, 4); // includes the overdue deposit, so ordinary transactions are fine again
        commit(4, 0, 0, 2);
        // The batch committed before the deadline still verifies after it (honest when committed).
        verify(1, 4);
        assertEq(rollup.lastVerifiedBatch(), 4, "verified");
        assertEq(bridge.pendingPrivilegedTxCount(), 0, "queue drained");
    }

    function test_verifyBatches_multipleVerifiersInIdOrder() public {
        MockVerifier mock = new MockVerifier(false);
        vm.prank(governance);
        rollup.setVerifier(7, address(mock));
        commit(1, 0, 0, 0);
        bytes[][] memory proofs = new bytes[][](1);
        proofs[0] = new bytes[](2);
        proofs[0][0] = attest(1);
        proofs[0][1] = "nope";
        vm.expectRevert(MockVerifier.MockRejected.selector);
        rollup.verifyBatches(1, proofs);
        proofs[0][1] = "ok";
        rollup.verifyBatches(1, proofs);
        assertEq(rollup.lastVerifiedBatch(), 1, "verified by both");
    }

    function test_verifyBatches_devChainWithoutVerifier() public {
        deploySystem(false, true);
        commit(1, 0, 0, 1);
        rollup.verifyBatches(1, new bytes[][](1));
        assertEq(rollup.lastVerifiedBatch(), 1, "verified without proof");
    }

    // ---------------------------------------------------------------- revertBatch

    function test_revertBatch_discardsUnverifiedBatches() public {
        depositEth(1 ether);
        commit(1, 0, 0, 0);
        verify(1, 1);
        commit(2, 0, 1, 0);
        commit(3, 0, 0, 0);
        vm.prank(governance);
        rollup.pause();

        vm.expectEmit(true, false, false, true, address(rollup));
        emit IOnChainProposer.BatchesReverted(2, 3);
        vm.prank(governance);
        rollup.revertBatch(2);
        assertEq(rollup.lastCommittedBatch(), 1, "rolled back");
        assertEq(rollup.nextCommittedPrivilegedTxId(), 0, "deposit back to uncommitted");
        assertEq(rollup.getBatch(2).newStateRoot, bytes32(0), "deleted");

        vm.prank(governance);
        rollup.unpause();
        commit(2, 0, 1, 0);
        verify(2, 1);
        assertEq(rollup.lastVerifiedBatch(), 2, "recommitted and verified");
    }

    function test_revertBatch_onlyWhilePaused() public {
        commit(1, 0, 0, 0);
        vm.prank(governance);
        vm.expectRevert(PausableUpgradeable.ExpectedPause.selector);
        rollup.revertBatch(1);
    }

    function test_revertBatch_neverAFinalBatch() public {
        commit(1, 0, 0, 0);
        verify(1, 1);
        vm.prank(council);
        rollup.pause();
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.BatchAlreadyFinal.selector, 1));
        rollup.revertBatch(1);
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.BatchAlreadyFinal.selector, 0));
        rollup.revertBatch(0);
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.BatchNotCommitted.selector, 2));
        rollup.revertBatch(2);
    }

    function test_revertBatch_accessControl() public {
        commit(1, 0, 0, 0);
        vm.prank(governance);
        rollup.pause();
        vm.prank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.NotOwnerOrCouncil.selector, sequencer));
        rollup.revertBatch(1);
    }

    // ---------------------------------------------------------------- pause

    function test_pause_ownerAndCouncilOnly() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.NotOwnerOrCouncil.selector, stranger));
        rollup.pause();

        vm.prank(council);
        rollup.pause();
        assertTrue(rollup.paused(), "paused");

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.NotOwnerOrCouncil.selector, stranger));
        rollup.unpause();

        vm.prank(governance);
        rollup.unpause();
        assertFalse(rollup.paused(), "unpaused");

        vm.prank(governance);
        vm.expectRevert(PausableUpgradeable.ExpectedPause.selector);
        rollup.unpause();
    }

    // ---------------------------------------------------------------- governance setters

    function test_setSequencer() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        rollup.setSequencer(stranger, true);

        vm.expectEmit(true, false, false, true, address(rollup));
        emit IOnChainProposer.SequencerUpdated(stranger, true);
        vm.prank(governance);
        rollup.setSequencer(stranger, true);
        assertTrue(rollup.isSequencer(stranger), "added");

        vm.prank(governance);
        rollup.setSequencer(sequencer, false);
        setBlob();
        vm.prank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.NotSequencer.selector, sequencer));
        rollup.commitBatch(1, stateRoot(1), 0, 0, 0, 0);

        vm.prank(governance);
        vm.expectRevert(IOnChainProposer.ZeroAddress.selector);
        rollup.setSequencer(address(0), true);
    }

    function test_setVerifier_addReplaceRemove() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        rollup.setVerifier(2, address(1));

        vm.startPrank(governance);
        rollup.setVerifier(5, address(0x55));
        rollup.setVerifier(3, address(0x33));
        uint8[] memory ids = rollup.verifierIds();
        assertEq(ids.length, 3, "three");
        assertEq(uint256(ids[0]), 1, "sorted 0");
        assertEq(uint256(ids[1]), 3, "sorted 1");
        assertEq(uint256(ids[2]), 5, "sorted 2");

        rollup.setVerifier(3, address(0x34)); // replace keeps the id set
        assertEq(rollup.verifierIds().length, 3, "replace");
        assertEq(rollup.verifierOf(3), address(0x34), "replaced");

        rollup.setVerifier(3, address(0));
        ids = rollup.verifierIds();
        assertEq(ids.length, 2, "removed");
        assertEq(uint256(ids[1]), 5, "order kept");

        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.InvalidVerifierId.selector, uint8(3)));
        rollup.setVerifier(3, address(0));
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.InvalidVerifierId.selector, uint8(0)));
        rollup.setVerifier(0, address(0x1));

        rollup.setVerifier(5, address(0));
        vm.expectRevert(IOnChainProposer.NoVerifierConfigured.selector);
        rollup.setVerifier(1, address(0));

        for (uint8 id = 10; id < 17; id++) {
            rollup.setVerifier(id, address(0x99));
        }
        vm.expectRevert(IOnChainProposer.TooManyVerifiers.selector);
        rollup.setVerifier(20, address(0x99));
        vm.stopPrank();
    }

    function test_setVerifier_devChainMayRemoveAll() public {
        deploySystem(false, true);
        vm.startPrank(governance);
        rollup.setVerifier(1, address(attestation));
        rollup.setVerifier(1, address(0));
        vm.stopPrank();
        assertEq(rollup.verifierIds().length, 0, "none");
    }

    function test_setSecurityCouncil() public {
        vm.prank(council);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, council));
        rollup.setSecurityCouncil(stranger);

        vm.prank(governance);
        rollup.setSecurityCouncil(stranger);
        assertEq(rollup.securityCouncil(), stranger, "council");
        vm.prank(stranger);
        rollup.pause();
    }

    // ---------------------------------------------------------------- views

    function test_publicInputs_matchFormat() public {
        depositEth(1 ether);
        commit(1, keccak256("m"), 1, 9);
        bytes memory expected = BasaltFormats.encodePublicInputs(
            BasaltFormats.PublicInputs({
                initialStateRoot: GENESIS_ROOT,
                finalStateRoot: stateRoot(1),
                l1MessagesRoot: keccak256("m"),
                privilegedRollingHash: rollup.getBatch(1).privilegedRollingHash,
                blobsHash: BLOB_HASH,
                lastBlockHash: keccak256(abi.encode("block", uint256(1))),
                chainId: L2_CHAIN_ID,
                nonPrivilegedTxCount: 9
            })
        );
        assertEq(rollup.publicInputs(1), expected, "public inputs");
        assertEq(rollup.publicInputs(1).length, 256, "eight words");

        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.BatchNotCommitted.selector, 0));
        rollup.publicInputs(0);
        vm.expectRevert(abi.encodeWithSelector(IOnChainProposer.BatchNotCommitted.selector, 2));
        rollup.publicInputs(2);
    }

    // ---------------------------------------------------------------- ownership and upgrades

    function test_ownership_isTwoStep() public {
        vm.prank(governance);
        rollup.transferOwnership(stranger);
        assertEq(rollup.owner(), governance, "not yet");
        assertEq(rollup.pendingOwner(), stranger, "pending");

        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, user));
        rollup.acceptOwnership();

        vm.prank(stranger);
        rollup.acceptOwnership();
        assertEq(rollup.owner(), stranger, "accepted");
    }

    function test_upgrade_onlyOwnerAndKeepsState() public {
        commit(1, 0, 0, 0);
        address v2 = address(new OnChainProposerV2());

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        rollup.upgradeToAndCall(v2, "");

        vm.prank(governance);
        rollup.upgradeToAndCall(v2, "");
        assertEq(OnChainProposerV2(address(rollup)).version(), 2, "upgraded");
        assertEq(rollup.lastCommittedBatch(), 1, "state kept");
        assertEq(rollup.getBatch(0).newStateRoot, GENESIS_ROOT, "genesis kept");
        assertEq(rollup.owner(), governance, "owner kept");
    }

    function test_upgrade_rejectsNonUupsTargetAndDirectImplementationCalls() public {
        address notUups = address(new MockVerifier(false));
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(ERC1967Utils.ERC1967InvalidImplementation.selector, notUups));
        rollup.upgradeToAndCall(notUups, "");

        // The implementation itself cannot be upgraded or initialised (only the proxy can).
        OnChainProposer impl = new OnChainProposer();
        vm.expectRevert(UUPSUpgradeable.UUPSUnauthorizedCallContext.selector);
        impl.upgradeToAndCall(address(impl), "");
    }

    function test_renounceOwnership_onlyOwner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        rollup.renounceOwnership();
        vm.prank(governance);
        rollup.renounceOwnership();
        assertEq(rollup.owner(), address(0), "renounced (governance can only do this through the timelock)");
    }
}
