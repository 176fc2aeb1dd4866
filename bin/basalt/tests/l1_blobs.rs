//! A real `basalt l1` keeps the blobs of the blob transactions it includes and serves them
//! with anvil's methods (`anvil_getBlobsByTransactionHash`, `anvil_getBlobByHash`): a batch-like
//! payload packed into blobs (`basalt_da::encode_blobs`) and sent with its sidecar
//! (`basalt_batch::blob_sidecar`) reads back byte for byte after mining and after a restart on
//! the same datadir, and is gone once its block is rolled back. The sidecar kind follows the
//! fork: cell proofs on the default Osaka chain, blob proofs on a Prague one, the other kind
//! refused by each.

use alloy_consensus::{EthereumTxEnvelope, SignableTransaction, TxEip4844, TxEip4844WithSidecar};
use alloy_eips::{eip2718::Encodable2718, eip7594::BlobTransactionSidecarVariant};
use alloy_primitives::{Address, B256, Bytes, U256};
use basalt_batch::{BlobProofs, blob_sidecar};
use basalt_primitives::sender::sign_hash;
use basalt_test_harness::{BasaltL1, rpc_call};
use serde_json::{Value, json};
use std::path::Path;

/// Dev account 0's key (the well-known test mnemonic).
const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn start(args: &[&str]) -> BasaltL1 {
    BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), args)
}

/// A payload of `len` bytes that brotli would not shrink (a batch's compressed payload looks
/// like this), packed into blobs as a batch is.
fn batch_blobs(len: usize, seed: u8) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut state = u64::from(seed) + 1;
    let payload: Vec<u8> = (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 56) as u8
        })
        .collect();
    let blobs = basalt_da::encode_blobs(&payload, 6).unwrap();
    (payload, blobs)
}

/// The signed network form of a blob transaction (nonce `nonce`) carrying `sidecar`.
fn blob_transaction(nonce: u64, sidecar: BlobTransactionSidecarVariant) -> (B256, Bytes) {
    let tx = TxEip4844 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: Address::repeat_byte(0xb1),
        value: U256::ZERO,
        blob_versioned_hashes: sidecar.versioned_hashes().collect(),
        max_fee_per_blob_gas: 1_000_000_000,
        ..Default::default()
    };
    let with_sidecar = TxEip4844WithSidecar::from_tx_and_sidecar(tx, sidecar);
    let signature = sign_hash(&KEY.parse().unwrap(), with_sidecar.signature_hash()).unwrap();
    let signed = with_sidecar.into_signed(signature);
    let hash = *signed.hash();
    let envelope =
        EthereumTxEnvelope::<TxEip4844WithSidecar<BlobTransactionSidecarVariant>>::from(signed);
    (hash, envelope.encoded_2718().into())
}

fn hex_blobs(blobs: &[Vec<u8>]) -> Value {
    blobs.iter().map(|blob| Value::String(Bytes::from(blob.clone()).to_string())).collect()
}

/// The served blobs of `tx`, checked to decode back to `payload`.
fn assert_serves(node: &BasaltL1, tx: B256, hashes: &[B256], blobs: &[Vec<u8>], payload: &[u8]) {
    let served = node.result("anvil_getBlobsByTransactionHash", json!([tx]));
    assert_eq!(served, hex_blobs(blobs), "blobs of {tx}");
    let raw: Vec<Vec<u8>> = served
        .as_array()
        .unwrap()
        .iter()
        .map(|blob| serde_json::from_value::<Bytes>(blob.clone()).unwrap().to_vec())
        .collect();
    assert!(raw.iter().all(|blob| blob.len() == 131_072));
    assert_eq!(basalt_da::decode_blobs(&raw).unwrap(), payload);
    for (hash, blob) in hashes.iter().zip(blobs) {
        let served = node.result("anvil_getBlobByHash", json!([hash]));
        assert_eq!(served, Value::String(Bytes::from(blob.clone()).to_string()), "{hash}");
    }
}

