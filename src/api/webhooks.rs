//! `/v1/webhooks`: configuration and secret rotation (write role).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::audit_logs::{self, SourceIp};
use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::{double_option, ApiJson, ApiQuery, OptionalJson, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::inbound::Verification;
use crate::secrets::{self, SecretBox};
use crate::store::{self, DestinationKind, KeyAuth, NewSecret, Ordering, SecretKind, Webhook};
use crate::webhooks::{self as rules, DEFAULT_TIMEOUT_SECS, MAX_DESCRIPTION_LEN, MAX_NAME_LEN};
use crate::{delivery, ids, retry};

pub const DEFAULT_OVERLAP_SECS: i64 = 24 * 3600;
pub const MAX_OVERLAP_SECS: i64 = 7 * 24 * 3600;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "wh_01JQ3W5Y0V2D9K8N4T6R7S1B2C", "name": "orders", "description": "Order events for the warehouse",
    "destinationUrl": "https://example.com/hooks/orders", "destinationKind": "http", "enabled": true, "disabledReason": null,
    "headers": { "x-team": "warehouse" }, "timeoutSeconds": 15, "retrySchedule": [5, 300, 1800, 7200, 18000, 36000, 36000],
    "ingestUrl": "https://hooks.example.com/v1/ingest/k3v9qz7m2x8p4r6t", "applicationId": null, "eventTypes": null,
    "createdAt": "2026-03-14T15:30:00.000Z", "updatedAt": "2026-03-14T15:30:00.000Z",
    "maxInFlight": null, "rateLimit": 50, "ordering": "none", "circuit": { "state": "closed", "since": null, "nextProbeAt": null }, "heldCount": 0
}))]
pub struct WebhookView {
    pub(crate) id: String,
    pub(crate) name: String,
    description: String,
    pub(crate) destination_url: String,
    /// `listen`: deliveries go through a `hookrelay listen` connection to
    /// `destinationUrl` on the machine running it, and wait while none is
    /// connected.
    destination_kind: DestinationKind,
    pub(crate) enabled: bool,
    /// Set when Hookrelay disabled the webhook because its deliveries kept
    /// dying; cleared by enabling it again.
    disabled_reason: Option<String>,
    headers: BTreeMap<String, String>,
    timeout_seconds: i64,
    /// Delays in seconds before each retry; the default unless overridden.
    retry_schedule: Vec<u32>,
    /// Absent in the Portal API: ingest belongs to the project.
    #[serde(skip_serializing_if = "Option::is_none")]
    ingest_url: Option<String>,
    /// The application this webhook is an endpoint of, if any.
    application_id: Option<String>,
    /// The event types it receives; absent or null means all.
    event_types: Option<Vec<String>>,
    created_at: String,
    updated_at: String,
    /// Shown once, in the answer to create.
    #[serde(skip_serializing_if = "Option::is_none")]
    ingest_secret: Option<String>,
    /// Shown once, in the answer to create.
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_secret: Option<String>,
    /// Most requests in flight to this endpoint, all nodes together; null:
    /// the server's default (`--endpoint-max-in-flight`, 20 unless set).
    max_in_flight: Option<i64>,
    /// Most deliveries started per second; null: unlimited.
    rate_limit: Option<i64>,
    /// `fifo`: one delivery at a time (per `orderingKey`), in ingest order.
    ordering: Ordering,
    circuit: CircuitView,
    /// Deliveries held while it is disabled; enabling it releases them,
    /// within `maxInFlight` and `rateLimit`.
    held_count: i64,
    /// How its ingest URL verifies a provider's requests; null: the bearer
    /// ingest secret alone. Absent in the Portal API.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Verification>)]
    verification: Option<Option<Verification>>,
    /// Which events it is sent (a filter over the payload and headers);
    /// null: all. Events that do not match are recorded `filtered`.
    #[schema(value_type = Option<Object>)]
    filter: Option<serde_json::Value>,
    /// Shown once: the verification secret Hookrelay generated when the
    /// provider was set (or rotated) without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_secret: Option<String>,
}

/// An endpoint's circuit breaker: `open` after failures in a row (its
/// deliveries wait, not attempted), `half-open` once its probe may go,
/// `closed` otherwise.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CircuitView {
    state: CircuitStateView,
    /// When it entered its state (null if it never opened).
    since: Option<String>,
    /// While open: when the probe may go.
    next_probe_at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CircuitStateView {
    Closed,
    Open,
    HalfOpen,
}

