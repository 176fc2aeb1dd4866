//! Runs one call against the registered methods, as jsonrpsee's own service would, with an
//! id the framing layer substituted (a per-connection counter jsonrpsee's `Id` can hold).
//! Subscriptions exist only on WebSocket connections; over HTTP `eth_subscribe` answers
//! geth's -32601 "notifications not supported" and `eth_unsubscribe` -32000 "subscription
//! not found".

use jsonrpsee::{
    core::traits::IdProvider,
    server::{
        BoundedSubscriptions, ConnectionId, Extensions, MethodCallback, MethodResponse, MethodSink,
        Methods, SubscriptionState,
    },
    types::{ErrorObject, Id, Params, error::ErrorCode},
};
use serde_json::value::RawValue;
use std::sync::Arc;

/// geth's answer to a subscription asked for over plain HTTP.
pub const NOTIFICATIONS_UNSUPPORTED: &str = "notifications not supported";

/// What a call may use of its connection.
pub enum Connection {
    /// One HTTP request: calls only.
    Http,
    /// A WebSocket connection: calls and subscriptions, whose messages go to `sink`.
    WebSocket { id: ConnectionId, sink: MethodSink, subscriptions: BoundedSubscriptions },
}

/// The registered methods and the limits every call runs under.
#[derive(Clone)]
pub struct Dispatcher {
    pub methods: Methods,
    pub max_response_bytes: usize,
    pub id_provider: Arc<dyn IdProvider>,
}

impl Dispatcher {
    /// Whether `method` opens a subscription (its answer travels through the sink).
    pub fn is_subscription(&self, method: &str) -> bool {
        matches!(self.methods.method_with_name(method), Some((_, MethodCallback::Subscription(_))))
    }

    /// Runs `method` with `params`; the answer carries `id`.
    pub async fn call(
        &self,
        connection: &Connection,
        method: &str,
        params: Option<&RawValue>,
        id: u64,
    ) -> MethodResponse {
        let id = Id::Number(id);
        let params = Params::new(params.map(RawValue::get));
        let max = self.max_response_bytes;
        let extensions = Extensions::new();
        let Some((_, callback)) = self.methods.method_with_name(method) else {
            return MethodResponse::error(id, ErrorObject::from(ErrorCode::MethodNotFound));
        };
        match (callback, connection) {
            (MethodCallback::Sync(callback), _) => callback(id, params, max, extensions),
            (MethodCallback::Async(callback), Connection::Http) => {
                callback(id, params.into_owned(), ConnectionId(0), max, extensions).await
            }
            (MethodCallback::Async(callback), Connection::WebSocket { id: conn, .. }) => {
                callback(id, params.into_owned(), *conn, max, extensions).await
            }
            (MethodCallback::Subscription(_), Connection::Http) => MethodResponse::error(
                id,
                ErrorObject::owned(
                    ErrorCode::MethodNotFound.code(),
                    NOTIFICATIONS_UNSUPPORTED,
                    None::<()>,
                ),
            ),
            (MethodCallback::Unsubscription(_), Connection::Http) => MethodResponse::error(
                id,
                ErrorObject::owned(
                    crate::error::SERVER_ERROR,
                    "subscription not found",
                    None::<()>,
                ),
            ),
            (
                MethodCallback::Subscription(callback),
                Connection::WebSocket { id: conn, sink, subscriptions },
            ) => {
                let Some(permit) = subscriptions.acquire() else {
                    return MethodResponse::error(
                        id,
                        ErrorObject::owned(
                            crate::error::SERVER_ERROR,
                            format!(
                                "too many subscriptions on this connection (at most {})",
                                subscriptions.max()
                            ),
                            None::<()>,
                        ),
                    );
                };
                let state = SubscriptionState {
                    conn_id: *conn,
                    id_provider: &*self.id_provider,
                    subscription_permit: permit,
                };
                callback(id, params, sink.clone(), state, extensions).await
            }
            (MethodCallback::Unsubscription(callback), Connection::WebSocket { id: conn, .. }) => {
                callback(id, params, *conn, max, extensions)
            }
        }
    }
}
