//! Receiving from providers: signature verification at the ingest URL
//! (vectors from the providers' official libraries, and requests signed
//! here as each provider documents), refusals counted and kept, rotation
//! with overlap; payload filters on webhooks and application endpoints,
//! `filtered` deliveries, replays after a filter change.

mod common;

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
        .to_string()
}

fn vectors() -> Vec<Value> {
    let raw = include_str!("fixtures/inbound/vectors.json");
    serde_json::from_str::<Value>(raw).unwrap()["vectors"]
        .as_array()
        .unwrap()
        .clone()
}

fn vector(name: &str) -> Value {
    vectors()
        .into_iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name:?}"))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn hmac_hex(key: &str, parts: &[&[u8]]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    for p in parts {
        mac.update(p);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// Posts `body` to an ingest URL with the given headers (and an optional
/// bearer token).
async fn post(
    api: &Api,
    url: &str,
    headers: &[(&str, String)],
    bearer: Option<&str>,
    body: &str,
) -> Resp {
    let mut req = api
        .http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    Resp {
        status,
        headers: Default::default(),
        body,
    }
}

fn vector_headers(v: &Value) -> Vec<(&str, String)> {
    v["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap().to_string()))
        .collect()
}

async fn deliveries(api: &Api, key: &str, webhook: &str) -> Vec<Value> {
    api.list_all(&format!("/v1/deliveries?webhookId={webhook}"), key)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_vectors_verify_end_to_end_and_refusals_are_counted_not_stored() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let rx = Receiver::start().await;
    let signed = vector("github: signed");
    let hook = api
        .create_webhook(
            &key,
            &rx.url,
            json!({ "verification": { "provider": "github", "secret": signed["secret"] } }),
        )
        .await;
    assert_eq!(hook["verification"]["provider"], "github");
    assert!(hook["verification"].get("secret").is_none(), "{hook}");
    assert!(
        hook.get("verificationSecret").is_none(),
        "a given secret is not echoed"
    );
    let url = s(&hook, "ingestUrl");
    let id = s(&hook, "id");

    let r = post(
        &api,
        &url,
        &vector_headers(&signed),
        None,
        s(&signed, "body").as_str(),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let got = rx.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(
        got[0].body,
        s(&signed, "body").as_bytes(),
        "the raw body, byte for byte"
    );
    assert!(verifies(&s(&hook, "signingSecret"), &got[0]));
    let d = api
        .wait_delivery(&key, s(&r.body["data"], "id").as_str(), |d| {
            d["status"] == "succeeded"
        })
        .await;
    assert_eq!(
        d["eventType"], "push",
        "X-GitHub-Event became the type: {d}"
    );

    // Refused: tampered body, another secret, the bearer ingest secret
    // alone (verification replaces it). None is stored.
    for name in ["github: tampered body", "github: wrong secret"] {
        let v = vector(name);
        let r = post(
            &api,
            &url,
            &vector_headers(&v),
            None,
            s(&v, "body").as_str(),
        )
        .await;
        assert_eq!(r.status, 401, "{name}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "invalid_signature");
    }
    let r = api.ingest(&url, &s(&hook, "ingestSecret"), b"{}").await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(deliveries(&api, &key, &id).await.len(), 1);

    let refusals = api
        .get(&format!("/v1/webhooks/{id}/ingest-refusals"), &key)
        .await;
    assert_eq!(refusals.status, 200);
    let reasons: Vec<String> = refusals.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| s(r, "reason"))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[0].contains("x-hub-signature-256"),
        "newest first: {reasons:?}"
    );
    assert!(reasons[1].contains("no signature matched"), "{reasons:?}");

    let usage = api.get(&format!("/v1/usage?webhookId={id}"), &key).await;
    assert_eq!(usage.body["data"]["totals"]["refused"], 3, "{}", usage.body);
    assert_eq!(usage.body["data"]["totals"]["events"], 1);
    let metrics = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("hookrelay_ingest_refused_total 3"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_slack_shopify_and_twilio_requests_signed_as_documented() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let rx = Receiver::start().await;
    let create = |verification: Value| {
        let api = api.clone();
        let key = key.clone();
        let url = rx.url.clone();
        async move {
            api.create_webhook(&key, &url, json!({ "verification": verification }))
                .await
        }
    };
    let body = r#"{"id":"evt_1","type":"invoice.paid","data":{"amount":1200}}"#;

    // Stripe: t=...,v1=hex(HMAC("{t}.{body}")); refusals answer 400.
    let stripe = create(json!({ "provider": "stripe", "secret": "whsec_stripe_test" })).await;
    let t = now();
    let sig = |t: i64| {
        format!(
            "t={t},v1={}",
            hmac_hex(
                "whsec_stripe_test",
                &[t.to_string().as_bytes(), b".", body.as_bytes()]
            )
        )
    };
    let url = s(&stripe, "ingestUrl");
    let r = post(&api, &url, &[("stripe-signature", sig(t))], None, body).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let d = api
        .wait_delivery(&key, s(&r.body["data"], "id").as_str(), |d| {
            d["status"] == "succeeded"
        })
        .await;
    assert_eq!(d["eventType"], "invoice.paid");
    let r = post(
        &api,
        &url,
        &[("stripe-signature", sig(t - 400))],
        None,
        body,
    )
    .await;
    assert_eq!(r.status, 400, "stale: {}", r.body);
    assert!(
        s(&r.body["error"], "message").contains("tolerance"),
        "{}",
        r.body
    );
    let r = post(
        &api,
        &url,
        &[("stripe-signature", sig(t))],
        None,
        &body.replace("1200", "1"),
    )
    .await;
    assert_eq!(r.status, 400, "tampered: {}", r.body);

    // Slack: v0=hex(HMAC("v0:{ts}:{body}")) with X-Slack-Request-Timestamp.
    let slack = create(json!({ "provider": "slack", "secret": "slack-signing" })).await;
    let ts = now().to_string();
    let slack_body = r#"{"type":"event_callback","event":{"type":"app_mention"}}"#;
    let sig = format!(
        "v0={}",
        hmac_hex(
            "slack-signing",
            &[b"v0:", ts.as_bytes(), b":", slack_body.as_bytes()]
        )
    );
    let headers = [
        ("x-slack-request-timestamp", ts.clone()),
        ("x-slack-signature", sig),
    ];
    let r = post(&api, &s(&slack, "ingestUrl"), &headers, None, slack_body).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let d = api
        .wait_delivery(&key, s(&r.body["data"], "id").as_str(), |d| {
            d["status"] == "succeeded"
        })
        .await;
    assert_eq!(d["eventType"], "app_mention");

    // Shopify, with the official-library-free vector (see generate.mjs).
    let v = vector("shopify: signed");
    let shopify = create(json!({ "provider": "shopify", "secret": v["secret"] })).await;
    let r = post(
        &api,
        &s(&shopify, "ingestUrl"),
        &vector_headers(&v),
        None,
        s(&v, "body").as_str(),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.body);

    // Twilio signs the ingest URL it was given, then the sorted form fields.
    let twilio = create(json!({ "provider": "twilio", "secret": "twilio-token" })).await;
    let url = s(&twilio, "ingestUrl");
    let form = "To=%2B14155550199&From=%2B14155550100&Digits=1";
    let signed = format!("{url}Digits1From+14155550100To+14155550199");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"twilio-token").unwrap();
    mac.update(signed.as_bytes());
    let sig = STANDARD.encode(mac.finalize().into_bytes());
    let send = |body: &'static str| {
        api.http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig.clone())
            .body(body)
            .send()
    };
    assert_eq!(send(form).await.unwrap().status(), 202);
    let tampered = "To=%2B14155550199&From=%2B14155550100&Digits=9";
    assert_eq!(send(tampered).await.unwrap().status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_webhooks_secret_is_generated_shown_once_and_rotates_with_overlap() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let rx = Receiver::start().await;
    let hook = api
        .create_webhook(
            &key,
            &rx.url,
            json!({ "verification": { "provider": "standard-webhooks", "requireIngestSecret": true } }),
        )
        .await;
    let first = s(&hook, "verificationSecret");
    assert!(first.starts_with("whsec_"), "{hook}");
    let id = s(&hook, "id");
    let again = api.get(&format!("/v1/webhooks/{id}"), &key).await;
    assert!(
        again.body["data"].get("verificationSecret").is_none(),
        "shown once"
    );
    let url = s(&hook, "ingestUrl");
    let ingest_secret = s(&hook, "ingestSecret");

    // The official Rust library of the standard signs; `svix-*` headers too.
    let sign = |secret: &str, msg: &str, ts: i64, prefix: &str| {
        let sig = standardwebhooks::Webhook::new(secret)
            .unwrap()
            .sign(msg, ts, b"{\"type\":\"user.created\"}")
            .unwrap();
        vec![
            (format!("{prefix}-id"), msg.to_string()),
            (format!("{prefix}-timestamp"), ts.to_string()),
            (format!("{prefix}-signature"), sig),
        ]
    };
    let send = |headers: Vec<(String, String)>, bearer: Option<String>| {
        let api = api.clone();
        let url = url.clone();
        async move {
            let h: Vec<(&str, String)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            post(
                &api,
                &url,
                &h,
                bearer.as_deref(),
                "{\"type\":\"user.created\"}",
            )
            .await
            .status
        }
    };
    let bearer = Some(ingest_secret.clone());
    assert_eq!(
        send(sign(&first, "msg_1", now(), "webhook"), bearer.clone()).await,
        202
    );
    assert_eq!(
        send(sign(&first, "msg_2", now(), "svix"), bearer.clone()).await,
        202
    );
    assert_eq!(
        send(sign(&first, "msg_3", now(), "webhook"), None).await,
        401,
        "both required"
    );
    assert_eq!(
        send(
            sign(&first, "msg_4", now() - 600, "webhook"),
            bearer.clone()
        )
        .await,
        401,
        "stale"
    );

    // Rotation: the previous secret stays valid through the overlap.
    let r = api
        .post(
            &format!("/v1/webhooks/{id}/rotate-verification-secret"),
            &key,
            json!({ "overlapSeconds": 3600 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let second = s(&r.body["data"], "verificationSecret");
    assert_ne!(first, second);
    assert_eq!(
        send(sign(&second, "msg_5", now(), "webhook"), bearer.clone()).await,
        202
    );
    assert_eq!(
        send(sign(&first, "msg_6", now(), "webhook"), bearer.clone()).await,
        202
    );
    let versions = api
        .get(&format!("/v1/webhooks/{id}/secret-versions"), &key)
        .await;
    let verification: Vec<&Value> = versions.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "verification")
        .collect();
    assert_eq!(verification.len(), 2, "{}", versions.body);
    // Without overlap the previous one stops at once.
    let r = api
        .post(
            &format!("/v1/webhooks/{id}/rotate-verification-secret"),
            &key,
            json!({ "overlapSeconds": 0, "secret": first }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body["data"].get("verificationSecret").is_none(),
        "a given secret is not echoed"
    );
    assert_eq!(
        send(sign(&second, "msg_7", now(), "webhook"), bearer.clone()).await,
        401
    );
    assert_eq!(
        send(sign(&first, "msg_8", now(), "webhook"), bearer.clone()).await,
        202
    );
    rx.wait_for(5, Duration::from_secs(30)).await;

    // Verification off: the bearer ingest secret alone, as before.
    let r = api
        .call(
            "PATCH",
            &format!("/v1/webhooks/{id}"),
            Some(&key),
            Some(json!({ "verification": null })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"]["verification"], Value::Null);
    assert_eq!(api.ingest(&url, &ingest_secret, b"{}").await.status, 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_verification_settings_are_400_naming_the_field() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    for (verification, field) in [
        (json!({ "provider": "stripe" }), "verification.secret"),
        (
            json!({ "provider": "hmac", "secret": "k" }),
            "verification.header",
        ),
        (
            json!({ "provider": "github", "toleranceSeconds": 10 }),
            "verification.toleranceSeconds",
        ),
        (
            json!({ "provider": "basic", "secret": "pw" }),
            "verification.username",
        ),
        (
            json!({ "provider": "basic", "username": "u", "requireIngestSecret": true }),
            "verification.requireIngestSecret",
        ),
        (
            json!({ "provider": "standard-webhooks", "secret": "whsec_!!" }),
            "verification.secret",
        ),
    ] {
        let r = api
            .post("/v1/webhooks", &key, json!({ "name": "x", "destinationUrl": "http://127.0.0.1:9/", "verification": verification }))
            .await;
        assert_eq!(r.status, 400, "{verification}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{}", r.body);
    }
    let r = api
        .post("/v1/webhooks", &key, json!({ "name": "x", "destinationUrl": "http://127.0.0.1:9/", "verification": { "provider": "paypal" } }))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    // Nothing half-written.
    assert_eq!(api.list_all("/v1/webhooks", &key).await.len(), 0);
    // A webhook without verification has nothing to rotate.
    let hook = api
        .create_webhook(&key, "http://127.0.0.1:9/", json!({}))
        .await;
    let r = api
        .post(
            &format!("/v1/webhooks/{}/rotate-verification-secret", s(&hook, "id")),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    // Basic auth: the password given, the user name in the settings.
    let rx = Receiver::start().await;
    let basic = api
        .create_webhook(&key, &rx.url, json!({ "verification": { "provider": "basic", "username": "shop", "secret": "pw-1" } }))
        .await;
    let send = |cred: &str| {
        api.http
            .post(s(&basic, "ingestUrl"))
            .header("content-type", "application/json")
            .header("authorization", format!("Basic {}", STANDARD.encode(cred)))
            .body("{}")
            .send()
    };
    assert_eq!(send("shop:pw-1").await.unwrap().status(), 202);
    assert_eq!(send("shop:pw-2").await.unwrap().status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_record_non_matching_events_as_filtered_and_replay_sends_them() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let rx = Receiver::start().await;

    let r = api
        .post("/v1/webhooks", &key, json!({ "name": "x", "destinationUrl": rx.url,
            "filter": { "and": [ { "path": "amount", "gte": 100 }, { "path": "currency", "in": [1] }, { "path": "x", "lt": "a" } ] } }))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["error"]["field"], "filter");
    assert!(
        s(&r.body["error"], "message").contains("and[2].lt"),
        "{}",
        r.body
    );

    let hook = api
        .create_webhook(&key, &rx.url, json!({ "filter": { "or": [ { "path": "amount", "gte": 100 }, { "header": "x-priority", "eq": "high" } ] } }))
        .await;
    assert_eq!(hook["filter"]["or"][0]["gte"], 100);
    let url = s(&hook, "ingestUrl");
    let secret = s(&hook, "ingestSecret");
    let small = api.ingest(&url, &secret, br#"{"amount":5}"#).await;
    let big = api.ingest(&url, &secret, br#"{"amount":500}"#).await;
    let urgent = post(
        &api,
        &url,
        &[("x-priority", "high".into())],
        Some(&secret),
        r#"{"amount":1}"#,
    )
    .await;
    for r in [&small, &big, &urgent] {
        assert_eq!(r.status, 202, "{}", r.body);
    }
    let small_id = s(&small.body["data"], "id");
    let got = rx.wait_for(2, Duration::from_secs(30)).await;
    let bodies: Vec<&[u8]> = got.iter().map(|r| r.body.as_ref()).collect();
    assert!(
        bodies.contains(&br#"{"amount":500}"#.as_slice())
            && bodies.contains(&br#"{"amount":1}"#.as_slice())
    );
    let d = api.get(&format!("/v1/deliveries/{small_id}"), &key).await;
    assert_eq!(d.body["data"]["status"], "filtered", "{}", d.body);
    assert_eq!(d.body["data"]["attempts"].as_array().map_or(0, Vec::len), 0);
    let listed = api.list_all("/v1/deliveries?status=filtered", &key).await;
    assert_eq!(listed.len(), 1);
    let metrics = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("hookrelay_deliveries_filtered_total 1"),
        "{metrics}"
    );

    // After the filter changes, a replay sends it.
    let r = api
        .call(
            "PATCH",
            &format!("/v1/webhooks/{}", s(&hook, "id")),
            Some(&key),
            Some(json!({ "filter": null })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"]["filter"], Value::Null);
    let r = api
        .post(
            &format!("/v1/deliveries/{small_id}/replay"),
            &key,
            json!({}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let got = rx.wait_for(3, Duration::from_secs(30)).await;
    assert_eq!(got[2].body, br#"{"amount":5}"#.as_slice());

    // The test route runs a filter on a sample without storing anything.
    let r = api
        .post("/v1/filters/test", &key, json!({ "filter": { "path": "a.b.0", "prefix": "x" }, "payload": { "a": { "b": ["xy"] } } }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"]["matches"], true);
    let r = api
        .post(
            "/v1/filters/test",
            &key,
            json!({ "filter": { "path": "a", "exists": "yes" }, "payload": {} }),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        s(&r.body["error"], "message").contains("exists"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_endpoints_and_portal_customers_filter_messages() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let app = api
        .post("/v1/applications", &key, json!({ "name": "Customer" }))
        .await;
    let app = s(&app.body["data"], "id");
    assert_eq!(
        api.post("/v1/event-types", &key, json!({ "name": "invoice.paid" }))
            .await
            .status,
        201
    );
    let all = Receiver::start().await;
    let big = Receiver::start().await;
    api.create_webhook(&key, &all.url, json!({ "applicationId": app }))
        .await;
    let r = api
        .post(
            &format!("/v1/applications/{app}/portal/tokens"),
            &key,
            json!({ "scopes": ["read", "write"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = s(&r.body["data"], "token");
    // The customer creates its endpoint with a filter, tests it, and may
    // not set ingest verification.
    let r = api
        .post("/portal-api/v1/endpoints", &token, json!({ "name": "big", "destinationUrl": big.url, "filter": { "path": "amount", "gt": 1000 } }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["data"]["filter"]["gt"], 1000);
    let endpoint = s(&r.body["data"], "id");
    let r = api
        .call(
            "PATCH",
            &format!("/portal-api/v1/endpoints/{endpoint}"),
            Some(&token),
            Some(json!({ "verification": { "provider": "github" } })),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = api
        .post(
            "/portal-api/v1/filters/test",
            &token,
            json!({ "filter": { "path": "amount", "gt": 1000 }, "payload": { "amount": 5 } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"]["matches"], false);

    for amount in [5, 5000] {
        let r = api
            .post(
                &format!("/v1/applications/{app}/messages"),
                &key,
                json!({ "eventType": "invoice.paid", "payload": { "amount": amount } }),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
    }
    all.wait_for(2, Duration::from_secs(30)).await;
    let got = big.wait_for(1, Duration::from_secs(30)).await;
    assert!(String::from_utf8_lossy(&got[0].body).contains("5000"));
    let filtered = api
        .list_all(
            &format!("/v1/deliveries?status=filtered&webhookId={endpoint}"),
            &key,
        )
        .await;
    assert_eq!(filtered.len(), 1);
    let log = api
        .get("/portal-api/v1/deliveries?status=filtered", &token)
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert_eq!(
        log.body["data"].as_array().unwrap().len(),
        1,
        "{}",
        log.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transformation_is_simulated_on_a_stored_event_without_sending() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let rx = Receiver::start().await;
    let hook = api
        .create_webhook(&key, &rx.url, json!({ "headers": { "x-team": "billing" } }))
        .await;
    let r = api
        .ingest(
            &s(&hook, "ingestUrl"),
            &s(&hook, "ingestSecret"),
            br#"{"amount":1200}"#,
        )
        .await;
    let delivery = s(&r.body["data"], "id");
    rx.wait_for(1, Duration::from_secs(30)).await;
    let simulate = |code: &str| {
        let api = api.clone();
        let key = key.clone();
        let body = json!({ "code": code, "deliveryId": delivery });
        async move { api.post("/v1/transformations/simulate", &key, body).await }
    };
    let r = simulate(
        "function handler(e) { return { body: { cents: e.payload.amount, team: e.headers['x-team'] }, headers: { 'x-v': '2' }, url: e.url + '?v=2' } }",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = &r.body["data"];
    assert_eq!(d["outcome"], "send");
    assert_eq!(d["request"]["body"], r#"{"cents":1200,"team":"billing"}"#);
    assert_eq!(d["request"]["headers"]["x-v"], "2");
    assert_eq!(d["request"]["method"], "POST");
    assert_eq!(d["request"]["url"], format!("{}?v=2", rx.url));
    let r = simulate("function handler(e) { return null }").await;
    assert_eq!(r.body["data"]["outcome"], "cancelled");
    let r = simulate("function handler(e) { for (;;) {} }").await;
    assert_eq!(r.body["data"]["outcome"], "failed");
    assert_eq!(r.body["data"]["error"]["kind"], "transformation_timeout");
    let r = simulate("function handler(e) { const a = []; for (;;) a.push('x'.repeat(1 << 20)) }")
        .await;
    assert_eq!(
        r.body["data"]["error"]["kind"], "transformation_memory",
        "{}",
        r.body
    );
    let r = simulate("").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["field"], "code");
    // Nothing was sent by simulating.
    assert_eq!(rx.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_sets_verification_tests_filters_and_simulates_transformations() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (project, key) = server.create_project("acme");
    server.create_user(
        "ops@example.com",
        &project,
        "owner",
        "correct horse battery staple",
    );
    let mut dash = server.dashboard();
    assert_eq!(
        dash.login("ops@example.com", "correct horse battery staple")
            .await
            .status,
        200
    );
    let p = format!("/dashboard/api/projects/{project}");
    let rx = Receiver::start().await;
    let hook = api.create_webhook(&key, &rx.url, json!({})).await;
    let id = s(&hook, "id");

    let r = dash
        .call("PATCH", &format!("{p}/webhooks/{id}"), Some(json!({ "verification": { "provider": "github" }, "filter": { "path": "n", "gt": 1 } })))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let secret = s(&r.body["data"], "verificationSecret");
    let body = r#"{"n":2}"#;
    let sig = format!("sha256={}", hmac_hex(&secret, &[body.as_bytes()]));
    let url = s(&hook, "ingestUrl");
    let ok = post(&api, &url, &[("x-hub-signature-256", sig)], None, body).await;
    assert_eq!(ok.status, 202, "{}", ok.body);
    let refused = post(
        &api,
        &url,
        &[("x-hub-signature-256", "sha256=00".into())],
        None,
        body,
    )
    .await;
    assert_eq!(refused.status, 401);
    let r = dash
        .call("GET", &format!("{p}/webhooks/{id}/ingest-refusals"), None)
        .await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 1, "{}", r.body);

    let r = dash
        .call(
            "POST",
            &format!("{p}/filters/test"),
            Some(json!({ "filter": { "path": "n", "gt": 1 }, "payload": { "n": 1 } })),
        )
        .await;
    assert_eq!(r.body["data"]["matches"], false, "{}", r.body);
    let r = dash
        .call("POST", &format!("{p}/transformations/simulate"),
            Some(json!({ "code": "function handler(e) { return { body: String(e.payload.n * 10) } }", "deliveryId": s(&ok.body["data"], "id") })))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"]["request"]["body"], "20");
}
