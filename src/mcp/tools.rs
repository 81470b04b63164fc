//! The MCP tools: which exist for whom, their input schemas, and how a
//! call becomes an API request. Most tools are one API operation: their
//! input schema is the operation's parameters and body taken from the
//! OpenAPI document, and the call goes to the very route (same handler,
//! rules and audit entry as any API client). Free of I/O.

use serde_json::{json, Map, Value};

/// Who may see and call a tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Any project API key (write or admin).
    Key,
    /// Admin keys only.
    Admin,
    /// Any portal token (read or write scope).
    Portal,
    /// Portal tokens with the write scope.
    PortalWrite,
}

/// What a credential may do, as the API answered for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Key { admin: bool },
    Portal { write: bool },
}

impl Access {
    pub fn sees(self, audience: Audience) -> bool {
        match (self, audience) {
            (Access::Key { .. }, Audience::Key) => true,
            (Access::Key { admin }, Audience::Admin) => admin,
            (Access::Portal { .. }, Audience::Portal) => true,
            (Access::Portal { write }, Audience::PortalWrite) => write,
            _ => false,
        }
    }
}

/// A tool that more than one request answers (see `mcp::diagnose`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Composite {
    DiagnoseEndpoint,
    TraceEvent,
    Replay,
    TestAndWait,
}

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// One API operation, by operationId.
    Api(&'static str),
    Composite(Composite),
}

pub struct Spec {
    pub name: &'static str,
    pub audience: Audience,
    pub kind: Kind,
    pub description: &'static str,
}

const fn api(
    name: &'static str,
    audience: Audience,
    operation: &'static str,
    description: &'static str,
) -> Spec {
    Spec {
        name,
        audience,
        kind: Kind::Api(operation),
        description,
    }
}

use Audience::{Admin, Key, Portal, PortalWrite};

