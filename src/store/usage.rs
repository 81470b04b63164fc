//! Usage counters and what tiers need: counted as the work happens, in the
//! transactions that store events and outcomes, one row per project,
//! webhook and UTC hour.

use std::collections::BTreeMap;

use sqlx::{Any, Row};

use super::audit::insert_audit;
use super::{
    bind_all, now_ms, row_chunks, values_list, Actor, AuditEntry, DeliveryStatus, Dialect, Outcome,
    Result, Store,
};

const HOUR_MS: i64 = 3_600_000;

pub fn hour_start(ms: i64) -> i64 {
    ms - ms.rem_euclid(HOUR_MS)
}

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    pub events: i64,
    pub deliveries: i64,
    pub attempts: i64,
    pub successes: i64,
    pub failures: i64,
    pub dead: i64,
    pub bytes_in: i64,
    pub bytes_out: i64,
    /// Requests the ingest URL refused (verification or secret).
    pub refused: i64,
}

#[derive(Clone, Debug)]
pub struct UsageBucket {
    pub start: i64,
    pub usage: Usage,
}

/// Sums per (project, webhook), so that a batch writes each counter row once,
/// in key order (which keeps concurrent writers from deadlocking).
#[derive(Default)]
pub(super) struct UsageTally {
    counts: BTreeMap<(String, String), Usage>,
    /// For outcomes: dead deliveries in a row that disable a webhook (0: never).
    auto_disable_after_dead: i64,
}

impl UsageTally {
    pub(super) fn tracking_health(auto_disable_after_dead: i64) -> Self {
        UsageTally {
            counts: BTreeMap::new(),
            auto_disable_after_dead,
        }
    }

    /// An accepted event queued for one webhook (an application message
    /// counts once per endpoint it fans out to).
    pub(super) fn ingested(&mut self, project_id: &str, webhook_id: &str, bytes: usize) {
        let u = self
            .counts
            .entry((project_id.to_string(), webhook_id.to_string()))
            .or_default();
        u.events += 1;
        u.deliveries += 1;
        u.bytes_in += bytes as i64;
    }

    /// An attempt's outcome (nothing is counted when none was made).
    pub(super) fn outcome(&mut self, o: &Outcome) {
        if o.attempt.is_none() {
            return;
        }
        let u = self
            .counts
            .entry((o.project_id.clone(), o.webhook_id.clone()))
            .or_default();
        u.attempts += 1;
        u.bytes_out += o.bytes_sent;
        if o.status == DeliveryStatus::Succeeded {
            u.successes += 1;
        } else {
            u.failures += 1;
        }
        if o.status == DeliveryStatus::Dead {
            u.dead += 1;
        }
    }

    pub(super) fn replayed(&mut self, project_id: &str, webhook_id: &str) {
        self.counts
            .entry((project_id.to_string(), webhook_id.to_string()))
            .or_default()
            .deliveries += 1;
    }

