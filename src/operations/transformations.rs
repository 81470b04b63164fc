//! An endpoint's transformation: every change is a new kept version with
//! its audit entry, in one transaction, and this node's engine loads it for
//! the next delivery (other nodes within their target cache's TTL).

use sha2::Digest;

use super::{Error, Operations};
use crate::ids;
use crate::store::{self, Actor, AuditEntry, TransformationVersion, Webhook};
use crate::transform::{self, Caps};

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
    ops.engine.invalidate(&w.id);
    Ok(v)
}
