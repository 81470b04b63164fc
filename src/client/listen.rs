//! `hookrelay listen --forward-to URL`: keeps one outbound WebSocket to the
//! server (see `crate::listen` for why a WebSocket) and POSTs each signed
//! delivery that comes through it to the local URL, byte for byte with its
//! headers; the local answer goes back as the attempt's outcome. A broken
//! connection is opened again; the server ending it (key revoked, webhook
//! deleted, another CLI took over) ends the command.

use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

use super::args::ListenArgs;
use super::http::{usage, Failure};
use super::{seg, Ctx};
use crate::listen::{close, ClientMessage, LocalOutcome, ServerMessage};

/// Longest pause between attempts to connect again.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

pub async fn listen(ctx: &Ctx, args: ListenArgs) -> Result<(), Failure> {
    let forward_to = url::Url::parse(&args.forward_to)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| usage("--forward-to: expected an http(s) URL"))?;
    let webhook = webhook(ctx, &args).await?;
    let id = webhook["id"].as_str().unwrap_or_default().to_string();
    let out = Printer {
        json: args.print_json,
    };
    out.listening(&webhook, &args.forward_to);
    let endpoint = ws_url(&ctx.client.base, &id)?;
    let local = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Failure::Other(e.to_string()))?;
    let mut backoff = Duration::from_millis(250);
    loop {
        let started = Instant::now();
        match session(ctx, &endpoint, &local, &forward_to, &out).await {
            End::Refused(failure) => return Err(failure),
            End::Closed(code, reason) => return Err(closed(code, reason)),
            End::Lost(why) => {
                if started.elapsed() > MAX_BACKOFF {
                    backoff = Duration::from_millis(250);
                }
                eprintln!("connection lost ({why}); connecting again in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// The listen webhook: `--webhook`'s (its event types set from `--events`),
/// or a new one.
async fn webhook(ctx: &Ctx, args: &ListenArgs) -> Result<Value, Failure> {
    let client = &ctx.client;
    let answer = match &args.webhook {
        Some(id) => {
            let path = format!("/v1/webhooks/{}", seg(id));
            match &args.events {
                Some(events) => {
                    let body = json!({ "eventTypes": events });
                    client
                        .send(client.request(reqwest::Method::PATCH, &path).json(&body))
                        .await?
                }
                None => client.send(client.get(&path)).await?,
            }
        }
        None => {
            let mut body = json!({
                "name": format!("hookrelay listen {}", args.forward_to),
                "destinationUrl": args.forward_to,
                "destinationKind": "listen",
            });
            if let Some(app) = &args.application {
                body["applicationId"] = json!(app);
            }
            if let Some(events) = &args.events {
                body["eventTypes"] = json!(events);
            }
            client.send(client.post("/v1/webhooks", &body)).await?
        }
    };
    let webhook = answer["data"].clone();
    if webhook["destinationKind"] != "listen" {
        return Err(usage(format!(
            "{} is not a listen webhook (create one with `hookrelay listen` without --webhook)",
            webhook["id"].as_str().unwrap_or_default()
        )));
    }
    Ok(webhook)
}

fn ws_url(base: &str, webhook_id: &str) -> Result<String, Failure> {
    let mut url = url::Url::parse(base).map_err(|e| usage(format!("--url: {e}")))?;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme)
        .map_err(|_| usage("--url: expected an http(s) URL"))?;
    let path = format!(
        "{}/v1/webhooks/{}/listen",
        url.path().trim_end_matches('/'),
        seg(webhook_id)
    );
    url.set_path(&path);
    Ok(url.to_string())
}

/// How one connection ended.
enum End {
    /// The server refused to open it: the API's error.
    Refused(Failure),
    /// The server ended it for good (a `listen::close` code).
    Closed(u16, String),
    /// It broke; worth opening again.
    Lost(String),
}

fn closed(code: u16, reason: String) -> Failure {
    let (status, code) = match code {
        close::KEY_REVOKED => (401, "key_revoked"),
        close::WEBHOOK_GONE => (404, "not_found"),
        close::REPLACED => (409, "replaced"),
        _ => (500, "closed"),
    };
    Failure::Api {
        status,
        body: json!({ "error": { "code": code, "message": format!("the server ended the connection: {reason}") } }),
    }
}

async fn session(
    ctx: &Ctx,
    endpoint: &str,
    local: &reqwest::Client,
    forward_to: &url::Url,
    out: &Printer,
) -> End {
    let mut request = match endpoint.into_client_request() {
        Ok(r) => r,
        Err(e) => return End::Refused(Failure::Other(e.to_string())),
    };
    match format!("Bearer {}", ctx.client.key()).parse() {
        Ok(v) => request.headers_mut().insert("authorization", v),
        Err(_) => return End::Refused(usage("the API key is not a valid header value")),
    };
    let socket = match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => socket,
        Err(tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            return match status {
                // Worth trying again: the server is starting or overloaded.
                502..=504 => End::Lost(format!("HTTP {status}")),
                _ => End::Refused(Failure::Api { status, body }),
            };
        }
        Err(e) => return End::Lost(e.to_string()),
    };
    let (mut sink, mut stream) = socket.split();
    let (results, mut results_rx) = mpsc::unbounded_channel::<ClientMessage>();
    loop {
        tokio::select! {
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ServerMessage>(text.as_str()) {
                    Ok(ServerMessage::Ready { .. }) => out.connected(),
                    Ok(ServerMessage::Delivery { request_id, headers, body, timeout_ms }) => {
                        let (local, forward_to, out, results) =
                            (local.clone(), forward_to.clone(), out.clone(), results.clone());
                        tokio::spawn(async move {
                            let delivery = Delivery::new(headers, &body);
                            let started = Instant::now();
                            let outcome = delivery.post(&local, forward_to, timeout_ms).await;
                            out.delivery(&delivery, &outcome, started.elapsed());
                            let _ = results.send(ClientMessage::Result { request_id, outcome });
                        });
                    }
                    // A newer server's message this CLI does not know.
                    Err(_) => {}
                },
                Some(Ok(Message::Close(frame))) => {
                    return match frame {
                        Some(f) if u16::from(f.code) >= 4000 => End::Closed(u16::from(f.code), f.reason.to_string()),
                        Some(f) if f.code != CloseCode::Normal => End::Lost(format!("closed: {}", f.reason)),
                        _ => End::Lost("closed by the server".into()),
                    };
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return End::Lost(e.to_string()),
                None => return End::Lost("connection closed".into()),
            },
            Some(result) = results_rx.recv() => {
                let text = serde_json::to_string(&result).expect("listen messages serialize");
                if let Err(e) = sink.send(Message::Text(text.into())).await {
                    return End::Lost(e.to_string());
                }
            }
        }
    }
}

/// A delivery as it came through the connection.
struct Delivery {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Delivery {
    fn new(headers: Vec<(String, String)>, body: &str) -> Delivery {
        Delivery {
            headers,
            body: base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap_or_default(),
        }
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    /// The Standard Webhooks payload's `type`, when the body has one.
    fn event_type(&self) -> Option<String> {
        let v: Value = serde_json::from_slice(&self.body).ok()?;
        v["type"].as_str().map(str::to_string)
    }

    /// POSTs it to the local URL, answering before the server stops waiting.
    async fn post(
        &self,
        local: &reqwest::Client,
        forward_to: url::Url,
        timeout_ms: u64,
    ) -> LocalOutcome {
        let mut request = local
            .post(forward_to)
            .timeout(Duration::from_millis(timeout_ms.saturating_mul(9) / 10))
            .body(self.body.clone());
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => LocalOutcome::Answered {
                status: response.status().as_u16(),
                excerpt: crate::delivery::read_excerpt(response).await,
            },
            Err(e) => LocalOutcome::Failed {
                error: if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connection_error"
                } else {
                    "request_error"
                }
                .into(),
                message: e.to_string(),
            },
        }
    }
}

/// One line per delivery: text for people, or JSON with `--print-json`.
#[derive(Clone)]
struct Printer {
    json: bool,
}

impl Printer {
    fn listening(&self, webhook: &Value, forward_to: &str) {
        if self.json {
            let mut line = json!({
                "type": "listening",
                "webhookId": webhook["id"],
                "forwardTo": forward_to,
                "ingestUrl": webhook["ingestUrl"],
            });
            for field in ["ingestSecret", "signingSecret"] {
                if let Some(s) = webhook[field].as_str() {
                    line[field] = json!(s);
                }
            }
            println!("{line}");
            return;
        }
        println!(
            "Forwarding deliveries of {} to {forward_to}",
            webhook["id"].as_str().unwrap_or_default()
        );
        println!(
            "  ingest URL:     {}",
            webhook["ingestUrl"].as_str().unwrap_or_default()
        );
        match (
            webhook["ingestSecret"].as_str(),
            webhook["signingSecret"].as_str(),
        ) {
            (Some(ingest), Some(signing)) => {
                println!("  ingest secret:  {ingest}  (shown once)");
                println!("  signing secret: {signing}  (shown once; verify deliveries with it)");
            }
            _ => println!("  secrets:        as shown when the webhook was created (rotate them with `hookrelay webhooks rotate-signing-secret`)"),
        }
        println!(
            "  reattach later: hookrelay listen --webhook {} --forward-to {forward_to}",
            webhook["id"].as_str().unwrap_or_default()
        );
    }

    fn connected(&self) {
        eprintln!("connected; waiting for deliveries (Ctrl-C to stop)");
    }

    fn delivery(&self, d: &Delivery, outcome: &LocalOutcome, took: Duration) {
        let time = crate::time::rfc3339(crate::store::now_ms());
        let (status, error) = match outcome {
            LocalOutcome::Answered { status, .. } => (Some(*status), None),
            LocalOutcome::Failed { error, .. } => (None, Some(error.as_str())),
        };
        let ms = took.as_millis() as u64;
        if self.json {
            println!(
                "{}",
                json!({
                    "type": "delivery",
                    "time": time,
                    "deliveryId": d.header("webhook-id"),
                    "eventType": d.event_type(),
                    "contentType": d.header("content-type"),
                    "status": status,
                    "error": error,
                    "durationMs": ms,
                })
            );
        } else {
            let what = d
                .event_type()
                .unwrap_or_else(|| d.header("content-type").to_string());
            let result = status.map_or_else(|| error.unwrap_or("").to_string(), |s| s.to_string());
            println!(
                "{time}  {}  {what}  -> {result}  ({ms} ms)",
                d.header("webhook-id")
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_url_follows_the_server_url() {
        assert_eq!(
            ws_url("http://127.0.0.1:8080", "wh_1").unwrap(),
            "ws://127.0.0.1:8080/v1/webhooks/wh_1/listen"
        );
        assert_eq!(
            ws_url("https://hooks.example.com/base/", "wh_1").unwrap(),
            "wss://hooks.example.com/base/v1/webhooks/wh_1/listen"
        );
    }

    #[test]
    fn a_delivery_shows_its_event_type_when_the_payload_has_one() {
        let body = base64::engine::general_purpose::STANDARD.encode(br#"{"type":"order.paid"}"#);
        let d = Delivery::new(vec![("Webhook-Id".into(), "msg_1".into())], &body);
        assert_eq!(d.event_type().as_deref(), Some("order.paid"));
        assert_eq!(d.header("webhook-id"), "msg_1");
        assert_eq!(Delivery::new(vec![], "e30=").event_type(), None);
    }
}
