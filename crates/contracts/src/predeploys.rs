//! The contracts users expect at fixed addresses on any EVM chain, placed in the L2 genesis with
//! the runtime code of their Ethereum mainnet deployment: the RIP-7740 deployment factories,
//! Multicall3, Permit2, the ERC-4337 EntryPoint v0.8 (with the SenderCreator its constructor
//! deploys) and WETH9 at the OP Stack address `0x4200…0006`.
//!
//! The code is data (`crates/contracts/predeploys/*.hex`, one lowercase hex line each) taken from
//! published packages and deployment records; `docs/l2-genesis.md` names the source of every file
//! and of every recorded hash. [`Predeploy::code`] refuses code whose keccak differs from the
//! recorded hash, so a damaged file cannot reach a genesis.

use alloy_primitives::{Address, B256, Bytes, address, b256, keccak256};

/// A contract placed at a fixed address in the L2 genesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Predeploy {
    /// Name used in docs and errors.
    pub name: &'static str,
    /// Its canonical address (the same on Ethereum mainnet, except WETH9, see [`WETH9`]).
    pub address: Address,
    /// Runtime code as one hex line (no `0x`), from `crates/contracts/predeploys/`.
    hex: &'static str,
    /// keccak256 of the runtime code deployed on Ethereum mainnet.
    pub code_hash: B256,
    /// Account nonce in the genesis: 1 for a contract (EIP-161); the EntryPoint has created its
    /// SenderCreator, so 2.
    pub nonce: u64,
    /// Storage the code expects at genesis, `(slot, value)`.
    pub storage: &'static [(B256, B256)],
}

/// Why a predeploy's recorded code cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PredeployError {
    /// The data file is not hex.
    #[error("predeploy {name}: its code file is not hex: {reason}")]
    NotHex {
        /// The predeploy.
        name: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// The data file's code is not the recorded mainnet code.
    #[error(
        "predeploy {name}: code hash {actual} differs from the recorded mainnet hash {expected}"
    )]
    HashMismatch {
        /// The predeploy.
        name: &'static str,
        /// The recorded hash.
        expected: B256,
        /// keccak256 of the file's code.
        actual: B256,
    },
}

impl Predeploy {
    /// The runtime code, checked against [`Predeploy::code_hash`].
    ///
    /// # Errors
    /// [`PredeployError`] when the data file is not hex or its keccak is not the recorded hash.
    pub fn code(&self) -> Result<Bytes, PredeployError> {
        let code = alloy_primitives::hex::decode(self.hex.trim())
            .map_err(|e| PredeployError::NotHex { name: self.name, reason: e.to_string() })?;
        let actual = keccak256(&code);
        if actual != self.code_hash {
            return Err(PredeployError::HashMismatch {
                name: self.name,
                expected: self.code_hash,
                actual,
            });
        }
        Ok(code.into())
    }
}

/// Arachnid's deterministic deployment proxy (RIP-7740; the CREATE2 factory forge uses).
pub const DETERMINISTIC_DEPLOYMENT_PROXY: Predeploy = Predeploy {
    name: "DeterministicDeploymentProxy",
    address: address!("0x4e59b44847b379578588920cA78FbF26c0B4956C"),
    hex: include_str!("../predeploys/deterministic-deployment-proxy.hex"),
    code_hash: b256!("0x2fa86add0aed31f33a762c9d88e807c475bd51d0f52bd0955754b2608f7e4989"),
    nonce: 1,
    storage: &[],
};

/// pcaversaccio's create2deployer (RIP-7740), the code OP Stack chains carry since Canyon.
pub const CREATE2_DEPLOYER: Predeploy = Predeploy {
    name: "Create2Deployer",
    address: address!("0x13b0D85CcB8bf860b6b79AF3029fCA081AE9beF2"),
    hex: include_str!("../predeploys/create2deployer.hex"),
    code_hash: b256!("0xb0550b5b431e30d38000efb7107aaa0ade03d48a7198a140edda9d27134468b2"),
    nonce: 1,
    storage: &[],
};

/// Safe's singleton factory (RIP-7740): the same 69-byte CREATE2 proxy, at Safe's address.
pub const SAFE_SINGLETON_FACTORY: Predeploy = Predeploy {
    name: "SafeSingletonFactory",
    address: address!("0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7"),
    hex: include_str!("../predeploys/safe-singleton-factory.hex"),
    code_hash: b256!("0x2fa86add0aed31f33a762c9d88e807c475bd51d0f52bd0955754b2608f7e4989"),
    nonce: 1,
    storage: &[],
};

