//! The write path's group commit. Every new event, replay and replay-job
//! step (through [`super::Intake`]), and every finished attempt (from the
//! delivery engine), goes to one writer task, which stores whatever has
//! queued up in a single transaction (one fsync for the lot) and answers
//! each caller only once it is on disk: a 202 always means committed, and
//! throughput does not hinge on per-event fsyncs. Each batch's
//! transaction runs in a task of its own: on SQLite one at a time, with the
//! fsync made beside the writer while the next batch is written (see
//! `store::wal_sync`); on PostgreSQL a few side by side (see `Launcher`).
//! Callers hear back in the order the batches were made either way.
//! Sharing the transaction matters most on
//! SQLite, whose single writer would otherwise alternate between an ingest
//! and an outcome transaction, each waiting for the other's commit. New
//! deliveries are leased to this node's engine in the same transaction
//! while it has free slots, so they go out without another query.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

use crate::delivery::{Engine, Job};
use crate::ids;
use crate::metrics::{metrics, DbOp};
use crate::store::{
    self, Claimed, InitialState, Inserted, NewEvent, NewReplay, Outcome, ReplayJobStep, Store,
    WriteBatch,
};

/// Idempotency keys are honoured for this long, as on Svix and Stripe.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3600 * 1000;
const MAX_ITEMS: usize = 512;
const MAX_OUTCOMES: usize = 512;
const QUEUE: usize = 16 * 1024;
/// Outcomes whose transaction failed are tried again with the next batches,
/// this many times; after that their leases expire and the deliveries are
/// sent again (at-least-once holds, only the bookkeeping is lost).
const OUTCOME_TRIES: u32 = 5;
const RETRY_DELAY: Duration = Duration::from_millis(200);
/// Under light load every request would otherwise commit on its own: one
/// transaction, index page writes and fsync per event and per outcome,
/// which made an event cost several times more CPU at 2,000/s than flat
/// out. While commits follow each other closely, a small batch waits for
/// more until it is no longer small or this long after the previous commit
/// started, so they gather; a request after a quiet spell commits at once.
/// Measured at 2,000/s (see docs/benchmarks.md): 4 ms saved 7 % of the CPU
/// per event, 12 ms 23 % and halved the time spent committing, for a few ms
/// more at the median.
/// Flat out a batch is large and commits at once.
const COMMIT_INTERVAL: Duration = Duration::from_millis(12);
/// A batch this large commits at once.
const SMALL_BATCH: usize = 64;
/// How often a small batch looks whether it has grown (see `run`).
const GATHER_POLL: Duration = Duration::from_millis(1);
/// Batches started and not yet answered before the writer waits too.
const UNANSWERED: usize = 8;

/// The transaction did not commit; nothing of the item was stored.
#[derive(Debug)]
pub struct WriteFailed;

type Reply<T> = oneshot::Sender<Result<T, WriteFailed>>;

/// One item for the group commit, with where its answer goes.
pub(super) enum Request {
    Event(NewEvent, Reply<Inserted>),
    Replay(NewReplay, Reply<bool>),
    JobStep(ReplayJobStep, Reply<bool>),
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Request>,
    /// See `auto_disables`.
    auto_disables: watch::Sender<()>,
}

/// The running writer task, stopped last so that it stores the outcomes of
/// the deliveries still in flight at shutdown.
pub struct WriterTask {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Where the delivery engine sends finished attempts.
pub fn outcome_channel() -> (mpsc::Sender<Outcome>, mpsc::Receiver<Outcome>) {
    mpsc::channel(2 * MAX_OUTCOMES)
}

impl Writer {
    pub fn start(
        store: Store,
        engine: Engine,
        outcomes: mpsc::Receiver<Outcome>,
    ) -> (Writer, WriterTask) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let (stop, stop_rx) = oneshot::channel();
        let (auto_disables, _) = watch::channel(());
        let task = tokio::spawn(run(
            Launcher::new(store, engine, auto_disables.clone()),
            rx,
            outcomes,
            stop_rx,
        ));
        (Writer { tx, auto_disables }, WriterTask { stop, task })
    }

    /// Changes each time the write path disables webhooks automatically
    /// (dead deliveries in a row), once that is committed: the operations
    /// then treat it as a change of their own, forgetting this node's
    /// cached lookups and telling the other nodes (`operations::notices`).
    pub fn auto_disables(&self) -> watch::Receiver<()> {
        self.auto_disables.subscribe()
    }

