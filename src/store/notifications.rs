//! Operator notification channels and the outbox the notifier sends from.

use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use super::{now_ms, Page, PageRequest, Result, Store};
use crate::{ids, tiers};

#[derive(Clone, Debug)]
pub struct NotificationChannel {
    pub id: String,
    pub project_id: String,
    pub url: String,
    pub description: String,
    pub secret_ciphertext: String,
    pub secret_prefix: String,
    pub created_at: i64,
}

const CHANNEL_COLUMNS: &str =
    "id, project_id, url, description, secret_ciphertext, secret_prefix, created_at";

impl NotificationChannel {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(NotificationChannel {
            id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            url: r.try_get("url")?,
            description: r.try_get("description")?,
            secret_ciphertext: r.try_get("secret_ciphertext")?,
            secret_prefix: r.try_get("secret_prefix")?,
            created_at: r.try_get("created_at")?,
        })
    }
}

/// A notification leased to this node for sending.
#[derive(Clone, Debug)]
pub struct PendingNotification {
    pub id: String,
    pub attempts: i64,
    pub payload: String,
    pub url: String,
    pub secret_ciphertext: String,
}

/// The mark that remembers up to when dead letters were reported.
pub const DEAD_LETTER_MARK: &str = "dead_letters";

/// A dead-letter count to report: project, how many, up to when.
pub struct DeadLetterNews {
    pub count: i64,
    pub since: i64,
    pub until: i64,
    /// The mark before this notice, for [`Store::notify_once`].
    pub previous_mark: Option<i64>,
}

/// A secret version whose overlap ends soon.
pub struct EndingOverlap {
    pub secret_id: String,
    pub project_id: String,
    pub webhook_id: String,
    pub kind: String,
    pub retired_at: i64,
}

