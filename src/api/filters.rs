//! Trying a filter on a sample event before setting it: the Public API's
//! and the Portal API's `filters/test` (the dashboard's calls `run` too).
//! Nothing is stored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::auth::ApiKey;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiJson;
use super::portal_api::PortalReader;
use super::{data, Data};
use crate::filters::Filter;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({ "filter": { "path": "data.amount", "gte": 100 }, "payload": { "type": "invoice.paid", "data": { "amount": 1200 } } }))]
pub struct TestFilter {
    /// The filter, as it would be set on a webhook or endpoint.
    #[schema(value_type = Object)]
    filter: serde_json::Value,
    /// A sample event body.
    #[schema(value_type = Object)]
    payload: serde_json::Value,
    /// Sample request headers, for conditions on headers.
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilterResult {
    /// True: such an event is sent; false: it is recorded `filtered`.
    matches: bool,
}

/// Checks the filter (400 naming the wrong part) and runs it on the sample.
pub(crate) fn run(body: TestFilter) -> Result<axum::Json<Data<FilterResult>>, ApiError> {
    let filter = Filter::parse(&body.filter).map_err(|e| ApiError::invalid_field("filter", e))?;
    let headers: BTreeMap<String, String> = body
        .headers
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let header = |name: &str| headers.get(name).map(String::as_str);
    Ok(data(FilterResult {
        matches: filter.matches(Some(&body.payload), &header),
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
