//! Applications in the dashboard (list, create, edit), and opening an
//! application's portal with a magic link, through the Public API's
//! functions; every change is audited with the user as actor.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::Router;

use super::projects::audit;
use super::Session;
use crate::api::applications::{self, ApplicationView};
use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, ApiQuery, OptionalJson, PageQuery};
use crate::api::portal_access::{self, MagicLink};
use crate::api::{data, AppState, Data, List};
use crate::operations::applications::{self as ops, CreateApplication, UpdateApplication};
use crate::operations::portal_access::{magic_link as issue_magic_link, MagicLinkRequest};

pub fn routes() -> Router<AppState> {
    const P: &str = "/dashboard/api/projects/{project_id}";
    Router::new()
        .route(&format!("{P}/applications"), get(list).post(create))
        .route(&format!("{P}/applications/{{id}}"), patch(update))
        .route(
            &format!("{P}/applications/{{id}}/portal/magic-link"),
            post(magic_link),
        )
}

async fn list(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<axum::Json<List<ApplicationView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    applications::list_in(&state, &project_id, q).await
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    Path(project_id): Path<String>,
    ApiJson(body): ApiJson<CreateApplication>,
) -> Result<(StatusCode, axum::Json<Data<ApplicationView>>), ApiError> {
    session.role_in(&state, &project_id).await?;
    let a = ops::create(&state.ops, &project_id, body).await?;
    audit(
        &state,
        &session,
        &project_id,
        "application.create",
        ("application", &a.id),
        ops::audit_summary(&a),
    )
    .await;
    Ok((StatusCode::CREATED, data(a.into())))
}

async fn update(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateApplication>,
) -> Result<axum::Json<Data<ApplicationView>>, ApiError> {
    session.role_in(&state, &project_id).await?;
    let (a, changes) = ops::update(&state.ops, &project_id, &id, body).await?;
    audit(
        &state,
        &session,
        &project_id,
        "application.update",
        ("application", &a.id),
        changes,
    )
    .await;
    Ok(data(a.into()))
}

/// The link is in this answer only; the audit entry (`portal.magic_link`,
/// the user as actor) is written where the token is issued.
async fn magic_link(
    State(state): State<AppState>,
    session: Session,
    Path((project_id, id)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<MagicLinkRequest>,
) -> Result<(StatusCode, axum::Json<Data<MagicLink>>), ApiError> {
    session.role_in(&state, &project_id).await?;
    let link = issue_magic_link(&state.ops, &session.actor(), &project_id, &id, body).await?;
    Ok((
        StatusCode::CREATED,
        data(portal_access::magic_link_view(&state, link)),
    ))
}
