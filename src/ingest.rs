//! The write path's group commit. Ingest handlers hand accepted events, and
//! the delivery engine hands finished attempts, to one writer task, which
//! stores whatever has queued up of both in a single transaction (one fsync
//! for the lot) and only then answers each handler: a 202 always means
//! committed, and throughput does not hinge on per-event fsyncs. Sharing the
//! transaction matters most on SQLite, whose single writer would otherwise
//! alternate between an ingest and an outcome transaction, each waiting for
//! the other's commit.

use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit};
use tokio::task::JoinHandle;

use crate::delivery::{Engine, Job};
use crate::ids;
use crate::metrics::{metrics, DbOp};
use crate::store::{self, Claimed, IdempotencyKey, InitialState, Inserted, NewDelivery, Outcome, Store};

/// Idempotency keys are honoured for this long, as on Svix and Stripe.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3600 * 1000;
const MAX_EVENTS: usize = 512;
const MAX_OUTCOMES: usize = 512;
const QUEUE: usize = 16 * 1024;
/// Outcomes whose transaction failed are tried again with the next batches,
/// this many times; after that their leases expire and the deliveries are
/// sent again (at-least-once holds, only the bookkeeping is lost).
const OUTCOME_TRIES: u32 = 5;
const RETRY_DELAY: Duration = Duration::from_millis(200);

pub struct Event {
    pub project_id: String,
    pub webhook_id: String,
    pub webhook_enabled: bool,
    pub content_type: String,
    pub body: Bytes,
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub delivery_id: String,
    /// True when an earlier request with the same idempotency key made it.
    pub duplicate: bool,
}

#[derive(Debug)]
pub struct WriteFailed;

type Reply = oneshot::Sender<Result<Accepted, WriteFailed>>;
type Request = (Event, Reply);

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Request>,
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
    pub fn start(store: Store, engine: Engine, outcomes: mpsc::Receiver<Outcome>) -> (Writer, WriterTask) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let (stop, stop_rx) = oneshot::channel();
        let task = tokio::spawn(run(store, engine, rx, outcomes, stop_rx));
        (Writer { tx }, WriterTask { stop, task })
    }

    pub async fn submit(&self, event: Event) -> Result<Accepted, WriteFailed> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((event, reply)).await.map_err(|_| WriteFailed)?;
        answer.await.map_err(|_| WriteFailed)?
    }
}

