//! Runs on: every node; duplicates are harmless. Fires due schedules: a
//! firing enters through the intake like an ingested event (tier limits,
//! usage, the group commit) under the idempotency key
//! `schedule:<id>:<due ms>`, then the schedule is moved on with a
//! conditional UPDATE. Two nodes firing the same due time store one delivery
//! (the second gets the first's back), and a node dying between the two
//! steps leaves the due time in place for the next poll, which stores
//! nothing new and moves the schedule on: no firing is lost or doubled.
//! Firings the tier refuses (monthly quota used up) are skipped.

use std::sync::Arc;
use std::time::Duration;

use super::{Context, Stop};
use crate::ingest::{Intake, IntakeError, NewEvent, Route};
use crate::schedules;
use crate::store::{self, Schedule, Store};

const POLL: Duration = Duration::from_millis(500);
const BATCH: i64 = 100;

pub async fn run(ctx: Arc<Context>, mut stop: Stop) {
    let (store, intake) = (&ctx.store, &ctx.intake);
    loop {
        match store.due_schedules(BATCH).await {
            Ok(due) => {
                for s in due {
                    if let Err(e) = fire(store, intake, &s).await {
                        tracing::warn!(error = ?e, schedule = %s.id, "firing a schedule failed; retrying");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "loading due schedules failed"),
        }
        if !stop.sleep(POLL).await {
            return;
        }
    }
}

async fn fire(store: &Store, intake: &Intake, s: &Schedule) -> Result<(), IntakeError> {
    let Some(due) = s.next_run_at else {
        return Ok(());
    };
    let next = match &s.cron {
        Some(cron) => schedules::next_after_firing(cron, &s.time_zone, due, store::now_ms()).unwrap_or_else(|e| {
            // Validated on create; a pattern this version cannot read stops.
            tracing::error!(schedule = %s.id, error = %e, "schedule no longer parses; completing it");
            None
        }),
        None => None,
    };
    // Deleted meanwhile: its schedules went with it.
    let Some(webhook) = store.get_webhook(&s.project_id, &s.webhook_id).await? else {
        return Ok(());
    };
    let event = NewEvent {
        project_id: s.project_id.clone(),
        route: Route::Webhook {
            webhook_id: webhook.id,
            enabled: webhook.enabled,
            event_type: None,
            filter: webhook.filter,
        },
        content_type: s.content_type.clone(),
        body: bytes::Bytes::from(s.payload.clone()),
        headers: Some(s.headers.clone()),
        ordering_key: None,
        idempotency_key: Some(format!("schedule:{}:{due}", s.id)),
        request_headers: Default::default(),
    };
    let delivery_id = match intake.accept(event).await {
        Ok(accepted) => {
            let late_ms = (store::now_ms() - due).max(0);
            crate::metrics::metrics()
                .schedule_lag_seconds
                .observe(late_ms as f64 / 1000.0);
            accepted.deliveries.into_iter().next().map(|(id, _)| id)
        }
        Err(e @ (IntakeError::QuotaExceeded { .. } | IntakeError::PayloadTooLarge { .. })) => {
            // Like ingest, which answers 429 or 413: the firing is skipped, not queued.
            tracing::warn!(schedule = %s.id, project = %s.project_id, error = ?e, "the tier refuses this firing; skipping it");
            None
        }
        Err(e) => return Err(e),
    };
    store
        .advance_schedule(&s.id, due, next, delivery_id.as_deref())
        .await?;
    Ok(())
}