    /// Stores `request`'s item with the next batch; the answer comes once
    /// that batch is committed (or has failed).
    pub(super) async fn submit<T>(
        &self,
        request: impl FnOnce(Reply<T>) -> Request,
    ) -> Result<T, WriteFailed> {
        use tracing::Instrument;
        let (reply, answer) = oneshot::channel();
        // The caller's wait for the group commit, as a span of its trace.
        async {
            self.tx
                .send(request(reply))
                .await
                .map_err(|_| WriteFailed)?;
            answer.await.map_err(|_| WriteFailed)?
        }
        .instrument(tracing::info_span!("store.write_batch"))
        .await
    }
}

impl WriterTask {
    /// Writes everything queued (new work and outcomes) and stops.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Outcomes waiting for a transaction that commits, with their failed tries.
#[derive(Default)]
struct PendingOutcomes {
    outcomes: Vec<Outcome>,
    failures: u32,
}

impl PendingOutcomes {
    /// Takes in outcomes whose transaction failed.
    fn merge(&mut self, back: PendingOutcomes) {
        self.outcomes.extend(back.outcomes);
        self.failures = self.failures.max(back.failures);
    }
}

async fn run(
    mut launcher: Launcher,
    mut requests_rx: mpsc::Receiver<Request>,
    mut outcomes_rx: mpsc::Receiver<Outcome>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut requests: Vec<Request> = Vec::with_capacity(MAX_ITEMS);
    let mut pending = PendingOutcomes::default();
    let (mut requests_open, mut outcomes_open) = (true, true);
    let now = tokio::time::Instant::now();
    let mut last_commit = now.checked_sub(COMMIT_INTERVAL).unwrap_or(now);
    'serve: loop {
        launcher.reap();
        // Failed outcomes wait a little before their next try, unless new
        // work brings a transaction sooner.
        let retry_due = !pending.outcomes.is_empty();
        tokio::select! {
            n = requests_rx.recv_many(&mut requests, MAX_ITEMS), if requests_open => requests_open = n > 0,
            n = outcomes_rx.recv_many(&mut pending.outcomes, MAX_OUTCOMES), if outcomes_open => outcomes_open = n > 0,
            Some(back) = launcher.failed.recv() => {
                // Tried again after `RETRY_DELAY`, or with new work sooner.
                pending.merge(back);
                continue;
            }
            _ = tokio::time::sleep(RETRY_DELAY), if retry_due => {}
            _ = &mut stop => break,
        }
        // Whatever else is waiting joins this transaction.
        top_up(&mut requests_rx, &mut requests, MAX_ITEMS);
        top_up(&mut outcomes_rx, &mut pending.outcomes, MAX_OUTCOMES);
        if requests.is_empty() && pending.outcomes.is_empty() {
            if !requests_open && !outcomes_open {
                // Both senders are gone: nothing more can arrive.
                let _ = stop.await;
                break;
            }
            continue;
        }
        // A small batch waits for more until it is no longer small or the
        // interval has passed. Flat out, the callers just answered come
        // back within a millisecond or two, so the batch grows at once:
        // sleeping out the whole interval there left the writer idle most
        // of the time and capped a closed loop of N callers at N per
        // interval (128 connections: about 10,000/s). It looks every
        // `GATHER_POLL` rather than at each arrival, which would wake it
        // twice per event (its request, then its outcome): 5 % more CPU
        // at 5,000/s.
        let deadline = last_commit + COMMIT_INTERVAL;
        while gather(&requests, &pending.outcomes) {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break;
            }
            let stopping = tokio::time::timeout_at(deadline.min(now + GATHER_POLL), &mut stop);
            if stopping.await.is_ok() {
                break 'serve;
            }
            top_up(&mut requests_rx, &mut requests, MAX_ITEMS);
            top_up(&mut outcomes_rx, &mut pending.outcomes, MAX_OUTCOMES);
        }
        // While every transaction slot is taken, what arrives meanwhile
        // joins this batch.
        let slot = launcher.slot().await;
        top_up(&mut requests_rx, &mut requests, MAX_ITEMS);
        top_up(&mut outcomes_rx, &mut pending.outcomes, MAX_OUTCOMES);
        last_commit = tokio::time::Instant::now();
        launcher.launch(
            slot,
            std::mem::take(&mut requests),
            std::mem::take(&mut pending),
        );
    }
    // Shutdown: the engine has finished its in-flight sends, so every
    // outcome is queued; store them all, with any last new work, and wait
    // for the transactions under way (outcomes of a failed one come back).
    loop {
        top_up(&mut requests_rx, &mut requests, MAX_ITEMS);
        top_up(&mut outcomes_rx, &mut pending.outcomes, MAX_OUTCOMES);
        let mut failed = false;
        while let Ok(back) = launcher.failed.try_recv() {
            pending.merge(back);
            failed = true;
        }
        if failed {
            tokio::time::sleep(RETRY_DELAY).await;
        }
        if requests.is_empty() && pending.outcomes.is_empty() {
            if !launcher.wait_one().await {
                return;
            }
            continue;
        }
        let slot = launcher.slot().await;
        launcher.launch(
            slot,
            std::mem::take(&mut requests),
            std::mem::take(&mut pending),
        );
    }
}

