//! Transaction submission: `eth_sendRawTransaction` (including blob transactions with their
//! sidecars, verified by KZG before they reach the pool, which keeps them) and
//! `eth_sendTransaction` for the dev accounts and impersonated accounts.

use crate::{
    RpcContext, async_method, blocking_method,
    error::{OrInternal, RpcResult, invalid_params, server_error},
};
use alloy_consensus::{
    EthereumTxEnvelope, SignableTransaction, Signed, TxEip4844Variant, TxEip4844WithSidecar,
    TypedTransaction,
};
use alloy_eips::BlockId;
use alloy_eips::{
    eip2718::{Decodable2718, Eip2718Error},
    eip4844::env_settings::EnvKzgSettings,
    eip7594::BlobTransactionSidecarVariant,
};
use alloy_primitives::{Address, B256, Bytes, Signature, U256};
use alloy_rpc_types_eth::TransactionRequest;
use basalt_chain::{anvil::AnvilChain, service::ServiceError};
use basalt_primitives::{PRIVILEGED_TX_TYPE, StateReader, TxEnvelope, sender::sign_transaction};
use jsonrpsee::{RpcModule, types::ErrorObjectOwned};
use std::collections::HashMap;

/// Default tip when a request names none (what anvil suggests).
pub const DEFAULT_PRIORITY_FEE: u128 = 1_000_000_000;

/// Why a privileged transaction is refused at submission (docs/contracts.md: only the L1
/// bridge's queue produces them).
pub const PRIVILEGED_NOT_SUBMITTABLE: &str = "transaction type not supported: privileged \
     transactions (type 0x7e) come only from the L1 bridge's queue (CommonBridge.deposit / \
     sendToL2 on L1)";

type NetworkTx = EthereumTxEnvelope<TxEip4844WithSidecar<BlobTransactionSidecarVariant>>;

pub fn register(module: &mut RpcModule<RpcContext>) {
    // Ordinary transactions are admitted on the async workers (decoding and sender recovery
    // are cheap, and this is the path load arrives on); a blob transaction's KZG checks take
    // milliseconds, so it moves to the blocking pool.
    async_method(module, "eth_sendRawTransaction", |ctx, params| async move {
        let raw: Bytes = params.one()?;
        let tx = decode_unchecked(&raw)?;
        let (tx, sidecar) = match tx {
            EthereumTxEnvelope::Eip4844(_) => tokio::task::spawn_blocking(move || verified(tx))
                .await
                .map_err(crate::error::internal)??,
            tx => verified(tx)?,
        };
        let added = ctx.node.submit_with_sidecar(tx, sidecar).map_err(dev_error)?;
        Ok(added.hash)
    });
    // Fills and estimates gas by executing: the blocking pool.
    blocking_method(module, "eth_sendTransaction", |ctx, params| {
        let request: TransactionRequest = params.one()?;
        ctx.send_transaction(request)
    });
}

/// A chain-service failure as a JSON-RPC error. Geth answers a refused transaction with
/// -32000 and the pool's reason; a failure of the node's storage is an internal error
/// (-32603), not a verdict on the transaction; a block timestamp not after the head's is
/// invalid params (-32602).
pub fn dev_error(err: ServiceError) -> ErrorObjectOwned {
    match err {
        ServiceError::Pool(err @ basalt_txpool::PoolError::State(_)) => crate::error::internal(err),
        ServiceError::Pool(err) => server_error(err.to_string()),
        ServiceError::TimestampNotAfterHead { .. } => invalid_params(err.to_string()),
        other => server_error(other.to_string()),
    }
}

/// Decodes the EIP-2718 network form. A blob transaction must carry its sidecar, whose blobs
/// must match the versioned hashes and the KZG proofs; it is returned with the transaction.
pub fn decode_network_transaction(
    raw: &[u8],
) -> RpcResult<(TxEnvelope, Option<BlobTransactionSidecarVariant>)> {
    verified(decode_unchecked(raw)?)
}

