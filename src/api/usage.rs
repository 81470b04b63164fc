//! `GET /v1/usage` (write role): what a project's webhooks did, per hour or
//! day, from counters kept as the work happens.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::{data, timestamp, AppState, Data};
use crate::store::{self, Usage};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// The most buckets one answer holds (a month of hours, a year of days).
const MAX_HOURS: i64 = 31 * 24;
const MAX_DAYS: i64 = 366;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/usage", get(usage))
}

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

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageCounts {
    /// Events ingested.
    events: i64,
    /// Deliveries created (one per event, plus replays).
    deliveries: i64,
    attempts: i64,
    /// Attempts answered 2xx.
    successes: i64,
    /// Attempts that failed (any other answer, or none).
    failures: i64,
    /// Deliveries that ran out of retries.
    dead: i64,
    /// Event bytes received.
    bytes_in: i64,
    /// Body bytes sent to destinations that answered.
    bytes_out: i64,
    /// Requests an ingest URL refused (a bad signature or secret); not
    /// stored, not counted as events.
    refused: i64,
}

impl From<Usage> for UsageCounts {
    fn from(u: Usage) -> Self {
        UsageCounts {
            events: u.events,
            deliveries: u.deliveries,
            attempts: u.attempts,
            successes: u.successes,
            failures: u.failures,
            dead: u.dead,
            bytes_in: u.bytes_in,
            bytes_out: u.bytes_out,
            refused: u.refused,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageBucketView {
    start: String,
    #[serde(flatten)]
    counts: UsageCounts,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageReport {
    #[schema(schema_with = granularity)]
    granularity: &'static str,
    from: String,
    to: String,
    webhook_id: Option<String>,
    totals: UsageCounts,
    /// Every bucket of the window, oldest first, zeros included.
    buckets: Vec<UsageBucketView>,
}

fn granularity() -> utoipa::openapi::Object {
    super::one_of(&["day", "hour"])
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

#[utoipa::path(get, path = "/v1/usage", operation_id = "usage.get", tag = "usage", security(("apiKey" = [])), params(UsageQuery),
    responses((status = 200, body = Data<UsageReport>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn usage(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> Result<axum::Json<Data<UsageReport>>, ApiError> {
    usage_in(&state, &key.project_id, q).await
}

pub async fn usage_in(
    state: &AppState,
    project_id: &str,
    q: UsageQuery,
) -> Result<axum::Json<Data<UsageReport>>, ApiError> {
    let (granularity, bucket, max_buckets, default_span) = match q.granularity.as_deref() {
        None | Some("") | Some("day") => ("day", DAY_MS, MAX_DAYS, 30 * DAY_MS),
        Some("hour") => ("hour", HOUR_MS, MAX_HOURS, DAY_MS),
        Some(_) => {
            return Err(ApiError::invalid_query(
                "granularity",
                "must be day or hour",
            ))
        }
    };
    let (from, to) =
        crate::time::window(q.from.as_deref(), q.to.as_deref(), ApiError::invalid_query)?;
    let to = to.unwrap_or_else(store::now_ms);
    let to = to.div_euclid(bucket) * bucket
        + if to.rem_euclid(bucket) == 0 {
            0
        } else {
            bucket
        };
    let from = from.unwrap_or(to - default_span).div_euclid(bucket) * bucket;
    if (to - from) / bucket > max_buckets {
        return Err(ApiError::invalid_query(
            "from",
            format!("at most {max_buckets} {granularity}s per request"),
        ));
    }
    let webhook_id = q.webhook_id.filter(|w| !w.is_empty());
    let rows = state
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
        buckets.push(UsageBucketView {
            start: timestamp(start),
            counts: usage.into(),
        });
        start += bucket;
    }
    Ok(data(UsageReport {
        granularity,
        from: timestamp(from),
        to: timestamp(to),
        webhook_id,
        totals: totals.into(),
        buckets,
    }))
}
