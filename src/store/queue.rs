//! Events and the delivery queue: the write path's transaction (new events
//! and deliveries, finished attempts), claiming due work, releasing leases,
//! and idempotency keys.

use sqlx::{Row, Transaction};

use super::models::*;
use super::{bind_all, now_ms, usage, values_list, Dialect, Flush, Result, Store, ROWS_PER_STATEMENT};

/// A message sent to an application: stored once, one delivery per endpoint.
pub struct NewMessage {
    pub event_id: String,
    pub project_id: String,
    pub application_id: String,
    pub event_type: String,
    pub content_type: String,
    pub body: bytes::Bytes,
    pub idempotency_key: Option<IdempotencyKey>,
    /// (delivery id, endpoint id) pairs.
    pub deliveries: Vec<(String, String)>,
}

impl Store {
    /// Stores a batch of accepted events in one transaction (group commit:
    /// one fsync for the whole batch). Items repeating an idempotency key
    /// seen in the last `idempotency_ttl_ms` create nothing and report the
    /// first delivery's id.
    pub async fn insert_deliveries(&self, items: &[NewDelivery], idempotency_ttl_ms: i64) -> Result<Vec<Inserted>> {
        self.write_batch(items, &[], idempotency_ttl_ms).await
    }

    /// The write path's transaction: new deliveries (as `insert_deliveries`)
    /// and finished attempts (as `record_outcomes_in`) together, with their
    /// usage counted once. It fsyncs at commit when it holds new deliveries.
    pub async fn write_batch(&self, items: &[NewDelivery], outcomes: &[Outcome], idempotency_ttl_ms: i64) -> Result<Vec<Inserted>> {
        let flush = if items.is_empty() { Flush::WithNextCommit } else { Flush::AtCommit };
        let mut tally = usage::UsageTally::tracking_health(self.auto_disable_after_dead);
        let mut turn = self.write_turn().await?;
        let mut tx = self.begin_write(&mut turn, flush).await?;
        let inserted = self.insert_deliveries_in(&mut tx, items, idempotency_ttl_ms, &mut tally).await?;
        self.record_outcomes_in(&mut tx, outcomes, &mut tally).await?;
        tally.write(&mut tx, self.dialect).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    async fn insert_deliveries_in(
        &self,
        tx: &mut Transaction<'_, sqlx::Any>,
        items: &[NewDelivery],
        idempotency_ttl_ms: i64,
        tally: &mut usage::UsageTally,
    ) -> Result<Vec<Inserted>> {
        let now = now_ms();
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let Some(key) = &item.idempotency_key {
                if let Some(first) = claim_idempotency_key(tx, key, &item.delivery_id, now, idempotency_ttl_ms).await? {
                    out.push(Inserted::Duplicate(first));
                    continue;
                }
            }
            out.push(Inserted::Created);
            tally.ingested(&item.project_id, &item.webhook_id, item.body.len());
        }
        // Multi-row INSERTs: one statement per table and chunk rather than
        // two per event, which is most of the cost of a batch.
        let created: Vec<&NewDelivery> =
            items.iter().zip(&out).filter(|(_, r)| matches!(r, Inserted::Created)).map(|(i, _)| i).collect();
        for chunk in created.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO events (id, project_id, content_type, body, received_at, headers) VALUES {}",
                values_list(self.dialect, chunk.len(), 6)
            );
            let mut q = sqlx::query(&sql);
            for item in chunk {
                q = q
                    .bind(&item.event_id)
                    .bind(&item.project_id)
                    .bind(&item.content_type)
                    .bind(item.body.as_ref())
                    .bind(now)
                    .bind(item.headers.as_deref());
            }
            q.execute(&mut **tx).await?;
            let sql = format!(
                "INSERT INTO deliveries (id, project_id, webhook_id, event_id, status, attempts, next_attempt_at, \
                 lease_token, created_at, updated_at) VALUES {}",
                values_list(self.dialect, chunk.len(), 10)
            );
            let mut q = sqlx::query(&sql);
            for item in chunk {
                let (status, next_attempt_at, lease_token) = match &item.state {
                    InitialState::Queued => ("pending", Some(now), None),
                    InitialState::Leased { until, token } => ("delivering", Some(*until), Some(token.as_str())),
                    InitialState::Held => ("pending", None, None),
                };
                q = q
                    .bind(&item.delivery_id)
                    .bind(&item.project_id)
                    .bind(&item.webhook_id)
                    .bind(&item.event_id)
                    .bind(status)
                    .bind(0_i64)
                    .bind(next_attempt_at)
                    .bind(lease_token)
                    .bind(now)
                    .bind(now);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(out)
    }

