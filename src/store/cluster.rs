//! Several nodes share one database. Once-per-cluster jobs: periodic work
//! (cleanup) must run on one of them at a time. Queued-work notices: a node
//! that queues deliveries for an endpoint another node sends to tells it
//! so through PostgreSQL's LISTEN/NOTIFY, rather than leave them until the
//! owner next asks the database which endpoints have queued work.

use sqlx::postgres::PgListener;

use super::{now_ms, Dialect, Result, Store};

/// The channel of queued-work notices; a notice's payload is webhook ids
/// separated by spaces.
const QUEUED_CHANNEL: &str = "hookrelay_queued";
/// Webhook ids per notice: PostgreSQL caps a payload at 8,000 bytes.
const IDS_PER_NOTICE: usize = 200;

/// Notices of deliveries queued by other nodes, as they come.
pub struct QueuedNotices(PgListener);

impl QueuedNotices {
    /// The webhook ids of the next notice. A connection lost meanwhile is
    /// made again; notices sent while it was down are lost, and the
    /// owners' periodic look at the queue finds their work instead.
    pub async fn next(&mut self) -> Result<Vec<String>> {
        let notice = self.0.recv().await?;
        Ok(notice.payload().split(' ').map(str::to_string).collect())
    }
}

impl Store {
    /// Takes or renews the lease on job `name` for `holder` until
    /// `now + ttl_ms`. True when this holder may run the job now. The lease
    /// moves to another node only once it has expired, so a node that dies
    /// holding it delays the job by at most `ttl_ms`.
    pub async fn try_lead(&self, name: &str, holder: &str, ttl_ms: i64) -> Result<bool> {
        let now = now_ms();
        let n = sqlx::query(
            "INSERT INTO cluster_jobs (name, holder, lease_until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until \
             WHERE cluster_jobs.holder = excluded.holder OR cluster_jobs.lease_until < $4",
        )
        .bind(name)
        .bind(holder)
        .bind(now + ttl_ms)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// PostgreSQL only (SQLite has one node): listens for queued-work
    /// notices.
    pub async fn queued_notices(&self) -> Result<Option<QueuedNotices>> {
        let Some(url) = &self.postgres_url else {
            return Ok(None);
        };
        let mut listener = PgListener::connect(url).await?;
        listener.listen(QUEUED_CHANNEL).await?;
        Ok(Some(QueuedNotices(listener)))
    }

    /// PostgreSQL only: tells the other nodes that deliveries are queued
    /// for the endpoints of `ids` (their owners claim them at once).
    pub async fn announce_queued(&self, ids: &[&str]) -> Result<()> {
        if self.dialect != Dialect::Postgres {
            return Ok(());
        }
        for chunk in ids.chunks(IDS_PER_NOTICE) {
            // `pg_notify` returns void, which the Any driver cannot decode.
            sqlx::query("SELECT COUNT(*) AS n FROM (SELECT pg_notify($1, $2)) AS sent")
                .bind(QUEUED_CHANNEL)
                .bind(chunk.join(" "))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}
