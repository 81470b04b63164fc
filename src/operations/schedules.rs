//! Schedules: events fired into a webhook on a cron schedule or once, by
//! the `scheduler` worker through the intake.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{Error, Operations, PageQuery};
use crate::store::{self, Page, Schedule};
use crate::{ids, schedules, webhooks as rules};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSchedule {
    #[serde(default)]
    name: String,
    /// Standard 5-field cron (`0 9 * * 1-5`), or 6 fields with seconds first.
    cron: Option<String>,
    /// IANA time zone of `cron` (default `UTC`).
    time_zone: Option<String>,
    /// Fire once at this RFC 3339 time instead of on a cron schedule.
    run_at: Option<String>,
    /// The event body: a string is sent as is, anything else as JSON.
    #[schema(value_type = Object)]
    payload: Value,
    /// Default `application/json`.
    content_type: Option<String>,
    /// Extra request headers of every firing, sent in addition to the
    /// webhook's (replacing a webhook header of the same name).
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

/// The first due time of a schedule from `now`: its `runAt`, or its cron's
/// next occurrence.
fn first_run(
    cron: Option<&str>,
    time_zone: &str,
    run_at: Option<i64>,
    now: i64,
) -> Result<Option<i64>, Error> {
    match cron {
        Some(c) => schedules::next_after(c, time_zone, now).map_err(|e| Error::invalid("cron", e)),
        None => Ok(run_at.map(|at| at.max(now))),
    }
}

/// Validates and stores a schedule of webhook `id`; answers it with the
/// audit summary of `schedule.create`.
pub async fn create(
    ops: &Operations,
    project_id: &str,
    id: &str,
    body: CreateSchedule,
) -> Result<(Schedule, Value), Error> {
    let w = super::webhooks::find(ops, project_id, id).await?;
    rules::validate_text(&body.name, schedules::MAX_NAME_LEN, false)
        .map_err(|e| Error::invalid("name", e))?;
    let now = store::now_ms();
    let time_zone = body.time_zone.unwrap_or_else(|| "UTC".into());
    schedules::parse_time_zone(&time_zone).map_err(|e| Error::invalid("timeZone", e))?;
    let run_at = match (&body.cron, body.run_at.as_deref()) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(Error::invalid("cron", "give either cron or runAt"))
        }
        (Some(c), None) => {
            schedules::parse_cron(c).map_err(|e| Error::invalid("cron", e))?;
            None
        }
        (None, Some(at)) => {
            let at = chrono::DateTime::parse_from_rfc3339(at)
                .map_err(|_| Error::invalid("runAt", "must be an RFC 3339 time"))?
                .timestamp_millis();
            if at <= now {
                return Err(Error::invalid("runAt", "must be in the future"));
            }
            Some(at)
        }
    };
    let content_type = body
        .content_type
        .unwrap_or_else(|| "application/json".into());
    if content_type.trim().is_empty() || content_type.len() > 255 || !content_type.is_ascii() {
        return Err(Error::invalid(
            "contentType",
            "must be a content type of 1 to 255 ASCII characters",
        ));
    }
    rules::validate_headers(&body.headers).map_err(|e| Error::invalid("headers", e))?;
    let payload = match body.payload {
        Value::String(s) => s.into_bytes(),
        other => other.to_string().into_bytes(),
    };
    // A firing must be one the tier takes.
    ops.intake
        .quota(project_id)
        .await?
        .check(payload.len(), store::now_ms())?;
    let cron = body.cron.map(|c| c.trim().to_string());
    let s = Schedule {
        id: ids::new_id(ids::SCHEDULE),
        project_id: project_id.to_string(),
        webhook_id: w.id,
        name: body.name.trim().to_string(),
        next_run_at: first_run(cron.as_deref(), &time_zone, run_at, now)?,
        cron,
        time_zone,
        run_at,
        content_type,
        payload,
        headers: serde_json::to_string(&body.headers).expect("a map of strings serializes"),
        status: "active".into(),
        last_run_at: None,
        last_delivery_id: None,
        created_at: now,
        updated_at: now,
    };
    ops.store.create_schedule(&s).await?;
    // Header names only: their values may be credentials for the receiver.
    let summary = json!({ "webhookId": s.webhook_id, "name": s.name, "cron": s.cron, "timeZone": s.time_zone,
        "runAt": s.run_at.map(crate::time::rfc3339), "headerNames": body.headers.keys().collect::<Vec<_>>() });
    Ok((s, summary))
}

/// One page of the schedules of the project's webhook `webhook_id`.
pub async fn list(
    ops: &Operations,
    project_id: &str,
    webhook_id: &str,
    q: PageQuery,
) -> Result<Page<Schedule>, Error> {
    let w = super::webhooks::find(ops, project_id, webhook_id).await?;
    Ok(ops
        .store
        .list_schedules(project_id, &w.id, &q.page()?)
        .await?)
}

pub async fn find(
    ops: &Operations,
    project_id: &str,
    webhook_id: &str,
    id: &str,
) -> Result<Schedule, Error> {
    ops.store
        .get_schedule(project_id, webhook_id, id)
        .await?
        .ok_or_else(|| Error::NotFound("schedule"))
}

/// Pauses or resumes; answers the schedule and the audit action.
pub async fn set_state(
    ops: &Operations,
    project_id: &str,
    webhook_id: &str,
    id: &str,
    active: bool,
) -> Result<(Schedule, &'static str), Error> {
    let s = find(ops, project_id, webhook_id, id).await?;
    let (status, next, action) = if active {
        (
            "active",
            first_run(s.cron.as_deref(), &s.time_zone, s.run_at, store::now_ms())?,
            "schedule.resume",
        )
    } else {
        ("paused", None, "schedule.pause")
    };
    if !ops
        .store
        .set_schedule_state(project_id, &s.id, status, next)
        .await?
    {
        return Err(Error::conflict(
            "schedule_completed",
            "this one-time schedule has fired and cannot change state",
        ));
    }
    Ok((find(ops, project_id, webhook_id, id).await?, action))
}

/// Deletes; answers the audit summary of `schedule.delete`.
pub async fn delete(
    ops: &Operations,
    project_id: &str,
    webhook_id: &str,
    id: &str,
) -> Result<Value, Error> {
    if !ops
        .store
        .delete_schedule(project_id, webhook_id, id)
        .await?
    {
        return Err(Error::NotFound("schedule"));
    }
    Ok(json!({ "webhookId": webhook_id }))
}
