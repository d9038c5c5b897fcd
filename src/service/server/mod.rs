//! HTTP only: routes, extractors, errors, pages. Every handler is glue
//! between a request and a use case of the service layer.
//!
//! Contract: `/api/v1` answers JSON (documented in the OpenAPI document
//! served at `/api/v1/openapi.json`, generated from the handlers' types);
//! every error is `{"error": {"code", "message"}}` with the status its
//! [`error::ApiError`] variant documents. One log line per request (request
//! id, route, status, time), never a body.

mod admin;
pub mod error;
pub mod extractors;
mod health;
mod inspections;
pub mod pages;
pub mod responses;
mod reviews;
pub mod routes;
pub mod uploads;

pub use routes::{openapi_document, openapi_json, router};
