//! The byte formats the contracts, the sequencer and the guest program must agree on, byte for byte
//! (ARCHITECTURE.md, "Key formats"). Each function has a Solidity twin in
//! `contracts/src/common/BasaltFormats.sol` (or OpenZeppelin's `MerkleProof` for the tree); the shared
//! vectors in `contracts/test/vectors.json` are asserted by both the Rust and the forge tests.
//!
//! Pure functions over `alloy-primitives` only: no I/O, no allocation beyond the outputs, usable from
//! the guest program.

use alloy_primitives::{Address, B256, U256, address, keccak256};

/// L2 bridge system contract (placed in the L2 genesis), at the RIP-7875 token-bridge address: the
/// only caller of its ERC-7802 tokens' `crosschainMint` / `crosschainBurn`.
pub const L2_BRIDGE: Address = address!("0x00000000000000000000000000000000000001ff");
/// L2 messenger system contract (placed in the L2 genesis).
pub const L2_MESSENGER: Address = address!("0x000000000000000000000000000000000000fffe");
/// L2 token factory system contract (placed in the L2 genesis): the only creator of canonical L2
/// tokens, each at [`canonical_l2_token`] of its L1 token, and only for the L2 bridge.
pub const L2_TOKEN_FACTORY: Address = address!("0x000000000000000000000000000000000000fffd");
/// Implementation every canonical L2 token delegates to (`CanonicalERC20`, placed in the L2
/// genesis); each token is an EIP-1167 minimal proxy of it.
pub const CANONICAL_TOKEN_IMPLEMENTATION: Address =
    address!("0x000000000000000000000000000000000000fffc");
/// Token address that stands for ether in withdrawal messages and bridge accounting.
pub const ETH_TOKEN: Address = address!("0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
/// Added (mod 2^160) to an L1 contract's address when it sends a privileged transaction.
pub const ALIAS_OFFSET: Address = address!("0x1111000000000000000000000000000000001111");
/// Most privileged transactions one rolling hash (one batch) can cover: the count has 2 bytes.
pub const MAX_PRIVILEGED_TXS_PER_BATCH: usize = u16::MAX as usize;
/// Length of the ABI-encoded public inputs: eight 32-byte words.
pub const PUBLIC_INPUTS_LEN: usize = 8 * 32;
/// EIP-7825 cap on any transaction's gas limit (2^24), on L1 and on the L2.
pub const MAX_TX_GAS_LIMIT: u64 = 1 << 24;
/// Intrinsic gas of a call transaction without calldata or access list.
pub const TX_BASE_GAS: u64 = 21_000;
/// EIP-7623 floor price of one calldata token (a zero byte is 1 token, a non-zero byte 4).
pub const FLOOR_GAS_PER_TOKEN: u64 = 10;
/// Largest calldata a privileged transaction may carry (bytes); `CommonBridge` refuses longer.
pub const MAX_PRIVILEGED_CALLDATA: usize = 120_000;
/// Most blobs one batch may span: one L1 blob transaction, which EIP-7594 (Osaka) caps at
/// `MAX_BLOBS_PER_TX` = 6; `OnChainProposer.commitBatch` refuses more (`TooManyBlobs`).
pub const MAX_BLOBS_PER_BATCH: usize = 6;
/// EIP-712 domain type of attestations (the salt carries the verifier id).
pub const EIP712_DOMAIN_TYPE: &str = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)";
/// EIP-712 struct type an attestation signs.
pub const BATCH_ATTESTATION_TYPE: &str =
    "BatchAttestation(uint256 batchNumber,bytes32 publicInputsHash)";

/// A format value that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// A rolling hash carries its count in 2 bytes.
    #[error(
        "{0} privileged transactions exceed the {MAX_PRIVILEGED_TXS_PER_BATCH} one batch can include"
    )]
    TooManyPrivilegedTxs(usize),
    /// A batch spans at most [`MAX_BLOBS_PER_BATCH`] blobs.
    #[error("{0} blobs exceed the {MAX_BLOBS_PER_BATCH} one batch can span")]
    TooManyBlobs(usize),
    /// Public inputs are exactly eight words.
    #[error("public inputs must be {PUBLIC_INPUTS_LEN} bytes, got {0}")]
    PublicInputsLength(usize),
    /// A count word of the public inputs does not fit in 64 bits.
    #[error("public inputs field {0} does not fit in 64 bits")]
    PublicInputsOverflow(&'static str),
}

