//! A webhook's schedules in the dashboard, through the Public API's
//! functions; every change is audited with the user as actor.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::json;

use super::projects::audit;
use super::Session;
use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, ApiQuery, PageQuery};
use crate::api::schedules::{self, ScheduleView};
use crate::api::{data, AppState, Data, List};
use crate::operations::schedules::{self as ops, CreateSchedule};

pub fn routes() -> Router<AppState> {
    const W: &str = "/dashboard/api/projects/{project_id}/webhooks/{id}/schedules";
    Router::new()
        .route(W, get(list).post(create))
        .route(&format!("{W}/{{schedule_id}}"), delete(remove))
        .route(&format!("{W}/{{schedule_id}}/pause"), post(pause))
        .route(&format!("{W}/{{schedule_id}}/resume"), post(resume))
}

async fn list(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<ScheduleView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    schedules::list_in(&state, &project_id, &id, q).await
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<CreateSchedule>,
) -> Result<(StatusCode, axum::Json<Data<ScheduleView>>), ApiError> {
    session.role_in(&state, &project_id).await?;
    let (s, summary) = ops::create(&state.ops, &project_id, &id, body).await?;
    audit(
        &state,
        &session,
        &project_id,
        "schedule.create",
        ("schedule", &s.id),
        summary,
    )
    .await;
    Ok((StatusCode::CREATED, data(s.into())))
}

async fn set_state(
    state: AppState,
    session: Session,
    (project_id, id, schedule_id): (String, String, String),
    active: bool,
) -> Result<axum::Json<Data<ScheduleView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    let (s, action) = ops::set_state(&state.ops, &project_id, &id, &schedule_id, active).await?;
    audit(
        &state,
        &session,
        &project_id,
        action,
        ("schedule", &schedule_id),
        json!({}),
    )
    .await;
    Ok(data(s.into()))
}

async fn pause(
    State(state): State<AppState>,
    session: Session,
    Path(ids): Path<(String, String, String)>,
) -> Result<axum::Json<Data<ScheduleView>>, ApiError> {
    set_state(state, session, ids, false).await
}

async fn resume(
    State(state): State<AppState>,
    session: Session,
    Path(ids): Path<(String, String, String)>,
) -> Result<axum::Json<Data<ScheduleView>>, ApiError> {
    set_state(state, session, ids, true).await
}

async fn remove(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id, schedule_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    session.role_in(&state, &project_id).await?;
    let summary = ops::delete(&state.ops, &project_id, &id, &schedule_id).await?;
    audit(
        &state,
        &session,
        &project_id,
        "schedule.delete",
        ("schedule", &schedule_id),
        summary,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
