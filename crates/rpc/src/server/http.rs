//! HTTP transport: one POST body per exchange (a request or a batch), JSON content type,
//! bodies over the limit refused with 413. A body of notifications only gets an empty 200
//! answer, as geth gives it. WebSocket upgrades are handed to [`super::ws`].

use super::{Shared, dispatch::Connection, session::Session, ws};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use std::sync::{Arc, atomic::AtomicU64};

pub type HttpResponse = Response<Full<Bytes>>;

/// Answers one HTTP request.
pub async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> HttpResponse {
    if soketto::handshake::http::is_upgrade_request(&request) {
        return ws::upgrade(shared, request);
    }
    if request.method() != Method::POST {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "JSON-RPC takes POST requests");
    }
    if !is_json(request.headers().get(header::CONTENT_TYPE)) {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "JSON-RPC requests need Content-Type: application/json",
        );
    }
    let limit = shared.config.max_request_bytes as usize;
    let body = match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request bodies are limited to {limit} bytes"),
            );
        }
        Err(err) => return plain(StatusCode::BAD_REQUEST, &format!("reading the body: {err}")),
    };
    let text = String::from_utf8_lossy(&body);
    let next_id = AtomicU64::new(0);
    let session = Session {
        dispatcher: &shared.dispatcher,
        connection: &Connection::Http,
        max_batch: shared.config.max_batch as usize,
        next_id: &next_id,
        routes: None,
    };
    match session.answer(&text).await {
        Some(answer) => json(answer),
        None => json(String::new()),
    }
}

fn is_json(content_type: Option<&http::HeaderValue>) -> bool {
    let Some(value) = content_type.and_then(|v| v.to_str().ok()) else { return false };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

fn json(body: String) -> HttpResponse {
    response(StatusCode::OK, "application/json; charset=utf-8", body)
}

fn plain(status: StatusCode, text: &str) -> HttpResponse {
    response(status, "text/plain", text.to_string())
}

pub fn response(status: StatusCode, content_type: &'static str, body: String) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    response
}
