//! Applications, the project's customers: creating, changing and deleting
//! them. Their endpoints are webhooks (`operations::webhooks`).

use serde::Deserialize;

use super::{Error, Operations, PageQuery};
use crate::applications::{self as rules, normalize_frame_ancestors};
use crate::ids;
use crate::store::{self, Application, Page, Saved};
use crate::webhooks::{validate_text, MAX_NAME_LEN};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "name": "Acme Corp", "uid": "customer-42", "metadata": { "plan": "gold" } }))]
pub struct CreateApplication {
    name: String,
    uid: Option<String>,
    /// A JSON object (at most 16 KiB).
    metadata: Option<serde_json::Value>,
    /// Origins (`https://example.com`, `'self'` or `*`) allowed to frame
    /// the hosted portal; absent means any.
    portal_frame_ancestors: Option<Vec<String>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateApplication {
    name: Option<String>,
    /// `null` removes the uid.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    uid: Option<Option<String>>,
    metadata: Option<serde_json::Value>,
    /// `null` allows any origin again.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    portal_frame_ancestors: Option<Option<Vec<String>>>,
}

fn check_name(name: &str) -> Result<(), Error> {
    validate_text(name, MAX_NAME_LEN, true).map_err(|e| Error::invalid("name", e))
}

fn check_uid(uid: Option<&str>) -> Result<(), Error> {
    uid.map_or(Ok(()), |u| {
        rules::validate_uid(u).map_err(|e| Error::invalid("uid", e))
    })
}

fn metadata(v: &serde_json::Value) -> Result<String, Error> {
    rules::json_object(v).map_err(|e| Error::invalid("metadata", e))
}

/// Origins allowed to frame the hosted portal, checked, in stored form.
pub fn frame_ancestors(v: Option<&[String]>) -> Result<Option<String>, Error> {
    v.map(|list| {
        normalize_frame_ancestors(list)
            .map(|l| serde_json::Value::from(l).to_string())
            .map_err(|e| Error::invalid("portalFrameAncestors", e))
    })
    .transpose()
}

fn uid_taken(saved: Saved) -> Result<(), Error> {
    match saved {
        Saved::Saved => Ok(()),
        Saved::Conflict => Err(Error::conflict(
            "uid_taken",
            "another application of this project has this uid",
        )),
    }
}

pub async fn create(
    ops: &Operations,
    project_id: &str,
    body: CreateApplication,
) -> Result<Application, Error> {
    let name = body.name.trim().to_string();
    check_name(&name)?;
    check_uid(body.uid.as_deref())?;
    let now = store::now_ms();
    let a = Application {
        id: ids::new_id(ids::APPLICATION),
        project_id: project_id.to_string(),
        name,
        uid: body.uid,
        metadata: metadata(body.metadata.as_ref().unwrap_or(&serde_json::json!({})))?,
        frame_ancestors: frame_ancestors(body.portal_frame_ancestors.as_deref())?,
        created_at: now,
        updated_at: now,
    };
    uid_taken(ops.store.create_application(&a).await?)?;
    Ok(a)
}

/// One page of the project's applications.
pub async fn list(
    ops: &Operations,
    project_id: &str,
    q: PageQuery,
) -> Result<Page<Application>, Error> {
    Ok(ops.store.list_applications(project_id, &q.page()?).await?)
}

/// The project's application by id or uid.
pub async fn find(
    ops: &Operations,
    project_id: &str,
    id_or_uid: &str,
) -> Result<Application, Error> {
    ops.store
        .get_application(project_id, id_or_uid)
        .await?
        .ok_or_else(|| Error::NotFound("application"))
}

/// Applies a patch to the project's application `id_or_uid`; also answers
/// what changed, for the audit log.
pub async fn update(
    ops: &Operations,
    project_id: &str,
    id_or_uid: &str,
    body: UpdateApplication,
) -> Result<(Application, serde_json::Value), Error> {
    let mut a = find(ops, project_id, id_or_uid).await?;
    let before = audit_summary(&a);
    if let Some(name) = body.name {
        a.name = name.trim().to_string();
        check_name(&a.name)?;
    }
    if let Some(uid) = body.uid {
        check_uid(uid.as_deref())?;
        a.uid = uid;
    }
    if let Some(m) = &body.metadata {
        a.metadata = metadata(m)?;
    }
    if let Some(f) = &body.portal_frame_ancestors {
        a.frame_ancestors = frame_ancestors(f.as_deref())?;
    }
    a.updated_at = store::now_ms();
    uid_taken(ops.store.update_application(&a).await?)?;
    ops.changed().await;
    let changes = crate::audit::changes(&before, &audit_summary(&a));
    Ok((a, changes))
}

/// Deletes the project's application `id_or_uid` with its endpoints,
/// messages and portal tokens; answers it and how many endpoints went.
pub async fn delete(
    ops: &Operations,
    project_id: &str,
    id_or_uid: &str,
) -> Result<(Application, usize), Error> {
    let a = find(ops, project_id, id_or_uid).await?;
    let endpoints = ops
        .store
        .delete_application(project_id, &a.id)
        .await?
        .ok_or_else(|| Error::NotFound("application"))?;
    for e in &endpoints {
        ops.engine.invalidate(e);
    }
    ops.changed().await;
    Ok((a, endpoints.len()))
}

/// An application's settings for the audit log: the names of its metadata
/// fields but not their values, which are the project's customer data.
pub fn audit_summary(a: &Application) -> serde_json::Value {
    let metadata: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&a.metadata).unwrap_or_default();
    let frame_ancestors: Option<Vec<String>> = a
        .frame_ancestors
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok());
    serde_json::json!({
        "name": a.name,
        "uid": a.uid,
        "metadataKeys": metadata.keys().collect::<Vec<_>>(),
        "portalFrameAncestors": frame_ancestors,
    })
}
