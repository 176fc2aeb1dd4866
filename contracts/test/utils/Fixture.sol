// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

import {AttestationVerifier} from "../../src/l1/AttestationVerifier.sol";
import {CommonBridge} from "../../src/l1/CommonBridge.sol";
import {OnChainProposer} from "../../src/l1/OnChainProposer.sol";
import {IOnChainProposer} from "../../src/l1/interfaces/IOnChainProposer.sol";
import {BasaltFormats} from "../../src/common/BasaltFormats.sol";
import {IL2Bridge} from "../../src/l2/interfaces/IL2Bridge.sol";
import {TestBase} from "./TestBase.sol";

/// @notice Deploys the L1 system the way the deployer does (implementations behind ERC1967 proxies)
///         with an EOA as owner, and offers helpers to commit, attest and verify batches.
abstract contract Fixture is TestBase {
    uint256 internal constant L2_CHAIN_ID = 12_212_759;
    bytes32 internal constant GENESIS_ROOT = keccak256("genesis state root");
    bytes32 internal constant BLOB_HASH = 0x01aa000000000000000000000000000000000000000000000000000000000001;
    uint256 internal constant DEPOSIT_GAS = 200_000;
    uint256 internal constant MAX_L2_GAS = 10_000_000;
    uint256 internal constant L2_BLOCK_GAS = 30_000_000;
    uint256 internal constant INCLUSION_PERIOD = 1 days;
    uint8 internal constant ATTESTATION_ID = 1;

    /// Deployment profile knobs read by `deploySystem` (tests set them before calling it).
    uint64 internal finalizationDelay;
    uint64 internal provingAllowance;
    uint64 internal exitWindowFloor;

    address internal governance = address(0x60F0);
    address internal council = address(0xC0C0);
    address internal sequencer = address(0x5E90);
    address internal user = address(0xA11CE);
    address internal stranger = address(0xBAD);

    uint256[] internal signerKeys;
    address[] internal signerAddrs;

    OnChainProposer internal rollup;
    CommonBridge internal bridge;
    AttestationVerifier internal attestation;

    function deploySystem(bool validium, bool devNoVerifier) internal {
        signerKeys = [uint256(0xA1), 0xB2, 0xC3];
        delete signerAddrs;
        for (uint256 i = 0; i < signerKeys.length; i++) {
            signerAddrs.push(vm.addr(signerKeys[i]));
        }
        address rollupImpl = address(new OnChainProposer());
        address bridgeImpl = address(new CommonBridge());
        address attestationImpl = address(new AttestationVerifier());
        // The proxies reference each other: rollup (nonce n), bridge (n + 1), attestation verifier (n + 2).
        uint256 nonce = vm.getNonce(address(this));
        address predictedBridge = vm.computeCreateAddress(address(this), nonce + 1);
        address predictedAttestation = vm.computeCreateAddress(address(this), nonce + 2);
        IOnChainProposer.InitParams memory params = rollupParams(predictedBridge, validium, devNoVerifier);
        if (!devNoVerifier) params.verifiers[0] = predictedAttestation;
        rollup = OnChainProposer(
            address(new ERC1967Proxy(rollupImpl, abi.encodeCall(OnChainProposer.initialize, (params))))
        );
        bridge = CommonBridge(
            payable(
                address(
                    new ERC1967Proxy(
                        bridgeImpl,
                        abi.encodeCall(
                            CommonBridge.initialize,
                            (
                                governance,
                                address(rollup),
                                L2_CHAIN_ID,
                                council,
                                DEPOSIT_GAS,
                                MAX_L2_GAS,
                                L2_BLOCK_GAS,
                                INCLUSION_PERIOD
                            )
                        )
                    )
                )
            )
        );
        attestation = AttestationVerifier(
            address(
                new ERC1967Proxy(
                    attestationImpl,
                    abi.encodeCall(
                        AttestationVerifier.initialize,
                        (governance, address(rollup), ATTESTATION_ID, council, signerAddrs, 2)
                    )
                )
            )
        );
        assertEq(address(bridge), predictedBridge, "bridge address prediction");
        assertEq(address(attestation), predictedAttestation, "verifier address prediction");
        vm.deal(user, 1000 ether);
    }

    /// Address the rollup proxy will get if this contract creates `createsBefore` contracts and then calls
    /// `deploySystem` (a timelock constructed with it as its guard: `predictedRollup(1)`).
    function predictedRollup(uint256 createsBefore) internal view returns (address) {
        return vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + createsBefore + 3);
    }

    function rollupParams(address bridge_, bool validium, bool devNoVerifier)
        internal
        view
        returns (IOnChainProposer.InitParams memory params)
    {
        address[] memory sequencers = new address[](1);
        sequencers[0] = sequencer;
        uint8[] memory ids = new uint8[](devNoVerifier ? 0 : 1);
        address[] memory verifiers = new address[](devNoVerifier ? 0 : 1);
        if (!devNoVerifier) {
            ids[0] = 1;
            verifiers[0] = address(attestation);
        }
        params = IOnChainProposer.InitParams({
            owner: governance,
            bridge: bridge_,
            securityCouncil: council,
            sequencers: sequencers,
            verifierIds: ids,
            verifiers: verifiers,
            l2ChainId: L2_CHAIN_ID,
            genesisStateRoot: GENESIS_ROOT,
            validium: validium,
            devNoVerifier: devNoVerifier,
            finalizationDelay: finalizationDelay,
            provingAllowance: provingAllowance,
            exitWindowFloor: exitWindowFloor
        });
    }

    function stateRoot(uint256 batch) internal pure returns (bytes32) {
        return keccak256(abi.encode("state root", batch));
    }

    /// Rolling hash of the next `count` queued privileged transactions not yet committed.
    function nextRollingHash(uint256 count) internal view returns (bytes32) {
        return bridge.pendingTxsRollingHash(rollup.nextCommittedPrivilegedTxId(), count);
    }

    function setBlob() internal {
        bytes32[] memory hashes = new bytes32[](1);
        hashes[0] = BLOB_HASH;
        vm.blobhashes(hashes);
        vm.blobBaseFee(0);
    }

    function commit(uint256 batch, bytes32 messagesRoot, uint256 privilegedCount, uint64 nonPrivileged) internal {
        bytes32 rolling = nextRollingHash(privilegedCount);
        if (!rollup.validium()) setBlob();
        vm.prank(sequencer);
        rollup.commitBatch(batch, stateRoot(batch), messagesRoot, rolling, keccak256(abi.encode("block", batch)), nonPrivileged);
    }

    function signDigest(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// The EIP-712 digest attesters sign for `batch` of this deployment.
    function digestFor(uint256 batch, bytes memory inputs) internal view returns (bytes32) {
        return BasaltFormats.attestationDigest(block.chainid, address(rollup), ATTESTATION_ID, batch, inputs);
    }

    /// Attestation of `batch` by the given keys, ordered by signer address as the verifier requires.
    function attestWith(uint256[] memory keys, uint256 batch, bytes memory inputs)
        internal
        view
        returns (bytes memory proof)
    {
        bytes32 digest = digestFor(batch, inputs);
        for (uint256 i = 0; i < keys.length; i++) {
            for (uint256 j = i + 1; j < keys.length; j++) {
                if (vm.addr(keys[j]) < vm.addr(keys[i])) (keys[i], keys[j]) = (keys[j], keys[i]);
            }
        }
        for (uint256 i = 0; i < keys.length; i++) {
            proof = bytes.concat(proof, signDigest(keys[i], digest));
        }
    }

    function attest(uint256 batch) internal view returns (bytes memory) {
        return attestWith(signerKeys, batch, rollup.publicInputs(batch));
    }

    function proofsFor(uint256 first, uint256 count) internal view returns (bytes[][] memory proofs) {
        proofs = new bytes[][](count);
        for (uint256 i = 0; i < count; i++) {
            proofs[i] = new bytes[](1);
            proofs[i][0] = attest(first + i);
        }
    }

    function verify(uint256 first, uint256 count) internal {
        rollup.verifyBatches(first, proofsFor(first, count));
    }

    function single(bytes memory proof) internal pure returns (bytes[][] memory proofs) {
        proofs = new bytes[][](1);
        proofs[0] = new bytes[](1);
        proofs[0][0] = proof;
    }

    /// Deposits `amount` wei from `user` to L2.
    function depositEth(uint256 amount) internal {
        vm.prank(user);
        bridge.deposit{value: amount}(user);
    }

    /// The queued hash of ether deposit `id`: from and to the L2 bridge, minting and sending `amount`.
    function ethDepositHash(uint256 id, address l1Sender, address recipient, uint256 amount)
        internal
        pure
        returns (bytes32)
    {
        bytes memory data = abi.encodeCall(IL2Bridge.mintETH, (l1Sender, recipient));
        address l2Bridge = BasaltFormats.L2_BRIDGE;
        return BasaltFormats.privilegedTxHash(L2_CHAIN_ID, l2Bridge, l2Bridge, id, amount, amount, DEPOSIT_GAS, data);
    }

    function ethLeaf(address recipient, uint256 amount, uint256 messageId) internal view returns (bytes32) {
        return bridge.withdrawalLeaf(BasaltFormats.ETH_TOKEN, BasaltFormats.ETH_TOKEN, recipient, amount, messageId);
    }

    /// Commits and verifies the next batch with `messagesRoot` as its L1-message root and waits until it
    /// is final; returns its number.
    function publishMessages(bytes32 messagesRoot) internal returns (uint256 batch) {
        batch = rollup.lastCommittedBatch() + 1;
        commit(batch, messagesRoot, 0, 0);
        verify(batch, 1);
        vm.warp(rollup.getBatch(batch).finalizedAt);
    }

    /// Claims the ether withdrawal `messageId` for `recipient` (anyone may relay).
    function claimEth(address recipient, uint256 amount, uint256 batch, uint256 messageId, bytes32[] memory proof)
        internal
    {
        bridge.claimWithdrawal(recipient, amount, batch, messageId, proof);
    }
}
