//! The ingest path's group commit. Handlers hand accepted events to one
//! writer task, which stores whatever has queued up in a single transaction
//! (one fsync for the lot) and only then answers each handler: a 202 always
//! means committed, and throughput does not hinge on per-event fsyncs.

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::delivery::{Engine, Job};
use crate::store::{self, Claimed, IdempotencyKey, InitialState, Inserted, NewDelivery, Store};
use crate::ids;
use crate::metrics::{metrics, DbOp};

/// Idempotency keys are honoured for this long, as on Svix and Stripe.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3600 * 1000;
const MAX_BATCH: usize = 512;
const QUEUE: usize = 16 * 1024;

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

type Request = (Event, oneshot::Sender<Result<Accepted, WriteFailed>>);

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Request>,
}

impl Writer {
    pub fn start(store: Store, engine: Engine) -> Writer {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, engine, rx));
        Writer { tx }
    }

    pub async fn submit(&self, event: Event) -> Result<Accepted, WriteFailed> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((event, reply)).await.map_err(|_| WriteFailed)?;
        answer.await.map_err(|_| WriteFailed)?
    }
}

async fn run(store: Store, engine: Engine, mut rx: mpsc::Receiver<Request>) {
    let mut batch: Vec<Request> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write_batch(&store, &engine, std::mem::take(&mut batch)).await;
    }
}

async fn write_batch(store: &Store, engine: &Engine, batch: Vec<Request>) {
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
    let result = store.insert_deliveries(&rows, IDEMPOTENCY_TTL_MS).await;
    metrics().db_time(DbOp::insert_deliveries, started);
    match result {
        Ok(results) => {
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
                                    webhook_id: row.webhook_id,
                                    event_id: row.event_id,
                                    attempts: 0,
                                    content_type: row.content_type,
                                    body: row.body,
                                    headers: None,
                                },
                                lease_token: token.clone(),
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
        Err(e) => {
            tracing::error!(error = %e, count = replies.len(), "storing ingested events failed");
            for (reply, _) in replies {
                let _ = reply.send(Err(WriteFailed));
            }
        }
    }
}
