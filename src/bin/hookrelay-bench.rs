//! `hookrelay-bench`: end-to-end throughput and latency of a real Hookrelay
//! server. It starts the server as a child process (so that its RSS, CPU
//! and disk writes are its own), creates a project and its endpoints through
//! the real API, runs a receiver on loopback that verifies every signature,
//! sends events over many keep-alive connections through one way in
//! (`--path`: the ingest URL, the Public API's send route, or application
//! messages fanned out to `--endpoints` endpoints), and checks that every
//! delivery arrived exactly once. Exit status 0 only if nothing was lost,
//! duplicated or forged. On PostgreSQL it also reports the database's own
//! work per delivery: its CPU when it runs on this machine, and its WAL.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use clap::Parser;
use serde_json::{json, Value};

use hookrelay::secrets::signing_key_bytes;
use hookrelay::signing;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Set on the child process: the bench binary then *is* `hookrelay` (the
/// same `hookrelay::cli::main` as `src/main.rs`), so one `cargo run` builds
/// the server being measured from the same commit and profile.
const AS_SERVER_ENV: &str = "HOOKRELAY_BENCH_AS_SERVER";

// The same allocator as `src/main.rs`, so the server measured is the one shipped.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The way events come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum WayIn {
    /// `POST /v1/ingest/{publicId}` with each webhook's ingest secret; events
    /// spread over the endpoints.
    Ingest,
    /// `POST /v1/webhooks/{id}/events` with the API key; spread likewise.
    Events,
    /// `POST /v1/applications/{id}/messages`: each message goes to every
    /// endpoint of one application (fan-out).
    Messages,
}

#[derive(Parser, Debug)]
#[command(
    name = "hookrelay-bench",
    about = "End-to-end benchmark of a Hookrelay server"
)]
struct Args {
    /// Events (or messages) to send.
    #[arg(long, default_value_t = 20_000)]
    events: u64,
    /// The way in.
    #[arg(long, value_enum, default_value_t = WayIn::Ingest)]
    path: WayIn,
    /// Endpoints (each its own destination path): events spread over them,
    /// or, for messages, each message goes to all of them.
    #[arg(long = "endpoints", visible_alias = "webhooks", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    endpoints: u64,
    /// Requests in flight per endpoint (each endpoint's `maxInFlight`);
    /// default: the server's default.
    #[arg(long)]
    max_in_flight: Option<u64>,
    /// A filter (JSON) set on every endpoint, e.g. `{"path":"seq","gte":0}`.
    /// It must let every event through: the bench checks that each one
    /// arrives.
    #[arg(long, value_parser = parse_filter)]
    filter: Option<Value>,
    /// A transformation (JavaScript) set on every endpoint, e.g.
    /// `function handler(e) { return { body: e.payload } }`. It must keep
    /// the body's `seq`: the bench checks that each event arrives.
    #[arg(long)]
    transformation: Option<String>,
    /// Size of each event's body in bytes (JSON, at least 64).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(64..=1_048_576))]
    payload_bytes: u64,
    /// Concurrent ingest requests (each on its own keep-alive connection).
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    concurrency: u64,
    /// Offered load in events per second; 0 sends flat out.
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// `postgres://...` (use an empty database); default: SQLite in a temp dir.
    #[arg(long)]
    database_url: Option<String>,
    /// Server processes sharing the PostgreSQL database (`--database-url`);
    /// requests are spread over them in turn. CPU and bytes written are
    /// their sum, peak RSS the largest.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=8))]
    nodes: u64,
    /// Give up waiting for deliveries after this long without progress.
    #[arg(long, default_value_t = 30)]
    stall_timeout_secs: u64,
    /// The server binary to measure; default: this binary acting as `hookrelay`.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Extra arguments passed to `hookrelay serve` (repeatable).
    #[arg(long = "serve-arg", allow_hyphen_values = true)]
    serve_args: Vec<String>,
    /// Print one JSON line instead of the table.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    if std::env::var_os(AS_SERVER_ENV).is_some() {
        return hookrelay::cli::main();
    }
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Everything the receiver and the load generator share. Times are
/// nanoseconds since `epoch`: sending per event sequence number, arrival per
/// delivery (`seq * fanout + endpoint` for messages, `seq` otherwise).
struct Shared {
    epoch: Instant,
    /// Signing key of endpoint i, verified against on `/hook/{i}`.
    keys: Vec<Vec<u8>>,
    /// Deliveries per event: the endpoints for messages, else 1.
    fanout: usize,
    sent_at: Vec<AtomicU64>,
    accepted_at: Vec<AtomicU64>,
    arrived_at: Vec<AtomicU64>,
    arrivals: Vec<AtomicU32>,
    arrived: AtomicU64,
    bad_signatures: AtomicU64,
    unknown: AtomicU64,
    rejected: AtomicU64,
}

