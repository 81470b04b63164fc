//! Webhook schedules: the routes, firing on time and once across nodes, and
//! missed firings after downtime.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

fn rfc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_are_created_listed_paused_resumed_and_deleted() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let hook = api
        .create_webhook(&key, "http://127.0.0.1:9/x", json!({}))
        .await;
    let base = format!("/v1/webhooks/{}/schedules", s(&hook["id"]));

    let body = json!({ "name": "daily", "cron": "0 9 * * *", "timeZone": "Europe/Paris", "payload": { "type": "report.due" } });
    let r = api.post(&base, &key, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let created = r.body["data"].clone();
    let id = s(&created["id"]).to_string();
    assert_eq!(created["status"], "active");
    assert_eq!(created["payload"], r#"{"type":"report.due"}"#);
    assert_eq!(created["contentType"], "application/json");
    let next = ms(s(&created["nextRunAt"]));
    assert!(next > chrono::Utc::now().timestamp_millis());
    // 09:00 in Paris is 07:00 or 08:00 UTC.
    let hour_utc = (next / 3_600_000) % 24;
    assert!(hour_utc == 7 || hour_utc == 8, "{}", created["nextRunAt"]);

    let listed = api.list_all(&base, &key).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        api.get(&format!("{base}/{id}"), &key).await.body["data"]["name"],
        "daily"
    );

    let paused = api
        .post(&format!("{base}/{id}/pause"), &key, json!({}))
        .await;
    assert_eq!(
        (
            paused.body["data"]["status"].clone(),
            paused.body["data"]["nextRunAt"].clone()
        ),
        (json!("paused"), Value::Null)
    );
    let resumed = api
        .post(&format!("{base}/{id}/resume"), &key, json!({}))
        .await;
    assert_eq!(resumed.body["data"]["status"], "active");
    assert_eq!(resumed.body["data"]["nextRunAt"], created["nextRunAt"]);

    assert_eq!(
        api.call("DELETE", &format!("{base}/{id}"), Some(&key), None)
            .await
            .status,
        204
    );
    assert_eq!(api.get(&format!("{base}/{id}"), &key).await.status, 404);
    assert_eq!(
        api.call("DELETE", &format!("{base}/{id}"), Some(&key), None)
            .await
            .status,
        404
    );

    let soon = rfc(chrono::Utc::now() + chrono::Duration::hours(1));
    let past = rfc(chrono::Utc::now() - chrono::Duration::hours(1));
    for (body, field) in [
        (
            json!({ "cron": "0 9 * * *", "runAt": soon, "payload": "x" }),
            "cron",
        ),
        (json!({ "payload": "x" }), "cron"),
        (json!({ "cron": "every morning", "payload": "x" }), "cron"),
        (
            json!({ "cron": "0 9 * * *", "timeZone": "Mars/Olympus", "payload": "x" }),
            "timeZone",
        ),
        (json!({ "runAt": past, "payload": "x" }), "runAt"),
        (json!({ "runAt": "tomorrow", "payload": "x" }), "runAt"),
        (
            json!({ "runAt": soon, "payload": "x", "contentType": "" }),
            "contentType",
        ),
        (
            json!({ "runAt": soon, "payload": "x", "headers": { "webhook-signature": "v1,forged" } }),
            "headers",
        ),
        (
            json!({ "runAt": soon, "payload": "x", "headers": { "bad name": "x" } }),
            "headers",
        ),
        (
            json!({ "runAt": soon, "payload": "x", "headers": { "x-ok": "line\nbreak" } }),
            "headers",
        ),
    ] {
        let r = api.post(&base, &key, body.clone()).await;
        assert_eq!(
            (r.status, r.body["error"]["field"].clone()),
            (400, json!(field)),
            "{body}: {}",
            r.body
        );
    }
    let r = api
        .post(
            "/v1/webhooks/wh_nope/schedules",
            &key,
            json!({ "runAt": soon, "payload": "x" }),
        )
        .await;
    assert_eq!(r.status, 404);
}

