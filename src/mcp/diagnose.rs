//! The tools no single API operation answers: several requests made with
//! the caller's credential, summed up small enough for a model's context.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::tools::Composite;
use super::{Answer, Dispatch};

/// Deliveries a diagnosis looks at unless told otherwise.
const DEFAULT_SAMPLE: u64 = 20;
/// Most deliveries a replay dry run counts before answering "at least".
const MAX_DRY_RUN_COUNT: usize = 1000;

pub fn input_schema(c: Composite) -> Map<String, Value> {
    let max_field = json!({ "type": "integer", "minimum": 100, "maximum": 1000000,
        "description": "Longest string value in the answer (default 2000)." });
    let v = match c {
        Composite::DiagnoseEndpoint => json!({
            "type": "object",
            "properties": {
                "webhookId": { "type": "string", "description": "The webhook (wh_...)." },
                "sample": { "type": "integer", "minimum": 1, "maximum": 100, "description": "Recent deliveries to look at (default 20)." },
                "maxFieldChars": max_field,
            },
            "required": ["webhookId"], "additionalProperties": false
        }),
        Composite::TraceEvent => json!({
            "type": "object",
            "properties": {
                "id": { "type": "string", "description": "An event id (evt_...) or one of its delivery ids (msg_...)." },
                "maxFieldChars": max_field,
            },
            "required": ["id"], "additionalProperties": false
        }),
        Composite::Replay => json!({
            "type": "object",
            "properties": {
                "webhookId": { "type": "string", "description": "Only this webhook's deliveries." },
                "status": { "type": "string", "enum": ["pending", "delivering", "succeeded", "failed-retrying", "dead", "discarded"],
                            "description": "Only deliveries in this state (not with deadLettersOnly)." },
                "from": { "type": "string", "description": "Created at or after this RFC 3339 time." },
                "to": { "type": "string", "description": "Created before this RFC 3339 time." },
                "deadLettersOnly": { "type": "boolean", "description": "Only the dead-letter queue." },
                "dryRun": { "type": "boolean", "description": "Only count what matches (default true)." },
                "ratePerSecond": { "type": "integer", "minimum": 1, "maximum": 1000, "description": "Replays per second (default 50)." },
                "maxFieldChars": max_field,
            },
            "additionalProperties": false
        }),
        Composite::TestAndWait => json!({
            "type": "object",
            "properties": {
                "webhookId": { "type": "string", "description": "The webhook (wh_...) to send to." },
                "payload": { "description": "The event's JSON (default: a small `hookrelay.test` event)." },
                "waitSeconds": { "type": "integer", "minimum": 1, "maximum": 60, "description": "How long to wait for the first attempt (default 20)." },
                "maxFieldChars": max_field,
            },
            "required": ["webhookId"], "additionalProperties": false
        }),
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub async fn run(c: Composite, d: &Dispatch, token: &str, args: &Map<String, Value>) -> Answer {
    let calls = Calls { d, token };
    match c {
        Composite::DiagnoseEndpoint => diagnose_endpoint(&calls, args).await,
        Composite::TraceEvent => trace_event(&calls, args).await,
        Composite::Replay => replay(&calls, args).await,
        Composite::TestAndWait => test_and_wait(&calls, args).await,
    }
}

struct Calls<'a> {
    d: &'a Dispatch,
    token: &'a str,
}

impl Calls<'_> {
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Answer {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        self.d.call(self.token, "GET", path, &query, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> Answer {
        self.d.call(self.token, "POST", path, &[], Some(body)).await
    }
}

fn arg<'a>(args: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    args.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn required<'a>(args: &'a Map<String, Value>, name: &str) -> Result<&'a str, (u16, Value)> {
    arg(args, name).ok_or_else(|| {
        (
            400,
            json!({ "error": { "code": "invalid_arguments", "message": format!("{name} is required") } }),
        )
    })
}

fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The last attempt of a delivery's detail.
fn last_attempt(detail: &Value) -> Value {
    detail["attempts"]
        .as_array()
        .and_then(|a| a.last())
        .cloned()
        .unwrap_or(Value::Null)
}

async fn diagnose_endpoint(c: &Calls<'_>, args: &Map<String, Value>) -> Answer {
    let id = required(args, "webhookId")?;
    let sample = args
        .get("sample")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_SAMPLE)
        .clamp(1, 100);
    let w = c.get(&format!("/v1/webhooks/{}", seg(id)), &[]).await?["data"].take();
    let recent = c
        .get(
            "/v1/deliveries",
            &[("webhookId", id.to_string()), ("limit", sample.to_string())],
        )
        .await?;
    let recent = recent["data"].as_array().cloned().unwrap_or_default();
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    // (error kind or HTTP status) -> (count, latest example)
    let mut failures: BTreeMap<String, (u64, Value)> = BTreeMap::new();
    for d in &recent {
        *by_status
            .entry(d["status"].as_str().unwrap_or("").to_string())
            .or_default() += 1;
        if d["status"] == "succeeded" || d["attemptCount"] == 0 {
            continue;
        }
        let detail = c
            .get(
                &format!("/v1/deliveries/{}", seg(d["id"].as_str().unwrap_or(""))),
                &[],
            )
            .await?;
        let a = last_attempt(&detail["data"]);
        let reason = match (a["errorKind"].as_str(), a["statusCode"].as_i64()) {
            (Some(kind), _) => kind.to_string(),
            (None, Some(code)) => format!("HTTP {code}"),
            _ => "unknown".to_string(),
        };
        let entry = failures.entry(reason).or_insert((0, Value::Null));
        entry.0 += 1;
        if entry.1.is_null() {
            entry.1 = json!({
                "deliveryId": d["id"], "at": a["startedAt"], "statusCode": a["statusCode"],
                "errorMessage": a["errorMessage"], "responseExcerpt": a["responseExcerpt"],
            });
        }
    }
    let last_success = match recent.iter().find(|d| d["status"] == "succeeded") {
        Some(d) => d["updatedAt"].clone(),
        None => c
            .get(
                "/v1/deliveries",
                &[
                    ("webhookId", id.to_string()),
                    ("status", "succeeded".into()),
                    ("limit", "1".into()),
                ],
            )
            .await?["data"][0]["updatedAt"]
            .clone(),
    };
    let mut failures: Vec<Value> = failures
        .into_iter()
        .map(|(reason, (count, example))| json!({ "reason": reason, "count": count, "latest": example }))
        .collect();
    failures.sort_by_key(|f| std::cmp::Reverse(f["count"].as_u64().unwrap_or(0)));
    let findings = findings(&w, &failures, &last_success);
    Ok(json!({
        "webhook": {
            "id": w["id"], "name": w["name"], "destinationUrl": w["destinationUrl"],
            "destinationKind": w["destinationKind"], "enabled": w["enabled"],
            "disabledReason": w["disabledReason"], "circuit": w["circuit"], "heldCount": w["heldCount"],
        },
        "lastSuccessAt": last_success,
        "recentDeliveries": recent.len(),
        "byStatus": by_status,
        "failures": failures,
        "findings": findings,
    }))
}

/// Plain sentences on what stands out.
fn findings(w: &Value, failures: &[Value], last_success: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if w["enabled"] == false {
        out.push(format!(
            "The webhook is disabled ({}); {} deliveries are held until it is enabled.",
            w["disabledReason"].as_str().unwrap_or("by a user"),
            w["heldCount"]
        ));
    }
    match w["circuit"]["state"].as_str() {
        Some("open") => out.push(format!(
            "The circuit breaker is open since {}: deliveries wait; a probe goes at {}.",
            w["circuit"]["since"].as_str().unwrap_or("?"),
            w["circuit"]["nextProbeAt"].as_str().unwrap_or("?")
        )),
        Some("half-open") => out.push("The circuit breaker is half-open: a probe decides.".into()),
        _ => {}
    }
    if w["destinationKind"] == "listen" {
        out.push(
            "This is a `hookrelay listen` webhook: deliveries wait while no CLI is connected."
                .into(),
        );
    }
    if let Some(top) = failures.first() {
        out.push(format!(
            "Most recent failures: {} ({} of the deliveries looked at).",
            top["reason"].as_str().unwrap_or(""),
            top["count"]
        ));
    }
    if last_success.is_null() {
        out.push("No delivery to it ever succeeded.".into());
    }
    out
}

async fn trace_event(c: &Calls<'_>, args: &Map<String, Value>) -> Answer {
    let id = required(args, "id")?;
    let event_id = if id.starts_with("msg_") {
        let d = c.get(&format!("/v1/deliveries/{}", seg(id)), &[]).await?;
        d["data"]["eventId"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    } else {
        id.to_string()
    };
    let list = c
        .get(
            "/v1/deliveries",
            &[("eventId", event_id.clone()), ("limit", "100".into())],
        )
        .await?;
    let mut deliveries = Vec::new();
    let mut event_type = Value::Null;
    for d in list["data"].as_array().into_iter().flatten() {
        if event_type.is_null() {
            event_type = d["eventType"].clone();
        }
        let detail = c
            .get(
                &format!("/v1/deliveries/{}", seg(d["id"].as_str().unwrap_or(""))),
                &[],
            )
            .await?;
        let attempts: Vec<Value> = detail["data"]["attempts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                json!({
                    "attempt": a["attempt"], "startedAt": a["startedAt"], "statusCode": a["statusCode"],
                    "errorKind": a["errorKind"], "errorMessage": a["errorMessage"], "durationMs": a["durationMs"],
                })
            })
            .collect();
        deliveries.push(json!({
            "id": d["id"], "webhookId": d["webhookId"], "status": d["status"],
            "nextAttemptAt": d["nextAttemptAt"], "replayOf": d["replayOf"], "attempts": attempts,
        }));
    }
    if deliveries.is_empty() {
        return Err((
            404,
            json!({ "error": { "code": "not_found", "message": format!("no deliveries of {id} in this project") } }),
        ));
    }
    deliveries.reverse();
    Ok(json!({ "eventId": event_id, "eventType": event_type, "deliveries": deliveries }))
}

