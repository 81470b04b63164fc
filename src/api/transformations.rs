//! `POST /v1/transformations/simulate`: runs a transformation on a stored
//! delivery's event, in the sandbox, without sending anything.

use std::collections::BTreeMap;

use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::{data, AppState, Data};
use crate::transform::{self, Caps, Input, Outcome};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "code": "function handler(event) { return { body: { kind: event.eventType, data: event.payload } } }", "deliveryId": "msg_01JQ3W7F8H2K5M9P3R6T8V1X4Z" }))]
pub struct Simulate {
    /// JavaScript defining `handler(event)`, which returns `{body, headers?,
    /// method?, url?}` or null (cancel). `event` has `payload` (parsed JSON,
    /// or the text), `headers`, `method`, `url` and `eventType`.
    code: String,
    /// The stored delivery whose event the script runs on.
    delivery_id: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimulatedRequest {
    /// The body sent: a string returned as is, anything else as JSON.
    body: String,
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

/// Runs a simulation in a project; shared by the Public API and the
/// dashboard.
pub(crate) async fn simulate_in(
    state: &AppState,
    project_id: &str,
    body: Simulate,
) -> Result<axum::Json<Data<Simulation>>, ApiError> {
    if body.code.trim().is_empty() || body.code.len() > transform::MAX_CODE_BYTES {
        return Err(ApiError::invalid_field(
            "code",
            format!(
                "must be 1 to {} bytes of JavaScript",
                transform::MAX_CODE_BYTES
            ),
        ));
    }
    let (d, _) = state
        .store
        .get_delivery(project_id, &body.delivery_id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery"))?;
    let event = state
        .store
        .get_event_payload(project_id, &d.event_id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery's event"))?;
    let w = crate::operations::webhooks::find(&state.ops, project_id, &d.webhook_id).await?;
    let mut headers: BTreeMap<String, String> =
        serde_json::from_str(&w.headers).unwrap_or_default();
    if let Some(own) = event.headers.as_deref() {
        headers.extend(serde_json::from_str::<BTreeMap<String, String>>(own).unwrap_or_default());
    }
    headers.insert("content-type".into(), event.content_type.clone());
    let payload = serde_json::from_slice(&event.body).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&event.body).into_owned())
    });
    let input = Input {
        payload,
        headers,
        method: "POST".into(),
        url: w.destination_url,
        event_type: event.event_type,
    };
    let fallback = (input.method.clone(), input.url.clone());
    let answer = match transform::run(body.code, input, Caps::default()).await {
        Ok(Outcome::Send(r)) => Simulation {
            outcome: "send",
            request: Some(SimulatedRequest {
                body: r.body,
                headers: r.headers,
                method: r.method.unwrap_or(fallback.0),
                url: r.url.unwrap_or(fallback.1),
            }),
            error: None,
        },
        Ok(Outcome::Cancelled) => Simulation {
            outcome: "cancelled",
            request: None,
            error: None,
        },
        Err(f) => Simulation {
            outcome: "failed",
            request: None,
            error: Some(SimulationFailure {
                kind: f.kind(),
                message: f.message(),
            }),
        },
    };
    Ok(data(answer))
}
