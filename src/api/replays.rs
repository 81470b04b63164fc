//! Replays and the dead-letter queue (write role): replay one delivery,
//! replay many in a paced background job, list and discard dead letters.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit_logs::{self, SourceIp};
use super::auth::ApiKey;
use super::deliveries::{DeliveryView, TypedDeliveryView};
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, OptionalJson};
use super::{data, timestamp, AppState, Data, List};
use crate::operations::replays::{self as ops, replay_action};
use crate::operations::replays::{BulkReplay, DeadLetterQuery};
use crate::store::{DeliveryStatus, KeyAuth, ReplayJob};
use crate::workers::replay_jobs;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/deliveries/{id}/replay", post(replay_delivery))
        .route("/v1/deliveries/replay", post(bulk_replay_deliveries))
        .route("/v1/replay-jobs/{id}", get(get_replay_job))
        .route("/v1/dlq", get(list_dead_letters))
        .route("/v1/dlq/replay", post(bulk_replay_dead_letters))
        .route("/v1/dlq/{id}", axum::routing::delete(discard_dead_letter))
        .route("/v1/dlq/{id}/replay", post(replay_dead_letter))
}

/// How a single replay treats the endpoint's transformation.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayOptions {
    /// True: run the endpoint's current transformation on the event again.
    /// False (default): send the request the original's transformation
    /// produced, as it was (if it produced one).
    #[serde(default)]
    pub rerun_transformation: bool,
}

