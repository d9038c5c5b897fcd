-- The schema of baomi's record. Only TEXT and BIGINT columns, so SQLite and
-- PostgreSQL share one code path (sqlx Any). IF NOT EXISTS: a database made
-- by a development build before migrations were files is adopted as it is.

CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    level BIGINT,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE IF NOT EXISTS reviews (
    id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    title TEXT,
    submitter TEXT,
    department TEXT,
    channel TEXT,
    url TEXT,
    callback_url TEXT,
    token_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    status TEXT NOT NULL,
    level BIGINT NOT NULL,
    findings TEXT NOT NULL,
    incomplete TEXT,
    content TEXT,
    lexicon_version TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Name, type, size, hash and findings of each attachment (never the bytes).
    attachments TEXT,
    UNIQUE (item_id, content_hash)
);
CREATE INDEX IF NOT EXISTS reviews_status ON reviews (status, created_at);
CREATE INDEX IF NOT EXISTS reviews_created ON reviews (created_at);

CREATE TABLE IF NOT EXISTS resolutions (
    review_id TEXT NOT NULL,
    action TEXT NOT NULL,
    officer_token TEXT NOT NULL,
    officer TEXT NOT NULL,
    level BIGINT NOT NULL,
    comment TEXT NOT NULL,
    basis TEXT NOT NULL,
    override_block BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resolutions_review ON resolutions (review_id);

-- Append-only and hash-chained (see src/service/store/chain.rs).
CREATE TABLE IF NOT EXISTS events (
    seq BIGINT PRIMARY KEY,
    review_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL,
    url TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    delivered_at TEXT,
    next_attempt_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (delivered_at, next_attempt_at);

CREATE TABLE IF NOT EXISTS delivery_attempts (
    delivery_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
