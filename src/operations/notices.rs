//! What the nodes sharing one PostgreSQL database tell each other (NOTIFY,
//! see `store::cluster`), heard on one connection per node: deliveries
//! another node queued for endpoints this node sends to, which the engine
//! claims at once; and changes another node made to keys, webhooks or
//! applications, after which this node forgets what it cached of them.
//! Also heard here, on every backend: webhooks this node's own write path
//! disabled automatically, which no operation of this node made.
//!
//! A notice can be missed only while the connection is down. Once it is
//! made again this node forgets every cached lookup, and queued work waits
//! for the engine's next look at the queue. A connection that died
//! unnoticed is what `--cache-ttl-ms` is for: cached lookups expire anyway.

use std::sync::Arc;
use std::time::Duration;

use super::Operations;
use crate::store::Notice;

/// A node that could not listen tries again after this long.
const RETRY: Duration = Duration::from_secs(1);

impl Operations {
    /// Hears of changes this node's operations did not make, until the
    /// task is aborted.
    pub async fn hear_changes(self: Arc<Self>) {
        tokio::join!(self.hear_other_nodes(), self.hear_auto_disables());
    }

    /// After the write path disabled webhooks (dead deliveries in a row),
    /// the same as after a change through an operation: this node forgets
    /// their routes and ingest targets (the next message skips them, the
    /// next event for one is held) and tells the other nodes to.
    async fn hear_auto_disables(&self) {
        let mut disables = self.intake.auto_disables();
        // Ends only with the writer.
        while disables.changed().await.is_ok() {
            self.changed().await;
        }
    }

    /// Hears the other nodes; ends at once on SQLite (one node).
    async fn hear_other_nodes(&self) {
        loop {
            match self.listen().await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "listening to the other nodes failed; trying again")
                }
            }
            tokio::time::sleep(RETRY).await;
        }
    }

    /// Ends at once where the store has no notices, otherwise only on an
    /// error.
    async fn listen(&self) -> Result<(), sqlx::Error> {
        let Some(mut notices) = self.store.notices().await? else {
            return Ok(());
        };
        // Changes made while this node was not listening went unheard.
        self.heard(Notice::Reconnected);
        loop {
            let notice = notices.next().await?;
            self.heard(notice);
        }
    }

    fn heard(&self, notice: Notice) {
        match notice {
            Notice::Queued(ids) => self.engine.queued_elsewhere(&ids),
            // This node forgot its own change when it made it.
            Notice::Changed { by } if by == self.engine.node() => {}
            Notice::Changed { .. } | Notice::Reconnected => {
                self.forget_cached();
                self.engine.invalidate_all();
            }
        }
    }
}
