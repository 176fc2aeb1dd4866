// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {BasaltFormats} from "../src/common/BasaltFormats.sol";
import {CommonBridge} from "../src/l1/CommonBridge.sol";
import {CanonicalERC20} from "../src/l2/CanonicalERC20.sol";
import {L2TokenFactory} from "../src/l2/L2TokenFactory.sol";
import {TestBase} from "./utils/TestBase.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {Vectors} from "./generated/Vectors.sol";

/// @notice The Solidity formats reproduce the vectors computed by the Rust implementation
///         (`crates/contracts/tests/shared_vectors.rs`), byte for byte.
contract VectorsTest is TestBase {
    function test_privilegedTxHashes() public pure {
        Vectors.PrivilegedTx[] memory v = Vectors.privilegedTxs();
        for (uint256 i = 0; i < v.length; i++) {
            assertEq(
                BasaltFormats.privilegedTxHash(
                    v[i].chainId, v[i].from, v[i].to, v[i].transactionId, v[i].mint, v[i].value, v[i].gasLimit, v[i].data
                ),
                v[i].hash,
                "privileged tx hash"
            );
        }
    }

    function test_rollingHashes() public pure {
        Vectors.Rolling[] memory v = Vectors.rollingHashes();
        for (uint256 i = 0; i < v.length; i++) {
            assertEq(BasaltFormats.rollingHash(v[i].hashes), v[i].rollingHash, "rolling hash");
            assertEq(BasaltFormats.rollingHashCount(v[i].rollingHash), v[i].hashes.length, "count");
        }
    }

    function test_l1MessageHashes() public pure {
        Vectors.Message[] memory v = Vectors.messages();
        for (uint256 i = 0; i < v.length; i++) {
            assertEq(BasaltFormats.l1MessageHash(v[i].from, v[i].data, v[i].messageId), v[i].hash, "message hash");
        }
    }

    function test_withdrawalLeaves() public {
        CommonBridge bridge = new CommonBridge();
        Vectors.Withdrawal[] memory v = Vectors.withdrawals();
        for (uint256 i = 0; i < v.length; i++) {
            assertEq(BasaltFormats.withdrawalData(v[i].tokenL1, v[i].tokenL2, v[i].recipient, v[i].amount), v[i].data, "data");
            assertEq(
                bridge.withdrawalLeaf(v[i].tokenL1, v[i].tokenL2, v[i].recipient, v[i].amount, v[i].messageId),
                v[i].leaf,
                "leaf"
            );
        }
    }

    function test_merkleTreesAndProofs() public pure {
        Vectors.Tree[] memory v = Vectors.trees();
        for (uint256 i = 0; i < v.length; i++) {
            assertEq(MerkleTree.root(v[i].leaves), v[i].root, "root");
            for (uint256 j = 0; j < v[i].leaves.length; j++) {
                assertTrue(MerkleProof.verify(v[i].proofs[j], v[i].root, v[i].leaves[j]), "OZ verifies Rust proof");
                assertEq(keccak256(abi.encode(MerkleTree.proof(v[i].leaves, j))), keccak256(abi.encode(v[i].proofs[j])), "proof");
            }
        }
    }

    function test_publicInputs() public pure {
        Vectors.Inputs[] memory v = Vectors.publicInputs();
        for (uint256 i = 0; i < v.length; i++) {
            bytes memory encoded = BasaltFormats.encodePublicInputs(
                BasaltFormats.PublicInputs({
                    initialStateRoot: v[i].roots[0],
                    finalStateRoot: v[i].roots[1],
                    l1MessagesRoot: v[i].roots[2],
                    privilegedRollingHash: v[i].roots[3],
                    blobsHash: v[i].roots[4],
                    lastBlockHash: v[i].roots[5],
                    chainId: v[i].chainId,
                    nonPrivilegedTxCount: v[i].nonPrivilegedTxCount
                })
            );
            assertEq(encoded, v[i].encoded, "encoding");
            assertEq(keccak256(encoded), v[i].digest, "digest");
            assertEq(BasaltFormats.blobsHash(v[i].blobVersionedHashes), v[i].roots[4], "blobs hash");
        }
    }

    function test_minGasLimits() public {
        CommonBridge bridge = new CommonBridge();
        Vectors.MinGas[] memory v = Vectors.minGasLimits();
        for (uint256 i = 0; i < v.length; i++) {
            assertEq(BasaltFormats.minGasLimit(v[i].data), v[i].minGasLimit, "min gas limit");
            assertEq(bridge.minGasLimit(v[i].data), v[i].minGasLimit, "bridge view");
        }
    }

    function test_attestationDigests() public pure {
        Vectors.Attestation[] memory v = Vectors.attestations();
        for (uint256 i = 0; i < v.length; i++) {
            assertEq(
                BasaltFormats.attestationDigest(
                    v[i].l1ChainId, v[i].proposer, v[i].verifierId, v[i].batchNumber, v[i].publicInputs
                ),
                v[i].digest,
                "attestation digest"
            );
        }
    }

    /// The canonical L2 token address Rust computes is the one BasaltFormats and the L1 bridge compute, and
    /// the one the L2 token factory really creates (CREATE2 run by the EVM).
    function test_canonicalTokens() public {
        CommonBridge bridge = new CommonBridge();
        vm.etch(BasaltFormats.L2_TOKEN_FACTORY, address(new L2TokenFactory()).code);
        vm.etch(BasaltFormats.CANONICAL_TOKEN_IMPLEMENTATION, address(new CanonicalERC20()).code);
        Vectors.CanonicalToken[] memory v = Vectors.canonicalTokens();
        for (uint256 i = 0; i < v.length; i++) {
            assertEq(BasaltFormats.canonicalL2Token(v[i].l1), v[i].l2, "formats");
            assertEq(bridge.canonicalL2Token(v[i].l1), v[i].l2, "L1 bridge view");
            vm.prank(BasaltFormats.L2_BRIDGE);
            address created = L2TokenFactory(BasaltFormats.L2_TOKEN_FACTORY).createCanonicalToken(v[i].l1, "T", "T", 18);
            assertEq(created, v[i].l2, "created by the L2 factory");
        }
    }

    function test_aliases() public pure {
        Vectors.Alias[] memory v = Vectors.aliases();
        for (uint256 i = 0; i < v.length; i++) {
            assertEq(BasaltFormats.applyAlias(v[i].l1), v[i].l2, "alias");
        }
    }
}
