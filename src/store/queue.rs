//! Events and the delivery queue: the write path's transaction (new events
//! and deliveries, finished attempts), claiming due work, releasing leases,
//! and idempotency keys.

use sqlx::{Row, Transaction};

use super::models::*;
use super::{
    bind_all, now_ms, numbered_params, row_chunks, usage, values_list, Flush, Result, Store,
};

impl Store {
    /// The write path's transaction, the only place that inserts events and
    /// deliveries: new events with their deliveries, replays, replay-job
    /// steps and finished attempts together, with their usage counted once.
    /// What it holds is on disk once `on_disk` returns, when it holds
    /// anything new (a 202 promises that); outcomes alone ride with the next
    /// such batch.
    pub async fn write_batch(
        &self,
        batch: &WriteBatch<'_>,
        idempotency_ttl_ms: i64,
    ) -> Result<Written> {
        let new_work =
            !(batch.events.is_empty() && batch.replays.is_empty() && batch.job_steps.is_empty());
        // On a SQLite file the log is synced beside the writer instead of
        // inside the commit (see `wal_sync`).
        let sync_later = self.wal_sync.as_ref().filter(|_| new_work);
        let flush = if new_work && sync_later.is_none() {
            Flush::AtCommit
        } else {
            Flush::WithNextCommit
        };
        let mut turn = self.write_turn().await?;
        // PostgreSQL ends a deadlock by failing one transaction in it. The
        // write path's transactions run side by side (and on every node);
        // they meet on the usage counters' and the webhooks' rows, which an
        // outcome's circuit and its usage lock in different orders. A
        // transaction failed that way had no effect: run it again rather
        // than fail its callers.
        let mut deadlocks = 0;
        let mut result = loop {
            let result = self
                .write_batch_in(&mut turn, batch, flush, new_work, idempotency_ttl_ms)
                .await;
            if !is_deadlock(&result) || deadlocks == DEADLOCK_RETRIES {
                break result;
            }
            deadlocks += 1;
            tracing::warn!(
                "a write-path transaction was chosen to end a deadlock; running it again"
            );
        };
        if let (Ok(written), Some(wal)) = (&mut result, sync_later) {
            // Numbered on the writer's turn: in the log's order.
            written.log_commit = Some(wal.committed());
        }
        if result.is_err() {
            // A full disk or a failed fsync can leave SQLite's connection
            // inside a transaction it can neither commit nor roll back,
            // holding the write lock: every later write would then find the
            // database locked. A new connection starts clean.
            Store::discard_writer(&mut turn).await;
        }
        self.write_health.record(&result);
        result
    }

    /// Returns once the batch of `written` is on disk: at once on
    /// PostgreSQL, whose commit is durable, or for a batch without new work.
    pub async fn on_disk(&self, written: &Written) -> Result<()> {
        let (Some(wal), Some(n)) = (&self.wal_sync, written.log_commit) else {
            return Ok(());
        };
        let result = wal.sync_through(n).await.map_err(sqlx::Error::Io);
        if result.is_err() {
            self.write_health.record(&result);
        }
        result
    }

