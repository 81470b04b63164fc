//! Portal access: tokens for an application's customer portal, long-lived
//! or magic-link sessions. Issuing one writes its own audit entry, as the
//! actor given.

use serde::Deserialize;
use serde_json::Value;

use super::{applications, Error, Operations};
use crate::portal::{self as rules, DEFAULT_MAGIC_LINK_MINUTES, MAX_MAGIC_LINK_MINUTES};
use crate::store::{self, Actor, Application, NewPortalToken, SESSION};
use crate::{ids, secrets};

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "expiresInMinutes": 60, "scopes": ["read", "write"] }))]
pub struct MagicLinkRequest {
    /// 1 to 1440 (default 60).
    #[schema(value_type = Option<i64>)]
    expires_in_minutes: Option<Value>,
    /// Non-empty, each `read` or `write` (default both).
    #[schema(value_type = Option<Vec<String>>)]
    scopes: Option<Value>,
}

/// Creates and stores a token (audited); returns the raw token and its row.
pub async fn issue(
    ops: &Operations,
    actor: &Actor,
    app: &Application,
    kind: &'static str,
    name: String,
    scopes: &[&str],
    lifetime_ms: i64,
) -> Result<(String, NewPortalToken), Error> {
    let raw = secrets::new_portal_token();
    let token = NewPortalToken {
        id: ids::new_id(ids::PORTAL_TOKEN),
        project_id: app.project_id.clone(),
        application_id: app.id.clone(),
        kind,
        name,
        token_hash: secrets::hash(&raw),
        prefix: secrets::display_prefix(&raw),
        scopes: serde_json::Value::from(scopes).to_string(),
        expires_at: store::now_ms() + lifetime_ms,
    };
    ops.store.create_portal_token(&token).await?;
    let action = if kind == SESSION {
        "portal.magic_link"
    } else {
        "portal_token.create"
    };
    let summary = serde_json::json!({
        "applicationId": app.id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": scopes,
        "expiresAt": crate::time::rfc3339(token.expires_at),
    });
    super::audit::record(
        &ops.store,
        actor.clone(),
        &app.project_id,
        action,
        ("portal_token", &token.id),
        summary,
    )
    .await;
    Ok((raw, token))
}

/// A magic link issued: its raw session token, to be shown once, its row,
/// its lifetime and scopes.
pub struct IssuedLink {
    pub secret: String,
    pub token: NewPortalToken,
    pub minutes: i64,
    pub scopes: Vec<&'static str>,
}

/// Issues a magic link to `app_id_or_uid`'s portal, audited as `actor`.
pub async fn magic_link(
    ops: &Operations,
    actor: &Actor,
    project_id: &str,
    app_id_or_uid: &str,
    body: MagicLinkRequest,
) -> Result<IssuedLink, Error> {
    let minutes = rules::parse_lifetime(
        body.expires_in_minutes.as_ref(),
        DEFAULT_MAGIC_LINK_MINUTES,
        MAX_MAGIC_LINK_MINUTES,
    )
    .map_err(|e| Error::invalid("expiresInMinutes", e))?;
    let scopes =
        rules::parse_scopes(body.scopes.as_ref()).map_err(|e| Error::invalid("scopes", e))?;
    let app = applications::find(ops, project_id, app_id_or_uid).await?;
    let (secret, token) = issue(
        ops,
        actor,
        &app,
        SESSION,
        "magic link".into(),
        &scopes,
        minutes * 60_000,
    )
    .await?;
    Ok(IssuedLink {
        secret,
        token,
        minutes,
        scopes,
    })
}
