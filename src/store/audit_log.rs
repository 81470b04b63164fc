//! Reading the audit log (written by `Store::record_audit`).

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Page, PageRequest, Result, Store};

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
    pub async fn list_audit(&self, project_id: &str, f: &AuditFilter, page: &PageRequest) -> Result<Page<AuditRecord>> {
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
