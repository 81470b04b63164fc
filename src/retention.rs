//! The retention job: every node, every minute, purges what each project's
//! tier no longer keeps, in small batches with pauses between them so that
//! the delivery path is never starved of the database. Nodes running it at
//! once only delete the same rows twice over (the second finds nothing).

use std::time::Duration;

use crate::store::{self, Store};
use crate::tiers;

const INTERVAL: Duration = Duration::from_secs(60);
const BATCH: i64 = 200;
const PAUSE: Duration = Duration::from_millis(50);
const DAY_MS: i64 = 24 * 3600 * 1000;

pub async fn run(store: Store) {
    loop {
        if let Err(e) = purge_all(&store).await {
            tracing::warn!(error = %e, "retention purge failed; trying again later");
        }
        tokio::time::sleep(INTERVAL).await;
    }
}

async fn purge_all(store: &Store) -> Result<(), sqlx::Error> {
    for (project_id, tier) in store.project_tiers().await? {
        let cutoff = store::now_ms() - tiers::of_project(&tier).retention_days * DAY_MS;
        while store.purge_expired(&project_id, cutoff, BATCH).await? == BATCH as u64 {
            tokio::time::sleep(PAUSE).await;
        }
    }
    Ok(())
}