impl Shared {
    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }
}

/// A temp dir removed on drop (the bench keeps its dependencies to the
/// server's own).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The server child, killed on drop whatever happens.
struct ServerProcess {
    child: Child,
    url: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_command(args: &Args) -> Result<Command, BoxError> {
    let mut cmd = match &args.server_bin {
        Some(bin) => Command::new(bin),
        None => {
            let mut c = Command::new(std::env::current_exe()?);
            c.env(AS_SERVER_ENV, "1");
            c
        }
    };
    cmd.env_remove("HOOKRELAY_DATABASE_URL");
    Ok(cmd)
}

fn db_args(args: &Args, data_dir: &Path) -> Vec<String> {
    let mut v = vec!["--data-dir".to_string(), data_dir.display().to_string()];
    if let Some(url) = &args.database_url {
        v.push("--database-url".into());
        v.push(url.clone());
    }
    v
}

fn create_project(args: &Args, data_dir: &Path) -> Result<String, BoxError> {
    let out = server_command(args)?
        .args(["project", "create", "--name", "bench", "--json"])
        .args(db_args(args, data_dir))
        .env("RUST_LOG", "warn")
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "project create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let v: Value = serde_json::from_slice(&out.stdout)?;
    let project = v["projectId"]
        .as_str()
        .ok_or("project create printed no projectId")?;
    // Builds before the `unlimited` default (--server-bin) put a new project
    // on the free tier, whose monthly event quota is far below a
    // benchmark's volume; enterprise, known to all, has no event quota.
    let out = server_command(args)?
        .args([
            "project",
            "set-tier",
            "--project",
            project,
            "--tier",
            "enterprise",
        ])
        .args(db_args(args, data_dir))
        .env("RUST_LOG", "warn")
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "project set-tier failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    v["apiKey"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "project create printed no apiKey".into())
}

/// Starts server node `node`; every node shares the data directory, so
/// they share the encryption key (and the database: `--nodes` needs
/// PostgreSQL).
fn start_server(args: &Args, data_dir: &Path, node: u64) -> Result<ServerProcess, BoxError> {
    let log_path = data_dir.join(format!("server-{node}.log"));
    let log = std::fs::File::create(&log_path)?;
    let mut child = server_command(args)?
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--allow-private-destinations",
        ])
        .args(db_args(args, data_dir))
        .args(&args.serve_args)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let mut process = ServerProcess {
        child,
        url: String::new(),
    };
    process.url = line
        .trim()
        .strip_prefix("hookrelay listening on ")
        .map(str::to_string)
        .ok_or_else(|| {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            format!("server did not start: {line:?}\n{log}")
        })?;
    Ok(process)
}

