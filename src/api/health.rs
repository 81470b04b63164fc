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

/// Readiness: the database answers too.
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "health.ready",
    responses((status = 200, content_type = "text/plain", body = String, description = "`ready`: the database answers too"),
        (status = 503, content_type = "text/plain", body = String, description = "`database unreachable`")))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
    }
}
