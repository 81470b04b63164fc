//! The delivery engine: a bounded pool of in-flight sends fed from two
//! sources, freshly ingested events (already leased to this node in the
//! ingest transaction, so they go out without another query) and due rows
//! claimed from the database queue (retries, and work whose lease expired on
//! a node that died). Outcomes go to the write path's group commit
//! (`ingest`), which stores them in batches.

mod destination;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::cache::TtlCache;
use crate::metrics::{metrics, DbOp};
use crate::secrets::{signing_key_bytes, SecretBox};
use crate::store::{self, AttemptRecord, Claimed, DeliveryStatus, Outcome, Store};
use crate::{ids, retry};

pub use destination::{check_destination, AttemptErrorKind, Destination, DestinationError, SignedPost};
/// How often the queue is polled when nothing wakes the poller sooner.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Largest batch of due rows claimed at once.
const BATCH: usize = 256;

#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub lease: Duration,
    pub max_in_flight: usize,
    pub allow_private_destinations: bool,
    pub target_cache_ttl: Duration,
}

/// A delivery leased to this node, with the permit that bounds in-flight work.
pub struct Job {
    pub claimed: Claimed,
    pub lease_token: String,
    pub permit: OwnedSemaphorePermit,
}

/// A webhook as the sender needs it, decoded once and cached.
struct Target {
    url: String,
    enabled: bool,
    headers: reqwest::header::HeaderMap,
    timeout: Duration,
    schedule: Vec<u32>,
    /// Signing keys with their retirement time, newest first.
    keys: Vec<(Vec<u8>, Option<i64>)>,
}

struct Inner {
    store: Store,
    secret_box: SecretBox,
    destination: Destination,
    config: EngineConfig,
    slots: Arc<Semaphore>,
    jobs: mpsc::UnboundedSender<Job>,
    outcomes: mpsc::Sender<Outcome>,
    targets: TtlCache<String, Option<Arc<Target>>>,
    wake: Notify,
}

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

pub struct EngineTasks {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    engine: Engine,
}

impl Engine {
    /// Starts sending; each finished attempt's outcome goes to `outcomes`.
    pub fn start(
        store: Store,
        secret_box: SecretBox,
        config: EngineConfig,
        outcomes: mpsc::Sender<Outcome>,
    ) -> Result<EngineTasks, reqwest::Error> {
        let destination = Destination::new(config.allow_private_destinations)?;
        let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let inner = Arc::new(Inner {
            targets: TtlCache::new(config.target_cache_ttl, 10_000),
            slots: Arc::new(Semaphore::new(config.max_in_flight)),
            store,
            secret_box,
            destination,
            config,
            jobs: jobs_tx,
            outcomes,
            wake: Notify::new(),
        });
        let engine = Engine { inner };
        let tasks = vec![
            tokio::spawn(engine.clone().dispatch(jobs_rx, shutdown_rx.clone())),
            tokio::spawn(engine.clone().poll(shutdown_rx)),
        ];
        Ok(EngineTasks { shutdown: shutdown_tx, tasks, engine })
    }

    /// Takes up to `n` in-flight slots without waiting. The ingest path uses
    /// them to lease new deliveries to this node in the same transaction.
    pub fn try_reserve(&self, n: usize) -> Vec<OwnedSemaphorePermit> {
        (0..n).map_while(|_| self.inner.slots.clone().try_acquire_owned().ok()).collect()
    }

    pub fn lease_duration(&self) -> Duration {
        self.inner.config.lease
    }

    pub fn submit(&self, job: Job) {
        // The receiver lives until shutdown; a job sent after that keeps its
        // lease in the database and is picked up again when it expires.
        let _ = self.inner.jobs.send(job);
    }

    /// Asks the poller to look at the queue now (e.g. after re-enabling).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Forgets a cached webhook after it changed through this node.
    pub fn invalidate(&self, webhook_id: &str) {
        self.inner.targets.remove(&webhook_id.to_string());
    }

