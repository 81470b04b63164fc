//! `hookrelay listen`: the real CLI process forwards a listen webhook's
//! deliveries from the server to a real local receiver; signatures are
//! checked by the independent verifier.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(60);

/// A running `hookrelay listen`, with what it printed so far.
struct Cli {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Cli {
    fn start(server: &Server, key: &str, forward_to: &str, extra: &[&str]) -> Cli {
        Cli::start_at(&server.url, key, forward_to, extra)
    }

    fn start_at(url: &str, key: &str, forward_to: &str, extra: &[&str]) -> Cli {
        let mut child = Command::new(BIN)
            .args(["listen", "--url", url, "--api-key", key])
            .args(["--forward-to", forward_to, "--print-json"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .env_remove("HOOKRELAY_API_KEY")
            .env_remove("HOOKRELAY_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn hookrelay listen");
        let stdout = lines_of(child.stdout.take().expect("stdout"));
        let stderr = lines_of(child.stderr.take().expect("stderr"));
        Cli {
            child,
            stdout,
            stderr,
        }
    }

    /// Waits for a line of standard output (JSON) for which `pick` holds.
    fn wait_line(&self, pick: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = self
                .stdout
                .lock()
                .unwrap()
                .iter()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .find(|v| pick(v))
            {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "hookrelay listen never printed the expected line; stdout: {:?}, stderr: {:?}",
                self.stdout.lock().unwrap(),
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_connected(&self) {
        let deadline = Instant::now() + WAIT;
        while !self
            .stderr
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("connected"))
        {
            assert!(
                Instant::now() < deadline,
                "never connected: {:?}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn deliveries(&self) -> Vec<Value> {
        self.stdout
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["type"] == "delivery")
            .collect()
    }

    /// Waits (up to a minute) for the process to exit on its own.
    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "hookrelay listen did not exit: {:?}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `hookrelay listen` expected to fail at once.
fn run_listen(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("listen")
        .args(args)
        .env_remove("HOOKRELAY_API_KEY")
        .env_remove("HOOKRELAY_URL")
        .output()
        .expect("run hookrelay listen")
}

fn lines_of(pipe: impl std::io::Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// A listen webhook made through the API, with its one-time secrets.
async fn listen_webhook(server: &Server, key: &str, forward_to: &str, extra: Value) -> Value {
    let mut body = json!({ "destinationKind": "listen", "retrySchedule": [0, 0, 0] });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let hook = server.api().create_webhook(key, forward_to, body).await;
    assert_eq!(hook["destinationKind"], "listen");
    hook
}

async fn ingest_n(server: &Server, hook: &Value, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = server
            .api()
            .ingest(
                hook["ingestUrl"].as_str().unwrap(),
                hook["ingestSecret"].as_str().unwrap(),
                format!("{{\"type\":\"order.paid\",\"n\":{i}}}").as_bytes(),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
        ids.push(r.body["data"]["id"].as_str().unwrap().to_string());
    }
    ids
}

/// Endpoint leases held on `webhook_id` by any node.
async fn owners(server: &Server, webhook_id: &str) -> i64 {
    server
        .sql_i64(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM endpoint_owners WHERE webhook_id = '{webhook_id}'"
        ))
        .await
}

/// Every delivery of the webhook, with its attempts.
async fn deliveries_of(server: &Server, key: &str, webhook_id: &str) -> Vec<Value> {
    let api = server.api();
    let mut out = Vec::new();
    for d in api
        .list_all(&format!("/v1/deliveries?webhookId={webhook_id}"), key)
        .await
    {
        let r = api
            .get(
                &format!("/v1/deliveries/{}", d["id"].as_str().unwrap()),
                key,
            )
            .await;
        assert_eq!(r.status, 200);
        out.push(r.body["data"].clone());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_arrive_signed_through_the_cli_and_show_in_the_log() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let receiver = Receiver::start().await;
    // No --webhook: the CLI creates one and prints its ingest URL and secrets.
    let cli = Cli::start(&server, &key, &receiver.url, &[]);
    let ready = cli.wait_line(|v| v["type"] == "listening");
    let hook = json!({
        "id": ready["webhookId"],
        "ingestUrl": ready["ingestUrl"],
        "ingestSecret": ready["ingestSecret"],
    });
    let signing = ready["signingSecret"].as_str().unwrap().to_string();
    cli.wait_connected();

    let ids = ingest_n(&server, &hook, 5).await;
    let got = receiver.wait_for(5, WAIT).await;
    for r in &got {
        assert!(verifies(&signing, r), "independent verifier rejected it");
        assert_eq!(header(r, "content-type"), "application/json");
        assert!(ids.contains(&header(r, "webhook-id")));
    }
    let api = server.api();
    for id in &ids {
        let d = api
            .wait_delivery(&key, id, |d| d["status"] == "succeeded")
            .await;
        assert_eq!(d["attemptCount"], 1);
        assert_eq!(d["attempts"][0]["statusCode"], 200);
    }
    // One line per delivery, with the local answer.
    let lines = cli.deliveries();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(lines
        .iter()
        .all(|l| l["status"] == 200 && l["eventType"] == "order.paid"));
    let w = api
        .get(
            &format!("/v1/webhooks/{}", hook["id"].as_str().unwrap()),
            &key,
        )
        .await;
    assert_eq!(w.body["data"]["destinationKind"], "listen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_500_is_retried_and_shows_in_the_delivery_log() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let receiver = Receiver::with_plan(vec![500], 200, Duration::ZERO).await;
    let hook = listen_webhook(&server, &key, &receiver.url, json!({})).await;
    let cli = Cli::start(
        &server,
        &key,
        &receiver.url,
        &["--webhook", hook["id"].as_str().unwrap()],
    );
    cli.wait_connected();
    let ids = ingest_n(&server, &hook, 1).await;
    let got = receiver.wait_for(2, WAIT).await;
    assert!(got
        .iter()
        .all(|r| verifies(hook["signingSecret"].as_str().unwrap(), r)));
    let d = server
        .api()
        .wait_delivery(&key, &ids[0], |d| d["status"] == "succeeded")
        .await;
    let codes: Vec<_> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["statusCode"].clone())
        .collect();
    assert_eq!(codes, vec![json!(500), json!(200)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_wait_while_no_cli_is_connected_and_all_arrive_after_a_restart() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let receiver = Receiver::start().await;
    let hook = listen_webhook(&server, &key, &receiver.url, json!({})).await;
    let id = hook["id"].as_str().unwrap().to_string();
    let signing = hook["signingSecret"].as_str().unwrap().to_string();
    let mut cli = Cli::start(&server, &key, &receiver.url, &["--webhook", &id]);
    cli.wait_connected();
    let first = ingest_n(&server, &hook, 1).await;
    receiver.wait_for(1, WAIT).await;
    // Arrival is not the end of the attempt: killed before its answer is
    // back, the CLI leaves the attempt broken off, and it is sent again.
    server
        .api()
        .wait_delivery(&key, &first[0], |d| d["status"] == "succeeded")
        .await;

    cli.kill();
    // The server saw the connection end: it gave the endpoint up.
    let deadline = Instant::now() + WAIT;
    while owners(&server, &id).await > 0 {
        assert!(Instant::now() < deadline, "the endpoint was never released");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ids = ingest_n(&server, &hook, 100).await;
    // Waiting, not attempted, and visible.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.count(), 1, "nothing may be sent without the CLI");
    let waiting = server
        .api()
        .list_all(
            &format!("/v1/deliveries?webhookId={id}&status=pending"),
            &key,
        )
        .await;
    assert_eq!(waiting.len(), 100);
    assert!(waiting.iter().all(|d| d["attemptCount"] == 0));

    let _cli = Cli::start(&server, &key, &receiver.url, &["--webhook", &id]);
    let got = receiver.wait_for(101, WAIT).await;
    assert!(got.iter().all(|r| verifies(&signing, r)));
    let arrived: std::collections::HashSet<String> =
        got.iter().map(|r| header(r, "webhook-id")).collect();
    assert!(ids.iter().all(|i| arrived.contains(i)));
    for d in deliveries_of(&server, &key, &id).await {
        let d = if d["status"] == "succeeded" {
            d
        } else {
            server
                .api()
                .wait_delivery(&key, d["id"].as_str().unwrap(), |d| {
                    d["status"] == "succeeded"
                })
                .await
        };
        assert_eq!(d["attemptCount"], 1, "{d}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_nodes_the_node_holding_the_cli_sends_everything() {
    let a = Server::start(ServerOpts::default()).await;
    let b = a.another_node(ServerOpts::default());
    let (_, key) = a.create_project("acme");
    let receiver = Receiver::start().await;
    let hook = listen_webhook(&a, &key, &receiver.url, json!({})).await;
    let id = hook["id"].as_str().unwrap().to_string();
    let cli = Cli::start(&a, &key, &receiver.url, &["--webhook", &id]);
    cli.wait_connected();
    let mut ids = Vec::new();
    for i in 0..100 {
        let node = if i % 2 == 0 { &a } else { &b };
        ids.extend(ingest_n(node, &hook, 1).await);
    }
    let got = receiver.wait_for(100, WAIT).await;
    let secret = hook["signingSecret"].as_str().unwrap();
    assert!(got.iter().all(|r| verifies(secret, r)));
    let arrived: std::collections::HashSet<String> =
        got.iter().map(|r| header(r, "webhook-id")).collect();
    assert!(ids.iter().all(|i| arrived.contains(i)));
    // No other node tried to send any: every delivery has exactly the one
    // attempt that went through the CLI.
    for d in deliveries_of(&b, &key, &id).await {
        let d = b
            .api()
            .wait_delivery(&key, d["id"].as_str().unwrap(), |d| {
                d["status"] == "succeeded"
            })
            .await;
        assert_eq!(d["attemptCount"], 1, "{d}");
    }
    assert_eq!(cli.deliveries().len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_ends_the_connection() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, admin) = server.create_project("acme");
    let api = server.api();
    let (key_id, key) = api.write_key(&admin, "laptop").await;
    let receiver = Receiver::start().await;
    let mut cli = Cli::start(&server, &key, &receiver.url, &[]);
    cli.wait_connected();
    let r = api
        .post(
            &format!("/v1/project/api-keys/{key_id}/revoke"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    let status = cli.wait_exit();
    assert_eq!(status.code(), Some(4), "exits as denied");
    assert!(cli
        .stderr
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("revoked")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_listen_webhooks_of_the_keys_project_can_be_listened_to() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let (_, other) = server.create_project("other");
    let receiver = Receiver::start().await;
    let plain = server
        .api()
        .create_webhook(&key, &receiver.url, json!({}))
        .await;
    let out = run_listen(&[
        "--url",
        &server.url,
        "--api-key",
        &key,
        "--forward-to",
        &receiver.url,
        "--webhook",
        plain["id"].as_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "not a listen webhook");
    let hook = listen_webhook(&server, &key, &receiver.url, json!({})).await;
    let path = format!("/v1/webhooks/{}/listen", hook["id"].as_str().unwrap());
    assert_eq!(server.api().get(&path, &other).await.status, 404);
    let r = server.api().get(&path, &key).await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (400, &json!("websocket_required"))
    );
    let out = run_listen(&[
        "--url",
        &server.url,
        "--api-key",
        &other,
        "--forward-to",
        &receiver.url,
        "--webhook",
        hook["id"].as_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(5), "another project's webhook");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_endpoint_receives_only_the_event_types_asked_for() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let api = server.api();
    for name in ["order.paid", "order.shipped"] {
        let r = api
            .post("/v1/event-types", &key, json!({ "name": name }))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let app = api
        .post("/v1/applications", &key, json!({ "name": "shop" }))
        .await;
    let app = app.body["data"]["id"].as_str().unwrap().to_string();
    let receiver = Receiver::start().await;
    let cli = Cli::start(
        &server,
        &key,
        &receiver.url,
        &["--application", &app, "--events", "order.paid"],
    );
    let ready = cli.wait_line(|v| v["type"] == "listening");
    let signing = ready["signingSecret"].as_str().unwrap().to_string();
    cli.wait_connected();
    for (event_type, n) in [
        ("order.shipped", 1),
        ("order.paid", 2),
        ("order.shipped", 3),
    ] {
        let r = api
            .post(
                &format!("/v1/applications/{app}/messages"),
                &key,
                json!({ "eventType": event_type, "payload": { "type": event_type, "n": n } }),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
    }
    let got = receiver.wait_for(1, WAIT).await;
    let line = cli.wait_line(|v| v["type"] == "delivery");
    assert_eq!(line["eventType"], "order.paid");
    assert_eq!(line["status"], 200);
    assert!(verifies(&signing, &got[0]));
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["n"], 2);
    // The other types were never queued for it.
    let id = ready["webhookId"].as_str().unwrap();
    assert_eq!(deliveries_of(&server, &key, id).await.len(), 1);
}

/// A TCP forwarder on loopback to whatever address `upstream` holds now, so
/// that a client keeps one URL across a server restart (which moves the
/// server to another port).
async fn forwarder(upstream: Arc<Mutex<String>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind forwarder");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let to = upstream.lock().unwrap().clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_reconnects_after_a_server_restart_and_nothing_is_lost() {
    let mut server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let receiver = Receiver::start().await;
    let hook = listen_webhook(&server, &key, &receiver.url, json!({})).await;
    let id = hook["id"].as_str().unwrap().to_string();
    let upstream = Arc::new(Mutex::new(
        server.url.trim_start_matches("http://").to_string(),
    ));
    let via = forwarder(upstream.clone()).await;
    // Through the forwarder rather than straight to the server.
    let cli = Cli::start_at(&via, &key, &receiver.url, &["--webhook", &id]);
    cli.wait_connected();
    let first = ingest_n(&server, &hook, 10).await;
    receiver.wait_for(10, WAIT).await;

    // A graceful restart hands the endpoint back; the server comes back on
    // another port, where the forwarder now leads.
    server.terminate();
    server.restart();
    *upstream.lock().unwrap() = server.url.trim_start_matches("http://").to_string();
    let mut hook = hook;
    hook["ingestUrl"] = server
        .api()
        .get(&format!("/v1/webhooks/{id}"), &key)
        .await
        .body["data"]["ingestUrl"]
        .clone();
    let second = ingest_n(&server, &hook, 50).await;
    // Every one arrives; one whose answer the restart cut off may arrive
    // twice (at least once), so arrivals are not simply counted.
    let arrived = |got: &[Received]| -> std::collections::HashSet<String> {
        got.iter().map(|r| header(r, "webhook-id")).collect()
    };
    let got = receiver
        .wait_until(
            WAIT,
            |got| {
                let arrived = arrived(got);
                first.iter().chain(&second).all(|i| arrived.contains(i))
            },
            |got| format!("not all arrived: {:?}", arrived(got)),
        )
        .await;
    let secret = hook["signingSecret"].as_str().unwrap();
    assert!(got.iter().all(|r| verifies(secret, r)));
    assert!(
        cli.stderr
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("connected"))
            .count()
            >= 2,
        "the same CLI connected again"
    );
}