/// Decodes the EIP-2718 network form (a blob transaction with its sidecar), unchecked.
fn decode_unchecked(raw: &[u8]) -> RpcResult<NetworkTx> {
    if raw.is_empty() {
        return Err(invalid_params("empty raw transaction"));
    }
    if raw[0] == PRIVILEGED_TX_TYPE {
        // geth's answer to a type it does not take from users (ErrTxTypeNotSupported, -32000).
        return Err(server_error(PRIVILEGED_NOT_SUBMITTABLE));
    }
    let decode_error =
        |e: Eip2718Error| invalid_params(format!("transaction could not be decoded: {e}"));
    let mut bytes = raw;
    let tx = NetworkTx::decode_2718(&mut bytes).map_err(decode_error)?;
    if !bytes.is_empty() {
        return Err(invalid_params(format!(
            "transaction could not be decoded: {} trailing bytes",
            bytes.len()
        )));
    }
    Ok(tx)
}

/// The pool's form of a decoded network transaction and its sidecar, after checking a blob
/// transaction's sidecar against its versioned hashes and KZG proofs (the costly part).
fn verified(tx: NetworkTx) -> RpcResult<(TxEnvelope, Option<BlobTransactionSidecarVariant>)> {
    Ok(match tx {
        EthereumTxEnvelope::Legacy(tx) => (TxEnvelope::Legacy(tx), None),
        EthereumTxEnvelope::Eip2930(tx) => (TxEnvelope::Eip2930(tx), None),
        EthereumTxEnvelope::Eip1559(tx) => (TxEnvelope::Eip1559(tx), None),
        EthereumTxEnvelope::Eip7702(tx) => (TxEnvelope::Eip7702(tx), None),
        EthereumTxEnvelope::Eip4844(signed) => {
            let (with_sidecar, signature, hash) = signed.into_parts();
            with_sidecar
                .validate_blob(EnvKzgSettings::Default.get())
                .map_err(|e| invalid_params(format!("invalid blob sidecar: {e}")))?;
            let tx = TxEnvelope::Eip4844(Signed::new_unchecked(
                TxEip4844Variant::TxEip4844(with_sidecar.tx),
                signature,
                hash,
            ));
            (tx, Some(with_sidecar.sidecar))
        }
    })
}

/// Signs `tx` with `key`.
pub fn sign_typed(tx: TypedTransaction, key: &B256) -> RpcResult<TxEnvelope> {
    let signed = match tx {
        TypedTransaction::Legacy(tx) => sign_transaction(tx, key),
        TypedTransaction::Eip2930(tx) => sign_transaction(tx, key),
        TypedTransaction::Eip1559(tx) => sign_transaction(tx, key),
        TypedTransaction::Eip7702(tx) => sign_transaction(tx, key),
        TypedTransaction::Eip4844(_) => {
            return Err(invalid_params("the node cannot sign blob transactions"));
        }
    };
    signed.map_err(|_| server_error("dev account key is invalid"))
}

/// Wraps an unsigned transaction with a placeholder signature (impersonation): the node
/// trusts the sender it was given instead of recovering one.
fn placeholder_signed(tx: TypedTransaction, sender: Address) -> RpcResult<TxEnvelope> {
    // The signature's r carries the sender so that two impersonated senders never produce
    // the same transaction hash for the same fields.
    let signature = Signature::new(U256::from_be_slice(sender.as_slice()), U256::from(1u8), false);
    Ok(match tx {
        TypedTransaction::Legacy(tx) => tx.into_signed(signature).into(),
        TypedTransaction::Eip2930(tx) => tx.into_signed(signature).into(),
        TypedTransaction::Eip1559(tx) => tx.into_signed(signature).into(),
        TypedTransaction::Eip7702(tx) => tx.into_signed(signature).into(),
        TypedTransaction::Eip4844(_) => {
            return Err(invalid_params("impersonated blob transactions are not supported"));
        }
    })
}

impl RpcContext {
    fn send_transaction(&self, request: TransactionRequest) -> RpcResult<B256> {
        let from = request.from.ok_or_else(|| invalid_params("missing `from` field"))?;
        // Refused before any estimation: the answer names the missing key, not a gas error.
        let key = self.node.dev_key(&from);
        let impersonated = self.backend.anvil().is_some_and(|anvil| anvil.is_impersonating(&from));
        if key.is_none() && !impersonated {
            return Err(no_key(from));
        }
        let (from, typed) = self.fill_request(request)?;
        let added = match key {
            Some(key) => self.node.submit(sign_typed(typed, &key)?),
            // Impersonated (the dev L1's anvil layer said so): the sender is trusted.
            None => self.node.submit_as(placeholder_signed(typed, from)?, Some(from)),
        };
        Ok(added.map_err(dev_error)?.hash)
    }

