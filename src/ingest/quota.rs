//! The tier's limits as every way in applies them: the payload size and the
//! monthly event quota, one cached rule for all. A project's tier and its
//! events this month are cached briefly per node: a quota may be overshot
//! by what arrives within that time.

use std::time::Duration;

use super::IntakeError;
use crate::cache::TtlCache;
use crate::store::{self, Store};
use crate::tiers::{self, Tier};

/// How long a node trusts a project's cached quota, this month's count
/// included: a quota may be overshot by what arrives within this time.
pub const QUOTA_TTL: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub tier: &'static Tier,
    pub events_this_month: i64,
}

impl Quota {
    /// Reads a project's quota; None if there is no such project.
    pub async fn load(
        store: &Store,
        project_id: &str,
        now_ms: i64,
    ) -> Result<Option<Quota>, sqlx::Error> {
        let Some(project) = store.get_project(project_id).await? else {
            return Ok(None);
        };
        let (month_start, _) = tiers::month_bounds(now_ms);
        Ok(Some(Quota {
            tier: tiers::of_project(&project.tier),
            events_this_month: store.events_since(project_id, month_start).await?,
        }))
    }

    /// Refuses an event of `body_len` bytes that the tier does not take now.
    pub fn check(&self, body_len: usize, now_ms: i64) -> Result<(), IntakeError> {
        let tier = self.tier;
        if let Some(limit) = tier.max_payload_bytes.filter(|limit| body_len > *limit) {
            return Err(IntakeError::PayloadTooLarge {
                tier: tier.name,
                limit,
            });
        }
        match tier.events_per_month {
            Some(limit) if self.events_this_month >= limit => Err(IntakeError::QuotaExceeded {
                tier: tier.name,
                limit,
                retry_after_secs: tiers::seconds_until_reset(now_ms),
            }),
            _ => Ok(()),
        }
    }
}

/// Each project's [`Quota`], cached for [`QUOTA_TTL`].
pub struct Quotas {
    store: Store,
    cache: TtlCache<String, Quota>,
}

impl Quotas {
    pub fn new(store: Store) -> Quotas {
        Quotas {
            store,
            cache: TtlCache::new(QUOTA_TTL, 100_000),
        }
    }

    pub async fn get(&self, project_id: &str) -> Result<Quota, IntakeError> {
        let load = || async {
            Quota::load(&self.store, project_id, store::now_ms())
                .await?
                .ok_or(IntakeError::NotFound("project"))
        };
        self.cache.get_or_load(project_id.to_string(), load).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_size_then_monthly_events() {
        let free = tiers::of_project("free");
        let q = |used| Quota {
            tier: free,
            events_this_month: used,
        };
        let max = free.max_payload_bytes.unwrap();
        assert!(q(0).check(max, 0).is_ok());
        assert!(matches!(
            q(0).check(max + 1, 0),
            Err(IntakeError::PayloadTooLarge { .. })
        ));
        let limit = free.events_per_month.unwrap();
        assert!(q(limit - 1).check(1, 0).is_ok());
        assert!(
            matches!(q(limit).check(1, 0), Err(IntakeError::QuotaExceeded { retry_after_secs, .. }) if retry_after_secs > 0)
        );
        let unlimited = Quota {
            tier: tiers::of_project("enterprise"),
            events_this_month: i64::MAX,
        };
        assert!(unlimited.check(1, 0).is_ok());
        // The unlimited tier leaves payload size to --max-payload-bytes.
        let own = Quota {
            tier: tiers::of_project("unlimited"),
            events_this_month: i64::MAX,
        };
        assert!(own.check(usize::MAX, 0).is_ok());
    }
}
