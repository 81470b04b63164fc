//! Process-wide Prometheus metrics, rendered at `GET /metrics`. One global
//! registry (the usual Prometheus practice) so that the write path and the
//! delivery engine record without being handed it.

use std::sync::LazyLock;
use std::time::Instant;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The database operations on the hot path whose time is measured.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum DbOp {
    /// The write path's transaction: ingested events and attempt outcomes.
    write_batch,
    /// Claiming due deliveries for this node's endpoints.
    claim_due,
    /// Finding the endpoints with queued deliveries.
    queued_endpoints,
    /// SQLite: syncing the log for the write path's batches, beside the
    /// writer.
    log_sync,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CircuitLabels {
    /// `open`, `half-open` or `closed`: the state entered.
    pub to: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DbLabels {
    pub op: DbOp,
}

/// An HTTP request as the server metrics count it: the route template
/// (`/v1/webhooks/{id}`, so that ids do not make new series), the method
/// and the status class (`2xx` ... `5xx`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: String,
    pub method: &'static str,
    pub status: &'static str,
}

/// A delivery attempt without a 2xx: the error kind (`timeout`,
/// `connection_error`, ...; `http_status` when an answer came) and the
/// answer's status class (`none` without one).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AttemptFailureLabels {
    pub kind: String,
    pub status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BuildLabels {
    pub version: &'static str,
    pub commit: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    /// `idle` or `in_use`.
    pub state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `sent` or `failed`.
    pub outcome: &'static str,
}

/// `2xx`, `4xx`, ... for a status code.
pub fn status_class(code: u16) -> &'static str {
    match code {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: &'static str,
}

type HistogramFamily = Family<DbLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    /// Deliveries of new events committed by any way in (idempotent repeats
    /// excluded).
    pub ingested: Counter,
    /// Requests an ingest URL refused (bad secret or provider signature).
    pub refused: Counter,
    /// Deliveries recorded `filtered` (their event did not match).
    pub filtered: Counter,
    /// Deliveries their endpoint's transformation cancelled (returned null).
    pub cancelled: Counter,
    /// Deliveries that got a 2xx.
    pub delivered: Counter,
    /// Attempts that did not get a 2xx (each retry counts).
    pub failed: Counter,
    /// Deliveries that ran out of retries.
    pub dead: Counter,
    /// Deliveries waiting or in flight, read from the database per scrape.
    pub queue_depth: Gauge,
    pub attempt_seconds: Histogram,
    /// Endpoints whose circuit is open, read from the database per scrape.
    pub circuits_open: Gauge,
    /// Deliveries held for disabled endpoints, read from the database per scrape.
    pub held: Gauge,
    /// Circuits opening and closing on this node.
    pub circuit_transitions: Family<CircuitLabels, Counter>,
    /// HTTP requests served, with their time.
    pub http_requests: Family<HttpLabels, Histogram, fn() -> Histogram>,
    /// Attempts without a 2xx, by error kind and status class.
    pub attempt_failures: Family<AttemptFailureLabels, Counter>,
    /// Database connections of this node's pool, read per scrape.
    pub db_pool: Family<PoolLabels, Gauge>,
    /// How late schedules fire after their due time.
    pub schedule_lag_seconds: Histogram,
    /// Deliveries replayed by bulk replay jobs on this node.
    pub replay_job_replayed: Counter,
    /// Replay jobs running, read from the database per scrape.
    pub replay_jobs_active: Gauge,
    /// Deliveries running replay jobs have left, read per scrape.
    pub replay_jobs_remaining: Gauge,
    /// Operator notifications sent (`sent`) or failed (`failed`, each try).
    pub notifications: Family<OutcomeLabels, Counter>,
    /// 1 while the write path's transactions fail (new events are refused).
    pub write_path_failing: Gauge,
    /// Failed write-path transactions by reason (`disk_full`, `error`).
    pub write_path_failures: Family<ReasonLabels, Counter>,
    db_seconds: HistogramFamily,
    registry: Registry,
}

