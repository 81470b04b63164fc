//! The one way in. Every new event (ingest, the Public API's send route,
//! application messages, the dashboard's and the portal's test events,
//! schedule firings) and every replay (single or a bulk job's step) enters
//! here: [`Intake`] applies the tier's limits, works out the deliveries
//! (`route`), and hands the rows to the group commit (`writer`), which
//! stores them in one transaction, leases what it can to this node's
//! engine and wakes the engine for the rest. Nothing else inserts events or
//! deliveries.

mod quota;
mod route;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::cache::TtlCache;
use crate::ids;
use crate::store::{
    self, DeadLetterOutcome, IdempotencyKey, InitialState, Inserted, NewDelivery,
    NewEvent as EventRow, NewReplay, ReplayJob, ReplayJobStep, Store, Webhook,
};

pub use quota::{Quota, Quotas};
pub use route::{Route, Target};
pub use writer::{outcome_channel, WriteFailed, Writer, WriterTask, IDEMPOTENCY_TTL_MS};

/// A new event as a surface hands it in.
pub struct NewEvent {
    pub project_id: String,
    pub route: Route,
    pub content_type: String,
    pub body: Bytes,
    /// Extra request headers sent with it (JSON object); schedules only.
    pub headers: Option<String>,
    /// Orders it among the events of a FIFO endpoint (see `store::NewEvent`).
    pub ordering_key: Option<String>,
    /// Scoped to the webhook or the application of `route`.
    pub idempotency_key: Option<String>,
    /// The request's headers, for filters on headers (empty where the
    /// event did not come from a request).
    pub request_headers: reqwest::header::HeaderMap,
}

/// What became of a new event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The event's id, or what an earlier request with the same idempotency
    /// key stored (a delivery id for keys from earlier versions).
    pub event_id: String,
    /// (delivery id, webhook id) of each delivery it got.
    pub deliveries: Vec<(String, String)>,
    /// True when an earlier request with the same idempotency key made it.
    pub duplicate: bool,
}

/// Why the intake took nothing.
#[derive(Debug)]
pub enum IntakeError {
    PayloadTooLarge {
        tier: &'static str,
        limit: usize,
    },
    QuotaExceeded {
        tier: &'static str,
        limit: i64,
        retry_after_secs: i64,
    },
    NotFound(&'static str),
    /// A dead-letter replay of a delivery that is not (or no longer) in
    /// the dead-letter queue.
    NotDeadLetter,
    /// The write-path transaction failed: nothing was stored.
    Unavailable,
    Store(sqlx::Error),
}

impl From<sqlx::Error> for IntakeError {
    fn from(e: sqlx::Error) -> Self {
        IntakeError::Store(e)
    }
}

impl From<WriteFailed> for IntakeError {
    fn from(_: WriteFailed) -> Self {
        IntakeError::Unavailable
    }
}

/// What one paced step of a replay job did.
pub struct StepResult {
    pub replayed: usize,
    /// The job has nothing left, or another node holds it now.
    pub done: bool,
}

#[derive(Clone)]
pub struct Intake {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    writer: Writer,
    quotas: Quotas,
    /// Each application's endpoints, for routing its messages.
    endpoints: TtlCache<String, Arc<Vec<Webhook>>>,
}

impl Intake {
    /// `cache_ttl` (`--cache-ttl-ms`): how long a node trusts an
    /// application's cached endpoints that no notice said changed.
    pub fn new(store: Store, writer: Writer, cache_ttl: Duration) -> Intake {
        Intake {
            inner: Arc::new(Inner {
                quotas: Quotas::new(store.clone()),
                endpoints: TtlCache::new(cache_ttl, 100_000),
                store,
                writer,
            }),
        }
    }

    /// Forgets the cached endpoints of applications after a change made
    /// through this node, which then routes the next message by it.
    pub fn forget_routes(&self) {
        self.inner.endpoints.clear();
    }

    /// See [`Writer::auto_disables`].
    pub fn auto_disables(&self) -> tokio::sync::watch::Receiver<()> {
        self.inner.writer.auto_disables()
    }

    async fn endpoints(&self, application_id: &str) -> Result<Arc<Vec<Webhook>>, IntakeError> {
        let key = application_id.to_string();
        let load = || async {
            Ok::<_, sqlx::Error>(Arc::new(
                self.inner.store.all_endpoints(application_id).await?,
            ))
        };
        Ok(self.inner.endpoints.get_or_load(key, load).await?)
    }

    /// The project's tier and usage as the intake sees them (cached).
    pub async fn quota(&self, project_id: &str) -> Result<Quota, IntakeError> {
        self.inner.quotas.get(project_id).await
    }

