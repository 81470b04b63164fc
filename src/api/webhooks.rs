//! `/v1/webhooks`: configuration and secret rotation (write role).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;

use super::audit_logs::{self, SourceIp};
use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery, OptionalJson, PageQuery};
use super::{data, timestamp, AppState, Data, List};
use crate::inbound::Verification;
use crate::operations::webhooks::{
    self as ops, audit_summary, rotation_action, stored_verification,
};
use crate::operations::webhooks::{CreateWebhook, RotateSecret, UpdateWebhook};
use crate::store::{self, DestinationKind, KeyAuth, Ordering, SecretKind, Webhook};
use crate::webhooks as rules;

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
    let created = ops::create(&state.ops, key.project_id.clone(), body).await?;
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
pub(crate) fn created_view(state: &AppState, created: ops::Created) -> WebhookView {
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

#[utoipa::path(get, path = "/v1/webhooks", operation_id = "webhooks.list", tag = "webhooks", security(("apiKey" = [])), params(PageQuery),
    responses((status = 200, body = List<WebhookView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<WebhookView>>, ApiError> {
    let page = state
        .ops
        .store
        .list_webhooks(&key.project_id, &q.page()?)
        .await?;
    Ok(super::list(page, |w| view(&state, w)))
}

#[utoipa::path(get, path = "/v1/webhooks/{id}", operation_id = "webhooks.get", tag = "webhooks", security(("apiKey" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<WebhookView>), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<WebhookView>>, ApiError> {
    let w = ops::find(&state.ops, &key.project_id, &id).await?;
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
    let w = ops::find(&state.ops, &key.project_id, &id).await?;
    let updated = ops::update(&state.ops, w, body).await?;
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

#[utoipa::path(delete, path = "/v1/webhooks/{id}", operation_id = "webhooks.delete", tag = "webhooks", security(("apiKey" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "Deleted, with its secrets and delivery history"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    ops::delete(&state.ops, &key.project_id, &id).await?;
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

/// The answer to a rotation: the new secret under its kind's name.
pub(crate) fn rotated_view(r: &ops::Rotated) -> RotatedSecret {
    let shown = |k: SecretKind| r.secret.clone().filter(|_| r.kind == k);
    RotatedSecret {
        ingest_secret: shown(SecretKind::Ingest),
        signing_secret: shown(SecretKind::Signing),
        verification_secret: shown(SecretKind::Verification),
        version: r.version,
        previous_retired_at: timestamp(r.previous_retired_at),
    }
}

async fn rotate_and_record(
    state: AppState,
    key: KeyAuth,
    ip: SourceIp,
    id: &str,
    kind: SecretKind,
    body: RotateSecret,
) -> Result<axum::Json<Data<RotatedSecret>>, ApiError> {
    let rotated = ops::rotate(&state.ops, &key.project_id, id, kind, body).await?;
    let answer = data(rotated_view(&rotated));
    audit_logs::record(
        &state,
        &key,
        &ip,
        rotation_action(kind),
        "webhook",
        id,
        rotated.summary,
    )
    .await;
    Ok(answer)
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
    let refusals = ops::refusals(&state.ops, project_id, id).await?;
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
    let versions = ops::secret_versions(&state.ops, project_id, id).await?;
    Ok(data(
        versions
            .into_iter()
            .map(|(v, status)| SecretVersionView {
                status,
                kind: v.kind,
                version: v.version,
                prefix: v.prefix,
                created_at: timestamp(v.created_at),
                retired_at: v.retired_at.map(timestamp),
            })
            .collect(),
    ))
}
