//! The guest program: the state-transition function of one L2 batch, as a pure function from a
//! [`BatchInput`] (the blocks, their fee configs, the data committed on L1, an execution witness)
//! to the batch's [`PublicInputs`], byte for byte what `OnChainProposer.publicInputs(batch)`
//! rebuilds on L1. It decodes the committed payload itself, re-executes every block under the L2
//! rules, checks every header, and fails naming the gap when the witness lacks a trie node, a
//! code or a header. No tokio, no database, no network, no filesystem (tests/purity.rs), so the
//! same crate can be compiled for a zkVM (docs/proving.md).

pub mod committed_data;
pub mod execute;
pub mod input;
pub mod state;

pub use basalt_contracts::formats::PublicInputs;
pub use committed_data::versioned_hashes;
pub use execute::{ExecutedBlocks, execute_blocks, execute_blocks_with, with_block_senders};
pub use input::{BATCH_INPUT_VERSION, BatchInput, ExecutionWitness, InputDecodeError};
pub use state::{CodeSource, StatelessState, WitnessError};

use alloy_consensus::Header;
use alloy_primitives::{B256, Bytes};
use alloy_rlp::Decodable;
use basalt_contracts::formats::{MessageMerkleTree, blobs_hash, privileged_rolling_hash};
use basalt_da::{BlobKzgProof, DaMode};
use basalt_evm::BlockValidationError;
use basalt_primitives::{
    Block, ChainConfig, FeeConfig, genesis::chain_config_from, sender::SenderRecovery,
};
use basalt_trie::{MemoryNodes, NodeReader};
use committed_data::{ExecutedBatch, check_payload};
use std::collections::BTreeMap;

/// Why a batch could not be proven. Each names what failed: the input, a block rule, the
/// witness, or the committed data.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GuestError {
    #[error(transparent)]
    Input(#[from] InputDecodeError),
    #[error("the chain config is invalid: {0}")]
    ChainConfig(String),
    #[error("the batch has no blocks")]
    NoBlocks,
    #[error("{blocks} blocks but {fee_configs} fee configs")]
    FeeConfigCount { blocks: usize, fee_configs: usize },
    #[error("fee config {index} is invalid: {reason}")]
    FeeConfig { index: usize, reason: String },
    #[error("DA mode {0} is unknown")]
    UnknownMode(u8),
    #[error("witness incomplete: {0}")]
    Witness(#[from] WitnessError),
    #[error("block {number} builds on {got}, not on the previous block {parent}")]
    NotAChain { number: u64, parent: B256, got: B256 },
    #[error("block {number} is invalid: {rule}")]
    InvalidBlock { number: u64, rule: BlockValidationError },
    /// The senders given for a block were recovered from other transactions (a caller passed
    /// [`execute_blocks_with`] a recovery made over other blocks).
    #[error("the senders given for block {number} were not recovered from its transactions")]
    SenderRecoveryMismatch { number: u64 },
    #[error("block {0} holds an L1 message with an id above 2^64")]
    MessageId(u64),
    #[error("the committed data is unusable: {0}")]
    CommittedData(String),
    #[error("the committed data is not the executed batch: {0}")]
    PayloadMismatch(String),
    #[error("the batch cannot be committed: {0}")]
    Format(String),
}

/// What proving a batch produced: its public inputs, and which ancestor hashes BLOCKHASH read
/// (a witness builder keeps the headers back to the lowest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchOutcome {
    pub public_inputs: PublicInputs,
    pub block_hashes_read: Vec<u64>,
}

/// The parts of a batch [`prove_batch`] reads, with the state sources given separately.
pub struct BatchParts<'a> {
    pub config: &'a ChainConfig,
    pub mode: DaMode,
    /// Committed data (codec byte, compressed payload); empty for validium.
    pub data: &'a [u8],
    /// Commitment and blob proof of each blob `data` packs into.
    pub blob_proofs: &'a [BlobKzgProof],
    /// The first block's parent.
    pub parent: &'a Header,
    /// Hashes BLOCKHASH may read below the first block (number -> hash).
    pub ancestors: BTreeMap<u64, B256>,
    pub blocks: &'a [Block],
    pub fees: &'a [Option<FeeConfig>],
}

/// Proves the batch `parts` over trie nodes from `nodes` and codes from `codes`: the guest runs
/// it over a witness, a witness builder over a recording database reader. Errors: see
/// [`GuestError`].
pub fn prove_batch<N: NodeReader + Clone, C: CodeSource + Clone>(
    parts: BatchParts<'_>,
    nodes: N,
    codes: C,
) -> Result<BatchOutcome, GuestError> {
    with_block_senders(parts.config, parts.blocks, |senders| {
        prove_batch_with(parts, nodes, codes, senders)
    })
}

