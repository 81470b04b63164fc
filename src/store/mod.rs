//! All SQL lives here. One implementation serves SQLite and PostgreSQL over
//! `sqlx::Any`: the queries are written in the common dialect (`$n`
//! parameters, unix-millisecond BIGINTs, `ON CONFLICT`, `RETURNING`), and the
//! few fragments that differ come from [`Dialect`].

mod applications;
mod audit;
mod cluster;
mod deliveries;
mod keys;
mod metrics;
mod migrate;
mod models;
mod notifications;
mod portal_tokens;
mod projects;
mod queue;
mod replay;
mod retention;
mod schedules;
mod transformations;
mod usage;
mod users;
mod wal_sync;
mod webhooks;

pub use applications::{Application, EventType, LogEntry, LogFilter, Message, Saved};
pub use audit::{Actor, AuditEntry, AuditFilter, AuditRecord};
pub use cluster::{Notice, Notices};
pub use models::{
    ApiKey, Attempt, AttemptRecord, CircuitChange, Claimed, Delivery, DeliveryFilter,
    DeliveryStatus, DestinationKind, IdempotencyKey, IngestRefusal, IngestTarget, InitialState,
    Inserted, KeyAuth, LiveSecret, NewApiKey, NewDelivery, NewEvent, NewReplay, NewSecret,
    Ordering, Outcome, Page, PageRequest, Project, ReplayJobStep, RevokeOutcome, Role, SecretKind,
    SecretVersion, StoredCircuit, TransformationVersion, Webhook, WriteBatch, Written,
};
pub use notifications::{
    DeadLetterNews, EndingOverlap, NotificationChannel, PendingNotification, DEAD_LETTER_MARK,
};
pub use portal_tokens::{NewPortalToken, PortalAuth, PortalToken, LONG_LIVED, SESSION};
pub use projects::ProjectCounts;
pub use replay::{DeadLetterOutcome, NewReplayJob, ReplayJob, ReplaySource, StoredEvent};
pub use schedules::Schedule;
pub use usage::{hour_start, Usage, UsageBucket};
pub use users::{
    AddMemberOutcome, EndedAccess, Membership, MembershipRemoval, NewMember, NewSession,
    SessionRecord, User,
};

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{AnyPool, Executor, Row, Transaction};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Written after `INSERT` or `UPDATE` in the statements of the write
    /// path and of the claims that change many rows. Inside a transaction,
    /// SQLite gives such a statement a journal of its own when a constraint
    /// could stop it with the default ABORT, so that it can undo just its
    /// own rows: a copy of every page it changes, 2-3 % of the server's CPU
    /// on messages (`memjrnlWrite` in the profile). Neither goes on with a
    /// transaction after a statement fails (a write batch rolls back whole
    /// and its callers are told; a claim is one statement), so they use
    /// OR FAIL, which keeps no such journal. PostgreSQL has neither the
    /// clause nor the cost.
    pub(crate) fn or_fail(self) -> &'static str {
        match self {
            Dialect::Sqlite => " OR FAIL",
            Dialect::Postgres => "",
        }
    }
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
    /// SQLite on a file: the write path's commits are synced here, beside
    /// the writer (see `wal_sync`).
    wal_sync: Option<std::sync::Arc<wal_sync::WalSync>>,
    /// The write path's transactions that may run at once.
    write_slots: usize,
    write_health: std::sync::Arc<WriteHealth>,
    /// PostgreSQL only: where `Notices` connect.
    postgres_url: Option<String>,
}

/// The write path's transactions side by side on PostgreSQL, at most: each
/// batch's statements are round trips, and one transaction at a time left
/// the database idle while the writer waited for each answer. Two or more
/// made messages 18-27 % faster on two cores, more than two no faster
/// (docs/benchmarks.md). A third of the pool at most, so that claims and
/// the API keep connections.
const POSTGRES_WRITE_SLOTS: u32 = 3;

/// When a hot-path write on SQLite reaches the disk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flush {
    /// fsync at commit: what a 202 promises.
    AtCommit,
    /// Survives a crash of the process at once, a crash of the machine once
    /// the log is next fsynced (at an `AtCommit` write, or by `wal_sync`),
    /// which covers this write too. For bookkeeping whose loss means a
    /// delivery is sent again, which at-least-once allows (outcomes and
    /// claims), and for the write path's batches, which wait for
    /// `wal_sync` before they answer.
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

