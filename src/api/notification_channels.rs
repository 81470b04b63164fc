//! `/v1/project/notification-channels` (admin role, tiers with operator
//! notifications): where Hookrelay tells the operator about auto-disabled
//! webhooks, dead letters, quotas and ending secret overlaps.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use serde_json::json;

use super::audit_logs::{self, SourceIp};
use super::auth::AdminKey;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::operations::notification_channels as ops;
use crate::operations::notification_channels::CreateChannel;
use crate::store::NotificationChannel;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/project/notification-channels", get(list).post(create))
        .route(
            "/v1/project/notification-channels/{id}",
            get(get_one).delete(delete),
        )
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
    let (channel, secret, summary) = ops::create(&state.ops, &key.project_id, body).await?;
    let view = created_view(channel, secret);
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

/// A new channel with its signing secret, shown this once.
pub(crate) fn created_view(channel: NotificationChannel, secret: String) -> ChannelView {
    ChannelView {
        signing_secret: Some(secret),
        ..channel.into()
    }
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
    let page = ops::list(&state.ops, project_id, q).await?;
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
    Ok(data(ops::get(&state.ops, project_id, id).await?.into()))
}

#[utoipa::path(delete, path = "/v1/project/notification-channels/{id}", operation_id = "notificationChannels.delete", tag = "project", security(("apiKey" = [])),
    params(("id" = String, Path)), responses((status = 204, description = "Deleted, with what it had still to send"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    AdminKey(key): AdminKey,
    ip: SourceIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    ops::delete(&state.ops, &key.project_id, &id).await?;
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
