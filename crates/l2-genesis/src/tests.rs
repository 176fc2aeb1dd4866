//! The L2 genesis as the engine sees it: deterministic, every account in place, parsed back by
//! the genesis parser, minable (no missing system contract), and the predeploys answer calls run
//! by the project's EVM on block 0's state.

use super::*;
use alloy_primitives::{Bytes, TxKind, address, keccak256};
use alloy_rpc_types_eth::{TransactionInput, TransactionRequest};
use alloy_sol_types::{SolCall, sol};
use basalt_chain::Blockchain;
use basalt_contracts::{
    bindings::{CanonicalERC20, L2TokenFactory},
    formats::{
        CANONICAL_TOKEN_IMPLEMENTATION, L2_BRIDGE, L2_MESSENGER, L2_TOKEN_FACTORY,
        canonical_l2_token,
    },
    predeploys::{ENTRYPOINT_V08, MULTICALL3, PERMIT2, PREDEPLOYS, SENDER_CREATOR_V08, WETH9},
};

sol! {
    function name() external view returns (string);
    function symbol() external view returns (string);
    function decimals() external view returns (uint8);
    function totalSupply() external view returns (uint256);
    struct Call3 { address target; bool allowFailure; bytes callData; }
    struct Result3 { bool success; bytes returnData; }
    function aggregate3(Call3[] calls) external payable returns (Result3[] returnData);
    function getChainId() external view returns (uint256 chainid);
    function DOMAIN_SEPARATOR() external view returns (bytes32);
    function senderCreator() external view returns (address);
    function getDomainSeparatorV4() external view returns (bytes32);
}

const CHAIN_ID: u64 = 12_212_759;

fn config() -> L2GenesisConfig {
    L2GenesisConfig::new(CHAIN_ID, 30_000_000, 1_700_000_000)
}

/// Block 0 of `genesis` in a fresh in-memory chain, as a node opens it.
fn chain(genesis: &L2Genesis) -> Blockchain {
    let db = Database::in_memory().unwrap();
    init_from_spec(&db, &genesis.spec, genesis.file.json.as_bytes()).unwrap();
    Blockchain::new(db, genesis.spec.config.clone()).unwrap()
}

/// `eth_call` of `data` to `to` on the head state, as the RPC runs it.
fn call(chain: &Blockchain, to: Address, data: Vec<u8>) -> Bytes {
    call_from(chain, None, to, data).unwrap_or_else(|e| panic!("call to {to} failed: {e}"))
}

/// `eth_call` of `data` to `to` from `from` (default: the zero address); the error as text.
fn call_from(
    chain: &Blockchain,
    from: Option<Address>,
    to: Address,
    data: Vec<u8>,
) -> Result<Bytes, String> {
    let view = chain.db().read().unwrap();
    let header = view.head_header().unwrap().unwrap();
    let request = TransactionRequest {
        from,
        to: Some(TxKind::Call(to)),
        input: TransactionInput::new(data.into()),
        ..Default::default()
    };
    basalt_evm::call(chain.config(), &header, None, &view, &request, None, None)
        .map(|result| result.output)
        .map_err(|e| e.to_string())
}

#[test]
fn the_same_config_gives_the_same_file_and_roots() {
    let a = build(&config()).unwrap();
    let b = build(&config()).unwrap();
    assert_eq!(a.file, b.file);
    assert_eq!(roots_of(&a.file.json).unwrap(), (a.file.state_root, a.file.block_hash));
    // The timestamp is in the header only: same state, another block.
    let later = build(&L2GenesisConfig { timestamp: 1_700_000_001, ..config() }).unwrap();
    assert_eq!(later.file.state_root, a.file.state_root);
    assert_ne!(later.file.block_hash, a.file.block_hash);
    // The chain id is in the config only, not in the state.
    let other = build(&L2GenesisConfig { chain_id: 7, ..config() }).unwrap();
    assert_eq!(other.file.state_root, a.file.state_root);
    assert_ne!(a.file.state_root, basalt_contracts::deploy::EMPTY_STATE_ROOT);
}

