//! The store's error type, on its own so that every part of the store can
//! name it without importing the connection.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The SQLite review writer's own connection (see `sqlite_writer`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
    /// The transaction holding this review could not get the database now
    /// (locked by another process); nothing in it was recorded.
    #[error("the database is busy, nothing was recorded: {0}")]
    Busy(String),
    /// This item's content was recorded before (the unique key of
    /// `reviews`): the review is not written again.
    #[error("this item's content was recorded before")]
    Duplicate,
    /// The task writing this review's group stopped before it committed.
    #[error("the write holding this review was interrupted before it committed")]
    Interrupted,
}

impl StoreError {
    /// What each review of a group hears when the group's transaction
    /// failed: `Busy` when the database was locked (a retry will do),
    /// `Batch` otherwise. Nothing of the group was recorded either way.
    pub(super) fn for_the_group(&self) -> StoreError {
        if self.is_transient() {
            StoreError::Busy(self.to_string())
        } else {
            StoreError::Batch(self.to_string())
        }
    }

    /// Whether the database is busy or out of reach for now (a retry will
    /// do), not a fault: a locked SQLite file, a PostgreSQL lock or
    /// connection limit, an exhausted pool, a broken socket.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Db(e) => sqlx_transient(e),
            StoreError::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            StoreError::Busy(_) => true,
            _ => false,
        }
    }
}

fn sqlx_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED and their extended codes
            // (517, 261, 262…); PostgreSQL: 55P03 lock_not_available,
            // 53300 too_many_connections, 57P03 cannot_connect_now.
            let sqlite_busy = code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
            sqlite_busy
                || matches!(code.as_ref(), "55P03" | "53300" | "57P03")
                || db.message().contains("database is locked")
        }
        _ => false,
    }
}
