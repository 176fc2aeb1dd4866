//! JSON-RPC 2.0 framing of a real `basalt l1`, over HTTP and WebSocket: every request the
//! specification allows is executed and answered with its id written back exactly (negative,
//! fractional, huge numbers, strings, null); notifications are executed and never answered; a
//! batch answers each call entry in order and an all-notification batch gets no body; every
//! other entry gets -32600 with id null. Generated envelopes (proptest) check the whole space
//! against a model of the specification; fixed cases check execution side effects.

use basalt_test_harness::{BasaltL1, http_post, rpc_call};
use proptest::prelude::*;
use serde_json::{Value, json, value::RawValue};
use std::{net::TcpStream, path::Path, time::Duration};
use tungstenite::{Message, WebSocket, stream::MaybeTlsStream};

fn start() -> BasaltL1 {
    BasaltL1::start(Path::new(env!("CARGO_BIN_EXE_basalt")), &["--no-mining"])
}

/// One generated request entry and what the specification says must come back.
#[derive(Clone, Debug)]
struct Envelope {
    text: String,
    expect: Expect,
}

#[derive(Clone, Debug, PartialEq)]
enum Expect {
    /// A call: an answer whose id is exactly this text, with a result (or, for an unknown
    /// method, -32601).
    Answer { id: String, known_method: bool },
    /// A notification: nothing.
    Silence,
    /// Not a valid request: -32600 with id null.
    Invalid,
}

fn id_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (1u8..40).prop_map(|n| format!("1{}", "7".repeat(usize::from(n)))),
        (any::<i32>(), 1u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
        (any::<i16>(), -20i8..20).prop_map(|(a, e)| format!("{a}e{e}")),
        Just("-0".to_string()),
        Just("null".to_string()),
        ".*".prop_map(|s: String| serde_json::to_string(&s).unwrap()),
        Just(r#""\u0041\n\"quoted\"""#.to_string()),
    ]
}

fn envelope() -> impl Strategy<Value = Envelope> {
    let method = prop_oneof![
        Just(("\"eth_chainId\"".to_string(), Some(true))),
        Just(("\"web3_clientVersion\"".to_string(), Some(true))),
        Just(("\"net_version\"".to_string(), Some(true))),
        Just(("\"no_suchMethod\"".to_string(), Some(false))),
        Just(("5".to_string(), None)),
        Just(("null".to_string(), None)),
    ];
    let params = prop_oneof![
        Just((None, true)),
        Just((Some("[]"), true)),
        Just((Some("{}"), true)),
        Just((Some("null"), false)),
        Just((Some("\"x\""), false)),
        Just((Some("7"), false)),
    ];
    let version = prop_oneof![
        4 => Just((Some("\"2.0\""), true)),
        1 => Just((None, false)),
        1 => Just((Some("\"1.0\""), false)),
        1 => Just((Some("2"), false)),
    ];
    let id = prop_oneof![
        6 => id_text().prop_map(|id| (Some(id), true)),
        2 => Just((None, true)),
        1 => prop_oneof![Just("true"), Just("{}"), Just("[1]")].prop_map(|id| (Some(id.to_string()), false)),
    ];
    (method, params, version, id).prop_map(
        |((method, known), (params, params_ok), (version, version_ok), (id, id_ok))| {
            let mut members = Vec::new();
            if let Some(version) = version {
                members.push(format!("\"jsonrpc\":{version}"));
            }
            if let Some(id) = &id {
                members.push(format!("\"id\":{id}"));
            }
            members.push(format!("\"method\":{method}"));
            if let Some(params) = params {
                members.push(format!("\"params\":{params}"));
            }
            let valid = known.is_some() && params_ok && version_ok && id_ok;
            let expect = match (valid, id) {
                (false, _) => Expect::Invalid,
                (true, None) => Expect::Silence,
                (true, Some(id)) => Expect::Answer { id, known_method: known == Some(true) },
            };
            Envelope { text: format!("{{{}}}", members.join(",")), expect }
        },
    )
}

