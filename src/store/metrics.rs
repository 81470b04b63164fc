//! Figures read from the database for `/metrics`.

use sqlx::Row;

use super::{Result, Store};

impl Store {
    /// Deliveries still to be sent or in flight (held ones excluded); the
    /// partial index `deliveries_queue` covers exactly these rows.
    pub async fn queue_depth(&self) -> Result<i64> {
        sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM deliveries WHERE next_attempt_at IS NOT NULL")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// Running replay jobs, and the deliveries they have left to replay.
    pub async fn replay_job_figures(&self) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(total - processed), 0) AS BIGINT) AS remaining \
             FROM replay_jobs WHERE status = 'running'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("n")?, row.try_get("remaining")?))
    }

    /// This node's pool: (connections open, of which idle).
    pub fn pool_use(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Endpoints with an open circuit, and deliveries held (both indexed).
    pub async fn isolation_figures(&self) -> Result<(i64, i64)> {
        let open = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM webhooks WHERE circuit_state = 'open'",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let held = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM deliveries WHERE next_attempt_at IS NULL AND status = 'pending'",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok((open, held))
    }
}
