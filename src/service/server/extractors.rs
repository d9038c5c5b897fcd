//! Request extractors that fail with a clear [`ApiError`]: bearer tokens
//! with roles, JSON bodies (content type, size limit, UTF-8, field paths in
//! parse errors), and query strings and path segments (axum's own
//! rejections are plain text; these answer with the JSON error body).

use super::error::ApiError;
use crate::service::app::AppState;
use crate::service::store::TokenInfo;
use crate::service::workflow::Role;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// The caller, as its bearer token says.
#[derive(Debug, Clone)]
pub struct Caller(pub TokenInfo);

impl Caller {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::Forbidden(format!(
                "{what} needs a token with role {}; this token is {}",
                allowed.join(" or "),
                self.0.role
            )))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            // The pages: a session cookie (with CSRF checks), see `web`.
            return super::pages::caller_from_session(parts, state)
                .await?
                .map(Caller)
                .ok_or(ApiError::Unauthorized);
        };
        let header = header.to_str().map_err(|_| ApiError::Unauthorized)?;
        let secret = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let token = state.tokens.lookup(&state.store, secret).await?;
        token.map(Caller).ok_or(ApiError::Unauthorized)
    }
}

/// The request's media type, lower-cased, without parameters (`application/json`
/// for `Application/JSON; charset=utf-8`); "" when absent.
pub(super) fn content_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A parser's message without the submitted values it quotes: a wrongly
/// typed field may hold document text, and error messages (and the logs
/// that keep them) must not carry it. Field names and the expected types
/// stay.
pub fn scrub_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    loop {
        // `"…"`: a submitted string.
        let quote = rest.find('"');
        // `unknown variant `…``: a submitted value in backticks.
        let variant = rest.find("variant `").map(|p| p + "variant ".len());
        match (quote, variant) {
            (Some(q), v) if v.is_none_or(|v| q < v) => {
                out.push_str(rest[..q].trim_end());
                // The closing quote (serde writes strings Debug-escaped).
                let after = &rest[q + 1..];
                let mut escaped = false;
                let close = after.char_indices().find(|&(_, c)| {
                    let end = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    end
                });
                rest = close.map_or("", |(e, _)| &after[e + 1..]);
            }
            (_, Some(v)) => {
                out.push_str(rest[..v].trim_end());
                let after = &rest[v + 1..];
                rest = after.find('`').map_or("", |e| &after[e + 1..]);
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// A JSON body of type `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = content_type(req.headers());
        if content_type != "application/json" {
            return Err(ApiError::UnsupportedMediaType(format!(
                "the body must be application/json (got {:?})",
                if content_type.is_empty() {
                    "nothing"
                } else {
                    &content_type
                }
            )));
        }
        let limit = state.config.body_limit;
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| ApiError::TooLarge { limit })?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            ApiError::BadRequest(format!(
                "the body is not valid UTF-8 (first bad byte at offset {})",
                e.valid_up_to()
            ))
        })?;
        let de = &mut serde_json::Deserializer::from_str(text);
        let value: T = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
            let path = e.path().to_string();
            let inner = scrub_values(&e.into_inner().to_string());
            // `?` marks a position the parser never reached (syntax errors).
            if path == "." || path.is_empty() || path.contains('?') {
                ApiError::BadRequest(format!("invalid JSON body: {inner}"))
            } else {
                ApiError::BadRequest(format!("field `{path}`: {inner}"))
            }
        })?;
        // One JSON value and nothing after it: `{…} garbage` is not JSON.
        de.end().map_err(|e| {
            ApiError::BadRequest(format!(
                "invalid JSON body: something follows the JSON value ({e})"
            ))
        })?;
        Ok(JsonBody(value))
    }
}

/// A query string of type `T`; a bad one is a JSON 400 naming the parameter.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| QueryParams(q.0))
            .map_err(|e| ApiError::BadRequest(scrub_values(&e.body_text())))
    }
}

/// Path parameters of type `T`; a bad one (e.g. not UTF-8) is a JSON 400.
pub struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParams(p.0))
            .map_err(|e| ApiError::BadRequest(scrub_values(&e.body_text())))
    }
}

#[cfg(test)]
mod tests {
    use super::scrub_values;

    #[test]
    fn messages_keep_fields_and_types_but_not_submitted_values() {
        for (message, want) in [
            (
                "invalid type: string \"机密★1年 关于某工程\", expected a boolean at line 1 column 40",
                "invalid type: string, expected a boolean at line 1 column 40",
            ),
            (
                "unknown variant `机密`, expected `text` or `html`",
                "unknown variant, expected `text` or `html`",
            ),
            ("missing field `item_id`", "missing field `item_id`"),
            (
                "unknown field `colour`, expected one of `item_id`, `content`",
                "unknown field `colour`, expected one of `item_id`, `content`",
            ),
            ("invalid type: string \"a\\\"b\", expected u64", "invalid type: string, expected u64"),
        ] {
            assert_eq!(scrub_values(message), want, "{message}");
        }
    }
}
