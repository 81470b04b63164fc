//! The outbound HTTP client, and the SSRF guard in front of it.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::ssrf;

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
                write!(f, "destination host resolves only to private, loopback or reserved addresses")
            }
        }
    }
}

impl std::error::Error for DestinationError {}

/// Refuses a URL whose host is a literal forbidden IP. Host names are checked
/// at connect time by [`GuardedResolver`], after resolution, so a name that
/// re-resolves to an internal address (DNS rebinding) is caught too.
pub fn check_destination(url: &str) -> Result<(), DestinationError> {
    let url = url::Url::parse(url).map_err(|_| DestinationError::InvalidUrl)?;
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") => {
            IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
        }
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(DestinationError::InvalidUrl),
    };
    if ssrf::is_forbidden(ip) {
        Err(DestinationError::Forbidden(ip))
    } else {
        Ok(())
    }
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
                return Err(Box::new(DestinationError::NoAllowedAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// One client for all deliveries: its connection pool keeps connections to
/// each destination alive between deliveries.
pub fn build_client(allow_private: bool) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        // Following redirects would let a destination bounce deliveries (and
        // their signatures) to a URL nobody configured, internal ones included.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Hookrelay/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(512)
        .tcp_nodelay(true);
    if !allow_private {
        builder = builder.dns_resolver(std::sync::Arc::new(GuardedResolver));
    }
    builder.build()
}

/// The error kind recorded on an attempt that got no HTTP response.
pub fn classify(e: reqwest::Error) -> (&'static str, String) {
    let chain = error_chain(&e);
    let kind = if e.is_timeout() {
        "timeout"
    } else if chain.contains("resolves only to private") {
        "destination_forbidden"
    } else if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake") {
        "tls_error"
    } else if e.is_connect() {
        "connection_error"
    } else {
        "request_error"
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
    fn literal_internal_destinations_are_refused() {
        assert!(check_destination("http://127.0.0.1:9000/x").is_err());
        assert!(check_destination("http://[::1]/x").is_err());
        assert!(check_destination("http://169.254.169.254/latest/meta-data").is_err());
        assert!(check_destination("http://localhost:8080/").is_err());
        assert!(check_destination("https://8.8.8.8/hook").is_ok());
        assert!(check_destination("https://example.com/hook").is_ok());
    }

    #[tokio::test]
    async fn names_resolving_to_internal_addresses_are_refused() {
        use std::str::FromStr;
        // localhost resolves (from /etc/hosts) to loopback only.
        let resolved = GuardedResolver.resolve(Name::from_str("localhost").unwrap()).await;
        let err = resolved.err().expect("loopback must be filtered out");
        assert!(err.to_string().contains("resolves only to private"));
    }
}
