//! Deliveries, the dead-letter queue and replay jobs: lists with filters,
//! a delivery with its attempts, bulk replays followed to the end, and
//! `tail`, which follows new deliveries as they happen.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde_json::{json, Value};

use super::args::{DeliveryCommand, DeliveryFilters, DlqCommand, ReplayJobCommand};
use super::http::{query, Failure};
use super::output::{cell, record, rows, Column};
use super::{list, seg, Ctx};

const DELIVERY_ROWS: &[Column] = &[
    ("ID", "id"),
    ("WEBHOOK", "webhookId"),
    ("STATUS", "status"),
    ("ATTEMPTS", "attemptCount"),
    ("LAST CODE", "lastStatusCode"),
    ("EVENT TYPE", "eventType"),
    ("CREATED", "createdAt"),
];
const DELIVERY_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("WEBHOOK", "webhookId"),
    ("EVENT", "eventId"),
    ("EVENT TYPE", "eventType"),
    ("STATUS", "status"),
    ("ATTEMPTS", "attemptCount"),
    ("NEXT ATTEMPT", "nextAttemptAt"),
    ("LAST CODE", "lastStatusCode"),
    ("LAST ERROR", "lastError"),
    ("REPLAY OF", "replayOf"),
    ("REPLAYED", "replayedAt"),
    ("CREATED", "createdAt"),
    ("UPDATED", "updatedAt"),
];
const ATTEMPT_ROWS: &[Column] = &[
    ("#", "attempt"),
    ("STARTED", "startedAt"),
    ("MS", "durationMs"),
    ("CODE", "statusCode"),
    ("ERROR", "errorKind"),
    ("MESSAGE", "errorMessage"),
];
const JOB_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("STATUS", "status"),
    ("REPLAYED", "replayed"),
    ("TOTAL", "total"),
    ("PROGRESS %", "progress"),
    ("RATE/S", "ratePerSecond"),
    ("WEBHOOK", "webhookId"),
    ("STATUS FILTER", "statusFilter"),
    ("DEAD LETTERS ONLY", "deadLettersOnly"),
    ("FROM", "from"),
    ("TO", "to"),
    ("CREATED", "createdAt"),
    ("FINISHED", "finishedAt"),
];

fn filter_query(f: &DeliveryFilters) -> Vec<(String, String)> {
    query(&[
        ("webhookId", f.webhook.clone()),
        ("from", f.from.clone()),
        ("to", f.to.clone()),
    ])
}

pub async fn deliveries(ctx: &Ctx, command: DeliveryCommand) -> Result<(), Failure> {
    let c = &ctx.client;
    match command {
        DeliveryCommand::List {
            filters,
            status,
            event_type,
            paging,
        } => {
            let mut q = filter_query(&filters);
            q.extend(query(&[("status", status), ("eventType", event_type)]));
            ctx.out.list(
                &list(ctx, "/v1/deliveries", q, &paging).await?,
                DELIVERY_ROWS,
            );
        }
        DeliveryCommand::Get { id } => {
            let answer = c
                .send(c.get(&format!("/v1/deliveries/{}", seg(&id))))
                .await?;
            if ctx.out.json {
                ctx.out.raw(&answer);
                return Ok(());
            }
            let d = &answer["data"];
            println!("{}", record(d, DELIVERY_FIELDS));
            let payload = &d["payload"];
            if payload.is_object() {
                println!(
                    "\nPAYLOAD ({}, {} bytes)",
                    cell(&payload["contentType"]),
                    cell(&payload["sizeBytes"])
                );
                println!(
                    "{}",
                    payload["body"]
                        .as_str()
                        .or(payload["bodyBase64"].as_str())
                        .unwrap_or("-")
                );
            }
            if let Some(headers) = d["requestHeaders"].as_object() {
                println!("\nREQUEST HEADERS");
                for (k, v) in headers {
                    println!("{k}: {}", cell(v));
                }
            }
            let attempts = d["attempts"].as_array().cloned().unwrap_or_default();
            println!("\nATTEMPTS");
            println!(
                "{}",
                if attempts.is_empty() {
                    "(none yet)".into()
                } else {
                    rows(&attempts, ATTEMPT_ROWS)
                }
            );
        }
        DeliveryCommand::Replay { id } => {
            let answer = c
                .send(c.post(&format!("/v1/deliveries/{}/replay", seg(&id)), &json!({})))
                .await?;
            ctx.out.item(&answer, DELIVERY_FIELDS);
        }
        DeliveryCommand::BulkReplay {
            filters,
            status,
            rate_per_second,
            no_wait,
        } => {
            let body = job_body(&filters, status, rate_per_second);
            bulk_replay(ctx, "/v1/deliveries/replay", body, no_wait).await?;
        }
        DeliveryCommand::Tail {
            filters,
            status,
            lines,
            interval_ms,
        } => {
            let mut q = filter_query(&filters);
            q.extend(query(&[("status", status)]));
            tail(ctx, q, lines as usize, Duration::from_millis(interval_ms)).await?;
        }
    }
    Ok(())
}

pub async fn dlq(ctx: &Ctx, command: DlqCommand) -> Result<(), Failure> {
    let c = &ctx.client;
    match command {
        DlqCommand::List {
            filters,
            event_type,
            paging,
        } => {
            let mut q = filter_query(&filters);
            q.extend(query(&[("eventType", event_type)]));
            ctx.out
                .list(&list(ctx, "/v1/dlq", q, &paging).await?, DELIVERY_ROWS);
        }
        DlqCommand::Replay { id } => {
            ctx.out.item(
                &c.send(c.post(&format!("/v1/dlq/{}/replay", seg(&id)), &json!({})))
                    .await?,
                DELIVERY_FIELDS,
            );
        }
        DlqCommand::Discard { id } => {
            c.send(c.request(reqwest::Method::DELETE, &format!("/v1/dlq/{}", seg(&id))))
                .await?;
            ctx.out.done(&format!("dead letter {id} discarded"));
        }
        DlqCommand::BulkReplay {
            filters,
            rate_per_second,
            no_wait,
        } => {
            bulk_replay(
                ctx,
                "/v1/dlq/replay",
                job_body(&filters, None, rate_per_second),
                no_wait,
            )
            .await?;
        }
    }
    Ok(())
}

