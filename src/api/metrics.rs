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
    m.queue_depth.set(state.store.queue_depth().await?);
    let (open, held) = state.store.isolation_figures().await?;
    m.circuits_open.set(open);
    m.held.set(held);
    Ok((
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        m.render(),
    ))
}