    /// Leases up to `limit` due deliveries to the caller until `lease_until`.
    /// On PostgreSQL `SKIP LOCKED` lets nodes claim side by side without
    /// waiting on each other's rows; SQLite has a single writer anyway.
    pub async fn claim_due(&self, limit: i64, token: &str, lease_until: i64) -> Result<Vec<Claimed>> {
        let now = now_ms();
        let lock = match self.dialect {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let mut turn = self.write_turn().await?;
        let mut tx = self.begin_write(&mut turn, Flush::WithNextCommit).await?;
        let rows = sqlx::query(&format!(
            "UPDATE deliveries SET status = 'delivering', lease_token = $1, next_attempt_at = $2, updated_at = $3 \
             WHERE id IN (SELECT id FROM deliveries WHERE next_attempt_at <= $3 \
                          ORDER BY next_attempt_at LIMIT $4 {lock}) \
             RETURNING id, project_id, webhook_id, event_id, attempts"
        ))
        .bind(token)
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        drop(turn);
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut claimed = Vec::with_capacity(rows.len());
        for r in &rows {
            claimed.push(Claimed {
                delivery_id: r.try_get("id")?,
                project_id: r.try_get("project_id")?,
                webhook_id: r.try_get("webhook_id")?,
                event_id: r.try_get("event_id")?,
                attempts: r.try_get("attempts")?,
                content_type: String::new(),
                body: bytes::Bytes::new(),
                headers: None,
            });
        }
        let sql = format!(
            "SELECT id, content_type, body, headers FROM events WHERE id IN {}",
            values_list(self.dialect, 1, claimed.len())
        );
        let mut events = std::collections::HashMap::new();
        for r in bind_all(&sql, claimed.iter().map(|c| c.event_id.as_str())).fetch_all(&self.pool).await? {
            let id: String = r.try_get("id")?;
            let ct: String = r.try_get("content_type")?;
            let body: Vec<u8> = r.try_get("body")?;
            let headers: Option<String> = r.try_get("headers")?;
            events.insert(id, (ct, bytes::Bytes::from(body), headers));
        }
        for c in &mut claimed {
            if let Some((ct, body, headers)) = events.get(&c.event_id) {
                c.content_type = ct.clone();
                c.body = body.clone();
                c.headers = headers.clone();
            }
        }
        Ok(claimed)
    }

    /// Records finished attempts. A delivery whose lease was taken over
    /// meanwhile keeps the newer holder's state; the attempt is still
    /// recorded, because it happened.
    async fn record_outcomes_in(&self, tx: &mut Transaction<'_, sqlx::Any>, outcomes: &[Outcome], tally: &mut usage::UsageTally) -> Result<()> {
        let now = now_ms();
        for o in outcomes {
            tally.outcome(o);
        }
        // Multi-row statements: one INSERT and one UPDATE per chunk.
        for chunk in outcomes.chunks(ROWS_PER_STATEMENT) {
            let attempts: Vec<(&Outcome, &AttemptRecord)> =
                chunk.iter().filter_map(|o| o.attempt.as_ref().map(|a| (o, a))).collect();
            if !attempts.is_empty() {
                let sql = format!(
                    "INSERT INTO attempts (id, delivery_id, attempt_no, started_at, duration_ms, status_code, \
                     error_kind, error_message, response_excerpt) VALUES {}",
                    values_list(self.dialect, attempts.len(), 9)
                );
                let mut q = sqlx::query(&sql);
                for (o, a) in &attempts {
                    q = q
                        .bind(&a.id)
                        .bind(&o.delivery_id)
                        .bind(a.attempt_no)
                        .bind(a.started_at)
                        .bind(a.duration_ms)
                        .bind(a.status_code)
                        .bind(&a.error_kind)
                        .bind(&a.error_message)
                        .bind(&a.response_excerpt);
                }
                q.execute(&mut **tx).await?;
            }
            // VALUES columns are named column1.. on both SQLite and PostgreSQL.
            let sql = format!(
                "UPDATE deliveries SET status = v.column3, attempts = v.column4, next_attempt_at = v.column5, \
                 lease_token = NULL, last_status_code = COALESCE(v.column6, deliveries.last_status_code), \
                 last_error = v.column7, updated_at = v.column8 \
                 FROM (VALUES {}) AS v WHERE deliveries.id = v.column1 AND deliveries.lease_token = v.column2",
                values_list(self.dialect, chunk.len(), 8)
            );
            let mut q = sqlx::query(&sql);
            for o in chunk {
                q = q
                    .bind(&o.delivery_id)
                    .bind(&o.lease_token)
                    .bind(o.status.as_str())
                    .bind(o.attempts)
                    .bind(o.next_attempt_at)
                    .bind(o.attempt.as_ref().and_then(|a| a.status_code))
                    .bind(o.attempt.as_ref().and_then(|a| a.error_kind.as_deref()))
                    .bind(now);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Gives leased deliveries back to the queue, due now (graceful shutdown).
    pub async fn release(&self, leases: &[(String, String)]) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        for (id, token) in leases {
            sqlx::query(
                "UPDATE deliveries SET status = CASE WHEN attempts = 0 THEN 'pending' ELSE 'failed-retrying' END, \
                 next_attempt_at = $3, lease_token = NULL, updated_at = $3 WHERE id = $1 AND lease_token = $2",
            )
            .bind(id)
            .bind(token)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Deletes idempotency keys past their window, a bounded batch at a time.
    pub async fn purge_idempotency_keys(&self, older_than: i64) -> Result<u64> {
        Ok(sqlx::query(
            "DELETE FROM idempotency_keys WHERE (scope, idem_key) IN \
             (SELECT scope, idem_key FROM idempotency_keys WHERE created_at < $1 LIMIT 1000)",
        )
        .bind(older_than)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Stores a message once and queues its deliveries, in one transaction.
    /// A repeated idempotency key within `idempotency_ttl_ms` stores nothing
    /// and reports the first message's id.
    pub async fn insert_message(&self, m: &NewMessage, idempotency_ttl_ms: i64) -> Result<Inserted> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        if let Some(key) = &m.idempotency_key {
            if let Some(first) = claim_idempotency_key(&mut tx, key, &m.event_id, now, idempotency_ttl_ms).await? {
                return Ok(Inserted::Duplicate(first));
            }
        }
        sqlx::query(
            "INSERT INTO events (id, project_id, content_type, body, received_at, application_id, event_type) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&m.event_id)
        .bind(&m.project_id)
        .bind(&m.content_type)
        .bind(m.body.as_ref())
        .bind(now)
        .bind(&m.application_id)
        .bind(&m.event_type)
        .execute(&mut *tx)
        .await?;
        let mut tally = super::usage::UsageTally::default();
        for (delivery_id, endpoint_id) in &m.deliveries {
            insert_queued_delivery(&mut tx, &m.project_id, delivery_id, endpoint_id, &m.event_id, now).await?;
            tally.ingested(&m.project_id, endpoint_id, m.body.len());
        }
        tally.write(&mut tx, self.dialect).await?;
        tx.commit().await?;
        Ok(Inserted::Created)
    }
}

/// Claims an idempotency key for `result_id`, or takes it over when its
/// holder is older than `ttl_ms`. Answers the first result when the key is
/// still held, in which case the caller must create nothing.
async fn claim_idempotency_key(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &IdempotencyKey,
    result_id: &str,
    now: i64,
    ttl_ms: i64,
) -> Result<Option<String>> {
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (scope, idem_key, result_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (scope, idem_key) DO UPDATE SET result_id = excluded.result_id, \
         created_at = excluded.created_at WHERE idempotency_keys.created_at < $5",
    )
    .bind(&key.scope)
    .bind(&key.key)
    .bind(result_id)
    .bind(now)
    .bind(now - ttl_ms)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if claimed == 1 {
        return Ok(None);
    }
    let first: String = sqlx::query("SELECT result_id FROM idempotency_keys WHERE scope = $1 AND idem_key = $2")
        .bind(&key.scope)
        .bind(&key.key)
        .fetch_one(&mut **tx)
        .await?
        .try_get("result_id")?;
    Ok(Some(first))
}

async fn insert_queued_delivery(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    project_id: &str,
    delivery_id: &str,
    endpoint_id: &str,
    event_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deliveries (id, project_id, webhook_id, event_id, status, attempts, next_attempt_at, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $5)",
    )
    .bind(delivery_id)
    .bind(project_id)
    .bind(endpoint_id)
    .bind(event_id)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}