    async fn write_batch_in(
        &self,
        turn: &mut super::WriteTurn<'_>,
        batch: &WriteBatch<'_>,
        flush: Flush,
        new_work: bool,
        idempotency_ttl_ms: i64,
    ) -> Result<Written> {
        let mut tally = usage::UsageTally::tracking_health(self.auto_disable_after_dead);
        let mut tx = self.begin_write(turn, flush).await?;
        let mut written = if new_work {
            self.insert_in(&mut tx, batch, idempotency_ttl_ms, &mut tally)
                .await?
        } else {
            Written::default()
        };
        self.record_outcomes_in(&mut tx, batch.outcomes, &mut tally)
            .await?;
        written.disabled = tally.write(&mut tx, self.dialect).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn insert_in(
        &self,
        tx: &mut Transaction<'_, sqlx::Any>,
        batch: &WriteBatch<'_>,
        idempotency_ttl_ms: i64,
        tally: &mut usage::UsageTally,
    ) -> Result<Written> {
        let now = now_ms();
        let mut written = Written::default();
        let mut events: Vec<&NewEvent> = Vec::with_capacity(batch.events.len());
        // Replays that resend the request their original's transformation
        // produced.
        let mut resent: Vec<&str> = Vec::new();
        // (delivery, project, event, replay of)
        let mut rows: Vec<(&NewDelivery, &str, &str, Option<&str>)> =
            Vec::with_capacity(batch.events.len());
        let firsts = claim_idempotency_keys(tx, batch.events, now, idempotency_ttl_ms).await?;
        for (event, first) in batch.events.iter().zip(firsts) {
            if let Some(first) = first {
                written.events.push(Inserted::Duplicate(first));
                continue;
            }
            written.events.push(Inserted::Created);
            events.push(event);
            for d in &event.deliveries {
                tally.ingested(&event.project_id, &d.webhook_id, event.body.len());
                rows.push((d, &event.project_id, &event.event_id, None));
            }
        }
        for r in batch.replays {
            let done = stamp_replayed(tx, r, now).await?;
            written.replays.push(done);
            if done {
                tally.replayed(&r.project_id, &r.delivery.webhook_id);
                if !r.rerun_transformation {
                    resent.push(&r.delivery.delivery_id);
                }
                rows.push((
                    &r.delivery,
                    &r.project_id,
                    &r.event_id,
                    Some(&r.original_id),
                ));
            }
        }
        for step in batch.job_steps {
            let held = move_job_cursor(tx, step, now).await?;
            written.job_steps.push(held);
            if !held {
                continue;
            }
            let originals: Vec<&str> = step
                .replays
                .iter()
                .map(|r| r.original_id.as_str())
                .collect();
            for chunk in row_chunks(&originals) {
                // `now` is our own integer, so it can be written into the SQL.
                let sql = format!(
                    "UPDATE{} deliveries SET replayed_at = {now} WHERE id IN {}",
                    self.dialect.or_fail(),
                    values_list(self.dialect, 1, chunk.len())
                );
                bind_all(&sql, chunk.iter().copied())
                    .execute(&mut **tx)
                    .await?;
            }
            for r in &step.replays {
                tally.replayed(&r.project_id, &r.delivery.webhook_id);
                if !r.rerun_transformation {
                    resent.push(&r.delivery.delivery_id);
                }
                rows.push((
                    &r.delivery,
                    &r.project_id,
                    &r.event_id,
                    Some(&r.original_id),
                ));
            }
        }
        // Multi-row INSERTs: one statement per table and chunk rather than
        // one or two per event, which is most of the cost of a batch.
        for chunk in row_chunks(&events) {
            let sql = format!(
                "INSERT{} INTO events (id, project_id, content_type, body, received_at, headers, application_id, event_type, \
                 ordering_key) VALUES {}",
                self.dialect.or_fail(),
                values_list(self.dialect, chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for e in chunk {
                q = q
                    .bind(&e.event_id)
                    .bind(&e.project_id)
                    .bind(&e.content_type)
                    .bind(e.body.as_ref())
                    .bind(now)
                    .bind(e.headers.as_deref())
                    .bind(e.application_id.as_deref())
                    .bind(e.event_type.as_deref())
                    .bind(e.ordering_key.as_deref());
            }
            q.execute(&mut **tx).await?;
        }
        for chunk in row_chunks(&rows) {
            let sql = format!(
                "INSERT{} INTO deliveries (id, project_id, webhook_id, event_id, status, attempts, next_attempt_at, \
                 lease_token, created_at, updated_at, replay_of) VALUES {}",
                self.dialect.or_fail(),
                values_list(self.dialect, chunk.len(), 11)
            );
            let mut q = sqlx::query(&sql);
            for (d, project_id, event_id, replay_of) in chunk {
                let (status, next_attempt_at, lease_token) = match &d.state {
                    InitialState::Queued => ("pending", Some(now), None),
                    InitialState::Leased { until, token } => {
                        ("delivering", Some(*until), Some(token.as_str()))
                    }
                    InitialState::Held => ("pending", None, None),
                    InitialState::Filtered => ("filtered", None, None),
                };
                q = q
                    .bind(&d.delivery_id)
                    .bind(*project_id)
                    .bind(&d.webhook_id)
                    .bind(*event_id)
                    .bind(status)
                    .bind(0_i64)
                    .bind(next_attempt_at)
                    .bind(lease_token)
                    .bind(now)
                    .bind(now)
                    .bind(*replay_of);
            }
            q.execute(&mut **tx).await?;
        }
        for chunk in row_chunks(&resent) {
            let sql = format!(
                "UPDATE{} deliveries SET transformed = \
                 (SELECT o.transformed FROM deliveries o WHERE o.id = deliveries.replay_of) WHERE id IN {}",
                self.dialect.or_fail(),
                values_list(self.dialect, 1, chunk.len())
            );
            bind_all(&sql, chunk.iter().copied())
                .execute(&mut **tx)
                .await?;
        }
        Ok(written)
    }

    /// The endpoints with queued deliveries (held ones excluded), each with
    /// its earliest `next_attempt_at` (a lease's end for deliveries in
    /// flight). A loose index scan: one index lookup per endpoint, whatever
    /// the backlog behind each.
    pub async fn queued_endpoints(&self, limit: i64) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "WITH RECURSIVE q(webhook_id) AS ( \
               SELECT (SELECT MIN(webhook_id) FROM deliveries WHERE next_attempt_at IS NOT NULL) \
               UNION ALL \
               SELECT (SELECT MIN(d.webhook_id) FROM deliveries d \
                       WHERE d.next_attempt_at IS NOT NULL AND d.webhook_id > q.webhook_id) \
               FROM q WHERE q.webhook_id IS NOT NULL) \
             SELECT webhook_id, (SELECT MIN(d.next_attempt_at) FROM deliveries d \
                                 WHERE d.webhook_id = q.webhook_id AND d.next_attempt_at IS NOT NULL) AS due \
             FROM q WHERE webhook_id IS NOT NULL LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("webhook_id")?, r.try_get("due")?)))
            .collect()
    }

    /// Leases to `token` until `lease_until` up to `n` due deliveries of each
    /// endpoint of `grants`, earliest due first. Only the endpoint's owner
    /// claims them, so nodes never contend for the same rows.
    pub async fn claim_for(
        &self,
        grants: &[(&str, usize)],
        token: &str,
        lease_until: i64,
    ) -> Result<Vec<Claimed>> {
        if grants.is_empty() {
            return Ok(Vec::new());
        }
        // One derived table per endpoint (each an index range of
        // `deliveries_queue`), bound after the three leading parameters.
        let mut arms = Vec::with_capacity(grants.len());
        for i in 0..grants.len() {
            let (w, n) = (4 + 2 * i, 5 + 2 * i);
            arms.push(format!(
                "SELECT id FROM (SELECT id FROM deliveries WHERE webhook_id = ${w} AND next_attempt_at <= $3 \
                 ORDER BY next_attempt_at LIMIT ${n}) AS a{i}"
            ));
        }
        let filter = format!("id IN ({})", arms.join(" UNION ALL "));
        let binds: Vec<(&str, i64)> = grants.iter().map(|(w, n)| (*w, *n as i64)).collect();
        self.lease_where(&filter, &binds, &[], token, lease_until)
            .await
    }

    /// FIFO: the open deliveries of `webhook_id` in ingest order (at most
    /// `limit`), as (id, ordering key, due now).
    pub async fn fifo_window(
        &self,
        webhook_id: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, bool)>> {
        let now = now_ms();
        sqlx::query(
            "SELECT d.id, COALESCE(e.ordering_key, '') AS ordering_key, d.next_attempt_at FROM deliveries d \
             JOIN events e ON e.id = d.event_id \
             WHERE d.webhook_id = $1 AND d.next_attempt_at IS NOT NULL \
             AND d.id >= (SELECT MIN(id) FROM deliveries WHERE webhook_id = $1 AND next_attempt_at IS NOT NULL) \
             ORDER BY d.id LIMIT $2",
        )
        .bind(webhook_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("ordering_key")?, r.try_get::<i64, _>("next_attempt_at")? <= now)))
        .collect()
    }

