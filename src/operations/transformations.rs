//! An endpoint's transformation: every change is a new kept version with
//! its audit entry, in one transaction, and the engine loads it for the
//! next delivery (other nodes' engines when the change's notice reaches
//! them).

use std::collections::BTreeMap;

use serde::Deserialize;
use sha2::Digest;

use super::{Error, Operations};
use crate::ids;
use crate::store::{self, Actor, AuditEntry, TransformationVersion, Webhook};
use crate::transform::{self, Caps, Failure, Outcome};

/// SHA-256 of a script, hex: tells versions apart at a glance, and is what
/// the audit log keeps instead of the code.
pub fn code_sha256(code: &str) -> String {
    hex::encode(sha2::Sha256::digest(code.as_bytes()))
}

/// Sets `w`'s transformation: `code` (absent: the current version's) is
/// checked in the sandbox (`Invalid` naming `code`), then stored as a new
/// version by `actor`.
pub async fn set(
    ops: &Operations,
    w: &Webhook,
    code: Option<String>,
    enabled: bool,
    actor: Actor,
) -> Result<TransformationVersion, Error> {
    let previous = match &w.transformation_id {
        Some(id) => ops.store.transformation_version(id).await?,
        None => None,
    };
    let code = match (code, &previous) {
        (Some(code), _) => code,
        (None, Some(p)) => p.code.clone(),
        (None, None) => return Err(Error::invalid("code", "is required")),
    };
    transform::check_code(code.clone(), Caps::default())
        .await
        .map_err(|e| Error::invalid("code", e))?;
    let v = TransformationVersion {
        id: ids::new_id(ids::TRANSFORMATION),
        project_id: w.project_id.clone(),
        webhook_id: w.id.clone(),
        enabled,
        created_at: store::now_ms(),
        actor_type: actor.actor_type.to_string(),
        actor_label: actor.actor_label.clone(),
        code,
    };
    let audit = AuditEntry {
        project_id: w.project_id.clone(),
        actor,
        action: "webhook.set_transformation",
        target_type: "webhook",
        target_id: w.id.clone(),
        summary: serde_json::json!({
            "versionId": v.id,
            "previousVersionId": previous.map(|p| p.id),
            "enabled": v.enabled,
            "codeSha256": code_sha256(&v.code),
            "codeBytes": v.code.len(),
        }),
    };
    ops.store.set_transformation(&v, &audit).await?;
    ops.webhook_changed(&w.id).await;
    Ok(v)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "code": "function handler(event) { return { body: { kind: event.eventType, data: event.payload } } }", "deliveryId": "msg_01JQ3W7F8H2K5M9P3R6T8V1X4Z" }))]
pub struct Simulate {
    /// JavaScript defining `handler(event)`, which returns `{body, headers?,
    /// method?, url?}` or null (cancel). `event` has `payload` (parsed JSON,
    /// or the text), `headers`, `method`, `url` and `eventType`.
    code: String,
    /// The stored delivery whose event the script runs on.
    pub delivery_id: String,
}

/// The request a script would have the engine send.
pub struct SimulatedRequest {
    pub body: String,
    /// The endpoint's and the event's headers with the script's over them.
    pub headers: BTreeMap<String, String>,
    pub method: String,
    pub url: String,
}

/// What a script would do with a stored delivery's event.
pub enum Simulated {
    Send(SimulatedRequest),
    /// The script returned null.
    Cancelled,
    Failed(Failure),
}

/// Runs `body.code` on the event of one of the project's deliveries, as the
/// engine would before sending it; nothing is sent or stored.
pub async fn simulate(
    ops: &Operations,
    project_id: &str,
    body: Simulate,
) -> Result<Simulated, Error> {
    transform::check_size(&body.code).map_err(|e| Error::invalid("code", e))?;
    let (d, _) = ops
        .store
        .get_delivery(project_id, &body.delivery_id)
        .await?
        .ok_or(Error::NotFound("delivery"))?;
    let event = ops
        .store
        .get_event_payload(project_id, &d.event_id)
        .await?
        .ok_or(Error::NotFound("delivery's event"))?;
    let w = super::webhooks::find(ops, project_id, &d.webhook_id).await?;
    let headers = super::deliveries::base_headers(&w, &event);
    let input = transform::input(
        &event.body,
        headers.clone(),
        w.destination_url,
        event.event_type,
    );
    let fallback = (input.method.clone(), input.url.clone());
    let simulated = match transform::run(body.code, input, Caps::default(), None).await {
        Ok(Outcome::Send(r)) => Simulated::Send(SimulatedRequest {
            headers: r.headers_over(&headers),
            body: r.body,
            method: r.method.unwrap_or(fallback.0),
            url: r.url.unwrap_or(fallback.1),
        }),
        Ok(Outcome::Cancelled) => Simulated::Cancelled,
        Err(f) => Simulated::Failed(f),
    };
    Ok(simulated)
}