    async fn dispatch(self, mut jobs: mpsc::UnboundedReceiver<Job>, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                job = jobs.recv() => match job {
                    Some(job) => { tokio::spawn(self.clone().run(job)); }
                    None => return,
                },
                _ = shutdown.changed() => break,
            }
        }
        // Leased but not started: hand back to the queue so that another
        // node (or this one after restart) sends them without waiting for
        // the lease to run out.
        jobs.close();
        let mut leases = Vec::new();
        while let Ok(job) = jobs.try_recv() {
            leases.push((job.claimed.delivery_id, job.lease_token));
        }
        if !leases.is_empty() {
            if let Err(e) = self.inner.store.release(&leases).await {
                tracing::warn!(error = %e, count = leases.len(), "could not release leases; they expire on their own");
            }
        }
    }

    async fn poll(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let permits = self.try_reserve(BATCH);
            let mut full_batch = false;
            if !permits.is_empty() {
                let token = ids::new_id("lease");
                let until = store::now_ms() + self.inner.config.lease.as_millis() as i64;
                let started = Instant::now();
                let result = self.inner.store.claim_due(permits.len() as i64, &token, until).await;
                metrics().db_time(DbOp::claim_due, started);
                match result {
                    Ok(claimed) => {
                        full_batch = claimed.len() == permits.len();
                        for (claimed, permit) in claimed.into_iter().zip(permits) {
                            self.submit(Job { claimed, lease_token: token.clone(), permit });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming due deliveries failed"),
                }
            }
            if full_batch {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = self.inner.wake.notified() => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    async fn target(&self, webhook_id: &str) -> Result<Option<Arc<Target>>, sqlx::Error> {
        let key = webhook_id.to_string();
        if let Some(t) = self.inner.targets.get(&key) {
            return Ok(t);
        }
        let target = self.inner.store.webhook_for_delivery(webhook_id).await?.map(|(w, secrets)| {
            let keys = secrets
                .iter()
                .filter_map(|s| {
                    let raw = self.inner.secret_box.decrypt(&s.material).ok()?;
                    Some((signing_key_bytes(&raw).ok()?, s.retired_at))
                })
                .collect();
            Arc::new(Target {
                headers: crate::webhooks::header_map(&w.headers),
                schedule: crate::webhooks::schedule(w.retry_schedule.as_deref()),
                timeout: Duration::from_secs(w.timeout_secs.max(1) as u64)
                    .min(self.inner.config.lease / 2),
                url: w.destination_url,
                enabled: w.enabled,
                keys,
            })
        });
        self.inner.targets.insert(key, target.clone());
        Ok(target)
    }

    async fn run(self, job: Job) {
        let Job { claimed, lease_token, permit } = job;
        let target = match self.target(&claimed.webhook_id).await {
            Ok(Some(t)) => t,
            // Deleted with its deliveries: nothing left to do.
            Ok(None) => return,
            Err(e) => {
                // Leave the lease to expire: the delivery is retried then.
                tracing::warn!(error = %e, delivery = %claimed.delivery_id, "loading webhook failed");
                return;
            }
        };
        let attempt_no = claimed.attempts + 1;
        let outcome = if !target.enabled {
            Outcome {
                delivery_id: claimed.delivery_id,
                project_id: claimed.project_id,
                webhook_id: claimed.webhook_id,
                bytes_sent: 0,
                lease_token,
                attempt: None,
                status: DeliveryStatus::Pending,
                attempts: claimed.attempts,
                next_attempt_at: None,
            }
        } else {
            let attempt = self.send(&target, &claimed, attempt_no).await;
            let succeeded = attempt.status_code.is_some_and(|c| (200..300).contains(&c));
            let (status, next_attempt_at) = if succeeded {
                (DeliveryStatus::Succeeded, None)
            } else {
                match retry::next_delay_ms(&target.schedule, attempt_no as u32, rand::random::<f64>()) {
                    Some(ms) => (DeliveryStatus::FailedRetrying, Some(store::now_ms() + ms as i64)),
                    None => (DeliveryStatus::Dead, None),
                }
            };
            let bytes_sent = if attempt.status_code.is_some() { claimed.body.len() as i64 } else { 0 };
            // Ids, status and time only: payloads, headers and destination
            // URLs (which may carry credentials) stay out of logs.
            tracing::debug!(
                delivery = %claimed.delivery_id,
                webhook = %claimed.webhook_id,
                attempt = attempt_no,
                status_code = attempt.status_code,
                error = attempt.error_kind.as_deref(),
                duration_ms = attempt.duration_ms,
                outcome = status.as_str(),
                "delivery attempt"
            );
            match status {
                DeliveryStatus::Succeeded => metrics().delivered.inc(),
                DeliveryStatus::Dead => {
                    metrics().failed.inc();
                    metrics().dead.inc()
                }
                _ => metrics().failed.inc(),
            };
            Outcome {
                delivery_id: claimed.delivery_id,
                project_id: claimed.project_id,
                webhook_id: claimed.webhook_id,
                bytes_sent,
                lease_token,
                attempt: Some(attempt),
                status,
                attempts: attempt_no,
                next_attempt_at,
            }
        };
        let _ = self.inner.outcomes.send(outcome).await;
        // Released only once the outcome is queued, so that shutdown, which
        // waits for every slot, knows all outcomes are in the writer's hands.
        drop(permit);
    }

    async fn send(&self, target: &Target, claimed: &Claimed, attempt_no: i64) -> AttemptRecord {
        let now_ms = store::now_ms();
        let mut headers = target.headers.clone();
        // The event's own headers replace a webhook header of the same name:
        // they are the more specific ones.
        if let Some(own) = claimed.headers.as_deref() {
            headers.extend(crate::webhooks::header_map(own));
        }
        let post = SignedPost {
            url: &target.url,
            id: &claimed.delivery_id,
            content_type: &claimed.content_type,
            body: claimed.body.clone(),
            headers,
            keys: target.keys.iter().filter(|(_, retired)| retired.is_none_or(|r| r > now_ms)).map(|(k, _)| k.as_slice()).collect(),
            timeout: target.timeout,
        };
        let record = self.inner.destination.post(post, attempt_no).await;
        metrics().attempt_seconds.observe(record.duration_ms as f64 / 1000.0);
        record
    }
}

impl EngineTasks {
    pub fn engine(&self) -> Engine {
        self.engine.clone()
    }

    /// Stops claiming, hands back queued leases and lets in-flight sends
    /// finish (up to `grace`); their outcomes are then all queued for the
    /// writer, which is stopped after this.
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        let inner = &self.engine.inner;
        let max = inner.config.max_in_flight as u32;
        if tokio::time::timeout(grace, inner.slots.acquire_many(max)).await.is_err() {
            tracing::warn!("in-flight deliveries did not finish in time; their leases will expire");
        }
    }
}