#[test]
fn the_file_has_the_l2_config_every_account_and_no_ether() {
    let genesis = build(&config()).unwrap();
    let spec = &genesis.spec;
    assert_eq!(spec.config.chain_id, CHAIN_ID);
    assert_eq!(spec.genesis.gas_limit, 30_000_000);
    assert_eq!(spec.config.fork_at(0, 0), L2_FORK, "every fork active at block 0");
    let rollup = spec.config.rollup.as_ref().expect("the L2 rules are on");
    assert_eq!(rollup.bridge, L2_BRIDGE);
    let alloc = &spec.genesis.alloc;
    assert!(alloc.values().all(|a| a.balance.is_zero()), "no funded account");
    let code_hash = |address: Address| keccak256(alloc[&address].code.as_ref().unwrap());
    assert_eq!(L2_BRIDGE, address!("0x00000000000000000000000000000000000001ff"));
    assert_eq!(
        alloc[&L2_BRIDGE].code.as_ref().unwrap(),
        &basalt_contracts::bindings::L2Bridge::DEPLOYED_BYTECODE.clone()
    );
    assert!(alloc[&L2_MESSENGER].code.as_ref().is_some_and(|c| !c.is_empty()));
    // The token factory and the canonical token implementation: the committed artifacts' code.
    for (address, code) in [
        (L2_TOKEN_FACTORY, L2TokenFactory::DEPLOYED_BYTECODE.clone()),
        (CANONICAL_TOKEN_IMPLEMENTATION, CanonicalERC20::DEPLOYED_BYTECODE.clone()),
    ] {
        assert_eq!(code_hash(address), keccak256(&code), "{address}");
        assert_eq!(alloc[&address].nonce, Some(1), "{address}");
        assert!(alloc[&address].storage.as_ref().is_none_or(|s| s.is_empty()), "{address}");
    }
    for p in PREDEPLOYS {
        assert_eq!(code_hash(p.address), p.code_hash, "{}", p.name);
        assert_eq!(alloc[&p.address].nonce, Some(p.nonce), "{}", p.name);
    }
    // Rollup accounts, predeploys and the four Ethereum system contracts; nothing else.
    assert_eq!(alloc.len(), 4 + PREDEPLOYS.len() + 4);
    for address in [
        address!("0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02"),
        address!("0x0000F90827F1C53a10cb7A02335B175320002935"),
        address!("0x00000961Ef480Eb55e80D19ad83579A64c007002"),
        address!("0x0000BBdDc7CE488642fb579F8B00f3a590007251"),
    ] {
        assert!(alloc.contains_key(&address), "system contract {address}");
    }
}

#[test]
fn an_l2_node_can_mine_on_it() {
    let genesis = build(&config()).unwrap();
    let chain = chain(&genesis);
    assert_eq!(chain.missing_system_contracts().unwrap(), vec![]);
    let head = chain.head().unwrap();
    assert_eq!(head.state_root, genesis.file.state_root);
    assert_eq!(head.hash_slow(), genesis.file.block_hash);
    assert_eq!(head.gas_limit, 30_000_000);
    // Block 1 runs every system call of the active forks (EIP-4788, EIP-2935, EIP-7002,
    // EIP-7251) against the genesis contracts.
    let template = basalt_chain::builder::BlockTemplate {
        timestamp: head.timestamp + 1,
        beneficiary: Address::ZERO,
        gas_limit: None,
        transactions: Vec::new(),
        withdrawals: None,
        mix_hash: B256::ZERO,
        parent_beacon_block_root: Some(B256::repeat_byte(1)),
        extra_data: Default::default(),
        senders: None,
        fees: None,
        data_proven: None,
    };
    chain.mine_block(template).unwrap();
    assert_eq!(chain.head().unwrap().number, 1);
    assert_ne!(chain.head().unwrap().state_root, genesis.file.state_root, "system calls wrote");
}

#[test]
fn weth9_answers_with_its_name_symbol_and_decimals() {
    let chain = chain(&build(&config()).unwrap());
    let name = call(&chain, WETH9.address, nameCall {}.abi_encode());
    assert_eq!(nameCall::abi_decode_returns(&name).unwrap(), "Wrapped Ether");
    let symbol = call(&chain, WETH9.address, symbolCall {}.abi_encode());
    assert_eq!(symbolCall::abi_decode_returns(&symbol).unwrap(), "WETH");
    let decimals = call(&chain, WETH9.address, decimalsCall {}.abi_encode());
    assert_eq!(decimalsCall::abi_decode_returns(&decimals).unwrap(), 18);
    let supply = call(&chain, WETH9.address, totalSupplyCall {}.abi_encode());
    assert_eq!(totalSupplyCall::abi_decode_returns(&supply).unwrap(), U256::ZERO);
}

#[test]
fn multicall3_aggregates_calls_to_the_other_predeploys() {
    let chain = chain(&build(&config()).unwrap());
    let calls = vec![
        Call3 {
            target: WETH9.address,
            allowFailure: false,
            callData: symbolCall {}.abi_encode().into(),
        },
        Call3 {
            target: MULTICALL3.address,
            allowFailure: false,
            callData: getChainIdCall {}.abi_encode().into(),
        },
        Call3 {
            target: ENTRYPOINT_V08.address,
            allowFailure: false,
            callData: senderCreatorCall {}.abi_encode().into(),
        },
        // A call that reverts (no such function on the messenger) is reported, not fatal.
        Call3 {
            target: L2_MESSENGER,
            allowFailure: true,
            callData: vec![0xde, 0xad, 0xbe, 0xef].into(),
        },
    ];
    let output = call(&chain, MULTICALL3.address, aggregate3Call { calls }.abi_encode());
    let results = aggregate3Call::abi_decode_returns(&output).unwrap();
    assert_eq!(results.len(), 4);
    assert!(results[0].success && results[1].success && results[2].success);
    assert!(!results[3].success);
    assert_eq!(symbolCall::abi_decode_returns(&results[0].returnData).unwrap(), "WETH");
    assert_eq!(
        getChainIdCall::abi_decode_returns(&results[1].returnData).unwrap(),
        U256::from(CHAIN_ID)
    );
    assert_eq!(
        senderCreatorCall::abi_decode_returns(&results[2].returnData).unwrap(),
        SENDER_CREATOR_V08.address
    );
}