fn latency_buckets() -> Histogram {
    // 0.5 ms .. ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("hookrelay");
    let m = Metrics {
        ingested: Counter::default(),
        refused: Counter::default(),
        filtered: Counter::default(),
        cancelled: Counter::default(),
        delivered: Counter::default(),
        failed: Counter::default(),
        dead: Counter::default(),
        queue_depth: Gauge::default(),
        attempt_seconds: latency_buckets(),
        circuits_open: Gauge::default(),
        held: Gauge::default(),
        circuit_transitions: Family::default(),
        http_requests: Family::new_with_constructor(latency_buckets as fn() -> Histogram),
        attempt_failures: Family::default(),
        db_pool: Family::default(),
        schedule_lag_seconds: Histogram::new(exponential_buckets(0.01, 2.0, 16)),
        replay_job_replayed: Counter::default(),
        replay_jobs_active: Gauge::default(),
        replay_jobs_remaining: Gauge::default(),
        notifications: Family::default(),
        write_path_failing: Gauge::default(),
        write_path_failures: Family::default(),
        db_seconds: Family::new_with_constructor(latency_buckets as fn() -> Histogram),
        registry: Registry::default(),
    };
    registry.register("events_ingested", "Events committed by every way in, counted once per webhook or endpoint they were queued for (as /v1/usage counts)", m.ingested.clone());
    registry.register(
        "ingest_refused",
        "Requests an ingest URL refused: a missing or wrong ingest secret, or a provider signature that did not verify (not stored)",
        m.refused.clone(),
    );
    registry.register(
        "deliveries_filtered",
        "Deliveries recorded as filtered, never sent: the event did not match the endpoint's filter",
        m.filtered.clone(),
    );
    registry.register(
        "deliveries_cancelled",
        "Deliveries recorded as cancelled, never sent: the endpoint's transformation returned null",
        m.cancelled.clone(),
    );
    registry.register(
        "deliveries_succeeded",
        "Deliveries answered with a 2xx",
        m.delivered.clone(),
    );
    registry.register(
        "attempts_failed",
        "Delivery attempts without a 2xx answer",
        m.failed.clone(),
    );
    registry.register(
        "deliveries_dead",
        "Deliveries that exhausted their retries",
        m.dead.clone(),
    );
    registry.register(
        "queue_depth",
        "Deliveries pending, retrying or in flight",
        m.queue_depth.clone(),
    );
    registry.register(
        "endpoints_circuit_open",
        "Endpoints whose circuit is open (deliveries wait)",
        m.circuits_open.clone(),
    );
    registry.register(
        "deliveries_held",
        "Deliveries held for disabled endpoints",
        m.held.clone(),
    );
    registry.register(
        "circuit_transitions",
        "Endpoint circuits opening or closing",
        m.circuit_transitions.clone(),
    );
    let build_info = Family::<BuildLabels, Gauge>::default();
    build_info
        .get_or_create(&BuildLabels {
            version: env!("CARGO_PKG_VERSION"),
            // Set at build time (`GIT_COMMIT=$(git rev-parse HEAD)
            // cargo build ...`; the Dockerfile passes it as a build argument).
            commit: option_env!("GIT_COMMIT").unwrap_or("unknown"),
        })
        .set(1);
    registry.register(
        "build_info",
        "1, labelled with this build's version and commit",
        build_info,
    );
    registry.register(
        "http_request_duration_seconds",
        "HTTP requests served, by route template, method and status class, with their time",
        m.http_requests.clone(),
    );
    registry.register(
        "attempt_failures",
        "Delivery attempts without a 2xx, by error kind (http_status when an answer came) and status class",
        m.attempt_failures.clone(),
    );
    registry.register(
        "db_pool_connections",
        "Database connections of this node's pool: idle or in_use",
        m.db_pool.clone(),
    );
    registry.register(
        "schedule_lag_seconds",
        "How long after its due time a schedule fired",
        m.schedule_lag_seconds.clone(),
    );
    registry.register(
        "replay_job_deliveries_replayed",
        "Deliveries replayed by bulk replay jobs on this node",
        m.replay_job_replayed.clone(),
    );
    registry.register(
        "replay_jobs_active",
        "Bulk replay jobs running",
        m.replay_jobs_active.clone(),
    );
    registry.register(
        "replay_jobs_remaining",
        "Deliveries the running replay jobs have left to replay",
        m.replay_jobs_remaining.clone(),
    );
    registry.register(
        "notifications",
        "Operator notifications: sent, or failed (each failed try)",
        m.notifications.clone(),
    );
    registry.register_collector(Box::new(ProcessCollector));
    registry.register(
        "write_path_failing",
        "1 while the write path's transactions fail and new events are refused (see write_path_failures for why)",
        m.write_path_failing.clone(),
    );
    registry.register(
        "write_path_failures",
        "Failed write-path transactions by reason: disk_full, or error",
        m.write_path_failures.clone(),
    );
    registry.register(
        "attempt_duration_seconds",
        "Time of one delivery attempt",
        m.attempt_seconds.clone(),
    );
    registry.register(
        "db_duration_seconds",
        "Time of hot-path database operations",
        m.db_seconds.clone(),
    );
    Metrics { registry, ..m }
});

