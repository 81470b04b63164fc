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
use super::extract::{double_option, ApiJson, ApiQuery, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::applications::{self as rules, normalize_frame_ancestors};
use crate::ids;
use crate::ingest::{NewEvent, Route};
use crate::store::{self, Application, Saved};
use crate::webhooks::{validate_text, MAX_NAME_LEN};

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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "name": "Acme Corp", "uid": "customer-42", "metadata": { "plan": "gold" } }))]
pub struct CreateApplication {
    name: String,
    uid: Option<String>,
    /// A JSON object (at most 16 KiB).
    metadata: Option<serde_json::Value>,
    /// Origins (`https://example.com`, `'self'` or `*`) allowed to frame
    /// the hosted portal; absent means any.
    portal_frame_ancestors: Option<Vec<String>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateApplication {
    name: Option<String>,
    /// `null` removes the uid.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    uid: Option<Option<String>>,
    metadata: Option<serde_json::Value>,
    /// `null` allows any origin again.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    portal_frame_ancestors: Option<Option<Vec<String>>>,
}

fn check_name(name: &str) -> Result<(), ApiError> {
    validate_text(name, MAX_NAME_LEN, true).map_err(|e| ApiError::invalid_field("name", e))
}

fn check_uid(uid: Option<&str>) -> Result<(), ApiError> {
    uid.map_or(Ok(()), |u| {
        rules::validate_uid(u).map_err(|e| ApiError::invalid_field("uid", e))
    })
}

fn metadata(v: &serde_json::Value) -> Result<String, ApiError> {
    rules::json_object(v).map_err(|e| ApiError::invalid_field("metadata", e))
}

pub(super) fn frame_ancestors(v: Option<&[String]>) -> Result<Option<String>, ApiError> {
    v.map(|list| {
        normalize_frame_ancestors(list)
            .map(|l| serde_json::Value::from(l).to_string())
            .map_err(|e| ApiError::invalid_field("portalFrameAncestors", e))
    })
    .transpose()
}

fn uid_taken(saved: Saved) -> Result<(), ApiError> {
    match saved {
        Saved::Saved => Ok(()),
        Saved::Conflict => Err(ApiError::conflict(
            "uid_taken",
            "another application of this project has this uid",
        )),
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
    let a = create_application(&state, &key.project_id, body).await?;
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

/// Shared by the Public API and the dashboard.
pub(crate) async fn create_application(
    state: &AppState,
    project_id: &str,
    body: CreateApplication,
) -> Result<Application, ApiError> {
    let name = body.name.trim().to_string();
    check_name(&name)?;
    check_uid(body.uid.as_deref())?;
    let now = store::now_ms();
    let a = Application {
        id: ids::new_id(ids::APPLICATION),
        project_id: project_id.to_string(),
        name,
        uid: body.uid,
        metadata: metadata(body.metadata.as_ref().unwrap_or(&serde_json::json!({})))?,
        frame_ancestors: frame_ancestors(body.portal_frame_ancestors.as_deref())?,
        created_at: now,
        updated_at: now,
    };
    uid_taken(state.store.create_application(&a).await?)?;
    Ok(a)
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
    let page = state
        .store
        .list_applications(project_id, &q.page()?)
        .await?;
    Ok(super::list(page, ApplicationView::from))
}

/// The project's application by id or uid.
pub(crate) async fn find(
    state: &AppState,
    project_id: &str,
    id_or_uid: &str,
) -> Result<Application, ApiError> {
    state
        .store
        .get_application(project_id, id_or_uid)
        .await?
        .ok_or_else(|| ApiError::not_found("application"))
}

#[utoipa::path(get, path = "/v1/applications/{id}", operation_id = "applications.get", tag = "applications", security(("apiKey" = [])),
    params(("id" = String, Path, description = "The application's id or uid")),
    responses((status = 200, body = Data<ApplicationView>), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<ApplicationView>>, ApiError> {
    Ok(data(find(&state, &key.project_id, &id).await?.into()))
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
    let (a, changes) = update_application(&state, &key.project_id, &id, body).await?;
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

/// Applies a patch to the project's application `id_or_uid`; also answers
/// what changed, for the audit log. Shared by the Public API and the
/// dashboard.
pub(crate) async fn update_application(
    state: &AppState,
    project_id: &str,
    id_or_uid: &str,
    body: UpdateApplication,
) -> Result<(Application, serde_json::Value), ApiError> {
    let mut a = find(state, project_id, id_or_uid).await?;
    let before = audit_summary(&a);
    if let Some(name) = body.name {
        a.name = name.trim().to_string();
        check_name(&a.name)?;
    }
    if let Some(uid) = body.uid {
        check_uid(uid.as_deref())?;
        a.uid = uid;
    }
    if let Some(m) = &body.metadata {
        a.metadata = metadata(m)?;
    }
    if let Some(f) = &body.portal_frame_ancestors {
        a.frame_ancestors = frame_ancestors(f.as_deref())?;
    }
    a.updated_at = store::now_ms();
    uid_taken(state.store.update_application(&a).await?)?;
    state.forget_credentials();
    let changes = crate::audit::changes(&before, &audit_summary(&a));
    Ok((a, changes))
}

/// An application's settings for the audit log: the names of its metadata
/// fields but not their values, which are the project's customer data.
pub(crate) fn audit_summary(a: &Application) -> serde_json::Value {
    let metadata: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&a.metadata).unwrap_or_default();
    let frame_ancestors: Option<Vec<String>> = a
        .frame_ancestors
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok());
    serde_json::json!({
        "name": a.name,
        "uid": a.uid,
        "metadataKeys": metadata.keys().collect::<Vec<_>>(),
        "portalFrameAncestors": frame_ancestors,
    })
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
    let a = find(&state, &key.project_id, &id).await?;
    let endpoints = state
        .store
        .delete_application(&key.project_id, &a.id)
        .await?
        .ok_or_else(|| ApiError::not_found("application"))?;
    for e in &endpoints {
        state.engine.invalidate(e);
    }
    state.forget_credentials();
    // The id alone will name nothing once the application is gone.
    let summary =
        serde_json::json!({ "name": a.name, "uid": a.uid, "endpointsDeleted": endpoints.len() });
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
    /// Any JSON value, delivered as the request body.
    payload: serde_json::Value,
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
    let accepted = state.intake.accept(event).await?;
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
    let app = state.application(&key.project_id, &id).await?;
    let payload = bytes::Bytes::from(body.payload.to_string());
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
