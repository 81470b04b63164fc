//! Test harness: the real `hookrelay` binary on a real database (SQLite, or
//! PostgreSQL when HOOKRELAY_TEST_DATABASE_URL is set), and a real HTTP
//! receiver on loopback whose signatures are checked by an independent
//! verifier (the `standardwebhooks` crate). Every answer read through it is
//! checked against the OpenAPI document (`contract`).
#![allow(dead_code)]

pub mod contract;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use bytes::Bytes;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_hookrelay");

/// Whether the suite runs against PostgreSQL (HOOKRELAY_TEST_DATABASE_URL).
pub fn on_postgres() -> bool {
    std::env::var("HOOKRELAY_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty())
}

/// A PostgreSQL database made for one test, dropped with this guard: when
/// the test ends, passing or panicking, and the last server on it is gone.
pub struct TestDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

/// A database for one test: a fresh PostgreSQL database when the suite runs
/// against PostgreSQL, otherwise None (SQLite in the server's data dir).
/// Its name starts with HOOKRELAY_TEST_DB_PREFIX (default `hookrelay_test_`),
/// so that the test command can drop what a killed run left behind, and no
/// other run's databases.
pub async fn fresh_database() -> Option<TestDatabase> {
    use sqlx::Connection;
    let base = std::env::var("HOOKRELAY_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let prefix =
        std::env::var("HOOKRELAY_TEST_DB_PREFIX").unwrap_or_else(|_| "hookrelay_test_".into());
    let name = format!("{prefix}{}", ulid::Ulid::new().to_string().to_lowercase());
    let mut conn = sqlx::postgres::PgConnection::connect(&base)
        .await
        .expect("connect to test PostgreSQL");
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE \"{name}\"").as_str())
        .await
        .expect("create test database");
    let _ = conn.close().await;
    let mut url = url::Url::parse(&base).expect("test database URL");
    url.set_path(&name);
    Some(TestDatabase {
        url: url.to_string(),
        admin_url: base,
        name,
    })
}

/// Where a test that opens the store without a server keeps its database:
/// a fresh PostgreSQL database when the suite runs against PostgreSQL
/// (keep the guard as long as the store is used), else SQLite in `dir`.
pub async fn store_database(dir: &std::path::Path) -> (String, Option<TestDatabase>) {
    match fresh_database().await {
        Some(pg) => (pg.url.clone(), Some(pg)),
        None => (
            format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display()),
            None,
        ),
    }
}

/// The store opened directly on `url`, with a pool of two, as the server
/// would open it: for tests of the database itself.
pub async fn open_store(url: &str, statement_timeout: Duration) -> hookrelay::store::Store {
    let settings = hookrelay::store::PoolSettings {
        max_connections: 2,
        statement_timeout,
    };
    hookrelay::store::Store::connect(url, &settings)
        .await
        .expect("connect the store")
}

