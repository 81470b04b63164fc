//! The MCP server through an independent client, the official Python SDK
//! (`mcp`, in sdk/.venv from scripts/sdk-tools), over both transports:
//! Streamable HTTP at `/mcp` and stdio (`hookrelay mcp`). Effects are
//! checked through the Public API.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Transport {
    Http,
    Stdio,
}

const BOTH: [Transport; 2] = [Transport::Http, Transport::Stdio];

/// Runs tests/mcp/client.py; its one JSON line.
fn client(server: &Server, t: Transport, token: &str, action: &[&str]) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("sdk/.venv/bin/python");
    assert!(
        python.exists(),
        "sdk/.venv is missing: run scripts/sdk-tools (scripts/test does)"
    );
    let mut cmd = Command::new(python);
    cmd.arg(root.join("tests/mcp/client.py"));
    match t {
        Transport::Http => cmd.args(["http", &format!("{}/mcp", server.url), token]),
        Transport::Stdio => cmd.args(["stdio", BIN, &server.url, token]),
    };
    let out = cmd
        .args(action)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run the MCP client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap_or_else(|_| {
        panic!(
            "{t:?} {action:?}: no answer: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn tools(server: &Server, t: Transport, token: &str) -> Vec<String> {
    let v = client(server, t, token, &["list"]);
    serde_json::from_value(v["tools"].clone()).unwrap_or_else(|_| panic!("{t:?}: {v}"))
}

/// Calls a tool; its JSON answer, and whether it is an error.
fn call(server: &Server, t: Transport, token: &str, tool: &str, args: Value) -> (bool, Value) {
    let v = client(server, t, token, &["call", tool, &args.to_string()]);
    assert!(v.get("refused").is_none(), "{t:?} {tool}: {v}");
    (v["isError"] == true, v["result"].clone())
}

async fn application(server: &Server, key: &str, name: &str) -> String {
    let r = server
        .api()
        .post("/v1/applications", key, json!({ "name": name }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["data"]["id"].as_str().unwrap().to_string()
}

async fn portal_token(server: &Server, key: &str, app: &str, scopes: &[&str]) -> String {
    let r = server
        .api()
        .post(
            &format!("/v1/applications/{app}/portal/tokens"),
            key,
            json!({ "scopes": scopes }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["data"]["token"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credential_decides_which_tools_exist() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, admin) = server.create_project("acme");
    let (_, write) = server.api().write_key(&admin, "agent").await;
    let app = application(&server, &admin, "customer").await;
    let reader = portal_token(&server, &admin, &app, &["read"]).await;
    let writer = portal_token(&server, &admin, &app, &["read", "write"]).await;
    for t in BOTH {
        let a = tools(&server, t, &admin);
        let w = tools(&server, t, &write);
        let r = tools(&server, t, &reader);
        let pw = tools(&server, t, &writer);
        for name in [
            "create_webhook",
            "diagnose_endpoint",
            "trace_event",
            "replay_deliveries",
            "send_test_event",
        ] {
            assert!(
                w.contains(&name.to_string()) && a.contains(&name.to_string()),
                "{t:?} {name}"
            );
        }
        for name in ["create_api_key", "list_audit_log", "get_project"] {
            assert!(a.contains(&name.to_string()), "{t:?} admin {name}");
            assert!(
                !w.contains(&name.to_string()),
                "{t:?}: a write key sees {name}"
            );
        }
        assert!(
            r.contains(&"list_endpoints".to_string()) && r.contains(&"list_messages".to_string())
        );
        assert!(
            !r.contains(&"create_endpoint".to_string()),
            "{t:?}: read scope sees create_endpoint"
        );
        assert!(
            !r.contains(&"create_webhook".to_string()) && !r.contains(&"list_webhooks".to_string())
        );
        assert!(pw.contains(&"create_endpoint".to_string()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_tools_act_through_the_api_and_are_audited() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, admin) = server.create_project("acme");
    let (key_id, write) = server.api().write_key(&admin, "agent").await;
    let api = server.api();
    for t in BOTH {
        let receiver = Receiver::with_plan(vec![], 200, std::time::Duration::ZERO).await;
        let (err, created) = call(
            &server,
            t,
            &write,
            "create_webhook",
            json!({ "body": { "name": format!("agent {t:?}"), "destinationUrl": receiver.url } }),
        );
        assert!(!err, "{created}");
        let id = created["data"]["id"].as_str().unwrap().to_string();
        let secret = created["data"]["signingSecret"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            api.get(&format!("/v1/webhooks/{id}"), &write).await.status,
            200
        );

        // Send a test event and wait for its outcome.
        let (err, sent) = call(
            &server,
            t,
            &write,
            "send_test_event",
            json!({ "webhookId": id }),
        );
        assert!(!err, "{sent}");
        assert_eq!(sent["outcome"], "succeeded", "{sent}");
        assert_eq!(sent["attempt"]["statusCode"], 200);
        let got = receiver
            .wait_for(1, std::time::Duration::from_secs(30))
            .await;
        assert!(verifies(&secret, &got[0]));
        let delivery = sent["deliveryId"].as_str().unwrap().to_string();

        // What happened to it, and how the endpoint is doing.
        let (err, trace) = call(&server, t, &write, "trace_event", json!({ "id": delivery }));
        assert!(!err, "{trace}");
        assert_eq!(trace["deliveries"][0]["id"], json!(delivery));
        assert_eq!(trace["deliveries"][0]["attempts"][0]["statusCode"], 200);
        let (err, health) = call(
            &server,
            t,
            &write,
            "diagnose_endpoint",
            json!({ "webhookId": id }),
        );
        assert!(!err, "{health}");
        assert_eq!(health["byStatus"]["succeeded"], 1);
        assert!(health["lastSuccessAt"].is_string());

        // Replay: a dry run changes nothing, then the job replays.
        let filter = json!({ "webhookId": id, "status": "succeeded" });
        let (err, dry) = call(&server, t, &write, "replay_deliveries", filter.clone());
        assert!(!err, "{dry}");
        assert_eq!(dry["matching"], 1);
        assert_eq!(dry["dryRun"], true);
        let deliveries = format!("/v1/deliveries?webhookId={id}");
        assert_eq!(api.list_all(&deliveries, &write).await.len(), 1);
        let mut run = filter.clone();
        run["dryRun"] = json!(false);
        let (err, job) = call(&server, t, &write, "replay_deliveries", run);
        assert!(!err, "{job}");
        assert!(job["data"]["id"].is_string(), "{job}");
        receiver
            .wait_for(2, std::time::Duration::from_secs(30))
            .await;

        // A change, seen through the API.
        let (err, _) = call(
            &server,
            t,
            &write,
            "update_webhook",
            json!({ "id": id, "body": { "enabled": false } }),
        );
        assert!(!err);
        let w = api.get(&format!("/v1/webhooks/{id}"), &write).await;
        assert_eq!(w.body["data"]["enabled"], false);

        // The API's rules hold: invalid input is the API's 400.
        let (err, bad) = call(
            &server,
            t,
            &write,
            "create_webhook",
            json!({ "body": { "name": "x", "destinationUrl": "ftp://nope" } }),
        );
        assert!(err);
        assert_eq!(bad["status"], 400, "{bad}");
        assert_eq!(bad["error"]["field"], "destinationUrl");
        // Admin tools do not exist for a write key.
        let refused = client(&server, t, &write, &["call", "create_api_key", "{}"]);
        assert!(
            refused.get("refused").is_some() || refused["isError"] == true,
            "{refused}"
        );
    }
    // Every change names the key that made it.
    let log = api
        .list_all("/v1/project/audit-logs", &admin)
        .await
        .into_iter()
        .filter(|e| e["action"] == "webhook.create" || e["action"] == "webhook.update")
        .collect::<Vec<_>>();
    assert_eq!(log.len(), 4, "{log:?}");
    assert!(
        log.iter().all(|e| e["actor"]["id"] == json!(key_id)),
        "{log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_token_sees_only_its_application_and_reads_without_write() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, admin) = server.create_project("acme");
    let api = server.api();
    let receiver = Receiver::start().await;
    let a = application(&server, &admin, "a").await;
    let b = application(&server, &admin, "b").await;
    let mine = api
        .create_webhook(&admin, &receiver.url, json!({ "applicationId": a }))
        .await;
    let theirs = api
        .create_webhook(&admin, &receiver.url, json!({ "applicationId": b }))
        .await;
    let reader = portal_token(&server, &admin, &a, &["read"]).await;
    let writer = portal_token(&server, &admin, &a, &["read", "write"]).await;
    for t in BOTH {
        let (err, list) = call(&server, t, &reader, "list_endpoints", json!({}));
        assert!(!err, "{list}");
        let listed = list["data"].as_array().unwrap();
        assert!(listed.iter().any(|e| e["id"] == mine["id"]), "{t:?}");
        assert!(
            listed
                .iter()
                .all(|e| e["applicationId"] == json!(a) && e["id"] != theirs["id"]),
            "{t:?}: {list}"
        );
        let (err, other) = call(
            &server,
            t,
            &reader,
            "get_endpoint",
            json!({ "id": theirs["id"] }),
        );
        assert!(err && other["status"] == 404, "{t:?}: {other}");
        let (err, _) = call(&server, t, &reader, "list_messages", json!({}));
        assert!(!err);
        // Read scope: no tool that changes anything.
        let refused = client(
            &server,
            t,
            &reader,
            &[
                "call",
                "create_endpoint",
                &json!({ "body": { "name": "x", "destinationUrl": receiver.url } }).to_string(),
            ],
        );
        assert!(
            refused.get("refused").is_some() || refused["isError"] == true,
            "{refused}"
        );
        let (err, created) = call(
            &server,
            t,
            &writer,
            "create_endpoint",
            json!({ "body": { "name": format!("by agent {t:?}"), "destinationUrl": receiver.url } }),
        );
        assert!(!err, "{created}");
        assert_eq!(created["data"]["applicationId"], json!(a));
    }
    let endpoints = api
        .list_all("/v1/webhooks", &admin)
        .await
        .into_iter()
        .filter(|w| w["applicationId"] == json!(a))
        .count();
    assert_eq!(endpoints, 3, "one endpoint, and one per transport");
    let log = api.list_all("/v1/project/audit-logs", &admin).await;
    let by_portal = log
        .iter()
        .filter(|e| e["actor"]["type"] == "portal")
        .count();
    assert_eq!(by_portal, 2, "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_credential_is_refused() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, admin) = server.create_project("acme");
    let hook = server
        .api()
        .create_webhook(&admin, "http://127.0.0.1:9/x", json!({}))
        .await;
    for t in BOTH {
        for token in [
            "swk_not_a_key".to_string(),
            hook["ingestSecret"].as_str().unwrap().to_string(),
            "whpt_not_a_token".to_string(),
        ] {
            let v = client(&server, t, &token, &["list"]);
            assert!(v.get("refused").is_some(), "{t:?} {token}: {v}");
        }
    }
    // Streamable HTTP answers 401 with the API's error shape.
    let r = reqwest::Client::new()
        .post(format!("{}/mcp", server.url))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "{body}");
}
