//! Every background loop of `serve`, in one shape: a `run(ctx, stop)` that
//! does one step, then waits on [`Stop::sleep`] until the next. They are
//! started and stopped together here. The shutdown rule is the same for all:
//! each step is one or more transactions that leave nothing half done, so on
//! shutdown a loop stops at its next wait, and one still inside a step after
//! the grace period is dropped (its leases run out and another node, or the
//! next start, carries on). The first line of each file says where it runs:
//! on every node, on the leader only, or on rows leased to one node.

mod housekeeping;
mod notifier;
pub mod replay_jobs;
mod retention;
mod scheduler;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::ingest::Intake;
use crate::secrets::SecretBox;
use crate::store::Store;
use crate::users::SessionPolicy;

pub use notifier::quota_level;

/// What the loops share.
pub struct Context {
    pub store: Store,
    pub secret_box: SecretBox,
    /// The one way in, for schedule firings and replay-job steps.
    pub intake: Intake,
    /// The operator's cap over every tier's retention.
    pub max_retention_ms: Option<i64>,
    /// How often notification news is gathered (also the dead-letter
    /// aggregation window).
    pub notification_interval: Duration,
    /// How notifications leave the server (as deliveries do).
    pub egress: crate::delivery::Egress,
    pub sessions: SessionPolicy,
}

/// A loop's view of shutdown.
#[derive(Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Waits `d`; false once shutdown has begun (at once if it already has).
    pub async fn sleep(&mut self, d: Duration) -> bool {
        if *self.0.borrow() {
            return false;
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => !*self.0.borrow(),
            _ = self.0.changed() => false,
        }
    }
}

/// The running loops.
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

/// A loop's body, started with the shared context and its stop signal.
type Loop = fn(Arc<Context>, Stop) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// Starts every loop.
pub fn spawn_all(ctx: Context) -> Workers {
    let ctx = Arc::new(ctx);
    let (stop, rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut spawn = |name: &'static str, run: Loop| {
        tasks.push((name, tokio::spawn(run(ctx.clone(), Stop(rx.clone())))));
    };
    spawn("scheduler", |c, s| Box::pin(scheduler::run(c, s)));
    spawn("replay jobs", |c, s| Box::pin(replay_jobs::run(c, s)));
    spawn("retention", |c, s| Box::pin(retention::run(c, s)));
    spawn("notifier", |c, s| Box::pin(notifier::run(c, s)));
    spawn("housekeeping", |c, s| Box::pin(housekeeping::run(c, s)));
    spawn("log checkpoints", |c, s| {
        Box::pin(housekeeping::checkpoint_log(c, s))
    });
    Workers { stop, tasks }
}

impl Workers {
    /// Asks every loop to stop at its next wait, gives them `grace` in all,
    /// and drops those still busy.
    pub async fn stop_all(self, grace: Duration) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        for (name, mut task) in self.tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                tracing::debug!(worker = name, "still busy at shutdown; stopped");
                task.abort();
            }
        }
    }
}
