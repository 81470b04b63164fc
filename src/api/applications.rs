//! `/v1/applications` (write role): the project's customers, and messages
//! fanned out to their endpoints.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use super::audit_logs::{self, SourceIp};
use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::applications as rules;
use crate::ingest::{NewEvent, Route};
use crate::operations::applications::{self as ops, audit_summary};
use crate::operations::applications::{CreateApplication, UpdateApplication};
use crate::store::Application;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/applications", get(list).post(create))
        .route(
            "/v1/applications/{id}",
            get(get_one).patch(update).delete(delete),
        )
        .route("/v1/applications/{id}/messages", post(send_message))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "app_01JQ3X0A2C4E6G8J0L2N4Q6S8U", "uid": "customer-42", "name": "Acme Corp", "metadata": { "plan": "gold" },
    "portalFrameAncestors": ["https://app.acme.example"], "createdAt": "2026-03-14T16:00:00.000Z", "updatedAt": "2026-03-14T16:00:00.000Z"
}))]
pub struct ApplicationView {
    id: String,
    /// The project's own id for this customer; usable in place of `id`.
    uid: Option<String>,
    name: String,
    metadata: serde_json::Value,
    /// Origins allowed to frame the hosted portal; null means any.
    portal_frame_ancestors: Option<Vec<String>>,
    created_at: String,
    updated_at: String,
}

impl From<Application> for ApplicationView {
    fn from(a: Application) -> Self {
        ApplicationView {
            id: a.id,
            uid: a.uid,
            name: a.name,
            metadata: serde_json::from_str(&a.metadata).unwrap_or_default(),
            portal_frame_ancestors: a
                .frame_ancestors
                .and_then(|f| serde_json::from_str(&f).ok()),
            created_at: timestamp(a.created_at),
            updated_at: timestamp(a.updated_at),
        }
    }
}

#[utoipa::path(post, path = "/v1/applications", operation_id = "applications.create", tag = "applications", security(("apiKey" = [])), request_body = CreateApplication,
    responses((status = 201, body = Data<ApplicationView>), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 400, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    ApiJson(body): ApiJson<CreateApplication>,
) -> Result<(StatusCode, axum::Json<Data<ApplicationView>>), ApiError> {
    let a = ops::create(&state.ops, &key.project_id, body).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "application.create",
        "application",
        &a.id,
        audit_summary(&a),
    )
    .await;
    Ok((StatusCode::CREATED, data(a.into())))
}

