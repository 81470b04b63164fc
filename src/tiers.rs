//! Project tiers: the one table of limits and features, and the arithmetic
//! of monthly quotas. Free of I/O.

use chrono::{DateTime, Datelike, TimeZone, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    AuditLog,
    Notifications,
}

impl Feature {
    pub fn name(self) -> &'static str {
        match self {
            Feature::AuditLog => "the audit log",
            Feature::Notifications => "operator notifications",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tier {
    pub name: &'static str,
    /// Webhooks a project may have; None is unlimited.
    pub max_webhooks: Option<i64>,
    /// Events ingested per calendar month (UTC); None is unlimited.
    pub events_per_month: Option<i64>,
    /// Payloads and attempts older than this are purged; None keeps them
    /// (up to the server's `--max-retention-minutes`).
    pub retention_days: Option<i64>,
    /// Largest event body; the server's `--max-payload-bytes` caps it too;
    /// None leaves only that cap.
    pub max_payload_bytes: Option<usize>,
    pub audit_log: bool,
    pub notifications: bool,
}

/// New projects' tier unless the server says otherwise (`--default-tier`):
/// a self-hosted team should not meet a plan's quota as an outage.
pub const DEFAULT_TIER: &str = "unlimited";

/// Every tier, the single source of its limits (the README repeats it).
/// The first three are plans an installation can sell; `unlimited` is the
/// installation's own use, bounded only by the server's settings.
pub const TIERS: [Tier; 4] = [
    Tier {
        name: "free",
        max_webhooks: Some(10),
        events_per_month: Some(10_000),
        retention_days: Some(3),
        max_payload_bytes: Some(256 * 1024),
        audit_log: false,
        notifications: false,
    },
    Tier {
        name: "pro",
        max_webhooks: Some(100),
        events_per_month: Some(1_000_000),
        retention_days: Some(30),
        max_payload_bytes: Some(1024 * 1024),
        audit_log: true,
        notifications: true,
    },
    Tier {
        name: "enterprise",
        max_webhooks: None,
        events_per_month: None,
        retention_days: Some(90),
        max_payload_bytes: Some(5 * 1024 * 1024),
        audit_log: true,
        notifications: true,
    },
    Tier {
        name: "unlimited",
        max_webhooks: None,
        events_per_month: None,
        retention_days: None,
        max_payload_bytes: None,
        audit_log: true,
        notifications: true,
    },
];

pub fn find(name: &str) -> Option<&'static Tier> {
    TIERS.iter().find(|t| t.name == name)
}

/// The tier stored for a project; an unknown name (from a newer version,
/// or edited by hand) gets the most restrictive one.
pub fn of_project(name: &str) -> &'static Tier {
    find(name).unwrap_or(&TIERS[0])
}

pub fn names() -> String {
    TIERS.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
}

impl Tier {
    pub fn has(&self, feature: Feature) -> bool {
        match feature {
            Feature::AuditLog => self.audit_log,
            Feature::Notifications => self.notifications,
        }
    }
}

/// Start of the calendar month (UTC) holding `ms`, and of the next one.
pub fn month_bounds(ms: i64) -> (i64, i64) {
    let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    let start = Utc
        .with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    let next = Utc
        .with_ymd_and_hms(y, m, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    (start.timestamp_millis(), next.timestamp_millis())
}

/// Seconds until the monthly quota resets, for `retry-after`.
pub fn seconds_until_reset(now_ms: i64) -> i64 {
    let (_, next) = month_bounds(now_ms);
    ((next - now_ms) + 999) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn tiers_grow_from_free_to_unlimited() {
        let [free, pro, ent, unlimited] = TIERS;
        assert_eq!(find("free"), Some(&free));
        assert!(!free.has(Feature::AuditLog) && !free.has(Feature::Notifications));
        assert!(pro.has(Feature::AuditLog) && ent.has(Feature::Notifications));
        assert!(
            free.retention_days < pro.retention_days && pro.retention_days < ent.retention_days
        );
        assert!(free.max_payload_bytes < pro.max_payload_bytes);
        assert_eq!(ent.events_per_month, None);
        assert_eq!(find("gold"), None);
        assert_eq!(of_project("gold").name, "free");
        assert_eq!(find(DEFAULT_TIER), Some(&unlimited));
        assert_eq!(
            (unlimited.max_webhooks, unlimited.events_per_month),
            (None, None)
        );
        assert_eq!(
            (unlimited.retention_days, unlimited.max_payload_bytes),
            (None, None)
        );
        assert!(unlimited.has(Feature::AuditLog) && unlimited.has(Feature::Notifications));
    }

    #[test]
    fn month_bounds_roll_over_the_year() {
        assert_eq!(
            month_bounds(ms("2026-12-31T23:59:59Z")),
            (ms("2026-12-01T00:00:00Z"), ms("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            month_bounds(ms("2026-02-01T00:00:00Z")),
            (ms("2026-02-01T00:00:00Z"), ms("2026-03-01T00:00:00Z"))
        );
        assert_eq!(seconds_until_reset(ms("2026-02-28T23:59:00Z")), 60);
        assert_eq!(seconds_until_reset(ms("2026-02-28T23:59:59.500Z")), 1);
    }
}
