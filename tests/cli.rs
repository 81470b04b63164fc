//! The API client (`hookrelay webhooks ...`, `deliveries tail`, `login`, ...)
//! against a live server: tables for people, `--json` for scripts, exit
//! codes, the profile file, and the operator commands that mint keys.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

/// The client pointed at `server` with `key`, with a profile file of its own.
struct Cli {
    url: String,
    key: Option<String>,
    config: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Cli {
    fn new(server: &Server, key: &str) -> Cli {
        let dir = tempfile::tempdir().unwrap();
        Cli {
            url: server.url.clone(),
            key: Some(key.to_string()),
            config: dir.path().join("hookrelay/profiles.json"),
            _dir: dir,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("HOOKRELAY_CONFIG", &self.config)
            .env_remove("HOOKRELAY_API_KEY")
            .env_remove("HOOKRELAY_URL");
        cmd.env("HOOKRELAY_URL", &self.url);
        if let Some(k) = &self.key {
            cmd.env("HOOKRELAY_API_KEY", k);
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run hookrelay")
    }

    /// Runs and expects success; standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "hookrelay {args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// Runs with `--json` and expects success; the printed JSON.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let text = self.ok(&all);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("hookrelay {args:?} --json printed no JSON ({e}): {text}"))
    }

    /// Runs, expects exit `code`; standard error.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "hookrelay {args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stderr(&out)
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The table row of standard output that holds `needle`.
fn row<'a>(table: &'a str, needle: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no row with {needle} in:\n{table}"))
}

/// The value of the `LABEL  value` line of a record table.
fn field<'a>(record: &'a str, label: &str) -> &'a str {
    record
        .lines()
        .find_map(|l| {
            l.strip_prefix(label)
                .filter(|rest| rest.starts_with(' '))
                .map(str::trim)
        })
        .unwrap_or_else(|| panic!("no {label} line in:\n{record}"))
}