    /// Takes a new event: checks the tier's limits, queues its deliveries,
    /// and answers once it is committed.
    pub async fn accept(&self, event: NewEvent) -> Result<Accepted, IntakeError> {
        self.quota(&event.project_id)
            .await?
            .check(event.body.len(), store::now_ms())?;
        let (targets, application_id, event_type, scope) = match event.route {
            Route::Webhook {
                webhook_id,
                enabled,
                event_type,
                filter,
            } => {
                let scope = format!("webhook:{webhook_id}");
                (
                    vec![Target {
                        webhook_id,
                        held: !enabled,
                        filter,
                    }],
                    None,
                    event_type,
                    scope,
                )
            }
            Route::Application {
                application_id,
                event_type,
                only_endpoint,
            } => {
                let endpoints = self.endpoints(&application_id).await?;
                let targets =
                    route::application_targets(&endpoints, &event_type, only_endpoint.as_deref());
                let scope = format!("app:{application_id}");
                (targets, Some(application_id), Some(event_type), scope)
            }
        };
        let states = route::initial_states(&targets, &event.body, &event.request_headers);
        let row = EventRow {
            event_id: ids::new_id(ids::EVENT),
            project_id: event.project_id,
            application_id,
            event_type,
            content_type: event.content_type,
            body: event.body,
            headers: event.headers,
            ordering_key: event.ordering_key,
            idempotency_key: event
                .idempotency_key
                .map(|key| IdempotencyKey { scope, key }),
            deliveries: targets
                .into_iter()
                .zip(states)
                .map(|(t, state)| NewDelivery {
                    delivery_id: ids::new_id(ids::DELIVERY),
                    webhook_id: t.webhook_id,
                    state,
                })
                .collect(),
        };
        let (event_id, deliveries) = (
            row.event_id.clone(),
            row.deliveries
                .iter()
                .map(|d| (d.delivery_id.clone(), d.webhook_id.clone()))
                .collect(),
        );
        match self
            .inner
            .writer
            .submit(|reply| writer::Request::Event(row, reply))
            .await?
        {
            Inserted::Created => Ok(Accepted {
                event_id,
                deliveries,
                duplicate: false,
            }),
            Inserted::Duplicate(first) => {
                let deliveries = self.inner.store.first_deliveries(&first).await?;
                Ok(Accepted {
                    event_id: first,
                    deliveries,
                    duplicate: true,
                })
            }
        }
    }

    /// Queues a new delivery of the project's delivery `id`'s event, due now
    /// (held if its webhook is disabled), linked to it. With
    /// `dead_letter_only`, only while `id` is in the dead-letter queue, which
    /// it then leaves. Replays are not counted against the event quota.
    /// Returns the new delivery's id.
    pub async fn replay(
        &self,
        project_id: &str,
        id: &str,
        dead_letter_only: bool,
        rerun_transformation: bool,
    ) -> Result<String, IntakeError> {
        let store = &self.inner.store;
        let source = store
            .replay_source(project_id, id)
            .await?
            .ok_or(IntakeError::NotFound("delivery"))?;
        let enabled = store
            .webhooks_enabled(&[source.webhook_id.as_str()])
            .await?;
        let mut replay = new_replay(project_id, source, dead_letter_only, &enabled)
            .ok_or(IntakeError::NotFound("delivery"))?;
        replay.rerun_transformation = rerun_transformation;
        let delivery_id = replay.delivery.delivery_id.clone();
        if self
            .inner
            .writer
            .submit(|reply| writer::Request::Replay(replay, reply))
            .await?
        {
            return Ok(delivery_id);
        }
        match store
            .missing_or_not_dead_letter::<()>(project_id, id)
            .await?
        {
            DeadLetterOutcome::NotFound => Err(IntakeError::NotFound("delivery")),
            _ => Err(IntakeError::NotDeadLetter),
        }
    }

    /// Replays the next `limit` deliveries of a bulk replay job that
    /// `token` holds from `cursor` on, moving the job's cursor in the same
    /// transaction. On success, `cursor` is where the job stands now.
    pub async fn replay_step(
        &self,
        job: &ReplayJob,
        token: &str,
        cursor: &mut String,
        limit: i64,
        lease_until: i64,
    ) -> Result<StepResult, IntakeError> {
        let store = &self.inner.store;
        let sources = store.replay_job_batch(job, cursor, limit).await?;
        let webhooks: Vec<&str> = sources.iter().map(|s| s.webhook_id.as_str()).collect();
        let enabled = store.webhooks_enabled(&webhooks).await?;
        let finished = (sources.len() as i64) < limit;
        let to_cursor = sources
            .last()
            .map_or_else(|| cursor.clone(), |s| s.id.clone());
        let replays: Vec<NewReplay> = sources
            .into_iter()
            .filter_map(|s| new_replay(&job.project_id, s, false, &enabled))
            .collect();
        let replayed = replays.len();
        let step = ReplayJobStep {
            job_id: job.id.clone(),
            token: token.to_string(),
            lease_until,
            from_cursor: cursor.clone(),
            to_cursor: to_cursor.clone(),
            finished,
            replays,
        };
        if !self
            .inner
            .writer
            .submit(|reply| writer::Request::JobStep(step, reply))
            .await?
        {
            return Ok(StepResult {
                replayed: 0,
                done: true,
            });
        }
        *cursor = to_cursor;
        Ok(StepResult {
            replayed,
            done: finished,
        })
    }
}

/// The replay of `source`, due now or held as its webhook is enabled or
/// not (`enabled` by webhook id), resending the request its original's
/// transformation produced; None if the webhook is gone (it took its
/// deliveries with it).
fn new_replay(
    project_id: &str,
    source: store::ReplaySource,
    dead_letter_only: bool,
    enabled: &std::collections::HashMap<String, bool>,
) -> Option<NewReplay> {
    let held = !*enabled.get(&source.webhook_id)?;
    Some(NewReplay {
        original_id: source.id,
        project_id: project_id.to_string(),
        event_id: source.event_id,
        dead_letter_only,
        rerun_transformation: false,
        delivery: NewDelivery {
            delivery_id: ids::new_id(ids::DELIVERY),
            webhook_id: source.webhook_id,
            state: if held {
                InitialState::Held
            } else {
                InitialState::Queued
            },
        },
    })
}
