//! Several nodes share one database. Once-per-cluster jobs: periodic work
//! (cleanup) must run on one of them at a time. Notices between nodes,
//! through PostgreSQL's LISTEN/NOTIFY: a node that queues deliveries for an
//! endpoint another node sends to tells it so, rather than leave them until
//! the owner next asks the database which endpoints have queued work; and a
//! node that changed what other nodes cache (keys, webhooks, applications)
//! tells them to forget it, rather than leave them to serve it until their
//! caches expire.

use sqlx::postgres::PgListener;

use super::{now_ms, Dialect, Result, Store};

/// The channel of queued-work notices; a notice's payload is webhook ids
/// separated by spaces.
const QUEUED_CHANNEL: &str = "hookrelay_queued";
/// Webhook ids per notice: PostgreSQL caps a payload at 8,000 bytes.
const IDS_PER_NOTICE: usize = 200;
/// The channel of change notices; a notice's payload names the node that
/// made the change.
const CHANGED_CHANNEL: &str = "hookrelay_changed";

/// What another node said, or that some notices may have been missed.
#[derive(Debug)]
pub enum Notice {
    /// Deliveries are queued for the endpoints of these webhook ids.
    Queued(Vec<String>),
    /// Node `by` changed keys, webhooks or applications.
    Changed { by: String },
    /// The connection was lost and made again: notices sent while it was
    /// down are lost.
    Reconnected,
}

/// Notices from other nodes, as they come.
pub struct Notices(PgListener);

impl Notices {
    /// The next notice. A lost connection is made again at once (sqlx's
    /// eager reconnect) and reported as [`Notice::Reconnected`]; an error
    /// means it could not be.
    pub async fn next(&mut self) -> Result<Notice> {
        let Some(notice) = self.0.try_recv().await? else {
            return Ok(Notice::Reconnected);
        };
        Ok(match notice.channel() {
            QUEUED_CHANNEL => {
                Notice::Queued(notice.payload().split(' ').map(str::to_string).collect())
            }
            _ => Notice::Changed {
                by: notice.payload().to_string(),
            },
        })
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

    /// PostgreSQL only (SQLite has one node): listens for other nodes'
    /// notices.
    pub async fn notices(&self) -> Result<Option<Notices>> {
        let Some(url) = &self.postgres_url else {
            return Ok(None);
        };
        let mut listener = PgListener::connect(url).await?;
        listener
            .listen_all([QUEUED_CHANNEL, CHANGED_CHANNEL])
            .await?;
        Ok(Some(Notices(listener)))
    }

    /// PostgreSQL only: tells the other nodes that deliveries are queued
    /// for the endpoints of `ids` (their owners claim them at once).
    pub async fn announce_queued(&self, ids: &[&str]) -> Result<()> {
        for chunk in ids.chunks(IDS_PER_NOTICE) {
            self.notify(QUEUED_CHANNEL, &chunk.join(" ")).await?;
        }
        Ok(())
    }

    /// PostgreSQL only: tells the other nodes that node `by` changed keys,
    /// webhooks or applications (they forget what they cached of them).
    pub async fn announce_changed(&self, by: &str) -> Result<()> {
        self.notify(CHANGED_CHANNEL, by).await
    }

    async fn notify(&self, channel: &str, payload: &str) -> Result<()> {
        if self.dialect != Dialect::Postgres {
            return Ok(());
        }
        // `pg_notify` returns void, which the Any driver cannot decode.
        sqlx::query("SELECT COUNT(*) AS n FROM (SELECT pg_notify($1, $2)) AS sent")
            .bind(channel)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
