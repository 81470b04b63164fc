//! `/v1/webhooks/{id}/schedules` (write role): events fired into a webhook
//! on a cron schedule in a time zone, or once at `runAt`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use serde_json::json;

use super::audit_logs::{self, SourceIp};
use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::operations::schedules as ops;
use crate::operations::schedules::CreateSchedule;
use crate::store::Schedule;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/webhooks/{id}/schedules", get(list).post(create))
        .route(
            "/v1/webhooks/{id}/schedules/{schedule_id}",
            get(get_one).delete(delete),
        )
        .route(
            "/v1/webhooks/{id}/schedules/{schedule_id}/pause",
            post(pause),
        )
        .route(
            "/v1/webhooks/{id}/schedules/{schedule_id}/resume",
            post(resume),
        )
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    pub(crate) id: String,
    webhook_id: String,
    name: String,
    cron: Option<String>,
    time_zone: String,
    run_at: Option<String>,
    content_type: String,
    payload: String,
    headers: BTreeMap<String, String>,
    /// `completed`: a one-time schedule that fired.
    #[schema(schema_with = schedule_status)]
    status: String,
    next_run_at: Option<String>,
    last_run_at: Option<String>,
    /// The delivery the last firing created.
    last_delivery_id: Option<String>,
    created_at: String,
    updated_at: String,
}

fn schedule_status() -> utoipa::openapi::Object {
    super::one_of(&["active", "paused", "completed"])
}

impl From<Schedule> for ScheduleView {
    fn from(s: Schedule) -> Self {
        ScheduleView {
            payload: String::from_utf8_lossy(&s.payload).into_owned(),
            headers: serde_json::from_str(&s.headers).unwrap_or_default(),
            id: s.id,
            webhook_id: s.webhook_id,
            name: s.name,
            cron: s.cron,
            time_zone: s.time_zone,
            run_at: s.run_at.map(timestamp),
            content_type: s.content_type,
            status: s.status,
            next_run_at: s.next_run_at.map(timestamp),
            last_run_at: s.last_run_at.map(timestamp),
            last_delivery_id: s.last_delivery_id,
            created_at: timestamp(s.created_at),
            updated_at: timestamp(s.updated_at),
        }
    }
}

#[utoipa::path(post, path = "/v1/webhooks/{id}/schedules", operation_id = "schedules.create", tag = "schedules", security(("apiKey" = [])),
    params(("id" = String, Path)), request_body = CreateSchedule,
    responses((status = 201, body = Data<ScheduleView>), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 400, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateSchedule>,
) -> Result<(StatusCode, axum::Json<Data<ScheduleView>>), ApiError> {
    let (s, summary) = ops::create(&state.ops, &key.project_id, &id, body).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "schedule.create",
        "schedule",
        &s.id,
        summary,
    )
    .await;
    Ok((StatusCode::CREATED, data(s.into())))
}

#[utoipa::path(get, path = "/v1/webhooks/{id}/schedules", operation_id = "schedules.list", tag = "schedules", security(("apiKey" = [])),
    params(("id" = String, Path), PageQuery), responses((status = 200, body = List<ScheduleView>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<ScheduleView>>, ApiError> {
    list_in(&state, &key.project_id, &id, q).await
}

pub(crate) async fn list_in(
    state: &AppState,
    project_id: &str,
    id: &str,
    q: PageQuery,
) -> Result<axum::Json<List<ScheduleView>>, ApiError> {
    let page = crate::operations::schedules::list(&state.ops, project_id, id, q).await?;
    Ok(super::list(page, ScheduleView::from))
}

#[utoipa::path(get, path = "/v1/webhooks/{id}/schedules/{scheduleId}", operation_id = "schedules.get", tag = "schedules", security(("apiKey" = [])),
    params(("id" = String, Path), ("scheduleId" = String, Path)),
    responses((status = 200, body = Data<ScheduleView>), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path((id, schedule_id)): Path<(String, String)>,
) -> Result<axum::Json<Data<ScheduleView>>, ApiError> {
    Ok(data(
        ops::find(&state.ops, &key.project_id, &id, &schedule_id)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/v1/webhooks/{id}/schedules/{scheduleId}/pause", operation_id = "schedules.pause", tag = "schedules", security(("apiKey" = [])),
    params(("id" = String, Path), ("scheduleId" = String, Path)),
    responses((status = 200, body = Data<ScheduleView>), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`schedule_completed`")))]
pub async fn pause(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path((id, schedule_id)): Path<(String, String)>,
) -> Result<axum::Json<Data<ScheduleView>>, ApiError> {
    let (s, action) = ops::set_state(&state.ops, &key.project_id, &id, &schedule_id, false).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        action,
        "schedule",
        &schedule_id,
        json!({}),
    )
    .await;
    Ok(data(s.into()))
}

#[utoipa::path(post, path = "/v1/webhooks/{id}/schedules/{scheduleId}/resume", operation_id = "schedules.resume", tag = "schedules", security(("apiKey" = [])),
    params(("id" = String, Path), ("scheduleId" = String, Path)),
    responses((status = 200, body = Data<ScheduleView>, description = "Due times missed while paused are skipped"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`schedule_completed`")))]
pub async fn resume(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path((id, schedule_id)): Path<(String, String)>,
) -> Result<axum::Json<Data<ScheduleView>>, ApiError> {
    let (s, action) = ops::set_state(&state.ops, &key.project_id, &id, &schedule_id, true).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        action,
        "schedule",
        &schedule_id,
        json!({}),
    )
    .await;
    Ok(data(s.into()))
}

#[utoipa::path(delete, path = "/v1/webhooks/{id}/schedules/{scheduleId}", operation_id = "schedules.delete", tag = "schedules", security(("apiKey" = [])),
    params(("id" = String, Path), ("scheduleId" = String, Path)),
    responses((status = 204, description = "Deleted; deliveries it made stay"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path((id, schedule_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let summary = ops::delete(&state.ops, &key.project_id, &id, &schedule_id).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "schedule.delete",
        "schedule",
        &schedule_id,
        summary,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
