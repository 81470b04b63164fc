//! Trying a filter on a sample event before setting it: the Public API's
//! and the Portal API's `filters/test` (the dashboard's calls `run` too).
//! Nothing is stored.

use serde::Serialize;

use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::portal_api::PortalReader;
use super::{data, Data};
use crate::operations::filters::{self, TestFilter};

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilterResult {
    /// True: such an event is sent; false: it is recorded `filtered`.
    matches: bool,
}

/// The answer of `filters::test`.
pub(crate) fn run(body: TestFilter) -> Result<axum::Json<Data<FilterResult>>, ApiError> {
    Ok(data(FilterResult {
        matches: filters::test(body)?,
    }))
}

#[utoipa::path(post, path = "/v1/filters/test", operation_id = "filters.test", tag = "webhooks", security(("apiKey" = [])),
    request_body = TestFilter,
    responses((status = 200, body = Data<FilterResult>), (status = 400, body = ErrorBody, description = "`invalid_field` naming the wrong part of the filter"),
        (status = 401, body = ErrorBody)))]
pub async fn test(
    _key: ApiKey,
    ApiJson(body): ApiJson<TestFilter>,
) -> Result<axum::Json<Data<FilterResult>>, ApiError> {
    run(body)
}

#[utoipa::path(post, path = "/portal-api/v1/filters/test", operation_id = "portal.testFilter", tag = "portal", security(("portalToken" = [])),
    request_body = TestFilter,
    responses((status = 200, body = Data<FilterResult>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn portal_test(
    _auth: PortalReader,
    ApiJson(body): ApiJson<TestFilter>,
) -> Result<axum::Json<Data<FilterResult>>, ApiError> {
    run(body)
}
