//! Time as the API and the stored documents write it, free of I/O.

/// Unix milliseconds as RFC 3339 (UTC, millisecond precision).
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A `from`/`to` window (RFC 3339 times) as unix ms; `invalid` makes the
/// error for a bad field (a query parameter or a body field).
pub fn window<E>(
    from: Option<&str>,
    to: Option<&str>,
    invalid: fn(&'static str, String) -> E,
) -> Result<(Option<i64>, Option<i64>), E> {
    let parse = |field: &'static str, v: Option<&str>| match v.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => chrono::DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.timestamp_millis()))
            .map_err(|_| {
                invalid(
                    field,
                    "must be an RFC 3339 time such as 2026-01-31T12:00:00Z".into(),
                )
            }),
    };
    let (from, to) = (parse("from", from)?, parse("to", to)?);
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(invalid("to", "must be after from".into()));
        }
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_window_is_parsed_and_ordered() {
        let invalid = |field: &'static str, problem: String| format!("{field}: {problem}");
        assert_eq!(
            super::window(Some("2026-01-31T12:00:00Z"), None, invalid),
            Ok((Some(1_769_860_800_000), None))
        );
        assert_eq!(super::window(Some(""), None, invalid), Ok((None, None)));
        assert_eq!(
            super::window(Some("yesterday"), None, invalid),
            Err("from: must be an RFC 3339 time such as 2026-01-31T12:00:00Z".to_string())
        );
        assert_eq!(
            super::window(
                Some("2026-02-01T00:00:00Z"),
                Some("2026-01-01T00:00:00Z"),
                invalid
            ),
            Err("to: must be after from".to_string())
        );
    }

    #[test]
    fn milliseconds_in_utc() {
        assert_eq!(
            super::rfc3339(1_764_245_000_123),
            "2025-11-27T12:03:20.123Z"
        );
    }
}
