//! `hookrelay listen`: deliveries of a `listen` webhook travel through a
//! connection the CLI opened to the server, instead of a POST the server
//! makes. This module holds what both ends share: the messages on the
//! connection, and the server's registry of the connections this node holds
//! ([`Listeners`]), through which the one way out (`delivery::destination`)
//! hands a signed request to the CLI and waits for the local answer.
//!
//! The connection is a WebSocket (axum's `ws` on the server,
//! tokio-tungstenite in the CLI): one outbound connection that passes
//! proxies and NAT, carries requests and their answers both ways with a
//! request id (several deliveries in flight at once), and tells both ends at
//! once when it breaks, which is when the node must stop sending for that
//! webhook. HTTP streaming would need a second channel for the answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

/// WebSocket close codes (the application range) the server ends a
/// connection with, so the CLI knows not to reconnect.
pub mod close {
    /// The API key was revoked.
    pub const KEY_REVOKED: u16 = 4001;
    /// The webhook was deleted.
    pub const WEBHOOK_GONE: u16 = 4004;
    /// Another `hookrelay listen` for the same webhook took over on this node.
    pub const REPLACED: u16 = 4009;
}

/// What the server sends the CLI.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ServerMessage {
    /// The connection is registered: deliveries may arrive from now on.
    #[serde(rename_all = "camelCase")]
    Ready {
        webhook_id: String,
        forward_to: String,
    },
    /// A signed request to POST to the local URL, answered with a
    /// [`ClientMessage::Result`] of the same `request_id`.
    #[serde(rename_all = "camelCase")]
    Delivery {
        request_id: u64,
        /// Every request header, the Standard Webhooks ones included.
        headers: Vec<(String, String)>,
        /// The body, base64 (it need not be UTF-8).
        body: String,
        timeout_ms: u64,
    },
}

/// What the CLI answers.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ClientMessage {
    #[serde(rename_all = "camelCase")]
    Result {
        request_id: u64,
        #[serde(flatten)]
        outcome: LocalOutcome,
    },
}

/// How the local POST went.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LocalOutcome {
    #[serde(rename_all = "camelCase")]
    Answered { status: u16, excerpt: String },
    /// No answer: `error` is an attempt error kind (`timeout`,
    /// `connection_error`, `request_error`).
    Failed { error: String, message: String },
}

/// A request for the CLI, as the one way out builds it.
pub struct Forward {
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    pub timeout: Duration,
}

impl Forward {
    pub fn message(&self, request_id: u64) -> ServerMessage {
        ServerMessage::Delivery {
            request_id,
            headers: self.headers.clone(),
            body: base64::engine::general_purpose::STANDARD.encode(&self.body),
            timeout_ms: self.timeout.as_millis() as u64,
        }
    }
}

/// One request handed to a connection, with where its answer goes.
pub struct Pending {
    pub forward: Forward,
    pub reply: oneshot::Sender<LocalOutcome>,
}

/// Why a forwarded request got no local answer.
#[derive(Debug, PartialEq, Eq)]
pub enum ForwardError {
    /// No `hookrelay listen` for the webhook is connected to this node.
    NotConnected,
    /// The connection broke before the answer came.
    Disconnected,
    TimedOut,
}

/// The connections this node holds, one per webhook (a newer one for the
/// same webhook replaces the older).
#[derive(Clone, Default)]
pub struct Listeners {
    inner: Arc<Mutex<HashMap<String, Connection>>>,
}

#[derive(Clone)]
struct Connection {
    id: u64,
    requests: mpsc::Sender<Pending>,
    /// Told when a newer connection replaces this one.
    replaced: mpsc::Sender<()>,
}

/// A registered connection: its requests, and a signal if it is replaced.
pub struct Registration {
    pub id: u64,
    pub requests: mpsc::Receiver<Pending>,
    pub replaced: mpsc::Receiver<()>,
}

impl Listeners {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Connection>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a connection for `webhook_id`; an older one is told it was
    /// replaced.
    pub fn register(&self, webhook_id: &str) -> Registration {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (requests_tx, requests) = mpsc::channel(1024);
        let (replaced_tx, replaced) = mpsc::channel(1);
        let old = self.map().insert(
            webhook_id.to_string(),
            Connection {
                id,
                requests: requests_tx,
                replaced: replaced_tx,
            },
        );
        if let Some(old) = old {
            let _ = old.replaced.try_send(());
        }
        Registration {
            id,
            requests,
            replaced,
        }
    }