/// [`prove_batch`] with the blocks' senders from `senders` (made by [`with_block_senders`] over
/// the same blocks, so whatever the caller did since overlapped their recovery).
pub fn prove_batch_with<N: NodeReader + Clone, C: CodeSource + Clone>(
    parts: BatchParts<'_>,
    nodes: N,
    codes: C,
    senders: &SenderRecovery<'_>,
) -> Result<BatchOutcome, GuestError> {
    if parts.blocks.is_empty() {
        return Err(GuestError::NoBlocks);
    }
    // Checked first: it needs no sender, so it overlaps their recovery.
    let versioned = versioned_hashes(parts.data, parts.blob_proofs)?;
    let initial_root = parts.parent.state_root;
    let mut state =
        StatelessState::new(nodes.clone(), initial_root, codes.clone(), parts.ancestors);
    let executed = execute_blocks_with(
        parts.config,
        parts.parent,
        parts.blocks,
        parts.fees,
        &mut state,
        senders,
    )?;
    if !parts.data.is_empty() {
        let batch = ExecutedBatch {
            chain_id: parts.config.chain_id,
            blocks: parts.blocks,
            fees: parts.fees,
            executed: &executed,
        };
        let mut initial = StatelessState::new(nodes, initial_root, codes, BTreeMap::new());
        check_payload(parts.mode, parts.data, &batch, &mut initial)?;
    }
    let format = |e: basalt_contracts::formats::FormatError| GuestError::Format(e.to_string());
    let public_inputs = PublicInputs {
        initial_state_root: initial_root,
        final_state_root: executed.final_state_root,
        l1_messages_root: MessageMerkleTree::new(executed.l1_message_leaves.clone()).root(),
        privileged_rolling_hash: privileged_rolling_hash(&executed.privileged_hashes)
            .map_err(format)?,
        blobs_hash: blobs_hash(&versioned).map_err(format)?,
        last_block_hash: executed.last_block_hash,
        chain_id: parts.config.chain_id,
        non_privileged_tx_count: executed.non_privileged_txs,
    };
    Ok(BatchOutcome { public_inputs, block_hashes_read: state.hashes_read().into_iter().collect() })
}

/// The guest program: proves `input` from its witness alone. Errors: see [`GuestError`]; a
/// witness missing anything the batch needs names the missing node, code or header.
pub fn execute_batch(input: &BatchInput) -> Result<PublicInputs, GuestError> {
    let genesis_config: alloy_genesis::ChainConfig = serde_json::from_slice(&input.chain_config)
        .map_err(|e| GuestError::ChainConfig(e.to_string()))?;
    let config =
        chain_config_from(&genesis_config).map_err(|e| GuestError::ChainConfig(e.to_string()))?;
    let mode = match input.mode {
        m if m == DaMode::Blocks as u8 => DaMode::Blocks,
        m if m == DaMode::StateDiff as u8 => DaMode::StateDiff,
        m => return Err(GuestError::UnknownMode(m)),
    };
    let fees = input
        .fee_configs
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            FeeConfig::decode(bytes)
                .map(Some)
                .map_err(|e| GuestError::FeeConfig { index, reason: e.to_string() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let first = input.blocks.first().ok_or(GuestError::NoBlocks)?;
    // Senders are recovered on the second core from here on, while the witness is read.
    with_block_senders(&config, &input.blocks, |senders| {
        let (parent, ancestors) =
            witness_headers(&input.witness.headers, first.header.parent_hash)?;
        let nodes = MemoryNodes::from_witness(input.witness.state.iter().cloned());
        let codes = input.witness.code_map();
        let parts = BatchParts {
            config: &config,
            mode,
            data: &input.data,
            blob_proofs: &input.blob_proofs,
            parent: &parent,
            ancestors,
            blocks: &input.blocks,
            fees: &fees,
        };
        Ok(prove_batch_with(parts, &nodes, &codes, senders)?.public_inputs)
    })
}

/// [`execute_batch`] of an encoded [`BatchInput`], returning the ABI-encoded public inputs (the
/// 256 bytes an attestation signs over): what a prover backend calls.
pub fn execute_encoded(input: &[u8]) -> Result<[u8; 256], GuestError> {
    Ok(execute_batch(&BatchInput::decode(input)?)?.encode())
}

/// The witness headers as a chain: oldest first, each the parent of the next, the last the
/// parent of the first block (`parent_hash`). Returns that parent and every header's hash by
/// number.
fn witness_headers(
    headers: &[Bytes],
    parent_hash: B256,
) -> Result<(Header, BTreeMap<u64, B256>), GuestError> {
    let chain_error = |reason: String| GuestError::Witness(WitnessError::HeaderChain(reason));
    let mut hashes = BTreeMap::new();
    let mut previous: Option<(Header, B256)> = None;
    for (index, bytes) in headers.iter().enumerate() {
        let header = Header::decode(&mut bytes.as_ref()).map_err(|e| {
            GuestError::Witness(WitnessError::MalformedHeader { index, reason: e.to_string() })
        })?;
        let hash = header.hash_slow();
        if let Some((before, before_hash)) = &previous
            && (before.number.checked_add(1) != Some(header.number)
                || header.parent_hash != *before_hash)
        {
            return Err(chain_error(format!(
                "header {index} (block {}) is not the child of block {}",
                header.number, before.number
            )));
        }
        hashes.insert(header.number, hash);
        previous = Some((header, hash));
    }
    let Some((parent, hash)) = previous else {
        return Err(chain_error(
            "the witness has no headers; it needs at least the first block's parent".into(),
        ));
    };
    if hash != parent_hash {
        return Err(chain_error(format!(
            "the last header is block {} with hash {hash}, not the first block's parent {parent_hash}",
            parent.number
        )));
    }
    Ok((parent, hashes))
}
