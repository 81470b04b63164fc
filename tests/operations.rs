//! Running Hookrelay: operator commands never set up an installation of
//! their own, logs fit journald and docker logs, and the deploy files use
//! only flags and variables that `hookrelay serve` accepts.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

/// `hookrelay` with none of the operator's HOOKRELAY_* settings.
fn hookrelay(cwd: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(cwd);
    for (k, _) in std::env::vars() {
        if k.starts_with("HOOKRELAY_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("RUST_LOG", "warn");
    cmd
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_commands_refuse_a_place_without_an_installation() {
    let cwd = tempfile::tempdir().unwrap();
    let default_dir = cwd.path().join("hookrelay-data");
    let commands: [&[&str]; 4] = [
        &["project", "create", "--name", "acme"],
        &[
            "project",
            "set-tier",
            "--project",
            "proj_x",
            "--tier",
            "pro",
        ],
        &[
            "user",
            "create",
            "--email",
            "a@example.com",
            "--project",
            "proj_x",
        ],
        &["user", "deactivate", "--email", "a@example.com"],
    ];
    for args in commands {
        let out = hookrelay(cwd.path()).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        let expected = format!(
            "no Hookrelay database at {}",
            default_dir.join("hookrelay.db").display()
        );
        assert!(
            stderr(&out).contains(&expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(
            !default_dir.exists(),
            "{args:?} created {}",
            default_dir.display()
        );
    }

    // serve and migrate do set one up; then the same command works.
    let out = hookrelay(cwd.path()).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = hookrelay(cwd.path())
        .args(["project", "create", "--name", "acme"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // A data dir with a database but not its key (moved, or another one).
    std::fs::remove_file(default_dir.join("encryption.key")).unwrap();
    let out = hookrelay(cwd.path())
        .args(["project", "create", "--name", "acme"])
        .output()
        .unwrap();
    let expected = format!(
        "no encryption key at {}",
        default_dir.join("encryption.key").display()
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    assert!(!default_dir.join("encryption.key").exists());

    // An empty PostgreSQL database stays empty.
    if let Some(db) = fresh_database().await {
        let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let args = [
            "project",
            "create",
            "--name",
            "acme",
            "--database-url",
            &db.url,
            "--encryption-key",
            key,
        ];
        let out = hookrelay(cwd.path()).args(args).output().unwrap();
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("holds no Hookrelay installation"),
            "{}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("postgres@"),
            "no credentials in the message: {}",
            stderr(&out)
        );
        use sqlx::{Connection, Row};
        let mut conn = sqlx::postgres::PgConnection::connect(&db.url)
            .await
            .unwrap();
        let tables: i64 = sqlx::query(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
        assert_eq!(tables, 0, "the command created tables");
        conn.close().await.unwrap();
        let out = hookrelay(cwd.path())
            .args([
                "migrate",
                "--database-url",
                &db.url,
                "--encryption-key",
                key,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let out = hookrelay(cwd.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

/// A server started as a service manager would: stdout and stderr are
/// pipes (not terminals), with `RUST_LOG` at `rust_log`.
struct Logged {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
    stdout: Vec<String>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Logged {
    fn start(args: &[&str], env: &[(&str, &str)], rust_log: &str) -> Logged {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut cmd = hookrelay(dir.path());
        cmd.args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--allow-private-destinations",
            "--data-dir",
        ])
        .arg(&data);
        let mut child = cmd
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", rust_log)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Logged {
            child,
            out,
            stdout: Vec::new(),
            stderr,
            _dir: dir,
        }
    }

    /// The next line on stdout (the text start line).
    fn stdout_line(&mut self) -> String {
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        self.stdout.push(line.trim_end().to_string());
        line
    }

    /// Waits until a log line satisfies `found`.
    fn wait_for_log(&self, what: &str, found: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(l) = self.stderr.lock().unwrap().iter().find(|l| found(l)) {
                return l.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no log line {what}: {:?}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM; then every line of stdout and stderr.
    fn stop(mut self) -> (Vec<String>, Vec<String>) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut self.out, &mut out).unwrap();
        assert!(self.child.wait().unwrap().success());
        self.stdout.extend(out.lines().map(str::to_string));
        std::thread::sleep(Duration::from_millis(100)); // the reader thread drains stderr
        let err = self.stderr.lock().unwrap().clone();
        (self.stdout, err)
    }
}

#[test]
fn text_logs_have_no_colour_off_a_terminal_and_one_start_line() {
    let mut server = Logged::start(&[], &[], "info");
    assert!(server
        .stdout_line()
        .starts_with("hookrelay listening on http://127.0.0.1:"));
    let (stdout, stderr) = server.stop();
    assert_eq!(stdout.len(), 1, "{stdout:?}");
    assert!(
        stdout[0].starts_with("hookrelay listening on http://127.0.0.1:"),
        "{stdout:?}"
    );
    assert!(
        !stderr.iter().any(|l| l.contains("listening")),
        "the start line twice: {stderr:?}"
    );
    assert!(stderr.iter().any(|l| l.contains("stopped")), "{stderr:?}");
    assert!(
        !stderr.iter().any(|l| l.contains('\u{1b}')),
        "ANSI codes in {stderr:?}"
    );
}

/// Sends one event through a server logging JSON at debug for the
/// delivery engine, to a receiver; returns the log.
async fn json_log_of_one_delivery(
    args: &[&str],
    env: &[(&str, &str)],
) -> (Vec<Value>, Vec<String>) {
    let server = Logged::start(args, env, "info,hookrelay::delivery=debug");
    let start = server.wait_for_log("hookrelay listening", |l| l.contains("hookrelay listening"));
    let url = serde_json::from_str::<Value>(&start).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let project = hookrelay(server._dir.path())
        .args([
            "project",
            "create",
            "--name",
            "acme",
            "--json",
            "--data-dir",
        ])
        .arg(server._dir.path().join("data"))
        .output()
        .unwrap();
    assert!(project.status.success(), "{}", stderr(&project));
    let key = serde_json::from_slice::<Value>(&project.stdout).unwrap()["apiKey"]
        .as_str()
        .unwrap()
        .to_string();
    let api = Api {
        base: url,
        http: reqwest::Client::new(),
    };
    let receiver = Receiver::start().await;
    let hook = api.create_webhook(&key, &receiver.url, json!({})).await;
    let sent = api
        .ingest(
            hook["ingestUrl"].as_str().unwrap(),
            hook["ingestSecret"].as_str().unwrap(),
            br#"{"card":"4242-payload-marker"}"#,
        )
        .await;
    let id = sent.body["data"]["id"].as_str().unwrap().to_string();
    server.wait_for_log("for the attempt", |l| {
        l.contains("delivery attempt") && l.contains(&id)
    });
    let (stdout, stderr) = server.stop();
    assert_eq!(
        stdout,
        Vec::<String>::new(),
        "JSON mode writes nothing else"
    );
    let text = stderr.join("\n");
    for secret in [
        "4242-payload-marker",
        &key,
        hook["signingSecret"].as_str().unwrap(),
        hook["ingestSecret"].as_str().unwrap(),
        &receiver.url,
    ] {
        assert!(!text.contains(secret), "{secret} is in the log: {text}");
    }
    let lines = stderr
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not one JSON object: {l}")))
        .collect();
    (lines, vec![id, hook["id"].as_str().unwrap().to_string()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_with_each_attempt_at_debug() {
    for (args, env) in [
        (&["--log-format", "json"][..], &[][..]),
        (&[][..], &[("HOOKRELAY_LOG_FORMAT", "json")][..]),
    ] {
        let (lines, ids) = json_log_of_one_delivery(args, env).await;
        let starts: Vec<_> = lines
            .iter()
            .filter(|l| l["message"] == "hookrelay listening")
            .collect();
        assert_eq!(starts.len(), 1, "{lines:?}");
        assert_eq!(starts[0]["level"], "INFO");
        assert!(starts[0]["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"));
        let attempt = lines
            .iter()
            .find(|l| l["message"] == "delivery attempt")
            .expect("an attempt line");
        assert_eq!(attempt["level"], "DEBUG");
        assert_eq!(
            (attempt["delivery"].as_str(), attempt["webhook"].as_str()),
            (Some(ids[0].as_str()), Some(ids[1].as_str()))
        );
        assert_eq!(
            (
                attempt["status_code"].clone(),
                attempt["outcome"].clone(),
                attempt["attempt"].clone()
            ),
            (json!(200), json!("succeeded"), json!(1))
        );
        assert!(attempt["duration_ms"].is_u64(), "{attempt}");
    }
}

/// Every `--flag` and `HOOKRELAY_*` name in `text`.
fn names(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let words = || text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    let flags = words()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(str::to_string)
        .collect();
    let env = words()
        .filter(|w| w.starts_with("HOOKRELAY_"))
        .map(str::to_string)
        .collect();
    (flags, env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_files_use_only_what_serve_accepts_and_start_a_server() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let help = hookrelay(repo).args(["serve", "--help"]).output().unwrap();
    let (accepted_flags, accepted_env) = names(&String::from_utf8_lossy(&help.stdout));
    assert!(
        accepted_env.contains("HOOKRELAY_DEFAULT_TIER") && accepted_flags.contains("--log-format")
    );

    let compose = std::fs::read_to_string(repo.join("deploy/compose.yaml")).unwrap();
    let unit = std::fs::read_to_string(repo.join("deploy/hookrelay.service")).unwrap();
    let dockerfile = std::fs::read_to_string(repo.join("Dockerfile")).unwrap();
    // Lines that configure the server (not comments, not other commands).
    let config = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter(|l| l.contains("HOOKRELAY_") || l.contains("serve"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (file, text) in [
        ("deploy/compose.yaml", &compose),
        ("deploy/hookrelay.service", &unit),
        ("Dockerfile", &dockerfile),
    ] {
        let (flags, env) = names(&config(text));
        assert!(!env.is_empty(), "{file} sets no HOOKRELAY_ variable");
        for f in &flags {
            assert!(
                accepted_flags.contains(f),
                "{file}: `hookrelay serve` has no {f}"
            );
        }
        for e in &env {
            assert!(
                accepted_env.contains(e),
                "{file}: `hookrelay serve` reads no {e}"
            );
        }
    }

    // Their settings, as the compose file gives them to a node (the
    // database, address and data dir are this test's), start a server.
    let mut env = Vec::new();
    for line in compose.lines().map(str::trim) {
        let Some((name, value)) = line.split_once(": ") else {
            continue;
        };
        if !name.starts_with("HOOKRELAY_")
            || ["HOOKRELAY_DATABASE_URL", "HOOKRELAY_LOG_FORMAT"].contains(&name)
        {
            continue;
        }
        // ${VAR:-default} takes its default; ${VAR:?...} must be given.
        let value = match value.split_once(":-") {
            Some((_, default)) => default.trim_end_matches('}').to_string(),
            None if name == "HOOKRELAY_ENCRYPTION_KEY" => {
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()
            }
            None => value.to_string(),
        };
        env.push((name.to_string(), value));
    }
    assert_eq!(env.len(), 3, "{env:?}");
    let command = compose
        .lines()
        .find(|l| l.trim_start().starts_with("command:"))
        .unwrap();
    let flags: Vec<String> = command
        .split('"')
        .skip(1)
        .step_by(2)
        .skip(1)
        .map(str::to_string)
        .collect();
    let flags = flags
        .into_iter()
        .filter(|f| f != "0.0.0.0:8080" && f != "--listen")
        .collect();
    let server = Server::start(ServerOpts {
        extra: flags,
        env,
        ..ServerOpts::default()
    })
    .await;
    let (_, key) = server.create_project("acme");
    assert_eq!(
        server.api().get("/v1/project", &key).await.body["data"]["tier"],
        "unlimited"
    );
    assert_eq!(
        server
            .api()
            .call("GET", "/healthz", None, None)
            .await
            .status,
        200
    );
}

/// An upgrade keeps the attempts already recorded: migration 16 copies the
/// attempts table into one keyed by delivery, on both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_keeps_the_attempts_already_recorded() {
    use sqlx::Row;
    type AttemptRow = (
        String,
        String,
        i64,
        i64,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = store_database(dir.path()).await;
    let store = open_store(&url, Duration::from_secs(5)).await;
    store.migrate_through(15).await.unwrap();
    let text = |s: &str| Some(s.to_string());
    let recorded: Vec<AttemptRow> = vec![
        (
            "att_1".into(),
            "dlv_a".into(),
            1,
            1_000,
            12,
            Some(500),
            None,
            None,
            text("oops"),
        ),
        (
            "att_2".into(),
            "dlv_a".into(),
            2,
            2_000,
            10_000,
            None,
            text("timeout"),
            text("timed out"),
            None,
        ),
        // Two nodes recorded attempt 2: one of them had taken the lease over.
        (
            "att_3".into(),
            "dlv_a".into(),
            2,
            2_500,
            7,
            Some(200),
            None,
            None,
            text("ok"),
        ),
        (
            "att_4".into(),
            "dlv_b".into(),
            1,
            3_000,
            3,
            Some(204),
            None,
            None,
            text(""),
        ),
    ];
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let insert = "INSERT INTO attempts (id, delivery_id, attempt_no, started_at, duration_ms, status_code, \
                  error_kind, error_message, response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    for a in &recorded {
        sqlx::query(insert)
            .bind(&a.0)
            .bind(&a.1)
            .bind(a.2)
            .bind(a.3)
            .bind(a.4)
            .bind(a.5)
            .bind(&a.6)
            .bind(&a.7)
            .bind(&a.8)
            .execute(&pool)
            .await
            .unwrap();
    }

    store.migrate().await.unwrap();
    let kept: Vec<AttemptRow> = sqlx::query(
        "SELECT id, delivery_id, attempt_no, started_at, duration_ms, status_code, error_kind, \
         error_message, response_excerpt FROM attempts ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            r.get(5),
            r.get(6),
            r.get(7),
            r.get(8),
        )
    })
    .collect();
    assert_eq!(kept, recorded);
    let again = |id: &str| {
        sqlx::query(insert)
            .bind(id.to_string())
            .bind("dlv_a")
            .bind(2_i64)
            .bind(4_000_i64)
            .bind(1_i64)
            .bind(Some(200_i64))
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(None::<String>)
            .execute(&pool)
    };
    assert!(again("att_3").await.is_err(), "an attempt is recorded once");
    again("att_5").await.unwrap();
    pool.close().await;
}
