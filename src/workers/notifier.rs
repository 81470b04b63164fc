//! Runs on: every node, each notice claimed once (conditional marks, leased
//! outbox rows). Operator notifications: every node checks, at an interval, for news
//! worth telling (dead letters since the last notice, aggregated; the
//! monthly event quota at 80% and 100%; secret overlaps ending within an
//! hour) and sends queued notifications to the project's channels, signed
//! like deliveries with each channel's own secret and retried on the default
//! schedule. Marks moved with conditional updates make each notice go out
//! once, whichever node notices first. Auto-disable notices are queued in the
//! transaction that disables the webhook.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Context, Stop};
use crate::delivery::{Destination, Route, SignedPost};
use crate::secrets::{signing_key_bytes, SecretBox};
use crate::store::{self, PendingNotification, Store, DEAD_LETTER_MARK};
use crate::time::rfc3339;
use crate::{retry, tiers, webhooks};

const SEND_POLL: Duration = Duration::from_millis(500);
const BATCH: i64 = 50;
const LEASE_MS: i64 = 60_000;
const TIMEOUT: Duration = Duration::from_secs(10);
/// Secret overlaps ending within this time are announced.
const OVERLAP_WARNING_MS: i64 = 3600 * 1000;

pub async fn run(ctx: Arc<Context>, mut stop: Stop) {
    let (store, secret_box, interval) = (&ctx.store, &ctx.secret_box, ctx.notification_interval);
    let destination = match Destination::new(&ctx.egress) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "notifications disabled: cannot build the HTTP client");
            return;
        }
    };
    let mut last_check: Option<Instant> = None;
    loop {
        if last_check.is_none_or(|t| t.elapsed() >= interval) {
            last_check = Some(Instant::now());
            if let Err(e) = gather(store, interval).await {
                tracing::warn!(error = %e, "gathering notifications failed");
            }
        }
        match store
            .claim_notifications(BATCH, store::now_ms() + LEASE_MS)
            .await
        {
            Ok(due) => {
                for n in due {
                    send(store, secret_box, &destination, n).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "claiming notifications failed"),
        }
        if !stop.sleep(SEND_POLL).await {
            return;
        }
    }
}

async fn gather(store: &Store, interval: Duration) -> Result<(), sqlx::Error> {
    let now = store::now_ms();
    for project_id in store.projects_with_channels().await? {
        let first_since = now - interval.as_millis() as i64;
        if let Some(news) = store.dead_letter_news(&project_id, first_since).await? {
            let data = serde_json::json!({ "count": news.count, "from": rfc3339(news.since), "to": rfc3339(news.until) });
            store
                .notify_once(
                    &project_id,
                    DEAD_LETTER_MARK,
                    news.previous_mark,
                    news.until,
                    "delivery.dead_lettered",
                    data,
                )
                .await?;
        }
        quota(store, &project_id, now).await?;
        write_failure(store, &project_id).await?;
    }
    for o in store.ending_overlaps(OVERLAP_WARNING_MS).await? {
        let data = serde_json::json!({ "webhookId": o.webhook_id, "kind": o.kind, "retiredAt": rfc3339(o.retired_at) });
        store.announce_overlap(&o, data).await?;
    }
    Ok(())
}

/// Tells of a time this node could not store new events (a full disk,
/// say), once it has ended: while it lasts no notice can be stored, and
/// `/readyz` and the `hookrelay_write_path_failing` metric say it instead.
async fn write_failure(store: &Store, project_id: &str) -> Result<(), sqlx::Error> {
    let Some((failure, until)) = store.ended_write_failure() else {
        return Ok(());
    };
    let previous = store
        .notification_mark(project_id, WRITE_FAILURE_MARK)
        .await?;
    if previous.is_some_and(|p| p >= failure.since_ms) {
        return Ok(());
    }
    let data = serde_json::json!({
        "reason": failure.reason,
        "message": failure.message,
        "from": rfc3339(failure.since_ms),
        "to": rfc3339(until),
    });
    store
        .notify_once(
            project_id,
            WRITE_FAILURE_MARK,
            previous,
            failure.since_ms,
            "operations.writes_failed",
            data,
        )
        .await?;
    Ok(())
}

