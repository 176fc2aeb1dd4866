//! The Rust formats and the Solidity contracts agree byte for byte: this test derives the vectors
//! from the Rust implementation and checks they equal the committed `contracts/test/vectors.json`
//! and its Solidity rendering `contracts/test/generated/Vectors.sol`, which the forge test
//! `contracts/test/Vectors.t.sol` asserts against `BasaltFormats`, `CommonBridge.withdrawalLeaf` and
//! OpenZeppelin's `MerkleProof`.
//!
//! After changing a format on purpose: `BASALT_UPDATE_VECTORS=1 cargo test -p basalt-contracts
//! --test shared_vectors`, then run the forge tests.

use std::{fmt::Write as _, path::PathBuf};

use alloy::sol_types::SolCall;
use alloy_primitives::{Address, B256, U256, address, hex, keccak256};
use basalt_contracts::{
    bindings::L2Bridge,
    formats::{
        self, ETH_TOKEN, L2_BRIDGE, MAX_BLOBS_PER_BATCH, MessageMerkleTree, PrivilegedTxFields,
        PublicInputs, apply_alias, attestation_digest, blobs_hash, canonical_l2_token,
        l1_message_hash, min_gas_limit, privileged_rolling_hash, withdrawal_data, withdrawal_leaf,
    },
};
use serde_json::{Value, json};

const L2_CHAIN_ID: u64 = 12_212_759;
/// The genesis state root of the forge `Fixture` (`keccak256("genesis state root")`), so the forge
/// test can commit the multi-blob cases and compare `publicInputs(1)` with these vectors.
const FIXTURE_GENESIS_ROOT: &[u8] = b"genesis state root";

fn contracts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../contracts")
}

fn privileged_txs() -> Vec<PrivilegedTxFields> {
    let user = address!("0x00000000000000000000000000000000000a11ce");
    vec![
        PrivilegedTxFields {
            chain_id: L2_CHAIN_ID,
            from: L2_BRIDGE,
            to: L2_BRIDGE,
            transaction_id: 0,
            mint: U256::from(10u64).pow(U256::from(18)),
            value: U256::from(10u64).pow(U256::from(18)),
            gas_limit: 200_000,
            data: L2Bridge::mintETHCall { l1Sender: user, to: user }.abi_encode(),
        },
        PrivilegedTxFields {
            chain_id: 1,
            from: apply_alias(address!("0x5fbdb2315678afecb367f032d93f642f64180aa3")),
            to: address!("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"),
            transaction_id: 7,
            mint: U256::ZERO,
            value: U256::from(5u64),
            gas_limit: 21_000,
            data: vec![],
        },
        PrivilegedTxFields {
            chain_id: u64::MAX,
            from: address!("0xffffffffffffffffffffffffffffffffffffffff"),
            to: Address::ZERO,
            transaction_id: 1 << 40,
            mint: U256::MAX,
            value: U256::from(1u64),
            gas_limit: 30_000_000,
            data: (0..100u8).collect(),
        },
    ]
}

/// Plausible EIP-4844 versioned hashes (version byte 0x01, then 31 hash bytes).
fn versioned_hashes(count: u8) -> Vec<B256> {
    (0..count)
        .map(|i| {
            let mut hash = keccak256([b'b', i]);
            hash[0] = 0x01;
            hash
        })
        .collect()
}

fn hex_list(items: &[B256]) -> Value {
    Value::Array(items.iter().map(|h| json!(h.to_string())).collect())
}

