//! Transformations on endpoints: set and versioned through the Public API
//! and the Portal API, applied by the delivery engine before signing, kept
//! with the delivery for retries and replays; runaway scripts fail their
//! own deliveries and nothing else.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} in {v}"))
        .to_string()
}

async fn put_transformation(api: &Api, token: &str, path: &str, body: Value) -> Resp {
    api.call("PUT", path, Some(token), Some(body)).await
}

async fn set(api: &Api, key: &str, hook: &str, code: &str) -> Value {
    let r = put_transformation(
        api,
        key,
        &format!("/v1/webhooks/{hook}/transformation"),
        json!({ "code": code }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["data"].clone()
}

/// Sends `body` to a webhook's ingest URL; the delivery's id.
async fn send(api: &Api, hook: &Value, body: &str) -> String {
    let r = api
        .ingest(
            &s(hook, "ingestUrl"),
            &s(hook, "ingestSecret"),
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    s(&r.body["data"], "id")
}

/// Sets `code` as `hook`'s transformation, sends it an event and answers
/// the first attempt of its delivery once the delivery is dead.
async fn failed_attempt(api: &Api, key: &str, hook: &Value, code: &str) -> Value {
    set(api, key, &s(hook, "id"), code).await;
    let sent = send(api, hook, r#"{"type":"x"}"#).await;
    let d = api
        .wait_delivery(key, &sent, |d| d["status"] == "dead")
        .await;
    d["attempts"][0].clone()
}

fn json_body(r: &Received) -> Value {
    serde_json::from_slice(&r.body).expect("a JSON body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transformed_requests_arrive_signed_and_null_cancels() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let rx = Receiver::start().await;
    let hook = api
        .create_webhook(&key, &rx.url, json!({ "headers": { "x-team": "billing" } }))
        .await;
    let id = s(&hook, "id");
    let secret = s(&hook, "signingSecret");
    let version = set(
        &api,
        &key,
        &id,
        r#"function handler(event) {
            if (event.payload.skip) return null;
            return {
                body: { kind: event.payload.type, cents: event.payload.amount, team: event.headers["x-team"] },
                headers: { "x-kind": event.payload.type, "content-type": "application/vnd.kind+json" },
                method: "put",
                url: event.url + "?v=2",
            };
        }"#,
    )
    .await;
    assert_eq!(version["enabled"], true);

    let sent = send(&api, &hook, r#"{"type":"invoice.paid","amount":1200}"#).await;
    let cancelled = send(&api, &hook, r#"{"type":"invoice.paid","skip":true}"#).await;

    let got = rx.wait_for(1, WAIT).await;
    let r = &got[0];
    assert!(
        verifies(&secret, r),
        "the signature must cover the transformed body"
    );
    assert_eq!(
        json_body(r),
        json!({ "kind": "invoice.paid", "cents": 1200, "team": "billing" })
    );
    assert_eq!(header(r, "x-kind"), "invoice.paid");
    assert_eq!(
        header(r, "x-team"),
        "billing",
        "the endpoint's headers stay"
    );
    assert_eq!(header(r, "content-type"), "application/vnd.kind+json");
    assert_eq!(r.method, "PUT");
    assert_eq!(r.uri.query(), Some("v=2"));
    assert_eq!(header(r, "webhook-id"), sent);

    let d = api
        .wait_delivery(&key, &sent, |d| d["status"] == "succeeded")
        .await;
    let t = &d["transformedRequest"];
    assert_eq!(t["versionId"], version["versionId"]);
    assert_eq!(t["method"], "PUT");
    assert!(s(t, "url").ends_with("/hook?v=2"), "{t}");
    assert_eq!(d["requestHeaders"]["x-kind"], "invoice.paid");
    assert_eq!(
        d["requestHeaders"]["content-type"],
        "application/vnd.kind+json"
    );

    let c = api
        .wait_delivery(&key, &cancelled, |d| d["status"] == "cancelled")
        .await;
    assert_eq!(c["attemptCount"], 0);
    assert_eq!(c["transformedRequest"], Value::Null);
    assert_eq!(rx.count(), 1, "a cancelled delivery is never sent");

    // A script returning what cannot be sent fails the delivery.
    let failed = failed_attempt(
        &api,
        &key,
        &hook,
        "function handler(e) { return { body: 'x', headers: { 'webhook-signature': 'forged' } } }",
    )
    .await;
    assert_eq!(failed["errorKind"], "transformation_error");
    assert!(s(&failed, "errorMessage").contains("webhook-signature"));

    // What a script throws is kept as text every backend stores, NUL
    // included: PostgreSQL refused it, and with it the write batch the
    // attempt rode in (other customers' events and outcomes).
    let failed = failed_attempt(
        &api,
        &key,
        &hook,
        "function handler(e) { throw new Error('bad\\u0000news') }",
    )
    .await;
    assert_eq!(failed["errorKind"], "transformation_error");
    assert!(
        s(&failed, "errorMessage").contains("bad\u{fffd}news"),
        "{failed}"
    );

    // Disabled: events go out as they came.
    let r = put_transformation(
        &api,
        &key,
        &format!("/v1/webhooks/{id}/transformation"),
        json!({ "enabled": false }),
    )
    .await;
    assert_eq!(
        (r.status, r.body["data"]["enabled"].clone()),
        (200, json!(false))
    );
    let plain = r#"{"type":"plain"}"#;
    send(&api, &hook, plain).await;
    let got = rx.wait_for(2, WAIT).await;
    assert_eq!(got[1].body.as_ref(), plain.as_bytes());
    assert_eq!(got[1].method, "POST");
    assert!(verifies(&secret, &got[1]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_scripts_fail_with_their_kind_while_other_endpoints_deliver() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let (spin_rx, bomb_rx, light_rx, plain_rx) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let spin = api.create_webhook(&key, &spin_rx.url, json!({})).await;
    let bomb = api.create_webhook(&key, &bomb_rx.url, json!({})).await;
    let light = api.create_webhook(&key, &light_rx.url, json!({})).await;
    let plain = api.create_webhook(&key, &plain_rx.url, json!({})).await;
    set(
        &api,
        &key,
        &s(&spin, "id"),
        "function handler(e) { for (;;) {} }",
    )
    .await;
    set(
        &api,
        &key,
        &s(&bomb, "id"),
        "function handler(e) { const a = []; for (;;) a.push('x'.repeat(1 << 20)); }",
    )
    .await;
    set(
        &api,
        &key,
        &s(&light, "id"),
        "function handler(e) { return { body: { wrapped: e.payload } } }",
    )
    .await;

    let mut runaway = Vec::new();
    for n in 0..4 {
        runaway.push((
            send(&api, &spin, &format!("{{\"n\":{n}}}")).await,
            "transformation_timeout",
        ));
        runaway.push((
            send(&api, &bomb, &format!("{{\"n\":{n}}}")).await,
            "transformation_memory",
        ));
    }
    const OTHERS: usize = 30;
    for n in 0..OTHERS {
        send(&api, &light, &format!("{{\"n\":{n}}}")).await;
        send(&api, &plain, &format!("{{\"n\":{n}}}")).await;
    }

    let light_got = light_rx.wait_for(OTHERS, WAIT).await;
    let plain_got = plain_rx.wait_for(OTHERS, WAIT).await;
    let light_secret = s(&light, "signingSecret");
    for r in &light_got {
        assert!(verifies(&light_secret, r));
        assert!(json_body(r)["wrapped"]["n"].is_u64(), "{:?}", r.body);
    }
    for r in &plain_got {
        assert!(verifies(&s(&plain, "signingSecret"), r));
    }
    for (id, kind) in runaway {
        let d = api
            .wait_delivery(&key, &id, |d| d["status"] == "dead")
            .await;
        assert_eq!(d["attemptCount"], 1, "a failing script is not retried: {d}");
        assert_eq!(d["attempts"][0]["errorKind"], kind, "{d}");
        assert_eq!(d["lastError"], kind);
    }
    assert_eq!(spin_rx.count() + bomb_rx.count(), 0);
    // The server is fine: it still answers and sends.
    assert_eq!(api.get("/healthz", &key).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_and_replays_resend_the_stored_request_unless_rerun() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    // The first attempt fails; everything after succeeds.
    let rx = Receiver::with_plan(vec![500], 200, Duration::ZERO).await;
    let hook = api
        .create_webhook(&key, &rx.url, json!({ "retrySchedule": [1] }))
        .await;
    let id = s(&hook, "id");
    let secret = s(&hook, "signingSecret");
    let v1 = set(
        &api,
        &key,
        &id,
        "function handler(e) { return { body: { version: 1, n: e.payload.n }, headers: { 'x-version': '1' } } }",
    )
    .await;
    let delivery = send(&api, &hook, r#"{"n":7}"#).await;
    rx.wait_for(1, WAIT).await;
    let v2 = set(
        &api,
        &key,
        &id,
        "function handler(e) { return { body: { version: 2, n: e.payload.n }, headers: { 'x-version': '2' } } }",
    )
    .await;
    assert_ne!(v1["versionId"], v2["versionId"]);

    let d = api
        .wait_delivery(&key, &delivery, |d| d["status"] == "succeeded")
        .await;
    assert_eq!(d["attemptCount"], 2);
    assert_eq!(d["transformedRequest"]["versionId"], v1["versionId"]);
    let got = rx.wait_for(2, WAIT).await;
    for r in &got {
        assert!(verifies(&secret, r));
        assert_eq!(json_body(r), json!({ "version": 1, "n": 7 }));
        assert_eq!(header(r, "x-version"), "1");
    }

    // A replay sends the stored request; with rerunTransformation, what the
    // current version makes of the event.
    let r = api
        .post(
            &format!("/v1/deliveries/{delivery}/replay"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let stored = s(&r.body["data"], "id");
    let got = rx.wait_for(3, WAIT).await;
    assert_eq!(json_body(&got[2]), json!({ "version": 1, "n": 7 }));
    assert_eq!(header(&got[2], "webhook-id"), stored);
    assert!(verifies(&secret, &got[2]));

    let r = api
        .post(
            &format!("/v1/deliveries/{delivery}/replay"),
            &key,
            json!({ "rerunTransformation": true }),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let rerun = s(&r.body["data"], "id");
    let got = rx.wait_for(4, WAIT).await;
    assert_eq!(json_body(&got[3]), json!({ "version": 2, "n": 7 }));
    assert_eq!(header(&got[3], "x-version"), "2");
    assert_eq!(header(&got[3], "webhook-id"), rerun);
    assert!(verifies(&secret, &got[3]));
    let d = api
        .wait_delivery(&key, &rerun, |d| d["status"] == "succeeded")
        .await;
    assert_eq!(d["transformedRequest"]["versionId"], v2["versionId"]);

    let r = api
        .post(
            &format!("/v1/deliveries/{delivery}/replay"),
            &key,
            json!({ "rerun": true }),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_kept_and_audited_and_bad_code_is_a_400_on_code() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let hook = api
        .create_webhook(&key, "https://example.com/hook", json!({}))
        .await;
    let id = s(&hook, "id");
    let path = format!("/v1/webhooks/{id}/transformation");

    let none = api.get(&path, &key).await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert_eq!(none.body["data"]["code"], Value::Null);
    assert_eq!(none.body["data"]["enabled"], false);

    let big = format!(
        "function handler(e) {{ return null }} //{}",
        "x".repeat(70_000)
    );
    for bad in [
        json!({ "code": "" }),
        json!({ "code": "function handler(e) { return null " }),
        json!({ "code": "function other(e) { return null }" }),
        json!({ "code": "for (;;) {} function handler(e) { return null }" }),
        json!({ "code": big }),
        json!({ "enabled": true }),
    ] {
        let r = put_transformation(&api, &key, &path, bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.body["error"]["field"], "code", "{bad}: {}", r.body);
    }
    let r = put_transformation(
        &api,
        &key,
        &path,
        json!({ "code": "function handler(e) { return null }", "other": 1 }),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);

    let first = set(
        &api,
        &key,
        &id,
        "function handler(e) { return { body: e.payload } }",
    )
    .await;
    let r = put_transformation(&api, &key, &path, json!({ "enabled": false })).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let third = set(&api, &key, &id, "function handler(e) { return null }").await;

    let current = api.get(&path, &key).await.body["data"].clone();
    assert_eq!(current["versionId"], third["versionId"]);
    assert_eq!(current["code"], "function handler(e) { return null }");
    let versions = api.get(&format!("{path}/versions"), &key).await;
    assert_eq!(versions.status, 200, "{}", versions.body);
    let versions = versions.body["data"].as_array().unwrap().clone();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[0]["id"], third["versionId"]);
    assert_eq!(versions[2]["id"], first["versionId"]);
    assert_eq!(versions[1]["enabled"], false);
    assert_eq!(versions[1]["code"], versions[2]["code"]);
    assert_eq!(versions[1]["codeSha256"], versions[2]["codeSha256"]);
    assert_ne!(versions[0]["codeSha256"], versions[2]["codeSha256"]);
    assert_eq!(versions[0]["actorType"], "api_key");

    let audited = server
        .sql_i64(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log \
             WHERE action = 'webhook.set_transformation' AND target_id = '{id}'"
        ))
        .await;
    assert_eq!(audited, 3);

    // Another project's webhook is not found.
    let (_, other) = server.create_project("globex");
    assert_eq!(api.get(&path, &other).await.status, 404);
    let r = put_transformation(
        &api,
        &other,
        &path,
        json!({ "code": "function handler(e) { return null }" }),
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_sets_and_simulates_on_its_own_endpoints_only() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    let rx = Receiver::start().await;
    let app = |name: &'static str| {
        let api = api.clone();
        let key = key.clone();
        async move {
            let r = api
                .post("/v1/applications", &key, json!({ "name": name }))
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            s(&r.body["data"], "id")
        }
    };
    let (mine, theirs) = (app("customer").await, app("another").await);
    let token = |app: String| {
        let api = api.clone();
        let key = key.clone();
        async move {
            let r = api
                .post(
                    &format!("/v1/applications/{app}/portal/magic-link"),
                    &key,
                    json!({ "scopes": ["read", "write"] }),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            s(&r.body["data"], "token")
        }
    };
    let my_token = token(mine.clone()).await;
    let endpoint = api
        .create_webhook(&key, &rx.url, json!({ "applicationId": mine }))
        .await;
    let foreign = api
        .create_webhook(&key, &rx.url, json!({ "applicationId": theirs }))
        .await;
    let (ep, foreign_ep) = (s(&endpoint, "id"), s(&foreign, "id"));

    let code = "function handler(e) { return { body: { from: 'portal', type: e.eventType } } }";
    let r = put_transformation(
        &api,
        &my_token,
        &format!("/portal-api/v1/endpoints/{ep}/transformation"),
        json!({ "code": code }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = put_transformation(
        &api,
        &my_token,
        &format!("/portal-api/v1/endpoints/{foreign_ep}/transformation"),
        json!({ "code": code }),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = put_transformation(
        &api,
        &my_token,
        &format!("/portal-api/v1/endpoints/{ep}/transformation"),
        json!({ "code": "function handler(" }),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("code"))
    );
    let versions = api
        .get(
            &format!("/portal-api/v1/endpoints/{ep}/transformation/versions"),
            &my_token,
        )
        .await;
    assert_eq!(versions.status, 200, "{}", versions.body);
    assert_eq!(versions.body["data"][0]["actorType"], "portal");

    // A test message goes through the transformation, signed.
    let r = api
        .post(
            &format!("/portal-api/v1/endpoints/{ep}/test"),
            &my_token,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let got = rx.wait_for(1, WAIT).await;
    assert_eq!(
        json_body(&got[0]),
        json!({ "from": "portal", "type": "hookrelay.test" })
    );
    assert!(verifies(&s(&endpoint, "signingSecret"), &got[0]));

    let mine_delivery = s(
        &api.get("/portal-api/v1/deliveries", &my_token).await.body["data"][0],
        "id",
    );
    let r = api
        .post(
            "/portal-api/v1/transformations/simulate",
            &my_token,
            json!({ "code": "function handler(e) { return { body: 'seen ' + e.eventType } }", "deliveryId": mine_delivery }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"]["outcome"], "send");
    assert_eq!(r.body["data"]["request"]["body"], "seen hookrelay.test");

    // Another application's delivery is not the customer's to simulate on.
    let their_token = token(theirs.clone()).await;
    let r = api
        .post(
            &format!("/portal-api/v1/endpoints/{foreign_ep}/test"),
            &their_token,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let their_delivery = s(
        &api.get("/portal-api/v1/deliveries", &their_token)
            .await
            .body["data"][0],
        "id",
    );
    let r = api
        .post(
            "/portal-api/v1/transformations/simulate",
            &my_token,
            json!({ "code": code, "deliveryId": their_delivery }),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
}
