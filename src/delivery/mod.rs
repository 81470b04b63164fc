//! The delivery engine. Each endpoint (webhook) is sent to by one node at a
//! time: a node takes an endpoint with queued work by a lease in
//! `endpoint_owners` and keeps it while it has work (on SQLite there is
//! usually one node, which takes them all). The owner's [`scheduler::Scheduler`] holds the
//! endpoint's rules (concurrency cap, rate limit, circuit, `Retry-After`
//! pause, FIFO order), so they hold across nodes, and shares this node's
//! slots among its endpoints round-robin, so one endpoint's backlog or hang
//! never takes another's turn.
//!
//! Deliveries come from two sources: freshly stored ones, leased to this
//! node in the write path's transaction when their endpoint has room (they
//! go out without another query), and due rows claimed per endpoint from
//! the database (retries, work queued when there was no room or by another
//! node, work of a node that died). Both wait in a local queue per
//! endpoint, leased, until the scheduler lets them start; a finishing
//! request starts the next waiting one of its endpoint at once. Outcomes go
//! to the write path's group commit (`ingest`), which stores them in
//! batches. A node that queues work for an endpoint another node owns
//! tells that node (on PostgreSQL, by NOTIFY, heard in
//! `operations::notices`), which claims it at once rather than at its next
//! look at the queue.

mod destination;
pub mod scheduler;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::cache::TtlCache;
use crate::listen::Listeners;
use crate::metrics::{metrics, DbOp};
use crate::secrets::{signing_key_bytes, SecretBox};
use crate::store::{
    self, CircuitChange, Claimed, DeliveryStatus, DestinationKind, Ordering, Outcome, Store,
};
use crate::{ids, retry, trace_context, transform};
use scheduler::{Circuit, CircuitPolicy, CircuitState, Limits, Scheduler, Verdict};

pub use destination::{
    check_destination, read_excerpt, AttemptErrorKind, Destination, DestinationError, Egress,
    Route, SignedPost,
};

/// How often the poller looks at its endpoints when nothing wakes it sooner.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Most endpoints looked at per discovery.
const MAX_ENDPOINTS: i64 = 10_000;
/// An endpoint with nothing to do for this long is given up.
const IDLE_RELEASE: Duration = Duration::from_secs(30);
/// FIFO: open deliveries looked at per claim for the head of each key.
const FIFO_WINDOW: i64 = 500;
/// Deliveries a node holds (in flight or leased and waiting), all endpoints
/// together, as a multiple of its requests in flight.
const HELD_PER_SLOT: usize = 16;

#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub lease: Duration,
    /// Requests in flight on this node, all endpoints together.
    pub max_in_flight: usize,
    /// Requests in flight per endpoint unless its webhook says otherwise.
    pub endpoint_max_in_flight: usize,
    pub circuit: CircuitPolicy,
    pub egress: Egress,
    pub target_cache_ttl: Duration,
    /// How often the database is asked which endpoints have queued work
    /// (retries, work other nodes left); notices from other nodes and this
    /// node's own new work wake the engine sooner.
    pub discovery_interval: Duration,
}

/// A delivery leased to this node (its place is counted in the scheduler).
pub struct Job {
    pub claimed: Claimed,
    pub lease_token: String,
}

/// A webhook as the sender needs it, decoded once and cached.
struct Target {
    /// As stored: what a transformation sees.
    url: String,
    /// `url` parsed once, for the requests (`None` if it does not parse).
    http_url: Option<reqwest::Url>,
    /// Sent through a `hookrelay listen` connection, not to `url`.
    listen: bool,
    enabled: bool,
    headers: reqwest::header::HeaderMap,
    timeout: Duration,
    schedule: Vec<u32>,
    /// Signing keys with their retirement time, newest first.
    keys: Vec<(Vec<u8>, Option<i64>)>,
    limits: Limits,
    /// As stored, for a node taking the endpoint over.
    circuit: Circuit,
    /// Its current transformation, when one is enabled.
    transformation: Option<Transformation>,
}

/// The version of a transformation a delivery runs.
struct Transformation {
    version_id: String,
    code: String,
}

/// What a delivery sends, its transformation decided.
enum Prepared {
    /// The event as it is (no transformation).
    Plain,
    /// A transformation's request; `fresh` when this attempt produced it
    /// (then stored with the outcome for later attempts).
    Transformed {
        stored: transform::Stored,
        fresh: bool,
    },
    /// The transformation returned null: nothing is sent.
    Cancelled,
    /// The transformation failed; this is the attempt that records it.
    Failed(store::AttemptRecord),
}

