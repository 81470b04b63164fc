//! The contract check every answer of the suite goes through: the answer to
//! `METHOD path` must be one the OpenAPI document describes for that
//! operation and status (or its `default`), and a JSON body must validate
//! against that response's schema. Objects are checked strictly: a field the
//! document does not name fails too, so a drift between the code and the
//! document, either way, fails the test that saw it.
//!
//! Outside the contract, and so not checked: the dashboard's own API
//! (`/dashboard/...`, a private API of the operator UI) and the hosted
//! portal page with its assets (`/portal`, `/portal/...`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Map, Value};

/// The document the server serves (it is built by the same library code).
fn document() -> &'static Value {
    hookrelay::api::openapi::document()
}

fn outside_contract(path: &str) -> bool {
    path == "/portal"
        || path.starts_with("/portal/")
        || path == "/dashboard"
        || path.starts_with("/dashboard/")
}

/// Checks one answer; panics with what is wrong.
pub fn check(method: &str, path: &str, status: u16, content_type: Option<&str>, body: &[u8]) {
    if outside_contract(path) {
        return;
    }
    let method = method.to_ascii_lowercase();
    let what = format!("{} {path} answered {status}", method.to_uppercase());
    let Some(template) = find_template(path) else {
        // The router's fallback: only the error shape is promised.
        assert!(
            matches!(status, 404 | 405),
            "{what}: the route is not in the OpenAPI document"
        );
        return check_json(&what, "#/components/schemas/ErrorBody", content_type, body);
    };
    let op = &document()["paths"][template.as_str()][method.as_str()];
    if !op.is_object() {
        assert_eq!(
            status, 405,
            "{what}: {method} is not documented for {template}"
        );
        return check_json(&what, "#/components/schemas/ErrorBody", content_type, body);
    }
    let code = status.to_string();
    let key = if op["responses"].get(&code).is_some() {
        code.as_str()
    } else {
        "default"
    };
    let response = &op["responses"][key];
    assert!(
        response.is_object(),
        "{what}: status {status} is not documented for {method} {template}"
    );
    let what = format!("{what} ({})", op["operationId"].as_str().unwrap_or("?"));
    let Some(content) = response["content"].as_object() else {
        assert!(
            body.is_empty(),
            "{what}: the document promises no body, got {}",
            String::from_utf8_lossy(body)
        );
        return;
    };
    let declared = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    assert!(
        content.contains_key(&declared),
        "{what}: content-type {declared:?} is not one the document lists ({:?})",
        content.keys().collect::<Vec<_>>()
    );
    if declared == "application/json" {
        let pointer = format!(
            "#/paths/{}/{method}/responses/{key}/content/application~1json/schema",
            // A JSON pointer in a URI fragment: `~` and `/` escaped, braces percent-encoded.
            template
                .replace('~', "~0")
                .replace('/', "~1")
                .replace('{', "%7B")
                .replace('}', "%7D")
        );
        check_json(&what, &pointer, content_type, body);
    }
}

/// The document's path template that routes `path`, as the router picks it:
/// literal segments win over parameters.
fn find_template(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    document()["paths"]
        .as_object()?
        .keys()
        .filter(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            ts.len() == segments.len()
                && ts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })
        .max_by_key(|t| {
            t.split('/')
                .map(|s| if s.starts_with('{') { 0 } else { 1 })
                .collect::<Vec<_>>()
        })
        .cloned()
}

fn check_json(what: &str, pointer: &str, content_type: Option<&str>, body: &[u8]) {
    assert!(
        content_type.is_some_and(|c| c.starts_with("application/json")),
        "{what}: expected a JSON answer, got content-type {content_type:?}"
    );
    let instance: Value =
        serde_json::from_slice(body).unwrap_or_else(|e| panic!("{what}: body is not JSON ({e})"));
    let errors = errors(pointer, &instance);
    assert!(
        errors.is_empty(),
        "{what}: the answer does not match the OpenAPI document:\n  {}\nbody: {instance}",
        errors.join("\n  ")
    );
}

/// What is wrong with `instance` for the (strict) schema at `pointer` of the document.
pub fn errors(pointer: &str, instance: &Value) -> Vec<String> {
    validator(pointer)
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// A compiled validator for the schema at `pointer` in the strict copy of
/// the document, cached for the test binary.
fn validator(pointer: &str) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    static STRICT: OnceLock<Value> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(pointer) {
        return v.clone();
    }
    let strict = STRICT.get_or_init(|| strict_document(document()));
    let mut root = strict.clone();
    root["$ref"] = json!(pointer);
    let compiled = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema at {pointer} does not compile: {e}"));
    let compiled = Arc::new(compiled);
    cache
        .lock()
        .unwrap()
        .insert(pointer.to_string(), compiled.clone());
    compiled
}

/// The document with every object schema closed (`additionalProperties:
/// false` where it names its properties and says nothing else), after
/// merging `allOf` (what `#[serde(flatten)]` becomes) into one object, so
/// that closing it cannot reject the merged-in fields.
fn strict_document(doc: &Value) -> Value {
    let components = doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut strict = doc.clone();
    strict.as_object_mut().unwrap().remove("servers");
    close_all(&mut strict, &components);
    strict
}

fn close_all(v: &mut Value, components: &Map<String, Value>) {
    match v {
        Value::Object(m) => {
            for child in m.values_mut() {
                close_all(child, components);
            }
            if m.contains_key("allOf") {
                merge_all_of(m, components);
            }
            if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                m.insert("additionalProperties".into(), Value::Bool(false));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| close_all(i, components)),
        _ => {}
    }
}

/// Replaces `allOf: [A, B, ...]` by one object schema with the members'
/// properties and required lists (members that are references are looked
/// up, and merged recursively).
fn merge_all_of(m: &mut Map<String, Value>, components: &Map<String, Value>) {
    let members = m
        .remove("allOf")
        .and_then(|a| a.as_array().cloned())
        .unwrap_or_default();
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    for member in members {
        let mut member = resolve(&member, components);
        close_all(&mut member, components);
        if let Some(p) = member["properties"].as_object() {
            properties.extend(p.clone());
        }
        if let Some(r) = member["required"].as_array() {
            required.extend(r.iter().cloned());
        }
    }
    m.insert("type".into(), json!("object"));
    m.insert("properties".into(), Value::Object(properties));
    m.insert("required".into(), Value::Array(required));
    m.remove("additionalProperties");
}

fn resolve(schema: &Value, components: &Map<String, Value>) -> Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => resolve(
            components
                .get(name)
                .unwrap_or_else(|| panic!("no component {name}")),
            components,
        ),
        None => schema.clone(),
    }
}
