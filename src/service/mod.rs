//! The service layer: the publish and check use cases, the 三审 workflow,
//! the record (store), reports, callbacks, and `server` (HTTP only) on top.
//! Uses the engine and attach layers; nothing here is used by them.
//!
//! Contract: use cases ([`publish`], [`resolve`]) hold the domain logic and
//! return typed [`error::ServiceError`]s; HTTP handlers in [`server`] are
//! glue. A scan runs off the async runtime within a time budget: a failure
//! or a timeout is recorded as `review`, never `pass`. Logs carry request
//! ids, review ids and rule ids, never document text.

pub mod anchors;
pub mod app;
pub mod auth;
pub mod callbacks;
pub mod config;
pub mod error;
pub mod inspect;
pub mod lexicon_cache;
pub mod lexicons;
pub mod metrics;
pub mod period_report;
pub mod publish;
pub mod report;
pub mod report_docx;
pub mod report_inspect;
pub mod resolve;
pub mod run;
pub mod server;
pub mod signing;
pub mod store;
pub mod workflow;

pub use app::{App, AppState};
pub use config::ServeConfig;
pub use run::{Service, StartError};
