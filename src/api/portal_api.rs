//! The Portal API, `/portal-api/v1/...` with `Authorization: Bearer whpt_...`:
//! what the hosted portal and the React components call. A token sees one
//! application and nothing else; every valid token may read, only a token
//! with the `write` scope may change anything (else 403).

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde::{Deserialize, Serialize};
use tower_http::cors::{Any, CorsLayer};

use super::audit_logs::{self, SourceIp};
use super::deliveries::{AttemptView, DeliveryView, TypedDeliveryView};
use super::error::{ApiError, ErrorBody};
use super::event_types::EventTypeView;
use super::extract::{bearer, page_request, ApiJson, ApiQuery, OptionalJson, PageQuery};
use super::replays::ReplayOptions;
use super::transformations::{
    self, SetTransformation, Simulation, TransformationVersionView, TransformationView,
};
use super::webhooks::{self, RotatedSecret, WebhookView};
use super::{data, timestamp, AppState, Data, List};
use crate::applications::TEST_EVENT_TYPE;
use crate::operations::transformations::Simulate;
use crate::operations::webhooks::{self as ops, CreateWebhook, RotateSecret, UpdateWebhook};
use crate::portal::can_write;
use crate::secrets::{self, PORTAL_TOKEN_PREFIX};
use crate::store::{self, DeliveryStatus, LogFilter, Message, PortalAuth, SecretKind, Webhook};

pub fn routes() -> Router<AppState> {
    let routes: [(&str, MethodRouter<AppState>); 16] = [
        ("/portal-api/v1/session", get(session)),
        (
            "/portal-api/v1/endpoints",
            get(list_endpoints).post(create_endpoint),
        ),
        (
            "/portal-api/v1/endpoints/{id}",
            get(get_endpoint)
                .patch(update_endpoint)
                .delete(delete_endpoint),
        ),
        ("/portal-api/v1/endpoints/{id}/secret", get(reveal_secret)),
        (
            "/portal-api/v1/endpoints/{id}/rotate-secret",
            post(rotate_secret),
        ),
        ("/portal-api/v1/endpoints/{id}/test", post(send_test)),
        (
            "/portal-api/v1/endpoints/{id}/transformation",
            get(get_transformation).put(put_transformation),
        ),
        (
            "/portal-api/v1/endpoints/{id}/transformation/versions",
            get(transformation_versions),
        ),
        (
            "/portal-api/v1/transformations/simulate",
            post(simulate_transformation),
        ),
        (
            "/portal-api/v1/filters/test",
            post(super::filters::portal_test),
        ),
        ("/portal-api/v1/event-types", get(event_types)),
        ("/portal-api/v1/messages", get(list_messages)),
        ("/portal-api/v1/messages/{id}", get(get_message)),
        ("/portal-api/v1/deliveries", get(list_deliveries)),
        ("/portal-api/v1/deliveries/{id}", get(get_delivery)),
        ("/portal-api/v1/deliveries/{id}/replay", post(replay)),
    ];
    // OPTIONS is routed so that CORS preflights reach the CORS layer
    // instead of the router's 405 fallback.
    routes
        .into_iter()
        .fold(Router::new(), |router, (path, methods)| {
            router.route(path, methods.options(|| async { StatusCode::NO_CONTENT }))
        })
        .layer(cors())
}

/// The React components run on the project's own site, so browsers call
/// the Portal API cross-origin. Any origin may: the credential is a bearer
/// token the page holds, never a cookie, so there is nothing ambient to
/// ride on.
fn cors() -> CorsLayer {
    use axum::http::{header, Method};
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(3600))
}

/// Any valid portal token: read access to its application.
pub struct PortalReader(pub PortalAuth);

/// A valid portal token with the `write` scope; a read-only one is 403.
pub struct PortalWriter(pub PortalAuth);

pub(super) async fn authenticate_token(
    state: &AppState,
    token: &str,
) -> Result<PortalAuth, ApiError> {
    if !token.starts_with(PORTAL_TOKEN_PREFIX) {
        return Err(ApiError::unauthorized(
            "the Portal API takes a portal token (whpt_...)",
        ));
    }
    // No cache: a revoked token must stop working at once, on every node.
    state
        .ops
        .store
        .find_portal_token(&secrets::hash(token))
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid, expired or revoked portal token"))
}

impl FromRequestParts<AppState> for PortalReader {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(|| {
            ApiError::unauthorized("missing Authorization: Bearer whpt_... header")
        })?;
        authenticate_token(state, token).await.map(PortalReader)
    }
}

