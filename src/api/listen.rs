//! `GET /v1/webhooks/{id}/listen`: the WebSocket `hookrelay listen` keeps
//! open. While it is, this node sends the listen webhook's deliveries
//! through it (`crate::listen`); the key is checked again every second, and
//! the connection ends when it is revoked or the webhook is deleted.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tokio::sync::oneshot;

use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::bearer_in;
use super::AppState;
use crate::listen::{close, ClientMessage, LocalOutcome, ServerMessage};
use crate::secrets;
use crate::store::{DestinationKind, KeyAuth};

/// How often a connection's key and webhook are checked again.
const RECHECK: Duration = Duration::from_secs(1);

#[utoipa::path(get, path = "/v1/webhooks/{id}/listen", operation_id = "webhooks.listen", tag = "webhooks", security(("apiKey" = [])), params(("id" = String, Path)),
    description = "Opens the WebSocket of `hookrelay listen` for a webhook with `destinationKind: listen`: \
        signed deliveries come as `{\"type\":\"delivery\",\"requestId\",\"headers\",\"body\"(base64),\"timeoutMs\"}` \
        and are answered with `{\"type\":\"result\",\"requestId\",\"status\",\"excerpt\"}` (or `\"error\",\"message\"`). \
        The connection is closed with code 4001 when the key is revoked and 4004 when the webhook is deleted.",
    responses((status = 101, description = "Switching to the WebSocket protocol"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 400, body = ErrorBody, description = "Not a listen webhook, or not a WebSocket request")))]
pub async fn listen(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    headers: HeaderMap,
    Path(id): Path<String>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let w = crate::operations::webhooks::find(&state.ops, &key.project_id, &id).await?;
    if w.destination_kind != DestinationKind::Listen {
        return Err(ApiError::bad_request(
            "not_a_listen_webhook",
            "only a webhook created with destinationKind `listen` can be listened to",
        ));
    }
    let upgrade =
        upgrade.map_err(|e| ApiError::bad_request("websocket_required", e.body_text()))?;
    // The extractor has checked the token; its hash is what revocation
    // is checked against.
    let key_hash = bearer_in(&headers).map(secrets::hash).unwrap_or_default();
    Ok(upgrade.on_upgrade(move |socket| async move {
        Connection {
            state,
            key,
            key_hash,
            webhook_id: w.id,
            forward_to: w.destination_url,
        }
        .run(socket)
        .await
    }))
}

struct Connection {
    state: AppState,
    key: KeyAuth,
    key_hash: String,
    webhook_id: String,
    forward_to: String,
}

impl Connection {
    async fn run(self, mut socket: WebSocket) {
        let mut listener = crate::operations::listen::attach(&self.state.ops, &self.webhook_id);
        let ready = ServerMessage::Ready {
            webhook_id: self.webhook_id.clone(),
            forward_to: self.forward_to.clone(),
        };
        let mut ended = None;
        if send_json(&mut socket, &ready).await.is_ok() {
            listener.started();
            ended = self.pump(&mut socket, listener.registration()).await;
        }
        if let Some((code, reason)) = ended {
            let _ = socket
                .send(Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })))
                .await;
        }
        listener.detach().await;
    }

    /// Passes requests to the CLI and answers back until the connection
    /// breaks (None) or the server ends it (the close code and reason).
    async fn pump(
        &self,
        socket: &mut WebSocket,
        registration: &mut crate::listen::Registration,
    ) -> Option<(u16, &'static str)> {
        let mut waiting: HashMap<u64, oneshot::Sender<LocalOutcome>> = HashMap::new();
        let mut next_id: u64 = 0;
        let mut recheck = tokio::time::interval(RECHECK);
        loop {
            tokio::select! {
                pending = registration.requests.recv() => {
                    let pending = pending?;
                    next_id += 1;
                    if send_json(socket, &pending.forward.message(next_id)).await.is_err() {
                        return None;
                    }
                    waiting.retain(|_, reply| !reply.is_closed());
                    waiting.insert(next_id, pending.reply);
                }
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        // An answer to a request that timed out meanwhile, or
                        // one that is not understood, is dropped.
                        if let Ok(ClientMessage::Result { request_id, outcome }) = serde_json::from_str(text.as_str()) {
                            if let Some(reply) = waiting.remove(&request_id) {
                                let _ = reply.send(outcome);
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                    Some(Ok(_)) => {}
                },
                _ = registration.replaced.recv() => {
                    return Some((close::REPLACED, "another hookrelay listen took this webhook over"));
                }
                _ = recheck.tick() => {
                    if let Some(reason) = self.revoked().await {
                        return Some(reason);
                    }
                }
            }
        }
    }

    /// Why the connection may not go on, if it may not.
    async fn revoked(&self) -> Option<(u16, &'static str)> {
        let store = &self.state.ops.store;
        // A database hiccup is not a revocation: checked again next time.
        if let Ok(None) = store.find_active_key(&self.key_hash).await {
            return Some((close::KEY_REVOKED, "the API key was revoked"));
        }
        match store
            .get_webhook(&self.key.project_id, &self.webhook_id)
            .await
        {
            Ok(None) => Some((close::WEBHOOK_GONE, "the webhook was deleted")),
            Err(_) | Ok(Some(_)) => None,
        }
    }
}

async fn send_json(socket: &mut WebSocket, message: &ServerMessage) -> Result<(), axum::Error> {
    let text = serde_json::to_string(message).expect("listen messages serialize");
    socket.send(Message::Text(text.into())).await
}
