//! Signing with the dev accounts' keys, as anvil serves it: `eth_sign` (EIP-191 personal
//! message), `eth_signTransaction` (fill, sign, return raw and object) and
//! `eth_fillTransaction` (fill only). Accounts without a key on the node (impersonated or
//! foreign) are refused: the node never fakes a signature it cannot make.

use crate::{
    RpcContext, blocking_method,
    convert::rpc_transaction,
    error::server_error,
    send::{no_key, sign_typed},
    sync_method,
};
use alloy_consensus::TypedTransaction;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, Bytes, eip191_hash_message};
use alloy_rpc_types_eth::TransactionRequest;
use basalt_primitives::{TxEnvelope, sender::sign_hash};
use jsonrpsee::RpcModule;
use serde::Serialize;
use serde_json::{Map, Value};

/// Keys of an RPC transaction object that belong to its place in a block or pool, not to the
/// transaction: absent from the spec's `TransactionSigned` and unsigned objects.
const CONTEXT_KEYS: [&str; 6] =
    ["blockHash", "blockNumber", "blockTimestamp", "transactionIndex", "from", "hash"];
/// The signature's keys, absent from an unsigned transaction.
const SIGNATURE_KEYS: [&str; 4] = ["v", "r", "s", "yParity"];

/// `eth_signTransaction`: the EIP-2718 encoding and the signed transaction object.
#[derive(Clone, Debug, Serialize)]
struct SignedTransaction {
    raw: Bytes,
    tx: Map<String, Value>,
}

/// `eth_fillTransaction`: the completed, unsigned transaction object.
#[derive(Clone, Debug, Serialize)]
struct FilledTransaction {
    tx: Map<String, Value>,
}

pub fn register(module: &mut RpcModule<RpcContext>) {
    sync_method(module, "eth_sign", |ctx, params| {
        let (address, message): (Address, Bytes) = params.parse()?;
        let key = ctx.node.dev_key(&address).ok_or_else(|| no_key(address))?;
        let signature = sign_hash(&key, eip191_hash_message(&message))
            .map_err(|_| server_error("dev account key is invalid"))?;
        Ok(Bytes::from(signature.as_bytes()))
    });
    blocking_method(module, "eth_signTransaction", |ctx, params| {
        let request: TransactionRequest = params.one()?;
        let from = request.from.unwrap_or_default();
        let key = ctx.node.dev_key(&from).ok_or_else(|| no_key(from))?;
        let (from, typed) = ctx.fill_request(request)?;
        let signed = sign_typed(typed, &key)?;
        Ok(SignedTransaction {
            raw: Bytes::from(signed.encoded_2718()),
            tx: transaction_object(&signed, from, &CONTEXT_KEYS),
        })
    });
    blocking_method(module, "eth_fillTransaction", |ctx, params| {
        let request: TransactionRequest = params.one()?;
        let (from, typed) = ctx.fill_request(request)?;
        Ok(FilledTransaction { tx: unsigned_object(typed, from) })
    });
}

/// The transaction as the RPC transaction object shows it, without `dropped` keys. One
/// serializer for every transaction shape keeps them identical to `eth_getTransactionByHash`.
fn transaction_object(tx: &TxEnvelope, from: Address, dropped: &[&str]) -> Map<String, Value> {
    let mut object = match serde_json::to_value(rpc_transaction(&tx.clone().into(), from, None)) {
        Ok(Value::Object(object)) => object,
        // An RPC transaction always serializes as an object.
        _ => Map::new(),
    };
    for key in dropped {
        object.remove(*key);
    }
    object
}

/// The unsigned fields of `typed`: the object of the same transaction with a placeholder
/// signature, less the signature and context keys.
fn unsigned_object(typed: TypedTransaction, from: Address) -> Map<String, Value> {
    use alloy_consensus::SignableTransaction;
    let placeholder =
        alloy_primitives::Signature::new(Default::default(), Default::default(), false);
    let envelope: TxEnvelope = match typed {
        TypedTransaction::Legacy(tx) => tx.into_signed(placeholder).into(),
        TypedTransaction::Eip2930(tx) => tx.into_signed(placeholder).into(),
        TypedTransaction::Eip1559(tx) => tx.into_signed(placeholder).into(),
        TypedTransaction::Eip7702(tx) => tx.into_signed(placeholder).into(),
        TypedTransaction::Eip4844(tx) => tx.into_signed(placeholder).into(),
    };
    let dropped: Vec<&str> = CONTEXT_KEYS.iter().chain(&SIGNATURE_KEYS).copied().collect();
    transaction_object(&envelope, from, &dropped)
}
