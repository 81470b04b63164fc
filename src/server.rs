//! Opening the database, and running the server.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{DbArgs, LogFormat, ServeArgs};
use crate::connections::{self, ConnectionLimits};
use crate::delivery::scheduler::CircuitPolicy;
use crate::delivery::{Egress, Engine, EngineConfig};
use crate::ingest::Intake;
use crate::operations::Operations;
use crate::secrets::SecretBox;
use crate::store::{PoolSettings, Store};
use crate::users::{DashboardSettings, SessionPolicy};
use crate::{api, dashboard, ingest, mcp, tiers, workers};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

const KEY_FILE: &str = "encryption.key";
const KEY_CHECK_SETTING: &str = "encryption_key_check";
const DEFAULT_TIER_SETTING: &str = "default_tier";

/// Whether a command may set up a new installation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// `serve` and `migrate`: create the data directory, the SQLite
    /// database, the encryption key and the schema where missing.
    Create,
    /// Operator commands: only an installation `serve` or `migrate` set up,
    /// so that one run from the wrong directory or with a missing setting
    /// fails instead of quietly starting a second, empty installation.
    Existing,
}

/// Connects, migrates, and loads the encryption key, refusing a key that
/// does not match the one the database was set up with.
pub async fn open(db: &DbArgs, setup: Setup) -> Result<(Store, SecretBox), BoxError> {
    let url = match &db.database_url {
        Some(url) => url.clone(),
        None => {
            let file = db.data_dir.join("hookrelay.db");
            if setup == Setup::Existing && !file.is_file() {
                return Err(not_set_up(&format!(
                    "no Hookrelay database at {}",
                    absolute(&file)
                )));
            }
            ensure_private_dir(&db.data_dir)?;
            make_database_private(&file)?;
            let mode = if setup == Setup::Create { "rwc" } else { "rw" };
            format!("sqlite://{}?mode={mode}", file.display())
        }
    };
    if setup == Setup::Existing
        && db.encryption_key.is_none()
        && !db.data_dir.join(KEY_FILE).is_file()
    {
        return Err(not_set_up(&format!(
            "no encryption key at {} and none given (--encryption-key, HOOKRELAY_ENCRYPTION_KEY)",
            absolute(&db.data_dir.join(KEY_FILE))
        )));
    }
    let is_sqlite = url.starts_with("sqlite:");
    let settings = PoolSettings {
        max_connections: db
            .db_max_connections
            .unwrap_or(if is_sqlite { 8 } else { 10 }),
        statement_timeout: Duration::from_secs(db.db_statement_timeout_secs),
    };
    let store = Store::connect(&url, &settings).await?;
    // Every installation has its key check from its first start on.
    if setup == Setup::Existing
        && !matches!(store.get_setting(KEY_CHECK_SETTING).await, Ok(Some(_)))
    {
        store.close().await;
        return Err(not_set_up(&format!(
            "the database {} holds no Hookrelay installation",
            without_credentials(&url)
        )));
    }
    store.migrate().await?;
    let key = match &db.encryption_key {
        Some(k) => k.clone(),
        None => load_or_create_key(&db.data_dir)?,
    };
    let secret_box = SecretBox::from_base64_key(&key)?;
    let check = SecretBox::key_check(&key);
    if store.init_setting(KEY_CHECK_SETTING, &check).await? != check {
        return Err(
            "the encryption key does not match the one this database was set up with \
                    (check HOOKRELAY_ENCRYPTION_KEY or <data-dir>/encryption.key)"
                .into(),
        );
    }
    Ok((store, secret_box))
}

fn not_set_up(what: &str) -> BoxError {
    format!(
        "{what}. Give this command the server's --data-dir and --database-url \
         (or HOOKRELAY_DATA_DIR and HOOKRELAY_DATABASE_URL); only `hookrelay serve` \
         and `hookrelay migrate` set up a new installation"
    )
    .into()
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// A database URL fit for an error message: no user or password.
fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => "given".into(),
    }
}

/// The tier of projects created without one: the server's
/// `--default-tier`, recorded at its start.
pub async fn default_tier(store: &Store) -> Result<String, BoxError> {
    let recorded = store.get_setting(DEFAULT_TIER_SETTING).await?;
    Ok(recorded
        .filter(|t| tiers::find(t).is_some())
        .unwrap_or_else(|| tiers::DEFAULT_TIER.into()))
}

fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// The database holds payloads and header values (often receivers'
/// credentials): it is created readable by its owner only, and an older
/// installation's files are made so. SQLite gives the `-wal` and `-shm` files
/// it creates the database file's mode.
fn make_database_private(file: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    for suffix in ["", "-wal", "-shm", "-migrate.lock"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        match std::fs::metadata(&path) {
            Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?
            }
            _ => {}
        }
    }
    if let Some(dir) = file.parent() {
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            if let Err(e) =
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700))
            {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot make the data directory private (0700)");
            }
        }
    }
    Ok(())
}