/// Checks one answer object against what was expected of its entry.
fn check_answer(answer: &RawValue, expect: &Expect) -> Result<(), TestCaseError> {
    let parts: std::collections::BTreeMap<String, &RawValue> =
        serde_json::from_str(answer.get())
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", answer.get())))?;
    let field = |key: &str| -> Option<Value> {
        parts.get(key).and_then(|raw| serde_json::from_str(raw.get()).ok())
    };
    prop_assert_eq!(field("jsonrpc"), Some(json!("2.0")), "{}", answer.get());
    let id = parts.get("id").map_or("<none>", |raw| raw.get());
    let keys: Vec<&str> = parts.keys().map(String::as_str).collect();
    prop_assert!(
        keys == ["error", "id", "jsonrpc"] || keys == ["id", "jsonrpc", "result"],
        "{}",
        answer.get()
    );
    match expect {
        Expect::Answer { id: expected_id, known_method } => {
            prop_assert_eq!(id, expected_id.as_str(), "{}", answer.get());
            if *known_method {
                prop_assert!(field("result").is_some(), "{}", answer.get());
            } else {
                prop_assert_eq!(&field("error").unwrap_or_default()["code"], -32601);
            }
        }
        Expect::Invalid => {
            prop_assert_eq!(id, "null", "{}", answer.get());
            prop_assert_eq!(&field("error").unwrap_or_default()["code"], -32600);
        }
        Expect::Silence => prop_assert!(false, "a notification was answered: {}", answer.get()),
    }
    Ok(())
}

/// Checks a whole body's answer (None: nothing came back).
fn check_body(
    entries: &[Envelope],
    batch: bool,
    answer: Option<&str>,
) -> Result<(), TestCaseError> {
    let expected: Vec<&Expect> =
        entries.iter().map(|e| &e.expect).filter(|e| **e != Expect::Silence).collect();
    if !batch {
        return match (expected.first(), answer) {
            (None, None) => Ok(()),
            (None, Some(text)) => {
                Err(TestCaseError::fail(format!("notification answered: {text}")))
            }
            (Some(_), None) => Err(TestCaseError::fail("no answer to a call")),
            (Some(expect), Some(text)) => {
                let raw: &RawValue = serde_json::from_str(text)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
                check_answer(raw, expect)
            }
        };
    }
    let Some(text) = answer else {
        prop_assert!(expected.is_empty(), "no answer to a batch with calls");
        return Ok(());
    };
    prop_assert!(!expected.is_empty(), "an all-notification batch was answered: {}", text);
    let answers: Vec<&RawValue> =
        serde_json::from_str(text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
    prop_assert_eq!(answers.len(), expected.len(), "{}", text);
    for (answer, expect) in answers.iter().zip(expected) {
        check_answer(answer, expect)?;
    }
    Ok(())
}

fn body_of(entries: &[Envelope], batch: bool) -> String {
    let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
    if batch { format!("[{}]", texts.join(",")) } else { texts[0].to_string() }
}

fn http_answer(node: &BasaltL1, body: &str) -> Option<String> {
    let (status, text) = http_post(node.port, body.as_bytes());
    assert_eq!(status, 200, "{body} -> {status} {text}");
    (!text.is_empty()).then_some(text)
}

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

fn ws_connect(node: &BasaltL1) -> Socket {
    let (socket, _) = tungstenite::connect(node.ws_url.as_str()).expect("WebSocket connects");
    if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    }
    socket
}

fn ws_next_text(socket: &mut Socket) -> String {
    loop {
        match socket.read().expect("a WebSocket message") {
            Message::Text(text) => return text.to_string(),
            Message::Binary(bytes) => return String::from_utf8(bytes.to_vec()).unwrap(),
            _ => continue,
        }
    }
}