    /// Leases to `token` the deliveries of `ids` that are still due.
    pub async fn claim_ids(
        &self,
        ids: &[&str],
        token: &str,
        lease_until: i64,
    ) -> Result<Vec<Claimed>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Numbered parameters on both backends: a claim binds a few dozen, far
        // from where sqlx's lookup of `$n` names on SQLite costs anything.
        let filter = format!(
            "id IN ({}) AND next_attempt_at <= $3",
            numbered_params(4, ids.len())
        );
        self.lease_where(&filter, &[], ids, token, lease_until)
            .await
    }

    /// The shared part of the claims: leases the rows matching `filter`
    /// (whose parameters follow `$1` token, `$2` lease end, `$3` now: the
    /// `(webhook, n)` pairs of `pairs`, then `ids`), and reads their events.
    async fn lease_where(
        &self,
        filter: &str,
        pairs: &[(&str, i64)],
        ids: &[&str],
        token: &str,
        lease_until: i64,
    ) -> Result<Vec<Claimed>> {
        let now = now_ms();
        // A claim's transaction is this one statement: see `Dialect::or_fail`.
        let sql = format!(
            "UPDATE{} deliveries SET status = 'delivering', lease_token = $1, next_attempt_at = $2, updated_at = $3 \
             WHERE {filter} RETURNING id, project_id, webhook_id, event_id, attempts, transformed",
            self.dialect.or_fail()
        );
        let mut q = sqlx::query(&sql).bind(token).bind(lease_until).bind(now);
        for (w, n) in pairs {
            q = q.bind(*w).bind(*n);
        }
        for id in ids {
            q = q.bind(*id);
        }
        let mut turn = self.write_turn().await?;
        let mut tx = self.begin_write(&mut turn, Flush::WithNextCommit).await?;
        let rows = q.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        drop(turn);
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
                ordering_key: None,
                event_type: None,
                transformed: r.try_get("transformed")?,
            });
        }
        self.load_payloads(&mut claimed).await?;
        Ok(claimed)
    }

    /// Fills in each claimed delivery's event: payload, headers, ordering key.
    async fn load_payloads(&self, claimed: &mut [Claimed]) -> Result<()> {
        if claimed.is_empty() {
            return Ok(());
        }
        let mut events = std::collections::HashMap::new();
        for chunk in row_chunks(claimed) {
            let sql = format!(
                "SELECT id, content_type, body, headers, ordering_key, event_type FROM events WHERE id IN {}",
                values_list(self.dialect, 1, chunk.len())
            );
            for r in bind_all(&sql, chunk.iter().map(|c| c.event_id.as_str()))
                .fetch_all(&self.pool)
                .await?
            {
                let id: String = r.try_get("id")?;
                let ct: String = r.try_get("content_type")?;
                let body: Vec<u8> = r.try_get("body")?;
                let headers: Option<String> = r.try_get("headers")?;
                let key: Option<String> = r.try_get("ordering_key")?;
                let event_type: Option<String> = r.try_get("event_type")?;
                events.insert(id, (ct, bytes::Bytes::from(body), headers, key, event_type));
            }
        }
        for c in claimed {
            if let Some((ct, body, headers, key, event_type)) = events.get(&c.event_id) {
                c.content_type = ct.clone();
                c.body = body.clone();
                c.headers = headers.clone();
                c.ordering_key = key.clone();
                c.event_type = event_type.clone();
            }
        }
        Ok(())
    }

    /// Takes on (or keeps) the endpoints of `ids` for `node` until
    /// `lease_until`, where nobody else holds them; returns those it got.
    pub async fn acquire_endpoints(
        &self,
        node: &str,
        ids: &[&str],
        lease_until: i64,
    ) -> Result<Vec<String>> {
        let now = now_ms();
        let mut got = Vec::new();
        for chunk in row_chunks(ids) {
            let rows = (0..chunk.len())
                .map(|i| format!("(${}, $1, $2)", i + 4))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO endpoint_owners (webhook_id, node, lease_until) VALUES {rows} \
                 ON CONFLICT (webhook_id) DO UPDATE SET node = excluded.node, lease_until = excluded.lease_until \
                 WHERE endpoint_owners.lease_until < $3 OR endpoint_owners.node = excluded.node \
                 RETURNING webhook_id"
            );
            let q = chunk.iter().fold(
                sqlx::query(&sql).bind(node).bind(lease_until).bind(now),
                |q, id| q.bind(*id),
            );
            for r in q.fetch_all(&self.pool).await? {
                got.push(r.try_get("webhook_id")?);
            }
        }
        Ok(got)
    }

    /// Extends `node`'s hold on the endpoints of `ids`; returns those it
    /// still had (the others were taken over after its lease ran out).
    pub async fn renew_endpoints(
        &self,
        node: &str,
        ids: &[&str],
        lease_until: i64,
    ) -> Result<Vec<String>> {
        let mut kept = Vec::new();
        for chunk in row_chunks(ids) {
            let list = numbered_params(3, chunk.len());
            let sql = format!(
                "UPDATE endpoint_owners SET lease_until = $2 WHERE node = $1 AND webhook_id IN ({list}) \
                 RETURNING webhook_id"
            );
            let q = chunk
                .iter()
                .fold(sqlx::query(&sql).bind(node).bind(lease_until), |q, id| {
                    q.bind(*id)
                });
            for r in q.fetch_all(&self.pool).await? {
                kept.push(r.try_get("webhook_id")?);
            }
        }
        Ok(kept)
    }

    /// Gives up `node`'s hold on the endpoints of `ids`.
    pub async fn release_endpoints(&self, node: &str, ids: &[&str]) -> Result<()> {
        for chunk in row_chunks(ids) {
            let list = numbered_params(2, chunk.len());
            let sql =
                format!("DELETE FROM endpoint_owners WHERE node = $1 AND webhook_id IN ({list})");
            let q = chunk
                .iter()
                .fold(sqlx::query(&sql).bind(node), |q, id| q.bind(*id));
            q.execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Nodes holding endpoints now, for a fair share of new ones.
    pub async fn endpoint_owner_nodes(&self) -> Result<i64> {
        sqlx::query("SELECT CAST(COUNT(DISTINCT node) AS BIGINT) AS n FROM endpoint_owners WHERE lease_until > $1")
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// Records finished attempts. A delivery whose lease was taken over
    /// meanwhile keeps the newer holder's state; the attempt is still
    /// recorded, because it happened.
    async fn record_outcomes_in(
        &self,
        tx: &mut Transaction<'_, sqlx::Any>,
        outcomes: &[Outcome],
        tally: &mut usage::UsageTally,
    ) -> Result<()> {
        let now = now_ms();
        for o in outcomes {
            tally.outcome(o);
            if let Some(c) = &o.circuit {
                record_circuit(tx, o, c).await?;
            }
        }
        // Multi-row statements: INSERTs of the attempts, UPDATEs of the
        // deliveries.
        let attempts: Vec<(&Outcome, &AttemptRecord)> = outcomes
            .iter()
            .filter_map(|o| o.attempt.as_ref().map(|a| (o, a)))
            .collect();
        for attempts in row_chunks(&attempts) {
            let sql = format!(
                "INSERT{} INTO attempts (id, delivery_id, attempt_no, started_at, duration_ms, status_code, \
                 error_kind, error_message, response_excerpt) VALUES {}",
                self.dialect.or_fail(),
                values_list(self.dialect, attempts.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for (o, a) in attempts {
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
        for chunk in row_chunks(outcomes) {
            // VALUES columns are named column1.. on both SQLite and PostgreSQL.
            let sql = format!(
                "UPDATE{} deliveries SET status = v.column3, attempts = v.column4, next_attempt_at = v.column5, \
                 lease_token = NULL, last_status_code = COALESCE(v.column6, deliveries.last_status_code), \
                 last_error = v.column7, updated_at = v.column8, \
                 transformed = COALESCE(deliveries.transformed, v.column9) \
                 FROM (VALUES {}) AS v WHERE deliveries.id = v.column1 AND deliveries.lease_token = v.column2",
                self.dialect.or_fail(),
                values_list(self.dialect, chunk.len(), 9)
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
                    .bind(now)
                    .bind(o.transformed.as_deref());
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
}

/// Runs of a write-path transaction after the first, each ended by a
/// deadlock (see `Store::write_batch`).
const DEADLOCK_RETRIES: usize = 3;

/// PostgreSQL's `deadlock_detected`.
fn is_deadlock<T>(result: &Result<T>) -> bool {
    matches!(result, Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("40P01"))
}

/// Claims the idempotency keys of a batch's events; for each event, in
/// order, the first event's id where its key is already held.
///
/// Each claim locks its key's row until the commit. Transactions of the
/// write path run side by side (and on every node), so claims made in
/// arrival order deadlock as soon as two batches hold two keys in opposite
/// orders: PostgreSQL then fails one of them after `deadlock_timeout` (a
/// second), and a burst that kept meeting so ran out of retries and
/// answered 503. Claimed in one order (scope, then key) everywhere, they
/// cannot wait on each other in a circle. The sort is stable, so within a
/// batch the first of a key's repeats to arrive is the one that claims it.
async fn claim_idempotency_keys(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    events: &[NewEvent],
    now: i64,
    ttl_ms: i64,
) -> Result<Vec<Option<String>>> {
    let mut keyed: Vec<(usize, &IdempotencyKey)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.idempotency_key.as_ref().map(|k| (i, k)))
        .collect();
    keyed.sort_by(|(_, a), (_, b)| (&a.scope, &a.key).cmp(&(&b.scope, &b.key)));
    let mut firsts = vec![None; events.len()];
    for (i, key) in keyed {
        firsts[i] = claim_idempotency_key(tx, key, &events[i].event_id, now, ttl_ms).await?;
    }
    Ok(firsts)
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
    let first: String =
        sqlx::query("SELECT result_id FROM idempotency_keys WHERE scope = $1 AND idem_key = $2")
            .bind(&key.scope)
            .bind(&key.key)
            .fetch_one(&mut **tx)
            .await?
            .try_get("result_id")?;
    Ok(Some(first))
}

/// Stamps the original of a single replay; false if it does not exist or,
/// for a dead-letter replay, is no longer in the queue (the conditional
/// stamp makes two concurrent replays of one entry create one replay).
async fn stamp_replayed(
    tx: &mut Transaction<'_, sqlx::Any>,
    r: &NewReplay,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET replayed_at = $3 WHERE project_id = $1 AND id = $2 \
         AND ($4 = 0 OR (status = 'dead' AND replayed_at IS NULL))",
    )
    .bind(&r.project_id)
    .bind(&r.original_id)
    .bind(now)
    .bind(i64::from(r.dead_letter_only))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Moves a replay job's cursor and progress if `step.token` still holds it
/// at `step.from_cursor`. Writing the job row first also makes this
/// transaction lock the job on PostgreSQL.
async fn move_job_cursor(
    tx: &mut Transaction<'_, sqlx::Any>,
    step: &ReplayJobStep,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE replay_jobs SET cursor_id = $4, processed = processed + $5, lease_until = $6, updated_at = $7, \
         status = CASE WHEN $8 = 1 THEN 'completed' ELSE status END, \
         finished_at = CASE WHEN $8 = 1 THEN $7 ELSE finished_at END \
         WHERE id = $1 AND lease_owner = $2 AND cursor_id = $3 AND status = 'running'",
    )
    .bind(&step.job_id)
    .bind(&step.token)
    .bind(&step.from_cursor)
    .bind(&step.to_cursor)
    .bind(step.replays.len() as i64)
    .bind(step.lease_until)
    .bind(now)
    .bind(i64::from(step.finished))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Stores an endpoint's new circuit; an opening or a closing is audited and
/// announced to the project's notification channels in the same
/// transaction.
async fn record_circuit(
    tx: &mut Transaction<'_, sqlx::Any>,
    o: &Outcome,
    c: &CircuitChange,
) -> Result<()> {
    sqlx::query("UPDATE webhooks SET circuit_state = $2, circuit_since = $3, circuit_next_probe_at = $4 WHERE id = $1")
        .bind(&o.webhook_id)
        .bind(c.state)
        .bind(c.since)
        .bind(c.next_probe_at)
        .execute(&mut **tx)
        .await?;
    if !c.transition {
        return Ok(());
    }
    let (action, event) = match c.state {
        "open" => ("webhook.circuit_open", "endpoint.circuit_opened"),
        _ => ("webhook.circuit_close", "endpoint.circuit_closed"),
    };
    let summary = serde_json::json!({
        "circuit": c.state,
        "failuresInARow": c.failures,
        "nextProbeAt": c.next_probe_at.map(crate::time::rfc3339),
    });
    let entry = super::AuditEntry {
        project_id: o.project_id.clone(),
        actor: super::Actor {
            actor_type: "system",
            actor_id: "circuit-breaker".into(),
            actor_label: "Hookrelay".into(),
            source_ip: None,
        },
        action,
        target_type: "webhook",
        target_id: o.webhook_id.clone(),
        summary: summary.clone(),
    };
    super::audit::insert_audit(&mut **tx, &entry).await?;
    let data = serde_json::json!({
        "webhookId": o.webhook_id,
        "circuit": c.state,
        "since": crate::time::rfc3339(c.since),
        "nextProbeAt": c.next_probe_at.map(crate::time::rfc3339),
    });
    super::notifications::enqueue(tx, &o.project_id, event, data).await
}
