//! Retention: finished deliveries older than a project's retention go, with
//! their attempts and (once nothing refers to it) their payload, a small
//! batch per transaction so that delivery never waits long on these locks.

use sqlx::Row;

use super::{Result, Store};
use crate::ids;

impl Store {
    /// Projects and their tier names, for the retention job.
    pub async fn project_tiers(&self) -> Result<Vec<(String, String)>> {
        sqlx::query("SELECT id, tier FROM projects ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("tier")?)))
            .collect()
    }

    /// Deletes up to `limit` finished deliveries of a project created before
    /// `cutoff_ms`, their attempts and their now unreferenced events.
    /// Returns how many deliveries went. Pending and retrying work is never
    /// purged: it was acknowledged and is still owed.
    pub async fn purge_expired(&self, project_id: &str, cutoff_ms: i64, limit: i64) -> Result<u64> {
        // Ids are time-ordered, so the cutoff is an id bound and the scan
        // walks the (project_id, id) index from the oldest row.
        let cutoff_id = format!("{}_{}", ids::DELIVERY, ulid::Ulid::from_parts(cutoff_ms.max(0) as u64, 0));
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT id, event_id FROM deliveries WHERE project_id = $1 AND id < $2 AND created_at < $3 \
             AND status IN ('succeeded', 'dead', 'discarded') ORDER BY id LIMIT $4",
        )
        .bind(project_id)
        .bind(&cutoff_id)
        .bind(cutoff_ms)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut deleted = 0;
        for r in &rows {
            let id: String = r.try_get("id")?;
            let event_id: String = r.try_get("event_id")?;
            sqlx::query("DELETE FROM attempts WHERE delivery_id = $1").bind(&id).execute(&mut *tx).await?;
            deleted += sqlx::query("DELETE FROM deliveries WHERE id = $1 AND status IN ('succeeded', 'dead', 'discarded')")
                .bind(&id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM events WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id = $1)")
                .bind(&event_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }
}
