//! Runs on: leased rows (each job is held by one node at a time). Bulk
//! replay jobs: every node runs one worker; a job is advanced in paced
//! batches through the intake, each batch one transaction (the write path's
//! group commit) that creates its replays and moves the job's cursor,
//! so a node dying mid-job loses nothing: another node takes the job over
//! when the lease runs out and carries on from the cursor.

use std::sync::Arc;
use std::time::Duration;

use super::{Context, Stop};
use crate::ids;
use crate::ingest::Intake;
use crate::store::{self, ReplayJob};

/// Default and bounds of a job's pace, in replays created per second.
pub const DEFAULT_RATE_PER_SECOND: i64 = 50;
pub const MAX_RATE_PER_SECOND: i64 = 1000;
/// Largest batch created in one transaction.
const MAX_BATCH: i64 = 100;
/// How long a node holds a job between batches before others may take it.
const LEASE: Duration = Duration::from_secs(30);
/// How often an idle worker looks for jobs.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Percent done, 100 only once the job has completed.
pub fn progress(status: &str, processed: i64, total: i64) -> i64 {
    if status == "completed" {
        100
    } else if total <= 0 {
        0
    } else {
        (processed.saturating_mul(100) / total).clamp(0, 99)
    }
}

/// Batch size and pause between batches that keep a job at `rate` per second.
pub fn pacing(rate_per_second: i64) -> (i64, Duration) {
    let rate = rate_per_second.clamp(1, MAX_RATE_PER_SECOND);
    let batch = rate.min(MAX_BATCH);
    (batch, Duration::from_millis((batch * 1000 / rate) as u64))
}

pub async fn run(ctx: Arc<Context>, mut stop: Stop) {
    let token = ids::new_id("lease");
    loop {
        let busy = match ctx.store.claim_replay_job(&token, lease_until()).await {
            Ok(Some(job)) => work(&ctx.intake, &mut stop, &token, job).await,
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = %e, "claiming a replay job failed");
                false
            }
        };
        if !busy && !stop.sleep(IDLE_POLL).await {
            return;
        }
    }
}

fn lease_until() -> i64 {
    store::now_ms() + LEASE.as_millis() as i64
}

/// Advances `job` until it ends, its lease is lost or shutdown begins
/// (false then).
async fn work(intake: &Intake, stop: &mut Stop, token: &str, job: ReplayJob) -> bool {
    let (batch, pause) = pacing(job.rate_per_second);
    let mut cursor = job.cursor_id.clone();
    loop {
        match intake
            .replay_step(&job, token, &mut cursor, batch, lease_until())
            .await
        {
            Ok(step) if step.done => {
                crate::metrics::metrics()
                    .replay_job_replayed
                    .inc_by(step.replayed as u64);
                return true;
            }
            Ok(step) => {
                crate::metrics::metrics()
                    .replay_job_replayed
                    .inc_by(step.replayed as u64);
            }
            Err(e) => tracing::warn!(error = ?e, job = %job.id, "replay batch failed; retrying"),
        }
        if !stop.sleep(pause).await {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reaches_100_only_when_completed() {
        assert_eq!(progress("running", 0, 0), 0);
        assert_eq!(progress("running", 50, 200), 25);
        assert_eq!(progress("running", 200, 200), 99);
        assert_eq!(progress("completed", 0, 0), 100);
        assert_eq!(progress("completed", 150, 200), 100);
    }

    #[test]
    fn pacing_keeps_the_rate() {
        assert_eq!(pacing(50), (50, Duration::from_secs(1)));
        assert_eq!(pacing(1000), (100, Duration::from_millis(100)));
        assert_eq!(pacing(1), (1, Duration::from_secs(1)));
        assert_eq!(pacing(0), (1, Duration::from_secs(1)));
    }
}
