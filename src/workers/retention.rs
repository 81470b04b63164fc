//! Runs on: every node; duplicates are harmless. The retention job: every
//! few seconds it purges what each
//! project's tier (or the operator's cap) no longer keeps, in batches with
//! pauses between them so that the delivery path is never starved of the
//! database, and often enough that purging keeps up with sustained ingest.
//! Nodes running it at once only delete the same rows twice over (the
//! second finds nothing).

use std::sync::Arc;
use std::time::Duration;

use super::{Context, Stop};
use crate::store::{self, Store};
use crate::tiers;

const INTERVAL: Duration = Duration::from_secs(10);
const BATCH: i64 = 500;
const PAUSE: Duration = Duration::from_millis(20);
const DAY_MS: i64 = 24 * 3600 * 1000;

pub async fn run(ctx: Arc<Context>, mut stop: Stop) {
    loop {
        if let Err(e) = purge_all(&ctx.store, ctx.max_retention_ms).await {
            tracing::warn!(error = %e, "retention purge failed; trying again later");
        }
        if !stop.sleep(INTERVAL).await {
            return;
        }
    }
}

/// `max_retention_ms`: the operator's cap over every tier's retention.
async fn purge_all(store: &Store, max_retention_ms: Option<i64>) -> Result<(), sqlx::Error> {
    for (project_id, tier) in store.project_tiers().await? {
        let tier_ms = tiers::of_project(&tier)
            .retention_days
            .map(|days| days * DAY_MS);
        let retention_ms = match (tier_ms, max_retention_ms) {
            (Some(t), Some(cap)) => t.min(cap),
            (Some(ms), None) | (None, Some(ms)) => ms,
            // The tier keeps everything and the operator set no cap.
            (None, None) => continue,
        };
        let cutoff = store::now_ms() - retention_ms;
        while store.purge_expired(&project_id, cutoff, BATCH).await? == BATCH as u64 {
            tokio::time::sleep(PAUSE).await;
        }
    }
    Ok(())
}
