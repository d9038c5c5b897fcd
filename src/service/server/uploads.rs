//! Attachments on `POST /api/v1/reviews` and `POST /api/v1/check`: as base64
//! in the JSON body (`attachments: [{name, content_type, data}]`) or as file
//! parts of a `multipart/form-data` body (the other fields as text parts).
//!
//! Contract: [`ItemBody`] yields the request fields (deserialized exactly as
//! the JSON body would be, so errors name the same fields) and the decoded
//! files; a bad base64 string names `attachments[i].data`. What happens to
//! the files is the use case's business ([`crate::service::publish`]).

use super::error::ApiError;
use super::extractors::JsonBody;
use crate::service::app::AppState;
use crate::service::publish::Upload;
use axum::extract::{FromRequest, Multipart, Request};
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// At most this many attachments per item.
pub const MAX_ATTACHMENTS: usize = 50;

/// One attachment as JSON carries it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentInput {
    pub name: String,
    pub content_type: Option<String>,
    /// Standard base64 (padding optional).
    pub data: String,
}

/// Requests that may carry attachments expose them for decoding.
pub trait WithAttachments {
    fn take_attachments(&mut self) -> Vec<AttachmentInput>;
}

/// The fields of a request and its decoded attachments.
pub struct ItemBody<T>(pub T, pub Vec<Upload>);

impl<T: DeserializeOwned + WithAttachments + Send> FromRequest<AppState> for ItemBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = super::extractors::content_type(req.headers());
        if content_type == "multipart/form-data" {
            return from_multipart(req, state).await;
        }
        let JsonBody(mut fields) =
            JsonBody::<T>::from_request(req, state)
                .await
                .map_err(|e| match e {
                    ApiError::UnsupportedMediaType(_) => ApiError::UnsupportedMediaType(format!(
                        "the body must be application/json or multipart/form-data (got {:?})",
                        if content_type.is_empty() {
                            "nothing"
                        } else {
                            &content_type
                        }
                    )),
                    other => other,
                })?;
        let inputs = fields.take_attachments();
        let uploads = decode(inputs)?;
        Ok(ItemBody(fields, uploads))
    }
}

fn decode(inputs: Vec<AttachmentInput>) -> Result<Vec<Upload>, ApiError> {
    if inputs.len() > MAX_ATTACHMENTS {
        return Err(ApiError::BadRequest(format!(
            "field `attachments`: at most {MAX_ATTACHMENTS} attachments per item"
        )));
    }
    inputs
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            check_name(&a.name, i)?;
            let cleaned: String = a
                .data
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(cleaned.trim_end_matches('='))
                .map_err(|e| {
                    ApiError::BadRequest(format!(
                        "field `attachments[{i}].data` is not base64: {e}"
                    ))
                })?;
            Ok(Upload {
                name: a.name,
                content_type: a.content_type,
                bytes,
            })
        })
        .collect()
}

fn check_name(name: &str, i: usize) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.chars().count() > 255 {
        return Err(ApiError::BadRequest(format!(
            "field `attachments[{i}].name` must be 1 to 255 characters"
        )));
    }
    Ok(())
}

async fn from_multipart<T: DeserializeOwned + WithAttachments>(
    req: Request,
    state: &AppState,
) -> Result<ItemBody<T>, ApiError> {
    let limit = state.config.body_limit;
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("invalid multipart body: {}", e.body_text())))?;
    let mut fields = serde_json::Map::new();
    let mut uploads = Vec::new();
    let mut total = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::TooLarge { limit })
            }
            Err(e) => {
                return Err(ApiError::BadRequest(format!(
                    "invalid multipart body: {}",
                    e.body_text()
                )))
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge { limit }
            } else {
                ApiError::BadRequest(format!("invalid multipart body: {}", e.body_text()))
            }
        })?;
        total += bytes.len();
        if total > limit {
            return Err(ApiError::TooLarge { limit });
        }
        match file_name {
            Some(file_name) => {
                if uploads.len() >= MAX_ATTACHMENTS {
                    return Err(ApiError::BadRequest(format!(
                        "at most {MAX_ATTACHMENTS} attachments per item"
                    )));
                }
                check_name(&file_name, uploads.len())?;
                uploads.push(Upload {
                    name: file_name,
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
            None => {
                let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                    ApiError::BadRequest(format!("field `{name}` is not valid UTF-8"))
                })?;
                if fields
                    .insert(name.clone(), serde_json::Value::String(text))
                    .is_some()
                {
                    return Err(ApiError::BadRequest(format!(
                        "field `{name}` is given twice"
                    )));
                }
            }
        }
    }
    let value = serde_json::Value::Object(fields);
    let mut parsed: T = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = super::extractors::scrub_values(&e.into_inner().to_string());
        if path == "." || path.is_empty() {
            ApiError::BadRequest(format!("invalid form: {inner}"))
        } else {
            ApiError::BadRequest(format!("field `{path}`: {inner}"))
        }
    })?;
    // Attachments come as file parts here, never as a text field.
    let _ = parsed.take_attachments();
    Ok(ItemBody(parsed, uploads))
}
