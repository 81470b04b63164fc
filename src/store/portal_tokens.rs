//! Portal tokens: magic-link sessions and long-lived tokens, each scoped to
//! one application, and the framing origins the hosted portal allows.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{now_ms, Page, PageRequest, Result, Store};

pub const SESSION: &str = "session";
pub const LONG_LIVED: &str = "long_lived";

pub struct NewPortalToken {
    pub id: String,
    pub project_id: String,
    pub application_id: String,
    /// [`SESSION`] (magic link) or [`LONG_LIVED`].
    pub kind: &'static str,
    pub name: String,
    pub token_hash: String,
    pub prefix: String,
    /// JSON array of scopes.
    pub scopes: String,
    pub expires_at: i64,
}

#[derive(Clone, Debug)]
pub struct PortalToken {
    pub id: String,
    pub application_id: String,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub expires_at: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

const PORTAL_TOKEN_COLUMNS: &str =
    "id, application_id, name, prefix, scopes, expires_at, created_at, revoked_at";

impl PortalToken {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(PortalToken {
            id: r.try_get("id")?,
            application_id: r.try_get("application_id")?,
            name: r.try_get("name")?,
            prefix: r.try_get("prefix")?,
            scopes: r.try_get("scopes")?,
            expires_at: r.try_get("expires_at")?,
            created_at: r.try_get("created_at")?,
            revoked_at: r.try_get("revoked_at")?,
        })
    }
}

/// Who a valid portal token speaks for.
#[derive(Clone, Debug)]
pub struct PortalAuth {
    pub token_id: String,
    pub project_id: String,
    pub application_id: String,
    /// The application's uid, else its name: how the audit log names the
    /// customer acting through the portal.
    pub application_label: String,
    /// JSON array of scopes.
    pub scopes: String,
    pub frame_ancestors: Option<String>,
}

impl Store {
    // ---- portal tokens ---------------------------------------------------

    pub async fn create_portal_token(&self, t: &NewPortalToken) -> Result<()> {
        sqlx::query(
            "INSERT INTO portal_tokens (id, project_id, application_id, kind, name, token_hash, prefix, scopes, \
             expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&t.id)
        .bind(&t.project_id)
        .bind(&t.application_id)
        .bind(t.kind)
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(&t.prefix)
        .bind(&t.scopes)
        .bind(t.expires_at)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Long-lived tokens only: magic-link sessions are not listed.
    pub async fn list_portal_tokens(
        &self,
        application_id: &str,
        page: &PageRequest,
    ) -> Result<Page<PortalToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {PORTAL_TOKEN_COLUMNS} FROM portal_tokens WHERE application_id = $1 AND kind = '{LONG_LIVED}' \
             AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(application_id)
        .bind(page.cursor_or_empty())
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, PortalToken::from_row, |t| t.id.clone())
    }

    pub async fn revoke_portal_token(&self, application_id: &str, id: &str) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE portal_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE application_id = $1 AND id = $2",
        )
        .bind(application_id)
        .bind(id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// The token with this hash if it is unrevoked, unexpired, and its
    /// application still exists.
    pub async fn find_portal_token(&self, token_hash: &str) -> Result<Option<PortalAuth>> {
        sqlx::query(
            "SELECT t.id, t.project_id, t.application_id, COALESCE(a.uid, a.name) AS application_label, t.scopes, \
             COALESCE(a.frame_ancestors, p.portal_frame_ancestors) AS frame_ancestors FROM portal_tokens t \
             JOIN applications a ON a.id = t.application_id JOIN projects p ON p.id = t.project_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?
        .map(|r| {
            Ok(PortalAuth {
                token_id: r.try_get("id")?,
                project_id: r.try_get("project_id")?,
                application_id: r.try_get("application_id")?,
                application_label: r.try_get("application_label")?,
                scopes: r.try_get("scopes")?,
                frame_ancestors: r.try_get("frame_ancestors")?,
            })
        })
        .transpose()
    }

    /// The project's default framing origins (JSON array), None = any.
    pub async fn project_frame_ancestors(&self, project_id: &str) -> Result<Option<String>> {
        sqlx::query("SELECT portal_frame_ancestors FROM projects WHERE id = $1")
            .bind(project_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("portal_frame_ancestors"))
            .transpose()
            .map(Option::flatten)
    }

    pub async fn set_project_frame_ancestors(
        &self,
        project_id: &str,
        value: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE projects SET portal_frame_ancestors = $2, updated_at = $3 WHERE id = $1",
        )
        .bind(project_id)
        .bind(value)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Deletes magic-link sessions that expired, a bounded batch at a time.
    pub async fn purge_expired_sessions(&self, older_than: i64) -> Result<u64> {
        Ok(sqlx::query(&format!(
            "DELETE FROM portal_tokens WHERE id IN (SELECT id FROM portal_tokens \
             WHERE kind = '{SESSION}' AND expires_at < $1 LIMIT 1000)"
        ))
        .bind(older_than)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}
