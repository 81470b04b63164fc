//! The audit log: tier gating, what it records, and that no secret gets in.

mod common;

use common::*;
use serde_json::{json, Value};

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn set_tier(server: &Server, project: &str, tier: &str) {
    let out = server.cli(&["project", "set-tier", "--project", project, "--tier", tier]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A project on a tier with the audit log: its id, its admin key, and that
/// key as listed (id, prefix).
async fn pro_project(server: &Server) -> (String, String, Value) {
    let (project, admin) = server.create_project("acme");
    set_tier(server, &project, "pro");
    let me = server.api().get("/v1/project/api-keys", &admin).await.body["data"][0].clone();
    (project, admin, me)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_tier_gets_tier_required_and_write_keys_are_forbidden() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, admin) = server.create_project_on("acme", "free");
    let api = server.api();
    let r = api.get("/v1/project/audit-logs", &admin).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (403, json!("tier_required")),
        "{}",
        r.body
    );

    let w = api
        .post(
            "/v1/project/api-keys",
            &admin,
            json!({ "name": "ci", "role": "write" }),
        )
        .await;
    let write = s(&w.body["data"]["secret"]).to_string();
    set_tier(&server, &project, "pro");
    let entries = api
        .wait_until("/v1/project/audit-logs", &admin, |d| d.is_array())
        .await;
    assert!(!entries.as_array().unwrap().is_empty());
    let r = api.get("/v1/project/audit-logs", &write).await;
    assert_eq!(
        (r.status, r.body["error"]["code"].clone()),
        (403, json!("forbidden"))
    );
    for method in ["POST", "PATCH", "DELETE", "PUT"] {
        let r = api
            .call(
                method,
                "/v1/project/audit-logs",
                Some(&admin),
                Some(json!({})),
            )
            .await;
        assert_eq!(r.status, 405, "{method} must not alter the audit log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_and_webhook_changes_are_recorded_without_secrets() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, admin, me) = pro_project(&server).await;
    let api = server.api();

    let (key_id, first_secret) = api.write_key(&admin, "ci").await;
    let rotated = api
        .post(
            &format!("/v1/project/api-keys/{key_id}/rotate"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200);
    let new_secret = s(&rotated.body["data"]["secret"]).to_string();

    let receiver = Receiver::start().await;
    let destination = format!("{}?token=url-secret-123", receiver.url);
    let hook = api
        .create_webhook(
            &admin,
            &destination,
            json!({ "headers": { "x-api-token": "header-secret-456" } }),
        )
        .await;
    let hook_id = s(&hook["id"]).to_string();
    let r = api
        .call(
            "PATCH",
            &format!("/v1/webhooks/{hook_id}"),
            Some(&admin),
            Some(json!({ "name": "renamed", "enabled": false })),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = api
        .post(
            &format!("/v1/webhooks/{hook_id}/rotate-signing-secret"),
            &admin,
            json!({}),
        )
        .await;
    let new_signing = s(&r.body["data"]["signingSecret"]).to_string();

    let rotations = api
        .list_all("/v1/project/audit-logs?action=api_key.rotate", &admin)
        .await;
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
        assert!(
            !text.contains(secret.as_str()),
            "a key secret is in the entry: {text}"
        );
    }

    let all = api.list_all("/v1/project/audit-logs", &admin).await;
    let actions: Vec<_> = all.iter().map(|e| s(&e["action"]).to_string()).collect();
    assert_eq!(
        actions,
        [
            "webhook.rotate_signing_secret",
            "webhook.update",
            "webhook.create",
            "api_key.rotate",
            "api_key.create",
            "project.set_tier",
            "project.create",
        ],
        "newest first"
    );
    let update = &all[1];
    assert_eq!(
        update["summary"]["name"],
        json!({ "from": "test hook", "to": "renamed" })
    );
    assert_eq!(
        update["summary"]["enabled"],
        json!({ "from": true, "to": false })
    );
    assert_eq!(all[2]["summary"]["headerNames"], json!(["x-api-token"]));
    assert_eq!(all[5]["actor"]["type"], "cli");
    assert_eq!(
        all[5]["summary"]["tier"],
        json!({ "from": "unlimited", "to": "pro" })
    );
    let everything = serde_json::to_string(&all).unwrap();
    for secret in [
        new_secret.as_str(),
        first_secret.as_str(),
        admin.as_str(),
        "url-secret-123",
        "header-secret-456",
        s(&hook["signingSecret"]),
        s(&hook["ingestSecret"]),
        new_signing.as_str(),
    ] {
        assert!(!everything.contains(secret), "{secret} is in the audit log");
    }

    let by_target = api
        .list_all(
            &format!("/v1/project/audit-logs?targetId={hook_id}"),
            &admin,
        )
        .await;
    assert_eq!(by_target.len(), 3);
    let page = api.get("/v1/project/audit-logs?limit=2", &admin).await;
    assert_eq!(
        (
            page.body["data"].as_array().unwrap().len(),
            page.body["hasMore"].clone()
        ),
        (2, json!(true))
    );
    let r = api.get("/v1/project/audit-logs?from=never", &admin).await;
    assert_eq!(
        (r.status, r.body["error"]["field"].clone()),
        (400, json!("from"))
    );
}

/// The entries of `action`, asserting there is exactly one.
fn only<'a>(all: &'a [Value], action: &str) -> &'a Value {
    let found: Vec<&Value> = all.iter().filter(|e| e["action"] == action).collect();
    assert_eq!(found.len(), 1, "one {action} entry: {found:?}");
    found[0]
}

/// Asserts that no raw secret appears anywhere in the entries.
fn holds_none_of(all: &[Value], secrets: &[&str]) {
    let everything = serde_json::to_string(all).unwrap();
    for secret in secrets {
        assert!(
            !secret.is_empty() && !everything.contains(secret),
            "{secret} is in the audit log: {everything}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_event_types_and_portal_access_are_audited_as_the_api_key() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, admin, me) = pro_project(&server).await;
    let api = server.api();

    let schema = json!({ "type": "object", "properties": { "amount": { "type": "integer" } } });
    let r = api
        .post(
            "/v1/event-types",
            &admin,
            json!({ "name": "invoice.paid", "description": "paid", "schema": schema }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = api
        .call(
            "PATCH",
            "/v1/event-types/invoice.paid",
            Some(&admin),
            Some(json!({ "description": "an invoice was paid" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        api.call("DELETE", "/v1/event-types/invoice.paid", Some(&admin), None)
            .await
            .status,
        204
    );

    let metadata = json!({ "plan": "customer-value-789", "seats": 5 });
    let r = api
        .post(
            "/v1/applications",
            &admin,
            json!({ "name": "Globex", "uid": "globex", "metadata": metadata }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let app_id = s(&r.body["data"]["id"]).to_string();
    let r = api
        .call(
            "PATCH",
            "/v1/applications/globex",
            Some(&admin),
            Some(json!({ "name": "Globex Corp" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let portal = format!("/v1/applications/{app_id}/portal");
    let link = api
        .post(&format!("{portal}/magic-link"), &admin, json!({}))
        .await;
    assert_eq!(link.status, 201, "{}", link.body);
    let token = api
        .post(
            &format!("{portal}/tokens"),
            &admin,
            json!({ "name": "globex backend" }),
        )
        .await;
    assert_eq!(token.status, 201, "{}", token.body);
    let token_id = s(&token.body["data"]["id"]).to_string();
    assert_eq!(
        api.call(
            "DELETE",
            &format!("{portal}/tokens/{token_id}"),
            Some(&admin),
            None
        )
        .await
        .status,
        204
    );
    let settings = json!({ "portalFrameAncestors": ["https://app.example.com"] });
    assert_eq!(
        api.call(
            "PUT",
            "/v1/project/portal-settings",
            Some(&admin),
            Some(settings)
        )
        .await
        .status,
        200
    );

    let endpoint = api.post("/v1/webhooks", &admin, json!({ "name": "ep", "destinationUrl": "http://127.0.0.1:9/x", "applicationId": app_id })).await;
    assert_eq!(endpoint.status, 201, "{}", endpoint.body);
    assert_eq!(
        api.call("DELETE", "/v1/applications/globex", Some(&admin), None)
            .await
            .status,
        204
    );

    api.wait_until("/v1/project/audit-logs", &admin, |d| d.is_array())
        .await;
    let all = api.list_all("/v1/project/audit-logs", &admin).await;
    let expected = [
        ("event_type.create", "event_type", "invoice.paid"),
        ("event_type.update", "event_type", "invoice.paid"),
        ("event_type.delete", "event_type", "invoice.paid"),
        ("application.create", "application", app_id.as_str()),
        ("application.update", "application", app_id.as_str()),
        ("portal_token.create", "portal_token", token_id.as_str()),
        ("portal_token.revoke", "portal_token", token_id.as_str()),
        (
            "project.update_portal_settings",
            "project",
            project.as_str(),
        ),
        ("application.delete", "application", app_id.as_str()),
    ];
    for (action, target_type, target_id) in expected {
        let e = only(&all, action);
        assert_eq!(
            e["actor"],
            json!({ "type": "api_key", "id": me["id"], "label": me["prefix"] }),
            "{action}"
        );
        assert_eq!(e["sourceIp"], "127.0.0.1", "{action}");
        assert_eq!(
            e["target"],
            json!({ "type": target_type, "id": target_id }),
            "{action}"
        );
    }
    let link_entry = only(&all, "portal.magic_link");
    assert_eq!(
        (&link_entry["actor"]["id"], &link_entry["sourceIp"]),
        (&me["id"], &json!("127.0.0.1"))
    );
    assert_eq!(link_entry["target"]["type"], "portal_token");

    assert_eq!(
        only(&all, "event_type.create")["summary"],
        json!({ "description": "paid", "schema": schema })
    );
    assert_eq!(
        only(&all, "event_type.update")["summary"],
        json!({ "description": { "from": "paid", "to": "an invoice was paid" } })
    );
    let created = &only(&all, "application.create")["summary"];
    assert_eq!(
        created["metadataKeys"],
        json!(["plan", "seats"]),
        "field names, not the customer's values"
    );
    assert_eq!(
        (&created["name"], &created["uid"]),
        (&json!("Globex"), &json!("globex"))
    );
    assert_eq!(
        only(&all, "application.update")["summary"],
        json!({ "name": { "from": "Globex", "to": "Globex Corp" } })
    );
    assert_eq!(
        only(&all, "application.delete")["summary"],
        json!({ "name": "Globex Corp", "uid": "globex", "endpointsDeleted": 1 })
    );
    let issued = &only(&all, "portal_token.create")["summary"];
    assert_eq!(
        (&issued["applicationId"], &issued["name"], &issued["prefix"]),
        (
            &json!(app_id),
            &json!("globex backend"),
            &token.body["data"]["prefix"]
        )
    );
    assert_eq!(
        only(&all, "project.update_portal_settings")["summary"],
        json!({ "portalFrameAncestors": { "from": null, "to": ["https://app.example.com"] } })
    );
    holds_none_of(
        &all,
        &[
            s(&link.body["data"]["token"]),
            s(&token.body["data"]["token"]),
            &admin,
            "customer-value-789",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_endpoint_changes_through_the_portal_are_audited_as_the_portal() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, admin) = server.create_project("acme");
    set_tier(&server, &project, "pro");
    let api = server.api();
    let receiver = Receiver::start().await;
    let app = api
        .post(
            "/v1/applications",
            &admin,
            json!({ "name": "Globex", "uid": "globex" }),
        )
        .await;
    let app_id = s(&app.body["data"]["id"]).to_string();
    let issued = api
        .post(
            &format!("/v1/applications/{app_id}/portal/tokens"),
            &admin,
            json!({}),
        )
        .await;
    let (token_id, token) = (
        s(&issued.body["data"]["id"]).to_string(),
        s(&issued.body["data"]["token"]).to_string(),
    );
    let read_only = api
        .post(
            &format!("/v1/applications/{app_id}/portal/tokens"),
            &admin,
            json!({ "scopes": ["read"] }),
        )
        .await;
    let read_only = s(&read_only.body["data"]["token"]).to_string();

    let destination = format!("{}?token=url-secret-123", receiver.url);
    let body = json!({ "name": "mine", "destinationUrl": destination, "headers": { "x-api-token": "header-secret-456" } });
    let created = api
        .post("/portal-api/v1/endpoints", &token, body.clone())
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let ep = s(&created.body["data"]["id"]).to_string();
    assert_eq!(
        api.post("/portal-api/v1/endpoints", &read_only, body)
            .await
            .status,
        403,
        "refused, so not audited"
    );
    let path = format!("/portal-api/v1/endpoints/{ep}");
    let r = api
        .call(
            "PATCH",
            &path,
            Some(&token),
            Some(json!({ "name": "renamed" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rotated = api
        .post(&format!("{path}/rotate-secret"), &token, json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let test = api.post(&format!("{path}/test"), &token, json!({})).await;
    assert_eq!(test.status, 202, "{}", test.body);
    let delivery = s(&test.body["data"]["deliveries"][0]["id"]).to_string();
    receiver
        .wait_for(1, std::time::Duration::from_secs(30))
        .await;
    let replay = api
        .post(
            &format!("/portal-api/v1/deliveries/{delivery}/replay"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(replay.status, 202, "{}", replay.body);
    assert_eq!(
        api.call("DELETE", &path, Some(&token), None).await.status,
        204
    );

    api.wait_until("/v1/project/audit-logs", &admin, |d| d.is_array())
        .await;
    let all = api.list_all("/v1/project/audit-logs", &admin).await;
    let mine: Vec<Value> = all
        .iter()
        .filter(|e| e["actor"]["type"] == "portal")
        .cloned()
        .collect();
    let actions: Vec<&str> = mine.iter().map(|e| s(&e["action"])).collect();
    assert_eq!(
        actions,
        [
            "webhook.delete",
            "delivery.replay",
            "webhook.send_test_event",
            "webhook.rotate_signing_secret",
            "webhook.update",
            "webhook.create"
        ],
        "newest first, one entry each"
    );
    for e in &mine {
        assert_eq!(
            e["actor"],
            json!({ "type": "portal", "id": token_id, "label": "customer portal (application globex)" })
        );
        assert_eq!(e["sourceIp"], "127.0.0.1");
        let target = if e["action"] == "delivery.replay" {
            json!({ "type": "delivery", "id": delivery })
        } else {
            json!({ "type": "webhook", "id": ep })
        };
        assert_eq!(e["target"], target, "{e}");
    }
    let create = &mine[5]["summary"];
    assert_eq!(
        (&create["destinationUrl"], &create["headerNames"]),
        (&json!(receiver.url), &json!(["x-api-token"]))
    );
    assert_eq!(
        mine[4]["summary"],
        json!({ "name": { "from": "mine", "to": "renamed" } })
    );
    let new_prefix = s(&mine[3]["summary"]["newPrefix"]);
    let new_secret = s(&rotated.body["data"]["signingSecret"]);
    assert!(
        new_secret.starts_with(new_prefix) && new_prefix.len() < new_secret.len(),
        "a display prefix only: {new_prefix}"
    );
    assert_eq!(
        mine[2]["summary"],
        json!({ "messageId": test.body["data"]["id"] })
    );
    assert_eq!(
        mine[1]["summary"],
        json!({ "replayId": replay.body["data"]["id"], "rerunTransformation": false })
    );
    assert_eq!(mine[0]["summary"], json!({ "name": "renamed" }));
    holds_none_of(
        &all,
        &[
            &token,
            &read_only,
            &admin,
            "url-secret-123",
            "header-secret-456",
            s(&created.body["data"]["signingSecret"]),
            s(&rotated.body["data"]["signingSecret"]),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_create_is_audited_in_the_project_the_user_joins() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, admin) = server.create_project("acme");
    let (other, other_admin) = server.create_project("globex");
    set_tier(&server, &project, "pro");
    set_tier(&server, &other, "pro");
    let password = "a long passphrase 4242";
    server.create_user("ada@example.com", &project, "admin", password);
    let out = server.cli(&[
        "user",
        "create",
        "--email",
        "ada@example.com",
        "--project",
        &other,
        "--role",
        "member",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let setup_token = stdout
        .split("#token=")
        .nth(1)
        .map(str::trim)
        .expect("a setup link")
        .to_string();
    let user_id = stdout
        .split_whitespace()
        .find(|w| w.starts_with("usr_"))
        .expect("the user id")
        .to_string();

    let api = server.api();
    for (key, action, role, credential) in [
        (&admin, "user.create", "admin", "password"),
        (&other_admin, "membership.add", "member", "setup_link"),
    ] {
        api.wait_until("/v1/project/audit-logs", key, |d| d.is_array())
            .await;
        let all = api.list_all("/v1/project/audit-logs", key).await;
        let users: Vec<&Value> = all
            .iter()
            .filter(|e| e["target"]["type"] == "user")
            .collect();
        assert_eq!(
            users.len(),
            1,
            "one entry for the one user create in this project: {users:?}"
        );
        let e = users[0];
        assert_eq!((s(&e["action"]), s(&e["actor"]["type"])), (action, "cli"));
        assert_eq!(e["target"], json!({ "type": "user", "id": user_id }));
        assert_eq!(
            e["summary"],
            json!({ "email": "ada@example.com", "role": role, "credential": credential })
        );
        holds_none_of(&all, &[password, &setup_token]);
    }
}