/// A privileged (L1 -> L2, type 0x7e) transaction as the L1 bridge queued it (event
/// `CommonBridge.PrivilegedTxSent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegedTxFields {
    /// Chain id of the L2.
    pub chain_id: u64,
    /// L2 sender (the L2 bridge for deposits, the possibly aliased caller for `sendToL2`).
    pub from: Address,
    /// L2 account called (privileged transactions never create contracts).
    pub to: Address,
    /// Bridge transaction id; the transaction's nonce on L2.
    pub transaction_id: u64,
    /// Wei credited to `from` on L2 before the call (the L1 `msg.value`); kept even if the call fails.
    pub mint: U256,
    /// Wei sent with the call, drawn from `from`'s L2 balance after the mint.
    pub value: U256,
    /// L2 gas limit (paid for on L1).
    pub gas_limit: u64,
    /// L2 calldata.
    pub data: Vec<u8>,
}

impl PrivilegedTxFields {
    /// The hash the L1 bridge queues (`BasaltFormats.privilegedTxHash`):
    /// `keccak(u256 chain_id ‖ from ‖ to ‖ u256 id ‖ u256 mint ‖ u256 value ‖ u256 gas_limit ‖
    /// keccak(data))`, addresses as 20 bytes (a 232-byte preimage).
    pub fn l1_hash(&self) -> B256 {
        let mut buf = [0u8; 32 + 20 + 20 + 32 + 32 + 32 + 32 + 32];
        buf[0..32].copy_from_slice(&U256::from(self.chain_id).to_be_bytes::<32>());
        buf[32..52].copy_from_slice(self.from.as_slice());
        buf[52..72].copy_from_slice(self.to.as_slice());
        buf[72..104].copy_from_slice(&U256::from(self.transaction_id).to_be_bytes::<32>());
        buf[104..136].copy_from_slice(&self.mint.to_be_bytes::<32>());
        buf[136..168].copy_from_slice(&self.value.to_be_bytes::<32>());
        buf[168..200].copy_from_slice(&U256::from(self.gas_limit).to_be_bytes::<32>());
        buf[200..232].copy_from_slice(keccak256(&self.data).as_slice());
        keccak256(buf)
    }

    /// True when the gas limit covers the calldata's intrinsic gas ([`min_gas_limit`]). The L1 bridge
    /// queues nothing else; the L2 still includes a transaction failing this check, as failed.
    pub fn covers_intrinsic_gas(&self) -> bool {
        self.gas_limit >= min_gas_limit(&self.data)
    }
}

/// Smallest gas limit an L2 transaction with calldata `data` may have (`BasaltFormats.minGasLimit`):
/// its intrinsic gas with the EIP-7623 floor, `21000 + 10 * tokens` where tokens = zero bytes +
/// 4 * non-zero bytes. The floor is never below the standard `21000 + 4 * zero + 16 * non-zero`.
/// Saturates at `u64::MAX` (far above [`MAX_TX_GAS_LIMIT`]) instead of overflowing.
pub fn min_gas_limit(data: &[u8]) -> u64 {
    let non_zero = data.iter().filter(|b| **b != 0).count() as u64;
    let tokens = (data.len() as u64).saturating_add(non_zero.saturating_mul(3));
    TX_BASE_GAS.saturating_add(FLOOR_GAS_PER_TOKEN.saturating_mul(tokens))
}

