//! Event intake: the public ingest URL (`Bearer whsec_...`, the webhook's own
//! ingest secret) and the Public API's send route (`Bearer swk_...`).

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;

use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::bearer_in;
use super::{data, AppState, Data};
use crate::inbound::{self, Inbound, Verification};
use crate::ingest::{NewEvent, Route};
use crate::metrics;
use crate::secrets::{self, WEBHOOK_SECRET_PREFIX};
use crate::store::{self, IngestTarget};
use crate::trace_context;

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

/// How many refusals are kept per webhook for its refusal log.
const REFUSALS_KEPT: i64 = 20;
/// Refusals written per webhook and node: a burst of this many, then one
/// per `REFUSAL_REFILL_MS`.
const REFUSAL_BURST: f64 = 5.0;
const REFUSAL_REFILL_MS: f64 = 2000.0;

/// Paces the writes of refusals, so that a flood of bad requests at an
/// ingest URL (whose id is no secret) cannot load the database: refusals
/// between two writes are counted and added to usage with the next one.
#[derive(Default)]
pub struct RefusalLog {
    buckets: std::sync::Mutex<std::collections::HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: i64,
    unwritten: i64,
}

impl RefusalLog {
    /// Counts a refusal of `webhook_id` at `now_ms`; answers how many
    /// refusals to write now (this one and those held back), or None to
    /// hold this one back.
    fn admit(&self, webhook_id: &str, now_ms: i64) -> Option<i64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = buckets.entry(webhook_id.to_string()).or_insert(Bucket {
            tokens: REFUSAL_BURST,
            at: now_ms,
            unwritten: 0,
        });
        b.tokens = (b.tokens + (now_ms - b.at) as f64 / REFUSAL_REFILL_MS).min(REFUSAL_BURST);
        b.at = now_ms;
        b.unwritten += 1;
        if b.tokens < 1.0 {
            return None;
        }
        b.tokens -= 1.0;
        Some(std::mem::take(&mut b.unwritten))
    }
}

#[utoipa::path(post, path = "/v1/ingest/{publicId}", operation_id = "ingest.send", tag = "ingest", security(("ingestSecret" = []), ()),
    params(("publicId" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "Repeats within 24 h return the first result")),
    request_body(content = serde_json::Value, content_type = "application/json",
        description = "The event, delivered byte for byte with its content type. Any content type is accepted (XML, form data, text, ...); the document names JSON, what generated clients send. \
            A webhook with a `verification` checks the provider's signature on the raw body instead of (or as well as) the bearer ingest secret"),
    responses((status = 202, body = Data<AcceptedView>, description = "Committed; delivery follows"),
        (status = 400, body = ErrorBody, description = "`invalid_signature` for Stripe (what it expects), or invalid input"),
        (status = 401, body = ErrorBody, description = "`unauthorized`, or `invalid_signature` for other providers"),
        (status = 403, body = ErrorBody, description = "`invalid_signature` for Twilio"),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 429, body = ErrorBody, description = "`quota_exceeded`: the tier's events this month, with `retry-after`")))]
pub async fn ingest(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    uri: Uri,
    request: Request,
) -> Result<Response, ApiError> {
    // Everything that can be decided on the head is, and the body is read
    // last, so that requests with a wrong secret cost no memory for their
    // bodies. (A provider's signature covers the body, so it is checked
    // after reading it.)
    let target = state.ops.ingest_target(&public_id).await?;
    let target = target.ok_or_else(|| ApiError::not_found("ingest URL"))?;
    let verification: Option<Verification> = target
        .verification
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok());
    if verification
        .as_ref()
        .is_none_or(|v| v.require_ingest_secret)
    {
        if let Err(refused) = check_bearer(&target, request.headers()) {
            return Err(refuse(&state, &target, refused).await);
        }
    }
    let head = EventHead::from_headers(request.headers())?;
    let headers = request.headers().clone();
    let body = read_body(&state, request).await?;
    let event_type = match verification {
        None => None,
        Some(v) => {
            let url = match uri.query() {
                Some(q) => format!("{}?{q}", state.ingest_url(&public_id)),
                None => state.ingest_url(&public_id),
            };
            match verify_provider(&state, &target, &v, &url, &headers, &body) {
                Ok(t) => t,
                Err(refused) => return Err(refuse(&state, &target, refused).await),
            }
        }
    };
    let route = Route::Webhook {
        webhook_id: target.webhook_id,
        enabled: target.enabled,
        event_type,
        filter: target.filter,
    };
    accept(&state, target.project_id, route, head, headers, body).await
}

/// Why a request was refused, and how to answer it.
struct Refused {
    error: ApiError,
    status: u16,
    reason: String,
}

impl Refused {
    fn bearer(reason: &str) -> Refused {
        Refused {
            error: ApiError::unauthorized(reason),
            status: 401,
            reason: reason.to_string(),
        }
    }
}