impl CircuitView {
    fn of(c: &store::StoredCircuit, now: i64) -> CircuitView {
        let state = match (c.state.as_str(), c.next_probe_at) {
            ("open", Some(probe)) if probe <= now => CircuitStateView::HalfOpen,
            ("open", _) => CircuitStateView::Open,
            _ => CircuitStateView::Closed,
        };
        CircuitView {
            state,
            since: c.since.map(timestamp),
            next_probe_at: c.next_probe_at.filter(|_| c.state == "open").map(timestamp),
        }
    }
}

pub(crate) fn view(state: &AppState, w: Webhook) -> WebhookView {
    let verification = stored_verification(&w);
    WebhookView {
        ingest_url: Some(state.ingest_url(&w.public_id)),
        headers: serde_json::from_str(&w.headers).unwrap_or_default(),
        retry_schedule: rules::schedule(w.retry_schedule.as_deref()),
        event_types: w
            .event_types
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok()),
        application_id: w.application_id,
        id: w.id,
        name: w.name,
        description: w.description,
        destination_url: w.destination_url,
        destination_kind: w.destination_kind,
        enabled: w.enabled,
        disabled_reason: w.disabled_reason,
        timeout_seconds: w.timeout_secs,
        created_at: timestamp(w.created_at),
        updated_at: timestamp(w.updated_at),
        ingest_secret: None,
        signing_secret: None,
        max_in_flight: w.max_in_flight,
        rate_limit: w.rate_limit,
        ordering: w.ordering,
        circuit: CircuitView::of(&w.circuit, store::now_ms()),
        held_count: w.held_count,
        verification: Some(verification),
        verification_secret: None,
        filter: w
            .filter
            .as_deref()
            .and_then(|f| serde_json::from_str(f).ok()),
    }
}

/// A webhook's verification as stored (written validated).
pub(crate) fn stored_verification(w: &Webhook) -> Option<Verification> {
    w.verification
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok())
}

/// An application's endpoint as its customer sees it in the Portal API.
pub(super) fn portal_view(
    state: &AppState,
    w: Webhook,
    signing_secret: Option<String>,
) -> WebhookView {
    WebhookView {
        ingest_url: None,
        signing_secret,
        verification: None,
        ..view(state, w)
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "name": "orders", "destinationUrl": "https://example.com/hooks/orders", "headers": { "x-team": "warehouse" }, "timeoutSeconds": 10 }))]
pub struct CreateWebhook {
    name: String,
    #[serde(default)]
    description: String,
    destination_url: String,
    /// `http` (default), or `listen`: delivered through `hookrelay listen`
    /// (set when created, never changed).
    pub(super) destination_kind: Option<DestinationKind>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// 1 to 30 seconds (default 15).
    timeout_seconds: Option<i64>,
    /// Retry delays in seconds (at most 20 entries of at most 7 days).
    retry_schedule: Option<Vec<u32>>,
    /// Makes the webhook an endpoint of this application (its id or uid).
    pub(super) application_id: Option<String>,
    /// For application endpoints: the event types received (known types
    /// only); absent means all.
    event_types: Option<Vec<String>>,
    /// Most requests in flight to it at once, 1 to 1000; absent: the
    /// server's default.
    max_in_flight: Option<i64>,
    /// Most deliveries started per second, 1 to 10000; absent: unlimited.
    rate_limit: Option<i64>,
    /// `none` (default) or `fifo`.
    ordering: Option<Ordering>,
    /// Verifies the requests of a provider (Stripe, GitHub, ...) at the
    /// ingest URL, instead of or as well as the bearer ingest secret.
    pub(super) verification: Option<Verification>,
    /// Sends only the events that match, e.g. `{"path": "type", "in":
    /// ["invoice.paid"]}`; see the README for the language.
    #[schema(value_type = Option<Object>)]
    filter: Option<serde_json::Value>,
}

