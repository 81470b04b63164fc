//! The dashboard's project-scoped calls. Each checks the user's membership,
//! calls the same functions as the Public API, and records the action in
//! the audit log with the user as actor.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use super::Session;
use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, ApiQuery, OptionalJson, PageQuery};
use crate::api::project::ApiKeyView;
use crate::api::webhooks::{self, WebhookView};
use crate::api::{data, deliveries, ingest, list, transformations, AppState, Data, List};
use crate::operations::keys::{self, CreateKey};
use crate::operations::webhooks::{self as ops, CreateWebhook, RotateSecret, UpdateWebhook};
use crate::store::SecretKind;

pub fn routes() -> Router<AppState> {
    const P: &str = "/dashboard/api/projects/{project_id}";
    Router::new()
        .route(
            &format!("{P}/webhooks"),
            get(list_webhooks).post(create_webhook),
        )
        .route(
            &format!("{P}/webhooks/{{id}}"),
            get(get_webhook)
                .patch(update_webhook)
                .delete(remove_webhook),
        )
        .route(
            &format!("{P}/webhooks/{{id}}/rotate-signing-secret"),
            post(rotate_signing_secret),
        )
        .route(
            &format!("{P}/webhooks/{{id}}/rotate-ingest-secret"),
            post(rotate_ingest_secret),
        )
        .route(
            &format!("{P}/webhooks/{{id}}/test-event"),
            post(send_test_event),
        )
        .route(
            &format!("{P}/webhooks/{{id}}/secret-versions"),
            get(secret_versions),
        )
        .route(
            &format!("{P}/webhooks/{{id}}/rotate-verification-secret"),
            post(rotate_verification_secret),
        )
        .route(
            &format!("{P}/webhooks/{{id}}/ingest-refusals"),
            get(ingest_refusals),
        )
        .route(
            &format!("{P}/webhooks/{{id}}/transformation"),
            get(get_transformation).put(put_transformation),
        )
        .route(
            &format!("{P}/webhooks/{{id}}/transformation/versions"),
            get(transformation_versions),
        )
        .route(&format!("{P}/filters/test"), post(test_filter))
        .route(
            &format!("{P}/transformations/simulate"),
            post(simulate_transformation),
        )
        .route(&format!("{P}/deliveries"), get(list_deliveries))
        .route(&format!("{P}/deliveries/{{id}}"), get(get_delivery))
        .route(&format!("{P}/api-keys"), get(list_keys).post(create_key))
        .route(&format!("{P}/api-keys/{{key_id}}/rotate"), post(rotate_key))
        .route(&format!("{P}/api-keys/{{key_id}}/revoke"), post(revoke_key))
}

/// Records the user's change the way the Public API records a key's.
pub(super) async fn audit(
    state: &AppState,
    session: &Session,
    project_id: &str,
    action: &'static str,
    target: (&'static str, &str),
    summary: serde_json::Value,
) {
    crate::operations::audit::record(
        &state.ops.store,
        session.actor(),
        project_id,
        action,
        target,
        summary,
    )
    .await;
}

/// Owners and admins only, like the Public API's admin-key routes; `what`
/// names the refused action in the message.
pub(super) async fn admin_only(
    state: &AppState,
    session: &Session,
    project_id: &str,
    what: &str,
) -> Result<(), ApiError> {
    if session.role_in(state, project_id).await?.can_manage_keys() {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "{what} needs the owner or admin role in this project"
        )))
    }
}

async fn key_manager(
    state: &AppState,
    session: &Session,
    project_id: &str,
) -> Result<(), ApiError> {
    admin_only(state, session, project_id, "managing API keys").await
}

async fn list_webhooks(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<WebhookView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    let page = state
        .ops
        .store
        .list_webhooks(&project_id, &q.page()?)
        .await?;
    Ok(list(page, |w| webhooks::view(&state, w)))
}

