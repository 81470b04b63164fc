//! Operator notifications: channels, tier gating, and every kind of notice,
//! signed with the channel's secret.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Notices of `kind` the channel received so far, each checked against the
/// channel's secret.
fn notices(channel: &Receiver, secret: &str, kind: &str) -> Vec<Value> {
    channel
        .received()
        .iter()
        .map(|r| {
            assert!(
                verifies(secret, r),
                "notification not signed with the channel secret"
            );
            serde_json::from_slice::<Value>(&r.body).unwrap()
        })
        .filter(|n| n["type"] == kind)
        .collect()
}

async fn wait_notices(
    channel: &Receiver,
    secret: &str,
    kind: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = notices(channel, secret, kind);
        if done(&got) {
            return got;
        }
        assert!(Instant::now() < deadline, "no {kind} notice: {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_need_an_admin_key_and_a_tier_with_notifications() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, admin) = server.create_project_on("acme", "free");
    let api = server.api();
    let body = json!({ "url": "https://ops.example.com/hooks" });
    let r = api
        .post("/v1/project/notification-channels", &admin, body.clone())
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (403, json!("tier_required"))
    );

    assert!(server
        .cli(&[
            "project",
            "set-tier",
            "--project",
            &project,
            "--tier",
            "enterprise"
        ])
        .status
        .success());
    let created = api
        .wait_until("/v1/project/notification-channels", &admin, |d| {
            d.is_array()
        })
        .await;
    assert_eq!(created, json!([]));
    let r = api
        .post("/v1/project/notification-channels", &admin, body)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = s(&r.body["data"]["id"]).to_string();
    assert!(s(&r.body["data"]["signingSecret"]).starts_with("whsec_"));
    let got = api
        .get(&format!("/v1/project/notification-channels/{id}"), &admin)
        .await;
    assert_eq!(
        got.body["data"]["signingSecret"],
        Value::Null,
        "the secret is shown once"
    );
    assert_eq!(got.body["data"]["url"], "https://ops.example.com/hooks");

    let w = api
        .post(
            "/v1/project/api-keys",
            &admin,
            json!({ "name": "ci", "role": "write" }),
        )
        .await;
    let r = api
        .get(
            "/v1/project/notification-channels",
            s(&w.body["data"]["secret"]),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = api
        .post(
            "/v1/project/notification-channels",
            &admin,
            json!({ "url": "ftp://x" }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("url"))
    );
    assert_eq!(
        api.call(
            "DELETE",
            &format!("/v1/project/notification-channels/{id}"),
            Some(&admin),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        api.get(&format!("/v1/project/notification-channels/{id}"), &admin)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_hears_of_auto_disable_dead_letters_quota_and_ending_overlaps() {
    // The broken endpoint's circuit would open after 5 failures and hold the
    // rest of the storm; this test wants ten dead deliveries, so it opens later.
    let opts = ServerOpts {
        extra: [
            "--auto-disable-after-dead",
            "10",
            "--notification-interval-seconds",
            "1",
            "--circuit-failures",
            "100",
        ]
        .map(String::from)
        .to_vec(),
        ..ServerOpts::default()
    };
    let server = Server::start(opts).await;
    let (project, admin) = server.create_project("acme");
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
            &admin,
            json!({ "url": channel.url }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = s(&r.body["data"]["signingSecret"]).to_string();

    // A storm of ten dead deliveries: aggregated notices, then auto-disable.
    let broken = Receiver::with_plan(vec![], 500, Duration::ZERO).await;
    let hook = api
        .create_webhook(&admin, &broken.url, json!({ "retrySchedule": [] }))
        .await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..10 {
        let (api, url, key) = (
            api.clone(),
            s(&hook["ingestUrl"]).to_string(),
            s(&hook["ingestSecret"]).to_string(),
        );
        tasks.spawn(async move {
            assert_eq!(
                api.ingest(&url, &key, format!("{n}").as_bytes())
                    .await
                    .status,
                202
            )
        });
    }
    while let Some(t) = tasks.join_next().await {
        t.unwrap();
    }
    let disabled = wait_notices(&channel, &secret, "webhook.auto_disabled", |n| {
        !n.is_empty()
    })
    .await;
    assert_eq!(disabled[0]["data"]["webhookId"], hook["id"]);
    assert_eq!(disabled[0]["projectId"], project.as_str());
    let dead = wait_notices(&channel, &secret, "delivery.dead_lettered", |n| {
        n.iter()
            .map(|x| x["data"]["count"].as_i64().unwrap())
            .sum::<i64>()
            >= 10
    })
    .await;
    assert!(
        dead.len() < 10,
        "dead letters are aggregated, not one notice each: {}",
        dead.len()
    );
    assert_eq!(
        dead.iter()
            .map(|x| x["data"]["count"].as_i64().unwrap())
            .sum::<i64>(),
        10
    );

    // The month's events at 80%, then at 100% (pro: 1,000,000).
    let now = chrono::Utc::now().timestamp_millis();
    let hour = now - now.rem_euclid(3_600_000);
    let seed = |webhook: &str, events: i64| {
        format!("INSERT INTO usage_counters (project_id, webhook_id, hour_start, events, deliveries, attempts, successes, failures, dead, bytes_in, bytes_out) VALUES ('{project}', '{webhook}', {hour}, {events}, 0, 0, 0, 0, 0, 0, 0)")
    };
    server.sql(&seed("wh_a", 800_000)).await;
    let quota = wait_notices(&channel, &secret, "quota.threshold_reached", |n| {
        !n.is_empty()
    })
    .await;
    assert_eq!(
        (
            quota[0]["data"]["percent"].clone(),
            quota[0]["data"]["limit"].clone()
        ),
        (json!(80), json!(1_000_000))
    );
    server.sql(&seed("wh_b", 200_000)).await;
    let quota = wait_notices(&channel, &secret, "quota.threshold_reached", |n| {
        n.len() >= 2
    })
    .await;
    assert_eq!(quota[1]["data"]["percent"], 100);

    // A signing secret whose overlap ends within the hour.
    let r = api
        .post(
            &format!("/v1/webhooks/{}/rotate-signing-secret", s(&hook["id"])),
            &admin,
            json!({ "overlapSeconds": 600 }),
        )
        .await;
    assert_eq!(r.status, 200);
    let ending = wait_notices(&channel, &secret, "secret.overlap_ending", |n| {
        !n.is_empty()
    })
    .await;
    assert_eq!(
        (
            ending[0]["data"]["webhookId"].clone(),
            ending[0]["data"]["kind"].clone()
        ),
        (hook["id"].clone(), json!("signing"))
    );

    // Each notice once, however often the checks ran since.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for (kind, n) in [
        ("webhook.auto_disabled", 1),
        ("quota.threshold_reached", 2),
        ("secret.overlap_ending", 1),
    ] {
        assert_eq!(notices(&channel, &secret, kind).len(), n, "{kind}");
    }
}
