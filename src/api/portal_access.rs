//! Opening the portal for a customer (write role): magic links (short-lived
//! session tokens with a URL) and long-lived portal tokens, under
//! `/v1/applications/{appId}/portal/...` and the same routes under
//! `/api/organizations/{orgId}/portal/webhook-applications/{appId}/...`
//! (orgId = the project id), as Hookbase's clients call them.

use axum::extract::{RawPathParams, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::audit_logs::{self, key_actor, SourceIp};
use super::auth::{AdminKey, ApiKey};
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::extract::{ApiQuery, OptionalJson, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::operations::applications;
use crate::operations::portal_access as ops;
use crate::operations::portal_access::MagicLinkRequest;
use crate::portal::{self as rules, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS};
use crate::store::{self, Application, PortalToken, LONG_LIVED};
use crate::webhooks::{validate_text, MAX_NAME_LEN};

const HOOKBASE_BASE: &str = "/api/organizations/{org_id}/portal/webhook-applications/{app_id}";
const V1_BASE: &str = "/v1/applications/{app_id}/portal";

pub fn routes() -> Router<AppState> {
    let mut router = Router::new().route(
        "/v1/project/portal-settings",
        get(get_settings).put(put_settings),
    );
    for base in [V1_BASE, HOOKBASE_BASE] {
        router = router
            .route(&format!("{base}/magic-link"), post(magic_link))
            .route(
                &format!("{base}/tokens"),
                post(create_token).get(list_tokens),
            )
            .route(&format!("{base}/tokens/{{token_id}}"), delete(revoke_token));
    }
    router
}

/// The application named by the path, checking `orgId` (when the Hookbase
/// form of the route is used) against the key's project.
async fn application(
    state: &AppState,
    project_id: &str,
    params: &RawPathParams,
) -> Result<Application, ApiError> {
    Ok(applications::find(&state.ops, project_id, app_param(project_id, params)?).await?)
}

/// The path's application id or uid, once its `orgId` (if any) is the project.
fn app_param<'a>(project_id: &str, params: &'a RawPathParams) -> Result<&'a str, ApiError> {
    if param(params, "org_id").is_some_and(|org| org != project_id) {
        return Err(ApiError::not_found("organization"));
    }
    Ok(param(params, "app_id").unwrap_or_default())
}

/// One of the two route forms' path parameters (a typed `Path` cannot
/// serve both forms with one handler).
fn param<'a>(params: &'a RawPathParams, name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "url": "https://hooks.example.com/portal/whpt_abc123", "token": "whpt_abc123", "expiresAt": "2026-03-14T15:30:00.000Z",
    "expiresInMinutes": 60, "scopes": ["read", "write"]
}))]
pub struct MagicLink {
    /// `<public URL>/portal/<token>`: the hosted portal.
    url: String,
    /// The session token, `whpt_...`.
    token: String,
    expires_at: String,
    expires_in_minutes: i64,
    #[schema(schema_with = super::scopes_schema)]
    scopes: Vec<&'static str>,
}

