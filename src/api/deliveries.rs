//! `/v1/deliveries`: what was sent where, and how every attempt went.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use base64::Engine as _;
use serde::Serialize;

use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use super::{data, timestamp, AppState, Data, List};
use crate::operations::deliveries::{self, DeliveryQuery};
use crate::store::{Attempt, Delivery, DeliveryStatus, LogEntry};

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "msg_01JQ3W7F8H2K5M9P3R6T8V1X4Z", "webhookId": "wh_01JQ3W5Y0V2D9K8N4T6R7S1B2C", "eventId": "evt_01JQ3W7F8G0A2B4C6D8E0F2G4H",
    "status": "failed-retrying", "attemptCount": 1, "nextAttemptAt": "2026-03-14T15:31:05.000Z", "lastStatusCode": 503,
    "lastError": "HTTP 503", "createdAt": "2026-03-14T15:31:00.000Z", "updatedAt": "2026-03-14T15:31:00.412Z",
    "replayOf": null, "replayedAt": null
}))]
pub struct DeliveryView {
    id: String,
    webhook_id: String,
    event_id: String,
    status: DeliveryStatus,
    attempt_count: i64,
    next_attempt_at: Option<String>,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    created_at: String,
    updated_at: String,
    /// The delivery this one replays.
    replay_of: Option<String>,
    /// When this delivery was last replayed (which takes a dead one out of
    /// the dead-letter queue).
    replayed_at: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            status: d.status,
            attempt_count: d.attempts,
            next_attempt_at: d.next_attempt_at.map(timestamp),
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            created_at: timestamp(d.created_at),
            updated_at: timestamp(d.updated_at),
            replay_of: d.replay_of,
            replayed_at: d.replayed_at.map(timestamp),
        }
    }
}

/// A delivery with its event's type.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TypedDeliveryView {
    #[serde(flatten)]
    delivery: DeliveryView,
    /// The application message's event type; null for ingested events and
    /// schedule firings, which have none.
    event_type: Option<String>,
}

impl From<LogEntry> for TypedDeliveryView {
    fn from(e: LogEntry) -> Self {
        TypedDeliveryView {
            delivery: e.delivery.into(),
            event_type: e.event_type,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "atm_01JQ3W7F9J4L6N8Q0S2U4W6Y8A", "attempt": 1, "startedAt": "2026-03-14T15:31:00.120Z", "webhookTimestamp": 1773502260,
    "durationMs": 292, "statusCode": 503, "errorKind": null, "errorMessage": null, "responseExcerpt": "upstream unavailable"
}))]
pub struct AttemptView {
    id: String,
    attempt: i64,
    started_at: String,
    /// The `webhook-timestamp` header this attempt carried (unix seconds).
    webhook_timestamp: i64,
    duration_ms: i64,
    status_code: Option<i64>,
    /// `timeout`, `connection_error`, `tls_error`, `destination_forbidden`
    /// or `request_error` when no HTTP response came back;
    /// `transformation_timeout`, `transformation_memory` or
    /// `transformation_error` when the endpoint's transformation failed
    /// (nothing was sent, and the delivery is dead at once).
    error_kind: Option<String>,
    error_message: Option<String>,
    /// The first 4 KiB of the response body.
    response_excerpt: Option<String>,
}

impl From<Attempt> for AttemptView {
    fn from(a: Attempt) -> Self {
        AttemptView {
            id: a.id,
            attempt: a.attempt_no,
            started_at: timestamp(a.started_at),
            webhook_timestamp: a.started_at / 1000,
            duration_ms: a.duration_ms,
            status_code: a.status_code,
            error_kind: a.error_kind,
            error_message: a.error_message,
            response_excerpt: a.response_excerpt,
        }
    }
}

/// The stored payload, byte for byte.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PayloadView {
    content_type: String,
    size_bytes: usize,
    /// The body as text when it is valid UTF-8.
    body: Option<String>,
    /// The body in base64 when it is not valid UTF-8.
    body_base64: Option<String>,
}

impl PayloadView {
    fn new(content_type: String, bytes: Vec<u8>) -> Self {
        let size_bytes = bytes.len();
        match String::from_utf8(bytes) {
            Ok(text) => PayloadView {
                content_type,
                size_bytes,
                body: Some(text),
                body_base64: None,
            },
            Err(e) => PayloadView {
                content_type,
                size_bytes,
                body: None,
                body_base64: Some(base64::engine::general_purpose::STANDARD.encode(e.as_bytes())),
            },
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetail {
    #[serde(flatten)]
    delivery: TypedDeliveryView,
    /// The stored event; retention removes it only with the last delivery using it.
    payload: Option<PayloadView>,
    /// The request headers every attempt carries, with the webhook's extra
    /// headers as configured now and the event's own (a schedule's), and a
    /// transformation's over them; each attempt adds its `webhook-timestamp`
    /// (see `attempts[].webhookTimestamp`) and the `webhook-signature` over it.
    request_headers: BTreeMap<String, String>,
    /// What the endpoint's transformation made of the event, sent (and
    /// signed) instead of `payload` by every attempt since, and by replays
    /// unless they re-run the transformation; null when none ran (or it
    /// cancelled the delivery or failed).
    transformed_request: Option<TransformedRequestView>,
    attempts: Vec<AttemptView>,
}

/// A request a transformation produced, as sent.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransformedRequestView {
    /// The transformation version that produced it.
    version_id: String,
    method: String,
    url: String,
    /// The headers the script set (in `requestHeaders` too).
    headers: BTreeMap<String, String>,
    body: String,
}

#[utoipa::path(get, path = "/v1/deliveries", operation_id = "deliveries.list", tag = "deliveries", security(("apiKey" = [])), params(DeliveryQuery),
    responses((status = 200, body = List<TypedDeliveryView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> Result<axum::Json<List<TypedDeliveryView>>, ApiError> {
    list_in(&state, &key.project_id, q).await
}

/// One filtered page of a project's deliveries. Shared by the Public API and
/// the dashboard.
pub(crate) async fn list_in(
    state: &AppState,
    project_id: &str,
    q: DeliveryQuery,
) -> Result<axum::Json<List<TypedDeliveryView>>, ApiError> {
    let page = deliveries::list(&state.ops, project_id, q).await?;
    Ok(super::list(page, TypedDeliveryView::from))
}

#[utoipa::path(get, path = "/v1/deliveries/{id}", operation_id = "deliveries.get", tag = "deliveries", security(("apiKey" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<DeliveryDetail>), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<DeliveryDetail>>, ApiError> {
    get_in(&state, &key.project_id, &id).await
}

/// A delivery with its payload, headers and attempts. Shared by the Public
/// API and the dashboard.
pub(crate) async fn get_in(
    state: &AppState,
    project_id: &str,
    id: &str,
) -> Result<axum::Json<Data<DeliveryDetail>>, ApiError> {
    let d = deliveries::get(&state.ops, project_id, id).await?;
    Ok(data(DeliveryDetail {
        delivery: d.entry.into(),
        payload: d.payload.map(|e| PayloadView::new(e.content_type, e.body)),
        request_headers: d.request_headers,
        transformed_request: d.transformed_request.map(|t| TransformedRequestView {
            version_id: t.version_id,
            method: t.method,
            url: t.url,
            headers: t.headers,
            body: t.body,
        }),
        attempts: d.attempts.into_iter().map(AttemptView::from).collect(),
    }))
}
