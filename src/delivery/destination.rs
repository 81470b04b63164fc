//! The one way out: every signed POST the server makes (deliveries and
//! operator notifications) goes through [`Destination::post`], behind the
//! SSRF guard, and comes back as an [`AttemptRecord`] with the error
//! classified the same way for both. A `listen` webhook's posts take the
//! same path up to the wire, where they go through its `hookrelay listen`
//! connection instead ([`Route::Listen`]).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::HeaderMap;

use crate::listen::{ForwardError, Listeners, LocalOutcome};
use crate::store::{self, AttemptRecord};
use crate::{ids, listen, signing, ssrf};

/// How much of a destination's response body an attempt keeps.
const RESPONSE_EXCERPT_BYTES: usize = 4096;

/// Why an attempt got no HTTP response; stored as its `as_str`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptErrorKind {
    Timeout,
    DestinationForbidden,
    TlsError,
    ConnectionError,
    RequestError,
}

impl AttemptErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptErrorKind::Timeout => "timeout",
            AttemptErrorKind::DestinationForbidden => "destination_forbidden",
            AttemptErrorKind::TlsError => "tls_error",
            AttemptErrorKind::ConnectionError => "connection_error",
            AttemptErrorKind::RequestError => "request_error",
        }
    }
}

/// One signed request (a POST unless a transformation chose otherwise):
/// Standard Webhooks headers over `body`, signed with every key in `keys`
/// (several while a rotated secret overlaps).
pub struct SignedPost<'a> {
    pub route: Route<'a>,
    pub method: reqwest::Method,
    /// `webhook-id`: the delivery (or notification) id.
    pub id: &'a str,
    pub content_type: &'a str,
    pub body: Bytes,
    /// Extra request headers (the webhook's, then the event's own).
    pub headers: HeaderMap,
    pub keys: Vec<&'a [u8]>,
    pub timeout: Duration,
}

/// Where a post goes.
pub enum Route<'a> {
    /// POSTed over HTTP(S) to this URL, behind the SSRF guard. Parsed by
    /// the caller, once per endpoint where it can: parsing it for every
    /// attempt, twice with the guard, was 2-3 % of a delivery's CPU.
    Http(&'a reqwest::Url),
    /// Through this node's `hookrelay listen` connection for the webhook,
    /// which POSTs it to its local URL; never over HTTP from the server.
    Listen {
        listeners: &'a Listeners,
        webhook_id: &'a str,
    },
}

/// What came of one POST.
pub struct Sent {
    pub record: AttemptRecord,
    /// The pause a `429` or `503` asked for with `Retry-After`, in ms.
    pub retry_after_ms: Option<i64>,
}

/// How requests leave the server: which addresses they may reach and
/// through which proxy.
#[derive(Clone, Debug, Default)]
pub struct Egress {
    /// Deliveries may reach loopback, private and link-local addresses.
    pub allow_private: bool,
    /// An operator's egress proxy (`--egress-proxy`). It is trusted to do
    /// its own filtering: host names go to it unresolved, so only literal
    /// internal addresses can still be refused here.
    pub proxy: Option<String>,
}

/// The shared client and the rule on private addresses.
#[derive(Clone)]
pub struct Destination {
    client: reqwest::Client,
    allow_private: bool,
}

impl Destination {
    pub fn new(egress: &Egress) -> Result<Destination, reqwest::Error> {
        Ok(Destination {
            client: build_client(egress)?,
            allow_private: egress.allow_private,
        })
    }

    /// Sends `post` as attempt number `attempt_no`, stamped with the time it
    /// started. Never fails: what went wrong is the record's error.
    pub async fn post(&self, post: SignedPost<'_>, attempt_no: i64) -> Sent {
        let started_at = store::now_ms();
        let clock = Instant::now();
        let result = self.send(post, started_at / 1000).await;
        let mut record = AttemptRecord {
            id: ids::new_id(ids::ATTEMPT),
            attempt_no,
            started_at,
            duration_ms: clock.elapsed().as_millis() as i64,
            status_code: None,
            error_kind: None,
            error_message: None,
            response_excerpt: None,
        };
        let mut retry_after_ms = None;
        match result {
            Ok((status, excerpt, retry_after)) => {
                record.status_code = Some(i64::from(status));
                record.response_excerpt = Some(super::storable(excerpt));
                retry_after_ms = retry_after;
            }
            Err((kind, message)) => {
                record.error_kind = Some(kind.as_str().to_string());
                record.error_message = Some(super::storable(message));
            }
        }
        Sent {
            record,
            retry_after_ms,
        }
    }

