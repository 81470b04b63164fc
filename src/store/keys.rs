//! Projects and their API keys.

use sqlx::Row;

use super::models::*;
use super::{now_ms, Page, PageRequest, Result, Store};

impl Store {
    pub async fn create_project(&self, project: &Project, first_key: &NewApiKey) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO projects (id, name, tier, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(&project.id)
            .bind(&project.name)
            .bind(&project.tier)
            .bind(project.created_at)
            .execute(&mut *tx)
            .await?;
        insert_api_key(&mut tx, first_key).await?;
        tx.commit().await
    }

    pub async fn get_project(&self, id: &str) -> Result<Option<Project>> {
        sqlx::query(&format!(
            "SELECT {} FROM projects WHERE id = $1",
            Project::COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| Project::from_row(&r))
        .transpose()
    }

    pub async fn create_api_key(&self, key: &NewApiKey) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_api_key(&mut tx, key).await?;
        tx.commit().await
    }

    pub async fn list_api_keys(
        &self,
        project_id: &str,
        page: &PageRequest,
    ) -> Result<Page<ApiKey>> {
        self.project_page(
            "api_keys",
            API_KEY_COLUMNS,
            project_id,
            page,
            ApiKey::from_row,
            |k| k.id.clone(),
        )
        .await
    }

    pub async fn get_api_key(&self, project_id: &str, id: &str) -> Result<Option<ApiKey>> {
        self.project_row(
            "api_keys",
            API_KEY_COLUMNS,
            project_id,
            id,
            ApiKey::from_row,
        )
        .await
    }

    /// Revokes a key unless it is the project's last active admin key.
    pub async fn revoke_api_key(&self, project_id: &str, id: &str) -> Result<RevokeOutcome> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        // Writing the project row first serialises key changes per project
        // (a row lock on PostgreSQL, the write lock on SQLite), so two
        // concurrent revocations cannot both see "another admin remains".
        sqlx::query("UPDATE projects SET updated_at = $2 WHERE id = $1")
            .bind(project_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let Some(row) =
            sqlx::query("SELECT role, status FROM api_keys WHERE project_id = $1 AND id = $2")
                .bind(project_id)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(RevokeOutcome::NotFound);
        };
        let role: String = row.try_get("role")?;
        let status: String = row.try_get("status")?;
        if status == "active" && role == "admin" {
            let admins: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM api_keys WHERE project_id = $1 AND role = 'admin' AND status = 'active'",
            )
            .bind(project_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if admins <= 1 {
                return Ok(RevokeOutcome::LastAdmin);
            }
        }
        sqlx::query(
            "UPDATE api_keys SET status = 'revoked', revoked_at = COALESCE(revoked_at, $3) \
             WHERE project_id = $1 AND id = $2",
        )
        .bind(project_id)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RevokeOutcome::Revoked)
    }

    /// Replaces an active key's secret; the old secret stops working at once.
    pub async fn rotate_api_key(
        &self,
        project_id: &str,
        id: &str,
        new_hash: &str,
        new_prefix: &str,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE api_keys SET secret_hash = $3, prefix = $4, rotated_at = $5 \
             WHERE project_id = $1 AND id = $2 AND status = 'active'",
        )
        .bind(project_id)
        .bind(id)
        .bind(new_hash)
        .bind(new_prefix)
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    pub async fn find_active_key(&self, secret_hash: &str) -> Result<Option<KeyAuth>> {
        sqlx::query("SELECT id, project_id, role, prefix FROM api_keys WHERE secret_hash = $1 AND status = 'active'")
            .bind(secret_hash)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| {
                Ok(KeyAuth {
                    key_id: r.try_get("id")?,
                    project_id: r.try_get("project_id")?,
                    role: r.try_get("role")?,
                    prefix: r.try_get("prefix")?,
                })
            })
            .transpose()
    }
}

async fn insert_api_key(tx: &mut sqlx::Transaction<'_, sqlx::Any>, k: &NewApiKey) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, project_id, name, role, prefix, secret_hash, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7)",
    )
    .bind(&k.id)
    .bind(&k.project_id)
    .bind(&k.name)
    .bind(k.role.as_str())
    .bind(&k.prefix)
    .bind(&k.secret_hash)
    .bind(now_ms())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}
