//! Keys from a BIP-39 mnemonic along the BIP-44 Ethereum path `m/44'/60'/0'/0/i`, as anvil,
//! Hardhat and wallets derive their dev accounts. The mnemonic's words are not checked
//! against the BIP-39 word list: the seed is defined over the phrase text alone.

use alloy_primitives::B256;
use hmac::{Hmac, Mac};
use secp256k1::{PublicKey, SECP256K1, Scalar, SecretKey};
use sha2::Sha512;

/// The mnemonic of anvil's and Hardhat's dev accounts.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

const HARDENED: u32 = 1 << 31;

/// Why a key could not be derived (probability ~2^-127 per step, per BIP-32).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mnemonic derivation produced an invalid key at index {0}")]
pub struct DerivationError(pub u32);

/// The private key of account `index` of `mnemonic` (no passphrase).
pub fn derive_key(mnemonic: &str, index: u32) -> Result<B256, DerivationError> {
    let mut seed = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(mnemonic.as_bytes(), b"mnemonic", 2048, &mut seed);
    let (mut key, mut chain_code) = split(hmac_sha512(b"Bitcoin seed", &[&seed]));
    let mut secret = SecretKey::from_byte_array(key).map_err(|_| DerivationError(index))?;
    for child in [44 | HARDENED, 60 | HARDENED, HARDENED, 0, index] {
        let digest = if child >= HARDENED {
            hmac_sha512(&chain_code, &[&[0u8], &secret.secret_bytes(), &child.to_be_bytes()])
        } else {
            let public = PublicKey::from_secret_key(SECP256K1, &secret).serialize();
            hmac_sha512(&chain_code, &[&public, &child.to_be_bytes()])
        };
        (key, chain_code) = split(digest);
        let tweak = Scalar::from_be_bytes(key).map_err(|_| DerivationError(index))?;
        secret = secret.add_tweak(&tweak).map_err(|_| DerivationError(index))?;
    }
    Ok(B256::from(secret.secret_bytes()))
}

fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> [u8; 64] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn split(digest: [u8; 64]) -> ([u8; 32], [u8; 32]) {
    let mut left = [0u8; 32];
    let mut right = [0u8; 32];
    left.copy_from_slice(&digest[..32]);
    right.copy_from_slice(&digest[32..]);
    (left, right)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sender::address_of;
    use alloy_primitives::{address, b256};

    #[test]
    fn dev_mnemonic_gives_the_well_known_accounts() {
        let first = derive_key(DEV_MNEMONIC, 0).unwrap();
        assert_eq!(
            first,
            b256!("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
        );
        assert_eq!(
            address_of(&first).unwrap(),
            address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
        let tenth = derive_key(DEV_MNEMONIC, 9).unwrap();
        assert_eq!(
            address_of(&tenth).unwrap(),
            address!("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720")
        );
    }

    #[test]
    fn other_mnemonics_give_other_keys() {
        let other = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
        assert_ne!(derive_key(other, 0).unwrap(), derive_key(DEV_MNEMONIC, 0).unwrap());
        assert_ne!(derive_key(DEV_MNEMONIC, 1).unwrap(), derive_key(DEV_MNEMONIC, 0).unwrap());
    }
}