impl WriterTask {
    /// Writes everything queued (events and outcomes) and stops.
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

async fn run(
    store: Store,
    engine: Engine,
    mut events_rx: mpsc::Receiver<Request>,
    mut outcomes_rx: mpsc::Receiver<Outcome>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut events: Vec<Request> = Vec::with_capacity(MAX_EVENTS);
    let mut pending = PendingOutcomes::default();
    let (mut events_open, mut outcomes_open) = (true, true);
    loop {
        // Failed outcomes wait a little before their next try, unless new
        // work brings a transaction sooner.
        let retry_due = !pending.outcomes.is_empty();
        tokio::select! {
            n = events_rx.recv_many(&mut events, MAX_EVENTS), if events_open => events_open = n > 0,
            n = outcomes_rx.recv_many(&mut pending.outcomes, MAX_OUTCOMES), if outcomes_open => outcomes_open = n > 0,
            _ = tokio::time::sleep(RETRY_DELAY), if retry_due => {}
            _ = &mut stop => break,
        }
        // Whatever else is waiting joins this transaction.
        top_up(&mut events_rx, &mut events, MAX_EVENTS);
        top_up(&mut outcomes_rx, &mut pending.outcomes, MAX_OUTCOMES);
        if events.is_empty() && pending.outcomes.is_empty() {
            if !events_open && !outcomes_open {
                // Both senders are gone: nothing more can arrive.
                let _ = stop.await;
                return;
            }
            continue;
        }
        write(&store, &engine, std::mem::take(&mut events), &mut pending).await;
    }
    // Shutdown: the engine has finished its in-flight sends, so every
    // outcome is queued; store them all, with any last events.
    loop {
        top_up(&mut events_rx, &mut events, MAX_EVENTS);
        top_up(&mut outcomes_rx, &mut pending.outcomes, MAX_OUTCOMES);
        if events.is_empty() && pending.outcomes.is_empty() {
            return;
        }
        let before = pending.failures;
        write(&store, &engine, std::mem::take(&mut events), &mut pending).await;
        if pending.failures > before {
            tokio::time::sleep(RETRY_DELAY).await;
        }
    }
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

/// One transaction for a batch of events and the pending outcomes.
async fn write(store: &Store, engine: &Engine, batch: Vec<Request>, pending: &mut PendingOutcomes) {
    let deliverable = batch.iter().filter(|(e, _)| e.webhook_enabled).count();
    let mut permits = engine.try_reserve(deliverable);
    let token = ids::new_id("lease");
    let lease_until = store::now_ms() + engine.lease_duration().as_millis() as i64;

    let mut rows = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    for (event, reply) in batch {
        let (state, permit) = if !event.webhook_enabled {
            (InitialState::Held, None)
        } else if let Some(permit) = permits.pop() {
            (InitialState::Leased { token: token.clone(), until: lease_until }, Some(permit))
        } else {
            (InitialState::Queued, None)
        };
        rows.push(NewDelivery {
            delivery_id: ids::new_id(ids::DELIVERY),
            event_id: ids::new_id(ids::EVENT),
            idempotency_key: event.idempotency_key.map(|key| IdempotencyKey {
                scope: format!("webhook:{}", event.webhook_id),
                key,
            }),
            project_id: event.project_id,
            webhook_id: event.webhook_id,
            content_type: event.content_type,
            body: event.body,
            headers: None,
            state,
        });
        replies.push((reply, permit));
    }

    let started = std::time::Instant::now();
    let result = store.write_batch(&rows, &pending.outcomes, IDEMPOTENCY_TTL_MS).await;
    metrics().db_time(DbOp::write_batch, started);
    match result {
        Ok(results) => {
            *pending = PendingOutcomes::default();
            answer(engine, rows, replies, results, &token);
        }
        Err(e) => {
            tracing::error!(error = %e, events = replies.len(), outcomes = pending.outcomes.len(), "write-path transaction failed");
            for (reply, _) in replies {
                let _ = reply.send(Err(WriteFailed));
            }
            pending.failures += 1;
            if pending.failures >= OUTCOME_TRIES {
                tracing::error!(count = pending.outcomes.len(), "giving up recording outcomes; their deliveries will be sent again");
                *pending = PendingOutcomes::default();
            }
        }
    }
}

/// Answers each handler and hands the deliveries leased to this node to the
/// engine, now that they are committed.
fn answer(
    engine: &Engine,
    rows: Vec<NewDelivery>,
    replies: Vec<(Reply, Option<OwnedSemaphorePermit>)>,
    results: Vec<Inserted>,
    token: &str,
) {
    let created = results.iter().filter(|r| matches!(r, Inserted::Created)).count();
    metrics().ingested.inc_by(created as u64);
    let mut queued_any = false;
    for ((row, (reply, permit)), inserted) in rows.into_iter().zip(replies).zip(results) {
        let accepted = match inserted {
            Inserted::Duplicate(first) => Accepted { delivery_id: first, duplicate: true },
            Inserted::Created => {
                let accepted = Accepted { delivery_id: row.delivery_id.clone(), duplicate: false };
                match permit {
                    Some(permit) => engine.submit(Job {
                        claimed: Claimed {
                            delivery_id: row.delivery_id,
                            project_id: row.project_id,
                            webhook_id: row.webhook_id,
                            event_id: row.event_id,
                            attempts: 0,
                            content_type: row.content_type,
                            body: row.body,
                            headers: None,
                        },
                        lease_token: token.to_string(),
                        permit,
                    }),
                    None => queued_any |= matches!(row.state, InitialState::Queued),
                }
                accepted
            }
        };
        let _ = reply.send(Ok(accepted));
    }
    if queued_any {
        engine.wake();
    }
}
