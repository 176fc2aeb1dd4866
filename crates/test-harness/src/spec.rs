//! The Ethereum JSON-RPC specification (execution-apis, OpenRPC YAML) read as it is shipped in
//! `../shared/specs/execution-apis/src`, and a validator for the JSON-schema subset it uses:
//! `$ref` (with JSON-pointer tails), `type`, `pattern`, `enum`, `const`, `minimum`/`maximum`,
//! `required`, `properties`, `patternProperties`, `additionalProperties`, `items`, `allOf`,
//! `anyOf`, `oneOf`, `not`.
//!
//! Strict about keys: the spec's object schemas mostly lack `additionalProperties: false`, so
//! an object may carry only the keys some schema applied to it declares (as JSON Schema's
//! `unevaluatedProperties: false` would say), unless a schema there allows any key
//! (`additionalProperties` given as a schema, or an object schema that declares no
//! properties at all). Test-only.

use serde_json::{Map, Value};
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// The spec's methods, schemas and error groups.
pub struct Spec {
    schemas: Map<String, Value>,
    methods: BTreeMap<String, Value>,
    error_groups: Map<String, Value>,
}

/// The keys a schema evaluated at one object instance.
#[derive(Default)]
struct Evaluated {
    keys: BTreeSet<String>,
    /// Some schema there allows any key.
    open: bool,
}

impl Evaluated {
    fn merge(&mut self, other: Evaluated) {
        self.keys.extend(other.keys);
        self.open |= other.open;
    }
}

/// The spec directory shipped beside the repository (`../shared/specs/execution-apis/src`).
pub fn spec_dir() -> PathBuf {
    crate::repo_root().join("../shared/specs/execution-apis/src")
}

fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    files
}

impl Spec {
    /// Reads every method (`eth`, `debug`, `txpool`, `testing`), every schema (including the
    /// engine API's, which `testing_buildBlockV1` refers to) and every error group.
    pub fn load(dir: &Path) -> Self {
        let mut schemas = Map::new();
        for sub in ["schemas", "engine/openrpc/schemas"] {
            for file in yaml_files(&dir.join(sub)) {
                if let Value::Object(map) = read_yaml(&file) {
                    schemas.extend(map);
                }
            }
        }
        let mut methods = BTreeMap::new();
        for sub in ["eth", "debug", "txpool", "testing"] {
            for file in yaml_files(&dir.join(sub)) {
                let Value::Array(list) = read_yaml(&file) else { continue };
                for method in list {
                    if let Some(name) = method["name"].as_str() {
                        methods.insert(name.to_string(), method.clone());
                    }
                }
            }
        }
        let mut error_groups = Map::new();
        for file in yaml_files(&dir.join("error-groups")) {
            if let Value::Object(map) = read_yaml(&file) {
                error_groups.extend(map);
            }
        }
        Self { schemas, methods, error_groups }
    }

    /// Every method name the spec defines, sorted.
    pub fn method_names(&self) -> Vec<String> {
        self.methods.keys().cloned().collect()
    }

    /// The result schema of `method`.
    pub fn result_schema(&self, method: &str) -> &Value {
        &self.method(method)["result"]["schema"]
    }

    fn method(&self, method: &str) -> &Value {
        self.methods.get(method).unwrap_or_else(|| panic!("{method} is not in the spec"))
    }

    /// Checks `result` against `method`'s result schema; the error names the first mismatch
    /// with its path.
    pub fn check_result(&self, method: &str, result: &Value) -> Result<(), String> {
        self.check_value(self.result_schema(method), result, "result")
    }

    /// Checks `value` against `schema` (which may contain `$ref`s into the spec).
    pub fn check_value(&self, schema: &Value, value: &Value, path: &str) -> Result<(), String> {
        let evaluated = self.check(schema, value, path)?;
        if let Value::Object(object) = value
            && !evaluated.open
            && let Some(extra) = object.keys().find(|k| !evaluated.keys.contains(*k))
        {
            return Err(format!(
                "{path}: key `{extra}` is not in the schema (allowed: {:?})",
                evaluated.keys
            ));
        }
        Ok(())
    }

    /// Checks `value` against the spec's schema named `name` (e.g. `OpcodeTransactionTrace`,
    /// where a method's result schema also admits any value).
    pub fn check_named(&self, name: &str, value: &Value) -> Result<(), String> {
        self.check_value(
            &serde_json::json!({"$ref": format!("#/components/schemas/{name}")}),
            value,
            name,
        )
    }

