//! Trying a filter on a sample event before setting it. Nothing is stored.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Error;
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

/// Checks the filter (`Invalid` naming the wrong part) and answers whether
/// the sample matches it, so such an event is sent rather than recorded
/// `filtered`.
pub fn test(body: TestFilter) -> Result<bool, Error> {
    let filter = Filter::parse(&body.filter).map_err(|e| Error::invalid("filter", e))?;
    let headers: BTreeMap<String, String> = body
        .headers
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let header = |name: &str| headers.get(name).map(String::as_str);
    Ok(filter.matches(Some(&body.payload), &header))
}
