//! Read-only reports in the dashboard: usage per day and the audit log,
//! answered by the Public API's own functions.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;

use super::projects::admin_only;
use super::Session;
use crate::api::audit_logs::{self, AuditEntryView};
use crate::api::error::ApiError;
use crate::api::extract::ApiQuery;
use crate::api::usage::{self, UsageReport};
use crate::api::{AppState, Data, List};
use crate::operations::audit::AuditQuery;
use crate::operations::usage::UsageQuery;

pub fn routes() -> Router<AppState> {
    const P: &str = "/dashboard/api/projects/{project_id}";
    Router::new()
        .route(&format!("{P}/usage"), get(usage))
        .route(&format!("{P}/audit-logs"), get(audit_log))
}

async fn usage(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> Result<axum::Json<Data<UsageReport>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    usage::usage_in(&state, &project_id, q).await
}

/// Owners and admins, as the Public API asks an admin key; gated by tier the same way.
async fn audit_log(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<axum::Json<List<AuditEntryView>>, ApiError> {
    admin_only(&state, &session, &project_id, "reading the audit log").await?;
    audit_logs::list_in(&state, &project_id, q).await
}