fn enabled_by_default() -> bool {
    true
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "enabled": false, "retrySchedule": null }))]
pub struct UpdateWebhook {
    name: Option<String>,
    description: Option<String>,
    destination_url: Option<String>,
    enabled: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
    timeout_seconds: Option<i64>,
    /// `null` restores the default schedule.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<u32>>)]
    retry_schedule: Option<Option<Vec<u32>>>,
    /// `null` subscribes to all event types.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    event_types: Option<Option<Vec<String>>>,
    /// `null` restores the server's default.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    max_in_flight: Option<Option<i64>>,
    /// `null` removes the limit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    rate_limit: Option<Option<i64>>,
    ordering: Option<Ordering>,
    /// `null` turns provider verification off (the bearer ingest secret
    /// alone). A `secret` given becomes the current one at once; to keep
    /// the previous one valid a while, use `rotate-verification-secret`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Verification>)]
    pub(super) verification: Option<Option<Verification>>,
    /// `null` removes the filter: every event is sent.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Object>)]
    filter: Option<Option<serde_json::Value>>,
}

/// Checks every field of a webhook about to be stored.
fn validate(
    state: &AppState,
    w: &Webhook,
    headers: &BTreeMap<String, String>,
    schedule: Option<&[u32]>,
) -> Result<(), ApiError> {
    rules::validate_text(&w.name, MAX_NAME_LEN, true)
        .map_err(|e| ApiError::invalid_field("name", e))?;
    rules::validate_text(&w.description, MAX_DESCRIPTION_LEN, false)
        .map_err(|e| ApiError::invalid_field("description", e))?;
    rules::validate_destination_url(&w.destination_url)
        .map_err(|e| ApiError::invalid_field("destinationUrl", e))?;
    // A listen webhook's URL is on the machine running `hookrelay listen`
    // (usually localhost): the server never connects to it.
    if !state.allow_private_destinations && w.destination_kind == DestinationKind::Http {
        delivery::check_destination(&w.destination_url)
            .map_err(|e| ApiError::invalid_field("destinationUrl", e))?;
    }
    rules::validate_headers(headers).map_err(|e| ApiError::invalid_field("headers", e))?;
    rules::validate_timeout(w.timeout_secs)
        .map_err(|e| ApiError::invalid_field("timeoutSeconds", e))?;
    if let Some(s) = schedule {
        retry::validate_schedule(s).map_err(|e| ApiError::invalid_field("retrySchedule", e))?;
    }
    if let Some(n) = w.max_in_flight {
        rules::validate_max_in_flight(n).map_err(|e| ApiError::invalid_field("maxInFlight", e))?;
    }
    if let Some(r) = w.rate_limit {
        rules::validate_rate_limit(r).map_err(|e| ApiError::invalid_field("rateLimit", e))?;
    }
    Ok(())
}

/// A subscription list checked against the project's event types, stored
/// form.
async fn subscriptions(
    state: &AppState,
    project_id: &str,
    types: Option<&[String]>,
) -> Result<Option<String>, ApiError> {
    let Some(types) = types else { return Ok(None) };
    let types = crate::applications::normalize_subscriptions(types)
        .map_err(|e| ApiError::invalid_field("eventTypes", e))?;
    let known = state.store.known_event_types(project_id, &types).await?;
    if let Some(unknown) = types.iter().find(|t| !known.contains(t)) {
        return Err(ApiError::invalid_field(
            "eventTypes",
            format!("{unknown:?} is not an event type of this project"),
        ));
    }
    Ok(Some(to_json(&types)))
}

fn not_an_endpoint() -> ApiError {
    ApiError::invalid_field(
        "eventTypes",
        "only application endpoints (with an applicationId) subscribe to event types",
    )
}

/// A webhook's settings for the audit log: header names but not their
/// values, and the destination without credentials it may embed.
pub(crate) fn audit_summary(w: &Webhook) -> serde_json::Value {
    let headers: BTreeMap<String, String> = serde_json::from_str(&w.headers).unwrap_or_default();
    serde_json::json!({
        "name": w.name,
        "description": w.description,
        "destinationUrl": crate::audit::redact_url(&w.destination_url),
        "enabled": w.enabled,
        "headerNames": headers.keys().collect::<Vec<_>>(),
        "timeoutSeconds": w.timeout_secs,
        "retrySchedule": rules::schedule(w.retry_schedule.as_deref()),
        "maxInFlight": w.max_in_flight,
        "rateLimit": w.rate_limit,
        "ordering": w.ordering,
        "destinationKind": w.destination_kind,
        "verification": stored_verification(w),
        "filter": w.filter.as_deref().and_then(|f| serde_json::from_str::<serde_json::Value>(f).ok()),
    })
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("maps and vectors of plain values serialize")
}