async fn get_webhook(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<axum::Json<Data<WebhookView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    let w = ops::find(&state.ops, &project_id, &id).await?;
    Ok(data(webhooks::view(&state, w)))
}

async fn create_webhook(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> Result<(StatusCode, axum::Json<Data<WebhookView>>), ApiError> {
    session.role_in(&state, &project_id).await?;
    let created = ops::create(&state.ops, project_id.clone(), body).await?;
    let summary = ops::audit_summary(&created.webhook);
    let v = webhooks::created_view(&state, created);
    audit(
        &state,
        &session,
        &project_id,
        "webhook.create",
        ("webhook", &v.id),
        summary,
    )
    .await;
    Ok((StatusCode::CREATED, data(v)))
}

async fn update_webhook(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateWebhook>,
) -> Result<axum::Json<Data<WebhookView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    let w = ops::find(&state.ops, &project_id, &id).await?;
    let ops::Updated {
        webhook: w,
        changes,
        verification_secret,
    } = ops::update(&state.ops, w, body).await?;
    audit(
        &state,
        &session,
        &project_id,
        "webhook.update",
        ("webhook", &w.id),
        changes,
    )
    .await;
    Ok(data(webhooks::updated_view(&state, w, verification_secret)))
}

/// The Public API's deletion: the webhook goes with its secrets, schedules
/// and delivery history. The audit entry keeps its name, since the id alone
/// will name nothing.
async fn remove_webhook(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    session.role_in(&state, &project_id).await?;
    let w = ops::find(&state.ops, &project_id, &id).await?;
    ops::delete(&state.ops, &project_id, &w.id).await?;
    audit(
        &state,
        &session,
        &project_id,
        "webhook.delete",
        ("webhook", &w.id),
        json!({ "name": w.name }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

async fn rotate(
    state: AppState,
    session: Session,
    project_id: String,
    id: String,
    kind: SecretKind,
    body: RotateSecret,
) -> Result<axum::Json<Data<webhooks::RotatedSecret>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    let rotated = ops::rotate(&state.ops, &project_id, &id, kind, body).await?;
    let answer = data(webhooks::rotated_view(&rotated));
    audit(
        &state,
        &session,
        &project_id,
        ops::rotation_action(kind),
        ("webhook", &id),
        rotated.summary,
    )
    .await;
    Ok(answer)
}

async fn rotate_signing_secret(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<RotateSecret>,
) -> Result<axum::Json<Data<webhooks::RotatedSecret>>, ApiError> {
    rotate(state, session, project_id, id, SecretKind::Signing, body).await
}

async fn rotate_ingest_secret(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<RotateSecret>,
) -> Result<axum::Json<Data<webhooks::RotatedSecret>>, ApiError> {
    rotate(state, session, project_id, id, SecretKind::Ingest, body).await
}

async fn rotate_verification_secret(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<RotateSecret>,
) -> Result<axum::Json<Data<webhooks::RotatedSecret>>, ApiError> {
    rotate(
        state,
        session,
        project_id,
        id,
        SecretKind::Verification,
        body,
    )
    .await
}

async fn test_filter(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<crate::operations::filters::TestFilter>,
) -> Result<axum::Json<Data<crate::api::filters::FilterResult>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    crate::api::filters::run(body)
}

async fn simulate_transformation(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<crate::operations::transformations::Simulate>,
) -> Result<axum::Json<Data<crate::api::transformations::Simulation>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    crate::api::transformations::simulate_in(&state, &project_id, body).await
}

async fn get_transformation(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<axum::Json<Data<transformations::TransformationView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    let w = ops::find(&state.ops, &project_id, &id).await?;
    Ok(data(transformations::current(&state, &w).await?))
}

async fn put_transformation(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<transformations::SetTransformation>,
) -> Result<axum::Json<Data<transformations::TransformationView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    let w = ops::find(&state.ops, &project_id, &id).await?;
    Ok(data(
        transformations::set(&state, &w, body, session.actor()).await?,
    ))
}