/// Webhooks disabled automatically by a batch just committed: the engine
/// holds their deliveries from its next one on, rather than once its
/// cached settings expire; and the operations hear of it (see
/// `Writer::auto_disables`).
fn disabled(engine: &Engine, auto_disables: &watch::Sender<()>, webhook_ids: &[String]) {
    for w in webhook_ids {
        engine.invalidate(w);
    }
    auto_disables.send_replace(());
}

/// Whether a batch should wait for more (see `COMMIT_INTERVAL`): it is
/// small, and no FIFO key waits on one of its outcomes (the next event of
/// an ordering key goes only once the previous outcome is stored, so a
/// wait would cap each key's pace).
fn gather(requests: &[Request], outcomes: &[Outcome]) -> bool {
    requests.len() + outcomes.len() < SMALL_BATCH
        && outcomes.iter().all(|o| o.ordering_key.is_none())
}

/// Takes what is already queued, without waiting, up to `max` in `buf`.
fn top_up<T>(rx: &mut mpsc::Receiver<T>, buf: &mut Vec<T>, max: usize) {
    while buf.len() < max {
        match rx.try_recv() {
            Ok(item) => buf.push(item),
            Err(_) => break,
        }
    }
}

/// A batch's items sorted by kind, in arrival order, with their replies.
#[derive(Default)]
struct Batch {
    events: Vec<NewEvent>,
    event_replies: Vec<Reply<Inserted>>,
    replays: Vec<NewReplay>,
    replay_replies: Vec<Reply<bool>>,
    steps: Vec<ReplayJobStep>,
    step_replies: Vec<Reply<bool>>,
}

impl Batch {
    fn sort(requests: Vec<Request>) -> Batch {
        let mut b = Batch::default();
        for r in requests {
            match r {
                Request::Event(e, reply) => {
                    b.events.push(e);
                    b.event_replies.push(reply);
                }
                Request::Replay(r, reply) => {
                    b.replays.push(r);
                    b.replay_replies.push(reply);
                }
                Request::JobStep(s, reply) => {
                    b.steps.push(s);
                    b.step_replies.push(reply);
                }
            }
        }
        b
    }

    fn fail(self) {
        self.event_replies
            .into_iter()
            .for_each(|r| drop(r.send(Err(WriteFailed))));
        self.replay_replies
            .into_iter()
            .for_each(|r| drop(r.send(Err(WriteFailed))));
        self.step_replies
            .into_iter()
            .for_each(|r| drop(r.send(Err(WriteFailed))));
    }
}

/// Starts the write path's transactions, each in a task of its own, and
/// sees that their callers hear back in the order the batches were made.
struct Launcher {
    store: Store,
    engine: Engine,
    /// See `Writer::auto_disables`.
    auto_disables: watch::Sender<()>,
    /// Transactions under way at once: one on SQLite, which has a single
    /// writer (a second would wait for the first with its batch closed too
    /// early); a few on PostgreSQL, where a batch's statements are round
    /// trips the database serves side by side (`Store::write_slots`).
    transactions: Arc<Semaphore>,
    /// Batches started and not yet answered (committed, waiting for the
    /// disk or for an earlier batch's answers).
    unanswered: Arc<Semaphore>,
    /// Ends when the last batch started has been answered.
    last: Option<oneshot::Receiver<()>>,
    tasks: JoinSet<()>,
    /// Outcomes of transactions that failed, with their tries, for the
    /// next batches.
    failed: mpsc::UnboundedReceiver<PendingOutcomes>,
    failed_tx: mpsc::UnboundedSender<PendingOutcomes>,
}

/// The permits a batch holds: its transaction's until it ends, the other
/// until its callers are answered.
struct Slot {
    transaction: OwnedSemaphorePermit,
    unanswered: OwnedSemaphorePermit,
}

