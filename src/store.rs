//! The store: every review, resolution, token and callback delivery, in
//! SQLite (embedded default, WAL) or PostgreSQL (shared by several
//! instances), through one code path (sqlx `Any`, `$N` placeholders in
//! order, only TEXT and BIGINT columns).
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

use crate::review::{Action, Role, Status, Transition};
use crate::verdict::{Decision, Finding};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::fmt;

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
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

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

/// A bearer token as stored (without its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub level: Option<i64>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A review to record.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub item_id: String,
    pub content: String,
    pub format: String,
    pub content_hash: String,
    pub title: Option<String>,
    pub submitter: Option<String>,
    pub department: Option<String>,
    pub channel: Option<String>,
    pub url: Option<String>,
    pub callback_url: Option<String>,
    pub token_id: String,
    pub decision: Decision,
    pub findings: Vec<Finding>,
    pub attachments: Vec<AttachmentRecord>,
    pub incomplete: Option<String>,
    pub lexicon_version: String,
    pub engine_version: String,
}

/// What the record keeps of one attachment: never its bytes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AttachmentRecord {
    pub name: String,
    pub content_type: Option<String>,
    pub size: u64,
    pub sha256: String,
    pub decision: Decision,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

/// A recorded review.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReviewRecord {
    pub review_id: String,
    pub item_id: String,
    pub content_hash: String,
    pub format: String,
    pub title: Option<String>,
    pub submitter: Option<String>,
    pub department: Option<String>,
    pub channel: Option<String>,
    pub url: Option<String>,
    #[serde(skip)]
    pub callback_url: Option<String>,
    #[serde(skip)]
    pub token_id: String,
    pub decision: Decision,
    pub status: Status,
    pub level: i64,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    #[serde(skip)]
    pub content: Option<String>,
    pub lexicon_version: String,
    pub engine_version: String,
    pub created_at: String,
    pub updated_at: String,
}

/// One officer's resolution.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResolutionRecord {
    pub review_id: String,
    pub action: Action,
    pub opinion: String,
    pub officer: String,
    pub level: i64,
    pub comment: String,
    pub basis: String,
    pub override_block: bool,
    pub created_at: String,
}

/// A resolution to record.
#[derive(Debug, Clone)]
pub struct NewResolution<'a> {
    pub action: Action,
    pub officer_token: &'a str,
    pub officer_name: &'a str,
    pub level: i64,
    pub comment: &'a str,
    pub basis: &'a str,
    pub transition: Transition,
    /// Where to send the outcome, if the review is finished.
    pub callback_url: Option<&'a str>,
}

/// A callback delivery waiting to go out.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub review_id: String,
    pub url: String,
    pub payload: String,
    pub attempts: i64,
}

/// One recorded delivery attempt.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveryAttempt {
    pub delivery_id: String,
    pub attempt: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub created_at: String,
}

/// What `verify_chain` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub events: i64,
    pub reviews: i64,
    /// The first problem, naming the row; `None` when everything verifies.
    pub problem: Option<String>,
}

impl fmt::Display for ChainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            None => write!(
                f,
                "audit chain verifies: {} events, {} reviews",
                self.events, self.reviews
            ),
            Some(p) => write!(f, "audit chain broken: {p}"),
        }
    }
}

/// The current time as fixed-width RFC 3339 UTC (sorts as text).
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A random id with a prefix: `rv_3f2a…` (64 bits of OS randomness).
pub fn random_id(prefix: &str) -> String {
    let mut buf = [0u8; 8];
    getrandom::getrandom(&mut buf).expect("the OS random source works");
    format!("{prefix}_{}", hex::encode(buf))
}

