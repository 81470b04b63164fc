//! The hosted portal page, `GET /portal/{token}`, and its assets, all
//! embedded in the binary (no CDN, no build step). The page takes the token
//! out of the URL on load and calls the Portal API with it from memory.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;
use crate::portal::content_security_policy;

const PAGE: &str = include_str!("../portal/assets/index.html");
const SCRIPT: &str = include_str!("../portal/assets/portal.js");
const STYLE: &str = include_str!("../portal/assets/portal.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal", get(no_token))
        .route("/portal/", get(no_token))
        .route("/portal/{token}", get(page))
        .route(
            "/portal/assets/portal.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/portal/assets/portal.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
}

/// Headers of every portal response: no referrer (the token is in the
/// page's URL until the script removes it), no caching, no sniffing.
fn protected(
    status: StatusCode,
    content_type: &'static str,
    body: &'static str,
    csp: &str,
) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    (status, headers, body).into_response()
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    protected(
        StatusCode::OK,
        content_type,
        body,
        "default-src 'none'; frame-ancestors 'none'",
    )
}

/// The page as reloaded after the token left the URL: it explains that a
/// fresh link is needed.
async fn no_token() -> Response {
    protected(
        StatusCode::OK,
        "text/html; charset=utf-8",
        PAGE,
        &content_security_policy(None),
    )
}

/// The page, framable by the origins the application allows. An unknown,
/// expired or revoked token gets the same page with 401; its script shows
/// that the link has expired.
async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match super::portal_api::authenticate_token(&state, &token).await {
        Ok(auth) => {
            let allowed: Option<Vec<String>> = auth
                .frame_ancestors
                .as_deref()
                .and_then(|f| serde_json::from_str(f).ok());
            protected(
                StatusCode::OK,
                "text/html; charset=utf-8",
                PAGE,
                &content_security_policy(allowed.as_deref()),
            )
        }
        Err(_) => protected(
            StatusCode::UNAUTHORIZED,
            "text/html; charset=utf-8",
            PAGE,
            &content_security_policy(None),
        ),
    }
}