/// A filter checked, in its stored form.
fn stored_filter(filter: Option<&serde_json::Value>) -> Result<Option<String>, ApiError> {
    let Some(f) = filter else { return Ok(None) };
    crate::filters::Filter::parse(f).map_err(|e| ApiError::invalid_field("filter", e))?;
    Ok(Some(f.to_string()))
}

/// A verification about to be stored: its JSON and, when it gets a new
/// secret, the row to store and the raw secret if Hookrelay generated it
/// (to be shown once).
#[derive(Default)]
struct PreparedVerification {
    json: Option<String>,
    secret: Option<NewSecret>,
    generated: Option<String>,
}

/// Checks a verification set on a webhook whose current one is `previous`.
/// A new secret is needed when one is given or the provider changes.
fn prepare_verification(
    secret_box: &SecretBox,
    input: Option<Verification>,
    previous: Option<&Verification>,
) -> Result<PreparedVerification, ApiError> {
    let Some(mut v) = input else {
        return Ok(PreparedVerification::default());
    };
    v.validate().map_err(verification_error)?;
    let same_provider = previous.is_some_and(|p| p.provider == v.provider);
    let (raw, generated) = match v.secret.take() {
        Some(raw) => (Some(raw), false),
        None if same_provider => (None, false),
        None => {
            if let Some(e) = v.missing_secret() {
                return Err(verification_error(e));
            }
            (v.generate_secret(), true)
        }
    };
    Ok(PreparedVerification {
        json: Some(to_json(&v)),
        secret: raw
            .as_deref()
            .map(|r| verification_secret_row(secret_box, r)),
        generated: raw.filter(|_| generated),
    })
}

fn verification_error(e: crate::inbound::Invalid) -> ApiError {
    let field = match e.field {
        "secret" => "verification.secret",
        "header" => "verification.header",
        "algorithm" => "verification.algorithm",
        "encoding" => "verification.encoding",
        "prefix" => "verification.prefix",
        "timestampHeader" => "verification.timestampHeader",
        "username" => "verification.username",
        "toleranceSeconds" => "verification.toleranceSeconds",
        "requireIngestSecret" => "verification.requireIngestSecret",
        _ => "verification",
    };
    ApiError::invalid_field(field, e.message)
}

/// A provider's secret, encrypted. Its prefix shows at most a quarter of
/// it: unlike our own secrets, it may be short.
fn verification_secret_row(secret_box: &SecretBox, raw: &str) -> NewSecret {
    let shown = (raw.chars().count() / 4).min(8);
    NewSecret {
        kind: SecretKind::Verification,
        prefix: raw.chars().take(shown).collect(),
        secret_hash: None,
        ciphertext: Some(secret_box.encrypt(raw)),
    }
}

/// A fresh secret of `kind`: the raw value for the caller, the row to store.
fn new_secret(secret_box: &SecretBox, kind: SecretKind) -> (String, NewSecret) {
    let raw = secrets::new_webhook_secret();
    let row = NewSecret {
        kind,
        prefix: secrets::display_prefix(&raw),
        secret_hash: (kind == SecretKind::Ingest).then(|| secrets::hash(&raw)),
        ciphertext: (kind == SecretKind::Signing).then(|| secret_box.encrypt(&raw)),
    };
    (raw, row)
}

#[utoipa::path(post, path = "/v1/webhooks", operation_id = "webhooks.create", tag = "webhooks", security(("apiKey" = [])), request_body = CreateWebhook,
    responses((status = 201, body = Data<WebhookView>, description = "Created; `ingestSecret` and `signingSecret` are shown this once"),
        (status = 401, body = ErrorBody), (status = 400, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "`quota_exceeded`: the tier's webhook count; `application_endpoint_limit`: the application's endpoint count (the project's `maxEndpointsPerApplication`)")))]
pub async fn create(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> Result<(StatusCode, axum::Json<Data<WebhookView>>), ApiError> {
    let created = create_webhook(&state, key.project_id.clone(), body).await?;
    let w = &created.webhook;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "webhook.create",
        "webhook",
        &w.id,
        audit_summary(w),
    )
    .await;
    Ok((StatusCode::CREATED, data(created_view(&state, created))))
}

