//! Projects as operator commands see them (`hookrelay project list|show`).

use sqlx::Row;

use super::{Project, Result, Store};

/// What `project show` reports beside the project itself.
pub struct ProjectCounts {
    pub webhooks: i64,
    pub applications: i64,
    pub active_admin_keys: i64,
    pub active_write_keys: i64,
}

impl Store {
    /// Every project, oldest first (an installation holds few).
    pub async fn list_projects(&self) -> Result<Vec<Project>> {
        sqlx::query(&format!(
            "SELECT {} FROM projects ORDER BY id",
            Project::COLUMNS
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(Project::from_row)
        .collect()
    }

    pub async fn project_counts(&self, project_id: &str) -> Result<ProjectCounts> {
        let row = sqlx::query(
            "SELECT \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM webhooks WHERE project_id = $1) AS webhooks, \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM applications WHERE project_id = $1) AS applications, \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM api_keys WHERE project_id = $1 AND status = 'active' AND role = 'admin') AS admins, \
               (SELECT CAST(COUNT(*) AS BIGINT) FROM api_keys WHERE project_id = $1 AND status = 'active' AND role = 'write') AS writers",
        )
        .bind(project_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(ProjectCounts {
            webhooks: row.try_get("webhooks")?,
            applications: row.try_get("applications")?,
            active_admin_keys: row.try_get("admins")?,
            active_write_keys: row.try_get("writers")?,
        })
    }
}