    async fn send(
        &self,
        post: SignedPost<'_>,
        timestamp: i64,
    ) -> Result<(u16, String, Option<i64>), (AttemptErrorKind, String)> {
        if let Route::Http(url) = post.route {
            if !self.allow_private {
                check_url(url)
                    .map_err(|e| (AttemptErrorKind::DestinationForbidden, e.to_string()))?;
            }
        }
        let signature =
            signing::signature_header(post.keys.iter().copied(), post.id, timestamp, &post.body);
        let mut headers = post.headers;
        for (name, value) in [
            ("content-type", post.content_type.to_string()),
            ("webhook-id", post.id.to_string()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ] {
            let value = reqwest::header::HeaderValue::from_str(&value).map_err(|e| {
                (
                    AttemptErrorKind::RequestError,
                    format!("header {name}: {e}"),
                )
            })?;
            headers.append(name, value);
        }
        let url = match post.route {
            Route::Http(url) => url,
            Route::Listen {
                listeners,
                webhook_id,
            } => return forward(listeners, webhook_id, headers, post.body, post.timeout).await,
        };
        let response = self
            .client
            .request(post.method, url.clone())
            .timeout(post.timeout)
            .headers(headers)
            .body(post.body)
            .send()
            .await
            .map_err(classify)?;
        let status = response.status().as_u16();
        let retry_after = match status {
            429 | 503 => response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after_ms(v, store::now_ms())),
            _ => None,
        };
        Ok((status, read_excerpt(response).await, retry_after))
    }
}

/// A listen webhook's request, through its connection: the CLI's local
/// answer is the attempt's outcome (a `Retry-After` stays local).
async fn forward(
    listeners: &Listeners,
    webhook_id: &str,
    headers: HeaderMap,
    body: Bytes,
    timeout: Duration,
) -> Result<(u16, String, Option<i64>), (AttemptErrorKind, String)> {
    let headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let forward = listen::Forward {
        headers,
        body,
        timeout,
    };
    match listeners.forward(webhook_id, forward).await {
        Ok(LocalOutcome::Answered {
            status,
            mut excerpt,
        }) => {
            // The CLI's word on how much it kept is not trusted.
            if excerpt.len() > RESPONSE_EXCERPT_BYTES {
                let mut cut = RESPONSE_EXCERPT_BYTES;
                while !excerpt.is_char_boundary(cut) {
                    cut -= 1;
                }
                excerpt.truncate(cut);
            }
            Ok((status, excerpt, None))
        }
        Ok(LocalOutcome::Failed { error, message }) => {
            let kind = match error.as_str() {
                "timeout" => AttemptErrorKind::Timeout,
                "connection_error" => AttemptErrorKind::ConnectionError,
                _ => AttemptErrorKind::RequestError,
            };
            Err((kind, format!("hookrelay listen: {message}")))
        }
        Err(ForwardError::TimedOut) => Err((
            AttemptErrorKind::Timeout,
            "hookrelay listen: no answer in time".into(),
        )),
        Err(ForwardError::NotConnected | ForwardError::Disconnected) => Err((
            AttemptErrorKind::ConnectionError,
            "hookrelay listen: not connected to this node".into(),
        )),
    }
}

/// A `Retry-After` value (delay seconds, or an HTTP date) as milliseconds
/// from `now_ms`; None if it cannot be read.
pub fn retry_after_ms(value: &str, now_ms: i64) -> Option<i64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs.min(i64::MAX as u64 / 1000) as i64 * 1000);
    }
    let at = chrono::DateTime::parse_from_rfc2822(value)
        .ok()?
        .timestamp_millis();
    Some((at - now_ms).max(0))
}

/// Reads at most RESPONSE_EXCERPT_BYTES of a response; a body that breaks
/// off or times out still leaves what arrived. (`hookrelay listen` keeps
/// the same of a local answer.)
pub async fn read_excerpt(mut response: reqwest::Response) -> String {
    let mut buf = Vec::new();
    while buf.len() < RESPONSE_EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk),
            _ => break,
        }
    }
    buf.truncate(RESPONSE_EXCERPT_BYTES);
    String::from_utf8_lossy(&buf).into_owned()
}

#[derive(Debug)]
pub enum DestinationError {
    InvalidUrl,
    Forbidden(IpAddr),
    NoAllowedAddress,
}