/// The answer to a create: the webhook with both new secrets, shown once.
pub(crate) fn created_view(state: &AppState, created: Created) -> WebhookView {
    let mut v = view(state, created.webhook);
    v.ingest_secret = Some(created.ingest_secret);
    v.signing_secret = Some(created.signing_secret);
    v.verification_secret = created.verification_secret;
    v
}

/// The answer to an update: the webhook with a verification secret
/// Hookrelay generated, shown once.
pub(crate) fn updated_view(
    state: &AppState,
    w: Webhook,
    verification_secret: Option<String>,
) -> WebhookView {
    WebhookView {
        verification_secret,
        ..view(state, w)
    }
}

/// A stored webhook with its raw secrets, to be shown once.
pub(crate) struct Created {
    pub webhook: Webhook,
    pub ingest_secret: String,
    pub signing_secret: String,
    pub verification_secret: Option<String>,
}

pub(crate) async fn create_webhook(
    state: &AppState,
    project_id: String,
    body: CreateWebhook,
) -> Result<Created, ApiError> {
    let application_id = match &body.application_id {
        None => None,
        Some(app) => Some(
            state
                .store
                .get_application(&project_id, app)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "applicationId",
                        "is not an application of this project",
                    )
                })?
                .id,
        ),
    };
    if body.event_types.is_some() && application_id.is_none() {
        return Err(not_an_endpoint());
    }
    let event_types = subscriptions(state, &project_id, body.event_types.as_deref()).await?;
    let verification = prepare_verification(&state.secret_box, body.verification, None)?;
    let filter = stored_filter(body.filter.as_ref())?;
    let now = store::now_ms();
    let w = Webhook {
        id: ids::new_id(ids::WEBHOOK),
        project_id,
        public_id: ids::new_public_id(),
        name: body.name.trim().to_string(),
        description: body.description,
        destination_url: body.destination_url.trim().to_string(),
        enabled: body.enabled,
        headers: to_json(&body.headers),
        timeout_secs: body.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECS),
        retry_schedule: body.retry_schedule.as_ref().map(to_json),
        created_at: now,
        updated_at: now,
        application_id,
        event_types,
        max_in_flight: body.max_in_flight,
        rate_limit: body.rate_limit,
        ordering: body.ordering.unwrap_or_default(),
        destination_kind: body.destination_kind.unwrap_or_default(),
        verification: verification.json,
        filter,
        ..Webhook::default()
    };
    validate(state, &w, &body.headers, body.retry_schedule.as_deref())?;
    super::tiers::check_new_webhook(state, &w.project_id).await?;
    if let Some(app) = &w.application_id {
        super::project::check_new_endpoint(state, &w.project_id, app).await?;
    }
    let (ingest_secret, ingest_row) = new_secret(&state.secret_box, SecretKind::Ingest);
    let (signing_secret, signing_row) = new_secret(&state.secret_box, SecretKind::Signing);
    let mut rows = vec![ingest_row, signing_row];
    rows.extend(verification.secret);
    state.store.create_webhook(&w, &rows).await?;
    if w.application_id.is_some() {
        // A new endpoint receives its application's next message.
        state.forget_credentials();
    }
    Ok(Created {
        webhook: w,
        ingest_secret,
        signing_secret,
        verification_secret: verification.generated,
    })
}

#[utoipa::path(get, path = "/v1/webhooks", operation_id = "webhooks.list", tag = "webhooks", security(("apiKey" = [])), params(PageQuery),
    responses((status = 200, body = List<WebhookView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<WebhookView>>, ApiError> {
    let page = state
        .store
        .list_webhooks(&key.project_id, &q.page()?)
        .await?;
    Ok(super::list(page, |w| view(&state, w)))
}

pub(crate) async fn find(
    state: &AppState,
    project_id: &str,
    id: &str,
) -> Result<Webhook, ApiError> {
    state
        .store
        .get_webhook(project_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))
}

#[utoipa::path(get, path = "/v1/webhooks/{id}", operation_id = "webhooks.get", tag = "webhooks", security(("apiKey" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<WebhookView>), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<WebhookView>>, ApiError> {
    let w = find(&state, &key.project_id, &id).await?;
    Ok(data(view(&state, w)))
}