/// CreateX (RIP-7740), with its `_SELF` immutable set to its own address as on mainnet.
pub const CREATEX: Predeploy = Predeploy {
    name: "CreateX",
    address: address!("0xba5Ed099633D3B313e4D5F7bdc1305d3c28ba5Ed"),
    hex: include_str!("../predeploys/createx.hex"),
    code_hash: b256!("0xbd8a7ea8cfca7b4e5f5041d7d4b17bc317c5ce42cfbc42066a00cf26b43eb53f"),
    nonce: 1,
    storage: &[],
};

/// Multicall3.
pub const MULTICALL3: Predeploy = Predeploy {
    name: "Multicall3",
    address: address!("0xcA11bde05977b3631167028862bE2a173976CA11"),
    hex: include_str!("../predeploys/multicall3.hex"),
    code_hash: b256!("0xd5c15df687b16f2ff992fc8d767b4216323184a2bbc6ee2f9c398c318e770891"),
    nonce: 1,
    storage: &[],
};

/// Uniswap's Permit2. Its immutables hold mainnet's chain id (1) and EIP-712 domain separator;
/// `DOMAIN_SEPARATOR()` rebuilds the separator whenever `block.chainid` differs, so signatures on
/// the L2 are bound to the L2's chain id.
pub const PERMIT2: Predeploy = Predeploy {
    name: "Permit2",
    address: address!("0x000000000022D473030F116dDEE9F6B43aC78BA3"),
    hex: include_str!("../predeploys/permit2.hex"),
    code_hash: b256!("0xc67d1657868aa5146eaf24fb879fb1fdec3d2d493b3683a61c9c2f4fb2851131"),
    nonce: 1,
    storage: &[],
};

/// ERC-4337 EntryPoint v0.8. Its immutables hold its SenderCreator's address and OpenZeppelin
/// EIP-712 caches for chain 1, which `_domainSeparatorV4()` rebuilds when `block.chainid` differs.
pub const ENTRYPOINT_V08: Predeploy = Predeploy {
    name: "EntryPointV0.8",
    address: address!("0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108"),
    hex: include_str!("../predeploys/entrypoint-v0.8.hex"),
    code_hash: b256!("0x44e632a24c6f2600cbd5b5b8b4c2d372359112c8b5774297f5fd0a9e64f11f86"),
    nonce: 2,
    storage: &[],
};

/// The SenderCreator the EntryPoint v0.8 constructor deploys (its first CREATE, nonce 1); its
/// immutable names the EntryPoint, the only caller it serves.
pub const SENDER_CREATOR_V08: Predeploy = Predeploy {
    name: "SenderCreatorV0.8",
    address: address!("0x449ED7C3e6Fee6a97311d4b55475DF59C44AdD33"),
    hex: include_str!("../predeploys/sender-creator-v0.8.hex"),
    code_hash: b256!("0xc69a1b3a000d570bc86eb096ee63a9014a17951ad616d720882ec61432b00fcf"),
    nonce: 1,
    storage: &[],
};

/// WETH9 storage at genesis: WETH9 keeps `name`, `symbol` and `decimals` in storage slots 0-2
/// (Solidity short strings: the bytes left-aligned, twice the length in the last byte).
const WETH9_STORAGE: &[(B256, B256)] = &[
    (
        B256::ZERO,
        // "Wrapped Ether", 13 bytes.
        b256!("0x577261707065642045746865720000000000000000000000000000000000001a"),
    ),
    (
        b256!("0x0000000000000000000000000000000000000000000000000000000000000001"),
        // "WETH", 4 bytes.
        b256!("0x5745544800000000000000000000000000000000000000000000000000000008"),
    ),
    (
        b256!("0x0000000000000000000000000000000000000000000000000000000000000002"),
        // decimals = 18.
        b256!("0x0000000000000000000000000000000000000000000000000000000000000012"),
    ),
];

/// Canonical WETH9 (the code of mainnet's `0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2`) at
/// `0x4200…0006`, where OP Stack chains keep it and wallets look for it.
pub const WETH9: Predeploy = Predeploy {
    name: "WETH9",
    address: address!("0x4200000000000000000000000000000000000006"),
    hex: include_str!("../predeploys/weth9.hex"),
    code_hash: b256!("0xd0a06b12ac47863b5c7be4185c2deaad1c61557033f56c7d4ea74429cbb25e23"),
    nonce: 1,
    storage: WETH9_STORAGE,
};