/// Closes the kept writer connection, if any, rather than putting it back
/// in the pool with the writer's settings; the next turn opens a new one.
async fn close_kept(slot: &mut Option<KeptWriter>) {
    if let Some(kept) = slot.take() {
        let _ = kept.conn.close().await;
    }
}

/// Whether the write path's last transaction failed, and why: readiness
/// and the metrics report it, and it clears with the next that commits.
#[derive(Default)]
pub struct WriteHealth {
    failing: std::sync::Mutex<Option<WriteFailure>>,
    /// The last failure that ended, with when it ended: operators are told
    /// of it once writes work again (a notice cannot be stored before).
    ended: std::sync::Mutex<Option<(WriteFailure, i64)>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteFailure {
    pub since_ms: i64,
    /// `disk_full`, or `error` for anything else.
    pub reason: &'static str,
    pub message: String,
}

impl WriteHealth {
    fn record<T>(&self, result: &Result<T>) {
        let mut failing = self.failing.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(_) => {
                if let Some(f) = failing.take() {
                    tracing::warn!(
                        reason = f.reason,
                        failed_for_ms = now_ms() - f.since_ms,
                        "the write path recovered"
                    );
                    *self.ended.lock().unwrap_or_else(|e| e.into_inner()) = Some((f, now_ms()));
                }
                crate::metrics::metrics().write_path_failing.set(0);
            }
            Err(e) => {
                let reason = failure_reason(e);
                crate::metrics::metrics()
                    .write_path_failures
                    .get_or_create(&crate::metrics::ReasonLabels { reason })
                    .inc();
                crate::metrics::metrics().write_path_failing.set(1);
                if failing.as_ref().is_none_or(|f| f.reason != reason) {
                    *failing = Some(WriteFailure {
                        since_ms: failing.as_ref().map_or_else(now_ms, |f| f.since_ms),
                        reason,
                        message: e.to_string(),
                    });
                }
            }
        }
    }

    /// The failure the write path is in, if it is failing.
    pub fn failing(&self) -> Option<WriteFailure> {
        self.failing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// `disk_full` when the database could not grow (SQLite's SQLITE_FULL,
/// PostgreSQL's class 53 `disk_full` / `insufficient_resources`), else `error`.
fn failure_reason(e: &sqlx::Error) -> &'static str {
    let full = match e {
        sqlx::Error::Database(d) => {
            matches!(d.code().as_deref(), Some("13" | "53100" | "53000"))
                || d.message().contains("database or disk is full")
        }
        sqlx::Error::Io(io) => io.raw_os_error() == Some(libc::ENOSPC),
        _ => false,
    };
    if full {
        "disk_full"
    } else {
        "error"
    }
}
type WriteTurn<'a> = Option<tokio::sync::MutexGuard<'a, Option<KeptWriter>>>;

/// Most rows in one multi-row statement (a power of two, see
/// `row_chunks`): far below SQLite's 32,766 and PostgreSQL's 65,535 bind
/// parameters at 11 columns a row.
const ROWS_PER_STATEMENT: usize = 256;

/// Up to this many rows go in one or two statements (see `row_chunks`).
const STEPPED_ROWS: usize = 128;

/// Below `STEPPED_ROWS`, row counts are multiples of this, plus one remainder
/// statement of fewer rows.
const ROW_STEP: usize = 8;

/// `items` in chunks for multi-row statements, in order. A statement's text
/// depends on its row count, and sqlx prepares each text once per
/// connection and keeps it in an LRU cache of 100.
/// - Up to `STEPPED_ROWS`: a multiple of `ROW_STEP` rows, then the remainder:
///   23 texts per table. With every count up to 128 as its own text (128
///   per table, several tables a batch), flat-out batches kept missing the
///   cache, and SQLite's parser took 6 % of the server's CPU on messages.
///   Each statement is a hand-off to the connection's thread (a network
///   round trip on PostgreSQL), so batches are not cut further.
/// - More: powers of two (at most `ROWS_PER_STATEMENT`) and a remainder,
///   cut as above. With any count up to 1,000 in one statement, the
///   programs of large fan-out batches (10 delivery rows per message) held
///   megabytes each, and peak RSS was 160-190 MiB.
fn row_chunks<T>(items: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        let n = match rest.len() {
            0 => return None,
            n if n < ROW_STEP => n,
            n if n <= STEPPED_ROWS => n - n % ROW_STEP,
            n => 1 << n.min(ROWS_PER_STATEMENT).ilog2(),
        };
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        Some(chunk)
    })
}

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

