//! `ApiError`: every way a request can fail, each with its status. The body
//! is always `{"error": {"code": "...", "message": "..."}}`. Internal causes
//! go to the log (with the request id), never into the response; the
//! message never quotes document text.

use crate::service::error::ServiceError;
use crate::service::store::StoreError;
use axum::http::{header, StatusCode};
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
    /// 405: the route exists, not with this method.
    MethodNotAllowed,
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
    /// 503 with `Retry-After: 1`: the database is busy (locked) or cannot be
    /// reached; nothing was recorded.
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
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take this method (see /api/v1/openapi.json)".into(),
            ),
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
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // Busy, not broken: the client may try again in a second.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict | StoreError::Duplicate => ApiError::Conflict(e.to_string()),
            ref transient if transient.is_transient() => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { .. } | ServiceError::BadRequest(_) => {
                ApiError::BadRequest(e.to_string())
            }
            ServiceError::Forbidden(m) => ApiError::Forbidden(m),
            ServiceError::Refused(r) => ApiError::Forbidden(r.to_string()),
            ServiceError::NotFound(m) => ApiError::NotFound(m),
            ServiceError::Conflict(m) => ApiError::Conflict(m),
            ServiceError::Store(s) => s.into(),
        }
    }
}

/// The body of every error response.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `conflict`, `too_large`, `unsupported_media_type`,
    /// `unprocessable`, `internal`, `unavailable`.
    pub code: String,
    /// What is wrong, in words; names the field, never document text.
    pub message: String,
}
