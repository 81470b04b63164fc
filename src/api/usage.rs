//! `GET /v1/usage` (write role): what a project's webhooks did, per hour or
//! day, from counters kept as the work happens.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::{data, timestamp, AppState, Data};
use crate::operations::usage::{self, granularity, UsageQuery};
use crate::store::Usage;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/usage", get(usage))
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
    let r = usage::report(&state.ops, project_id, q).await?;
    Ok(data(UsageReport {
        granularity: r.granularity,
        from: timestamp(r.from),
        to: timestamp(r.to),
        webhook_id: r.webhook_id,
        totals: r.totals.into(),
        buckets: r
            .buckets
            .into_iter()
            .map(|(start, usage)| UsageBucketView {
                start: timestamp(start),
                counts: usage.into(),
            })
            .collect(),
    }))
}
