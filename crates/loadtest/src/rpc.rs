//! A small JSON-RPC 2.0 client over plain HTTP: single calls, batches of one method, and
//! pre-built batch bodies (so the timed phase of a load test spends nothing on encoding).
//! It decodes only the few fields the load generator reads; it knows nothing of load.

use alloy_primitives::{Address, B256, Bytes, U64, U256};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};
use std::time::Duration;

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

/// One element of a JSON-RPC answer.
#[derive(Debug, Deserialize)]
pub struct Response {
    #[serde(default)]
    pub id: Value,
    pub result: Option<Value>,
    pub error: Option<ErrorObject>,
}

/// The `error` member of a JSON-RPC answer.
#[derive(Debug, Deserialize)]
pub struct ErrorObject {
    pub code: i64,
    pub message: String,
}

impl std::fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
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

/// A JSON-RPC endpoint reached over HTTP/1.1 with a pool of keep-alive connections.
#[derive(Clone, Debug)]
pub struct RpcClient {
    http: reqwest::Client,
    url: String,
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
        Ok(Self { http, url: url.to_string() })
    }

    /// The endpoint's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Posts a JSON body and returns the parsed JSON answer; `what` names the call in errors.
    pub async fn post(&self, body: String, what: &str) -> Result<Value, RpcError> {
        let bytes = self.post_bytes(body, what).await?;
        serde_json::from_slice(&bytes).map_err(|e| self.malformed(what, e))
    }

    /// Posts a JSON body and returns the answer's bytes, undecoded (for timing the node alone).
    pub async fn post_bytes(&self, body: String, what: &str) -> Result<Vec<u8>, RpcError> {
        let response = self
            .http
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.transport_error(&e))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes);
            return Err(RpcError::Http {
                url: self.url.clone(),
                method: what.to_string(),
                status: status.as_u16(),
                body: text.chars().take(200).collect(),
            });
        }
        Ok(bytes.to_vec())
    }

    /// One call, its result decoded as `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Value,
    ) -> Result<T, RpcError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let answer: Response = serde_json::from_value(self.post(body.to_string(), method).await?)
            .map_err(|e| self.malformed(method, e))?;
        if let Some(error) = answer.error {
            return Err(RpcError::Node {
                url: self.url.clone(),
                method: method.to_string(),
                code: error.code,
                message: error.message,
            });
        }
        serde_json::from_value(answer.result.unwrap_or(Value::Null))
            .map_err(|e| self.malformed(method, e))
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
        let body: Vec<Value> = params
            .iter()
            .enumerate()
            .map(|(id, p)| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": p}))
            .collect();
        let answer = self.post(Value::Array(body).to_string(), method).await?;
        let responses = self.batch_responses(answer, method)?;
        let mut results: Vec<Result<Value, String>> =
            vec![Err("no answer to this request in the batch".to_string()); params.len()];
        for response in responses {
            let Some(slot) = response.id.as_u64().and_then(|id| results.get_mut(id as usize))
            else {
                continue;
            };
            *slot = match (response.error, response.result) {
                (Some(error), _) => Err(error.to_string()),
                (None, result) => Ok(result.unwrap_or(Value::Null)),
            };
        }
        Ok(results)
    }

    /// Splits a batch answer into its elements. A node that rejects the whole batch answers with
    /// one error object instead of an array; that becomes an error here.
    pub fn batch_responses(&self, answer: Value, method: &str) -> Result<Vec<Response>, RpcError> {
        match answer {
            Value::Array(items) => items
                .into_iter()
                .map(|item| serde_json::from_value(item).map_err(|e| self.malformed(method, e)))
                .collect(),
            other => {
                let single: Response =
                    serde_json::from_value(other).map_err(|e| self.malformed(method, e))?;
                let error = single.error.ok_or_else(|| {
                    self.malformed(method, "a batch request got a single non-error answer")
                })?;
                Err(RpcError::Node {
                    url: self.url.clone(),
                    method: method.to_string(),
                    code: error.code,
                    message: error.message,
                })
            }
        }
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

    fn transport_error(&self, error: &reqwest::Error) -> RpcError {
        let cause = if error.is_timeout() {
            "request timed out".to_string()
        } else {
            innermost_cause(error)
        };
        RpcError::Unreachable { url: self.url.clone(), cause }
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
