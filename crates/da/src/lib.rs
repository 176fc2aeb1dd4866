//! The L2's data-availability payload (docs/da.md): how a batch's bytes travel to L1 in EIP-4844
//! blobs and come back. Pure functions with no I/O, so the same code runs in the node, in
//! followers rebuilding the L2 from L1, and later in the guest program.

pub mod blob;
pub mod compress;
pub mod kzg;
pub mod l1_messages;
pub mod payload;
pub mod varint;

pub use blob::{
    BLOB_BYTES, BlobDecodeError, BlobEncodeError, FIELD_ELEMENTS_PER_BLOB, PAYLOAD_BYTES_PER_BLOB,
    blobs_needed, decode_blobs, encode_blobs,
};
pub use compress::{
    DecompressError, compress, decode_compressed, decompress, encode_compressed,
    encode_compressed_fast,
};
pub use kzg::{
    BlobKzgProof, KzgError, blob_kzg_proofs, blob_versioned_hashes, verified_versioned_hashes,
};
pub use l1_messages::{L1Message, MessageIdTooLarge, block_l1_message_leaves, receipt_l1_messages};
pub use payload::{
    AccountDiff, BlockDataBudget, BlocksPayload, Change, ChangeValue, DaMode, DiffApplyError,
    MAX_PAYLOAD_BYTES, PayloadBlock, PayloadDecodeError, PayloadEncodeError, PayloadTxError,
    SenderTransaction, SlotDiff, SlotKey, StateDiffPayload, UnsignedTransaction, decode_blocks,
    decode_state_diff, encode_blocks, encode_state_diff, mapping_slot, max_block_payload_bytes,
    payload_block, payload_transactions, state_diff_changes,
};
