//! The connection: [`Store`] over a pool for SQLite (WAL, `synchronous=FULL`)
//! or PostgreSQL, and the helpers every part of the store shares (time
//! stamps, ids, hashes). The error type is in `error`, the group-commit
//! queue in `group`.

use crate::engine::verdict::Decision;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

pub use super::error::StoreError;
pub use super::hashes::{framed_sha256, sha256_hex};

pub(super) type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What to keep of an item's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentRetention {
    /// Keep the text of items that are not `pass` (officers need it to
    /// decide); passed items keep only their hash. The default.
    Flagged,
    /// Keep every item's text.
    All,
}

/// The current time as fixed-width RFC 3339 UTC (sorts as text).
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Milliseconds since the epoch (inspection lease expiries and request
/// slots: compared across instances, so numbers, not text).
pub fn epoch_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A random id with a prefix: `rv_3f2a…` (64 bits of OS randomness).
pub fn random_id(prefix: &str) -> String {
    let mut buf = [0u8; 8];
    getrandom::getrandom(&mut buf).expect("the OS random source works");
    format!("{prefix}_{}", hex::encode(buf))
}

/// A random id that sorts by creation time: `rv_` + the milliseconds since
/// the epoch (11 hex digits, good until the year 2527) + 64 random bits.
/// Review ids are the primary key of the biggest table: a random key puts
/// each new row in a random page of the index, one more page to write per
/// review; a time-ordered one appends to the index's last page.
pub fn ordered_id(prefix: &str) -> String {
    let mut buf = [0u8; 8];
    getrandom::getrandom(&mut buf).expect("the OS random source works");
    let ms = u64::try_from(epoch_ms()).unwrap_or(0);
    format!("{prefix}_{ms:011x}{}", hex::encode(buf))
}

pub struct Store {
    pub(super) pool: AnyPool,
    pub(super) backend: Backend,
    pub(super) retention: ContentRetention,
    /// Serializes chain appends within this process.
    pub(super) append_lock: tokio::sync::Mutex<()>,
    /// Reviews waiting for the next group commit (see `record_review`).
    pub(super) group: super::group::GroupQueue,
    /// SQLite only: the thread that writes groups of new reviews (see
    /// `sqlite_writer`); PostgreSQL groups go through the pool.
    pub(super) writer: Option<super::sqlite_writer::SqliteWriter>,
    /// What `describe` prints (no password).
    description: String,
}

impl Store {
    /// Connects (creating a SQLite file if missing) and migrates.
    pub async fn connect(url: &str, retention: ContentRetention) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let mut writer_path = None;
        let (backend, url, description) = if let Some(path) = url.strip_prefix("sqlite://") {
            writer_path = Some(path.split('?').next().unwrap_or(path).to_string());
            let url = if url.contains('?') {
                url.to_string()
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, url, format!("sqlite://{path}"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let shown = match url.find('@') {
                Some(at) => format!("postgres://…{}", &url[at..]),
                None => url.to_string(),
            };
            (Backend::Postgres, url.to_string(), shown)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            // A ping per checkout is a round trip to a worker thread and
            // tells nothing about a local file; a server can go away.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never wait for the writer; FULL sync:
                        // a review is on disk before it is acknowledged.
                        sqlx::query("PRAGMA journal_mode=WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous=FULL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let mut store = Store {
            pool,
            backend,
            retention,
            append_lock: tokio::sync::Mutex::new(()),
            group: super::group::GroupQueue::default(),
            writer: None,
            description,
        };
        store.migrate().await?;
        if let Some(path) = writer_path {
            store.writer = Some(super::sqlite_writer::SqliteWriter::open(&path)?);
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database, for start-up lines (never the password).
    pub fn describe(&self) -> &str {
        &self.description
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Raw SQL for tests that tamper with the record.
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        Ok(sqlx::query(sql).execute(&self.pool).await?.rows_affected())
    }
}

pub fn parse_decision(s: &str) -> Option<Decision> {
    Some(match s {
        "pass" => Decision::Pass,
        "review" => Decision::Review,
        "block" => Decision::Block,
        _ => return None,
    })
}