    /// The error codes `method` may answer with: its own `errors`, its `error-groups`, and the
    /// JSON-RPC standard and non-standard groups every method can meet.
    pub fn error_codes(&self, method: &str) -> BTreeSet<i64> {
        let spec = self.method(method);
        let mut codes: BTreeSet<i64> = spec["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["code"].as_i64())
            .collect();
        let mut groups = vec![
            "#/components/error-groups/JSONRPCStandardErrors".to_string(),
            "#/components/error-groups/JSONRPCNonStandardErrors".to_string(),
        ];
        groups.extend(
            spec["error-groups"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|g| g["$ref"].as_str().map(str::to_string)),
        );
        for group in groups {
            let name = group.trim_start_matches("#/components/error-groups/");
            let group = self
                .error_groups
                .get(name)
                .unwrap_or_else(|| panic!("{method}: unknown error group {name}"));
            codes.extend(
                group["errors"].as_array().into_iter().flatten().filter_map(|e| e["code"].as_i64()),
            );
        }
        codes
    }

    /// Checks an error object `method` answered with: a listed code, a message, and `data`
    /// only where the spec gives the code data (no other keys).
    pub fn check_error(&self, method: &str, error: &Value) -> Result<(), String> {
        let Value::Object(object) = error else {
            return Err(format!("error {error} is not an object"));
        };
        let code =
            object.get("code").and_then(Value::as_i64).ok_or("error without an integer code")?;
        if !self.error_codes(method).contains(&code) {
            return Err(format!(
                "{method}: code {code} is not among the spec's {:?}",
                self.error_codes(method)
            ));
        }
        if object.get("message").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(format!("{method}: error without a message: {error}"));
        }
        let data_schema = self.method(method)["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["code"].as_i64() == Some(code) && !e["data"].is_null())
            .map(|e| &e["data"]);
        for key in object.keys() {
            match (key.as_str(), data_schema) {
                ("code" | "message", _) => {}
                ("data", Some(schema)) => {
                    self.check_value(schema, &object["data"], "error.data")?
                }
                (key, _) => {
                    return Err(format!(
                        "{method}: error carries `{key}`, which the spec does not give code {code}: {error}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// The schema a `$ref` names (`#/components/schemas/Name/...`).
    fn resolve(&self, reference: &str) -> &Value {
        let pointer = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unsupported $ref {reference}"));
        let (name, rest) = pointer.split_once('/').unwrap_or((pointer, ""));
        let schema = self.schemas.get(name).unwrap_or_else(|| panic!("unknown schema {name}"));
        if rest.is_empty() {
            schema
        } else {
            schema
                .pointer(&format!("/{rest}"))
                .unwrap_or_else(|| panic!("$ref {reference} points at nothing"))
        }
    }

    /// Validates one schema at one instance (without the strict-key check at this level,
    /// which [`Spec::check_value`] does once every schema there has been applied).
    fn check(&self, schema: &Value, value: &Value, path: &str) -> Result<Evaluated, String> {
        let Value::Object(schema) = schema else {
            // `true`, or an absent schema: anything goes.
            return Ok(Evaluated { open: true, ..Default::default() });
        };
        let mut evaluated = Evaluated::default();
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            evaluated.merge(self.check(self.resolve(reference), value, path)?);
        }
        if let Some(expected) = schema.get("type") {
            let types: Vec<&str> = match expected {
                Value::String(t) => vec![t.as_str()],
                Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !types.iter().any(|t| type_matches(t, value)) {
                return Err(format!("{path}: {value} is not of type {types:?}"));
            }
        }
        if let (Some(pattern), Value::String(text)) = (schema.get("pattern"), value) {
            let pattern = pattern.as_str().unwrap_or_default();
            let regex = regex::Regex::new(pattern)
                .unwrap_or_else(|e| panic!("spec pattern {pattern}: {e}"));
            if !regex.is_match(text) {
                return Err(format!("{path}: {text:?} does not match {pattern}"));
            }
        }
        if let Some(Value::Array(options)) = schema.get("enum")
            && !options.contains(value)
        {
            return Err(format!("{path}: {value} is not one of {options:?}"));
        }
        if let Some(constant) = schema.get("const")
            && constant != value
        {
            return Err(format!("{path}: {value} is not {constant}"));
        }
        if let Some(number) = value.as_f64() {
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && number < min
            {
                return Err(format!("{path}: {number} is below {min}"));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && number > max
            {
                return Err(format!("{path}: {number} is above {max}"));
            }
        }
        if let Value::Array(items) = value
            && let Some(item_schema) = schema.get("items")
        {
            for (index, item) in items.iter().enumerate() {
                self.check_value(item_schema, item, &format!("{path}[{index}]"))?;
            }
        }
        if let Value::Object(object) = value {
            evaluated.merge(self.check_object(schema, object, path)?);
        }
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for sub in all {
                evaluated.merge(self.check(sub, value, path)?);
            }
        }
        if let Some(Value::Array(any)) = schema.get("anyOf") {
            let passing: Vec<Evaluated> =
                any.iter().filter_map(|sub| self.check(sub, value, path).ok()).collect();
            if passing.is_empty() {
                let reasons: Vec<String> =
                    any.iter().filter_map(|sub| self.check(sub, value, path).err()).collect();
                return Err(format!("{path}: matches no anyOf branch: {reasons:#?}"));
            }
            passing.into_iter().for_each(|p| evaluated.merge(p));
        }
        if let Some(Value::Array(one)) = schema.get("oneOf") {
            let results: Vec<Result<Evaluated, String>> =
                one.iter().map(|sub| self.check(sub, value, path)).collect();
            let passing = results.iter().filter(|r| r.is_ok()).count();
            if passing != 1 {
                let reasons: Vec<&String> =
                    results.iter().filter_map(|r| r.as_ref().err()).collect();
                return Err(format!(
                    "{path}: matches {passing} oneOf branches, not one: {reasons:#?}"
                ));
            }
            results.into_iter().flatten().for_each(|p| evaluated.merge(p));
        }
        if let Some(negated) = schema.get("not")
            && self.check(negated, value, path).is_ok()
        {
            return Err(format!("{path}: matches a schema it must not"));
        }
        Ok(evaluated)
    }

    fn check_object(
        &self,
        schema: &Map<String, Value>,
        object: &Map<String, Value>,
        path: &str,
    ) -> Result<Evaluated, String> {
        let mut evaluated = Evaluated::default();
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                return Err(format!("{path}: required key `{key}` is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(properties) = properties {
            for (key, sub) in properties {
                evaluated.keys.insert(key.clone());
                if let Some(item) = object.get(key) {
                    self.check_value(sub, item, &format!("{path}.{key}"))?;
                }
            }
        }
        let patterns = schema.get("patternProperties").and_then(Value::as_object);
        for (pattern, sub) in patterns.into_iter().flatten() {
            let regex = regex::Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            for (key, item) in object.iter().filter(|(k, _)| regex.is_match(k)) {
                evaluated.keys.insert(key.clone());
                self.check_value(sub, item, &format!("{path}.{key}"))?;
            }
        }
        match schema.get("additionalProperties") {
            Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) => evaluated.open = true,
            Some(sub) => {
                for (key, item) in object {
                    if !evaluated.keys.contains(key) {
                        self.check_value(sub, item, &format!("{path}.{key}"))?;
                    }
                }
                evaluated.open = true;
            }
            None => {
                // An object schema that names no keys at all is free-form.
                let composed =
                    ["$ref", "allOf", "anyOf", "oneOf"].iter().any(|k| schema.contains_key(*k));
                if properties.is_none() && patterns.is_none() && !composed {
                    evaluated.open = true;
                }
            }
        }
        Ok(evaluated)
    }
}

fn type_matches(expected: &str, value: &Value) -> bool {
    match expected {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        other => panic!("unknown schema type {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Spec {
        Spec::load(&spec_dir())
    }

    #[test]
    fn extra_and_missing_keys_are_refused_even_without_additional_properties_false() {
        let spec = spec();
        let header = json!({"pending": "0x1", "queued": "0x0"});
        assert_eq!(spec.check_result("txpool_status", &header), Ok(()));
        let extra = json!({"pending": "0x1", "queued": "0x0", "total": "0x1"});
        assert!(spec.check_result("txpool_status", &extra).unwrap_err().contains("total"));
        let missing = json!({"pending": "0x1"});
        assert!(spec.check_result("txpool_status", &missing).unwrap_err().contains("queued"));
        let leading_zero = json!({"pending": "0x01", "queued": "0x0"});
        assert!(spec.check_result("txpool_status", &leading_zero).is_err());
    }

    #[test]
    fn composed_schemas_allow_the_union_of_their_keys() {
        let spec = spec();
        let legacy = json!({
            "blockHash": format!("0x{}", "11".repeat(32)), "blockNumber": "0x1",
            "blockTimestamp": "0x5", "from": format!("0x{}", "22".repeat(20)),
            "hash": format!("0x{}", "33".repeat(32)), "transactionIndex": "0x0",
            "type": "0x0", "nonce": "0x0", "gas": "0x5208", "value": "0x0", "input": "0x",
            "gasPrice": "0x1", "to": null, "v": "0x1b", "r": "0x1", "s": "0x2"
        });
        assert_eq!(spec.check_result("eth_getTransactionByHash", &legacy), Ok(()));
        let mut without_timestamp = legacy.clone();
        without_timestamp.as_object_mut().unwrap().remove("blockTimestamp");
        assert!(spec.check_result("eth_getTransactionByHash", &without_timestamp).is_err());
        let mut with_y_parity = legacy.clone();
        with_y_parity["yParity"] = json!("0x0");
        assert!(spec.check_result("eth_getTransactionByHash", &with_y_parity).is_err());
        assert_eq!(spec.check_result("eth_getTransactionByHash", &Value::Null), Ok(()));
    }

    #[test]
    fn error_objects_carry_only_what_the_spec_gives() {
        let spec = spec();
        let invalid = json!({"code": -32602, "message": "invalid argument"});
        assert_eq!(spec.check_error("eth_getBalance", &invalid), Ok(()));
        let with_data = json!({"code": -32602, "message": "Invalid params", "data": "x"});
        assert!(spec.check_error("eth_getBalance", &with_data).is_err());
        let revert = json!({"code": 3, "message": "execution reverted", "data": "0x12"});
        assert_eq!(spec.check_error("eth_call", &revert), Ok(()));
        assert!(spec.check_error("eth_getBalance", &revert).is_err());
    }
}