/// The EIP-712 digest attestation signers sign (`BasaltFormats.attestationDigest`): domain {name
/// "Basalt", version "1", chainId = `l1_chain_id`, verifyingContract = the OnChainProposer proxy
/// `proposer`, salt = `verifier_id` as a 32-byte word}, message `BatchAttestation(batchNumber,
/// keccak(public_inputs))`.
pub fn attestation_digest(
    l1_chain_id: u64,
    proposer: Address,
    verifier_id: u8,
    batch_number: u64,
    public_inputs: &[u8],
) -> B256 {
    let domain = keccak256(
        [
            keccak256(EIP712_DOMAIN_TYPE).0,
            keccak256("Basalt").0,
            keccak256("1").0,
            U256::from(l1_chain_id).to_be_bytes::<32>(),
            proposer.into_word().0,
            U256::from(verifier_id).to_be_bytes::<32>(),
        ]
        .concat(),
    );
    let message = keccak256(
        [
            keccak256(BATCH_ATTESTATION_TYPE).0,
            U256::from(batch_number).to_be_bytes::<32>(),
            keccak256(public_inputs).0,
        ]
        .concat(),
    );
    keccak256([&[0x19u8, 0x01][..], domain.as_slice(), message.as_slice()].concat())
}

/// Rolling hash of k privileged transaction hashes: top 2 bytes = k, low 30 bytes = low 30 bytes of
/// `keccak(h_0 ‖ … ‖ h_{k-1})`; zero when k = 0.
pub fn privileged_rolling_hash(hashes: &[B256]) -> Result<B256, FormatError> {
    let count = hashes.len();
    if count > MAX_PRIVILEGED_TXS_PER_BATCH {
        return Err(FormatError::TooManyPrivilegedTxs(count));
    }
    if count == 0 {
        return Ok(B256::ZERO);
    }
    let mut out = keccak256(hashes.concat());
    out[0..2].copy_from_slice(&(count as u16).to_be_bytes());
    Ok(out)
}

/// Commitment to the blobs of a batch (`BasaltFormats.blobsHash`), from the EIP-4844 versioned
/// hashes in the commit transaction's order (its `blobVersionedHashes`): zero for none (validium);
/// else `c_0 = h_0`, `c_i = keccak(c_{i-1} ‖ h_i)`, the commitment being `c_{n-1}`, so one blob's
/// commitment is its versioned hash. Errors with [`FormatError::TooManyBlobs`] above
/// [`MAX_BLOBS_PER_BATCH`] hashes, which `commitBatch` refuses.
pub fn blobs_hash(versioned_hashes: &[B256]) -> Result<B256, FormatError> {
    if versioned_hashes.len() > MAX_BLOBS_PER_BATCH {
        return Err(FormatError::TooManyBlobs(versioned_hashes.len()));
    }
    let mut hashes = versioned_hashes.iter();
    let Some(first) = hashes.next() else {
        return Ok(B256::ZERO);
    };
    Ok(hashes.fold(*first, |chain, next| keccak256([chain.as_slice(), next.as_slice()].concat())))
}

/// Number of privileged transactions a rolling hash covers (its top 2 bytes).
pub fn rolling_hash_count(rolling_hash: B256) -> u16 {
    u16::from_be_bytes([rolling_hash[0], rolling_hash[1]])
}

/// Hash of an L2 -> L1 message, a leaf of the batch's message tree: `keccak(from ‖ data ‖ u256 id)`.
pub fn l1_message_hash(from: Address, data: B256, message_id: u64) -> B256 {
    let mut buf = [0u8; 20 + 32 + 32];
    buf[0..20].copy_from_slice(from.as_slice());
    buf[20..52].copy_from_slice(data.as_slice());
    buf[52..84].copy_from_slice(&U256::from(message_id).to_be_bytes::<32>());
    keccak256(buf)
}

/// The message `data` of a withdrawal: `keccak(token_l1 ‖ token_l2 ‖ recipient ‖ u256 amount)`;
/// ether uses [`ETH_TOKEN`] for both tokens.
pub fn withdrawal_data(
    token_l1: Address,
    token_l2: Address,
    recipient: Address,
    amount: U256,
) -> B256 {
    let mut buf = [0u8; 20 + 20 + 20 + 32];
    buf[0..20].copy_from_slice(token_l1.as_slice());
    buf[20..40].copy_from_slice(token_l2.as_slice());
    buf[40..60].copy_from_slice(recipient.as_slice());
    buf[60..92].copy_from_slice(&amount.to_be_bytes::<32>());
    keccak256(buf)
}

