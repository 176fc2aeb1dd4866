//! What the guest program reads: a batch's blocks, the fee config each ran under, the data
//! committed on L1 for it, and the execution witness of the state it starts from. Encoded as a
//! version byte then RLP, the form the proof coordinator sends to provers (docs/proving.md).

use alloy_primitives::{B256, Bytes, keccak256, map::B256Map};
use alloy_rlp::{Decodable, RlpDecodable, RlpEncodable};
use basalt_da::BlobKzgProof;
use basalt_primitives::Block;

/// Version byte of [`BatchInput::encode`].
pub const BATCH_INPUT_VERSION: u8 = 2;

/// The data a stateless executor needs besides the blocks, in the shape geth and reth serve
/// from `debug_executionWitness`: every trie node the execution read or the state-root update
/// walked (account and storage tries, RLP), every contract code it ran or read, the preimages of
/// the keys it touched (informational; the guest does not need them), and the RLP headers of the
/// ancestors BLOCKHASH can read, oldest first, ending with the parent of the first block.
#[derive(Clone, Debug, Default, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct ExecutionWitness {
    pub state: Vec<Bytes>,
    pub codes: Vec<Bytes>,
    pub keys: Vec<Bytes>,
    pub headers: Vec<Bytes>,
}

impl ExecutionWitness {
    /// The codes keyed by their keccak.
    pub fn code_map(&self) -> B256Map<Bytes> {
        self.codes.iter().map(|code| (keccak256(code), code.clone())).collect()
    }

    /// Size in bytes of the nodes, codes, keys and headers (without encoding overhead).
    pub fn size(&self) -> usize {
        [&self.state, &self.codes, &self.keys, &self.headers]
            .iter()
            .flat_map(|items| items.iter())
            .map(|item| item.len())
            .sum()
    }
}

/// Everything the guest needs to prove one batch.
#[derive(Clone, Debug, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct BatchInput {
    /// The L2 genesis file's `config` section as JSON (forks, chain id, the `basalt` section):
    /// the rules the blocks run under.
    pub chain_config: Bytes,
    /// DA payload mode the batch was committed in (`basalt_da::DaMode` as its byte).
    pub mode: u8,
    /// The batch's data as committed in its blobs: codec byte then compressed payload (what
    /// `basalt_da::encode_blobs` packs); empty for a validium batch.
    pub data: Bytes,
    /// The KZG commitment and EIP-4844 blob proof of each blob `data` packs into, in order
    /// (none for a validium batch): the guest checks its blobs by them.
    pub blob_proofs: Vec<BlobKzgProof>,
    /// The batch's blocks in order, signed, with full headers.
    pub blocks: Vec<Block>,
    /// The fee config each block ran under (`FeeConfig::encode`), one per block.
    pub fee_configs: Vec<Bytes>,
    /// The witness of the state before the first block.
    pub witness: ExecutionWitness,
}

/// Why bytes are not a [`BatchInput`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputDecodeError {
    #[error("empty batch input")]
    Empty,
    #[error(
        "batch input version {0} is not supported (this guest reads version {BATCH_INPUT_VERSION})"
    )]
    Version(u8),
    #[error("batch input is not valid RLP: {0}")]
    Rlp(String),
    #[error("batch input has {0} bytes after its end")]
    TrailingBytes(usize),
}

impl BatchInput {
    /// Version byte then RLP.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![BATCH_INPUT_VERSION];
        alloy_rlp::Encodable::encode(self, &mut out);
        out
    }

    /// Parses [`Self::encode`]'s output. Errors: empty, another version, bad or trailing RLP.
    pub fn decode(bytes: &[u8]) -> Result<Self, InputDecodeError> {
        let (&version, mut rest) = bytes.split_first().ok_or(InputDecodeError::Empty)?;
        if version != BATCH_INPUT_VERSION {
            return Err(InputDecodeError::Version(version));
        }
        let input = Self::decode_rlp(&mut rest)?;
        if !rest.is_empty() {
            return Err(InputDecodeError::TrailingBytes(rest.len()));
        }
        Ok(input)
    }

    fn decode_rlp(rest: &mut &[u8]) -> Result<Self, InputDecodeError> {
        <Self as Decodable>::decode(rest).map_err(|e| InputDecodeError::Rlp(e.to_string()))
    }

    /// Hash of the first block's parent: the block the witness state belongs to.
    pub fn parent_hash(&self) -> Option<B256> {
        self.blocks.first().map(|block| block.header.parent_hash)
    }
}