impl Launcher {
    fn new(store: Store, engine: Engine, auto_disables: watch::Sender<()>) -> Launcher {
        let (failed_tx, failed) = mpsc::unbounded_channel();
        Launcher {
            transactions: Arc::new(Semaphore::new(store.write_slots())),
            unanswered: Arc::new(Semaphore::new(UNANSWERED)),
            store,
            engine,
            auto_disables,
            last: None,
            tasks: JoinSet::new(),
            failed,
            failed_tx,
        }
    }

    async fn slot(&self) -> Slot {
        // Neither semaphore is ever closed.
        let unanswered = self.unanswered.clone().acquire_owned().await;
        let transaction = self.transactions.clone().acquire_owned().await;
        match (unanswered, transaction) {
            (Ok(unanswered), Ok(transaction)) => Slot {
                transaction,
                unanswered,
            },
            _ => unreachable!("the writer's semaphores are never closed"),
        }
    }

    /// Drops the tasks that have ended.
    fn reap(&mut self) {
        while self.tasks.try_join_next().is_some() {}
    }

    /// Waits for one task under way to end; false if none was.
    async fn wait_one(&mut self) -> bool {
        self.tasks.join_next().await.is_some()
    }

    fn launch(&mut self, slot: Slot, requests: Vec<Request>, outcomes: PendingOutcomes) {
        let (answered, next_waits) = oneshot::channel();
        let earlier = self.last.replace(next_waits);
        self.tasks.spawn(write(
            self.store.clone(),
            self.engine.clone(),
            self.auto_disables.clone(),
            requests,
            outcomes,
            slot,
            earlier,
            answered,
            self.failed_tx.clone(),
        ));
    }
}

/// One transaction for a batch of new work and pending outcomes; then, once
/// the batches before it are answered and it is on disk, its answers.
#[allow(clippy::too_many_arguments)]
async fn write(
    store: Store,
    engine: Engine,
    auto_disables: watch::Sender<()>,
    requests: Vec<Request>,
    pending: PendingOutcomes,
    slot: Slot,
    earlier: Option<oneshot::Receiver<()>>,
    answered: oneshot::Sender<()>,
    failed: mpsc::UnboundedSender<PendingOutcomes>,
) {
    let mut batch = Batch::sort(requests);
    let token = ids::new_id("lease");
    let leased = lease(&engine, &mut batch, &token);

    let started = std::time::Instant::now();
    let result = store
        .write_batch(
            &WriteBatch {
                events: &batch.events,
                replays: &batch.replays,
                job_steps: &batch.steps,
                outcomes: &pending.outcomes,
            },
            IDEMPOTENCY_TTL_MS,
        )
        .await;
    metrics().db_time(DbOp::write_batch, started);
    drop(slot.transaction);
    if let Some(written) = result.as_ref().ok().filter(|w| !w.disabled.is_empty()) {
        // Before waiting for earlier batches: their callers' next requests
        // may already see the webhook disabled.
        disabled(&engine, &auto_disables, &written.disabled);
    }
    if let Some(earlier) = earlier {
        // An error only means that batch's task ended early (a panic):
        // nothing is left to wait for.
        let _ = earlier.await;
    }
    match result {
        Ok(written) => {
            if !pending.outcomes.is_empty() {
                engine.outcomes_stored(&pending.outcomes);
            }
            match store.on_disk(&written).await {
                Ok(()) => {
                    hand_to_engine(&engine, &batch, &written, leased, &token);
                    answer(batch, written);
                }
                Err(e) => {
                    // Committed but maybe not on disk: the callers hear of a
                    // failure and send again (at-least-once). The leased
                    // deliveries go once their lease runs out.
                    tracing::error!(error = %e, "the write path's log could not be synced");
                    give_back(&engine, &batch, leased);
                    batch.fail();
                }
            }
        }
        Err(e) => {
            let items = batch.events.len() + batch.replays.len() + batch.steps.len();
            tracing::error!(error = %e, items, outcomes = pending.outcomes.len(), "write-path transaction failed");
            give_back(&engine, &batch, leased);
            batch.fail();
            let failures = pending.failures + 1;
            if failures >= OUTCOME_TRIES {
                tracing::error!(
                    count = pending.outcomes.len(),
                    "giving up recording outcomes; their deliveries will be sent again"
                );
            } else if !pending.outcomes.is_empty() {
                let _ = failed.send(PendingOutcomes {
                    outcomes: pending.outcomes,
                    failures,
                });
            }
        }
    }
    let _ = answered.send(());
    drop(slot.unanswered);
}

