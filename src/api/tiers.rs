//! Tier limits and features as the API enforces them (the table itself is
//! in `crate::tiers`).

use super::error::ApiError;
use super::AppState;
use crate::store;
use crate::tiers::{self, Feature, Tier};

/// A project's tier and its events this month, cached briefly per node: a
/// quota may be overshot by what arrives within that time.
#[derive(Clone, Copy)]
pub struct Quota {
    pub tier: &'static Tier,
    pub events_this_month: i64,
}

pub async fn quota(state: &AppState, project_id: &str) -> Result<Quota, ApiError> {
    if let Some(q) = state.quotas.get(&project_id.to_string()) {
        return Ok(q);
    }
    let project = state.store.get_project(project_id).await?.ok_or_else(|| ApiError::not_found("project"))?;
    let (month_start, _) = tiers::month_bounds(store::now_ms());
    let q = Quota {
        tier: tiers::of_project(&project.tier),
        events_this_month: state.store.events_since(project_id, month_start).await?,
    };
    state.quotas.insert(project_id.to_string(), q);
    Ok(q)
}

/// 403 `tier_required` unless the project's tier includes `feature`.
pub async fn require(state: &AppState, project_id: &str, feature: Feature) -> Result<(), ApiError> {
    let tier = quota(state, project_id).await?.tier;
    if tier.has(feature) {
        Ok(())
    } else {
        Err(ApiError::tier_required(feature.name(), tier.name))
    }
}

/// The tier's payload size and monthly event quota, before an event is taken.
pub async fn check_event(state: &AppState, project_id: &str, body_len: usize) -> Result<(), ApiError> {
    let q = quota(state, project_id).await?;
    if let Some(max) = q.tier.max_payload_bytes.filter(|max| body_len > *max) {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the {} tier takes payloads up to {max} bytes", q.tier.name),
        ));
    }
    match q.tier.events_per_month {
        Some(limit) if q.events_this_month >= limit => Err(ApiError::quota_exceeded(
            format!("the {} tier's {limit} events this month are used up", q.tier.name),
            Some(tiers::seconds_until_reset(store::now_ms())),
        )),
        _ => Ok(()),
    }
}

/// The tier's webhook count, before one is created.
pub async fn check_new_webhook(state: &AppState, project_id: &str) -> Result<(), ApiError> {
    let tier = quota(state, project_id).await?.tier;
    if let Some(max) = tier.max_webhooks {
        if state.store.count_webhooks(project_id).await? >= max {
            return Err(ApiError::quota_exceeded(format!("the {} tier allows {max} webhooks", tier.name), None));
        }
    }
    Ok(())
}
