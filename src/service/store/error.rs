//! The store's error type, on its own so that every part of the store can
//! name it without importing the connection.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("corrupt record {what}: {detail}")]
    Corrupt { what: String, detail: String },
    #[error("the review changed while it was being resolved; reload and try again")]
    Conflict,
    #[error("the database schema could not be migrated: {0}")]
    Migration(String),
    /// The transaction that held this review (with others) failed.
    #[error("the transaction holding this review failed, nothing in it was recorded: {0}")]
    Batch(String),
    /// The task writing this review's group stopped before it committed.
    #[error("the write holding this review was interrupted before it committed")]
    Interrupted,
}