const WRITE_FAILURE_MARK: &str = "writes_failed";

/// The percentage of the monthly quota worth announcing (80 or 100), if any.
pub fn quota_level(used: i64, limit: i64) -> Option<i64> {
    if limit <= 0 {
        None
    } else if used >= limit {
        Some(100)
    } else if used * 5 >= limit * 4 {
        Some(80)
    } else {
        None
    }
}

async fn quota(store: &Store, project_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let Some(project) = store.get_project(project_id).await? else {
        return Ok(());
    };
    let Some(limit) = tiers::of_project(&project.tier).events_per_month else {
        return Ok(());
    };
    let (month_start, next_month) = tiers::month_bounds(now);
    let used = store.events_since(project_id, month_start).await?;
    let Some(level) = quota_level(used, limit) else {
        return Ok(());
    };
    let mark = format!("quota:{month_start}");
    let previous = store.notification_mark(project_id, &mark).await?;
    if previous.is_some_and(|p| p >= level) {
        return Ok(());
    }
    let data = serde_json::json!({ "percent": level, "used": used, "limit": limit, "resetsAt": rfc3339(next_month) });
    store
        .notify_once(
            project_id,
            &mark,
            previous,
            level,
            "quota.threshold_reached",
            data,
        )
        .await?;
    Ok(())
}

async fn send(
    store: &Store,
    secret_box: &SecretBox,
    destination: &Destination,
    n: PendingNotification,
) {
    let attempt = n.attempts + 1;
    let sent = post(secret_box, destination, &n, attempt).await;
    let label = if sent.is_ok() { "sent" } else { "failed" };
    crate::metrics::metrics()
        .notifications
        .get_or_create(&crate::metrics::OutcomeLabels { outcome: label })
        .inc();
    let outcome = match sent {
        Ok(()) => {
            store
                .record_notification(&n.id, true, attempt, None, None)
                .await
        }
        Err(e) => {
            let schedule = webhooks::schedule(None);
            let next = retry::next_delay_ms(&schedule, attempt as u32, rand::random::<f64>())
                .map(|ms| store::now_ms() + ms as i64);
            store
                .record_notification(&n.id, false, attempt, next, Some(&e))
                .await
        }
    };
    if let Err(e) = outcome {
        // The lease runs out and the notification is sent again.
        tracing::warn!(error = %e, notification = %n.id, "recording a notification send failed");
    }
}

async fn post(
    secret_box: &SecretBox,
    destination: &Destination,
    n: &PendingNotification,
    attempt: i64,
) -> Result<(), String> {
    let raw = secret_box
        .decrypt(&n.secret_ciphertext)
        .map_err(|_| "cannot decrypt the channel secret".to_string())?;
    let key = signing_key_bytes(&raw).map_err(|_| "the channel secret is malformed".to_string())?;
    // Checked when the channel was stored.
    let url =
        reqwest::Url::parse(&n.url).map_err(|e| format!("the channel URL does not parse: {e}"))?;
    let post = SignedPost {
        method: reqwest::Method::POST,
        route: Route::Http(&url),
        id: &n.id,
        content_type: "application/json",
        body: n.payload.clone().into(),
        headers: Default::default(),
        keys: vec![key.as_slice()],
        timeout: TIMEOUT,
    };
    let record = destination.post(post, attempt).await.record;
    match (record.status_code, record.error_message) {
        (Some(code), _) if (200..300).contains(&code) => Ok(()),
        (Some(code), _) => Err(format!("answered {code}")),
        (None, message) => Err(message.unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_levels() {
        assert_eq!(quota_level(7_999, 10_000), None);
        assert_eq!(quota_level(8_000, 10_000), Some(80));
        assert_eq!(quota_level(9_999, 10_000), Some(80));
        assert_eq!(quota_level(10_000, 10_000), Some(100));
        assert_eq!(quota_level(5, 0), None);
    }
}
