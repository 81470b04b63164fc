//! Replays: one delivery again (through the intake, like every new
//! delivery), dead letters discarded, and paced bulk replay jobs, which the
//! `replay_jobs` worker runs.

use serde::Deserialize;
use serde_json::json;

use super::{Error, Operations};
use crate::store::{
    DeadLetterOutcome, Delivery, DeliveryFilter, DeliveryStatus, LogEntry, NewReplayJob, Page,
    ReplayJob,
};
use crate::workers::replay_jobs::{DEFAULT_RATE_PER_SECOND, MAX_RATE_PER_SECOND};

/// The audit action of a single replay.
pub fn replay_action(dead_letter_only: bool) -> &'static str {
    if dead_letter_only {
        "dead_letter.replay"
    } else {
        "delivery.replay"
    }
}

/// Replays one delivery of `project_id` (only a dead letter when
/// `dead_letter_only`); answers the new delivery and the audit summary.
pub async fn replay(
    ops: &Operations,
    project_id: &str,
    id: &str,
    dead_letter_only: bool,
    rerun_transformation: bool,
) -> Result<(Delivery, serde_json::Value), Error> {
    let replay_id = ops
        .intake
        .replay(project_id, id, dead_letter_only, rerun_transformation)
        .await?;
    let (d, _) = ops
        .store
        .get_delivery(project_id, &replay_id)
        .await?
        .ok_or_else(|| Error::NotFound("delivery"))?;
    let summary = json!({ "replayId": d.id, "rerunTransformation": rerun_transformation });
    Ok((d, summary))
}

/// Takes a dead letter out of the queue.
pub async fn discard(ops: &Operations, project_id: &str, id: &str) -> Result<(), Error> {
    match ops.store.discard_dead_letter(project_id, id).await? {
        DeadLetterOutcome::Done(()) => Ok(()),
        DeadLetterOutcome::NotFound => Err(Error::NotFound("delivery")),
        DeadLetterOutcome::NotDeadLetter => Err(Error::conflict(
            "not_dead_letter",
            "this delivery is not in the dead-letter queue (not dead, or already replayed or discarded)",
        )),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DeadLetterQuery {
    webhook_id: Option<String>,
    /// Created at or after this RFC 3339 time.
    from: Option<String>,
    /// Created before this RFC 3339 time.
    to: Option<String>,
    /// Only deliveries of application messages of this event type.
    event_type: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// One filtered page of the dead-letter queue: dead deliveries not yet
/// replayed or discarded, newest first.
pub async fn list_dead_letters(
    ops: &Operations,
    project_id: &str,
    q: DeadLetterQuery,
) -> Result<Page<LogEntry>, Error> {
    let (from_ms, to_ms) =
        crate::time::window(q.from.as_deref(), q.to.as_deref(), Error::invalid_query)?;
    let filter = DeliveryFilter {
        webhook_id: q.webhook_id.filter(|w| !w.is_empty()),
        status: None,
        from_ms,
        to_ms,
        dead_letters_only: true,
    };
    let event_type = q.event_type.as_deref().filter(|t| !t.is_empty());
    let page = super::page(q.limit, q.cursor)?;
    Ok(ops
        .store
        .list_deliveries(project_id, &filter, event_type, None, &page)
        .await?)
}

/// One replay job of the project.
pub async fn get_job(ops: &Operations, project_id: &str, id: &str) -> Result<ReplayJob, Error> {
    ops.store
        .get_replay_job(project_id, id)
        .await?
        .ok_or(Error::NotFound("replay job"))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkReplay {
    webhook_id: Option<String>,
    /// Only deliveries in this state (not on `/v1/dlq/replay`, which takes dead letters).
    status: Option<DeliveryStatus>,
    /// Created at or after this RFC 3339 time.
    from: Option<String>,
    /// Created before this RFC 3339 time.
    to: Option<String>,
    /// Replays created per second, 1 to 1000 (default 50).
    rate_per_second: Option<i64>,
}

/// Checks a bulk replay and creates its job (audit action
/// `replay_job.create`).
pub async fn start_job(
    ops: &Operations,
    project_id: &str,
    body: BulkReplay,
    dead_letters_only: bool,
) -> Result<ReplayJob, Error> {
    if dead_letters_only && body.status.is_some() {
        return Err(Error::invalid(
            "status",
            "the dead-letter queue holds dead deliveries only; leave status out",
        ));
    }
    if !dead_letters_only
        && body.webhook_id.is_none()
        && body.status.is_none()
        && body.from.is_none()
        && body.to.is_none()
    {
        // Replaying a project's whole history is never what a 3 a.m. click meant.
        return Err(Error::invalid(
            "webhookId",
            "give at least one filter: webhookId, status, from or to",
        ));
    }
    let rate = body.rate_per_second.unwrap_or(DEFAULT_RATE_PER_SECOND);
    if !(1..=MAX_RATE_PER_SECOND).contains(&rate) {
        return Err(Error::invalid(
            "ratePerSecond",
            format!("must be between 1 and {MAX_RATE_PER_SECOND}"),
        ));
    }
    let (from_ms, to_ms) =
        crate::time::window(body.from.as_deref(), body.to.as_deref(), Error::invalid)?;
    if let Some(w) = &body.webhook_id {
        super::webhooks::find(ops, project_id, w).await?;
    }
    let job = NewReplayJob {
        project_id: project_id.to_string(),
        filter: DeliveryFilter {
            webhook_id: body.webhook_id,
            status: body.status,
            from_ms,
            to_ms,
            dead_letters_only,
        },
        rate_per_second: rate,
    };
    Ok(ops.store.create_replay_job(&job).await?)
}
