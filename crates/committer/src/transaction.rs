//! The commit transaction of a sealed batch: `commitBatch` calldata, and the signed network
//! form, an EIP-4844 blob transaction with its sidecar (rollup mode) or an EIP-1559
//! transaction (validium).

use crate::fees::CommitFees;
use alloy::sol_types::SolCall;
use alloy_consensus::{
    EthereumTxEnvelope, SignableTransaction, TxEip1559, TxEip4844, TxEip4844WithSidecar,
};
use alloy_eips::{eip2718::Encodable2718, eip7594::BlobTransactionSidecarVariant};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use basalt_contracts::bindings::OnChainProposer;
use basalt_primitives::sender::sign_hash;
use basalt_storage::SealedBatch;

/// ABI-encoded `OnChainProposer.commitBatch` of `batch`.
pub fn commit_calldata(batch: &SealedBatch) -> Bytes {
    OnChainProposer::commitBatchCall {
        batchNumber: U256::from(batch.number),
        newStateRoot: batch.state_root,
        l1MessagesRoot: batch.l1_messages_root,
        privilegedRollingHash: batch.privileged_rolling_hash,
        lastBlockHash: batch.last_block_hash,
        nonPrivilegedTxCount: batch.non_privileged_txs,
    }
    .abi_encode()
    .into()
}

/// What one signed commit transaction is made of.
pub struct CommitTx<'a> {
    pub l1_chain_id: u64,
    pub nonce: u64,
    pub gas_limit: u64,
    pub fees: CommitFees,
    /// The proposer contract.
    pub to: Address,
    pub input: Bytes,
    /// The batch's blobs with their KZG proofs; None in validium mode.
    pub sidecar: Option<&'a BlobTransactionSidecarVariant>,
}

impl CommitTx<'_> {
    /// The transaction hash and its EIP-2718 network encoding (with the sidecar for a blob
    /// transaction), signed with `key`. Errors: a key that is not a secp256k1 secret.
    pub fn sign(&self, key: &B256) -> Result<(B256, Bytes), crate::CommitterError> {
        let bad_key = |_| crate::CommitterError::BadKey;
        match self.sidecar {
            Some(sidecar) => {
                let tx = TxEip4844 {
                    chain_id: self.l1_chain_id,
                    nonce: self.nonce,
                    gas_limit: self.gas_limit,
                    max_fee_per_gas: self.fees.max_fee_per_gas,
                    max_priority_fee_per_gas: self.fees.max_priority_fee_per_gas,
                    to: self.to,
                    value: U256::ZERO,
                    access_list: Default::default(),
                    blob_versioned_hashes: sidecar.versioned_hashes().collect(),
                    max_fee_per_blob_gas: self.fees.max_fee_per_blob_gas,
                    input: self.input.clone(),
                };
                let tx = TxEip4844WithSidecar::from_tx_and_sidecar(tx, sidecar.clone());
                let signature = sign_hash(key, tx.signature_hash()).map_err(bad_key)?;
                let signed = tx.into_signed(signature);
                let hash = *signed.hash();
                let envelope = EthereumTxEnvelope::<
                    TxEip4844WithSidecar<BlobTransactionSidecarVariant>,
                >::from(signed);
                Ok((hash, envelope.encoded_2718().into()))
            }
            None => {
                let tx = TxEip1559 {
                    chain_id: self.l1_chain_id,
                    nonce: self.nonce,
                    gas_limit: self.gas_limit,
                    max_fee_per_gas: self.fees.max_fee_per_gas,
                    max_priority_fee_per_gas: self.fees.max_priority_fee_per_gas,
                    to: TxKind::Call(self.to),
                    value: U256::ZERO,
                    access_list: Default::default(),
                    input: self.input.clone(),
                };
                let signed =
                    basalt_primitives::sender::sign_transaction(tx, key).map_err(bad_key)?;
                Ok((*signed.hash(), signed.encoded_2718().into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_eips::eip2718::Decodable2718;

    fn batch() -> SealedBatch {
        SealedBatch {
            number: 7,
            first_block: 10,
            last_block: 12,
            mode: 0,
            payload_len: 3,
            data: Bytes::from(vec![0, 1, 2]),
            versioned_hashes: Vec::new(),
            state_root: B256::repeat_byte(1),
            l1_messages_root: B256::repeat_byte(2),
            privileged_rolling_hash: B256::repeat_byte(3),
            last_block_hash: B256::repeat_byte(4),
            non_privileged_txs: 5,
            privileged_txs: 0,
            sealed_at: 0,
        }
    }

    #[test]
    fn calldata_is_commit_batch_of_the_sealed_values() {
        let call =
            OnChainProposer::commitBatchCall::abi_decode(&commit_calldata(&batch())).unwrap();
        assert_eq!(call.batchNumber, U256::from(7));
        assert_eq!(call.newStateRoot, B256::repeat_byte(1));
        assert_eq!(call.l1MessagesRoot, B256::repeat_byte(2));
        assert_eq!(call.privilegedRollingHash, B256::repeat_byte(3));
        assert_eq!(call.lastBlockHash, B256::repeat_byte(4));
        assert_eq!(call.nonPrivilegedTxCount, 5);
    }

    #[test]
    fn a_blob_commit_carries_the_sidecar_and_is_signed_by_the_key() {
        let key = B256::repeat_byte(0x42);
        let blobs = basalt_da::encode_blobs(&[9u8; 200_000], 6).unwrap();
        let sidecar = basalt_batch::blob_sidecar(&blobs, basalt_batch::BlobProofs::Cell).unwrap();
        let fees = CommitFees {
            max_fee_per_gas: 10,
            max_priority_fee_per_gas: 1,
            max_fee_per_blob_gas: 4,
        };
        let commit = CommitTx {
            l1_chain_id: 31337,
            nonce: 3,
            gas_limit: 200_000,
            fees,
            to: Address::repeat_byte(0xaa),
            input: commit_calldata(&batch()),
            sidecar: Some(&sidecar),
        };
        let (hash, raw) = commit.sign(&key).unwrap();
        let decoded =
            EthereumTxEnvelope::<TxEip4844WithSidecar<BlobTransactionSidecarVariant>>::decode_2718(
                &mut raw.as_ref(),
            )
            .unwrap();
        assert_eq!(*decoded.hash(), hash);
        let EthereumTxEnvelope::Eip4844(signed) = decoded else { panic!("not a blob transaction") };
        assert_eq!(signed.tx().tx().blob_versioned_hashes.len(), 2);
        assert_eq!(signed.tx().tx().nonce, 3);
        assert_eq!(signed.tx().tx().max_fee_per_blob_gas, 4);
        let signer = basalt_primitives::sender::recover_signer(
            signed.signature(),
            signed.signature_hash(),
            false,
        )
        .unwrap();
        assert_eq!(signer, basalt_primitives::sender::address_of(&key).unwrap());

        let (_, validium) = CommitTx { sidecar: None, ..commit }.sign(&key).unwrap();
        assert_eq!(validium[0], 2, "validium commits are EIP-1559 transactions");
    }
}