    /// Adds the tally to the current hour's rows inside `tx`: one multi-row
    /// upsert for all of them, because on the hot path every statement is a
    /// round trip (a thread hand-off on SQLite) and a batch touches every
    /// webhook it carries. Answers the webhooks it disabled automatically.
    pub(super) async fn write(
        self,
        tx: &mut sqlx::Transaction<'_, Any>,
        dialect: Dialect,
    ) -> Result<Vec<String>> {
        let mut disabled = Vec::new();
        let hour = hour_start(now_ms());
        let rows: Vec<_> = self.counts.iter().collect();
        for chunk in row_chunks(&rows) {
            let sql = format!(
                "INSERT{} INTO usage_counters (project_id, webhook_id, hour_start, events, deliveries, attempts, \
                 successes, failures, dead, bytes_in, bytes_out) VALUES {} \
                 ON CONFLICT (project_id, webhook_id, hour_start) DO UPDATE SET \
                 events = usage_counters.events + excluded.events, \
                 deliveries = usage_counters.deliveries + excluded.deliveries, \
                 attempts = usage_counters.attempts + excluded.attempts, \
                 successes = usage_counters.successes + excluded.successes, \
                 failures = usage_counters.failures + excluded.failures, \
                 dead = usage_counters.dead + excluded.dead, \
                 bytes_in = usage_counters.bytes_in + excluded.bytes_in, \
                 bytes_out = usage_counters.bytes_out + excluded.bytes_out",
                dialect.or_fail(),
                values_list(dialect, chunk.len(), 11)
            );
            let mut q = sqlx::query(&sql);
            for ((project_id, webhook_id), u) in chunk {
                q = q
                    .bind(project_id)
                    .bind(webhook_id)
                    .bind(hour)
                    .bind(u.events)
                    .bind(u.deliveries)
                    .bind(u.attempts)
                    .bind(u.successes)
                    .bind(u.failures)
                    .bind(u.dead)
                    .bind(u.bytes_in)
                    .bind(u.bytes_out);
            }
            q.execute(&mut **tx).await?;
        }
        if self.auto_disable_after_dead > 0 {
            // A success ends a run of dead deliveries; one statement for
            // every webhook that had one.
            let succeeded: Vec<&str> = rows
                .iter()
                .filter(|(_, u)| u.successes > 0)
                .map(|((_, w), _)| w.as_str())
                .collect();
            for chunk in row_chunks(&succeeded) {
                let sql = format!(
                    "UPDATE{} webhooks SET consecutive_dead = 0 WHERE consecutive_dead <> 0 AND id IN {}",
                    dialect.or_fail(),
                    values_list(dialect, 1, chunk.len())
                );
                bind_all(&sql, chunk.iter().copied())
                    .execute(&mut **tx)
                    .await?;
            }
            for ((_, webhook_id), u) in &rows {
                if u.successes == 0
                    && u.dead > 0
                    && count_dead(tx, webhook_id, u.dead, self.auto_disable_after_dead).await?
                {
                    disabled.push(webhook_id.clone());
                }
            }
        }
        Ok(disabled)
    }
}

