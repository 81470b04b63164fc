//! The project's API keys: creating, revoking and rotating them. A change
//! forgets the cached credentials, on this node at once and on the others
//! when its notice reaches them.

use serde::Deserialize;

use super::{Error, Operations};
use crate::store::{ApiKey, NewApiKey, RevokeOutcome, Role, Store};
use crate::{ids, secrets, webhooks};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "name": "deploy bot", "role": "write" }))]
pub struct CreateKey {
    pub name: String,
    pub role: Role,
}

/// A key with its raw secret, to be shown once.
pub struct WithSecret {
    pub key: ApiKey,
    pub secret: String,
}

/// Mints a key. It changes no cached credential, so it needs only the
/// store: the CLI mints keys on the server machine with it too.
pub async fn create(
    store: &Store,
    project_id: &str,
    name: &str,
    role: Role,
) -> Result<WithSecret, Error> {
    webhooks::validate_text(name, webhooks::MAX_NAME_LEN, true)
        .map_err(|e| Error::invalid("name", e))?;
    let raw = secrets::new_api_key();
    let new = NewApiKey {
        id: ids::new_id(ids::API_KEY),
        project_id: project_id.to_string(),
        name: name.trim().to_string(),
        role,
        prefix: secrets::display_prefix(&raw),
        secret_hash: secrets::hash(&raw),
    };
    store.create_api_key(&new).await?;
    Ok(WithSecret {
        key: find(store, project_id, &new.id).await?,
        secret: raw,
    })
}

/// The project's key `key_id`.
pub async fn find(store: &Store, project_id: &str, key_id: &str) -> Result<ApiKey, Error> {
    store
        .get_api_key(project_id, key_id)
        .await?
        .ok_or_else(|| Error::NotFound("API key"))
}

/// Revokes a key unless it is the project's last active admin key.
pub async fn revoke(ops: &Operations, project_id: &str, key_id: &str) -> Result<ApiKey, Error> {
    match ops.store.revoke_api_key(project_id, key_id).await? {
        RevokeOutcome::NotFound => return Err(Error::NotFound("API key")),
        RevokeOutcome::LastAdmin => {
            return Err(Error::conflict(
                "last_admin_key",
                "a project cannot revoke its last active admin key; create a replacement first",
            ))
        }
        RevokeOutcome::Revoked => ops.changed().await,
    }
    find(&ops.store, project_id, key_id).await
}

/// Replaces an active key's secret; the old one stops working.
pub async fn rotate(ops: &Operations, project_id: &str, key_id: &str) -> Result<WithSecret, Error> {
    let raw = secrets::new_api_key();
    let rotated = ops
        .store
        .rotate_api_key(
            project_id,
            key_id,
            &secrets::hash(&raw),
            &secrets::display_prefix(&raw),
        )
        .await?;
    if !rotated {
        return Err(Error::NotFound("active API key"));
    }
    ops.changed().await;
    Ok(WithSecret {
        key: find(&ops.store, project_id, key_id).await?,
        secret: raw,
    })
}
