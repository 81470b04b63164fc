//! The operator dashboard: a small client app embedded in the binary (no
//! build step, nothing from a CDN) over JSON calls under `/dashboard/api`.
//! It takes only the browser session cookie; project API keys are refused
//! here, and the cookie is not accepted on `/v1`.
//!
//! Project-scoped calls live under `/dashboard/api/projects/{projectId}/...`;
//! each page adds its routes here and a view in `app.js`.

mod applications;
mod notifications;
mod projects;
mod replays;
mod reports;
mod schedules;
mod session;

use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api::error::ApiError;
use crate::api::AppState;

pub use session::Session;

const INDEX_HTML: &str = include_str!("../../assets/dashboard/index.html");
const APP_JS: &str = include_str!("../../assets/dashboard/app.js");
const APP_CSS: &str = include_str!("../../assets/dashboard/app.css");

/// Everything comes from this origin; no inline script or style, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/dashboard/api/login", post(session::login))
        .route(
            "/dashboard/api/setup-password",
            post(session::setup_password),
        )
        .route("/dashboard/api/session", get(session::current))
        .route("/dashboard/api/logout", post(session::logout))
        .route("/dashboard/api/logout-all", post(session::logout_all))
        .merge(projects::routes())
        .merge(applications::routes())
        .merge(notifications::routes())
        .merge(replays::routes())
        .merge(reports::routes())
        .merge(schedules::routes())
        .layer(middleware::from_fn(refuse_api_keys));
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/", get(page))
        .route("/dashboard/setup", get(page))
        .route(
            "/dashboard/assets/app.js",
            get(|| asset("text/javascript; charset=utf-8", APP_JS)),
        )
        .route(
            "/dashboard/assets/app.css",
            get(|| asset("text/css; charset=utf-8", APP_CSS)),
        )
        .merge(api)
        .layer(middleware::map_response(security_headers))
}

async fn page() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML).await
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The dashboard is a product UI, not an API: a bearer credential here is
/// a client mistaking it for `/v1`, and gets a clear 401 whatever it holds.
async fn refuse_api_keys(req: Request, next: Next) -> Response {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return ApiError::unauthorized(
            "the dashboard takes a browser session, not an API key; use the Public API under /v1 with Authorization: Bearer swk_...",
        )
        .into_response();
    }
    next.run(req).await
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// 429 with `Retry-After`, in the API's error shape.
fn too_many_attempts(wait: Duration) -> Response {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    let mut res = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!("too many failed sign-in attempts; try again in {minutes} minute(s)"),
    )
    .into_response();
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(wait.as_secs().max(1)),
    );
    res
}
