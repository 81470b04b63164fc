//! `/metrics`, and the batched write path under a concurrent burst.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

/// The value of one sample line (`name{labels} value`) of the exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
}

async fn scrape(api: &Api) -> String {
    let r = api
        .http
        .get(format!("{}/metrics", api.base))
        .send()
        .await
        .expect("scrape");
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    r.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_ingested_delivered_failed_and_dead() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let good = Receiver::start().await;
    let bad = Receiver::with_plan(vec![], 500, Duration::ZERO).await;
    let ok_hook = api.create_webhook(&key, &good.url, json!({})).await;
    let dead_hook = api
        .create_webhook(&key, &bad.url, json!({ "retrySchedule": [] }))
        .await;

    for _ in 0..3 {
        let r = api
            .ingest(
                ok_hook["ingestUrl"].as_str().unwrap(),
                ok_hook["ingestSecret"].as_str().unwrap(),
                b"{}",
            )
            .await;
        assert_eq!(r.status, 202);
    }
    let r = api
        .ingest(
            dead_hook["ingestUrl"].as_str().unwrap(),
            dead_hook["ingestSecret"].as_str().unwrap(),
            b"{}",
        )
        .await;
    let dead_id = r.body["data"]["id"].as_str().unwrap().to_string();
    // An application message is counted like any other way in.
    let app = api
        .post("/v1/applications", &key, json!({ "name": "customer" }))
        .await
        .body["data"]["id"]
        .clone();
    api.create_webhook(&key, &good.url, json!({ "applicationId": app }))
        .await;
    let r = api
        .post(
            &format!("/v1/applications/{}/messages", app.as_str().unwrap()),
            &key,
            json!({ "eventType": "a.b", "payload": {} }),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    good.wait_for(4, WAIT).await;
    api.wait_delivery(&key, &dead_id, |d| d["status"] == "dead")
        .await;

    // Outcomes are written just after the attempt; wait for the last one.
    let deadline = std::time::Instant::now() + WAIT;
    let text = loop {
        let text = scrape(&api).await;
        if sample(&text, "hookrelay_queue_depth") == Some(0.0)
            || std::time::Instant::now() > deadline
        {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        sample(&text, "hookrelay_events_ingested_total"),
        Some(5.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "hookrelay_deliveries_succeeded_total"),
        Some(4.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "hookrelay_attempts_failed_total"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "hookrelay_deliveries_dead_total"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "hookrelay_queue_depth"), Some(0.0), "{text}");
    assert_eq!(
        sample(&text, "hookrelay_attempt_duration_seconds_count"),
        Some(5.0),
        "{text}"
    );
    // Events and outcomes share write-path transactions: at least one for
    // the 5 events, and at most one per event plus one per attempt.
    let writes = sample(
        &text,
        "hookrelay_db_duration_seconds_count{op=\"write_batch\"}",
    )
    .unwrap_or(0.0);
    assert!((1.0..=10.0).contains(&writes), "{text}");
}

/// On SQLite the write path commits without an fsync and syncs the log
/// beside the writer (`store::wal_sync`); an event is answered only after
/// a sync that started after its commit. PostgreSQL's commit is durable
/// by itself: nothing is synced beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_answered_only_once_the_log_holding_it_is_synced() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    for n in 1..=3 {
        let r = api
            .ingest(
                hook["ingestUrl"].as_str().unwrap(),
                hook["ingestSecret"].as_str().unwrap(),
                b"{}",
            )
            .await;
        assert_eq!(r.status, 202);
        // One after another, each commit comes after the last sync ended,
        // so each needs a sync of its own before its answer.
        let syncs = sample(
            &scrape(&api).await,
            "hookrelay_db_duration_seconds_count{op=\"log_sync\"}",
        );
        if server.db_url.is_some() {
            assert_eq!(syncs, None);
        } else {
            assert_eq!(syncs, Some(f64::from(n)));
        }
    }
    receiver.wait_for(3, WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_burst_is_stored_in_batches_and_each_event_arrives_once() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let (url, secret) = ingest_credentials(&hook);

    // 150 distinct events, and 50 repeats of 10 idempotency keys, all at
    // once so that the writer stores them in a few multi-row batches.
    let requests: Vec<_> = (0..200)
        .map(|i| {
            (
                format!("{{\"n\":{i}}}"),
                (i >= 150).then(|| format!("key-{}", i % 10)),
            )
        })
        .collect();
    let ids = api
        .ingest_all_at_once(&url, &secret, requests.clone())
        .await;
    let mut by_key: HashMap<String, String> = HashMap::new();
    let mut expected: HashMap<String, String> = HashMap::new();
    for ((body, idem), id) in requests.into_iter().zip(ids) {
        match idem {
            Some(k) => match by_key.get(&k) {
                Some(first) => assert_eq!(first, &id, "one idempotency key, two deliveries"),
                None => {
                    by_key.insert(k, id.clone());
                    expected.insert(id, body);
                }
            },
            None => {
                expected.insert(id, body);
            }
        }
    }
    assert_eq!(expected.len(), 160);

    let got = receiver.wait_for(160, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.count(), 160, "a delivery arrived twice");
    let secret = hook["signingSecret"].as_str().unwrap();
    let mut seen = HashMap::new();
    for r in &got {
        assert!(verifies(secret, r));
        *seen.entry(header(r, "webhook-id")).or_insert(0) += 1;
        let id = header(r, "webhook-id");
        let first_body = r.body.as_ref();
        let Some(body) = expected.get(&id) else {
            panic!("unexpected delivery {id}")
        };
        // Repeats of a key deliver the first request's body.
        if !by_key.values().any(|v| v == &id) {
            assert_eq!(first_body, body.as_bytes());
        }
    }
    assert_eq!(seen.len(), 160);
    for id in expected.keys().take(20) {
        let d = api
            .wait_delivery(&key, id, |d| d["status"] == "succeeded")
            .await;
        assert_eq!(d["attemptCount"], 1);
        assert_eq!(d["attempts"][0]["statusCode"], 200);
    }
}

/// What an operator expects beside the delivery counters: the process,
/// the build, HTTP requests by route template and status class, attempt
/// failures by kind, the database pool, schedules, replay jobs and
/// notifications.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_metrics_cover_the_process_http_attempts_pool_and_notifications() {
    let server = Server::start(ServerOpts {
        extra: vec!["--notification-interval-seconds".into(), "1".into()],
        ..Default::default()
    })
    .await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    // A notification channel that answers: the dead-letter notice is sent.
    let channel = Receiver::start().await;
    let r = api
        .post(
            "/v1/project/notification-channels",
            &key,
            json!({ "url": channel.url }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // One attempt answered 500 (dead at once: no retries), one that
    // cannot connect.
    let receiver = Receiver::with_plan(vec![], 500, Duration::ZERO).await;
    let failing = api
        .create_webhook(&key, &receiver.url, json!({ "retrySchedule": [] }))
        .await;
    let unreachable = api
        .create_webhook(
            &key,
            "http://127.0.0.1:9/x",
            json!({ "retrySchedule": [3600] }),
        )
        .await;
    for hook in [&failing, &unreachable] {
        let r = api
            .ingest(
                hook["ingestUrl"].as_str().unwrap(),
                hook["ingestSecret"].as_str().unwrap(),
                b"{}",
            )
            .await;
        assert_eq!(r.status, 202);
    }
    let r = api.get("/v1/webhooks/wh_nope", &key).await;
    assert_eq!(r.status, 404);

    let deadline = std::time::Instant::now() + WAIT;
    let text = loop {
        let text = scrape(&api).await;
        if sample(
            &text,
            "hookrelay_attempt_failures_total{kind=\"http_status\",status=\"5xx\"}",
        )
        .is_some()
            && sample(
                &text,
                "hookrelay_attempt_failures_total{kind=\"connection_error\",status=\"none\"}",
            )
            .is_some()
            && sample(&text, "hookrelay_notifications_total{outcome=\"sent\"}") >= Some(1.0)
        {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_max_fds",
        "process_start_time_seconds",
    ] {
        let v =
            sample(&text, &format!("hookrelay_{name}")).unwrap_or_else(|| panic!("{name}: {text}"));
        assert!(v > 0.0, "{name} = {v}");
    }
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        text.lines().any(|l| l.starts_with(&format!(
            "hookrelay_build_info{{version=\"{version}\",commit=\""
        )) && l.ends_with(" 1")),
        "{text}"
    );
    let count = |route: &str, method: &str, status: &str| {
        sample(
            &text,
            &format!("hookrelay_http_request_duration_seconds_count{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}}"),
        )
    };
    assert!(
        count("/v1/ingest/{public_id}", "POST", "2xx") >= Some(2.0),
        "{text}"
    );
    assert!(
        count("/v1/webhooks/{id}", "GET", "4xx") >= Some(1.0),
        "{text}"
    );
    assert!(!text.contains("wh_nope"), "paths never become labels");
    assert!(
        sample(&text, "hookrelay_db_pool_connections{state=\"idle\"}").is_some(),
        "{text}"
    );
    assert!(
        sample(&text, "hookrelay_db_pool_connections{state=\"in_use\"}").is_some(),
        "{text}"
    );
    assert_eq!(
        sample(&text, "hookrelay_replay_jobs_active"),
        Some(0.0),
        "{text}"
    );
    assert!(
        sample(&text, "hookrelay_schedule_lag_seconds_count").is_some(),
        "{text}"
    );
    assert!(
        text.contains("hookrelay_replay_job_deliveries_replayed_total"),
        "{text}"
    );
    assert!(text.contains("hookrelay_write_path_failing 0"), "{text}");
}
