//! Transformations: an endpoint's current one and its kept versions
//! (`/v1/webhooks/{id}/transformation`, the Portal API's on the customer's
//! own endpoints, the dashboard's), and `POST /v1/transformations/simulate`,
//! which runs a script on a stored delivery's event, in the sandbox,
//! without sending anything.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use super::audit_logs::{self, SourceIp};
use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::{data, timestamp, AppState, Data};
use crate::operations::transformations::{self as ops, Simulate, Simulated};
use crate::store::{Actor, TransformationVersion, Webhook};

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimulatedRequest {
    /// The body sent: a string returned as is, anything else as JSON.
    body: String,
    /// The endpoint's and the event's headers with the script's over them
    /// (the signature headers are added when sent).
    headers: BTreeMap<String, String>,
    method: String,
    url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimulationFailure {
    /// `transformation_timeout`, `transformation_memory` or
    /// `transformation_error`.
    kind: &'static str,
    message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Simulation {
    /// `send`, `cancelled` (the script returned null) or `failed`.
    #[schema(schema_with = outcome)]
    outcome: &'static str,
    request: Option<SimulatedRequest>,
    error: Option<SimulationFailure>,
}

fn outcome() -> utoipa::openapi::Object {
    super::one_of(&["send", "cancelled", "failed"])
}

#[utoipa::path(post, path = "/v1/transformations/simulate", operation_id = "transformations.simulate", tag = "deliveries", security(("apiKey" = [])),
    request_body = Simulate,
    responses((status = 200, body = Data<Simulation>, description = "What the script would send (nothing is sent or stored); a script that fails is `outcome: failed`, within a 200 ms and 16 MiB cap"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn simulate(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ApiJson(body): ApiJson<Simulate>,
) -> Result<axum::Json<Data<Simulation>>, ApiError> {
    simulate_in(&state, &key.project_id, body).await
}

/// Runs a simulation in a project; shared by the Public API, the Portal API
/// and the dashboard.
pub(crate) async fn simulate_in(
    state: &AppState,
    project_id: &str,
    body: Simulate,
) -> Result<axum::Json<Data<Simulation>>, ApiError> {
    let simulated = ops::simulate(&state.ops, project_id, body).await?;
    Ok(data(simulated.into()))
}

impl From<Simulated> for Simulation {
    fn from(s: Simulated) -> Self {
        match s {
            Simulated::Send(r) => Simulation {
                outcome: "send",
                request: Some(SimulatedRequest {
                    headers: r.headers,
                    body: r.body,
                    method: r.method,
                    url: r.url,
                }),
                error: None,
            },
            Simulated::Cancelled => Simulation {
                outcome: "cancelled",
                request: None,
                error: None,
            },
            Simulated::Failed(f) => Simulation {
                outcome: "failed",
                request: None,
                error: Some(SimulationFailure {
                    kind: f.kind(),
                    message: f.message(),
                }),
            },
        }
    }
}

/// An endpoint's transformation now.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({ "code": "function handler(event) { return { body: { kind: event.eventType, data: event.payload } } }", "enabled": true,
    "versionId": "trv_01JQ3W7F8H2K5M9P3R6T8V1X4Z", "updatedAt": "2026-03-14T15:30:00.000Z" }))]
pub struct TransformationView {
    /// The current version's JavaScript; null if none was ever set.
    code: Option<String>,
    /// Whether deliveries run it.
    enabled: bool,
    version_id: Option<String>,
    updated_at: Option<String>,
}

