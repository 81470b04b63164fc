//! The audit log: recording every mutating Public API call, and
//! `GET /v1/project/audit-logs` (admin role, tiers with the audit log).
//! No route alters or deletes entries.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use serde_json::Value;

use super::auth::AdminKey;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::{timestamp, AppState, List};
use crate::operations::audit::AuditQuery;
use crate::store::{Actor, AuditRecord, KeyAuth, PortalAuth};

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/project/audit-logs", get(list))
}

/// The peer address of the connection. Behind a reverse proxy this is the
/// proxy: forwarded headers are not trusted, since any client can set them.
pub struct SourceIp(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for SourceIp {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(SourceIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
        ))
    }
}

/// The actor of a change made with an API key: its id, labelled by its prefix.
pub fn key_actor(key: &KeyAuth, ip: &SourceIp) -> Actor {
    Actor {
        actor_type: "api_key",
        actor_id: key.key_id.clone(),
        actor_label: key.prefix.clone(),
        source_ip: ip.0.clone(),
    }
}

/// The actor of a change a project's customer makes through the portal:
/// the portal token (or magic-link session) used, which the project can
/// look up in its own `portal_token.create` or `portal.magic_link` entry
/// and revoke, labelled by the application it belongs to.
pub fn portal_actor(auth: &PortalAuth, ip: &SourceIp) -> Actor {
    Actor {
        actor_type: "portal",
        actor_id: auth.token_id.clone(),
        actor_label: format!("customer portal (application {})", auth.application_label),
        source_ip: ip.0.clone(),
    }
}

/// Records a change made with `key`. `summary` must hold no secret.
pub async fn record(
    state: &AppState,
    key: &KeyAuth,
    ip: &SourceIp,
    action: &'static str,
    target_type: &'static str,
    target_id: &str,
    summary: Value,
) {
    crate::operations::audit::record(
        &state.ops.store,
        key_actor(key, ip),
        &key.project_id,
        action,
        (target_type, target_id),
        summary,
    )
    .await;
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActorView {
    /// `api_key`, `user`, `portal`, `cli` or `system`.
    #[serde(rename = "type")]
    actor_type: String,
    id: String,
    /// The key's prefix, the user's email, the CLI user, or the
    /// application whose customer portal made the change.
    label: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetView {
    #[serde(rename = "type")]
    target_type: String,
    id: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    id: String,
    created_at: String,
    actor: ActorView,
    source_ip: Option<String>,
    action: String,
    target: TargetView,
    /// What changed; never a secret.
    #[schema(value_type = Object)]
    summary: Value,
}

impl From<AuditRecord> for AuditEntryView {
    fn from(e: AuditRecord) -> Self {
        AuditEntryView {
            id: e.id,
            created_at: timestamp(e.created_at),
            actor: ActorView {
                actor_type: e.actor_type,
                id: e.actor_id,
                label: e.actor_label,
            },
            source_ip: e.source_ip,
            action: e.action,
            target: TargetView {
                target_type: e.target_type,
                id: e.target_id,
            },
            summary: serde_json::from_str(&e.summary).unwrap_or(Value::Null),
        }
    }
}

#[utoipa::path(get, path = "/v1/project/audit-logs", operation_id = "auditLogs.list", tag = "project", security(("apiKey" = [])), params(AuditQuery),
    responses((status = 200, body = List<AuditEntryView>, description = "Newest first"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "`forbidden` for a write key; `tier_required` on the free tier")))]
pub async fn list(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<axum::Json<List<AuditEntryView>>, ApiError> {
    list_in(&state, &key.project_id, q).await
}

/// One page of `project_id`'s audit log; `tier_required` unless its tier has it.
pub async fn list_in(
    state: &AppState,
    project_id: &str,
    q: AuditQuery,
) -> Result<axum::Json<List<AuditEntryView>>, ApiError> {
    let page = crate::operations::audit::list(&state.ops, project_id, q).await?;
    Ok(super::list(page, AuditEntryView::from))
}