/// Serves `app` on a loopback port for the rest of the test; its address.
pub async fn serve_on_loopback(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("the loopback port's address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// A new event of `body` for webhook `wh_x` of project `proj_x`, queued:
/// for tests that write batches through the store directly.
pub fn queued_event(body: Bytes) -> hookrelay::store::NewEvent {
    hookrelay::store::NewEvent {
        event_id: hookrelay::ids::new_id(hookrelay::ids::EVENT),
        project_id: "proj_x".into(),
        application_id: None,
        event_type: None,
        content_type: "application/octet-stream".into(),
        body,
        headers: None,
        ordering_key: None,
        idempotency_key: None,
        deliveries: vec![hookrelay::store::NewDelivery {
            delivery_id: hookrelay::ids::new_id(hookrelay::ids::DELIVERY),
            webhook_id: "wh_x".into(),
            state: hookrelay::store::InitialState::Queued,
        }],
    }
}

/// A webhook's ingest URL and ingest secret, as its creation answered them.
pub fn ingest_credentials(hook: &Value) -> (String, String) {
    (
        hook["ingestUrl"].as_str().expect("ingestUrl").to_string(),
        hook["ingestSecret"]
            .as_str()
            .expect("ingestSecret")
            .to_string(),
    )
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        use sqlx::Connection;
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run inside the test's runtime, which cannot be blocked
        // on: the statement runs on a thread with a runtime of its own.
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = sqlx::postgres::PgConnection::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                // FORCE: pools a test still holds are cut off, not waited for.
                sqlx::Executor::execute(
                    &mut conn,
                    format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str(),
                )
                .await
                .map_err(|e| e.to_string())?;
                let _ = conn.close().await;
                Ok(())
            })
        })
        .join();
        if let Ok(Err(e)) | Err(e) = dropped.map_err(|_| "panicked".to_string()) {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

#[derive(Clone)]
pub struct ServerOpts {
    pub lease_seconds: u64,
    pub allow_private: bool,
    pub extra: Vec<String>,
    /// Environment variables of the server process.
    pub env: Vec<(String, String)>,
}

impl Default for ServerOpts {
    fn default() -> Self {
        ServerOpts {
            lease_seconds: 60,
            allow_private: true,
            extra: Vec::new(),
            env: Vec::new(),
        }
    }
}

pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub data_dir: PathBuf,
    pub db_url: Option<String>,
    opts: ServerOpts,
    _dir: Arc<tempfile::TempDir>,
    /// Dropped after the process is killed (fields drop after `drop`).
    _db: Option<Arc<TestDatabase>>,
}

impl Server {
    pub async fn start(opts: ServerOpts) -> Server {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let db = fresh_database().await.map(Arc::new);
        Server::start_on(dir, db, opts)
    }

    /// A server whose data directory `prepare` sets up first (a small
    /// filesystem mounted there, say).
    pub async fn start_prepared(
        opts: ServerOpts,
        prepare: impl FnOnce(&std::path::Path),
    ) -> Server {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        prepare(&dir.path().join("data"));
        let db = fresh_database().await.map(Arc::new);
        Server::start_on(dir, db, opts)
    }