#[utoipa::path(get, path = "/v1/applications", operation_id = "applications.list", tag = "applications", security(("apiKey" = [])), params(PageQuery),
    responses((status = 200, body = List<ApplicationView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<ApplicationView>>, ApiError> {
    list_in(&state, &key.project_id, q).await
}

pub async fn list_in(
    state: &AppState,
    project_id: &str,
    q: PageQuery,
) -> Result<axum::Json<List<ApplicationView>>, ApiError> {
    let page = crate::operations::applications::list(&state.ops, project_id, q).await?;
    Ok(super::list(page, ApplicationView::from))
}

#[utoipa::path(get, path = "/v1/applications/{id}", operation_id = "applications.get", tag = "applications", security(("apiKey" = [])),
    params(("id" = String, Path, description = "The application's id or uid")),
    responses((status = 200, body = Data<ApplicationView>), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<ApplicationView>>, ApiError> {
    Ok(data(
        ops::find(&state.ops, &key.project_id, &id).await?.into(),
    ))
}

#[utoipa::path(patch, path = "/v1/applications/{id}", operation_id = "applications.update", tag = "applications", security(("apiKey" = [])),
    params(("id" = String, Path, description = "The application's id or uid")), request_body = UpdateApplication,
    responses((status = 200, body = Data<ApplicationView>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 400, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateApplication>,
) -> Result<axum::Json<Data<ApplicationView>>, ApiError> {
    let (a, changes) = ops::update(&state.ops, &key.project_id, &id, body).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "application.update",
        "application",
        &a.id,
        changes,
    )
    .await;
    Ok(data(a.into()))
}

#[utoipa::path(delete, path = "/v1/applications/{id}", operation_id = "applications.delete", tag = "applications", security(("apiKey" = [])),
    params(("id" = String, Path, description = "The application's id or uid")),
    responses((status = 204, description = "Deleted, with its endpoints, messages and portal tokens"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (a, endpoints) = ops::delete(&state.ops, &key.project_id, &id).await?;
    // The id alone will name nothing once the application is gone.
    let summary =
        serde_json::json!({ "name": a.name, "uid": a.uid, "endpointsDeleted": endpoints });
    audit_logs::record(
        &state,
        &key,
        &ip,
        "application.delete",
        "application",
        &a.id,
        summary,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "eventType": "invoice.paid", "payload": { "invoiceId": "inv_123", "amount": 4200 } }))]
pub struct SendMessage {
    /// E.g. `invoice.paid`; endpoints subscribed to it (or to all) get it.
    event_type: String,
    /// Any JSON value, delivered as the request body byte for byte as sent:
    /// key order, spacing and numbers are kept.
    // Raw rather than a `Value`, which sorts keys, turns integers past 64
    // bits into floats, and costs a tree built and printed per message.
    #[schema(value_type = serde_json::Value)]
    payload: Box<serde_json::value::RawValue>,
    /// For endpoints with `ordering: "fifo"`: messages with the same key
    /// are delivered one after another in the order sent, different keys
    /// side by side (1 to 256 of `A-Z a-z 0-9 - _ .`).
    ordering_key: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageDelivery {
    /// The delivery id; receivers see it as `webhook-id`.
    id: String,
    endpoint_id: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    pub(super) id: String,
    application_id: String,
    event_type: String,
    deliveries: Vec<MessageDelivery>,
}

/// Stores a message for an application and queues one delivery per enabled
/// endpoint that subscribes to its type (or only to `only_endpoint`).
pub(super) async fn fan_out(
    state: &AppState,
    app: &Application,
    event_type: String,
    body: bytes::Bytes,
    idempotency_key: Option<String>,
    only_endpoint: Option<&str>,
    ordering_key: Option<String>,
) -> Result<(SentMessage, bool), ApiError> {
    let route = Route::Application {
        application_id: app.id.clone(),
        event_type: event_type.clone(),
        only_endpoint: only_endpoint.map(str::to_string),
    };
    let event = NewEvent {
        project_id: app.project_id.clone(),
        route,
        content_type: "application/json".into(),
        body,
        headers: None,
        ordering_key,
        idempotency_key,
        request_headers: Default::default(),
    };
    let accepted = state.ops.intake.accept(event).await?;
    let deliveries = accepted
        .deliveries
        .into_iter()
        .map(|(id, endpoint_id)| MessageDelivery { id, endpoint_id })
        .collect();
    let sent = SentMessage {
        id: accepted.event_id,
        application_id: app.id.clone(),
        event_type,
        deliveries,
    };
    Ok((sent, accepted.duplicate))
}

#[utoipa::path(post, path = "/v1/applications/{id}/messages", operation_id = "applications.sendMessage", tag = "applications", security(("apiKey" = [])),
    params(("id" = String, Path, description = "The application's id or uid"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeats within 24 h return the first message")),
    request_body = SendMessage,
    responses((status = 202, body = Data<SentMessage>, description = "Stored; one delivery per subscribed enabled endpoint"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn send_message(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SendMessage>,
) -> Result<Response, ApiError> {
    rules::validate_event_type(&body.event_type)
        .map_err(|e| ApiError::invalid_field("eventType", e))?;
    let idempotency_key = super::ingest::idempotency_key(&headers)?;
    let app = state
        .ops
        .application(&key.project_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("application"))?;
    let payload = bytes::Bytes::from(String::from(Box::<str>::from(body.payload)));
    if let Some(key) = &body.ordering_key {
        rules::validate_event_type(key).map_err(|e| ApiError::invalid_field("orderingKey", e))?;
    }
    let (sent, duplicate) = fan_out(
        &state,
        &app,
        body.event_type,
        payload,
        idempotency_key,
        None,
        body.ordering_key,
    )
    .await?;
    let mut response = (StatusCode::ACCEPTED, data(sent)).into_response();
    if duplicate {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}
