//! Webhooks (and application endpoints, which are webhooks of an
//! application): creating, changing, deleting and rotating their secrets.
//! Every change tells the engine and forgets cached routes and credentials,
//! here and on the other nodes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Error, Operations};
use crate::applications::DEFAULT_MAX_ENDPOINTS_PER_APPLICATION;
use crate::inbound::Verification;
use crate::secrets::{self, SecretBox};
use crate::store::{
    self, DestinationKind, IngestRefusal, NewSecret, Ordering, SecretKind, SecretVersion, Webhook,
};
use crate::webhooks::{self as rules, DEFAULT_TIMEOUT_SECS, MAX_DESCRIPTION_LEN, MAX_NAME_LEN};
use crate::{delivery, ids, retry};

pub const DEFAULT_OVERLAP_SECS: i64 = 24 * 3600;
pub const MAX_OVERLAP_SECS: i64 = 7 * 24 * 3600;

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
    pub(crate) destination_kind: Option<DestinationKind>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// 1 to 30 seconds (default 15).
    timeout_seconds: Option<i64>,
    /// Retry delays in seconds (at most 20 entries of at most 7 days).
    retry_schedule: Option<Vec<u32>>,
    /// Makes the webhook an endpoint of this application (its id or uid).
    pub(crate) application_id: Option<String>,
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
    pub(crate) verification: Option<Verification>,
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
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<Vec<u32>>)]
    retry_schedule: Option<Option<Vec<u32>>>,
    /// `null` subscribes to all event types.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    event_types: Option<Option<Vec<String>>>,
    /// `null` restores the server's default.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<i64>)]
    max_in_flight: Option<Option<i64>>,
    /// `null` removes the limit.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<i64>)]
    rate_limit: Option<Option<i64>>,
    ordering: Option<Ordering>,
    /// `null` turns provider verification off (the bearer ingest secret
    /// alone). A `secret` given becomes the current one at once; to keep
    /// the previous one valid a while, use `rotate-verification-secret`.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<Verification>)]
    pub(crate) verification: Option<Option<Verification>>,
    /// `null` removes the filter: every event is sent.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<Object>)]
    filter: Option<Option<serde_json::Value>>,
}

/// Checks every field of a webhook about to be stored.
fn validate(
    ops: &Operations,
    w: &Webhook,
    headers: &BTreeMap<String, String>,
    schedule: Option<&[u32]>,
) -> Result<(), Error> {
    rules::validate_text(&w.name, MAX_NAME_LEN, true).map_err(|e| Error::invalid("name", e))?;
    rules::validate_text(&w.description, MAX_DESCRIPTION_LEN, false)
        .map_err(|e| Error::invalid("description", e))?;
    rules::validate_destination_url(&w.destination_url)
        .map_err(|e| Error::invalid("destinationUrl", e))?;
    // A listen webhook's URL is on the machine running `hookrelay listen`
    // (usually localhost): the server never connects to it.
    if !ops.allow_private_destinations && w.destination_kind == DestinationKind::Http {
        delivery::check_destination(&w.destination_url)
            .map_err(|e| Error::invalid("destinationUrl", e))?;
    }
    rules::validate_headers(headers).map_err(|e| Error::invalid("headers", e))?;
    rules::validate_timeout(w.timeout_secs).map_err(|e| Error::invalid("timeoutSeconds", e))?;
    if let Some(s) = schedule {
        retry::validate_schedule(s).map_err(|e| Error::invalid("retrySchedule", e))?;
    }
    if let Some(n) = w.max_in_flight {
        rules::validate_max_in_flight(n).map_err(|e| Error::invalid("maxInFlight", e))?;
    }
    if let Some(r) = w.rate_limit {
        rules::validate_rate_limit(r).map_err(|e| Error::invalid("rateLimit", e))?;
    }
    Ok(())
}

/// A subscription list checked against the project's event types, stored
/// form.
async fn subscriptions(
    ops: &Operations,
    project_id: &str,
    types: Option<&[String]>,
) -> Result<Option<String>, Error> {
    let Some(types) = types else { return Ok(None) };
    let types = crate::applications::normalize_subscriptions(types)
        .map_err(|e| Error::invalid("eventTypes", e))?;
    let known = ops.store.known_event_types(project_id, &types).await?;
    if let Some(unknown) = types.iter().find(|t| !known.contains(t)) {
        return Err(Error::invalid(
            "eventTypes",
            format!("{unknown:?} is not an event type of this project"),
        ));
    }
    Ok(Some(to_json(&types)))
}

fn not_an_endpoint() -> Error {
    Error::invalid(
        "eventTypes",
        "only application endpoints (with an applicationId) subscribe to event types",
    )
}

