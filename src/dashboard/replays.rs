//! Replays and the dead-letter queue from the dashboard, over the Public
//! API's functions, each action audited with the user as actor.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::json;

use super::projects::audit;
use super::Session;
use crate::api::deliveries::{DeliveryView, TypedDeliveryView};
use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::replays::{self, ReplayJobView};
use crate::api::{data, AppState, Data, List};
use crate::operations::replays::{self as ops, BulkReplay, DeadLetterQuery};

pub fn routes() -> Router<AppState> {
    const P: &str = "/dashboard/api/projects/{project_id}";
    Router::new()
        .route(
            &format!("{P}/deliveries/{{id}}/replay"),
            post(replay_delivery),
        )
        .route(&format!("{P}/replay-jobs/{{id}}"), get(get_replay_job))
        .route(&format!("{P}/dlq"), get(list_dead_letters))
        .route(&format!("{P}/dlq/replay"), post(bulk_replay_dead_letters))
        .route(&format!("{P}/dlq/{{id}}"), delete(discard_dead_letter))
        .route(&format!("{P}/dlq/{{id}}/replay"), post(replay_dead_letter))
}

async fn replay(
    state: AppState,
    session: Session,
    project_id: String,
    id: String,
    dead_letter_only: bool,
) -> Result<(StatusCode, axum::Json<Data<DeliveryView>>), ApiError> {
    session.role_in(&state, &project_id).await?;
    let (d, summary) = ops::replay(&state.ops, &project_id, &id, dead_letter_only, false).await?;
    audit(
        &state,
        &session,
        &project_id,
        ops::replay_action(dead_letter_only),
        ("delivery", &id),
        summary,
    )
    .await;
    Ok((StatusCode::ACCEPTED, data(DeliveryView::from(d))))
}

async fn replay_delivery(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<(StatusCode, axum::Json<Data<DeliveryView>>), ApiError> {
    replay(state, session, project_id, id, false).await
}

async fn replay_dead_letter(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<(StatusCode, axum::Json<Data<DeliveryView>>), ApiError> {
    replay(state, session, project_id, id, true).await
}

async fn discard_dead_letter(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    session.role_in(&state, &project_id).await?;
    ops::discard(&state.ops, &project_id, &id).await?;
    audit(
        &state,
        &session,
        &project_id,
        "dead_letter.discard",
        ("delivery", &id),
        json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_dead_letters(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiQuery(q): ApiQuery<DeadLetterQuery>,
) -> Result<axum::Json<List<TypedDeliveryView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    replays::list_dead_letters_in(&state, &project_id, q).await
}

async fn bulk_replay_dead_letters(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<BulkReplay>,
) -> Result<(StatusCode, axum::Json<Data<ReplayJobView>>), ApiError> {
    session.role_in(&state, &project_id).await?;
    let view = ReplayJobView::from(ops::start_job(&state.ops, &project_id, body, true).await?);
    let summary = replays::job_summary(&view);
    audit(
        &state,
        &session,
        &project_id,
        "replay_job.create",
        ("replay_job", view.id()),
        summary,
    )
    .await;
    Ok((StatusCode::ACCEPTED, data(view)))
}

async fn get_replay_job(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<axum::Json<Data<ReplayJobView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    replays::get_replay_job_in(&state, &project_id, &id).await
}
