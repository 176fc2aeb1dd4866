//! The load generator's view of a node, on alloy's JSON-RPC client over plain HTTP: single
//! calls, batches of one method, and batches serialized ahead of time (so the timed phase of a
//! load test spends nothing on encoding). It decodes only the few fields the load generator
//! reads; it knows nothing of load.

use alloy_json_rpc::{
    ErrorPayload, Id, Request, RequestPacket, ResponsePacket, ResponsePayload,
    RpcError as AlloyRpcError, RpcRecv,
};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_rpc_client::RpcClient as AlloyClient;
use alloy_transport::{TransportError, TransportErrorKind};
use alloy_transport_http::Http;
use serde::Deserialize;
use serde_json::{Value, json, value::RawValue};
use std::time::Duration;
use tower::Service;

/// What went wrong talking to the node. Every message names the endpoint.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error("invalid RPC URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot reach the JSON-RPC endpoint at {url} ({cause}); is the node running there?")]
    Unreachable { url: String, cause: String },
    #[error("{url} answered HTTP {status} to {method}: {body}")]
    Http { url: String, method: String, status: u16, body: String },
    #[error("{url} sent an unreadable answer to {method}: {detail}")]
    Malformed { url: String, method: String, detail: String },
    #[error("{method} failed on {url}: {message} (code {code})")]
    Node { url: String, method: String, code: i64, message: String },
}

/// The header fields of a block that the load generator reads (`eth_getBlockByNumber(n, false)`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockSummary {
    pub number: U64,
    pub base_fee_per_gas: Option<U256>,
    pub gas_used: U64,
    pub gas_limit: U64,
    #[serde(default)]
    pub transactions: Vec<B256>,
}

/// The receipt fields that the load generator reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub transaction_hash: B256,
    pub block_number: U64,
    pub status: Option<U64>,
    pub gas_used: U64,
    pub contract_address: Option<Address>,
    #[serde(default)]
    pub logs: Vec<Log>,
}

impl Receipt {
    /// Whether the transaction succeeded (EIP-658 status 1).
    pub fn succeeded(&self) -> bool {
        self.status == Some(U64::from(1))
    }
}

/// A log as returned in receipts and by `eth_getLogs`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Log {
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// A JSON-RPC endpoint reached over HTTP/1.1 with a pool of keep-alive connections, through
/// alloy's client (the project's one JSON-RPC client; tests that must send malformed input use
/// raw HTTP instead).
#[derive(Clone, Debug)]
pub struct RpcClient {
    client: AlloyClient,
    /// The same endpoint as a bare transport, for batches serialized ahead of time.
    transport: Http<reqwest::Client>,
    url: String,
}

/// A batch of calls of one method, serialized ahead of time (so a timed phase spends nothing
/// on encoding). Request ids are `first..first + len`; it serializes as the JSON array sent.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(transparent)]
pub struct PreparedBatch {
    packet: RequestPacket,
}

/// One answer of a batch: its request id and its result or error.
#[derive(Debug)]
pub struct BatchAnswer {
    pub id: Option<u64>,
    pub result: Result<Box<RawValue>, ErrorPayload>,
}

impl PreparedBatch {
    /// `method` once per element of `params`, with ids counting up from `first`.
    pub fn new(method: &str, first: u64, params: &[Value]) -> Result<Self, RpcError> {
        let mut requests = Vec::with_capacity(params.len());
        for (k, p) in params.iter().enumerate() {
            let id = Id::Number(first.saturating_add(k as u64));
            let request = Request::new(method.to_string(), id, p).serialize().map_err(|e| {
                RpcError::Malformed {
                    url: String::new(),
                    method: method.into(),
                    detail: e.to_string(),
                }
            })?;
            requests.push(request);
        }
        Ok(Self { packet: RequestPacket::Batch(requests) })
    }
}

impl RpcClient {
    /// A client for `url` whose requests give up after `request_timeout`.
    pub fn new(url: &str, request_timeout: Duration) -> Result<Self, RpcError> {
        let bad_url =
            |reason: &str| RpcError::BadUrl { url: url.to_string(), reason: reason.into() };
        let parsed = reqwest::Url::parse(url).map_err(|e| bad_url(&e.to_string()))?;
        if parsed.scheme() != "http" {
            // Built without TLS on purpose (see Cargo.toml): say so rather than fail obscurely.
            return Err(bad_url("only http:// endpoints are supported"));
        }
        let http = reqwest::Client::builder()
            .timeout(request_timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| bad_url(&innermost_cause(&e)))?;
        let transport = Http::with_client(http, parsed);
        let client = AlloyClient::new(transport.clone(), true);
        Ok(Self { client, transport, url: url.to_string() })
    }

    /// The endpoint's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One call, its result decoded as `T`.
    pub async fn call<T: RpcRecv>(&self, method: &str, params: Value) -> Result<T, RpcError> {
        self.client.request(method.to_string(), params).await.map_err(|e| self.error(method, e))
    }