fn load_or_create_key(dir: &Path) -> Result<String, BoxError> {
    use std::os::unix::fs::OpenOptionsExt;
    ensure_private_dir(dir)?;
    let path = dir.join(KEY_FILE);
    // create_new: two processes starting together cannot both write a key.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut f) => {
            let key = SecretBox::generate_key();
            f.write_all(key.as_bytes())?;
            f.sync_all()?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // A key being written by a concurrent first start may be empty
            // for an instant.
            for _ in 0..50 {
                let key = std::fs::read_to_string(&path)?;
                if !key.trim().is_empty() {
                    return Ok(key.trim().to_string());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(format!("{} is empty", path.display()).into())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn serve(args: ServeArgs, log_format: LogFormat) -> Result<(), BoxError> {
    let (store, secret_box) = open(&args.db, Setup::Create).await?;
    store
        .set_setting(DEFAULT_TIER_SETTING, &args.default_tier)
        .await?;
    let store = store.with_auto_disable_after_dead(args.auto_disable_after_dead);
    let (outcomes_tx, outcomes_rx) = ingest::outcome_channel();
    let egress = Egress {
        allow_private: args.allow_private_destinations,
        proxy: args.egress_proxy.clone(),
    };
    let cache_ttl = Duration::from_millis(args.cache_ttl_ms);
    let engine_tasks = Engine::start(
        store.clone(),
        secret_box.clone(),
        EngineConfig {
            lease: args.lease(),
            max_in_flight: args.max_in_flight as usize,
            endpoint_max_in_flight: args.endpoint_max_in_flight as usize,
            circuit: CircuitPolicy {
                failures_to_open: args.circuit_failures,
                open_ms: args.circuit_open_seconds as i64 * 1000,
                max_open_ms: 600_000,
            },
            egress: egress.clone(),
            target_cache_ttl: cache_ttl,
            discovery_interval: Duration::from_millis(args.discovery_interval_ms),
        },
        outcomes_tx,
    )?;
    let engine = engine_tasks.engine();
    let (writer, writer_task) = ingest::Writer::start(store.clone(), engine.clone(), outcomes_rx);
    let intake = Intake::new(store.clone(), writer, cache_ttl);
    let policy = SessionPolicy {
        idle: Duration::from_secs(args.session_idle_seconds),
        absolute: Duration::from_secs(args.session_max_seconds),
    };
    let workers = workers::spawn_all(workers::Context {
        store: store.clone(),
        secret_box: secret_box.clone(),
        intake: intake.clone(),
        max_retention_ms: args.max_retention_minutes.map(|m| m as i64 * 60_000),
        notification_interval: Duration::from_secs(args.notification_interval_seconds.max(1)),
        egress,
        sessions: policy,
    });

    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let secure_cookies = args.secure_cookies || public_url.starts_with("https://");
    let dashboard = DashboardSettings::new(
        policy,
        secure_cookies,
        args.login_max_failures,
        args.client_ip_header.clone(),
    );
    let ops = Arc::new(Operations::new(
        store.clone(),
        secret_box,
        intake,
        engine,
        args.allow_private_destinations,
        cache_ttl,
    ));
    let changes = tokio::spawn(ops.clone().hear_changes());
    let state = api::State::new(
        ops,
        api::Settings {
            public_url,
            dashboard,
            max_concurrent_ingest_bodies: args.max_concurrent_ingest_bodies as usize,
        },
    );
    let app = api::app(
        api::routes().merge(dashboard::routes()),
        state,
        args.max_payload_bytes,
    );
    // MCP tools call the routes above, in-process.
    let app = app
        .clone()
        .merge(mcp::routes(app))
        .layer(connections::body_timeout_layer(Duration::from_secs(
            args.request_body_timeout_seconds,
        )));
    let descriptors = connections::raise_descriptor_limit();
    if let Some(d) = descriptors.filter(|d| *d < args.max_connections + 64) {
        tracing::warn!(
            descriptors = d,
            max_connections = args.max_connections,
            "the open-file limit is below --max-connections; connections beyond it are refused until some close"
        );
    }
    // Listening for SIGTERM before the start line, so that a stop sent as
    // soon as the server says it is up is a graceful one.
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());

    // One start line. In text form it goes to stdout, where scripts and
    // tests read where the server is; in JSON it is the log's first object,
    // so that a JSON log (journald, docker logs) holds nothing else.
    match log_format {
        LogFormat::Text => {
            println!("hookrelay listening on http://{addr}");
            std::io::stdout().flush()?;
        }
        LogFormat::Json => {
            tracing::info!(url = %format!("http://{addr}"), backend = ?store.dialect(), "hookrelay listening")
        }
    }

    connections::serve(
        listener,
        app,
        ConnectionLimits {
            max_connections: args.max_connections as usize,
            header_timeout: Duration::from_secs(args.request_header_timeout_seconds),
        },
        shutdown_signal(term),
    )
    .await;
    tracing::info!("stopping: finishing in-flight deliveries");
    changes.abort();
    // Background loops first, so that none starts new work for the engine.
    workers.stop_all(Duration::from_secs(2)).await;
    engine_tasks
        .shutdown(Duration::from_secs(args.shutdown_grace_seconds))
        .await;
    writer_task.shutdown().await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal(term: std::io::Result<tokio::signal::unix::Signal>) {
    let mut term = match term {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
