//! `/healthz` and `/readyz`, for load balancers and orchestrators.

use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "health.live",
    responses((status = 200, content_type = "text/plain", body = String, description = "`ok`: the process answers")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers, and takes writes.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "health.ready",
    responses((status = 200, content_type = "text/plain", body = String, description = "`ready`: the database answers and takes writes"),
        (status = 503, content_type = "text/plain", body = String, description = "`database unreachable`, or `writes failing: disk_full` (or `: error`) while new events cannot be stored")))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, String) {
    if state.ops.store.ping().await.is_err() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unreachable".into(),
        );
    }
    match state.ops.store.probe_write().await {
        None => (StatusCode::OK, "ready".into()),
        Some(f) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("writes failing: {}", f.reason),
        ),
    }
}
