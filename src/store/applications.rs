//! Applications (the project's customers), their event types, their
//! endpoints, and the messages sent to them as the portal reads them.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::models::{DELIVERY_COLUMNS, WEBHOOK_COLUMNS};
use super::{Delivery, Page, PageRequest, Result, Store, Webhook};

#[derive(Clone, Debug)]
pub struct Application {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub uid: Option<String>,
    /// JSON object.
    pub metadata: String,
    /// JSON array of origins allowed to frame the portal; None = any.
    pub frame_ancestors: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const APPLICATION_COLUMNS: &str =
    "id, project_id, name, uid, metadata, frame_ancestors, created_at, updated_at";

impl Application {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Application {
            id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            name: r.try_get("name")?,
            uid: r.try_get("uid")?,
            metadata: r.try_get("metadata")?,
            frame_ancestors: r.try_get("frame_ancestors")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

#[derive(Clone, Debug)]
pub struct EventType {
    pub project_id: String,
    pub name: String,
    pub description: String,
    /// JSON Schema document.
    pub payload_schema: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const EVENT_TYPE_COLUMNS: &str =
    "project_id, name, description, payload_schema, created_at, updated_at";

impl EventType {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(EventType {
            project_id: r.try_get("project_id")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            payload_schema: r.try_get("payload_schema")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

/// Whether an insert or rename ran into a unique key (uid, event type name).
#[derive(Debug, PartialEq, Eq)]
pub enum Saved {
    Saved,
    Conflict,
}

fn saved(r: std::result::Result<sqlx::any::AnyQueryResult, sqlx::Error>) -> Result<Saved> {
    match r {
        Ok(_) => Ok(Saved::Saved),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(Saved::Conflict),
        Err(e) => Err(e),
    }
}

#[derive(Clone, Debug)]
pub struct Message {
    pub id: String,
    pub event_type: Option<String>,
    pub content_type: String,
    pub body: Vec<u8>,
    pub created_at: i64,
}

impl Message {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Message {
            id: r.try_get("id")?,
            event_type: r.try_get("event_type")?,
            content_type: r.try_get("content_type")?,
            body: r.try_get("body")?,
            created_at: r.try_get("received_at")?,
        })
    }
}

/// A delivery with its event's type (known for application messages only).
#[derive(Clone, Debug)]
pub struct LogEntry {
    pub delivery: Delivery,
    pub event_type: Option<String>,
}

impl LogEntry {
    pub(super) fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(LogEntry {
            delivery: Delivery::from_row(r)?,
            event_type: r.try_get("event_type")?,
        })
    }
}

#[derive(Default, Clone, Debug)]
pub struct LogFilter {
    pub endpoint_id: Option<String>,
    pub status: Option<super::DeliveryStatus>,
    pub event_type: Option<String>,
    pub message_id: Option<String>,
}
impl Store {
    // ---- applications ----------------------------------------------------

    pub async fn create_application(&self, a: &Application) -> Result<Saved> {
        saved(
            sqlx::query(&format!(
                "INSERT INTO applications ({APPLICATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(&a.id)
            .bind(&a.project_id)
            .bind(&a.name)
            .bind(&a.uid)
            .bind(&a.metadata)
            .bind(&a.frame_ancestors)
            .bind(a.created_at)
            .bind(a.updated_at)
            .execute(&self.pool)
            .await,
        )
    }

    pub async fn list_applications(
        &self,
        project_id: &str,
        page: &PageRequest,
    ) -> Result<Page<Application>> {
        let rows = sqlx::query(&format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE project_id = $1 AND ($2 = '' OR id < $2) \
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(project_id)
        .bind(page.cursor_or_empty())
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, Application::from_row, |a| a.id.clone())
    }

    /// By id, or by the project's own `uid` for the customer.
    pub async fn get_application(
        &self,
        project_id: &str,
        id_or_uid: &str,
    ) -> Result<Option<Application>> {
        sqlx::query(&format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE project_id = $1 AND (id = $2 OR uid = $2)"
        ))
        .bind(project_id)
        .bind(id_or_uid)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| Application::from_row(&r))
        .transpose()
    }

    pub async fn update_application(&self, a: &Application) -> Result<Saved> {
        saved(
            sqlx::query(
                "UPDATE applications SET name = $3, uid = $4, metadata = $5, frame_ancestors = $6, updated_at = $7 \
                 WHERE project_id = $1 AND id = $2",
            )
            .bind(&a.project_id)
            .bind(&a.id)
            .bind(&a.name)
            .bind(&a.uid)
            .bind(&a.metadata)
            .bind(&a.frame_ancestors)
            .bind(a.updated_at)
            .execute(&self.pool)
            .await,
        )
    }