async fn transformation_versions(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<axum::Json<Data<Vec<transformations::TransformationVersionView>>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    let w = ops::find(&state.ops, &project_id, &id).await?;
    Ok(data(transformations::versions(&state, &w).await?))
}

async fn ingest_refusals(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<axum::Json<Data<Vec<webhooks::RefusalView>>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    webhooks::refusals_in(&state, &project_id, &id).await
}

async fn secret_versions(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<axum::Json<Data<Vec<webhooks::SecretVersionView>>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    webhooks::secret_versions_in(&state, &project_id, &id).await
}

/// Sends a small JSON event through the normal pipeline, so the operator
/// sees a real signed delivery (and its attempts) in the deliveries view.
async fn send_test_event(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    session.role_in(&state, &project_id).await?;
    let w = ops::find(&state.ops, &project_id, &id).await?;
    let body = json!({
        "type": "hookrelay.test",
        "webhookId": w.id,
        "sentBy": session.email,
        "sentAt": crate::api::timestamp(crate::store::now_ms()),
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let head = ingest::EventHead {
        content_type: "application/json".into(),
        idempotency_key: None,
        traceparent: None,
    };
    let route = crate::ingest::Route::Webhook {
        webhook_id: w.id.clone(),
        enabled: w.enabled,
        event_type: None,
        filter: w.filter,
    };
    let res = ingest::accept(
        &state,
        w.project_id,
        route,
        head,
        headers,
        body.to_string().into(),
    )
    .await?;
    audit(
        &state,
        &session,
        &project_id,
        "webhook.send_test_event",
        ("webhook", &w.id),
        json!({}),
    )
    .await;
    Ok(res)
}

async fn list_deliveries(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiQuery(q): ApiQuery<crate::operations::deliveries::DeliveryQuery>,
) -> Result<axum::Json<List<deliveries::TypedDeliveryView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    deliveries::list_in(&state, &project_id, q).await
}

async fn get_delivery(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
) -> Result<axum::Json<Data<deliveries::DeliveryDetail>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    deliveries::get_in(&state, &project_id, &id).await
}

async fn list_keys(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<ApiKeyView>>, ApiError> {
    key_manager(&state, &session, &project_id).await?;
    let page = state
        .ops
        .store
        .list_api_keys(&project_id, &q.page()?)
        .await?;
    Ok(list(page, ApiKeyView::from))
}

async fn create_key(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<CreateKey>,
) -> Result<(StatusCode, axum::Json<Data<ApiKeyView>>), ApiError> {
    key_manager(&state, &session, &project_id).await?;
    let v =
        ApiKeyView::from(keys::create(&state.ops.store, &project_id, &body.name, body.role).await?);
    audit(
        &state,
        &session,
        &project_id,
        "api_key.create",
        ("api_key", &v.id),
        json!({ "name": v.name, "role": v.role }),
    )
    .await;
    Ok((StatusCode::CREATED, data(v)))
}

async fn rotate_key(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, key_id)): Path<(String, String)>,
) -> Result<axum::Json<Data<ApiKeyView>>, ApiError> {
    key_manager(&state, &session, &project_id).await?;
    let v = ApiKeyView::from(keys::rotate(&state.ops, &project_id, &key_id).await?);
    audit(
        &state,
        &session,
        &project_id,
        "api_key.rotate",
        ("api_key", &v.id),
        json!({ "name": v.name }),
    )
    .await;
    Ok(data(v))
}

async fn revoke_key(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, key_id)): Path<(String, String)>,
) -> Result<axum::Json<Data<ApiKeyView>>, ApiError> {
    key_manager(&state, &session, &project_id).await?;
    let v = ApiKeyView::from(keys::revoke(&state.ops, &project_id, &key_id).await?);
    audit(
        &state,
        &session,
        &project_id,
        "api_key.revoke",
        ("api_key", &v.id),
        json!({ "name": v.name }),
    )
    .await;
    Ok(data(v))
}