    /// Forgets connection `id` of `webhook_id` (not a newer one); true if
    /// the webhook has no connection here now.
    pub fn unregister(&self, webhook_id: &str, id: u64) -> bool {
        let mut map = self.map();
        if map.get(webhook_id).is_some_and(|c| c.id == id) {
            map.remove(webhook_id);
        }
        !map.contains_key(webhook_id)
    }

    pub fn connected(&self, webhook_id: &str) -> bool {
        self.map().contains_key(webhook_id)
    }

    /// Hands `forward` to the webhook's connection and waits (up to its
    /// timeout) for the local answer.
    pub async fn forward(
        &self,
        webhook_id: &str,
        forward: Forward,
    ) -> Result<LocalOutcome, ForwardError> {
        let requests = self
            .map()
            .get(webhook_id)
            .map(|c| c.requests.clone())
            .ok_or(ForwardError::NotConnected)?;
        let timeout = forward.timeout;
        let (reply, answer) = oneshot::channel();
        let exchange = async {
            requests
                .send(Pending { forward, reply })
                .await
                .map_err(|_| ForwardError::Disconnected)?;
            answer.await.map_err(|_| ForwardError::Disconnected)
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| ForwardError::TimedOut)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_wire_shape() {
        let m = Forward {
            headers: vec![("webhook-id".into(), "msg_1".into())],
            body: bytes::Bytes::from_static(b"{\"a\":1}"),
            timeout: Duration::from_secs(15),
        }
        .message(7);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["type"], "delivery");
        assert_eq!(v["requestId"], 7);
        assert_eq!(v["headers"][0][0], "webhook-id");
        assert_eq!(v["body"], "eyJhIjoxfQ==");
        assert_eq!(v["timeoutMs"], 15000);
        let answered: ClientMessage =
            serde_json::from_str(r#"{"type":"result","requestId":7,"status":500,"excerpt":"no"}"#)
                .unwrap();
        let ClientMessage::Result {
            request_id,
            outcome: LocalOutcome::Answered { status, .. },
        } = answered
        else {
            panic!("an answer");
        };
        assert_eq!((request_id, status), (7, 500));
        let failed: ClientMessage = serde_json::from_str(
            r#"{"type":"result","requestId":8,"error":"connection_error","message":"refused"}"#,
        )
        .unwrap();
        assert!(matches!(
            failed,
            ClientMessage::Result {
                outcome: LocalOutcome::Failed { .. },
                ..
            }
        ));
    }

    #[tokio::test]
    async fn a_request_reaches_the_connection_and_its_answer_comes_back() {
        let listeners = Listeners::default();
        let forward = || Forward {
            headers: vec![],
            body: bytes::Bytes::new(),
            timeout: Duration::from_secs(5),
        };
        assert_eq!(
            listeners.forward("wh_1", forward()).await.unwrap_err(),
            ForwardError::NotConnected
        );
        let mut reg = listeners.register("wh_1");
        let answering = tokio::spawn(async move {
            let p = reg.requests.recv().await.unwrap();
            let _ = p.reply.send(LocalOutcome::Answered {
                status: 204,
                excerpt: String::new(),
            });
            reg
        });
        let got = listeners.forward("wh_1", forward()).await.unwrap();
        assert!(matches!(got, LocalOutcome::Answered { status: 204, .. }));
        let first = answering.await.unwrap();
        // A newer connection replaces the first; the first's end does not
        // unregister the newer.
        let mut second = listeners.register("wh_1");
        let mut first = first;
        assert!(first.replaced.recv().await.is_some());
        assert!(!listeners.unregister("wh_1", first.id));
        assert!(listeners.connected("wh_1"));
        // A connection gone before answering: the request fails at once.
        let dropping = tokio::spawn(async move {
            let p = second.requests.recv().await.unwrap();
            drop(p);
            second
        });
        assert_eq!(
            listeners.forward("wh_1", forward()).await.unwrap_err(),
            ForwardError::Disconnected
        );
        let second = dropping.await.unwrap();
        assert!(listeners.unregister("wh_1", second.id));
        assert!(!listeners.connected("wh_1"));
    }
}