/// Every predeploy of the L2 genesis, in address-independent documentation order.
pub const PREDEPLOYS: [Predeploy; 9] = [
    DETERMINISTIC_DEPLOYMENT_PROXY,
    CREATE2_DEPLOYER,
    SAFE_SINGLETON_FACTORY,
    CREATEX,
    MULTICALL3,
    PERMIT2,
    ENTRYPOINT_V08,
    SENDER_CREATOR_V08,
    WETH9,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file holds exactly the code whose hash was recorded from the mainnet deployment.
    #[test]
    fn every_predeploy_has_its_recorded_mainnet_code_hash() {
        for p in PREDEPLOYS {
            let code = p.code().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(keccak256(&code), p.code_hash, "{}", p.name);
            assert!(!code.is_empty(), "{}", p.name);
        }
        // Sizes as published with the hashes (docs/l2-genesis.md).
        let sizes: Vec<usize> =
            PREDEPLOYS.iter().map(|p| p.code().map(|c| c.len()).unwrap_or(0)).collect();
        assert_eq!(sizes, [69, 1584, 69, 11_838, 3808, 9152, 21_738, 1217, 3124]);
    }

    /// The addresses are the canonical ones: those derivable from their deployment are derived.
    #[test]
    fn addresses_are_the_canonical_ones() {
        // Keyless deployment transactions: signer and nonce 0.
        let arachnid_deployer = address!("0x3fab184622dc19b6109349b94811493bf2a45362");
        assert_eq!(arachnid_deployer.create(0), DETERMINISTIC_DEPLOYMENT_PROXY.address);
        let safe_deployer = address!("0xE1CB04A0fA36DdD16a06ea828007E35e1a3cBC37");
        assert_eq!(safe_deployer.create(0), SAFE_SINGLETON_FACTORY.address);
        let createx_deployer = address!("0xeD456e05CaAb11d66C4c797dD6c1D6f9A7F352b5");
        assert_eq!(createx_deployer.create(0), CREATEX.address);
        let multicall3_deployer = address!("0x05f32B3cC3888453ff71B01135B34FF8e41263F2");
        assert_eq!(multicall3_deployer.create(0), MULTICALL3.address);
        // The EntryPoint's constructor creates its SenderCreator first.
        assert_eq!(ENTRYPOINT_V08.address.create(1), SENDER_CREATOR_V08.address);
        assert_eq!(WETH9.address, address!("0x4200000000000000000000000000000000000006"));
        let mut addresses: Vec<Address> = PREDEPLOYS.iter().map(|p| p.address).collect();
        addresses.sort_unstable();
        addresses.dedup();
        assert_eq!(addresses.len(), PREDEPLOYS.len(), "one predeploy per address");
    }

    /// Immutables hold the mainnet values the contracts were deployed with.
    #[test]
    fn immutables_are_mainnet_values() {
        let contains = |code: &[u8], needle: &[u8]| code.windows(needle.len()).any(|w| w == needle);
        let entrypoint = ENTRYPOINT_V08.code().unwrap();
        assert!(contains(&entrypoint, SENDER_CREATOR_V08.address.as_slice()));
        let sender_creator = SENDER_CREATOR_V08.code().unwrap();
        assert!(contains(&sender_creator, ENTRYPOINT_V08.address.as_slice()));
        let createx = CREATEX.code().unwrap();
        assert!(contains(&createx, CREATEX.address.as_slice()));
        // Permit2: chain id 1 and mainnet's domain separator, keccak256(abi.encode(typehash,
        // keccak256("Permit2"), 1, address)).
        let permit2 = PERMIT2.code().unwrap();
        let typehash =
            keccak256("EIP712Domain(string name,uint256 chainId,address verifyingContract)");
        let mut encoded = Vec::new();
        encoded.extend_from_slice(typehash.as_slice());
        encoded.extend_from_slice(keccak256("Permit2").as_slice());
        encoded.extend_from_slice(&B256::with_last_byte(1).0);
        encoded.extend_from_slice(PERMIT2.address.into_word().as_slice());
        let separator = keccak256(&encoded);
        assert_eq!(&permit2[6945..6977], B256::with_last_byte(1).as_slice());
        assert_eq!(&permit2[6983..7015], separator.as_slice());
    }

    #[test]
    fn a_damaged_file_is_refused() {
        let damaged = Predeploy { hex: "6001", ..MULTICALL3 };
        assert!(matches!(damaged.code(), Err(PredeployError::HashMismatch { .. })));
        let not_hex = Predeploy { hex: "zz", ..MULTICALL3 };
        assert!(matches!(not_hex.code(), Err(PredeployError::NotHex { .. })));
    }

    #[test]
    fn weth9_metadata_slots_encode_its_name_symbol_and_decimals() {
        let short = |s: &str| {
            let mut word = [0u8; 32];
            word[..s.len()].copy_from_slice(s.as_bytes());
            word[31] = (s.len() * 2) as u8;
            B256::from(word)
        };
        assert_eq!(WETH9.storage[0].1, short("Wrapped Ether"));
        assert_eq!(WETH9.storage[1].1, short("WETH"));
        assert_eq!(WETH9.storage[2].1, B256::with_last_byte(18));
    }
}
