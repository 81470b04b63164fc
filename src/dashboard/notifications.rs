//! A project's notification channels in the dashboard: owners and admins
//! only and gated by tier, exactly as on the Public API, through its
//! functions; every change is audited with the user as actor.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::projects::{admin_only, audit};
use super::Session;
use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, ApiQuery, PageQuery};
use crate::api::notification_channels::{self, ChannelView};
use crate::api::{data, AppState, Data, List};
use crate::operations::notification_channels::{self as ops, CreateChannel};

pub fn routes() -> Router<AppState> {
    const C: &str = "/dashboard/api/projects/{project_id}/notification-channels";
    Router::new()
        .route(C, get(list).post(create))
        .route(&format!("{C}/{{id}}"), get(get_one).delete(remove))
}

async fn channel_manager(
    state: &AppState,
    session: &Session,
    project_id: &str,
) -> Result<(), ApiError> {
    admin_only(state, session, project_id, "managing notification channels").await
}

async fn list(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<ChannelView>>, ApiError> {
    channel_manager(&state, &session, &project_id).await?;
    notification_channels::list_in(&state, &project_id, q).await
}

async fn get_one(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<axum::Json<Data<ChannelView>>, ApiError> {
    channel_manager(&state, &session, &project_id).await?;
    notification_channels::get_in(&state, &project_id, &id).await
}

/// The answer carries the channel's signing secret, this once.
async fn create(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<CreateChannel>,
) -> Result<(StatusCode, axum::Json<Data<ChannelView>>), ApiError> {
    channel_manager(&state, &session, &project_id).await?;
    let (channel, secret, summary) = ops::create(&state.ops, &project_id, body).await?;
    let view = notification_channels::created_view(channel, secret);
    audit(
        &state,
        &session,
        &project_id,
        "notification_channel.create",
        ("notification_channel", &view.id),
        summary,
    )
    .await;
    Ok((StatusCode::CREATED, data(view)))
}

async fn remove(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    channel_manager(&state, &session, &project_id).await?;
    ops::delete(&state.ops, &project_id, &id).await?;
    audit(
        &state,
        &session,
        &project_id,
        "notification_channel.delete",
        ("notification_channel", &id),
        json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
