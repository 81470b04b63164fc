//! The operations the surfaces share: the Public API, the Portal API, the
//! dashboard and the CLI make the same changes and the same reads through
//! these functions, so a rule or a side effect is written once. Each takes
//! plain input (request bodies and query strings already parsed into the
//! structs here, which keep their OpenAPI annotations), answers domain
//! values (store models, pages of them, plain structs, or what an answer
//! shows once, such as a raw secret) or an [`Error`], and does its own side
//! effects: forgetting cached credentials and routes (and telling the other
//! nodes to), and telling the delivery engine about changed webhooks. Reads
//! check what decides the answer (filters, time windows, the tier, paging)
//! here too. Nothing here knows HTTP; the surfaces authorize, call, shape
//! the answer and write the audit entry with their own actor.

pub mod applications;
pub mod audit;
pub mod deliveries;
mod error;
pub mod filters;
pub mod keys;
pub mod listen;
pub mod notices;
pub mod notification_channels;
pub mod portal_access;
pub mod replays;
pub mod schedules;
pub mod transformations;
pub mod usage;
pub mod webhooks;

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::cache::TtlCache;
use crate::delivery::Engine;
use crate::ingest::Intake;
use crate::secrets::SecretBox;
use crate::store::{Application, IngestTarget, KeyAuth, PageRequest, Store};
use crate::tiers::Feature;
pub use error::Error;

/// What the operations work with: the store, the secret box, the intake and
/// the caches in front of them, and the delivery engine, which only the
/// operations tell about changes.
pub struct Operations {
    pub store: Store,
    pub secret_box: SecretBox,
    pub intake: Intake,
    engine: Engine,
    /// `--allow-private-destinations`: destinations may be private addresses.
    pub allow_private_destinations: bool,
    /// Active API keys by secret hash.
    api_keys: TtlCache<String, KeyAuth>,
    /// Ingest URLs by public id.
    ingest_targets: TtlCache<String, Option<IngestTarget>>,
    /// Applications by (project, id or uid), for the messages route.
    applications: TtlCache<(String, String), Option<Application>>,
    /// Webhooks by (project, id), for the events route.
    event_targets: TtlCache<(String, String), webhooks::EventTarget>,
}

impl Operations {
    /// `cache_ttl` (`--cache-ttl-ms`): how long a cached lookup is trusted
    /// when no notice says it changed (see [`notices`]).
    pub fn new(
        store: Store,
        secret_box: SecretBox,
        intake: Intake,
        engine: Engine,
        allow_private_destinations: bool,
        cache_ttl: Duration,
    ) -> Operations {
        Operations {
            store,
            secret_box,
            intake,
            engine,
            allow_private_destinations,
            api_keys: TtlCache::new(cache_ttl, 100_000),
            ingest_targets: TtlCache::new(cache_ttl, 100_000),
            applications: TtlCache::new(cache_ttl, 100_000),
            event_targets: TtlCache::new(cache_ttl, 100_000),
        }
    }

    /// The active API key with this secret hash. Credentials are cached:
    /// a change through this node is seen here at once, one through
    /// another node once its notice arrives (see [`notices`]).
    /// Only keys that exist are cached, so unknown secrets cannot fill the
    /// cache.
    pub async fn active_key(&self, hash: &str) -> Result<Option<KeyAuth>, sqlx::Error> {
        self.api_keys
            .get_or_load_found(hash.to_string(), || self.store.find_active_key(hash))
            .await
    }

    /// The ingest URL with this public id, cached like credentials.
    pub async fn ingest_target(
        &self,
        public_id: &str,
    ) -> Result<Option<IngestTarget>, sqlx::Error> {
        self.ingest_targets
            .get_or_load(public_id.to_string(), || {
                self.store.ingest_target(public_id)
            })
            .await
    }

    /// The project's application by id or uid, as the hot message route
    /// needs it: cached like credentials.
    pub async fn application(
        &self,
        project_id: &str,
        id_or_uid: &str,
    ) -> Result<Option<Application>, sqlx::Error> {
        let key = (project_id.to_string(), id_or_uid.to_string());
        self.applications
            .get_or_load(key, || self.store.get_application(project_id, id_or_uid))
            .await
    }

    /// After a change made through this node: forgets the cached
    /// credentials, applications and message routes, and tells the other
    /// nodes to forget theirs. The change is committed by now, so a notice
    /// that cannot be sent is only logged: the other nodes then see the
    /// change once their caches expire.
    async fn changed(&self) {
        self.forget_cached();
        if let Err(e) = self.store.announce_changed(self.engine.node()).await {
            tracing::warn!(error = %e, "telling the other nodes of a change failed");
        }
    }

    fn forget_cached(&self) {
        self.api_keys.clear();
        self.ingest_targets.clear();
        self.applications.clear();
        self.event_targets.clear();
        self.intake.forget_routes();
    }

    /// `TierRequired` unless the project's tier includes `feature`.
    pub async fn require(&self, project_id: &str, feature: Feature) -> Result<(), Error> {
        let tier = self.intake.quota(project_id).await?.tier;
        if tier.has(feature) {
            Ok(())
        } else {
            Err(Error::TierRequired {
                feature: feature.name(),
                tier: tier.name,
            })
        }
    }

    /// After a webhook changed or went: the engine drops what it holds for
    /// it, and the caches their routes and credentials, here and on the
    /// other nodes.
    async fn webhook_changed(&self, webhook_id: &str) {
        self.engine.invalidate(webhook_id);
        self.changed().await;
    }
}

/// Items per page when a list does not say.
pub const DEFAULT_PAGE: i64 = 50;
/// The most items one page holds.
pub const MAX_PAGE: i64 = 100;

/// `?limit=&cursor=` of every list route.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100 (default 50).
    pub limit: Option<i64>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<PageRequest, Error> {
        page(self.limit, self.cursor.clone())
    }
}

/// The page a list asks for with `limit` and `cursor`.
pub fn page(limit: Option<i64>, cursor: Option<String>) -> Result<PageRequest, Error> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::InvalidQuery {
            field: None,
            problem: format!("limit: must be between 1 and {MAX_PAGE}"),
        });
    }
    Ok(PageRequest {
        cursor: cursor.filter(|c| !c.is_empty()),
        limit,
    })
}

/// The schema of a `String` field that holds one of a fixed set of values,
/// so the OpenAPI document lists them (for `#[schema(schema_with = ...)]`).
pub fn one_of(values: &[&str]) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// For PATCH fields where `null` (reset) differs from absent (unchanged).
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
