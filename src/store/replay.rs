//! Replays, the dead-letter queue and bulk replay jobs.
//!
//! A replay is a new delivery row for the same stored event, queued due now
//! and linked to the original (`replay_of`), so the engine picks it up like
//! any other due work and signs it with the webhook's current secret.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use super::{now_ms, DeliveryFilter, DeliveryStatus, Result, Store};
use crate::ids;

/// The SQL of a [`DeliveryFilter`], its five parameters numbered from `first`;
/// bind them with [`bind_filter`].
pub(super) fn filter_sql(first: usize) -> String {
    let (w, s, f, t, d) = (first, first + 1, first + 2, first + 3, first + 4);
    format!(
        "(${w} = '' OR webhook_id = ${w}) AND (${s} = '' OR status = ${s}) \
         AND created_at >= ${f} AND created_at < ${t} \
         AND (${d} = 0 OR (status = 'dead' AND replayed_at IS NULL))"
    )
}

pub(super) fn bind_filter<'q>(
    q: Query<'q, Any, AnyArguments<'q>>,
    f: &'q DeliveryFilter,
) -> Query<'q, Any, AnyArguments<'q>> {
    q.bind(f.webhook_id.as_deref().unwrap_or(""))
        .bind(f.status.map(|s| s.as_str()).unwrap_or(""))
        .bind(f.from_ms.unwrap_or(0))
        .bind(f.to_ms.unwrap_or(i64::MAX))
        .bind(i64::from(f.dead_letters_only))
}

pub struct StoredEvent {
    pub content_type: String,
    pub body: Vec<u8>,
    /// Known for application messages only.
    pub event_type: Option<String>,
    /// The event's own request headers (JSON object), schedule firings only.
    pub headers: Option<String>,
}

pub enum DeadLetterOutcome<T> {
    Done(T),
    NotFound,
    /// The delivery exists but is not in the dead-letter queue.
    NotDeadLetter,
}

pub struct NewReplayJob {
    pub project_id: String,
    pub filter: DeliveryFilter,
    pub rate_per_second: i64,
}

const REPLAY_JOB_COLUMNS: &str = "id, project_id, webhook_id, status_filter, from_ms, to_ms, dead_letters_only, \
     upper_id, rate_per_second, status, total, processed, cursor_id, created_at, updated_at, finished_at";

#[derive(Clone, Debug)]
pub struct ReplayJob {
    pub id: String,
    pub project_id: String,
    pub filter: DeliveryFilter,
    /// Only deliveries with a smaller id (those that existed at creation).
    pub upper_id: String,
    pub rate_per_second: i64,
    /// `running` or `completed`.
    pub status: String,
    /// Matching deliveries when the job was created.
    pub total: i64,
    /// Replays created so far.
    pub processed: i64,
    pub cursor_id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

impl ReplayJob {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let webhook_id: String = r.try_get("webhook_id")?;
        let status: String = r.try_get("status_filter")?;
        let to_ms: i64 = r.try_get("to_ms")?;
        Ok(ReplayJob {
            id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            filter: DeliveryFilter {
                webhook_id: Some(webhook_id).filter(|w| !w.is_empty()),
                status: DeliveryStatus::parse(&status),
                from_ms: Some(r.try_get("from_ms")?),
                to_ms: Some(to_ms),
                dead_letters_only: r.try_get::<i64, _>("dead_letters_only")? != 0,
            },
            upper_id: r.try_get("upper_id")?,
            rate_per_second: r.try_get("rate_per_second")?,
            status: r.try_get("status")?,
            total: r.try_get("total")?,
            processed: r.try_get("processed")?,
            cursor_id: r.try_get("cursor_id")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            finished_at: r.try_get("finished_at")?,
        })
    }
}

/// A delivery to replay: a new delivery of `event_id` to `webhook_id`.
#[derive(Clone, Debug)]
pub struct ReplaySource {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
}

impl ReplaySource {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(ReplaySource {
            id: r.try_get("id")?,
            webhook_id: r.try_get("webhook_id")?,
            event_id: r.try_get("event_id")?,
        })
    }
}

impl Store {
    /// What a replay of the project's delivery `id` needs: its webhook and
    /// event.
    pub async fn replay_source(&self, project_id: &str, id: &str) -> Result<Option<ReplaySource>> {
        sqlx::query(
            "SELECT id, webhook_id, event_id FROM deliveries WHERE project_id = $1 AND id = $2",
        )
        .bind(project_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| ReplaySource::from_row(&r))
        .transpose()
    }