/// The leaf a withdrawal has in its batch's message tree (what `CommonBridge.withdrawalLeaf` returns).
pub fn withdrawal_leaf(
    token_l1: Address,
    token_l2: Address,
    recipient: Address,
    amount: U256,
    message_id: u64,
) -> B256 {
    l1_message_hash(L2_BRIDGE, withdrawal_data(token_l1, token_l2, recipient, amount), message_id)
}

/// The L2 sender of a privileged transaction sent by L1 contract `l1_address`.
pub fn apply_alias(l1_address: Address) -> Address {
    let sum =
        U256::from_be_slice(l1_address.as_slice()) + U256::from_be_slice(ALIAS_OFFSET.as_slice());
    let bytes = sum.to_be_bytes::<32>();
    Address::from_slice(&bytes[12..])
}

/// The EIP-1167 minimal proxy init code of `implementation` (55 bytes): it deploys the 45-byte
/// runtime that delegates every call to `implementation`.
pub fn minimal_proxy_init_code(implementation: Address) -> [u8; 55] {
    const HEAD: [u8; 20] = alloy_primitives::hex!("3d602d80600a3d3981f3363d3d373d3d3d363d73");
    const TAIL: [u8; 15] = alloy_primitives::hex!("5af43d82803e903d91602b57fd5bf3");
    let mut code = [0u8; 55];
    code[..20].copy_from_slice(&HEAD);
    code[20..40].copy_from_slice(implementation.as_slice());
    code[40..].copy_from_slice(&TAIL);
    code
}

/// CREATE2 salt of the canonical L2 token of `token_l1`: its address as a left-padded word
/// (`BasaltFormats.canonicalTokenSalt`).
pub fn canonical_token_salt(token_l1: Address) -> B256 {
    token_l1.into_word()
}

/// Address of the canonical L2 token of `token_l1` (`BasaltFormats.canonicalL2Token`,
/// `CommonBridge.canonicalL2Token`): CREATE2 by [`L2_TOKEN_FACTORY`] with salt
/// [`canonical_token_salt`] and the [`minimal_proxy_init_code`] of
/// [`CANONICAL_TOKEN_IMPLEMENTATION`], so it depends on the L1 address alone and exists before
/// the token does.
pub fn canonical_l2_token(token_l1: Address) -> Address {
    L2_TOKEN_FACTORY.create2(
        canonical_token_salt(token_l1),
        keccak256(minimal_proxy_init_code(CANONICAL_TOKEN_IMPLEMENTATION)),
    )
}

/// Sorted-pair keccak, as OpenZeppelin's `Hashes.commutativeKeccak256`.
pub fn commutative_keccak(a: B256, b: B256) -> B256 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    keccak256([lo.as_slice(), hi.as_slice()].concat())
}

/// The Merkle tree over a batch's L1-message hashes, in message order. Each level pairs neighbours
/// with [`commutative_keccak`]; an odd last node moves up unchanged. Proofs verify with
/// OpenZeppelin's `MerkleProof.verify` (and [`verify_message_proof`]). The root of no messages is zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMerkleTree {
    levels: Vec<Vec<B256>>,
}

impl MessageMerkleTree {
    /// Builds the tree over `leaves`.
    pub fn new(leaves: Vec<B256>) -> Self {
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|level| level.len() > 1) {
            let level = levels.last().expect("non-empty");
            let next =
                level
                    .chunks(2)
                    .map(|pair| {
                        if pair.len() == 2 { commutative_keccak(pair[0], pair[1]) } else { pair[0] }
                    })
                    .collect();
            levels.push(next);
        }
        Self { levels }
    }

    /// The root; zero for an empty tree.
    pub fn root(&self) -> B256 {
        self.levels.last().and_then(|level| level.first().copied()).unwrap_or(B256::ZERO)
    }

    /// The leaves, in message order.
    pub fn leaves(&self) -> &[B256] {
        &self.levels[0]
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.levels[0].len()
    }

    /// True when the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// Proof of the leaf at `index` (sibling hashes from the bottom up), `None` out of range.
    pub fn proof(&self, index: usize) -> Option<Vec<B256>> {
        if index >= self.len() {
            return None;
        }
        let mut proof = Vec::new();
        let mut i = index;
        for level in &self.levels[..self.levels.len() - 1] {
            if let Some(sibling) = level.get(i ^ 1) {
                proof.push(*sibling);
            }
            i /= 2;
        }
        Some(proof)
    }
}

