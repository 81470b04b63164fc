//! `GET /metrics`: Prometheus text format. Unauthenticated like most
//! exporters (scrapers rarely carry credentials); it holds only process-wide
//! totals, no project, webhook or payload data.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::error::ApiError;
use super::AppState;
use crate::metrics::metrics;

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(render))
}

#[utoipa::path(get, path = "/metrics", operation_id = "metrics.get", tag = "operations",
    responses((status = 200, content_type = "text/plain; version=0.0.4", body = String,
        description = "Prometheus metrics: ingested, delivered, failed, dead, queue depth, attempt and database latency"),
        (status = 503, description = "Database unavailable")))]
pub async fn render(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let m = metrics();
    m.queue_depth.set(state.ops.store.queue_depth().await?);
    let (open, held) = state.ops.store.isolation_figures().await?;
    m.circuits_open.set(open);
    m.held.set(held);
    let (jobs, remaining) = state.ops.store.replay_job_figures().await?;
    m.replay_jobs_active.set(jobs);
    m.replay_jobs_remaining.set(remaining);
    let (open, idle) = state.ops.store.pool_use();
    let pool = |state| {
        m.db_pool
            .get_or_create(&crate::metrics::PoolLabels { state })
    };
    pool("idle").set(idle as i64);
    pool("in_use").set(i64::from(open).saturating_sub(idle as i64));
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        m.render(),
    ))
}
