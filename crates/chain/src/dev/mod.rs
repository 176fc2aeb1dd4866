//! What a development chain starts from: the funded dev accounts (derived from a BIP-39
//! mnemonic, as anvil and Hardhat derive them) and the dev genesis. Both chains a developer
//! runs use them (the dev L1 and the L2 node); this module holds no running chain (that is
//! [`crate::service`], with the anvil controls of [`crate::anvil`] on top for the dev L1).

mod accounts;
mod genesis;

pub use accounts::{DEV_MNEMONIC, DevAccount, MnemonicError, derive_dev_accounts};
pub use genesis::DevGenesis;
