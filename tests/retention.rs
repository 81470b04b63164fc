//! Retention: finished deliveries past the tier's retention are purged with
//! their attempts and payloads; owed work and shared payloads stay.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

const MINUTE_MS: i64 = 60 * 1000;
const DAY_MS: i64 = 24 * 60 * MINUTE_MS;

/// Makes a delivery look `age_ms` old, id included (ids are time-ordered).
async fn age(server: &Server, id: &str, age_ms: i64) -> String {
    let ms = chrono::Utc::now().timestamp_millis() - age_ms;
    let old = format!("msg_{}", ulid::Ulid::from_parts(ms as u64, rand_bits()));
    server
        .sql(&format!(
            "UPDATE deliveries SET id = '{old}', created_at = {ms} WHERE id = '{id}'"
        ))
        .await;
    server
        .sql(&format!(
            "UPDATE attempts SET delivery_id = '{old}' WHERE delivery_id = '{id}'"
        ))
        .await;
    old
}

fn rand_bits() -> u128 {
    ulid::Ulid::new().random()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_deliveries_go_with_their_payloads_but_owed_work_and_shared_payloads_stay() {
    let mut server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project_on("acme", "free"); // 3 days
    let (_, own_key) = server.create_project("self-hosted"); // unlimited: kept
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let own_hook = api.create_webhook(&own_key, &receiver.url, json!({})).await;
    let held_hook = api
        .create_webhook(&key, &receiver.url, json!({ "enabled": false }))
        .await;
    let send = |hook: &Value, body: &'static str| {
        let (api, url, secret) = (
            api.clone(),
            s(&hook["ingestUrl"]).to_string(),
            s(&hook["ingestSecret"]).to_string(),
        );
        async move {
            s(&api.ingest(&url, &secret, body.as_bytes()).await.body["data"]["id"]).to_string()
        }
    };
    let replayed = send(&hook, "shared").await;
    let gone = send(&hook, "gone").await;
    let recent = send(&hook, "recent").await;
    let owed = send(&held_hook, "owed").await;
    let own = send(&own_hook, "own").await;
    api.wait_delivery(&own_key, &own, |d| d["status"] == "succeeded")
        .await;
    api.wait_delivery(&key, &replayed, |d| d["status"] == "succeeded")
        .await;
    let replay = s(&api
        .post(
            &format!("/v1/deliveries/{replayed}/replay"),
            &key,
            json!({}),
        )
        .await
        .body["data"]["id"])
    .to_string();
    for id in [&gone, &recent, &replay] {
        api.wait_delivery(&key, id, |d| d["status"] == "succeeded")
            .await;
    }

    server.kill();
    let replayed = age(&server, &replayed, 4 * DAY_MS).await;
    let gone = age(&server, &gone, 4 * DAY_MS).await;
    let owed = age(&server, &owed, 4 * DAY_MS).await;
    let kept = age(&server, &recent, 2 * DAY_MS).await;
    let own = age(&server, &own, 400 * DAY_MS).await;
    server.restart(); // the purge runs at start, then every 10 seconds
    let api = server.api();

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while api
        .get(&format!("/v1/deliveries/{gone}"), &key)
        .await
        .status
        != 404
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the expired delivery was never purged"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        api.get(&format!("/v1/deliveries/{replayed}"), &key)
            .await
            .status,
        404
    );
    for id in [&owed, &kept, &replay] {
        assert_eq!(
            api.get(&format!("/v1/deliveries/{id}"), &key).await.status,
            200,
            "{id} must stay"
        );
    }
    assert_eq!(
        api.get(&format!("/v1/deliveries/{own}"), &own_key)
            .await
            .status,
        200,
        "the unlimited tier keeps everything"
    );
    let r = api.get(&format!("/v1/deliveries/{replay}"), &key).await;
    assert_eq!(
        r.body["data"]["payload"]["body"], "shared",
        "a payload a replay still uses stays"
    );
    let r = api.get(&format!("/v1/deliveries/{kept}"), &key).await;
    assert_eq!(r.body["data"]["attempts"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operators_cap_purges_sooner_than_the_tier_would() {
    let opts = ServerOpts {
        extra: vec!["--max-retention-minutes".into(), "1".into()],
        ..ServerOpts::default()
    };
    let mut server = Server::start(opts).await;
    let (_, key) = server.create_project("acme"); // unlimited: the tier alone keeps everything
    let api = server.api();
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let mut ids = Vec::new();
    for body in ["old", "new"] {
        let r = api
            .ingest(
                s(&hook["ingestUrl"]),
                s(&hook["ingestSecret"]),
                body.as_bytes(),
            )
            .await;
        ids.push(s(&r.body["data"]["id"]).to_string());
    }
    for id in &ids {
        api.wait_delivery(&key, id, |d| d["status"] == "succeeded")
            .await;
    }

    server.kill();
    let old = age(&server, &ids[0], 2 * MINUTE_MS).await;
    server.restart();
    let api = server.api();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while api.get(&format!("/v1/deliveries/{old}"), &key).await.status != 404 {
        assert!(
            std::time::Instant::now() < deadline,
            "a delivery past the operator's cap was never purged"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        api.get(&format!("/v1/deliveries/{}", ids[1]), &key)
            .await
            .status,
        200,
        "within the cap: kept"
    );
}

fn events(n: usize) -> Vec<hookrelay::store::NewEvent> {
    (0..n)
        .map(|_| queued_event(bytes::Bytes::from(vec![b'x'; 1024])))
        .collect()
}

async fn write(store: &hookrelay::store::Store, n: usize) {
    let events = events(n);
    store
        .write_batch(
            &hookrelay::store::WriteBatch {
                events: &events,
                ..Default::default()
            },
            0,
        )
        .await
        .unwrap();
}

/// The log is not copied on commit (that would stall the writer), so the
/// server's checkpoints must let it start over, or it grows with every write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_log_starts_over_after_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite").display()
    );
    let store = open_store(&url, Duration::from_secs(5)).await;
    store.migrate().await.unwrap();

    let wal = dir.path().join("db.sqlite-wal");
    let wal_bytes = || std::fs::metadata(&wal).unwrap().len();
    for _ in 0..4 {
        write(&store, 200).await;
    }
    let grown = wal_bytes();
    write(&store, 200).await;
    assert!(
        wal_bytes() > grown,
        "with no checkpoint, each write appends to the log"
    );
    let grown = wal_bytes();

    store.checkpoint_wal().await.unwrap();
    for _ in 0..2 {
        write(&store, 200).await;
    }
    assert_eq!(
        wal_bytes(),
        grown,
        "after a checkpoint, writes start the log over from its beginning"
    );
}
