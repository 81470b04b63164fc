//! End-to-end delivery: real server, real receiver, real signatures.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_carries_exact_bytes_and_a_valid_signature() {
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
    let secret = hook["signingSecret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert!(hook["ingestSecret"].as_str().unwrap().starts_with("whsec_"));

    // Odd spacing, key order and unicode: the receiver must see these bytes.
    let body = "{ \"b\":1,  \"a\" : \"h\u{e9}llo\" }\n".as_bytes();
    let r = api
        .send_raw(
            hook["ingestUrl"].as_str().unwrap(),
            hook["ingestSecret"].as_str(),
            body,
            Some("application/vnd.acme+json"),
            None,
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let delivery_id = r.body["data"]["id"].as_str().unwrap().to_string();

    let got = receiver.wait_for(1, WAIT).await;
    let req = &got[0];
    assert_eq!(req.body.as_ref(), body);
    assert_eq!(header(req, "content-type"), "application/vnd.acme+json");
    assert_eq!(header(req, "webhook-id"), delivery_id);
    assert_eq!(header(req, "x-team"), "payments");
    let ts: i64 = header(req, "webhook-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    assert!(
        verifies(secret, req),
        "independent verifier rejected the signature"
    );
    assert!(
        !verifies(hook["ingestSecret"].as_str().unwrap(), req),
        "signed with the wrong secret"
    );

    let d = api
        .wait_delivery(&key, &delivery_id, |d| d["status"] == "succeeded")
        .await;
    assert_eq!(d["attemptCount"], 1);
    assert_eq!(d["attempts"][0]["statusCode"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_twice_then_succeeding_takes_three_attempts() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::with_plan(vec![500, 503], 200, Duration::ZERO).await;
    let hook = api
        .create_webhook(&key, &receiver.url, json!({ "retrySchedule": [0, 0, 0] }))
        .await;
    let r = api
        .ingest(
            hook["ingestUrl"].as_str().unwrap(),
            hook["ingestSecret"].as_str().unwrap(),
            b"{}",
        )
        .await;
    let id = r.body["data"]["id"].as_str().unwrap().to_string();

    let d = api
        .wait_delivery(&key, &id, |d| d["status"] == "succeeded")
        .await;
    assert_eq!(d["attemptCount"], 3);
    let codes: Vec<_> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["statusCode"].clone())
        .collect();
    assert_eq!(codes, vec![json!(500), json!(503), json!(200)]);
    // Every attempt carries the same webhook-id, so receivers can deduplicate.
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|r| header(r, "webhook-id") == id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn always_failing_ends_dead_with_every_attempt_recorded() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::with_plan(vec![], 500, Duration::ZERO).await;
    let hook = api
        .create_webhook(&key, &receiver.url, json!({ "retrySchedule": [0, 1] }))
        .await;
    let r = api
        .ingest(
            hook["ingestUrl"].as_str().unwrap(),
            hook["ingestSecret"].as_str().unwrap(),
            b"{}",
        )
        .await;
    let id = r.body["data"]["id"].as_str().unwrap().to_string();

    let d = api
        .wait_delivery(&key, &id, |d| d["status"] == "dead")
        .await;
    assert_eq!(d["attemptCount"], 3);
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a["attempt"], i + 1);
        assert_eq!(a["statusCode"], 500);
        assert!(a["durationMs"].as_i64().unwrap() >= 0);
    }
    assert_eq!(d["nextAttemptAt"], serde_json::Value::Null);
    let dead = api
        .get(
            &format!(
                "/v1/deliveries?status=dead&webhookId={}",
                hook["id"].as_str().unwrap()
            ),
            &key,
        )
        .await;
    assert_eq!(dead.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_errors_are_recorded_as_such() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let hook = api
        .create_webhook(
            &key,
            &format!("http://{closed}/x"),
            json!({ "retrySchedule": [] }),
        )
        .await;
    let r = api
        .ingest(
            hook["ingestUrl"].as_str().unwrap(),
            hook["ingestSecret"].as_str().unwrap(),
            b"{}",
        )
        .await;
    let id = r.body["data"]["id"].as_str().unwrap().to_string();
    let d = api
        .wait_delivery(&key, &id, |d| d["status"] == "dead")
        .await;
    assert_eq!(d["attempts"][0]["errorKind"], "connection_error");
    assert_eq!(d["attempts"][0]["statusCode"], serde_json::Value::Null);
}

/// A write batch of large binary bodies, 20 MiB in all with every byte
/// value, comes back byte for byte: a guard for any change to how the
/// write path carries bodies (binding, chunking, encoding).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_large_binary_bodies_is_stored_byte_for_byte() {
    use hookrelay::store::{Inserted, NewEvent, WriteBatch};
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = store_database(dir.path()).await;
    let store = open_store(&url, Duration::from_secs(60)).await;
    store.migrate().await.unwrap();
    let events: Vec<NewEvent> = (0..20u8)
        .map(|i| queued_event((0..1usize << 20).map(|b| b as u8 ^ i).collect()))
        .collect();
    let batch = WriteBatch {
        events: &events,
        ..Default::default()
    };
    let written = store.write_batch(&batch, 0).await.unwrap();
    assert!(written
        .events
        .iter()
        .all(|e| matches!(e, Inserted::Created)));
    assert_eq!(written.events.len(), events.len());
    for e in &events {
        let stored = store
            .get_event_payload("proj_x", &e.event_id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{} was not stored", e.event_id));
        assert!(stored.body == e.body, "{} changed", e.event_id);
    }
}

/// A destination may answer anything, NUL bytes included, which PostgreSQL
/// cannot store in text: its attempts were refused with the whole batch
/// they rode in, so the other endpoints' outcomes in that batch were lost
/// with them and retried, and the endpoint's own never recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_with_nul_bytes_is_recorded_beside_everyone_elses() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let nul = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            b"bad\0answer\0".to_vec(),
        )
    });
    let nul_url = format!("http://{}/hook", serve_on_loopback(nul).await);
    let receiver = Receiver::start().await;
    let broken = api
        .create_webhook(&key, &nul_url, json!({ "retrySchedule": [] }))
        .await;
    let fine = api.create_webhook(&key, &receiver.url, json!({})).await;

    let mut ids = Vec::new();
    for i in 0..20 {
        // Four answers with NUL, fewer than open the endpoint's circuit,
        // among the other endpoint's deliveries.
        let hooks = if i % 5 == 0 {
            vec![&fine, &broken]
        } else {
            vec![&fine]
        };
        for hook in hooks {
            let (url, secret) = ingest_credentials(hook);
            let body = format!("{{\"n\":{i}}}");
            let r = api.ingest(&url, &secret, body.as_bytes()).await;
            assert_eq!(r.status, 202, "{}", r.body);
            let id = r.body["data"]["id"].as_str().unwrap().to_string();
            ids.push((hook["id"] == broken["id"], id));
        }
    }
    for (is_broken, id) in &ids {
        let d = api
            .wait_delivery(&key, id, |d| {
                d["status"] == "dead" || d["status"] == "succeeded"
            })
            .await;
        if *is_broken {
            assert_eq!(d["status"], "dead", "{d}");
            assert_eq!(d["attempts"][0]["statusCode"], 500);
            assert_eq!(
                d["attempts"][0]["responseExcerpt"],
                "bad\u{fffd}answer\u{fffd}"
            );
        } else {
            assert_eq!(d["status"], "succeeded", "{d}");
            assert_eq!(d["attemptCount"], 1, "{d}");
        }
    }
    assert_eq!(receiver.count(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_rotation_sends_two_signatures_during_overlap_and_one_after() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let (id, ingest_url, ingest_secret) = (
        hook["id"].as_str().unwrap(),
        hook["ingestUrl"].as_str().unwrap(),
        hook["ingestSecret"].as_str().unwrap(),
    );
    let old = hook["signingSecret"].as_str().unwrap();

    let r = api
        .post(
            &format!("/v1/webhooks/{id}/rotate-signing-secret"),
            &key,
            json!({ "overlapSeconds": 3 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new = r.body["data"]["signingSecret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new, old);

    api.ingest(ingest_url, ingest_secret, b"{\"n\":1}").await;
    let during = receiver.wait_for(1, WAIT).await[0].clone();
    let sigs = signatures(&during);
    assert_eq!(sigs.len(), 2, "two signatures during overlap: {sigs:?}");
    assert!(
        verifies(&new, &with_only_signature(&during, &sigs[0])),
        "first entry is the new secret's"
    );
    assert!(
        verifies(old, &with_only_signature(&during, &sigs[1])),
        "second entry is the old secret's"
    );

    tokio::time::sleep(Duration::from_millis(3500)).await;
    api.ingest(ingest_url, ingest_secret, b"{\"n\":2}").await;
    let after = receiver.wait_for(2, WAIT).await[1].clone();
    assert_eq!(signatures(&after).len(), 1);
    assert!(verifies(&new, &after));
    assert!(!verifies(old, &after));

    let versions = api
        .get(&format!("/v1/webhooks/{id}/secret-versions"), &key)
        .await;
    let text = versions.body.to_string();
    assert!(
        !text.contains(&new[6..]) && !text.contains(&old[6..]),
        "ledger must not leak secrets"
    );
    let signing: Vec<_> = versions.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "signing")
        .collect();
    assert_eq!(signing.len(), 2);
    assert_eq!(signing[0]["status"], "active");
    assert_eq!(signing[1]["status"], "retired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_rotation_accepts_the_old_secret_until_retired_at() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let (id, url, old) = (
        hook["id"].as_str().unwrap(),
        hook["ingestUrl"].as_str().unwrap(),
        hook["ingestSecret"].as_str().unwrap(),
    );

    let r = api
        .post(
            &format!("/v1/webhooks/{id}/rotate-ingest-secret"),
            &key,
            json!({ "overlapSeconds": 2 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new = r.body["data"]["ingestSecret"].as_str().unwrap().to_string();
    assert!(r.body["data"].get("signingSecret").is_none());

    assert_eq!(
        api.ingest(url, old, b"{}").await.status,
        202,
        "old secret valid during overlap"
    );
    assert_eq!(api.ingest(url, &new, b"{}").await.status, 202);
    let versions = api
        .get(&format!("/v1/webhooks/{id}/secret-versions"), &key)
        .await;
    let ingest: Vec<_> = versions.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "ingest")
        .cloned()
        .collect();
    assert_eq!(ingest[1]["status"], "overlapping");
    assert!(ingest[1]["retiredAt"].is_string());

    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(
        api.ingest(url, old, b"{}").await.status,
        401,
        "old secret refused after retiredAt"
    );
    assert_eq!(api.ingest(url, &new, b"{}").await.status, 202);

    // Zero overlap retires the previous secret at once.
    let r = api
        .post(
            &format!("/v1/webhooks/{id}/rotate-ingest-secret"),
            &key,
            json!({ "overlapSeconds": 0 }),
        )
        .await;
    let newest = r.body["data"]["ingestSecret"].as_str().unwrap().to_string();
    assert_eq!(api.ingest(url, &new, b"{}").await.status, 401);
    assert_eq!(api.ingest(url, &newest, b"{}").await.status, 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_webhook_holds_events_until_enabled() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api
        .create_webhook(&key, &receiver.url, json!({ "enabled": false }))
        .await;
    let r = api
        .ingest(
            hook["ingestUrl"].as_str().unwrap(),
            hook["ingestSecret"].as_str().unwrap(),
            b"{}",
        )
        .await;
    assert_eq!(r.status, 202);
    let id = r.body["data"]["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.count(), 0);
    let d = api.get(&format!("/v1/deliveries/{id}"), &key).await;
    assert_eq!(d.body["data"]["status"], "pending");

    let r = api
        .call(
            "PATCH",
            &format!("/v1/webhooks/{}", hook["id"].as_str().unwrap()),
            Some(&key),
            Some(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(r.status, 200);
    receiver.wait_for(1, WAIT).await;
    api.wait_delivery(&key, &id, |d| d["status"] == "succeeded")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_repeats_return_the_first_result() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let (url, secret) = (
        hook["ingestUrl"].as_str().unwrap(),
        hook["ingestSecret"].as_str(),
    );
    let first = api
        .send_raw(
            url,
            secret,
            b"{\"a\":1}",
            Some("application/json"),
            Some("order-42"),
        )
        .await;
    let again = api
        .send_raw(
            url,
            secret,
            b"{\"a\":1}",
            Some("application/json"),
            Some("order-42"),
        )
        .await;
    assert_eq!(first.status, 202);
    assert_eq!(again.status, 202);
    assert_eq!(first.body["data"]["id"], again.body["data"]["id"]);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let other = api
        .send_raw(
            url,
            secret,
            b"{\"a\":1}",
            Some("application/json"),
            Some("order-43"),
        )
        .await;
    assert_ne!(other.body["data"]["id"], first.body["data"]["id"]);

    receiver.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.count(), 2, "a repeated key creates nothing");
    let list = api.get("/v1/deliveries", &key).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 2);
}

/// Repeats of many keys at once, half of them in the opposite order: the
/// write path's transactions run side by side on PostgreSQL, and claiming
/// keys in arrival order made two of them wait on each other (a deadlock,
/// which PostgreSQL ends after a second by failing one; after a few in a
/// row the callers got 503). Every request must be accepted, each key
/// must make one event, and no transaction may have had to end a deadlock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_repeated_in_a_burst_are_claimed_without_deadlocks() {
    const KEYS: usize = 20;
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let (url, secret) = ingest_credentials(&hook);
    // Rounds alternate between ascending and descending keys.
    let keys: Vec<_> = (0..KEYS * 10)
        .map(|i| {
            let n = if (i / KEYS).is_multiple_of(2) {
                i % KEYS
            } else {
                KEYS - 1 - i % KEYS
            };
            format!("key-{n}")
        })
        .collect();
    let requests = keys.iter().map(|k| ("{}".to_string(), Some(k.clone())));
    let sent = api
        .ingest_all_at_once(&url, &secret, requests.collect())
        .await;
    let mut ids: std::collections::HashMap<String, String> = Default::default();
    for (idem, id) in keys.into_iter().zip(sent) {
        let first = ids.entry(idem).or_insert_with(|| id.clone());
        assert_eq!(first, &id, "one idempotency key, two events");
    }
    assert_eq!(ids.len(), KEYS);
    receiver.wait_for(KEYS, WAIT).await;
    let log = server.log();
    assert!(!log.contains("deadlock"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_sent_through_the_public_api_are_delivered() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let path = format!(
        "{}/v1/webhooks/{}/events",
        server.url,
        hook["id"].as_str().unwrap()
    );
    let r = api
        .send_raw(&path, Some(&key), b"plain text", Some("text/plain"), None)
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].body.as_ref(), b"plain text");
    assert!(verifies(hook["signingSecret"].as_str().unwrap(), &got[0]));
}

/// The events route caches its webhook (an hour here): a change to the
/// webhook applies to the next event all the same, and a deleted webhook
/// takes no more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_sent_by_webhook_id_follow_the_webhooks_changes_at_once() {
    let server = Server::start(ServerOpts {
        extra: vec!["--cache-ttl-ms".into(), "3600000".into()],
        ..ServerOpts::default()
    })
    .await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let hook_path = format!("/v1/webhooks/{}", hook["id"].as_str().unwrap());
    let events = format!("{}{hook_path}/events", server.url);
    let send = |body: &'static str| {
        let (api, events, key) = (&api, &events, &key);
        async move {
            api.send_raw(
                events,
                Some(key),
                body.as_bytes(),
                Some("application/json"),
                None,
            )
            .await
        }
    };
    let status_of = |r: Resp| {
        let (api, key) = (&api, &key);
        async move {
            assert_eq!(r.status, 202, "{}", r.body);
            let delivery = format!("/v1/deliveries/{}", r.body["data"]["id"].as_str().unwrap());
            api.get(&delivery, key).await.body["data"]["status"].clone()
        }
    };

    send(r#"{"n": 1}"#).await;
    receiver.wait_for(1, WAIT).await;
    let r = api
        .call(
            "PATCH",
            &hook_path,
            Some(&key),
            Some(json!({ "filter": { "path": "n", "gte": 10 } })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(status_of(send(r#"{"n": 2}"#).await).await, "filtered");
    send(r#"{"n": 10}"#).await;
    receiver.wait_for(2, WAIT).await;

    let r = api.call("DELETE", &hook_path, Some(&key), None).await;
    assert!(r.status < 300, "{}", r.body);
    assert_eq!(send(r#"{"n": 11}"#).await.status, 404);
}

/// Ingest N events against a slow receiver, SIGKILL the server while
/// deliveries are in flight, restart it: every acknowledged event arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_event_survives_sigkill() {
    const N: usize = 200;
    let mut server = Server::start(ServerOpts {
        lease_seconds: 2,
        ..Default::default()
    })
    .await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::with_plan(vec![], 200, Duration::from_millis(300)).await;
    let hook = api
        .create_webhook(
            &key,
            &receiver.url,
            json!({ "retrySchedule": [0, 0, 0, 0, 0] }),
        )
        .await;
    let (url, secret) = ingest_credentials(&hook);

    let mut acked = Vec::new();
    for i in 0..N {
        let r = api
            .ingest(&url, &secret, format!("{{\"n\":{i}}}").as_bytes())
            .await;
        assert_eq!(r.status, 202);
        acked.push(r.body["data"]["id"].as_str().unwrap().to_string());
    }
    // Some are delivered, many are still in flight or queued.
    receiver.wait_for(5, WAIT).await;
    server.kill();
    let before_restart = receiver.count();
    assert!(
        before_restart < N,
        "the kill should land mid-delivery ({before_restart} of {N} already arrived)"
    );

    server.restart();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let ids: std::collections::HashSet<String> = receiver
            .received()
            .iter()
            .map(|r| header(r, "webhook-id"))
            .collect();
        let missing = acked.iter().filter(|id| !ids.contains(*id)).count();
        if missing == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{missing} acknowledged events never arrived"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let total = receiver.count();
    eprintln!(
        "crash test: {N} events, {} arrivals ({} duplicates)",
        total,
        total - N
    );
    assert!(receiver
        .received()
        .iter()
        .all(|r| verifies(hook["signingSecret"].as_str().unwrap(), r)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_deliveries_and_exits_cleanly() {
    let mut server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::with_plan(vec![], 200, Duration::from_millis(700)).await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let r = api
        .ingest(
            hook["ingestUrl"].as_str().unwrap(),
            hook["ingestSecret"].as_str().unwrap(),
            b"{}",
        )
        .await;
    let id = r.body["data"]["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(
        receiver.count(),
        1,
        "the in-flight delivery finished before exit"
    );

    // Its outcome was recorded before exit, so a restart does not resend.
    server.restart();
    let d = server
        .api()
        .get(&format!("/v1/deliveries/{id}"), &key)
        .await;
    assert_eq!(d.body["data"]["status"], "succeeded", "{}", d.body);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.count(), 1);
}