/// Sends `body` and reads its answer. A body that must get none is followed by a sentinel
/// call whose answer must be the next message (a wrong answer arriving later still shows up:
/// as an unexpected first message of the next exchange).
fn ws_answer(socket: &mut Socket, body: &str, answered: bool) -> Option<String> {
    socket.send(Message::text(body)).unwrap();
    if answered {
        return Some(ws_next_text(socket));
    }
    socket
        .send(Message::text(r#"{"jsonrpc":"2.0","id":"sentinel","method":"eth_chainId"}"#))
        .unwrap();
    let first = ws_next_text(socket);
    if first == r#"{"jsonrpc":"2.0","id":"sentinel","result":"0x7a69"}"# {
        return None;
    }
    let sentinel = ws_next_text(socket);
    assert!(sentinel.contains(r#""id":"sentinel""#), "{sentinel}");
    Some(first)
}

/// Whether anything must come back for `entries`.
fn answered(entries: &[Envelope]) -> bool {
    entries.iter().any(|e| e.expect != Expect::Silence)
}

#[test]
fn generated_envelopes_are_answered_as_json_rpc_2_says_over_http_and_websocket() {
    let node = start();
    let socket = std::cell::RefCell::new(ws_connect(&node));
    let config = ProptestConfig { cases: 400, failure_persistence: None, ..Default::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let strategy = (proptest::collection::vec(envelope(), 1..6), any::<bool>());
    runner
        .run(&strategy, |(entries, batch)| {
            let entries = if batch { entries } else { entries[..1].to_vec() };
            let body = body_of(&entries, batch);
            check_body(&entries, batch, http_answer(&node, &body).as_deref())?;
            check_body(
                &entries,
                batch,
                ws_answer(&mut socket.borrow_mut(), &body, answered(&entries)).as_deref(),
            )?;
            Ok(())
        })
        .unwrap_or_else(|err| panic!("{err}\nnode log:\n{}", node.log()));
}

#[test]
fn notifications_and_unusual_ids_are_executed() {
    let node = start();
    let target = "0x00000000000000000000000000000000000000f1";
    let balance =
        |node: &BasaltL1| rpc_call(node.port, "eth_getBalance", json!([target]))["result"].clone();

    // A notification runs (and says nothing).
    let notification =
        format!(r#"{{"jsonrpc":"2.0","method":"anvil_setBalance","params":["{target}","0x11"]}}"#);
    assert_eq!(http_answer(&node, &notification), None);
    assert_eq!(balance(&node), "0x11");

    // A negative id runs and is echoed.
    let negative = format!(
        r#"{{"jsonrpc":"2.0","id":-1,"method":"anvil_setBalance","params":["{target}","0x22"]}}"#
    );
    let answer: Value = serde_json::from_str(&http_answer(&node, &negative).unwrap()).unwrap();
    assert_eq!(answer, json!({"jsonrpc": "2.0", "id": -1, "result": null}));
    assert_eq!(balance(&node), "0x22");

    // In a batch: the negative-id entry is answered, the notification runs silently, the
    // invalid entry gets -32600 with id null, in order.
    let batch = format!(
        r#"[{{"jsonrpc":"2.0","id":-7.5,"method":"eth_chainId"}},
            {{"jsonrpc":"2.0","method":"anvil_setBalance","params":["{target}","0x33"]}},
            {{"jsonrpc":"2.0","id":2,"method":"eth_chainId","params":"bad"}},
            {{"jsonrpc":"2.0","id":"x","method":"eth_chainId"}}]"#
    );
    let text = http_answer(&node, &batch).unwrap();
    assert!(text.starts_with(r#"[{"jsonrpc":"2.0","id":-7.5,"result":"0x7a69"}"#), "{text}");
    let answers: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(answers.len(), 3, "{text}");
    assert_eq!(answers[1]["id"], Value::Null);
    assert_eq!(answers[1]["error"]["code"], -32600);
    assert_eq!(answers[2]["id"], "x");
    assert_eq!(balance(&node), "0x33");

    // An all-notification batch gets no body; both ran.
    let silent = format!(
        r#"[{{"jsonrpc":"2.0","method":"anvil_setBalance","params":["{target}","0x44"]}},
            {{"jsonrpc":"2.0","method":"evm_mine"}}]"#
    );
    assert_eq!(http_answer(&node, &silent), None);
    assert_eq!(balance(&node), "0x44");
    assert_eq!(rpc_call(node.port, "eth_blockNumber", json!([]))["result"], "0x1");

    // The same over WebSocket.
    let mut socket = ws_connect(&node);
    let ws_notification =
        format!(r#"{{"jsonrpc":"2.0","method":"anvil_setBalance","params":["{target}","0x55"]}}"#);
    assert_eq!(ws_answer(&mut socket, &ws_notification, false), None);
    // A WebSocket session runs its messages concurrently: the sentinel's answer can come before
    // the notification has run, which has no answer to wait for.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while balance(&node) != "0x55" && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(balance(&node), "0x55");
    let big = "123456789012345678901234567890";
    let answer = ws_answer(
        &mut socket,
        &format!(r#"{{"jsonrpc":"2.0","id":{big},"method":"eth_chainId"}}"#),
        true,
    )
    .unwrap();
    assert_eq!(answer, format!(r#"{{"jsonrpc":"2.0","id":{big},"result":"0x7a69"}}"#));
}

#[test]
fn subscriptions_over_websocket_keep_their_ids_and_http_refuses_them_as_geth_does() {
    let node = start();
    // Over plain HTTP: geth's -32601 "notifications not supported", and nothing logged.
    let refused = rpc_call(node.port, "eth_subscribe", json!(["newHeads"]));
    assert_eq!(refused["error"], json!({"code": -32601, "message": "notifications not supported"}));
    let refused = rpc_call(node.port, "eth_unsubscribe", json!(["0x1"]));
    assert_eq!(refused["error"]["code"], -32000, "{refused}");
    assert!(!node.log().to_lowercase().contains("error"), "{}", node.log());

    // Over WebSocket: the subscription answer carries the client's id (a negative number),
    // then notifications follow; a subscription in a batch is answered in the batch.
    let mut socket = ws_connect(&node);
    socket
        .send(Message::text(
            r#"{"jsonrpc":"2.0","id":-3,"method":"eth_subscribe","params":["newHeads"]}"#,
        ))
        .unwrap();
    let answer: Value = serde_json::from_str(&ws_next_text(&mut socket)).unwrap();
    assert_eq!(answer["id"], -3, "{answer}");
    let subscription = answer["result"].as_str().expect("a subscription id").to_string();
    assert!(subscription.starts_with("0x"), "{subscription}");
    rpc_call(node.port, "evm_mine", json!([]));
    let notification: Value = serde_json::from_str(&ws_next_text(&mut socket)).unwrap();
    assert_eq!(notification["method"], "eth_subscription");
    assert_eq!(notification["params"]["subscription"], subscription.as_str());
    assert_eq!(notification["params"]["result"]["number"], "0x1");

    socket
        .send(Message::text(
            r#"[{"jsonrpc":"2.0","id":"s","method":"eth_subscribe","params":["newPendingTransactions"]},{"jsonrpc":"2.0","id":1.5,"method":"eth_unsubscribe","params":["0xdead"]}]"#,
        ))
        .unwrap();
    let batch: Value = serde_json::from_str(&ws_next_text(&mut socket)).unwrap();
    assert_eq!(batch[0]["id"], "s", "{batch}");
    assert!(batch[0]["result"].is_string(), "{batch}");
    assert_eq!(batch[1]["id"], 1.5, "{batch}");
    let unsubscribe = format!(
        r#"{{"jsonrpc":"2.0","id":null,"method":"eth_unsubscribe","params":["{subscription}"]}}"#
    );
    let answer = ws_answer(&mut socket, &unsubscribe, true).unwrap();
    assert_eq!(answer, r#"{"jsonrpc":"2.0","id":null,"result":true}"#);
}
