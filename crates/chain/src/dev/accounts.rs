//! The dev accounts: keys from a BIP-39 mnemonic (English word list, checksum checked, no
//! passphrase) along the BIP-44 Ethereum path `m/44'/60'/0'/0/i`, derived by alloy's signer
//! (coins-bip39 and coins-bip32) as anvil, Hardhat and wallets derive them. English words are
//! ASCII, so BIP-39's NFKD normalisation leaves them as they are.

use alloy_primitives::{Address, B256};
use alloy_signer_local::{MnemonicBuilder, coins_bip39::English};

/// The mnemonic of anvil's and Hardhat's dev accounts.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Why dev accounts could not be derived: a word outside the BIP-39 English list, a wrong
/// checksum or word count, or (with probability ~2^-127 per step) an invalid child key.
#[derive(Debug, thiserror::Error)]
#[error("invalid mnemonic: {0}")]
pub struct MnemonicError(#[from] alloy_signer_local::LocalSignerError);

/// One dev account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevAccount {
    pub address: Address,
    pub key: B256,
}

/// The first `count` accounts of `mnemonic` (no passphrase), account `i` at
/// `m/44'/60'/0'/0/i`.
pub fn derive_dev_accounts(mnemonic: &str, count: u32) -> Result<Vec<DevAccount>, MnemonicError> {
    (0..count)
        .map(|index| {
            let signer =
                MnemonicBuilder::<English>::default().phrase(mnemonic).index(index)?.build()?;
            Ok(DevAccount { address: signer.address(), key: signer.to_bytes() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256, hex};
    use alloy_signer_local::coins_bip39::Mnemonic;

    #[test]
    fn dev_mnemonic_gives_the_well_known_accounts() {
        let accounts = derive_dev_accounts(DEV_MNEMONIC, 10).unwrap();
        assert_eq!(
            accounts[0].key,
            b256!("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
        );
        assert_eq!(accounts[0].address, address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assert_eq!(accounts[9].address, address!("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"));
        let other = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
                     abandon abandon about";
        assert_ne!(derive_dev_accounts(other, 1).unwrap()[0], accounts[0]);
    }

    /// Mnemonic-to-seed vectors published with BIP-39 (Trezor's English list, passphrase
    /// "TREZOR").
    #[test]
    fn bip39_published_vectors() {
        let vectors = [
            (
                "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
                "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
            ),
            (
                "legal winner thank year wave sausage worth useful legal winner thank yellow",
                "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
            ),
            (
                "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
                "d71de856f81a8acc65e6fc851a38d4d7ec216fd0796d0a6827a3ad6ed5511a30fa280f12eb2e47ed2ac03b5c462a0358d18d69fe4f985ec81778c1b370b652a8",
            ),
            (
                "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
                "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069",
            ),
        ];
        for (phrase, seed) in vectors {
            let mnemonic = Mnemonic::<English>::new_from_phrase(phrase).unwrap();
            assert_eq!(hex::encode(mnemonic.to_seed(Some("TREZOR")).unwrap()), seed, "{phrase}");
        }
    }

    #[test]
    fn invalid_mnemonics_are_refused() {
        for bad in ["test test test", "test test test test test test test test test test test test"]
        {
            assert!(derive_dev_accounts(bad, 1).is_err(), "{bad}");
        }
    }
}
