//! Webhook schedules and the claim that makes each due time fire once.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{now_ms, Page, PageRequest, Result, Store};

const SCHEDULE_COLUMNS: &str =
    "id, project_id, webhook_id, name, cron, time_zone, run_at, content_type, payload, \
     headers, status, next_run_at, last_run_at, last_delivery_id, created_at, updated_at";

#[derive(Clone, Debug)]
pub struct Schedule {
    pub id: String,
    pub project_id: String,
    pub webhook_id: String,
    pub name: String,
    /// Set for recurring schedules; `run_at` for one-time ones.
    pub cron: Option<String>,
    pub time_zone: String,
    pub run_at: Option<i64>,
    pub content_type: String,
    pub payload: Vec<u8>,
    /// Extra request headers of every firing, a JSON object.
    pub headers: String,
    /// `active`, `paused` or `completed` (a one-time schedule that fired).
    pub status: String,
    pub next_run_at: Option<i64>,
    pub last_run_at: Option<i64>,
    pub last_delivery_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Schedule {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Schedule {
            id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            webhook_id: r.try_get("webhook_id")?,
            name: r.try_get("name")?,
            cron: r.try_get("cron")?,
            time_zone: r.try_get("time_zone")?,
            run_at: r.try_get("run_at")?,
            content_type: r.try_get("content_type")?,
            payload: r.try_get("payload")?,
            headers: r.try_get("headers")?,
            status: r.try_get("status")?,
            next_run_at: r.try_get("next_run_at")?,
            last_run_at: r.try_get("last_run_at")?,
            last_delivery_id: r.try_get("last_delivery_id")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

impl Store {
    pub async fn create_schedule(&self, s: &Schedule) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO schedules ({SCHEDULE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(&s.id)
        .bind(&s.project_id)
        .bind(&s.webhook_id)
        .bind(&s.name)
        .bind(&s.cron)
        .bind(&s.time_zone)
        .bind(s.run_at)
        .bind(&s.content_type)
        .bind(&s.payload)
        .bind(&s.headers)
        .bind(&s.status)
        .bind(s.next_run_at)
        .bind(s.last_run_at)
        .bind(&s.last_delivery_id)
        .bind(s.created_at)
        .bind(s.updated_at)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    pub async fn list_schedules(
        &self,
        project_id: &str,
        webhook_id: &str,
        page: &PageRequest,
    ) -> Result<Page<Schedule>> {
        let rows = sqlx::query(&format!(
            "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE project_id = $1 AND webhook_id = $2 \
             AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4"
        ))
        .bind(project_id)
        .bind(webhook_id)
        .bind(page.cursor_or_empty())
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, Schedule::from_row, |s| s.id.clone())
    }

    pub async fn get_schedule(
        &self,
        project_id: &str,
        webhook_id: &str,
        id: &str,
    ) -> Result<Option<Schedule>> {
        sqlx::query(&format!(
            "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE project_id = $1 AND webhook_id = $2 AND id = $3"
        ))
        .bind(project_id)
        .bind(webhook_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| Schedule::from_row(&r))
        .transpose()
    }

    /// Pauses (`next_run_at` None) or resumes a schedule that is not
    /// completed; false if there was none to change.
    pub async fn set_schedule_state(
        &self,
        project_id: &str,
        id: &str,
        status: &str,
        next_run_at: Option<i64>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE schedules SET status = $3, next_run_at = $4, updated_at = $5 \
             WHERE project_id = $1 AND id = $2 AND status <> 'completed'",
        )
        .bind(project_id)
        .bind(id)
        .bind(status)
        .bind(next_run_at)
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    pub async fn delete_schedule(
        &self,
        project_id: &str,
        webhook_id: &str,
        id: &str,
    ) -> Result<bool> {
        let n = sqlx::query(
            "DELETE FROM schedules WHERE project_id = $1 AND webhook_id = $2 AND id = $3",
        )
        .bind(project_id)
        .bind(webhook_id)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Active schedules due by now whose webhook still exists, oldest first.
    pub async fn due_schedules(&self, limit: i64) -> Result<Vec<Schedule>> {
        sqlx::query(&format!(
            "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE status = 'active' AND next_run_at <= $1 \
             AND EXISTS (SELECT 1 FROM webhooks WHERE webhooks.id = schedules.webhook_id) \
             ORDER BY next_run_at LIMIT $2"
        ))
        .bind(now_ms())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(Schedule::from_row)
        .collect()
    }

    /// Moves a schedule past the firing due at `due`, only if nobody did
    /// already: the conditional UPDATE is the claim that one node wins.
    /// `delivery_id` is None for a firing skipped (quota used up).
    pub async fn advance_schedule(
        &self,
        id: &str,
        due: i64,
        next: Option<i64>,
        delivery_id: Option<&str>,
    ) -> Result<bool> {
        let now = now_ms();
        let n = sqlx::query(
            "UPDATE schedules SET next_run_at = $3, status = CASE WHEN $3 IS NULL THEN 'completed' ELSE status END, \
             last_run_at = $4, last_delivery_id = COALESCE($5, last_delivery_id), updated_at = $4 \
             WHERE id = $1 AND next_run_at = $2 AND status = 'active'",
        )
        .bind(id)
        .bind(due)
        .bind(next)
        .bind(now)
        .bind(delivery_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }
}