    /// `n` nodes started at the same moment on one new, empty database.
    pub async fn start_cluster(n: usize, opts: ServerOpts) -> Vec<Server> {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let db = fresh_database().await.map(Arc::new);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..n)
                .map(|_| scope.spawn(|| Server::start_on(dir.clone(), db.clone(), opts.clone())))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("node start"))
                .collect()
        })
    }

    /// `hook`'s ingest URL on this node: its `ingestUrl` names the node
    /// that created it.
    pub fn ingest_url(&self, hook: &Value) -> String {
        let url = url::Url::parse(hook["ingestUrl"].as_str().expect("ingestUrl")).expect("URL");
        format!("{}{}", self.url, url.path())
    }

    /// Another node on the same database and data dir (shared key).
    pub fn another_node(&self, opts: ServerOpts) -> Server {
        Server::start_on(self._dir.clone(), self._db.clone(), opts)
    }

    fn start_on(
        dir: Arc<tempfile::TempDir>,
        db: Option<Arc<TestDatabase>>,
        opts: ServerOpts,
    ) -> Server {
        let data_dir = dir.path().join("data");
        let db_url = db.as_ref().map(|d| d.url.clone());
        let mut server = Server {
            child: None,
            url: String::new(),
            data_dir,
            db_url,
            opts,
            _dir: dir,
            _db: db,
        };
        server.spawn();
        server
    }

    fn db_args(&self) -> Vec<String> {
        let mut args = vec![
            "--data-dir".to_string(),
            self.data_dir.display().to_string(),
        ];
        if let Some(db) = &self.db_url {
            args.push("--database-url".into());
            args.push(db.clone());
        }
        args
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self._dir.path().join("server.log"))
            .expect("log file");
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .args(self.db_args())
            .args(["--listen", "127.0.0.1:0"]);
        cmd.args(["--lease-seconds", &self.opts.lease_seconds.to_string()]);
        if self.opts.allow_private {
            cmd.arg("--allow-private-destinations");
        }
        cmd.args(&self.opts.extra);
        cmd.env("RUST_LOG", "warn")
            .env_remove("HOOKRELAY_DATABASE_URL");
        cmd.envs(self.opts.env.iter().map(|(k, v)| (k, v)));
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn hookrelay");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        let url = line
            .trim()
            .strip_prefix("hookrelay listening on ")
            .unwrap_or_else(|| panic!("server did not start: {line:?}; log: {}", self.log()))
            .to_string();
        self.url = url;
        self.child = Some(child);
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then wait for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut c = self.child.take().expect("running");
        Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status()
            .expect("kill -TERM");
        c.wait().expect("wait")
    }

    /// Flags and environment for the next (re)start.
    pub fn opts_mut(&mut self) -> &mut ServerOpts {
        &mut self.opts
    }

    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Runs a `hookrelay` subcommand against this server's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(BIN);
        cmd.args(args).args(self.db_args()).env("RUST_LOG", "warn");
        // The server's settings (an encryption key given as one, say).
        cmd.envs(self.opts.env.iter().map(|(k, v)| (k, v)));
        cmd.output().expect("run hookrelay")
    }

    /// `hookrelay project create --json` on the server's default tier:
    /// (project id, admin key).
    pub fn create_project(&self, name: &str) -> (String, String) {
        self.create_project_with(&["--name", name])
    }

    /// A project on a given tier (free for its limits, say).
    pub fn create_project_on(&self, name: &str, tier: &str) -> (String, String) {
        self.create_project_with(&["--name", name, "--tier", tier])
    }

    fn create_project_with(&self, args: &[&str]) -> (String, String) {
        let out = self.cli(&[&["project", "create", "--json"], args].concat());
        assert!(
            out.status.success(),
            "project create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("json output");
        (
            v["projectId"].as_str().unwrap().to_string(),
            v["apiKey"].as_str().unwrap().to_string(),
        )
    }

    fn database_url(&self) -> String {
        match &self.db_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data_dir.join("hookrelay.db").display()),
        }
    }

    /// A connection of its own to the server's database, for transactions
    /// a test holds open.
    pub async fn db(&self) -> sqlx::AnyConnection {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&self.database_url())
            .await
            .expect("connect to the server's database")
    }

    /// The server's database through the store, for races no request can
    /// time (a change landing between two steps of one request).
    pub async fn store(&self) -> hookrelay::store::Store {
        open_store(&self.database_url(), Duration::from_secs(10)).await
    }

    /// Runs one SQL statement on the server's database, for states no API
    /// can reach quickly (e.g. a token past its expiry).
    pub async fn sql(&self, statement: &str) {
        sqlx::Executor::execute(&mut self.db().await, statement)
            .await
            .expect("run SQL");
    }

    /// The first column of the first row of a query returning one BIGINT.
    pub async fn sql_i64(&self, query: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(query)
            .fetch_one(&mut self.db().await)
            .await
            .expect("run SQL")
            .get(0)
    }

    /// Runs a `hookrelay` subcommand with `stdin` as its standard input.
    pub fn cli_with_stdin(&self, args: &[&str], stdin: &str) -> std::process::Output {
        use std::io::Write;
        let mut child = Command::new(BIN)
            .args(args)
            .args(self.db_args())
            .env("RUST_LOG", "warn")
            .envs(self.opts.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run hookrelay");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("wait hookrelay")
    }

    /// `hookrelay user create --password-stdin`.
    pub fn create_user(&self, email: &str, project_id: &str, role: &str, password: &str) {
        let out = self.cli_with_stdin(
            &[
                "user",
                "create",
                "--email",
                email,
                "--project",
                project_id,
                "--role",
                role,
                "--password-stdin",
            ],
            password,
        );
        assert!(
            out.status.success(),
            "user create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A dashboard client that keeps its session cookie and CSRF token.
    pub fn dashboard(&self) -> Dash {
        Dash {
            base: self.url.clone(),
            http: reqwest::Client::new(),
            cookie: None,
            csrf: None,
        }
    }

    pub fn api(&self) -> Api {
        Api {
            base: self.url.clone(),
            http: reqwest::Client::new(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    /// The body as JSON; a non-JSON body (an HTML page) as a JSON string, an
    /// empty one as null. The answer must be one the OpenAPI document
    /// describes for `method` on its path.
    async fn read(method: &str, res: reqwest::Response) -> Resp {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let path = res.url().path().to_string();
        let bytes = res.bytes().await.expect("body");
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
        contract::check(method, &path, status, content_type, &bytes);
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Resp {
            status,
            headers,
            body,
        }
    }
}

impl Api {
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self.http.request(method.parse().unwrap(), url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        Resp::read(method, req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None).await
    }

    /// A GET's body as text, where reading it as JSON would hide what is
    /// checked (a payload's exact bytes, the metrics' exposition).
    pub async fn get_text(&self, path: &str, token: Option<&str>) -> String {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let response = req.send().await.expect("request");
        response.text().await.expect("body")
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("POST", path, Some(token), Some(body)).await
    }

    /// Raw ingest with a given content type.
    pub async fn ingest(&self, ingest_url: &str, secret: &str, body: &[u8]) -> Resp {
        self.send_raw(
            ingest_url,
            Some(secret),
            body,
            Some("application/json"),
            None,
        )
        .await
    }

    /// Sends each (body, idempotency key) to an ingest URL all at once,
    /// each request on a task of its own, so that the writer stores them in
    /// a few multi-row batches; every answer must be 202. The event ids,
    /// in the order of `requests`.
    pub async fn ingest_all_at_once(
        &self,
        ingest_url: &str,
        secret: &str,
        requests: Vec<(String, Option<String>)>,
    ) -> Vec<String> {
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|(body, idem)| {
                let (api, url, secret) = (self.clone(), ingest_url.to_string(), secret.to_string());
                tokio::spawn(async move {
                    let r = api
                        .send_raw(
                            &url,
                            Some(&secret),
                            body.as_bytes(),
                            Some("application/json"),
                            idem.as_deref(),
                        )
                        .await;
                    assert_eq!(r.status, 202, "{}", r.body);
                    r.body["data"]["id"].as_str().expect("id").to_string()
                })
            })
            .collect();
        let mut ids = Vec::with_capacity(tasks.len());
        for t in tasks {
            ids.push(t.await.expect("a request's task"));
        }
        ids
    }

    pub async fn send_raw(
        &self,
        url: &str,
        token: Option<&str>,
        body: &[u8],
        content_type: Option<&str>,
        idem: Option<&str>,
    ) -> Resp {
        let mut req = self.http.post(url).body(body.to_vec());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        if let Some(k) = idem {
            req = req.header("idempotency-key", k);
        }
        Resp::read("POST", req.send().await.expect("request")).await
    }

    /// Creates a webhook and returns its `data` (with the one-time secrets).
    pub async fn create_webhook(&self, key: &str, destination: &str, extra: Value) -> Value {
        let mut body = serde_json::json!({ "name": "test hook", "destinationUrl": destination });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let r = self.post("/v1/webhooks", key, body).await;
        assert_eq!(r.status, 201, "create webhook: {}", r.body);
        r.body["data"].clone()
    }

    /// Creates a write key named `name` with the admin key; its id and
    /// one-time secret.
    pub async fn write_key(&self, admin: &str, name: &str) -> (String, String) {
        let r = self
            .post(
                "/v1/project/api-keys",
                admin,
                serde_json::json!({ "name": name, "role": "write" }),
            )
            .await;
        assert_eq!(r.status, 201, "create write key: {}", r.body);
        let data = &r.body["data"];
        (
            data["id"].as_str().expect("id").to_string(),
            data["secret"].as_str().expect("secret").to_string(),
        )
    }

    /// Sends an `order.created` message to `application`; the deliveries
    /// it fanned out to, as (endpoint id, delivery id).
    pub async fn send_message(&self, key: &str, application: &str) -> Vec<(String, String)> {
        let r = self
            .post(
                &format!("/v1/applications/{application}/messages"),
                key,
                serde_json::json!({ "eventType": "order.created", "payload": {} }),
            )
            .await;
        assert_eq!(r.status, 202, "send message: {}", r.body);
        r.body["data"]["deliveries"]
            .as_array()
            .expect("deliveries")
            .iter()
            .map(|d| {
                (
                    d["endpointId"].as_str().expect("endpointId").to_string(),
                    d["id"].as_str().expect("id").to_string(),
                )
            })
            .collect()
    }

    /// Every item of a list route, following `nextCursor` (100 per page).
    pub async fn list_all(&self, path: &str, key: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor = String::new();
        loop {
            let r = self
                .get(&format!("{path}{sep}limit=100&cursor={cursor}"), key)
                .await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            items.extend(
                r.body["data"]
                    .as_array()
                    .expect("list data")
                    .iter()
                    .cloned(),
            );
            match r.body["nextCursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => return items,
            }
        }
    }

    /// Polls a delivery until `done` holds for it.
    pub async fn wait_delivery(&self, key: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        self.wait_until(&format!("/v1/deliveries/{id}"), key, done)
            .await
    }

    /// Polls a GET route (for 30 s) until `done` holds for its `data`.
    pub async fn wait_until(&self, path: &str, key: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.get(path, key).await;
            if r.status == 200 && done(&r.body["data"]) {
                return r.body["data"].clone();
            }
            assert!(
                Instant::now() < deadline,
                "{path} never reached the expected state: {}",
                r.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[derive(Clone, Debug)]
pub struct Received {
    pub method: axum::http::Method,
    /// Path and query.
    pub uri: axum::http::Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// What the receiver answered.
    pub status: u16,
    /// When the request arrived (before any delay).
    pub arrived: Instant,
}

/// What the receiver answers its `n`th request (0-based): a status and
/// extra response headers.
pub type Responder = Arc<dyn Fn(usize, &Bytes) -> (u16, Vec<(&'static str, String)>) + Send + Sync>;

struct ReceiverState {
    received: Mutex<Vec<Received>>,
    /// Requests that arrived so far, answered or not.
    arrivals: std::sync::atomic::AtomicUsize,
    respond: Responder,
    delay: Duration,
    open: std::sync::atomic::AtomicUsize,
    /// The most requests open at once.
    most_open: std::sync::atomic::AtomicUsize,
}

/// A real HTTP server on loopback that records every request.
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        Receiver::with_plan(vec![], 200, Duration::ZERO).await
    }

    /// Answers the statuses of `plan` in order, then `default_status`,
    /// each after `delay`.
    pub async fn with_plan(plan: Vec<u16>, default_status: u16, delay: Duration) -> Receiver {
        let plan = Mutex::new(VecDeque::from(plan));
        let respond: Responder = Arc::new(move |_, _| {
            (
                plan.lock().unwrap().pop_front().unwrap_or(default_status),
                vec![],
            )
        });
        Receiver::with_responder(respond, delay).await
    }

    /// Answers each request as `respond` says, after `delay`.
    pub async fn with_responder(respond: Responder, delay: Duration) -> Receiver {
        let state = Arc::new(ReceiverState {
            received: Mutex::new(Vec::new()),
            arrivals: Default::default(),
            respond,
            delay,
            open: Default::default(),
            most_open: Default::default(),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let addr = serve_on_loopback(app).await;
        Receiver {
            url: format!("http://{addr}/hook"),
            state,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.state.received.lock().unwrap().len()
    }

    /// The most requests that were open at once.
    pub fn most_open(&self) -> usize {
        self.state
            .most_open
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Requests that arrived so far (answered or still open).
    pub fn arrivals(&self) -> usize {
        self.state
            .arrivals
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        self.wait_until(
            timeout,
            |got| got.len() >= n,
            |got| format!("receiver got {} of {n} requests", got.len()),
        )
        .await
    }

    /// Waits until what arrived satisfies `done`; `why` says what is
    /// missing when `timeout` runs out.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&[Received]) -> bool,
        why: impl Fn(&[Received]) -> String,
    ) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            {
                let got = self.state.received.lock().unwrap();
                if done(&got) {
                    return got.clone();
                }
                assert!(Instant::now() < deadline, "{}", why(&got));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<ReceiverState>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use std::sync::atomic::Ordering::SeqCst;
    let arrived = Instant::now();
    let n = state.arrivals.fetch_add(1, SeqCst);
    let open = state.open.fetch_add(1, SeqCst) + 1;
    state.most_open.fetch_max(open, SeqCst);
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    let (status, extra) = (state.respond)(n, &body);
    state.received.lock().unwrap().push(Received {
        method,
        uri,
        headers,
        body,
        status,
        arrived,
    });
    state.open.fetch_sub(1, SeqCst);
    let mut response = axum::response::IntoResponse::into_response(
        axum::http::StatusCode::from_u16(status).unwrap(),
    );
    for (name, value) in extra {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// The independent check: the Standard Webhooks reference library.
pub fn verifies(secret: &str, r: &Received) -> bool {
    standardwebhooks::Webhook::new(secret)
        .expect("secret")
        .verify(&r.body, &r.headers)
        .is_ok()
}

/// The `v1,...` entries of a received signature header.
pub fn signatures(r: &Received) -> Vec<String> {
    r.headers["webhook-signature"]
        .to_str()
        .unwrap()
        .split(' ')
        .map(str::to_string)
        .collect()
}

pub fn header(r: &Received, name: &str) -> String {
    r.headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Makes a received request look as if only `entry` had been sent, so the
/// verifier checks that single signature.
pub fn with_only_signature(r: &Received, entry: &str) -> Received {
    let mut r = r.clone();
    r.headers
        .insert("webhook-signature", entry.parse().unwrap());
    r
}

/// A browser-like dashboard client (without a cookie jar, so tests see and
/// control exactly which cookie and CSRF token go out).
#[derive(Clone)]
pub struct Dash {
    pub base: String,
    pub http: reqwest::Client,
    /// `hookrelay_session=...` as set at login.
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Dash {
    /// Logs in; on success keeps the cookie and CSRF token.
    pub async fn login(&mut self, email: &str, password: &str) -> Resp {
        let r = self
            .send(
                "POST",
                "/dashboard/api/login",
                Some(json_body(email, password)),
                None,
                None,
                &[],
            )
            .await;
        if r.status == 200 {
            let set = r.headers["set-cookie"].to_str().unwrap();
            self.cookie = Some(set.split(';').next().unwrap().to_string());
            self.csrf = Some(r.body["data"]["csrfToken"].as_str().unwrap().to_string());
        }
        r
    }

    /// A call with this client's cookie and CSRF token.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.send(
            method,
            path,
            body,
            self.cookie.as_deref(),
            self.csrf.as_deref(),
            &[],
        )
        .await
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        cookie: Option<&str>,
        csrf: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self.http.request(method.parse().unwrap(), url);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        Resp::read(method, req.send().await.expect("request")).await
    }
}

fn json_body(email: &str, password: &str) -> Value {
    serde_json::json!({ "email": email, "password": password })
}
