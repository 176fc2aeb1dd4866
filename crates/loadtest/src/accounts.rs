//! The accounts of a load test and the transactions they sign: deterministic sender keys and
//! recipients (so a test can find them again), EIP-1559 fees, and signing in nonce order.

use alloy_consensus::TxEip1559;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, hex, keccak256};
use basalt_primitives::sender::{address_of, sign_transaction};
use eyre::WrapErr;
use serde::Serialize;

/// The first anvil (and `basalt l1`) development key: funded on every dev chain.
pub const DEFAULT_FUNDER_KEY: &str =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// 1 gwei, the priority fee of every load-test transaction.
pub const TIP: u128 = 1_000_000_000;

/// The secret key of sender `index`: keccak256("basalt-loadtest" ‖ index as u64 big-endian).
pub fn sender_key(index: usize) -> B256 {
    let mut preimage = b"basalt-loadtest".to_vec();
    preimage.extend_from_slice(&(index as u64).to_be_bytes());
    keccak256(preimage)
}

/// The recipient of transfer `index`: an address nobody holds a key for, fresh on a new chain,
/// so every transfer creates an account (ETH) or a storage slot (ERC20), the costly case.
pub fn recipient_address(index: usize) -> Address {
    let mut preimage = b"basalt-loadtest-recipient".to_vec();
    preimage.extend_from_slice(&(index as u64).to_be_bytes());
    Address::from_slice(&keccak256(preimage)[12..])
}

/// EIP-1559 fee caps shared by all transactions of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fees {
    pub max_fee_per_gas: u128,
    pub max_priority_fee_per_gas: u128,
}

impl Fees {
    /// maxFee = 2 × baseFee + tip, which stays valid through several full blocks of base-fee
    /// growth; raised to `eth_gasPrice` if a node asks for more than that (some set a floor).
    pub fn from_node(base_fee: u128, gas_price: u128) -> Self {
        let max_fee = base_fee.saturating_mul(2).saturating_add(TIP).max(gas_price);
        Self { max_fee_per_gas: max_fee, max_priority_fee_per_gas: TIP }
    }
}

/// A signed transaction, ready for `eth_sendRawTransaction`.
#[derive(Debug, Clone)]
pub struct SignedTx {
    pub hash: B256,
    /// 0x-prefixed EIP-2718 encoding.
    pub raw: String,
}

/// A key, its address and its next nonce.
#[derive(Debug, Clone)]
pub struct Account {
    pub key: B256,
    pub address: Address,
    pub nonce: u64,
}

impl Account {
    /// The account of `key`, whose next transaction will carry `nonce`.
    pub fn new(key: B256, nonce: u64) -> eyre::Result<Self> {
        let address = address_of(&key)
            .map_err(|_| eyre::eyre!("{key} is not a valid secp256k1 secret key"))?;
        Ok(Self { key, address, nonce })
    }

    /// Signs an EIP-1559 transaction with the next nonce and advances it.
    pub fn sign(
        &mut self,
        chain_id: u64,
        to: TxKind,
        value: U256,
        input: Bytes,
        gas_limit: u64,
        fees: Fees,
    ) -> eyre::Result<SignedTx> {
        let tx = TxEip1559 {
            chain_id,
            nonce: self.nonce,
            gas_limit,
            max_fee_per_gas: fees.max_fee_per_gas,
            max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
            to,
            value,
            access_list: Default::default(),
            input,
        };
        let envelope = sign_transaction(tx, &self.key)
            .wrap_err_with(|| format!("signing as {}", self.address))?;
        self.nonce += 1;
        Ok(SignedTx {
            hash: *envelope.tx_hash(),
            raw: hex::encode_prefixed(envelope.encoded_2718()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_eips::eip2718::Decodable2718;
    use basalt_primitives::{TxEnvelope, sender::recover_sender};

    #[test]
    fn default_funder_is_the_first_dev_account() {
        let account = Account::new(DEFAULT_FUNDER_KEY.parse().unwrap(), 0).unwrap();
        let expected: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
        assert_eq!(account.address, expected);
    }

    #[test]
    fn signed_transactions_recover_to_their_sender_and_advance_the_nonce() {
        let mut account = Account::new(sender_key(3), 7).unwrap();
        let fees = Fees::from_node(1_000_000_000, 0);
        let to = TxKind::Call(recipient_address(0));
        let signed = account.sign(31337, to, U256::from(1), Bytes::new(), 21_000, fees).unwrap();
        assert_eq!(account.nonce, 8);
        let envelope =
            TxEnvelope::decode_2718(&mut &hex::decode(&signed.raw).unwrap()[..]).unwrap();
        assert_eq!(*envelope.tx_hash(), signed.hash);
        assert_eq!(recover_sender(&envelope, false).unwrap(), account.address);
    }

    #[test]
    fn fees_double_the_base_fee_and_respect_the_gas_price_floor() {
        assert_eq!(Fees::from_node(10, 0).max_fee_per_gas, 20 + TIP);
        assert_eq!(Fees::from_node(0, 5 * TIP).max_fee_per_gas, 5 * TIP);
    }

    #[test]
    fn zero_key_is_rejected_with_a_message() {
        let error = Account::new(B256::ZERO, 0).unwrap_err();
        assert!(error.to_string().contains("not a valid secp256k1 secret key"));
    }
}
