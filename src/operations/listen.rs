//! A `hookrelay listen` connection as the delivery engine sees it: while
//! one is attached on this node, the listen webhook's deliveries go through
//! it; when the last one ends, the endpoint is given up to wait (queued)
//! for the next connection, on whichever node.

use super::Operations;
use crate::delivery::Engine;
use crate::listen::Registration;

pub struct Listener {
    engine: Engine,
    webhook_id: String,
    registration: Registration,
}

/// Registers a connection for `webhook_id` here; an earlier one for the
/// same webhook is told it was replaced.
pub fn attach(ops: &Operations, webhook_id: &str) -> Listener {
    Listener {
        engine: ops.engine.clone(),
        webhook_id: webhook_id.to_string(),
        registration: ops.engine.listeners().register(webhook_id),
    }
}

impl Listener {
    /// Where the engine's requests (and the news of a replacement) arrive.
    pub fn registration(&mut self) -> &mut Registration {
        &mut self.registration
    }

    /// The CLI knows it is connected: queued deliveries may go now.
    pub fn started(&self) {
        self.engine.listen_started(&self.webhook_id);
    }

    /// The connection ended; if no later one replaced it, the endpoint is
    /// given up.
    pub async fn detach(self) {
        if self
            .engine
            .listeners()
            .unregister(&self.webhook_id, self.registration.id)
        {
            self.engine.listen_ended(&self.webhook_id).await;
        }
    }
}
