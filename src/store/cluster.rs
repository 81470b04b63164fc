//! Once-per-cluster jobs: several nodes share one database, and periodic
//! work (cleanup) must run on one of them at a time.

use super::{now_ms, Result, Store};

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
}
