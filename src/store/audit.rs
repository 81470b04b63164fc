//! The audit log: who did what to which object, never with a secret in it;
//! written in the transaction of the change where there is one, read in pages.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{now_ms, Page, PageRequest, Result, Store};
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
        insert_audit(&self.pool, e).await
    }
}

/// Writes an entry with any executor, so that a change and its entry can
/// share a transaction.
pub(super) async fn insert_audit<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    e: &AuditEntry,
) -> Result<()> {
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

#[derive(Default, Clone, Debug)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct AuditRecord {
    pub id: String,
    pub actor_type: String,
    pub actor_id: String,
    pub actor_label: String,
    pub source_ip: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// A JSON object.
    pub summary: String,
    pub created_at: i64,
}

impl AuditRecord {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(AuditRecord {
            id: r.try_get("id")?,
            actor_type: r.try_get("actor_type")?,
            actor_id: r.try_get("actor_id")?,
            actor_label: r.try_get("actor_label")?,
            source_ip: r.try_get("source_ip")?,
            action: r.try_get("action")?,
            target_type: r.try_get("target_type")?,
            target_id: r.try_get("target_id")?,
            summary: r.try_get("summary")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

impl Store {
    /// A project's audit entries, newest first.
    pub async fn list_audit(
        &self,
        project_id: &str,
        f: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, actor_type, actor_id, actor_label, source_ip, action, target_type, target_id, summary, \
             created_at FROM audit_log WHERE project_id = $1 AND ($2 = '' OR id < $2) \
             AND ($3 = '' OR action = $3) AND ($4 = '' OR actor_id = $4) AND ($5 = '' OR target_id = $5) \
             AND created_at >= $6 AND created_at < $7 ORDER BY id DESC LIMIT $8",
        )
        .bind(project_id)
        .bind(page.cursor_or_empty())
        .bind(f.action.as_deref().unwrap_or(""))
        .bind(f.actor_id.as_deref().unwrap_or(""))
        .bind(f.target_id.as_deref().unwrap_or(""))
        .bind(f.from_ms.unwrap_or(0))
        .bind(f.to_ms.unwrap_or(i64::MAX))
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, AuditRecord::from_row, |e| e.id.clone())
    }
}
