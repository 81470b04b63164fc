//! Extractors that answer bad input in the API's error shape.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::store::PageRequest;

/// A JSON body; errors name the offending field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        // axum's checks (the content type, then the body) on the bytes read
        // once, which are then looked through for control characters.
        let (parts, body) = req.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state).await?;
        let req = Request::from_parts(parts, axum::body::Body::from(bytes.clone()));
        let axum::Json(v) = axum::Json::<T>::from_request(req, state).await?;
        refuse_control_characters(&bytes)?;
        Ok(ApiJson(v))
    }
}

/// A JSON body that may be left out entirely (e.g. rotate with defaults).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        let axum::Json(v) = axum::Json::<T>::from_bytes(&bytes)?;
        refuse_control_characters(&bytes)?;
        Ok(OptionalJson(v))
    }
}

/// Top-level body fields that hold documents of the client's own (an
/// event's payload, a JSON schema, metadata): any JSON string goes there.
const FREE_FORM_FIELDS: [&str; 3] = ["payload", "schema", "metadata"];

/// A control character other than tab and line breaks: it has no place in
/// a name, an id, a URL or an email, and PostgreSQL cannot store NUL in
/// text at all.
pub fn is_unwanted_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Refuses a JSON body (already known to parse) with a control character
/// in any string or key outside the free-form fields, naming the top-level
/// field it is in.
fn refuse_control_characters(body: &[u8]) -> Result<(), ApiError> {
    fn clean(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => !s.chars().any(is_unwanted_control),
            serde_json::Value::Array(items) => items.iter().all(clean),
            serde_json::Value::Object(map) => map
                .iter()
                .all(|(k, v)| !k.chars().any(is_unwanted_control) && clean(v)),
            _ => true,
        }
    }
    // Cheap first: in JSON a control character is either escaped (`\u`),
    // or a raw DEL or C1 character (U+0080 to U+009F: 0xC2 0x80..0x9F in
    // UTF-8); other raw control bytes are not valid JSON at all.
    let may_hold_one = memchr::memchr3_iter(0x7f, b'\\', 0xc2, body).any(|i| {
        let next = body.get(i + 1).copied();
        match body[i] {
            0x7f => true,
            b'\\' => next == Some(b'u'),
            _ => next.is_some_and(|b| (0x80..=0x9f).contains(&b)),
        }
    });
    if !may_hold_one {
        return Ok(());
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_json", e.to_string()))?;
    let invalid =
        |field: String| ApiError::invalid_field(field, "must not contain control characters");
    match &value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k.chars().any(is_unwanted_control) {
                    return Err(invalid(k.chars().filter(|c| !c.is_control()).collect()));
                }
                if !FREE_FORM_FIELDS.contains(&k.as_str()) && !clean(v) {
                    return Err(invalid(k.clone()));
                }
            }
            Ok(())
        }
        other if clean(other) => Ok(()),
        _ => Err(invalid("body".into())),
    }
}

/// Checked before every handler (see `api::edge`): a path or query with a
/// control character names nothing that exists (no id, cursor or filter
/// value holds one), so it is answered before any lookup, the same on
/// every backend: a path is not found, a query parameter invalid (400,
/// named).
pub fn refuse_control_characters_in_uri(uri: &axum::http::Uri) -> Result<(), ApiError> {
    let path = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    if path.chars().any(char::is_control) {
        return Err(ApiError::not_found("resource"));
    }
    if let Some(query) = uri.query() {
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            if k.chars().chain(v.chars()).any(char::is_control) {
                let name: String = k.chars().filter(|c| !c.is_control()).collect();
                return Err(ApiError::invalid_query(
                    name,
                    "must not contain control characters",
                ));
            }
        }
    }
    Ok(())
}

pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Query(v) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(v))
    }
}

pub use crate::operations::PageQuery;

pub fn page_request(limit: Option<i64>, cursor: Option<String>) -> Result<PageRequest, ApiError> {
    Ok(crate::operations::page(limit, cursor)?)
}

/// The token of an `Authorization: Bearer ...` header, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    bearer_in(&parts.headers)
}

/// The token of an `Authorization: Bearer ...` header.
pub fn bearer_in(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::refuse_control_characters;

    fn field(body: &str) -> Option<String> {
        refuse_control_characters(body.as_bytes())
            .err()
            .map(|e| e.field.unwrap_or_default().into_owned())
    }

    #[test]
    fn control_characters_are_found_escaped_or_raw_and_named() {
        assert_eq!(field(r#"{"name": "a\u0000b"}"#).as_deref(), Some("name"));
        assert_eq!(field("{\"name\": \"a\u{7f}b\"}").as_deref(), Some("name"));
        assert_eq!(field("{\"name\": \"a\u{85}b\"}").as_deref(), Some("name"));
        assert_eq!(
            field(r#"{"headers": {"x-a\u0001": "b"}}"#).as_deref(),
            Some("headers")
        );
        assert_eq!(field(r#"{"a\u0000": 1}"#).as_deref(), Some("a"));
        assert_eq!(field(r#"["\u0007"]"#).as_deref(), Some("body"));
    }

    #[test]
    fn text_free_form_fields_and_other_escapes_pass() {
        assert_eq!(
            field("{\n  \"description\": \"two\\nlines\\tand \\u00e9\"\n}"),
            None
        );
        assert_eq!(field(r#"{"payload": {"s": "\u0000"}, "name": "x"}"#), None);
        assert_eq!(field(r#"{"metadata": {"k": "\u0001"}}"#), None);
        assert_eq!(field("{\"name\": \"caf\u{e9} \u{20ac}\"}"), None);
    }
}
