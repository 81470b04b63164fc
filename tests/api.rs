//! The Public API's contract: who may call what, and clear 4xx answers for
//! bad input.

mod common;

use common::*;
use serde_json::{json, Value};

struct Fixture {
    // Kept so the server process lives as long as the fixture.
    _server: Server,
    api: Api,
    admin: String,
    write: String,
    revoked: String,
    other_admin: String,
    hook_a: Value,
    hook_b: Value,
    other_hook: Value,
}

async fn fixture() -> Fixture {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, admin) = server.create_project("acme");
    let (_, other_admin) = server.create_project("globex");
    let create = |role: &str| json!({ "name": format!("{role} key"), "role": role });
    let write = api
        .post("/v1/project/api-keys", &admin, create("write"))
        .await
        .body["data"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let doomed = api
        .post("/v1/project/api-keys", &admin, create("write"))
        .await;
    let revoked = doomed.body["data"]["secret"].as_str().unwrap().to_string();
    let r = api
        .post(
            &format!(
                "/v1/project/api-keys/{}/revoke",
                doomed.body["data"]["id"].as_str().unwrap()
            ),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    let hook_a = api
        .create_webhook(&admin, "http://127.0.0.1:9/a", json!({}))
        .await;
    let hook_b = api
        .create_webhook(&admin, "http://127.0.0.1:9/b", json!({}))
        .await;
    let other_hook = api
        .create_webhook(&other_admin, "http://127.0.0.1:9/c", json!({}))
        .await;
    Fixture {
        _server: server,
        api,
        admin,
        write,
        revoked,
        other_admin,
        hook_a,
        hook_b,
        other_hook,
    }
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_credential_gets_the_right_status_on_every_route() {
    let f = fixture().await;
    let a_ingest = s(&f.hook_a, "ingestSecret");
    let a_signing = s(&f.hook_a, "signingSecret");
    let b_ingest = s(&f.hook_b, "ingestSecret");
    let creds: Vec<(&str, Option<&str>)> = vec![
        ("none", None),
        ("garbage", Some("hello")),
        ("unknown swk", Some("swk_doesnotexist")),
        ("revoked", Some(&f.revoked)),
        ("write", Some(&f.write)),
        ("admin", Some(&f.admin)),
        ("ingest secret", Some(&a_ingest)),
        ("signing secret", Some(&a_signing)),
    ];
    // (method, path, status per credential in the order above)
    let admin_only = [401, 401, 401, 401, 403, 200, 401, 401];
    let write_ok = [401, 401, 401, 401, 200, 200, 401, 401];
    let key_id = f.api.get("/v1/project/api-keys", &f.admin).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let table: Vec<(&str, String, [u16; 8])> = vec![
        ("GET", "/v1/project".into(), admin_only),
        ("GET", "/v1/project/api-keys".into(), admin_only),
        ("GET", format!("/v1/project/api-keys/{key_id}"), admin_only),
        ("GET", "/v1/webhooks".into(), write_ok),
        (
            "GET",
            format!("/v1/webhooks/{}", s(&f.hook_a, "id")),
            write_ok,
        ),
        (
            "GET",
            format!("/v1/webhooks/{}/secret-versions", s(&f.hook_a, "id")),
            write_ok,
        ),
        ("GET", "/v1/deliveries".into(), write_ok),
    ];
    for (method, path, expected) in &table {
        for ((name, cred), want) in creds.iter().zip(expected) {
            let r = f.api.call(method, path, *cred, None).await;
            assert_eq!(r.status, *want, "{method} {path} with {name}: {}", r.body);
            if r.status >= 400 {
                assert!(
                    r.body["error"]["code"].is_string() && r.body["error"]["message"].is_string(),
                    "error shape: {}",
                    r.body
                );
            }
        }
    }
    // Mutating admin routes refuse write keys.
    let r = f
        .api
        .post(
            "/v1/project/api-keys",
            &f.write,
            json!({ "name": "x", "role": "admin" }),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error"]["code"], "forbidden");

    // Ingest: only this webhook's ingest secret.
    let url = s(&f.hook_a, "ingestUrl");
    for (name, cred, want) in [
        ("own ingest secret", Some(a_ingest.as_str()), 202),
        (
            "other webhook's ingest secret",
            Some(b_ingest.as_str()),
            401,
        ),
        ("signing secret", Some(a_signing.as_str()), 401),
        ("admin API key", Some(f.admin.as_str()), 401),
        ("none", None, 401),
    ] {
        let r = f
            .api
            .send_raw(&url, cred, b"{}", Some("application/json"), None)
            .await;
        assert_eq!(r.status, want, "ingest with {name}: {}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_projects_ids_are_not_found() {
    let f = fixture().await;
    let other_id = s(&f.other_hook, "id");
    for (method, path) in [
        ("GET", format!("/v1/webhooks/{other_id}")),
        ("PATCH", format!("/v1/webhooks/{other_id}")),
        ("DELETE", format!("/v1/webhooks/{other_id}")),
        (
            "POST",
            format!("/v1/webhooks/{other_id}/rotate-signing-secret"),
        ),
        ("GET", format!("/v1/webhooks/{other_id}/secret-versions")),
        ("GET", "/v1/webhooks/wh_nope".to_string()),
        ("GET", "/v1/deliveries/msg_nope".to_string()),
    ] {
        let body = (method == "PATCH").then(|| json!({ "name": "stolen" }));
        let r = f.api.call(method, &path, Some(&f.admin), body).await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
        assert_eq!(r.body["error"]["code"], "not_found");
    }
    // The other project's own key still sees it, unchanged.
    let r = f
        .api
        .get(&format!("/v1/webhooks/{other_id}"), &f.other_admin)
        .await;
    assert_eq!(r.body["data"]["name"], "test hook");
    // Deliveries of another project are invisible too.
    let r = f
        .api
        .ingest(
            &s(&f.other_hook, "ingestUrl"),
            &s(&f.other_hook, "ingestSecret"),
            b"{}",
        )
        .await;
    let foreign = s(&r.body["data"], "id");
    assert_eq!(
        f.api
            .get(&format!("/v1/deliveries/{foreign}"), &f.admin)
            .await
            .status,
        404
    );
    assert_eq!(
        f.api
            .get(&format!("/v1/deliveries/{foreign}"), &f.other_admin)
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_lifecycle_shows_secrets_once_and_protects_the_last_admin() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (project_id, admin) = server.create_project("acme");
    let project = api.get("/v1/project", &admin).await;
    assert_eq!(project.body["data"]["id"], project_id.as_str());
    assert_eq!(project.body["data"]["name"], "acme");

    let keys = api.get("/v1/project/api-keys", &admin).await;
    let first = keys.body["data"][0].clone();
    assert_eq!(first["role"], "admin");
    assert!(first.get("secret").is_none(), "list never returns a secret");
    assert!(admin.starts_with(first["prefix"].as_str().unwrap()));
    assert!(!keys.body.to_string().contains(&admin));

    let first_id = s(&first, "id");
    let r = api
        .post(
            &format!("/v1/project/api-keys/{first_id}/revoke"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["error"]["code"], "last_admin_key");

    let second = api
        .post(
            "/v1/project/api-keys",
            &admin,
            json!({ "name": "replacement", "role": "admin" }),
        )
        .await;
    assert_eq!(second.status, 201);
    let second_secret = s(&second.body["data"], "secret");
    assert!(second_secret.starts_with("swk_"));
    let got = api
        .get(
            &format!("/v1/project/api-keys/{}", s(&second.body["data"], "id")),
            &admin,
        )
        .await;
    assert!(
        got.body["data"].get("secret").is_none(),
        "get never returns a secret"
    );

    let r = api
        .post(
            &format!("/v1/project/api-keys/{first_id}/revoke"),
            &second_secret,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"]["status"], "revoked");
    assert_eq!(
        api.get("/v1/project", &admin).await.status,
        401,
        "revoked key stops at once"
    );

    // Rotation: the new secret works, the old one does not.
    let rotated = api
        .post(
            &format!(
                "/v1/project/api-keys/{}/rotate",
                s(&second.body["data"], "id")
            ),
            &second_secret,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200);
    let third_secret = s(&rotated.body["data"], "secret");
    assert_ne!(third_secret, second_secret);
    assert_eq!(api.get("/v1/project", &second_secret).await.status, 401);
    assert_eq!(api.get("/v1/project", &third_secret).await.status, 200);

    let bad = api
        .post(
            "/v1/project/api-keys",
            &third_secret,
            json!({ "name": "x", "role": "owner" }),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_4xx() {
    let server = Server::start(ServerOpts {
        extra: vec!["--max-payload-bytes".into(), "2048".into()],
        ..Default::default()
    })
    .await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let raw = |body: &'static str| {
        let api = api.clone();
        let key = key.clone();
        async move {
            let url = format!("{}/v1/webhooks", api.base);
            api.send_raw(
                &url,
                Some(&key),
                body.as_bytes(),
                Some("application/json"),
                None,
            )
            .await
        }
    };
    let r = raw("{not json").await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{}",
        r.body
    );
    let r = raw(r#"{"destinationUrl":"https://example.com"}"#).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("name"),
        "{}",
        r.body
    );
    let r = raw(r#"{"name":"x","destinationUrl":"https://example.com","colour":"red"}"#).await;
    assert_eq!(r.status, 400, "unknown fields are refused: {}", r.body);

    for (body, field) in [
        (
            json!({ "name": "x", "destinationUrl": "ftp://example.com/" }),
            "destinationUrl",
        ),
        (
            json!({ "name": "x", "destinationUrl": "not a url" }),
            "destinationUrl",
        ),
        (
            json!({ "name": " ", "destinationUrl": "https://example.com" }),
            "name",
        ),
        (
            json!({ "name": "x", "destinationUrl": "https://example.com", "timeoutSeconds": 0 }),
            "timeoutSeconds",
        ),
        (
            json!({ "name": "x", "destinationUrl": "https://example.com", "retrySchedule": vec![1; 21] }),
            "retrySchedule",
        ),
        (
            json!({ "name": "x", "destinationUrl": "https://example.com", "headers": { "webhook-signature": "v1,x" } }),
            "headers",
        ),
    ] {
        let r = api.post("/v1/webhooks", &key, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{}", r.body);
    }

    let hook = api
        .create_webhook(&key, "http://127.0.0.1:9/x", json!({}))
        .await;
    let id = s(&hook, "id");
    let r = api
        .post(
            &format!("/v1/webhooks/{id}/rotate-signing-secret"),
            &key,
            json!({ "overlapSeconds": 604_801 }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].as_str()),
        (400, Some("overlapSeconds"))
    );
    let r = api
        .post(
            &format!("/v1/webhooks/{id}/rotate-signing-secret"),
            &key,
            json!({ "overlapSeconds": -1 }),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = api
        .call(
            "PATCH",
            &format!("/v1/webhooks/{id}"),
            Some(&key),
            Some(json!({ "destinationUrl": "gopher://x" })),
        )
        .await;
    assert_eq!(r.status, 400);
    let unchanged = api.get(&format!("/v1/webhooks/{id}"), &key).await;
    assert_eq!(
        unchanged.body["data"]["destinationUrl"], "http://127.0.0.1:9/x",
        "a refused PATCH writes nothing"
    );

    // Ingest: content type required, size limit enforced.
    let url = s(&hook, "ingestUrl");
    let secret = s(&hook, "ingestSecret");
    let r = api.send_raw(&url, Some(&secret), b"{}", None, None).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (415, Some("missing_content_type"))
    );
    let r = api
        .send_raw(
            &url,
            Some(&secret),
            &vec![b'a'; 4096],
            Some("text/plain"),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    let r = api
        .send_raw(
            &format!("{}/v1/ingest/nosuchwebhook", server.url),
            Some(&secret),
            b"{}",
            Some("application/json"),
            None,
        )
        .await;
    assert_eq!(r.status, 404);

    // JSON routes without a JSON content type; lists with a bad limit or status.
    let r = api
        .send_raw(
            &format!("{}/v1/webhooks", server.url),
            Some(&key),
            b"{}",
            Some("text/plain"),
            None,
        )
        .await;
    assert_eq!(r.status, 415);
    assert_eq!(api.get("/v1/webhooks?limit=0", &key).await.status, 400);
    assert_eq!(api.get("/v1/webhooks?limit=abc", &key).await.status, 400);
    assert_eq!(
        api.get("/v1/deliveries?status=lost", &key).await.status,
        400
    );
    let r = api.get("/v1/nothing-here", &key).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let r = api.call("PUT", "/v1/webhooks", Some(&key), None).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_destinations_are_refused_unless_allowed() {
    let server = Server::start(ServerOpts {
        allow_private: false,
        ..Default::default()
    })
    .await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    for url in [
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://169.254.169.254/latest",
        "http://10.0.0.1/",
        "http://[::1]/x",
    ] {
        let r = api
            .post(
                "/v1/webhooks",
                &key,
                json!({ "name": "x", "destinationUrl": url }),
            )
            .await;
        assert_eq!(r.status, 400, "{url}: {}", r.body);
        assert_eq!(r.body["error"]["field"], "destinationUrl");
    }
    let r = api
        .post(
            "/v1/webhooks",
            &key,
            json!({ "name": "x", "destinationUrl": "https://example.com/hook" }),
        )
        .await;
    assert_eq!(r.status, 201, "public destinations are fine: {}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_paginate_with_cursors() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(s(
            &api.create_webhook(&key, "http://127.0.0.1:9/x", json!({}))
                .await,
            "id",
        ));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/webhooks?limit=2&cursor={c}"),
            None => "/v1/webhooks?limit=2".to_string(),
        };
        let r = api.get(&path, &key).await;
        assert_eq!(r.status, 200);
        for w in r.body["data"].as_array().unwrap() {
            assert!(w.get("ingestSecret").is_none() && w.get("signingSecret").is_none());
            seen.push(s(w, "id"));
        }
        match r.body["nextCursor"].as_str() {
            Some(c) => {
                assert_eq!(r.body["hasMore"], true);
                cursor = Some(c.to_string());
            }
            None => break,
        }
    }
    created.reverse();
    assert_eq!(seen, created, "newest first, each exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_covers_every_route_and_health_checks_answer() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let doc = api.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    for (path, method) in [
        ("/v1/project", "get"),
        ("/v1/project/api-keys", "get"),
        ("/v1/project/api-keys", "post"),
        ("/v1/project/api-keys/{keyId}", "get"),
        ("/v1/project/api-keys/{keyId}/revoke", "post"),
        ("/v1/project/api-keys/{keyId}/rotate", "post"),
        ("/v1/webhooks", "get"),
        ("/v1/webhooks", "post"),
        ("/v1/webhooks/{id}", "get"),
        ("/v1/webhooks/{id}", "patch"),
        ("/v1/webhooks/{id}", "delete"),
        ("/v1/webhooks/{id}/rotate-ingest-secret", "post"),
        ("/v1/webhooks/{id}/rotate-signing-secret", "post"),
        ("/v1/webhooks/{id}/secret-versions", "get"),
        ("/v1/webhooks/{id}/events", "post"),
        ("/v1/ingest/{publicId}", "post"),
        ("/v1/deliveries", "get"),
        ("/v1/deliveries/{id}", "get"),
    ] {
        assert!(
            doc.body["paths"][path][method].is_object(),
            "{method} {path} missing from OpenAPI"
        );
    }
    assert_eq!(api.call("GET", "/healthz", None, None).await.status, 200);
    assert_eq!(api.call("GET", "/readyz", None, None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_webhook_removes_it_and_its_ingest_url() {
    let server = Server::start(ServerOpts::default()).await;
    let api = server.api();
    let (_, key) = server.create_project("acme");
    let hook = api
        .create_webhook(&key, "http://127.0.0.1:9/x", json!({}))
        .await;
    let id = s(&hook, "id");
    assert_eq!(
        api.call("DELETE", &format!("/v1/webhooks/{id}"), Some(&key), None)
            .await
            .status,
        204
    );
    assert_eq!(
        api.get(&format!("/v1/webhooks/{id}"), &key).await.status,
        404
    );
    let r = api
        .ingest(&s(&hook, "ingestUrl"), &s(&hook, "ingestSecret"), b"{}")
        .await;
    assert_eq!(r.status, 404);
}
