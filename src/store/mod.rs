//! All SQL lives here. One implementation serves SQLite and PostgreSQL over
//! `sqlx::Any`: the queries are written in the common dialect (`$n`
//! parameters, unix-millisecond BIGINTs, `ON CONFLICT`, `RETURNING`), and the
//! few fragments that differ come from [`Dialect`].

mod audit;
mod audit_log;
mod cluster;
mod metrics;
mod models;
mod notifications;
mod portal;
mod replay;
mod retention;
mod schedules;
mod usage;
mod users;

pub use audit::*;
pub use audit_log::*;
pub use portal::*;
pub use replay::*;
pub use schedules::*;
pub use usage::*;
pub use users::*;

pub use models::*;
pub use notifications::*;

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::{AnyPool, Executor, Row, Transaction};

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
    /// SQLite only: a file locked while migrating (see `migrate`).
    migrate_lock: Option<std::path::PathBuf>,
    /// Dead deliveries in a row that disable a webhook; 0 never does.
    auto_disable_after_dead: i64,
    /// SQLite has one writer at a time. The hot-path writers (ingest,
    /// outcomes, claims) queue here, FIFO, instead of in SQLite's busy
    /// handler, which sleeps 1 to 100 ms between retries; and they share one
    /// kept connection, whose page and statement caches stay warm (any other
    /// connection must re-read the pages the last writer changed).
    sqlite_writer: std::sync::Arc<WriterSlot>,
}

/// When a hot-path write on SQLite reaches the disk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flush {
    /// fsync at commit: what a 202 promises.
    AtCommit,
    /// Survives a crash of the process at once, a crash of the machine once
    /// the next `AtCommit` write fsyncs the log (which holds this write
    /// too). Only for bookkeeping whose loss means a delivery is sent
    /// again, which at-least-once allows: outcomes and claims.
    WithNextCommit,
}

/// SQLite's kept writer connection, with the `Flush` it is set to: the
/// setting is a statement (a thread hand-off) and is only sent when it
/// changes.
struct KeptWriter {
    conn: PoolConnection<sqlx::Any>,
    flush: Option<Flush>,
}

type WriterSlot = tokio::sync::Mutex<Option<KeptWriter>>;
type WriteTurn<'a> = Option<tokio::sync::MutexGuard<'a, Option<KeptWriter>>>;

/// Most rows in one multi-row statement: stays far below SQLite's 32,766
/// and PostgreSQL's 65,535 bind parameters at 9 columns a row.
const ROWS_PER_STATEMENT: usize = 1000;

/// `($1, $2, ...), (...)`: `rows` tuples of `cols` parameters, bound in
/// order. SQLite gets anonymous `?`s: sqlx resolves every `$n` by name
/// through `sqlite3_bind_parameter_name`, a linear scan, which made binding
/// a 1,000-parameter statement quadratic and the hottest code in a profile.
fn values_list(dialect: Dialect, rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            match dialect {
                Dialect::Sqlite => out.push('?'),
                Dialect::Postgres => out.push_str(&format!("${}", 1 + r * cols + c)),
            }
        }
        out.push(')');
    }
    out
}

