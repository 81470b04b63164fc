//! Tier features and the webhook count as the API enforces them (the table
//! is in `crate::tiers`; event limits are the intake's, `ingest::quota`).

use super::error::ApiError;
use super::AppState;
use crate::tiers::Feature;

/// 403 `tier_required` unless the project's tier includes `feature`.
pub async fn require(state: &AppState, project_id: &str, feature: Feature) -> Result<(), ApiError> {
    let tier = state.intake.quota(project_id).await?.tier;
    if tier.has(feature) {
        Ok(())
    } else {
        Err(ApiError::tier_required(feature.name(), tier.name))
    }
}

/// The tier's webhook count, before one is created.
pub async fn check_new_webhook(state: &AppState, project_id: &str) -> Result<(), ApiError> {
    let tier = state.intake.quota(project_id).await?.tier;
    if let Some(max) = tier.max_webhooks {
        if state.store.count_webhooks(project_id).await? >= max {
            return Err(ApiError::quota_exceeded(
                format!("the {} tier allows {max} webhooks", tier.name),
                None,
            ));
        }
    }
    Ok(())
}