/// Queues a notification of `event_type` for every channel of a project
/// whose tier includes notifications, inside `tx`.
pub(super) async fn enqueue(
    tx: &mut sqlx::Transaction<'_, Any>,
    project_id: &str,
    event_type: &str,
    data: serde_json::Value,
) -> Result<()> {
    let Some(tier) = sqlx::query("SELECT tier FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(());
    };
    if !tiers::of_project(&tier.try_get::<String, _>("tier")?).notifications {
        return Ok(());
    }
    let channels = sqlx::query("SELECT id FROM notification_channels WHERE project_id = $1")
        .bind(project_id)
        .fetch_all(&mut **tx)
        .await?;
    let now = now_ms();
    for c in channels {
        let id = ids::new_id(ids::NOTIFICATION);
        let payload = serde_json::json!({
            "id": id, "type": event_type, "projectId": project_id,
            "createdAt": crate::time::rfc3339(now),
            "data": data,
        });
        sqlx::query(
            "INSERT INTO notifications (id, channel_id, event_type, payload, status, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
        )
        .bind(&id)
        .bind(c.try_get::<String, _>("id")?)
        .bind(event_type)
        .bind(payload.to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    pub async fn create_channel(&self, c: &NotificationChannel) -> Result<()> {
        sqlx::query(&format!("INSERT INTO notification_channels ({CHANNEL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
            .bind(&c.id)
            .bind(&c.project_id)
            .bind(&c.url)
            .bind(&c.description)
            .bind(&c.secret_ciphertext)
            .bind(&c.secret_prefix)
            .bind(c.created_at)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn list_channels(
        &self,
        project_id: &str,
        page: &PageRequest,
    ) -> Result<Page<NotificationChannel>> {
        self.project_page(
            "notification_channels",
            CHANNEL_COLUMNS,
            project_id,
            page,
            NotificationChannel::from_row,
            |c| c.id.clone(),
        )
        .await
    }

    pub async fn get_channel(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<NotificationChannel>> {
        self.project_row(
            "notification_channels",
            CHANNEL_COLUMNS,
            project_id,
            id,
            NotificationChannel::from_row,
        )
        .await
    }

    /// Deletes a channel and what it had still to send.
    pub async fn delete_channel(&self, project_id: &str, id: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("DELETE FROM notification_channels WHERE project_id = $1 AND id = $2")
            .bind(project_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM notifications WHERE channel_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Leases due notifications to the caller until `lease_until`.
    pub async fn claim_notifications(
        &self,
        limit: i64,
        lease_until: i64,
    ) -> Result<Vec<PendingNotification>> {
        let now = now_ms();
        let rows = sqlx::query(
            "UPDATE notifications SET next_attempt_at = $1 WHERE id IN \
             (SELECT id FROM notifications WHERE next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT $3) \
             AND next_attempt_at <= $2 RETURNING id, channel_id, attempts, payload",
        )
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let channel_id: String = r.try_get("channel_id")?;
            let Some(c) = sqlx::query(
                "SELECT url, secret_ciphertext FROM notification_channels WHERE id = $1",
            )
            .bind(&channel_id)
            .fetch_optional(&self.pool)
            .await?
            else {
                continue;
            };
            out.push(PendingNotification {
                id: r.try_get("id")?,
                attempts: r.try_get("attempts")?,
                payload: r.try_get("payload")?,
                url: c.try_get("url")?,
                secret_ciphertext: c.try_get("secret_ciphertext")?,
            });
        }
        Ok(out)
    }

    /// Records a send: delivered, or failed with the next try (None: give up).
    pub async fn record_notification(
        &self,
        id: &str,
        delivered: bool,
        attempts: i64,
        next_attempt_at: Option<i64>,
        error: Option<&str>,
    ) -> Result<()> {
        let status = match (delivered, next_attempt_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        sqlx::query("UPDATE notifications SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5 WHERE id = $1")
            .bind(id)
            .bind(status)
            .bind(attempts)
            .bind(if delivered { None } else { next_attempt_at })
            .bind(error)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Projects that have at least one channel.
    pub async fn projects_with_channels(&self) -> Result<Vec<String>> {
        sqlx::query("SELECT DISTINCT project_id FROM notification_channels")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("project_id"))
            .collect()
    }

    /// Dead deliveries of a project since its last dead-letter notice, if any.
    pub async fn dead_letter_news(
        &self,
        project_id: &str,
        first_since: i64,
    ) -> Result<Option<DeadLetterNews>> {
        let previous_mark = self.notification_mark(project_id, DEAD_LETTER_MARK).await?;
        let since = previous_mark.unwrap_or(first_since);
        let until = now_ms();
        let count: i64 = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM deliveries WHERE project_id = $1 AND status = 'dead' \
             AND replayed_at IS NULL AND updated_at > $2 AND updated_at <= $3",
        )
        .bind(project_id)
        .bind(since)
        .bind(until)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok((count > 0).then_some(DeadLetterNews {
            count,
            since,
            until,
            previous_mark,
        }))
    }

    /// The value of a project's mark, for callers of [`Store::notify_once`].
    pub async fn notification_mark(&self, project_id: &str, mark: &str) -> Result<Option<i64>> {
        sqlx::query("SELECT value FROM notification_marks WHERE project_id = $1 AND mark = $2")
            .bind(project_id)
            .bind(mark)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("value"))
            .transpose()
    }

    /// Moves a project's mark from `from` (None: unset) to `to` and queues
    /// the notice in the same transaction; false if another node moved it
    /// first, which then sent the notice.
    pub async fn notify_once(
        &self,
        project_id: &str,
        mark: &str,
        from: Option<i64>,
        to: i64,
        event_type: &str,
        data: serde_json::Value,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let moved = match from {
            None => sqlx::query(
                "INSERT INTO notification_marks (project_id, mark, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (project_id, mark) DO NOTHING",
            )
            .bind(project_id)
            .bind(mark)
            .bind(to)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            Some(from) => sqlx::query("UPDATE notification_marks SET value = $4 WHERE project_id = $1 AND mark = $2 AND value = $3")
                .bind(project_id)
                .bind(mark)
                .bind(from)
                .bind(to)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
        };
        if moved == 0 {
            return Ok(false);
        }
        enqueue(&mut tx, project_id, event_type, data).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Secret versions whose overlap ends within `within_ms` and that were
    /// not announced yet.
    pub async fn ending_overlaps(&self, within_ms: i64) -> Result<Vec<EndingOverlap>> {
        let now = now_ms();
        sqlx::query(
            "SELECT s.id, s.webhook_id, s.kind, s.retired_at, w.project_id FROM webhook_secrets s \
             JOIN webhooks w ON w.id = s.webhook_id \
             WHERE s.retired_at > $1 AND s.retired_at <= $2 AND s.overlap_notified = 0",
        )
        .bind(now)
        .bind(now + within_ms)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(EndingOverlap {
                secret_id: r.try_get("id")?,
                project_id: r.try_get("project_id")?,
                webhook_id: r.try_get("webhook_id")?,
                kind: r.try_get("kind")?,
                retired_at: r.try_get("retired_at")?,
            })
        })
        .collect()
    }

    /// Announces an ending overlap once, whichever node gets there first.
    pub async fn announce_overlap(&self, o: &EndingOverlap, data: serde_json::Value) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("UPDATE webhook_secrets SET overlap_notified = 1 WHERE id = $1 AND overlap_notified = 0")
            .bind(&o.secret_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            enqueue(&mut tx, &o.project_id, "secret.overlap_ending", data).await?;
        }
        tx.commit().await
    }
}
