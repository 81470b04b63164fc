//! `/v1/project/notification-channels` (admin role, tiers with operator
//! notifications): where Hookrelay tells the operator about auto-disabled
//! webhooks, dead letters, quotas and ending secret overlaps.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit_logs::{self, SourceIp};
use super::auth::AdminKey;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::store::{self, NotificationChannel};
use crate::tiers::Feature;
use crate::{audit, delivery, ids, secrets, webhooks as rules};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/project/notification-channels", get(list).post(create))
        .route(
            "/v1/project/notification-channels/{id}",
            get(get_one).delete(delete),
        )
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateChannel {
    /// An http(s) URL the operator owns.
    url: String,
    #[serde(default)]
    description: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView {
    pub(crate) id: String,
    url: String,
    description: String,
    /// The first characters of the signing secret.
    signing_secret_prefix: String,
    created_at: String,
    /// Shown once, in the answer to create: verify notifications with it
    /// exactly like deliveries (Standard Webhooks).
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_secret: Option<String>,
}

impl From<NotificationChannel> for ChannelView {
    fn from(c: NotificationChannel) -> Self {
        ChannelView {
            id: c.id,
            url: c.url,
            description: c.description,
            signing_secret_prefix: c.secret_prefix,
            created_at: timestamp(c.created_at),
            signing_secret: None,
        }
    }
}

#[utoipa::path(post, path = "/v1/project/notification-channels", operation_id = "notificationChannels.create", tag = "project", security(("apiKey" = [])),
    request_body = CreateChannel,
    responses((status = 201, body = Data<ChannelView>, description = "Created; `signingSecret` is shown this once"),
        (status = 403, body = ErrorBody, description = "`forbidden` for a write key; `tier_required` on the free tier"),
        (status = 400, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ip: SourceIp,
    ApiJson(body): ApiJson<CreateChannel>,
) -> Result<(StatusCode, axum::Json<Data<ChannelView>>), ApiError> {
    let (view, summary) = create_in(&state, &key.project_id, body).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "notification_channel.create",
        "notification_channel",
        &view.id,
        summary,
    )
    .await;
    Ok((StatusCode::CREATED, data(view)))
}

/// Creates a channel of `project_id` (`tier_required` unless its tier has
/// notifications); answers it with its secret, shown this once, and a
/// summary for the audit log. Shared by the Public API and the dashboard.
pub(crate) async fn create_in(
    state: &AppState,
    project_id: &str,
    body: CreateChannel,
) -> Result<(ChannelView, serde_json::Value), ApiError> {
    super::tiers::require(state, project_id, Feature::Notifications).await?;
    let url = body.url.trim().to_string();
    rules::validate_destination_url(&url).map_err(|e| ApiError::invalid_field("url", e))?;
    if !state.allow_private_destinations {
        delivery::check_destination(&url).map_err(|e| ApiError::invalid_field("url", e))?;
    }
    rules::validate_text(&body.description, rules::MAX_DESCRIPTION_LEN, false)
        .map_err(|e| ApiError::invalid_field("description", e))?;
    let raw = secrets::new_webhook_secret();
    let channel = NotificationChannel {
        id: ids::new_id(ids::CHANNEL),
        project_id: project_id.to_string(),
        url,
        description: body.description,
        secret_ciphertext: state.secret_box.encrypt(&raw),
        secret_prefix: secrets::display_prefix(&raw),
        created_at: store::now_ms(),
    };
    state.store.create_channel(&channel).await?;
    let summary = json!({ "url": audit::redact_url(&channel.url), "signingSecretPrefix": channel.secret_prefix });
    let mut view = ChannelView::from(channel);
    view.signing_secret = Some(raw);
    Ok((view, summary))
}

#[utoipa::path(get, path = "/v1/project/notification-channels", operation_id = "notificationChannels.list", tag = "project", security(("apiKey" = [])), params(PageQuery),
    responses((status = 200, body = List<ChannelView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<ChannelView>>, ApiError> {
    list_in(&state, &key.project_id, q).await
}

pub(crate) async fn list_in(
    state: &AppState,
    project_id: &str,
    q: PageQuery,
) -> Result<axum::Json<List<ChannelView>>, ApiError> {
    super::tiers::require(state, project_id, Feature::Notifications).await?;
    let page = state.store.list_channels(project_id, &q.page()?).await?;
    Ok(super::list(page, ChannelView::from))
}

#[utoipa::path(get, path = "/v1/project/notification-channels/{id}", operation_id = "notificationChannels.get", tag = "project", security(("apiKey" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Data<ChannelView>), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<ChannelView>>, ApiError> {
    get_in(&state, &key.project_id, &id).await
}

pub(crate) async fn get_in(
    state: &AppState,
    project_id: &str,
    id: &str,
) -> Result<axum::Json<Data<ChannelView>>, ApiError> {
    super::tiers::require(state, project_id, Feature::Notifications).await?;
    let c = state
        .store
        .get_channel(project_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("notification channel"))?;
    Ok(data(c.into()))
}

#[utoipa::path(delete, path = "/v1/project/notification-channels/{id}", operation_id = "notificationChannels.delete", tag = "project", security(("apiKey" = [])),
    params(("id" = String, Path)), responses((status = 204, description = "Deleted, with what it had still to send"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ip: SourceIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete_in(&state, &key.project_id, &id).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "notification_channel.delete",
        "notification_channel",
        &id,
        json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn delete_in(
    state: &AppState,
    project_id: &str,
    id: &str,
) -> Result<(), ApiError> {
    // Deleting stays possible after a downgrade, so nothing keeps sending.
    if !state.store.delete_channel(project_id, id).await? {
        return Err(ApiError::not_found("notification channel"));
    }
    Ok(())
}
