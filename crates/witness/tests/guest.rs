//! The guest program proves batches sealed on a real L2 chain (in memory, L2 rules) from the
//! witness recorded here, to the public inputs the batch was sealed with; and it fails, naming
//! the gap or the mismatch, when the witness lacks anything or the input was tampered with.

use alloy_primitives::{Address, B256, Bytes, keccak256};
use basalt_batch::{BatchConfig, build_batch};
use basalt_chain::service::ChainService;
use basalt_contracts::formats::blobs_hash;
use basalt_da::DaMode;
use basalt_guest::{
    BatchInput, ExecutionWitness, GuestError, StatelessState, WitnessError, execute_batch,
    execute_blocks, execute_blocks_with, execute_encoded, with_block_senders,
};
use basalt_storage::SealedBatch;
use basalt_trie::MemoryNodes;
use basalt_witness::{batch_input, block_witness};
use std::collections::BTreeMap;

#[path = "../../batch/tests/common/mod.rs"]
mod common;
use common::*;

fn chain_config_json() -> Bytes {
    let genesis: serde_json::Value = serde_json::from_str(&genesis_json()).unwrap();
    serde_json::to_vec(&genesis["config"]).unwrap().into()
}

fn sealed(node: &ChainService, mode: DaMode, first: u64, last: u64) -> SealedBatch {
    let view = node.chain().db().read().unwrap();
    let config = BatchConfig { chain_id: CHAIN_ID, mode, validium: false, max_blobs: 6 };
    build_batch(&view, &config, 1, first, last, 0).unwrap()
}

fn input_for(node: &ChainService, batch: &SealedBatch) -> BatchInput {
    let view = node.chain().db().read().unwrap();
    batch_input(&view, node.chain().config(), chain_config_json(), batch).unwrap().0
}

#[test]
fn a_sealed_batch_proves_to_its_sealed_public_inputs_in_both_da_modes() {
    let node = chain_with_batch();
    for mode in [DaMode::Blocks, DaMode::StateDiff] {
        for (first, last) in [(1, 3), (2, 2), (3, 3)] {
            let batch = sealed(&node, mode, first, last);
            let view = node.chain().db().read().unwrap();
            let (input, expected) =
                batch_input(&view, node.chain().config(), chain_config_json(), &batch).unwrap();
            let encoded = input.encode();
            assert_eq!(BatchInput::decode(&encoded).unwrap(), input);
            let public_inputs = execute_encoded(&encoded).unwrap();
            assert_eq!(public_inputs, expected.encode(), "{mode:?} {first}..={last}");
            let parent = view.header_by_number(first - 1).unwrap().unwrap();
            assert_eq!(expected.initial_state_root, parent.state_root);
            assert_eq!(expected.final_state_root, batch.state_root);
            assert_eq!(expected.last_block_hash, batch.last_block_hash);
            assert_eq!(expected.l1_messages_root, batch.l1_messages_root);
            assert_eq!(expected.privileged_rolling_hash, batch.privileged_rolling_hash);
            assert_eq!(expected.blobs_hash, blobs_hash(&batch.versioned_hashes).unwrap());
            assert_eq!(expected.non_privileged_tx_count, batch.non_privileged_txs);
            assert_eq!(expected.chain_id, CHAIN_ID);
            assert!(!input.witness.state.is_empty() && !input.witness.codes.is_empty());
        }
    }
}