/// Two nodes on one database, a project and a webhook to a receiver.
async fn two_nodes_with_a_webhook() -> ((Server, Server), String, Api, Receiver, Value) {
    let server = Server::start(ServerOpts::default()).await;
    let second = server.another_node(ServerOpts::default());
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    ((server, second), key, api, receiver, hook)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_schedule_fires_on_time_and_once_with_two_nodes() {
    let (_nodes, key, api, receiver, hook) = two_nodes_with_a_webhook().await;
    let run_at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let body = json!({ "runAt": rfc(run_at), "payload": "tick", "contentType": "text/plain" });
    let r = api
        .post(
            &format!("/v1/webhooks/{}/schedules", s(&hook["id"])),
            &key,
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let path = format!(
        "/v1/webhooks/{}/schedules/{}",
        s(&hook["id"]),
        s(&r.body["data"]["id"])
    );
    // More schedules due at the same instant, so both nodes race on many.
    for i in 1..10 {
        let body = json!({ "runAt": rfc(run_at), "payload": format!("tick {i}"), "contentType": "text/plain" });
        assert_eq!(
            api.post(
                &format!("/v1/webhooks/{}/schedules", s(&hook["id"])),
                &key,
                body
            )
            .await
            .status,
            201
        );
    }

    let got = receiver.wait_for(10, WAIT).await;
    let got: Vec<_> = got
        .into_iter()
        .filter(|r| r.body.as_ref() == b"tick")
        .collect();
    assert_eq!(got.len(), 1);
    assert_eq!(header(&got[0], "content-type"), "text/plain");
    assert!(verifies(s(&hook["signingSecret"]), &got[0]));
    let fired = api
        .wait_until(&path, &key, |d| d["status"] == "completed")
        .await;
    assert_eq!(fired["nextRunAt"], Value::Null);
    assert_eq!(
        fired["lastDeliveryId"],
        header(&got[0], "webhook-id").as_str()
    );
    let delivery = api
        .get(
            &format!("/v1/deliveries/{}", header(&got[0], "webhook-id")),
            &key,
        )
        .await;
    assert!(
        ms(s(&delivery.body["data"]["createdAt"])) >= run_at.timestamp_millis(),
        "fired early"
    );

    // Both nodes have polled several times since; still one delivery.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let bodies: HashSet<_> = receiver.received().into_iter().map(|r| r.body).collect();
    assert_eq!(
        (receiver.count(), bodies.len()),
        (10, 10),
        "each schedule fired once"
    );
    assert_eq!(
        api.list_all(
            &format!("/v1/deliveries?webhookId={}", s(&hook["id"])),
            &key
        )
        .await
        .len(),
        10
    );
    let r = api.post(&format!("{path}/resume"), &key, json!({})).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (409, json!("schedule_completed"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_schedule_fires_once_per_due_time_with_two_nodes() {
    let (_nodes, key, api, receiver, hook) = two_nodes_with_a_webhook().await;
    let started = Instant::now();
    let body = json!({ "cron": "* * * * * *", "payload": { "every": "second" } });
    let r = api
        .post(
            &format!("/v1/webhooks/{}/schedules", s(&hook["id"])),
            &key,
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let path = format!(
        "/v1/webhooks/{}/schedules/{}",
        s(&hook["id"]),
        s(&r.body["data"]["id"])
    );

    receiver.wait_for(3, WAIT).await;
    assert_eq!(
        api.post(&format!("{path}/pause"), &key, json!({}))
            .await
            .status,
        200
    );
    let elapsed = started.elapsed().as_secs() as usize;
    tokio::time::sleep(Duration::from_millis(1000)).await;

    let deliveries = api
        .list_all(
            &format!("/v1/deliveries?webhookId={}", s(&hook["id"])),
            &key,
        )
        .await;
    for d in &deliveries {
        api.wait_delivery(&key, s(&d["id"]), |d| d["status"] == "succeeded")
            .await;
    }
    // One due time per second: never more deliveries than seconds passed.
    assert!(
        deliveries.len() <= elapsed + 1,
        "{} deliveries in {elapsed} s",
        deliveries.len()
    );
    let got = receiver.received();
    let ids: HashSet<_> = got.iter().map(|r| header(r, "webhook-id")).collect();
    assert_eq!(
        (ids.len(), got.len()),
        (deliveries.len(), deliveries.len()),
        "each firing delivered once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_firings_fire_once_on_recovery() {
    let mut server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    // Hourly, half an hour away from now, so that no real due time falls
    // within the test.
    let minute = (chrono::Timelike::minute(&chrono::Utc::now()) + 30) % 60;
    let r = api
        .post(
            &format!("/v1/webhooks/{}/schedules", s(&hook["id"])),
            &key,
            json!({ "cron": format!("{minute} * * * *"), "payload": "p" }),
        )
        .await;
    let id = s(&r.body["data"]["id"]).to_string();

    // Down for three hours: three due times passed while no node ran.
    server.kill();
    let hours_ago = chrono::Utc::now().timestamp_millis() - 3 * 3_600_000;
    server
        .sql(&format!(
            "UPDATE schedules SET next_run_at = {hours_ago} WHERE id = '{id}'"
        ))
        .await;
    server.restart();
    let api = server.api();

    receiver.wait_for(1, WAIT).await;
    let path = format!("/v1/webhooks/{}/schedules/{id}", s(&hook["id"]));
    let s_now = api
        .wait_until(&path, &key, |d| d["lastRunAt"].is_string())
        .await;
    assert!(
        ms(s(&s_now["nextRunAt"])) > chrono::Utc::now().timestamp_millis(),
        "caught up slot by slot: {s_now}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firings_are_skipped_while_the_monthly_quota_is_used_up() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, key) = server.create_project_on("acme", "free"); // 10,000 events a month
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let run_at = rfc(chrono::Utc::now() + chrono::Duration::seconds(2));
    let r = api
        .post(
            &format!("/v1/webhooks/{}/schedules", s(&hook["id"])),
            &key,
            json!({ "runAt": run_at, "payload": "p" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let now = chrono::Utc::now().timestamp_millis();
    let hour = now - now.rem_euclid(3_600_000);
    server
        .sql(&format!("INSERT INTO usage_counters (project_id, webhook_id, hour_start, events, deliveries, attempts, successes, failures, dead, bytes_in, bytes_out) VALUES ('{project}', 'wh_gone', {hour}, 10000, 10000, 0, 0, 0, 0, 0, 0)"))
        .await;

    let path = format!(
        "/v1/webhooks/{}/schedules/{}",
        s(&hook["id"]),
        s(&r.body["data"]["id"])
    );
    let fired = api
        .wait_until(&path, &key, |d| d["status"] == "completed")
        .await;
    assert_eq!(fired["lastDeliveryId"], Value::Null);
    assert_eq!(
        api.list_all(
            &format!("/v1/deliveries?webhookId={}", s(&hook["id"])),
            &key
        )
        .await
        .len(),
        0
    );
    assert_eq!(receiver.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firing_carries_the_schedules_headers_in_addition_to_the_webhooks() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api
        .create_webhook(
            &key,
            &receiver.url,
            json!({ "headers": { "x-team": "payments", "x-source": "webhook" } }),
        )
        .await;
    let base = format!("/v1/webhooks/{}/schedules", s(&hook["id"]));
    let run_at = rfc(chrono::Utc::now() + chrono::Duration::milliseconds(300));
    let headers = json!({ "x-report": "daily", "x-source": "schedule" });
    let r = api.post(&base, &key, json!({ "runAt": run_at, "payload": "tick", "contentType": "text/plain", "headers": headers })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["data"]["headers"], headers);

    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].body.as_ref(), b"tick");
    assert_eq!(header(&got[0], "x-report"), "daily");
    assert_eq!(header(&got[0], "x-team"), "payments");
    assert_eq!(
        header(&got[0], "x-source"),
        "schedule",
        "the schedule's header replaces the webhook's"
    );
    assert_eq!(header(&got[0], "content-type"), "text/plain");
    assert!(verifies(s(&hook["signingSecret"]), &got[0]));

    let delivery = header(&got[0], "webhook-id");
    let d = api
        .wait_delivery(&key, &delivery, |d| d["status"] == "succeeded")
        .await;
    assert_eq!(d["requestHeaders"]["x-report"], "daily");
    assert_eq!(d["requestHeaders"]["x-source"], "schedule");

    // A replay of the firing carries them too; an ingested event does not.
    let r = api
        .post(
            &format!("/v1/deliveries/{delivery}/replay"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let r = api
        .ingest(s(&hook["ingestUrl"]), s(&hook["ingestSecret"]), b"{}")
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let ingested = s(&r.body["data"]["id"]).to_string();
    let got = receiver.wait_for(3, WAIT).await;
    let replayed = got
        .iter()
        .find(|g| header(g, "webhook-id") != delivery && header(g, "webhook-id") != ingested)
        .unwrap();
    assert_eq!(header(replayed, "x-report"), "daily");
    let plain = got
        .iter()
        .find(|g| header(g, "webhook-id") == ingested)
        .unwrap();
    assert_eq!(
        (header(plain, "x-report"), header(plain, "x-source")),
        (String::new(), "webhook".to_string())
    );
}