    /// Marks a dead-letter entry `discarded`: it leaves the queue and stays
    /// in history.
    pub async fn discard_dead_letter(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<DeadLetterOutcome<()>> {
        let n = sqlx::query(
            "UPDATE deliveries SET status = 'discarded', updated_at = $3 \
             WHERE project_id = $1 AND id = $2 AND status = 'dead' AND replayed_at IS NULL",
        )
        .bind(project_id)
        .bind(id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if n == 1 {
            return Ok(DeadLetterOutcome::Done(()));
        }
        self.missing_or_not_dead_letter(project_id, id).await
    }

    /// Why the project's delivery `id` is not a dead letter: it does not
    /// exist, or it is not (or no longer) in the queue.
    pub async fn missing_or_not_dead_letter<T>(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<DeadLetterOutcome<T>> {
        let exists = sqlx::query("SELECT id FROM deliveries WHERE project_id = $1 AND id = $2")
            .bind(project_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .is_some();
        Ok(if exists {
            DeadLetterOutcome::NotDeadLetter
        } else {
            DeadLetterOutcome::NotFound
        })
    }

    /// A stored event: its payload byte for byte, and its type when known.
    pub async fn get_event_payload(
        &self,
        project_id: &str,
        event_id: &str,
    ) -> Result<Option<StoredEvent>> {
        sqlx::query("SELECT content_type, body, event_type, headers FROM events WHERE project_id = $1 AND id = $2")
            .bind(project_id)
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| {
                Ok(StoredEvent {
                    content_type: r.try_get("content_type")?,
                    body: r.try_get("body")?,
                    event_type: r.try_get("event_type")?,
                    headers: r.try_get("headers")?,
                })
            })
            .transpose()
    }

    /// Creates a running job over the deliveries that match `job.filter` now.
    pub async fn create_replay_job(&self, job: &NewReplayJob) -> Result<ReplayJob> {
        let now = now_ms();
        let id = ids::new_id(ids::REPLAY_JOB);
        // Replays the job creates get later ids, so they are never replayed
        // again by the same job.
        let upper_id = ids::new_id(ids::DELIVERY);
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM deliveries WHERE project_id = $1 AND id < $2 AND {}",
            filter_sql(3)
        );
        let q = sqlx::query(&sql).bind(&job.project_id).bind(&upper_id);
        let total: i64 = bind_filter(q, &job.filter)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        let f = &job.filter;
        sqlx::query(
            "INSERT INTO replay_jobs (id, project_id, webhook_id, status_filter, from_ms, to_ms, dead_letters_only, \
             upper_id, rate_per_second, status, total, processed, cursor_id, lease_until, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'running', $10, 0, '', 0, $11, $11)",
        )
        .bind(&id)
        .bind(&job.project_id)
        .bind(f.webhook_id.as_deref().unwrap_or(""))
        .bind(f.status.map(|s| s.as_str()).unwrap_or(""))
        .bind(f.from_ms.unwrap_or(0))
        .bind(f.to_ms.unwrap_or(i64::MAX))
        .bind(i64::from(f.dead_letters_only))
        .bind(&upper_id)
        .bind(job.rate_per_second)
        .bind(total)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let created = self.get_replay_job(&job.project_id, &id).await?;
        created.ok_or(sqlx::Error::RowNotFound)
    }

    pub async fn get_replay_job(&self, project_id: &str, id: &str) -> Result<Option<ReplayJob>> {
        self.project_row(
            "replay_jobs",
            REPLAY_JOB_COLUMNS,
            project_id,
            id,
            ReplayJob::from_row,
        )
        .await
    }

    /// Leases one running job nobody holds (or whose holder died) to `token`.
    pub async fn claim_replay_job(
        &self,
        token: &str,
        lease_until: i64,
    ) -> Result<Option<ReplayJob>> {
        let now = now_ms();
        sqlx::query(&format!(
            "UPDATE replay_jobs SET lease_owner = $1, lease_until = $2 \
             WHERE id = (SELECT id FROM replay_jobs WHERE status = 'running' AND lease_until < $3 ORDER BY id LIMIT 1) \
             AND status = 'running' AND lease_until < $3 RETURNING {REPLAY_JOB_COLUMNS}"
        ))
        .bind(token)
        .bind(lease_until)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| ReplayJob::from_row(&r))
        .transpose()
    }

    /// The next `limit` deliveries a job replays after `cursor`, in id order.
    pub async fn replay_job_batch(
        &self,
        job: &ReplayJob,
        cursor: &str,
        limit: i64,
    ) -> Result<Vec<ReplaySource>> {
        let sql = format!(
            "SELECT id, webhook_id, event_id FROM deliveries WHERE project_id = $1 AND id > $2 AND id < $3 AND {} \
             ORDER BY id LIMIT $9",
            filter_sql(4)
        );
        let q = sqlx::query(&sql)
            .bind(&job.project_id)
            .bind(cursor)
            .bind(&job.upper_id);
        bind_filter(q, &job.filter)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(ReplaySource::from_row)
            .collect()
    }
}
