//! Applications, fan-out messages, portal access (magic links, long-lived
//! tokens) and the Portal API: defaults, limits, scopes, expiry, revocation
//! and isolation between applications and projects.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("{k} in {v}"))
        .to_string()
}

async fn create_app(api: &Api, key: &str, name: &str) -> String {
    let r = api
        .post("/v1/applications", key, json!({ "name": name }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    s(&r.body["data"], "id")
}

async fn magic_link(api: &Api, key: &str, app: &str, body: Value) -> Resp {
    api.post(
        &format!("/v1/applications/{app}/portal/magic-link"),
        key,
        body,
    )
    .await
}

async fn portal_token(api: &Api, key: &str, app: &str, scopes: Value) -> String {
    let r = magic_link(api, key, app, json!({ "scopes": scopes })).await;
    assert_eq!(r.status, 201, "{}", r.body);
    s(&r.body["data"], "token")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_crud_with_uid_metadata_and_isolation() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let (_, other) = server.create_project("globex");

    let r = api
        .post(
            "/v1/applications",
            &key,
            json!({ "name": "Customer 42", "uid": "cust-42", "metadata": { "plan": "pro" } }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let app = r.body["data"].clone();
    assert!(s(&app, "id").starts_with("app_"));
    assert_eq!(app["metadata"]["plan"], "pro");
    assert_eq!(app["portalFrameAncestors"], Value::Null);

    // By id or by uid; another project sees neither.
    let by_uid = api.get("/v1/applications/cust-42", &key).await;
    assert_eq!(by_uid.status, 200);
    assert_eq!(by_uid.body["data"]["id"], app["id"]);
    assert_eq!(
        api.get(&format!("/v1/applications/{}", s(&app, "id")), &other)
            .await
            .status,
        404
    );
    assert_eq!(
        api.get("/v1/applications/cust-42", &other).await.status,
        404
    );
    assert_eq!(
        api.get("/v1/applications", &other).await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // The uid is unique per project only.
    let dup = api
        .post(
            "/v1/applications",
            &key,
            json!({ "name": "again", "uid": "cust-42" }),
        )
        .await;
    assert_eq!(dup.status, 409, "{}", dup.body);
    assert_eq!(
        api.post(
            "/v1/applications",
            &other,
            json!({ "name": "theirs", "uid": "cust-42" })
        )
        .await
        .status,
        201
    );

    for (body, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x", "uid": "has space" }), "uid"),
        (json!({ "name": "x", "metadata": [1] }), "metadata"),
        (
            json!({ "name": "x", "portalFrameAncestors": ["https://ok.com/path"] }),
            "portalFrameAncestors",
        ),
    ] {
        let r = api.post("/v1/applications", &key, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{body}");
    }

    let r = api
        .call(
            "PATCH",
            "/v1/applications/cust-42",
            Some(&key),
            Some(json!({ "name": "Renamed", "portalFrameAncestors": ["https://Shop.example"] })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"]["name"], "Renamed");
    assert_eq!(
        r.body["data"]["portalFrameAncestors"],
        json!(["https://shop.example"])
    );

    // Portal tokens need a write or admin key, never a portal token.
    let token = portal_token(&api, &key, &s(&app, "id"), json!(["read", "write"])).await;
    assert_eq!(api.get("/v1/applications", &token).await.status, 401);

    // An endpoint with a schedule: both go with the application.
    let endpoint = api
        .post("/v1/webhooks", &key, json!({ "name": "e", "destinationUrl": "http://127.0.0.1:9/", "applicationId": s(&app, "id") }))
        .await;
    assert_eq!(endpoint.status, 201, "{}", endpoint.body);
    let endpoint_id = s(&endpoint.body["data"], "id");
    let sched = api
        .post(
            &format!("/v1/webhooks/{endpoint_id}/schedules"),
            &key,
            json!({ "cron": "0 9 * * *", "timeZone": "UTC", "payload": "x" }),
        )
        .await;
    assert_eq!(sched.status, 201, "{}", sched.body);

    let r = api
        .call(
            "DELETE",
            &format!("/v1/applications/{}", s(&app, "id")),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let left = server
        .sql_i64(&format!(
            "SELECT COUNT(*) FROM schedules WHERE webhook_id = '{endpoint_id}'"
        ))
        .await;
    assert_eq!(
        left, 0,
        "an application's endpoints take their schedules with them"
    );
    assert_eq!(api.get("/v1/applications/cust-42", &key).await.status, 404);
    assert_eq!(
        api.get("/portal-api/v1/endpoints", &token).await.status,
        401,
        "tokens die with their application"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_fan_out_to_subscribed_enabled_endpoints_each_signed_with_its_own_secret() {
    const PAYLOAD: &str = r#"{"invoice": 7, "amount": 12345678901234567890123, "currency": "eur"}"#;
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let app = create_app(&api, &key, "customer").await;
    for name in ["invoice.paid", "invoice.failed"] {
        let r = api
            .post(
                "/v1/event-types",
                &key,
                json!({ "name": name, "description": "d", "schema": { "type": "object" } }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    assert_eq!(
        api.post("/v1/event-types", &key, json!({ "name": "invoice.paid" }))
            .await
            .status,
        409
    );
    let types = api.get("/v1/event-types", &key).await;
    assert_eq!(types.body["data"][0]["name"], "invoice.failed");
    assert_eq!(types.body["data"][1]["schema"]["type"], "object");

    // Subscriptions must name known types.
    let r = api.post("/v1/webhooks", &key, json!({ "name": "x", "destinationUrl": "http://127.0.0.1:9/", "applicationId": app, "eventTypes": ["nope"] })).await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("eventTypes")),
        "{}",
        r.body
    );
    let r = api.post("/v1/webhooks", &key, json!({ "name": "x", "destinationUrl": "http://127.0.0.1:9/", "eventTypes": ["invoice.paid"] })).await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("eventTypes")),
        "plain webhooks have no subscriptions: {}",
        r.body
    );
    let r = api.post("/v1/webhooks", &key, json!({ "name": "x", "destinationUrl": "http://127.0.0.1:9/", "applicationId": "app_nope" })).await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("applicationId")),
        "{}",
        r.body
    );

    let paid = Receiver::start().await;
    let failed = Receiver::start().await;
    let all = Receiver::start().await;
    let disabled = Receiver::start().await;
    let hook = |url: &str, extra: Value| {
        let mut b = json!({ "name": "endpoint", "destinationUrl": url, "applicationId": app });
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let mut secrets = Vec::new();
    for (rx, extra) in [
        (&paid, json!({ "eventTypes": ["invoice.paid"] })),
        (&failed, json!({ "eventTypes": ["invoice.failed"] })),
        (&all, json!({})),
        (&disabled, json!({ "enabled": false })),
    ] {
        let r = api.post("/v1/webhooks", &key, hook(&rx.url, extra)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["data"]["applicationId"], json!(app));
        secrets.push(s(&r.body["data"], "signingSecret"));
    }

    let send = |idem: &'static str| {
        let api = api.clone();
        let key = key.clone();
        let app = app.clone();
        async move {
            let req = api
                .http
                .post(format!("{}/v1/applications/{app}/messages", api.base))
                .bearer_auth(&key)
                .header("idempotency-key", idem)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"eventType": "invoice.paid", "payload": {PAYLOAD}}}"#
                ));
            let res = req.send().await.unwrap();
            let replayed = res.headers().get("idempotent-replayed").is_some();
            (
                res.status().as_u16(),
                replayed,
                serde_json::from_slice::<Value>(&res.bytes().await.unwrap()).unwrap(),
            )
        }
    };
    let (status, replayed, body) = send("inv-7").await;
    assert_eq!((status, replayed), (202, false), "{body}");
    let msg = body["data"].clone();
    assert_eq!(
        msg["deliveries"].as_array().unwrap().len(),
        2,
        "paid + all: {msg}"
    );

    let got_paid = paid.wait_for(1, Duration::from_secs(20)).await;
    let got_all = all.wait_for(1, Duration::from_secs(20)).await;
    assert!(
        verifies(&secrets[0], &got_paid[0]),
        "signed with the first endpoint's secret"
    );
    assert!(
        verifies(&secrets[2], &got_all[0]),
        "signed with the third endpoint's secret"
    );
    assert!(
        !verifies(&secrets[0], &got_all[0]),
        "each endpoint has its own secret"
    );
    assert_eq!(
        String::from_utf8_lossy(&got_paid[0].body),
        PAYLOAD,
        "the payload arrives byte for byte as sent: key order, spacing, a number past 64 bits"
    );
    assert_eq!(header(&got_paid[0], "content-type"), "application/json");

    // The same key again: the first message, nothing new sent.
    let (status, replayed, again) = send("inv-7").await;
    assert_eq!((status, replayed), (202, true));
    assert_eq!(again["data"]["id"], msg["id"]);
    assert_eq!(again["data"]["deliveries"].as_array().unwrap().len(), 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        (paid.count(), failed.count(), all.count(), disabled.count()),
        (1, 0, 1, 0)
    );

    // The payload is stored once: one message in the application's log.
    let token = portal_token(&api, &key, &app, json!(["read"])).await;
    let messages = api.get("/portal-api/v1/messages", &token).await;
    assert_eq!(
        messages.body["data"].as_array().unwrap().len(),
        1,
        "{}",
        messages.body
    );
    assert_eq!(messages.body["data"][0]["payload"]["invoice"], 7);
    let listed = api.get_text("/portal-api/v1/messages", Some(&token)).await;
    assert!(
        listed.contains(r#""amount": 12345678901234567890123"#),
        "the portal shows the payload as sent: {listed}"
    );

    // Usage counts the message once per endpoint it was queued for.
    let usage = api.get("/v1/usage", &key).await;
    assert_eq!(
        usage.body["data"]["totals"]["deliveries"], 2,
        "{}",
        usage.body
    );
    assert_eq!(usage.body["data"]["totals"]["events"], 2, "{}", usage.body);

    let r = api
        .post(
            &format!("/v1/applications/{app}/messages"),
            &key,
            json!({ "eventType": "bad type", "payload": {} }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("eventType"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn magic_links_answer_the_seed_shape_on_both_routes_and_validate_input() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (project, key) = server.create_project("acme");
    let (other_project, other_key) = server.create_project("globex");
    let app = create_app(&api, &key, "customer").await;

    let before = chrono::Utc::now();
    let r = magic_link(&api, &key, &app, json!({})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let d = &r.body["data"];
    let mut fields: Vec<&String> = d.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        ["expiresAt", "expiresInMinutes", "scopes", "token", "url"]
    );
    let token = s(d, "token");
    assert!(token.starts_with("whpt_") && token.len() > 40);
    assert_eq!(s(d, "url"), format!("{}/portal/{token}", server.url));
    assert_eq!(d["expiresInMinutes"], 60);
    assert_eq!(d["scopes"], json!(["read", "write"]));
    let expires = chrono::DateTime::parse_from_rfc3339(&s(d, "expiresAt")).unwrap();
    let minutes = (expires.with_timezone(&chrono::Utc) - before).num_seconds() as f64 / 60.0;
    assert!((59.0..=61.0).contains(&minutes), "{minutes}");

    // The seed's own route, with the project id as orgId: the same handler.
    let seed_path =
        format!("/api/organizations/{project}/portal/webhook-applications/{app}/magic-link");
    let r = api
        .post(
            &seed_path,
            &key,
            json!({ "expiresInMinutes": 1440, "scopes": ["read"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["data"]["expiresInMinutes"], 1440);
    assert_eq!(r.body["data"]["scopes"], json!(["read"]));
    // No body at all means the defaults.
    let r = api.call("POST", &seed_path, Some(&key), None).await;
    assert_eq!(
        (r.status, r.body["data"]["expiresInMinutes"].clone()),
        (201, json!(60)),
        "{}",
        r.body
    );

    for (body, field) in [
        (json!({ "expiresInMinutes": 0 }), "expiresInMinutes"),
        (json!({ "expiresInMinutes": 1441 }), "expiresInMinutes"),
        (json!({ "expiresInMinutes": 1.5 }), "expiresInMinutes"),
        (json!({ "expiresInMinutes": "60" }), "expiresInMinutes"),
        (json!({ "scopes": [] }), "scopes"),
        (json!({ "scopes": ["admin"] }), "scopes"),
        (json!({ "scopes": "read" }), "scopes"),
    ] {
        let r = magic_link(&api, &key, &app, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{body}");
    }

    // Another project's key, or another project's id as orgId: not found.
    assert_eq!(
        magic_link(&api, &other_key, &app, json!({})).await.status,
        404
    );
    let foreign =
        format!("/api/organizations/{other_project}/portal/webhook-applications/{app}/magic-link");
    assert_eq!(api.post(&foreign, &key, json!({})).await.status, 404);
    assert_eq!(api.post(&foreign, &other_key, json!({})).await.status, 404);
    // A portal token cannot mint more tokens.
    assert_eq!(magic_link(&api, &token, &app, json!({})).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_lived_tokens_are_listed_without_secrets_and_revoke_at_once() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (project, key) = server.create_project("acme");
    let app = create_app(&api, &key, "customer").await;
    let base = format!("/api/organizations/{project}/portal/webhook-applications/{app}/tokens");

    let session = portal_token(&api, &key, &app, json!(["read"])).await;
    let r = api
        .post(
            &base,
            &key,
            json!({ "name": "backend", "expiresInDays": 365, "scopes": ["read", "write"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let created = r.body["data"].clone();
    let token = s(&created, "token");
    assert!(token.starts_with("whpt_"));
    let expires = chrono::DateTime::parse_from_rfc3339(&s(&created, "expiresAt")).unwrap();
    assert!((expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days() >= 364);

    for (body, field) in [
        (json!({ "expiresInDays": 0 }), "expiresInDays"),
        (json!({ "expiresInDays": 366 }), "expiresInDays"),
        (json!({ "scopes": ["root"] }), "scopes"),
        (json!({ "name": "" }), "name"),
    ] {
        let r = api.post(&base, &key, body.clone()).await;
        assert_eq!(
            (r.status, r.body["error"]["field"].clone()),
            (400, json!(field)),
            "{body}: {}",
            r.body
        );
    }

    // Listed by both route forms: long-lived only, never the raw token.
    for path in [
        base.clone(),
        format!("/v1/applications/{app}/portal/tokens"),
    ] {
        let list = api.get(&path, &key).await;
        assert_eq!(list.status, 200);
        let items = list.body["data"].as_array().unwrap();
        assert_eq!(
            items.len(),
            1,
            "session tokens are not listed: {}",
            list.body
        );
        assert_eq!(items[0]["id"], created["id"]);
        assert!(items[0].get("token").is_none());
        assert!(
            !list.body.to_string().contains(&token[5..])
                && !list.body.to_string().contains(&session[5..])
        );
    }

    assert_eq!(
        api.get("/portal-api/v1/endpoints", &token).await.status,
        200
    );
    let r = api
        .call(
            "DELETE",
            &format!("{base}/{}", s(&created, "id")),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        api.get("/portal-api/v1/endpoints", &token).await.status,
        401,
        "revocation is immediate"
    );
    assert_eq!(
        api.call("DELETE", &format!("{base}/ptk_unknown"), Some(&key), None)
            .await
            .status,
        404
    );
    assert!(api.get(&base, &key).await.body["data"][0]["revokedAt"].is_string());

    // Issuing and revoking portal access is audited, without the token.
    let audited = "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE target_type = 'portal_token' AND action IN \
                   ('portal.magic_link', 'portal_token.create', 'portal_token.revoke')";
    assert_eq!(server.sql_i64(audited).await, 3);
    let leaked = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE summary LIKE '%{}%'",
        &token[5..]
    );
    assert_eq!(server.sql_i64(&leaked).await, 0);

    // Expired tokens stop working.
    assert_eq!(
        api.get("/portal-api/v1/endpoints", &session).await.status,
        200
    );
    server.sql("UPDATE portal_tokens SET expires_at = 1").await;
    assert_eq!(
        api.get("/portal-api/v1/endpoints", &session).await.status,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_tokens_see_one_application_and_read_tokens_cannot_write() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let (_, other_key) = server.create_project("globex");
    let app = create_app(&api, &key, "customer").await;
    let sibling = create_app(&api, &key, "another customer").await;
    let foreign = create_app(&api, &other_key, "their customer").await;
    let rx = Receiver::start().await;

    let write = portal_token(&api, &key, &app, json!(["read", "write"])).await;
    let read = portal_token(&api, &key, &app, json!(["read"])).await;
    let sibling_token = portal_token(&api, &key, &sibling, json!(["read", "write"])).await;

    let session = api.get("/portal-api/v1/session", &read).await;
    assert_eq!(session.body["data"]["scopes"], json!(["read"]));
    assert_eq!(session.body["data"]["applicationName"], "customer");

    // A write token creates an endpoint of its own application.
    let r = api
        .post(
            "/portal-api/v1/endpoints",
            &write,
            json!({ "name": "mine", "destinationUrl": rx.url, "applicationId": sibling }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("applicationId"))
    );
    let r = api
        .post(
            "/portal-api/v1/endpoints",
            &write,
            json!({ "name": "mine", "destinationUrl": rx.url }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ep = r.body["data"].clone();
    let ep_id = s(&ep, "id");
    let signing = s(&ep, "signingSecret");
    assert!(
        ep.get("ingestSecret").is_none() && ep.get("ingestUrl").is_none(),
        "ingest belongs to the project: {ep}"
    );
    assert_eq!(ep["applicationId"], json!(app));
    let sibling_ep = api
        .post(
            "/portal-api/v1/endpoints",
            &sibling_token,
            json!({ "name": "theirs", "destinationUrl": rx.url }),
        )
        .await;
    let sibling_ep_id = s(&sibling_ep.body["data"], "id");
    let plain = api.create_webhook(&key, &rx.url, json!({})).await;

    // Lists show the token's application's endpoints only.
    let list = api.get("/portal-api/v1/endpoints", &read).await;
    let ids: Vec<&Value> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(ids, vec![&json!(ep_id)]);
    for id in [&sibling_ep_id, &s(&plain, "id")] {
        assert_eq!(
            api.get(&format!("/portal-api/v1/endpoints/{id}"), &write)
                .await
                .status,
            404
        );
        let r = api
            .call(
                "DELETE",
                &format!("/portal-api/v1/endpoints/{id}"),
                Some(&write),
                None,
            )
            .await;
        assert_eq!(r.status, 404);
    }

    // A message reaches the endpoint; the log shows it with its attempt.
    let m = api
        .post(
            &format!("/v1/applications/{app}/messages"),
            &key,
            json!({ "eventType": "order.created", "payload": { "n": 1 } }),
        )
        .await;
    assert_eq!(m.status, 202, "{}", m.body);
    let got = rx.wait_for(1, Duration::from_secs(20)).await;
    assert!(verifies(&signing, &got[0]));
    let delivery_id = s(&m.body["data"]["deliveries"][0], "id");
    let detail = loop {
        let d = api
            .get(&format!("/portal-api/v1/deliveries/{delivery_id}"), &read)
            .await;
        assert_eq!(d.status, 200, "{}", d.body);
        if d.body["data"]["status"] == "succeeded" {
            break d.body["data"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(detail["attempts"][0]["statusCode"], 200);
    let log = api
        .get(
            &format!("/portal-api/v1/deliveries?endpointId={ep_id}&status=succeeded"),
            &read,
        )
        .await;
    assert_eq!(
        log.body["data"][0]["eventType"], "order.created",
        "{}",
        log.body
    );
    assert_eq!(
        api.get("/portal-api/v1/deliveries", &sibling_token)
            .await
            .body["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        api.get(
            &format!("/portal-api/v1/deliveries/{delivery_id}"),
            &sibling_token
        )
        .await
        .status,
        404
    );
    assert_eq!(
        api.get("/portal-api/v1/deliveries?status=bogus", &read)
            .await
            .status,
        400
    );

    // A read token changes nothing.
    let ep_path = format!("/portal-api/v1/endpoints/{ep_id}");
    let writes: Vec<(&str, String, Option<Value>)> = vec![
        (
            "POST",
            "/portal-api/v1/endpoints".into(),
            Some(json!({ "name": "x", "destinationUrl": rx.url })),
        ),
        ("PATCH", ep_path.clone(), Some(json!({ "enabled": false }))),
        ("DELETE", ep_path.clone(), None),
        ("GET", format!("{ep_path}/secret"), None),
        ("POST", format!("{ep_path}/rotate-secret"), None),
        ("POST", format!("{ep_path}/test"), None),
        (
            "POST",
            format!("/portal-api/v1/deliveries/{delivery_id}/replay"),
            None,
        ),
    ];
    for (method, path, body) in &writes {
        let r = api.call(method, path, Some(&read), body.clone()).await;
        assert_eq!(
            r.status, 403,
            "{method} {path} with a read token: {}",
            r.body
        );
    }
    assert_eq!(rx.count(), 1);

    // The write token can do each of them.
    let r = api.get(&format!("{ep_path}/secret"), &write).await;
    assert_eq!(r.body["data"]["signingSecret"], json!(signing));
    let r = api
        .post(
            &format!("/portal-api/v1/deliveries/{delivery_id}/replay"),
            &write,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_ne!(r.body["data"]["id"], json!(delivery_id));
    assert_eq!(
        r.body["data"]["replayOf"],
        json!(delivery_id),
        "the same replay as /v1: linked to the original"
    );
    let r = api
        .post(&format!("{ep_path}/test"), &write, json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let got = rx.wait_for(3, Duration::from_secs(20)).await;
    assert!(got.iter().all(|g| verifies(&signing, g)));
    let rotated = api
        .post(
            &format!("{ep_path}/rotate-secret"),
            &write,
            json!({ "overlapSeconds": 0 }),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_ne!(rotated.body["data"]["signingSecret"], json!(signing));
    let r = api
        .call(
            "PATCH",
            &ep_path,
            Some(&write),
            Some(json!({ "eventTypes": ["unknown.type"] })),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        api.call("DELETE", &ep_path, Some(&write), None)
            .await
            .status,
        204
    );

    // Credentials do not cross: portal tokens are not API keys and back.
    assert_eq!(api.get("/v1/webhooks", &write).await.status, 401);
    assert_eq!(api.get("/v1/deliveries", &read).await.status, 401);
    assert_eq!(api.get("/portal-api/v1/endpoints", &key).await.status, 401);
    assert_eq!(
        api.call("GET", "/portal-api/v1/endpoints", None, None)
            .await
            .status,
        401
    );
    assert_eq!(
        api.get("/portal-api/v1/endpoints", "whpt_forged")
            .await
            .status,
        401
    );
    let foreign_token = portal_token(&api, &other_key, &foreign, json!(["read", "write"])).await;
    assert_eq!(
        api.get(
            &format!("/portal-api/v1/endpoints/{sibling_ep_id}"),
            &foreign_token
        )
        .await
        .status,
        404
    );
    assert_eq!(
        api.get(
            &format!("/portal-api/v1/endpoints/{sibling_ep_id}"),
            &sibling_token
        )
        .await
        .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_applications_and_the_portal_api() {
    let server = Server::start(ServerOpts::default()).await;
    let doc = server
        .api()
        .call("GET", "/v1/openapi.json", None, None)
        .await
        .body;
    for path in [
        "/v1/applications",
        "/v1/applications/{id}/messages",
        "/v1/event-types",
        "/v1/applications/{appId}/portal/magic-link",
        "/v1/applications/{appId}/portal/tokens/{tokenId}",
        "/portal-api/v1/endpoints",
        "/portal-api/v1/deliveries/{id}/replay",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["portalToken"].is_object());

    // The React components call the Portal API from the project's own site.
    for route in ["endpoints", "filters/test"] {
        let preflight = server
            .api()
            .http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/portal-api/v1/{route}", server.url),
            )
            .header("origin", "https://shop.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(
            preflight.status().is_success(),
            "{route}: {}",
            preflight.status()
        );
        assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
        assert!(preflight
            .headers()
            .get("access-control-allow-credentials")
            .is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_page_is_self_contained_and_framable_only_where_allowed() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let open = create_app(&api, &key, "anyone may frame").await;
    let r = api
        .post(
            "/v1/applications",
            &key,
            json!({ "name": "strict", "portalFrameAncestors": ["https://shop.example"] }),
        )
        .await;
    let strict = s(&r.body["data"], "id");
    let fetch = |url: String| {
        let http = api.http.clone();
        async move {
            let res = http.get(url).send().await.unwrap();
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            (status, headers, res.text().await.unwrap())
        }
    };
    let h = |headers: &reqwest::header::HeaderMap, name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };

    let url = s(
        &magic_link(&api, &key, &open, json!({})).await.body["data"],
        "url",
    );
    let (status, headers, html) = fetch(url).await;
    assert_eq!(status, 200);
    assert!(h(&headers, "content-type").starts_with("text/html"));
    assert_eq!(h(&headers, "referrer-policy"), "no-referrer");
    assert_eq!(h(&headers, "cache-control"), "no-store");
    let csp = h(&headers, "content-security-policy");
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && csp.ends_with("frame-ancestors *"),
        "{csp}"
    );
    // Everything the page loads comes from Hookrelay itself.
    for external in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!html.contains(external), "{external} in {html}");
    }
    assert!(
        html.contains("/portal/assets/portal.js") && html.contains("/portal/assets/portal.css")
    );

    let url = s(
        &magic_link(&api, &key, &strict, json!({})).await.body["data"],
        "url",
    );
    let (_, headers, _) = fetch(url).await;
    assert!(
        h(&headers, "content-security-policy").ends_with("frame-ancestors https://shop.example")
    );

    // A project-wide default applies to applications without their own list.
    let r = api
        .call(
            "PUT",
            "/v1/project/portal-settings",
            Some(&key),
            Some(json!({ "portalFrameAncestors": ["https://app.acme.example"] })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let url = s(
        &magic_link(&api, &key, &open, json!({})).await.body["data"],
        "url",
    );
    let (_, headers, _) = fetch(url).await;
    assert!(h(&headers, "content-security-policy")
        .ends_with("frame-ancestors https://app.acme.example"));
    let url = s(
        &magic_link(&api, &key, &strict, json!({})).await.body["data"],
        "url",
    );
    let (_, headers, _) = fetch(url).await;
    assert!(
        h(&headers, "content-security-policy").ends_with("frame-ancestors https://shop.example")
    );
    let r = api
        .call(
            "PUT",
            "/v1/project/portal-settings",
            Some(&key),
            Some(json!({ "portalFrameAncestors": ["ftp://x"] })),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("portalFrameAncestors"))
    );
    let write = s(
        &api.post(
            "/v1/project/api-keys",
            &key,
            json!({ "name": "w", "role": "write" }),
        )
        .await
        .body["data"],
        "secret",
    );
    assert_eq!(
        api.call(
            "PUT",
            "/v1/project/portal-settings",
            Some(&write),
            Some(json!({ "portalFrameAncestors": null }))
        )
        .await
        .status,
        403
    );
    let r = api
        .call(
            "PUT",
            "/v1/project/portal-settings",
            Some(&key),
            Some(json!({ "portalFrameAncestors": null })),
        )
        .await;
    assert_eq!(r.body["data"]["portalFrameAncestors"], Value::Null);

    let (status, headers, _) = fetch(format!("{}/portal/whpt_expired", server.url)).await;
    assert_eq!(status, 401);
    assert_eq!(h(&headers, "referrer-policy"), "no-referrer");

    for (path, ct) in [
        ("/portal/assets/portal.js", "text/javascript"),
        ("/portal/assets/portal.css", "text/css"),
    ] {
        let (status, headers, body) = fetch(format!("{}{path}", server.url)).await;
        assert_eq!(status, 200);
        assert!(h(&headers, "content-type").starts_with(ct));
        assert!(!body.is_empty());
    }
    let (_, _, script) = fetch(format!("{}/portal/assets/portal.js", server.url)).await;
    assert!(
        script.contains("history.replaceState"),
        "the token leaves the address bar"
    );
}
