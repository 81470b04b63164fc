//! Runs on: every node; duplicates are harmless. Fires due schedules: a firing is stored like
//! an ingested event (same `Store::insert_deliveries`, usage counted) under
//! the idempotency key `schedule:<id>:<due ms>`, then the schedule is moved
//! on with a conditional UPDATE. Two nodes firing the same due time store
//! one delivery (the second gets the first's id back), and a node dying
//! between the two steps leaves the due time in place for the next poll,
//! which stores nothing new and moves the schedule on: no firing is lost or
//! doubled. Firings count toward the monthly event quota like any event,
//! and are skipped while it is used up.

use std::sync::Arc;
use std::time::Duration;

use super::{Context, Stop};
use crate::delivery::Engine;
use crate::ingest::IDEMPOTENCY_TTL_MS;
use crate::store::{self, IdempotencyKey, InitialState, Inserted, NewDelivery, Schedule, Store};
use crate::{ids, schedules, tiers};

const POLL: Duration = Duration::from_millis(500);
const BATCH: i64 = 100;

pub async fn run(ctx: Arc<Context>, mut stop: Stop) {
    let (store, engine) = (&ctx.store, &ctx.engine);
    loop {
        match store.due_schedules(BATCH).await {
            Ok(due) => {
                for s in due {
                    if let Err(e) = fire(store, engine, &s).await {
                        tracing::warn!(error = %e, schedule = %s.id, "firing a schedule failed; retrying");
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

async fn quota_exhausted(store: &Store, project_id: &str) -> Result<bool, sqlx::Error> {
    let Some(project) = store.get_project(project_id).await? else { return Ok(true) };
    let Some(limit) = tiers::of_project(&project.tier).events_per_month else { return Ok(false) };
    let (month_start, _) = tiers::month_bounds(store::now_ms());
    Ok(store.events_since(project_id, month_start).await? >= limit)
}

async fn fire(store: &Store, engine: &Engine, s: &Schedule) -> Result<(), sqlx::Error> {
    let Some(due) = s.next_run_at else { return Ok(()) };
    let next = match &s.cron {
        Some(cron) => schedules::next_after_firing(cron, &s.time_zone, due, store::now_ms()).unwrap_or_else(|e| {
            // Validated on create; a pattern this version cannot read stops.
            tracing::error!(schedule = %s.id, error = %e, "schedule no longer parses; completing it");
            None
        }),
        None => None,
    };
    if quota_exhausted(store, &s.project_id).await? {
        // Like ingest, which answers 429: the firing is skipped, not queued.
        tracing::warn!(schedule = %s.id, project = %s.project_id, "monthly event quota used up; skipping a firing");
        store.advance_schedule(&s.id, due, next, None).await?;
        return Ok(());
    }
    let item = NewDelivery {
        delivery_id: ids::new_id(ids::DELIVERY),
        event_id: ids::new_id(ids::EVENT),
        project_id: s.project_id.clone(),
        webhook_id: s.webhook_id.clone(),
        content_type: s.content_type.clone(),
        body: bytes::Bytes::from(s.payload.clone()),
        headers: Some(s.headers.clone()),
        idempotency_key: Some(IdempotencyKey {
            scope: format!("webhook:{}", s.webhook_id),
            key: format!("schedule:{}:{due}", s.id),
        }),
        state: InitialState::Queued,
    };
    let inserted = store.insert_deliveries(std::slice::from_ref(&item), IDEMPOTENCY_TTL_MS).await?;
    let delivery_id = match inserted.into_iter().next() {
        Some(Inserted::Duplicate(first)) => first,
        _ => item.delivery_id,
    };
    store.advance_schedule(&s.id, due, next, Some(&delivery_id)).await?;
    engine.wake();
    Ok(())
}