impl TransformationView {
    fn of(v: Option<TransformationVersion>) -> TransformationView {
        match v {
            Some(v) => TransformationView {
                code: Some(v.code),
                enabled: v.enabled,
                version_id: Some(v.id),
                updated_at: Some(timestamp(v.created_at)),
            },
            None => TransformationView {
                code: None,
                enabled: false,
                version_id: None,
                updated_at: None,
            },
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "code": "function handler(event) { if (event.payload.test) return null; return { body: event.payload, headers: { 'x-kind': event.eventType } } }", "enabled": true }))]
pub struct SetTransformation {
    /// JavaScript defining `handler(event)` (at most 64 KiB); absent keeps
    /// the current version's. `handler` returns `{body, headers?, method?,
    /// url?}` or null, which cancels the delivery.
    code: Option<String>,
    /// Default true.
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// One kept version.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransformationVersionView {
    id: String,
    created_at: String,
    enabled: bool,
    code: String,
    /// SHA-256 of `code`, hex: tells versions apart at a glance.
    code_sha256: String,
    /// Who set it, as in the audit log: `api_key`, `user` or `portal`.
    actor_type: String,
    actor_label: String,
}

impl From<TransformationVersion> for TransformationVersionView {
    fn from(v: TransformationVersion) -> Self {
        TransformationVersionView {
            code_sha256: ops::code_sha256(&v.code),
            id: v.id,
            created_at: timestamp(v.created_at),
            enabled: v.enabled,
            code: v.code,
            actor_type: v.actor_type,
            actor_label: v.actor_label,
        }
    }
}

/// A webhook's current transformation.
pub(crate) async fn current(state: &AppState, w: &Webhook) -> Result<TransformationView, ApiError> {
    let v = match &w.transformation_id {
        Some(id) => state.ops.store.transformation_version(id).await?,
        None => None,
    };
    Ok(TransformationView::of(v))
}

/// A webhook's kept versions, newest first.
pub(crate) async fn versions(
    state: &AppState,
    w: &Webhook,
) -> Result<Vec<TransformationVersionView>, ApiError> {
    Ok(state
        .ops
        .store
        .list_transformation_versions(&w.id)
        .await?
        .into_iter()
        .map(TransformationVersionView::from)
        .collect())
}

/// Sets a webhook's transformation (see `operations::transformations::set`).
pub(crate) async fn set(
    state: &AppState,
    w: &Webhook,
    body: SetTransformation,
    actor: Actor,
) -> Result<TransformationView, ApiError> {
    let v = ops::set(&state.ops, w, body.code, body.enabled, actor).await?;
    Ok(TransformationView::of(Some(v)))
}

#[utoipa::path(get, path = "/v1/webhooks/{id}/transformation", operation_id = "webhooks.getTransformation", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Data<TransformationView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_transformation(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<TransformationView>>, ApiError> {
    let w = crate::operations::webhooks::find(&state.ops, &key.project_id, &id).await?;
    Ok(data(current(&state, &w).await?))
}

#[utoipa::path(put, path = "/v1/webhooks/{id}/transformation", operation_id = "webhooks.setTransformation", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path)), request_body = SetTransformation,
    responses((status = 200, body = Data<TransformationView>, description = "The new current version; every change is kept as a version and audited"),
        (status = 400, body = ErrorBody, description = "`invalid_field` `code`: too large, does not compile, defines no `handler`, or its top level runs past the caps"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_transformation(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    ip: SourceIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SetTransformation>,
) -> Result<axum::Json<Data<TransformationView>>, ApiError> {
    let w = crate::operations::webhooks::find(&state.ops, &key.project_id, &id).await?;
    let actor = audit_logs::key_actor(&key, &ip);
    Ok(data(set(&state, &w, body, actor).await?))
}

#[utoipa::path(get, path = "/v1/webhooks/{id}/transformation/versions", operation_id = "webhooks.listTransformationVersions", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Data<Vec<TransformationVersionView>>, description = "Every version kept, newest first"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_versions(
    State(state): State<AppState>,
    ApiKey(key): ApiKey,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<Vec<TransformationVersionView>>>, ApiError> {
    let w = crate::operations::webhooks::find(&state.ops, &key.project_id, &id).await?;
    Ok(data(versions(&state, &w).await?))
}
