//! Accepting HTTP connections within limits: at most `max_connections` open
//! at once, and a deadline for each request head. axum's `serve` has
//! neither (a silent connection stays open forever, and enough of them use
//! up the process's descriptors until even `/healthz` goes unanswered), so
//! the accept loop is written here on hyper's own connection builder. The
//! third limit, on pauses while a body is read, is a layer of the router
//! (`body_timeout_layer`).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// How long a client has to send a complete request head: from when a
    /// connection opens, and on a kept-alive connection from the end of the
    /// previous answer (so it also closes idle keep-alive connections).
    pub header_timeout: Duration,
}

/// The longest a request body may pause between two pieces; a stalled
/// upload is answered `408` and its connection closed.
pub fn body_timeout_layer(timeout: Duration) -> tower_http::timeout::RequestBodyTimeoutLayer {
    tower_http::timeout::RequestBodyTimeoutLayer::new(timeout)
}

/// Logs at most once per `every`, with how many times it was held back.
struct RateLimitedLog {
    every: Duration,
    last: Option<Instant>,
    held_back: u64,
}

impl RateLimitedLog {
    fn new(every: Duration) -> Self {
        RateLimitedLog {
            every,
            last: None,
            held_back: 0,
        }
    }

    fn log(&mut self, emit: impl FnOnce(u64)) {
        if self.last.is_some_and(|t| t.elapsed() < self.every) {
            self.held_back += 1;
            return;
        }
        emit(self.held_back);
        self.last = Some(Instant::now());
        self.held_back = 0;
    }
}

/// Too many open files, in the process or the system.
fn out_of_descriptors(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// Raises the soft limit on open descriptors to the hard limit, so that
/// the connection cap, not an inherited low default, is what binds.
pub fn raise_descriptor_limit() -> Option<u64> {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                ..limit
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
        Some(limit.rlim_cur as u64)
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets every
/// open connection finish its request in flight and waits for them.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopped) = watch::channel(false);
    let mut at_cap = RateLimitedLog::new(Duration::from_secs(10));
    let mut accept_failed = RateLimitedLog::new(Duration::from_secs(10));
    tokio::pin!(shutdown);
    loop {
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                at_cap.log(|held_back| {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        times_since_last_warning = held_back,
                        "connection limit reached (--max-connections): new connections wait until one closes"
                    )
                });
                tokio::select! {
                    p = slots.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    _ = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_failed.log(|held_back| {
                        if out_of_descriptors(&e) {
                            tracing::warn!(error = %e, times_since_last_warning = held_back,
                                "cannot accept connections: out of file descriptors; raise the limit (ulimit -n) or lower --max-connections");
                        } else {
                            tracing::warn!(error = %e, times_since_last_warning = held_back, "accepting a connection failed");
                        }
                    });
                    // The error persists until a descriptor frees up:
                    // pause instead of spinning on it.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // The peer address feeds the audit log's source IP and the
        // dashboard's per-IP login limit (as `ConnectInfo`).
        let service = app
            .clone()
            .map_request(move |mut req: axum::extract::Request| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
        let mut stopped = stopped.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let _slot = permit;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(
                    TokioIo::new(stream),
                    TowerToHyperService::new(service.map_request(
                        |req: hyper::Request<hyper::body::Incoming>| req.map(axum::body::Body::new),
                    )),
                )
                // `hookrelay listen` upgrades its connection to a WebSocket.
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection gives its slot back as it ends.
    let _ = slots.acquire_many(limits.max_connections as u32).await;
}

/// Whether a request's body has been read to its end, for
/// [`close_if_unread`]; `None` for a request without a body.
pub struct BodyWatch(Option<Arc<std::sync::atomic::AtomicBool>>);

/// Wraps `request`'s body so that [`close_if_unread`] can tell, after the
/// handler, whether it was read to its end.
pub fn watch_body(request: axum::extract::Request) -> (axum::extract::Request, BodyWatch) {
    use hyper::body::Body as _;
    let (parts, body) = request.into_parts();
    if body.is_end_stream() {
        return (
            axum::extract::Request::from_parts(parts, body),
            BodyWatch(None),
        );
    }
    let ended = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let body = axum::body::Body::new(WatchedBody {
        inner: body,
        ended: ended.clone(),
    });
    (
        axum::extract::Request::from_parts(parts, body),
        BodyWatch(Some(ended)),
    )
}

/// Answers a request whose body the handler did not read to its end with
/// `Connection: close`. hyper closes such a connection after the answer
/// (the rest of the body stands between it and the next request), but
/// says nothing: a client that reuses the connection races the close, and
/// its next request fails with "server disconnected". Refusals are made
/// before the body on purpose (a wrong ingest secret or API key costs no
/// memory for its body), so this is common, not a corner.
pub fn close_if_unread(watch: BodyWatch, response: &mut axum::response::Response) {
    let Some(ended) = watch.0 else {
        return;
    };
    // An upgrade (101) hands the connection to another protocol, and says
    // so in its own `Connection` header.
    if !ended.load(std::sync::atomic::Ordering::Acquire)
        && response.status() != axum::http::StatusCode::SWITCHING_PROTOCOLS
        && !response
            .headers()
            .contains_key(axum::http::header::CONNECTION)
    {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
}

/// A request body that records when it has been read to its end (a few
/// lines on hyper's body trait; no crate offers it).
struct WatchedBody {
    inner: axum::body::Body,
    ended: Arc<std::sync::atomic::AtomicBool>,
}

impl hyper::body::Body for WatchedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, axum::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, std::task::Poll::Ready(None)) || self.inner.is_end_stream() {
            self.ended.store(true, std::sync::atomic::Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limited_log_counts_what_it_held_back() {
        let mut log = RateLimitedLog::new(Duration::from_secs(3600));
        let mut emitted = Vec::new();
        for _ in 0..5 {
            log.log(|held| emitted.push(held));
        }
        assert_eq!(emitted, vec![0]);
        log.last = Some(Instant::now() - Duration::from_secs(7200));
        log.log(|held| emitted.push(held));
        assert_eq!(emitted, vec![0, 4]);
    }
}
