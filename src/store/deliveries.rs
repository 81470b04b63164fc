//! Reading deliveries and their attempts.

use sqlx::Row;

use super::models::*;
use super::{replay, LogEntry, Page, PageRequest, Result, Store};

impl Store {
    /// A page of deliveries with their event's type (known for application
    /// messages only), optionally only those of `event_type`, or of one
    /// event (`event_id`).
    pub async fn list_deliveries(
        &self,
        project_id: &str,
        filter: &DeliveryFilter,
        event_type: Option<&str>,
        event_id: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<LogEntry>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS}, (SELECT e.event_type FROM events e WHERE e.id = deliveries.event_id) AS event_type \
             FROM deliveries WHERE project_id = $1 AND ($2 = '' OR id < $2) \
             AND ($4 = '' OR event_id IN (SELECT e.id FROM events e WHERE e.project_id = $1 AND e.event_type = $4)) \
             AND {} AND ($10 = '' OR event_id = $10) ORDER BY id DESC LIMIT $3",
            replay::filter_sql(5)
        );
        let q = sqlx::query(&sql)
            .bind(project_id)
            .bind(page.cursor_or_empty())
            .bind(page.fetch_limit())
            .bind(event_type.unwrap_or(""));
        let rows = replay::bind_filter(q, filter)
            .bind(event_id.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?;
        Page::from_rows(rows, page, LogEntry::from_row, |e| e.delivery.id.clone())
    }

    pub async fn get_delivery(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<(Delivery, Vec<Attempt>)>> {
        let Some(delivery) = self
            .project_row(
                "deliveries",
                DELIVERY_COLUMNS,
                project_id,
                id,
                Delivery::from_row,
            )
            .await?
        else {
            return Ok(None);
        };
        let attempts = sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = $1 ORDER BY attempt_no, started_at"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(Attempt::from_row)
        .collect::<Result<Vec<_>>>()?;
        Ok(Some((delivery, attempts)))
    }

    /// The deliveries an event got when it was stored (not its replays), as
    /// (delivery id, webhook id). `first` is what an idempotency key holds:
    /// the event's id, or one delivery's id for keys stored by earlier
    /// versions.
    pub async fn first_deliveries(&self, first: &str) -> Result<Vec<(String, String)>> {
        sqlx::query(
            "SELECT id, webhook_id FROM deliveries WHERE replay_of IS NULL AND \
             (event_id = $1 OR event_id = (SELECT event_id FROM deliveries WHERE id = $1)) ORDER BY id",
        )
        .bind(first)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("webhook_id")?)))
        .collect()
    }
}