impl std::fmt::Display for DestinationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DestinationError::InvalidUrl => write!(f, "destination URL is not a valid http(s) URL"),
            DestinationError::Forbidden(ip) => write!(
                f,
                "destination address {ip} is private, loopback, link-local or reserved; \
                 start the server with --allow-private-destinations to allow it"
            ),
            DestinationError::NoAllowedAddress => {
                write!(
                    f,
                    "destination host resolves only to private, loopback or reserved addresses"
                )
            }
        }
    }
}

impl std::error::Error for DestinationError {}

/// Refuses a URL whose host is a literal forbidden IP. Host names are checked
/// at connect time by [`GuardedResolver`], after resolution, so a name that
/// re-resolves to an internal address (DNS rebinding) is caught too.
pub fn check_destination(url: &str) -> Result<(), DestinationError> {
    check_url(&url::Url::parse(url).map_err(|_| DestinationError::InvalidUrl)?)
}

fn check_url(url: &url::Url) -> Result<(), DestinationError> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(d)) if is_localhost(d) => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(DestinationError::InvalidUrl),
    };
    if ssrf::is_forbidden(ip) {
        Err(DestinationError::Forbidden(ip))
    } else {
        Ok(())
    }
}

/// `localhost` and its subdomains (RFC 6761), with or without the final
/// dot of a fully qualified name.
fn is_localhost(domain: &str) -> bool {
    let d = domain
        .strip_suffix('.')
        .unwrap_or(domain)
        .to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

/// Resolves with the system resolver and drops every forbidden address.
struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| !ssrf::is_forbidden(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(Box::new(DestinationError::NoAllowedAddress)
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// One client for all deliveries: its connection pool keeps connections to
/// each destination alive between deliveries.
fn build_client(egress: &Egress) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        // HTTP_PROXY, HTTPS_PROXY and ALL_PROXY are not for deliveries: through
        // a proxy the guarded resolver would only ever see the proxy's name,
        // and destinations naming internal hosts would be reached through it.
        .no_proxy()
        // Following redirects would let a destination bounce deliveries (and
        // their signatures) to a URL nobody configured, internal ones included.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Hookrelay/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(512)
        .tcp_nodelay(true);
    match &egress.proxy {
        // The proxy resolves destinations itself; the resolver here only
        // finds the proxy, which may well have an internal address.
        Some(proxy) => builder = builder.proxy(reqwest::Proxy::all(proxy.as_str())?),
        None if !egress.allow_private => {
            builder = builder.dns_resolver(std::sync::Arc::new(GuardedResolver))
        }
        None => {}
    }
    builder.build()
}

/// The error kind recorded on an attempt that got no HTTP response.
fn classify(e: reqwest::Error) -> (AttemptErrorKind, String) {
    let chain = error_chain(&e);
    let kind = if e.is_timeout() {
        AttemptErrorKind::Timeout
    } else if chain.contains("resolves only to private") {
        AttemptErrorKind::DestinationForbidden
    } else if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake")
    {
        AttemptErrorKind::TlsError
    } else if e.is_connect() {
        AttemptErrorKind::ConnectionError
    } else {
        AttemptErrorKind::RequestError
    };
    (kind, chain)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(retry_after_ms("3", now), Some(3000));
        assert_eq!(retry_after_ms(" 120 ", now), Some(120_000));
        assert_eq!(
            retry_after_ms("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(30_000)
        );
        assert_eq!(
            retry_after_ms("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(0),
            "a date past is now"
        );
        assert_eq!(retry_after_ms("soon", now), None);
        assert_eq!(retry_after_ms("-1", now), None);
    }

    #[test]
    fn literal_internal_destinations_are_refused() {
        assert!(check_destination("http://127.0.0.1:9000/x").is_err());
        assert!(check_destination("http://[::1]/x").is_err());
        assert!(check_destination("http://169.254.169.254/latest/meta-data").is_err());
        assert!(check_destination("http://localhost:8080/").is_err());
        assert!(check_destination("http://localhost.:6379/").is_err());
        assert!(check_destination("http://LocalHost./").is_err());
        assert!(check_destination("http://a.localhost./").is_err());
        assert!(check_destination("http://[::ffff:7f00:1]/").is_err());
        assert!(check_destination("https://8.8.8.8/hook").is_ok());
        assert!(check_destination("https://example.com/hook").is_ok());
    }

    #[tokio::test]
    async fn names_resolving_to_internal_addresses_are_refused() {
        use std::str::FromStr;
        // localhost resolves (from /etc/hosts) to loopback only.
        let resolved = GuardedResolver
            .resolve(Name::from_str("localhost").unwrap())
            .await;
        let err = resolved.err().expect("loopback must be filtered out");
        assert!(err.to_string().contains("resolves only to private"));
    }
}