/// Bytes a process caused to be written to storage (`/proc/<pid>/io`).
fn bytes_written(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("write_bytes:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The fields of `/proc/<pid>/stat` after the parenthesised command name
/// (which may hold spaces): index 1 is the parent's pid, 11 and 12 the
/// process's user and system time, 13 and 14 those of the children it
/// waited for, in clock ticks (100 per second on every Linux configuration
/// this runs on).
fn proc_stat(pid: &str) -> Option<Vec<String>> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(
        s.rsplit_once(')')?
            .1
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    )
}

/// The sum of the `/proc/<pid>/stat` fields at `indexes`, in seconds.
fn stat_seconds(fields: &[String], indexes: &[usize]) -> Option<f64> {
    indexes
        .iter()
        .map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum::<Option<u64>>()
        .map(|ticks| ticks as f64 / 100.0)
}

/// Peak RSS (VmHWM, bytes) and CPU seconds (user + system) of a process.
fn process_usage(pid: &str) -> (u64, f64) {
    let hwm = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .unwrap_or(0)
        * 1024;
    let cpu = proc_stat(pid)
        .and_then(|f| stat_seconds(&f, &[11, 12]))
        .unwrap_or(0.0);
    (hwm, cpu)
}

/// CPU seconds of a PostgreSQL server running on this machine: its
/// postmaster, the children it has waited for, and its children alive now
/// (the server's connections, the WAL writer, the checkpointer, autovacuum).
/// Every database of that server counts: the bench's should be its only
/// load.
fn postgres_cpu(postmaster: &str) -> Option<f64> {
    let own = stat_seconds(&proc_stat(postmaster)?, &[11, 12, 13, 14])?;
    let children: f64 = std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.bytes().all(|b| b.is_ascii_digit()).then_some(name)
        })
        .filter_map(|pid| proc_stat(&pid))
        .filter(|f| f.get(1).map(String::as_str) == Some(postmaster))
        .filter_map(|f| stat_seconds(&f, &[11, 12]))
        .sum();
    Some(own + children)
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    UrlPath(hook): UrlPath<usize>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let at = shared.now_ns();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let verified = match (
        shared.keys.get(hook),
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    ) {
        (Some(key), Some(id), Some(ts), Some(sig)) => ts.parse::<i64>().is_ok_and(|ts| {
            let now = chrono::Utc::now().timestamp();
            signing::verify(
                key,
                id,
                ts,
                &body,
                sig,
                now,
                Some(signing::DEFAULT_TOLERANCE_SECS),
            )
            .is_ok()
        }),
        _ => false,
    };
    if !verified {
        shared.bad_signatures.fetch_add(1, Relaxed);
        // A 4xx would make the server retry a forgery-looking delivery
        // until it is dead; the count above already fails the run.
        return StatusCode::NO_CONTENT;
    }
    let seq = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["seq"].as_u64());
    let index = seq.map(|s| {
        if shared.fanout > 1 {
            s as usize * shared.fanout + hook
        } else {
            s as usize
        }
    });
    match index.filter(|i| *i < shared.arrivals.len()) {
        Some(i) => {
            if shared.arrivals[i].fetch_add(1, Relaxed) == 0 {
                shared.arrived_at[i].store(at, Relaxed);
                shared.arrived.fetch_add(1, Relaxed);
            }
        }
        None => {
            shared.unknown.fetch_add(1, Relaxed);
        }
    }
    StatusCode::NO_CONTENT
}

fn parse_filter(raw: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    hookrelay::filters::Filter::parse(&v).map_err(|e| e.to_string())?;
    Ok(v)
}

fn payload(seq: u64, size: usize) -> Bytes {
    let head = format!("{{\"seq\":{seq},\"pad\":\"");
    let pad = size.saturating_sub(head.len() + 2);
    Bytes::from([head.as_str(), &"x".repeat(pad), "\"}"].concat())
}

struct Hook {
    id: String,
    /// The ingest URL's path, sent to whichever node's turn it is.
    ingest_path: String,
    ingest_secret: String,
}

/// Where events are sent: the endpoints, and the application of the
/// messages path.
struct Targets {
    hooks: Vec<Hook>,
    application: Option<String>,
}