#[utoipa::path(post, path = "/v1/deliveries/{id}/replay", operation_id = "deliveries.replay", tag = "replays", security(("apiKey" = [])), params(("id" = String, Path)),
    request_body(content = Option<ReplayOptions>, description = "Optional: an empty body resends what the original's transformation produced"),
    responses((status = 202, body = Data<DeliveryView>, description = "The new delivery (`replayOf` = the original), due now"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn replay_delivery(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
    OptionalJson(options): OptionalJson<ReplayOptions>,
) -> Result<(StatusCode, axum::Json<Data<DeliveryView>>), ApiError> {
    replay_one(&state, &key, &ip, &id, false, options).await
}

#[utoipa::path(post, path = "/v1/dlq/{id}/replay", operation_id = "deadLetters.replay", tag = "replays", security(("apiKey" = [])), params(("id" = String, Path)),
    request_body(content = Option<ReplayOptions>, description = "Optional: an empty body resends what the original's transformation produced"),
    responses((status = 202, body = Data<DeliveryView>, description = "The new delivery; the entry leaves the queue"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`not_dead_letter`")))]
pub async fn replay_dead_letter(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
    OptionalJson(options): OptionalJson<ReplayOptions>,
) -> Result<(StatusCode, axum::Json<Data<DeliveryView>>), ApiError> {
    replay_one(&state, &key, &ip, &id, true, options).await
}

async fn replay_one(
    state: &AppState,
    key: &KeyAuth,
    ip: &SourceIp,
    id: &str,
    dead_letter_only: bool,
    options: ReplayOptions,
) -> Result<(StatusCode, axum::Json<Data<DeliveryView>>), ApiError> {
    let (d, summary) = ops::replay(
        &state.ops,
        &key.project_id,
        id,
        dead_letter_only,
        options.rerun_transformation,
    )
    .await?;
    audit_logs::record(
        state,
        key,
        ip,
        replay_action(dead_letter_only),
        "delivery",
        id,
        summary,
    )
    .await;
    Ok((StatusCode::ACCEPTED, data(d.into())))
}

#[utoipa::path(delete, path = "/v1/dlq/{id}", operation_id = "deadLetters.discard", tag = "replays", security(("apiKey" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "Discarded: out of the queue, kept in history with status `discarded`"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`not_dead_letter`")))]
pub async fn discard_dead_letter(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    ops::discard(&state.ops, &key.project_id, &id).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "dead_letter.discard",
        "delivery",
        &id,
        json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/dlq", operation_id = "deadLetters.list", tag = "replays", security(("apiKey" = [])), params(DeadLetterQuery),
    responses((status = 200, body = List<TypedDeliveryView>, description = "Dead deliveries not yet replayed or discarded, newest first"),
        (status = 400, body = ErrorBody)))]
pub async fn list_dead_letters(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ApiQuery(q): ApiQuery<DeadLetterQuery>,
) -> Result<axum::Json<List<TypedDeliveryView>>, ApiError> {
    list_dead_letters_in(&state, &key.project_id, q).await
}

pub async fn list_dead_letters_in(
    state: &AppState,
    project_id: &str,
    q: DeadLetterQuery,
) -> Result<axum::Json<List<TypedDeliveryView>>, ApiError> {
    let page = ops::list_dead_letters(&state.ops, project_id, q).await?;
    Ok(super::list(page, TypedDeliveryView::from))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplayJobView {
    id: String,
    #[schema(schema_with = job_status)]
    status: String,
    /// Deliveries that matched when the job was created.
    total: i64,
    /// Replays created so far.
    replayed: i64,
    /// 0 to 100; 100 once completed.
    progress: i64,
    rate_per_second: i64,
    webhook_id: Option<String>,
    status_filter: Option<DeliveryStatus>,
    dead_letters_only: bool,
    from: Option<String>,
    to: Option<String>,
    created_at: String,
    updated_at: String,
    finished_at: Option<String>,
}

fn job_status() -> utoipa::openapi::Object {
    super::one_of(&["running", "completed"])
}

impl ReplayJobView {
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl From<ReplayJob> for ReplayJobView {
    fn from(j: ReplayJob) -> Self {
        ReplayJobView {
            progress: replay_jobs::progress(&j.status, j.processed, j.total),
            id: j.id,
            status: j.status,
            total: j.total,
            replayed: j.processed,
            rate_per_second: j.rate_per_second,
            webhook_id: j.filter.webhook_id,
            status_filter: j.filter.status,
            dead_letters_only: j.filter.dead_letters_only,
            from: j.filter.from_ms.filter(|&ms| ms > 0).map(timestamp),
            to: j.filter.to_ms.filter(|&ms| ms < i64::MAX).map(timestamp),
            created_at: timestamp(j.created_at),
            updated_at: timestamp(j.updated_at),
            finished_at: j.finished_at.map(timestamp),
        }
    }
}

#[utoipa::path(post, path = "/v1/deliveries/replay", operation_id = "deliveries.bulkReplay", tag = "replays", security(("apiKey" = [])), request_body = BulkReplay,
    responses((status = 202, body = Data<ReplayJobView>, description = "The job; poll `GET /v1/replay-jobs/{id}`"),
        (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn bulk_replay_deliveries(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    ApiJson(body): ApiJson<BulkReplay>,
) -> Result<(StatusCode, axum::Json<Data<ReplayJobView>>), ApiError> {
    start_job(&state, &key, &ip, body, false).await
}

#[utoipa::path(post, path = "/v1/dlq/replay", operation_id = "deadLetters.bulkReplay", tag = "replays", security(("apiKey" = [])), request_body = BulkReplay,
    responses((status = 202, body = Data<ReplayJobView>, description = "The job; poll `GET /v1/replay-jobs/{id}`"),
        (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn bulk_replay_dead_letters(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    ApiJson(body): ApiJson<BulkReplay>,
) -> Result<(StatusCode, axum::Json<Data<ReplayJobView>>), ApiError> {
    start_job(&state, &key, &ip, body, true).await
}

async fn start_job(
    state: &AppState,
    key: &KeyAuth,
    ip: &SourceIp,
    body: BulkReplay,
    dead_letters_only: bool,
) -> Result<(StatusCode, axum::Json<Data<ReplayJobView>>), ApiError> {
    let job = ops::start_job(&state.ops, &key.project_id, body, dead_letters_only).await?;
    let view = ReplayJobView::from(job);
    audit_logs::record(
        state,
        key,
        ip,
        "replay_job.create",
        "replay_job",
        &view.id,
        job_summary(&view),
    )
    .await;
    Ok((StatusCode::ACCEPTED, data(view)))
}

/// A job's filter and pace for the audit log (action `replay_job.create`).
pub fn job_summary(view: &ReplayJobView) -> serde_json::Value {
    json!({
        "webhookId": view.webhook_id, "status": view.status_filter, "deadLettersOnly": view.dead_letters_only,
        "from": view.from, "to": view.to, "total": view.total, "ratePerSecond": view.rate_per_second,
    })
}

#[utoipa::path(get, path = "/v1/replay-jobs/{id}", operation_id = "replayJobs.get", tag = "replays", security(("apiKey" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<ReplayJobView>), (status = 404, body = ErrorBody)))]
pub async fn get_replay_job(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<ReplayJobView>>, ApiError> {
    get_replay_job_in(&state, &key.project_id, &id).await
}

pub async fn get_replay_job_in(
    state: &AppState,
    project_id: &str,
    id: &str,
) -> Result<axum::Json<Data<ReplayJobView>>, ApiError> {
    let job = ops::get_job(&state.ops, project_id, id).await?;
    Ok(data(job.into()))
}
