//! Schedule timing: cron expressions (5 fields, or 6 with seconds first) in
//! an IANA time zone, via `croner` and `chrono-tz`. Free of I/O.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;

pub const MAX_NAME_LEN: usize = 200;

pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    expr.trim()
        .parse::<Cron>()
        .map_err(|e| format!("is not a valid cron expression ({e})"))
}

pub fn parse_time_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| "is not an IANA time zone such as Europe/Paris or UTC".to_string())
}

/// The first due time of `cron` in `tz` strictly after `after_ms`, in unix
/// ms; None if it never fires again.
pub fn next_after(cron: &str, tz: &str, after_ms: i64) -> Result<Option<i64>, String> {
    let cron = parse_cron(cron)?;
    let tz = parse_time_zone(tz)?;
    let after = DateTime::<Utc>::from_timestamp_millis(after_ms).ok_or("time out of range")?;
    Ok(cron
        .find_next_occurrence(&tz.from_utc_datetime(&after.naive_utc()), false)
        .ok()
        .map(|t| t.timestamp_millis()))
}

/// The next due time after a firing that was due at `due_ms` and runs at
/// `now_ms`: counted from now, so that firings missed while no node ran
/// are not caught up one by one (the overdue one fires once, on recovery).
pub fn next_after_firing(
    cron: &str,
    tz: &str,
    due_ms: i64,
    now_ms: i64,
) -> Result<Option<i64>, String> {
    next_after(cron, tz, due_ms.max(now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn cron_follows_the_time_zone() {
        // 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer.
        let winter = next_after("0 9 * * *", "Europe/Paris", ms("2026-01-10T12:00:00Z")).unwrap();
        assert_eq!(winter, Some(ms("2026-01-11T08:00:00Z")));
        let summer = next_after("0 9 * * *", "Europe/Paris", ms("2026-07-10T12:00:00Z")).unwrap();
        assert_eq!(summer, Some(ms("2026-07-11T07:00:00Z")));
        assert_eq!(
            next_after("*/15 * * * *", "UTC", ms("2026-01-10T12:00:00Z")).unwrap(),
            Some(ms("2026-01-10T12:15:00Z"))
        );
    }

    #[test]
    fn seconds_are_optional_and_bad_input_is_explained() {
        assert_eq!(
            next_after("* * * * * *", "UTC", ms("2026-01-10T12:00:00Z")).unwrap(),
            Some(ms("2026-01-10T12:00:01Z"))
        );
        assert!(parse_cron("every day").unwrap_err().contains("cron"));
        assert!(parse_cron("61 * * * *").is_err());
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert!(parse_time_zone("America/New_York").is_ok());
    }

    #[test]
    fn missed_firings_collapse_into_one() {
        // Due at 12:00, the node came back at 15:20: the next is 15:30, not 12:10.
        let next = next_after_firing(
            "*/10 * * * *",
            "UTC",
            ms("2026-01-10T12:00:00Z"),
            ms("2026-01-10T15:20:05Z"),
        );
        assert_eq!(next.unwrap(), Some(ms("2026-01-10T15:30:00Z")));
    }
}
