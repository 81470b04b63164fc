//! `/v1/event-types` (write role): the kinds of message a project sends,
//! which application endpoints subscribe to.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

use super::audit_logs::{self, SourceIp};
use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::applications::validate_event_type;
use crate::store::{self, EventType, Saved};
use crate::webhooks::{validate_text, MAX_DESCRIPTION_LEN};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/event-types", get(list).post(create))
        .route(
            "/v1/event-types/{name}",
            get(get_one).patch(update).delete(delete),
        )
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "name": "invoice.paid", "description": "An invoice was paid in full",
    "schema": { "type": "object", "properties": { "invoiceId": { "type": "string" } } },
    "createdAt": "2026-03-14T16:00:00.000Z", "updatedAt": "2026-03-14T16:00:00.000Z"
}))]
pub struct EventTypeView {
    name: String,
    description: String,
    /// JSON Schema of the payload, for documentation.
    schema: Option<serde_json::Value>,
    created_at: String,
    updated_at: String,
}

impl From<EventType> for EventTypeView {
    fn from(t: EventType) -> Self {
        EventTypeView {
            name: t.name,
            description: t.description,
            schema: t.payload_schema.and_then(|s| serde_json::from_str(&s).ok()),
            created_at: timestamp(t.created_at),
            updated_at: timestamp(t.updated_at),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateEventType {
    /// E.g. `invoice.paid`: 1–256 of `A-Z a-z 0-9 - _ .`.
    name: String,
    #[serde(default)]
    description: String,
    /// A JSON Schema object for the payload.
    schema: Option<serde_json::Value>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateEventType {
    description: Option<String>,
    /// `null` removes the schema.
    #[serde(default, deserialize_with = "crate::operations::double_option")]
    #[schema(value_type = Option<Object>)]
    schema: Option<Option<serde_json::Value>>,
}

fn check(
    description: &str,
    schema: Option<&serde_json::Value>,
) -> Result<Option<String>, ApiError> {
    validate_text(description, MAX_DESCRIPTION_LEN, false)
        .map_err(|e| ApiError::invalid_field("description", e))?;
    schema
        .map(|s| {
            crate::applications::json_object(s).map_err(|e| ApiError::invalid_field("schema", e))
        })
        .transpose()
}

/// An event type's settings for the audit log: its documentation, which
/// holds no secret.
fn audit_summary(t: &EventType) -> serde_json::Value {
    let schema: Option<serde_json::Value> = t
        .payload_schema
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    serde_json::json!({ "description": t.description, "schema": schema })
}

#[utoipa::path(post, path = "/v1/event-types", operation_id = "eventTypes.create", tag = "event types", security(("apiKey" = [])), request_body = CreateEventType,
    responses((status = 201, body = Data<EventTypeView>), (status = 409, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    ApiJson(body): ApiJson<CreateEventType>,
) -> Result<(StatusCode, axum::Json<Data<EventTypeView>>), ApiError> {
    validate_event_type(&body.name).map_err(|e| ApiError::invalid_field("name", e))?;
    let payload_schema = check(&body.description, body.schema.as_ref())?;
    let now = store::now_ms();
    let t = EventType {
        project_id: key.project_id.clone(),
        name: body.name,
        description: body.description,
        payload_schema,
        created_at: now,
        updated_at: now,
    };
    if state.ops.store.create_event_type(&t).await? == Saved::Conflict {
        return Err(ApiError::conflict(
            "event_type_exists",
            "an event type with this name exists",
        ));
    }
    audit_logs::record(
        &state,
        &key,
        &ip,
        "event_type.create",
        "event_type",
        &t.name,
        audit_summary(&t),
    )
    .await;
    Ok((StatusCode::CREATED, data(t.into())))
}

#[utoipa::path(get, path = "/v1/event-types", operation_id = "eventTypes.list", tag = "event types", security(("apiKey" = [])), params(PageQuery),
    responses((status = 200, body = List<EventTypeView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<EventTypeView>>, ApiError> {
    let page = state
        .ops
        .store
        .list_event_types(&key.project_id, &q.page()?)
        .await?;
    Ok(super::list(page, EventTypeView::from))
}

async fn find(state: &AppState, project_id: &str, name: &str) -> Result<EventType, ApiError> {
    state
        .ops
        .store
        .get_event_type(project_id, name)
        .await?
        .ok_or_else(|| ApiError::not_found("event type"))
}

#[utoipa::path(get, path = "/v1/event-types/{name}", operation_id = "eventTypes.get", tag = "event types", security(("apiKey" = [])), params(("name" = String, Path)),
    responses((status = 200, body = Data<EventTypeView>), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(name): Path<String>,
) -> Result<axum::Json<Data<EventTypeView>>, ApiError> {
    Ok(data(find(&state, &key.project_id, &name).await?.into()))
}

#[utoipa::path(patch, path = "/v1/event-types/{name}", operation_id = "eventTypes.update", tag = "event types", security(("apiKey" = [])), params(("name" = String, Path)),
    request_body = UpdateEventType,
    responses((status = 200, body = Data<EventTypeView>), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<UpdateEventType>,
) -> Result<axum::Json<Data<EventTypeView>>, ApiError> {
    let mut t = find(&state, &key.project_id, &name).await?;
    let before = audit_summary(&t);
    if let Some(d) = body.description {
        t.description = d;
    }
    let schema = match body.schema {
        Some(s) => s,
        None => t
            .payload_schema
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
    };
    t.payload_schema = check(&t.description, schema.as_ref())?;
    t.updated_at = store::now_ms();
    state.ops.store.update_event_type(&t).await?;
    let changes = crate::audit::changes(&before, &audit_summary(&t));
    audit_logs::record(
        &state,
        &key,
        &ip,
        "event_type.update",
        "event_type",
        &t.name,
        changes,
    )
    .await;
    Ok(data(t.into()))
}

#[utoipa::path(delete, path = "/v1/event-types/{name}", operation_id = "eventTypes.delete", tag = "event types", security(("apiKey" = [])), params(("name" = String, Path)),
    responses((status = 204, description = "Deleted; endpoints subscribed to it keep their subscription list"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !state
        .ops
        .store
        .delete_event_type(&key.project_id, &name)
        .await?
    {
        return Err(ApiError::not_found("event type"));
    }
    audit_logs::record(
        &state,
        &key,
        &ip,
        "event_type.delete",
        "event_type",
        &name,
        serde_json::json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