const MIGRATIONS: &[(i64, &[&str])] = &[(
    1,
    &[
        "CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, \
         level BIGINT, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT)",
        "CREATE TABLE reviews (id TEXT PRIMARY KEY, item_id TEXT NOT NULL, content_hash TEXT NOT NULL, \
         format TEXT NOT NULL, title TEXT, submitter TEXT, department TEXT, channel TEXT, url TEXT, \
         callback_url TEXT, token_id TEXT NOT NULL, decision TEXT NOT NULL, status TEXT NOT NULL, \
         level BIGINT NOT NULL, findings TEXT NOT NULL, incomplete TEXT, content TEXT, \
         lexicon_version TEXT NOT NULL, engine_version TEXT NOT NULL, created_at TEXT NOT NULL, \
         updated_at TEXT NOT NULL, UNIQUE (item_id, content_hash))",
        "CREATE INDEX reviews_status ON reviews (status, created_at)",
        "CREATE INDEX reviews_created ON reviews (created_at)",
        "CREATE TABLE resolutions (review_id TEXT NOT NULL, action TEXT NOT NULL, officer_token TEXT NOT NULL, \
         officer TEXT NOT NULL, level BIGINT NOT NULL, comment TEXT NOT NULL, basis TEXT NOT NULL, \
         override_block BIGINT NOT NULL, created_at TEXT NOT NULL)",
        "CREATE INDEX resolutions_review ON resolutions (review_id)",
        "CREATE TABLE events (seq BIGINT PRIMARY KEY, review_id TEXT NOT NULL, kind TEXT NOT NULL, \
         actor TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL, prev_hash TEXT NOT NULL, \
         hash TEXT NOT NULL)",
        "CREATE TABLE deliveries (id TEXT PRIMARY KEY, review_id TEXT NOT NULL, url TEXT NOT NULL, \
         payload TEXT NOT NULL, attempts BIGINT NOT NULL, delivered_at TEXT, next_attempt_at TEXT NOT NULL, \
         created_at TEXT NOT NULL)",
        "CREATE INDEX deliveries_due ON deliveries (delivered_at, next_attempt_at)",
        "CREATE TABLE delivery_attempts (delivery_id TEXT NOT NULL, attempt BIGINT NOT NULL, \
         status_code BIGINT, error TEXT, created_at TEXT NOT NULL)",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ],
), (
    2,
    // Attachments: name, type, size, hash and findings of each (the bytes
    // are not kept).
    &["ALTER TABLE reviews ADD COLUMN attachments TEXT"],
)];

/// A resolution row as [`Store::verify_chain`] compares it with its event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ResolutionFields {
    created_at: String,
    action: String,
    officer_token: String,
    officer: String,
    level: i64,
    comment: String,
    basis: String,
    override_block: bool,
}

/// The hash of the chain before its first event.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn event_hash(
    seq: i64,
    prev: &str,
    review_id: &str,
    kind: &str,
    actor: &str,
    payload: &str,
    at: &str,
) -> String {
    sha256_hex(format!("{seq}\n{prev}\n{review_id}\n{kind}\n{actor}\n{payload}\n{at}").as_bytes())
}

pub struct Store {
    pool: AnyPool,
    backend: Backend,
    retention: ContentRetention,
    /// Serializes chain appends within this process.
    append_lock: tokio::sync::Mutex<()>,
    /// What `describe` prints (no password).
    description: String,
}

