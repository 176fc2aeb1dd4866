// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";

import {AttestationVerifier} from "../src/l1/AttestationVerifier.sol";
import {Fixture} from "./utils/Fixture.sol";

contract AttestationVerifierTest is Fixture {
    bytes internal constant INPUTS = "public inputs of some batch";
    uint256 internal constant BATCH = 7;

    function setUp() public {
        deploySystem(false, false);
    }

    function _sorted(uint256 a, uint256 b) internal pure returns (uint256[] memory keys) {
        keys = new uint256[](2);
        keys[0] = a;
        keys[1] = b;
    }

    function test_initialize_setsSignersAndThreshold() public view {
        assertEq(attestation.owner(), governance, "owner");
        assertEq(attestation.threshold(), 2, "threshold");
        assertEq(attestation.proposer(), address(rollup), "bound to the proposer");
        assertEq(uint256(attestation.verifierId()), 1, "verifier id");
        assertEq(attestation.securityCouncil(), council, "council");
        assertEq(attestation.signers().length, 3, "signers");
        for (uint256 i = 0; i < 3; i++) {
            assertTrue(attestation.isSigner(signerAddrs[i]), "registered");
        }
    }

    function test_initialize_rejectsBadParameters() public {
        address impl = address(new AttestationVerifier());
        address[] memory two = new address[](2);
        two[0] = address(0x1);
        two[1] = address(0x2);

        address r = address(rollup);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.InvalidThreshold.selector, 3, 2));
        new ERC1967Proxy(impl, abi.encodeCall(AttestationVerifier.initialize, (governance, r, 1, council, two, 3)));
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.InvalidThreshold.selector, 0, 2));
        new ERC1967Proxy(impl, abi.encodeCall(AttestationVerifier.initialize, (governance, r, 1, council, two, 0)));
        vm.expectRevert(AttestationVerifier.ZeroAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(AttestationVerifier.initialize, (address(0), r, 1, council, two, 1)));
        vm.expectRevert(AttestationVerifier.ZeroAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(AttestationVerifier.initialize, (governance, address(0), 1, council, two, 1)));
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.InvalidVerifierId.selector, uint8(0)));
        new ERC1967Proxy(impl, abi.encodeCall(AttestationVerifier.initialize, (governance, r, 0, council, two, 1)));

        two[1] = address(0x1);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.SignerAlreadyRegistered.selector, address(0x1)));
        new ERC1967Proxy(impl, abi.encodeCall(AttestationVerifier.initialize, (governance, r, 1, council, two, 1)));
        two[1] = address(0);
        vm.expectRevert(AttestationVerifier.ZeroAddress.selector);
        new ERC1967Proxy(impl, abi.encodeCall(AttestationVerifier.initialize, (governance, r, 1, council, two, 1)));

        vm.expectRevert(Initializable.InvalidInitialization.selector);
        attestation.initialize(governance, r, 1, council, two, 1);
    }

    function test_verify_acceptsThresholdSignatures() public view {
        bytes32 committee = keccak256("basalt.IBatchVerifier.verifiedByCommittee");
        assertEq(
            attestation.verify(BATCH, INPUTS, attestWith(_sorted(signerKeys[0], signerKeys[1]), BATCH, INPUTS)),
            committee,
            "2 of 3"
        );
        assertEq(attestation.verify(BATCH, INPUTS, attestWith(signerKeys, BATCH, INPUTS)), committee, "3 of 3");
        assertEq(attestation.attestationDigest(BATCH, INPUTS), digestFor(BATCH, INPUTS), "EIP-712 digest");
    }

    function test_verify_rejects() public {
        bytes memory one = attestWith(_sorted(signerKeys[0], signerKeys[0]), BATCH, INPUTS);
        vm.expectRevert(
            abi.encodeWithSelector(AttestationVerifier.SignersNotAscending.selector, signerAddrs[0], signerAddrs[0])
        );
        attestation.verify(BATCH, INPUTS, one);

        // Signatures in descending order.
        bytes32 digest = digestFor(BATCH, INPUTS);
        (address lo, uint256 loKey, address hi, uint256 hiKey) = signerAddrs[0] < signerAddrs[1]
            ? (signerAddrs[0], signerKeys[0], signerAddrs[1], signerKeys[1])
            : (signerAddrs[1], signerKeys[1], signerAddrs[0], signerKeys[0]);
        bytes memory descending = bytes.concat(signDigest(hiKey, digest), signDigest(loKey, digest));
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.SignersNotAscending.selector, hi, lo));
        attestation.verify(BATCH, INPUTS, descending);

        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.BelowThreshold.selector, 0, 2));
        attestation.verify(BATCH, INPUTS, "");

        // A valid attestation of other inputs, or of the same inputs for another batch, recovers to strangers.
        bytes memory other = attestWith(signerKeys, BATCH, "other inputs");
        (bool ok, bytes memory err) =
            address(attestation).staticcall(abi.encodeCall(AttestationVerifier.verify, (BATCH, INPUTS, other)));
        assertFalse(ok, "other inputs accepted");
        assertEq(bytes4(err), AttestationVerifier.UnknownSigner.selector, "other inputs error");
        bytes memory otherBatch = attestWith(signerKeys, BATCH + 1, INPUTS);
        (ok, err) =
            address(attestation).staticcall(abi.encodeCall(AttestationVerifier.verify, (BATCH, INPUTS, otherBatch)));
        assertFalse(ok, "other batch accepted");
        assertEq(bytes4(err), AttestationVerifier.UnknownSigner.selector, "other batch error");
    }

    function test_signerManagement() public {
        address newSigner = vm.addr(0xD4);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        attestation.addSigner(newSigner);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.NotOwnerOrCouncil.selector, stranger));
        attestation.removeSigner(signerAddrs[0]);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        attestation.setThreshold(1);

        vm.startPrank(governance);
        vm.expectEmit(true, false, false, true, address(attestation));
        emit AttestationVerifier.SignerAdded(newSigner);
        attestation.addSigner(newSigner);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.SignerAlreadyRegistered.selector, newSigner));
        attestation.addSigner(newSigner);
        assertEq(attestation.signers().length, 4, "four");

        vm.expectEmit(false, false, false, true, address(attestation));
        emit AttestationVerifier.ThresholdUpdated(4);
        attestation.setThreshold(4);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.InvalidThreshold.selector, 5, 4));
        attestation.setThreshold(5);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.InvalidThreshold.selector, 4, 3));
        attestation.removeSigner(signerAddrs[0]);

        attestation.setThreshold(2);
        vm.expectEmit(true, false, false, true, address(attestation));
        emit AttestationVerifier.SignerRemoved(signerAddrs[0]);
        attestation.removeSigner(signerAddrs[0]);
        assertFalse(attestation.isSigner(signerAddrs[0]), "removed");
        assertEq(attestation.signers().length, 3, "three");
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.SignerNotRegistered.selector, signerAddrs[0]));
        attestation.removeSigner(signerAddrs[0]);
        vm.stopPrank();

        // A removed signer no longer counts.
        bytes memory proof = attestWith(_sorted(signerKeys[0], signerKeys[1]), BATCH, INPUTS);
        vm.expectRevert(abi.encodeWithSelector(AttestationVerifier.UnknownSigner.selector, signerAddrs[0]));
        attestation.verify(BATCH, INPUTS, proof);
        attestation.verify(BATCH, INPUTS, attestWith(_sorted(0xD4, signerKeys[1]), BATCH, INPUTS));
    }

    function test_upgrade_onlyOwner() public {
        address next = address(new AttestationVerifier());
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        attestation.upgradeToAndCall(next, "");
        vm.prank(governance);
        attestation.upgradeToAndCall(next, "");
        assertEq(attestation.threshold(), 2, "state kept");
    }

    function test_ownership_isTwoStep() public {
        vm.prank(governance);
        attestation.transferOwnership(stranger);
        assertEq(attestation.pendingOwner(), stranger, "pending");
        vm.prank(stranger);
        attestation.acceptOwnership();
        assertEq(attestation.owner(), stranger, "owner");
    }
}