#[test]
fn a_witness_missing_any_one_node_code_or_header_fails_naming_it() {
    let node = chain_with_batch();
    for mode in [DaMode::Blocks, DaMode::StateDiff] {
        let input = input_for(&node, &sealed(&node, mode, 1, 3));
        for index in 0..input.witness.state.len() {
            let mut broken = input.clone();
            let removed = broken.witness.state.remove(index);
            let node_hash = keccak256(&removed);
            match execute_batch(&broken) {
                Err(GuestError::Witness(WitnessError::MissingNode { node, .. })) => {
                    assert_eq!(node, node_hash, "{mode:?}: the error names the removed node");
                }
                other => panic!("{mode:?}: node {index} removed gave {other:?}"),
            }
        }
        for index in 0..input.witness.codes.len() {
            let mut broken = input.clone();
            let removed = broken.witness.codes.remove(index);
            let error = execute_batch(&broken).unwrap_err();
            assert!(
                matches!(&error, GuestError::Witness(WitnessError::MissingCode(hash)) if *hash == keccak256(&removed)),
                "{mode:?}: code {index} removed gave {error:?}"
            );
        }
        let mut broken = input.clone();
        broken.witness.headers.clear();
        assert!(matches!(
            execute_batch(&broken),
            Err(GuestError::Witness(WitnessError::HeaderChain(_)))
        ));
        // Extra, unrelated witness entries are harmless.
        let mut padded = input.clone();
        padded.witness.state.push(Bytes::from_static(&[0xc0]));
        padded.witness.codes.push(Bytes::from_static(&[0x00]));
        assert!(execute_batch(&padded).is_ok());
    }
}

#[test]
fn tampered_inputs_are_refused_with_the_reason() {
    let node = chain_with_batch();
    let input = input_for(&node, &sealed(&node, DaMode::Blocks, 1, 3));

    // A transaction dropped from a block: its transactions root no longer matches.
    let mut dropped = input.clone();
    dropped.blocks[2].body.transactions.pop();
    assert!(matches!(execute_batch(&dropped), Err(GuestError::InvalidBlock { number: 3, .. })));

    // A forged state root in a header.
    let mut forged = input.clone();
    forged.blocks[0].header.state_root = B256::repeat_byte(1);
    assert!(matches!(execute_batch(&forged), Err(GuestError::InvalidBlock { number: 1, .. })));

    // Data committed for other blocks (batch 2..=3 only), with its own blob proofs, given
    // with these blocks.
    let mut other_data = input.clone();
    let other = input_for(&node, &sealed(&node, DaMode::Blocks, 2, 3));
    (other_data.data, other_data.blob_proofs) = (other.data, other.blob_proofs);
    assert!(matches!(execute_batch(&other_data), Err(GuestError::PayloadMismatch(_))));

    // Blob proofs that do not open the commitments to the blobs of the data: the data is
    // changed, or a proof is forged, or one is missing.
    let blob_error = |input: &BatchInput| match execute_batch(input) {
        Err(GuestError::CommittedData(reason)) => reason,
        other => panic!("expected a committed-data error, got {other:?}"),
    };
    let mut changed = input.clone();
    changed.data = other_data.data.clone();
    assert!(blob_error(&changed).contains("blob 0"), "{}", blob_error(&changed));
    let mut forged = input.clone();
    forged.blob_proofs[0].proof = other_data.blob_proofs[0].proof;
    assert!(blob_error(&forged).contains("does not open"), "{}", blob_error(&forged));
    let mut missing = input.clone();
    missing.blob_proofs.clear();
    assert!(blob_error(&missing).contains("0 blob proofs"), "{}", blob_error(&missing));

    // The committed data in the other mode than declared.
    let mut other_mode = input.clone();
    other_mode.mode = DaMode::StateDiff as u8;
    assert!(matches!(execute_batch(&other_mode), Err(GuestError::CommittedData(_))));

    // A state diff that does not lead to the executed state.
    let diff_input = input_for(&node, &sealed(&node, DaMode::StateDiff, 1, 3));
    let mut wrong_diff = diff_input.clone();
    wrong_diff.data = input_for(&node, &sealed(&node, DaMode::StateDiff, 1, 2)).data;
    assert!(execute_batch(&wrong_diff).is_err());

    // A different fee config than the block ran under.
    let mut fees = input.clone();
    fees.fee_configs[1] = fees.fee_configs[0].clone();
    let mut config = basalt_primitives::FeeConfig::decode(&fees.fee_configs[1]).unwrap();
    config.l1_blob_base_fee = config.l1_blob_base_fee.saturating_add(1_000_000_000);
    fees.fee_configs[1] = config.encode().into();
    assert!(execute_batch(&fees).is_err());

    // Garbage and a foreign version.
    assert!(matches!(execute_encoded(&[]), Err(GuestError::Input(_))));
    assert!(matches!(execute_encoded(&[9, 0xc0]), Err(GuestError::Input(_))));
    let mut bytes = input.encode();
    bytes.truncate(bytes.len() / 2);
    assert!(matches!(execute_encoded(&bytes), Err(GuestError::Input(_))));
}