impl Store {
    /// Connects (creating a SQLite file if missing) and migrates.
    pub async fn connect(url: &str, retention: ContentRetention) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url, description) = if let Some(path) = url.strip_prefix("sqlite://") {
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
        let store = Store {
            pool,
            backend,
            retention,
            append_lock: tokio::sync::Mutex::new(()),
            description,
        };
        store.migrate().await?;
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

    async fn migrate(&self) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        let _guard = self.append_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7212001)")
                .execute(&mut *tx)
                .await?;
        }
        let current: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM schema_version")
            .fetch_one(&mut *tx)
            .await?
            .try_get("v")?;
        for (version, statements) in MIGRATIONS {
            if current.is_some_and(|c| c >= *version) {
                continue;
            }
            for sql in *statements {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(now())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ----- settings -----------------------------------------------------

    /// A stored setting, created with `make` on first use.
    pub async fn setting_or_init(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String> {
        if let Some(row) = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
        {
            return Ok(row.try_get("value")?);
        }
        let value = make();
        let _ = sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(&value)
            .execute(&self.pool)
            .await;
        // Another instance may have won the race: read what is stored.
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }

    // ----- tokens -------------------------------------------------------

    /// Creates a token; returns its record and the secret (shown once).
    pub async fn create_token(
        &self,
        role: Role,
        level: Option<i64>,
        name: &str,
    ) -> Result<(TokenInfo, String)> {
        let mut secret = [0u8; 24];
        getrandom::getrandom(&mut secret).expect("the OS random source works");
        let secret = format!("bm_{}", hex::encode(secret));
        let info = TokenInfo {
            id: random_id("tk"),
            name: name.to_string(),
            role,
            level,
            created_at: now(),
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO tokens (id, name, role, level, hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&info.id)
        .bind(&info.name)
        .bind(role.as_str())
        .bind(level)
        .bind(sha256_hex(secret.as_bytes()))
        .bind(&info.created_at)
        .execute(&self.pool)
        .await?;
        Ok((info, secret))
    }

    fn token_from_row(row: &AnyRow) -> Result<TokenInfo> {
        let role: String = row.try_get("role")?;
        Ok(TokenInfo {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
                what: "token".into(),
                detail: format!("unknown role {role:?}"),
            })?,
            level: row.try_get("level")?,
            created_at: row.try_get("created_at")?,
            revoked_at: row.try_get("revoked_at")?,
        })
    }

    /// The live (not revoked) token with this secret.
    pub async fn token_by_secret(&self, secret: &str) -> Result<Option<TokenInfo>> {
        let row = sqlx::query(
            "SELECT id, name, role, level, created_at, revoked_at FROM tokens WHERE hash = $1 AND revoked_at IS NULL",
        )
        .bind(sha256_hex(secret.as_bytes()))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::token_from_row).transpose()
    }

    /// The live (not revoked) token with this id (sessions of the pages).
    pub async fn token_by_id(&self, id: &str) -> Result<Option<TokenInfo>> {
        let row = sqlx::query(
            "SELECT id, name, role, level, created_at, revoked_at FROM tokens WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::token_from_row).transpose()
    }

    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT id, name, role, level, created_at, revoked_at FROM tokens ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::token_from_row).collect()
    }

    /// Revokes by id or name; returns how many tokens were revoked.
    pub async fn revoke_token(&self, id_or_name: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE (id = $2 OR name = $3) AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(id_or_name)
        .bind(id_or_name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    // ----- reviews ------------------------------------------------------

    const REVIEW_COLUMNS: &'static str =
        "id, item_id, content_hash, format, title, submitter, department, channel, \
         url, callback_url, token_id, decision, status, level, findings, incomplete, content, \
         lexicon_version, engine_version, created_at, updated_at, attachments";

    fn review_from_row(row: &AnyRow) -> Result<ReviewRecord> {
        let id: String = row.try_get("id")?;
        let corrupt = |detail: String| StoreError::Corrupt {
            what: format!("review {id}"),
            detail,
        };
        let decision: String = row.try_get("decision")?;
        let status: String = row.try_get("status")?;
        let findings: String = row.try_get("findings")?;
        Ok(ReviewRecord {
            review_id: id.clone(),
            item_id: row.try_get("item_id")?,
            content_hash: row.try_get("content_hash")?,
            format: row.try_get("format")?,
            title: row.try_get("title")?,
            submitter: row.try_get("submitter")?,
            department: row.try_get("department")?,
            channel: row.try_get("channel")?,
            url: row.try_get("url")?,
            callback_url: row.try_get("callback_url")?,
            token_id: row.try_get("token_id")?,
            decision: parse_decision(&decision)
                .ok_or_else(|| corrupt(format!("decision {decision:?}")))?,
            status: Status::parse(&status).ok_or_else(|| corrupt(format!("status {status:?}")))?,
            level: row.try_get("level")?,
            findings: serde_json::from_str(&findings)
                .map_err(|e| corrupt(format!("findings: {e}")))?,
            attachments: match row.try_get::<Option<String>, _>("attachments")? {
                None => Vec::new(),
                Some(json) => {
                    serde_json::from_str(&json).map_err(|e| corrupt(format!("attachments: {e}")))?
                }
            },
            incomplete: row.try_get("incomplete")?,
            content: row.try_get("content")?,
            lexicon_version: row.try_get("lexicon_version")?,
            engine_version: row.try_get("engine_version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// Records a review, or returns the existing one for the same item and
    /// content (`false` = not newly created).
    pub async fn record_review(&self, new: NewReview) -> Result<(ReviewRecord, bool)> {
        if let Some(existing) = self
            .review_by_item_hash(&new.item_id, &new.content_hash)
            .await?
        {
            return Ok((existing, false));
        }
        let at = now();
        let status = Status::initial(new.decision);
        let findings_json = serde_json::to_string(&new.findings).unwrap_or_else(|_| "[]".into());
        let attachments_json = (!new.attachments.is_empty())
            .then(|| serde_json::to_string(&new.attachments).unwrap_or_else(|_| "[]".into()));
        let keep_content =
            new.decision != Decision::Pass || self.retention == ContentRetention::All;
        let id = random_id("rv");
        let payload = serde_json::json!({
            "item_id": new.item_id,
            "content_hash": new.content_hash,
            "decision": new.decision,
            "status": status,
            "level": 1,
            "findings_hash": findings_hash(&findings_json, attachments_json.as_deref()),
            "lexicon_version": new.lexicon_version,
            "engine_version": new.engine_version,
            "title": new.title,
            "submitter": new.submitter,
            "department": new.department,
        })
        .to_string();

        let _guard = self.append_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        self.lock_chain(&mut tx).await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO reviews ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $21, $22)",
            Self::REVIEW_COLUMNS
        ))
        .bind(&id)
        .bind(&new.item_id)
        .bind(&new.content_hash)
        .bind(&new.format)
        .bind(&new.title)
        .bind(&new.submitter)
        .bind(&new.department)
        .bind(&new.channel)
        .bind(&new.url)
        .bind(&new.callback_url)
        .bind(&new.token_id)
        .bind(new.decision.as_str())
        .bind(status.as_str())
        .bind(1i64)
        .bind(&findings_json)
        .bind(&new.incomplete)
        .bind(keep_content.then_some(new.content.as_str()))
        .bind(&new.lexicon_version)
        .bind(&new.engine_version)
        .bind(&at)
        .bind(&at)
        .bind(attachments_json.as_deref())
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            // A concurrent submission of the same item and content won.
            drop(tx);
            drop(_guard);
            if let Some(existing) = self
                .review_by_item_hash(&new.item_id, &new.content_hash)
                .await?
            {
                return Ok((existing, false));
            }
            return Err(e.into());
        }
        let actor = new
            .submitter
            .clone()
            .unwrap_or_else(|| new.token_id.clone());
        self.append_event(&mut tx, &id, "submitted", &actor, &payload, &at)
            .await?;
        tx.commit().await?;
        drop(_guard);
        let record = self.review(&id).await?.ok_or_else(|| StoreError::Corrupt {
            what: format!("review {id}"),
            detail: "not found right after commit".into(),
        })?;
        Ok((record, true))
    }

    async fn lock_chain(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7212002)")
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    async fn append_event(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        review_id: &str,
        kind: &str,
        actor: &str,
        payload: &str,
        at: &str,
    ) -> Result<()> {
        let head = sqlx::query("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
        let (seq, prev) = match head {
            Some(row) => (
                row.try_get::<i64, _>("seq")? + 1,
                row.try_get::<String, _>("hash")?,
            ),
            None => (1, GENESIS.to_string()),
        };
        let hash = event_hash(seq, &prev, review_id, kind, actor, payload, at);
        sqlx::query(
            "INSERT INTO events (seq, review_id, kind, actor, payload, created_at, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(review_id)
        .bind(kind)
        .bind(actor)
        .bind(payload)
        .bind(at)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn review_by_item_hash(&self, item_id: &str, hash: &str) -> Result<Option<ReviewRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE item_id = $1 AND content_hash = $2",
            Self::REVIEW_COLUMNS
        ))
        .bind(item_id)
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::review_from_row).transpose()
    }

    pub async fn review(&self, id: &str) -> Result<Option<ReviewRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE id = $1",
            Self::REVIEW_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::review_from_row).transpose()
    }

    /// Every review of an item, oldest first.
    pub async fn item_history(&self, item_id: &str) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE item_id = $1 ORDER BY created_at, id",
            Self::REVIEW_COLUMNS
        ))
        .bind(item_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::review_from_row).collect()
    }

    /// Pending reviews, oldest first, optionally at one level or department.
    pub async fn queue(
        &self,
        level: Option<i64>,
        department: Option<&str>,
    ) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE status = 'pending' ORDER BY created_at, id",
            Self::REVIEW_COLUMNS
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let r = Self::review_from_row(row)?;
            if level.is_some_and(|l| l != r.level)
                || department.is_some_and(|d| r.department.as_deref() != Some(d))
            {
                continue;
            }
            out.push(r);
        }
        Ok(out)
    }

    pub async fn queue_size(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM reviews WHERE status = 'pending'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Reviews created in `[from, to)` (RFC 3339 prefixes compare as text).
    pub async fn reviews_between(&self, from: &str, to: &str) -> Result<Vec<ReviewRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM reviews WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id",
            Self::REVIEW_COLUMNS
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::review_from_row).collect()
    }

    fn resolution_from_row(row: &AnyRow) -> Result<ResolutionRecord> {
        let action: String = row.try_get("action")?;
        let action = match action.as_str() {
            "approve" => Action::Approve,
            "reject" => Action::Reject,
            "escalate" => Action::Escalate,
            other => {
                return Err(StoreError::Corrupt {
                    what: "resolution".into(),
                    detail: format!("unknown action {other:?}"),
                })
            }
        };
        Ok(ResolutionRecord {
            review_id: row.try_get("review_id")?,
            action,
            opinion: action.opinion().to_string(),
            officer: row.try_get("officer")?,
            level: row.try_get("level")?,
            comment: row.try_get("comment")?,
            basis: row.try_get("basis")?,
            override_block: row.try_get::<i64, _>("override_block")? != 0,
            created_at: row.try_get("created_at")?,
        })
    }

    pub async fn resolutions(&self, review_id: &str) -> Result<Vec<ResolutionRecord>> {
        let rows = sqlx::query(
            "SELECT review_id, action, officer, level, comment, basis, override_block, created_at \
             FROM resolutions WHERE review_id = $1 ORDER BY created_at",
        )
        .bind(review_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::resolution_from_row).collect()
    }

    pub async fn resolutions_between(&self, from: &str, to: &str) -> Result<Vec<ResolutionRecord>> {
        let rows = sqlx::query(
            "SELECT review_id, action, officer, level, comment, basis, override_block, created_at \
             FROM resolutions WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::resolution_from_row).collect()
    }

    /// Records a resolution: the review moves only if it is still in the
    /// state the transition was decided from (else [`StoreError::Conflict`]).
    pub async fn resolve(
        &self,
        review: &ReviewRecord,
        r: NewResolution<'_>,
    ) -> Result<ReviewRecord> {
        let at = now();
        let payload = serde_json::json!({
            "action": r.action,
            "officer": r.officer_name,
            "officer_token": r.officer_token,
            "level": r.level,
            "comment": r.comment,
            "basis": r.basis,
            "status": r.transition.status,
            "new_level": r.transition.level,
            "override_block": r.transition.override_block,
        })
        .to_string();
        let _guard = self.append_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        self.lock_chain(&mut tx).await?;
        let moved = sqlx::query(
            "UPDATE reviews SET status = $1, level = $2, updated_at = $3 \
             WHERE id = $4 AND status = 'pending' AND level = $5",
        )
        .bind(r.transition.status.as_str())
        .bind(r.transition.level)
        .bind(&at)
        .bind(&review.review_id)
        .bind(review.level)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        sqlx::query(
            "INSERT INTO resolutions (review_id, action, officer_token, officer, level, comment, basis, \
             override_block, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&review.review_id)
        .bind(r.action.as_str())
        .bind(r.officer_token)
        .bind(r.officer_name)
        .bind(r.level)
        .bind(r.comment)
        .bind(r.basis)
        .bind(i64::from(r.transition.override_block))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        self.append_event(
            &mut tx,
            &review.review_id,
            "resolved",
            r.officer_name,
            &payload,
            &at,
        )
        .await?;
        if let (Some(url), true) = (r.callback_url, r.transition.status != Status::Pending) {
            let body = serde_json::json!({
                "review_id": review.review_id,
                "item_id": review.item_id,
                "decision": review.decision,
                "status": r.transition.status,
                "resolution": {
                    "action": r.action, "opinion": r.action.opinion(), "officer": r.officer_name,
                    "level": r.level, "comment": r.comment, "basis": r.basis, "at": at,
                },
            })
            .to_string();
            sqlx::query(
                "INSERT INTO deliveries (id, review_id, url, payload, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(random_id("dl"))
            .bind(&review.review_id)
            .bind(url)
            .bind(&body)
            .bind(0i64)
            .bind(&at)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        drop(_guard);
        self.review(&review.review_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                what: format!("review {}", review.review_id),
                detail: "vanished after resolution".into(),
            })
    }

    // ----- deliveries ---------------------------------------------------

    /// Deliveries not yet accepted whose next attempt is due at `at`.
    pub async fn due_deliveries(&self, at: &str, limit: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT id, review_id, url, payload, attempts FROM deliveries \
             WHERE delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(at)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Delivery {
                    id: row.try_get("id")?,
                    review_id: row.try_get("review_id")?,
                    url: row.try_get("url")?,
                    payload: row.try_get("payload")?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Records one attempt; `next_attempt_at` is `None` when it was accepted.
    pub async fn record_attempt(
        &self,
        delivery: &Delivery,
        status_code: Option<i64>,
        error: Option<&str>,
        next_attempt_at: Option<&str>,
    ) -> Result<()> {
        let at = now();
        let attempt = delivery.attempts + 1;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO delivery_attempts (delivery_id, attempt, status_code, error, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&delivery.id)
        .bind(attempt)
        .bind(status_code)
        .bind(error)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        match next_attempt_at {
            None => {
                sqlx::query("UPDATE deliveries SET attempts = $1, delivered_at = $2 WHERE id = $3")
                    .bind(attempt)
                    .bind(&at)
                    .bind(&delivery.id)
                    .execute(&mut *tx)
                    .await?
            }
            Some(next) => {
                sqlx::query(
                    "UPDATE deliveries SET attempts = $1, next_attempt_at = $2 WHERE id = $3",
                )
                .bind(attempt)
                .bind(next)
                .bind(&delivery.id)
                .execute(&mut *tx)
                .await?
            }
        };
        tx.commit().await?;
        Ok(())
    }

    /// Every recorded attempt for a review's deliveries, oldest first.
    pub async fn delivery_attempts(&self, review_id: &str) -> Result<Vec<DeliveryAttempt>> {
        let rows = sqlx::query(
            "SELECT a.delivery_id, a.attempt, a.status_code, a.error, a.created_at \
             FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id \
             WHERE d.review_id = $1 ORDER BY a.created_at, a.attempt",
        )
        .bind(review_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeliveryAttempt {
                    delivery_id: row.try_get("delivery_id")?,
                    attempt: row.try_get("attempt")?,
                    status_code: row.try_get("status_code")?,
                    error: row.try_get("error")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    // ----- audit --------------------------------------------------------

    /// Walks the chain from the first event; see the module docs.
    pub async fn verify_chain(&self) -> Result<ChainReport> {
        use std::collections::BTreeMap;
        let rows = sqlx::query(
            "SELECT seq, review_id, kind, actor, payload, created_at, prev_hash, hash FROM events ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut expected_prev = GENESIS.to_string();
        // What the chain says each review should look like now.
        let mut replay: BTreeMap<String, (String, String, String, i64, String)> = BTreeMap::new();
        // What the chain says each review's resolution rows hold.
        let mut chained_resolutions: BTreeMap<String, Vec<ResolutionFields>> = BTreeMap::new();
        let events = rows.len() as i64;
        let report = |problem: String| ChainReport {
            events,
            reviews: 0,
            problem: Some(problem),
        };
        for (expected_seq, row) in (1i64..).zip(rows.iter()) {
            let seq: i64 = row.try_get("seq")?;
            let review_id: String = row.try_get("review_id")?;
            let kind: String = row.try_get("kind")?;
            let actor: String = row.try_get("actor")?;
            let payload: String = row.try_get("payload")?;
            let at: String = row.try_get("created_at")?;
            let prev: String = row.try_get("prev_hash")?;
            let hash: String = row.try_get("hash")?;
            if seq != expected_seq {
                return Ok(report(format!(
                    "event {expected_seq} is missing (deleted): the chain jumps from {} to {seq}",
                    expected_seq - 1
                )));
            }
            if prev != expected_prev {
                return Ok(report(format!(
                    "event {seq} does not follow event {}: an event was inserted or deleted before it",
                    seq - 1
                )));
            }
            if event_hash(seq, &prev, &review_id, &kind, &actor, &payload, &at) != hash {
                return Ok(report(format!(
                    "event {seq} (review {review_id}, {kind}) was changed"
                )));
            }
            let p: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
            let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            match kind.as_str() {
                "submitted" => {
                    replay.insert(
                        review_id,
                        (
                            text("content_hash"),
                            text("decision"),
                            text("status"),
                            p["level"].as_i64().unwrap_or(1),
                            text("findings_hash"),
                        ),
                    );
                }
                "resolved" => {
                    let Some(state) = replay.get_mut(&review_id) else {
                        return Ok(report(format!(
                            "event {seq} resolves review {review_id}, which was never submitted"
                        )));
                    };
                    state.2 = text("status");
                    state.3 = p["new_level"].as_i64().unwrap_or(state.3);
                    chained_resolutions
                        .entry(review_id)
                        .or_default()
                        .push(ResolutionFields {
                            created_at: at,
                            action: text("action"),
                            officer_token: text("officer_token"),
                            officer: text("officer"),
                            level: p["level"].as_i64().unwrap_or(0),
                            comment: text("comment"),
                            basis: text("basis"),
                            override_block: p["override_block"].as_bool().unwrap_or(false),
                        });
                }
                _ => {}
            }
            expected_prev = hash;
        }
        let rows = sqlx::query(
            "SELECT id, content_hash, decision, status, level, findings, attachments FROM reviews ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let reviews = rows.len() as i64;
        let mut seen = 0usize;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let findings: String = row.try_get("findings")?;
            let attachments: Option<String> = row.try_get("attachments")?;
            let actual = (
                row.try_get::<String, _>("content_hash")?,
                row.try_get::<String, _>("decision")?,
                row.try_get::<String, _>("status")?,
                row.try_get::<i64, _>("level")?,
                findings_hash(&findings, attachments.as_deref()),
            );
            match replay.get(&id) {
                None => {
                    return Ok(ChainReport {
                        events,
                        reviews,
                        problem: Some(format!("review {id} is not in the chain (inserted outside baomi)")),
                    })
                }
                Some(want) if *want != actual => {
                    return Ok(ChainReport {
                        events,
                        reviews,
                        problem: Some(format!(
                            "review {id} was changed: the table says {}/{}/level {}, the chain says {}/{}/level {}{}",
                            actual.1,
                            actual.2,
                            actual.3,
                            want.1,
                            want.2,
                            want.3,
                            if want.0 != actual.0 || want.4 != actual.4 { " (content or findings differ)" } else { "" }
                        )),
                    })
                }
                Some(_) => seen += 1,
            }
        }
        if seen != replay.len() {
            let present: std::collections::HashSet<String> = rows
                .iter()
                .filter_map(|r| r.try_get::<String, _>("id").ok())
                .collect();
            let missing = replay
                .keys()
                .find(|id| !present.contains(*id))
                .cloned()
                .unwrap_or_default();
            return Ok(ChainReport {
                events,
                reviews,
                problem: Some(format!(
                    "review {missing} was deleted from the reviews table"
                )),
            });
        }
        // Resolution rows are what forms and reports show: each must be the
        // one its `resolved` event recorded.
        let rows = sqlx::query(
            "SELECT review_id, action, officer_token, officer, level, comment, basis, \
             override_block, created_at FROM resolutions",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut tabled: BTreeMap<String, Vec<ResolutionFields>> = BTreeMap::new();
        for row in &rows {
            tabled
                .entry(row.try_get("review_id")?)
                .or_default()
                .push(ResolutionFields {
                    created_at: row.try_get("created_at")?,
                    action: row.try_get("action")?,
                    officer_token: row.try_get("officer_token")?,
                    officer: row.try_get("officer")?,
                    level: row.try_get("level")?,
                    comment: row.try_get("comment")?,
                    basis: row.try_get("basis")?,
                    override_block: row.try_get::<i64, _>("override_block")? != 0,
                });
        }
        for list in tabled.values_mut().chain(chained_resolutions.values_mut()) {
            list.sort();
        }
        let ids: std::collections::BTreeSet<&String> =
            tabled.keys().chain(chained_resolutions.keys()).collect();
        for id in ids {
            let (table, chain) = (tabled.get(id), chained_resolutions.get(id));
            if table != chain {
                return Ok(ChainReport {
                    events,
                    reviews,
                    problem: Some(format!(
                        "the resolutions of review {id} were changed, inserted or deleted: \
                         the table has {}, the chain records {}",
                        table.map_or(0, Vec::len),
                        chain.map_or(0, Vec::len)
                    )),
                });
            }
        }
        Ok(ChainReport {
            events,
            reviews,
            problem: None,
        })
    }

    /// Raw SQL for tests that tamper with the record.
    #[doc(hidden)]
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        Ok(sqlx::query(sql).execute(&self.pool).await?.rows_affected())
    }
}

/// What the chain records of a review's findings: the hash of the text's
/// findings, and of the attachments' records when there are any.
fn findings_hash(findings_json: &str, attachments_json: Option<&str>) -> String {
    match attachments_json {
        None => sha256_hex(findings_json.as_bytes()),
        Some(a) => sha256_hex(format!("{findings_json}\n{a}").as_bytes()),
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