async fn replay(c: &Calls<'_>, args: &Map<String, Value>) -> Answer {
    let dead_only = args.get("deadLettersOnly").and_then(Value::as_bool) == Some(true);
    let dry_run = args.get("dryRun").and_then(Value::as_bool) != Some(false);
    let mut filter: Vec<(&str, String)> = Vec::new();
    for name in ["webhookId", "status", "from", "to"] {
        if let Some(v) = arg(args, name) {
            filter.push((name, v.to_string()));
        }
    }
    let (list_path, replay_path) = if dead_only {
        ("/v1/dlq", "/v1/dlq/replay")
    } else {
        ("/v1/deliveries", "/v1/deliveries/replay")
    };
    if !dry_run {
        let mut body = Map::new();
        for (k, v) in &filter {
            body.insert(k.to_string(), json!(v));
        }
        if let Some(r) = args.get("ratePerSecond") {
            body.insert("ratePerSecond".into(), r.clone());
        }
        return c.post(replay_path, &Value::Object(body)).await;
    }
    let mut matching = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut q = filter.clone();
        q.push(("limit", "100".into()));
        if let Some(cur) = &cursor {
            q.push(("cursor", cur.clone()));
        }
        let page = c.get(list_path, &q).await?;
        matching += page["data"].as_array().map_or(0, Vec::len);
        cursor = page["nextCursor"].as_str().map(str::to_string);
        if cursor.is_none() || matching >= MAX_DRY_RUN_COUNT {
            break;
        }
    }
    Ok(json!({
        "dryRun": true,
        "matching": matching,
        "atLeast": cursor.is_some(),
        "next": "Nothing was replayed. Call replay_deliveries again with the same filter and dryRun: false to start the replay job.",
    }))
}

