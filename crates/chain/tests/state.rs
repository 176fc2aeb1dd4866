//! State built by block import: eth_getProof-shaped proofs verify against header roots (head
//! and past blocks), the stored state rehashes to the head's root, and an invalid block leaves
//! everything as it was.

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_trie::{Nibbles, TrieAccount, proof::verify_proof};
use basalt_chain::{
    BlockValidationError, ImportError,
    workload::{TOKEN_ADDRESS, TransferKind, Workload},
};

fn account_leaf(proof: &basalt_storage::AccountProof) -> Vec<u8> {
    alloy_rlp::encode(TrieAccount {
        nonce: proof.nonce,
        balance: proof.balance,
        storage_root: proof.storage_hash,
        code_hash: proof.code_hash,
    })
}

#[test]
fn proofs_verify_against_head_and_past_state_roots() {
    let mut workload = Workload::new(16, TransferKind::Erc20);
    let chain = workload.new_chain().unwrap();
    let blocks = workload.extend_chain(&chain, 3, 8).unwrap();
    let view = chain.db().read().unwrap();
    let slot = U256::from_be_slice(Address::repeat_byte(0x11).as_slice());
    let holder = basalt_primitives::sender::address_of(&keccak256(0u64.to_be_bytes())).unwrap();
    let holder_slot = U256::from_be_slice(holder.as_slice());

    for block in [&blocks[0], &blocks[2]] {
        let root = block.header.state_root;
        let proof = view.account_proof(root, TOKEN_ADDRESS, &[holder_slot, slot]).unwrap();
        let key = Nibbles::unpack(keccak256(TOKEN_ADDRESS));
        verify_proof(root, key, Some(account_leaf(&proof)), &proof.account_proof).unwrap();
        assert_eq!(
            basalt_trie::verify_proof(
                root,
                keccak256(TOKEN_ADDRESS).as_slice(),
                &proof.account_proof
            )
            .unwrap(),
            Some(account_leaf(&proof))
        );
        let [held, absent] = &proof.storage_proof[..] else { panic!("two slot proofs") };
        assert!(held.value > U256::ZERO);
        for slot_proof in [held, absent] {
            let expected =
                (!slot_proof.value.is_zero()).then(|| alloy_rlp::encode(slot_proof.value));
            let key = Nibbles::unpack(keccak256(slot_proof.key.to_be_bytes::<32>()));
            verify_proof(proof.storage_hash, key, expected, &slot_proof.proof).unwrap();
        }
    }
    // The holder pays in block 1 and is paid back in block 2; each block's proof says so.
    let early =
        view.account_proof(blocks[0].header.state_root, TOKEN_ADDRESS, &[holder_slot]).unwrap();
    let late =
        view.account_proof(blocks[1].header.state_root, TOKEN_ADDRESS, &[holder_slot]).unwrap();
    assert_ne!(early.storage_proof[0].value, late.storage_proof[0].value);

    let missing = Address::repeat_byte(0x42);
    let proof = view.account_proof(blocks[2].header.state_root, missing, &[]).unwrap();
    assert_eq!(proof.balance, U256::ZERO);
    verify_proof(
        blocks[2].header.state_root,
        Nibbles::unpack(keccak256(missing)),
        None,
        &proof.account_proof,
    )
    .unwrap();
    let json = serde_json::to_value(&proof).unwrap();
    for field in
        ["address", "accountProof", "balance", "codeHash", "nonce", "storageHash", "storageProof"]
    {
        assert!(json.get(field).is_some(), "eth_getProof field {field} missing");
    }
}

#[test]
fn stored_state_rehashes_to_the_head_root() {
    let mut workload = Workload::new(32, TransferKind::Erc20);
    let chain = workload.new_chain().unwrap();
    workload.extend_chain(&chain, 4, 10).unwrap();
    let view = chain.db().read().unwrap();
    assert_eq!(view.recompute_state_root().unwrap(), chain.head().unwrap().state_root);
}

#[test]
fn invalid_block_leaves_head_and_state_untouched() {
    let mut workload = Workload::new(8, TransferKind::Eth);
    let chain = workload.new_chain().unwrap();
    workload.extend_chain(&chain, 1, 2).unwrap();
    let head = chain.head().unwrap();
    let template = basalt_chain::builder::BlockTemplate {
        timestamp: head.timestamp + 12,
        transactions: workload.next_transactions(3),
        ..Default::default()
    };
    let mut block = chain.build_block(template).unwrap().block;
    block.header.state_root = B256::repeat_byte(7);
    let err = chain.import_block(block).unwrap_err();
    assert!(
        matches!(err, ImportError::Invalid { rule: BlockValidationError::StateRoot { .. }, .. }),
        "{err}"
    );
    assert_eq!(chain.head().unwrap(), head);
    let view = chain.db().read().unwrap();
    assert_eq!(view.recompute_state_root().unwrap(), head.state_root);

    let mut block = chain
        .build_block(basalt_chain::builder::BlockTemplate {
            timestamp: head.timestamp + 12,
            ..Default::default()
        })
        .unwrap()
        .block;
    block.header.gas_limit = head.gas_limit * 2;
    let err = chain.import_block(block).unwrap_err();
    assert!(
        matches!(err, ImportError::Invalid { rule: BlockValidationError::GasLimit { .. }, .. }),
        "{err}"
    );
    assert_eq!(chain.head().unwrap(), head);
}

#[test]
fn builder_leaves_out_candidates_that_cannot_execute() {
    let mut workload = Workload::new(4, TransferKind::Eth);
    let chain = workload.new_chain().unwrap();
    let head = chain.head().unwrap();
    let good = workload.next_transactions(2);
    // Account 0's second transfer is replayed: its nonce is used by then.
    let replay = good[0].clone();
    let unfunded = basalt_primitives::sender::sign_transaction(
        alloy_consensus::TxEip1559 {
            chain_id: basalt_chain::workload::WORKLOAD_CHAIN_ID,
            gas_limit: 21_000,
            max_fee_per_gas: 100_000_000_000,
            to: alloy_primitives::TxKind::Call(Address::ZERO),
            value: U256::from(1),
            ..Default::default()
        },
        &B256::repeat_byte(0x77),
    )
    .unwrap();
    let template = basalt_chain::builder::BlockTemplate {
        timestamp: head.timestamp + 12,
        transactions: vec![good[0].clone(), replay, unfunded.clone().into(), good[1].clone()],
        ..Default::default()
    };
    let built = chain.build_block(template).unwrap();
    let included: Vec<B256> = built.block.body.transactions.iter().map(|t| *t.tx_hash()).collect();
    assert_eq!(included, vec![*good[0].tx_hash(), *good[1].tx_hash()]);
    assert_eq!(built.rejected.len(), 2);
    assert!(
        built
            .rejected
            .iter()
            .any(|(hash, reason)| *hash == *unfunded.tx_hash() && reason.contains("funds")),
        "{:?}",
        built.rejected
    );
    chain.import_block(built.block).unwrap();
    assert_eq!(chain.head().unwrap().number, 1);
}
