//! Webhooks and their secrets, and what goes when a webhook goes.

use sqlx::Row;

use super::models::*;
use super::{now_ms, Page, PageRequest, Result, Store};

impl Store {
    pub async fn create_webhook(&self, w: &Webhook, secrets: &[NewSecret]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO webhooks (id, project_id, public_id, name, description, destination_url, enabled, \
             headers, timeout_secs, retry_schedule, created_at, updated_at, application_id, event_types, \
             max_in_flight, rate_limit, ordering, destination_kind, verification, filter) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        )
        .bind(&w.id)
        .bind(&w.project_id)
        .bind(&w.public_id)
        .bind(&w.name)
        .bind(&w.description)
        .bind(&w.destination_url)
        .bind(i64::from(w.enabled))
        .bind(&w.headers)
        .bind(w.timeout_secs)
        .bind(&w.retry_schedule)
        .bind(w.created_at)
        .bind(w.updated_at)
        .bind(&w.application_id)
        .bind(&w.event_types)
        .bind(w.max_in_flight)
        .bind(w.rate_limit)
        .bind(w.ordering.as_str())
        .bind(w.destination_kind.as_str())
        .bind(&w.verification)
        .bind(&w.filter)
        .execute(&mut *tx)
        .await?;
        for s in secrets {
            insert_secret(&mut tx, &w.id, s, 1).await?;
        }
        tx.commit().await
    }

    pub async fn list_webhooks(
        &self,
        project_id: &str,
        page: &PageRequest,
    ) -> Result<Page<Webhook>> {
        self.project_page(
            "webhooks",
            WEBHOOK_COLUMNS,
            project_id,
            page,
            Webhook::from_row,
            |w| w.id.clone(),
        )
        .await
    }

    pub async fn get_webhook(&self, project_id: &str, id: &str) -> Result<Option<Webhook>> {
        self.project_row(
            "webhooks",
            WEBHOOK_COLUMNS,
            project_id,
            id,
            Webhook::from_row,
        )
        .await
    }

    /// Saves an edited webhook, with its new verification secret if it got
    /// one (earlier versions retire at once). Re-enabling releases
    /// deliveries held while it was disabled, in the same transaction.
    pub async fn update_webhook(
        &self,
        w: &Webhook,
        verification_secret: Option<&NewSecret>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE webhooks SET name = $3, description = $4, destination_url = $5, enabled = $6, headers = $7, \
             timeout_secs = $8, retry_schedule = $9, updated_at = $10, event_types = $11, \
             max_in_flight = $12, rate_limit = $13, ordering = $14, verification = $15, filter = $16, \
             consecutive_dead = CASE WHEN $6 = 1 THEN 0 ELSE consecutive_dead END, \
             disabled_reason = CASE WHEN $6 = 1 THEN NULL ELSE disabled_reason END \
             WHERE project_id = $1 AND id = $2",
        )
        .bind(&w.project_id)
        .bind(&w.id)
        .bind(&w.name)
        .bind(&w.description)
        .bind(&w.destination_url)
        .bind(i64::from(w.enabled))
        .bind(&w.headers)
        .bind(w.timeout_secs)
        .bind(&w.retry_schedule)
        .bind(w.updated_at)
        .bind(&w.event_types)
        .bind(w.max_in_flight)
        .bind(w.rate_limit)
        .bind(w.ordering.as_str())
        .bind(&w.verification)
        .bind(&w.filter)
        .execute(&mut *tx)
        .await?;
        if let Some(secret) = verification_secret {
            rotate_in(&mut tx, &w.id, secret, 0).await?;
        }
        if w.enabled {
            sqlx::query(
                "UPDATE deliveries SET next_attempt_at = $2, updated_at = $2 \
                 WHERE webhook_id = $1 AND status = 'pending' AND next_attempt_at IS NULL",
            )
            .bind(&w.id)
            .bind(w.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Deletes a webhook with its secrets and its delivery history.
    pub async fn delete_webhook(&self, project_id: &str, id: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("DELETE FROM webhooks WHERE project_id = $1 AND id = $2")
            .bind(project_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        delete_webhook_dependents(&mut tx, id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Adds a new current secret of `kind`. The previous current version
    /// stays valid until `now + overlap_ms`; any older overlapping version is
    /// retired now, so at most two versions are ever live.
    pub async fn rotate_secret(
        &self,
        webhook_id: &str,
        secret: &NewSecret,
        overlap_ms: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let version = rotate_in(&mut tx, webhook_id, secret, overlap_ms).await?;
        tx.commit().await?;
        Ok(version)
    }

    pub async fn list_secret_versions(&self, webhook_id: &str) -> Result<Vec<SecretVersion>> {
        sqlx::query(
            "SELECT kind, version, prefix, created_at, retired_at FROM webhook_secrets \
             WHERE webhook_id = $1 ORDER BY kind, version DESC",
        )
        .bind(webhook_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(SecretVersion::from_row)
        .collect()
    }

    /// What ingest needs to authenticate a request to `public_id`: the
    /// webhook and the hashes of its ingest secrets that are still live.
    pub async fn ingest_target(&self, public_id: &str) -> Result<Option<IngestTarget>> {
        let Some(row) =
            sqlx::query("SELECT id, project_id, enabled, verification, filter FROM webhooks WHERE public_id = $1")
                .bind(public_id)
                .fetch_optional(&self.pool)
                .await?
        else {
            return Ok(None);
        };
        let webhook_id: String = row.try_get("id")?;
        let secrets = self
            .live_secrets(&webhook_id, SecretKind::Ingest, "secret_hash")
            .await?;
        let verification: Option<String> = row.try_get("verification")?;
        let verification_secrets = match verification {
            Some(_) => {
                self.live_secrets(&webhook_id, SecretKind::Verification, "ciphertext")
                    .await?
            }
            None => Vec::new(),
        };
        Ok(Some(IngestTarget {
            project_id: row.try_get("project_id")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
            webhook_id,
            secrets,
            verification,
            verification_secrets,
            filter: row.try_get("filter")?,
        }))
    }

    /// The webhook as the delivery engine needs it, with the ciphertexts of
    /// its live signing secrets, newest first.
    pub async fn webhook_for_delivery(
        &self,
        id: &str,
    ) -> Result<Option<(Webhook, Vec<LiveSecret>)>> {
        let Some(row) = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let secrets = self
            .live_secrets(id, SecretKind::Signing, "ciphertext")
            .await?;
        Ok(Some((Webhook::from_row(&row)?, secrets)))
    }

    /// Whether each of `ids` is enabled; deleted webhooks are left out.
    pub async fn webhooks_enabled(
        &self,
        ids: &[&str],
    ) -> Result<std::collections::HashMap<String, bool>> {
        let mut out = std::collections::HashMap::new();
        for chunk in super::row_chunks(ids) {
            let sql = format!(
                "SELECT id, enabled FROM webhooks WHERE id IN {}",
                super::values_list(self.dialect, 1, chunk.len())
            );
            for r in super::bind_all(&sql, chunk.iter().copied())
                .fetch_all(&self.pool)
                .await?
            {
                out.insert(r.try_get("id")?, r.try_get::<i64, _>("enabled")? != 0);
            }
        }
        Ok(out)
    }

    /// Keeps a refusal (status, reason) of a webhook's ingest URL among its
    /// last `keep`, and adds `count` refusals to usage, in one transaction.
    pub async fn record_refusal(
        &self,
        project_id: &str,
        webhook_id: &str,
        (status, reason): (u16, &str),
        count: i64,
        keep: i64,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO ingest_refusals (id, webhook_id, at, status, reason) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(crate::ids::new_id(crate::ids::REFUSAL))
        .bind(webhook_id)
        .bind(now)
        .bind(i64::from(status))
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM ingest_refusals WHERE webhook_id = $1 AND id NOT IN \
             (SELECT id FROM ingest_refusals WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(webhook_id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO usage_counters (project_id, webhook_id, hour_start, events, deliveries, attempts, \
             successes, failures, dead, bytes_in, bytes_out, refused) VALUES ($1, $2, $3, 0, 0, 0, 0, 0, 0, 0, 0, $4) \
             ON CONFLICT (project_id, webhook_id, hour_start) DO UPDATE SET refused = usage_counters.refused + $4",
        )
        .bind(project_id)
        .bind(webhook_id)
        .bind(super::usage::hour_start(now))
        .bind(count)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// A webhook's last refusals, newest first.
    pub async fn list_refusals(&self, webhook_id: &str) -> Result<Vec<IngestRefusal>> {
        sqlx::query(
            "SELECT at, status, reason FROM ingest_refusals WHERE webhook_id = $1 ORDER BY id DESC",
        )
        .bind(webhook_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(IngestRefusal {
                at: r.try_get("at")?,
                status: r.try_get("status")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
    }

    async fn live_secrets(
        &self,
        webhook_id: &str,
        kind: SecretKind,
        column: &str,
    ) -> Result<Vec<LiveSecret>> {
        sqlx::query(&format!(
            "SELECT {column} AS material, retired_at FROM webhook_secrets \
             WHERE webhook_id = $1 AND kind = $2 AND (retired_at IS NULL OR retired_at > $3) ORDER BY version DESC"
        ))
        .bind(webhook_id)
        .bind(kind.as_str())
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(LiveSecret {
                material: r.try_get("material")?,
                retired_at: r.try_get("retired_at")?,
            })
        })
        .collect()
    }
}

/// Deletes what belongs to one webhook (secrets, schedules, its delivery
/// history), whether the webhook goes alone or with its application.
pub(super) async fn delete_webhook_dependents(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    webhook_id: &str,
) -> Result<()> {
    for sql in [
        "DELETE FROM webhook_secrets WHERE webhook_id = $1",
        "DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE webhook_id = $1)",
        // An application's messages are shared by its endpoints; they go
        // with the application.
        "DELETE FROM events WHERE id IN (SELECT event_id FROM deliveries WHERE webhook_id = $1) \
         AND application_id IS NULL",
        "DELETE FROM deliveries WHERE webhook_id = $1",
        "DELETE FROM idempotency_keys WHERE scope = 'webhook:' || $1",
        "DELETE FROM schedules WHERE webhook_id = $1",
        "DELETE FROM ingest_refusals WHERE webhook_id = $1",
        "DELETE FROM transformation_versions WHERE webhook_id = $1",
    ] {
        sqlx::query(sql).bind(webhook_id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds a new current secret of `kind` inside `tx`; see `rotate_secret`.
async fn rotate_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    webhook_id: &str,
    secret: &NewSecret,
    overlap_ms: i64,
) -> Result<i64> {
    let now = now_ms();
    sqlx::query(
        "UPDATE webhook_secrets SET retired_at = $3 \
         WHERE webhook_id = $1 AND kind = $2 AND retired_at IS NOT NULL AND retired_at > $3",
    )
    .bind(webhook_id)
    .bind(secret.kind.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE webhook_secrets SET retired_at = $3 WHERE webhook_id = $1 AND kind = $2 AND retired_at IS NULL",
    )
    .bind(webhook_id)
    .bind(secret.kind.as_str())
    .bind(now + overlap_ms)
    .execute(&mut **tx)
    .await?;
    let version: i64 = sqlx::query(
        "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM webhook_secrets WHERE webhook_id = $1 AND kind = $2",
    )
    .bind(webhook_id)
    .bind(secret.kind.as_str())
    .fetch_one(&mut **tx)
    .await?
    .try_get("v")?;
    insert_secret(tx, webhook_id, secret, version).await?;
    Ok(version)
}

async fn insert_secret(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    webhook_id: &str,
    s: &NewSecret,
    version: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_secrets (id, webhook_id, kind, version, secret_hash, ciphertext, prefix, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(crate::ids::new_id(crate::ids::SECRET))
    .bind(webhook_id)
    .bind(s.kind.as_str())
    .bind(version)
    .bind(&s.secret_hash)
    .bind(&s.ciphertext)
    .bind(&s.prefix)
    .bind(now_ms())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}