async fn test_and_wait(c: &Calls<'_>, args: &Map<String, Value>) -> Answer {
    let id = required(args, "webhookId")?;
    let wait = Duration::from_secs(
        args.get("waitSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(20)
            .clamp(1, 60),
    );
    let payload = args.get("payload").cloned().unwrap_or_else(|| {
        json!({ "type": "hookrelay.test", "timestamp": crate::time::rfc3339(crate::store::now_ms()),
                "data": { "message": "a test event sent by an MCP client" } })
    });
    let sent = c
        .post(&format!("/v1/webhooks/{}/events", seg(id)), &payload)
        .await?;
    let delivery = sent["data"]["id"].as_str().unwrap_or_default().to_string();
    let started = Instant::now();
    loop {
        let d = c
            .get(&format!("/v1/deliveries/{}", seg(&delivery)), &[])
            .await?;
        let d = &d["data"];
        let attempted = d["attemptCount"].as_i64().unwrap_or(0) > 0;
        if attempted || started.elapsed() >= wait {
            let a = last_attempt(d);
            let outcome = match d["status"].as_str() {
                Some("succeeded") => "succeeded",
                _ if attempted => "failed",
                _ => "not attempted yet",
            };
            return Ok(json!({
                "deliveryId": delivery, "outcome": outcome, "status": d["status"],
                "nextAttemptAt": d["nextAttemptAt"],
                "attempt": if a.is_null() { Value::Null } else { json!({
                    "statusCode": a["statusCode"], "errorKind": a["errorKind"], "errorMessage": a["errorMessage"],
                    "durationMs": a["durationMs"], "responseExcerpt": a["responseExcerpt"],
                }) },
                "waitedMs": started.elapsed().as_millis() as u64,
            }));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
