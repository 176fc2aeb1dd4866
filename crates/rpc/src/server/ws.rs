//! WebSocket transport: each text (or binary) message is a request or a batch, answered on
//! the same connection, several at a time; subscriptions send their notifications through
//! the connection's sink. Closing the connection ends its subscriptions.

use super::{
    Shared,
    dispatch::Connection,
    http::{HttpResponse, response},
    session::{Routes, Session, route_sink_message},
};
use futures_util::io::{BufReader, BufWriter};
use http::{Request, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use jsonrpsee::server::{BoundedSubscriptions, ConnectionId, MethodSink};
use soketto::{
    connection::{Receiver, Sender},
    handshake::http::Server as Handshake,
};
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

/// Most requests of one connection executed at once; further messages wait.
const MAX_IN_FLIGHT: usize = 64;
/// Messages queued for a slow reader before producers wait.
const OUTGOING_CAPACITY: usize = 1024;
/// Most live subscriptions on one connection.
const MAX_SUBSCRIPTIONS: u32 = 1024;

type Stream = BufReader<BufWriter<Compat<TokioIo<hyper::upgrade::Upgraded>>>>;

/// Accepts the upgrade (101) and serves the connection once hyper hands it over.
pub fn upgrade(shared: Arc<Shared>, request: Request<Incoming>) -> HttpResponse {
    let mut handshake = Handshake::new();
    let accepted = match handshake.receive_request(&request) {
        Ok(accepted) => accepted,
        Err(err) => {
            return response(
                StatusCode::BAD_REQUEST,
                "text/plain",
                format!("WebSocket handshake failed: {err}"),
            );
        }
    };
    tokio::spawn(async move {
        let upgraded = match hyper::upgrade::on(request).await {
            Ok(upgraded) => upgraded,
            Err(err) => {
                tracing::debug!("WebSocket upgrade failed: {err}");
                return;
            }
        };
        let stream = BufReader::new(BufWriter::new(TokioIo::new(upgraded).compat()));
        let mut builder = handshake.into_builder(stream);
        builder.set_max_message_size(shared.config.max_request_bytes as usize);
        let (sender, receiver) = builder.finish();
        serve(shared, sender, receiver).await;
    });
    accepted.map(|()| Default::default())
}

async fn serve(shared: Arc<Shared>, sender: Sender<Stream>, mut receiver: Receiver<Stream>) {
    let conn_id = ConnectionId(shared.next_connection.fetch_add(1, Ordering::Relaxed));
    let (sink_tx, sink_rx) = mpsc::channel(OUTGOING_CAPACITY);
    let (out_tx, out_rx) = mpsc::channel::<String>(OUTGOING_CAPACITY);
    let connection = Arc::new(Connection::WebSocket {
        id: conn_id,
        sink: MethodSink::new_with_limit(sink_tx, shared.config.max_response_bytes),
        subscriptions: BoundedSubscriptions::new(MAX_SUBSCRIPTIONS),
    });
    let routes = Arc::new(Routes::default());
    let next_id = Arc::new(AtomicU64::new(0));
    let writer = tokio::spawn(write_loop(sender, out_rx, sink_rx, routes.clone()));
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut message = Vec::new();
    loop {
        message.clear();
        match receiver.receive_data(&mut message).await {
            Ok(soketto::Data::Text(_) | soketto::Data::Binary(_)) => {}
            Err(soketto::connection::Error::Closed) => break,
            Err(err) => {
                tracing::debug!("WebSocket connection {}: {err}", conn_id.0);
                break;
            }
        }
        let Ok(permit) = in_flight.clone().acquire_owned().await else { break };
        let text = String::from_utf8_lossy(&message).into_owned();
        let (shared, connection, routes, next_id, out_tx) =
            (shared.clone(), connection.clone(), routes.clone(), next_id.clone(), out_tx.clone());
        tokio::spawn(async move {
            let session = Session {
                dispatcher: &shared.dispatcher,
                connection: &connection,
                max_batch: shared.config.max_batch as usize,
                next_id: &next_id,
                routes: Some(&routes),
            };
            if let Some(answer) = session.answer(&text).await {
                let _ = out_tx.send(answer).await;
            }
            drop(permit);
        });
    }
    // Dropping the sink's receiver ends every subscription of the connection.
    writer.abort();
}

/// Sends answers and subscription messages in the order they are ready.
async fn write_loop(
    mut sender: Sender<Stream>,
    mut answers: mpsc::Receiver<String>,
    mut sink: mpsc::Receiver<Box<serde_json::value::RawValue>>,
    routes: Arc<Routes>,
) {
    loop {
        let text = tokio::select! {
            Some(answer) = answers.recv() => answer,
            Some(message) = sink.recv() => match route_sink_message(&routes, &message) {
                Some(text) => text,
                None => continue,
            },
            else => return,
        };
        if sender.send_text_owned(text).await.is_err() || sender.flush().await.is_err() {
            return;
        }
    }
}