#[utoipa::path(patch, path = "/v1/webhooks/{id}", operation_id = "webhooks.update", tag = "webhooks", security(("apiKey" = [])), params(("id" = String, Path)),
    request_body = UpdateWebhook,
    responses((status = 200, body = Data<WebhookView>), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateWebhook>,
) -> Result<axum::Json<Data<WebhookView>>, ApiError> {
    let w = find(&state, &key.project_id, &id).await?;
    let updated = update_webhook(&state, w, body).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "webhook.update",
        "webhook",
        &updated.webhook.id,
        updated.changes,
    )
    .await;
    Ok(data(updated_view(
        &state,
        updated.webhook,
        updated.verification_secret,
    )))
}

/// A saved patch: the webhook, what changed (for the audit log), and a
/// verification secret Hookrelay generated (shown once).
pub(crate) struct Updated {
    pub webhook: Webhook,
    pub changes: serde_json::Value,
    pub verification_secret: Option<String>,
}

/// Applies a patch to a found webhook.
pub(crate) async fn update_webhook(
    state: &AppState,
    mut w: Webhook,
    body: UpdateWebhook,
) -> Result<Updated, ApiError> {
    let before = audit_summary(&w);
    let mut headers: BTreeMap<String, String> =
        serde_json::from_str(&w.headers).unwrap_or_default();
    if let Some(v) = body.name {
        w.name = v.trim().to_string();
    }
    if let Some(v) = body.description {
        w.description = v;
    }
    if let Some(v) = body.destination_url {
        w.destination_url = v.trim().to_string();
    }
    if let Some(v) = body.enabled {
        w.enabled = v;
    }
    if let Some(v) = body.headers {
        headers = v;
        w.headers = to_json(&headers);
    }
    if let Some(v) = body.timeout_seconds {
        w.timeout_secs = v;
    }
    if let Some(v) = &body.retry_schedule {
        w.retry_schedule = v.as_ref().map(to_json);
    }
    if let Some(v) = &body.event_types {
        if v.is_some() && w.application_id.is_none() {
            return Err(not_an_endpoint());
        }
        w.event_types = subscriptions(state, &w.project_id, v.as_deref()).await?;
    }
    if let Some(v) = body.max_in_flight {
        w.max_in_flight = v;
    }
    if let Some(v) = body.rate_limit {
        w.rate_limit = v;
    }
    if let Some(v) = body.ordering {
        w.ordering = v;
    }
    if let Some(f) = &body.filter {
        w.filter = stored_filter(f.as_ref())?;
    }
    let mut verification = PreparedVerification::default();
    if let Some(v) = body.verification {
        let previous = stored_verification(&w);
        verification = prepare_verification(&state.secret_box, v, previous.as_ref())?;
        w.verification = verification.json.take();
    }
    validate(
        state,
        &w,
        &headers,
        body.retry_schedule.as_ref().and_then(|s| s.as_deref()),
    )?;
    w.updated_at = store::now_ms();
    if w.enabled {
        // Saving an enabled webhook clears an auto-disable.
        w.disabled_reason = None;
    }
    state
        .store
        .update_webhook(&w, verification.secret.as_ref())
        .await?;
    state.engine.invalidate(&w.id);
    state.forget_credentials();
    if w.enabled {
        state.engine.wake();
    }
    let changes = crate::audit::changes(&before, &audit_summary(&w));
    Ok(Updated {
        webhook: w,
        changes,
        verification_secret: verification.generated,
    })
}