struct Inner {
    store: Store,
    secret_box: SecretBox,
    destination: Destination,
    config: EngineConfig,
    slots: Arc<Semaphore>,
    scheduler: Mutex<Scheduler>,
    /// This node, as an owner of endpoints.
    node: String,
    /// Endpoints this node queued work for without owning them.
    wanted: Mutex<HashSet<String>>,
    /// Leased deliveries waiting to start, per endpoint, oldest first, with
    /// when they arrived.
    waiting: Mutex<HashMap<String, VecDeque<(Instant, Job)>>>,
    /// A delivery could not start for want of a node slot: the next free
    /// slot goes round the endpoints rather than to the same one.
    starved: AtomicBool,
    stopping: AtomicBool,
    /// Where the next round over waiting endpoints begins.
    rotation: AtomicUsize,
    /// The `hookrelay listen` connections this node holds.
    listeners: Listeners,
    /// Listen webhooks seen (a webhook's kind never changes): this node
    /// takes one on only while it holds its connection.
    listen_webhooks: Mutex<HashSet<String>>,
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
        let destination = Destination::new(&config.egress)?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let inner = Arc::new(Inner {
            targets: TtlCache::new(config.target_cache_ttl, 10_000),
            slots: Arc::new(Semaphore::new(config.max_in_flight)),
            scheduler: Mutex::new(Scheduler::new(
                config.circuit,
                config.lease.as_millis() as i64,
            )),
            node: ids::new_id("node"),
            wanted: Mutex::new(HashSet::new()),
            waiting: Mutex::new(HashMap::new()),
            starved: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            rotation: AtomicUsize::new(0),
            listeners: Listeners::default(),
            listen_webhooks: Mutex::new(HashSet::new()),
            store,
            secret_box,
            destination,
            config,
            outcomes,
            wake: Notify::new(),
        });
        let engine = Engine { inner };
        let tasks = vec![tokio::spawn(engine.clone().poll(shutdown_rx))];
        Ok(EngineTasks {
            shutdown: shutdown_tx,
            tasks,
            engine,
        })
    }

    /// Lock order: `waiting` before `scheduler`, never the other way.
    fn scheduler(&self) -> std::sync::MutexGuard<'_, Scheduler> {
        self.inner
            .scheduler
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<(Instant, Job)>>> {
        self.inner.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Most deliveries this node holds, in flight or waiting.
    fn most_held(&self) -> usize {
        self.inner.config.max_in_flight * HELD_PER_SLOT
    }

    /// The write path's fast lane: for each `(webhook, n)`, how many of `n`
    /// new deliveries to lease to this node in the transaction that stores
    /// them, as far as the endpoint's rules and this node's capacity allow.
    pub fn reserve(&self, wants: &[(&str, usize)]) -> Vec<usize> {
        let now = store::now_ms();
        let mut scheduler = self.scheduler();
        let mut left = self.most_held().saturating_sub(scheduler.held());
        wants
            .iter()
            .map(|(webhook_id, n)| {
                let granted = scheduler.reserve(webhook_id, (*n).min(left), now);
                left -= granted;
                granted
            })
            .collect()
    }

    /// Gives back the place reserved for a delivery that was not stored.
    pub fn unreserve(&self, webhook_id: &str) {
        self.scheduler().unreserve(webhook_id, 1);
    }

    /// Deliveries of these endpoints were queued (not leased): they are due
    /// now, and endpoints this node does not own yet are taken on.
    pub fn queued<'a>(&self, webhook_ids: impl IntoIterator<Item = &'a str>) {
        let now = store::now_ms();
        let mut scheduler = self.scheduler();
        let mut wanted = Vec::new();
        for w in webhook_ids {
            if scheduler.owns(w) {
                scheduler.note_due(w, now);
            } else {
                wanted.push(w.to_string());
            }
        }
        drop(scheduler);
        if !wanted.is_empty() {
            self.inner
                .wanted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(wanted);
        }
        self.wake();
    }

    /// Outcomes are stored: FIFO endpoints may send the next of each key.
    pub fn outcomes_stored(&self, outcomes: &[Outcome]) {
        let now = store::now_ms();
        let mut scheduler = self.scheduler();
        for o in outcomes {
            scheduler.outcome_stored(&o.webhook_id, o.ordering_key.as_deref().unwrap_or(""), now);
        }
        drop(scheduler);
        self.wake();
    }

    pub fn lease_duration(&self) -> Duration {
        self.inner.config.lease
    }

    /// Takes a leased delivery: it waits for its turn, or starts at once.
    /// (One handed in after shutdown keeps its lease in the database and is
    /// sent again when that runs out.)
    pub fn submit(&self, job: Job) {
        let webhook_id = job.claimed.webhook_id.clone();
        self.waiting()
            .entry(webhook_id.clone())
            .or_default()
            .push_back((Instant::now(), job));
        self.pump(&webhook_id);
    }

    /// Starts what may start of the endpoint's waiting deliveries, each
    /// with one of this node's slots.
    fn pump(&self, webhook_id: &str) {
        while !self.inner.stopping.load(AtomicOrdering::Relaxed) {
            let Ok(permit) = self.inner.slots.clone().try_acquire_owned() else {
                self.inner.starved.store(true, AtomicOrdering::Relaxed);
                return;
            };
            let job = {
                let mut waiting = self.waiting();
                let Some(queue) = waiting.get_mut(webhook_id) else {
                    return;
                };
                if queue.is_empty() || !self.scheduler().start(webhook_id, store::now_ms()) {
                    return;
                }
                queue.pop_front()
            };
            let Some((_, job)) = job else { return };
            tokio::spawn(self.clone().run(job, permit));
        }
    }

    /// Starts waiting deliveries of every endpoint, beginning with a
    /// different one each round.
    fn pump_all(&self) {
        self.inner.starved.store(false, AtomicOrdering::Relaxed);
        let ids: Vec<String> = self
            .waiting()
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|(w, _)| w.clone())
            .collect();
        if ids.is_empty() {
            return;
        }
        let first = self.inner.rotation.fetch_add(1, AtomicOrdering::Relaxed) % ids.len();
        for i in 0..ids.len() {
            self.pump(&ids[(first + i) % ids.len()]);
        }
    }

    /// Hands leases of waiting deliveries back to the queue: every one of
    /// an endpoint whose circuit opened or that this node no longer owns,
    /// and any that waited half a lease (a slow endpoint), so that none
    /// is sent after its lease ran out. `all`: every one (shutdown).
    async fn hand_back(&self, all: bool) {
        let max_wait = self.inner.config.lease / 2;
        let now = store::now_ms();
        let mut back: Vec<Job> = Vec::new();
        {
            let mut waiting = self.waiting();
            let mut scheduler = self.scheduler();
            waiting.retain(|w, queue| {
                let keep = !all
                    && scheduler
                        .circuit(w)
                        .is_some_and(|c| c.state != CircuitState::Open);
                while let Some((since, _)) = queue.front() {
                    if keep && since.elapsed() < max_wait {
                        break;
                    }
                    if let Some((_, job)) = queue.pop_front() {
                        back.push(job);
                    }
                }
                !queue.is_empty()
            });
            for job in &back {
                let w = job.claimed.webhook_id.as_str();
                scheduler.unreserve(w, 1);
                // A FIFO key marked busy at its claim is free again.
                scheduler.outcome_stored(w, job.claimed.ordering_key.as_deref().unwrap_or(""), now);
                scheduler.note_due(w, now);
            }
        }
        if back.is_empty() {
            return;
        }
        let leases: Vec<(String, String)> = back
            .into_iter()
            .map(|j| (j.claimed.delivery_id, j.lease_token))
            .collect();
        if let Err(e) = self.inner.store.release(&leases).await {
            tracing::warn!(error = %e, count = leases.len(), "could not hand leases back; they expire on their own");
        }
    }

    /// Asks the poller to look at the queue now (e.g. after re-enabling).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    pub fn listeners(&self) -> &Listeners {
        &self.inner.listeners
    }

    /// A `hookrelay listen` connection for `webhook_id` is registered here:
    /// its queued deliveries may go now.
    pub fn listen_started(&self, webhook_id: &str) {
        self.listen_webhooks().insert(webhook_id.to_string());
        self.queued([webhook_id]);
    }

    /// The last connection for `webhook_id` here ended: the endpoint is
    /// given up, so that its deliveries wait (queued, visible) until a CLI
    /// connects again, to whichever node.
    pub async fn listen_ended(&self, webhook_id: &str) {
        self.scheduler().disown(webhook_id);
        // Its waiting deliveries' leases go back to the queue now.
        self.wake();
        if let Err(e) = self.release(&[webhook_id]).await {
            tracing::warn!(error = %e, webhook = %webhook_id, "could not release a listen endpoint; its lease expires on its own");
        }
    }

    fn listen_webhooks(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.inner
            .listen_webhooks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this node may send for `webhook_id`: any webhook but a listen
    /// one whose connection is elsewhere (or nowhere).
    fn may_own(&self, webhook_id: &str) -> bool {
        !self.listen_webhooks().contains(webhook_id) || self.inner.listeners.connected(webhook_id)
    }

    /// Notes `webhook_id` as a listen webhook; true if this node holds its
    /// connection.
    fn may_own_listen(&self, webhook_id: &str) -> bool {
        self.listen_webhooks().insert(webhook_id.to_string());
        self.inner.listeners.connected(webhook_id)
    }

    /// Forgets a cached webhook after it changed through this node.
    pub fn invalidate(&self, webhook_id: &str) {
        self.inner.targets.remove(&webhook_id.to_string());
    }

    /// Forgets every webhook's cached settings (another node changed some).
    pub fn invalidate_all(&self) {
        self.inner.targets.clear();
    }

    /// This node's name, as an owner of endpoints and in its notices.
    pub fn node(&self) -> &str {
        &self.inner.node
    }

    async fn poll(self, mut shutdown: watch::Receiver<bool>) {
        let mut last_discovery: Option<Instant> = None;
        let mut last_renewal = Instant::now();
        loop {
            if *shutdown.borrow() {
                break;
            }
            if last_discovery.is_none_or(|t| t.elapsed() >= self.inner.config.discovery_interval) {
                last_discovery = Some(Instant::now());
                if let Err(e) = self.discover().await {
                    tracing::warn!(error = %e, "looking for queued deliveries failed");
                }
            } else if let Err(e) = self.take_wanted().await {
                tracing::warn!(error = %e, "taking endpoints on failed");
            }
            if last_renewal.elapsed() >= self.inner.config.lease / 3 {
                last_renewal = Instant::now();
                if let Err(e) = self.renew().await {
                    tracing::warn!(error = %e, "renewing endpoint leases failed");
                }
            }
            self.hand_back(false).await;
            if let Err(e) = self.claim().await {
                tracing::warn!(error = %e, "claiming due deliveries failed");
            }
            self.pump_all();
            let now = store::now_ms();
            let sleep = match self.scheduler().next_wake(now) {
                Some(t) => Duration::from_millis((t - now).max(1) as u64).min(POLL_INTERVAL),
                None => POLL_INTERVAL,
            };
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                _ = self.inner.wake.notified() => {}
                _ = shutdown.changed() => break,
            }
        }
        // Leased but not started: back to the queue, so that another node
        // (or this one after a restart) sends them without waiting for the
        // leases to run out.
        self.inner.stopping.store(true, AtomicOrdering::Relaxed);
        self.hand_back(true).await;
        let owned = self.scheduler().owned();
        let ids: Vec<&str> = owned.iter().map(String::as_str).collect();
        if let Err(e) = self
            .inner
            .store
            .release_endpoints(&self.inner.node, &ids)
            .await
        {
            tracing::warn!(error = %e, "could not release endpoints; their leases expire on their own");
        }
    }

    /// Asks the database which endpoints have queued work, updates the due
    /// times of owned ones, takes others on, and gives up idle ones.
    async fn discover(&self) -> Result<(), sqlx::Error> {
        let started = Instant::now();
        let queued = self.inner.store.queued_endpoints(MAX_ENDPOINTS).await?;
        metrics().db_time(DbOp::queued_endpoints, started);
        let now = store::now_ms();
        let mut candidates = Vec::new();
        {
            let mut scheduler = self.scheduler();
            let seen: HashSet<&str> = queued.iter().map(|(w, _)| w.as_str()).collect();
            for w in scheduler.owned() {
                if !seen.contains(w.as_str()) {
                    scheduler.set_due(&w, None, now);
                }
            }
            for (w, due) in &queued {
                if scheduler.owns(w) {
                    scheduler.set_due(w, Some(*due), now);
                } else if *due <= now {
                    candidates.push(w.clone());
                }
            }
        }
        candidates.extend(
            self.inner
                .wanted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain(),
        );
        self.take_on(candidates, queued.len()).await?;
        self.refresh_limits().await;
        self.release_idle(now).await
    }

    /// Takes on the endpoints this node queued work for.
    async fn take_wanted(&self) -> Result<(), sqlx::Error> {
        let wanted: Vec<String> = self
            .inner
            .wanted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let active = wanted.len() + self.scheduler().owned().len();
        self.take_on(wanted.clone(), active).await?;
        // Endpoints another node sends to: it is told, and claims their
        // work at once.
        let elsewhere: Vec<&str> = {
            let scheduler = self.scheduler();
            wanted
                .iter()
                .map(String::as_str)
                .filter(|w| !scheduler.owns(w))
                .collect()
        };
        if elsewhere.is_empty() {
            return Ok(());
        }
        self.inner.store.announce_queued(&elsewhere).await
    }

    /// Another node queued deliveries for the endpoints of `ids`: those
    /// this node owns are due now. The others are left alone: telling
    /// their owners again would bounce notices between nodes.
    pub fn queued_elsewhere(&self, ids: &[String]) {
        let now = store::now_ms();
        let mut scheduler = self.scheduler();
        let mut mine = false;
        for w in ids {
            if scheduler.owns(w) {
                scheduler.note_due(w, now);
                mine = true;
            }
        }
        drop(scheduler);
        if mine {
            self.wake();
        }
    }

    /// Takes on `candidates` (up to a fair share of `active` endpoints among
    /// the nodes sending): leases them, and loads their settings and stored
    /// circuit.
    async fn take_on(&self, mut candidates: Vec<String>, active: usize) -> Result<(), sqlx::Error> {
        candidates.retain(|w| self.may_own(w));
        candidates.sort();
        candidates.dedup();
        if candidates.is_empty() {
            return Ok(());
        }
        let owned = self.scheduler().owned().len();
        let nodes = (self.inner.store.endpoint_owner_nodes().await?.max(0) as usize
            + usize::from(owned == 0))
        .max(1);
        let share = active.div_ceil(nodes).max(1);
        candidates.truncate(share.saturating_sub(owned).max(1));
        let ids: Vec<&str> = candidates.iter().map(String::as_str).collect();
        let acquired = self
            .inner
            .store
            .acquire_endpoints(&self.inner.node, &ids, self.owner_lease_until())
            .await?;
        for w in acquired {
            match self.target(&w).await? {
                // Learnt on first sight; released at once unless this node
                // holds its connection.
                Some(t) if t.listen && !self.may_own_listen(&w) => {
                    self.release(&[w.as_str()]).await?
                }
                Some(t) => self
                    .scheduler()
                    .own(&w, t.limits, t.circuit, store::now_ms()),
                // Deleted: its deliveries went with it.
                None => self.release(&[w.as_str()]).await?,
            }
        }
        Ok(())
    }

    fn owner_lease_until(&self) -> i64 {
        store::now_ms() + self.inner.config.lease.as_millis() as i64
    }

    /// Keeps this node's endpoints; drops those another node took over
    /// after this node's lease ran out.
    async fn renew(&self) -> Result<(), sqlx::Error> {
        // A listen connection that ended while its endpoint was being taken
        // on: the endpoint is given up here.
        let orphans: Vec<String> = self
            .scheduler()
            .owned()
            .into_iter()
            .filter(|w| !self.may_own(w))
            .collect();
        for w in orphans {
            self.listen_ended(&w).await;
        }
        let owned = self.scheduler().owned();
        let ids: Vec<&str> = owned.iter().map(String::as_str).collect();
        let kept: HashSet<String> = self
            .inner
            .store
            .renew_endpoints(&self.inner.node, &ids, self.owner_lease_until())
            .await?
            .into_iter()
            .collect();
        let mut scheduler = self.scheduler();
        for w in owned.iter().filter(|w| !kept.contains(*w)) {
            tracing::warn!(webhook = %w, "another node took this endpoint over");
            scheduler.disown(w);
        }
        Ok(())
    }

    async fn release(&self, ids: &[&str]) -> Result<(), sqlx::Error> {
        self.inner
            .store
            .release_endpoints(&self.inner.node, ids)
            .await
    }

    async fn release_idle(&self, now: i64) -> Result<(), sqlx::Error> {
        let idle = self
            .scheduler()
            .idle_before(now - IDLE_RELEASE.as_millis() as i64);
        if idle.is_empty() {
            return Ok(());
        }
        {
            let mut scheduler = self.scheduler();
            for w in &idle {
                scheduler.disown(w);
            }
        }
        let ids: Vec<&str> = idle.iter().map(String::as_str).collect();
        self.release(&ids).await
    }

    /// Applies webhook changes (cap, rate limit, ordering) to owned endpoints.
    async fn refresh_limits(&self) {
        let owned = self.scheduler().owned();
        for w in owned {
            if let Ok(Some(t)) = self.target(&w).await {
                self.scheduler().set_limits(&w, t.limits, store::now_ms());
            }
        }
    }

    /// Claims what the scheduler grants: due deliveries per endpoint, or the
    /// heads of FIFO endpoints' keys, each with a node slot.
    async fn claim(&self) -> Result<(), sqlx::Error> {
        let now = store::now_ms();
        let grants = {
            let mut scheduler = self.scheduler();
            let free = self.most_held().saturating_sub(scheduler.held());
            scheduler.plan(now, free)
        };
        if grants.is_empty() {
            return Ok(());
        }
        let token = ids::new_id("lease");
        let until = now + self.inner.config.lease.as_millis() as i64;
        let started = Instant::now();
        let plain: Vec<(&str, usize)> = grants
            .iter()
            .filter(|g| !g.fifo)
            .map(|g| (g.webhook_id.as_str(), g.n))
            .collect();
        let result = self.inner.store.claim_for(&plain, &token, until).await;
        metrics().db_time(DbOp::claim_due, started);
        let mut claimed = match result {
            Ok(c) => c,
            Err(e) => {
                let mut scheduler = self.scheduler();
                for g in &grants {
                    scheduler.claimed(&g.webhook_id, g.n, 0, now);
                }
                return Err(e);
            }
        };
        for g in grants.iter().filter(|g| g.fifo) {
            let heads = match self.fifo_heads(&g.webhook_id, g.n).await {
                Ok(heads) => heads,
                Err(e) => {
                    tracing::warn!(error = %e, webhook = %g.webhook_id, "reading a FIFO queue failed");
                    Vec::new()
                }
            };
            let ids: Vec<&str> = heads.iter().map(String::as_str).collect();
            match self.inner.store.claim_ids(&ids, &token, until).await {
                Ok(c) => claimed.extend(c),
                Err(e) => {
                    tracing::warn!(error = %e, webhook = %g.webhook_id, "claiming FIFO heads failed")
                }
            }
        }
        let mut got: HashMap<&str, usize> = HashMap::new();
        for c in &claimed {
            *got.entry(c.webhook_id.as_str()).or_default() += 1;
        }
        {
            let mut scheduler = self.scheduler();
            for g in &grants {
                scheduler.claimed(
                    &g.webhook_id,
                    g.n,
                    got.get(g.webhook_id.as_str()).copied().unwrap_or(0),
                    now,
                );
            }
            for c in claimed.iter().filter(|c| {
                grants
                    .iter()
                    .any(|g| g.fifo && g.webhook_id == c.webhook_id)
            }) {
                scheduler.started_key(&c.webhook_id, c.ordering_key.as_deref().unwrap_or(""));
            }
        }
        for claimed in claimed {
            self.submit(Job {
                claimed,
                lease_token: token.clone(),
            });
        }
        Ok(())
    }

    /// FIFO: the deliveries of `webhook_id` that may go now, up to `n`.
    async fn fifo_heads(&self, webhook_id: &str, n: usize) -> Result<Vec<String>, sqlx::Error> {
        let window = self
            .inner
            .store
            .fifo_window(webhook_id, FIFO_WINDOW)
            .await?;
        let busy = self.scheduler().keys_in_flight(webhook_id);
        Ok(scheduler::fifo_heads(&window, &busy, n)
            .into_iter()
            .map(str::to_string)
            .collect())
    }

    /// The webhook as the sender needs it, from the cache: a change through
    /// another node is seen within `target_cache_ttl` (a transformation
    /// change too: it moves the webhook's current version).
    async fn target(&self, webhook_id: &str) -> Result<Option<Arc<Target>>, sqlx::Error> {
        self.inner
            .targets
            .get_or_load(webhook_id.to_string(), || self.load_target(webhook_id))
            .await
    }

    async fn load_target(&self, webhook_id: &str) -> Result<Option<Arc<Target>>, sqlx::Error> {
        let Some((w, secrets)) = self.inner.store.webhook_for_delivery(webhook_id).await? else {
            return Ok(None);
        };
        let transformation = match &w.transformation_id {
            Some(id) => self
                .inner
                .store
                .transformation_version(id)
                .await?
                .filter(|v| v.enabled)
                .map(|v| Transformation {
                    version_id: v.id,
                    code: v.code,
                }),
            None => None,
        };
        let keys = secrets
            .iter()
            .filter_map(|s| {
                let raw = self.inner.secret_box.decrypt(&s.material).ok()?;
                Some((signing_key_bytes(&raw).ok()?, s.retired_at))
            })
            .collect();
        let circuit = match (
            CircuitState::parse(&w.circuit.state),
            w.circuit.next_probe_at,
        ) {
            (Some(CircuitState::Open | CircuitState::HalfOpen), Some(probe)) => Circuit {
                state: CircuitState::Open,
                since: w.circuit.since.unwrap_or(0),
                next_probe_at: Some(probe),
                failures: 0,
            },
            _ => Circuit::closed(w.circuit.since.unwrap_or(0)),
        };
        Ok(Some(Arc::new(Target {
            headers: crate::webhooks::header_map(&w.headers),
            schedule: crate::webhooks::schedule(w.retry_schedule.as_deref()),
            timeout: Duration::from_secs(w.timeout_secs.max(1) as u64)
                .min(self.inner.config.lease / 2),
            limits: Limits {
                max_in_flight: w
                    .max_in_flight
                    .map_or(self.inner.config.endpoint_max_in_flight, |n| {
                        n.max(1) as usize
                    }),
                rate_per_second: w.rate_limit.map(|r| r.clamp(1, u32::MAX as i64) as u32),
                fifo: w.ordering == Ordering::Fifo,
            },
            circuit,
            http_url: reqwest::Url::parse(&w.destination_url).ok(),
            url: w.destination_url,
            listen: w.destination_kind == DestinationKind::Listen,
            enabled: w.enabled,
            keys,
            transformation,
        })))
    }

    async fn run(self, job: Job, permit: OwnedSemaphorePermit) {
        let Job {
            claimed,
            lease_token,
        } = job;
        let webhook_id = claimed.webhook_id.clone();
        let target = match self.target(&webhook_id).await {
            Ok(Some(t)) => t,
            Ok(None) => {
                // Deleted with its deliveries: nothing left to do.
                self.finished(&webhook_id, Verdict::Neutral, None, None);
                return;
            }
            Err(e) => {
                // Leave the lease to expire: the delivery is retried then.
                tracing::warn!(error = %e, delivery = %claimed.delivery_id, "loading webhook failed");
                self.finished(&webhook_id, Verdict::Neutral, None, None);
                return;
            }
        };
        let attempt_no = claimed.attempts + 1;
        let prepared = if target.enabled {
            self.prepare(&target, &claimed, attempt_no).await
        } else {
            Prepared::Plain
        };
        let outcome = if !target.enabled || matches!(prepared, Prepared::Cancelled) {
            self.finished(&webhook_id, Verdict::Neutral, None, None);
            let status = if target.enabled {
                metrics().cancelled.inc();
                DeliveryStatus::Cancelled
            } else {
                DeliveryStatus::Pending
            };
            Outcome {
                delivery_id: claimed.delivery_id,
                project_id: claimed.project_id,
                webhook_id: claimed.webhook_id,
                bytes_sent: 0,
                lease_token,
                attempt: None,
                status,
                attempts: claimed.attempts,
                next_attempt_at: None,
                circuit: None,
                ordering_key: claimed.ordering_key,
                transformed: None,
            }
        } else {
            let script_failed = matches!(prepared, Prepared::Failed(_));
            let (attempt, retry_after_ms, bytes, transformed) = match prepared {
                // The script's fault, not the endpoint's, and the same
                // script fails the same event again: the delivery is dead
                // at once (replayable once the script is fixed).
                Prepared::Failed(attempt) => (attempt, None, 0, None),
                Prepared::Transformed { stored, fresh } => {
                    let (attempt, retry_after_ms, bytes) = self
                        .send(&target, &claimed, Some(&stored.request), attempt_no)
                        .await;
                    let keep = fresh
                        .then(|| serde_json::to_string(&stored).expect("a request serializes"));
                    (attempt, retry_after_ms, bytes, keep)
                }
                Prepared::Plain | Prepared::Cancelled => {
                    let (attempt, retry_after_ms, bytes) =
                        self.send(&target, &claimed, None, attempt_no).await;
                    (attempt, retry_after_ms, bytes, None)
                }
            };
            let succeeded = attempt.status_code.is_some_and(|c| (200..300).contains(&c));
            let now = store::now_ms();
            let (status, next_attempt_at) = if succeeded {
                (DeliveryStatus::Succeeded, None)
            } else if script_failed {
                (DeliveryStatus::Dead, None)
            } else {
                match retry::next_delay_ms(
                    &target.schedule,
                    attempt_no as u32,
                    rand::random::<f64>(),
                ) {
                    // A `Retry-After` defers the retry too (within the cap).
                    Some(ms) => (
                        DeliveryStatus::FailedRetrying,
                        Some(now + (ms as i64).max(retry_after_ms.unwrap_or(0))),
                    ),
                    None => (DeliveryStatus::Dead, None),
                }
            };
            let bytes_sent = if attempt.status_code.is_some() {
                bytes as i64
            } else {
                0
            };
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
                DeliveryStatus::Succeeded => {
                    metrics().delivered.inc();
                }
                DeliveryStatus::Dead => {
                    metrics().failed.inc();
                    metrics().attempt_failed(attempt.error_kind.as_deref(), attempt.status_code);
                    metrics().dead.inc();
                }
                _ => {
                    metrics().failed.inc();
                    metrics().attempt_failed(attempt.error_kind.as_deref(), attempt.status_code);
                }
            };
            let verdict = if script_failed {
                Verdict::Neutral
            } else {
                Verdict::of(attempt.status_code)
            };
            let circuit = self.finished(&webhook_id, verdict, retry_after_ms, next_attempt_at);
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
                circuit,
                ordering_key: claimed.ordering_key,
                transformed,
            }
        };
        let _ = self.inner.outcomes.send(outcome).await;
        // Released only once the outcome is queued, so that shutdown, which
        // waits for every slot, knows all outcomes are in the writer's hands.
        drop(permit);
        if self.inner.starved.load(AtomicOrdering::Relaxed) {
            // The freed slot goes round all endpoints (the poller's turn).
            self.wake();
            return;
        }
        self.pump(&webhook_id);
        if self.scheduler().running_low(&webhook_id) {
            // Its endpoint may have more in the database, or a circuit
            // change to act on.
            self.wake();
        }
    }

    /// Frees the delivery's endpoint slot and applies what its attempt said;
    /// returns the circuit when it changed, to be stored with the outcome.
    fn finished(
        &self,
        webhook_id: &str,
        verdict: Verdict,
        retry_after_ms: Option<i64>,
        due_at: Option<i64>,
    ) -> Option<CircuitChange> {
        let mut scheduler = self.scheduler();
        let before = scheduler.circuit(webhook_id)?;
        let after =
            scheduler.finish(webhook_id, verdict, retry_after_ms, due_at, store::now_ms())?;
        let opened = after.state == CircuitState::Open;
        let transition = opened != (before.state != CircuitState::Closed);
        if transition {
            metrics()
                .circuit_transitions
                .get_or_create(&crate::metrics::CircuitLabels {
                    to: after.state.as_str(),
                })
                .inc();
            tracing::info!(webhook = %webhook_id, circuit = after.state.as_str(), "endpoint circuit changed");
        }
        Some(CircuitChange {
            state: if opened { "open" } else { "closed" },
            since: after.since,
            next_probe_at: after.next_probe_at,
            failures: after.failures,
            transition,
        })
    }

    /// Decides what the delivery sends: the request an earlier attempt's
    /// (or its original's) transformation produced, as it is; else what the
    /// endpoint's transformation makes of the event now; else the event.
    async fn prepare(&self, target: &Target, claimed: &Claimed, attempt_no: i64) -> Prepared {
        if let Some(kept) = claimed.transformed.as_deref() {
            return match serde_json::from_str(kept) {
                Ok(stored) => Prepared::Transformed {
                    stored,
                    fresh: false,
                },
                Err(e) => Prepared::Failed(script_attempt(
                    attempt_no,
                    store::now_ms(),
                    Instant::now(),
                    &transform::Failure::Script(format!("the stored request does not read: {e}")),
                )),
            };
        }
        let Some(t) = &target.transformation else {
            return Prepared::Plain;
        };
        let mut headers: std::collections::BTreeMap<String, String> =
            header_strings(&self.base_headers(target, claimed));
        headers.insert("content-type".into(), claimed.content_type.clone());
        let input = transform::input(
            &claimed.body,
            headers,
            target.url.clone(),
            claimed.event_type.clone(),
        );
        let (started_at, clock) = (store::now_ms(), Instant::now());
        // `transform::run` keeps the script off the async runtime, on a few
        // script threads: a runaway script holds one of those for
        // its time cap, never this node's delivery tasks.
        match transform::run(
            t.code.clone(),
            input,
            transform::Caps::default(),
            Some(t.version_id.clone()),
        )
        .await
        {
            Ok(transform::Outcome::Send(request)) => Prepared::Transformed {
                stored: transform::Stored {
                    version_id: t.version_id.clone(),
                    request,
                },
                fresh: true,
            },
            Ok(transform::Outcome::Cancelled) => Prepared::Cancelled,
            Err(f) => Prepared::Failed(script_attempt(attempt_no, started_at, clock, &f)),
        }
    }

    /// The endpoint's headers, with the event's own over them (they are the
    /// more specific ones).
    fn base_headers(&self, target: &Target, claimed: &Claimed) -> reqwest::header::HeaderMap {
        let mut headers = target.headers.clone();
        if let Some(own) = claimed.headers.as_deref() {
            headers.extend(crate::webhooks::header_map(own));
        }
        headers
    }

    /// One attempt (of the event, or of a transformation's `request`), the
    /// pause its answer asks for (`Retry-After` on a 429 or 503), and the
    /// body's size.
    async fn send(
        &self,
        target: &Target,
        claimed: &Claimed,
        request: Option<&transform::Request>,
        attempt_no: i64,
    ) -> (store::AttemptRecord, Option<i64>, usize) {
        use tracing::Instrument;
        let now_ms = store::now_ms();
        let mut headers = self.base_headers(target, claimed);
        let mut content_type = claimed.content_type.as_str();
        let mut body = claimed.body.clone();
        let mut method = reqwest::Method::POST;
        let scripted_url;
        let mut url = target.http_url.as_ref();
        if let Some(r) = request {
            // Checked when the script returned it.
            headers.extend(crate::webhooks::header_map_of(&r.headers));
            headers.remove(reqwest::header::CONTENT_TYPE);
            if let Some(ct) = r.headers.get("content-type") {
                content_type = ct;
            }
            body = bytes::Bytes::from(r.body.clone());
            if let Some(m) = r.method.as_deref().and_then(|m| m.parse().ok()) {
                method = m;
            }
            if let Some(u) = r.url.as_deref() {
                scripted_url = reqwest::Url::parse(u).ok();
                url = scripted_url.as_ref();
            }
        }
        // An event that came with a trace: the attempt is a span of it, and
        // the destination's trace continues from the attempt.
        let span = tracing::info_span!("delivery.attempt", delivery = %claimed.delivery_id, attempt = attempt_no);
        if let Some(parent) = headers
            .get(trace_context::TRACEPARENT)
            .and_then(|v| v.to_str().ok())
        {
            trace_context::set_parent(&span, parent);
            if let Some(own) = trace_context::traceparent_of(&span)
                .and_then(|t| reqwest::header::HeaderValue::from_str(&t).ok())
            {
                headers.insert(trace_context::TRACEPARENT, own);
            }
        }
        // A listen webhook's CLI posts to its own local URL: a
        // transformation's method and URL do not apply there.
        let size = body.len();
        let route = match (target.listen, url) {
            (true, _) => Route::Listen {
                listeners: &self.inner.listeners,
                webhook_id: &claimed.webhook_id,
            },
            (false, Some(url)) => Route::Http(url),
            (false, None) => {
                // Both URLs are checked when stored, with the same parser:
                // only a database edited by hand gets here.
                let record = unsent_attempt(
                    attempt_no,
                    now_ms,
                    Instant::now(),
                    AttemptErrorKind::RequestError.as_str(),
                    "the destination URL does not parse".into(),
                );
                return (record, None, size);
            }
        };
        let post = SignedPost {
            route,
            method,
            id: &claimed.delivery_id,
            content_type,
            body,
            headers,
            keys: target
                .keys
                .iter()
                .filter(|(_, retired)| retired.is_none_or(|r| r > now_ms))
                .map(|(k, _)| k.as_slice())
                .collect(),
            timeout: target.timeout,
        };
        let sent = self
            .inner
            .destination
            .post(post, attempt_no)
            .instrument(span)
            .await;
        metrics()
            .attempt_seconds
            .observe(sent.record.duration_ms as f64 / 1000.0);
        (sent.record, sent.retry_after_ms, size)
    }
}

