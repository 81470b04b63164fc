//! Runs on: the leader only (a cluster-wide lease in `cluster_leases`) for
//! the cleanup; every node for its own SQLite log (one node on SQLite).
//! Keeps tables from growing without bound: ended dashboard sessions, old
//! failed-login windows, idempotency keys past their window, expired portal
//! sessions.

use std::sync::Arc;
use std::time::Duration;

use super::{Context, Stop};
use crate::store::{self, Dialect, Store};
use crate::users::{SessionPolicy, LOGIN_WINDOW};
use crate::{ids, ingest};

const EVERY: Duration = Duration::from_secs(300);
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

pub async fn run(ctx: Arc<Context>, mut stop: Stop) {
    let node = ids::new_id("node");
    loop {
        match ctx
            .store
            .try_lead("housekeeping", &node, 2 * EVERY.as_millis() as i64)
            .await
        {
            Ok(true) => clean(&ctx.store, ctx.sessions).await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping lease failed"),
        }
        if !stop.sleep(EVERY).await {
            return;
        }
    }
}

async fn clean(store: &Store, sessions: SessionPolicy) {
    if let Err(e) = store
        .purge_sessions(store::now_ms() - sessions.idle.as_millis() as i64)
        .await
    {
        tracing::warn!(error = %e, "could not purge ended dashboard sessions");
    }
    if let Err(e) = store
        .purge_login_failures(store::now_ms() - LOGIN_WINDOW.as_millis() as i64)
        .await
    {
        tracing::warn!(error = %e, "could not purge failed-login windows");
    }
    let cutoff = store::now_ms() - ingest::IDEMPOTENCY_TTL_MS;
    while let Ok(n) = store.purge_idempotency_keys(cutoff).await {
        if n == 0 {
            break;
        }
    }
    while let Ok(n) = store.purge_expired_sessions(store::now_ms()).await {
        if n == 0 {
            break;
        }
    }
}

/// Keeps SQLite's write-ahead log short (see `Store::checkpoint_wal`);
/// returns at once on PostgreSQL.
pub async fn checkpoint_log(ctx: Arc<Context>, mut stop: Stop) {
    if ctx.store.dialect() != Dialect::Sqlite {
        return;
    }
    while stop.sleep(CHECKPOINT_EVERY).await {
        if let Err(e) = ctx.store.checkpoint_wal().await {
            tracing::warn!(error = %e, "checkpointing the SQLite log failed");
        }
    }
}