#[utoipa::path(delete, path = "/v1/webhooks/{id}", operation_id = "webhooks.delete", tag = "webhooks", security(("apiKey" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "Deleted, with its secrets and delivery history"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete_webhook(&state, &key.project_id, &id).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        "webhook.delete",
        "webhook",
        &id,
        serde_json::json!({}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn delete_webhook(
    state: &AppState,
    project_id: &str,
    id: &str,
) -> Result<(), ApiError> {
    if !state.store.delete_webhook(project_id, id).await? {
        return Err(ApiError::not_found("webhook"));
    }
    state.engine.invalidate(id);
    state.forget_credentials();
    Ok(())
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateSecret {
    /// How long the previous secret stays valid: 0 to 604800 seconds (default 86400).
    overlap_seconds: Option<i64>,
    /// Verification secrets only: the provider's new secret. Absent: one
    /// is generated (shown once) where the provider lets the receiver
    /// choose it.
    secret: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({ "signingSecret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "version": 2, "previousRetiredAt": "2026-03-15T15:30:00.000Z" }))]
pub struct RotatedSecret {
    #[serde(skip_serializing_if = "Option::is_none")]
    ingest_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_secret: Option<String>,
    /// Set when Hookrelay generated the new verification secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_secret: Option<String>,
    version: i64,
    /// When the previous version stops being valid.
    previous_retired_at: String,
}

/// Rotates a secret; also answers a summary of the change for the audit log.
pub(crate) async fn rotate(
    state: &AppState,
    project_id: &str,
    id: &str,
    kind: SecretKind,
    body: RotateSecret,
) -> Result<(axum::Json<Data<RotatedSecret>>, serde_json::Value), ApiError> {
    let overlap = body.overlap_seconds.unwrap_or(DEFAULT_OVERLAP_SECS);
    if !(0..=MAX_OVERLAP_SECS).contains(&overlap) {
        return Err(ApiError::invalid_field(
            "overlapSeconds",
            format!("must be between 0 and {MAX_OVERLAP_SECS}"),
        ));
    }
    let w = find(state, project_id, id).await?;
    let (raw, row) = match kind {
        SecretKind::Verification => {
            let mut v = stored_verification(&w).ok_or_else(|| {
                ApiError::invalid_field("verification", "this webhook verifies no provider")
            })?;
            v.secret = body.secret;
            let p = prepare_verification(&state.secret_box, Some(v), None)?;
            let row = p.secret.ok_or_else(|| {
                ApiError::invalid_field("secret", "is required for this provider")
            })?;
            (p.generated, row)
        }
        _ if body.secret.is_some() => {
            return Err(ApiError::invalid_field(
                "secret",
                "only a verification secret may be given; Hookrelay generates the others",
            ))
        }
        _ => {
            let (raw, row) = new_secret(&state.secret_box, kind);
            (Some(raw), row)
        }
    };
    let version = state
        .store
        .rotate_secret(&w.id, &row, overlap * 1000)
        .await?;
    let summary = serde_json::json!({ "version": version, "newPrefix": row.prefix, "overlapSeconds": overlap });
    state.engine.invalidate(&w.id);
    state.forget_credentials();
    let shown = |k: SecretKind| raw.clone().filter(|_| kind == k);
    let answer = data(RotatedSecret {
        ingest_secret: shown(SecretKind::Ingest),
        signing_secret: shown(SecretKind::Signing),
        verification_secret: shown(SecretKind::Verification),
        version,
        previous_retired_at: timestamp(store::now_ms() + overlap * 1000),
    });
    Ok((answer, summary))
}

async fn rotate_and_record(
    state: AppState,
    key: KeyAuth,
    ip: SourceIp,
    id: &str,
    kind: SecretKind,
    body: RotateSecret,
) -> Result<axum::Json<Data<RotatedSecret>>, ApiError> {
    let (answer, summary) = rotate(&state, &key.project_id, id, kind, body).await?;
    audit_logs::record(
        &state,
        &key,
        &ip,
        rotation_action(kind),
        "webhook",
        id,
        summary,
    )
    .await;
    Ok(answer)
}

/// The audit action of a secret rotation.
pub(crate) fn rotation_action(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Ingest => "webhook.rotate_ingest_secret",
        SecretKind::Signing => "webhook.rotate_signing_secret",
        SecretKind::Verification => "webhook.rotate_verification_secret",
    }
}

#[utoipa::path(post, path = "/v1/webhooks/{id}/rotate-ingest-secret", operation_id = "webhooks.rotateIngestSecret", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path)), request_body(content = Option<RotateSecret>, description = "Optional: an empty body takes every default"),
    responses((status = 200, body = Data<RotatedSecret>, description = "`ingestSecret` is shown this once"), (status = 404, body = ErrorBody)))]
pub async fn rotate_ingest_secret(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<RotateSecret>,
) -> Result<axum::Json<Data<RotatedSecret>>, ApiError> {
    rotate_and_record(state, key, ip, &id, SecretKind::Ingest, body).await
}

#[utoipa::path(post, path = "/v1/webhooks/{id}/rotate-signing-secret", operation_id = "webhooks.rotateSigningSecret", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path)), request_body(content = Option<RotateSecret>, description = "Optional: an empty body takes every default"),
    responses((status = 200, body = Data<RotatedSecret>, description = "`signingSecret` is shown this once"), (status = 404, body = ErrorBody)))]
