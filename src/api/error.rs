//! The one error shape of every HTTP surface: `{"error": {"code", "message"}}`
//! (plus `field` when one input field is at fault). Invalid input of any
//! kind (malformed JSON, a wrong type, an unknown or missing field, a value
//! breaking a rule, a bad query parameter or header) is `400`, whatever the
//! route: one status for clients to handle, with `code` and `field` saying
//! what was wrong.

use std::borrow::Cow;

use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<Cow<'static, str>>,
    /// Seconds for a `retry-after` header.
    pub retry_after: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({ "error": { "code": "invalid_field", "message": "destinationUrl: must be an http or https URL", "field": "destinationUrl" } }))]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    field: Option<Cow<'static, str>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// A body field whose value breaks a rule: 400, naming the field.
    pub fn invalid_field(
        field: impl Into<Cow<'static, str>>,
        problem: impl std::fmt::Display,
    ) -> Self {
        let field = field.into();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_field",
            message: format!("{field}: {problem}"),
            field: Some(field),
            retry_after: None,
        }
    }
    /// A query parameter that breaks a rule: 400, naming the parameter.
    pub fn invalid_query(
        field: impl Into<Cow<'static, str>>,
        problem: impl std::fmt::Display,
    ) -> Self {
        let field = field.into();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_query",
            message: format!("{field}: {problem}"),
            field: Some(field),
            retry_after: None,
        }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    /// The project's tier does not include this route.
    pub fn tier_required(feature: &str, tier: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "tier_required",
            format!("{feature} is not included in the {tier} tier; the operator can change it with hookrelay project set-tier"),
        )
    }
    /// A quota of the project's tier is used up; `retry_after` when it resets.
    pub fn quota_exceeded(message: impl Into<String>, retry_after: Option<i64>) -> Self {
        ApiError {
            retry_after,
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded", message)
        }
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                field: self.field,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// Database failures are logged with their detail and answered without it.
impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error");
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ApiError::unavailable("the database is unavailable; try again")
            }
            _ => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            ),
        }
    }
}

impl From<crate::ingest::IntakeError> for ApiError {
    fn from(e: crate::ingest::IntakeError) -> Self {
        use crate::ingest::IntakeError;
        match e {
            IntakeError::PayloadTooLarge { tier, limit } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the {tier} tier takes payloads up to {limit} bytes"),
            ),
            IntakeError::QuotaExceeded { tier, limit, retry_after_secs } => {
                ApiError::quota_exceeded(format!("the {tier} tier's {limit} events this month are used up"), Some(retry_after_secs))
            }
            IntakeError::NotFound(what) => ApiError::not_found(what),
            IntakeError::NotDeadLetter => ApiError::conflict(
                "not_dead_letter",
                "this delivery is not in the dead-letter queue (not dead, or already replayed or discarded)",
            ),
            IntakeError::Unavailable => ApiError::unavailable("the event could not be stored; it was not accepted, send it again"),
            IntakeError::Store(e) => e.into(),
        }
    }
}

impl From<crate::operations::Error> for ApiError {
    fn from(e: crate::operations::Error) -> Self {
        use crate::operations::Error;
        match e {
            Error::NotFound(what) => ApiError::not_found(what),
            Error::Invalid { field, problem } => ApiError::invalid_field(field, problem),
            Error::InvalidQuery {
                field: Some(field),
                problem,
            } => ApiError::invalid_query(field, problem),
            Error::InvalidQuery {
                field: None,
                problem,
            } => ApiError::bad_request("invalid_query", problem),
            Error::Conflict { code, message } => ApiError::conflict(code, message),
            Error::TierRequired { feature, tier } => ApiError::tier_required(feature, tier),
            Error::Limit {
                code,
                message,
                retry_after,
            } => ApiError {
                retry_after,
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message)
            },
            Error::Store(e) => e.into(),
            Error::Intake(e) => e.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => ApiError {
                status: StatusCode::BAD_REQUEST,
                code: "invalid_field",
                message: e.body_text().replace(
                    "Failed to deserialize the JSON body into the target type: ",
                    "",
                ),
                field: None,
                retry_after: None,
            },
            JsonRejection::JsonSyntaxError(e) => {
                ApiError::bad_request("invalid_json", e.body_text())
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected content-type: application/json",
            ),
            JsonRejection::BytesRejection(e) => bytes_rejection(e),
            other => ApiError::bad_request("bad_request", other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::bad_request("invalid_query", r.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        bytes_rejection(r)
    }
}

/// The body read stopped at the server's body timeout.
fn timed_out(r: &BytesRejection) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(r);
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = e.source();
    }
    false
}

fn bytes_rejection(r: BytesRejection) -> ApiError {
    if timed_out(&r) {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body stalled (see --request-body-timeout-seconds)",
        )
    } else if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body exceeds the size limit",
        )
    } else {
        ApiError::bad_request("bad_request", r.body_text())
    }
}
