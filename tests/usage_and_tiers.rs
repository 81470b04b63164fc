//! Usage counters and project tiers, end to end.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Polls `/v1/usage` until `done` holds for its totals.
async fn wait_usage(api: &Api, key: &str, query: &str, done: impl Fn(&Value) -> bool) -> Value {
    api.wait_until(&format!("/v1/usage?{query}"), key, |d| done(&d["totals"]))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_counts_events_attempts_outcomes_and_bytes() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let flaky = Receiver::with_plan(vec![500], 200, Duration::ZERO).await;
    let broken = Receiver::with_plan(vec![], 500, Duration::ZERO).await;
    let a = api
        .create_webhook(&key, &flaky.url, json!({ "retrySchedule": [0] }))
        .await;
    let b = api
        .create_webhook(&key, &broken.url, json!({ "retrySchedule": [] }))
        .await;
    for body in ["0123456789", "abcdefghij", "ABCDEFGHIJ"] {
        let r = api
            .ingest(s(&a["ingestUrl"]), s(&a["ingestSecret"]), body.as_bytes())
            .await;
        assert_eq!(r.status, 202);
    }
    let r = api
        .ingest(s(&b["ingestUrl"]), s(&b["ingestSecret"]), b"12345")
        .await;
    assert_eq!(r.status, 202);

    let all = wait_usage(&api, &key, "granularity=hour", |t| t["attempts"] == 5).await;
    let totals = &all["totals"];
    assert_eq!(totals["events"], 4);
    assert_eq!(totals["deliveries"], 4);
    assert_eq!(totals["successes"], 3);
    assert_eq!(totals["failures"], 2);
    assert_eq!(totals["dead"], 1);
    assert_eq!(totals["bytesIn"], 35);
    assert_eq!(totals["bytesOut"], 4 * 10 + 5);
    let buckets = all["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 24);
    assert_eq!(
        buckets
            .iter()
            .map(|b| b["events"].as_i64().unwrap())
            .sum::<i64>(),
        4
    );

    let only_b = wait_usage(&api, &key, &format!("webhookId={}", s(&b["id"])), |t| {
        t["dead"] == 1
    })
    .await;
    assert_eq!(only_b["granularity"], "day");
    assert_eq!(only_b["buckets"].as_array().unwrap().len(), 30);
    assert_eq!(
        (
            only_b["totals"]["events"].clone(),
            only_b["totals"]["successes"].clone()
        ),
        (json!(1), json!(0))
    );

    // A replay is a delivery without a new event.
    let id = s(&r.body["data"]["id"]).to_string();
    assert_eq!(
        api.post(&format!("/v1/deliveries/{id}/replay"), &key, json!({}))
            .await
            .status,
        202
    );
    wait_usage(&api, &key, "", |t| t["deliveries"] == 5 && t["events"] == 4).await;

    for (query, field) in [
        ("granularity=week", "granularity"),
        ("from=nope", "from"),
        ("granularity=hour&from=2020-01-01T00:00:00Z", "from"),
    ] {
        let r = api.get(&format!("/v1/usage?{query}"), &key).await;
        assert_eq!(
            (r.status, r.body["error"]["field"].clone()),
            (400, json!(field)),
            "{query}: {}",
            r.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tier_limits_answer_quota_exceeded_and_payload_too_large() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, key) = server.create_project_on("acme", "free");
    let api = server.api();
    let receiver = Receiver::start().await;
    let mut hooks = Vec::new();
    for _ in 0..10 {
        hooks.push(api.create_webhook(&key, &receiver.url, json!({})).await);
    }
    let r = api
        .post(
            "/v1/webhooks",
            &key,
            json!({ "name": "one too many", "destinationUrl": receiver.url }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (429, json!("quota_exceeded")),
        "{}",
        r.body
    );

    let limits = api.get("/v1/project", &key).await.body["data"]["limits"].clone();
    assert_eq!(
        (limits["maxWebhooks"].clone(), limits["auditLog"].clone()),
        (json!(10), json!(false))
    );

    let hook = &hooks[0];
    let big = vec![b'x'; 256 * 1024 + 1];
    let r = api
        .ingest(s(&hook["ingestUrl"]), s(&hook["ingestSecret"]), &big)
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (413, json!("payload_too_large"))
    );

    // The month's quota used up (10,000 events on free), as counted.
    let now = chrono::Utc::now().timestamp_millis();
    let hour = now - now.rem_euclid(3_600_000);
    server
        .sql(&format!(
            "INSERT INTO usage_counters (project_id, webhook_id, hour_start, events, deliveries, attempts, successes, failures, dead, bytes_in, bytes_out) VALUES ('{project}', 'wh_gone', {hour}, 10000, 10000, 0, 0, 0, 0, 0, 0)"
        ))
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await; // the per-node cache
    let r = api
        .ingest(s(&hook["ingestUrl"]), s(&hook["ingestSecret"]), b"{}")
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (429, json!("quota_exceeded")),
        "{}",
        r.body
    );
    let retry_after: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 31 * 24 * 3600);
    let r = api
        .send_raw(
            &format!("{}/v1/webhooks/{}/events", api.base, s(&hook["id"])),
            Some(&key),
            b"{}",
            Some("application/json"),
            None,
        )
        .await;
    assert_eq!(r.status, 429);

    // pro lifts both limits.
    let out = server.cli(&[
        "project",
        "set-tier",
        "--project",
        &project,
        "--tier",
        "pro",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let r = api
        .ingest(s(&hook["ingestUrl"]), s(&hook["ingestSecret"]), &big)
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(
        api.get("/v1/project", &key).await.body["data"]["limits"]["eventsPerMonth"],
        1_000_000
    );
    assert_eq!(
        api.post(
            "/v1/webhooks",
            &key,
            json!({ "name": "eleventh", "destinationUrl": receiver.url })
        )
        .await
        .status,
        201
    );

    let out = server.cli(&[
        "project",
        "set-tier",
        "--project",
        &project,
        "--tier",
        "gold",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("free, pro, enterprise"));
    let out = server.cli(&[
        "project",
        "set-tier",
        "--project",
        "proj_nope",
        "--tier",
        "pro",
    ]);
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_projects_take_the_servers_default_tier_unlimited_unless_set() {
    let mut server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("self-hosted");
    let api = server.api();
    let project = api.get("/v1/project", &key).await.body["data"].clone();
    assert_eq!(project["tier"], "unlimited");
    let limits = &project["limits"];
    for limit in [
        "maxWebhooks",
        "eventsPerMonth",
        "retentionDays",
        "maxPayloadBytes",
    ] {
        assert_eq!(limits[limit], Value::Null, "{limit} is unlimited: {limits}");
    }
    assert_eq!(
        (limits["auditLog"].clone(), limits["notifications"].clone()),
        (json!(true), json!(true))
    );
    // Only the server's --max-payload-bytes (1 MiB) bounds a payload.
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let r = api
        .ingest(
            s(&hook["ingestUrl"]),
            s(&hook["ingestSecret"]),
            &vec![b'x'; 1024 * 1024 - 1024],
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);

    // --tier on create, and a wrong name refused before anything is made.
    let (_, pro) = server.create_project_on("shop", "pro");
    assert_eq!(
        api.get("/v1/project", &pro).await.body["data"]["tier"],
        "pro"
    );
    let out = server.cli(&["project", "create", "--name", "x", "--tier", "gold"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("free, pro, enterprise, unlimited"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The server's setting, from its flag or its environment variable.
    server.opts_mut().extra = vec!["--default-tier".into(), "free".into()];
    server.restart();
    let (_, free) = server.create_project("customer");
    assert_eq!(
        server.api().get("/v1/project", &free).await.body["data"]["tier"],
        "free"
    );
    *server.opts_mut() = ServerOpts {
        env: vec![("HOOKRELAY_DEFAULT_TIER".into(), "enterprise".into())],
        ..ServerOpts::default()
    };
    server.restart();
    let (_, ent) = server.create_project("big customer");
    assert_eq!(
        server.api().get("/v1/project", &ent).await.body["data"]["tier"],
        "enterprise"
    );
}

/// Every way in takes the same tier checks: ingest, the Public API's send
/// route, application messages, the portal's and the dashboard's test
/// events, new schedules; replays are not new events and pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_way_in_applies_the_tier_payload_limit_and_monthly_quota() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, key) = server.create_project("acme");
    let out = server.cli(&[
        "project",
        "set-tier",
        "--project",
        &project,
        "--tier",
        "free",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.create_user(
        "ops@example.com",
        &project,
        "admin",
        "correct horse battery",
    );
    let mut dash = server.dashboard();
    assert_eq!(
        dash.login("ops@example.com", "correct horse battery")
            .await
            .status,
        200
    );
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let r = api
        .post("/v1/applications", &key, json!({ "name": "customer" }))
        .await;
    let app = s(&r.body["data"]["id"]).to_string();
    let endpoint = api
        .create_webhook(&key, &receiver.url, json!({ "applicationId": app }))
        .await;
    let portal = api
        .post(
            &format!("/v1/applications/{app}/portal/magic-link"),
            &key,
            json!({ "scopes": ["read", "write"] }),
        )
        .await;
    let portal = s(&portal.body["data"]["token"]).to_string();
    let message = |payload: Value| json!({ "eventType": "invoice.paid", "payload": payload });

    // One delivery to replay later, while the quota still allows events.
    let r = api
        .post(
            &format!("/v1/applications/{app}/messages"),
            &key,
            message(json!({ "n": 1 })),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let first = s(&r.body["data"]["deliveries"][0]["id"]).to_string();

    // The free tier's payload limit is 256 KiB, on messages too.
    let big = "x".repeat(256 * 1024);
    let r = api
        .post(
            &format!("/v1/applications/{app}/messages"),
            &key,
            message(json!(big)),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (413, json!("payload_too_large")),
        "{}",
        r.body
    );

    // The month's quota used up, as counted.
    let now = chrono::Utc::now().timestamp_millis();
    let hour = now - now.rem_euclid(3_600_000);
    server
        .sql(&format!("INSERT INTO usage_counters (project_id, webhook_id, hour_start, events, deliveries, attempts, successes, failures, dead, bytes_in, bytes_out) VALUES ('{project}', 'wh_gone', {hour}, 10000, 10000, 0, 0, 0, 0, 0, 0)"))
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await; // the per-node cache
    let hook_id = s(&hook["id"]);
    let refused = [
        (
            "ingest",
            api.ingest(s(&hook["ingestUrl"]), s(&hook["ingestSecret"]), b"{}")
                .await,
        ),
        (
            "send",
            api.send_raw(
                &format!("{}/v1/webhooks/{hook_id}/events", api.base),
                Some(&key),
                b"{}",
                Some("application/json"),
                None,
            )
            .await,
        ),
        (
            "message",
            api.post(
                &format!("/v1/applications/{app}/messages"),
                &key,
                message(json!({ "n": 2 })),
            )
            .await,
        ),
        (
            "portal test",
            api.post(
                &format!("/portal-api/v1/endpoints/{}/test", s(&endpoint["id"])),
                &portal,
                json!({}),
            )
            .await,
        ),
        (
            "dashboard test",
            dash.call(
                "POST",
                &format!("/dashboard/api/projects/{project}/webhooks/{hook_id}/test-event"),
                None,
            )
            .await,
        ),
        (
            "schedule",
            api.post(
                &format!("/v1/webhooks/{hook_id}/schedules"),
                &key,
                json!({ "name": "s", "runAt": "2099-01-01T00:00:00Z", "payload": {} }),
            )
            .await,
        ),
    ];
    for (way, r) in refused {
        assert_eq!(
            (r.status, r.body["error"]["code"].clone()),
            (429, json!("quota_exceeded")),
            "{way}: {}",
            r.body
        );
        assert!(r.headers.contains_key("retry-after"), "{way}");
    }
    let r = api
        .post(&format!("/v1/deliveries/{first}/replay"), &key, json!({}))
        .await;
    assert_eq!(r.status, 202, "a replay is not a new event: {}", r.body);
    receiver.wait_for(2, Duration::from_secs(20)).await;
}
