//! All SQL lives here. One implementation serves SQLite and PostgreSQL over
//! `sqlx::Any`: the queries are written in the common dialect (`$n`
//! parameters, unix-millisecond BIGINTs, `ON CONFLICT`, `RETURNING`), and the
//! few fragments that differ come from [`Dialect`].

mod audit;
mod models;
mod users;

pub use audit::*;
pub use users::*;

pub use models::*;

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, Row};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}

/// How the pool is sized and bounded.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub statement_timeout: Duration,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Store {
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                "database URL must start with sqlite: or postgres:".into(),
            ));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let statement_timeout_ms = settings.statement_timeout.as_millis();
        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    match dialect {
                        // WAL lets readers run beside the one writer; FULL
                        // fsyncs every commit, so a 202 survives power loss,
                        // and group commit keeps that to one fsync per batch.
                        Dialect::Sqlite => {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                            )
                            .await?;
                        }
                        Dialect::Postgres => {
                            let sql = format!("SET statement_timeout = {statement_timeout_ms}");
                            conn.execute(sql.as_str()).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store { pool, dialect })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Runs pending migrations. On PostgreSQL sqlx holds an advisory lock
    /// while it migrates, so nodes starting together do not race.
    pub async fn migrate(&self) -> std::result::Result<(), sqlx::migrate::MigrateError> {
        let files: &[(i64, &str, &'static str)] = match self.dialect {
            Dialect::Sqlite => &[
                (1, "core", include_str!("../../migrations/sqlite/0001_core.sql")),
                (2, "audit", include_str!("../../migrations/sqlite/0002_audit.sql")),
                (5, "dashboard_users", include_str!("../../migrations/sqlite/0005_dashboard_users.sql")),
            ],
            Dialect::Postgres => &[
                (1, "core", include_str!("../../migrations/postgres/0001_core.sql")),
                (2, "audit", include_str!("../../migrations/postgres/0002_audit.sql")),
                (5, "dashboard_users", include_str!("../../migrations/postgres/0005_dashboard_users.sql")),
            ],
        };
        let migrations = files
            .iter()
            .map(|(v, d, sql)| Migration::new(*v, Cow::Borrowed(*d), MigrationType::Simple, Cow::Borrowed(*sql), false))
            .collect::<Vec<_>>();
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        migrator.run(&self.pool).await
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ---- settings -------------------------------------------------------

    pub async fn get_setting(&self, name: &str) -> Result<Option<String>> {
        sqlx::query("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("value"))
            .transpose()
    }

    /// Stores `value` unless a value is already there; returns what is stored.
    pub async fn init_setting(&self, name: &str, value: &str) -> Result<String> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(self.get_setting(name).await?.unwrap_or_default())
    }

    // ---- projects and API keys -----------------------------------------

    pub async fn create_project(&self, project: &Project, first_key: &NewApiKey) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO projects (id, name, tier, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(&project.id)
            .bind(&project.name)
            .bind(&project.tier)
            .bind(project.created_at)
            .execute(&mut *tx)
            .await?;
        insert_api_key(&mut tx, first_key).await?;
        tx.commit().await
    }

    pub async fn get_project(&self, id: &str) -> Result<Option<Project>> {
        sqlx::query("SELECT id, name, tier, created_at FROM projects WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Project::from_row(&r))
            .transpose()
    }

    pub async fn create_api_key(&self, key: &NewApiKey) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_api_key(&mut tx, key).await?;
        tx.commit().await
    }

    pub async fn list_api_keys(&self, project_id: &str, page: &PageRequest) -> Result<Page<ApiKey>> {
        let rows = sqlx::query(&format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE project_id = $1 AND ($2 = '' OR id < $2) \
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(project_id)
        .bind(page.cursor_or_empty())
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, ApiKey::from_row, |k| k.id.clone())
    }

    pub async fn get_api_key(&self, project_id: &str, id: &str) -> Result<Option<ApiKey>> {
        sqlx::query(&format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE project_id = $1 AND id = $2"))
            .bind(project_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| ApiKey::from_row(&r))
            .transpose()
    }

    /// Revokes a key unless it is the project's last active admin key.
    pub async fn revoke_api_key(&self, project_id: &str, id: &str) -> Result<RevokeOutcome> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        // Writing the project row first serialises key changes per project
        // (a row lock on PostgreSQL, the write lock on SQLite), so two
        // concurrent revocations cannot both see "another admin remains".
        sqlx::query("UPDATE projects SET updated_at = $2 WHERE id = $1")
            .bind(project_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let Some(row) = sqlx::query("SELECT role, status FROM api_keys WHERE project_id = $1 AND id = $2")
            .bind(project_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(RevokeOutcome::NotFound);
        };
        let role: String = row.try_get("role")?;
        let status: String = row.try_get("status")?;
        if status == "active" && role == "admin" {
            let admins: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM api_keys WHERE project_id = $1 AND role = 'admin' AND status = 'active'",
            )
            .bind(project_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if admins <= 1 {
                return Ok(RevokeOutcome::LastAdmin);
            }
        }
        sqlx::query(
            "UPDATE api_keys SET status = 'revoked', revoked_at = COALESCE(revoked_at, $3) \
             WHERE project_id = $1 AND id = $2",
        )
        .bind(project_id)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RevokeOutcome::Revoked)
    }

    /// Replaces an active key's secret; the old secret stops working at once.
    pub async fn rotate_api_key(&self, project_id: &str, id: &str, new_hash: &str, new_prefix: &str) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE api_keys SET secret_hash = $3, prefix = $4, rotated_at = $5 \
             WHERE project_id = $1 AND id = $2 AND status = 'active'",
        )
        .bind(project_id)
        .bind(id)
        .bind(new_hash)
        .bind(new_prefix)
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    pub async fn find_active_key(&self, secret_hash: &str) -> Result<Option<KeyAuth>> {
        sqlx::query("SELECT id, project_id, role, prefix FROM api_keys WHERE secret_hash = $1 AND status = 'active'")
            .bind(secret_hash)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| {
                Ok(KeyAuth {
                    key_id: r.try_get("id")?,
                    project_id: r.try_get("project_id")?,
                    role: r.try_get("role")?,
                    prefix: r.try_get("prefix")?,
                })
            })
            .transpose()
    }

    // ---- webhooks and their secrets --------------------------------------

    pub async fn create_webhook(&self, w: &Webhook, secrets: &[NewSecret]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO webhooks (id, project_id, public_id, name, description, destination_url, enabled, \
             headers, timeout_secs, retry_schedule, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
        .execute(&mut *tx)
        .await?;
        for s in secrets {
            insert_secret(&mut tx, &w.id, s, 1).await?;
        }
        tx.commit().await
    }

    pub async fn list_webhooks(&self, project_id: &str, page: &PageRequest) -> Result<Page<Webhook>> {
        let rows = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE project_id = $1 AND ($2 = '' OR id < $2) \
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(project_id)
        .bind(page.cursor_or_empty())
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, Webhook::from_row, |w| w.id.clone())
    }

    pub async fn get_webhook(&self, project_id: &str, id: &str) -> Result<Option<Webhook>> {
        sqlx::query(&format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE project_id = $1 AND id = $2"))
            .bind(project_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| Webhook::from_row(&r))
            .transpose()
    }

    /// Saves an edited webhook. Re-enabling releases deliveries held while it
    /// was disabled, in the same transaction.
    pub async fn update_webhook(&self, w: &Webhook) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE webhooks SET name = $3, description = $4, destination_url = $5, enabled = $6, headers = $7, \
             timeout_secs = $8, retry_schedule = $9, updated_at = $10 WHERE project_id = $1 AND id = $2",
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
        .execute(&mut *tx)
        .await?;
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
        for sql in [
            "DELETE FROM webhook_secrets WHERE webhook_id = $1",
            "DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE webhook_id = $1)",
            "DELETE FROM events WHERE id IN (SELECT event_id FROM deliveries WHERE webhook_id = $1)",
            "DELETE FROM deliveries WHERE webhook_id = $1",
            "DELETE FROM idempotency_keys WHERE scope = 'webhook:' || $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Adds a new current secret of `kind`. The previous current version
    /// stays valid until `now + overlap_ms`; any older overlapping version is
    /// retired now, so at most two versions are ever live.
    pub async fn rotate_secret(&self, webhook_id: &str, secret: &NewSecret, overlap_ms: i64) -> Result<i64> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE webhook_secrets SET retired_at = $3 \
             WHERE webhook_id = $1 AND kind = $2 AND retired_at IS NOT NULL AND retired_at > $3",
        )
        .bind(webhook_id)
        .bind(secret.kind.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE webhook_secrets SET retired_at = $3 WHERE webhook_id = $1 AND kind = $2 AND retired_at IS NULL",
        )
        .bind(webhook_id)
        .bind(secret.kind.as_str())
        .bind(now + overlap_ms)
        .execute(&mut *tx)
        .await?;
        let version: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM webhook_secrets WHERE webhook_id = $1 AND kind = $2",
        )
        .bind(webhook_id)
        .bind(secret.kind.as_str())
        .fetch_one(&mut *tx)
        .await?
        .try_get("v")?;
        insert_secret(&mut tx, webhook_id, secret, version).await?;
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
        let Some(row) = sqlx::query("SELECT id, project_id, enabled FROM webhooks WHERE public_id = $1")
            .bind(public_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let webhook_id: String = row.try_get("id")?;
        let secrets = self.live_secrets(&webhook_id, SecretKind::Ingest, "secret_hash").await?;
        Ok(Some(IngestTarget {
            project_id: row.try_get("project_id")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
            webhook_id,
            secrets,
        }))
    }

    /// The webhook as the delivery engine needs it, with the ciphertexts of
    /// its live signing secrets, newest first.
    pub async fn webhook_for_delivery(&self, id: &str) -> Result<Option<(Webhook, Vec<LiveSecret>)>> {
        let Some(row) = sqlx::query(&format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let secrets = self.live_secrets(id, SecretKind::Signing, "ciphertext").await?;
        Ok(Some((Webhook::from_row(&row)?, secrets)))
    }

    async fn live_secrets(&self, webhook_id: &str, kind: SecretKind, column: &str) -> Result<Vec<LiveSecret>> {
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

    // ---- events and the delivery queue -----------------------------------

    /// Stores a batch of accepted events in one transaction (group commit:
    /// one fsync for the whole batch). Items repeating an idempotency key
    /// seen in the last `idempotency_ttl_ms` create nothing and report the
    /// first delivery's id.
    pub async fn insert_deliveries(&self, items: &[NewDelivery], idempotency_ttl_ms: i64) -> Result<Vec<Inserted>> {
        let now = now_ms();
        let mut out = Vec::with_capacity(items.len());
        let mut tx = self.pool.begin().await?;
        for item in items {
            if let Some(key) = &item.idempotency_key {
                // Claims the key, or takes it over when the holder expired.
                let claimed = sqlx::query(
                    "INSERT INTO idempotency_keys (scope, idem_key, result_id, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (scope, idem_key) DO UPDATE SET result_id = excluded.result_id, \
                     created_at = excluded.created_at WHERE idempotency_keys.created_at < $5",
                )
                .bind(&key.scope)
                .bind(&key.key)
                .bind(&item.delivery_id)
                .bind(now)
                .bind(now - idempotency_ttl_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if claimed == 0 {
                    let first: String =
                        sqlx::query("SELECT result_id FROM idempotency_keys WHERE scope = $1 AND idem_key = $2")
                            .bind(&key.scope)
                            .bind(&key.key)
                            .fetch_one(&mut *tx)
                            .await?
                            .try_get("result_id")?;
                    out.push(Inserted::Duplicate(first));
                    continue;
                }
            }
            sqlx::query("INSERT INTO events (id, project_id, content_type, body, received_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&item.event_id)
                .bind(&item.project_id)
                .bind(&item.content_type)
                .bind(item.body.as_ref())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let (status, next_attempt_at) = match &item.state {
                InitialState::Queued => ("pending", Some(now)),
                InitialState::Leased { until, .. } => ("delivering", Some(*until)),
                InitialState::Held => ("pending", None),
            };
            let lease_token = match &item.state {
                InitialState::Leased { token, .. } => Some(token.as_str()),
                _ => None,
            };
            sqlx::query(
                "INSERT INTO deliveries (id, project_id, webhook_id, event_id, status, attempts, next_attempt_at, \
                 lease_token, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $8)",
            )
            .bind(&item.delivery_id)
            .bind(&item.project_id)
            .bind(&item.webhook_id)
            .bind(&item.event_id)
            .bind(status)
            .bind(next_attempt_at)
            .bind(lease_token)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            out.push(Inserted::Created);
        }
        tx.commit().await?;
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
        let rows = sqlx::query(&format!(
            "UPDATE deliveries SET status = 'delivering', lease_token = $1, next_attempt_at = $2, updated_at = $3 \
             WHERE id IN (SELECT id FROM deliveries WHERE next_attempt_at <= $3 \
                          ORDER BY next_attempt_at LIMIT $4 {lock}) \
             RETURNING id, webhook_id, event_id, attempts"
        ))
        .bind(token)
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut claimed = Vec::with_capacity(rows.len());
        for r in &rows {
            claimed.push(Claimed {
                delivery_id: r.try_get("id")?,
                webhook_id: r.try_get("webhook_id")?,
                event_id: r.try_get("event_id")?,
                attempts: r.try_get("attempts")?,
                content_type: String::new(),
                body: bytes::Bytes::new(),
            });
        }
        let placeholders = (1..=claimed.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT id, content_type, body FROM events WHERE id IN ({placeholders})");
        let mut q = sqlx::query(&sql);
        for c in &claimed {
            q = q.bind(&c.event_id);
        }
        let mut events = std::collections::HashMap::new();
        for r in q.fetch_all(&self.pool).await? {
            let id: String = r.try_get("id")?;
            let ct: String = r.try_get("content_type")?;
            let body: Vec<u8> = r.try_get("body")?;
            events.insert(id, (ct, bytes::Bytes::from(body)));
        }
        for c in &mut claimed {
            if let Some((ct, body)) = events.get(&c.event_id) {
                c.content_type = ct.clone();
                c.body = body.clone();
            }
        }
        Ok(claimed)
    }

    /// Records a batch of finished attempts in one transaction. A delivery
    /// whose lease was taken over meanwhile keeps the newer holder's state;
    /// the attempt is still recorded, because it happened.
    pub async fn record_outcomes(&self, outcomes: &[Outcome]) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        for o in outcomes {
            if let Some(a) = &o.attempt {
                sqlx::query(
                    "INSERT INTO attempts (id, delivery_id, attempt_no, started_at, duration_ms, status_code, \
                     error_kind, error_message, response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&a.id)
                .bind(&o.delivery_id)
                .bind(a.attempt_no)
                .bind(a.started_at)
                .bind(a.duration_ms)
                .bind(a.status_code)
                .bind(&a.error_kind)
                .bind(&a.error_message)
                .bind(&a.response_excerpt)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "UPDATE deliveries SET status = $3, attempts = $4, next_attempt_at = $5, lease_token = NULL, \
                 last_status_code = COALESCE($6, last_status_code), last_error = $7, updated_at = $8 \
                 WHERE id = $1 AND lease_token = $2",
            )
            .bind(&o.delivery_id)
            .bind(&o.lease_token)
            .bind(o.status.as_str())
            .bind(o.attempts)
            .bind(o.next_attempt_at)
            .bind(o.attempt.as_ref().and_then(|a| a.status_code))
            .bind(o.attempt.as_ref().and_then(|a| a.error_kind.clone()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
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

    pub async fn list_deliveries(&self, project_id: &str, filter: &DeliveryFilter, page: &PageRequest) -> Result<Page<Delivery>> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE project_id = $1 AND ($2 = '' OR id < $2) \
             AND ($3 = '' OR webhook_id = $3) AND ($4 = '' OR status = $4) ORDER BY id DESC LIMIT $5"
        ))
        .bind(project_id)
        .bind(page.cursor_or_empty())
        .bind(filter.webhook_id.as_deref().unwrap_or(""))
        .bind(filter.status.map(|s| s.as_str()).unwrap_or(""))
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, Delivery::from_row, |d| d.id.clone())
    }

    pub async fn get_delivery(&self, project_id: &str, id: &str) -> Result<Option<(Delivery, Vec<Attempt>)>> {
        let Some(row) = sqlx::query(&format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE project_id = $1 AND id = $2"))
            .bind(project_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let attempts = sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = $1 ORDER BY attempt_no, started_at"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(Attempt::from_row)
        .collect::<Result<Vec<_>>>()?;
        Ok(Some((Delivery::from_row(&row)?, attempts)))
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

async fn insert_api_key(tx: &mut sqlx::Transaction<'_, sqlx::Any>, k: &NewApiKey) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, project_id, name, role, prefix, secret_hash, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7)",
    )
    .bind(&k.id)
    .bind(&k.project_id)
    .bind(&k.name)
    .bind(k.role.as_str())
    .bind(&k.prefix)
    .bind(&k.secret_hash)
    .bind(now_ms())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

async fn insert_secret(tx: &mut sqlx::Transaction<'_, sqlx::Any>, webhook_id: &str, s: &NewSecret, version: i64) -> Result<()> {
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

pub(crate) fn decode_err(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unexpected value {value:?}").into(),
    }
}

