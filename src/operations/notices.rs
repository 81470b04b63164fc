//! What the nodes sharing one PostgreSQL database tell each other (NOTIFY,
//! see `store::cluster`), heard on one connection per node: deliveries
//! another node queued for endpoints this node sends to, which the engine
//! claims at once; and changes another node made to keys, webhooks or
//! applications, after which this node forgets what it cached of them.
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
    /// Hears the other nodes until the task is aborted; ends at once on
    /// SQLite (one node).
    pub async fn hear_other_nodes(self: Arc<Self>) {
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