pub const CATALOGUE: &[Spec] = &[
    // Diagnosis first: what an agent is usually asked.
    Spec {
        name: "diagnose_endpoint",
        audience: Key,
        kind: Kind::Composite(Composite::DiagnoseEndpoint),
        description: "Why is this endpoint (webhook) failing? Its state (enabled, circuit breaker, held deliveries), its last success, and its recent deliveries' last attempts grouped by error kind and HTTP status.",
    },
    Spec {
        name: "trace_event",
        audience: Key,
        kind: Kind::Composite(Composite::TraceEvent),
        description: "What happened to an event? Give an event id (evt_...) or one of its delivery ids (msg_...): every delivery it got (one per endpoint, and replays) with each attempt's time, status, error and duration.",
    },
    Spec {
        name: "replay_deliveries",
        audience: Key,
        kind: Kind::Composite(Composite::Replay),
        description: "Replay the deliveries matching a filter (or only dead letters). With dryRun true (the default) nothing changes: it answers how many match. Call again with dryRun false to start a replay job (see get_replay_job for its progress).",
    },
    Spec {
        name: "send_test_event",
        audience: Key,
        kind: Kind::Composite(Composite::TestAndWait),
        description: "Send a test event to one endpoint and wait (up to waitSeconds, default 20) for its first attempt: answers the delivery with the attempt's status code, error and response excerpt.",
    },
    api("list_webhooks", Key, "webhooks.list", "List the project's webhooks (endpoints), newest first, paged."),
    api("get_webhook", Key, "webhooks.get", "One webhook's settings, circuit breaker state and held count."),
    api("create_webhook", Key, "webhooks.create", "Create a webhook. Its ingest secret and signing secret are in this answer only."),
    api("update_webhook", Key, "webhooks.update", "Change a webhook's settings (enable or disable it, its URL, retries, limits, event types); fields left out stay."),
    api("delete_webhook", Key, "webhooks.delete", "Delete a webhook with its secrets and delivery history."),
    api("send_event", Key, "webhooks.sendEvent", "Send an event (the body, JSON) to one webhook without its ingest secret; it is delivered like an ingested one."),
    api("list_deliveries", Key, "deliveries.list", "List deliveries, newest first, filtered by webhook, status, time, event type or event id; paged."),
    api("get_delivery", Key, "deliveries.get", "One delivery with its payload, request headers and every attempt."),
    api("replay_delivery", Key, "deliveries.replay", "Send one delivery again, as a new delivery (the original stays in history)."),
    api("list_dead_letters", Key, "deadLetters.list", "The dead-letter queue: deliveries that used up their retries, newest first, paged."),
    api("replay_dead_letter", Key, "deadLetters.replay", "Send one dead letter again (it leaves the queue)."),
    api("discard_dead_letter", Key, "deadLetters.discard", "Take one dead letter out of the queue without sending it (kept in history as discarded)."),
    api("get_replay_job", Key, "replayJobs.get", "A bulk replay's progress."),
    api("list_applications", Key, "applications.list", "List applications (the project's customers), paged."),
    api("get_application", Key, "applications.get", "One application."),
    api("create_application", Key, "applications.create", "Create an application (a customer whose endpoints receive messages)."),
    api("send_message", Key, "applications.sendMessage", "Send an application message of an event type: fanned out to the application's endpoints subscribed to it."),
    api("list_event_types", Key, "eventTypes.list", "List the project's event types, paged."),
    api("create_event_type", Key, "eventTypes.create", "Create an event type that application endpoints can subscribe to."),
    api("list_schedules", Key, "schedules.list", "A webhook's schedules (events sent on a cron schedule)."),
    api("create_schedule", Key, "schedules.create", "Create a schedule that sends an event to a webhook on a cron expression."),
    api("pause_schedule", Key, "schedules.pause", "Pause a schedule."),
    api("resume_schedule", Key, "schedules.resume", "Resume a paused schedule."),
    api("delete_schedule", Key, "schedules.delete", "Delete a schedule."),
    api("get_usage", Key, "usage.get", "Events, deliveries, attempts, failures and bytes per period."),
    api("create_portal_link", Key, "portalAccess.createMagicLink", "A one-time link to the customer portal of an application."),
    api("create_portal_token", Key, "portalAccess.createToken", "A portal token (whpt_...) for an application's own tools; shown once."),
    api("get_project", Admin, "project.get", "The project, its tier and limits."),
    api("list_api_keys", Admin, "apiKeys.list", "The project's API keys (never their secrets)."),
    api("create_api_key", Admin, "apiKeys.create", "Create an API key (write or admin); its secret is in this answer only."),
    api("revoke_api_key", Admin, "apiKeys.revoke", "Revoke an API key at once."),
    api("list_audit_log", Admin, "auditLogs.list", "The audit log: who changed what, when, from where; paged."),
    api("list_notification_channels", Admin, "notificationChannels.list", "Where operator notifications (dead letters, auto-disable) go."),
    api("create_notification_channel", Admin, "notificationChannels.create", "Add a notification channel."),
    api("delete_notification_channel", Admin, "notificationChannels.delete", "Remove a notification channel."),
    api("list_endpoints", Portal, "portal.listEndpoints", "This application's endpoints, paged."),
    api("get_endpoint", Portal, "portal.getEndpoint", "One of this application's endpoints."),
    api("list_event_types", Portal, "portal.listEventTypes", "The event types an endpoint can subscribe to."),
    api("list_messages", Portal, "portal.listMessages", "This application's message log, newest first, paged."),
    api("get_message", Portal, "portal.getMessage", "One message with its deliveries."),
    api("list_deliveries", Portal, "portal.listDeliveries", "Deliveries to this application's endpoints, paged."),
    api("get_delivery", Portal, "portal.getDelivery", "One delivery with its attempts."),
    api("create_endpoint", PortalWrite, "portal.createEndpoint", "Add an endpoint to this application."),
    api("update_endpoint", PortalWrite, "portal.updateEndpoint", "Change one of this application's endpoints."),
    api("delete_endpoint", PortalWrite, "portal.deleteEndpoint", "Delete one of this application's endpoints."),
    api("send_test_message", PortalWrite, "portal.sendTestMessage", "Send a test message to one of this application's endpoints."),
    api("replay_delivery", PortalWrite, "portal.replayDelivery", "Send one delivery to this application's endpoint again."),
];

/// Page size of list tools unless the call asks otherwise: small enough
/// for a model's context.
pub const DEFAULT_LIMIT: u64 = 10;
/// Longest string value in an answer unless `maxFieldChars` says otherwise.
pub const DEFAULT_FIELD_CHARS: usize = 2000;

/// The tools `access` has, in catalogue order.
pub fn visible(access: Access) -> impl Iterator<Item = &'static Spec> {
    CATALOGUE.iter().filter(move |s| access.sees(s.audience))
}

pub fn find(access: Access, name: &str) -> Option<&'static Spec> {
    visible(access).find(|s| s.name == name)
}