async fn create_endpoints(
    client: &reqwest::Client,
    server: &str,
    api_key: &str,
    receiver: &str,
    args: &Args,
) -> Result<(Targets, Vec<Vec<u8>>), BoxError> {
    let post = |path: String, body: Value| {
        client
            .post(format!("{server}{path}"))
            .bearer_auth(api_key)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let application = match args.path {
        WayIn::Messages => {
            let response = post("/v1/applications".into(), json!({ "name": "bench" })).await?;
            let v: Value = serde_json::from_slice(&response.bytes().await?)?;
            Some(
                v["data"]["id"]
                    .as_str()
                    .ok_or(format!("no application id in {v}"))?
                    .to_string(),
            )
        }
        _ => None,
    };
    let mut hooks = Vec::new();
    let mut keys = Vec::new();
    for i in 0..args.endpoints {
        let mut body =
            json!({"name": format!("bench {i}"), "destinationUrl": format!("{receiver}/hook/{i}")});
        if let Some(app) = &application {
            body["applicationId"] = json!(app);
        }
        if let Some(n) = args.max_in_flight {
            body["maxInFlight"] = json!(n);
        }
        if let Some(f) = &args.filter {
            body["filter"] = f.clone();
        }
        let response = post("/v1/webhooks".into(), body).await?;
        let status = response.status();
        let v: Value = serde_json::from_slice(&response.bytes().await?)?;
        if status != StatusCode::CREATED {
            return Err(format!("creating a webhook answered {status}: {v}").into());
        }
        let field = |name: &str| {
            v["data"][name]
                .as_str()
                .map(str::to_string)
                .ok_or(format!("no {name} in {v}"))
        };
        // Application endpoints have no ingest URL: the project's
        // messages are their way in.
        let optional = |name: &str| v["data"][name].as_str().unwrap_or_default().to_string();
        let ingest_url = optional("ingestUrl");
        hooks.push(Hook {
            id: field("id")?,
            ingest_path: ingest_url
                .strip_prefix(server)
                .unwrap_or(&ingest_url)
                .to_string(),
            ingest_secret: optional("ingestSecret"),
        });
        keys.push(signing_key_bytes(&field("signingSecret")?)?);
        if let Some(code) = &args.transformation {
            let id = field("id")?;
            let response = client
                .put(format!("{server}/v1/webhooks/{id}/transformation"))
                .bearer_auth(api_key)
                .json(&json!({ "code": code }))
                .send()
                .await?;
            let status = response.status();
            if status != StatusCode::OK {
                let text = response.text().await.unwrap_or_default();
                return Err(format!("setting the transformation answered {status}: {text}").into());
            }
        }
    }
    Ok((Targets { hooks, application }, keys))
}

/// One load-generator connection: takes the next sequence number until all
/// are sent, waiting for its slot in the schedule when a rate is set.
async fn drive(
    args: Arc<Args>,
    shared: Arc<Shared>,
    targets: Arc<Targets>,
    servers: Arc<(Vec<String>, String)>,
    next: Arc<AtomicU64>,
    client: reqwest::Client,
) {
    let (nodes, api_key) = (&servers.0, &servers.1);
    let start = tokio::time::Instant::from_std(shared.epoch);
    loop {
        let seq = next.fetch_add(1, Relaxed);
        if seq >= args.events {
            return;
        }
        if args.rate > 0 {
            tokio::time::sleep_until(
                start + Duration::from_secs_f64(seq as f64 / args.rate as f64),
            )
            .await;
        }
        let hook = &targets.hooks[(seq % targets.hooks.len() as u64) as usize];
        let server = &nodes[(seq % nodes.len() as u64) as usize];
        let body = payload(seq, args.payload_bytes as usize);
        let request = match (args.path, &targets.application) {
            (WayIn::Ingest, _) => client
                .post(format!("{server}{}", hook.ingest_path))
                .bearer_auth(&hook.ingest_secret)
                .body(body),
            (WayIn::Events, _) => client
                .post(format!("{server}/v1/webhooks/{}/events", hook.id))
                .bearer_auth(api_key)
                .body(body),
            (WayIn::Messages, app) => {
                let message = [
                    br#"{"eventType":"bench.event","payload":"#.as_slice(),
                    &body,
                    b"}",
                ]
                .concat();
                let app = app.as_deref().unwrap_or_default();
                client
                    .post(format!("{server}/v1/applications/{app}/messages"))
                    .bearer_auth(api_key)
                    .body(message)
            }
        };
        shared.sent_at[seq as usize].store(shared.now_ns(), Relaxed);
        let result = request
            .header("content-type", "application/json")
            .send()
            .await;
        match result {
            Ok(r) if r.status() == StatusCode::ACCEPTED => {
                // Read to the end so that the connection is reused.
                let _ = r.bytes().await;
                shared.accepted_at[seq as usize].store(shared.now_ns(), Relaxed);
            }
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                if shared.rejected.fetch_add(1, Relaxed) < 5 {
                    eprintln!("ingest of event {seq} answered {status}: {text}");
                }
            }
            Err(e) => {
                if shared.rejected.fetch_add(1, Relaxed) < 5 {
                    eprintln!("ingest of event {seq} failed: {e}");
                }
            }
        }
    }
}

