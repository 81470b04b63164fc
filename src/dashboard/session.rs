//! Login, logout and the session extractor: a random id in an HttpOnly,
//! SameSite=Lax cookie scoped to `/dashboard`, looked up server-side on
//! every request, plus a per-session CSRF token that every state-changing
//! call must echo in `X-CSRF-Token`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::too_many_attempts;
use crate::api::error::ApiError;
use crate::api::extract::ApiJson;
use crate::api::{data, AppState};
use crate::secrets;
use crate::store::{self, Actor, NewSession, SessionRecord};
use crate::users::{self, MemberRole};

pub const COOKIE_NAME: &str = "hookrelay_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
const INVALID_LOGIN: &str = "invalid email or password";

/// A signed-in dashboard user.
pub struct Session {
    pub user_id: String,
    pub email: String,
    pub csrf_token: String,
    pub source_ip: Option<String>,
    id_hash: String,
}

impl Session {
    /// The user's role in `project_id`. Not being a member is 404, as if the
    /// project did not exist, so ids of other projects reveal nothing.
    pub async fn role_in(
        &self,
        state: &AppState,
        project_id: &str,
    ) -> Result<MemberRole, ApiError> {
        let role = state
            .ops
            .store
            .membership_role(&self.user_id, project_id)
            .await?;
        role.as_deref()
            .and_then(MemberRole::parse)
            .ok_or_else(|| ApiError::not_found("project"))
    }

    pub fn actor(&self) -> Actor {
        Actor {
            actor_type: "user",
            actor_id: self.user_id.clone(),
            actor_label: self.email.clone(),
            source_ip: self.source_ip.clone(),
        }
    }
}

/// The client's address: the peer, or, behind a reverse proxy configured
/// with --client-ip-header, the last entry of that header (the one the
/// proxy itself appended; earlier entries come from the client and could
/// be forged to dodge the per-address login limit).
fn client_ip(parts: &Parts, state: &AppState) -> Option<String> {
    if let Some(name) = &state.dashboard.client_ip_header {
        let forwarded = parts
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back();
        let last = forwarded
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        return last
            .and_then(|v| v.parse::<std::net::IpAddr>().ok())
            .map(|ip| ip.to_string());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

/// A cross-site page can make the browser send the cookie along with a form
/// post; an `Origin` of another site gives such a request away even before
/// the CSRF token is checked. The request's own host and the configured
/// public URL (a reverse proxy may rewrite `Host`) are this site.
fn foreign_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    let public_origin = url::Url::parse(public_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    origin_host != host && origin != public_origin
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session_cookie(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("sign in to the dashboard first"))?;
        let id_hash = secrets::hash(token);
        let record = state.ops.store.get_session(&id_hash).await?;
        let now = store::now_ms();
        let policy = state.dashboard.policy;
        let Some(SessionRecord {
            user_id,
            email,
            csrf_token,
            last_seen_at,
            expires_at,
        }) = record
        else {
            return Err(ApiError::unauthorized(
                "your session has ended; sign in again",
            ));
        };
        if !policy.is_live(now, last_seen_at, expires_at) {
            state.ops.store.delete_session(&id_hash).await?;
            return Err(ApiError::unauthorized(
                "your session has expired; sign in again",
            ));
        }
        if is_state_changing(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            let matches: bool = sent.ct_eq(csrf_token.as_bytes()).into();
            if !matches || foreign_origin(&parts.headers, &state.public_url) {
                return Err(ApiError::forbidden(
                    "missing or invalid CSRF token (X-CSRF-Token)",
                ));
            }
        }
        if policy.needs_touch(now, last_seen_at) {
            state.ops.store.touch_session(&id_hash, now).await?;
        }
        Ok(Session {
            user_id,
            email,
            csrf_token,
            source_ip: client_ip(parts, state),
            id_hash,
        })
    }
}

/// The client's address, for rate limiting and the audit log.
pub struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, state)))
    }
}

fn set_cookie(state: &AppState, value: &str, max_age_secs: u64) -> HeaderValue {
    let secure = if state.dashboard.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{COOKIE_NAME}={value}; Path=/dashboard; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&cookie).expect("cookie made of URL-safe characters")
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectAccess {
    id: String,
    name: String,
    role: MemberRole,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    email: String,
    projects: Vec<ProjectAccess>,
    /// Send back as `X-CSRF-Token` on every POST, PATCH and DELETE.
    csrf_token: String,
}

async fn session_view(
    state: &AppState,
    user_id: &str,
    email: String,
    csrf_token: String,
) -> Result<SessionView, ApiError> {
    let projects = state
        .ops
        .store
        .memberships(user_id)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(ProjectAccess {
                role: MemberRole::parse(&m.role)?,
                id: m.project_id,
                name: m.project_name,
            })
        })
        .collect();
    Ok(SessionView {
        email,
        projects,
        csrf_token,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
    password: String,
}

/// Argon2 takes tens of milliseconds of CPU: off the async workers.
async fn check_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || users::verify_password(&password, hash.as_deref()))
        .await
        .unwrap_or(false)
}

