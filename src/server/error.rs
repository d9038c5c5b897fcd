//! `ApiError`: every way a request can fail, each with its status. The body
//! is always `{"error": {"code": "...", "message": "..."}}`. Internal causes
//! go to the log (with the request id), never into the response; the
//! message never quotes document text.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is malformed; the message names the field.
    BadRequest(String),
    /// 401: no token, or not a live one.
    Unauthorized,
    /// 403: the token's role or level may not do this; the message says why.
    Forbidden(String),
    /// 404: nothing with that id (or not visible to this token).
    NotFound(String),
    /// 409: the state changed, or the action does not fit it.
    Conflict(String),
    /// 413: the body is larger than the configured limit.
    TooLarge { limit: usize },
    /// 415: the body is not `application/json`.
    UnsupportedMediaType(String),
    /// 422: a lexicon reload was refused; the old lexicon keeps running.
    Unprocessable(String),
    /// 500: logged in full with the request id; the client gets the id only.
    Internal(String),
    /// 503: the database cannot be reached.
    Unavailable(String),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid bearer token is required (Authorization: Bearer bm_…)".into(),
            ),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m.clone()),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m.clone()),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m.clone()),
            ApiError::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body exceeds the limit of {limit} bytes"),
            ),
            ApiError::UnsupportedMediaType(m) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                m.clone(),
            ),
            ApiError::Unprocessable(m) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", m.clone())
            }
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; the server log has the details under this request's id".into(),
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database is unavailable; nothing was recorded, retry later".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if let ApiError::Internal(cause) | ApiError::Unavailable(cause) = &self {
            tracing::error!(%status, cause = %cause, "request failed");
        }
        (
            status,
            Json(serde_json::json!({"error": {"code": code, "message": message}})),
        )
            .into_response()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Conflict => ApiError::Conflict(e.to_string()),
            crate::store::StoreError::Db(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) => {
                ApiError::Unavailable(e.to_string())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}
