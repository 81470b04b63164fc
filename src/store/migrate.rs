//! The schema: one set of migrations for both backends.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::{Dialect, Store};

impl Store {
    /// Runs pending migrations, guarded so that processes starting together
    /// do not race: on PostgreSQL sqlx holds an advisory lock while it
    /// migrates; SQLite has no such lock, so an exclusive lock on a file
    /// beside the database stands in for it.
    pub async fn migrate(&self) -> std::result::Result<(), sqlx::migrate::MigrateError> {
        self.migrate_through(i64::MAX).await
    }

    /// Runs the pending migrations up to version `last`: an upgrade test
    /// starts from an earlier schema with it.
    pub async fn migrate_through(
        &self,
        last: i64,
    ) -> std::result::Result<(), sqlx::migrate::MigrateError> {
        let _guard = match &self.migrate_lock {
            Some(path) => {
                let path = path.clone();
                let file =
                    tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
                        use std::os::unix::fs::OpenOptionsExt;
                        let file = std::fs::OpenOptions::new()
                            .create(true)
                            .mode(0o600)
                            .truncate(false)
                            .write(true)
                            .open(path)?;
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
            (
                3,
                "operations",
                include_str!("../../migrations/0003_operations.sql"),
            ),
            (
                4,
                "portal",
                include_str!("../../migrations/0004_portal.sql"),
            ),
            (
                5,
                "dashboard_users",
                include_str!("../../migrations/0005_dashboard_users.sql"),
            ),
            (
                7,
                "cluster_jobs",
                include_str!("../../migrations/0007_cluster_jobs.sql"),
            ),
            (
                8,
                "event_metadata",
                include_str!("../../migrations/0008_event_metadata.sql"),
            ),
            (
                9,
                "login_failures",
                include_str!("../../migrations/0009_login_failures.sql"),
            ),
            (
                10,
                "delivery_isolation",
                include_str!("../../migrations/0010_delivery_isolation.sql"),
            ),
            (
                11,
                "application_endpoint_limit",
                include_str!("../../migrations/0011_application_endpoint_limit.sql"),
            ),
            (
                12,
                "inbound",
                include_str!("../../migrations/0012_inbound.sql"),
            ),
            (
                13,
                "listen",
                include_str!("../../migrations/0013_listen.sql"),
            ),
            (
                14,
                "transformations",
                include_str!("../../migrations/0014_transformations.sql"),
            ),
            (
                15,
                "events_application_partial",
                include_str!("../../migrations/0015_events_application_partial.sql"),
            ),
            (
                16,
                "attempts_by_delivery",
                include_str!("../../migrations/0016_attempts_by_delivery.sql"),
            ),
        ];
        let migrations = files
            .iter()
            .filter(|(v, _, _)| *v <= last)
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
}