fn build_vectors() -> Value {
    let txs = privileged_txs();
    let tx_hashes: Vec<B256> = txs.iter().map(PrivilegedTxFields::l1_hash).collect();
    let privileged: Vec<Value> = txs
        .iter()
        .zip(&tx_hashes)
        .map(|(t, h)| {
            json!({
                "chain_id": t.chain_id.to_string(),
                "from": t.from.to_string(),
                "to": t.to.to_string(),
                "transaction_id": t.transaction_id.to_string(),
                "mint": t.mint.to_string(),
                "value": t.value.to_string(),
                "gas_limit": t.gas_limit.to_string(),
                "data": hex::encode_prefixed(&t.data),
                "hash": h.to_string(),
            })
        })
        .collect();

    let rolling_inputs: Vec<Vec<B256>> = vec![
        vec![],
        vec![tx_hashes[0]],
        tx_hashes.clone(),
        (0..20u8).map(|i| keccak256([i])).collect(),
    ];
    let rolling: Vec<Value> = rolling_inputs
        .iter()
        .map(|hs| {
            json!({
                "hashes": hex_list(hs),
                "rolling_hash": privileged_rolling_hash(hs).unwrap().to_string(),
            })
        })
        .collect();

    let recipient = address!("0x000000000000000000000000000000000000cafe");
    let token_l1 = address!("0x0000000000000000000000000000000000007011");
    let token_l2 = address!("0x0000000000000000000000000000000000007012");
    let withdrawal_cases = [
        (
            ETH_TOKEN,
            ETH_TOKEN,
            recipient,
            U256::from(3u64) * U256::from(10u64).pow(U256::from(18)),
            1u64,
        ),
        (token_l1, token_l2, recipient, U256::from(4_000_000u64), 2),
        (token_l1, token_l2, Address::repeat_byte(0x42), U256::MAX, u64::MAX),
    ];
    let withdrawals: Vec<Value> = withdrawal_cases
        .iter()
        .map(|&(t1, t2, r, amount, id)| {
            json!({
                "token_l1": t1.to_string(),
                "token_l2": t2.to_string(),
                "recipient": r.to_string(),
                "amount": amount.to_string(),
                "message_id": id.to_string(),
                "data": withdrawal_data(t1, t2, r, amount).to_string(),
                "leaf": withdrawal_leaf(t1, t2, r, amount, id).to_string(),
            })
        })
        .collect();

    let messages: Vec<Value> = [
        (L2_BRIDGE, B256::repeat_byte(0x11), 1u64),
        (Address::repeat_byte(0x77), B256::ZERO, 0),
        (Address::repeat_byte(0x01), keccak256(b"hello L1"), u64::MAX),
    ]
    .iter()
    .map(|&(from, data, id)| {
        json!({
            "from": from.to_string(),
            "data": data.to_string(),
            "message_id": id.to_string(),
            "hash": l1_message_hash(from, data, id).to_string(),
        })
    })
    .collect();

    let trees: Vec<Value> = [1usize, 2, 3, 5, 8]
        .iter()
        .map(|&n| {
            let leaves: Vec<B256> = (0..n)
                .map(|i| withdrawal_leaf(ETH_TOKEN, ETH_TOKEN, recipient, U256::from(i + 1), i as u64 + 1))
                .collect();
            let tree = MessageMerkleTree::new(leaves.clone());
            let proofs: Vec<Value> = (0..n).map(|i| hex_list(&tree.proof(i).unwrap())).collect();
            json!({ "leaves": hex_list(&leaves), "root": tree.root().to_string(), "proofs": proofs })
        })
        .collect();

    // Each case with the blob versioned hashes its commit transaction carried: one, none (validium),
    // two, and the most a batch may span. The last two start from the forge fixture's genesis.
    let multi_blob = |count: u8| PublicInputs {
        initial_state_root: keccak256(FIXTURE_GENESIS_ROOT),
        final_state_root: keccak256([b's', count]),
        l1_messages_root: keccak256([b'm', count]),
        privileged_rolling_hash: B256::ZERO,
        blobs_hash: blobs_hash(&versioned_hashes(count)).unwrap(),
        last_block_hash: keccak256([b'l', count]),
        chain_id: L2_CHAIN_ID,
        non_privileged_tx_count: 1000 + u64::from(count),
    };
    let inputs_cases = [
        PublicInputs {
            initial_state_root: keccak256(b"genesis"),
            final_state_root: keccak256(b"batch 1"),
            l1_messages_root: B256::ZERO,
            privileged_rolling_hash: privileged_rolling_hash(&tx_hashes).unwrap(),
            blobs_hash: B256::left_padding_from(&[0x01]),
            last_block_hash: keccak256(b"block 12"),
            chain_id: L2_CHAIN_ID,
            non_privileged_tx_count: 42,
        },
        PublicInputs {
            initial_state_root: B256::repeat_byte(0xff),
            final_state_root: B256::repeat_byte(0xee),
            l1_messages_root: B256::repeat_byte(0xdd),
            privileged_rolling_hash: B256::ZERO,
            blobs_hash: B256::ZERO,
            last_block_hash: B256::repeat_byte(0xcc),
            chain_id: u64::MAX,
            non_privileged_tx_count: u64::MAX,
        },
        multi_blob(2),
        multi_blob(MAX_BLOBS_PER_BATCH as u8),
    ];
    let case_blobs = [
        vec![B256::left_padding_from(&[0x01])],
        vec![],
        versioned_hashes(2),
        versioned_hashes(MAX_BLOBS_PER_BATCH as u8),
    ];
    let public_inputs: Vec<Value> = inputs_cases
        .iter()
        .zip(&case_blobs)
        .map(|(p, blobs)| {
            json!({
                "blob_versioned_hashes": hex_list(blobs),
                "initial_state_root": p.initial_state_root.to_string(),
                "final_state_root": p.final_state_root.to_string(),
                "l1_messages_root": p.l1_messages_root.to_string(),
                "privileged_rolling_hash": p.privileged_rolling_hash.to_string(),
                "blobs_hash": p.blobs_hash.to_string(),
                "last_block_hash": p.last_block_hash.to_string(),
                "chain_id": p.chain_id.to_string(),
                "non_privileged_tx_count": p.non_privileged_tx_count.to_string(),
                "encoded": hex::encode_prefixed(p.encode()),
                "digest": p.digest().to_string(),
            })
        })
        .collect();

    let gas_inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![1],
        vec![0; 100],
        (0..100u8).collect(),
        vec![0xff; 33],
        [vec![0u8; 31], vec![9u8; 2], vec![0u8; 31]].concat(),
        L2Bridge::withdrawCall {
            l1Recipient: address!("0x00000000000000000000000000000000000a11ce"),
        }
        .abi_encode(),
    ];
    let min_gas: Vec<Value> = gas_inputs
        .iter()
        .map(|d| json!({ "data": hex::encode_prefixed(d), "min_gas_limit": min_gas_limit(d).to_string() }))
        .collect();

    let proposer = address!("0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0");
    let attestations: Vec<Value> = [
        (31_337u64, proposer, 1u8, 1u64, inputs_cases[0].encode().to_vec()),
        (1, proposer, 1, 1, inputs_cases[0].encode().to_vec()),
        (31_337, Address::repeat_byte(0xab), 7, u64::MAX, inputs_cases[1].encode().to_vec()),
    ]
    .iter()
    .map(|(chain, proposer, id, batch, inputs)| {
        json!({
            "l1_chain_id": chain.to_string(),
            "proposer": proposer.to_string(),
            "verifier_id": id.to_string(),
            "batch_number": batch.to_string(),
            "public_inputs": hex::encode_prefixed(inputs),
            "digest": attestation_digest(*chain, *proposer, *id, *batch, inputs).to_string(),
        })
    })
    .collect();

    let aliases: Vec<Value> = [
        address!("0x5fbdb2315678afecb367f032d93f642f64180aa3"),
        address!("0xffffffffffffffffffffffffffffffffffffffff"),
        Address::ZERO,
    ]
    .iter()
    .map(|a| json!({ "l1": a.to_string(), "l2": apply_alias(*a).to_string() }))
    .collect();

    let canonical_tokens: Vec<Value> = [
        address!("0x5fbdb2315678afecb367f032d93f642f64180aa3"),
        address!("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"),
        address!("0xffffffffffffffffffffffffffffffffffffffff"),
        address!("0x0000000000000000000000000000000000000001"),
    ]
    .iter()
    .map(|a| json!({ "l1": a.to_string(), "l2": canonical_l2_token(*a).to_string() }))
    .collect();

    json!({
        "comment": "Generated by crates/contracts/tests/shared_vectors.rs; asserted by it and by contracts/test/Vectors.t.sol.",
        "privileged_txs": privileged,
        "rolling_hashes": rolling,
        "l1_messages": messages,
        "withdrawals": withdrawals,
        "merkle_trees": trees,
        "public_inputs": public_inputs,
        "min_gas_limits": min_gas,
        "attestations": attestations,
        "aliases": aliases,
        "canonical_tokens": canonical_tokens,
    })
}

