//! [`ServiceError`]: why a use case refused or failed, in domain terms. The
//! HTTP layer maps each variant to a status (`server::error`); the CLI
//! prints it. Messages name the field or the rule, never document text.

use super::store::StoreError;
use super::workflow::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A field of the request is wrong; nothing was scanned or recorded.
    #[error("field `{field}` {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The request as a whole is wrong (no field to name).
    #[error("{0}")]
    BadRequest(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The state changed, or the action does not fit it.
    #[error("{0}")]
    Conflict(String),
    /// A 三审 rule refused the resolution.
    #[error("{0}")]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            field,
            message: message.into(),
        }
    }
}