    /// Deletes an application with its endpoints, messages, deliveries and
    /// portal tokens. Returns the ids of the endpoints removed, or None if
    /// there was no such application.
    pub async fn delete_application(
        &self,
        project_id: &str,
        id: &str,
    ) -> Result<Option<Vec<String>>> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("DELETE FROM applications WHERE project_id = $1 AND id = $2")
            .bind(project_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(None);
        }
        let endpoints: Vec<String> =
            sqlx::query("SELECT id FROM webhooks WHERE application_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<Result<_>>()?;
        // The endpoints go the way a deleted webhook goes (schedules
        // included); then what belongs to the application itself.
        for endpoint in &endpoints {
            super::webhooks::delete_webhook_dependents(&mut tx, endpoint).await?;
        }
        for sql in [
            "DELETE FROM idempotency_keys WHERE scope = 'app:' || $1",
            "DELETE FROM events WHERE application_id = $1",
            "DELETE FROM webhooks WHERE application_id = $1",
            "DELETE FROM portal_tokens WHERE application_id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(Some(endpoints))
    }

    // ---- event types -----------------------------------------------------

    pub async fn create_event_type(&self, t: &EventType) -> Result<Saved> {
        saved(
            sqlx::query(&format!(
                "INSERT INTO event_types ({EVENT_TYPE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
            ))
            .bind(&t.project_id)
            .bind(&t.name)
            .bind(&t.description)
            .bind(&t.payload_schema)
            .bind(t.created_at)
            .bind(t.updated_at)
            .execute(&self.pool)
            .await,
        )
    }

    /// In name order; the cursor is the last name of the previous page.
    pub async fn list_event_types(
        &self,
        project_id: &str,
        page: &PageRequest,
    ) -> Result<Page<EventType>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_TYPE_COLUMNS} FROM event_types WHERE project_id = $1 AND ($2 = '' OR name > $2) \
             ORDER BY name LIMIT $3"
        ))
        .bind(project_id)
        .bind(page.cursor_or_empty())
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, EventType::from_row, |t| t.name.clone())
    }

    pub async fn get_event_type(&self, project_id: &str, name: &str) -> Result<Option<EventType>> {
        sqlx::query(&format!(
            "SELECT {EVENT_TYPE_COLUMNS} FROM event_types WHERE project_id = $1 AND name = $2"
        ))
        .bind(project_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| EventType::from_row(&r))
        .transpose()
    }

    pub async fn update_event_type(&self, t: &EventType) -> Result<()> {
        sqlx::query(
            "UPDATE event_types SET description = $3, payload_schema = $4, updated_at = $5 \
             WHERE project_id = $1 AND name = $2",
        )
        .bind(&t.project_id)
        .bind(&t.name)
        .bind(&t.description)
        .bind(&t.payload_schema)
        .bind(t.updated_at)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    pub async fn delete_event_type(&self, project_id: &str, name: &str) -> Result<bool> {
        let n = sqlx::query("DELETE FROM event_types WHERE project_id = $1 AND name = $2")
            .bind(project_id)
            .bind(name)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Which of `names` are event types of the project.
    pub async fn known_event_types(
        &self,
        project_id: &str,
        names: &[String],
    ) -> Result<Vec<String>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = (2..names.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT name FROM event_types WHERE project_id = $1 AND name IN ({placeholders})"
        );
        let mut q = sqlx::query(&sql).bind(project_id);
        for n in names {
            q = q.bind(n);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("name"))
            .collect()
    }

    // ---- endpoints and messages ------------------------------------------

    pub async fn list_endpoints(
        &self,
        application_id: &str,
        page: &PageRequest,
    ) -> Result<Page<Webhook>> {
        let rows = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE application_id = $1 AND ($2 = '' OR id < $2) \
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(application_id)
        .bind(page.cursor_or_empty())
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, Webhook::from_row, |w| w.id.clone())
    }

    /// Every endpoint of the application (for fan-out; the count is small
    /// because endpoints are created one by one by people).
    pub async fn all_endpoints(&self, application_id: &str) -> Result<Vec<Webhook>> {
        sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE application_id = $1 ORDER BY id"
        ))
        .bind(application_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(Webhook::from_row)
        .collect()
    }

    pub async fn list_messages(
        &self,
        application_id: &str,
        event_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Message>> {
        let rows = sqlx::query(
            "SELECT id, event_type, content_type, body, received_at FROM events WHERE application_id = $1 \
             AND ($2 = '' OR id < $2) AND ($3 = '' OR event_type = $3) ORDER BY id DESC LIMIT $4",
        )
        .bind(application_id)
        .bind(page.cursor_or_empty())
        .bind(event_type.unwrap_or(""))
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, Message::from_row, |m| m.id.clone())
    }

    pub async fn get_message(&self, application_id: &str, id: &str) -> Result<Option<Message>> {
        sqlx::query(
            "SELECT id, event_type, content_type, body, received_at FROM events WHERE application_id = $1 AND id = $2",
        )
        .bind(application_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| Message::from_row(&r))
        .transpose()
    }

    /// The deliveries to an application's endpoints, newest first.
    pub async fn list_log(
        &self,
        application_id: &str,
        f: &LogFilter,
        page: &PageRequest,
    ) -> Result<Page<LogEntry>> {
        let columns = DELIVERY_COLUMNS
            .split(", ")
            .map(|c| format!("d.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {columns}, e.event_type FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             LEFT JOIN events e ON e.id = d.event_id \
             WHERE w.application_id = $1 AND ($2 = '' OR d.id < $2) AND ($3 = '' OR d.webhook_id = $3) \
             AND ($4 = '' OR d.status = $4) AND ($5 = '' OR e.event_type = $5) AND ($6 = '' OR d.event_id = $6) \
             ORDER BY d.id DESC LIMIT $7"
        ))
        .bind(application_id)
        .bind(page.cursor_or_empty())
        .bind(f.endpoint_id.as_deref().unwrap_or(""))
        .bind(f.status.map(|s| s.as_str()).unwrap_or(""))
        .bind(f.event_type.as_deref().unwrap_or(""))
        .bind(f.message_id.as_deref().unwrap_or(""))
        .bind(page.fetch_limit())
        .fetch_all(&self.pool)
        .await?;
        Page::from_rows(rows, page, LogEntry::from_row, |e| e.delivery.id.clone())
    }
}