/// Total seconds per hot-path database operation, from the servers' own
/// `/metrics` (where the time goes, without a profiler), summed over nodes.
async fn db_seconds(client: &reqwest::Client, servers: &[ServerProcess]) -> Value {
    let mut out = serde_json::Map::new();
    for server in servers {
        for (op, seconds) in node_db_seconds(client, &server.url).await {
            let sum = out.get(&op).and_then(Value::as_f64).unwrap_or(0.0) + seconds;
            out.insert(op, json!(sum));
        }
    }
    Value::Object(out)
}

async fn node_db_seconds(client: &reqwest::Client, server: &str) -> Vec<(String, f64)> {
    let Ok(text) = async {
        client
            .get(format!("{server}/metrics"))
            .send()
            .await?
            .text()
            .await
    }
    .await
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("hookrelay_db_duration_seconds_sum{op=\"") else {
            continue;
        };
        if let Some((op, value)) = rest.split_once("\"} ") {
            out.push((op.to_string(), value.trim().parse::<f64>().unwrap_or(0.0)));
        }
    }
    out
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i] as f64 / 1e6
}

/// Samples the database's size on disk every second while the run lasts
/// (the SQLite files in the data directory, or `pg_database_size`), and
/// reads PostgreSQL's work before and after it (`database_work`).
struct DatabaseWatch {
    peak: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
    measure: Measure,
}

#[derive(Clone)]
enum Measure {
    Sqlite(PathBuf),
    /// The pool, and the pid of the postmaster when the server's processes
    /// are visible here (see `find_postmaster`).
    Postgres(sqlx::AnyPool, Option<String>),
}

/// What PostgreSQL did: CPU seconds (None when its processes are not
/// visible here) and bytes of WAL written (`pg_stat_wal`, the whole server).
#[derive(Clone, Copy, Default)]
struct DatabaseWork {
    cpu_seconds: Option<f64>,
    wal_bytes: Option<u64>,
}

impl DatabaseWork {
    /// What was done between `before` and this reading.
    fn since(self, before: DatabaseWork) -> DatabaseWork {
        DatabaseWork {
            cpu_seconds: self.cpu_seconds.zip(before.cpu_seconds).map(|(a, b)| a - b),
            wal_bytes: self
                .wal_bytes
                .zip(before.wal_bytes)
                .map(|(a, b)| a.saturating_sub(b)),
        }
    }
}

/// The postmaster of the server `pool` is connected to, if it runs on this
/// machine: the parent of this connection's backend. The backend's pid as
/// PostgreSQL reports it must name a process here whose title is that of a
/// backend of this database; a server elsewhere, or in a container with
/// pids of its own, is not mistaken for one of this machine's processes.
async fn find_postmaster(pool: &sqlx::AnyPool) -> Option<String> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT CAST(pg_backend_pid() AS BIGINT) AS pid, CAST(current_database() AS TEXT) AS db",
    )
    .fetch_one(pool)
    .await
    .ok()?;
    let (pid, db): (i64, String) = (row.try_get("pid").ok()?, row.try_get("db").ok()?);
    let title = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).ok()?;
    if !(title.starts_with("postgres: ") && title.split_whitespace().any(|w| w == db)) {
        return None;
    }
    let parent = proc_stat(&pid.to_string())?.get(1)?.clone();
    let comm = std::fs::read_to_string(format!("/proc/{parent}/comm")).ok()?;
    (comm.trim() == "postgres").then_some(parent)
}

impl Measure {
    async fn bytes(&self) -> u64 {
        match self {
            Measure::Sqlite(dir) => ["hookrelay.db", "hookrelay.db-wal", "hookrelay.db-shm"]
                .iter()
                .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
                .map(|m| m.len())
                .sum(),
            Measure::Postgres(pool, _) => {
                sqlx::query_scalar::<_, i64>("SELECT pg_database_size(current_database())")
                    .fetch_one(pool)
                    .await
                    .map_or(0, |n| n.max(0) as u64)
            }
        }
    }

    async fn database_work(&self) -> DatabaseWork {
        match self {
            Measure::Sqlite(_) => DatabaseWork::default(),
            Measure::Postgres(pool, postmaster) => DatabaseWork {
                cpu_seconds: postmaster.as_deref().and_then(postgres_cpu),
                wal_bytes: sqlx::query_scalar::<_, i64>(
                    "SELECT CAST(wal_bytes AS BIGINT) FROM pg_stat_wal",
                )
                .fetch_one(pool)
                .await
                .ok()
                .map(|n| n.max(0) as u64),
            },
        }
    }
}