#[utoipa::path(post, path = "/v1/applications/{appId}/portal/magic-link", operation_id = "portalAccess.createMagicLink", tag = "portal access", security(("apiKey" = [])),
    params(("appId" = String, Path, description = "The application's id or uid")),
    request_body(content = Option<MagicLinkRequest>, description = "Optional: an empty body takes every default"),
    responses((status = 201, body = Data<MagicLink>, description = "Also served at POST /api/organizations/{orgId}/portal/webhook-applications/{appId}/magic-link"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn magic_link(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    params: RawPathParams,
    OptionalJson(body): OptionalJson<MagicLinkRequest>,
) -> Result<(StatusCode, axum::Json<Data<MagicLink>>), ApiError> {
    let app_id = app_param(&key.project_id, &params)?;
    let link = ops::magic_link(
        &state.ops,
        &key_actor(&key, &ip),
        &key.project_id,
        app_id,
        body,
    )
    .await?;
    Ok((StatusCode::CREATED, data(magic_link_view(&state, link))))
}

/// The answer to a magic link: the hosted portal's URL with the token.
pub(crate) fn magic_link_view(state: &AppState, link: ops::IssuedLink) -> MagicLink {
    MagicLink {
        url: format!("{}/portal/{}", state.public_url, link.secret),
        token: link.secret,
        expires_at: timestamp(link.token.expires_at),
        expires_in_minutes: link.minutes,
        scopes: link.scopes,
    }
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePortalToken {
    /// What the token is for (default "portal token").
    name: Option<String>,
    /// 1 to 365 (default 30).
    #[schema(value_type = Option<i64>)]
    expires_in_days: Option<Value>,
    /// Non-empty, each `read` or `write` (default both).
    #[schema(value_type = Option<Vec<String>>)]
    scopes: Option<Value>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortalTokenView {
    id: String,
    application_id: String,
    name: String,
    /// The first characters of the token; never the token.
    prefix: String,
    #[schema(schema_with = super::scopes_schema)]
    scopes: Vec<String>,
    expires_at: String,
    created_at: String,
    revoked_at: Option<String>,
    /// The raw token (`whpt_...`): only in the answer to create.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

impl From<PortalToken> for PortalTokenView {
    fn from(t: PortalToken) -> Self {
        PortalTokenView {
            id: t.id,
            application_id: t.application_id,
            name: t.name,
            prefix: t.prefix,
            scopes: serde_json::from_str(&t.scopes).unwrap_or_default(),
            expires_at: timestamp(t.expires_at),
            created_at: timestamp(t.created_at),
            revoked_at: t.revoked_at.map(timestamp),
            token: None,
        }
    }
}

#[utoipa::path(post, path = "/v1/applications/{appId}/portal/tokens", operation_id = "portalAccess.createToken", tag = "portal access", security(("apiKey" = [])),
    params(("appId" = String, Path, description = "The application's id or uid")),
    request_body(content = Option<CreatePortalToken>, description = "Optional: an empty body takes every default"),
    responses((status = 201, body = Data<PortalTokenView>, description = "`token` is shown this once"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    params: RawPathParams,
    OptionalJson(body): OptionalJson<CreatePortalToken>,
) -> Result<(StatusCode, axum::Json<Data<PortalTokenView>>), ApiError> {
    let days = rules::parse_lifetime(
        body.expires_in_days.as_ref(),
        DEFAULT_TOKEN_DAYS,
        MAX_TOKEN_DAYS,
    )
    .map_err(|e| ApiError::invalid_field("expiresInDays", e))?;
    let scopes = rules::parse_scopes(body.scopes.as_ref())
        .map_err(|e| ApiError::invalid_field("scopes", e))?;
    let name = body
        .name
        .unwrap_or_else(|| "portal token".into())
        .trim()
        .to_string();
    validate_text(&name, MAX_NAME_LEN, true).map_err(|e| ApiError::invalid_field("name", e))?;
    let app = application(&state, &key.project_id, &params).await?;
    let (raw, t) = ops::issue(
        &state.ops,
        &key_actor(&key, &ip),
        &app,
        LONG_LIVED,
        name,
        &scopes,
        days * 24 * 3_600_000,
    )
    .await?;
    let now = store::now_ms();
    let mut view = PortalTokenView::from(PortalToken {
        id: t.id,
        application_id: t.application_id,
        name: t.name,
        prefix: t.prefix,
        scopes: t.scopes,
        expires_at: t.expires_at,
        created_at: now,
        revoked_at: None,
    });
    view.token = Some(raw);
    Ok((StatusCode::CREATED, data(view)))
}

#[utoipa::path(get, path = "/v1/applications/{appId}/portal/tokens", operation_id = "portalAccess.listTokens", tag = "portal access", security(("apiKey" = [])),
    params(("appId" = String, Path, description = "The application's id or uid"), PageQuery),
    responses((status = 200, body = List<PortalTokenView>, description = "Long-lived tokens only; magic-link sessions are not listed"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    params: RawPathParams,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<PortalTokenView>>, ApiError> {
    let app = application(&state, &key.project_id, &params).await?;
    let page = state
        .ops
        .store
        .list_portal_tokens(&app.id, &q.page()?)
        .await?;
    Ok(super::list(page, PortalTokenView::from))
}

#[utoipa::path(delete, path = "/v1/applications/{appId}/portal/tokens/{tokenId}", operation_id = "portalAccess.revokeToken", tag = "portal access", security(("apiKey" = [])),
    params(("appId" = String, Path, description = "The application's id or uid"), ("tokenId" = String, Path)),
    responses((status = 204, description = "Revoked; it stops working at once"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    params: RawPathParams,
) -> Result<StatusCode, ApiError> {
    let app = application(&state, &key.project_id, &params).await?;
    let token_id = param(&params, "token_id").unwrap_or_default();
    if !state
        .ops
        .store
        .revoke_portal_token(&app.id, token_id)
        .await?
    {
        return Err(ApiError::not_found("portal token"));
    }
    let summary = serde_json::json!({ "applicationId": app.id });
    audit_logs::record(
        &state,
        &key,
        &ip,
        "portal_token.revoke",
        "portal_token",
        token_id,
        summary,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortalSettings {
    /// Origins (`https://example.com`, `'self'` or `*`) allowed to frame the
    /// hosted portal of applications that set none themselves; null = any.
    portal_frame_ancestors: Option<Vec<String>>,
}

impl PortalSettings {
    /// From the stored JSON array (None = any origin).
    fn from_stored(stored: Option<String>) -> Self {
        PortalSettings {
            portal_frame_ancestors: stored.and_then(|s| serde_json::from_str(&s).ok()),
        }
    }
}

#[utoipa::path(get, path = "/v1/project/portal-settings", operation_id = "portalSettings.get", tag = "portal access", security(("apiKey" = [])),
    responses((status = 200, body = Data<PortalSettings>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
) -> Result<axum::Json<Data<PortalSettings>>, ApiError> {
    let stored = state
        .ops
        .store
        .project_frame_ancestors(&key.project_id)
        .await?;
    Ok(data(PortalSettings::from_stored(stored)))
}

#[utoipa::path(put, path = "/v1/project/portal-settings", operation_id = "portalSettings.update", tag = "portal access", security(("apiKey" = [])), request_body = PortalSettings,
    responses((status = 200, body = Data<PortalSettings>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 400, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ip: SourceIp,
    ApiJson(body): ApiJson<PortalSettings>,
) -> Result<axum::Json<Data<PortalSettings>>, ApiError> {
    let stored = applications::frame_ancestors(body.portal_frame_ancestors.as_deref())?;
    let before = state
        .ops
        .store
        .project_frame_ancestors(&key.project_id)
        .await?;
    state
        .ops
        .store
        .set_project_frame_ancestors(&key.project_id, stored.as_deref())
        .await?;
    let (before, after) = (
        PortalSettings::from_stored(before),
        PortalSettings::from_stored(stored),
    );
    let changes = crate::audit::changes(&serde_json::json!(before), &serde_json::json!(after));
    audit_logs::record(
        &state,
        &key,
        &ip,
        "project.update_portal_settings",
        "project",
        &key.project_id,
        changes,
    )
    .await;
    Ok(data(after))
}