impl FromRequestParts<AppState> for PortalWriter {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let PortalReader(auth) = PortalReader::from_request_parts(parts, state).await?;
        if !can_write(&auth.scopes) {
            return Err(ApiError::forbidden("this portal token is read-only"));
        }
        Ok(PortalWriter(auth))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    application_id: String,
    application_name: String,
    #[schema(schema_with = super::scopes_schema)]
    scopes: Vec<String>,
}

#[utoipa::path(get, path = "/portal-api/v1/session", operation_id = "portal.getSession", tag = "portal", security(("portalToken" = [])),
    responses((status = 200, body = Data<SessionView>), (status = 401, body = ErrorBody)))]
pub async fn session(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
) -> Result<axum::Json<Data<SessionView>>, ApiError> {
    let app =
        crate::operations::applications::find(&state.ops, &auth.project_id, &auth.application_id)
            .await?;
    Ok(data(SessionView {
        application_id: app.id,
        application_name: app.name,
        scopes: serde_json::from_str(&auth.scopes).unwrap_or_default(),
    }))
}

#[utoipa::path(get, path = "/portal-api/v1/endpoints", operation_id = "portal.listEndpoints", tag = "portal", security(("portalToken" = [])), params(PageQuery),
    responses((status = 200, body = List<WebhookView>), (status = 401, body = ErrorBody)))]
pub async fn list_endpoints(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<WebhookView>>, ApiError> {
    let page = state
        .ops
        .store
        .list_endpoints(&auth.application_id, &q.page()?)
        .await?;
    Ok(super::list(page, |w| {
        webhooks::portal_view(&state, w, None)
    }))
}

/// Records a change the customer made through the portal in the project's
/// audit log, with the portal token as actor.
async fn audit(
    state: &AppState,
    auth: &PortalAuth,
    ip: &SourceIp,
    action: &'static str,
    target: (&'static str, &str),
    summary: serde_json::Value,
) {
    crate::operations::audit::record(
        &state.ops.store,
        audit_logs::portal_actor(auth, ip),
        &auth.project_id,
        action,
        target,
        summary,
    )
    .await;
}

/// One of the token's application's endpoints; any other id is 404.
async fn endpoint(state: &AppState, auth: &PortalAuth, id: &str) -> Result<Webhook, ApiError> {
    let w = ops::find(&state.ops, &auth.project_id, id).await?;
    if w.application_id.as_deref() != Some(auth.application_id.as_str()) {
        return Err(ApiError::not_found("endpoint"));
    }
    Ok(w)
}

#[utoipa::path(post, path = "/portal-api/v1/endpoints", operation_id = "portal.createEndpoint", tag = "portal", security(("portalToken" = [])), request_body = CreateWebhook,
    responses((status = 201, body = Data<WebhookView>, description = "`signingSecret` is shown here and through /secret"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 400, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "`application_endpoint_limit`: this application has as many endpoints as the project allows; `quota_exceeded`: the tier's webhook count")))]
pub async fn create_endpoint(
    State(state): State<AppState>,
    PortalWriter(auth): PortalWriter,
    ip: SourceIp,
    ApiJson(mut body): ApiJson<CreateWebhook>,
) -> Result<(StatusCode, axum::Json<Data<WebhookView>>), ApiError> {
    if body
        .application_id
        .as_ref()
        .is_some_and(|a| *a != auth.application_id)
    {
        return Err(ApiError::invalid_field(
            "applicationId",
            "a portal token manages its own application only",
        ));
    }
    if body.destination_kind == Some(crate::store::DestinationKind::Listen) {
        // Only the project's own keys can open a `hookrelay listen`.
        return Err(ApiError::invalid_field(
            "destinationKind",
            "portal endpoints are delivered over HTTP",
        ));
    }
    body.application_id = Some(auth.application_id.clone());
    if body.verification.is_some() {
        return Err(no_verification_in_portal());
    }
    let created = ops::create(&state.ops, auth.project_id.clone(), body).await?;
    let w = &created.webhook;
    audit(
        &state,
        &auth,
        &ip,
        "webhook.create",
        ("webhook", &w.id),
        ops::audit_summary(w),
    )
    .await;
    Ok((
        StatusCode::CREATED,
        data(webhooks::portal_view(
            &state,
            created.webhook,
            Some(created.signing_secret),
        )),
    ))
}