#[test]
fn blobs_are_served_after_mining_and_after_a_restart_and_gone_after_a_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let datadir = dir.path().to_str().unwrap();
    // Two blobs and a bit: three blobs with cell proofs (the default chain runs Osaka).
    let (payload, blobs) = batch_blobs(2 * 130_048 + 5_000, 1);
    assert_eq!(blobs.len(), 3);
    let sidecar = blob_sidecar(&blobs, BlobProofs::Cell).unwrap();
    let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
    let (tx, raw) = blob_transaction(0, sidecar);
    let transfer = {
        let node = start(&["--datadir", datadir, "--no-mining"]);
        assert_eq!(node.result("eth_sendRawTransaction", json!([raw])), json!(tx));
        // In the pool only: not served yet (anvil serves mined transactions only).
        assert_eq!(node.result("anvil_getBlobsByTransactionHash", json!([tx])), Value::Null);
        assert_eq!(node.result("anvil_getBlobByHash", json!([hashes[0]])), Value::Null);
        // A block built from the pool (not stored) bundles the pooled sidecar's blobs.
        let head = node.result("eth_getBlockByNumber", json!(["latest", false]));
        let timestamp = u64::from_str_radix(&head["timestamp"].as_str().unwrap()[2..], 16).unwrap();
        let attributes = json!({
            "timestamp": format!("{:#x}", timestamp + 12),
            "prevRandao": B256::ZERO,
            "suggestedFeeRecipient": Address::ZERO,
            "withdrawals": [],
            "parentBeaconBlockRoot": B256::ZERO,
        });
        let built = node.result("testing_buildBlockV1", json!([head["hash"], attributes, null]));
        assert_eq!(built["executionPayload"]["transactions"].as_array().unwrap().len(), 1);
        assert_eq!(
            built["blobsBundle"]["blobs"],
            hex_blobs(&blobs),
            "{}",
            built["blobsBundle"]["commitments"]
        );
        assert_eq!(built["blobsBundle"]["proofs"].as_array().unwrap().len(), 3 * 128);
        node.result("evm_mine", json!([]));
        let receipt = node.result("eth_getTransactionReceipt", json!([tx]));
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        assert_eq!(receipt["blobGasUsed"], "0x60000", "{receipt}");
        assert_serves(&node, tx, &hashes, &blobs, &payload);

        // Null for what carried no blob: an ordinary transaction, unknown hashes.
        let dev = node.result("eth_accounts", json!([]))[0].clone();
        let request = json!({"from": dev, "to": Address::repeat_byte(0xdd), "value": "0x1"});
        let transfer = node.result("eth_sendTransaction", json!([request]));
        node.result("evm_mine", json!([]));
        assert_eq!(node.result("anvil_getBlobsByTransactionHash", json!([transfer])), Value::Null);
        assert_eq!(
            node.result("anvil_getBlobsByTransactionHash", json!([B256::repeat_byte(7)])),
            Value::Null
        );
        assert_eq!(node.result("anvil_getBlobByHash", json!([B256::repeat_byte(7)])), Value::Null);
        // A malformed hash is invalid params.
        let answer = rpc_call(node.port, "anvil_getBlobByHash", json!(["0x1234"]));
        assert_eq!(answer["error"]["code"], -32602, "{answer}");
        transfer
        // Dropping the node kills it with SIGKILL.
    };

    let node = start(&["--datadir", datadir, "--no-mining"]);
    assert_serves(&node, tx, &hashes, &blobs, &payload);
    assert_eq!(node.result("anvil_getBlobsByTransactionHash", json!([transfer])), Value::Null);

    // Rolling back the blob transaction's block (and the one after it) removes its blobs.
    node.result("anvil_rollback", json!([2]));
    assert_eq!(node.result("anvil_getBlobsByTransactionHash", json!([tx])), Value::Null);
    for hash in &hashes {
        assert_eq!(node.result("anvil_getBlobByHash", json!([hash])), Value::Null);
    }
}

#[test]
fn each_fork_takes_its_own_sidecar_kind_and_keeps_the_blobs() {
    let (payload, blobs) = batch_blobs(50_000, 2);
    for (args, proofs, refused) in [
        (&[][..], BlobProofs::Cell, BlobProofs::Blob),
        (&["--hardfork", "prague"][..], BlobProofs::Blob, BlobProofs::Cell),
    ] {
        let mut args = args.to_vec();
        args.push("--no-mining");
        let node = start(&args);
        let (_, wrong) = blob_transaction(0, blob_sidecar(&blobs, refused).unwrap());
        let answer = rpc_call(node.port, "eth_sendRawTransaction", json!([wrong]));
        assert_eq!(answer["error"]["code"], -32000, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains("Osaka"), "{message}");

        let sidecar = blob_sidecar(&blobs, proofs).unwrap();
        let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
        let (tx, raw) = blob_transaction(0, sidecar);
        assert_eq!(node.result("eth_sendRawTransaction", json!([raw])), json!(tx));
        node.result("evm_mine", json!([]));
        assert_eq!(node.result("eth_getTransactionReceipt", json!([tx]))["status"], "0x1");
        assert_serves(&node, tx, &hashes, &blobs, &payload);
    }
}
