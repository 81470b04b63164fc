//! The audit log: who did what to which object, never with a secret in it.

use super::{now_ms, Result, Store};
use crate::ids;

/// Who acted: an API key (`actor_label` = its prefix), a dashboard user
/// (label = email) or the operator's CLI.
#[derive(Clone, Debug)]
pub struct Actor {
    pub actor_type: &'static str,
    pub actor_id: String,
    pub actor_label: String,
    pub source_ip: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub project_id: String,
    pub actor: Actor,
    /// Dotted verb, e.g. `webhook.create`, `api_key.rotate`.
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    /// JSON object summarising the change; callers must leave secrets out.
    pub summary: serde_json::Value,
}

impl Store {
    pub async fn record_audit(&self, e: &AuditEntry) -> Result<()> {
        insert_audit(self.pool(), e).await
    }
}

/// Writes an entry with any executor, so that a change and its entry can
/// share a transaction.
pub(super) async fn insert_audit<'c>(executor: impl sqlx::Executor<'c, Database = sqlx::Any>, e: &AuditEntry) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, project_id, actor_type, actor_id, actor_label, source_ip, action, \
         target_type, target_id, summary, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(ids::new_id("aud"))
    .bind(&e.project_id)
    .bind(e.actor.actor_type)
    .bind(&e.actor.actor_id)
    .bind(&e.actor.actor_label)
    .bind(&e.actor.source_ip)
    .bind(e.action)
    .bind(e.target_type)
    .bind(&e.target_id)
    .bind(e.summary.to_string())
    .bind(now_ms())
    .execute(executor)
    .await
    .map(|_| ())
}