#[utoipa::path(get, path = "/portal-api/v1/endpoints/{id}", operation_id = "portal.getEndpoint", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<WebhookView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_endpoint(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<WebhookView>>, ApiError> {
    let w = endpoint(&state, &auth, &id).await?;
    Ok(data(webhooks::portal_view(&state, w, None)))
}

#[utoipa::path(patch, path = "/portal-api/v1/endpoints/{id}", operation_id = "portal.updateEndpoint", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    request_body = UpdateWebhook,
    responses((status = 200, body = Data<WebhookView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 400, body = ErrorBody)))]
pub async fn update_endpoint(
    State(state): State<AppState>,
    PortalWriter(auth): PortalWriter,
    ip: SourceIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateWebhook>,
) -> Result<axum::Json<Data<WebhookView>>, ApiError> {
    let w = endpoint(&state, &auth, &id).await?;
    if body.verification.is_some() {
        return Err(no_verification_in_portal());
    }
    let ops::Updated {
        webhook: w,
        changes,
        ..
    } = ops::update(&state.ops, w, body).await?;
    audit(
        &state,
        &auth,
        &ip,
        "webhook.update",
        ("webhook", &w.id),
        changes,
    )
    .await;
    Ok(data(webhooks::portal_view(&state, w, None)))
}

/// Verification guards a webhook's ingest URL, which belongs to the project,
/// not to the application's customer.
fn no_verification_in_portal() -> ApiError {
    ApiError::invalid_field(
        "verification",
        "ingest verification is set by the project, not through the portal",
    )
}

#[utoipa::path(delete, path = "/portal-api/v1/endpoints/{id}", operation_id = "portal.deleteEndpoint", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_endpoint(
    State(state): State<AppState>,
    PortalWriter(auth): PortalWriter,
    ip: SourceIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let w = endpoint(&state, &auth, &id).await?;
    ops::delete(&state.ops, &auth.project_id, &w.id).await?;
    // The id alone will name nothing once the endpoint is gone.
    audit(
        &state,
        &auth,
        &ip,
        "webhook.delete",
        ("webhook", &w.id),
        serde_json::json!({ "name": w.name }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SigningSecret {
    /// The current signing secret, `whsec_...`.
    signing_secret: String,
}

#[utoipa::path(get, path = "/portal-api/v1/endpoints/{id}/secret", operation_id = "portal.revealEndpointSecret", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<SigningSecret>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reveal_secret(
    State(state): State<AppState>,
    PortalWriter(auth): PortalWriter,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<SigningSecret>>, ApiError> {
    let w = endpoint(&state, &auth, &id).await?;
    let (_, live) = state
        .ops
        .store
        .webhook_for_delivery(&w.id)
        .await?
        .ok_or_else(|| ApiError::not_found("endpoint"))?;
    let current = live
        .first()
        .ok_or_else(|| ApiError::not_found("signing secret"))?;
    let signing_secret = state
        .ops
        .secret_box
        .decrypt(&current.material)
        .map_err(|e| {
            tracing::error!(error = %e, endpoint = %w.id, "stored signing secret does not decrypt");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
        })?;
    Ok(data(SigningSecret { signing_secret }))
}

#[utoipa::path(post, path = "/portal-api/v1/endpoints/{id}/rotate-secret", operation_id = "portal.rotateEndpointSecret", tag = "portal", security(("portalToken" = [])),
    params(("id" = String, Path)), request_body(content = Option<RotateSecret>, description = "Optional: an empty body takes every default"),
    responses((status = 200, body = Data<RotatedSecret>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    PortalWriter(auth): PortalWriter,
    ip: SourceIp,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<RotateSecret>,
) -> Result<axum::Json<Data<RotatedSecret>>, ApiError> {
    let w = endpoint(&state, &auth, &id).await?;
    let rotated = ops::rotate(
        &state.ops,
        &auth.project_id,
        &w.id,
        SecretKind::Signing,
        body,
    )
    .await?;
    let answer = data(webhooks::rotated_view(&rotated));
    audit(
        &state,
        &auth,
        &ip,
        ops::rotation_action(SecretKind::Signing),
        ("webhook", &w.id),
        rotated.summary,
    )
    .await;
    Ok(answer)
}

#[utoipa::path(post, path = "/portal-api/v1/endpoints/{id}/test", operation_id = "portal.sendTestMessage", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    responses((status = 202, body = Data<super::applications::SentMessage>, description = "A `hookrelay.test` message to this endpoint only"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn send_test(
    State(state): State<AppState>,
    PortalWriter(auth): PortalWriter,
    ip: SourceIp,
    Path(id): Path<String>,
) -> Result<
    (
        StatusCode,
        axum::Json<Data<super::applications::SentMessage>>,
    ),
    ApiError,
> {
    let w = endpoint(&state, &auth, &id).await?;
    let app =
        crate::operations::applications::find(&state.ops, &auth.project_id, &auth.application_id)
            .await?;
    let payload = serde_json::json!({ "type": TEST_EVENT_TYPE, "endpointId": w.id, "sentAt": timestamp(store::now_ms()) });
    let (sent, _) = super::applications::fan_out(
        &state,
        &app,
        TEST_EVENT_TYPE.into(),
        payload.to_string().into(),
        None,
        Some(&w.id),
        None,
    )
    .await?;
    audit(
        &state,
        &auth,
        &ip,
        "webhook.send_test_event",
        ("webhook", &w.id),
        serde_json::json!({ "messageId": sent.id }),
    )
    .await;
    Ok((StatusCode::ACCEPTED, data(sent)))
}

#[utoipa::path(get, path = "/portal-api/v1/event-types", operation_id = "portal.listEventTypes", tag = "portal", security(("portalToken" = [])), params(PageQuery),
    responses((status = 200, body = List<EventTypeView>), (status = 401, body = ErrorBody)))]