#[test]
fn a_block_witness_executes_the_block_statelessly() {
    let node = chain_with_batch();
    let view = node.chain().db().read().unwrap();
    let config = node.chain().config();
    for number in 1..=3 {
        let witness: ExecutionWitness = block_witness(&view, config, number).unwrap();
        let parent = view.header_by_number(number - 1).unwrap().unwrap();
        let block = view.block(view.canonical_hash(number).unwrap().unwrap()).unwrap().unwrap();
        let fees = view.fee_config(block.header.hash_slow()).unwrap();
        let nodes = MemoryNodes::from_witness(witness.state.iter().cloned());
        let codes = witness.code_map();
        let mut state = StatelessState::new(&nodes, parent.state_root, &codes, BTreeMap::new());
        let executed =
            execute_blocks(config, &parent, std::slice::from_ref(&block), &[fees], &mut state)
                .unwrap();
        assert_eq!(executed.final_state_root, block.header.state_root);
        // Senders recovered over other blocks (here: none) are refused, not used.
        let mut state = StatelessState::new(&nodes, parent.state_root, &codes, BTreeMap::new());
        let mismatch = with_block_senders(config, &[], |senders| {
            execute_blocks_with(
                config,
                &parent,
                std::slice::from_ref(&block),
                &[fees],
                &mut state,
                senders,
            )
        });
        assert!(
            matches!(mismatch, Err(GuestError::SenderRecoveryMismatch { number: n }) if n == number),
            "{mismatch:?}"
        );
        assert!(witness.keys.iter().any(|key| key.len() == 20), "addresses are among the keys");
        assert_eq!(witness.headers.len(), 1, "no BLOCKHASH: the parent header only");
    }
    let sender: Address = basalt_primitives::sender::address_of(&key()).unwrap();
    let keys = block_witness(&view, config, 1).unwrap().keys;
    assert!(keys.contains(&Bytes::copy_from_slice(sender.as_slice())));
}

#[test]
fn stored_batches_give_the_coordinator_inputs_that_prove_to_their_public_inputs() {
    let node = chain_with_batch();
    let db = node.chain().shared_db();
    let inputs = basalt_witness::StoredBatchInputs::new(
        db.clone(),
        node.chain().config().clone(),
        chain_config_json(),
    );
    assert!(matches!(
        inputs.encoded_input(1),
        Err(basalt_witness::WitnessBuildError::NotSealed(1))
    ));
    let first = sealed(&node, DaMode::StateDiff, 1, 2);
    let mut second = sealed(&node, DaMode::StateDiff, 3, 3);
    second.number = 2;
    let mut write = db.write().unwrap();
    write.seal_batch(&first).unwrap();
    write.seal_batch(&second).unwrap();
    write.commit().unwrap();
    for number in [1, 2] {
        assert_eq!(db.read_batches().unwrap().witness_size(number).unwrap(), None);
        let expected = inputs.public_inputs(number).unwrap();
        let encoded = inputs.encoded_input(number).unwrap();
        assert_eq!(execute_encoded(&encoded).unwrap(), expected);
        // The size of what was built is recorded for the batch.
        let input = BatchInput::decode(&encoded).unwrap();
        let size = db.read_batches().unwrap().witness_size(number).unwrap().unwrap();
        assert_eq!(size.input_bytes, encoded.len() as u64);
        assert_eq!(size.blocks, input.blocks.len() as u64);
        assert_eq!(size.nodes, input.witness.state.len() as u64);
        assert_eq!(size.codes, input.witness.codes.len() as u64);
        assert_eq!(size.headers, input.witness.headers.len() as u64);
        assert_eq!(size.witness_bytes, input.witness.size() as u64);
        assert!(size.nodes > 0 && size.built_at > 0);
    }
    assert_ne!(inputs.public_inputs(1).unwrap(), inputs.public_inputs(2).unwrap());
}
