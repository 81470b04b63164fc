//! Figures read from the database for `/metrics`.

use sqlx::Row;

use super::{Result, Store};

impl Store {
    /// Deliveries still to be sent or in flight (held ones excluded); the
    /// partial index `deliveries_due` covers exactly these rows.
    pub async fn queue_depth(&self) -> Result<i64> {
        sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM deliveries WHERE next_attempt_at IS NOT NULL")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }
}