/// A webhook's settings for the audit log: header names but not their
/// values, and the destination without credentials it may embed.
pub fn audit_summary(w: &Webhook) -> serde_json::Value {
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
fn stored_filter(filter: Option<&serde_json::Value>) -> Result<Option<String>, Error> {
    let Some(f) = filter else { return Ok(None) };
    crate::filters::Filter::parse(f).map_err(|e| Error::invalid("filter", e))?;
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
) -> Result<PreparedVerification, Error> {
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

fn verification_error(e: crate::inbound::Invalid) -> Error {
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
    Error::invalid(field, e.message)
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

/// A webhook's verification as stored (written validated).
pub fn stored_verification(w: &Webhook) -> Option<Verification> {
    w.verification
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok())
}

/// A stored webhook with its raw secrets, to be shown once.
pub struct Created {
    pub webhook: Webhook,
    pub ingest_secret: String,
    pub signing_secret: String,
    pub verification_secret: Option<String>,
}

/// Creates a webhook (an application endpoint with `applicationId`),
/// within the tier's webhook count and the application's endpoint cap.
pub async fn create(
    ops: &Operations,
    project_id: String,
    body: CreateWebhook,
) -> Result<Created, Error> {
    let application_id = match &body.application_id {
        None => None,
        Some(app) => Some(
            ops.store
                .get_application(&project_id, app)
                .await?
                .ok_or_else(|| {
                    Error::invalid("applicationId", "is not an application of this project")
                })?
                .id,
        ),
    };
    if body.event_types.is_some() && application_id.is_none() {
        return Err(not_an_endpoint());
    }
    let event_types = subscriptions(ops, &project_id, body.event_types.as_deref()).await?;
    let verification = prepare_verification(&ops.secret_box, body.verification, None)?;
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
    validate(ops, &w, &body.headers, body.retry_schedule.as_deref())?;
    check_new_webhook(ops, &w.project_id).await?;
    if let Some(app) = &w.application_id {
        check_new_endpoint(ops, &w.project_id, app).await?;
    }
    let (ingest_secret, ingest_row) = new_secret(&ops.secret_box, SecretKind::Ingest);
    let (signing_secret, signing_row) = new_secret(&ops.secret_box, SecretKind::Signing);
    let mut rows = vec![ingest_row, signing_row];
    rows.extend(verification.secret);
    ops.store.create_webhook(&w, &rows).await?;
    if w.application_id.is_some() {
        // A new endpoint receives its application's next message.
        ops.changed().await;
    }
    Ok(Created {
        webhook: w,
        ingest_secret,
        signing_secret,
        verification_secret: verification.generated,
    })
}

/// The project's webhook `id`.
pub async fn find(ops: &Operations, project_id: &str, id: &str) -> Result<Webhook, Error> {
    ops.store
        .get_webhook(project_id, id)
        .await?
        .ok_or_else(|| Error::NotFound("webhook"))
}

/// What `POST /v1/webhooks/{id}/events` needs of its webhook.
#[derive(Clone)]
pub struct EventTarget {
    pub webhook_id: String,
    pub project_id: String,
    pub enabled: bool,
    pub filter: Option<String>,
}

/// The webhook events are sent to by id. Cached like the ingest URLs'
/// targets and applications, and forgotten with them after a change: this
/// is a way in, and reading the whole webhook for each event cost almost
/// as much CPU as the rest of the event (see docs/benchmarks.md).
/// Only webhooks that exist are cached, so unknown ids cannot fill the
/// cache, and a webhook is found as soon as it is created.
pub async fn event_target(
    ops: &Operations,
    project_id: &str,
    id: &str,
) -> Result<EventTarget, Error> {
    ops.event_targets
        .get_or_load_found((project_id.to_string(), id.to_string()), || async {
            Ok::<_, sqlx::Error>(ops.store.get_webhook(project_id, id).await?.map(|w| {
                EventTarget {
                    webhook_id: w.id,
                    project_id: w.project_id,
                    enabled: w.enabled,
                    filter: w.filter,
                }
            }))
        })
        .await?
        .ok_or(Error::NotFound("webhook"))
}

/// A saved patch: the webhook, what changed (for the audit log), and a
/// verification secret Hookrelay generated (shown once).
pub struct Updated {
    pub webhook: Webhook,
    pub changes: serde_json::Value,
    pub verification_secret: Option<String>,
}

/// Applies a patch to a found webhook.
pub async fn update(
    ops: &Operations,
    mut w: Webhook,
    body: UpdateWebhook,
) -> Result<Updated, Error> {
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
        w.event_types = subscriptions(ops, &w.project_id, v.as_deref()).await?;
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
        verification = prepare_verification(&ops.secret_box, v, previous.as_ref())?;
        w.verification = verification.json.take();
    }
    validate(
        ops,
        &w,
        &headers,
        body.retry_schedule.as_ref().and_then(|s| s.as_deref()),
    )?;
    w.updated_at = store::now_ms();
    if w.enabled {
        // Saving an enabled webhook clears an auto-disable.
        w.disabled_reason = None;
    }
    ops.store
        .update_webhook(&w, verification.secret.as_ref())
        .await?;
    ops.webhook_changed(&w.id).await;
    if w.enabled {
        // Deliveries it held while disabled may go.
        ops.engine.wake();
    }
    let changes = crate::audit::changes(&before, &audit_summary(&w));
    Ok(Updated {
        webhook: w,
        changes,
        verification_secret: verification.generated,
    })
}

pub async fn delete(ops: &Operations, project_id: &str, id: &str) -> Result<(), Error> {
    if !ops.store.delete_webhook(project_id, id).await? {
        return Err(Error::NotFound("webhook"));
    }
    ops.webhook_changed(id).await;
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

/// A rotated secret: the new one (shown once), its version, when the
/// previous one stops being valid, and a summary for the audit log.
pub struct Rotated {
    pub kind: SecretKind,
    /// None for a verification secret the provider issued.
    pub secret: Option<String>,
    pub version: i64,
    pub previous_retired_at: i64,
    pub summary: serde_json::Value,
}

/// Rotates a secret; the previous one stays valid `overlapSeconds`.
pub async fn rotate(
    ops: &Operations,
    project_id: &str,
    id: &str,
    kind: SecretKind,
    body: RotateSecret,
) -> Result<Rotated, Error> {
    let overlap = body.overlap_seconds.unwrap_or(DEFAULT_OVERLAP_SECS);
    if !(0..=MAX_OVERLAP_SECS).contains(&overlap) {
        return Err(Error::invalid(
            "overlapSeconds",
            format!("must be between 0 and {MAX_OVERLAP_SECS}"),
        ));
    }
    let w = find(ops, project_id, id).await?;
    let (raw, row) = match kind {
        SecretKind::Verification => {
            let mut v = stored_verification(&w).ok_or_else(|| {
                Error::invalid("verification", "this webhook verifies no provider")
            })?;
            v.secret = body.secret;
            let p = prepare_verification(&ops.secret_box, Some(v), None)?;
            let row = p
                .secret
                .ok_or_else(|| Error::invalid("secret", "is required for this provider"))?;
            (p.generated, row)
        }
        _ if body.secret.is_some() => {
            return Err(Error::invalid(
                "secret",
                "only a verification secret may be given; Hookrelay generates the others",
            ))
        }
        _ => {
            let (raw, row) = new_secret(&ops.secret_box, kind);
            (Some(raw), row)
        }
    };
    let version = ops.store.rotate_secret(&w.id, &row, overlap * 1000).await?;
    let summary = serde_json::json!({ "version": version, "newPrefix": row.prefix, "overlapSeconds": overlap });
    ops.webhook_changed(&w.id).await;
    Ok(Rotated {
        kind,
        secret: raw,
        version,
        previous_retired_at: store::now_ms() + overlap * 1000,
        summary,
    })
}

/// The audit action of a secret rotation.
pub fn rotation_action(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Ingest => "webhook.rotate_ingest_secret",
        SecretKind::Signing => "webhook.rotate_signing_secret",
        SecretKind::Verification => "webhook.rotate_verification_secret",
    }
}

/// The tier's webhook count, before one is created.
async fn check_new_webhook(ops: &Operations, project_id: &str) -> Result<(), Error> {
    let tier = ops.intake.quota(project_id).await?.tier;
    if let Some(max) = tier.max_webhooks {
        if ops.store.count_webhooks(project_id).await? >= max {
            return Err(Error::Limit {
                code: "quota_exceeded",
                message: format!("the {} tier allows {max} webhooks", tier.name),
                retry_after: None,
            });
        }
    }
    Ok(())
}

/// The project's cap on one application's endpoints, before one is created.
async fn check_new_endpoint(
    ops: &Operations,
    project_id: &str,
    application_id: &str,
) -> Result<(), Error> {
    let p = ops
        .store
        .get_project(project_id)
        .await?
        .ok_or_else(|| Error::NotFound("project"))?;
    let max = p
        .max_endpoints_per_application
        .unwrap_or(DEFAULT_MAX_ENDPOINTS_PER_APPLICATION);
    if ops
        .store
        .count_application_endpoints(application_id)
        .await?
        >= max
    {
        return Err(Error::Limit {
            code: "application_endpoint_limit",
            message: format!("an application may have at most {max} endpoints in this project"),
            retry_after: None,
        });
    }
    Ok(())
}

/// The last requests the webhook's ingest URL refused, newest first.
pub async fn refusals(
    ops: &Operations,
    project_id: &str,
    id: &str,
) -> Result<Vec<IngestRefusal>, Error> {
    let w = find(ops, project_id, id).await?;
    Ok(ops.store.list_refusals(&w.id).await?)
}

/// The version ledger of the webhook's secrets (never the secrets), each
/// with its status now: `active` (current), `overlapping` (previous, still
/// valid) or `retired`.
pub async fn secret_versions(
    ops: &Operations,
    project_id: &str,
    id: &str,
) -> Result<Vec<(SecretVersion, &'static str)>, Error> {
    let w = find(ops, project_id, id).await?;
    let now = store::now_ms();
    let versions = ops.store.list_secret_versions(&w.id).await?;
    Ok(versions
        .into_iter()
        .map(|v| {
            let status = match v.retired_at {
                None => "active",
                Some(r) if r > now => "overlapping",
                Some(_) => "retired",
            };
            (v, status)
        })
        .collect())
}
