//! Operator notification channels: where Hookrelay tells the operator
//! about auto-disabled webhooks, dead letters, quotas and ending secret
//! overlaps (sent by the `notifications` worker).

use serde::Deserialize;
use serde_json::json;

use super::{Error, Operations, PageQuery};
use crate::store::{self, NotificationChannel, Page};
use crate::tiers::Feature;
use crate::{audit, delivery, ids, secrets, webhooks as rules};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateChannel {
    /// An http(s) URL the operator owns.
    url: String,
    #[serde(default)]
    description: String,
}

/// Creates a channel of `project_id` (`TierRequired` unless its tier has
/// notifications); answers it with its signing secret, to be shown once,
/// and a summary for the audit log.
pub async fn create(
    ops: &Operations,
    project_id: &str,
    body: CreateChannel,
) -> Result<(NotificationChannel, String, serde_json::Value), Error> {
    ops.require(project_id, Feature::Notifications).await?;
    let url = body.url.trim().to_string();
    rules::validate_destination_url(&url).map_err(|e| Error::invalid("url", e))?;
    if !ops.allow_private_destinations {
        delivery::check_destination(&url).map_err(|e| Error::invalid("url", e))?;
    }
    rules::validate_text(&body.description, rules::MAX_DESCRIPTION_LEN, false)
        .map_err(|e| Error::invalid("description", e))?;
    let raw = secrets::new_webhook_secret();
    let channel = NotificationChannel {
        id: ids::new_id(ids::CHANNEL),
        project_id: project_id.to_string(),
        url,
        description: body.description,
        secret_ciphertext: ops.secret_box.encrypt(&raw),
        secret_prefix: secrets::display_prefix(&raw),
        created_at: store::now_ms(),
    };
    ops.store.create_channel(&channel).await?;
    let summary = json!({ "url": audit::redact_url(&channel.url), "signingSecretPrefix": channel.secret_prefix });
    Ok((channel, raw, summary))
}

pub async fn delete(ops: &Operations, project_id: &str, id: &str) -> Result<(), Error> {
    // Deleting stays possible after a downgrade, so nothing keeps sending.
    if !ops.store.delete_channel(project_id, id).await? {
        return Err(Error::NotFound("notification channel"));
    }
    Ok(())
}

/// One page of the project's channels; `TierRequired` unless its tier has
/// notifications.
pub async fn list(
    ops: &Operations,
    project_id: &str,
    q: PageQuery,
) -> Result<Page<NotificationChannel>, Error> {
    ops.require(project_id, Feature::Notifications).await?;
    Ok(ops.store.list_channels(project_id, &q.page()?).await?)
}

/// One of the project's channels, gated like [`list`].
pub async fn get(
    ops: &Operations,
    project_id: &str,
    id: &str,
) -> Result<NotificationChannel, Error> {
    ops.require(project_id, Feature::Notifications).await?;
    ops.store
        .get_channel(project_id, id)
        .await?
        .ok_or(Error::NotFound("notification channel"))
}
