//! Retry policy: when a failed delivery is tried again, and when it is dead.

/// Delays after the 1st, 2nd, ... failed attempt, in seconds. The same shape
/// as Svix's schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h): quick
/// recovery from blips, then spread over about a day for real outages.
pub const DEFAULT_SCHEDULE: [u32; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// Bounds of a per-webhook override.
pub const MAX_RETRIES: usize = 20;
pub const MAX_DELAY_SECS: u32 = 7 * 24 * 3600;

/// Each delay is spread by up to ±20% so that a destination coming back from
/// an outage is not hit by every retry at the same instant.
const JITTER: f64 = 0.2;

/// What to do after attempt number `attempt` (1-based) failed. `jitter` is a
/// uniform sample in [0, 1), passed in so the policy itself stays pure.
/// Returns the delay in milliseconds, or None when retries are exhausted.
pub fn next_delay_ms(schedule: &[u32], attempt: u32, jitter: f64) -> Option<u64> {
    let base = *schedule.get(usize::try_from(attempt).ok()?.checked_sub(1)?)?;
    let factor = 1.0 - JITTER + 2.0 * JITTER * jitter.clamp(0.0, 1.0);
    Some((f64::from(base) * 1000.0 * factor).round() as u64)
}

/// Validates a per-webhook schedule override; the error names the problem.
pub fn validate_schedule(schedule: &[u32]) -> Result<(), String> {
    if schedule.len() > MAX_RETRIES {
        return Err(format!("at most {MAX_RETRIES} retries"));
    }
    if let Some(d) = schedule.iter().find(|d| **d > MAX_DELAY_SECS) {
        return Err(format!(
            "delay {d} exceeds the maximum of {MAX_DELAY_SECS} seconds"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_schedule_then_gives_up() {
        let s = [1, 10];
        assert_eq!(next_delay_ms(&s, 1, 0.5), Some(1_000));
        assert_eq!(next_delay_ms(&s, 2, 0.5), Some(10_000));
        assert_eq!(next_delay_ms(&s, 3, 0.5), None);
        assert_eq!(next_delay_ms(&s, 0, 0.5), None);
        assert_eq!(next_delay_ms(&[], 1, 0.5), None);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        assert_eq!(next_delay_ms(&[100], 1, 0.0), Some(80_000));
        assert_eq!(next_delay_ms(&[100], 1, 0.999_999), Some(120_000));
        assert_eq!(next_delay_ms(&[0], 1, 0.7), Some(0));
    }

    #[test]
    fn default_schedule_is_valid_and_overrides_are_bounded() {
        assert!(validate_schedule(&DEFAULT_SCHEDULE).is_ok());
        assert!(validate_schedule(&[0; 21]).is_err());
        assert!(validate_schedule(&[MAX_DELAY_SECS + 1]).is_err());
    }
}
