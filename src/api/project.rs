//! `/v1/project` and its API keys (admin role).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit_logs::{self, SourceIp};
use super::auth::AdminKey;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, PageQuery};
use super::{data, list, timestamp, AppState, Data, List};
use crate::applications::DEFAULT_MAX_ENDPOINTS_PER_APPLICATION;
use crate::operations::keys::CreateKey;
use crate::operations::keys::{self as ops, WithSecret};
use crate::store::{self, Role};
use crate::tiers;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    id: String,
    name: String,
    tier: String,
    /// What the tier allows.
    limits: TierLimits,
    /// Endpoints one application (one portal customer) may have, so that
    /// no one customer fills the project's webhook quota; default 50.
    max_endpoints_per_application: i64,
    created_at: String,
}

/// The highest cap a project may set.
const MAX_ENDPOINTS_PER_APPLICATION: i64 = 10_000;

impl ProjectView {
    fn new(p: store::Project) -> Self {
        ProjectView {
            limits: tiers::of_project(&p.tier).into(),
            max_endpoints_per_application: p
                .max_endpoints_per_application
                .unwrap_or(DEFAULT_MAX_ENDPOINTS_PER_APPLICATION),
            created_at: timestamp(p.created_at),
            id: p.id,
            name: p.name,
            tier: p.tier,
        }
    }
}

/// The project's settings an admin key may change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "maxEndpointsPerApplication": 20 }))]
pub struct UpdateProject {
    /// 1 to 10,000; null restores the default (50).
    #[serde(default, deserialize_with = "crate::operations::double_option")]
    #[schema(value_type = Option<i64>)]
    max_endpoints_per_application: Option<Option<i64>>,
}

/// A tier's limits and features; null is unlimited.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TierLimits {
    max_webhooks: Option<i64>,
    events_per_month: Option<i64>,
    retention_days: Option<i64>,
    max_payload_bytes: Option<usize>,
    audit_log: bool,
    notifications: bool,
}

impl From<&tiers::Tier> for TierLimits {
    fn from(t: &tiers::Tier) -> Self {
        TierLimits {
            max_webhooks: t.max_webhooks,
            events_per_month: t.events_per_month,
            retention_days: t.retention_days,
            max_payload_bytes: t.max_payload_bytes,
            audit_log: t.audit_log,
            notifications: t.notifications,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "key_01JQ3VZ3M5N7P9R1T3V5X7Z9B1", "name": "deploy bot", "role": "write", "prefix": "swk_8Hq2",
    "status": "active", "createdAt": "2026-03-14T15:00:00.000Z", "rotatedAt": null, "revokedAt": null
}))]
pub struct ApiKeyView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    /// The first characters of the key, to recognise it; never the secret.
    prefix: String,
    #[schema(schema_with = key_status)]
    status: String,
    created_at: String,
    rotated_at: Option<String>,
    revoked_at: Option<String>,
    /// The raw key: present only in the answer to create and rotate.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

fn key_status() -> utoipa::openapi::Object {
    super::one_of(&["active", "revoked"])
}

/// A key with its raw secret, shown this once.
impl From<WithSecret> for ApiKeyView {
    fn from(k: WithSecret) -> Self {
        ApiKeyView {
            secret: Some(k.secret),
            ..k.key.into()
        }
    }
}

impl From<store::ApiKey> for ApiKeyView {
    fn from(k: store::ApiKey) -> Self {
        ApiKeyView {
            id: k.id,
            name: k.name,
            role: k.role,
            prefix: k.prefix,
            status: k.status,
            created_at: timestamp(k.created_at),
            rotated_at: k.rotated_at.map(timestamp),
            revoked_at: k.revoked_at.map(timestamp),
            secret: None,
        }
    }
}

