//! Writing the audit log, for every surface with its own actor.

use serde_json::Value;

use crate::store::{Actor, AuditEntry, Store};

/// Records a change to `project_id` by `actor` (an API key, a dashboard
/// user, a customer's portal token, the CLI). `summary` must hold no secret.
/// The change is already committed, so a failure to record is logged rather
/// than turned into an error answer that would invite a retry (or hide a
/// one-time secret the answer carries).
pub async fn record(
    store: &Store,
    actor: Actor,
    project_id: &str,
    action: &'static str,
    target: (&'static str, &str),
    summary: Value,
) {
    let entry = AuditEntry {
        project_id: project_id.to_string(),
        actor,
        action,
        target_type: target.0,
        target_id: target.1.to_string(),
        summary,
    };
    if let Err(e) = store.record_audit(&entry).await {
        tracing::error!(error = %e, action = entry.action, target_id = %entry.target_id, project = %entry.project_id, "recording an audit entry failed");
    }
}