/// An API operation of the document: its method, path and definition.
pub fn operation(doc: &Value, id: &str) -> Option<(String, String, Value)> {
    doc["paths"].as_object()?.iter().find_map(|(path, item)| {
        item.as_object()?.iter().find_map(|(method, op)| {
            (op["operationId"] == id).then(|| (method.to_uppercase(), path.clone(), op.clone()))
        })
    })
}

/// The input schema of a tool for `op`: its path and query parameters, and
/// `body` for its request body, with the schemas they refer to in `$defs`.
pub fn input_schema(doc: &Value, op: &Value) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let (Some(name), Some(place)) = (p["name"].as_str(), p["in"].as_str()) else {
            continue;
        };
        if !matches!(place, "path" | "query") {
            continue;
        }
        let mut schema = p["schema"].clone();
        if let Some(d) = p["description"].as_str() {
            schema["description"] = json!(d);
        }
        if name == "limit" {
            schema["description"] = json!(format!(
                "Items per page, 1 to 100 (default {DEFAULT_LIMIT} here)."
            ));
        }
        if name == "cursor" {
            schema["description"] = json!("The nextCursor of the previous page.");
        }
        properties.insert(name.to_string(), schema);
        if p["required"] == true {
            required.push(json!(name));
        }
    }
    let body = &op["requestBody"];
    if let Some(schema) = body["content"]
        .as_object()
        .and_then(|c| c.values().next())
        .map(|m| m["schema"].clone())
    {
        let mut schema = schema;
        if let Some(d) = body["description"].as_str() {
            schema["description"] = json!(d);
        }
        properties.insert("body".into(), schema);
        if body["required"] == true {
            required.push(json!("body"));
        }
    }
    properties.insert("maxFieldChars".into(), max_field_chars_schema());
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    schema.insert("required".into(), Value::Array(required));
    schema.insert("additionalProperties".into(), json!(false));
    let defs = referenced_schemas(doc, &Value::Object(schema.clone()));
    if !defs.is_empty() {
        schema.insert("$defs".into(), Value::Object(defs));
    }
    rewrite_refs(&mut Value::Object(schema))
}

fn max_field_chars_schema() -> Value {
    json!({ "type": "integer", "minimum": 100, "maximum": 1000000,
            "description": format!("Longest string value in the answer; longer ones (payloads) are cut and marked (default {DEFAULT_FIELD_CHARS}). Ask again with a larger value to see more.") })
}

/// Every `#/components/schemas/...` that `v` refers to, directly or
/// through other schemas.
fn referenced_schemas(doc: &Value, v: &Value) -> Map<String, Value> {
    let mut found = Map::new();
    let mut todo = Vec::new();
    collect_refs(v, &mut todo);
    while let Some(name) = todo.pop() {
        if found.contains_key(&name) {
            continue;
        }
        let schema = doc["components"]["schemas"][&name].clone();
        collect_refs(&schema, &mut todo);
        found.insert(name, schema);
    }
    found
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(name) = m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_string());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

