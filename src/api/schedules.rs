//! `/v1/webhooks/{id}/schedules` (write role): events fired into a webhook
//! on a cron schedule in a time zone, or once at `runAt`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::audit_logs::{self, SourceIp};
use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::store::{self, Schedule};
use crate::{ids, schedules, webhooks as rules};

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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSchedule {
    #[serde(default)]
    name: String,
    /// Standard 5-field cron (`0 9 * * 1-5`), or 6 fields with seconds first.
    cron: Option<String>,
    /// IANA time zone of `cron` (default `UTC`).
    time_zone: Option<String>,
    /// Fire once at this RFC 3339 time instead of on a cron schedule.
    run_at: Option<String>,
    /// The event body: a string is sent as is, anything else as JSON.
    #[schema(value_type = Object)]
    payload: Value,
    /// Default `application/json`.
    content_type: Option<String>,
    /// Extra request headers of every firing, sent in addition to the
    /// webhook's (replacing a webhook header of the same name).
    #[serde(default)]
    headers: BTreeMap<String, String>,
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

/// The first due time of a schedule from `now`: its `runAt`, or its cron's
/// next occurrence.
fn first_run(
    cron: Option<&str>,
    time_zone: &str,
    run_at: Option<i64>,
    now: i64,
) -> Result<Option<i64>, ApiError> {
    match cron {
        Some(c) => {
            schedules::next_after(c, time_zone, now).map_err(|e| ApiError::invalid_field("cron", e))
        }
        None => Ok(run_at.map(|at| at.max(now))),
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
    let (s, summary) = create_in(&state, &key.project_id, &id, body).await?;
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
    Ok((StatusCode::CREATED, data(s)))
}

/// Validates and stores a schedule of webhook `id`; returns it with the
/// audit summary of `schedule.create` for the caller to record.
pub(crate) async fn create_in(
    state: &AppState,
    project_id: &str,
    id: &str,
    body: CreateSchedule,
) -> Result<(ScheduleView, Value), ApiError> {
    let w = super::webhooks::find(state, project_id, id).await?;
    rules::validate_text(&body.name, schedules::MAX_NAME_LEN, false)
        .map_err(|e| ApiError::invalid_field("name", e))?;
    let now = store::now_ms();
    let time_zone = body.time_zone.unwrap_or_else(|| "UTC".into());
    schedules::parse_time_zone(&time_zone).map_err(|e| ApiError::invalid_field("timeZone", e))?;
    let run_at = match (&body.cron, body.run_at.as_deref()) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::invalid_field("cron", "give either cron or runAt"))
        }
        (Some(c), None) => {
            schedules::parse_cron(c).map_err(|e| ApiError::invalid_field("cron", e))?;
            None
        }
        (None, Some(at)) => {
            let at = chrono::DateTime::parse_from_rfc3339(at)
                .map_err(|_| ApiError::invalid_field("runAt", "must be an RFC 3339 time"))?
                .timestamp_millis();
            if at <= now {
                return Err(ApiError::invalid_field("runAt", "must be in the future"));
            }
            Some(at)
        }
    };
    let content_type = body
        .content_type
        .unwrap_or_else(|| "application/json".into());
    if content_type.trim().is_empty() || content_type.len() > 255 || !content_type.is_ascii() {
        return Err(ApiError::invalid_field(
            "contentType",
            "must be a content type of 1 to 255 ASCII characters",
        ));
    }
    rules::validate_headers(&body.headers).map_err(|e| ApiError::invalid_field("headers", e))?;
    let payload = match body.payload {
        Value::String(s) => s.into_bytes(),
        other => other.to_string().into_bytes(),
    };
    // A firing must be one the tier takes.
    state
        .intake
        .quota(project_id)
        .await?
        .check(payload.len(), store::now_ms())?;
    let cron = body.cron.map(|c| c.trim().to_string());
    let s = Schedule {
        id: ids::new_id(ids::SCHEDULE),
        project_id: project_id.to_string(),
        webhook_id: w.id,
        name: body.name.trim().to_string(),
        next_run_at: first_run(cron.as_deref(), &time_zone, run_at, now)?,
        cron,
        time_zone,
        run_at,
        content_type,
        payload,
        headers: serde_json::to_string(&body.headers).expect("a map of strings serializes"),
        status: "active".into(),
        last_run_at: None,
        last_delivery_id: None,
        created_at: now,
        updated_at: now,
    };
    state.store.create_schedule(&s).await?;
    // Header names only: their values may be credentials for the receiver.
    let summary = json!({ "webhookId": s.webhook_id, "name": s.name, "cron": s.cron, "timeZone": s.time_zone,
        "runAt": s.run_at.map(timestamp), "headerNames": body.headers.keys().collect::<Vec<_>>() });
    Ok((s.into(), summary))
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
    let w = super::webhooks::find(state, project_id, id).await?;
    let page = state
        .store
        .list_schedules(project_id, &w.id, &q.page()?)
        .await?;
    Ok(super::list(page, ScheduleView::from))
}

async fn find(
    state: &AppState,
    project_id: &str,
    webhook_id: &str,
    id: &str,
) -> Result<Schedule, ApiError> {
    state
        .store
        .get_schedule(project_id, webhook_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("schedule"))
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
        find(&state, &key.project_id, &id, &schedule_id)
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
    let (v, action) = set_state_in(&state, &key.project_id, &id, &schedule_id, false).await?;
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
    Ok(data(v))
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
    let (v, action) = set_state_in(&state, &key.project_id, &id, &schedule_id, true).await?;
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
    Ok(data(v))
}

/// Pauses or resumes; returns the schedule and the audit action to record.
pub(crate) async fn set_state_in(
    state: &AppState,
    project_id: &str,
    webhook_id: &str,
    id: &str,
    active: bool,
) -> Result<(ScheduleView, &'static str), ApiError> {
    let s = find(state, project_id, webhook_id, id).await?;
    let (status, next, action) = if active {
        (
            "active",
            first_run(s.cron.as_deref(), &s.time_zone, s.run_at, store::now_ms())?,
            "schedule.resume",
        )
    } else {
        ("paused", None, "schedule.pause")
    };
    if !state
        .store
        .set_schedule_state(project_id, &s.id, status, next)
        .await?
    {
        return Err(ApiError::conflict(
            "schedule_completed",
            "this one-time schedule has fired and cannot change state",
        ));
    }
    Ok((
        find(state, project_id, webhook_id, id).await?.into(),
        action,
    ))
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
    let summary = delete_in(&state, &key.project_id, &id, &schedule_id).await?;
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

/// Deletes; returns the audit summary of `schedule.delete`.
pub(crate) async fn delete_in(
    state: &AppState,
    project_id: &str,
    webhook_id: &str,
    id: &str,
) -> Result<Value, ApiError> {
    if !state
        .store
        .delete_schedule(project_id, webhook_id, id)
        .await?
    {
        return Err(ApiError::not_found("schedule"));
    }
    Ok(json!({ "webhookId": webhook_id }))
}
