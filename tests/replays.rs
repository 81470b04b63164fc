//! Delivery history filters and detail, replay, the dead-letter queue and
//! bulk replay jobs, end to end.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

async fn send(api: &Api, hook: &Value, body: &str) -> String {
    let r = api
        .ingest(
            s(&hook["ingestUrl"]),
            s(&hook["ingestSecret"]),
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    s(&r.body["data"]["id"]).to_string()
}

/// Polls a replay job until it completes, checking progress never goes back.
async fn wait_job(api: &Api, key: &str, id: &str) -> Value {
    let last = std::cell::Cell::new(-1);
    api.wait_until(&format!("/v1/replay-jobs/{id}"), key, |job| {
        let progress = job["progress"].as_i64().unwrap();
        assert!(
            progress >= last.get() && progress <= 100,
            "progress went from {} to {progress}",
            last.get()
        );
        last.set(progress);
        job["status"] == "completed"
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_filters_by_time_and_status_and_shows_payload_and_headers() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api
        .create_webhook(
            &key,
            &receiver.url,
            json!({ "headers": { "x-team": "payments" } }),
        )
        .await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    let id = send(&api, &hook, r#"{"type":"order.created"}"#).await;
    send(&api, &hook, "{}").await;
    let after = chrono::Utc::now() + chrono::Duration::seconds(5);
    receiver.wait_for(2, WAIT).await;
    let d = api
        .wait_delivery(&key, &id, |d| d["status"] == "succeeded")
        .await;

    assert_eq!(d["payload"]["contentType"], "application/json");
    assert_eq!(d["payload"]["body"], r#"{"type":"order.created"}"#);
    assert_eq!(d["payload"]["sizeBytes"], 24);
    assert_eq!(d["requestHeaders"]["webhook-id"], id.as_str());
    assert_eq!(d["requestHeaders"]["x-team"], "payments");
    assert_eq!(d["requestHeaders"]["content-type"], "application/json");
    let sent = receiver
        .received()
        .into_iter()
        .find(|r| header(r, "webhook-id") == id)
        .unwrap();
    assert_eq!(
        d["attempts"][0]["webhookTimestamp"].to_string(),
        header(&sent, "webhook-timestamp")
    );

    let rfc =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let window = format!("/v1/deliveries?from={}&to={}", rfc(before), rfc(after));
    assert_eq!(api.list_all(&window, &key).await.len(), 2);
    let later = format!("/v1/deliveries?from={}", rfc(after));
    assert_eq!(api.list_all(&later, &key).await.len(), 0);
    let earlier = format!("/v1/deliveries?to={}", rfc(before));
    assert_eq!(api.list_all(&earlier, &key).await.len(), 0);
    assert_eq!(
        api.list_all("/v1/deliveries?status=dead", &key).await.len(),
        0
    );

    let r = api.get("/v1/deliveries?from=yesterday", &key).await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("from"))
    );
    let backwards = format!("/v1/deliveries?from={}&to={}", rfc(after), rfc(before));
    let r = api.get(&backwards, &key).await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("to"))
    );
    let r = api.get("/v1/deliveries?status=lost", &key).await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("status"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_after_signing_rotation_is_signed_with_the_current_secret() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let old_secret = s(&hook["signingSecret"]).to_string();
    let original = send(&api, &hook, r#"{"n":1}"#).await;
    api.wait_delivery(&key, &original, |d| d["status"] == "succeeded")
        .await;

    let r = api
        .post(
            &format!("/v1/webhooks/{}/rotate-signing-secret", s(&hook["id"])),
            &key,
            json!({ "overlapSeconds": 0 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new_secret = s(&r.body["data"]["signingSecret"]).to_string();

    let r = api
        .post(
            &format!("/v1/deliveries/{original}/replay"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let replay = s(&r.body["data"]["id"]).to_string();
    assert_ne!(replay, original);
    assert_eq!(r.body["data"]["replayOf"], original.as_str());

    let got = receiver.wait_for(2, WAIT).await;
    let again = &got[1];
    assert_eq!(again.body.as_ref(), br#"{"n":1}"#);
    assert_eq!(header(again, "webhook-id"), replay);
    assert!(
        verifies(&new_secret, again),
        "replay not signed with the current secret"
    );
    assert!(
        !verifies(&old_secret, again),
        "replay still signed with the rotated-out secret"
    );

    let d = api
        .wait_delivery(&key, &replay, |d| d["status"] == "succeeded")
        .await;
    assert_eq!(d["attemptCount"], 1);
    let o = api.get(&format!("/v1/deliveries/{original}"), &key).await;
    assert!(o.body["data"]["replayedAt"].is_string());
    assert_eq!(
        o.body["data"]["attemptCount"], 1,
        "the original's attempts stay as they were"
    );
    let r = api
        .post("/v1/deliveries/msg_nope/replay", &key, json!({}))
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_replayed_and_discarded() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::with_plan(vec![500, 500], 200, Duration::ZERO).await;
    let hook = api
        .create_webhook(&key, &receiver.url, json!({ "retrySchedule": [] }))
        .await;
    let a = send(&api, &hook, r#"{"n":"a"}"#).await;
    api.wait_delivery(&key, &a, |d| d["status"] == "dead").await;
    let b = send(&api, &hook, r#"{"n":"b"}"#).await;
    api.wait_delivery(&key, &b, |d| d["status"] == "dead").await;

    let dlq = format!("/v1/dlq?webhookId={}", s(&hook["id"]));
    let ids: Vec<_> = api
        .list_all(&dlq, &key)
        .await
        .iter()
        .map(|d| s(&d["id"]).to_string())
        .collect();
    assert_eq!(ids, vec![b.clone(), a.clone()], "newest first");
    assert_eq!(
        api.list_all("/v1/dlq?webhookId=wh_other", &key).await.len(),
        0
    );

    let r = api
        .post(&format!("/v1/dlq/{a}/replay"), &key, json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let replay = s(&r.body["data"]["id"]).to_string();
    api.wait_delivery(&key, &replay, |d| d["status"] == "succeeded")
        .await;
    let r = api
        .post(&format!("/v1/dlq/{a}/replay"), &key, json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (409, json!("not_dead_letter"))
    );

    let r = api
        .call("DELETE", &format!("/v1/dlq/{b}"), Some(&key), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(api.list_all(&dlq, &key).await.len(), 0);
    let d = api.get(&format!("/v1/deliveries/{b}"), &key).await;
    assert_eq!(d.body["data"]["status"], "discarded");
    assert_eq!(
        api.list_all("/v1/deliveries?status=discarded", &key)
            .await
            .len(),
        1
    );
    let r = api
        .call("DELETE", &format!("/v1/dlq/{b}"), Some(&key), None)
        .await;
    assert_eq!(r.status, 409);
    let r = api
        .call("DELETE", &format!("/v1/dlq/{replay}"), Some(&key), None)
        .await;
    assert_eq!(r.status, 409, "a succeeded delivery is not a dead letter");
    let r = api
        .call("DELETE", "/v1/dlq/msg_nope", Some(&key), None)
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(receiver.count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_replay_by_filter_runs_as_a_job_and_rejects_bad_requests() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let other = api.create_webhook(&key, &receiver.url, json!({})).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(send(&api, &hook, &format!(r#"{{"n":{n}}}"#)).await);
    }
    let elsewhere = send(&api, &other, "{}").await;
    for id in ids.iter().chain([&elsewhere]) {
        api.wait_delivery(&key, id, |d| d["status"] == "succeeded")
            .await;
    }

    let body = json!({ "webhookId": hook["id"], "status": "succeeded", "ratePerSecond": 1000 });
    let r = api.post("/v1/deliveries/replay", &key, body).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["data"]["total"], 3);
    let job = wait_job(&api, &key, s(&r.body["data"]["id"])).await;
    assert_eq!(
        (job["progress"].clone(), job["replayed"].clone()),
        (json!(100), json!(3))
    );
    let got = receiver.wait_for(7, WAIT).await;
    let replayed: HashSet<_> = got[4..].iter().map(|r| r.body.clone()).collect();
    let expected: HashSet<_> = (0..3)
        .map(|n| bytes::Bytes::from(format!(r#"{{"n":{n}}}"#)))
        .collect();
    assert_eq!(replayed, expected);
    let replays = api
        .list_all(
            &format!("/v1/deliveries?webhookId={}", s(&hook["id"])),
            &key,
        )
        .await;
    let linked: HashSet<_> = replays
        .iter()
        .filter_map(|d| d["replayOf"].as_str().map(str::to_string))
        .collect();
    assert_eq!(linked, ids.iter().cloned().collect());

    for (path, body, field) in [
        ("/v1/deliveries/replay", json!({}), "webhookId"),
        (
            "/v1/deliveries/replay",
            json!({ "status": "dead", "ratePerSecond": 0 }),
            "ratePerSecond",
        ),
        ("/v1/deliveries/replay", json!({ "from": "soon" }), "from"),
        ("/v1/dlq/replay", json!({ "status": "dead" }), "status"),
    ] {
        let r = api.post(path, &key, body.clone()).await;
        assert_eq!(
            (r.status, r.body["error"]["field"].clone()),
            (400, json!(field)),
            "{path} {body}: {}",
            r.body
        );
    }
    let r = api
        .post("/v1/dlq/replay", &key, json!({ "webhookId": "wh_nope" }))
        .await;
    assert_eq!(r.status, 404);
    let r = api.get("/v1/replay-jobs/rjob_nope", &key).await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_replay_of_1000_dead_letters_reaches_100_percent_and_every_one_arrives() {
    const N: usize = 1000;
    // Auto-disable off: a destination down this long would be disabled; and
    // its circuit would open (holding the deliveries): this test is about
    // dead letters, so it opens later.
    let extra = [
        "--auto-disable-after-dead",
        "0",
        "--circuit-failures",
        "1000",
    ]
    .map(String::from)
    .to_vec();
    let opts = ServerOpts {
        extra,
        ..ServerOpts::default()
    };
    let server = Server::start(opts).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::with_plan(vec![500; N], 200, Duration::ZERO).await;
    let hook = api
        .create_webhook(&key, &receiver.url, json!({ "retrySchedule": [] }))
        .await;
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in 0..10 {
        let (api, hook) = (api.clone(), hook.clone());
        tasks.spawn(async move {
            for n in chunk * (N / 10)..(chunk + 1) * (N / 10) {
                send(&api, &hook, &format!(r#"{{"n":{n}}}"#)).await;
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    receiver.wait_for(N, Duration::from_secs(60)).await;
    let deadline = Instant::now() + WAIT;
    while api.list_all("/v1/dlq", &key).await.len() < N {
        assert!(
            Instant::now() < deadline,
            "not every delivery reached the dead-letter queue"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let r = api
        .post(
            "/v1/dlq/replay",
            &key,
            json!({ "webhookId": hook["id"], "ratePerSecond": 1000 }),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["data"]["total"], N);
    let job = wait_job(&api, &key, s(&r.body["data"]["id"])).await;
    assert_eq!(
        (job["progress"].clone(), job["replayed"].clone()),
        (json!(100), json!(N))
    );

    let got = receiver.wait_for(2 * N, Duration::from_secs(60)).await;
    let bodies: HashSet<_> = got[N..].iter().map(|r| r.body.clone()).collect();
    assert_eq!(bodies.len(), N, "every dead delivery arrives once more");
    assert!(got[N..]
        .iter()
        .all(|r| verifies(s(&hook["signingSecret"]), r)));
    assert_eq!(api.list_all("/v1/dlq", &key).await.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_whose_deliveries_keep_dying_is_disabled_until_patched() {
    // The circuit would open after 5 failures and let only probes through;
    // this test counts dead deliveries, so it opens later.
    let opts = ServerOpts {
        extra: vec!["--circuit-failures".into(), "100".into()],
        ..ServerOpts::default()
    };
    let server = Server::start(opts).await;
    let (project, key) = server.create_project("acme");
    let out = server.cli(&[
        "project",
        "set-tier",
        "--project",
        &project,
        "--tier",
        "pro",
    ]);
    assert!(out.status.success());
    let api = server.api();
    // One success first: only dead deliveries in a row count.
    let mut plan = vec![500; 5];
    plan.push(200);
    let receiver = Receiver::with_plan(plan, 500, Duration::ZERO).await;
    let hook = api
        .create_webhook(&key, &receiver.url, json!({ "retrySchedule": [] }))
        .await;
    let hook_path = format!("/v1/webhooks/{}", s(&hook["id"]));
    for n in 0..6 {
        let id = send(&api, &hook, &format!("{n}")).await;
        api.wait_delivery(&key, &id, |d| {
            d["status"] == "dead" || d["status"] == "succeeded"
        })
        .await;
    }
    for n in 0..19 {
        let id = send(&api, &hook, &format!("after {n}")).await;
        api.wait_delivery(&key, &id, |d| d["status"] == "dead")
            .await;
    }
    assert_eq!(
        api.get(&hook_path, &key).await.body["data"]["enabled"],
        true,
        "19 in a row is below the threshold"
    );
    send(&api, &hook, "the twentieth").await;
    let disabled = api
        .wait_until(&hook_path, &key, |w| w["enabled"] == false)
        .await;
    assert!(
        s(&disabled["disabledReason"]).contains("20 deliveries in a row"),
        "{disabled}"
    );
    let entries = api
        .list_all("/v1/project/audit-logs?action=webhook.auto_disable", &key)
        .await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"]["type"], "system");
    assert_eq!(entries[0]["target"]["id"], hook["id"]);

    // Events are still accepted and held, then delivered once re-enabled.
    let held = send(&api, &hook, "held").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.count(), 26);
    let r = api
        .call(
            "PATCH",
            &hook_path,
            Some(&key),
            Some(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(
        (r.status, r.body["data"]["disabledReason"].clone()),
        (200, Value::Null)
    );
    api.wait_delivery(&key, &held, |d| d["attemptCount"] == 1)
        .await;
    assert_eq!(receiver.count(), 27);
}

/// The node whose write path disables an endpoint forgets its cached
/// routes then, not when they expire (an hour here): its next message
/// skips the endpoint, as a disabled endpoint is not subscribed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_disabled_automatically_is_left_out_of_the_next_message() {
    let opts = ServerOpts {
        extra: [
            "--auto-disable-after-dead",
            "3",
            "--cache-ttl-ms",
            "3600000",
        ]
        .map(String::from)
        .to_vec(),
        ..ServerOpts::default()
    };
    let server = Server::start(opts).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let app = api
        .post("/v1/applications", &key, json!({ "name": "customer" }))
        .await;
    assert_eq!(app.status, 201, "{}", app.body);
    let application = s(&app.body["data"]["id"]);
    let broken = Receiver::with_plan(Vec::new(), 500, Duration::ZERO).await;
    let working = Receiver::start().await;
    let broken_hook = api
        .create_webhook(
            &key,
            &broken.url,
            json!({ "applicationId": application, "retrySchedule": [] }),
        )
        .await;
    let working_hook = api
        .create_webhook(&key, &working.url, json!({ "applicationId": application }))
        .await;
    let send = || api.send_message(&key, application);

    for _ in 0..3 {
        let deliveries = send().await;
        assert_eq!(deliveries.len(), 2, "{deliveries:?}");
        for (endpoint, id) in deliveries {
            if endpoint == s(&broken_hook["id"]) {
                api.wait_delivery(&key, &id, |d| d["status"] == "dead")
                    .await;
            }
        }
    }
    api.wait_until(
        &format!("/v1/webhooks/{}", s(&broken_hook["id"])),
        &key,
        |w| w["enabled"] == false,
    )
    .await;
    let endpoints: Vec<String> = send().await.into_iter().map(|(e, _)| e).collect();
    assert_eq!(endpoints, [s(&working_hook["id"])]);
    working.wait_for(4, WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_and_dead_letters_filter_by_event_type_where_known() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::with_plan(vec![], 500, Duration::ZERO).await;
    for name in ["invoice.paid", "invoice.failed"] {
        let r = api
            .post("/v1/event-types", &key, json!({ "name": name }))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = api
        .post("/v1/applications", &key, json!({ "name": "customer" }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let app = s(&r.body["data"]["id"]).to_string();
    api.create_webhook(
        &key,
        &receiver.url,
        json!({ "applicationId": app, "retrySchedule": [] }),
    )
    .await;
    let plain = api
        .create_webhook(&key, &receiver.url, json!({ "retrySchedule": [] }))
        .await;
    let mut by_type = Vec::new();
    for event_type in ["invoice.paid", "invoice.failed"] {
        let r = api
            .post(
                &format!("/v1/applications/{app}/messages"),
                &key,
                json!({ "eventType": event_type, "payload": {} }),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
        by_type.push(s(&r.body["data"]["deliveries"][0]["id"]).to_string());
    }
    let ingested = send(&api, &plain, "{}").await;
    for id in by_type.iter().chain([&ingested]) {
        api.wait_delivery(&key, id, |d| d["status"] == "dead").await;
    }

    let paid = api
        .list_all("/v1/deliveries?eventType=invoice.paid", &key)
        .await;
    assert_eq!(paid.len(), 1, "{paid:?}");
    assert_eq!(
        (s(&paid[0]["id"]), &paid[0]["eventType"]),
        (by_type[0].as_str(), &json!("invoice.paid"))
    );
    let all = api.list_all("/v1/deliveries", &key).await;
    let types: Vec<_> = all
        .iter()
        .map(|d| (s(&d["id"]).to_string(), d["eventType"].clone()))
        .collect();
    assert_eq!(
        types,
        vec![
            (ingested.clone(), Value::Null),
            (by_type[1].clone(), json!("invoice.failed")),
            (by_type[0].clone(), json!("invoice.paid"))
        ],
        "newest first, the type shown where known"
    );
    assert_eq!(
        api.list_all("/v1/deliveries?eventType=invoice.refunded", &key)
            .await
            .len(),
        0
    );
    assert_eq!(
        api.list_all(
            "/v1/deliveries?eventType=invoice.paid&status=succeeded",
            &key
        )
        .await
        .len(),
        0
    );

    let failed = api.list_all("/v1/dlq?eventType=invoice.failed", &key).await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(
        (s(&failed[0]["id"]), &failed[0]["eventType"]),
        (by_type[1].as_str(), &json!("invoice.failed"))
    );
    assert_eq!(api.list_all("/v1/dlq", &key).await.len(), 3);

    let detail = api
        .get(&format!("/v1/deliveries/{}", by_type[1]), &key)
        .await;
    assert_eq!(detail.body["data"]["eventType"], "invoice.failed");
    let detail = api.get(&format!("/v1/deliveries/{ingested}"), &key).await;
    assert_eq!(detail.body["data"]["eventType"], Value::Null);

    // Another project's messages of the same type are not listed.
    let (_, other) = server.create_project("other");
    assert_eq!(
        api.list_all("/v1/deliveries?eventType=invoice.paid", &other)
            .await
            .len(),
        0
    );
}