/// Renders the vectors as a Solidity library of constants (forge cannot read JSON without
/// forge-std, and constants keep the test self-contained).
fn render_solidity(v: &Value) -> String {
    let s = |x: &Value| x.as_str().expect("string").to_string();
    let b32 = |x: &Value| format!("bytes32({})", s(x));
    let addr = |x: &Value| format!("address({})", s(x));
    let hexlit = |x: &Value| format!("hex\"{}\"", s(x).trim_start_matches("0x"));
    // `target = new bytes32[](n); target[k] = ...;` (no helpers with many parameters: stack depth).
    let b32_array = |w: &mut String, target: &str, x: &Value| {
        let items = x.as_array().expect("array");
        writeln!(w, "        {target} = new bytes32[]({});", items.len()).unwrap();
        for (k, item) in items.iter().enumerate() {
            writeln!(w, "        {target}[{k}] = {};", b32(item)).unwrap();
        }
    };

    let mut o = String::new();
    let w = &mut o;
    writeln!(w, "// SPDX-License-Identifier: MIT OR Apache-2.0").unwrap();
    writeln!(
        w,
        "// GENERATED by crates/contracts/tests/shared_vectors.rs from contracts/test/vectors.json."
    )
    .unwrap();
    writeln!(w, "// Do not edit: run `BASALT_UPDATE_VECTORS=1 cargo test -p basalt-contracts --test shared_vectors`.").unwrap();
    writeln!(w, "pragma solidity ^0.8.24;\n").unwrap();
    writeln!(w, "library Vectors {{").unwrap();
    writeln!(w, "    struct PrivilegedTx {{\n        uint256 chainId;\n        address from;\n        address to;\n        uint256 transactionId;\n        uint256 mint;\n        uint256 value;\n        uint256 gasLimit;\n        bytes data;\n        bytes32 hash;\n    }}\n").unwrap();
    writeln!(
        w,
        "    struct Rolling {{\n        bytes32[] hashes;\n        bytes32 rollingHash;\n    }}\n"
    )
    .unwrap();
    writeln!(w, "    struct Message {{\n        address from;\n        bytes32 data;\n        uint256 messageId;\n        bytes32 hash;\n    }}\n").unwrap();
    writeln!(w, "    struct Withdrawal {{\n        address tokenL1;\n        address tokenL2;\n        address recipient;\n        uint256 amount;\n        uint256 messageId;\n        bytes32 data;\n        bytes32 leaf;\n    }}\n").unwrap();
    writeln!(w, "    struct Tree {{\n        bytes32[] leaves;\n        bytes32 root;\n        bytes32[][] proofs;\n    }}\n").unwrap();
    writeln!(w, "    struct Inputs {{\n        bytes32[6] roots;\n        uint256 chainId;\n        uint256 nonPrivilegedTxCount;\n        bytes encoded;\n        bytes32 digest;\n        bytes32[] blobVersionedHashes;\n    }}\n").unwrap();
    writeln!(
        w,
        "    struct MinGas {{\n        bytes data;\n        uint256 minGasLimit;\n    }}\n"
    )
    .unwrap();
    writeln!(w, "    struct Attestation {{\n        uint256 l1ChainId;\n        address proposer;\n        uint8 verifierId;\n        uint256 batchNumber;\n        bytes publicInputs;\n        bytes32 digest;\n    }}\n").unwrap();
    writeln!(w, "    struct Alias {{\n        address l1;\n        address l2;\n    }}\n").unwrap();
    writeln!(w, "    struct CanonicalToken {{\n        address l1;\n        address l2;\n    }}\n")
        .unwrap();

    let txs = v["privileged_txs"].as_array().unwrap();
    writeln!(
        w,
        "    function privilegedTxs() internal pure returns (PrivilegedTx[] memory out) {{"
    )
    .unwrap();
    writeln!(w, "        out = new PrivilegedTx[]({});", txs.len()).unwrap();
    for (i, t) in txs.iter().enumerate() {
        writeln!(
            w,
            "        out[{i}] = PrivilegedTx({}, {}, {}, {}, {}, {}, {}, {}, {});",
            s(&t["chain_id"]),
            addr(&t["from"]),
            addr(&t["to"]),
            s(&t["transaction_id"]),
            s(&t["mint"]),
            s(&t["value"]),
            s(&t["gas_limit"]),
            hexlit(&t["data"]),
            b32(&t["hash"])
        )
        .unwrap();
    }
    writeln!(w, "    }}\n").unwrap();

    let rolls = v["rolling_hashes"].as_array().unwrap();
    writeln!(w, "    function rollingHashes() internal pure returns (Rolling[] memory out) {{")
        .unwrap();
    writeln!(w, "        out = new Rolling[]({});", rolls.len()).unwrap();
    for (i, r) in rolls.iter().enumerate() {
        b32_array(w, &format!("out[{i}].hashes"), &r["hashes"]);
        writeln!(w, "        out[{i}].rollingHash = {};", b32(&r["rolling_hash"])).unwrap();
    }
    writeln!(w, "    }}\n").unwrap();

    let msgs = v["l1_messages"].as_array().unwrap();
    writeln!(w, "    function messages() internal pure returns (Message[] memory out) {{").unwrap();
    writeln!(w, "        out = new Message[]({});", msgs.len()).unwrap();
    for (i, m) in msgs.iter().enumerate() {
        writeln!(
            w,
            "        out[{i}] = Message({}, {}, {}, {});",
            addr(&m["from"]),
            b32(&m["data"]),
            s(&m["message_id"]),
            b32(&m["hash"])
        )
        .unwrap();
    }
    writeln!(w, "    }}\n").unwrap();

    let wds = v["withdrawals"].as_array().unwrap();
    writeln!(w, "    function withdrawals() internal pure returns (Withdrawal[] memory out) {{")
        .unwrap();
    writeln!(w, "        out = new Withdrawal[]({});", wds.len()).unwrap();
    for (i, d) in wds.iter().enumerate() {
        writeln!(
            w,
            "        out[{i}] = Withdrawal({}, {}, {}, {}, {}, {}, {});",
            addr(&d["token_l1"]),
            addr(&d["token_l2"]),
            addr(&d["recipient"]),
            s(&d["amount"]),
            s(&d["message_id"]),
            b32(&d["data"]),
            b32(&d["leaf"])
        )
        .unwrap();
    }
    writeln!(w, "    }}\n").unwrap();

    let trees = v["merkle_trees"].as_array().unwrap();
    writeln!(w, "    function trees() internal pure returns (Tree[] memory out) {{").unwrap();
    writeln!(w, "        out = new Tree[]({});", trees.len()).unwrap();
    for (i, t) in trees.iter().enumerate() {
        let proofs = t["proofs"].as_array().unwrap();
        b32_array(w, &format!("out[{i}].leaves"), &t["leaves"]);
        writeln!(w, "        out[{i}].root = {};", b32(&t["root"])).unwrap();
        writeln!(w, "        out[{i}].proofs = new bytes32[][]({});", proofs.len()).unwrap();
        for (j, p) in proofs.iter().enumerate() {
            b32_array(w, &format!("out[{i}].proofs[{j}]"), p);
        }
    }
    writeln!(w, "    }}\n").unwrap();

    let pis = v["public_inputs"].as_array().unwrap();
    writeln!(w, "    function publicInputs() internal pure returns (Inputs[] memory out) {{")
        .unwrap();
    writeln!(w, "        out = new Inputs[]({});", pis.len()).unwrap();
    for (i, p) in pis.iter().enumerate() {
        let roots = [
            "initial_state_root",
            "final_state_root",
            "l1_messages_root",
            "privileged_rolling_hash",
            "blobs_hash",
            "last_block_hash",
        ]
        .iter()
        .map(|k| b32(&p[*k]))
        .collect::<Vec<_>>()
        .join(", ");
        writeln!(
            w,
            "        out[{i}] = Inputs([{roots}], {}, {}, {}, {}, new bytes32[](0));",
            s(&p["chain_id"]),
            s(&p["non_privileged_tx_count"]),
            hexlit(&p["encoded"]),
            b32(&p["digest"])
        )
        .unwrap();
        b32_array(w, &format!("out[{i}].blobVersionedHashes"), &p["blob_versioned_hashes"]);
    }
    writeln!(w, "    }}\n").unwrap();

    let gas = v["min_gas_limits"].as_array().unwrap();
    writeln!(w, "    function minGasLimits() internal pure returns (MinGas[] memory out) {{")
        .unwrap();
    writeln!(w, "        out = new MinGas[]({});", gas.len()).unwrap();
    for (i, g) in gas.iter().enumerate() {
        writeln!(
            w,
            "        out[{i}] = MinGas({}, {});",
            hexlit(&g["data"]),
            s(&g["min_gas_limit"])
        )
        .unwrap();
    }
    writeln!(w, "    }}\n").unwrap();

    let atts = v["attestations"].as_array().unwrap();
    writeln!(w, "    function attestations() internal pure returns (Attestation[] memory out) {{")
        .unwrap();
    writeln!(w, "        out = new Attestation[]({});", atts.len()).unwrap();
    for (i, a) in atts.iter().enumerate() {
        writeln!(
            w,
            "        out[{i}] = Attestation({}, {}, {}, {}, {}, {});",
            s(&a["l1_chain_id"]),
            addr(&a["proposer"]),
            s(&a["verifier_id"]),
            s(&a["batch_number"]),
            hexlit(&a["public_inputs"]),
            b32(&a["digest"])
        )
        .unwrap();
    }
    writeln!(w, "    }}\n").unwrap();

    let aliases = v["aliases"].as_array().unwrap();
    writeln!(w, "    function aliases() internal pure returns (Alias[] memory out) {{").unwrap();
    writeln!(w, "        out = new Alias[]({});", aliases.len()).unwrap();
    for (i, a) in aliases.iter().enumerate() {
        writeln!(w, "        out[{i}] = Alias({}, {});", addr(&a["l1"]), addr(&a["l2"])).unwrap();
    }
    writeln!(w, "    }}\n").unwrap();

    let canonical = v["canonical_tokens"].as_array().unwrap();
    writeln!(
        w,
        "    function canonicalTokens() internal pure returns (CanonicalToken[] memory out) {{"
    )
    .unwrap();
    writeln!(w, "        out = new CanonicalToken[]({});", canonical.len()).unwrap();
    for (i, c) in canonical.iter().enumerate() {
        writeln!(w, "        out[{i}] = CanonicalToken({}, {});", addr(&c["l1"]), addr(&c["l2"]))
            .unwrap();
    }
    writeln!(w, "    }}\n").unwrap();

    o.truncate(o.trim_end().len());
    o.push_str("\n}\n");
    o
}

