//! JSON-RPC 2.0 envelopes, parsed and answered by Basalt rather than by jsonrpsee, whose
//! `Id` type holds only strings and unsigned 64-bit numbers. Every id JSON-RPC 2.0 allows
//! (string, number of any sign, size or fraction, null) is kept as its exact text and written
//! back unchanged; a request without an `id` member is a notification (executed, never
//! answered); anything else is -32600 with id null. Pure functions, no I/O.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// JSON-RPC 2.0 "Parse error".
pub const PARSE_ERROR: i32 = -32700;
/// JSON-RPC 2.0 "Invalid Request".
pub const INVALID_REQUEST: i32 = -32600;

/// One request of a body, as JSON-RPC 2.0 sorts it.
#[derive(Debug)]
pub enum Entry<'a> {
    /// A call: executed, answered with `id` (its exact JSON text).
    Call { id: &'a RawValue, method: String, params: Option<&'a RawValue> },
    /// A notification (no `id` member): executed, not answered.
    Notification { method: String, params: Option<&'a RawValue> },
    /// Not a request JSON-RPC 2.0 allows: answered -32600 with id null; the reason is the
    /// error message.
    Invalid(String),
}

/// A whole request body.
#[derive(Debug)]
pub enum Body<'a> {
    Single(Entry<'a>),
    Batch(Vec<Entry<'a>>),
    /// Not JSON: one -32700 answer.
    Unparsable(String),
    /// `[]`: one -32600 answer (not an empty array).
    EmptyBatch,
}

/// Splits a body into its requests.
pub fn parse_body(body: &str) -> Body<'_> {
    let trimmed = body.trim_start();
    if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<&RawValue>>(body) {
            Ok(items) if items.is_empty() => Body::EmptyBatch,
            Ok(items) => Body::Batch(items.into_iter().map(parse_entry).collect()),
            Err(err) => Body::Unparsable(format!("parse error: {err}")),
        }
    } else {
        match serde_json::from_str::<&RawValue>(body) {
            Ok(value) => Body::Single(parse_entry(value)),
            Err(err) => Body::Unparsable(format!("parse error: {err}")),
        }
    }
}

/// Sorts one request object (see [`Entry`]).
pub fn parse_entry(value: &RawValue) -> Entry<'_> {
    let Ok(members) = serde_json::from_str::<BTreeMap<String, &RawValue>>(value.get()) else {
        return Entry::Invalid("a request must be a JSON object".into());
    };
    match members.get("jsonrpc").map(|v| serde_json::from_str::<&str>(v.get())) {
        Some(Ok("2.0")) => {}
        _ => return Entry::Invalid("\"jsonrpc\" must be \"2.0\"".into()),
    }
    let method = match members.get("method").map(|v| serde_json::from_str::<String>(v.get())) {
        Some(Ok(method)) => method,
        _ => return Entry::Invalid("\"method\" must be a string".into()),
    };
    let params = members.get("params").copied();
    if let Some(params) = params
        && !matches!(params.get().as_bytes().first(), Some(b'[' | b'{'))
    {
        return Entry::Invalid("\"params\" must be an array or an object".into());
    }
    match members.get("id").copied() {
        None => Entry::Notification { method, params },
        Some(id)
            if matches!(id.get().as_bytes().first(), Some(b'"' | b'-' | b'0'..=b'9' | b'n')) =>
        {
            Entry::Call { id, method, params }
        }
        Some(_) => Entry::Invalid("\"id\" must be a string, a number or null".into()),
    }
}

/// The result or error of an answer jsonrpsee produced for a substituted id.
#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

/// `answer` (a response object with any id) re-addressed to `id`, written byte for byte.
pub fn readdress(answer: &str, id: &str) -> String {
    match serde_json::from_str::<Answer<'_>>(answer) {
        Ok(Answer { error: Some(error), .. }) => {
            format!(r#"{{"jsonrpc":"2.0","id":{id},"error":{}}}"#, error.get())
        }
        Ok(Answer { result, .. }) => {
            let result = result.map_or("null", RawValue::get);
            format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{result}}}"#)
        }
        // jsonrpsee always writes a response object; should it not, say so rather than drop
        // the answer.
        Err(err) => error_response(id, -32603, &format!("malformed internal response: {err}")),
    }
}