pub async fn rotate_signing_secret(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<RotateSecret>,
) -> Result<axum::Json<Data<RotatedSecret>>, ApiError> {
    rotate_and_record(state, key, ip, &id, SecretKind::Signing, body).await
}

#[utoipa::path(post, path = "/v1/webhooks/{id}/rotate-verification-secret", operation_id = "webhooks.rotateVerificationSecret", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path)), request_body(content = Option<RotateSecret>, description = "The provider's new `secret` (required for providers that issue it); the previous one stays valid `overlapSeconds`"),
    responses((status = 200, body = Data<RotatedSecret>, description = "`verificationSecret` is shown this once if Hookrelay generated it"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rotate_verification_secret(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<RotateSecret>,
) -> Result<axum::Json<Data<RotatedSecret>>, ApiError> {
    rotate_and_record(state, key, ip, &id, SecretKind::Verification, body).await
}

/// A request an ingest URL refused.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({ "at": "2026-03-14T15:30:00.000Z", "status": 400, "reason": "no signature matched (a wrong secret, or a body changed on the way)" }))]
pub struct RefusalView {
    at: String,
    /// What the sender was answered.
    status: i64,
    reason: String,
}

#[utoipa::path(get, path = "/v1/webhooks/{id}/ingest-refusals", operation_id = "webhooks.listIngestRefusals", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Data<Vec<RefusalView>>, description = "The last requests its ingest URL refused, newest first (a few dozen at most)"),
        (status = 404, body = ErrorBody)))]
pub async fn ingest_refusals(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<Vec<RefusalView>>>, ApiError> {
    refusals_in(&state, &key.project_id, &id).await
}

/// A webhook's last refusals; shared by the Public API and the dashboard.
pub(crate) async fn refusals_in(
    state: &AppState,
    project_id: &str,
    id: &str,
) -> Result<axum::Json<Data<Vec<RefusalView>>>, ApiError> {
    let w = find(state, project_id, id).await?;
    let refusals = state.store.list_refusals(&w.id).await?;
    Ok(data(
        refusals
            .into_iter()
            .map(|r| RefusalView {
                at: timestamp(r.at),
                status: r.status,
                reason: r.reason,
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretVersionView {
    kind: SecretKind,
    version: i64,
    prefix: String,
    created_at: String,
    retired_at: Option<String>,
    /// `active` (current), `overlapping` (previous, still valid) or `retired`.
    #[schema(schema_with = version_status)]
    status: &'static str,
}

fn version_status() -> utoipa::openapi::Object {
    super::one_of(&["active", "overlapping", "retired"])
}

#[utoipa::path(get, path = "/v1/webhooks/{id}/secret-versions", operation_id = "webhooks.listSecretVersions", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Data<Vec<SecretVersionView>>), (status = 404, body = ErrorBody)))]
pub async fn secret_versions(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<Vec<SecretVersionView>>>, ApiError> {
    secret_versions_in(&state, &key.project_id, &id).await
}

/// The version ledger of a webhook's secrets, never the secrets. Shared by
/// the Public API and the dashboard.
pub(crate) async fn secret_versions_in(
    state: &AppState,
    project_id: &str,
    id: &str,
) -> Result<axum::Json<Data<Vec<SecretVersionView>>>, ApiError> {
    let w = find(state, project_id, id).await?;
    let now = store::now_ms();
    let versions = state.store.list_secret_versions(&w.id).await?;
    Ok(data(
        versions
            .into_iter()
            .map(|v| SecretVersionView {
                status: match v.retired_at {
                    None => "active",
                    Some(r) if r > now => "overlapping",
                    Some(_) => "retired",
                },
                kind: v.kind,
                version: v.version,
                prefix: v.prefix,
                created_at: timestamp(v.created_at),
                retired_at: v.retired_at.map(timestamp),
            })
            .collect(),
    ))
}