fn rewrite_refs(v: &mut Value) -> Map<String, Value> {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get_mut("$ref") {
                    if let Some(name) = r.strip_prefix("#/components/schemas/") {
                        *r = format!("#/$defs/{name}");
                    }
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(v);
    match v.take() {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Why a call's arguments make no request.
#[derive(Debug, PartialEq, Eq)]
pub struct BadArguments(pub String);

/// A request as (path, query pairs, body).
pub type Request = (String, Vec<(String, String)>, Option<Value>);

/// The request for a call of `op` (at `path`): the path with its parameters
/// filled in, the query, and the body.
pub fn request(path: &str, op: &Value, args: &Map<String, Value>) -> Result<Request, BadArguments> {
    let mut path = path.to_string();
    let mut query = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let (Some(name), Some(place)) = (p["name"].as_str(), p["in"].as_str()) else {
            continue;
        };
        let value = args.get(name).filter(|v| !v.is_null()).map(scalar);
        match (place, value) {
            ("path", Some(v)) => {
                let v = url::form_urlencoded::byte_serialize(v.as_bytes())
                    .collect::<String>()
                    .replace('+', "%20");
                path = path.replace(&format!("{{{name}}}"), &v);
            }
            ("path", None) => return Err(BadArguments(format!("{name} is required"))),
            ("query", Some(v)) => query.push((name.to_string(), v)),
            _ => {}
        }
    }
    let takes_limit = op["parameters"].as_array().is_some_and(|ps| {
        ps.iter()
            .any(|p| p["name"] == "limit" && p["in"] == "query")
    });
    if takes_limit && !query.iter().any(|(k, _)| k == "limit") {
        query.push(("limit".into(), DEFAULT_LIMIT.to_string()));
    }
    let body = if op["requestBody"].is_object() {
        Some(args.get("body").cloned().unwrap_or_else(|| json!({})))
    } else {
        None
    };
    if let Some(unknown) = args.keys().find(|k| {
        *k != "body"
            && *k != "maxFieldChars"
            && !op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == **k))
    }) {
        return Err(BadArguments(format!("unknown argument {unknown:?}")));
    }
    Ok((path, query, body))
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Cuts every string longer than `max` chars, saying how long it was.
pub fn shrink(v: &mut Value, max: usize) {
    match v {
        Value::String(s) if s.chars().count() > max => {
            let total = s.chars().count();
            let cut: String = s.chars().take(max).collect();
            *s = format!(
                "{cut}…[cut: {total} chars in all; call again with a larger maxFieldChars]"
            );
        }
        Value::Array(a) => a.iter_mut().for_each(|x| shrink(x, max)),
        Value::Object(m) => m.values_mut().for_each(|x| shrink(x, max)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_tool_names_an_operation_and_names_are_unique_per_credential() {
        let doc = crate::api::openapi::document();
        for spec in CATALOGUE {
            if let Kind::Api(id) = spec.kind {
                assert!(operation(doc, id).is_some(), "{id}");
            }
        }
        for access in [
            Access::Key { admin: true },
            Access::Key { admin: false },
            Access::Portal { write: true },
            Access::Portal { write: false },
        ] {
            let names: Vec<_> = visible(access).map(|s| s.name).collect();
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(names.len(), unique.len(), "{access:?}");
        }
    }

    #[test]
    fn roles_decide_which_tools_exist() {
        let write: Vec<_> = visible(Access::Key { admin: false })
            .map(|s| s.name)
            .collect();
        let admin: Vec<_> = visible(Access::Key { admin: true })
            .map(|s| s.name)
            .collect();
        let reader: Vec<_> = visible(Access::Portal { write: false })
            .map(|s| s.name)
            .collect();
        assert!(write.contains(&"create_webhook") && !write.contains(&"create_api_key"));
        assert!(admin.contains(&"create_api_key") && admin.contains(&"create_webhook"));
        assert!(reader.contains(&"list_endpoints") && !reader.contains(&"create_endpoint"));
        assert!(!reader.contains(&"create_webhook"));
    }

    #[test]
    fn a_call_becomes_the_operations_request() {
        let doc = crate::api::openapi::document();
        let (method, path, op) = operation(doc, "webhooks.update").unwrap();
        assert_eq!(method, "PATCH");
        let schema = input_schema(doc, &op);
        assert_eq!(schema["required"], json!(["id", "body"]));
        assert_eq!(
            schema["properties"]["body"]["$ref"],
            "#/$defs/UpdateWebhook"
        );
        assert!(schema["$defs"]["UpdateWebhook"].is_object());
        let args = json!({ "id": "wh_1/x", "body": { "enabled": false } });
        let (path, query, body) = request(&path, &op, args.as_object().unwrap()).unwrap();
        assert_eq!(path, "/v1/webhooks/wh_1%2Fx");
        assert!(query.is_empty());
        assert_eq!(body, Some(json!({ "enabled": false })));

        let (_, path, op) = operation(doc, "deliveries.list").unwrap();
        let args = json!({ "status": "dead" });
        let (_, query, body) = request(&path, &op, args.as_object().unwrap()).unwrap();
        assert_eq!(
            query,
            vec![
                ("status".into(), "dead".into()),
                ("limit".into(), "10".into())
            ]
        );
        assert_eq!(body, None);
        let args = json!({ "nope": 1 });
        assert!(request(&path, &op, args.as_object().unwrap()).is_err());
        let (_, path, op) = operation(doc, "webhooks.get").unwrap();
        assert!(request(&path, &op, &Map::new()).is_err(), "id is required");
    }

    #[test]
    fn long_strings_are_cut_and_say_so() {
        let mut v = json!({ "payload": "x".repeat(50), "short": "ok", "list": ["y".repeat(30)] });
        shrink(&mut v, 20);
        assert!(v["payload"].as_str().unwrap().starts_with(&"x".repeat(20)));
        assert!(v["payload"].as_str().unwrap().contains("50 chars"));
        assert_eq!(v["short"], "ok");
        assert!(v["list"][0].as_str().unwrap().contains("30 chars"));
    }
}
