//! Delivery that isolates endpoints: a hung or failing endpoint never slows
//! another's deliveries; per-endpoint caps, rate limits, circuits,
//! `Retry-After` and FIFO order hold, across nodes where the backend has
//! several. Real receivers on loopback.

mod common;

use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Ingests `n` events into `hook` through `api`, `width` requests at a time;
/// each body is `{"seq": i}`.
async fn ingest_many(api: &Api, hook: &Value, n: usize, width: usize) {
    let url = s(&hook["ingestUrl"]).to_string();
    let secret = s(&hook["ingestSecret"]).to_string();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..width {
        let (api, url, secret, next) = (api.clone(), url.clone(), secret.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, AtomicOrdering::SeqCst);
                if i >= n {
                    return;
                }
                let r = api
                    .ingest(&url, &secret, json!({ "seq": i }).to_string().as_bytes())
                    .await;
                assert_eq!(r.status, 202, "{}", r.body);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

fn seq(r: &Received) -> u64 {
    serde_json::from_slice::<Value>(&r.body).unwrap()["seq"]
        .as_u64()
        .unwrap()
}

/// p99 of how long each of 50 fresh events took from send to arrival at a
/// healthy endpoint, while `hung` (another endpoint) holds 2,000 events.
async fn fresh_latency_beside_a_hung_endpoint(same_project: bool) -> Duration {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key_a) = server.create_project("a");
    let key_b = if same_project {
        key_a.clone()
    } else {
        server.create_project("b").1
    };
    let hung = Receiver::with_plan(vec![], 200, Duration::from_secs(25)).await;
    let healthy = Receiver::start().await;
    let hung_hook = api.create_webhook(&key_a, &hung.url, json!({})).await;
    let healthy_hook = api.create_webhook(&key_b, &healthy.url, json!({})).await;
    ingest_many(&api, &hung_hook, 2000, 32).await;

    let mut sent = Vec::new();
    for i in 0..50 {
        sent.push(Instant::now());
        let r = api
            .ingest(
                s(&healthy_hook["ingestUrl"]),
                s(&healthy_hook["ingestSecret"]),
                json!({ "seq": i }).to_string().as_bytes(),
            )
            .await;
        assert_eq!(r.status, 202);
    }
    let got = healthy.wait_for(50, WAIT).await;
    let mut latencies: Vec<Duration> = got
        .iter()
        .map(|r| r.arrived - sent[seq(r) as usize])
        .collect();
    latencies.sort();
    assert!(
        hung.most_open() <= 20,
        "the hung endpoint had {} requests open, over the default cap of 20",
        hung.most_open()
    );
    latencies[48]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_endpoint_does_not_delay_another_projects_fresh_events() {
    let p99 = fresh_latency_beside_a_hung_endpoint(false).await;
    assert!(p99 < Duration::from_secs(1), "p99 send→arrival {p99:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_endpoint_does_not_delay_fresh_events_of_its_own_project() {
    let p99 = fresh_latency_beside_a_hung_endpoint(true).await;
    assert!(p99 < Duration::from_secs(1), "p99 send→arrival {p99:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoints_cap_holds_across_nodes() {
    let nodes = Server::start_cluster(2, ServerOpts::default()).await;
    let (_, key) = nodes[0].create_project("acme");
    let slow = Receiver::with_plan(vec![], 200, Duration::from_secs(1)).await;
    let hook = nodes[0]
        .api()
        .create_webhook(&key, &slow.url, json!({ "maxInFlight": 4 }))
        .await;
    assert_eq!(hook["maxInFlight"], 4);
    let (a, b) = (nodes[0].api(), nodes[1].api());
    tokio::join!(ingest_many(&a, &hook, 16, 8), ingest_many(&b, &hook, 16, 8));
    slow.wait_for(32, WAIT).await;
    assert!(
        (2..=4).contains(&slow.most_open()),
        "{} requests open at once; the cap is 4",
        slow.most_open()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_endpoints_circuit_opens_waits_on_probes_and_loses_nothing() {
    let server = Server::start(ServerOpts {
        extra: ["--circuit-failures", "3", "--circuit-open-seconds", "1"]
            .map(String::from)
            .to_vec(),
        ..ServerOpts::default()
    })
    .await;
    let (project, key) = server.create_project("acme");
    assert!(server
        .cli(&[
            "project",
            "set-tier",
            "--project",
            &project,
            "--tier",
            "pro"
        ])
        .status
        .success());
    let api = server.api();
    let channel = Receiver::start().await;
    let r = api
        .post(
            "/v1/project/notification-channels",
            &key,
            json!({ "url": channel.url }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let healthy = Arc::new(AtomicBool::new(false));
    let h = healthy.clone();
    let rx = Receiver::with_responder(
        Arc::new(move |_, _| {
            (
                if h.load(AtomicOrdering::SeqCst) {
                    200
                } else {
                    500
                },
                vec![],
            )
        }),
        Duration::ZERO,
    )
    .await;
    let hook = api
        .create_webhook(
            &key,
            &rx.url,
            json!({ "maxInFlight": 1, "retrySchedule": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }),
        )
        .await;
    let hook_path = format!("/v1/webhooks/{}", s(&hook["id"]));
    ingest_many(&api, &hook, 10, 1).await;

    // Three failures in a row (one at a time: maxInFlight 1) open it.
    let open = api
        .wait_until(&hook_path, &key, |w| w["circuit"]["state"] != "closed")
        .await;
    assert_eq!(open["circuit"]["state"], "open", "{open}");
    assert!(open["circuit"]["nextProbeAt"].is_string());
    assert_eq!(rx.arrivals(), 3, "requests before it opened");
    // While open only probes go, each after a longer wait (1 s, then 2 s).
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let probes = rx.arrivals() - 3;
    assert!(
        (1..=2).contains(&probes),
        "{probes} requests in 3.5 s while open"
    );

    healthy.store(true, AtomicOrdering::SeqCst);
    let list = format!("/v1/deliveries?webhookId={}", s(&hook["id"]));
    let deliveries = api
        .wait_until(&list, &key, |d| {
            d.as_array()
                .unwrap()
                .iter()
                .filter(|d| d["status"] == "succeeded")
                .count()
                == 10
        })
        .await;
    assert!(
        deliveries
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "succeeded"),
        "none dead: {deliveries}"
    );
    let closed = api.get(&hook_path, &key).await;
    assert_eq!(closed.body["data"]["circuit"]["state"], "closed");
    let audit = api
        .get(
            &format!("/v1/project/audit-logs?targetId={}", s(&hook["id"])),
            &key,
        )
        .await;
    let actions: Vec<&str> = audit.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| s(&e["action"]))
        .collect();
    assert!(
        actions.contains(&"webhook.circuit_open") && actions.contains(&"webhook.circuit_close"),
        "{actions:?}"
    );
    // The operator hears of both.
    let types = |got: &[Received]| -> Vec<String> {
        got.iter()
            .map(|r| {
                serde_json::from_slice::<Value>(&r.body).unwrap()["type"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    channel
        .wait_until(
            WAIT,
            |got| {
                let types = types(got);
                types.iter().any(|t| t == "endpoint.circuit_opened")
                    && types.iter().any(|t| t == "endpoint.circuit_closed")
            },
            |got| format!("notices: {:?}", types(got)),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_defers_the_endpoints_next_attempt() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let rx = Receiver::with_responder(
        Arc::new(|n, _| {
            if n == 0 {
                (429, vec![("retry-after", "3".to_string())])
            } else {
                (200, vec![])
            }
        }),
        Duration::ZERO,
    )
    .await;
    let hook = api
        .create_webhook(&key, &rx.url, json!({ "retrySchedule": [1] }))
        .await;
    ingest_many(&api, &hook, 1, 1).await;
    let got = rx.wait_for(2, WAIT).await;
    let gap = got[1].arrived - got[0].arrived;
    assert!(
        gap >= Duration::from_secs(3),
        "the next attempt came after {gap:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_holds_across_nodes_within_ten_percent() {
    let nodes = Server::start_cluster(2, ServerOpts::default()).await;
    let (_, key) = nodes[0].create_project("acme");
    let rx = Receiver::start().await;
    let hook = nodes[0]
        .api()
        .create_webhook(&key, &rx.url, json!({ "rateLimit": 50 }))
        .await;
    let (a, b) = (nodes[0].api(), nodes[1].api());
    tokio::join!(
        ingest_many(&a, &hook, 650, 8),
        ingest_many(&b, &hook, 650, 8)
    );
    rx.wait_for(1, WAIT).await;
    let start = rx.received()[0].arrived;
    while Instant::now() < start + Duration::from_secs(21) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let got = rx.received();
    for w in 0..2 {
        let (from, to) = (
            start + Duration::from_secs(10 * w),
            start + Duration::from_secs(10 * (w + 1)),
        );
        let n = got
            .iter()
            .filter(|r| r.arrived >= from && r.arrived < to)
            .count();
        assert!(
            (450..=550).contains(&n),
            "{n} deliveries in 10 s window {w} at rateLimit 50"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_endpoints_deliver_in_ingest_order_through_retries() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    // Every 7th request fails once (its retry is a later request).
    let rx = Receiver::with_responder(
        Arc::new(|n, _| (if n % 7 == 6 { 500 } else { 200 }, vec![])),
        Duration::ZERO,
    )
    .await;
    let hook = api
        .create_webhook(
            &key,
            &rx.url,
            json!({ "ordering": "fifo", "retrySchedule": [0, 0, 0] }),
        )
        .await;
    assert_eq!(hook["ordering"], "fifo");
    ingest_many(&api, &hook, 1000, 1).await;
    let deadline = Instant::now() + Duration::from_secs(180);
    let order = loop {
        let ok: Vec<u64> = rx
            .received()
            .iter()
            .filter(|r| r.status == 200)
            .map(seq)
            .collect();
        if ok.len() >= 1000 {
            break ok;
        }
        assert!(Instant::now() < deadline, "{} of 1000 delivered", ok.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        order,
        (0..1000).collect::<Vec<u64>>(),
        "first successful deliveries in ingest order"
    );
    assert_eq!(rx.most_open(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_order_holds_per_ordering_key_while_keys_go_side_by_side() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let app = api
        .post("/v1/applications", &key, json!({ "name": "customer" }))
        .await
        .body["data"]["id"]
        .clone();
    let rx = Receiver::with_plan(vec![], 200, Duration::from_millis(20)).await;
    api.create_webhook(
        &key,
        &rx.url,
        json!({ "applicationId": app, "ordering": "fifo" }),
    )
    .await;
    for i in 0..120 {
        let body = json!({ "eventType": "order.updated", "payload": { "seq": i }, "orderingKey": format!("order-{}", i % 3) });
        let r = api
            .post(
                &format!("/v1/applications/{}/messages", s(&app)),
                &key,
                body,
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
    }
    let got = rx.wait_for(120, WAIT).await;
    for k in 0..3 {
        let of_key: Vec<u64> = got.iter().map(seq).filter(|s| s % 3 == k).collect();
        let mut sorted = of_key.clone();
        sorted.sort();
        assert_eq!(of_key, sorted, "key order-{k} in order");
    }
    assert!(rx.most_open() >= 2, "different keys go side by side");
    assert!(rx.most_open() <= 3, "one at a time per key");
    let r = api
        .post(
            &format!("/v1/applications/{}/messages", s(&app)),
            &key,
            json!({ "eventType": "a", "payload": {}, "orderingKey": "no spaces" }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("orderingKey"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolation_settings_are_validated() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let rx = Receiver::start().await;
    for (body, field) in [
        (json!({ "maxInFlight": 0 }), "maxInFlight"),
        (json!({ "maxInFlight": 1001 }), "maxInFlight"),
        (json!({ "rateLimit": 0 }), "rateLimit"),
        (json!({ "rateLimit": 10_001 }), "rateLimit"),
    ] {
        let mut b = json!({ "name": "x", "destinationUrl": rx.url });
        b.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        let r = api.post("/v1/webhooks", &key, b).await;
        assert_eq!(
            (r.status, r.body["error"]["field"].clone()),
            (400, json!(field)),
            "{}",
            r.body
        );
    }
    let r = api
        .post(
            "/v1/webhooks",
            &key,
            json!({ "name": "x", "destinationUrl": rx.url, "ordering": "lifo" }),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let hook = api
        .create_webhook(&key, &rx.url, json!({ "maxInFlight": 5, "rateLimit": 7 }))
        .await;
    assert_eq!(
        (
            hook["maxInFlight"].clone(),
            hook["rateLimit"].clone(),
            hook["ordering"].clone()
        ),
        (json!(5), json!(7), json!("none"))
    );
    assert_eq!(
        hook["circuit"],
        json!({ "state": "closed", "since": null, "nextProbeAt": null })
    );
    let path = format!("/v1/webhooks/{}", s(&hook["id"]));
    let r = api
        .call(
            "PATCH",
            &path,
            Some(&key),
            Some(json!({ "maxInFlight": null, "rateLimit": null, "ordering": "fifo" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.body["data"]["maxInFlight"].clone(),
            r.body["data"]["rateLimit"].clone(),
            r.body["data"]["ordering"].clone()
        ),
        (json!(null), json!(null), json!("fifo"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_endpoint_holds_visibly_and_drains_at_its_pace_when_enabled() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let rx = Receiver::with_plan(vec![], 200, Duration::from_millis(50)).await;
    let hook = api
        .create_webhook(
            &key,
            &rx.url,
            json!({ "enabled": false, "maxInFlight": 2, "rateLimit": 20 }),
        )
        .await;
    let path = format!("/v1/webhooks/{}", s(&hook["id"]));
    ingest_many(&api, &hook, 40, 4).await;
    let held = api.get(&path, &key).await;
    assert_eq!(held.body["data"]["heldCount"], 40, "{}", held.body);
    let metrics = api.get_text("/metrics", None).await;
    assert!(
        metrics.lines().any(|l| l == "hookrelay_deliveries_held 40"),
        "{metrics}"
    );
    assert_eq!(rx.count(), 0);

    let enabled_at = Instant::now();
    let r = api
        .call("PATCH", &path, Some(&key), Some(json!({ "enabled": true })))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = rx.wait_for(40, WAIT).await;
    let took = got.iter().map(|r| r.arrived).max().unwrap() - enabled_at;
    assert!(
        rx.most_open() <= 2,
        "{} open at once; maxInFlight is 2",
        rx.most_open()
    );
    // 40 at 20 per second (a burst of 2): not all at once.
    assert!(took >= Duration::from_millis(1800), "drained in {took:?}");
    assert_eq!(api.get(&path, &key).await.body["data"]["heldCount"], 0);
}