/// Checks a proof the way `MerkleProof.verify` does.
pub fn verify_message_proof(proof: &[B256], root: B256, leaf: B256) -> bool {
    proof.iter().fold(leaf, |node, sibling| commutative_keccak(node, *sibling)) == root
}

/// The public inputs of a batch: what a proof attests to and what L1 rebuilds from the commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublicInputs {
    /// State root before the batch (the previous batch's final root).
    pub initial_state_root: B256,
    /// State root after the batch.
    pub final_state_root: B256,
    /// Root of the batch's L1-message tree.
    pub l1_messages_root: B256,
    /// Rolling hash of the privileged transactions the batch includes.
    pub privileged_rolling_hash: B256,
    /// Commitment to the batch's blobs ([`blobs_hash`]): the versioned hash of a single blob, a
    /// hash chain over several; zero in validium mode.
    pub blobs_hash: B256,
    /// Hash of the batch's last block.
    pub last_block_hash: B256,
    /// Chain id of the L2.
    pub chain_id: u64,
    /// Number of non-privileged transactions in the batch.
    pub non_privileged_tx_count: u64,
}

impl PublicInputs {
    /// ABI encoding: the eight fields as 32-byte words in declaration order.
    pub fn encode(&self) -> [u8; PUBLIC_INPUTS_LEN] {
        let mut out = [0u8; PUBLIC_INPUTS_LEN];
        let words = [
            self.initial_state_root,
            self.final_state_root,
            self.l1_messages_root,
            self.privileged_rolling_hash,
            self.blobs_hash,
            self.last_block_hash,
            B256::from(U256::from(self.chain_id)),
            B256::from(U256::from(self.non_privileged_tx_count)),
        ];
        for (chunk, word) in out.chunks_exact_mut(32).zip(words) {
            chunk.copy_from_slice(word.as_slice());
        }
        out
    }

    /// `keccak(encode())`: the `publicInputsHash` of an attestation ([`attestation_digest`] is what
    /// signers sign).
    pub fn digest(&self) -> B256 {
        keccak256(self.encode())
    }