/// The attempt that records a transformation's failure: no request was
/// made; its error is the failure's kind.
fn script_attempt(
    attempt_no: i64,
    started_at: i64,
    clock: Instant,
    f: &transform::Failure,
) -> store::AttemptRecord {
    unsent_attempt(attempt_no, started_at, clock, f.kind(), f.message())
}

/// An attempt that made no request, with its error.
fn unsent_attempt(
    attempt_no: i64,
    started_at: i64,
    clock: Instant,
    kind: &str,
    message: String,
) -> store::AttemptRecord {
    store::AttemptRecord {
        id: ids::new_id(ids::ATTEMPT),
        attempt_no,
        started_at,
        duration_ms: clock.elapsed().as_millis() as i64,
        status_code: None,
        error_kind: Some(kind.to_string()),
        error_message: Some(storable(message)),
        response_excerpt: None,
    }
}

/// What an attempt records from outside (a destination's answer, a
/// `hookrelay listen` CLI's word, what a transformation threw) as text
/// every backend stores: PostgreSQL refuses NUL in text, and refusing an
/// attempt would refuse the whole write batch it rides in, everyone's
/// events and outcomes with it. A NUL becomes U+FFFD, as invalid UTF-8
/// already has.
fn storable(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{fffd}")
    } else {
        text
    }
}

/// Headers as text, as a script sees them.
fn header_strings(
    headers: &reqwest::header::HeaderMap,
) -> std::collections::BTreeMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
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
        if tokio::time::timeout(grace, inner.slots.acquire_many(max))
            .await
            .is_err()
        {
            tracing::warn!("in-flight deliveries did not finish in time; their leases will expire");
        }
    }
}
