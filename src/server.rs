//! Opening the database, and running the server.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::config::{DbArgs, ServeArgs};
use crate::delivery::scheduler::CircuitPolicy;
use crate::delivery::{Engine, EngineConfig};
use crate::ingest::Intake;
use crate::secrets::SecretBox;
use crate::store::{PoolSettings, Store};
use crate::users::{DashboardSettings, SessionPolicy};
use crate::{api, dashboard, ingest, workers};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

const KEY_FILE: &str = "encryption.key";
const KEY_CHECK_SETTING: &str = "encryption_key_check";

/// Connects, migrates, and loads the encryption key, refusing a key that
/// does not match the one the database was set up with.
pub async fn open(db: &DbArgs) -> Result<(Store, SecretBox), BoxError> {
    let url = match &db.database_url {
        Some(url) => url.clone(),
        None => {
            ensure_private_dir(&db.data_dir)?;
            format!("sqlite://{}?mode=rwc", db.data_dir.join("hookrelay.db").display())
        }
    };
    let is_sqlite = url.starts_with("sqlite:");
    let settings = PoolSettings {
        max_connections: db.db_max_connections.unwrap_or(if is_sqlite { 8 } else { 10 }),
        statement_timeout: Duration::from_secs(db.db_statement_timeout_secs),
    };
    let store = Store::connect(&url, &settings).await?;
    store.migrate().await?;
    let key = match &db.encryption_key {
        Some(k) => k.clone(),
        None => load_or_create_key(&db.data_dir)?,
    };
    let secret_box = SecretBox::from_base64_key(&key)?;
    let check = SecretBox::key_check(&key);
    if store.init_setting(KEY_CHECK_SETTING, &check).await? != check {
        return Err("the encryption key does not match the one this database was set up with \
                    (check HOOKRELAY_ENCRYPTION_KEY or <data-dir>/encryption.key)"
            .into());
    }
    Ok((store, secret_box))
}

fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

fn load_or_create_key(dir: &Path) -> Result<String, BoxError> {
    use std::os::unix::fs::OpenOptionsExt;
    ensure_private_dir(dir)?;
    let path = dir.join(KEY_FILE);
    // create_new: two processes starting together cannot both write a key.
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
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

pub async fn serve(args: ServeArgs) -> Result<(), BoxError> {
    let (store, secret_box) = open(&args.db).await?;
    let store = store.with_auto_disable_after_dead(args.auto_disable_after_dead);
    let (outcomes_tx, outcomes_rx) = ingest::outcome_channel();
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
            allow_private_destinations: args.allow_private_destinations,
            target_cache_ttl: api::AUTH_CACHE_TTL,
        },
        outcomes_tx,
    )?;
    let engine = engine_tasks.engine();
    let (writer, writer_task) = ingest::Writer::start(store.clone(), engine.clone(), outcomes_rx);
    let intake = Intake::new(store.clone(), writer, api::AUTH_CACHE_TTL);
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
        allow_private_destinations: args.allow_private_destinations,
        sessions: policy,
    });

    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let secure_cookies = args.secure_cookies || public_url.starts_with("https://");
    let dashboard = DashboardSettings::new(policy, secure_cookies, args.login_max_failures, args.client_ip_header.clone());
    let state = api::State::new(store.clone(), secret_box, engine, intake, public_url, args.allow_private_destinations, dashboard);
    let app = api::app(api::routes().merge(dashboard::routes()), state, args.max_payload_bytes);

    tracing::info!(%addr, backend = ?store.dialect(), "hookrelay listening");
    // A fixed line on stdout tells scripts and tests where the server is.
    println!("hookrelay listening on http://{addr}");
    std::io::stdout().flush()?;

    // The peer address feeds the audit log's source IP and the
    // dashboard's per-IP login limit.
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopping: finishing in-flight deliveries");
    // Background loops first, so that none starts new work for the engine.
    workers.stop_all(Duration::from_secs(2)).await;
    engine_tasks.shutdown(Duration::from_secs(args.shutdown_grace_seconds)).await;
    writer_task.shutdown().await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
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
