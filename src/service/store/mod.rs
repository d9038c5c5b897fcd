//! The store: every review, resolution, token and callback delivery, in
//! SQLite (embedded default, WAL) or PostgreSQL (shared by several
//! instances), through one code path (sqlx `Any`, `$N` placeholders in
//! order, only TEXT and BIGINT columns). One exception: on SQLite, new
//! reviews are written by a thread of their own with its own connection
//! (`sqlite_writer`, the same SQL), because statement round trips through
//! sqlx's worker thread were most of a recorded review's cost.
//!
//! Contract:
//! - a review and its `submitted` event are committed together; a resolution,
//!   its event, the review's new status and the callback delivery likewise;
//! - `events` is append-only and hash-chained: each row's `hash` covers its
//!   own fields and the previous row's hash. Appends are serialized (an
//!   in-process lock, plus `pg_advisory_xact_lock` on PostgreSQL so that
//!   several instances append one at a time);
//! - [`Store::verify_chain`] names the first event that was changed,
//!   inserted or deleted, and any review or resolution row that disagrees
//!   with the chain;
//! - only token hashes are stored, never the tokens.

mod anchors;
mod chain;
mod db;
mod deliveries;
mod error;
mod group;
mod hashes;
mod inspect_frontier;
mod inspect_records;
mod inspect_runs;
mod pool_group;
mod records;
mod resolutions;
mod reviews;
mod schema;
mod sessions;
mod settings;
mod sqlite_writer;
mod statements;
mod tokens;

pub use anchors::StoredAnchor;
pub use chain::ChainReport;
pub use db::{
    epoch_ms, framed_sha256, now, parse_decision, random_id, sha256_hex, Backend, ContentRetention,
    Store, StoreError,
};
pub use inspect_frontier::{Completion, Leased, NewEntry};
pub use inspect_records::NewAction;
pub use inspect_runs::{FrontierCounts, NewRun, RunRow};
pub use records::{
    AttachmentRecord, Delivery, DeliveryAttempt, NewResolution, NewReview, ResolutionRecord,
    ReviewRecord, TokenInfo,
};