    /// `method` called once per element of `params` in one batch request; the results come back
    /// in the order of `params`, each either its value or the node's error message.
    pub async fn batch(
        &self,
        method: &str,
        params: &[Value],
    ) -> Result<Vec<Result<Value, String>>, RpcError> {
        if params.is_empty() {
            return Ok(Vec::new());
        }
        let answers = self.send_prepared(&PreparedBatch::new(method, 0, params)?, method).await?;
        let mut results: Vec<Result<Value, String>> =
            vec![Err("no answer to this request in the batch".to_string()); params.len()];
        for answer in answers {
            let Some(slot) = answer.id.and_then(|id| results.get_mut(id as usize)) else {
                continue;
            };
            *slot = match answer.result {
                Ok(raw) => serde_json::from_str(raw.get()).map_err(|e| e.to_string()),
                Err(error) => Err(format!("{} (code {})", error.message, error.code)),
            };
        }
        Ok(results)
    }

    /// Sends a batch serialized ahead of time and returns its answers, undecoded. A node that
    /// rejects the whole batch answers with one error object; that becomes an error here.
    pub async fn send_prepared(
        &self,
        batch: &PreparedBatch,
        method: &str,
    ) -> Result<Vec<BatchAnswer>, RpcError> {
        let answer = self
            .transport
            .clone()
            .call(batch.packet.clone())
            .await
            .map_err(|e| self.error(method, e))?;
        let responses = match answer {
            ResponsePacket::Batch(responses) => responses,
            ResponsePacket::Single(single) => {
                return Err(match single.payload {
                    ResponsePayload::Failure(error) => self.node_error(method, &error),
                    ResponsePayload::Success(_) => {
                        self.malformed(method, "a batch request got a single non-error answer")
                    }
                });
            }
        };
        Ok(responses
            .into_iter()
            .map(|response| BatchAnswer {
                id: match response.id {
                    Id::Number(id) => Some(id),
                    _ => None,
                },
                result: match response.payload {
                    ResponsePayload::Success(raw) => Ok(raw),
                    ResponsePayload::Failure(error) => Err(error),
                },
            })
            .collect())
    }

    pub async fn chain_id(&self) -> Result<u64, RpcError> {
        Ok(self.call::<U64>("eth_chainId", json!([])).await?.to())
    }

    pub async fn block_number(&self) -> Result<u64, RpcError> {
        Ok(self.call::<U64>("eth_blockNumber", json!([])).await?.to())
    }

    pub async fn gas_price(&self) -> Result<u128, RpcError> {
        Ok(self.call::<U256>("eth_gasPrice", json!([])).await?.saturating_to())
    }

    /// The latest block's header fields; an error if the node has no blocks at all.
    pub async fn latest_block(&self) -> Result<BlockSummary, RpcError> {
        self.call::<Option<BlockSummary>>("eth_getBlockByNumber", json!(["latest", false]))
            .await?
            .ok_or_else(|| self.malformed("eth_getBlockByNumber", "no latest block"))
    }

    pub async fn balance(&self, address: Address) -> Result<U256, RpcError> {
        self.call("eth_getBalance", json!([address, "latest"])).await
    }

    /// The next nonce of `address`, counting transactions still in the pool.
    pub async fn pending_nonce(&self, address: Address) -> Result<u64, RpcError> {
        Ok(self.call::<U64>("eth_getTransactionCount", json!([address, "pending"])).await?.to())
    }

    /// `eth_call` at the latest block.
    pub async fn eth_call(&self, to: Address, data: &Bytes) -> Result<Bytes, RpcError> {
        self.call("eth_call", json!([{"to": to, "data": data}, "latest"])).await
    }

    pub async fn send_raw(&self, raw: &str) -> Result<B256, RpcError> {
        self.call("eth_sendRawTransaction", json!([raw])).await
    }

    pub async fn receipt(&self, hash: B256) -> Result<Option<Receipt>, RpcError> {
        self.call("eth_getTransactionReceipt", json!([hash])).await
    }

    /// An error about a decoding failure of `method`'s answer.
    pub fn malformed(&self, method: &str, detail: impl std::fmt::Display) -> RpcError {
        RpcError::Malformed {
            url: self.url.clone(),
            method: method.to_string(),
            detail: detail.to_string(),
        }
    }

    fn node_error(&self, method: &str, error: &ErrorPayload) -> RpcError {
        RpcError::Node {
            url: self.url.clone(),
            method: method.to_string(),
            code: error.code,
            message: error.message.to_string(),
        }
    }

    /// What alloy's client reported, as one message that names the endpoint.
    fn error(&self, method: &str, error: TransportError) -> RpcError {
        match error {
            AlloyRpcError::ErrorResp(payload) => self.node_error(method, &payload),
            AlloyRpcError::Transport(TransportErrorKind::HttpError(http)) => RpcError::Http {
                url: self.url.clone(),
                method: method.to_string(),
                status: http.status,
                body: http.body.chars().take(200).collect(),
            },
            AlloyRpcError::Transport(kind) => {
                let cause = match &kind {
                    TransportErrorKind::Custom(source) => innermost_cause(source.as_ref()),
                    other => other.to_string(),
                };
                let cause = if cause.contains("timed out") {
                    "request timed out".to_string()
                } else {
                    cause
                };
                RpcError::Unreachable { url: self.url.clone(), cause }
            }
            other => self.malformed(method, other),
        }
    }
}

/// The deepest source of an error: for a refused connection that is the OS message
/// ("Connection refused"), which says more than reqwest's "error sending request".
fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}
