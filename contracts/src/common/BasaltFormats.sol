// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title BasaltFormats
/// @notice The byte formats shared by the L1 contracts, the L2 system contracts, the sequencer and the
///         guest program. Every function here has a byte-exact Rust twin in `basalt-contracts::formats`;
///         both sides are checked against the same test vectors (`contracts/test/vectors.json`).
/// @dev Pure functions only; no storage, no external calls.
library BasaltFormats {
    /// @notice Address of the L2 bridge system contract (placed in the L2 genesis): the RIP-7875 token
    ///         bridge address, which ERC-7802 tokens and wallets recognise as the chain's canonical bridge.
    address internal constant L2_BRIDGE = 0x00000000000000000000000000000000000001fF;
    /// @notice Address of the L2 messenger system contract (placed in the L2 genesis).
    address internal constant L2_MESSENGER = 0x000000000000000000000000000000000000FFFE;
    /// @notice Address of the L2 token factory system contract (placed in the L2 genesis): the only creator of
    ///         canonical L2 tokens, each at `canonicalL2Token(tokenL1)`.
    address internal constant L2_TOKEN_FACTORY = 0x000000000000000000000000000000000000FfFD;
    /// @notice Address of the implementation every canonical L2 token delegates to (an EIP-1167 minimal
    ///         proxy per token; placed in the L2 genesis).
    address internal constant CANONICAL_TOKEN_IMPLEMENTATION = 0x000000000000000000000000000000000000fFfc;
    /// @notice Token address used for ether in withdrawal messages and per-token accounting.
    address internal constant ETH_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    /// @notice Offset added to an L1 contract's address when it sends a privileged transaction, so that
    ///         it cannot impersonate an L2 account with the same address.
    uint160 internal constant ALIAS_OFFSET = uint160(0x1111000000000000000000000000000000001111);
    /// @notice Number of bits below the transaction count in a privileged rolling hash.
    uint256 internal constant ROLLING_HASH_COUNT_SHIFT = 240;
    /// @notice Largest number of privileged transactions one rolling hash (and so one batch) can cover.
    uint256 internal constant MAX_PRIVILEGED_TXS_PER_BATCH = type(uint16).max;
    /// @notice EIP-7825 cap on any transaction's gas limit (2^24), on L1 and on the L2.
    uint256 internal constant MAX_TX_GAS_LIMIT = 1 << 24;
    /// @notice Intrinsic gas of a call transaction without calldata or access list.
    uint256 internal constant TX_BASE_GAS = 21_000;
    /// @notice EIP-7623 floor price of one calldata token (a zero byte is 1 token, a non-zero byte 4).
    uint256 internal constant FLOOR_GAS_PER_TOKEN = 10;
    /// @notice Largest calldata a privileged transaction may carry (bytes).
    uint256 internal constant MAX_PRIVILEGED_CALLDATA = 120_000;
    /// @notice Most blobs one batch may span: one L1 blob transaction, which EIP-7594 (Osaka) caps at
    ///         MAX_BLOBS_PER_TX = 6 blobs.
    uint256 internal constant MAX_BLOBS_PER_BATCH = 6;
    /// @notice EIP-712 domain type of attestations (the salt carries the verifier id).
    bytes32 internal constant EIP712_DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)"
    );
    /// @notice EIP-712 struct type an attestation signs.
    bytes32 internal constant BATCH_ATTESTATION_TYPEHASH =
        keccak256("BatchAttestation(uint256 batchNumber,bytes32 publicInputsHash)");

    /// @notice Public inputs of a batch: what a proof attests to, rebuilt on L1 from the commitment.
    /// @dev ABI-encoded as eight 32-byte words in this order (256 bytes).
    struct PublicInputs {
        bytes32 initialStateRoot;
        bytes32 finalStateRoot;
        bytes32 l1MessagesRoot;
        bytes32 privilegedRollingHash;
        bytes32 blobsHash;
        bytes32 lastBlockHash;
        uint256 chainId;
        uint256 nonPrivilegedTxCount;
    }

    /// @notice Hash of a privileged (L1 -> L2, type 0x7e) transaction as queued on L1:
    ///         keccak(u256 chainId ‖ from ‖ to ‖ u256 id ‖ u256 mint ‖ u256 value ‖ u256 gasLimit ‖ keccak(data)),
    ///         addresses as 20 bytes (232-byte preimage).
    /// @param mint  Wei credited to `from` on L2 before the call (the L1 `msg.value`); kept if the call fails.
    /// @param value Wei sent with the call, drawn from `from`'s L2 balance (after the mint).
    function privilegedTxHash(
        uint256 chainId,
        address from,
        address to,
        uint256 transactionId,
        uint256 mint,
        uint256 value,
        uint256 gasLimit,
        bytes memory data
    ) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(chainId, from, to, transactionId, mint, value, gasLimit, keccak256(data)));
    }

    /// @notice Smallest gas limit an L2 transaction with calldata `data` may have: its intrinsic gas with the
    ///         EIP-7623 floor, 21000 + 10 * tokens where tokens = zero bytes + 4 * non-zero bytes. (The floor
    ///         is always at least the standard 21000 + 4 * zero + 16 * non-zero bytes.)
    function minGasLimit(bytes memory data) internal pure returns (uint256) {
        return TX_BASE_GAS + FLOOR_GAS_PER_TOKEN * (data.length + 3 * nonZeroBytes(data));
    }

    /// @notice Number of non-zero bytes of `data`, a word at a time: each byte is folded onto its low bit,
    ///         and one multiplication sums the 32 flags into the top byte.
    function nonZeroBytes(bytes memory data) internal pure returns (uint256 count) {
        assembly ("memory-safe") {
            let ones := 0x0101010101010101010101010101010101010101010101010101010101010101
            let ptr := add(data, 32)
            let end := add(ptr, mload(data))
            for {} lt(ptr, end) { ptr := add(ptr, 32) } {
                let word := mload(ptr)
                let left := sub(end, ptr)
                if lt(left, 32) { word := and(word, not(sub(shl(mul(8, sub(32, left)), 1), 1))) }
                word := or(word, shr(4, word))
                word := or(word, shr(2, word))
                word := or(word, shr(1, word))
                count := add(count, shr(248, mul(and(word, ones), ones)))
            }
        }
    }

    /// @notice The EIP-712 digest attestation signers sign for batch `batchNumber`: domain
    ///         {name "Basalt", version "1", chainId = L1 chain id, verifyingContract = the OnChainProposer
    ///         proxy, salt = verifier id as a 32-byte word}, message
    ///         BatchAttestation(batchNumber, keccak(publicInputs)).
    function attestationDigest(
        uint256 l1ChainId,
        address proposer,
        uint8 verifierId,
        uint256 batchNumber,
        bytes memory publicInputs
    ) internal pure returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH,
                keccak256("Basalt"),
                keccak256("1"),
                l1ChainId,
                proposer,
                bytes32(uint256(verifierId))
            )
        );
        bytes32 message = keccak256(abi.encode(BATCH_ATTESTATION_TYPEHASH, batchNumber, keccak256(publicInputs)));
        return keccak256(abi.encodePacked(hex"1901", domain, message));
    }

    /// @notice Rolling hash of k privileged transaction hashes: the top 2 bytes hold k, the low 30 bytes
    ///         are the low 30 bytes of keccak(h_0 ‖ … ‖ h_{k-1}); zero when k = 0.
    function rollingHash(bytes32[] memory hashes) internal pure returns (bytes32) {
        uint256 count = hashes.length;
        if (count == 0) return bytes32(0);
        return withCount(keccak256(abi.encodePacked(hashes)), count);
    }

    /// @notice Puts `count` in the top 2 bytes of `digest` (replacing its top 2 bytes).
    function withCount(bytes32 digest, uint256 count) internal pure returns (bytes32) {
        uint256 low = uint256(digest) & ((uint256(1) << ROLLING_HASH_COUNT_SHIFT) - 1);
        return bytes32((count << ROLLING_HASH_COUNT_SHIFT) | low);
    }

    /// @notice Commitment to the blobs of a batch, in transaction order: 0 for none (validium); for versioned
    ///         hashes h_0 … h_{n-1}, c_0 = h_0 and c_i = keccak(c_{i-1} ‖ h_i), the word being c_{n-1}. One
    ///         blob's commitment is its versioned hash itself. Callers enforce MAX_BLOBS_PER_BATCH.
    function blobsHash(bytes32[] memory versionedHashes) internal pure returns (bytes32 commitment) {
        uint256 count = versionedHashes.length;
        if (count == 0) return bytes32(0);
        commitment = versionedHashes[0];
        for (uint256 i = 1; i < count; i++) {
            commitment = keccak256(abi.encodePacked(commitment, versionedHashes[i]));
        }
    }

    /// @notice Number of privileged transactions covered by a rolling hash (its top 2 bytes).
    function rollingHashCount(bytes32 rolling) internal pure returns (uint256) {
        return uint256(rolling) >> ROLLING_HASH_COUNT_SHIFT;
    }

    /// @notice Hash of an L2 -> L1 message: keccak(from ‖ data ‖ u256 messageId), `from` as 20 bytes.
    ///         These are the leaves of a batch's L1-message Merkle tree.
    function l1MessageHash(address from, bytes32 data, uint256 messageId) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(from, data, messageId));
    }

    /// @notice The `data` word the L2 bridge sends to L1 for a withdrawal:
    ///         keccak(tokenL1 ‖ tokenL2 ‖ l1Recipient ‖ u256 amount); ether uses ETH_TOKEN for both tokens.
    function withdrawalData(address tokenL1, address tokenL2, address l1Recipient, uint256 amount)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(tokenL1, tokenL2, l1Recipient, amount));
    }

    /// @notice ABI encoding of the public inputs (eight words, 256 bytes).
    function encodePublicInputs(PublicInputs memory inputs) internal pure returns (bytes memory) {
        return abi.encode(inputs);
    }

    /// @notice CREATE2 salt of the canonical L2 token of `tokenL1`: the L1 address as a left-padded word.
    function canonicalTokenSalt(address tokenL1) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(tokenL1)));
    }

    /// @notice Address of the canonical L2 token of `tokenL1`: CREATE2 by L2_TOKEN_FACTORY with salt
    ///         `canonicalTokenSalt(tokenL1)` of the EIP-1167 minimal proxy of CANONICAL_TOKEN_IMPLEMENTATION
    ///         (a constant 55-byte init code), so it depends on the L1 token's address alone.
    function canonicalL2Token(address tokenL1) internal pure returns (address) {
        return Clones.predictDeterministicAddress(
            CANONICAL_TOKEN_IMPLEMENTATION, canonicalTokenSalt(tokenL1), L2_TOKEN_FACTORY
        );
    }

    /// @notice The address a privileged transaction sent by L1 contract `l1Address` comes from on L2.
    function applyAlias(address l1Address) internal pure returns (address) {
        unchecked {
            return address(uint160(l1Address) + ALIAS_OFFSET);
        }
    }
}