/// Permit2 carries mainnet's cached domain separator; on the L2 it must use the L2's chain id.
#[test]
fn permit2_binds_signatures_to_the_l2_chain_id() {
    let chain = chain(&build(&config()).unwrap());
    let output = call(&chain, PERMIT2.address, DOMAIN_SEPARATORCall {}.abi_encode());
    let separator = DOMAIN_SEPARATORCall::abi_decode_returns(&output).unwrap();
    let mut encoded = Vec::new();
    encoded.extend_from_slice(
        keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)").as_slice(),
    );
    encoded.extend_from_slice(keccak256("Permit2").as_slice());
    encoded.extend_from_slice(&U256::from(CHAIN_ID).to_be_bytes::<32>());
    encoded.extend_from_slice(PERMIT2.address.into_word().as_slice());
    assert_eq!(separator, keccak256(&encoded));
}

/// The EntryPoint v0.8 caches mainnet's EIP-712 domain; user operation hashes on the L2 must use
/// the L2's chain id.
#[test]
fn entrypoint_binds_user_operations_to_the_l2_chain_id() {
    let chain = chain(&build(&config()).unwrap());
    let output = call(&chain, ENTRYPOINT_V08.address, getDomainSeparatorV4Call {}.abi_encode());
    let separator = getDomainSeparatorV4Call::abi_decode_returns(&output).unwrap();
    let mut encoded = Vec::new();
    encoded.extend_from_slice(
        keccak256(
            "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
        )
        .as_slice(),
    );
    encoded.extend_from_slice(keccak256("ERC4337").as_slice());
    encoded.extend_from_slice(keccak256("1").as_slice());
    encoded.extend_from_slice(&U256::from(CHAIN_ID).to_be_bytes::<32>());
    encoded.extend_from_slice(ENTRYPOINT_V08.address.into_word().as_slice());
    assert_eq!(separator, keccak256(&encoded));
}

/// The CREATE2 factory deploys: `salt ++ initcode` in, the new address out.
#[test]
fn the_deterministic_deployment_proxy_deploys_with_create2() {
    let chain = chain(&build(&config()).unwrap());
    let proxy = basalt_contracts::predeploys::DETERMINISTIC_DEPLOYMENT_PROXY.address;
    // Init code returning the one-byte runtime 0x00.
    let init = alloy_primitives::hex!("6001600c60003960016000f300").to_vec();
    let salt = B256::repeat_byte(7);
    let mut data = salt.to_vec();
    data.extend_from_slice(&init);
    let output = call(&chain, proxy, data);
    assert_eq!(Address::from_slice(&output), proxy.create2(salt, keccak256(&init)));
}

#[test]
fn bad_configs_are_refused() {
    let zero_chain = L2GenesisConfig { chain_id: 0, ..config() };
    assert!(matches!(build(&zero_chain), Err(L2GenesisError::InvalidConfig(_))));
    let zero_gas = L2GenesisConfig { gas_limit: 0, ..config() };
    assert!(matches!(build(&zero_gas), Err(L2GenesisError::InvalidConfig(_))));
    assert!(matches!(roots_of("{}"), Err(L2GenesisError::Genesis(_))));
}

/// The genesis token factory puts the canonical token where `formats::canonical_l2_token` (and so
/// the L1 bridge) says, initialised with the given metadata, and refuses anyone but the bridge.
#[test]
fn the_token_factory_creates_canonical_tokens_where_l1_expects_them() {
    let chain = chain(&build(&config()).unwrap());
    let token_l1 = address!("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
    let view = L2TokenFactory::canonicalTokenCall { tokenL1: token_l1 }.abi_encode();
    let predicted = L2TokenFactory::canonicalTokenCall::abi_decode_returns(&call(
        &chain,
        L2_TOKEN_FACTORY,
        view,
    ))
    .unwrap();
    assert_eq!(predicted, canonical_l2_token(token_l1));

    let create = L2TokenFactory::createCanonicalTokenCall {
        tokenL1: token_l1,
        name: "USD Coin".into(),
        symbol: "USDC".into(),
        decimals: 6,
    }
    .abi_encode();
    let created = call_from(&chain, Some(L2_BRIDGE), L2_TOKEN_FACTORY, create.clone())
        .expect("the bridge creates");
    assert_eq!(
        L2TokenFactory::createCanonicalTokenCall::abi_decode_returns(&created).unwrap(),
        canonical_l2_token(token_l1)
    );
    let refused = call_from(&chain, Some(L2_MESSENGER), L2_TOKEN_FACTORY, create)
        .expect_err("anyone else is refused");
    assert!(refused.contains("revert"), "{refused}");
    // The implementation itself holds no token: it was never initialised.
    let name = call(&chain, CANONICAL_TOKEN_IMPLEMENTATION, nameCall {}.abi_encode());
    assert_eq!(nameCall::abi_decode_returns(&name).unwrap(), "");
}