/// The same 401 for an unknown email, a wrong password and a user who has
/// not set a password yet; failures count against the email (known or not)
/// and the client address.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Login>,
) -> Result<Response, ApiError> {
    refuse_foreign_origin(&state, &headers)?;
    let email = body.email.trim().to_lowercase();
    let account_key = format!("email:{email}");
    let ip_key = format!("ip:{}", ip.as_deref().unwrap_or("unknown"));
    let limits = &state.dashboard;
    // Counted in the database, so the limits hold across nodes.
    let keys = [
        (&account_key, limits.login_by_account),
        (&ip_key, limits.login_by_ip),
    ];
    let now = store::now_ms();
    for (key, limit) in keys {
        let wait = state
            .ops
            .store
            .login_failures(key)
            .await?
            .and_then(|(started, failures)| limit.wait(started, failures, now));
        if let Some(wait) = wait {
            return Ok(too_many_attempts(wait));
        }
    }
    let user = match users::normalize_email(&email) {
        Ok(e) if body.password.len() <= users::MAX_PASSWORD_LEN => {
            state.ops.store.find_user_by_email(&e).await?
        }
        _ => None,
    };
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let valid = check_password(body.password, hash.clone()).await;
    let refuse = || async {
        for (key, limit) in keys {
            state
                .ops
                .store
                .record_login_failure(key, limit.window.as_millis() as i64)
                .await?;
        }
        Ok::<_, ApiError>(ApiError::unauthorized(INVALID_LOGIN))
    };
    let (Some(user), Some(hash)) = (user.filter(|_| valid), hash) else {
        return Err(refuse().await?);
    };
    let token = secrets::new_token();
    let csrf = secrets::new_token();
    let absolute = limits.policy.absolute;
    let created = state
        .ops
        .store
        .create_session(&NewSession {
            id_hash: &secrets::hash(&token),
            user_id: &user.id,
            password_hash: &hash,
            csrf_token: &csrf,
            expires_at: store::now_ms() + absolute.as_millis() as i64,
            source_ip: ip.as_deref(),
        })
        .await?;
    if !created {
        return Err(refuse().await?);
    }
    state.ops.store.clear_login_failures(&account_key).await?;
    let actor = Actor {
        actor_type: "user",
        actor_id: user.id.clone(),
        actor_label: user.email.clone(),
        source_ip: ip,
    };
    audit_in_every_project(&state, &actor, "user.login").await?;
    let view = session_view(&state, &user.id, user.email, csrf).await?;
    let mut res = data(view).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(&state, &token, absolute.as_secs()),
    );
    Ok(res)
}

pub async fn current(
    State(state): State<AppState>,
    session: Session,
) -> Result<axum::Json<crate::api::Data<SessionView>>, ApiError> {
    session_view(&state, &session.user_id, session.email, session.csrf_token)
        .await
        .map(data)
}

fn signed_out(state: &AppState) -> Response {
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, set_cookie(state, "", 0));
    res
}

pub async fn logout(State(state): State<AppState>, session: Session) -> Result<Response, ApiError> {
    state.ops.store.delete_session(&session.id_hash).await?;
    audit_in_every_project(&state, &session.actor(), "user.logout").await?;
    Ok(signed_out(&state))
}

/// Ends every session of the user, on every device, at once.
pub async fn logout_all(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, ApiError> {
    state
        .ops
        .store
        .delete_user_sessions(&session.user_id)
        .await?;
    audit_in_every_project(&state, &session.actor(), "user.logout_all").await?;
    Ok(signed_out(&state))
}

/// Signing in and out concerns every project the user can reach, so each
/// project's audit log shows it. Like every audit write, a failed one is
/// logged: the session has already started or ended.
async fn audit_in_every_project(
    state: &AppState,
    actor: &Actor,
    action: &'static str,
) -> Result<(), ApiError> {
    for m in state.ops.store.memberships(&actor.actor_id).await? {
        let target = ("user", actor.actor_id.as_str());
        crate::operations::audit::record(
            &state.ops.store,
            actor.clone(),
            &m.project_id,
            action,
            target,
            serde_json::json!({}),
        )
        .await;
    }
    Ok(())
}

fn refuse_foreign_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if foreign_origin(headers, &state.public_url) {
        return Err(ApiError::forbidden("cross-site requests are refused"));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupPassword {
    token: String,
    password: String,
}

/// Spends a one-time password-setup link from `hookrelay user create`.
pub async fn setup_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SetupPassword>,
) -> Result<StatusCode, ApiError> {
    refuse_foreign_origin(&state, &headers)?;
    users::validate_password(&body.password).map_err(|e| ApiError::invalid_field("password", e))?;
    let password = body.password;
    let hash = tokio::task::spawn_blocking(move || users::hash_password(&password))
        .await
        .map_err(|_| ApiError::unavailable("could not hash the password; try again"))?;
    match state
        .ops
        .store
        .use_setup_token(&secrets::hash(body.token.trim()), &hash)
        .await?
    {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(ApiError::bad_request(
            "invalid_setup_link",
            "this password-setup link is invalid, used or expired",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; hookrelay_session=abc; b=2"),
        );
        assert_eq!(session_cookie(&h), Some("abc"));
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("hookrelay_session=; other=x"),
        );
        assert_eq!(session_cookie(&h), None);
        assert_eq!(session_cookie(&HeaderMap::new()), None);
    }

    #[test]
    fn origin_must_be_this_site() {
        let headers = |origin: &'static str, host: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ORIGIN, HeaderValue::from_static(origin));
            h.insert(header::HOST, HeaderValue::from_static(host));
            h
        };
        let public = "https://hooks.example.com";
        assert!(
            !foreign_origin(&HeaderMap::new(), public),
            "no Origin: left to the CSRF token"
        );
        assert!(!foreign_origin(
            &headers("http://127.0.0.1:8080", "127.0.0.1:8080"),
            public
        ));
        assert!(
            !foreign_origin(
                &headers("https://hooks.example.com", "10.0.0.5:8080"),
                public
            ),
            "behind a proxy"
        );
        assert!(foreign_origin(
            &headers("https://evil.example", "127.0.0.1:8080"),
            public
        ));
        assert!(foreign_origin(&headers("null", "127.0.0.1:8080"), public));
    }
}
