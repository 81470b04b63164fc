//! Public API credentials: `Authorization: Bearer swk_...`. Any other kind of
//! credential is 401 here, whatever its validity elsewhere.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::ApiError;
use super::extract::bearer;
use super::AppState;
use crate::secrets::{self, API_KEY_PREFIX};
use crate::store::KeyAuth;

/// Any active project API key (`write` or `admin`).
pub struct ApiKey(pub KeyAuth);

/// An active `admin` key; a valid `write` key is 403.
pub struct AdminKey(pub KeyAuth);

async fn authenticate(parts: &Parts, state: &AppState) -> Result<KeyAuth, ApiError> {
    let Some(token) = bearer(parts) else {
        return Err(ApiError::unauthorized(
            "missing Authorization: Bearer swk_... header",
        ));
    };
    if !token.starts_with(API_KEY_PREFIX) {
        return Err(ApiError::unauthorized(
            "the Public API takes a project API key (swk_...); webhook and portal secrets are not valid here",
        ));
    }
    state
        .ops
        .active_key(&secrets::hash(token))
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid or revoked API key"))
}

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state).await.map(ApiKey)
    }
}

impl FromRequestParts<AppState> for AdminKey {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = authenticate(parts, state).await?;
        if key.role != "admin" {
            return Err(ApiError::forbidden("this route needs an admin API key"));
        }
        Ok(AdminKey(key))
    }
}