/// `$first, $first+1, ...`: `n` numbered parameters, for an `IN (...)` list
/// that follows a statement's leading parameters.
fn numbered_params(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `sql` with `values` bound in order: an `IN` list of
/// `values_list(dialect, 1, n)`.
fn bind_all<'q>(
    sql: &'q str,
    values: impl IntoIterator<Item = &'q str>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
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
                        // fsyncs every commit, so what was answered survives
                        // power loss (the write path's batches are synced by
                        // `wal_sync` instead, one fsync per batch or fewer).
                        // No connection checkpoints on commit: that would
                        // copy the log into the database (and fsync it) on
                        // the writer's turn; `checkpoint_wal` does it beside.
                        // When the log starts over after a burst, its file is
                        // cut back to 64 MiB (journal_size_limit).
                        Dialect::Sqlite => {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864; \
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
        // None for PostgreSQL and for SQLite in memory.
        let file = sqlite_file(url);
        let migrate_lock = file.map(|p| std::path::PathBuf::from(format!("{p}-migrate.lock")));
        let wal_sync = file.map(|p| std::sync::Arc::new(wal_sync::WalSync::new(p)));
        Ok(Store {
            pool,
            dialect,
            migrate_lock,
            auto_disable_after_dead: crate::webhooks::AUTO_DISABLE_AFTER_DEAD,
            sqlite_writer: Default::default(),
            wal_sync,
            // SQLite has one writer: a second transaction would only wait
            // for the first, with its batch closed too early.
            write_slots: match dialect {
                Dialect::Sqlite => 1,
                Dialect::Postgres => {
                    (settings.max_connections / 3).clamp(1, POSTGRES_WRITE_SLOTS) as usize
                }
            },
            write_health: Default::default(),
            postgres_url: (dialect == Dialect::Postgres).then(|| url.to_string()),
        })
    }

    pub fn with_auto_disable_after_dead(self, n: i64) -> Store {
        Store {
            auto_disable_after_dead: n,
            ..self
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
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
        sqlx::query(&format!(
            "SELECT {columns} FROM {table} WHERE project_id = $1 AND id = $2"
        ))
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
            let mut conn = self.pool.acquire().await?;
            // A multi-row statement inside a transaction first saves each
            // page it changes to a statement journal, to undo just itself
            // if it fails. Past 64 KiB that journal is a temporary file:
            // two more writes per page, as many pages as go to the log.
            // Kept in memory instead; it holds at most a batch's pages.
            (&mut *conn).execute("PRAGMA temp_store = MEMORY").await?;
            *slot = Some(KeptWriter { conn, flush: None });
        }
        Ok(Some(slot))
    }

    /// The write path's transactions that may run at once.
    pub fn write_slots(&self) -> usize {
        self.write_slots
    }

    /// Closes the kept writer connection of `turn` (SQLite) instead of
    /// keeping it for the next write; the next turn opens a new one.
    async fn discard_writer(turn: &mut WriteTurn<'_>) {
        if let Some(slot) = turn.as_mut() {
            close_kept(slot).await;
        }
    }

    /// The last write-path failure that ended, with its end (unix ms).
    pub fn ended_write_failure(&self) -> Option<(WriteFailure, i64)> {
        self.write_health
            .ended
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The write path's state: failing since when and why, or None.
    pub fn write_failure(&self) -> Option<WriteFailure> {
        self.write_health.failing()
    }

    /// While the write path is failing, tries a write of the size of a
    /// few events (on the writer's turn): the write path may have had no
    /// traffic to find that it works again, and readiness must not wait for
    /// traffic that an unready node never gets. A tiny write would not do:
    /// on a nearly full disk it fits where events do not. Returns the
    /// failure that remains.
    pub async fn probe_write(&self) -> Option<WriteFailure> {
        const PROBE_BYTES: usize = 256 * 1024;
        self.write_failure()?;
        // Random, so that no compression (PostgreSQL's TOAST) shrinks it.
        let filler = hex::encode(
            (0..PROBE_BYTES / 2)
                .map(|_| rand::random::<u8>())
                .collect::<Vec<u8>>(),
        );
        let result: Result<()> = async {
            let mut turn = self.write_turn().await?;
            let result = async {
                let mut tx = self.begin_write(&mut turn, Flush::AtCommit).await?;
                sqlx::query("INSERT INTO settings (name, value) VALUES ('write_probe', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
                    .bind(filler)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                let mut tx = self.begin_write(&mut turn, Flush::AtCommit).await?;
                sqlx::query("DELETE FROM settings WHERE name = 'write_probe'")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
            .await;
            if result.is_err() {
                Store::discard_writer(&mut turn).await;
            }
            result
        }
        .await;
        self.write_health.record(&result);
        self.write_failure()
    }

    /// A transaction on the writer connection of `turn`, or on the pool.
    /// Every SQLite write states its `flush`, so no setting outlives it.
    async fn begin_write<'a>(
        &'a self,
        turn: &'a mut WriteTurn<'_>,
        flush: Flush,
    ) -> Result<Transaction<'a, sqlx::Any>> {
        let Some(slot) = turn.as_mut() else {
            return self.pool.begin().await;
        };
        if let Some(kept) = slot.as_mut() {
            if kept.flush != Some(flush) {
                let pragma = match flush {
                    Flush::AtCommit => "PRAGMA synchronous = FULL",
                    Flush::WithNextCommit => "PRAGMA synchronous = NORMAL",
                };
                if let Err(e) = (&mut *kept.conn).execute(pragma).await {
                    // A kept connection that fails even this is replaced at the
                    // next turn rather than failing every write after it.
                    close_kept(slot).await;
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
            if let Err(e) = sqlx::query(checkpoint).execute(&mut *kept.conn).await {
                Store::discard_writer(&mut turn).await;
                return Err(e);
            }
        }
        Ok(())
    }

    /// SQLite only: writes a consistent copy of the database to `path` (an
    /// empty or missing file) with `VACUUM INTO`, which reads one snapshot
    /// beside the running server's writes (WAL) and leaves the copy
    /// compact and self-contained (no -wal file to go with it).
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        if self.dialect != Dialect::Sqlite {
            return Err(sqlx::Error::Configuration(
                "only the embedded SQLite database is backed up this way".into(),
            ));
        }
        let path = path.to_str().ok_or_else(|| {
            sqlx::Error::Configuration("the backup path must be valid UTF-8".into())
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
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
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
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
}

/// The file behind a `sqlite://path?params` URL; None for in-memory ones.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
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
    use super::{
        numbered_params, row_chunks, sqlite_file, values_list, Dialect, ROWS_PER_STATEMENT,
        ROW_STEP, STEPPED_ROWS,
    };

    #[test]
    fn sqlite_file_is_read_from_the_url() {
        assert_eq!(
            sqlite_file("sqlite:///var/data/h.db?mode=rwc"),
            Some("/var/data/h.db")
        );
        assert_eq!(sqlite_file("sqlite://./h.db"), Some("./h.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x/y"), None);
    }

    #[test]
    fn values_list_numbers_parameters_row_by_row() {
        assert_eq!(
            values_list(Dialect::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(values_list(Dialect::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(numbered_params(3, 3), "$3, $4, $5");
        assert_eq!(numbered_params(2, 0), "");
    }

    #[test]
    fn rows_go_in_few_statement_shapes_in_order() {
        assert!(ROWS_PER_STATEMENT.is_power_of_two() && STEPPED_ROWS.is_power_of_two());
        let mut shapes = std::collections::BTreeSet::new();
        for n in (0..=300).chain([1000, 5000]) {
            let items: Vec<usize> = (0..n).collect();
            let chunks: Vec<&[usize]> = row_chunks(&items).collect();
            assert_eq!(chunks.concat(), items, "{n} rows, in order");
            assert!(
                chunks.len() <= n.div_ceil(ROWS_PER_STATEMENT) + 2,
                "{n} rows"
            );
            // A chunk is a power of two above STEPPED_ROWS, a multiple of
            // ROW_STEP up to it, or a remainder below ROW_STEP.
            for c in &chunks {
                let len = c.len();
                assert!(
                    (STEPPED_ROWS..=ROWS_PER_STATEMENT).contains(&len) && len.is_power_of_two()
                        || len <= STEPPED_ROWS && len % ROW_STEP == 0
                        || len < ROW_STEP,
                    "{n} rows: a chunk of {len}"
                );
                shapes.insert(len);
            }
        }
        assert_eq!(shapes.len(), 24, "{shapes:?}");
        let lens = |n: usize| {
            row_chunks(&vec![(); n])
                .map(<[()]>::len)
                .collect::<Vec<_>>()
        };
        assert_eq!(lens(5), [5]);
        assert_eq!(lens(24), [24]);
        assert_eq!(lens(100), [96, 4]);
        assert_eq!(lens(128), [128]);
        assert_eq!(lens(200), [128, 72]);
        assert_eq!(lens(205), [128, 72, 5]);
        assert_eq!(lens(1280), [256; 5]);
        assert_eq!(lens(600), [256, 256, 88]);
    }
}