impl DatabaseWatch {
    async fn watch(args: &Args, data_dir: &Path) -> Result<DatabaseWatch, BoxError> {
        let measure = match &args.database_url {
            Some(url) => {
                sqlx::any::install_default_drivers();
                let pool = sqlx::any::AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await?;
                let postmaster = find_postmaster(&pool).await;
                Measure::Postgres(pool, postmaster)
            }
            None => Measure::Sqlite(data_dir.to_path_buf()),
        };
        let peak = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn({
            let (peak, measure) = (peak.clone(), measure.clone());
            async move {
                loop {
                    peak.fetch_max(measure.bytes().await, Relaxed);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        Ok(DatabaseWatch {
            peak,
            task,
            measure,
        })
    }

    async fn database_work(&self) -> DatabaseWork {
        self.measure.database_work().await
    }

    /// Peak and current size, in bytes.
    async fn finish(self) -> (u64, u64) {
        self.task.abort();
        let end = self.measure.bytes().await;
        (self.peak.load(Relaxed).max(end), end)
    }
}

async fn run(args: Args) -> Result<bool, BoxError> {
    let args = Arc::new(args);
    let dir = TempDir(std::env::temp_dir().join(format!("hookrelay-bench-{}", ulid::Ulid::new())));
    std::fs::create_dir_all(&dir.0)?;
    let data_dir = dir.0.join("data");

    // The server sets the installation up; operator commands only use one.
    std::fs::create_dir_all(&data_dir)?;
    if args.nodes > 1 && args.database_url.is_none() {
        return Err("--nodes above 1 needs --database-url (PostgreSQL)".into());
    }
    let mut servers = vec![start_server(&args, &data_dir, 0)?];
    let api_key = create_project(&args, &data_dir)?;
    for node in 1..args.nodes {
        servers.push(start_server(&args, &data_dir, node)?);
    }
    let server = &servers[0];
    let pids: Vec<String> = servers.iter().map(|s| s.child.id().to_string()).collect();
    // Summed over the nodes: bytes written, CPU seconds; the largest peak RSS.
    let usage = || {
        pids.iter()
            .fold((0u64, 0u64, 0f64), |(written, rss, cpu), pid| {
                let (node_rss, node_cpu) = process_usage(pid);
                (
                    written + bytes_written(pid),
                    rss.max(node_rss),
                    cpu + node_cpu,
                )
            })
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let receiver_url = format!("http://{}", listener.local_addr()?);
    let setup = reqwest::Client::new();
    let (targets, keys) =
        create_endpoints(&setup, &server.url, &api_key, &receiver_url, &args).await?;

    let n = args.events as usize;
    let fanout = if args.path == WayIn::Messages {
        args.endpoints as usize
    } else {
        1
    };
    let deliveries = n * fanout;
    let zeros = |n: usize| (0..n).map(|_| AtomicU64::new(0)).collect::<Vec<_>>();
    let shared = Arc::new(Shared {
        epoch: Instant::now(),
        keys,
        fanout,
        sent_at: zeros(n),
        accepted_at: zeros(n),
        arrived_at: zeros(deliveries),
        arrivals: (0..deliveries).map(|_| AtomicU32::new(0)).collect(),
        arrived: AtomicU64::new(0),
        bad_signatures: AtomicU64::new(0),
        unknown: AtomicU64::new(0),
        rejected: AtomicU64::new(0),
    });
    let app = axum::Router::new()
        .route("/hook/{hook}", axum::routing::post(receive))
        .with_state(shared.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency as usize)
        .tcp_nodelay(true)
        .build()?;
    let targets = Arc::new(targets);
    let server_and_key = Arc::new((
        servers.iter().map(|s| s.url.clone()).collect::<Vec<_>>(),
        api_key.clone(),
    ));
    let next = Arc::new(AtomicU64::new(0));
    let database = DatabaseWatch::watch(&args, &data_dir).await?;
    let database_before = database.database_work().await;
    let (written_before, _, cpu_before) = usage();
    let (_, bench_cpu_before) = process_usage("self");
    let started = shared.now_ns();
    let drivers: Vec<_> = (0..args.concurrency.min(args.events.max(1)))
        .map(|_| {
            let (args, shared, targets, server, next) = (
                args.clone(),
                shared.clone(),
                targets.clone(),
                server_and_key.clone(),
                next.clone(),
            );
            tokio::spawn(drive(args, shared, targets, server, next, client.clone()))
        })
        .collect();
    for d in drivers {
        d.await?;
    }
    let ingest_done = shared.now_ns();

    let accepted = shared
        .accepted_at
        .iter()
        .filter(|t| t.load(Relaxed) > 0)
        .count() as u64;
    let mut last_progress = (shared.arrived.load(Relaxed), Instant::now());
    while shared.arrived.load(Relaxed) < accepted * fanout as u64 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let arrived = shared.arrived.load(Relaxed);
        if arrived != last_progress.0 {
            last_progress = (arrived, Instant::now());
        } else if last_progress.1.elapsed() > Duration::from_secs(args.stall_timeout_secs) {
            eprintln!("no delivery for {}s; giving up", args.stall_timeout_secs);
            break;
        }
    }
    let all_arrived = shared
        .arrived_at
        .iter()
        .map(|t| t.load(Relaxed))
        .max()
        .unwrap_or(0)
        .max(ingest_done);
    // Late duplicates would show up within the engine's batching delay.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (written_after, rss, cpu_after) = usage();
    // Before the servers stop: their connections' processes end with them.
    let database_after = database.database_work().await;
    let written = written_after.saturating_sub(written_before);
    let (_, bench_cpu_after) = process_usage("self");
    let db_seconds = db_seconds(&setup, &servers).await;
    let (db_peak, db_end) = database.finish().await;
    drop(servers);

    let mut latencies = Vec::with_capacity(deliveries);
    let (mut lost, mut duplicated) = (0u64, 0u64);
    for i in 0..deliveries {
        match shared.arrivals[i].load(Relaxed) {
            0 => lost += 1,
            1 => {}
            _ => duplicated += 1,
        }
        let (sent, arrived) = (
            shared.sent_at[i / fanout].load(Relaxed),
            shared.arrived_at[i].load(Relaxed),
        );
        if arrived > 0 {
            latencies.push(arrived.saturating_sub(sent));
        }
    }
    latencies.sort_unstable();
    let secs = |ns: u64| ns.saturating_sub(started) as f64 / 1e9;
    let ingest_secs = secs(ingest_done);
    let total_secs = secs(all_arrived);
    let bad = shared.bad_signatures.load(Relaxed);
    let unknown = shared.unknown.load(Relaxed);
    let rejected = shared.rejected.load(Relaxed);
    let ok = lost == 0 && duplicated == 0 && bad == 0 && unknown == 0 && rejected == 0;
    let delivered = shared.arrived.load(Relaxed);
    let server_cpu = cpu_after - cpu_before;
    let per_delivery = |total: f64| total / (delivered.max(1) as f64);
    let DatabaseWork {
        cpu_seconds: database_cpu,
        wal_bytes,
    } = database_after.since(database_before);
    let report = json!({
        "ok": ok,
        "backend": if args.database_url.is_some() { "postgres" } else { "sqlite" },
        "nodes": args.nodes,
        "path": format!("{:?}", args.path).to_lowercase(),
        "events": args.events,
        "endpoints": args.endpoints,
        "deliveries": deliveries,
        "payloadBytes": args.payload_bytes,
        "concurrency": args.concurrency,
        "offeredRate": args.rate,
        "accepted": accepted,
        "rejected": rejected,
        "delivered": delivered,
        "lost": lost,
        "duplicated": duplicated,
        "badSignatures": bad,
        "unknownBodies": unknown,
        "ingestSeconds": ingest_secs,
        "totalSeconds": total_secs,
        "ingestPerSec": accepted as f64 / ingest_secs.max(1e-9),
        "deliveredPerSec": delivered as f64 / total_secs.max(1e-9),
        "latencyMs": {
            "p50": percentile(&latencies, 50.0),
            "p90": percentile(&latencies, 90.0),
            "p99": percentile(&latencies, 99.0),
            "max": percentile(&latencies, 100.0),
        },
        "serverPeakRssMiB": rss as f64 / 1048576.0,
        "serverCpuSeconds": server_cpu,
        // The server process's own CPU and writes; PostgreSQL's are its own.
        "serverCpuPerDeliveryUs": per_delivery(server_cpu * 1e6),
        "bytesWrittenPerDelivery": per_delivery(written as f64),
        "benchCpuSeconds": bench_cpu_after - bench_cpu_before,
        "dbSeconds": db_seconds,
        "databaseCpuSeconds": database_cpu,
        "databaseCpuPerDeliveryUs": database_cpu.map(|s| per_delivery(s * 1e6)),
        "databaseWalBytesPerDelivery": wal_bytes.map(|b| per_delivery(b as f64)),
        "dbPeakMiB": db_peak as f64 / 1048576.0,
        "dbEndMiB": db_end as f64 / 1048576.0,
    });
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{report}")?;
    } else {
        print_table(&mut out, &report)?;
    }
    Ok(ok)
}

fn print_table(out: &mut impl Write, r: &Value) -> std::io::Result<()> {
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let l = &r["latencyMs"];
    let rate = match r["offeredRate"].as_u64() {
        Some(0) | None => "flat out".to_string(),
        Some(n) => format!("{n}/s offered"),
    };
    writeln!(out, "hookrelay-bench: {} events by {}, {} endpoints, {} deliveries, {} B payloads, {} connections, {rate}, {}, {} node(s)",
        r["events"], r["path"].as_str().unwrap_or(""), r["endpoints"], r["deliveries"], r["payloadBytes"], r["concurrency"],
        r["backend"].as_str().unwrap_or(""), r["nodes"])?;
    writeln!(
        out,
        "  ingested (202)      {:>10.0} events/s   ({} accepted, {} rejected, {:.2} s)",
        f(&r["ingestPerSec"]),
        r["accepted"],
        r["rejected"],
        f(&r["ingestSeconds"])
    )?;
    writeln!(
        out,
        "  delivered (e2e)     {:>10.0} deliveries/s   ({} verified, {:.2} s)",
        f(&r["deliveredPerSec"]),
        r["delivered"],
        f(&r["totalSeconds"])
    )?;
    writeln!(
        out,
        "  latency ms          p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        f(&l["p50"]),
        f(&l["p90"]),
        f(&l["p99"]),
        f(&l["max"])
    )?;
    writeln!(out, "  server              peak RSS {:.1} MiB, CPU {:.2} s ({:.1} µs per delivery), {:.0} B written per delivery   (bench itself: CPU {:.2} s)",
        f(&r["serverPeakRssMiB"]), f(&r["serverCpuSeconds"]), f(&r["serverCpuPerDeliveryUs"]), f(&r["bytesWrittenPerDelivery"]),
        f(&r["benchCpuSeconds"]))?;
    let db = r["dbSeconds"].as_object().map(|m| {
        m.iter()
            .map(|(k, v)| format!("{k} {:.2} s", f(v)))
            .collect::<Vec<_>>()
            .join(", ")
    });
    writeln!(out, "  server db time      {}", db.unwrap_or_default())?;
    if r["backend"] == "postgres" {
        let cpu = match r["databaseCpuPerDeliveryUs"].as_f64() {
            Some(us) => format!(
                "CPU {:.2} s ({us:.1} µs per delivery)",
                f(&r["databaseCpuSeconds"])
            ),
            None => "CPU not visible from here".to_string(),
        };
        writeln!(
            out,
            "  PostgreSQL          {cpu}, {:.0} B of WAL per delivery",
            f(&r["databaseWalBytesPerDelivery"])
        )?;
    }
    writeln!(
        out,
        "  database size       peak {:.0} MiB, at the end {:.0} MiB",
        f(&r["dbPeakMiB"]),
        f(&r["dbEndMiB"])
    )?;
    writeln!(
        out,
        "  check               lost {}, duplicated {}, bad signatures {}, unknown bodies {}: {}",
        r["lost"],
        r["duplicated"],
        r["badSignatures"],
        r["unknownBodies"],
        if r["ok"].as_bool() == Some(true) {
            "OK"
        } else {
            "FAILED"
        }
    )
}
