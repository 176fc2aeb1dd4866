//! The blobs of the dev L1's included blob transactions (EIP-4844), kept as anvil keeps them so
//! that followers and tests can read batch data back from the L1. Each blob is stored with its
//! KZG commitment and the proof(s) its transaction's sidecar carried, under its versioned hash
//! and the transaction's hash ([`BLOBS`]), in the write transaction of the block that includes
//! the transaction, and deleted in the write transaction that removes that block (an unwind):
//! only blobs of canonical blocks are ever served. This module stores and looks up; it verifies
//! no KZG proof (the RPC layer does before a transaction reaches the pool).

use crate::{ReadView, StorageError, WriteBatch, tables::BLOBS};
use alloy_consensus::Transaction;
use alloy_eips::{
    eip4844::{BYTES_PER_BLOB, Bytes48},
    eip7594::{BlobTransactionSidecarVariant, CELLS_PER_EXT_BLOB},
};
use alloy_primitives::{B256, Bytes};
use basalt_primitives::{BasaltTxEnvelope, Block};
use redb::Table;

/// Byte length of a KZG commitment or proof.
const KZG_BYTES: usize = 48;
/// First byte of a stored blob: one EIP-4844 blob proof follows the blob.
const KIND_BLOB_PROOF: u8 = 0;
/// First byte of a stored blob: EIP-7594's [`CELLS_PER_EXT_BLOB`] cell proofs follow the blob.
const KIND_CELL_PROOFS: u8 = 1;

/// The KZG proof(s) a blob arrived with: what its transaction's sidecar carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobKzgProof {
    /// One proof for the whole blob (EIP-4844 sidecar, L1s before Osaka).
    Blob(Bytes48),
    /// [`CELLS_PER_EXT_BLOB`] (128) cell proofs (EIP-7594 sidecar, L1s from Osaka on).
    Cells(Vec<Bytes48>),
}

/// One stored blob of an included blob transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    /// The blob, [`BYTES_PER_BLOB`] (131,072) bytes.
    pub blob: Bytes,
    /// Its KZG commitment; the versioned hash is `0x01 ‖ sha256(commitment)[1..]`.
    pub commitment: Bytes48,
    pub proof: BlobKzgProof,
}

impl StoredBlob {
    /// The stored form: the kind byte (0 blob proof, 1 cell proofs), the commitment (48 bytes),
    /// the blob (131,072 bytes), then the proof(s) (48 bytes each: 1, or 128).
    fn encode(&self) -> Vec<u8> {
        let proofs: &[Bytes48] = match &self.proof {
            BlobKzgProof::Blob(proof) => std::slice::from_ref(proof),
            BlobKzgProof::Cells(proofs) => proofs,
        };
        let mut out = Vec::with_capacity(1 + KZG_BYTES + BYTES_PER_BLOB + KZG_BYTES * proofs.len());
        out.push(match self.proof {
            BlobKzgProof::Blob(_) => KIND_BLOB_PROOF,
            BlobKzgProof::Cells(_) => KIND_CELL_PROOFS,
        });
        out.extend_from_slice(self.commitment.as_slice());
        out.extend_from_slice(&self.blob);
        for proof in proofs {
            out.extend_from_slice(proof.as_slice());
        }
        out
    }

    /// Reads [`StoredBlob::encode`]'s form; anything else is [`StorageError::Corrupt`].
    fn decode(bytes: &[u8]) -> Result<Self, StorageError> {
        let corrupt = |reason: String| StorageError::Corrupt { what: "blob", reason };
        let (&kind, rest) = bytes.split_first().ok_or_else(|| corrupt("empty entry".into()))?;
        let proofs = match kind {
            KIND_BLOB_PROOF => 1,
            KIND_CELL_PROOFS => CELLS_PER_EXT_BLOB,
            other => return Err(corrupt(format!("unknown proof kind {other}"))),
        };
        let expected = KZG_BYTES + BYTES_PER_BLOB + KZG_BYTES * proofs;
        if rest.len() != expected {
            return Err(corrupt(format!("{} bytes, expected {expected}", bytes.len())));
        }
        let (commitment, rest) = rest.split_at(KZG_BYTES);
        let (blob, proof_bytes) = rest.split_at(BYTES_PER_BLOB);
        let mut proof_list: Vec<Bytes48> =
            proof_bytes.chunks_exact(KZG_BYTES).map(Bytes48::from_slice).collect();
        let proof = match kind {
            KIND_BLOB_PROOF => BlobKzgProof::Blob(proof_list.remove(0)),
            _ => BlobKzgProof::Cells(proof_list),
        };
        Ok(Self {
            blob: Bytes::copy_from_slice(blob),
            commitment: Bytes48::from_slice(commitment),
            proof,
        })
    }
}

/// The [`BLOBS`] key of a blob: its versioned hash, then the transaction's hash.
fn blob_key(versioned_hash: &B256, tx_hash: &B256) -> [u8; 64] {
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(versioned_hash.as_slice());
    key[32..].copy_from_slice(tx_hash.as_slice());
    key
}

