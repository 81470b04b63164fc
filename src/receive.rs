//! `hookrelay receive`: a webhook receiver for trying Hookrelay out and for
//! debugging a destination. Each POST is checked as a receiver should check
//! it (the signature over the raw body, the timestamp within five minutes)
//! and printed on stdout; a valid one is answered 204, any other 400, so
//! Hookrelay records the failure and retries.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use tokio::sync::Notify;

use crate::config::ReceiveArgs;
use crate::secrets::signing_key_bytes;
use crate::server::BoxError;
use crate::signing;

struct Receiver {
    key: Vec<u8>,
    verified: AtomicU64,
    /// Stop after this many verified deliveries.
    count: Option<u64>,
    done: Notify,
}

pub async fn run(args: ReceiveArgs) -> Result<ExitCode, BoxError> {
    let key =
        signing_key_bytes(&args.secret).map_err(|_| "the signing secret is not whsec_<base64>")?;
    let receiver = Arc::new(Receiver {
        key,
        verified: AtomicU64::new(0),
        count: args.count,
        done: Notify::new(),
    });
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("receiving on http://{}", listener.local_addr()?);
    let app = axum::Router::new()
        .fallback(axum::routing::post(handle))
        .with_state(receiver.clone());
    let done = receiver.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = done.done.notified() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

async fn handle(
    axum::extract::State(r): axum::extract::State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let (id, signature) = (header("webhook-id"), header("webhook-signature"));
    let Ok(timestamp) = header("webhook-timestamp").parse::<i64>() else {
        println!("rejected {id}: no webhook-timestamp");
        return StatusCode::BAD_REQUEST;
    };
    let now = chrono::Utc::now().timestamp();
    if let Err(e) = signing::verify(
        &r.key,
        id,
        timestamp,
        &body,
        signature,
        now,
        Some(signing::DEFAULT_TOLERANCE_SECS),
    ) {
        println!("rejected {id}: {e:?}");
        return StatusCode::BAD_REQUEST;
    }
    println!("verified delivery {id}: {}", String::from_utf8_lossy(&body));
    let verified = r.verified.fetch_add(1, Ordering::SeqCst) + 1;
    if r.count.is_some_and(|n| verified >= n) {
        // notify_one keeps the wake-up if the server is not waiting yet.
        r.done.notify_one();
    }
    StatusCode::NO_CONTENT
}