pub async fn event_types(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<EventTypeView>>, ApiError> {
    let page = state
        .ops
        .store
        .list_event_types(&auth.project_id, &q.page()?)
        .await?;
    Ok(super::list(page, EventTypeView::from))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    id: String,
    event_type: Option<String>,
    /// The payload as JSON when it is JSON, else as text.
    #[schema(value_type = serde_json::Value)]
    payload: Payload,
    created_at: String,
}

/// A stored payload as the portal shows it: JSON as it was sent (a parsed
/// `Value` would sort its keys and round integers past 64 bits), anything
/// else as a string.
#[derive(Serialize)]
#[serde(untagged)]
enum Payload {
    Json(Box<serde_json::value::RawValue>),
    Text(String),
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        let payload = match serde_json::from_slice(&m.body) {
            Ok(json) => Payload::Json(json),
            Err(_) => Payload::Text(String::from_utf8_lossy(&m.body).into_owned()),
        };
        MessageView {
            id: m.id,
            event_type: m.event_type,
            payload,
            created_at: timestamp(m.created_at),
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    event_type: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/portal-api/v1/messages", operation_id = "portal.listMessages", tag = "portal", security(("portalToken" = [])), params(MessageQuery),
    responses((status = 200, body = List<MessageView>), (status = 401, body = ErrorBody)))]
pub async fn list_messages(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    ApiQuery(q): ApiQuery<MessageQuery>,
) -> Result<axum::Json<List<MessageView>>, ApiError> {
    let event_type = q.event_type.filter(|t| !t.is_empty());
    let page = state
        .ops
        .store
        .list_messages(
            &auth.application_id,
            event_type.as_deref(),
            &page_request(q.limit, q.cursor)?,
        )
        .await?;
    Ok(super::list(page, MessageView::from))
}

#[utoipa::path(get, path = "/portal-api/v1/messages/{id}", operation_id = "portal.getMessage", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<MessageView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_message(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<MessageView>>, ApiError> {
    let m = state
        .ops
        .store
        .get_message(&auth.application_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("message"))?;
    Ok(data(m.into()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    endpoint_id: Option<String>,
    /// Only deliveries in this state.
    #[param(value_type = Option<DeliveryStatus>)]
    status: Option<String>,
    event_type: Option<String>,
    message_id: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/portal-api/v1/deliveries", operation_id = "portal.listDeliveries", tag = "portal", security(("portalToken" = [])), params(LogQuery),
    responses((status = 200, body = List<TypedDeliveryView>, description = "The message log: deliveries to this application's endpoints, newest first"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<axum::Json<List<TypedDeliveryView>>, ApiError> {
    let status = crate::operations::deliveries::status_query(q.status.as_deref())?;
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let filter = LogFilter {
        endpoint_id: non_empty(q.endpoint_id),
        status,
        event_type: non_empty(q.event_type),
        message_id: non_empty(q.message_id),
    };
    let page = state
        .ops
        .store
        .list_log(
            &auth.application_id,
            &filter,
            &page_request(q.limit, q.cursor)?,
        )
        .await?;
    Ok(super::list(page, TypedDeliveryView::from))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortalDeliveryDetail {
    #[serde(flatten)]
    delivery: DeliveryView,
    attempts: Vec<AttemptView>,
}

/// A delivery to one of the token's application's endpoints; else 404.
async fn delivery(
    state: &AppState,
    auth: &PortalAuth,
    id: &str,
) -> Result<(store::Delivery, Vec<store::Attempt>), ApiError> {
    let found = state
        .ops
        .store
        .get_delivery(&auth.project_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery"))?;
    endpoint(state, auth, &found.0.webhook_id)
        .await
        .map_err(|_| ApiError::not_found("delivery"))?;
    Ok(found)
}

#[utoipa::path(get, path = "/portal-api/v1/deliveries/{id}", operation_id = "portal.getDelivery", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<PortalDeliveryDetail>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_delivery(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<PortalDeliveryDetail>>, ApiError> {
    let (d, attempts) = delivery(&state, &auth, &id).await?;
    Ok(data(PortalDeliveryDetail {
        delivery: d.into(),
        attempts: attempts.into_iter().map(AttemptView::from).collect(),
    }))
}

#[utoipa::path(post, path = "/portal-api/v1/deliveries/{id}/replay", operation_id = "portal.replayDelivery", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    request_body(content = Option<ReplayOptions>, description = "Optional: an empty body resends what the original's transformation produced"),
    responses((status = 202, body = Data<DeliveryView>, description = "A new delivery of the same message to the same endpoint"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn replay(
    State(state): State<AppState>,
    PortalWriter(auth): PortalWriter,
    ip: SourceIp,
    Path(id): Path<String>,
    OptionalJson(options): OptionalJson<ReplayOptions>,
) -> Result<(StatusCode, axum::Json<Data<DeliveryView>>), ApiError> {
    // Only a delivery to one of this customer's endpoints; then the same
    // replay as /v1 (linked to the original, counted in usage).
    delivery(&state, &auth, &id).await?;
    let (fresh, summary) = crate::operations::replays::replay(
        &state.ops,
        &auth.project_id,
        &id,
        false,
        options.rerun_transformation,
    )
    .await?;
    audit(
        &state,
        &auth,
        &ip,
        crate::operations::replays::replay_action(false),
        ("delivery", &id),
        summary,
    )
    .await;
    Ok((StatusCode::ACCEPTED, data(fresh.into())))
}

#[utoipa::path(get, path = "/portal-api/v1/endpoints/{id}/transformation", operation_id = "portal.getTransformation", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<TransformationView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_transformation(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<TransformationView>>, ApiError> {
    let w = endpoint(&state, &auth, &id).await?;
    Ok(data(transformations::current(&state, &w).await?))
}

#[utoipa::path(put, path = "/portal-api/v1/endpoints/{id}/transformation", operation_id = "portal.setTransformation", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    request_body = SetTransformation,
    responses((status = 200, body = Data<TransformationView>, description = "The new current version, kept and audited"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_transformation(
    State(state): State<AppState>,
    PortalWriter(auth): PortalWriter,
    ip: SourceIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SetTransformation>,
) -> Result<axum::Json<Data<TransformationView>>, ApiError> {
    let w = endpoint(&state, &auth, &id).await?;
    let actor = audit_logs::portal_actor(&auth, &ip);
    Ok(data(transformations::set(&state, &w, body, actor).await?))
}

#[utoipa::path(get, path = "/portal-api/v1/endpoints/{id}/transformation/versions", operation_id = "portal.listTransformationVersions", tag = "portal", security(("portalToken" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Data<Vec<TransformationVersionView>>, description = "Every version kept, newest first"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn transformation_versions(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    Path(id): Path<String>,
) -> Result<axum::Json<Data<Vec<TransformationVersionView>>>, ApiError> {
    let w = endpoint(&state, &auth, &id).await?;
    Ok(data(transformations::versions(&state, &w).await?))
}

#[utoipa::path(post, path = "/portal-api/v1/transformations/simulate", operation_id = "portal.simulateTransformation", tag = "portal", security(("portalToken" = [])),
    request_body = Simulate,
    responses((status = 200, body = Data<Simulation>, description = "What the script would send for one of this application's deliveries (nothing is sent or stored)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn simulate_transformation(
    State(state): State<AppState>,
    PortalReader(auth): PortalReader,
    ApiJson(body): ApiJson<Simulate>,
) -> Result<axum::Json<Data<Simulation>>, ApiError> {
    delivery(&state, &auth, &body.delivery_id).await?;
    transformations::simulate_in(&state, &auth.project_id, body).await
}
