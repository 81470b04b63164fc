//! Endpoints' transformations: kept versions, the current one, and the
//! request a delivery's transformation produced.

use sqlx::Row;

use super::audit::insert_audit;
use super::models::TransformationVersion;
use super::{AuditEntry, Result, Store};

impl Store {
    /// Adds `v` as its webhook's current transformation, with its audit
    /// entry, in one transaction: every change is a new version, kept.
    pub async fn set_transformation(
        &self,
        v: &TransformationVersion,
        audit: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO transformation_versions ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            TransformationVersion::COLUMNS
        ))
        .bind(&v.id)
        .bind(&v.project_id)
        .bind(&v.webhook_id)
        .bind(&v.code)
        .bind(i64::from(v.enabled))
        .bind(v.created_at)
        .bind(&v.actor_type)
        .bind(&v.actor_label)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE webhooks SET transformation_id = $2, updated_at = $3 WHERE id = $1")
            .bind(&v.webhook_id)
            .bind(&v.id)
            .bind(v.created_at)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut *tx, audit).await?;
        tx.commit().await
    }

    pub async fn transformation_version(&self, id: &str) -> Result<Option<TransformationVersion>> {
        sqlx::query(&format!(
            "SELECT {} FROM transformation_versions WHERE id = $1",
            TransformationVersion::COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| TransformationVersion::from_row(&r))
        .transpose()
    }

    /// A webhook's transformation versions, newest first.
    pub async fn list_transformation_versions(
        &self,
        webhook_id: &str,
    ) -> Result<Vec<TransformationVersion>> {
        sqlx::query(&format!(
            "SELECT {} FROM transformation_versions WHERE webhook_id = $1 ORDER BY id DESC",
            TransformationVersion::COLUMNS
        ))
        .bind(webhook_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(TransformationVersion::from_row)
        .collect()
    }

    /// The request the project's delivery `id` keeps from its
    /// transformation (JSON of `transform::Stored`), if any.
    pub async fn transformed_request(&self, project_id: &str, id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query("SELECT transformed FROM deliveries WHERE project_id = $1 AND id = $2")
                .bind(project_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get::<Option<String>, _>("transformed"))
                .transpose()?
                .flatten(),
        )
    }
}