fn s(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {v}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_and_deliveries_in_tables_and_json() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let receiver = Receiver::start().await;
    let cli = Cli::new(&server, &key);

    let created = cli.json(&[
        "webhooks",
        "create",
        "--name",
        "orders",
        "--destination-url",
        &receiver.url,
        "--header",
        "x-team=warehouse",
    ]);
    let id = s(&created, "/data/id");
    let signing = s(&created, "/data/signingSecret");
    assert!(s(&created, "/data/ingestSecret").starts_with("whsec_"));
    assert_eq!(created["data"]["headers"], json!({ "x-team": "warehouse" }));

    let table = cli.ok(&["webhooks", "list"]);
    let header = table.lines().next().unwrap();
    assert!(
        header.starts_with("ID") && header.contains("NAME") && header.contains("DESTINATION"),
        "{table}"
    );
    assert!(
        row(&table, &id).contains("orders") && row(&table, &id).contains(&receiver.url),
        "{table}"
    );
    assert_eq!(
        cli.json(&["webhooks", "list"])["data"][0]["id"],
        id.as_str()
    );

    let record = cli.ok(&["webhooks", "get", &id]);
    assert_eq!(field(&record, "NAME"), "orders");
    assert_eq!(field(&record, "ENABLED"), "true");
    assert_eq!(field(&record, "CIRCUIT"), "closed");
    let updated = cli.json(&[
        "webhooks",
        "update",
        &id,
        "--disable",
        "--timeout-seconds",
        "5",
        "--rate-limit",
        "50",
        "--ordering",
        "fifo",
    ]);
    assert_eq!(
        (&updated["data"]["enabled"], &updated["data"]["rateLimit"]),
        (&json!(false), &json!(50))
    );
    let record = cli.ok(&[
        "webhooks",
        "update",
        &id,
        "--enable",
        "--no-rate-limit",
        "--ordering",
        "none",
    ]);
    assert_eq!(field(&record, "ENABLED"), "true");
    assert_eq!(field(&record, "TIMEOUT SECONDS"), "5");
    assert_eq!(field(&record, "RATE LIMIT"), "-");
    assert_eq!(field(&record, "ORDERING"), "none");

    // An event through the API, delivered and signed.
    let sent = cli.json(&[
        "webhooks",
        "send",
        &id,
        "--data",
        r#"{"order":42}"#,
        "--idempotency-key",
        "o-42",
    ]);
    let delivery = s(&sent, "/data/id");
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert!(
        verifies(&signing, &got[0]),
        "a delivery the CLI sent verifies with the signing secret"
    );
    server
        .api()
        .wait_delivery(&key, &delivery, |d| d["status"] == "succeeded")
        .await;

    let table = cli.ok(&[
        "deliveries",
        "list",
        "--webhook",
        &id,
        "--status",
        "succeeded",
    ]);
    assert!(row(&table, &delivery).contains("succeeded"), "{table}");
    let listed = cli.json(&["deliveries", "list", "--webhook", &id, "--all"]);
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed["hasMore"], false);
    let detail = cli.ok(&["deliveries", "get", &delivery]);
    assert_eq!(field(&detail, "STATUS"), "succeeded");
    assert!(
        detail.contains("PAYLOAD (application/json") && detail.contains(r#"{"order":42}"#),
        "{detail}"
    );
    assert!(
        detail.contains("ATTEMPTS") && detail.contains("200"),
        "{detail}"
    );
    assert_eq!(
        cli.json(&["deliveries", "get", &delivery])["data"]["attempts"][0]["statusCode"],
        200
    );

    let replay = cli.json(&["deliveries", "replay", &delivery]);
    assert_eq!(replay["data"]["replayOf"], delivery.as_str());
    receiver.wait_for(2, Duration::from_secs(20)).await;

    let rotated = cli.json(&[
        "webhooks",
        "rotate-signing-secret",
        &id,
        "--overlap-seconds",
        "0",
    ]);
    let new_signing = s(&rotated, "/data/signingSecret");
    assert_ne!(new_signing, signing);
    let versions = cli.ok(&["webhooks", "secret-versions", &id]);
    assert!(row(&versions, "retired").contains("signing"), "{versions}");
    cli.ok(&["webhooks", "send", &id, "--data", "-"]);
    let got = receiver.wait_for(3, Duration::from_secs(20)).await;
    assert!(verifies(&new_signing, &got[2]));

    assert!(cli.ok(&["webhooks", "delete", &id]).contains("deleted"));
    let err = cli.fails(&["webhooks", "get", &id], 5);
    assert!(err.contains("not_found") && err.contains("404"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_scripts_can_rely_on() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let cli = Cli::new(&server, &key);

    let err = cli.fails(
        &[
            "webhooks",
            "create",
            "--name",
            "x",
            "--destination-url",
            "ftp://example.com",
        ],
        6,
    );
    assert!(
        err.contains("destinationUrl") && err.contains("HTTP 400"),
        "{err}"
    );
    let json_err = cli.fails(
        &[
            "webhooks",
            "create",
            "--name",
            "x",
            "--destination-url",
            "ftp://example.com",
            "--json",
        ],
        6,
    );
    let body: Value =
        serde_json::from_str(json_err.trim()).expect("with --json, the API's error body");
    assert_eq!(body["error"]["field"], "destinationUrl");

    cli.fails(&["webhooks", "get", "wh_nope"], 5);
    let keys = cli.json(&["api-keys", "list"]);
    let only_admin = s(&keys, "/data/0/id");
    assert!(cli
        .fails(&["api-keys", "revoke", &only_admin], 7)
        .contains("last_admin_key"));

    let wrong = Cli {
        key: Some("swk_not_a_key".into()),
        ..Cli::new(&server, "")
    };
    assert!(wrong.fails(&["webhooks", "list"], 4).contains("401"));
    let write = cli.json(&["api-keys", "create", "--name", "bot", "--role", "write"]);
    let writer = Cli::new(&server, &s(&write, "/data/secret"));
    assert!(
        writer.fails(&["api-keys", "list"], 4).contains("403"),
        "a write key on an admin route"
    );

    let nowhere = Cli {
        url: "http://127.0.0.1:1".into(),
        ..Cli::new(&server, &key)
    };
    assert!(nowhere
        .fails(&["webhooks", "list"], 3)
        .contains("cannot reach"));
    let keyless = Cli {
        key: None,
        ..Cli::new(&server, &key)
    };
    assert!(keyless
        .fails(&["webhooks", "list"], 2)
        .contains("hookrelay login"));
    cli.fails(&["deliveries", "list", "--status", "finished"], 2);
    let err = cli.fails(&["deliveries", "list", "--from", "yesterday"], 6);
    assert!(err.contains("from"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_saves_a_private_profile_that_other_commands_use() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, key) = server.create_project("acme");
    let cli = Cli {
        key: None,
        ..Cli::new(&server, &key)
    };

    let err = cli.fails(&["login", "--api-key", "swk_wrong"], 4);
    assert!(err.contains("401"), "{err}");
    assert!(!cli.config.exists(), "a refused key is not saved");

    // The key from standard input, so it stays out of the shell's history.
    let mut child = cli
        .command(&["login", "--profile", "work"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        format!("{key}\n").as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("logged in"), "{}", stdout(&out));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cli.config).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the profile file holds a key: owner only");
        let dir_mode = std::fs::metadata(cli.config.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }
    let saved: Value = serde_json::from_slice(&std::fs::read(&cli.config).unwrap()).unwrap();
    assert_eq!(saved["profiles"]["work"]["apiKey"], key.as_str());

    // No flags, no environment: the profile says where and with what key.
    let bare = |args: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env("HOOKRELAY_CONFIG", &cli.config)
            .env_remove("HOOKRELAY_URL")
            .env_remove("HOOKRELAY_API_KEY");
        cmd.output().unwrap()
    };
    let out = bare(&["whoami", "--profile", "work"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(field(&stdout(&out), "ID"), project);
    assert_eq!(
        field(&stdout(&out), "TIER"),
        "unlimited",
        "the default tier of a self-hosted server"
    );
    let out = bare(&["whoami", "--profile", "other"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown profile has no key: {}",
        stderr(&out)
    );

    cli.ok(&["login", "--api-key", &key]);
    let saved: Value = serde_json::from_slice(&std::fs::read(&cli.config).unwrap()).unwrap();
    assert!(
        saved["profiles"]["work"].is_object() && saved["profiles"]["default"].is_object(),
        "profiles are kept side by side"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_list_show_and_mint_admin_keys_from_the_server_machine() {
    let server = Server::start(ServerOpts::default()).await;
    let (first, _) = server.create_project("acme");
    let (second, _) = server.create_project("globex");

    let out = server.cli(&["project", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.lines().next().unwrap().starts_with("ID"), "{table}");
    assert!(
        row(&table, &first).contains("acme") && row(&table, &second).contains("globex"),
        "{table}"
    );
    let listed: Value =
        serde_json::from_slice(&server.cli(&["project", "list", "--json"]).stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["activeAdminKeys"], 1);

    // The first key is lost: mint another from the server machine.
    let out = server.cli(&["project", "create-key", "--project", &first, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let minted: Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = s(&minted, "/apiKey");
    let r = server.api().get("/v1/project", &key).await;
    assert_eq!(
        (r.status, r.body["data"]["id"].as_str()),
        (200, Some(first.as_str())),
        "the minted key is an admin key of the project"
    );

    let out = server.cli(&["project", "show", "--project", &first]);
    let record = stdout(&out);
    assert_eq!(field(&record, "NAME"), "acme");
    assert_eq!(field(&record, "ADMIN KEYS"), "2");
    assert_eq!(field(&record, "TIER"), "unlimited");
    let shown: Value = serde_json::from_slice(
        &server
            .cli(&["project", "show", "--project", &first, "--json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(shown["limits"]["maxWebhooks"], Value::Null, "unlimited");

    let out = server.cli(&["project", "create-key", "--project", "proj_nope"]);
    assert!(
        !out.status.success() && stderr(&out).contains("no project"),
        "{}",
        stderr(&out)
    );
    let out = server.cli(&[
        "project",
        "create-key",
        "--project",
        &first,
        "--role",
        "owner",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "role takes admin or write: {}",
        stderr(&out)
    );
}

/// Every operator command answers `--json` with the ids a script needs next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_commands_print_json_for_scripts() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, _) = server.create_project("acme");
    let (other, _) = server.create_project("globex");
    let json = |args: &[&str]| -> Value {
        let out = server.cli(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {}", stdout(&out)))
    };

    let tier = json(&[
        "project",
        "set-tier",
        "--project",
        &project,
        "--tier",
        "pro",
        "--json",
    ]);
    assert_eq!(
        tier,
        serde_json::json!({ "projectId": project, "from": "unlimited", "to": "pro" })
    );

    let created = json(&[
        "user",
        "create",
        "--email",
        "Ada@Example.com",
        "--project",
        &project,
        "--json",
    ]);
    let user_id = s(&created, "/userId");
    assert!(user_id.starts_with("usr_"), "{created}");
    assert_eq!(
        (&created["email"], &created["newUser"], &created["role"]),
        (
            &Value::from("ada@example.com"),
            &Value::from(true),
            &Value::from("member")
        )
    );
    assert!(s(&created, "/setupLink").contains("/dashboard/setup#token="));
    let added = json(&[
        "user",
        "create",
        "--email",
        "ada@example.com",
        "--project",
        &other,
        "--role",
        "admin",
        "--json",
    ]);
    assert_eq!(
        (s(&added, "/userId"), &added["newUser"]),
        (user_id.clone(), &Value::from(false))
    );

    let removed = json(&[
        "user",
        "remove",
        "--email",
        "ada@example.com",
        "--project",
        &other,
        "--json",
    ]);
    assert_eq!(
        removed,
        serde_json::json!({ "userId": user_id, "email": "ada@example.com", "projectId": other })
    );
    let deactivated = json(&["user", "deactivate", "--email", "ada@example.com", "--json"]);
    assert_eq!(
        deactivated,
        serde_json::json!({ "userId": user_id, "email": "ada@example.com", "sessionsEnded": 0 })
    );
    let gone = json(&["user", "remove", "--email", "ada@example.com", "--json"]);
    assert_eq!(gone["userId"], Value::from(user_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_follows_new_deliveries_and_their_outcome() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let receiver = Receiver::start().await;
    let api = server.api();
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let id = hook["id"].as_str().unwrap().to_string();
    let cli = Cli::new(&server, &key);

    let (ingest, secret) = (
        hook["ingestUrl"].as_str().unwrap(),
        hook["ingestSecret"].as_str().unwrap(),
    );
    let first = api.ingest(ingest, secret, b"{}").await.body["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let mut child = cli
        .command(&[
            "deliveries",
            "tail",
            "--webhook",
            &id,
            "--json",
            "--interval-ms",
            "200",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen: Vec<Value> = Vec::new();
    let mut wait_for = |done: &dyn Fn(&[Value]) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done(&seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("tail never showed what was expected: {seen:?}"));
            seen.push(serde_json::from_str(&line).expect("one JSON delivery a line"));
        }
    };
    // The latest deliveries first: once tail shows the first one, it is
    // following, and whatever comes next is new to it.
    wait_for(&|seen| seen.iter().any(|d| d["id"] == first.as_str()));
    let second = api.ingest(ingest, secret, b"{}").await.body["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for(&|seen| {
        seen.iter()
            .any(|d| d["id"] == second.as_str() && d["status"] == "succeeded")
    });
    assert!(seen.iter().all(|d| d["webhookId"] == id.as_str()));
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_replay_follows_the_job_to_its_end() {
    let server = Server::start(ServerOpts::default()).await;
    let (_, key) = server.create_project("acme");
    let receiver = Receiver::start().await;
    let api = server.api();
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let id = hook["id"].as_str().unwrap();
    for i in 0..3 {
        api.ingest(
            hook["ingestUrl"].as_str().unwrap(),
            hook["ingestSecret"].as_str().unwrap(),
            format!("{{\"n\":{i}}}").as_bytes(),
        )
        .await;
    }
    receiver.wait_for(3, Duration::from_secs(20)).await;
    // Arrival is not the stored outcome: the job counts what is recorded
    // as succeeded when it starts.
    api.wait_until(
        &format!("/v1/deliveries?webhookId={id}&status=succeeded"),
        &key,
        |d| d.as_array().is_some_and(|a| a.len() == 3),
    )
    .await;
    let cli = Cli::new(&server, &key);
    let out = cli.run(&[
        "deliveries",
        "bulk-replay",
        "--webhook",
        id,
        "--status",
        "succeeded",
        "--rate-per-second",
        "100",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("3 of 3 replayed, completed"),
        "progress on standard error: {}",
        stderr(&out)
    );
    assert_eq!(field(&stdout(&out), "STATUS"), "completed");
    assert_eq!(field(&stdout(&out), "REPLAYED"), "3");
    receiver.wait_for(6, Duration::from_secs(20)).await;

    let job = cli.json(&[
        "deliveries",
        "bulk-replay",
        "--webhook",
        id,
        "--status",
        "succeeded",
        "--no-wait",
    ]);
    let again = cli.json(&["replay-jobs", "get", &s(&job, "/data/id")]);
    assert_eq!(again["data"]["id"], job["data"]["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_resource_of_the_api_has_its_commands() {
    let server = Server::start(ServerOpts::default()).await;
    let (project, key) = server.create_project("acme");
    assert!(server
        .cli(&[
            "project",
            "set-tier",
            "--project",
            &project,
            "--tier",
            "pro"
        ])
        .status
        .success());
    let receiver = Receiver::start().await;
    let cli = Cli::new(&server, &key);

    // Applications, event types and messages.
    cli.json(&[
        "event-types",
        "create",
        "--name",
        "invoice.paid",
        "--description",
        "paid",
        "--schema",
        r#"{"type":"object"}"#,
    ]);
    assert!(row(&cli.ok(&["event-types", "list"]), "invoice.paid").contains("paid"));
    cli.json(&["event-types", "update", "invoice.paid", "--remove-schema"]);
    let app = cli.json(&[
        "applications",
        "create",
        "--name",
        "Acme Corp",
        "--uid",
        "cust-1",
        "--metadata",
        r#"{"plan":"gold"}"#,
    ]);
    let app_id = s(&app, "/data/id");
    assert!(row(&cli.ok(&["applications", "list"]), &app_id).contains("cust-1"));
    assert_eq!(
        field(&cli.ok(&["applications", "get", "cust-1"]), "NAME"),
        "Acme Corp"
    );
    cli.json(&[
        "applications",
        "update",
        &app_id,
        "--name",
        "Acme Inc",
        "--remove-uid",
    ]);
    let endpoint = cli.json(&[
        "webhooks",
        "create",
        "--name",
        "acme",
        "--destination-url",
        &receiver.url,
        "--application",
        &app_id,
        "--event-type",
        "invoice.paid",
    ]);
    let sent = cli.ok(&[
        "applications",
        "send-message",
        &app_id,
        "--event-type",
        "invoice.paid",
        "--payload",
        r#"{"id":1}"#,
    ]);
    assert!(
        sent.contains("queued for 1 endpoint") && sent.contains(&s(&endpoint, "/data/id")),
        "{sent}"
    );
    let err = cli.fails(
        &[
            "applications",
            "send-message",
            &app_id,
            "--event-type",
            "x",
            "--payload",
            "{nope",
        ],
        2,
    );
    assert!(err.contains("--payload"), "{err}");

    // The portal.
    let link = cli.json(&[
        "portal",
        "magic-link",
        &app_id,
        "--scope",
        "read",
        "--expires-in-minutes",
        "5",
    ]);
    assert_eq!(link["data"]["scopes"], json!(["read"]));
    let token = cli.json(&["portal", "tokens", "create", &app_id, "--name", "backend"]);
    let token_id = s(&token, "/data/id");
    assert!(s(&token, "/data/token").starts_with("whpt_"));
    assert!(row(&cli.ok(&["portal", "tokens", "list", &app_id]), &token_id).contains("backend"));
    assert!(cli
        .ok(&["portal", "tokens", "revoke", &app_id, &token_id])
        .contains("revoked"));
    let settings = cli.json(&[
        "portal",
        "settings",
        "set",
        "--frame-ancestor",
        "https://shop.example",
    ]);
    assert_eq!(
        settings["data"]["portalFrameAncestors"],
        json!(["https://shop.example"])
    );
    assert!(cli
        .ok(&["portal", "settings", "get"])
        .contains("https://shop.example"));

    // API keys.
    let created = cli.json(&["api-keys", "create", "--name", "deploy", "--role", "write"]);
    let key_id = s(&created, "/data/id");
    assert!(row(&cli.ok(&["api-keys", "list"]), &key_id).contains("write"));
    let rotated = cli.json(&["api-keys", "rotate", &key_id]);
    assert_ne!(rotated["data"]["secret"], created["data"]["secret"]);
    assert_eq!(
        field(&cli.ok(&["api-keys", "revoke", &key_id]), "STATUS"),
        "revoked"
    );

    // Schedules.
    let hook = cli.json(&[
        "webhooks",
        "create",
        "--name",
        "cron",
        "--destination-url",
        &receiver.url,
    ]);
    let hook_id = s(&hook, "/data/id");
    let sched = cli.json(&[
        "schedules",
        "create",
        &hook_id,
        "--cron",
        "0 9 * * 1-5",
        "--time-zone",
        "Europe/Paris",
        "--payload",
        "{}",
    ]);
    let sched_id = s(&sched, "/data/id");
    assert_eq!(
        field(
            &cli.ok(&["schedules", "pause", &hook_id, &sched_id]),
            "STATUS"
        ),
        "paused"
    );
    assert_eq!(
        cli.json(&["schedules", "resume", &hook_id, &sched_id])["data"]["status"],
        "active"
    );
    assert!(row(&cli.ok(&["schedules", "list", &hook_id]), &sched_id).contains("0 9 * * 1-5"));
    assert!(cli
        .ok(&["schedules", "delete", &hook_id, &sched_id])
        .contains("deleted"));

    // Usage, the dead-letter queue, notification channels and the audit log.
    let usage = cli.ok(&["usage", "--granularity", "hour"]);
    assert!(
        usage
            .lines()
            .any(|l| l.starts_with("START") && l.contains("EVENTS"))
            && row(&usage, "total").contains('0'),
        "{usage}"
    );
    assert_eq!(cli.json(&["usage"])["data"]["granularity"], "day");
    assert!(cli.ok(&["dlq", "list"]).contains("(none)"));
    cli.fails(&["dlq", "replay", "msg_nope"], 5);
    let channel = cli.json(&[
        "notification-channels",
        "create",
        &receiver.url,
        "--description",
        "ops",
    ]);
    let channel_id = s(&channel, "/data/id");
    assert!(s(&channel, "/data/signingSecret").starts_with("whsec_"));
    assert!(row(&cli.ok(&["notification-channels", "list"]), &channel_id).contains("ops"));
    cli.ok(&["notification-channels", "delete", &channel_id]);
    let audit = cli.ok(&["audit-log", "list", "--action", "api_key.rotate"]);
    assert!(row(&audit, "api_key.rotate").contains(&key_id), "{audit}");
    let all = cli.json(&["audit-log", "list", "--all", "--limit", "2"]);
    assert!(
        all["data"].as_array().unwrap().len() > 10,
        "--all follows every page"
    );
}

#[test]
fn completions_and_help_list_what_flags_take() {
    let run = |args: &[&str]| Command::new(BIN).args(args).output().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(
            stdout(&out).contains("webhooks") && stdout(&out).contains("bulk-replay"),
            "{shell}"
        );
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
    let help = stdout(&run(&["deliveries", "list", "--help"]));
    assert!(
        help.contains(
            "[possible values: pending, delivering, succeeded, failed-retrying, dead, discarded, filtered, cancelled]"
        ),
        "{help}"
    );
    assert!(
        help.contains("HOOKRELAY_API_KEY") && help.contains("--json"),
        "{help}"
    );
    let help = stdout(&run(&["--help"]));
    assert!(
        help.contains("Exit codes") && help.contains("5 not found"),
        "{help}"
    );
}