/// Adds `dead` to a webhook's dead deliveries in a row and disables it when
/// that reaches the threshold, recording why in the webhook and in the audit
/// log, in the transaction that records the outcomes. True: disabled now.
async fn count_dead(
    tx: &mut sqlx::Transaction<'_, Any>,
    webhook_id: &str,
    dead: i64,
    threshold: i64,
) -> Result<bool> {
    let Some(row) = sqlx::query(
        "UPDATE webhooks SET consecutive_dead = consecutive_dead + $2 WHERE id = $1 \
         RETURNING project_id, enabled, consecutive_dead",
    )
    .bind(webhook_id)
    .bind(dead)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(false);
    };
    let dead: i64 = row.try_get("consecutive_dead")?;
    if row.try_get::<i64, _>("enabled")? == 0 || dead < threshold {
        return Ok(false);
    }
    let now = now_ms();
    let reason = format!(
        "disabled automatically at {}: {dead} deliveries in a row ended dead with no success; \
         fix the destination, then enable the webhook again (PATCH enabled: true) and replay the dead-letter queue",
        crate::time::rfc3339(now)
    );
    sqlx::query(
        "UPDATE webhooks SET enabled = 0, disabled_reason = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(webhook_id)
    .bind(&reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let entry = AuditEntry {
        project_id: row.try_get("project_id")?,
        actor: Actor {
            actor_type: "system",
            actor_id: "auto-disable".into(),
            actor_label: "Hookrelay".into(),
            source_ip: None,
        },
        action: "webhook.auto_disable",
        target_type: "webhook",
        target_id: webhook_id.to_string(),
        summary: serde_json::json!({ "consecutiveDead": dead, "threshold": threshold, "enabled": { "from": true, "to": false } }),
    };
    insert_audit(&mut **tx, &entry).await?;
    let data =
        serde_json::json!({ "webhookId": webhook_id, "reason": reason, "consecutiveDead": dead });
    super::notifications::enqueue(tx, &entry.project_id, "webhook.auto_disabled", data).await?;
    Ok(true)
}

impl Store {
    /// Usage between `from` and `to` (unix ms, hour-aligned by the caller) in
    /// buckets of `bucket_ms`, oldest first; buckets without work are left out.
    pub async fn usage(
        &self,
        project_id: &str,
        webhook_id: Option<&str>,
        from: i64,
        to: i64,
        bucket_ms: i64,
    ) -> Result<Vec<UsageBucket>> {
        sqlx::query(
            "SELECT (hour_start / $5) * $5 AS bucket, CAST(SUM(events) AS BIGINT) AS events, \
             CAST(SUM(deliveries) AS BIGINT) AS deliveries, CAST(SUM(attempts) AS BIGINT) AS attempts, \
             CAST(SUM(successes) AS BIGINT) AS successes, CAST(SUM(failures) AS BIGINT) AS failures, \
             CAST(SUM(dead) AS BIGINT) AS dead, CAST(SUM(bytes_in) AS BIGINT) AS bytes_in, \
             CAST(SUM(bytes_out) AS BIGINT) AS bytes_out, CAST(SUM(refused) AS BIGINT) AS refused FROM usage_counters \
             WHERE project_id = $1 AND ($2 = '' OR webhook_id = $2) AND hour_start >= $3 AND hour_start < $4 \
             GROUP BY bucket ORDER BY bucket",
        )
        .bind(project_id)
        .bind(webhook_id.unwrap_or(""))
        .bind(from)
        .bind(to)
        .bind(bucket_ms)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(UsageBucket {
                start: r.try_get("bucket")?,
                usage: Usage {
                    events: r.try_get("events")?,
                    deliveries: r.try_get("deliveries")?,
                    attempts: r.try_get("attempts")?,
                    successes: r.try_get("successes")?,
                    failures: r.try_get("failures")?,
                    dead: r.try_get("dead")?,
                    bytes_in: r.try_get("bytes_in")?,
                    bytes_out: r.try_get("bytes_out")?,
                    refused: r.try_get("refused")?,
                },
            })
        })
        .collect()
    }

    /// Events the project ingested since `since` (unix ms).
    pub async fn events_since(&self, project_id: &str, since: i64) -> Result<i64> {
        sqlx::query(
            "SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT) AS n FROM usage_counters \
             WHERE project_id = $1 AND hour_start >= $2",
        )
        .bind(project_id)
        .bind(hour_start(since))
        .fetch_one(&self.pool)
        .await?
        .try_get("n")
    }

    pub async fn count_webhooks(&self, project_id: &str) -> Result<i64> {
        sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM webhooks WHERE project_id = $1")
            .bind(project_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// The endpoints (webhooks) of one application.
    pub async fn count_application_endpoints(&self, application_id: &str) -> Result<i64> {
        sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM webhooks WHERE application_id = $1")
            .bind(application_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// Sets a project's cap on endpoints per application (None: the
    /// default); false if there is no such project.
    pub async fn set_application_endpoint_limit(
        &self,
        project_id: &str,
        limit: Option<i64>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE projects SET max_endpoints_per_application = $2, updated_at = $3 WHERE id = $1",
        )
        .bind(project_id)
        .bind(limit)
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Sets a project's tier; false if there is no such project.
    pub async fn set_project_tier(&self, project_id: &str, tier: &str) -> Result<bool> {
        let n = sqlx::query("UPDATE projects SET tier = $2, updated_at = $3 WHERE id = $1")
            .bind(project_id)
            .bind(tier)
            .bind(now_ms())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_start_on_the_hour() {
        assert_eq!(hour_start(0), 0);
        assert_eq!(hour_start(HOUR_MS - 1), 0);
        assert_eq!(hour_start(5 * HOUR_MS + 7), 5 * HOUR_MS);
    }
}
