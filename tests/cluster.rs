//! Several `hookrelay serve` processes on one database share the work.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(60);

/// Two nodes on one database, with a project and its admin key.
async fn two_nodes(opts: ServerOpts) -> (Server, Server, String) {
    let a = Server::start(opts.clone()).await;
    let b = a.another_node(opts);
    let (_, key) = a.create_project("acme");
    (a, b, key)
}

/// Two nodes started with `flags`, for what nodes tell each other through
/// PostgreSQL; None on SQLite (the caller is skipped).
async fn two_postgres_nodes(flags: &[&str]) -> Option<(Server, Server, String)> {
    if !on_postgres() {
        eprintln!("skipped: on SQLite there is one node, with nothing to tell");
        return None;
    }
    let extra = flags.iter().map(|f| f.to_string()).collect();
    Some(
        two_nodes(ServerOpts {
            extra,
            ..Default::default()
        })
        .await,
    )
}

/// Per webhook-id: how many requests arrived, and how many were answered 2xx.
fn arrivals(receivers: &[&Receiver]) -> HashMap<String, (usize, usize)> {
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    for r in receivers.iter().flat_map(|r| r.received()) {
        let e = seen.entry(header(&r, "webhook-id")).or_default();
        e.0 += 1;
        e.1 += usize::from((200..300).contains(&r.status));
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_deliver_every_event_once() {
    const N: usize = 300;
    const FAILURES: usize = 20;
    // 20 failures in a row would open the flaky endpoint's circuit (and hold
    // its deliveries): this test is about retries, so it opens later.
    let (a, b, key) = two_nodes(ServerOpts {
        extra: vec!["--circuit-failures".into(), "100".into()],
        ..Default::default()
    })
    .await;
    let receiver = Receiver::start().await;
    // Retries go through the shared queue, so make some deliveries fail once.
    let flaky = Receiver::with_plan(vec![500; FAILURES], 200, Duration::ZERO).await;
    let hook = a.api().create_webhook(&key, &receiver.url, json!({})).await;
    // Enough immediate retries that no event can exhaust them on the 500s.
    let flaky_hook = a
        .api()
        .create_webhook(
            &key,
            &flaky.url,
            json!({ "retrySchedule": vec![0; FAILURES] }),
        )
        .await;

    let mut acked = Vec::new();
    for i in 0..N {
        let node = if i % 2 == 0 { &a } else { &b };
        let h = if i % 10 == 0 { &flaky_hook } else { &hook };
        let r = node
            .api()
            .ingest(
                &node.ingest_url(h),
                h["ingestSecret"].as_str().unwrap(),
                b"{}",
            )
            .await;
        assert_eq!(r.status, 202);
        acked.push(r.body["data"]["id"].as_str().unwrap().to_string());
    }
    receiver.wait_for(N - N / 10, WAIT).await;
    flaky.wait_for(N / 10 + FAILURES, WAIT).await;
    // Time for any duplicate to show up.
    tokio::time::sleep(Duration::from_millis(1000)).await;

    let seen = arrivals(&[&receiver, &flaky]);
    let missing = acked
        .iter()
        .filter(|id| seen.get(*id).is_none_or(|(_, ok)| *ok == 0))
        .count();
    let duplicates: usize = seen.values().map(|(_, ok)| ok.saturating_sub(1)).sum();
    let failed: usize = seen.values().map(|(all, ok)| all - ok).sum();
    eprintln!("two nodes: {N} events, {missing} missing, {duplicates} duplicate deliveries, {failed} answered 500 and retried");
    assert_eq!(missing, 0);
    assert_eq!(failed, FAILURES);
    assert_eq!(
        duplicates, 0,
        "no node died, so no event may be delivered twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survivor_delivers_everything_when_a_node_is_killed() {
    const N: usize = 200;
    let (mut a, b, key) = two_nodes(ServerOpts {
        lease_seconds: 2,
        ..Default::default()
    })
    .await;
    let receiver = Receiver::with_plan(vec![], 200, Duration::from_millis(200)).await;
    let hook = a.api().create_webhook(&key, &receiver.url, json!({})).await;
    let secret = hook["ingestSecret"].as_str().unwrap();

    let mut acked = Vec::new();
    for i in 0..N {
        let node = if i % 2 == 0 { &a } else { &b };
        let r = node
            .api()
            .ingest(
                &node.ingest_url(&hook),
                secret,
                format!("{{\"n\":{i}}}").as_bytes(),
            )
            .await;
        assert_eq!(r.status, 202);
        acked.push(r.body["data"]["id"].as_str().unwrap().to_string());
    }
    receiver.wait_for(5, WAIT).await;
    a.kill();
    assert!(receiver.count() < N, "the kill should land under load");

    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let seen = arrivals(&[&receiver]);
        let missing = acked.iter().filter(|id| !seen.contains_key(*id)).count();
        if missing == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{missing} acknowledged events lost with node A"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let dups: usize = arrivals(&[&receiver]).values().map(|(n, _)| n - 1).sum();
    eprintln!("node killed: {N} events all delivered by the survivor, {dups} duplicates (allowed)");
}

/// Node B takes in events for an endpoint node A sends to. B tells A
/// (PostgreSQL's NOTIFY), and A sends them at once; without the notice
/// they would wait for A's next look at the queue, an hour away here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_one_node_takes_in_is_sent_by_the_endpoints_owner_without_waiting() {
    let Some((a, b, key)) = two_postgres_nodes(&["--discovery-interval-ms", "3600000"]).await
    else {
        return;
    };
    let receiver = Receiver::start().await;
    let hook = a.api().create_webhook(&key, &receiver.url, json!({})).await;
    let secret = hook["ingestSecret"].as_str().unwrap();
    // A takes the endpoint on with its first event.
    let r = a
        .api()
        .ingest(&a.ingest_url(&hook), secret, b"{\"n\":1}")
        .await;
    assert_eq!(r.status, 202);
    receiver.wait_for(1, WAIT).await;
    // Each event B takes in is announced.
    for n in 2..=3 {
        let body = format!("{{\"n\":{n}}}");
        let r = b
            .api()
            .ingest(&b.ingest_url(&hook), secret, body.as_bytes())
            .await;
        assert_eq!(r.status, 202);
        let got = receiver.wait_for(n, WAIT).await;
        assert_eq!(got.len(), n);
        assert_eq!(got[n - 1].body, body.as_bytes());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_on_one_node_is_refused_by_the_other_within_a_second() {
    let (a, b, admin) = two_nodes(ServerOpts::default()).await;
    let (id, secret) = &a.api().write_key(&admin, "ci").await;
    // Node B has the key cached as valid.
    assert_eq!(b.api().get("/v1/webhooks", secret).await.status, 200);
    assert_eq!(b.api().get("/v1/webhooks", secret).await.status, 200);

    let r = a
        .api()
        .post(
            &format!("/v1/project/api-keys/{id}/revoke"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        a.api().get("/v1/webhooks", secret).await.status,
        401,
        "refused at once on the node that revoked it"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        b.api().get("/v1/webhooks", secret).await.status,
        401,
        "refused by the other node one second later"
    );
}

/// A change made through one node reaches the other's caches as soon as
/// its notice does (PostgreSQL's NOTIFY): a key revoked, an application's
/// new endpoint, a webhook's new destination. The caches live an hour
/// here, so nothing else could make B see the changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_through_one_node_reach_the_other_nodes_caches_without_waiting() {
    let Some((a, b, admin)) = two_postgres_nodes(&["--cache-ttl-ms", "3600000"]).await else {
        return;
    };
    let (b, admin) = (&b, admin.as_str());

    let (id, secret) = &a.api().write_key(admin, "ci").await;
    assert_eq!(b.api().get("/v1/webhooks", secret).await.status, 200);
    let revoke = format!("/v1/project/api-keys/{id}/revoke");
    assert_eq!(a.api().post(&revoke, admin, json!({})).await.status, 200);
    eventually("B refuses the revoked key", || async move {
        b.api().get("/v1/webhooks", secret).await.status == 401
    })
    .await;

    let app = a
        .api()
        .post("/v1/applications", admin, json!({ "name": "customer" }))
        .await
        .body["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let messages = &format!("/v1/applications/{app}/messages");
    let message = json!({ "eventType": "order.created", "payload": {} });
    let first = Receiver::start().await;
    a.api()
        .create_webhook(admin, &first.url, json!({ "applicationId": app }))
        .await;
    assert_eq!(
        b.api().post(messages, admin, message.clone()).await.status,
        202
    );
    first.wait_for(1, WAIT).await;
    let second = &Receiver::start().await;
    a.api()
        .create_webhook(admin, &second.url, json!({ "applicationId": app }))
        .await;
    eventually("B routes messages to the new endpoint too", || {
        let message = message.clone();
        async move {
            assert_eq!(b.api().post(messages, admin, message).await.status, 202);
            second.count() > 0
        }
    })
    .await;

    let old = Receiver::start().await;
    let new = &Receiver::start().await;
    let hook = &a.api().create_webhook(admin, &old.url, json!({})).await;
    let ingest_secret = hook["ingestSecret"].as_str().unwrap();
    // B takes the endpoint on with the first event it takes in.
    let r = b
        .api()
        .ingest(&b.ingest_url(hook), ingest_secret, b"{}")
        .await;
    assert_eq!(r.status, 202);
    old.wait_for(1, WAIT).await;
    let r = a
        .api()
        .call(
            "PATCH",
            &format!("/v1/webhooks/{}", hook["id"].as_str().unwrap()),
            Some(admin),
            Some(json!({ "destinationUrl": new.url })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    eventually("B sends to the new destination", || async move {
        let r = b
            .api()
            .ingest(&b.ingest_url(hook), ingest_secret, b"{}")
            .await;
        assert_eq!(r.status, 202);
        new.count() > 0
    })
    .await;
}

/// A webhook disabled automatically by one node's write path is left out
/// of the next message on the other node too, whose routes are cached for
/// an hour: the disabling node announces it like any change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_automatic_disable_reaches_the_other_nodes_caches() {
    let Some((a, b, admin)) = two_postgres_nodes(&[
        "--cache-ttl-ms",
        "3600000",
        "--auto-disable-after-dead",
        "3",
    ])
    .await
    else {
        return;
    };
    let app = a
        .api()
        .post("/v1/applications", &admin, json!({ "name": "customer" }))
        .await;
    assert_eq!(app.status, 201, "{}", app.body);
    let application = app.body["data"]["id"].as_str().unwrap();
    let broken = Receiver::with_plan(Vec::new(), 500, Duration::ZERO).await;
    let working = Receiver::start().await;
    let broken_hook = a
        .api()
        .create_webhook(
            &admin,
            &broken.url,
            json!({ "applicationId": application, "retrySchedule": [] }),
        )
        .await;
    let broken_id = broken_hook["id"].as_str().unwrap();
    let working_hook = a
        .api()
        .create_webhook(
            &admin,
            &working.url,
            json!({ "applicationId": application }),
        )
        .await;
    let working_id = working_hook["id"].as_str().unwrap();
    let send = |node: &Server| {
        let (api, admin) = (node.api(), &admin);
        async move {
            let deliveries = api.send_message(admin, application).await;
            deliveries.into_iter().map(|(e, _)| e).collect::<Vec<_>>()
        }
    };

    // A takes both endpoints on with the first message, so A's write path
    // records their outcomes and disables the broken one; B routes the
    // second, and keeps its routes cached.
    for node in [&a, &b, &a] {
        assert_eq!(send(node).await.len(), 2);
    }
    a.api()
        .wait_until(&format!("/v1/webhooks/{broken_id}"), &admin, |w| {
            w["enabled"] == false
        })
        .await;
    let b = &b;
    let send = &send;
    eventually("B leaves the disabled endpoint out", || async move {
        send(b).await == [working_id]
    })
    .await;
}

/// Tries `attempt` every 50 ms until it answers true; fails after `WAIT`.
async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    mut attempt: impl FnMut() -> F,
) {
    let deadline = std::time::Instant::now() + WAIT;
    while !attempt().await {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_migrate_once() {
    let nodes = Server::start_cluster(3, ServerOpts::default()).await;
    let (_, key) = nodes[0].create_project("acme");
    for n in &nodes {
        assert_eq!(n.api().get("/v1/webhooks", &key).await.status, 200);
    }
    let out = nodes[0].cli(&["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_one_holder_leads_a_cluster_job_until_its_lease_expires() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = store_database(dir.path()).await;
    let store = open_store(&url, Duration::from_secs(5)).await;
    store.migrate().await.unwrap();
    assert!(store.try_lead("cleanup", "node-a", 60_000).await.unwrap());
    assert!(
        !store.try_lead("cleanup", "node-b", 60_000).await.unwrap(),
        "held by node-a"
    );
    assert!(
        store.try_lead("cleanup", "node-a", 60_000).await.unwrap(),
        "the holder renews"
    );
    assert!(
        store.try_lead("other-job", "node-b", 60_000).await.unwrap(),
        "jobs are independent"
    );
    assert!(store.try_lead("short", "node-a", 0).await.unwrap());
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(
        store.try_lead("short", "node-b", 60_000).await.unwrap(),
        "an expired lease moves on"
    );
}

/// PostgreSQL ends a deadlock by failing one transaction in it. The write
/// path's transactions run side by side, on one node and on several, and
/// meet on the webhooks' and usage counters' rows: an outcome that moves a
/// circuit locks its webhook's row before the usage row, another
/// transaction can take them the other way round. The transaction chosen
/// to end the deadlock is run again; its callers never hear of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_path_transaction_chosen_to_end_a_deadlock_is_run_again() {
    use hookrelay::store::{
        hour_start, now_ms, AttemptRecord, CircuitChange, DeliveryStatus, Outcome, WriteBatch,
    };
    use sqlx::Row;
    let server = Server::start(ServerOpts::default()).await;
    if server.db_url.is_none() {
        return; // SQLite writes one transaction at a time: no deadlock.
    }
    let (project, key) = server.create_project("acme");
    let receiver = Receiver::start().await;
    let hook = server
        .api()
        .create_webhook(&key, &receiver.url, json!({}))
        .await;
    let webhook = hook["id"].as_str().unwrap().to_string();
    // The usage row locked below must be the hour's the transaction writes.
    while hour_start(now_ms() + 10_000) != hour_start(now_ms()) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let now = now_ms();
    let mut other = server.db().await;
    // Another transaction holds the webhook's usage row of this hour.
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query(
        "INSERT INTO usage_counters (project_id, webhook_id, hour_start, events, deliveries, attempts, \
         successes, failures, dead, bytes_in, bytes_out) VALUES ($1, $2, $3, 0, 0, 0, 0, 0, 0, 0, 0) \
         ON CONFLICT (project_id, webhook_id, hour_start) DO UPDATE SET events = usage_counters.events",
    )
    .bind(&project)
    .bind(&webhook)
    .bind(hour_start(now))
    .execute(&mut other)
    .await
    .unwrap();
    // A write-path transaction whose outcome opens the webhook's circuit:
    // it locks the webhook's row, then waits for the usage row.
    let outcome = Outcome {
        delivery_id: "dlv_deadlock".into(),
        project_id: project.clone(),
        webhook_id: webhook.clone(),
        bytes_sent: 2,
        lease_token: "lease_deadlock".into(),
        attempt: Some(AttemptRecord {
            id: "att_deadlock".into(),
            attempt_no: 1,
            started_at: now,
            duration_ms: 1,
            status_code: Some(500),
            error_kind: None,
            error_message: None,
            response_excerpt: None,
        }),
        status: DeliveryStatus::FailedRetrying,
        attempts: 1,
        next_attempt_at: Some(now + 60_000),
        circuit: Some(CircuitChange {
            state: "open",
            since: now,
            next_probe_at: Some(now + 30_000),
            failures: 5,
            transition: false,
        }),
        ordering_key: None,
        transformed: None,
    };
    let store = server.store().await;
    let writing = tokio::spawn(async move {
        let batch = WriteBatch {
            events: &[],
            replays: &[],
            job_steps: &[],
            outcomes: std::slice::from_ref(&outcome),
        };
        store.write_batch(&batch, 60_000).await.map(|_| ())
    });
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        // On a connection of its own: inside `other`'s transaction,
        // pg_stat_activity would show the same snapshot every time.
        let waiting = server
            .sql_i64(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            )
            .await;
        if waiting == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the write never waited"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Now the other transaction wants the webhook's row: a deadlock, which
    // PostgreSQL ends by failing the transaction that waited first.
    sqlx::query("UPDATE webhooks SET circuit_state = circuit_state WHERE id = $1")
        .bind(&webhook)
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();
    let written = writing.await.unwrap();
    assert!(written.is_ok(), "{written:?}");
    let circuit: String = sqlx::query("SELECT circuit_state FROM webhooks WHERE id = $1")
        .bind(&webhook)
        .fetch_one(&mut other)
        .await
        .unwrap()
        .try_get("circuit_state")
        .unwrap();
    assert_eq!(circuit, "open");
}