/// `sql` with `values` bound in order: an `IN` list of
/// `values_list(dialect, 1, n)`.
fn bind_all<'q>(sql: &'q str, values: impl IntoIterator<Item = &'q str>) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    values.into_iter().fold(sqlx::query(sql), |q, v| q.bind(v))
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
                        // No connection checkpoints on commit: that would
                        // copy the log into the database (and fsync it) on
                        // the writer's turn; `checkpoint_wal` does it beside.
                        Dialect::Sqlite => {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
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
        let migrate_lock = match dialect {
            Dialect::Sqlite => sqlite_file(url).map(|p| std::path::PathBuf::from(format!("{p}-migrate.lock"))),
            Dialect::Postgres => None,
        };
        Ok(Store { pool, dialect, migrate_lock, auto_disable_after_dead: crate::webhooks::AUTO_DISABLE_AFTER_DEAD,
            sqlite_writer: Default::default(),
        })
    }

    pub fn with_auto_disable_after_dead(self, n: i64) -> Store {
        Store { auto_disable_after_dead: n, ..self }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Runs pending migrations, guarded so that processes starting together
    /// do not race: on PostgreSQL sqlx holds an advisory lock while it
    /// migrates; SQLite has no such lock, so an exclusive lock on a file
    /// beside the database stands in for it.
    pub async fn migrate(&self) -> std::result::Result<(), sqlx::migrate::MigrateError> {
        let _guard = match &self.migrate_lock {
            Some(path) => {
                let path = path.clone();
                let file = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
                    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path)?;
                    file.lock()?;
                    Ok(file)
                })
                .await
                .map_err(|e| sqlx::migrate::MigrateError::Source(Box::new(e)))?
                .map_err(|e| sqlx::migrate::MigrateError::Source(Box::new(e)))?;
                Some(file)
            }
            None => None,
        };
        // One set of migrations, in the dialect both share. The one type that
        // differs, binary data, is written BLOB and becomes BYTEA on
        // PostgreSQL; that text is byte for byte what earlier versions kept
        // as separate PostgreSQL files, so already migrated databases' checksums match.
        let files: &[(i64, &str, &'static str)] = &[
            (1, "core", include_str!("../../migrations/0001_core.sql")),
            (2, "audit", include_str!("../../migrations/0002_audit.sql")),
            (3, "operations", include_str!("../../migrations/0003_operations.sql")),
            (4, "portal", include_str!("../../migrations/0004_portal.sql")),
            (5, "dashboard_users", include_str!("../../migrations/0005_dashboard_users.sql")),
            (7, "cluster_jobs", include_str!("../../migrations/0007_cluster_jobs.sql")),
            (8, "event_metadata", include_str!("../../migrations/0008_event_metadata.sql")),
            (9, "login_failures", include_str!("../../migrations/0009_login_failures.sql")),
        ];
        let migrations = files
            .iter()
            .map(|(v, d, sql)| {
                let sql = match self.dialect {
                    Dialect::Sqlite => Cow::Borrowed(*sql),
                    Dialect::Postgres => Cow::Owned(sql.replace("BLOB", "BYTEA")),
                };
                Migration::new(*v, Cow::Borrowed(*d), MigrationType::Simple, sql, false)
            })
            .collect::<Vec<_>>();
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        migrator.run(&self.pool).await
    }

    /// A page of a project's rows of `table`, newest first (ids sort by time).
    pub(crate) async fn project_page<T>(
        &self,
        table: &str,
        columns: &str,
        project_id: &str,
        page: &PageRequest,
        decode: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
        cursor_of: impl Fn(&T) -> String,
    ) -> Result<Page<T>> {
        let rows = sqlx::query(&format!(
            "SELECT {columns} FROM {table} WHERE project_id = $1 AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(project_id)
        .bind(page.cursor_or_empty())
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, decode, cursor_of)
    }

    /// One of a project's rows of `table`, by id.
    pub(crate) async fn project_row<T>(
        &self,
        table: &str,
        columns: &str,
        project_id: &str,
        id: &str,
        decode: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Option<T>> {
        sqlx::query(&format!("SELECT {columns} FROM {table} WHERE project_id = $1 AND id = $2"))
            .bind(project_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| decode(&r))
            .transpose()
    }

    /// Waits for this node's turn to write on SQLite (see `sqlite_writer`);
    /// PostgreSQL writers run side by side.
    async fn write_turn(&self) -> Result<WriteTurn<'_>> {
        if self.dialect != Dialect::Sqlite {
            return Ok(None);
        }
        let mut slot = self.sqlite_writer.lock().await;
        if slot.is_none() {
            *slot = Some(KeptWriter { conn: self.pool.acquire().await?, flush: None });
        }
        Ok(Some(slot))
    }

    /// A transaction on the writer connection of `turn`, or on the pool.
    /// Every SQLite write states its `flush`, so no setting outlives it.
    async fn begin_write<'a>(&'a self, turn: &'a mut WriteTurn<'_>, flush: Flush) -> Result<Transaction<'a, sqlx::Any>> {
        let Some(slot) = turn.as_mut() else { return self.pool.begin().await };
        if let Some(kept) = slot.as_mut() {
            if kept.flush != Some(flush) {
                let pragma = match flush {
                    Flush::AtCommit => "PRAGMA synchronous = FULL",
                    Flush::WithNextCommit => "PRAGMA synchronous = NORMAL",
                };
                if let Err(e) = (&mut *kept.conn).execute(pragma).await {
                    // A kept connection that fails even this is replaced at the
                    // next turn rather than failing every write after it.
                    **slot = None;
                    return Err(e);
                }
                kept.flush = Some(flush);
            }
        }
        match slot.as_mut() {
            Some(kept) => sqlx::Connection::begin(&mut *kept.conn).await,
            None => self.pool.begin().await,
        }
    }

    /// SQLite only (a no-op on PostgreSQL): copies the write-ahead log into
    /// the database file so that the log can start over. Called every second
    /// by `serve`. The log restarts only once a checkpoint has caught up with
    /// it, which never happens beside sustained writes: so the bulk is
    /// copied beside the writer, pass after pass while each pass finds much
    /// that is new, and only the last few frames on the writer's turn.
    pub async fn checkpoint_wal(&self) -> Result<()> {
        /// Frames (pages) left for the writer's turn: a few milliseconds.
        const TAIL_FRAMES: i64 = 2000;
        if self.dialect != Dialect::Sqlite {
            return Ok(());
        }
        // Its second column is the log's length in frames when it started;
        // it copies up to there.
        let checkpoint = "PRAGMA wal_checkpoint(PASSIVE)";
        let log_frames = |row: sqlx::any::AnyRow| row.try_get::<i64, _>(1);
        let mut copied_to = log_frames(sqlx::query(checkpoint).fetch_one(&self.pool).await?)?;
        if copied_to == 0 {
            return Ok(());
        }
        for _ in 0..4 {
            let log = log_frames(sqlx::query(checkpoint).fetch_one(&self.pool).await?)?;
            let written_meanwhile = log - copied_to;
            copied_to = log;
            if written_meanwhile <= TAIL_FRAMES {
                break;
            }
        }
        let mut turn = self.write_turn().await?;
        if let Some(kept) = turn.as_mut().and_then(|slot| slot.as_mut()) {
            sqlx::query(checkpoint).execute(&mut *kept.conn).await?;
        }
        Ok(())
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

    /// Stores `value`, replacing any value there.
    pub async fn set_setting(&self, name: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
            .bind(name)
            .bind(value)
            .execute(&self.pool)
            .await
            .map(|_| ())
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
        self.project_page("api_keys", API_KEY_COLUMNS, project_id, page, ApiKey::from_row, |k| k.id.clone()).await
    }

    pub async fn get_api_key(&self, project_id: &str, id: &str) -> Result<Option<ApiKey>> {
        self.project_row("api_keys", API_KEY_COLUMNS, project_id, id, ApiKey::from_row).await
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
             headers, timeout_secs, retry_schedule, created_at, updated_at, application_id, event_types) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
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
        .execute(&mut *tx)
        .await?;
        for s in secrets {
            insert_secret(&mut tx, &w.id, s, 1).await?;
        }
        tx.commit().await
    }

    pub async fn list_webhooks(&self, project_id: &str, page: &PageRequest) -> Result<Page<Webhook>> {
        self.project_page("webhooks", WEBHOOK_COLUMNS, project_id, page, Webhook::from_row, |w| w.id.clone()).await
    }

    pub async fn get_webhook(&self, project_id: &str, id: &str) -> Result<Option<Webhook>> {
        self.project_row("webhooks", WEBHOOK_COLUMNS, project_id, id, Webhook::from_row).await
    }

    /// Saves an edited webhook. Re-enabling releases deliveries held while it
    /// was disabled, in the same transaction.
    pub async fn update_webhook(&self, w: &Webhook) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE webhooks SET name = $3, description = $4, destination_url = $5, enabled = $6, headers = $7, \
             timeout_secs = $8, retry_schedule = $9, updated_at = $10, event_types = $11, \
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
        delete_webhook_dependents(&mut tx, id).await?;
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

    /// A page of deliveries with their event's type (known for application
    /// messages only), optionally only those of `event_type`.
    pub async fn list_deliveries(
        &self,
        project_id: &str,
        filter: &DeliveryFilter,
        event_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<LogEntry>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS}, (SELECT e.event_type FROM events e WHERE e.id = deliveries.event_id) AS event_type \
             FROM deliveries WHERE project_id = $1 AND ($2 = '' OR id < $2) \
             AND ($4 = '' OR event_id IN (SELECT e.id FROM events e WHERE e.project_id = $1 AND e.event_type = $4)) \
             AND {} ORDER BY id DESC LIMIT $3",
            replay::filter_sql(5)
        );
        let q = sqlx::query(&sql)
            .bind(project_id)
            .bind(page.cursor_or_empty())
            .bind(page.fetch_limit())
            .bind(event_type.unwrap_or(""));
        let rows = replay::bind_filter(q, filter).fetch_all(&self.pool).await?;
        Page::from_rows(rows, page, LogEntry::from_row, |e| e.delivery.id.clone())
    }

    pub async fn get_delivery(&self, project_id: &str, id: &str) -> Result<Option<(Delivery, Vec<Attempt>)>> {
        let Some(delivery) = self.project_row("deliveries", DELIVERY_COLUMNS, project_id, id, Delivery::from_row).await? else {
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
        Ok(Some((delivery, attempts)))
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

/// Claims an idempotency key for `result_id`, or takes it over when its
/// holder is older than `ttl_ms`. Answers the first result when the key is
/// still held, in which case the caller must create nothing.
pub(super) async fn claim_idempotency_key(
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

/// Deletes what belongs to one webhook (secrets, schedules, its delivery
/// history), whether the webhook goes alone or with its application.
pub(super) async fn delete_webhook_dependents(tx: &mut sqlx::Transaction<'_, sqlx::Any>, webhook_id: &str) -> Result<()> {
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
    ] {
        sqlx::query(sql).bind(webhook_id).execute(&mut **tx).await?;
    }
    Ok(())
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

/// The file behind a `sqlite://path?params` URL; None for in-memory ones.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

pub(crate) fn decode_err(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unexpected value {value:?}").into(),
    }
}


#[cfg(test)]
mod tests {
    use super::{sqlite_file, values_list, Dialect};

    #[test]
    fn sqlite_file_is_read_from_the_url() {
        assert_eq!(sqlite_file("sqlite:///var/data/h.db?mode=rwc"), Some("/var/data/h.db"));
        assert_eq!(sqlite_file("sqlite://./h.db"), Some("./h.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x/y"), None);
    }

    #[test]
    fn values_list_numbers_parameters_row_by_row() {
        assert_eq!(values_list(Dialect::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_list(Dialect::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }
}
