//! Answers one request body on a connection: each entry sorted by the framing rules, each
//! call run with a substituted id and its answer re-addressed to the id the client wrote.

use super::{
    dispatch::{Connection, Dispatcher},
    framing::{self, Body, Entry},
};
use serde_json::value::RawValue;
use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

/// Where the answer to a subscription call goes once the sink delivers it (jsonrpsee sends
/// it through the connection's sink so that it precedes the subscription's notifications).
#[derive(Debug)]
pub enum Routed {
    /// A call on its own: the sink's copy is sent, re-addressed to this id text.
    Single(String),
    /// An entry of a batch: the batch answer carries it; the sink's copy is dropped.
    InBatch,
}

/// Subscription answers waiting for their sink copy, by substituted id.
pub type Routes = Mutex<HashMap<u64, Routed>>;

/// One connection's view of the server.
pub struct Session<'a> {
    pub dispatcher: &'a Dispatcher,
    pub connection: &'a Connection,
    pub max_batch: usize,
    /// Substitute ids, unique on the connection.
    pub next_id: &'a AtomicU64,
    /// WebSocket only: answers to route from the sink.
    pub routes: Option<&'a Routes>,
}

impl Session<'_> {
    /// The text to send back for `body`; None when nothing is sent (only notifications).
    pub async fn answer(&self, body: &str) -> Option<String> {
        match framing::parse_body(body) {
            Body::Unparsable(reason) => {
                Some(framing::error_response("null", framing::PARSE_ERROR, &reason))
            }
            Body::EmptyBatch => Some(framing::invalid_request("empty batch")),
            Body::Single(entry) => self.answer_entry(entry, false).await,
            Body::Batch(entries) if entries.len() > self.max_batch => {
                Some(framing::error_response(
                    "null",
                    framing::INVALID_REQUEST,
                    &format!(
                        "batch too large: {} requests, at most {} per batch",
                        entries.len(),
                        self.max_batch
                    ),
                ))
            }
            Body::Batch(entries) => {
                let mut answers = Vec::with_capacity(entries.len());
                for entry in entries {
                    answers.extend(self.answer_entry(entry, true).await);
                }
                framing::batch_response(answers)
            }
        }
    }

    async fn answer_entry(&self, entry: Entry<'_>, in_batch: bool) -> Option<String> {
        match entry {
            Entry::Invalid(reason) => Some(framing::invalid_request(&reason)),
            Entry::Notification { method, params } => {
                // A subscription opened by a notification could never be told apart or
                // closed by its client: it is not opened.
                if !self.dispatcher.is_subscription(&method) {
                    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                    let response = self.dispatcher.call(self.connection, &method, params, id).await;
                    let (_, notify, _) = response.into_parts();
                    if let Some(notify) = notify {
                        notify.notify(true);
                    }
                }
                None
            }
            Entry::Call { id, method, params } => {
                self.answer_call(id, &method, params, in_batch).await
            }
        }
    }

    async fn answer_call(
        &self,
        id: &RawValue,
        method: &str,
        params: Option<&RawValue>,
        in_batch: bool,
    ) -> Option<String> {
        let substitute = self.next_id.fetch_add(1, Ordering::Relaxed);
        let routes = self.routes.filter(|_| self.dispatcher.is_subscription(method));
        if let Some(routes) = routes {
            let routed = if in_batch { Routed::InBatch } else { Routed::Single(id.get().into()) };
            lock(routes).insert(substitute, routed);
        }
        let response = self.dispatcher.call(self.connection, method, params, substitute).await;
        let delivered_by_sink = response.is_subscription();
        let success = response.is_success();
        let (json, notify, _) = response.into_parts();
        if let Some(notify) = notify {
            notify.notify(success);
        }
        if let Some(routes) = routes
            && !delivered_by_sink
        {
            // No copy will come through the sink: nothing left to route.
            lock(routes).remove(&substitute);
        }
        if delivered_by_sink && !in_batch {
            return None;
        }
        Some(framing::readdress(json.get(), id.get()))
    }
}

/// The message to send for a sink message: notifications as they are, a subscription answer
/// re-addressed (or dropped when its batch carries it).
pub fn route_sink_message(routes: &Routes, message: &RawValue) -> Option<String> {
    let Some(substitute) = framing::substitute_id(message.get()) else {
        return Some(message.get().to_string());
    };
    match lock(routes).remove(&substitute) {
        Some(Routed::Single(id)) => Some(framing::readdress(message.get(), &id)),
        Some(Routed::InBatch) | None => None,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