/// Gives the engine back the places reserved for the leased deliveries of
/// a batch whose callers are told it failed.
fn give_back(engine: &Engine, batch: &Batch, leased: Vec<bool>) {
    for (d, leased) in batch.events.iter().flat_map(|e| &e.deliveries).zip(leased) {
        if leased {
            engine.unreserve(&d.webhook_id);
        }
    }
}

/// Leases new event deliveries due now to this node where their endpoint's
/// rules and the node's capacity allow (see `Engine::reserve`); the rest
/// stay queued for the endpoint's owner. Replays stay queued: their payload
/// is in the database, not in hand. Returns whether each event delivery
/// was leased, in order.
fn lease(engine: &Engine, batch: &mut Batch, token: &str) -> Vec<bool> {
    let mut due: Vec<(&str, usize)> = Vec::new();
    for d in batch.events.iter().flat_map(|e| &e.deliveries) {
        if matches!(d.state, InitialState::Queued) {
            match due.iter_mut().find(|(w, _)| *w == d.webhook_id) {
                Some((_, n)) => *n += 1,
                None => due.push((&d.webhook_id, 1)),
            }
        }
    }
    let granted = engine.reserve(&due);
    let mut free: HashMap<String, usize> = due
        .iter()
        .map(|(w, _)| w.to_string())
        .zip(granted)
        .collect();
    let until = store::now_ms() + engine.lease_duration().as_millis() as i64;
    let mut leased = Vec::new();
    for d in batch
        .events
        .iter_mut()
        .flat_map(|e| e.deliveries.iter_mut())
    {
        let lease = matches!(d.state, InitialState::Queued)
            && free.get_mut(&d.webhook_id).is_some_and(|n| {
                let some = *n > 0;
                *n = n.saturating_sub(1);
                some
            });
        if lease {
            d.state = InitialState::Leased {
                token: token.to_string(),
                until,
            };
        }
        leased.push(lease);
    }
    leased
}

/// Hands the deliveries leased to this node to the engine, now that they
/// are committed; the slots of events that turned out to be repeats go
/// back; the endpoints of queued deliveries are told they have work.
fn hand_to_engine(
    engine: &Engine,
    batch: &Batch,
    written: &store::Written,
    leased: Vec<bool>,
    token: &str,
) {
    let mut leased = leased.into_iter();
    let mut created = 0;
    let mut filtered = 0;
    let mut queued: HashSet<&str> = HashSet::new();
    for (event, inserted) in batch.events.iter().zip(&written.events) {
        for (d, leased) in event.deliveries.iter().zip(leased.by_ref()) {
            if !matches!(inserted, Inserted::Created) {
                if leased {
                    engine.unreserve(&d.webhook_id);
                }
                continue;
            }
            created += 1;
            if matches!(d.state, InitialState::Filtered) {
                filtered += 1;
            }
            if leased {
                engine.submit(Job {
                    claimed: Claimed {
                        delivery_id: d.delivery_id.clone(),
                        project_id: event.project_id.clone(),
                        webhook_id: d.webhook_id.clone(),
                        event_id: event.event_id.clone(),
                        attempts: 0,
                        content_type: event.content_type.clone(),
                        body: event.body.clone(),
                        headers: event.headers.clone(),
                        ordering_key: event.ordering_key.clone(),
                        event_type: event.event_type.clone(),
                        transformed: None,
                    },
                    lease_token: token.to_string(),
                });
            } else if matches!(d.state, InitialState::Queued) {
                queued.insert(&d.webhook_id);
            }
        }
    }
    let replayed = batch
        .replays
        .iter()
        .zip(&written.replays)
        .filter(|(_, done)| **done)
        .map(|(r, _)| r);
    let stepped = batch
        .steps
        .iter()
        .zip(&written.job_steps)
        .filter(|(_, held)| **held)
        .flat_map(|(s, _)| &s.replays);
    for r in replayed.chain(stepped) {
        if matches!(r.delivery.state, InitialState::Queued) {
            queued.insert(&r.delivery.webhook_id);
        }
    }
    if !queued.is_empty() {
        engine.queued(queued);
    }
    // Counted per webhook an event was queued for, as `/v1/usage` counts.
    metrics().ingested.inc_by(created);
    metrics().filtered.inc_by(filtered);
}

fn answer(batch: Batch, written: store::Written) {
    for (reply, inserted) in batch.event_replies.into_iter().zip(written.events) {
        let _ = reply.send(Ok(inserted));
    }
    for (reply, done) in batch.replay_replies.into_iter().zip(written.replays) {
        let _ = reply.send(Ok(done));
    }
    for (reply, held) in batch.step_replies.into_iter().zip(written.job_steps) {
        let _ = reply.send(Ok(held));
    }
}