#[test]
fn shared_vectors_match_the_committed_files() {
    let vectors = build_vectors();
    let json_text = serde_json::to_string_pretty(&vectors).unwrap() + "\n";
    let sol_text = render_solidity(&vectors);
    let json_path = contracts_dir().join("test/vectors.json");
    let sol_path = contracts_dir().join("test/generated/Vectors.sol");

    if std::env::var_os("BASALT_UPDATE_VECTORS").is_some() {
        std::fs::create_dir_all(sol_path.parent().unwrap()).unwrap();
        std::fs::write(&json_path, &json_text).unwrap();
        std::fs::write(&sol_path, &sol_text).unwrap();
        return;
    }
    let hint = "run `BASALT_UPDATE_VECTORS=1 cargo test -p basalt-contracts --test shared_vectors` after an intended format change";
    let committed_json = std::fs::read_to_string(&json_path).unwrap_or_default();
    assert!(committed_json == json_text, "{} is stale: {hint}", json_path.display());
    let committed_sol = std::fs::read_to_string(&sol_path).unwrap_or_default();
    assert!(committed_sol == sol_text, "{} is stale: {hint}", sol_path.display());
}

/// Reads the committed vectors back and recomputes every value with the Rust formats, so the JSON
/// file itself (which the forge test asserts) is proven to be what Rust computes.
#[test]
fn committed_vectors_recompute_in_rust() {
    let text = std::fs::read_to_string(contracts_dir().join("test/vectors.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let b = |x: &Value| x.as_str().unwrap().parse::<B256>().unwrap();
    let a = |x: &Value| x.as_str().unwrap().parse::<Address>().unwrap();
    let u = |x: &Value| x.as_str().unwrap().parse::<U256>().unwrap();
    let n = |x: &Value| x.as_str().unwrap().parse::<u64>().unwrap();

    for t in v["privileged_txs"].as_array().unwrap() {
        let fields = PrivilegedTxFields {
            chain_id: n(&t["chain_id"]),
            from: a(&t["from"]),
            to: a(&t["to"]),
            transaction_id: n(&t["transaction_id"]),
            mint: u(&t["mint"]),
            value: u(&t["value"]),
            gas_limit: n(&t["gas_limit"]),
            data: hex::decode(t["data"].as_str().unwrap()).unwrap(),
        };
        assert_eq!(fields.l1_hash(), b(&t["hash"]));
    }
    for r in v["rolling_hashes"].as_array().unwrap() {
        let hashes: Vec<B256> = r["hashes"].as_array().unwrap().iter().map(b).collect();
        assert_eq!(privileged_rolling_hash(&hashes).unwrap(), b(&r["rolling_hash"]));
    }
    for m in v["l1_messages"].as_array().unwrap() {
        assert_eq!(
            l1_message_hash(a(&m["from"]), b(&m["data"]), n(&m["message_id"])),
            b(&m["hash"])
        );
    }
    for t in v["merkle_trees"].as_array().unwrap() {
        let leaves: Vec<B256> = t["leaves"].as_array().unwrap().iter().map(b).collect();
        let root = b(&t["root"]);
        assert_eq!(MessageMerkleTree::new(leaves.clone()).root(), root);
        for (leaf, proof) in leaves.iter().zip(t["proofs"].as_array().unwrap()) {
            let proof: Vec<B256> = proof.as_array().unwrap().iter().map(b).collect();
            assert!(formats::verify_message_proof(&proof, root, *leaf));
        }
    }
    for p in v["public_inputs"].as_array().unwrap() {
        let encoded = hex::decode(p["encoded"].as_str().unwrap()).unwrap();
        let inputs = PublicInputs::decode(&encoded).unwrap();
        assert_eq!(inputs.final_state_root, b(&p["final_state_root"]));
        assert_eq!(inputs.digest(), b(&p["digest"]));
        let blobs: Vec<B256> =
            p["blob_versioned_hashes"].as_array().unwrap().iter().map(b).collect();
        assert_eq!(blobs_hash(&blobs).unwrap(), b(&p["blobs_hash"]));
        assert_eq!(inputs.blobs_hash, b(&p["blobs_hash"]));
    }
    for g in v["min_gas_limits"].as_array().unwrap() {
        let data = hex::decode(g["data"].as_str().unwrap()).unwrap();
        assert_eq!(min_gas_limit(&data), n(&g["min_gas_limit"]));
    }
    for at in v["attestations"].as_array().unwrap() {
        let inputs = hex::decode(at["public_inputs"].as_str().unwrap()).unwrap();
        let id = u8::try_from(n(&at["verifier_id"])).unwrap();
        let digest = attestation_digest(
            n(&at["l1_chain_id"]),
            a(&at["proposer"]),
            id,
            n(&at["batch_number"]),
            &inputs,
        );
        assert_eq!(digest, b(&at["digest"]));
    }
    for al in v["aliases"].as_array().unwrap() {
        assert_eq!(apply_alias(a(&al["l1"])), a(&al["l2"]));
    }
    let canonical = v["canonical_tokens"].as_array().unwrap();
    assert!(!canonical.is_empty());
    for c in canonical {
        assert_eq!(canonical_l2_token(a(&c["l1"])), a(&c["l2"]));
    }
}