pub async fn replay_jobs(ctx: &Ctx, command: ReplayJobCommand) -> Result<(), Failure> {
    let ReplayJobCommand::Get { id } = command;
    ctx.out.item(
        &ctx.client
            .send(ctx.client.get(&format!("/v1/replay-jobs/{}", seg(&id))))
            .await?,
        JOB_FIELDS,
    );
    Ok(())
}

fn job_body(f: &DeliveryFilters, status: Option<String>, rate: Option<i64>) -> Value {
    let mut body = json!({});
    for (k, v) in [
        ("webhookId", f.webhook.clone()),
        ("from", f.from.clone()),
        ("to", f.to.clone()),
        ("status", status),
    ] {
        if let Some(v) = v {
            body[k] = json!(v);
        }
    }
    if let Some(r) = rate {
        body["ratePerSecond"] = json!(r);
    }
    body
}

/// Starts a bulk replay and, unless `no_wait`, follows the job to its end
/// with a progress line on standard error each time it moves; prints the
/// job as it ended.
async fn bulk_replay(ctx: &Ctx, path: &str, body: Value, no_wait: bool) -> Result<(), Failure> {
    let c = &ctx.client;
    let mut answer = c.send(c.post(path, &body)).await?;
    let id = answer["data"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut shown = None;
    while !no_wait && answer["data"]["status"] != "completed" {
        let progress = (
            answer["data"]["replayed"].as_i64(),
            answer["data"]["total"].as_i64(),
        );
        if shown != Some(progress) {
            eprintln!(
                "replay job {id}: {} of {} replayed",
                cell(&answer["data"]["replayed"]),
                cell(&answer["data"]["total"])
            );
            shown = Some(progress);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        answer = c
            .send(c.get(&format!("/v1/replay-jobs/{}", seg(&id))))
            .await?;
    }
    if !no_wait {
        eprintln!(
            "replay job {id}: {} of {} replayed, completed",
            cell(&answer["data"]["replayed"]),
            cell(&answer["data"]["total"])
        );
    }
    ctx.out.item(&answer, JOB_FIELDS);
    Ok(())
}

/// Prints the latest `lines` deliveries, then every new delivery and every
/// change of a delivery's status or attempt count, oldest first, polling
/// the newest page every `interval`. With `--json`, one delivery object a
/// line. Runs until interrupted.
async fn tail(
    ctx: &Ctx,
    q: Vec<(String, String)>,
    lines: usize,
    interval: Duration,
) -> Result<(), Failure> {
    let c = &ctx.client;
    let mut seen = Seen::default();
    let mut first = true;
    let columns: Vec<Column> = DELIVERY_ROWS.to_vec();
    if !ctx.out.json {
        println!("{}", header_line(&columns));
    }
    loop {
        let mut page_q = q.clone();
        page_q.push(("limit".into(), "100".into()));
        let page = c.send(c.get("/v1/deliveries").query(&page_q)).await?;
        let items = page["data"].as_array().cloned().unwrap_or_default();
        // Oldest first, so the output reads in order.
        let mut fresh: Vec<&Value> = items.iter().rev().filter(|d| seen.changed(d)).collect();
        if first {
            fresh = fresh.split_off(fresh.len().saturating_sub(lines));
            first = false;
        }
        for d in fresh {
            if ctx.out.json {
                println!("{d}");
            } else {
                println!(
                    "{}",
                    columns
                        .iter()
                        .map(|(_, f)| cell(super::output::field(d, f)))
                        .collect::<Vec<_>>()
                        .join("  ")
                );
            }
        }
        use std::io::Write;
        std::io::stdout().flush()?;
        tokio::time::sleep(interval).await;
    }
}

fn header_line(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|(h, _)| *h)
        .collect::<Vec<_>>()
        .join("  ")
}

/// What `tail` printed last of each delivery, for the most recent ones.
#[derive(Default)]
struct Seen {
    state: HashMap<String, (Value, Value)>,
    order: VecDeque<String>,
}

impl Seen {
    const MAX: usize = 10_000;

    /// Whether `d` is new or its status or attempt count moved; remembers it.
    fn changed(&mut self, d: &Value) -> bool {
        let id = d["id"].as_str().unwrap_or_default().to_string();
        let now = (d["status"].clone(), d["attemptCount"].clone());
        match self.state.insert(id.clone(), now.clone()) {
            Some(before) => before != now,
            None => {
                self.order.push_back(id);
                if self.order.len() > Self::MAX {
                    if let Some(old) = self.order.pop_front() {
                        self.state.remove(&old);
                    }
                }
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_prints_a_delivery_when_new_and_when_its_status_moves() {
        let mut seen = Seen::default();
        let pending = json!({ "id": "msg_1", "status": "pending", "attemptCount": 0 });
        assert!(seen.changed(&pending));
        assert!(!seen.changed(&pending));
        assert!(seen.changed(&json!({ "id": "msg_1", "status": "succeeded", "attemptCount": 1 })));
        assert!(seen.changed(&json!({ "id": "msg_2", "status": "pending", "attemptCount": 0 })));
    }
}
