//! The audit log: tier gating, what it records, and that no secret gets in.

mod common;

use common::*;
use serde_json::{json, Value};

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn set_tier(server: &Server, project: &str, tier: &str) {
    let out = server.cli(&["project", "set-tier", "--project", project, "--tier", tier]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_tier_gets_tier_required_and_write_keys_are_forbidden() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, admin) = server.create_project("acme");
    let api = server.api();
    let r = api.get("/v1/project/audit-logs", &admin).await;
    assert_eq!((r.status, r.body["error"]["code"].clone()), (403, json!("tier_required")), "{}", r.body);

    let w = api.post("/v1/project/api-keys", &admin, json!({ "name": "ci", "role": "write" })).await;
    let write = s(&w.body["data"]["secret"]).to_string();
    set_tier(&server, &project, "pro");
    let entries = api.wait_until("/v1/project/audit-logs", &admin, |d| d.is_array()).await;
    assert!(!entries.as_array().unwrap().is_empty());
    let r = api.get("/v1/project/audit-logs", &write).await;
    assert_eq!((r.status, r.body["error"]["code"].clone()), (403, json!("forbidden")));
    for method in ["POST", "PATCH", "DELETE", "PUT"] {
        let r = api.call(method, "/v1/project/audit-logs", Some(&admin), Some(json!({}))).await;
        assert_eq!(r.status, 405, "{method} must not alter the audit log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_and_webhook_changes_are_recorded_without_secrets() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, admin) = server.create_project("acme");
    set_tier(&server, &project, "pro");
    let api = server.api();
    let me = api.get("/v1/project/api-keys", &admin).await.body["data"][0].clone();

    let created = api.post("/v1/project/api-keys", &admin, json!({ "name": "ci", "role": "write" })).await;
    assert_eq!(created.status, 201);
    let key_id = s(&created.body["data"]["id"]).to_string();
    let first_secret = s(&created.body["data"]["secret"]).to_string();
    let rotated = api.post(&format!("/v1/project/api-keys/{key_id}/rotate"), &admin, json!({})).await;
    assert_eq!(rotated.status, 200);
    let new_secret = s(&rotated.body["data"]["secret"]).to_string();

    let receiver = Receiver::start().await;
    let destination = format!("{}?token=url-secret-123", receiver.url);
    let hook = api
        .create_webhook(&admin, &destination, json!({ "headers": { "x-api-token": "header-secret-456" } }))
        .await;
    let hook_id = s(&hook["id"]).to_string();
    let r = api.call("PATCH", &format!("/v1/webhooks/{hook_id}"), Some(&admin), Some(json!({ "name": "renamed", "enabled": false }))).await;
    assert_eq!(r.status, 200);
    let r = api.post(&format!("/v1/webhooks/{hook_id}/rotate-signing-secret"), &admin, json!({})).await;
    let new_signing = s(&r.body["data"]["signingSecret"]).to_string();

    let rotations = api.list_all("/v1/project/audit-logs?action=api_key.rotate", &admin).await;
    assert_eq!(rotations.len(), 1);
    let e = &rotations[0];
    assert_eq!(e["actor"]["type"], "api_key");
    assert_eq!(e["actor"]["id"], me["id"]);
    assert_eq!(e["actor"]["label"], me["prefix"]);
    assert_eq!(e["sourceIp"], "127.0.0.1");
    assert_eq!(e["target"], json!({ "type": "api_key", "id": key_id }));
    assert_eq!(e["summary"]["newPrefix"], rotated.body["data"]["prefix"]);
    let text = e.to_string();
    for secret in [&new_secret, &first_secret, &admin] {
        assert!(!text.contains(secret.as_str()), "a key secret is in the entry: {text}");
    }

    let all = api.list_all("/v1/project/audit-logs", &admin).await;
    let actions: Vec<_> = all.iter().map(|e| s(&e["action"]).to_string()).collect();
    assert_eq!(
        actions,
        [
            "webhook.rotate_signing_secret", "webhook.update", "webhook.create", "api_key.rotate", "api_key.create",
            "project.set_tier", "project.create",
        ],
        "newest first"
    );
    let update = &all[1];
    assert_eq!(update["summary"]["name"], json!({ "from": "test hook", "to": "renamed" }));
    assert_eq!(update["summary"]["enabled"], json!({ "from": true, "to": false }));
    assert_eq!(all[2]["summary"]["headerNames"], json!(["x-api-token"]));
    assert_eq!(all[5]["actor"]["type"], "cli");
    assert_eq!(all[5]["summary"]["tier"], json!({ "from": "free", "to": "pro" }));
    let everything = serde_json::to_string(&all).unwrap();
    for secret in [
        new_secret.as_str(), first_secret.as_str(), admin.as_str(), "url-secret-123", "header-secret-456",
        s(&hook["signingSecret"]), s(&hook["ingestSecret"]), new_signing.as_str(),
    ] {
        assert!(!everything.contains(secret), "{secret} is in the audit log");
    }

    let by_target = api.list_all(&format!("/v1/project/audit-logs?targetId={hook_id}"), &admin).await;
    assert_eq!(by_target.len(), 3);
    let page = api.get("/v1/project/audit-logs?limit=2", &admin).await;
    assert_eq!((page.body["data"].as_array().unwrap().len(), page.body["hasMore"].clone()), (2, json!(true)));
    let r = api.get("/v1/project/audit-logs?from=never", &admin).await;
    assert_eq!((r.status, r.body["error"]["field"].clone()), (400, json!("from")));
}
