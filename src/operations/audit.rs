//! The audit log: written by every surface with its own actor, read by
//! the project's admins (tiers with the audit log).

use serde::Deserialize;
use serde_json::Value;

use super::{Error, Operations};
use crate::store::{Actor, AuditEntry, AuditFilter, AuditRecord, Page, Store};
use crate::tiers::Feature;

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

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `webhook.update`, `api_key.rotate`.
    action: Option<String>,
    /// An API key id, a dashboard user id, a portal token id, or the
    /// operator's user name for CLI actions.
    actor_id: Option<String>,
    target_id: Option<String>,
    /// At or after this RFC 3339 time.
    from: Option<String>,
    /// Before this RFC 3339 time.
    to: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// One page of `project_id`'s audit log, newest first; `TierRequired`
/// unless its tier has it.
pub async fn list(
    ops: &Operations,
    project_id: &str,
    q: AuditQuery,
) -> Result<Page<AuditRecord>, Error> {
    ops.require(project_id, Feature::AuditLog).await?;
    let (from_ms, to_ms) =
        crate::time::window(q.from.as_deref(), q.to.as_deref(), Error::invalid_query)?;
    let nonempty = |v: Option<String>| v.filter(|v| !v.is_empty());
    let filter = AuditFilter {
        action: nonempty(q.action),
        actor_id: nonempty(q.actor_id),
        target_id: nonempty(q.target_id),
        from_ms,
        to_ms,
    };
    let page = super::page(q.limit, q.cursor)?;
    Ok(ops.store.list_audit(project_id, &filter, &page).await?)
}