pub fn metrics() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    /// Records the time since `started` against a database operation.
    pub fn db_time(&self, op: DbOp, started: Instant) {
        self.db_seconds
            .get_or_create(&DbLabels { op })
            .observe(started.elapsed().as_secs_f64());
    }

    /// Counts one attempt without a 2xx.
    pub fn attempt_failed(&self, error_kind: Option<&str>, status_code: Option<i64>) {
        let status = status_code.map_or("none", |c| status_class(c.clamp(0, 999) as u16));
        let kind = error_kind.unwrap_or("http_status").to_string();
        self.attempt_failures
            .get_or_create(&AttemptFailureLabels { kind, status })
            .inc();
    }

    /// Counts one HTTP request.
    pub fn http_request(&self, route: String, method: &'static str, status: u16, started: Instant) {
        self.http_requests
            .get_or_create(&HttpLabels {
                route,
                method,
                status: status_class(status),
            })
            .observe(started.elapsed().as_secs_f64());
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// `hookrelay_process_*`: CPU time, resident memory, open and allowed file
/// descriptors, start time, read from /proc at each scrape. Hand-written:
/// prometheus-client has no process collector (the `prometheus` crate's
/// would bring a second metrics library), and these are a few lines of
/// /proc.
#[derive(Debug)]
struct ProcessCollector;

impl prometheus_client::collector::Collector for ProcessCollector {
    fn encode(
        &self,
        mut encoder: prometheus_client::encoding::DescriptorEncoder,
    ) -> Result<(), std::fmt::Error> {
        use prometheus_client::encoding::EncodeMetric;
        use prometheus_client::metrics::counter::ConstCounter;
        use prometheus_client::metrics::gauge::ConstGauge;
        let Some(p) = process_figures() else {
            return Ok(());
        };
        let cpu = ConstCounter::new(p.cpu_seconds);
        cpu.encode(encoder.encode_descriptor(
            "process_cpu_seconds",
            "User and system CPU time",
            None,
            cpu.metric_type(),
        )?)?;
        for (name, help, value) in [
            (
                "process_resident_memory_bytes",
                "Resident memory",
                p.resident_bytes,
            ),
            ("process_open_fds", "Open file descriptors", p.open_fds),
            (
                "process_max_fds",
                "The limit on open file descriptors",
                p.max_fds,
            ),
            (
                "process_start_time_seconds",
                "Start time, in seconds since the Unix epoch",
                p.start_time_seconds,
            ),
        ] {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}

struct ProcessFigures {
    cpu_seconds: f64,
    resident_bytes: i64,
    open_fds: i64,
    max_fds: i64,
    start_time_seconds: i64,
}

fn process_figures() -> Option<ProcessFigures> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; fields are counted after it.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<f64>().ok();
    // SAFETY: sysconf and getrlimit only read and fill what they are given.
    let (ticks, page, max_fds) = unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        (
            libc::sysconf(libc::_SC_CLK_TCK) as f64,
            libc::sysconf(libc::_SC_PAGESIZE) as f64,
            limit.rlim_cur as i64,
        )
    };
    let boot_time: f64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    Some(ProcessFigures {
        cpu_seconds: (field(14)? + field(15)?) / ticks,
        resident_bytes: (field(24)? * page) as i64,
        open_fds: std::fs::read_dir("/proc/self/fd").ok()?.count() as i64,
        max_fds,
        start_time_seconds: (boot_time + field(22)? / ticks) as i64,
    })
}
