//! Retention: finished deliveries older than a project's retention go, with
//! their attempts and (once nothing refers to it) their payload, a small
//! batch per transaction so that delivery never waits long on these locks.

use sqlx::Row;

use crate::ids;

use super::{bind_all, values_list, Flush, Result, Store};

/// Most deliveries one purge deletes: its `IN` lists stay far below either
/// backend's bind-parameter limit.
const MOST_PER_PURGE: i64 = 1000;

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
    /// purged: it was acknowledged and is still owed. Three set-wise
    /// statements per batch, on SQLite in the hot-path writers' queue (a
    /// write outside it would make theirs wait in SQLite's busy handler).
    pub async fn purge_expired(&self, project_id: &str, cutoff_ms: i64, limit: i64) -> Result<u64> {
        // Ids are time-ordered, so the cutoff is an id bound and the scan
        // walks the (project_id, id) index from the oldest row.
        let cutoff_id = format!(
            "{}_{}",
            ids::DELIVERY,
            ulid::Ulid::from_parts(cutoff_ms.max(0) as u64, 0)
        );
        let mut turn = self.write_turn().await?;
        // Losing a purge to a power cut only means it is done again.
        let mut tx = self.begin_write(&mut turn, Flush::WithNextCommit).await?;
        let rows = sqlx::query(
            "SELECT id, event_id FROM deliveries WHERE project_id = $1 AND id < $2 AND created_at < $3 \
             AND status IN ('succeeded', 'dead', 'discarded') ORDER BY id LIMIT $4",
        )
        .bind(project_id)
        .bind(&cutoff_id)
        .bind(cutoff_ms)
        .bind(limit.min(MOST_PER_PURGE))
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_>>()?;
        let mut event_ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get("event_id"))
            .collect::<Result<_>>()?;
        event_ids.sort_unstable();
        event_ids.dedup();
        let list = |n: usize| values_list(self.dialect, 1, n);

        let sql = format!(
            "DELETE FROM attempts WHERE delivery_id IN {}",
            list(ids.len())
        );
        bind_all(&sql, ids.iter().map(String::as_str))
            .execute(&mut *tx)
            .await?;
        let sql = format!(
            "DELETE FROM deliveries WHERE id IN {} AND status IN ('succeeded', 'dead', 'discarded')",
            list(ids.len())
        );
        let deleted = bind_all(&sql, ids.iter().map(String::as_str))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let sql = format!(
            "DELETE FROM events WHERE id IN {} AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.event_id = events.id)",
            list(event_ids.len())
        );
        bind_all(&sql, event_ids.iter().map(String::as_str))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(deleted)
    }
}