#[utoipa::path(get, path = "/v1/project", operation_id = "project.get", tag = "project", security(("apiKey" = [])),
    responses((status = 200, body = Data<ProjectView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_project(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
) -> Result<axum::Json<Data<ProjectView>>, ApiError> {
    let p = state
        .ops
        .store
        .get_project(&key.project_id)
        .await?
        .ok_or_else(|| ApiError::not_found("project"))?;
    Ok(data(ProjectView::new(p)))
}

#[utoipa::path(patch, path = "/v1/project", operation_id = "project.update", tag = "project", security(("apiKey" = [])), request_body = UpdateProject,
    responses((status = 200, body = Data<ProjectView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn update_project(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ip: SourceIp,
    ApiJson(body): ApiJson<UpdateProject>,
) -> Result<axum::Json<Data<ProjectView>>, ApiError> {
    if let Some(limit) = body.max_endpoints_per_application {
        if limit.is_some_and(|n| !(1..=MAX_ENDPOINTS_PER_APPLICATION).contains(&n)) {
            return Err(ApiError::invalid_field(
                "maxEndpointsPerApplication",
                format!("must be between 1 and {MAX_ENDPOINTS_PER_APPLICATION}, or null for the default"),
            ));
        }
        state
            .ops
            .store
            .set_application_endpoint_limit(&key.project_id, limit)
            .await?;
        audit_logs::record(
            &state,
            &key,
            &ip,
            "project.update",
            "project",
            &key.project_id,
            json!({ "maxEndpointsPerApplication": limit }),
        )
        .await;
    }
    get_project(State(state), AdminKey(key)).await
}

#[utoipa::path(get, path = "/v1/project/api-keys", operation_id = "apiKeys.list", tag = "project", security(("apiKey" = [])), params(PageQuery),
    responses((status = 200, body = List<ApiKeyView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_keys(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<ApiKeyView>>, ApiError> {
    let page = state
        .ops
        .store
        .list_api_keys(&key.project_id, &q.page()?)
        .await?;
    Ok(list(page, ApiKeyView::from))
}

#[utoipa::path(post, path = "/v1/project/api-keys", operation_id = "apiKeys.create", tag = "project", security(("apiKey" = [])), request_body = CreateKey,
    responses((status = 201, body = Data<ApiKeyView>, description = "Created; `secret` is shown this once"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn create_key(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ip: SourceIp,
    ApiJson(body): ApiJson<CreateKey>,
) -> Result<(StatusCode, axum::Json<Data<ApiKeyView>>), ApiError> {
    let view = ApiKeyView::from(
        ops::create(&state.ops.store, &key.project_id, &body.name, body.role).await?,
    );
    let summary = json!({ "name": view.name, "role": view.role, "prefix": view.prefix });
    audit_logs::record(
        &state,
        &key,
        &ip,
        "api_key.create",
        "api_key",
        &view.id,
        summary,
    )
    .await;
    Ok((StatusCode::CREATED, data(view)))
}

#[utoipa::path(get, path = "/v1/project/api-keys/{keyId}", operation_id = "apiKeys.get", tag = "project", security(("apiKey" = [])),
    params(("keyId" = String, Path)),
    responses((status = 200, body = Data<ApiKeyView>), (status = 404, body = ErrorBody)))]
pub async fn get_key(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    Path(key_id): Path<String>,
) -> Result<axum::Json<Data<ApiKeyView>>, ApiError> {
    let k = ops::find(&state.ops.store, &key.project_id, &key_id).await?;
    Ok(data(k.into()))
}

#[utoipa::path(post, path = "/v1/project/api-keys/{keyId}/revoke", operation_id = "apiKeys.revoke", tag = "project", security(("apiKey" = [])),
    params(("keyId" = String, Path)),
    responses((status = 200, body = Data<ApiKeyView>), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`last_admin_key`: the project's last active admin key")))]
pub async fn revoke_key(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ip: SourceIp,
    Path(key_id): Path<String>,
) -> Result<axum::Json<Data<ApiKeyView>>, ApiError> {
    let view = ApiKeyView::from(ops::revoke(&state.ops, &key.project_id, &key_id).await?);
    audit_logs::record(
        &state,
        &key,
        &ip,
        "api_key.revoke",
        "api_key",
        &key_id,
        json!({}),
    )
    .await;
    Ok(data(view))
}

#[utoipa::path(post, path = "/v1/project/api-keys/{keyId}/rotate", operation_id = "apiKeys.rotate", tag = "project", security(("apiKey" = [])),
    params(("keyId" = String, Path)),
    responses((status = 200, body = Data<ApiKeyView>, description = "The new `secret`, shown this once; the old one stops working"),
        (status = 404, body = ErrorBody)))]
pub async fn rotate_key(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ip: SourceIp,
    Path(key_id): Path<String>,
) -> Result<axum::Json<Data<ApiKeyView>>, ApiError> {
    let view = ApiKeyView::from(ops::rotate(&state.ops, &key.project_id, &key_id).await?);
    audit_logs::record(
        &state,
        &key,
        &ip,
        "api_key.rotate",
        "api_key",
        &key_id,
        json!({ "newPrefix": view.prefix }),
    )
    .await;
    Ok(data(view))
}
