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

type HistogramFamily = Family<DbLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    /// Deliveries of new events committed by any way in (idempotent repeats
    /// excluded).
    pub ingested: Counter,
    /// Requests an ingest URL refused (bad secret or provider signature).
    pub refused: Counter,
    /// Deliveries recorded `filtered` (their event did not match).
    pub filtered: Counter,
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
        delivered: Counter::default(),
        failed: Counter::default(),
        dead: Counter::default(),
        queue_depth: Gauge::default(),
        attempt_seconds: latency_buckets(),
        circuits_open: Gauge::default(),
        held: Gauge::default(),
        circuit_transitions: Family::default(),
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

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
