//! Event intake: the public ingest URL (`Bearer whsec_...`, the webhook's own
//! ingest secret) and the Public API's send route (`Bearer swk_...`).

use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;

use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::bearer;
use super::{data, AppState, Data};
use crate::ingest::{NewEvent, Route};
use crate::secrets::{self, WEBHOOK_SECRET_PREFIX};
use crate::{store, trace_context};

const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;
/// The longest `Content-Type` an event may have. It is stored with the
/// event outside the payload limit; real media types with their parameters
/// are far shorter.
pub const MAX_CONTENT_TYPE_LEN: usize = 256;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({ "id": "msg_01JQ3W7F8H2K5M9P3R6T8V1X4Z", "webhookId": "wh_01JQ3W5Y0V2D9K8N4T6R7S1B2C" }))]
pub struct AcceptedView {
    /// The delivery id; receivers see it as `webhook-id`.
    id: String,
    webhook_id: String,
}

/// The public ingest credential: the webhook's current ingest secret, or
/// its predecessor until that one's `retiredAt`.
pub struct IngestSecret(String);

impl FromRequestParts<AppState> for IngestSecret {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &AppState,
    ) -> Result<Self, ApiError> {
        match bearer(parts) {
            Some(t) if t.starts_with(WEBHOOK_SECRET_PREFIX) => Ok(IngestSecret(t.to_string())),
            Some(_) => Err(ApiError::unauthorized(
                "ingest takes the webhook's ingest secret (whsec_...)",
            )),
            None => Err(ApiError::unauthorized(
                "missing Authorization: Bearer whsec_... header",
            )),
        }
    }
}

#[utoipa::path(post, path = "/v1/ingest/{publicId}", operation_id = "ingest.send", tag = "ingest", security(("ingestSecret" = [])),
    params(("publicId" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Repeats within 24 h return the first result")),
    request_body(content = serde_json::Value, content_type = "application/json",
        description = "The event, delivered byte for byte with its content type. Any content type is accepted (XML, form data, text, ...); the document names JSON, what generated clients send"),
    responses((status = 202, body = Data<AcceptedView>, description = "Committed; delivery follows"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 429, body = ErrorBody, description = "`quota_exceeded`: the tier's events this month, with `retry-after`")))]
pub async fn ingest(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    IngestSecret(secret): IngestSecret,
    request: Request,
) -> Result<Response, ApiError> {
    // Everything is decided on the head; the body is read last, so that
    // requests with a wrong secret cost no memory for their bodies.
    let target = match state.ingest_targets.get(&public_id) {
        Some(t) => t,
        None => {
            let t = state.store.ingest_target(&public_id).await?;
            state.ingest_targets.insert(public_id.clone(), t.clone());
            t
        }
    };
    let target = target.ok_or_else(|| ApiError::not_found("ingest URL"))?;
    let hash = secrets::hash(&secret);
    let now = store::now_ms();
    let valid = target
        .secrets
        .iter()
        .any(|s| s.material == hash && s.retired_at.is_none_or(|r| r > now));
    if !valid {
        return Err(ApiError::unauthorized(
            "invalid ingest secret for this webhook",
        ));
    }
    let head = EventHead::from_headers(request.headers())?;
    let body = read_body(&state, request).await?;
    accept(
        &state,
        target.project_id,
        target.webhook_id,
        target.enabled,
        head,
        body,
    )
    .await
}

#[utoipa::path(post, path = "/v1/webhooks/{id}/events", operation_id = "webhooks.sendEvent", tag = "ingest", security(("apiKey" = [])),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Repeats within 24 h return the first result")),
    request_body(content = serde_json::Value, content_type = "application/json",
        description = "The event, delivered byte for byte with its content type. Any content type is accepted (XML, form data, text, ...); the document names JSON, what generated clients send"),
    responses((status = 202, body = Data<AcceptedView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_event(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let w = super::webhooks::find(&state, &key.project_id, &id).await?;
    let head = EventHead::from_headers(request.headers())?;
    let body = read_body(&state, request).await?;
    accept(&state, w.project_id, w.id, w.enabled, head, body).await
}

/// Reads an event's body, at most `--max-concurrent-ingest-bodies` at once
/// on this node, so that many slow or large uploads together cannot hold
/// unbounded memory. A request that finds no turn in time is told to retry.
async fn read_body(state: &AppState, request: Request) -> Result<Bytes, ApiError> {
    let _turn = tokio::time::timeout(BODY_TURN_WAIT, state.ingest_bodies.acquire())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| ApiError {
            retry_after: Some(1),
            ..ApiError::unavailable("too many event bodies are being received; try again")
        })?;
    Ok(Bytes::from_request(request, state).await?)
}

/// How long a request waits for a turn to send its body.
const BODY_TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What an event takes from its request's headers.
pub(crate) struct EventHead {
    pub content_type: String,
    pub idempotency_key: Option<String>,
    /// The sender's W3C trace context, if it sent a well-formed one.
    pub traceparent: Option<String>,
}

impl EventHead {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Result<EventHead, ApiError> {
        let content_type = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "missing_content_type",
                    "a content-type header is required",
                )
            })?;
        if content_type.len() > MAX_CONTENT_TYPE_LEN {
            return Err(ApiError::bad_request(
                "invalid_content_type",
                format!("Content-Type must be at most {MAX_CONTENT_TYPE_LEN} bytes"),
            ));
        }
        let traceparent = headers
            .get(trace_context::TRACEPARENT)
            .and_then(|v| v.to_str().ok())
            .and_then(trace_context::valid_traceparent)
            .map(str::to_string);
        Ok(EventHead {
            content_type: content_type.to_string(),
            idempotency_key: idempotency_key(headers)?,
            traceparent,
        })
    }
}

/// The request's `Idempotency-Key`, if it has a valid one.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let k = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY_LEN);
    let k = k.ok_or_else(|| {
        ApiError::bad_request(
            "invalid_idempotency_key",
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible characters"),
        )
    })?;
    Ok(Some(k.to_string()))
}

/// Queues one event for a webhook. Shared by ingest, the Public API's send
/// route and the dashboard's test event.
pub(crate) async fn accept(
    state: &AppState,
    project_id: String,
    webhook_id: String,
    enabled: bool,
    head: EventHead,
    body: Bytes,
) -> Result<Response, ApiError> {
    use tracing::Instrument;
    let EventHead {
        content_type,
        idempotency_key,
        traceparent,
    } = head;
    let span = tracing::info_span!("ingest", webhook = %webhook_id);
    if let Some(parent) = &traceparent {
        trace_context::set_parent(&span, parent);
    }
    // The deliveries carry the trace on: this span's context when spans
    // are exported, else the sender's own `traceparent`, as it came.
    let headers = trace_context::traceparent_of(&span)
        .or(traceparent)
        .map(|t| serde_json::json!({ trace_context::TRACEPARENT: t }).to_string());
    let route = Route::Webhook {
        webhook_id: webhook_id.clone(),
        enabled,
    };
    let event = NewEvent {
        project_id,
        route,
        content_type,
        body,
        headers,
        ordering_key: None,
        idempotency_key,
    };
    let accepted = state.intake.accept(event).instrument(span).await?;
    let delivery_id = accepted
        .deliveries
        .into_iter()
        .next()
        .map(|(id, _)| id)
        .unwrap_or_default();
    let mut response = (
        StatusCode::ACCEPTED,
        data(AcceptedView {
            id: delivery_id,
            webhook_id,
        }),
    )
        .into_response();
    if accepted.duplicate {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}