/// The blobs of `sidecar` in order, each with its commitment and proof(s). Errors: the sidecar
/// does not belong to `tx` (its versioned hashes differ from the transaction's, or its proofs
/// do not divide among its blobs).
fn sidecar_blobs(
    tx: &BasaltTxEnvelope,
    sidecar: &BlobTransactionSidecarVariant,
) -> Result<Vec<StoredBlob>, StorageError> {
    let tx_hash = *tx.tx_hash();
    let mismatch =
        |reason: &str| StorageError::BlobSidecarMismatch { tx: tx_hash, reason: reason.into() };
    let expected = tx.blob_versioned_hashes().unwrap_or_default();
    if !sidecar.versioned_hashes().eq(expected.iter().copied()) {
        return Err(mismatch("its versioned hashes are not the transaction's"));
    }
    let blobs = sidecar.blobs();
    let commitments = sidecar.commitments();
    let proofs: Vec<BlobKzgProof> = match sidecar {
        BlobTransactionSidecarVariant::Eip4844(sidecar) => {
            if sidecar.proofs.len() != blobs.len() {
                return Err(mismatch("it does not have one blob proof per blob"));
            }
            sidecar.proofs.iter().map(|proof| BlobKzgProof::Blob(*proof)).collect()
        }
        BlobTransactionSidecarVariant::Eip7594(sidecar) => {
            if sidecar.cell_proofs.len() != blobs.len() * CELLS_PER_EXT_BLOB {
                return Err(mismatch("it does not have 128 cell proofs per blob"));
            }
            sidecar
                .cell_proofs
                .chunks_exact(CELLS_PER_EXT_BLOB)
                .map(|cells| BlobKzgProof::Cells(cells.to_vec()))
                .collect()
        }
    };
    if commitments.len() != blobs.len() {
        return Err(mismatch("it does not have one commitment per blob"));
    }
    Ok(blobs
        .iter()
        .zip(commitments)
        .zip(proofs)
        .map(|((blob, commitment), proof)| StoredBlob {
            blob: Bytes::copy_from_slice(blob.as_slice()),
            commitment: *commitment,
            proof,
        })
        .collect())
}

/// Deletes the stored blobs of `tx` (a transaction of a block being removed).
pub(crate) fn remove_transaction_blobs(
    table: &mut Table<'_, [u8; 64], &[u8]>,
    tx: &BasaltTxEnvelope,
) -> Result<(), StorageError> {
    for versioned_hash in tx.blob_versioned_hashes().unwrap_or_default() {
        table.remove(blob_key(versioned_hash, tx.tx_hash()))?;
    }
    Ok(())
}

impl WriteBatch<'_> {
    /// Stores the blobs of `block`'s blob transactions, each from the sidecar `sidecar_of`
    /// gives for its hash; a transaction it gives none for keeps none. `block` must be the one
    /// this batch stores ([`WriteBatch::insert_canonical_block`]): the blobs are written with
    /// it, and deleted with it by [`WriteBatch::remove_blocks_above`]. Returns how many blobs
    /// were stored. Errors: a sidecar whose versioned hashes are not its transaction's, or
    /// whose proofs do not divide among its blobs ([`StorageError::BlobSidecarMismatch`]; the
    /// batch should then be dropped).
    pub fn insert_block_blobs<'s>(
        &mut self,
        block: &Block,
        sidecar_of: impl Fn(&B256) -> Option<&'s BlobTransactionSidecarVariant>,
    ) -> Result<usize, StorageError> {
        let mut table = self.txn().open_table(BLOBS)?;
        let mut stored = 0;
        for tx in &block.body.transactions {
            let Some(hashes) = tx.blob_versioned_hashes() else { continue };
            let Some(sidecar) = sidecar_of(tx.tx_hash()) else { continue };
            for (versioned_hash, blob) in hashes.iter().zip(sidecar_blobs(tx, sidecar)?) {
                table.insert(blob_key(versioned_hash, tx.tx_hash()), blob.encode().as_slice())?;
                stored += 1;
            }
        }
        Ok(stored)
    }
}

impl ReadView {
    /// The blobs of canonical transaction `tx_hash`, in its order; None when the transaction
    /// is unknown (or only in the pool), carries no blobs, or its blobs were not kept (a block
    /// imported without sidecars). Errors: a stored entry that does not decode.
    pub fn transaction_blobs(
        &self,
        tx_hash: B256,
    ) -> Result<Option<Vec<StoredBlob>>, StorageError> {
        let Some((block_hash, index)) = self.tx_location(tx_hash)? else { return Ok(None) };
        let Some(body) = self.body(block_hash)? else { return Ok(None) };
        let tx = usize::try_from(index).ok().and_then(|index| body.transactions.get(index));
        let Some(hashes) = tx.and_then(|tx| tx.blob_versioned_hashes()) else { return Ok(None) };
        let table = self.txn.open_table(BLOBS)?;
        let mut blobs = Vec::with_capacity(hashes.len());
        for versioned_hash in hashes {
            match table.get(blob_key(versioned_hash, &tx_hash))? {
                Some(entry) => blobs.push(StoredBlob::decode(entry.value())?),
                None => return Ok(None),
            }
        }
        Ok(Some(blobs))
    }

    /// The blob whose versioned hash is `versioned_hash`, from any canonical transaction that
    /// carried it; None when no canonical transaction did. Errors: a stored entry that does not
    /// decode.
    pub fn blob(&self, versioned_hash: B256) -> Result<Option<StoredBlob>, StorageError> {
        let table = self.txn.open_table(BLOBS)?;
        let range = blob_key(&versioned_hash, &B256::ZERO)
            ..=blob_key(&versioned_hash, &B256::repeat_byte(0xff));
        let mut entries = table.range(range)?;
        entries.next().transpose()?.map(|(_, entry)| StoredBlob::decode(entry.value())).transpose()
    }
}

#[cfg(test)]
mod tests;