/// Checks the provider's signature of a request to an ingest URL whose
/// webhook has a verification (the bearer ingest secret, where it is also
/// required, was checked on the head). Answers the provider's event type.
fn verify_provider(
    state: &AppState,
    target: &IngestTarget,
    v: &Verification,
    url: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<String>, Refused> {
    let live: Vec<String> = target
        .verification_secrets
        .iter()
        .filter_map(|s| state.ops.secret_box.decrypt(&s.material).ok())
        .collect();
    let request = Inbound {
        headers,
        body,
        url,
        now: store::now_ms() / 1000,
    };
    v.verify(&live, &request).map_err(|r| Refused {
        error: ApiError::new(
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::UNAUTHORIZED),
            "invalid_signature",
            format!("the provider's signature did not verify: {}", r.reason),
        ),
        status: r.status,
        reason: r.reason,
    })?;
    Ok(inbound::event_type(v.provider, headers, body))
}

/// The bearer ingest secret: the webhook's current one, or its predecessor
/// until that one's `retiredAt`.
fn check_bearer(target: &IngestTarget, headers: &HeaderMap) -> Result<(), Refused> {
    let secret = match bearer_in(headers) {
        Some(t) if t.starts_with(WEBHOOK_SECRET_PREFIX) => t,
        Some(_) => {
            return Err(Refused::bearer(
                "ingest takes the webhook's ingest secret (whsec_...)",
            ))
        }
        None => {
            return Err(Refused::bearer(
                "missing Authorization: Bearer whsec_... header",
            ))
        }
    };
    let hash = secrets::hash(secret);
    let now = store::now_ms();
    let valid = target
        .secrets
        .iter()
        .any(|s| s.material == hash && s.retired_at.is_none_or(|r| r > now));
    if valid {
        Ok(())
    } else {
        Err(Refused::bearer("invalid ingest secret for this webhook"))
    }
}

/// Counts a refusal and keeps its reason for the webhook's refusal log
/// (paced, see `RefusalLog`); nothing of the request is stored.
async fn refuse(state: &AppState, target: &IngestTarget, refused: Refused) -> ApiError {
    metrics::metrics().refused.inc();
    let Some(count) = state.refusals.admit(&target.webhook_id, store::now_ms()) else {
        return refused.error;
    };
    if let Err(e) = state
        .ops
        .store
        .record_refusal(
            &target.project_id,
            &target.webhook_id,
            (refused.status, &refused.reason),
            count,
            REFUSALS_KEPT,
        )
        .await
    {
        tracing::warn!(webhook_id = %target.webhook_id, error = %e, "could not record an ingest refusal");
    }
    refused.error
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
    let w = crate::operations::webhooks::event_target(&state.ops, &key.project_id, &id).await?;
    let head = EventHead::from_headers(request.headers())?;
    let headers = request.headers().clone();
    let body = read_body(&state, request).await?;
    let route = Route::Webhook {
        webhook_id: w.webhook_id,
        enabled: w.enabled,
        event_type: None,
        filter: w.filter,
    };
    accept(&state, w.project_id, route, head, headers, body).await
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

/// Queues one event for a webhook (`route`). Shared by ingest, the Public
/// API's send route and the dashboard's test event.
pub(crate) async fn accept(
    state: &AppState,
    project_id: String,
    route: Route,
    head: EventHead,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    use tracing::Instrument;
    let EventHead {
        content_type,
        idempotency_key,
        traceparent,
    } = head;
    let webhook_id = match &route {
        Route::Webhook { webhook_id, .. } => webhook_id.clone(),
        Route::Application { .. } => String::new(),
    };
    let span = tracing::info_span!("ingest", webhook = %webhook_id);
    if let Some(parent) = &traceparent {
        trace_context::set_parent(&span, parent);
    }
    // The deliveries carry the trace on: this span's context when spans
    // are exported, else the sender's own `traceparent`, as it came.
    let event_headers = trace_context::traceparent_of(&span)
        .or(traceparent)
        .map(|t| serde_json::json!({ trace_context::TRACEPARENT: t }).to_string());
    let event = NewEvent {
        project_id,
        route,
        content_type,
        body,
        headers: event_headers,
        ordering_key: None,
        idempotency_key,
        request_headers: headers,
    };
    let accepted = state.ops.intake.accept(event).instrument(span).await?;
    let (delivery_id, webhook_id) = accepted
        .deliveries
        .into_iter()
        .next()
        .unwrap_or((String::new(), webhook_id));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_writes_come_in_a_burst_then_paced_carrying_the_held_back() {
        let log = RefusalLog::default();
        let writes: Vec<Option<i64>> = (0..8).map(|_| log.admit("wh_a", 1000)).collect();
        assert_eq!(
            writes,
            [
                Some(1),
                Some(1),
                Some(1),
                Some(1),
                Some(1),
                None,
                None,
                None
            ]
        );
        // Another webhook has its own pace.
        assert_eq!(log.admit("wh_b", 1000), Some(1));
        // A token later, the three held back are written with this one.
        assert_eq!(log.admit("wh_a", 1000 + REFUSAL_REFILL_MS as i64), Some(4));
        assert_eq!(log.admit("wh_a", 1000 + REFUSAL_REFILL_MS as i64), None);
    }
}