    /// Parses the ABI encoding (as returned by `OnChainProposer.publicInputs`).
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        if bytes.len() != PUBLIC_INPUTS_LEN {
            return Err(FormatError::PublicInputsLength(bytes.len()));
        }
        let word = |i: usize| B256::from_slice(&bytes[i * 32..(i + 1) * 32]);
        let small = |i: usize, name: &'static str| {
            u64::try_from(U256::from_be_bytes(word(i).0))
                .map_err(|_| FormatError::PublicInputsOverflow(name))
        };
        Ok(Self {
            initial_state_root: word(0),
            final_state_root: word(1),
            l1_messages_root: word(2),
            privileged_rolling_hash: word(3),
            blobs_hash: word(4),
            last_block_hash: word(5),
            chain_id: small(6, "chain_id")?,
            non_privileged_tx_count: small(7, "non_privileged_tx_count")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;

    #[test]
    fn rolling_hash_of_nothing_is_zero() {
        assert_eq!(privileged_rolling_hash(&[]).unwrap(), B256::ZERO);
    }

    #[test]
    fn rolling_hash_carries_count_in_top_two_bytes() {
        let hashes = vec![B256::repeat_byte(1); 3];
        let rolling = privileged_rolling_hash(&hashes).unwrap();
        assert_eq!(rolling_hash_count(rolling), 3);
        assert_eq!(rolling[2..], keccak256(hashes.concat())[2..]);
    }

    #[test]
    fn rolling_hash_rejects_more_than_a_batch_can_carry() {
        let hashes = vec![B256::ZERO; MAX_PRIVILEGED_TXS_PER_BATCH + 1];
        assert_eq!(
            privileged_rolling_hash(&hashes),
            Err(FormatError::TooManyPrivilegedTxs(MAX_PRIVILEGED_TXS_PER_BATCH + 1))
        );
    }

    #[test]
    fn blobs_hash_of_one_blob_is_its_versioned_hash() {
        let h = B256::left_padding_from(&[0x01]);
        assert_eq!(blobs_hash(&[h]).unwrap(), h);
        assert_eq!(blobs_hash(&[]).unwrap(), B256::ZERO);
    }

    #[test]
    fn blobs_hash_chains_in_order_and_caps_the_count() {
        let hashes: Vec<B256> = (1..=3u8).map(B256::repeat_byte).collect();
        let two = keccak256([hashes[0].as_slice(), hashes[1].as_slice()].concat());
        let three = keccak256([two.as_slice(), hashes[2].as_slice()].concat());
        assert_eq!(blobs_hash(&hashes[..2]).unwrap(), two);
        assert_eq!(blobs_hash(&hashes).unwrap(), three);
        let swapped = [hashes[1], hashes[0], hashes[2]];
        assert_ne!(blobs_hash(&swapped).unwrap(), three, "order is committed");
        let max = vec![B256::repeat_byte(1); MAX_BLOBS_PER_BATCH];
        assert!(blobs_hash(&max).is_ok());
        let over = vec![B256::repeat_byte(1); MAX_BLOBS_PER_BATCH + 1];
        assert_eq!(blobs_hash(&over), Err(FormatError::TooManyBlobs(MAX_BLOBS_PER_BATCH + 1)));
    }

    #[test]
    fn every_leaf_of_every_tree_size_has_a_valid_proof() {
        for n in 1..=17u8 {
            let leaves: Vec<B256> = (0..n).map(|i| keccak256([i])).collect();
            let tree = MessageMerkleTree::new(leaves.clone());
            for (i, leaf) in leaves.iter().enumerate() {
                let proof = tree.proof(i).unwrap();
                assert!(verify_message_proof(&proof, tree.root(), *leaf), "n={n} i={i}");
                assert!(!verify_message_proof(&proof, tree.root(), B256::repeat_byte(0xab)));
            }
            assert!(tree.proof(n as usize).is_none());
        }
    }

    /// The tree by another construction: the left subtree is the largest power of two below
    /// `n` leaves, which is what pairing neighbours level by level (odd node moving up) gives.
    fn split_root(leaves: &[B256]) -> B256 {
        if leaves.len() == 1 {
            return leaves[0];
        }
        let mut left = 1;
        while left * 2 < leaves.len() {
            left *= 2;
        }
        commutative_keccak(split_root(&leaves[..left]), split_root(&leaves[left..]))
    }

    #[test]
    fn odd_sizes_one_to_nine_match_an_independent_construction_and_prove_every_leaf() {
        for n in 1..=9usize {
            let leaves: Vec<B256> = (0..n)
                .map(|i| {
                    withdrawal_leaf(
                        ETH_TOKEN,
                        ETH_TOKEN,
                        Address::repeat_byte(9),
                        U256::from(i + 1),
                        i as u64 + 1,
                    )
                })
                .collect();
            let tree = MessageMerkleTree::new(leaves.clone());
            assert_eq!(tree.root(), split_root(&leaves), "n={n}");
            for (i, leaf) in leaves.iter().enumerate() {
                let proof = tree.proof(i).unwrap();
                // A proof never carries more siblings than the tree has levels.
                assert!(proof.len() <= (n as f64).log2().ceil() as usize, "n={n} i={i}");
                assert!(verify_message_proof(&proof, tree.root(), *leaf), "n={n} i={i}");
                let mut wrong = proof.clone();
                if let Some(first) = wrong.first_mut() {
                    first.0[0] ^= 1;
                    assert!(!verify_message_proof(&wrong, tree.root(), *leaf), "n={n} i={i}");
                }
            }
        }
    }

    #[test]
    fn single_leaf_tree_is_its_leaf_and_empty_tree_is_zero() {
        let leaf = b256!("0x0101010101010101010101010101010101010101010101010101010101010101");
        let tree = MessageMerkleTree::new(vec![leaf]);
        assert_eq!(tree.root(), leaf);
        assert_eq!(tree.proof(0).unwrap(), Vec::<B256>::new());
        assert_eq!(MessageMerkleTree::new(vec![]).root(), B256::ZERO);
    }

    #[test]
    fn public_inputs_round_trip() {
        let inputs = PublicInputs {
            initial_state_root: B256::repeat_byte(1),
            final_state_root: B256::repeat_byte(2),
            l1_messages_root: B256::repeat_byte(3),
            privileged_rolling_hash: B256::repeat_byte(4),
            blobs_hash: B256::repeat_byte(5),
            last_block_hash: B256::repeat_byte(6),
            chain_id: 7,
            non_privileged_tx_count: 8,
        };
        assert_eq!(PublicInputs::decode(&inputs.encode()).unwrap(), inputs);
        assert_eq!(PublicInputs::decode(&[0u8; 255]), Err(FormatError::PublicInputsLength(255)));
    }

    #[test]
    fn min_gas_limit_counts_tokens_with_the_floor() {
        assert_eq!(min_gas_limit(&[]), 21_000);
        assert_eq!(min_gas_limit(&[0]), 21_010);
        assert_eq!(min_gas_limit(&[1]), 21_040);
        assert_eq!(min_gas_limit(&[0, 7, 0, 0xff]), 21_000 + 10 * (2 + 2 * 4));
        // Never below the standard (pre-EIP-7623) intrinsic gas.
        let data: Vec<u8> = (0..=255u8).collect();
        assert!(min_gas_limit(&data) >= 21_000 + 4 + 16 * 255);
    }

    #[test]
    fn attestation_digest_binds_every_field() {
        let base = attestation_digest(1, Address::repeat_byte(1), 1, 5, b"inputs");
        assert_ne!(base, attestation_digest(2, Address::repeat_byte(1), 1, 5, b"inputs"));
        assert_ne!(base, attestation_digest(1, Address::repeat_byte(2), 1, 5, b"inputs"));
        assert_ne!(base, attestation_digest(1, Address::repeat_byte(1), 2, 5, b"inputs"));
        assert_ne!(base, attestation_digest(1, Address::repeat_byte(1), 1, 6, b"inputs"));
        assert_ne!(base, attestation_digest(1, Address::repeat_byte(1), 1, 5, b"other"));
    }

    #[test]
    fn canonical_tokens_are_create2_minimal_proxies_per_l1_token() {
        let token = address!("0x5fbdb2315678afecb367f032d93f642f64180aa3");
        let code = minimal_proxy_init_code(CANONICAL_TOKEN_IMPLEMENTATION);
        // The init code returns its last 45 bytes: the proxy runtime naming the implementation.
        assert_eq!(&code[30..40], &CANONICAL_TOKEN_IMPLEMENTATION.as_slice()[10..]);
        let mut preimage = vec![0xff];
        preimage.extend_from_slice(L2_TOKEN_FACTORY.as_slice());
        preimage.extend_from_slice(&[0u8; 12]);
        preimage.extend_from_slice(token.as_slice());
        preimage.extend_from_slice(keccak256(code).as_slice());
        let expected = Address::from_slice(&keccak256(&preimage)[12..]);
        assert_eq!(canonical_l2_token(token), expected);
        assert_ne!(canonical_l2_token(token), canonical_l2_token(ETH_TOKEN));
    }

    #[test]
    fn alias_wraps_around() {
        let max = address!("0xffffffffffffffffffffffffffffffffffffffff");
        assert_eq!(apply_alias(max), address!("0x1111000000000000000000000000000000001110"));
    }
}
