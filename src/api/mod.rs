//! The HTTP surface. Handlers stay thin: parse, authorize, call an
//! operation (`crate::operations`, for every change) or read the store,
//! shape the answer.

pub(crate) mod applications;
pub(crate) mod audit_logs;
mod auth;
pub(crate) mod deliveries;
pub mod error;
mod event_types;
pub(crate) mod extract;
pub(crate) mod filters;
mod health;
pub(crate) mod ingest;
pub(crate) mod listen;
mod metrics;
pub(crate) mod notification_channels;
pub mod openapi;
pub(crate) mod portal_access;
mod portal_api;
mod portal_page;
pub(crate) mod project;
pub(crate) mod replays;
pub(crate) mod schedules;
pub(crate) mod transformations;
pub(crate) mod usage;
pub(crate) mod webhooks;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;

use crate::operations::Operations;
use error::ApiError;

pub struct State {
    /// The shared operations, and through them the store, the secret box
    /// and the intake.
    pub ops: Arc<Operations>,
    pub public_url: String,
    pub dashboard: crate::users::DashboardSettings,
    /// Turns to read an event body (`--max-concurrent-ingest-bodies`).
    pub ingest_bodies: tokio::sync::Semaphore,
    refusals: ingest::RefusalLog,
}

pub type AppState = Arc<State>;

/// The server's settings the API needs (from `serve`'s flags).
pub struct Settings {
    pub public_url: String,
    pub dashboard: crate::users::DashboardSettings,
    pub max_concurrent_ingest_bodies: usize,
}

impl State {
    pub fn new(ops: Arc<Operations>, settings: Settings) -> AppState {
        Arc::new(State {
            ops,
            public_url: settings.public_url.trim_end_matches('/').to_string(),
            dashboard: settings.dashboard,
            ingest_bodies: tokio::sync::Semaphore::new(settings.max_concurrent_ingest_bodies),
            refusals: ingest::RefusalLog::default(),
        })
    }

    pub fn ingest_url(&self, public_id: &str) -> String {
        format!("{}/v1/ingest/{public_id}", self.public_url)
    }
}

/// Every route of the Public API, the Portal API and the hosted portal.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/v1/openapi.json", get(openapi::served))
        .route(
            "/v1/project",
            get(project::get_project).patch(project::update_project),
        )
        .route(
            "/v1/project/api-keys",
            get(project::list_keys).post(project::create_key),
        )
        .route("/v1/project/api-keys/{key_id}", get(project::get_key))
        .route(
            "/v1/project/api-keys/{key_id}/revoke",
            post(project::revoke_key),
        )
        .route(
            "/v1/project/api-keys/{key_id}/rotate",
            post(project::rotate_key),
        )
        .route("/v1/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/v1/webhooks/{id}",
            get(webhooks::get)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route(
            "/v1/webhooks/{id}/rotate-ingest-secret",
            post(webhooks::rotate_ingest_secret),
        )
        .route(
            "/v1/webhooks/{id}/rotate-signing-secret",
            post(webhooks::rotate_signing_secret),
        )
        .route(
            "/v1/webhooks/{id}/rotate-verification-secret",
            post(webhooks::rotate_verification_secret),
        )
        .route(
            "/v1/webhooks/{id}/secret-versions",
            get(webhooks::secret_versions),
        )
        .route(
            "/v1/webhooks/{id}/ingest-refusals",
            get(webhooks::ingest_refusals),
        )
        .route(
            "/v1/webhooks/{id}/transformation",
            get(transformations::get_transformation).put(transformations::put_transformation),
        )
        .route(
            "/v1/webhooks/{id}/transformation/versions",
            get(transformations::list_versions),
        )
        .route("/v1/webhooks/{id}/events", post(ingest::send_event))
        .route("/v1/webhooks/{id}/listen", get(listen::listen))
        .route("/v1/deliveries", get(deliveries::list))
        .route("/v1/deliveries/{id}", get(deliveries::get))
        .route("/v1/ingest/{public_id}", post(ingest::ingest))
        .route("/v1/filters/test", post(filters::test))
        .route(
            "/v1/transformations/simulate",
            post(transformations::simulate),
        )
        .merge(applications::routes())
        .merge(event_types::routes())
        .merge(portal_access::routes())
        .merge(portal_api::routes())
        .merge(portal_page::routes())
        .merge(replays::routes())
        .merge(usage::routes())
        .merge(audit_logs::routes())
        .merge(schedules::routes())
        .merge(notification_channels::routes())
        .merge(metrics::routes())
}

/// The service as served: `routes` (this module's and the other surfaces'),
/// with the answers for unknown routes and methods and the body limit.
pub fn app(routes: Router<AppState>, state: AppState, max_body_bytes: usize) -> Router {
    routes
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            )
        })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::middleware::from_fn(edge))
        .with_state(state)
}

/// What every request passes, in one middleware because each layer costs
/// a boxed service and future per request (three layers were about 3 % of
/// a message's CPU): a path or query with a control character is answered
/// at once (`extract::refuse_control_characters_in_uri`), a request whose
/// body was left unread closes its connection
/// (`connections::close_if_unread`), and each request is counted in
/// `hookrelay_http_request_duration_seconds` by its route template (never
/// the path itself, whose ids would make a series each) and status class.
async fn edge(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let started = std::time::Instant::now();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    // Methods are free text in HTTP: only the known ones make a series.
    let method = match *req.method() {
        axum::http::Method::GET => "GET",
        axum::http::Method::POST => "POST",
        axum::http::Method::PUT => "PUT",
        axum::http::Method::PATCH => "PATCH",
        axum::http::Method::DELETE => "DELETE",
        axum::http::Method::HEAD => "HEAD",
        axum::http::Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let (req, body) = crate::connections::watch_body(req);
    let mut response = match extract::refuse_control_characters_in_uri(req.uri()) {
        Ok(()) => next.run(req).await,
        Err(refused) => refused.into_response(),
    };
    crate::connections::close_if_unread(body, &mut response);
    crate::metrics::metrics().http_request(route, method, response.status().as_u16(), started);
    response
}

/// The success envelope: `{"data": ...}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Data<T> {
    pub data: T,
}

pub fn data<T>(data: T) -> axum::Json<Data<T>> {
    axum::Json(Data { data })
}

/// A page of a list: `{"data": [...], "nextCursor": ..., "hasMore": ...}`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

pub fn list<S, T>(page: crate::store::Page<S>, f: impl Fn(S) -> T) -> axum::Json<List<T>> {
    axum::Json(List {
        has_more: page.next_cursor.is_some(),
        next_cursor: page.next_cursor,
        data: page.items.into_iter().map(f).collect(),
    })
}

pub(crate) use crate::operations::one_of;

/// The schema of a list of portal scopes.
pub(crate) fn scopes_schema() -> utoipa::openapi::Array {
    utoipa::openapi::ArrayBuilder::new()
        .items(one_of(&[crate::portal::READ, crate::portal::WRITE]))
        .build()
}

/// Unix milliseconds as RFC 3339 (UTC, millisecond precision).
pub fn timestamp(ms: i64) -> String {
    crate::time::rfc3339(ms)
}
