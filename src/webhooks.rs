//! Webhook configuration rules, free of I/O: what a destination, a header
//! set, a timeout and a retry schedule may be.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

pub const DEFAULT_TIMEOUT_SECS: i64 = 15;
pub const MAX_TIMEOUT_SECS: i64 = 30;
pub const MAX_HEADERS: usize = 20;
pub const MAX_URL_LEN: usize = 2048;
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 2000;
/// A webhook is disabled once this many deliveries in a row ended dead with
/// no success between them (a destination gone for good, not a blip: with
/// the default schedule each of them failed for about a day).
pub const AUTO_DISABLE_AFTER_DEAD: i64 = 20;

/// Headers a webhook may not set: the signature headers and the ones the
/// HTTP client owns.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

pub fn validate_destination_url(raw: &str) -> Result<(), String> {
    if raw.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| format!("is not a valid URL ({e})"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err("must be an http or https URL".into());
    }
    if url.host().is_none() {
        return Err("must have a host".into());
    }
    Ok(())
}

pub fn validate_headers(headers: &BTreeMap<String, String>) -> Result<(), String> {
    if headers.len() > MAX_HEADERS {
        return Err(format!("at most {MAX_HEADERS} headers"));
    }
    for (name, value) in headers {
        let parsed = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{name:?} is not a valid header name"))?;
        if RESERVED_HEADERS.contains(&parsed.as_str()) {
            return Err(format!(
                "{name:?} is set by Hookrelay and cannot be overridden"
            ));
        }
        HeaderValue::from_str(value)
            .map_err(|_| format!("the value of {name:?} is not a valid header value"))?;
    }
    Ok(())
}

pub fn validate_timeout(secs: i64) -> Result<(), String> {
    if (1..=MAX_TIMEOUT_SECS).contains(&secs) {
        Ok(())
    } else {
        Err(format!("must be between 1 and {MAX_TIMEOUT_SECS} seconds"))
    }
}

pub const MAX_IN_FLIGHT: i64 = 1000;
pub const MAX_RATE_LIMIT: i64 = 10_000;

pub fn validate_max_in_flight(n: i64) -> Result<(), String> {
    if (1..=MAX_IN_FLIGHT).contains(&n) {
        Ok(())
    } else {
        Err(format!("must be between 1 and {MAX_IN_FLIGHT}"))
    }
}

pub fn validate_rate_limit(per_second: i64) -> Result<(), String> {
    if (1..=MAX_RATE_LIMIT).contains(&per_second) {
        Ok(())
    } else {
        Err(format!(
            "must be between 1 and {MAX_RATE_LIMIT} deliveries per second"
        ))
    }
}

pub fn validate_text(value: &str, max: usize, required: bool) -> Result<(), String> {
    if required && value.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(())
}

/// Stored header JSON to a header map; entries were validated on write.
pub fn header_map(stored: &str) -> HeaderMap {
    let parsed: BTreeMap<String, String> = serde_json::from_str(stored).unwrap_or_default();
    header_map_of(&parsed)
}

/// Validated headers to a header map.
pub fn header_map_of(headers: &BTreeMap<String, String>) -> HeaderMap {
    headers
        .iter()
        .filter_map(|(k, v)| {
            Some((
                HeaderName::from_bytes(k.as_bytes()).ok()?,
                HeaderValue::from_str(v).ok()?,
            ))
        })
        .collect()
}

/// The retry schedule in force: the webhook's override, or the default.
pub fn schedule(stored: Option<&str>) -> Vec<u32> {
    stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_else(|| crate::retry::DEFAULT_SCHEDULE.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_must_be_http() {
        assert!(validate_destination_url("https://example.com/hook").is_ok());
        assert!(validate_destination_url("http://127.0.0.1:9/x").is_ok());
        assert!(validate_destination_url("ftp://example.com/").is_err());
        assert!(validate_destination_url("javascript:alert(1)").is_err());
        assert!(validate_destination_url("not a url").is_err());
    }

    #[test]
    fn reserved_and_malformed_headers_are_refused() {
        let h = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert!(validate_headers(&h("x-team", "payments")).is_ok());
        assert!(validate_headers(&h("Webhook-Signature", "v1,forged")).is_err());
        assert!(validate_headers(&h("bad name", "x")).is_err());
        assert!(validate_headers(&h("x-ok", "line\nbreak")).is_err());
        assert_eq!(header_map(r#"{"x-team":"payments"}"#).len(), 1);
    }

    #[test]
    fn schedule_falls_back_to_default() {
        assert_eq!(schedule(Some("[1,2]")), vec![1, 2]);
        assert_eq!(schedule(None), crate::retry::DEFAULT_SCHEDULE.to_vec());
        assert!(
            validate_timeout(0).is_err()
                && validate_timeout(31).is_err()
                && validate_timeout(15).is_ok()
        );
    }
}