/// An error response to `id` (JSON text, `null` when the id could not be read).
pub fn error_response(id: &str, code: i32, message: &str) -> String {
    let message = serde_json::to_string(message).unwrap_or_else(|_| "\"error\"".into());
    format!(r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":{code},"message":{message}}}}}"#)
}

/// The answer to an entry that is not a valid request.
pub fn invalid_request(reason: &str) -> String {
    error_response("null", INVALID_REQUEST, &format!("invalid request: {reason}"))
}

/// The answers to a batch as one JSON array (None when every entry was a notification: then
/// nothing at all is sent back).
pub fn batch_response(answers: Vec<String>) -> Option<String> {
    if answers.is_empty() {
        return None;
    }
    Some(format!("[{}]", answers.join(",")))
}

/// The id a jsonrpsee answer or subscription message carries, when it is one of ours (the
/// substitutes are unsigned numbers); None for notifications.
pub fn substitute_id(message: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        id: Option<u64>,
    }
    serde_json::from_str::<Probe>(message).ok()?.id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_id(entry: &Entry<'_>) -> Option<String> {
        match entry {
            Entry::Call { id, .. } => Some(id.get().to_string()),
            _ => None,
        }
    }

    #[test]
    fn every_id_json_rpc_allows_is_kept_as_written() {
        for id in
            ["-1", "1.5", "1e3", "123456789012345678901234567890", "\"a\\u0062\"", "null", "0"]
        {
            let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"m","params":[]}}"#);
            let Body::Single(entry) = parse_body(&body) else { panic!("{body}") };
            assert_eq!(call_id(&entry).as_deref(), Some(id), "{body}");
            let answer = readdress(r#"{"jsonrpc":"2.0","id":7,"result":"0x1"}"#, id);
            let parsed: serde_json::Value = serde_json::from_str(&answer).unwrap();
            assert_eq!(parsed["result"], "0x1");
            assert!(answer.contains(&format!(r#""id":{id},"#)), "{answer}");
        }
    }

    #[test]
    fn requests_json_rpc_does_not_allow_are_invalid() {
        for body in [
            r#"{"jsonrpc":"1.0","id":1,"method":"m"}"#,
            r#"{"id":1,"method":"m"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"m","params":"x"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"m","params":null}"#,
            r#"{"jsonrpc":"2.0","id":true,"method":"m"}"#,
            r#"{"jsonrpc":"2.0","id":{},"method":"m"}"#,
            r#"{"jsonrpc":"2.0","id":[1],"method":"m"}"#,
            "42",
            "\"text\"",
        ] {
            let Body::Single(entry) = parse_body(body) else { panic!("{body}") };
            assert!(matches!(entry, Entry::Invalid(_)), "{body}: {entry:?}");
        }
        let answer = invalid_request("x");
        assert!(answer.contains(r#""id":null"#) && answer.contains("-32600"), "{answer}");
    }

    #[test]
    fn notifications_batches_and_parse_errors() {
        let Body::Single(Entry::Notification { method, .. }) =
            parse_body(r#"{"jsonrpc":"2.0","method":"eth_chainId"}"#)
        else {
            panic!("not a notification")
        };
        assert_eq!(method, "eth_chainId");
        assert!(matches!(parse_body("[]"), Body::EmptyBatch));
        assert!(matches!(parse_body(" [ ] "), Body::EmptyBatch));
        assert!(matches!(parse_body("{"), Body::Unparsable(_)));
        assert!(matches!(parse_body("[1,"), Body::Unparsable(_)));
        let Body::Batch(entries) = parse_body(r#"[1,{"jsonrpc":"2.0","id":-2,"method":"m"}]"#)
        else {
            panic!("not a batch")
        };
        assert!(matches!(entries[0], Entry::Invalid(_)));
        assert_eq!(call_id(&entries[1]).as_deref(), Some("-2"));
        assert_eq!(batch_response(Vec::new()), None);
        assert_eq!(batch_response(vec!["1".into(), "2".into()]).as_deref(), Some("[1,2]"));
    }

    #[test]
    fn errors_and_null_results_are_readdressed() {
        let error =
            r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found"}}"#;
        assert_eq!(
            readdress(error, "\"x\""),
            r#"{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"Method not found"}}"#
        );
        let null = r#"{"jsonrpc":"2.0","id":3,"result":null}"#;
        assert_eq!(readdress(null, "-1"), r#"{"jsonrpc":"2.0","id":-1,"result":null}"#);
        assert_eq!(substitute_id(null), Some(3));
        assert_eq!(substitute_id(r#"{"jsonrpc":"2.0","method":"eth_subscription"}"#), None);
    }
}