    /// A request for `anvil_reorg`'s new blocks, signed: nonces continue from the common
    /// ancestor (`common`), counted in `nonces` across the reorg's requests; gas is estimated
    /// on the common ancestor's state.
    pub(crate) fn sign_reorg_request(
        &self,
        anvil: &AnvilChain,
        request: TransactionRequest,
        common: u64,
        nonces: &mut HashMap<Address, u64>,
    ) -> RpcResult<(TxEnvelope, Address)> {
        let from = request.from.ok_or_else(|| invalid_params("missing `from` field"))?;
        let key = self.node.dev_key(&from);
        if key.is_none() && !anvil.is_impersonating(&from) {
            return Err(no_key(from));
        }
        let at = BlockId::number(common);
        let nonce = |from| {
            let next = match nonces.get(&from) {
                Some(nonce) => *nonce,
                None => self.with_state(at, |state| {
                    Ok(state.account(from).or_internal()?.map_or(0, |a| a.nonce))
                })?,
            };
            nonces.insert(from, next.saturating_add(1));
            Ok(next)
        };
        let (from, typed) = self.fill_request_with(request, nonce, at)?;
        let tx = match key {
            Some(key) => sign_typed(typed, &key)?,
            None => placeholder_signed(typed, from)?,
        };
        Ok((tx, from))
    }

    /// Completes a request as `eth_sendTransaction` would send it: chain id, nonce (counting
    /// the pool), gas (estimated) and fees (twice the next base fee plus the tip), then builds
    /// the typed transaction. Returns the sender with it.
    pub(crate) fn fill_request(
        &self,
        request: TransactionRequest,
    ) -> RpcResult<(Address, TypedTransaction)> {
        let pool_nonce = |from| self.node.next_nonce(from).or_internal();
        self.fill_request_with(request, pool_nonce, BlockId::latest())
    }

    /// [`RpcContext::fill_request`] with the nonce from `nonce` and gas estimated on `block`.
    fn fill_request_with(
        &self,
        mut request: TransactionRequest,
        nonce: impl FnOnce(Address) -> RpcResult<u64>,
        block: BlockId,
    ) -> RpcResult<(Address, TypedTransaction)> {
        let from = request.from.ok_or_else(|| invalid_params("missing `from` field"))?;
        if request.transaction_type == Some(PRIVILEGED_TX_TYPE) {
            return Err(server_error(PRIVILEGED_NOT_SUBMITTABLE));
        }
        request.chain_id.get_or_insert(self.chain_id());
        // No `to` means a contract creation (alloy's builder wants it said explicitly).
        request.to.get_or_insert(alloy_primitives::TxKind::Create);
        if request.nonce.is_none() {
            request.nonce = Some(nonce(from)?);
        }
        if request.gas.is_none() {
            request.gas = Some(self.estimate_for_send(&request, block)?);
        }
        if request.gas_price.is_none() {
            let base_fee = u128::from(self.node.validation_context().or_internal()?.base_fee);
            let tip = *request.max_priority_fee_per_gas.get_or_insert(DEFAULT_PRIORITY_FEE);
            request.max_fee_per_gas.get_or_insert(base_fee.saturating_mul(2).saturating_add(tip));
        }
        let typed = request
            .build_typed_tx()
            .map_err(|_| invalid_params("transaction request is missing fields"))?;
        if matches!(typed, TypedTransaction::Eip4844(_)) {
            return Err(invalid_params(
                "the node cannot build blob transactions; sign them yourself and send them with eth_sendRawTransaction",
            ));
        }
        Ok((from, typed))
    }
}

/// Geth's refusal for an account the node holds no key for.
pub fn no_key(from: Address) -> ErrorObjectOwned {
    server_error(format!(
        "no private key for {from}: sign the transaction yourself or impersonate the account"
    ))
}
