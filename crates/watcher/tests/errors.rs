//! What the watcher says when the L1 endpoint cannot be reached: one line holding the cause
//! the OS gave, not only the HTTP client's "error sending request".

use alloy_primitives::Address;
use basalt_storage::Database;
use basalt_watcher::{L1Watcher, WatcherConfig, WatcherError};
use std::{net::TcpListener, sync::Arc};

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_reported_with_its_cause_once() {
    // A port nothing listens on: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let db = Arc::new(Database::in_memory().unwrap());
    let watcher = L1Watcher::new(WatcherConfig::new(&url, Address::ZERO, 0, 1), db).unwrap();
    let err = watcher.poll_once().await.unwrap_err();
    assert!(matches!(err, WatcherError::Rpc { .. }), "{err:?}");
    assert!(!err.is_critical());
    let message = err.to_string();
    assert!(message.starts_with(&format!("L1 endpoint {url}: error sending request")), "{message}");
    assert!(message.to_lowercase().contains("connection refused"), "{message}");
    assert_eq!(message.matches("error sending request").count(), 1, "{message}");
    assert_eq!(message.to_lowercase().matches("connection refused").count(), 1, "{message}");
    assert!(!message.contains('\n'), "{message}");
    // The health report a /health endpoint serves carries the same line.
    assert_eq!(watcher.health().borrow().last_error.as_deref(), Some(message.as_str()));
}
