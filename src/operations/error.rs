//! What an operation refuses. Each surface maps it to its own answer
//! (`api::error` to the HTTP status and error code).

use std::borrow::Cow;

use crate::ingest::IntakeError;

#[derive(Debug)]
pub enum Error {
    /// No such `what` (in this project).
    NotFound(&'static str),
    /// An input field breaks a rule.
    Invalid {
        field: Cow<'static, str>,
        problem: String,
    },
    /// A query parameter breaks a rule; `field` names it when the answer
    /// should.
    InvalidQuery {
        field: Option<Cow<'static, str>>,
        problem: String,
    },
    /// The change conflicts with what is stored; `code` says how.
    Conflict { code: &'static str, message: String },
    /// The project's tier does not include `feature`.
    TierRequired {
        feature: &'static str,
        tier: &'static str,
    },
    /// A limit of the project is reached; `code` says which, and
    /// `retry_after` in how many seconds it resets, if it does.
    Limit {
        code: &'static str,
        message: String,
        retry_after: Option<i64>,
    },
    /// The database failed.
    Store(sqlx::Error),
    /// The intake refused or failed.
    Intake(IntakeError),
}

impl Error {
    pub fn invalid(field: impl Into<Cow<'static, str>>, problem: impl std::fmt::Display) -> Self {
        Error::Invalid {
            field: field.into(),
            problem: problem.to_string(),
        }
    }

    pub fn invalid_query(
        field: impl Into<Cow<'static, str>>,
        problem: impl std::fmt::Display,
    ) -> Self {
        Error::InvalidQuery {
            field: Some(field.into()),
            problem: problem.to_string(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Store(e)
    }
}

impl From<IntakeError> for Error {
    fn from(e: IntakeError) -> Self {
        Error::Intake(e)
    }
}

/// For the CLI, which prints it.
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotFound(what) => write!(f, "{what} not found"),
            Error::Invalid { field, problem }
            | Error::InvalidQuery {
                field: Some(field),
                problem,
            } => write!(f, "{field}: {problem}"),
            Error::InvalidQuery { problem, .. } => f.write_str(problem),
            Error::TierRequired { feature, tier } => {
                write!(f, "{feature} is not included in the {tier} tier")
            }
            Error::Conflict { message, .. } | Error::Limit { message, .. } => f.write_str(message),
            Error::Store(e) => write!(f, "{e}"),
            Error::Intake(e) => write!(f, "{e:?}"),
        }
    }
}

impl std::error::Error for Error {}
