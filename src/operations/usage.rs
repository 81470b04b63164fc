//! The usage report: what a project's webhooks did per hour or day, from
//! counters kept as the work happens.

use serde::Deserialize;

use super::{Error, Operations};
use crate::store::{self, Usage};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// The most buckets one answer holds (a month of hours, a year of days).
const MAX_HOURS: i64 = 31 * 24;
const MAX_DAYS: i64 = 366;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// RFC 3339; default: 30 days (or 24 hours) before `to`. Rounded down to the bucket.
    from: Option<String>,
    /// RFC 3339, exclusive; default: now. Rounded up to the bucket.
    to: Option<String>,
    webhook_id: Option<String>,
    /// UTC days (the default; at most 366) or hours (at most 744).
    #[param(schema_with = granularity)]
    granularity: Option<String>,
}

/// The granularities, for the OpenAPI document.
pub fn granularity() -> utoipa::openapi::Object {
    super::one_of(&["day", "hour"])
}

/// A report over a window of whole buckets.
pub struct Report {
    /// `day` or `hour`.
    pub granularity: &'static str,
    pub from: i64,
    pub to: i64,
    pub webhook_id: Option<String>,
    pub totals: Usage,
    /// Every bucket of the window by its start, oldest first, zeros included.
    pub buckets: Vec<(i64, Usage)>,
}

fn add(a: Usage, b: Usage) -> Usage {
    Usage {
        events: a.events + b.events,
        deliveries: a.deliveries + b.deliveries,
        attempts: a.attempts + b.attempts,
        successes: a.successes + b.successes,
        failures: a.failures + b.failures,
        dead: a.dead + b.dead,
        bytes_in: a.bytes_in + b.bytes_in,
        bytes_out: a.bytes_out + b.bytes_out,
        refused: a.refused + b.refused,
    }
}

/// The project's usage over the asked window, rounded out to whole buckets.
pub async fn report(ops: &Operations, project_id: &str, q: UsageQuery) -> Result<Report, Error> {
    let (granularity, bucket, max_buckets, default_span) = match q.granularity.as_deref() {
        None | Some("") | Some("day") => ("day", DAY_MS, MAX_DAYS, 30 * DAY_MS),
        Some("hour") => ("hour", HOUR_MS, MAX_HOURS, DAY_MS),
        Some(_) => return Err(Error::invalid_query("granularity", "must be day or hour")),
    };
    let (from, to) = crate::time::window(q.from.as_deref(), q.to.as_deref(), Error::invalid_query)?;
    let to = to.unwrap_or_else(store::now_ms);
    let to = to.div_euclid(bucket) * bucket
        + if to.rem_euclid(bucket) == 0 {
            0
        } else {
            bucket
        };
    let from = from.unwrap_or(to - default_span).div_euclid(bucket) * bucket;
    if (to - from) / bucket > max_buckets {
        return Err(Error::invalid_query(
            "from",
            format!("at most {max_buckets} {granularity}s per request"),
        ));
    }
    let webhook_id = q.webhook_id.filter(|w| !w.is_empty());
    let rows = ops
        .store
        .usage(project_id, webhook_id.as_deref(), from, to, bucket)
        .await?;
    let mut totals = Usage::default();
    let mut rows = rows.into_iter().peekable();
    let mut buckets = Vec::new();
    let mut start = from;
    while start < to {
        let usage = match rows.peek() {
            Some(r) if r.start == start => rows.next().map(|r| r.usage).unwrap_or_default(),
            _ => Usage::default(),
        };
        totals = add(totals, usage);
        buckets.push((start, usage));
        start += bucket;
    }
    Ok(Report {
        granularity,
        from,
        to,
        webhook_id,
        totals,
        buckets,
    })
}
