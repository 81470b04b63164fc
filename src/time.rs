//! Time as the API and the stored documents write it, free of I/O.

/// Unix milliseconds as RFC 3339 (UTC, millisecond precision).
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn milliseconds_in_utc() {
        assert_eq!(
            super::rfc3339(1_764_245_000_123),
            "2025-11-27T12:03:20.123Z"
        );
    }
}
